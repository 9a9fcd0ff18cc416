"""``Adadelta``: steps in the units of the parameter, as ``torch.optim.Adadelta``.

Part III, beside ``rmsprop.py``. RMSprop divides the gradient by a running RMS of past gradients, which
leaves the step in "units of 1/gradient" times ``lr``. Adadelta (Zeiler, 2012) multiplies by a running
RMS of past *updates* as well, so the step has the units of θ itself and ``lr=1.0`` (the default, and
what pytorch/examples' MNIST uses) is a sensible start. One step (γ = lr, ρ = rho, λ = weight_decay,
ε = eps):

    g ← −g                              if maximize     (these two: Optimizer._grads_for_update)
    g ← g + λ·θ                         if λ ≠ 0
    s ← ρ·s + (1−ρ)·g²                  (running mean of the squared gradient: ``square_avg``)
    Δ ← √(u + ε) / √(s + ε) · g         (u: running mean of the squared update, ``acc_delta``)
    u ← ρ·u + (1−ρ)·Δ²
    θ ← θ − γ·Δ
"""

from __future__ import annotations

import numpy as np

from glassgrad.optim.optimizer import Optimizer, _run_closure, _start_state, _use_no_grad

__all__ = ["Adadelta"]


class Adadelta(Optimizer):
    """Adadelta (Zeiler, 2012)."""

    _setstate_defaults = {"foreach": None, "maximize": False, "differentiable": False,
                          "capturable": False}

    def __init__(self, params, lr=1.0, rho: float = 0.9, eps: float = 1e-6, weight_decay: float = 0,
                 foreach=None, *, capturable: bool = False, maximize: bool = False,
                 differentiable: bool = False) -> None:
        self._check_nonnegative(lr=lr)
        if not 0.0 <= rho <= 1.0:
            raise ValueError(f"Invalid rho value: {rho}")
        self._check_nonnegative(eps=eps, weight_decay=weight_decay)
        self._check_unsupported(differentiable, capturable)
        defaults = {"lr": lr, "rho": rho, "eps": eps, "weight_decay": weight_decay,
                    "maximize": maximize, "capturable": capturable, "foreach": foreach,
                    "differentiable": differentiable}
        super().__init__(params, defaults)

    @_use_no_grad
    def step(self, closure=None):
        """One Adadelta step for every parameter whose ``.grad`` is not None; returns the closure's loss."""
        loss = _run_closure(closure)
        for group in self.param_groups:
            lr = float(group["lr"])
            rho = float(group["rho"])
            eps = float(group["eps"])
            w = 1 - rho
            for p, param, grad in self._grads_for_update(group):
                p_state = self.state[p]
                if len(p_state) == 0:
                    _start_state(p_state, param, "square_avg", "acc_delta")
                p_state["step"]._array += 1
                square_avg = p_state["square_avg"]._array
                acc_delta = p_state["acc_delta"]._array
                square_avg *= rho
                square_avg += (grad * w) * grad              # addcmul_(g, g, value=1−ρ)
                std = np.sqrt(square_avg + eps)
                delta = np.sqrt(acc_delta + eps)
                delta /= std
                delta *= grad
                acc_delta *= rho
                acc_delta += (delta * w) * delta             # addcmul_(Δ, Δ, value=1−ρ)
                param += delta * -lr                         # add_(Δ, alpha=−γ)
                p._vc[0] += 1
        return loss
