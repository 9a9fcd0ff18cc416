"""Helpers every op family shares: undoing broadcasting, PyTorch's dtype promotion, dim checks.

Part III. ``unbroadcast`` is the one idea here worth a learner's minute: when ``a`` of shape (3,) is
added to ``b`` of shape (2, 3), numpy silently copies ``a`` into both rows. Each copy passes gradient
back, so ∂L/∂a is the *sum* of the upstream gradient over the copied axes.
"""

from __future__ import annotations

import numbers

import numpy as np

from glassgrad.dtypes import get_default_dtype, result_type
from glassgrad.tensor import Tensor


def unbroadcast(g, shape: tuple):
    """Sum ``g`` over the axes broadcasting added or stretched, so it has ``shape`` again."""
    if g.shape == shape:
        return g
    extra = len(g.shape) - len(shape)
    axes = tuple(range(extra)) + tuple(
        extra + i for i, n in enumerate(shape) if n == 1 and g.shape[extra + i] != 1)
    if axes:
        g = np.sum(g, axis=axes, keepdims=True)
    return np.reshape(g, shape)


def promote(a, b):
    """Cast two operands (arrays or Python numbers) to the dtype PyTorch gives their result."""
    if type(a) is np.ndarray:
        if type(b) is np.ndarray and a.dtype == b.dtype:
            return a, b
        dtype = result_type(a, b)
    elif type(b) is np.ndarray:
        dtype = result_type(b, a)
    else:
        raise TypeError(f"expected at least one Tensor, got {type(a).__name__} and {type(b).__name__}")
    if type(a) is np.ndarray and a.dtype != dtype:
        a = a.astype(dtype)
    if type(b) is np.ndarray and b.dtype != dtype:
        b = b.astype(dtype)
    return a, b


def to_float(a):
    """Integer and bool arrays become the default float dtype (true division, exp, log ...)."""
    if type(a) is np.ndarray and a.dtype.kind != "f":
        return a.astype(get_default_dtype().numpy)
    return a


def check_broadcast(op: str, a, b) -> None:
    """Raise PyTorch's error, naming both sizes and the dimension, when two operands can't broadcast."""
    check_shapes(op, np.shape(a), np.shape(b))


def check_shapes(op: str, sa: tuple, sb: tuple) -> None:
    """check_broadcast for two shapes."""
    ndim = max(len(sa), len(sb))
    for dim in range(ndim - 1, -1, -1):  # PyTorch reports the last mismatching dimension
        na = sa[dim - ndim + len(sa)] if dim - ndim + len(sa) >= 0 else 1
        nb = sb[dim - ndim + len(sb)] if dim - ndim + len(sb) >= 0 else 1
        if na != nb and na != 1 and nb != 1:
            raise RuntimeError(f"The size of tensor a ({na}) must match the size of tensor b ({nb}) at "
                               f"non-singleton dimension {dim} (shapes {list(sa)} and {list(sb)})")


def operand(x, name: str = "other"):
    """A Tensor stays a Tensor; a Python number or bool stays a number; anything else is an error."""
    if isinstance(x, Tensor):
        return x
    if isinstance(x, (numbers.Number, np.bool_)) and not isinstance(x, complex):
        return x
    if isinstance(x, np.ndarray):
        return Tensor._wrap(x)
    raise TypeError(f"{name} must be a Tensor or a number, got {type(x).__name__}")


def normalize_dims(dim, ndim: int) -> tuple | None:
    """``dim`` (None, int or tuple of ints, possibly negative) as a sorted tuple of axes, or None."""
    if dim is None:
        return None
    dims = (dim,) if isinstance(dim, numbers.Integral) else tuple(dim)
    n = max(ndim, 1)
    out = []
    for d in dims:
        if not isinstance(d, numbers.Integral):
            raise TypeError(f"dim must be an int or a tuple of ints, got {type(d).__name__}")
        if not -n <= d < n:
            raise IndexError(f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], "
                             f"but got {d})")
        out.append(d % n if ndim > 0 else 0)
    for i, d in enumerate(out):
        if d in out[:i]:
            raise RuntimeError(f"dim {d} appears multiple times in the list of dims")
    return tuple(sorted(out))


def normalize_index(k):
    """One element of an index key, with Python's ``range`` made an int64 array; anything else unchanged.

    PyTorch's indexing treats ``x[range(n), y]`` as ``x[torch.arange(n), y]`` (an advanced index);
    numpy would not accept a range inside a tuple key, so the indexing code turns it into an array
    here and handles it like a list. Lists, tuples and arrays pass through as they are.
    """
    if type(k) is range:
        return np.arange(k.start, k.stop, k.step, dtype=np.int64)
    return k
