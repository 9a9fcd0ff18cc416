"""``Adagrad``: per-coordinate steps shrinking with the sum of past squared gradients, as ``torch.optim.Adagrad``.

Part III, beside ``rmsprop.py`` (RMSprop replaces Adagrad's ever-growing sum by a running average).
One step, t = 1, 2, ... (γ = lr, η = lr_decay, λ = weight_decay, ε = eps):

    g ← −g                              if maximize     (these two: Optimizer._grads_for_update)
    g ← g + λ·θ                         if λ ≠ 0
    γₜ ← γ / (1 + (t−1)·η)
    S ← S + g²                          (S starts at initial_accumulator_value)
    θ ← θ − γₜ · g / (√S + ε)
"""

from __future__ import annotations

import numpy as np

from glassgrad.optim.optimizer import Optimizer, _run_closure, _scalar_state, _use_no_grad
from glassgrad.tensor import Tensor

__all__ = ["Adagrad"]


class Adagrad(Optimizer):
    """Adagrad (Duchi, Hazan & Singer, 2011)."""

    _setstate_defaults = {"foreach": None, "maximize": False, "differentiable": False, "fused": None}

    def __init__(self, params, lr=1e-2, lr_decay: float = 0, weight_decay: float = 0,
                 initial_accumulator_value: float = 0, eps: float = 1e-10, foreach=None, *,
                 maximize: bool = False, differentiable: bool = False, fused=None) -> None:
        self._check_nonnegative(lr=lr, lr_decay=lr_decay, weight_decay=weight_decay,
                                initial_accumulator_value=initial_accumulator_value, eps=eps)
        self._check_unsupported(differentiable)
        defaults = {"lr": lr, "lr_decay": lr_decay, "eps": eps, "weight_decay": weight_decay,
                    "initial_accumulator_value": initial_accumulator_value, "foreach": foreach,
                    "maximize": maximize, "differentiable": differentiable, "fused": fused}
        super().__init__(params, defaults)
        if fused and foreach:
            raise RuntimeError("`fused` and `foreach` cannot be `True` together.")
        # PyTorch creates Adagrad's state up front (so `share_memory` can reach it before any step).
        for group in self.param_groups:
            for p in group["params"]:
                self._init_state(p, initial_accumulator_value)

    def _init_state(self, p: Tensor, initial_accumulator_value: float) -> None:
        p_state = self.state[p]
        p_state["step"] = _scalar_state()
        p_state["sum"] = Tensor._wrap(np.full_like(p._array, initial_accumulator_value))

    def share_memory(self) -> None:
        """Nothing to do: glassgrad runs in one process (kept for PyTorch compatibility)."""

    @_use_no_grad
    def step(self, closure=None):
        """One Adagrad step for every parameter whose ``.grad`` is not None; returns the closure's loss."""
        loss = _run_closure(closure)
        for group in self.param_groups:
            lr = float(group["lr"])
            lr_decay = float(group["lr_decay"])
            eps = float(group["eps"])
            for p, param, grad in self._grads_for_update(group):
                p_state = self.state[p]
                if len(p_state) == 0:  # a group added after construction
                    self._init_state(p, self.defaults["initial_accumulator_value"])
                step_t = p_state["step"]._array
                step_t += 1
                clr = lr / (1 + (float(step_t) - 1) * lr_decay)
                state_sum = p_state["sum"]._array
                state_sum += grad * grad                     # addcmul_(g, g, value=1)
                std = np.sqrt(state_sum)
                std += eps
                update = grad * -clr                         # addcdiv_(g, std, value=−γₜ)
                update /= std
                param += update
                p._vc[0] += 1
        return loss
