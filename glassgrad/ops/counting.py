"""Counting values: ``unique``, ``bincount``, ``histc`` and ``histogram``.

Part III, ops/ reading order: ... gather_scatter, **counting**, linalg ... (ops/__init__.py lists them
all). A count does not change smoothly with the values counted, so nothing here has a gradient (PyTorch
records none either, except ``bincount``'s weights, which a histogram of weights rarely needs): each
function is a numpy call with PyTorch's arguments, defaults, dtypes and checks in front of it.
"""

from __future__ import annotations

import collections
import numbers

import numpy as np

from glassgrad import dtypes
from glassgrad.autograd.function import Primitive
from glassgrad.creation import _linspace_values
from glassgrad.ops.reduce import return_types
from glassgrad.tensor import Tensor

__all__ = ["unique", "bincount", "histc", "histogram"]


class _NoDerivative(Primitive):
    """A count of a tensor that requires grad: PyTorch records a node whose backward is an error (its
    ``grad_fn`` says so, and ``backward()`` through it fails with PyTorch's words); so do we. The
    result, already counted, is the last argument."""

    error, message = NotImplementedError, ""

    @staticmethod
    def forward(ctx, *inputs_and_result):
        return inputs_and_result[-1]

    @classmethod
    def backward(cls, ctx, g):
        raise cls.error(cls.message)


class Unique2(_NoDerivative):
    message = "the derivative for '_unique2' is not implemented."


class UniqueDim(_NoDerivative):
    message = "the derivative for 'unique_dim' is not implemented."


class NotImplementedHistogram(_NoDerivative):
    node_name, error, message = "NotImplemented", RuntimeError, "derivative for aten::histogram is not implemented"


class NotImplementedBincount(_NoDerivative):
    node_name, error, message = "NotImplemented", RuntimeError, "derivative for aten::bincount is not implemented"


def unique(input, sorted: bool = True, return_inverse: bool = False,  # noqa: A001, A002
           return_counts: bool = False, dim: int | None = None):
    """The distinct values of ``input`` in increasing order (flattened, or the distinct slices along
    ``dim``); optionally where each element went (``return_inverse``) and how often each value
    occurs (``return_counts``). PyTorch's CPU kernel sorts even when ``sorted=False``, and so do we."""
    a = input._array
    if a.dtype.kind == "f":
        a = a + 0.0  # -0.0 becomes 0.0: one zero, as PyTorch (numpy's unique along a dim tells them apart)
    axis = None if dim is None else input._dim(dim)
    values, inverse, counts = np.unique(a, return_inverse=True, return_counts=True, axis=axis)
    out = [(Unique2 if axis is None else UniqueDim).apply(input, values)]
    if return_inverse:
        shape = a.shape if axis is None else (a.shape[axis],)
        out.append(Tensor._wrap(inverse.reshape(shape).astype(np.int64)))
    if return_counts:
        out.append(Tensor._wrap(counts.astype(np.int64)))
    return out[0] if len(out) == 1 else tuple(out)


def bincount(input, weights=None, minlength: int = 0):  # noqa: A002
    """How often each of 0, 1, ..., max(input) occurs in the 1-D non-negative integer ``input`` (at
    least ``minlength`` counts); with ``weights``, the sum of the weights of each value instead."""
    a = input._array
    if a.dtype.kind == "f":
        raise NotImplementedError(f"\"bincount_cpu\" not implemented for "
                                  f"'{'Double' if a.dtype == np.float64 else 'Float'}'")
    if a.ndim != 1 or (a.size and a.min() < 0) or minlength < 0:
        raise RuntimeError("bincount only supports 1-d non-negative integral inputs.")
    if weights is None:
        return Tensor._wrap(np.bincount(a, minlength=minlength).astype(np.int64))
    w = weights._array if isinstance(weights, Tensor) else np.asarray(weights)
    if w.shape != a.shape:
        raise RuntimeError("weights should be 1-d and have the same length as input")
    dtype = np.float64 if w.dtype == np.float64 else np.float32  # PyTorch: double for double, else float
    counts = np.bincount(a, weights=w, minlength=minlength).astype(dtype)
    return NotImplementedBincount.apply(weights, counts) if isinstance(weights, Tensor) else Tensor._wrap(counts)


def _check_float(name: str, a: np.ndarray) -> None:
    if not dtypes.is_float(a.dtype):
        kind = {"i": "Long" if a.dtype == np.int64 else "Int", "b": "Bool", "u": "Byte"}[a.dtype.kind]
        raise NotImplementedError(f"\"{name}\" not implemented for '{kind}'")


def _bin_edges(lo: float, hi: float, bins: int, dtype: np.dtype) -> np.ndarray:
    """``bins + 1`` equal-width edges from lo to hi, computed as PyTorch's linspace does (creation.py:
    the step in the input's dtype, each edge one fused multiply-add from its nearer end), so that a value
    on an edge falls in the same bin."""
    return _linspace_values(lo, hi, bins + 1, dtype)


def _count(a: np.ndarray, edges: np.ndarray, weights=None, density: bool = False) -> np.ndarray:
    """Counts in [e₀, e₁), [e₁, e₂), ..., [e_{n-1}, e_n] (the last bin closed), as float of a's dtype."""
    with np.errstate(invalid="ignore", divide="ignore"):  # density of nothing: nan, as PyTorch
        counts, _ = np.histogram(a, bins=edges.astype(np.float64), weights=weights, density=density)
    return counts.astype(a.dtype)


def histc(input, bins: int = 100, min=0, max=0):  # noqa: A001, A002
    """Counts of ``input`` in ``bins`` equal bins between ``min`` and ``max`` (both 0: the data's own
    min and max); values outside are left out, the last bin includes ``max``."""
    a = input._array
    _check_float("histogram_cpu", a)
    if bins <= 0:
        raise RuntimeError("torch.histc: bins must be > 0, but got " + str(bins))
    lo, hi = float(min), float(max)
    if lo == hi and a.size:
        lo, hi = float(a.min()), float(a.max())
    if lo == hi:  # one value (or none): a bin of width 2/bins around it, as PyTorch
        lo, hi = lo - 1, hi + 1
    if lo > hi:
        raise RuntimeError(f"torch.histc: max must be larger than min, but got min {lo} max {hi}")
    # PyTorch finds the bin by arithmetic, in the input's dtype, not by comparing with edges
    lo_, hi_ = a.dtype.type(lo), a.dtype.type(hi)
    inside = a[(a >= lo_) & (a <= hi_)]
    with np.errstate(invalid="ignore", divide="ignore"):
        pos = np.floor((inside - lo_) * a.dtype.type(bins) / (hi_ - lo_)).astype(np.int64)
    return Tensor._wrap(np.bincount(np.minimum(pos, bins - 1), minlength=bins).astype(a.dtype))


class _HistogramResult(collections.namedtuple("histogram", ["hist", "bin_edges"])):
    """(hist, bin_edges), as torch.return_types.histogram."""

    __slots__ = ()

    def __repr__(self) -> str:
        return f"{dtypes.SHOWN_AS}.return_types.histogram(\nhist={self.hist!r},\nbin_edges={self.bin_edges!r})"


_HistogramResult.__name__ = _HistogramResult.__qualname__ = "histogram"
_HistogramResult.__module__ = "glassgrad.return_types"
return_types.histogram = _HistogramResult  # beside max, min, sort ... (reduce.py's namespace)


def histogram(input, bins=100, *, range=None, weight=None, density: bool = False):  # noqa: A001, A002
    """(hist, bin_edges): the counts of ``input`` in ``bins`` equal bins over ``range`` (default: the
    data's min to max), or in the bins between the given edges when ``bins`` is a 1-D tensor.
    ``weight`` sums weights instead of counting; ``density`` divides by the total times the bin
    width, so the histogram integrates to 1."""
    a = input._array
    _check_float("histogramdd", a)
    if isinstance(bins, Tensor):
        edges = bins._array.astype(a.dtype)
    elif isinstance(bins, numbers.Integral):
        lo, hi = range if range is not None else (a.min(), a.max()) if a.size else (0.0, 0.0)
        if lo == hi:  # one value: a bin of width 1/bins around it, as PyTorch (and numpy)
            lo, hi = lo - 0.5, hi + 0.5
        edges = _bin_edges(lo, hi, bins, a.dtype)
    else:
        raise TypeError(f"histogram(): argument 'bins' must be int or Tensor, not {type(bins).__name__}")
    w = weight._array if isinstance(weight, Tensor) else weight
    inputs = (input, weight) if isinstance(weight, Tensor) else (input,)
    return _HistogramResult(NotImplementedHistogram.apply(*inputs, _count(a, edges, w, density)),
                            NotImplementedHistogram.apply(*inputs, edges))


TENSOR_METHODS = {"unique": unique, "bincount": bincount, "histc": histc, "histogram": histogram}
