"""Questions about tensors and dtypes, and two process settings, as PyTorch's top level has them:
``is_tensor``, ``is_floating_point``, ``is_complex``, ``is_nonzero``, ``numel``, ``promote_types``,
``result_type``, ``can_cast``; ``set_flush_denormal`` and ``get/set_num_interop_threads``.

Part III, beside ``creation.py``: it reads tensors and dtypes and builds nothing. The promotion rules are
``dtypes.result_type``'s (bool < integer < float; within a category a 0-d tensor or a Python number never
widens a dimensioned tensor).
"""

from __future__ import annotations

import numbers
import os

import numpy as np

from glassgrad import dtypes
from glassgrad.tensor import Tensor

__all__ = ["is_tensor", "is_floating_point", "is_complex", "is_nonzero", "numel", "promote_types", "result_type",
           "can_cast", "set_flush_denormal", "get_num_interop_threads", "set_num_interop_threads"]


def _tensor_argument(name: str, input) -> Tensor:  # noqa: A002
    if not isinstance(input, Tensor):
        raise TypeError(f"{name}(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}")
    return input


def is_tensor(obj) -> bool:
    """Is ``obj`` a Tensor (a Parameter counts)?"""
    return isinstance(obj, Tensor)


def is_floating_point(input) -> bool:  # noqa: A002
    """Is the tensor's dtype a floating-point one?"""
    return dtypes.is_float(_tensor_argument("is_floating_point", input)._array.dtype)


def is_complex(input) -> bool:  # noqa: A002
    """Is the tensor's dtype complex? (glassgrad has no complex dtypes: always False.)"""
    return _tensor_argument("is_complex", input)._array.dtype.kind == "c"


def is_nonzero(input) -> bool:  # noqa: A002
    """The truth of a one-element tensor: ``bool(x)``, refusing more than one value or none."""
    size = _tensor_argument("is_nonzero", input)._array.size
    if size == 0:
        raise RuntimeError("Boolean value of Tensor with no values is ambiguous")
    if size > 1:
        raise RuntimeError("Boolean value of Tensor with more than one value is ambiguous")
    return bool(input._array.reshape(()))


def numel(input) -> int:  # noqa: A002
    """How many elements the tensor holds."""
    return int(_tensor_argument("numel", input)._array.size)


def _dtype_argument(name: str, value, position: int, argument: str) -> dtypes.dtype:
    if not isinstance(value, dtypes.dtype):
        raise TypeError(f"{name}(): argument '{argument}' (position {position}) must be torch.dtype, not "
                        f"{type(value).__name__}")
    return value


def _rank(d: dtypes.dtype) -> int:
    return 2 if d.is_floating_point else 0 if d.name == "bool" else 1


def promote_types(type1, type2) -> dtypes.dtype:
    """The smallest dtype both dtypes convert to without losing their category (bool < int < float)."""
    a = _dtype_argument("promote_types", type1, 1, "type1")
    b = _dtype_argument("promote_types", type2, 2, "type2")
    if a is b:
        return a
    if _rank(a) != _rank(b):  # PyTorch: the higher category wins whole (int32 + float32 -> float32, bfloat16 +
        return a if _rank(a) > _rank(b) else b  # int64 -> bfloat16); numpy would widen to float64
    if a.numpy is None or b.numpy is None:  # bfloat16 without ml_dtypes: with float16 it becomes float32
        other = b if a.numpy is None else a
        if _rank(other) < 2:
            return a if a.numpy is None else b
        return dtypes.float32 if other.name in ("float16", "float32") else other
    return dtypes.from_numpy_dtype(np.promote_types(a.numpy, b.numpy))


def result_type(tensor1, tensor2) -> dtypes.dtype:
    """The dtype an arithmetic op between these two (tensors or Python numbers) gives."""
    def as_operand(x):
        if isinstance(x, Tensor):
            return x._array
        if isinstance(x, numbers.Number):
            return x
        raise TypeError(f"result_type() received an invalid combination of arguments - got "
                        f"({type(tensor1).__name__}, {type(tensor2).__name__})")
    a, b = as_operand(tensor1), as_operand(tensor2)
    if not isinstance(a, np.ndarray) and not isinstance(b, np.ndarray):  # two numbers: as 0-d tensors
        a = np.asarray(a, dtypes.get_default_dtype().numpy if isinstance(a, float) else
                       np.bool_ if isinstance(a, bool) else np.int64)
        return dtypes.from_numpy_dtype(dtypes.result_type(a, b))
    if not isinstance(a, np.ndarray):
        a, b = b, a
    return dtypes.from_numpy_dtype(dtypes.result_type(a, b))


def can_cast(from_, to) -> bool:
    """Is the cast allowed under PyTorch's "same kind" rule: never float to integer, nor anything but
    bool to bool?"""
    a = _dtype_argument("can_cast", from_, 1, "from_")
    b = _dtype_argument("can_cast", to, 2, "to")
    return _rank(a) <= _rank(b)


def set_flush_denormal(mode: bool) -> bool:
    """Flush denormal floats to zero? numpy offers no switch for it, so nothing changes, and the answer
    is PyTorch's for a CPU where it worked (True): programs call this for speed, not for the numbers."""
    return True


_INTEROP_THREADS = [os.cpu_count() or 1]


def get_num_interop_threads() -> int:
    """The size of PyTorch's pool for running independent ops at once. glassgrad runs ops one after
    another, so the number is only remembered (its default: the number of CPUs)."""
    return _INTEROP_THREADS[0]


def set_num_interop_threads(num: int) -> None:
    """Remember ``num`` as the inter-op pool size (see ``get_num_interop_threads``)."""
    if not isinstance(num, numbers.Integral) or num <= 0:
        raise RuntimeError("set_num_interop_threads expects a positive integer")
    _INTEROP_THREADS[0] = int(num)
