"""Casting: ``x.to(dtype)``, ``x.float()``, ``x.type(...)``, and the ``.to(...)`` argument parser that
``Module.to`` shares.

Part III, ops/ reading order: _util, elementwise, unary, **cast**, compare, inplace, then reduce and
the rest (ops/__init__.py lists them all). glassgrad runs on the CPU only, so ``.to()`` is
about dtypes, and about the meta device (shapes without numbers, meta.py): any other device raises
what PyTorch built for the CPU only raises (devices.py).
"""

from __future__ import annotations

import numpy as np

from glassgrad import dtypes
from glassgrad.autograd.function import Primitive
from glassgrad.devices import accelerator_unavailable, check_device_available, device
from glassgrad.memory_formats import check_memory_format, contiguous_format, laid_out, preserve_format
from glassgrad.meta import meta_array
from glassgrad.ops.unary import clone
from glassgrad.tensor import Tensor

__all__ = ["to_arguments"]


class Cast(Primitive):
    """out = x converted to another dtype;  ∂out/∂x = 1 (the gradient converted back)"""

    one_tensor_input = True  # the other arguments are options (see Function)
    node_name = "ToCopyBackward0"  # PyTorch's .to() runs aten::_to_copy

    @staticmethod
    def forward(ctx, x, dtype):
        ctx.dtype = x.dtype
        return x.astype(dtype)

    @staticmethod
    def backward(ctx, g):
        return g.astype(ctx.dtype) if isinstance(g, np.ndarray) else g.to(ctx.dtype), None


def to_arguments(args: tuple, kwargs: dict, unknown_message: str, ignored: tuple = ()):
    """The dtype that ``.to(...)`` asks for (None if none) and whether it asks for the meta device
    (True), for another device (False: the CPU, the only other one glassgrad has) or for none (None), for
    tensors and modules alike.

    ``to(dtype)``, ``to("cpu")``, ``to(device=..., dtype=...)``, ``to(other_tensor)``; any device but
    the CPU raises PyTorch's error for a build without it. Unknown keywords raise TypeError with ``unknown_message`` and their names."""
    kwargs = dict(kwargs)
    dtype = kwargs.pop("dtype", None)
    device_arg = kwargs.pop("device", None)
    check_memory_format(kwargs.get("memory_format"), "to")
    for name in ("non_blocking", "memory_format", *ignored):  # a module keeps its parameters' layout
        kwargs.pop(name, None)
    if kwargs:
        raise TypeError(f"{unknown_message} {sorted(kwargs)}")
    for a in args:
        if isinstance(a, Tensor):
            dtype = a.dtype
        elif isinstance(a, (str, device)) or (isinstance(a, int) and not isinstance(a, bool)):
            device_arg = a
        elif a is not None:
            dtype = a
    if device_arg is None:
        return dtype, None
    check_device_available(device_arg, copying=True)
    return dtype, device(device_arg).type == "meta"


def to(self, *args, copy: bool = False, memory_format=None, **kwargs):
    """``x.to(dtype)``, ``x.to("cpu")``, ``x.to(other_tensor)``, ``x.to(memory_format=torch.channels_last)``;
    returns self when nothing changes (unless ``copy=True``). A new tensor keeps x's layout unless
    ``memory_format`` names another."""
    dtype, to_meta = to_arguments(args, kwargs, "to() got unexpected keyword arguments")
    check_memory_format(memory_format, "to")
    target = self._array.dtype if dtype is None else dtypes.to_dtype(dtype).numpy
    if to_meta is not None and to_meta != self.is_meta:
        return _to_meta(self, target) if to_meta else _cpu(self)
    relaid = self._array if memory_format is None or self.is_meta else laid_out(self._array, memory_format)
    if target == self._array.dtype and not copy and relaid is self._array:
        return self
    if self._requires_grad and not dtypes.is_float(target):
        return Tensor._wrap(relaid.astype(target))  # integer results are not differentiable
    result = Cast.apply(self, target)  # astype keeps the layout (numpy's order="K")
    if memory_format is not None and not self.is_meta:
        result._array = laid_out(result._array, memory_format)
    return result


def _to_meta(self, dtype: np.dtype):
    """``x.to("meta")``: a tensor of x's shape without numbers (meta.py)."""
    return Tensor._wrap(meta_array(self._array.shape, dtype), requires_grad=self._requires_grad)


def _cpu(self, memory_format=None):
    """``x.cpu()``: x itself (every tensor with numbers is on the CPU); a meta tensor has none to copy."""
    if self.is_meta:
        raise NotImplementedError("Cannot copy out of meta tensor; no data!")
    return self


def _caster(dtype):
    def method(self, memory_format=None):
        return to(self, dtype)
    method.__name__ = dtype.name
    return method


def type_as(self, other):
    return to(self, other.dtype)


def _type(self, dtype=None, non_blocking=False, **kwargs):
    """With no argument, PyTorch's type name ('glassgrad.FloatTensor'); with a dtype, a cast. The dtype
    may also be a legacy type (``x.type(torch.FloatTensor)``) or its name (``x.type('torch.LongTensor')``)."""
    if dtype is None:
        return f"{dtypes.SHOWN_AS}.{dtypes.TORCH_NAMES[self._array.dtype.name]}Tensor"
    if isinstance(dtype, str):
        dtype = _dtype_named(dtype)
    elif isinstance(dtype, type) and isinstance(getattr(dtype, "dtype", None), dtypes.dtype):
        dtype = dtype.dtype  # FloatTensor and its kin (creation.py) carry their dtype
    elif dtype is Tensor:
        dtype = dtypes.get_default_dtype()
    elif isinstance(dtype, type):  # any other class is looked up by its name, which names no tensor type
        name = dtype.__name__ if dtype.__module__ == "builtins" else f"{dtype.__module__}.{dtype.__name__}"
        raise ValueError(f"invalid type: {name!r}")
    elif not isinstance(dtype, dtypes.dtype):
        raise TypeError("dtype must be a type, str, or dtype object")
    return to(self, dtype)


_TYPE_NAMES = {f"{torch_name}Tensor": name for name, torch_name in dtypes.TORCH_NAMES.items()}


def _dtype_named(type_name: str) -> dtypes.dtype:
    """'torch.FloatTensor' -> float32 (also 'glassgrad.FloatTensor', what ``x.type()`` prints);
    'torch.cuda.FloatTensor' asks for CUDA, which glassgrad does not have."""
    package, _, name = type_name.rpartition(".")
    if package in ("torch", dtypes.SHOWN_AS, "glassgrad") and name == "Tensor":
        return dtypes.get_default_dtype()
    if package in ("torch.cuda", f"{dtypes.SHOWN_AS}.cuda", "glassgrad.cuda") and name in _TYPE_NAMES:
        raise RuntimeError("Cannot initialize CUDA without ATen_cuda library (glassgrad runs on the CPU only; "
                           f"use {dtypes.SHOWN_AS}.{name})")
    if package not in ("torch", dtypes.SHOWN_AS, "glassgrad") or name not in _TYPE_NAMES:
        raise ValueError(f"invalid type: {type_name!r}")
    return dtypes.to_dtype(_TYPE_NAMES[name])


def contiguous(self, memory_format=None):
    """This tensor if its elements already lie in row-major order, else a row-major copy (recorded as
    a clone, PyTorch's CloneBackward0), so ``x.transpose(0, 1).contiguous().view(-1)`` works.
    ``memory_format=torch.channels_last`` asks for that layout instead."""
    if memory_format is None or memory_format is contiguous_format:
        return self if self._array.flags.c_contiguous else clone(self, memory_format=contiguous_format)
    check_memory_format(memory_format, "contiguous")
    if memory_format is preserve_format:
        raise RuntimeError("preserve memory format is unsupported by the contiguous operator")
    relaid = laid_out(self._array, memory_format)
    if relaid is self._array:
        return self
    return clone(self, memory_format=memory_format)


def _cuda(self, device=None, non_blocking=False, memory_format=None):
    """PyTorch without CUDA: ``x.cuda()`` fails its CUDA check, ``x.cuda(0)`` finds no accelerator."""
    if isinstance(device, int) and not isinstance(device, bool):
        raise accelerator_unavailable()
    raise AssertionError("Torch not compiled with CUDA enabled")


def _get_device(self) -> int:
    """PyTorch's device ordinal: -1 for a CPU tensor (every glassgrad tensor)."""
    return -1


# Where a tensor lives, asked PyTorch's ways: every glassgrad tensor is on the CPU, or on meta (no numbers).
_ON_THE_CPU = {"is_cpu": property(lambda self: not self.is_meta), "get_device": _get_device}
_ON_THE_CPU.update({f"is_{kind}": property(lambda self: False)
                    for kind in ("xpu", "mps", "ipu", "xla", "maia", "mtia", "vulkan", "mkldnn")})

TENSOR_METHODS = {
    **_ON_THE_CPU,
    "to": to, "type_as": type_as, "type": _type, "cpu": _cpu, "cuda": _cuda,
    "contiguous": contiguous,
    "float": _caster(dtypes.float32), "double": _caster(dtypes.float64), "half": _caster(dtypes.float16),
    "bfloat16": _caster(dtypes.bfloat16),
    "long": _caster(dtypes.int64), "int": _caster(dtypes.int32), "short": _caster(dtypes.int16),
    "bool": _caster(dtypes.bool), "byte": _caster(dtypes.uint8), "char": _caster(dtypes.int8),
}
