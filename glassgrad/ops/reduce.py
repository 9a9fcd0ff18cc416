"""Reductions: sum, mean, prod, max/min/median, logsumexp, all/any, argmax/argmin.

Part III, after the elementwise ops (elementwise, unary, cast, compare, inplace); variance.py (var, std),
cumulative.py (cumsum) and softmax.py come next, built on these. A reduction collapses axes; its
backward spreads the upstream gradient back over them. Every element of a ``sum`` contributed with
weight 1, so each gets the upstream gradient (expanded back to the input's shape); for ``mean`` each
gets 1/n of it; for ``max`` only the winner (the k tied winners share it, 1/k each); for ``prod`` each
gets the product of all the *others*.

``dim`` is an int, a tuple of ints or None (all axes), negative counting from the end, as in PyTorch.
PyTorch names a node after the overload that made it: ``x.sum()`` gives ``SumBackward0`` and
``x.sum(dim)`` ``SumBackward1``, so each overload here is a subclass that only sets ``node_name``.
"""

from __future__ import annotations

import builtins
import collections
import numbers
import types
import warnings

import numpy as np

from glassgrad import dtypes
from glassgrad.autograd.function import Primitive
from glassgrad.dtypes import TORCH_NAMES
from glassgrad.ops._util import normalize_dims, torch_keywords
from glassgrad.ops.elementwise import maximum, minimum
from glassgrad.tensor import Tensor

__all__ = ["sum", "mean", "prod", "max", "min", "amax", "amin", "argmax", "argmin", "logsumexp", "all",
           "any", "count_nonzero", "median", "return_types"]


# --- helpers -----------------------------------------------------------------------------------------


def _axes(input, dim) -> tuple | None:  # noqa: A002
    """``dim`` as a sorted tuple of numpy axes, or None for "all of them" (also for () and 0-d input,
    as PyTorch reduces everything for ``dim=()``)."""
    if dim is None:
        return None
    ndim = input._array.ndim
    if not isinstance(dim, numbers.Integral):
        dim = tuple(dim)
        n = builtins.max(ndim, 1)
        seen = [d % n if isinstance(d, numbers.Integral) and -n <= d < n
                else None for d in dim]
        for i, d in enumerate(seen):  # PyTorch names the repeated dim, normalised
            if d is not None and d in seen[:i]:
                raise RuntimeError(f"dim {d} appears multiple times in the list of dims")
    axes = normalize_dims(dim, ndim)
    return axes if axes and ndim else None


def _one_dim(name: str, input, dim) -> int | None:  # noqa: A002
    """A single int ``dim`` (max, argmax, cumsum, softmax ... take one), normalised; None for 0-d."""
    if not isinstance(dim, numbers.Integral) or isinstance(dim, bool):
        raise TypeError(f"{name}(): argument 'dim' must be int, not {type(dim).__name__}")
    d = input._dim(dim)
    return d if input._array.ndim else None


def _expand_back(g, shape: tuple, axes: tuple | None, keepdim: bool):
    """Put back the reduced axes (size 1) and broadcast the gradient to the input's shape."""
    if type(g) is np.ndarray:  # arrays: one fill (np.broadcast_to is slow Python for tiny tensors)
        out = np.empty(shape, g.dtype)
        out[...] = g if keepdim or axes is None else g.reshape(
            tuple(1 if i in axes else n for i, n in enumerate(shape)))
        return out
    if not keepdim:  # Tensors (create_graph): the same steps, recorded as ops
        g = np.reshape(g, (1,) * len(shape) if axes is None else
                       tuple(1 if i in axes else n for i, n in enumerate(shape)))
    return np.broadcast_to(g, shape)


def _count(shape: tuple, axes: tuple | None) -> int:
    """How many elements fold into each output element."""
    n = 1
    for i, s in enumerate(shape):
        if axes is None or i in axes:
            n *= s
    return n


def _check_nonempty(name: str, input, axes: tuple | None) -> None:  # noqa: A002
    """Max-like reductions have no identity, so an empty reduction is an error, as in PyTorch."""
    shape = input._array.shape
    if axes is None and input._array.size == 0:
        message = f"{name}(): Expected reduction dim to be specified for input.numel() == 0."
        if name.startswith("arg"):
            raise IndexError(message)
        raise RuntimeError(message + " Specify the reduction dim with the 'dim' argument.")
    for a in axes or ():
        if shape[a] == 0:
            raise IndexError(f"{name}(): Expected reduction dim {a} to have non-zero size.")


def _array(x):
    """The numpy array inside a Tensor (backward under create_graph gets Tensors), or x itself."""
    return x._array if isinstance(x, Tensor) else x


# --- fast paths for the reductions inside softmax, layer_norm and the linear layers ------------------
# Summing or taking the max along a short last axis, numpy's reduction pays ~70 ns of set-up per row:
# on attention scores (4096 rows of 64) that is 300 µs for a max and 95 µs for a sum, where the work
# itself is ~20 µs. These helpers compute the same reductions by routes without that cost; each
# falls back to the plain numpy call where its route does not apply.
_FAST_FROM = 4096  # elements; below this the plain call's smaller fixed cost wins


def _row_sum(x: np.ndarray) -> np.ndarray:
    """``x.sum(axis=-1, keepdims=True)``: einsum's summing loop has no per-row set-up (~5× faster on
    rows of 64). The additions run in another order than numpy's pairwise sum: the last bit may differ."""
    if x.size < _FAST_FROM or x.dtype.kind != "f" or x.dtype.itemsize < 4:
        return x.sum(axis=-1, keepdims=True)
    return np.einsum("...i->...", x)[..., None]


def _row_max(x: np.ndarray) -> np.ndarray:
    """``x.max(axis=-1, keepdims=True)``, exactly: ``maximum.reduceat`` runs along the flat array and
    restarts at each row (~3× faster on rows of 64). Only for C-contiguous arrays (a flat view)."""
    n = x.shape[-1] if x.ndim else 0
    if x.size < _FAST_FROM or n == 0 or not x.flags.c_contiguous or x.dtype.kind != "f":
        return x.max(axis=-1, keepdims=True)
    return np.maximum.reduceat(x.reshape(-1), np.arange(0, x.size, n)).reshape(x.shape[:-1] + (1,))


def _column_sum(g: np.ndarray) -> np.ndarray:
    """``g.sum(axis=0)`` of a matrix (a linear layer's bias gradient) as one matrix-vector product
    with ones: BLAS's gemv is ~4× faster than numpy's reduction over 1024 rows. Sequential float
    sums in another order: the last bits may differ."""
    if not isinstance(g, np.ndarray) or g.ndim != 2 or g.size < _FAST_FROM or g.dtype.kind != "f" \
            or g.dtype.itemsize < 4:  # (create_graph's backward passes Tensors: the plain sum records)
        return np.sum(g, axis=0)
    return np.ones(g.shape[0], g.dtype) @ g


def _return_type(name: str):
    """A named (values, indices) pair, printed as ``glassgrad.return_types.max(values=..., ...)``."""
    base = collections.namedtuple(name, ["values", "indices"])

    def __repr__(self) -> str:
        return f"{dtypes.SHOWN_AS}.return_types.{name}(\nvalues={self.values!r},\nindices={self.indices!r})"
    cls = type(name, (base,), {"__slots__": (), "__repr__": __repr__,
                               "__module__": "glassgrad.return_types"})
    return cls


return_types = types.SimpleNamespace(**{name: _return_type(name)
                                        for name in ("max", "min", "median", "sort", "topk", "kthvalue")})


# --- sum and mean ------------------------------------------------------------------------------------
class Sum(Primitive):
    """out = Σ x over the axes;  ∂out/∂xᵢ = 1, so grad_x = upstream broadcast back to x's shape"""

    one_tensor_input = True  # the other arguments are options (see Function)

    @staticmethod
    def forward(ctx, x, axes, keepdim, dtype):
        ctx.shape, ctx.axes, ctx.keepdim = x.shape, axes, keepdim
        if dtype is None and x.dtype.kind in "biu":
            dtype = np.int64  # PyTorch sums integers (and bools) in int64
        return np.add.reduce(x, axis=axes, keepdims=keepdim, dtype=dtype)  # np.sum, minus its wrapper

    @staticmethod
    def backward(ctx, g):
        return _expand_back(g, ctx.shape, ctx.axes, ctx.keepdim), None, None, None


class SumDim(Sum):
    """``sum(x, dim)``: the same sum (PyTorch's overload sum.dim_IntList)."""

    node_name = "SumBackward1"


class Mean(Primitive):
    """out = (1/n) Σ x over the axes;  ∂out/∂xᵢ = 1/n"""

    one_tensor_input = True  # the other arguments are options (see Function)

    @staticmethod
    def forward(ctx, x, axes, keepdim):
        ctx.shape, ctx.axes, ctx.keepdim = x.shape, axes, keepdim
        ctx.n = n = _count(x.shape, axes)
        if n == 0 or x.dtype == np.float16:
            with warnings.catch_warnings():  # the mean of nothing is nan, quietly, as in PyTorch
                warnings.simplefilter("ignore", RuntimeWarning)
                return np.mean(x, axis=axes, keepdims=keepdim)
        return np.add.reduce(x, axis=axes, keepdims=keepdim) / n  # np.mean, minus its wrapper

    @staticmethod
    def backward(ctx, g):
        return _expand_back(g / ctx.n, ctx.shape, ctx.axes, ctx.keepdim), None, None


class MeanDim(Mean):
    """``mean(x, dim)`` (PyTorch's overload mean.dim)."""

    node_name = "MeanBackward1"


@torch_keywords(out="any")
def sum(input, dim=None, keepdim: bool = False, *, dtype=None):  # noqa: A001, A002
    """Sum over ``dim`` (an int, a tuple, or None for all elements)."""
    np_dtype = dtypes.to_dtype(dtype).numpy if dtype is not None else None
    if dim is None:
        return Sum.apply(input, None, keepdim, np_dtype)
    return SumDim.apply(input, _axes(input, dim), keepdim, np_dtype)


@torch_keywords(out="cast")
def mean(input, dim=None, keepdim: bool = False, *, dtype=None):  # noqa: A002
    """Average over ``dim``; only for floating-point tensors, as in PyTorch."""
    if dtype is not None:
        input = input.to(dtype)
    if not dtypes.is_float(input._array.dtype):
        raise RuntimeError(f"mean(): could not infer output dtype. Input dtype must be either a floating "
                           f"point or complex dtype. Got: {TORCH_NAMES.get(input._array.dtype.name)}")
    if dim is None:
        return Mean.apply(input, None, keepdim)
    return MeanDim.apply(input, _axes(input, dim), keepdim)


# --- prod --------------------------------------------------------------------------------------------
class Prod(Primitive):
    """out = Π x over one axis (or all);  ∂out/∂xᵢ = Π_{j≠i} xⱼ

    That is out/xᵢ when no x is zero; with zeros, dividing would give 0/0, so the product of the others
    is computed directly: (product of everything before i)·(product of everything after i).
    """

    one_tensor_input = True  # the other arguments are options (see Function)

    @staticmethod
    def forward(ctx, x, axis, keepdim, dtype):
        if dtype is None and x.dtype.kind in "biu":
            dtype = np.int64
        out = np.asarray(np.prod(x, axis=axis, keepdims=keepdim, dtype=dtype))
        ctx.save_for_backward(x, out)
        ctx.axis, ctx.keepdim = axis, keepdim
        return out

    @staticmethod
    def backward(ctx, g):
        x, out = ctx.saved_tensors
        axes = None if ctx.axis is None else (ctx.axis,)
        g = _expand_back(g, x.shape, axes, ctx.keepdim)
        if _array(x).all():  # no zeros
            return g * (_expand_back(out, x.shape, axes, ctx.keepdim) / x), None, None, None
        if isinstance(x, Tensor):
            raise NotImplementedError("create_graph=True: the backward of prod is not differentiable in "
                                      "glassgrad when the input contains zeros")
        flat = x.reshape(-1) if ctx.axis is None else x
        others = _product_of_others(flat, 0 if ctx.axis is None else ctx.axis)
        return g * others.reshape(x.shape), None, None, None


class ProdDim(Prod):
    """``prod(x, dim)`` (PyTorch's overload prod.dim_int)."""

    node_name = "ProdBackward1"


def _product_of_others(x: np.ndarray, axis: int) -> np.ndarray:
    """Π_{j≠i} xⱼ along ``axis`` for every i, without division (exclusive prefix × suffix products)."""
    x = np.moveaxis(x, axis, -1)
    before = np.ones_like(x)
    np.cumprod(x[..., :-1], axis=-1, out=before[..., 1:])
    after = np.ones_like(x)
    after[..., :-1] = np.cumprod(x[..., :0:-1], axis=-1)[..., ::-1]
    return np.moveaxis(before * after, -1, axis)


@torch_keywords(out="any")
def prod(input, dim=None, keepdim: bool = False, *, dtype=None):  # noqa: A002
    """Product over one ``dim`` (an int), or over all elements when ``dim`` is None."""
    np_dtype = dtypes.to_dtype(dtype).numpy if dtype is not None else None
    if dim is None:
        return Prod.apply(input, None, keepdim, np_dtype)
    return ProdDim.apply(input, _one_dim("prod", input, dim), keepdim, np_dtype)


# --- max, min, median: the gradient goes to the chosen element(s) ---------------------------------------
def _lower_median(x, axis=None, keepdims=False):
    """The lower of the two middle values (PyTorch's median never averages); nan if any is nan."""
    flat = x.reshape(-1)
    if np.isnan(flat).any() if flat.dtype.kind == "f" else False:
        value = np.asarray(np.nan, x.dtype)
    else:
        value = np.partition(flat, (flat.size - 1) // 2)[(flat.size - 1) // 2]
    return np.reshape(value, (1,) * x.ndim if keepdims else ())


class Extreme(Primitive):
    """out = max (or min, or median) of x over the axes;
    ∂out/∂xᵢ = 1/k at each of the k elements equal to out, else 0 (ties share, as PyTorch's amax)"""

    reducer = None  # each subclass's numpy reduction

    @classmethod
    def forward(cls, ctx, x, axes, keepdim):
        out = np.asarray(cls.reducer(x, axis=axes, keepdims=keepdim))
        ctx.save_for_backward(x, out)
        ctx.axes, ctx.keepdim = axes, keepdim
        return out

    @staticmethod
    def backward(ctx, g):
        x, out = ctx.saved_tensors
        x, out = _array(x), _array(out)  # which elements won is a constant, not part of the graph
        hit = x == _expand_back(out, x.shape, ctx.axes, ctx.keepdim)
        share = (hit / np.sum(hit, axis=ctx.axes, keepdims=True)).astype(x.dtype, copy=False)
        return _expand_back(g, x.shape, ctx.axes, ctx.keepdim) * share, None, None


class Amax(Extreme):
    reducer = staticmethod(np.max)


class Amin(Extreme):
    reducer = staticmethod(np.min)


class MaxAll(Amax):  # max(x): PyTorch's overload max() makes MaxBackward1
    node_name = "MaxBackward1"


class MinAll(Amin):
    node_name = "MinBackward1"


class MedianAll(Extreme):
    node_name = "MedianBackward0"
    reducer = staticmethod(_lower_median)


class TakeAlongDim(Primitive):
    """out = x at one index along ``axis`` per output element (max/min/median with a dim);
    ∂out/∂x = 1 at the taken element, 0 elsewhere: grad_x = g placed back at the indices

    A 0-d x (axis None) has one element: out = x, grad_x = g."""

    @staticmethod
    def forward(ctx, x, index, axis, keepdim):
        ctx.shape, ctx.index, ctx.axis, ctx.keepdim = x.shape, index, axis, keepdim
        if axis is None:
            return x.copy()
        out = np.take_along_axis(x, index, axis)
        return out if keepdim else np.squeeze(out, axis)

    @staticmethod
    def backward(ctx, g):
        shape, axis = ctx.shape, ctx.axis
        if axis is None:
            return g, None, None, None
        along = np.arange(shape[axis]).reshape((-1,) + (1,) * (len(shape) - axis - 1))
        chosen = along == ctx.index  # one-hot along axis, shape = x's
        return _expand_back(g, shape, (axis,), ctx.keepdim) * chosen, None, None, None


class MaxDim(TakeAlongDim):  # max(x, dim): PyTorch's overload max.dim makes MaxBackward0
    node_name = "MaxBackward0"


class MinDim(TakeAlongDim):
    node_name = "MinBackward0"


class MedianDim(TakeAlongDim):
    node_name = "MedianBackward1"


def _values_indices(name: str, op, input, dim, keepdim: bool, arg_fn):  # noqa: A002
    """(values, indices) along one dim, for max/min/median with a ``dim``."""
    axis = _one_dim(name, input, dim)
    x = input._array
    if axis is None:  # 0-d: the element itself, at index 0
        return getattr(return_types, name)(op.apply(input, None, None, keepdim),
                                           Tensor._wrap(np.zeros((), np.int64)))
    _check_nonempty(name, input, (axis,))
    index = arg_fn(x, axis)
    values = op.apply(input, index, axis, keepdim)
    indices = index if keepdim else np.squeeze(index, axis)
    return getattr(return_types, name)(values, Tensor._wrap(indices.astype(np.int64, copy=False)))


def _argmax_kd(x, axis):
    return np.expand_dims(np.argmax(x, axis=axis), axis)


def _argmin_kd(x, axis):
    return np.expand_dims(np.argmin(x, axis=axis), axis)


def _median_index(x, axis):
    order = np.argsort(x, axis=axis, kind="stable")  # nan sorts last, like PyTorch's
    k = (x.shape[axis] - 1) // 2
    index = np.take(order, [k], axis=axis)
    if x.dtype.kind == "f":  # a nan anywhere makes the median nan: point at the first nan
        has_nan = np.isnan(x).any(axis=axis, keepdims=True)
        if has_nan.any():
            index = np.where(has_nan, _argmax_kd(np.isnan(x), axis), index)
    return index


def _max_or_min(name, whole, along, pairwise, arg_fn, input, dim, keepdim, other):  # noqa: A002
    if isinstance(dim, Tensor) or other is not None:
        return pairwise(input, dim if other is None else other)
    if dim is None:
        _check_nonempty(name, input, None)
        return whole.apply(input, None, False)
    return _values_indices(name, along, input, dim, keepdim, arg_fn)


@torch_keywords(out="cast")
def max(input, dim=None, keepdim: bool = False, *, other=None):  # noqa: A001, A002
    """``max(x)``: the largest element; ``max(x, dim)``: ``(values, indices)`` along dim;
    ``max(x, other_tensor)``: the elementwise maximum."""
    return _max_or_min("max", MaxAll, MaxDim, maximum, _argmax_kd, input, dim, keepdim, other)


@torch_keywords(out="cast")
def min(input, dim=None, keepdim: bool = False, *, other=None):  # noqa: A001, A002
    """``min(x)``, ``min(x, dim)`` -> ``(values, indices)``, or ``min(x, other)`` (elementwise)."""
    return _max_or_min("min", MinAll, MinDim, minimum, _argmin_kd, input, dim, keepdim, other)


@torch_keywords(out="cast")
def median(input, dim=None, keepdim: bool = False):  # noqa: A002
    """The lower median (no averaging of the two middle values, as PyTorch); with ``dim``,
    ``(values, indices)``."""
    if dim is None:
        if input._array.size == 0:
            return Tensor._wrap(np.asarray(np.nan, input._array.dtype))
        return MedianAll.apply(input, None, False)
    return _values_indices("median", MedianDim, input, dim, keepdim, _median_index)


def _over_axes(op, input, dim, keepdim: bool):  # noqa: A002
    axes = _axes(input, dim)
    _check_nonempty(op.__name__.lower(), input, axes)
    return op.apply(input, axes, keepdim)


@torch_keywords(out="same")
def amax(input, dim=(), keepdim: bool = False):  # noqa: A002
    """The largest value over ``dim`` (all dims by default); tied maxima share the gradient."""
    return _over_axes(Amax, input, dim, keepdim)


@torch_keywords(out="same")
def amin(input, dim=(), keepdim: bool = False):  # noqa: A002
    """The smallest value over ``dim`` (all dims by default); tied minima share the gradient."""
    return _over_axes(Amin, input, dim, keepdim)


def _arg(name: str, np_fn, input, dim, keepdim: bool):  # noqa: A002
    x = input._array
    if x.dtype == np.bool_:
        raise RuntimeError(f"{name}(): does not support bool input")
    if dim is None:  # over the flattened tensor
        _check_nonempty(name, input, None)
        index = np_fn(x)
        index = index.astype(np.int64) if isinstance(index, np.ndarray) else np.asarray(index, np.int64)
        return Tensor._wrap(index.reshape((1,) * x.ndim) if keepdim else index)  # (a meta input stays meta)
    axis = _one_dim(name, input, dim)
    if axis is None:
        return Tensor._wrap(np.zeros((), np.int64))
    _check_nonempty(name, input, (axis,))
    return Tensor._wrap(np_fn(x, axis=axis, keepdims=keepdim).astype(np.int64, copy=False))


@torch_keywords(out="same")
def argmax(input, dim=None, keepdim: bool = False):  # noqa: A002
    """Index of the largest value (of the flattened tensor when ``dim`` is None); the first on ties."""
    return _arg("argmax", np.argmax, input, dim, keepdim)


@torch_keywords(out="same")
def argmin(input, dim=None, keepdim: bool = False):  # noqa: A002
    """Index of the smallest value (of the flattened tensor when ``dim`` is None)."""
    return _arg("argmin", np.argmin, input, dim, keepdim)


# --- logsumexp -----------------------------------------------------------------------------------------
class LogSumExp(Primitive):
    """out = log Σ eˣ, computed as m + log Σ e^(x - m) with m = max x (no overflow);
    ∂out/∂xᵢ = e^(xᵢ - out): the softmax of x"""

    one_tensor_input = True  # the other arguments are options (see Function)
    node_name = "LogsumexpBackward0"

    @staticmethod
    def forward(ctx, x, axes, keepdim):
        m = np.max(x, axis=axes, keepdims=True) if x.size else np.zeros((1,) * x.ndim, x.dtype)
        m = np.where(np.isfinite(m), m, 0)  # all -inf (or an inf): shifting by it would give nan
        with np.errstate(divide="ignore", over="ignore"):
            out = np.log(np.sum(np.exp(x - m), axis=axes, keepdims=True)) + m
        if not keepdim:
            out = np.squeeze(out, axes) if axes is not None else out.reshape(())
        ctx.save_for_backward(x, out)
        ctx.axes, ctx.keepdim = axes, keepdim
        return out

    @staticmethod
    def backward(ctx, g):
        x, out = ctx.saved_tensors
        axes, keepdim = ctx.axes, ctx.keepdim
        with np.errstate(invalid="ignore"):
            return (_expand_back(g, x.shape, axes, keepdim)
                    * np.exp(x - _expand_back(out, x.shape, axes, keepdim)), None, None)


@torch_keywords(out="cast")
def logsumexp(input, dim, keepdim: bool = False):  # noqa: A002
    """log Σ exp(x) over ``dim``, without overflow."""
    if not dtypes.is_float(input._array.dtype):
        input = input.to(dtypes.get_default_dtype())
    return LogSumExp.apply(input, _axes(input, dim), keepdim)


# --- logic and counting (no gradient) -----------------------------------------------------------------
def _logical(np_fn, input, dim, keepdim: bool):  # noqa: A002
    x = input._array
    if dim is not None and not isinstance(dim, numbers.Integral) and len(dim) == 0:
        out = x != 0  # unlike sum, PyTorch's all/any reduce nothing for dim=()
    else:
        out = np_fn(x, axis=_axes(input, dim), keepdims=keepdim)
    return Tensor._wrap(np.asarray(out, np.uint8 if x.dtype == np.uint8 else np.bool_))


@torch_keywords(out="same")
def all(input, dim=None, keepdim: bool = False):  # noqa: A001, A002
    """True where every element over ``dim`` is nonzero (uint8 in, uint8 out, as PyTorch)."""
    return _logical(np.all, input, dim, keepdim)


@torch_keywords(out="same")
def any(input, dim=None, keepdim: bool = False):  # noqa: A001, A002
    """True where some element over ``dim`` is nonzero."""
    return _logical(np.any, input, dim, keepdim)


@torch_keywords
def count_nonzero(input, dim=None):  # noqa: A002
    """How many elements over ``dim`` are not zero (int64)."""
    return Tensor._wrap(np.asarray(np.count_nonzero(input._array, axis=_axes(input, dim)), np.int64))


TENSOR_METHODS = {
    "sum": sum, "mean": mean, "prod": prod, "max": max, "min": min, "amax": amax, "amin": amin,
    "argmax": argmax, "argmin": argmin, "logsumexp": logsumexp,
    "all": all, "any": any, "count_nonzero": count_nonzero, "median": median,
}

# numpy -> glassgrad, for backward formulas run on Tensors (create_graph=True)
NUMPY = {
    np.sum: lambda a, axis=None, keepdims=False, dtype=None: sum(a, axis, keepdims),
    np.mean: lambda a, axis=None, keepdims=False: mean(a, axis, keepdims),
    np.max: lambda a, axis=None, keepdims=False: amax(a, () if axis is None else axis, keepdims),
    np.min: lambda a, axis=None, keepdims=False: amin(a, () if axis is None else axis, keepdims),
}
