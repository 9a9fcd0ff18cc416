"""Gather and scatter along one dimension, and sort/topk built on gather.

Part III, after ``indexing.py`` (x[...], the same idea for a whole key). ``gather`` picks, for each
position of an index tensor, one element along ``dim``; ``scatter_add`` adds each source element into
one place along ``dim``. Each is the other's backward: what gather picked, its gradient scatter-adds
back (an element picked twice gets both gradients); what scatter_add added, its gradient gathers.
``sort`` and ``topk`` compute the order with numpy, then take the values with ``gather``, so the
gradient of each value flows back to the place it came from.
"""

from __future__ import annotations

import numbers

import numpy as np

from glassgrad.autograd.function import Primitive
from glassgrad.ops._util import torch_keywords
from glassgrad.ops.indexing import _index_tensor, _inplace
from glassgrad.ops.joining import embed
from glassgrad.ops.reduce import return_types
from glassgrad.ops.shape import Expand, Reshape
from glassgrad.tensor import Tensor

__all__ = ["gather", "scatter", "scatter_add", "take_along_dim", "sort", "argsort", "msort", "topk", "kthvalue"]


def _grid(index: np.ndarray, dim: int) -> tuple:
    """The full numpy index that ``index`` along ``dim`` means: position (i, j, k) of the output reads
    input[i, index[i, j, k], k] (dim 1); the other axes are open ranges that broadcast."""
    nd = index.ndim
    return tuple(index if d == dim else np.arange(n).reshape((-1,) + (1,) * (nd - d - 1))
                 for d, n in enumerate(index.shape))


def _head(a: np.ndarray, shape: tuple, dim: int | None = None):
    """``a`` cut to ``shape`` (every axis, except ``dim``, starting at 0) — gather/scatter may use an
    index smaller than the tensors."""
    if a.shape == shape:
        return a
    return a[tuple(slice(None) if d == dim else slice(0, n) for d, n in enumerate(shape))]


class Gather(Primitive):
    """out[i][j][k] = x[i][index[i][j][k]][k]  (dim = 1).

    grad_x = zeros, with g *added* at x[i][index[i][j][k]][k] (scatter_add: repeated indices sum).
    A 0-d x has one element: out = x (in index's shape, of one element), grad_x = g.
    """

    @staticmethod
    def forward(ctx, x, dim, index):
        ctx.shape, ctx.dim, ctx.index = x.shape, dim, index
        if x.ndim == 0:
            return x.reshape(index.shape).copy()
        return np.take_along_axis(_head(x, index.shape, dim), index, axis=dim)

    @staticmethod
    def backward(ctx, g):
        if not ctx.shape:
            return np.reshape(g, ()), None, None
        if type(g) is np.ndarray:
            out = np.zeros(ctx.shape, g.dtype)
            np.add.at(out, _grid(ctx.index, ctx.dim), g)
            return out, None, None
        zeros = Tensor._wrap(np.zeros(ctx.shape, g._array.dtype))
        return ScatterAdd.apply(zeros, ctx.dim, ctx.index, g), None, None


class Sort(Gather):  # sort's values: a gather at the sorting order (PyTorch's node SortBackward0)
    pass


class Topk(Gather):
    pass


class ScatterAdd(Primitive):
    """out = x;  out[i][index[i][j][k]][k] += src[i][j][k]  (dim = 1).

    grad_x = g (every input element is in the output once);  grad_src = gather(g, dim, index)
    (each src element was added to one output place), zero where src is bigger than index.
    """

    @staticmethod
    def forward(ctx, x, dim, index, src):
        ctx.dim, ctx.index, ctx.src_shape = dim, index, np.shape(src)
        out = x.copy()
        np.add.at(out, _grid(index, dim), _head(src, index.shape))
        return out

    @staticmethod
    def backward(ctx, g):
        grad_src = None
        if ctx.needs_input_grad[3]:
            picked = (np.take_along_axis(_head(g, ctx.index.shape, ctx.dim), ctx.index, axis=ctx.dim)
                      if type(g) is np.ndarray else Gather.apply(g, ctx.dim, ctx.index))
            grad_src = picked if ctx.src_shape == ctx.index.shape else embed(
                picked, ctx.src_shape, tuple(slice(0, n) for n in ctx.index.shape))
        return g, None, None, grad_src


class Scatter(Primitive):
    """out = x;  out[i][index[i][j][k]][k] = src[i][j][k] (or a number).

    grad_x = g with zeros where x was overwritten;  grad_src = gather(g, dim, index)."""

    @staticmethod
    def forward(ctx, x, dim, index, src):
        ctx.dim, ctx.index, ctx.src_shape = dim, index, np.shape(src)
        out = x.copy()
        out[_grid(index, dim)] = _head(src, index.shape) if type(src) is np.ndarray else src
        return out

    @staticmethod
    def backward(ctx, g):
        grid = _grid(ctx.index, ctx.dim)
        if isinstance(g, Tensor):  # create_graph: a constant mask for x, a gather for src (linear in g)
            keep = np.ones(g._array.shape, g._array.dtype)
            keep[grid] = 0
            grad_src = None
            if ctx.needs_input_grad[3]:
                picked = Gather.apply(g, ctx.dim, ctx.index)
                grad_src = picked if ctx.src_shape == ctx.index.shape else embed(
                    picked, ctx.src_shape, tuple(slice(0, n) for n in ctx.index.shape))
            return g * Tensor._wrap(keep), None, None, grad_src
        grad_x = g.copy()
        grad_x[grid] = 0
        grad_src = None
        if ctx.needs_input_grad[3]:
            grad_src = embed(g[grid], ctx.src_shape, tuple(slice(0, n) for n in ctx.index.shape))
        return grad_x, None, None, grad_src



class ScatterValue(Scatter):  # scatter(x, dim, index, value=number): PyTorch's overload ScatterBackward1
    node_name = "ScatterBackward1"


# --- gather / scatter -----------------------------------------------------------------------------
def _check_bounds(index: np.ndarray, n: int, dim: int) -> None:
    if index.size:
        lo, hi = int(index.min()), int(index.max())
        if lo < 0 or hi >= n:
            raise RuntimeError(f"index {hi if hi >= n else lo} is out of bounds for dimension {dim} "
                               f"with size {n}")


def _check_scatter_shapes(op: str, input, dim: int, index: np.ndarray, src_shape=None) -> int:  # noqa: A002
    shape = input._array.shape
    d = input._dim(dim)
    if index.ndim != len(shape) and not (index.ndim <= 1 and len(shape) <= 1):
        raise RuntimeError("Index tensor must have the same number of dimensions as input tensor")
    for j, n in enumerate(index.shape):
        if j != d and (n > shape[j] or (src_shape is not None and n > src_shape[j])):
            if src_shape is None:
                raise RuntimeError(f"Size does not match at dimension {j} expected index "
                                   f"{list(index.shape)} to be no larger than self {list(shape)} "
                                   f"apart from dimension {d}")
            raise RuntimeError(f"Expected index {list(index.shape)} to be no larger than self "
                               f"{list(shape)} apart from dimension {d} and to be no larger size than "
                               f"src {list(src_shape)}")
    if src_shape is not None and index.ndim and index.shape[d] > src_shape[d]:
        raise RuntimeError(f"Expected index {list(index.shape)} to be no larger than self {list(shape)} "
                           f"apart from dimension {d} and to be no larger size than src "
                           f"{list(src_shape)}")
    _check_bounds(index, shape[d] if shape else 1, d)
    return d


def _one_element(index: np.ndarray, input) -> bool:  # noqa: A002
    """A 0-d index into a 1-d tensor: PyTorch reads it as the 1-element index [i] (one place, not all)."""
    return index.ndim == 0 and input._array.ndim == 1


def _as_1d(src):
    """A 0-d source beside a 0-d index, as one element (a Reshape, so its gradient comes back 0-d)."""
    return Reshape.apply(src, (1,)) if isinstance(src, Tensor) and src._array.ndim == 0 else src


@torch_keywords
def gather(input, dim: int, index, *, sparse_grad: bool = False):  # noqa: A002
    """out[i][j][k] = input[i][index[i][j][k]][k] for dim = 1 (out has index's shape)."""
    idx = _index_tensor(index, "gather")
    d = _check_scatter_shapes("gather", input, dim, idx)
    if _one_element(idx, input):
        return Reshape.apply(Gather.apply(input, d, idx.reshape(1)), ())
    return Gather.apply(input, d, idx)


@torch_keywords
def take_along_dim(input, indices, dim=None):  # noqa: A002
    """numpy's take_along_axis: like gather, but index and input broadcast against each other."""
    idx = _index_tensor(indices, "take_along_dim")
    if dim is None:  # both flattened
        return gather(Reshape.apply(input, (input._array.size,)), 0, idx.reshape(-1))
    d = input._dim(dim)
    shape = list(np.broadcast_shapes(tuple(1 if j == d else n for j, n in enumerate(input.shape)),
                                     tuple(1 if j == d else n for j, n in enumerate(idx.shape))))
    xs, ks = list(shape), list(shape)
    xs[d], ks[d] = input._array.shape[d], idx.shape[d]
    x = Expand.apply(input, tuple(xs)) if tuple(xs) != input._array.shape else input
    return gather(x, d, Tensor._wrap(np.broadcast_to(idx, ks) % max(xs[d], 1)))


def _scatter_src(input, src, op: str):  # noqa: A002
    if isinstance(src, Tensor):
        if src._array.dtype != input._array.dtype:
            raise RuntimeError(f"{op}(): Expected self.dtype to be equal to src.dtype")
        return src
    if isinstance(src, numbers.Number):
        return src
    raise TypeError(f"{op}(): src must be a Tensor or a number, got {type(src).__name__}")


@torch_keywords
def scatter_add(input, dim: int, index, src):  # noqa: A002
    """out = input, then out[i][index[i][j][k]][k] += src[i][j][k] for dim = 1 (repeats add up)."""
    idx = _index_tensor(index, "scatter_add")
    src = _scatter_src(input, src, "scatter")
    if not isinstance(src, Tensor):
        raise TypeError("scatter_add(): argument 'src' must be Tensor")
    d = _check_scatter_shapes("scatter_add", input, dim, idx, src._array.shape)
    if _one_element(idx, input):
        idx, src = idx.reshape(1), _as_1d(src)
    return ScatterAdd.apply(input, d, idx, src)


@torch_keywords
def scatter(input, dim: int, index, src=None, value=None, *, reduce=None):  # noqa: A002
    """out = input, then out[i][index[i][j][k]][k] = src[i][j][k] (or ``value``) for dim = 1.

    With repeated indices the last write wins (PyTorch leaves it undefined). ``reduce='add'`` is
    scatter_add; ``reduce='multiply'`` multiplies (no gradient).
    """
    if src is None:
        src = value
    if src is None:
        raise TypeError("scatter() missing 1 required argument: 'src' (or 'value')")
    idx = _index_tensor(index, "scatter")
    src = _scatter_src(input, src, "scatter")
    src_shape = src._array.shape if isinstance(src, Tensor) else None
    d = _check_scatter_shapes("scatter", input, dim, idx, src_shape)
    if _one_element(idx, input):
        idx, src = idx.reshape(1), _as_1d(src)
    if reduce == "add":
        if not isinstance(src, Tensor):
            src = Tensor._wrap(np.full(idx.shape, src, input._array.dtype))
        return ScatterAdd.apply(input, d, idx, src)
    if reduce == "multiply":
        out = input._array.copy()
        s = _head(src._array, idx.shape) if isinstance(src, Tensor) else src
        np.multiply.at(out, _grid(idx, d), s)
        return Tensor._wrap(out)
    if reduce is not None:
        raise RuntimeError(f"reduce argument must be either add or multiply, got {reduce}")
    return (Scatter if isinstance(src, Tensor) else ScatterValue).apply(input, d, idx, src)


# --- sorting -----------------------------------------------------------------------------------------
_sort_result, _topk_result, _kthvalue_result = return_types.sort, return_types.topk, return_types.kthvalue


def _argsort(a: np.ndarray, d: int, descending: bool) -> np.ndarray:
    """Stable order along d (NaN counts as largest, as PyTorch). Descending keeps ties in order:
    sort the reversed array ascending, reverse the result and map positions back."""
    if not descending:
        return np.argsort(a, axis=d, kind="stable")
    n = a.shape[d]
    return n - 1 - np.flip(np.argsort(np.flip(a, d), axis=d, kind="stable"), d)


@torch_keywords
def sort(input, dim: int = -1, descending: bool = False, stable: bool = False):  # noqa: A002
    """(values, indices) sorted along ``dim``; values = gather(input, dim, indices), so the gradient
    goes back to where each value came from."""
    a = input._array
    d = input._dim(dim)
    order = _argsort(a, d, descending) if a.ndim else np.zeros((), np.int64)
    return _sort_result(Sort.apply(input, d, order), Tensor._wrap(order))


@torch_keywords
def argsort(input, dim: int = -1, descending: bool = False, stable: bool = False):  # noqa: A002
    """The indices that sort ``input`` along ``dim``."""
    if input._array.ndim == 0:
        input._dim(dim)
        return Tensor._wrap(np.zeros((), np.int64))
    return Tensor._wrap(_argsort(input._array, input._dim(dim), descending))


def msort(input):  # noqa: A002
    return sort(input, 0).values


@torch_keywords
def topk(input, k: int, dim: int = -1, largest: bool = True, sorted: bool = True):  # noqa: A002
    """The k largest (or smallest) elements along ``dim`` and their indices; values differentiable."""
    a = input._array
    d = input._dim(dim)
    if not 0 <= k <= (a.shape[d] if a.ndim else 1):
        raise RuntimeError("selected index k out of range")
    order = (_argsort(a, d, largest)[(slice(None),) * d + (slice(0, k),)] if a.ndim
             else np.zeros((), np.int64))
    return _topk_result(Topk.apply(input, d, order), Tensor._wrap(order))


@torch_keywords
def kthvalue(input, k: int, dim: int = -1, keepdim: bool = False):  # noqa: A002
    """The k-th smallest element along ``dim`` (k counts from 1) and its index: topk's k smallest, the
    last of them; its value is differentiable."""
    a = input._array
    d = input._dim(dim)
    if not 1 <= k <= (a.shape[d] if a.ndim else 1):
        raise RuntimeError(f"kthvalue(): selected number k out of range for dimension {d}")
    if a.ndim == 0:
        return _kthvalue_result(input.clone(), Tensor._wrap(np.zeros((), np.int64)))
    order = _argsort(a, d, False)[(slice(None),) * d + (slice(k - 1, k),)]
    values, indices = Topk.apply(input, d, order), Tensor._wrap(order)
    if not keepdim:
        values, indices = values.squeeze(d), indices.squeeze(d)
    return _kthvalue_result(values, indices)


TENSOR_METHODS = {
    "gather": gather, "take_along_dim": take_along_dim, "scatter": scatter,
    "scatter_add": scatter_add, "scatter_": _inplace(scatter), "scatter_add_": _inplace(scatter_add),
    "sort": sort, "argsort": argsort, "msort": msort, "topk": topk, "kthvalue": kthvalue,
}

# numpy -> glassgrad, so backward formulas written in numpy also run on Tensors (create_graph=True)
NUMPY = {np.take_along_axis: lambda arr, indices, axis: gather(arr, axis, indices)}
