"""``NAdam``: Adam with Nesterov momentum, as ``torch.optim.NAdam``.

Part III, after ``adam.py``. Nesterov's trick is to take the momentum step "ahead of time": the update
uses the first moment as it *will* be after the next step. NAdam (Dozat, 2016) does this inside Adam,
with a momentum coefficient μₜ that warms up over the first few hundred steps (``momentum_decay`` ψ).
One step, t = 1, 2, ... (γ = lr, λ = weight_decay, ε = eps):

    g ← −g                                  if maximize   (these three: Optimizer._grads_for_update)
    θ ← θ·(1 − γλ)                          if λ ≠ 0 and decoupled_weight_decay
    g ← g + λ·θ                             if λ ≠ 0 otherwise
    μₜ ← β₁·(1 − ½·0.96^(t·ψ)),  μₜ₊₁ likewise with t+1
    Π ← Π·μₜ                                (the product μ₁⋯μₜ: ``mu_product``, a 0-d tensor)
    m ← m + (1−β₁)·(g − m),   v ← β₂·v + (1−β₂)·g²
    d ← √(v / (1−β₂ᵗ)) + ε
    θ ← θ − γ·(1−μₜ)/(1−Π) · g/d − γ·μₜ₊₁/(1−Π·μₜ₊₁) · m/d
"""

from __future__ import annotations

import numpy as np

from glassgrad.optim.adamax import _check_betas
from glassgrad.optim.optimizer import Optimizer, _lerp_, _run_closure, _scalar_state, _start_state, _use_no_grad
from glassgrad.tensor import Tensor

__all__ = ["NAdam"]


class NAdam(Optimizer):
    """NAdam (Dozat, 2016), with optional decoupled weight decay (NAdamW)."""

    _setstate_defaults = {"maximize": False, "foreach": None, "capturable": False,
                          "differentiable": False, "decoupled_weight_decay": False}

    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0, momentum_decay: float = 4e-3,
                 decoupled_weight_decay: bool = False, *, foreach=None, maximize: bool = False,
                 capturable: bool = False, differentiable: bool = False) -> None:
        self._check_nonnegative(lr=lr, eps=eps)
        _check_betas(betas)
        self._check_nonnegative(weight_decay=weight_decay, momentum_decay=momentum_decay)
        self._check_unsupported(differentiable, capturable)
        defaults = {"lr": lr, "betas": betas, "eps": eps, "weight_decay": weight_decay,
                    "momentum_decay": momentum_decay, "decoupled_weight_decay": decoupled_weight_decay,
                    "maximize": maximize, "foreach": foreach, "capturable": capturable,
                    "differentiable": differentiable}
        super().__init__(params, defaults)

    def __setstate__(self, state: dict) -> None:
        super().__setstate__(state)
        for p_state in self.state.values():  # a checkpoint may hold mu_product as a plain number
            if isinstance(p_state, dict) and "mu_product" in p_state \
                    and not isinstance(p_state["mu_product"], Tensor):
                p_state["mu_product"] = _scalar_state(float(p_state["mu_product"]))

    @_use_no_grad
    def step(self, closure=None):
        """One NAdam step for every parameter whose ``.grad`` is not None; returns the closure's loss."""
        loss = _run_closure(closure)
        for group in self.param_groups:
            lr = float(group["lr"])
            beta1, beta2 = (float(b) for b in group["betas"])
            eps = float(group["eps"])
            psi = float(group["momentum_decay"])
            for p, param, grad in self._grads_for_update(group):
                p_state = self.state[p]
                if len(p_state) == 0:
                    _start_state(p_state, param, "exp_avg", "exp_avg_sq", mu_product=1.0)
                step_t = p_state["step"]._array
                step_t += 1
                step = float(step_t)
                bias_correction2 = 1 - beta2 ** step
                mu = beta1 * (1.0 - 0.5 * (0.96 ** (step * psi)))
                mu_next = beta1 * (1.0 - 0.5 * (0.96 ** ((step + 1) * psi)))
                mu_product = p_state["mu_product"]._array
                mu_product *= mu                     # in the 0-d tensor's own dtype, as PyTorch
                exp_avg = p_state["exp_avg"]._array
                exp_avg_sq = p_state["exp_avg_sq"]._array
                _lerp_(exp_avg, grad, 1 - beta1)
                exp_avg_sq *= beta2
                exp_avg_sq += (grad * (1 - beta2)) * grad    # addcmul_(g, g, value=1−β₂)
                denom = np.sqrt(exp_avg_sq / bias_correction2)
                denom += eps
                mu_product_now = float(mu_product)
                mu_product_next = mu_product_now * mu_next
                update = grad * (-lr * (1.0 - mu) / (1.0 - mu_product_now))
                update /= denom
                param += update
                update = exp_avg * ((-lr * mu_next) / (1.0 - mu_product_next))
                update /= denom
                param += update
                p._vc[0] += 1
        return loss
