"""``Parameter``: a tensor that a ``Module`` learns, as ``torch.nn.Parameter``.

Part III, nn chapter. Read first in ``glassgrad/nn``: a Parameter is just a Tensor with
``requires_grad=True`` by default, and one extra meaning: assigning it as an attribute of a Module
(``self.weight = Parameter(...)``) registers it, so ``module.parameters()`` finds it for the optimizer.

``UninitializedParameter`` / ``UninitializedBuffer`` are the placeholders of the lazy layers (lazy.py): a
tensor without a shape yet, given one in place by ``materialize(shape)``.
"""

from __future__ import annotations

import numpy as np

from glassgrad import dtypes
from glassgrad.tensor import Tensor, is_user_subclass

__all__ = ["Parameter", "UninitializedParameter", "UninitializedBuffer"]


class _ParameterMeta(type):
    """``isinstance(x, Parameter)`` is also True for a tensor subclass's instance made a parameter: PyTorch's
    ``Parameter(subclass_instance)`` keeps the instance's class and flags it ``_is_param``."""

    def __instancecheck__(cls, instance) -> bool:
        return super().__instancecheck__(instance) or (cls is Parameter and isinstance(instance, Tensor)
                                                       and getattr(instance, "_is_param", False))


class Parameter(Tensor, metaclass=_ParameterMeta):
    """A learnable tensor. ``Parameter(data)`` shares ``data``'s memory and is always a graph leaf."""

    def __new__(cls, data: Tensor | None = None, requires_grad: bool = True):
        if cls is Parameter and isinstance(data, Tensor) and is_user_subclass(type(data)):
            # a user's Tensor subclass stays itself, detached and flagged, as in PyTorch
            t = data.detach().requires_grad_(requires_grad)
            if type(t) is not type(data):
                raise RuntimeError(f"Creating a Parameter from an instance of type {type(data).__name__} "
                                   "requires that detach() returns an instance of the same type, but return "
                                   f"type {type(t).__name__} was found instead. To use the type as a Parameter, "
                                   "please correct the detach() semantics defined by its __torch_dispatch__() "
                                   "implementation.")
            t._is_param = True
            return t
        if data is None:
            array = np.empty((0,), dtype=np.float32)
            vc = [0]
        elif isinstance(data, Tensor):
            array, vc = data._array, data._vc
        else:
            raise TypeError(f"Parameter(): data must be a Tensor, got {type(data).__name__}")
        if requires_grad and not dtypes.is_float(array.dtype):
            raise RuntimeError("Only Tensors of floating point and complex dtype can require gradients")
        p = Tensor.__new__(cls)  # not cls._wrap: that calls cls.__new__, i.e. this method, again
        p._init(array, bool(requires_grad), None)
        p._vc = vc  # same memory, same version counter
        return p

    def __init__(self, data=None, requires_grad: bool = True) -> None:
        pass  # everything happened in __new__ (Tensor.__init__ would copy the data)

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()


# --- lazy modules: a parameter whose shape is not known yet ----------------------------------------------
def _uninitialized_use(what: str) -> ValueError:
    return ValueError(f"Attempted to use an uninitialized parameter in <method '{what}' of "
                      "'torch._C.TensorBase' objects>. This error happens when you are using a "
                      "`LazyModule` or explicitly manipulating `torch.nn.parameter.UninitializedParameter` "
                      "objects. When using LazyModules Call `forward` with a dummy batch to initialize the "
                      "parameters before calling torch functions")


class UninitializedTensorMixin:
    """What an uninitialized parameter and buffer share: no shape yet (an empty array holds the dtype),
    ``materialize(shape)`` gives it one in place and turns it into ``cls_to_become``, so every
    reference to it — a Module's, an optimizer's — sees the real tensor afterwards."""

    __slots__ = ()  # adds nothing to the layout: materialize swaps __class__ in place
    cls_to_become: type = Tensor

    def materialize(self, shape, device=None, dtype=None) -> None:
        """Give the tensor ``shape`` (its numbers uninitialized: the owner's init fills them)."""
        shape = (shape,) if isinstance(shape, int) else tuple(shape)
        np_dtype = self._array.dtype if dtype is None else dtypes.to_dtype(dtype).numpy
        self._array = np.empty(shape, dtype=np_dtype)
        self.__class__ = self.cls_to_become

    @property
    def shape(self):
        raise RuntimeError("Can't access the shape of an uninitialized parameter or buffer. This error "
                           "usually happens in `load_state_dict` when trying to load an uninitialized "
                           "parameter into an initialized one. Call `forward` to initialize the "
                           "parameters before accessing their attributes.")

    def dim(self):
        raise _uninitialized_use("dim")

    def numel(self):
        raise _uninitialized_use("numel")

    @property
    def ndim(self):
        raise _uninitialized_use("ndim")

    def __repr__(self) -> str:
        return f"<{type(self).__name__}>"


def _empty(requires_grad: bool, dtype) -> Tensor:
    np_dtype = (dtypes.get_default_dtype() if dtype is None else dtypes.to_dtype(dtype)).numpy
    return Tensor._wrap(np.empty((0,), dtype=np_dtype), requires_grad)


class UninitializedParameter(UninitializedTensorMixin, Parameter):
    """A parameter of a lazy module before its first forward: it becomes a ``Parameter`` of the right
    shape when the module sees its first input."""

    cls_to_become = Parameter

    def __new__(cls, requires_grad: bool = True, device=None, dtype=None):
        p = Tensor.__new__(cls)
        p._init(_empty(False, dtype)._array, bool(requires_grad), None)
        return p

    def __init__(self, requires_grad: bool = True, device=None, dtype=None) -> None:
        pass


class UninitializedBuffer(UninitializedTensorMixin, Tensor):
    """A buffer (e.g. BatchNorm's running_mean) of a lazy module before its first forward."""

    __slots__ = ()  # Tensor's own layout, so materialize can turn it into a plain Tensor in place
    cls_to_become = Tensor

    def __new__(cls, requires_grad: bool = False, device=None, dtype=None, persistent: bool = True):
        b = Tensor.__new__(cls)
        b._init(_empty(False, dtype)._array, bool(requires_grad), None)
        return b

    def __init__(self, requires_grad: bool = False, device=None, dtype=None,
                 persistent: bool = True) -> None:
        pass
