"""Weight normalisation (Salimans & Kingma, 2016), the old hook-based API, as ``torch.nn.utils.weight_norm``.

Part III, nn chapter. A weight is split into a length and a direction, each a parameter of its own:

    w = g · v / ‖v‖        (‖v‖ per output channel: over every dimension but ``dim``; dim=None: all)

so the optimizer moves the length ``weight_g`` and the direction ``weight_v`` separately. A forward
pre-hook recomputes ``module.weight`` (a plain tensor, no longer a parameter) from them before each
forward. PyTorch has deprecated this form for ``nn.utils.parametrizations.weight_norm`` (parametrize-
based: the same numbers as ``parametrizations.weight.original0`` and ``original1``); it warns as PyTorch
does.
"""

from __future__ import annotations

import warnings

from glassgrad.nn.parameter import Parameter
from glassgrad.tensor import Tensor

__all__ = ["WeightNorm", "weight_norm", "remove_weight_norm", "norm_except_dim"]


def norm_except_dim(v: Tensor, pow: float = 2, dim: int = 0) -> Tensor:  # noqa: A002
    """‖v‖ₚ over every dimension but ``dim``, shaped to broadcast against v ((C, 1, 1, ...) for dim=0);
    dim=-1: the norm of the whole tensor (a 0-d tensor), as ``torch.norm_except_dim``."""
    if dim == -1:
        return v.norm(pow)
    others = tuple(d for d in range(v.dim()) if d != dim)
    return v.norm(pow, dim=others, keepdim=True) if others else v.abs()


def _weight_norm(v: Tensor, g: Tensor, dim: int = 0) -> Tensor:
    """w = v · (g / ‖v‖), the norm over every dimension but ``dim`` (``torch._weight_norm``)."""
    return v * (g / norm_except_dim(v, 2, dim))


class WeightNorm:
    """The forward pre-hook of ``weight_norm``: ``module.<name>`` recomputed from ``<name>_g`` and
    ``<name>_v`` before each forward."""

    name: str
    dim: int

    def __init__(self, name: str, dim: int) -> None:
        if dim is None:
            dim = -1
        self.name = name
        self.dim = dim

    def compute_weight(self, module) -> Tensor:
        return _weight_norm(getattr(module, self.name + "_v"), getattr(module, self.name + "_g"), self.dim)

    @staticmethod
    def apply(module, name: str, dim: int) -> WeightNorm:
        warnings.warn("`torch.nn.utils.weight_norm` is deprecated in favor of "
                      "`torch.nn.utils.parametrizations.weight_norm`.", FutureWarning, stacklevel=2)
        for hook in module._forward_pre_hooks.values():
            if isinstance(hook, WeightNorm) and hook.name == name:
                raise RuntimeError(f"Cannot register two weight_norm hooks on the same parameter {name}")
        if dim is None:
            dim = -1
        fn = WeightNorm(name, dim)
        weight = getattr(module, name)
        del module._parameters[name]
        module.register_parameter(name + "_g", Parameter(norm_except_dim(weight, 2, dim).data))
        module.register_parameter(name + "_v", Parameter(weight.data))
        setattr(module, name, fn.compute_weight(module))
        module.register_forward_pre_hook(fn)
        return fn

    def remove(self, module) -> None:
        weight = self.compute_weight(module)
        delattr(module, self.name)
        del module._parameters[self.name + "_g"]
        del module._parameters[self.name + "_v"]
        setattr(module, self.name, Parameter(weight.data))

    def __call__(self, module, inputs) -> None:
        setattr(module, self.name, self.compute_weight(module))


def weight_norm(module, name: str = "weight", dim: int = 0):
    """Split ``module.<name>`` into ``<name>_g`` (the norm over every dimension but ``dim``; dim=None:
    one norm for the whole tensor) and ``<name>_v`` (the direction): w = g·v/‖v‖, recomputed before
    each forward. Returns the module."""
    WeightNorm.apply(module, name, dim)
    return module


def remove_weight_norm(module, name: str = "weight"):
    """Undo ``weight_norm``: ``<name>`` is one parameter again, with the current w's numbers."""
    for key, hook in module._forward_pre_hooks.items():
        if isinstance(hook, WeightNorm) and hook.name == name:
            hook.remove(module)
            del module._forward_pre_hooks[key]
            return module
    raise ValueError(f"weight_norm of '{name}' not found in {module}")
