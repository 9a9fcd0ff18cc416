"""``SGD``: stochastic gradient descent with optional momentum, as ``torch.optim.SGD``.

Part III, the first update rule: read it right after ``optimizer.py``. One step, per parameter θ with
gradient g (λ = weight_decay, μ = momentum, τ = dampening, γ = lr):

    g ← −g                          if maximize         (these two: Optimizer._grads_for_update)
    g ← g + λ·θ                     if λ ≠ 0            (L2 penalty folded into the gradient)
    b ← g            (first step)   if μ ≠ 0            (the momentum buffer starts at the gradient)
    b ← μ·b + (1−τ)·g (later steps)
    g ← g + μ·b  if nesterov, else  g ← b
    θ ← θ − γ·g

The numbers equal PyTorch's step for step (tests/optim/test_optimizers.py checks 1e-6 relative).
"""

from __future__ import annotations

import numpy as np

from glassgrad.optim.optimizer import Optimizer, _run_closure, _use_no_grad
from glassgrad.tensor import Tensor

__all__ = ["SGD"]


class SGD(Optimizer):
    """Stochastic gradient descent (optionally with momentum / Nesterov momentum)."""

    _setstate_defaults = {"nesterov": False, "maximize": False, "foreach": None,
                          "differentiable": False, "fused": False}

    def __init__(self, params, lr=1e-3, momentum: float = 0, dampening: float = 0,
                 weight_decay: float = 0, nesterov: bool = False, *, maximize: bool = False,
                 foreach=None, differentiable: bool = False, fused=None) -> None:
        self._check_nonnegative(lr=lr, momentum=momentum, weight_decay=weight_decay, nan_passes=True)
        self._check_unsupported(differentiable)
        defaults = {"lr": lr, "momentum": momentum, "dampening": dampening,
                    "weight_decay": weight_decay, "nesterov": nesterov, "maximize": maximize,
                    "foreach": foreach, "differentiable": differentiable, "fused": fused}
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        super().__init__(params, defaults)

    @_use_no_grad
    def step(self, closure=None):
        """One SGD step for every parameter whose ``.grad`` is not None; returns the closure's loss."""
        loss = _run_closure(closure)
        scratch = self._scratch()  # one work array, reused by every parameter: no temporaries
        for group in self.param_groups:
            lr = float(group["lr"])
            momentum = float(group["momentum"])
            dampening = float(group["dampening"])
            nesterov = group["nesterov"]
            for p, param, grad in self._grads_for_update(group):
                work = scratch.like(param)
                if momentum != 0:
                    p_state = self.state[p]
                    buf_t = p_state.get("momentum_buffer")
                    if buf_t is None:
                        # np.array, not .copy(): a 0-d arithmetic result is a numpy scalar, not an array
                        buf_t = p_state["momentum_buffer"] = Tensor._wrap(np.array(grad))
                    else:
                        buf = buf_t._array
                        buf *= momentum
                        if dampening == 0:
                            buf += grad
                        else:
                            buf += np.multiply(grad, 1 - dampening, out=work)
                    if nesterov:                            # g + μ·b
                        grad = np.add(grad, np.multiply(buf_t._array, momentum, out=work), out=work)
                    else:
                        grad = buf_t._array
                param -= np.multiply(grad, lr, out=work)    # param.add_(grad, alpha=-γ)
                p._vc[0] += 1
        return loss
