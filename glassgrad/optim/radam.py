"""``RAdam``: Adam with its early steps' variance rectified, as ``torch.optim.RAdam``.

Part III, after ``adam.py``. In Adam's first steps v is an average of very few g², so 1/√v is noisy and
the steps can be huge (why Adam usually gets a learning-rate warm-up). RAdam (Liu et al., 2019) tracks
ρₜ, the length of the simple moving average that v behaves like: while ρₜ ≤ 5 it takes plain momentum
steps (no division by √v at all); after that it divides by √v but scales the step by rₜ, which rises
towards 1 as the estimate firms up. One step, t = 1, 2, ... (γ = lr, λ = weight_decay, ε = eps):

    g ← −g                                  if maximize   (these three: Optimizer._grads_for_update)
    θ ← θ·(1 − γλ)                          if λ ≠ 0 and decoupled_weight_decay (RAdamW)
    g ← g + λ·θ                             if λ ≠ 0 otherwise
    m ← m + (1−β₁)·(g − m),   v ← β₂·v + (1−β₂)·g²
    m̂ ← m / (1−β₁ᵗ)
    ρ∞ ← 2/(1−β₂) − 1,   ρₜ ← ρ∞ − 2t·β₂ᵗ/(1−β₂ᵗ)
    if ρₜ > 5:  rₜ ← √((ρₜ−4)(ρₜ−2)ρ∞ / ((ρ∞−4)(ρ∞−2)ρₜ)),   θ ← θ − γ·m̂ · √(1−β₂ᵗ)/(√v + ε) · rₜ
    else:       θ ← θ − γ·m̂
"""

from __future__ import annotations

import numpy as np

from glassgrad.optim.adamax import _check_betas
from glassgrad.optim.optimizer import Optimizer, _lerp_, _run_closure, _start_state, _use_no_grad

__all__ = ["RAdam"]


class RAdam(Optimizer):
    """RAdam (Liu et al., 2019), with optional decoupled weight decay (RAdamW)."""

    _setstate_defaults = {"foreach": None, "maximize": False, "differentiable": False,
                          "decoupled_weight_decay": False, "capturable": False}

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0, decoupled_weight_decay: bool = False, *, foreach=None,
                 maximize: bool = False, capturable: bool = False, differentiable: bool = False
                 ) -> None:
        self._check_nonnegative(lr=lr, eps=eps)
        _check_betas(betas)
        self._check_nonnegative(weight_decay=weight_decay)
        self._check_unsupported(differentiable, capturable)
        defaults = {"lr": lr, "betas": betas, "eps": eps, "weight_decay": weight_decay,
                    "maximize": maximize, "foreach": foreach, "capturable": capturable,
                    "decoupled_weight_decay": decoupled_weight_decay, "differentiable": differentiable}
        super().__init__(params, defaults)

    @_use_no_grad
    def step(self, closure=None):
        """One RAdam step for every parameter whose ``.grad`` is not None; returns the closure's loss."""
        loss = _run_closure(closure)
        for group in self.param_groups:
            lr = float(group["lr"])
            beta1, beta2 = (float(b) for b in group["betas"])
            eps = float(group["eps"])
            rho_inf = 2 / (1 - beta2) - 1
            for p, param, grad in self._grads_for_update(group):
                p_state = self.state[p]
                if len(p_state) == 0:
                    _start_state(p_state, param, "exp_avg", "exp_avg_sq")
                step_t = p_state["step"]._array
                step_t += 1
                step = float(step_t)
                exp_avg = p_state["exp_avg"]._array
                exp_avg_sq = p_state["exp_avg_sq"]._array
                _lerp_(exp_avg, grad, 1 - beta1)
                exp_avg_sq *= beta2
                exp_avg_sq += (grad * (1 - beta2)) * grad    # addcmul_(g, g, value=1−β₂)
                bias_correction1 = 1 - beta1 ** step
                bias_correction2 = 1 - beta2 ** step
                update = exp_avg / bias_correction1          # m̂
                update *= lr
                rho_t = rho_inf - 2 * step * (beta2 ** step) / bias_correction2
                if rho_t > 5.0:
                    rect = ((rho_t - 4) * (rho_t - 2) * rho_inf
                            / ((rho_inf - 4) * (rho_inf - 2) * rho_t)) ** 0.5
                    denom = np.sqrt(exp_avg_sq)
                    denom += eps
                    # PyTorch writes c / tensor, which it computes as tensor.reciprocal() * c
                    update *= np.reciprocal(denom) * (bias_correction2 ** 0.5)
                    update *= rect
                param -= update                              # add_(…, alpha=−1)
                p._vc[0] += 1
        return loss
