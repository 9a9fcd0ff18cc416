"""Gradient clipping: ``clip_grad_norm_`` and ``clip_grad_value_``, as ``torch.nn.utils``.

Part III, nn chapter (used between ``backward()`` and ``optimizer.step()``). Clipping by norm
scales every gradient by the same factor min(1, max_norm/(‖g‖ + 1e-6)), where ‖g‖ is the norm of
all gradients together as one long vector: the direction of the step is kept, only its length is
limited. Clipping by value clamps each element to [−clip_value, clip_value].
"""

from __future__ import annotations

import math
import warnings

import numpy as np

from glassgrad.tensor import Tensor

__all__ = ["clip_grad_norm_", "clip_grad_value_", "clip_grad_norm"]


def _grads(parameters) -> list:
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    return [p._grad for p in parameters if p._grad is not None]


def clip_grad_norm_(parameters, max_norm: float, norm_type: float = 2.0,
                    error_if_nonfinite: bool = False, foreach=None) -> Tensor:
    """Scale the gradients in place so their total norm is at most ``max_norm``; return the norm
    they had before (a 0-dim tensor)."""
    grads = _grads(parameters)
    norm_type = float(norm_type)
    if not grads:
        return Tensor._wrap(np.array(0.0, dtype=np.float32))
    dtype = grads[0]._array.dtype
    if math.isinf(norm_type):
        total = max(float(np.abs(g._array).max()) if g._array.size else 0.0 for g in grads)
    else:
        total = float(sum(float((np.abs(g._array.astype(np.float64)) ** norm_type).sum())
                          for g in grads) ** (1.0 / norm_type))
    if error_if_nonfinite and not math.isfinite(total):
        raise RuntimeError(f"The total norm of order {norm_type} for gradients from `parameters` is "
                           "non-finite, so it cannot be clipped. To disable this error and scale the "
                           "gradients by the non-finite norm anyway, set `error_if_nonfinite=False`")
    coef = min(max_norm / (total + 1e-6), 1.0)
    for g in grads:
        g._array *= np.asarray(coef, dtype=g._array.dtype)
        g._vc[0] += 1
    return Tensor._wrap(np.array(total, dtype=dtype))


def clip_grad_value_(parameters, clip_value: float, foreach=None) -> None:
    """Clamp every gradient element to [−clip_value, clip_value], in place."""
    clip_value = float(clip_value)
    for g in _grads(parameters):
        np.clip(g._array, -clip_value, clip_value, out=g._array)
        g._vc[0] += 1


def clip_grad_norm(parameters, max_norm: float, norm_type: float = 2.0, error_if_nonfinite: bool = False,
                   foreach=None) -> Tensor:
    """PyTorch's old name for ``clip_grad_norm_`` (before 0.4), still answered with a FutureWarning."""
    warnings.warn("`torch.nn.utils.clip_grad_norm` is now deprecated in favor of `torch.nn.utils.clip_grad_norm_`.",
                  FutureWarning, stacklevel=2)
    return clip_grad_norm_(parameters, max_norm, norm_type, error_if_nonfinite, foreach)
