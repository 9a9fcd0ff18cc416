"""Comparisons and logic: eq, ne, lt, le, gt, ge (and their aliases), logical_* and bitwise_*, isnan,
isinf, isfinite, equal, isclose, allclose; the operators == != < <= > >= & | ^ ~.

Part III, ops/ reading order: _util, elementwise, unary, cast, **compare**, inplace, then reduce and
the rest (ops/__init__.py lists them all). The results are bool tensors (or Python bools),
which carry no gradient, so nothing here is a Function: each op is one numpy call, with PyTorch's checks
on the operands first.
"""

from __future__ import annotations

import numbers

import numpy as np

from glassgrad.dtypes import is_float
from glassgrad.ops._util import _call_into, check_broadcast, operand
from glassgrad.tensor import Tensor

__all__ = [
    "eq", "ne", "lt", "le", "gt", "ge", "equal", "greater", "less", "greater_equal", "less_equal",
    "not_equal", "logical_and", "logical_or", "logical_not", "logical_xor", "isnan", "isinf",
    "isfinite", "allclose", "isclose",
]


def _compare(name: str, np_fn):
    def op(input, other, *, out=None):  # noqa: A002
        if out is not None:  # torch.eq(a, b, out=t): the result cast into t
            return _call_into(op, name, "cast", out, (input, other), {})
        a = input._array if isinstance(input, Tensor) else input
        b = operand(other)
        b = b._array if isinstance(b, Tensor) else b
        check_broadcast(name, a, b)
        return Tensor._wrap(np.asarray(np_fn(a, b)))
    op.__name__ = name
    op.__doc__ = f"Elementwise ``{name}``: a bool tensor (no gradient flows through comparisons)."
    return op


eq, ne = _compare("eq", np.equal), _compare("ne", np.not_equal)
lt, le = _compare("lt", np.less), _compare("le", np.less_equal)
gt, ge = _compare("gt", np.greater), _compare("ge", np.greater_equal)
greater, less, greater_equal, less_equal, not_equal = gt, lt, ge, le, ne
logical_and = _compare("logical_and", np.logical_and)
logical_or = _compare("logical_or", np.logical_or)
logical_xor = _compare("logical_xor", np.logical_xor)
bitwise_and = _compare("bitwise_and", np.bitwise_and)
bitwise_or = _compare("bitwise_or", np.bitwise_or)
bitwise_xor = _compare("bitwise_xor", np.bitwise_xor)


def logical_not(input, *, out=None):  # noqa: A002
    if out is not None:
        return _call_into(logical_not, "logical_not", "cast", out, (input,), {})
    return Tensor._wrap(np.logical_not(input._array))


def bitwise_not(input):  # noqa: A002
    if is_float(input._array.dtype):
        raise TypeError("bitwise_not is only supported for integer and boolean tensors")
    return Tensor._wrap(np.invert(input._array))


def _predicate(np_fn):
    def op(input):  # noqa: A002
        return Tensor._wrap(np_fn(input._array))
    op.__name__ = np_fn.__name__
    op.__doc__ = f"{np_fn.__name__}, elementwise (a bool result: no gradient flows)."
    return op


isnan, isinf, isfinite = _predicate(np.isnan), _predicate(np.isinf), _predicate(np.isfinite)


def equal(input, other) -> bool:  # noqa: A002
    """True if both tensors have the same shape and elements."""
    return input.shape == other.shape and bool(np.array_equal(input._array, other._array))


def isclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):  # noqa: A002
    b = other._array if isinstance(other, Tensor) else other
    return Tensor._wrap(np.isclose(input._array, b, rtol=rtol, atol=atol, equal_nan=equal_nan))


def allclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False) -> bool:  # noqa: A002
    b = other._array if isinstance(other, Tensor) else other
    return bool(np.allclose(input._array, b, rtol=rtol, atol=atol, equal_nan=equal_nan))


# --- the operators -----------------------------------------------------------------------------------
def _eq_method(self, other):
    """``x == other``: elementwise for tensors and numbers; False for anything else (None, a string)."""
    if other is None or not isinstance(other, (Tensor, numbers.Number, np.ndarray, np.bool_)):
        return False
    return eq(self, other)


def _ne_method(self, other):
    if other is None or not isinstance(other, (Tensor, numbers.Number, np.ndarray, np.bool_)):
        return True
    return ne(self, other)


def _and(self, other):
    """``&``: logical on bool tensors, bitwise on integers (as PyTorch)."""
    return bitwise_and(self, other) if self._array.dtype.kind != "b" else logical_and(self, other)


def _or(self, other):
    return bitwise_or(self, other) if self._array.dtype.kind != "b" else logical_or(self, other)


def _xor(self, other):
    return bitwise_xor(self, other) if self._array.dtype.kind != "b" else logical_xor(self, other)


def _invert(self):
    return logical_not(self) if self._array.dtype.kind == "b" else bitwise_not(self)


TENSOR_METHODS = {
    "__eq__": _eq_method, "__ne__": _ne_method, "__lt__": lt, "__le__": le, "__gt__": gt, "__ge__": ge,
    "__and__": _and, "__or__": _or, "__xor__": _xor, "__invert__": _invert,
    "eq": eq, "ne": ne, "lt": lt, "le": le, "gt": gt, "ge": ge, "greater": gt, "less": lt,
    "greater_equal": ge, "less_equal": le, "not_equal": ne, "equal": equal,
    "logical_and": logical_and, "logical_or": logical_or, "logical_xor": logical_xor,
    "logical_not": logical_not, "bitwise_not": bitwise_not, "bitwise_and": bitwise_and,
    "bitwise_or": bitwise_or, "bitwise_xor": bitwise_xor, "isnan": isnan, "isinf": isinf,
    "isfinite": isfinite, "isclose": isclose, "allclose": allclose,
}

# numpy -> glassgrad, so backward formulas written in numpy also run on Tensors (create_graph=True)
NUMPY = {
    np.equal: eq, np.not_equal: ne, np.less: lt, np.less_equal: le, np.greater: gt,
    np.greater_equal: ge, np.logical_and: logical_and, np.logical_or: logical_or,
    np.logical_not: logical_not,
}
