"""Writing values at indices: index_copy, index_put, put, scatter_reduce, masked_scatter (and their
in-place forms ``x.index_copy_(...)`` ...).

Part III, ops/ reading order: after gather_scatter. Each op is "out = x, then write source into some
places of out", so the gradients share one shape: the places that were *overwritten* pass no gradient
back to x (their old value is gone), and each value of source gets the gradient of the place it went.
Where values are *combined* instead (accumulate=True, scatter_reduce), x keeps its gradient too.
"""

from __future__ import annotations

import numpy as np

from glassgrad.autograd.function import Primitive
from glassgrad.dtypes import TORCH_NAMES
from glassgrad.ops._util import check_shapes, unbroadcast
from glassgrad.ops.gather_scatter import _grid
from glassgrad.ops.indexing import _index_tensor, _inplace
from glassgrad.tensor import Tensor

__all__ = ["index_copy", "index_put", "put", "scatter_reduce", "masked_scatter"]


class IndexCopy(Primitive):
    """out = x;  out[..., index[i], ...] = source[..., i, ...] along dim.
    grad_x = g with the written slices zeroed;  grad_source = g[..., index, ...]"""

    @staticmethod
    def forward(ctx, x, dim, index, source):
        ctx.key = key = (slice(None),) * dim + (index,)
        out = x.copy()
        out[key] = source
        return out

    @staticmethod
    def backward(ctx, g):
        grad_x = g.copy()
        grad_x[ctx.key] = 0
        return grad_x, None, None, g[ctx.key]


def _scalar_type(t: Tensor) -> str:
    """PyTorch's C++ name of a tensor's dtype, as its messages print it: Float, Double, Long ..."""
    return TORCH_NAMES.get(t._array.dtype.name, t._array.dtype.name)


def index_copy(input, dim, index, source):  # noqa: A002
    """out = input with the slices at ``index`` along ``dim`` replaced by source's slices, in order."""
    if index._array.dtype != np.int64:
        raise RuntimeError(f"index_copy_(): Expected a long tensor for index, but got {_scalar_type(index)}")
    a = index._array.reshape(-1)
    d = input._dim(dim) if input._array.ndim else 0
    n_source = source._array.shape[d] if source._array.ndim else 1
    if a.size != n_source:
        raise IndexError(f"index_copy_(): Number of indices ({a.size}) should be equal to source.size(dim) "
                         f"({n_source})")
    if input._array.dtype != source._array.dtype:
        raise RuntimeError(f"index_copy_(): self and source expected to have the same dtype, but got (self) "
                           f"{_scalar_type(input)} and (source) {_scalar_type(source)}")
    n = input._array.shape[d] if input._array.ndim else 1
    if a.size and (a.min() < -n or a.max() >= n):
        raise IndexError(f"index_copy_(): index {a[(a < -n) | (a >= n)][0]} is out of bounds for dimension "
                         f"{d} with size {n}")
    return IndexCopy.apply(input, d, a, source)


class IndexPut(Primitive):
    """out = x;  out[indices] = values (accumulate: out[indices] += values, repeats adding up).
    grad_x = g, zeroed at the written places unless accumulating;  grad_values = g[indices], summed back
    to values' shape"""

    @staticmethod
    def forward(ctx, x, values, key, accumulate):
        ctx.key, ctx.accumulate, ctx.values_shape = key, accumulate, np.shape(values)
        out = x.copy()
        if accumulate:
            np.add.at(out, key, values)
        else:
            out[key] = values
        return out

    @staticmethod
    def backward(ctx, g):
        grad_x = g
        if not ctx.accumulate:
            grad_x = g.copy()
            grad_x[ctx.key] = 0
        return grad_x, unbroadcast(g[ctx.key], ctx.values_shape), None, None


def index_put(input, indices, values, accumulate=False):  # noqa: A002
    """out = input with out[indices] = values (``indices`` a tuple of index or mask tensors, as x[i, j])."""
    if not isinstance(indices, (tuple, list)):
        raise TypeError(f"index_put(): argument 'indices' (position 1) must be tuple of Tensors, not "
                        f"{type(indices).__name__}")
    if len(indices) > input._array.ndim:
        raise IndexError(f"too many indices for tensor of dimension {input._array.ndim} (got {len(indices)})")
    key = tuple(slice(None) if i is None else i._array if isinstance(i, Tensor) else np.asarray(i) for i in indices)
    for k in key:
        if isinstance(k, np.ndarray) and k.dtype.kind not in "biu":
            raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
    if not isinstance(values, Tensor):
        values = Tensor._wrap(np.asarray(values, input._array.dtype))
    if values._array.dtype != input._array.dtype:
        raise RuntimeError(f"Index put requires the source and destination dtypes match, got "
                              f"{_scalar_type(input)} for the destination and {_scalar_type(values)} for the source.")
    return IndexPut.apply(input, values, key, bool(accumulate))


class Put(Primitive):
    """out = x;  out.flat[index] = source.flat (accumulate: +=).
    grad_x = g, zeroed at the written places unless accumulating;  grad_source = g.flat[index]"""

    @staticmethod
    def forward(ctx, x, index, source, accumulate):
        ctx.index, ctx.accumulate, ctx.source_shape = index, accumulate, source.shape
        out = x.copy().reshape(-1)
        if accumulate:
            np.add.at(out, index, source.reshape(-1))
        else:
            out[index] = source.reshape(-1)
        return out.reshape(x.shape)

    @staticmethod
    def backward(ctx, g):
        flat = g.reshape(-1)
        grad_x = g
        if not ctx.accumulate:
            grad_x = flat.copy()
            grad_x[ctx.index] = 0
            grad_x = grad_x.reshape(g.shape)
        return grad_x, None, flat[ctx.index].reshape(ctx.source_shape), None


def put(input, index, source, accumulate=False):  # noqa: A002
    """out = input treated as 1-d, with out[index] = source (``index`` and ``source`` of equal numel)."""
    a = _index_tensor(index, "put_", RuntimeError).reshape(-1)
    if a.size != source.numel():
        raise IndexError(f"put_(): Expected source and index to have the same number of elements, but got "
                           f"source.numel() = {source.numel()}, index.numel() = {a.size}")
    if input._array.dtype != source._array.dtype:
        raise RuntimeError(f"put_(): self and source expected to have the same dtype, but got self.dtype = "
                           f"{_scalar_type(input)} and source.dtype = {_scalar_type(source)}")
    n = input.numel()
    if a.size and (a.min() < -n or a.max() >= n):
        bad = a[(a < -n) | (a >= n)][0]
        raise IndexError(f"out of range: tried to access index {bad} on a tensor of {n} elements.")
    return Put.apply(input, a, source, bool(accumulate))


class ScatterReduce(Primitive):
    """out = x, with out[i][index[i][j]] ⊕= src[i][j] (dim = 1) for ⊕ = sum, prod, mean, amax, amin;
    ``include_self=False`` starts each written place from the first value scattered there instead of x.

    sum:  grad_x = g (0 at written places without include_self);  grad_src = g[index]
    mean: out = (x·[include_self] + Σ src)/count;  grad_x = g/count;  grad_src = (g/count)[index]
    prod: grad = g · (the product of the other values at that place): out / value, or with a zero among
          them the product of the nonzero others when the value is the only zero, and 0 otherwise
    amax, amin: g is shared evenly among the values equal to the result (x counted among them even
    without include_self, as PyTorch: then x's share is lost)"""

    differentiable_backward = False

    @staticmethod
    def forward(ctx, x, dim, index, src, reduce, include_self):
        grid = _grid(index, dim)
        head = tuple(slice(0, n) for n in index.shape)
        ctx.src_shape, ctx.head = src.shape, head  # (kept only when a gradient is wanted)
        src = src[head]  # an index smaller than src reads src's first values
        written = np.zeros(x.shape, bool)
        written[grid] = True
        count = np.zeros(x.shape, np.int64)
        np.add.at(count, grid, 1)
        fresh = written & (not include_self)  # the places that start from the scattered values alone
        if reduce in ("sum", "mean"):
            out = np.where(fresh, 0, x).astype(x.dtype)
            np.add.at(out, grid, src)
            if reduce == "mean":
                count = count + (include_self | ~written)
                out = out / count if x.dtype.kind == "f" else out // count
        elif reduce == "prod":
            out = np.where(fresh, 1, x).astype(x.dtype)
            np.multiply.at(out, grid, src)
        else:
            ufunc = np.maximum if reduce == "amax" else np.minimum
            start = np.where(ufunc is np.maximum, -np.inf, np.inf) if x.dtype.kind == "f" else (
                np.iinfo(x.dtype).min if ufunc is np.maximum else np.iinfo(x.dtype).max)
            out = np.where(fresh, start, x).astype(x.dtype)
            ufunc.at(out, grid, src)
        ctx.values = (x.copy(), src, out)  # a copy of x: scatter_reduce_ writes the result into x's array
        ctx.grid, ctx.reduce, ctx.include_self, ctx.written, ctx.count = grid, reduce, include_self, written, count
        return np.asarray(out, x.dtype)

    @staticmethod
    def backward(ctx, g):
        x, src, out = ctx.values
        grid, keep = ctx.grid, ctx.include_self | ~ctx.written
        with np.errstate(divide="ignore", invalid="ignore"):
            if ctx.reduce == "sum":
                grad_x, grad_src = g * keep, g[grid]
            elif ctx.reduce == "mean":
                grad_x, grad_src = g * keep / ctx.count, (g / ctx.count)[grid]
            elif ctx.reduce == "prod":
                zeros = np.zeros(x.shape, np.int64)
                np.add.at(zeros, grid, src == 0)
                zeros = zeros + keep * (x == 0)
                nonzero = np.where(keep & (x != 0), x, 1).astype(x.dtype)
                np.multiply.at(nonzero, grid, np.where(src == 0, 1, src))

                def others(v, z, p):  # product of the other values at the place of v
                    return np.where(v != 0, np.where(z == 0, p / np.where(v == 0, 1, v), 0), np.where(z == 1, p, 0))
                grad_x = g * others(x, zeros, nonzero) * keep
                grad_src = g[grid] * others(src, zeros[grid], nonzero[grid])
            else:
                ties = np.zeros(x.shape, np.int64)
                np.add.at(ties, grid, src == out[grid])
                ties = ties + (x == out)  # PyTorch counts x's tie even when include_self=False
                share = g / ties
                grad_x = np.where(keep & (x == out), share, 0)
                grad_src = np.where(src == out[grid], share[grid], 0)
        full_src = np.zeros(ctx.src_shape, g.dtype)
        full_src[ctx.head] = grad_src
        return np.asarray(grad_x, g.dtype), None, None, full_src, None, None


_REDUCTIONS = ("sum", "prod", "mean", "amax", "amin")


def scatter_reduce(input, dim, index, src, reduce, *, include_self=True):  # noqa: A002
    """out = input, with each src[i][j] combined into out[i][index[i][j]] (dim = 1) by ``reduce``:
    "sum", "prod", "mean", "amax" or "amin"."""
    if reduce not in _REDUCTIONS:
        raise RuntimeError(f"reduce argument must be either sum, prod, mean, amax or amin, got {reduce}")
    a = _index_tensor(index, "scatter_reduce", RuntimeError)
    d = input._dim(dim) if input._array.ndim else 0
    if a.ndim != input._array.ndim or src._array.ndim != input._array.ndim:
        raise RuntimeError("Index tensor must have the same number of dimensions as self tensor")
    if input._array.dtype != src._array.dtype:
        raise RuntimeError("scatter(): Expected self.dtype to be equal to src.dtype")
    n = input._array.shape[d]
    if a.size and (a.min() < -n or a.max() >= n):
        raise RuntimeError(f"index {a[(a < -n) | (a >= n)].flat[0]} is out of bounds for dimension {d} with size {n}")
    return ScatterReduce.apply(input, d, np.where(a < 0, a + n, a), src, reduce, bool(include_self))


class MaskedScatter(Primitive):
    """out = x, with the places where mask is True filled, in row-major order, by source's first values.
    grad_x = g where mask is False;  grad_source = g[mask] in source's first places, 0 in the rest"""

    @staticmethod
    def forward(ctx, x, mask, source):
        mask = np.broadcast_to(mask, x.shape)
        k = int(mask.sum())
        ctx.mask, ctx.k, ctx.source_shape = mask, k, source.shape
        out = x.copy()
        out[mask] = source.reshape(-1)[:k]
        return out

    @staticmethod
    def backward(ctx, g):
        grad_source = np.zeros(int(np.prod(ctx.source_shape)), g.dtype)
        grad_source[:ctx.k] = g[ctx.mask]
        return np.where(ctx.mask, 0, g), None, grad_source.reshape(ctx.source_shape)


def masked_scatter(input, mask, source):  # noqa: A002
    """out = input, with source's values (in order) copied into the places where ``mask`` is True."""
    if mask._array.dtype != np.bool_:
        raise RuntimeError(f"masked_scatter_ only supports boolean masks, but got mask with dtype "
                           f"{_scalar_type(mask)}")
    if input._array.dtype != source._array.dtype:
        raise RuntimeError(f"masked_scatter: expected self and source to have same dtypes but got"  # (sic)
                           f"{_scalar_type(input)} and {_scalar_type(source)}")
    check_shapes("masked_scatter", mask._array.shape, input._array.shape)
    shape = np.broadcast_shapes(input._array.shape, mask._array.shape)
    if shape != input._array.shape:  # a larger mask widens the result, as PyTorch's out-of-place form does
        input = input.expand(shape)
    k = int(np.broadcast_to(mask._array, shape).sum())
    if k > source.numel():
        raise RuntimeError("Number of elements of source < number of ones in mask")
    return MaskedScatter.apply(input, mask._array, source)


TENSOR_METHODS = {
    "index_copy": index_copy, "index_copy_": _inplace(index_copy), "index_put": index_put,
    "index_put_": _inplace(index_put), "put": put, "put_": _inplace(put), "scatter_reduce": scatter_reduce,
    "scatter_reduce_": _inplace(scatter_reduce), "masked_scatter": masked_scatter,
    "masked_scatter_": _inplace(masked_scatter),
}
