"""``Parameter``: a tensor that a ``Module`` learns, as ``torch.nn.Parameter``.

Part III, nn chapter. Read first in ``glassgrad/nn``: a Parameter is just a Tensor with
``requires_grad=True`` by default, and one extra meaning: assigning it as an attribute of a Module
(``self.weight = Parameter(...)``) registers it, so ``module.parameters()`` finds it for the optimizer.
"""

from __future__ import annotations

import numpy as np

from glassgrad.tensor import Tensor

__all__ = ["Parameter"]


class Parameter(Tensor):
    """A learnable tensor. ``Parameter(data)`` shares ``data``'s memory and is always a graph leaf."""

    def __new__(cls, data: Tensor | None = None, requires_grad: bool = True):
        if data is None:
            array = np.empty((0,), dtype=np.float32)
            vc = [0]
        elif isinstance(data, Tensor):
            array, vc = data._array, data._vc
        else:
            raise TypeError(f"Parameter(): data must be a Tensor, got {type(data).__name__}")
        if requires_grad and array.dtype.kind != "f":
            raise RuntimeError("Only Tensors of floating point and complex dtype can require gradients")
        p = Tensor.__new__(cls)  # not cls._wrap: that calls cls.__new__, i.e. this method, again
        p._init(array, bool(requires_grad), None)
        p._vc = vc  # same memory, same version counter
        return p

    def __init__(self, data=None, requires_grad: bool = True) -> None:
        pass  # everything happened in __new__ (Tensor.__init__ would copy the data)

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()
