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

from glassgrad.ops.reduce import return_types
from glassgrad.tensor import Tensor

__all__ = ["unique", "bincount", "histc", "histogram"]


def unique(input, sorted: bool = True, return_inverse: bool = False,  # noqa: A001, A002
           return_counts: bool = False, dim: int | None = None):
    """The distinct values of ``input`` in increasing order (flattened, or the distinct slices along
    ``dim``); optionally where each element went (``return_inverse``) and how often each value
    occurs (``return_counts``). PyTorch's CPU kernel sorts even when ``sorted=False``, and so do we."""
    a = input._array
    axis = None if dim is None else input._dim(dim)
    values, inverse, counts = np.unique(a, return_inverse=True, return_counts=True, axis=axis)
    out = [Tensor._wrap(values)]
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
    return Tensor._wrap(np.bincount(a, weights=w, minlength=minlength).astype(dtype))


def _check_float(name: str, a: np.ndarray) -> None:
    if a.dtype.kind != "f":
        kind = {"i": "Long" if a.dtype == np.int64 else "Int", "b": "Bool", "u": "Byte"}[a.dtype.kind]
        raise NotImplementedError(f"\"{name}\" not implemented for '{kind}'")


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
    counts, _ = np.histogram(a, bins=bins, range=(lo, hi))
    return Tensor._wrap(counts.astype(a.dtype))


class _HistogramResult(collections.namedtuple("histogram", ["hist", "bin_edges"])):
    """(hist, bin_edges), as torch.return_types.histogram."""

    __slots__ = ()

    def __repr__(self) -> str:
        return f"glassgrad.return_types.histogram(\nhist={self.hist!r},\nbin_edges={self.bin_edges!r})"


_HistogramResult.__name__ = _HistogramResult.__qualname__ = "histogram"
_HistogramResult.__module__ = "glassgrad.return_types"
return_types.histogram = _HistogramResult  # beside max, min, sort ... (reduce.py's namespace)


def histogram(input, bins, *, range=None, weight=None, density: bool = False):  # noqa: A001, A002
    """(hist, bin_edges): the counts of ``input`` in ``bins`` equal bins over ``range`` (default: the
    data's min to max), or in the bins between the given edges when ``bins`` is a 1-D tensor.
    ``weight`` sums weights instead of counting; ``density`` divides by the total times the bin
    width, so the histogram integrates to 1."""
    a = input._array
    _check_float("histogramdd", a)
    edges = bins._array if isinstance(bins, Tensor) else bins
    if not isinstance(bins, (Tensor, numbers.Integral)):
        raise TypeError(f"histogram(): argument 'bins' must be int or Tensor, not {type(bins).__name__}")
    w = weight._array if isinstance(weight, Tensor) else weight
    hist, edges = np.histogram(a, bins=edges, range=range, weights=w, density=density)
    return _HistogramResult(Tensor._wrap(hist.astype(a.dtype)), Tensor._wrap(edges.astype(a.dtype)))


TENSOR_METHODS = {"unique": unique, "bincount": bincount, "histc": histc, "histogram": histogram}
