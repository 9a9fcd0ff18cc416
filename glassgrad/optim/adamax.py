"""``Adamax``: Adam with the infinity norm in place of the RMS, as ``torch.optim.Adamax``.

Part III, after ``adam.py``. Adam divides by √v, a running mean of g² (an L2 norm over time); Adamax
(Kingma & Ba, 2014, §7) lets the power go to infinity, which turns the running mean into a running
maximum u of |g|: no square root, and no bias correction for u. One step, t = 1, 2, ...
(γ = lr, λ = weight_decay, ε = eps):

    g ← −g                              if maximize     (these two: Optimizer._grads_for_update)
    g ← g + λ·θ                         if λ ≠ 0
    m ← m + (1−β₁)·(g − m)              (Adam's first moment, as PyTorch's lerp: ``exp_avg``)
    u ← max(β₂·u, |g| + ε)              (the decayed running maximum: ``exp_inf``)
    θ ← θ − (γ / (1−β₁ᵗ)) · m / u
"""

from __future__ import annotations

import numpy as np

from glassgrad.optim.optimizer import Optimizer, _lerp_, _run_closure, _start_state, _use_no_grad

__all__ = ["Adamax"]


def _check_betas(betas) -> None:
    for i in (0, 1):
        if not 0.0 <= betas[i] < 1.0:
            raise ValueError(f"Invalid beta parameter at index {i}: {betas[i]}")


class Adamax(Optimizer):
    """Adamax (Kingma & Ba, 2014): Adam with a running maximum of |g|."""

    _setstate_defaults = {"foreach": None, "maximize": False, "differentiable": False,
                          "capturable": False}

    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0, foreach=None, *, maximize: bool = False,
                 differentiable: bool = False, capturable: bool = False) -> None:
        self._check_nonnegative(lr=lr, eps=eps)
        _check_betas(betas)
        self._check_nonnegative(weight_decay=weight_decay)
        self._check_unsupported(differentiable, capturable)
        defaults = {"lr": lr, "betas": betas, "eps": eps, "weight_decay": weight_decay,
                    "foreach": foreach, "maximize": maximize, "differentiable": differentiable,
                    "capturable": capturable}
        super().__init__(params, defaults)

    @_use_no_grad
    def step(self, closure=None):
        """One Adamax step for every parameter whose ``.grad`` is not None; returns the closure's loss."""
        loss = _run_closure(closure)
        for group in self.param_groups:
            lr = float(group["lr"])
            beta1, beta2 = (float(b) for b in group["betas"])
            eps = float(group["eps"])
            for p, param, grad in self._grads_for_update(group):
                p_state = self.state[p]
                if len(p_state) == 0:
                    _start_state(p_state, param, "exp_avg", "exp_inf")
                step_t = p_state["step"]._array
                step_t += 1
                exp_avg = p_state["exp_avg"]._array
                exp_inf = p_state["exp_inf"]._array
                _lerp_(exp_avg, grad, 1 - beta1)
                exp_inf *= beta2
                np.maximum(exp_inf, np.abs(grad) + eps, out=exp_inf)
                clr = lr / (1 - beta1 ** float(step_t))
                update = exp_avg * -clr                      # addcdiv_(m, u, value=−γ/(1−β₁ᵗ))
                update /= exp_inf
                param += update
                p._vc[0] += 1
        return loss
