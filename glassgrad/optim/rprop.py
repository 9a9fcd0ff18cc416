"""``Rprop``: resilient backpropagation, as ``torch.optim.Rprop``.

Part III, beside the other update rules. Rprop (Riedmiller & Braun, 1993) ignores the gradient's size and
keeps one step size per weight, grown while the gradient's sign stays the same and shrunk when it flips.
One step (η₋, η₊ = etas; the step sizes stay within step_sizes = (min, max)):

    g ← −g                                    if maximize
    s = sign(g · g_prev)
    step_size ← clamp(step_size · (η₊ if s > 0, η₋ if s < 0, 1 if s = 0), min, max)
    g ← 0 where s < 0                         (after a sign flip, skip this weight once)
    θ ← θ − sign(g) · step_size;   g_prev ← g

Each step size starts at lr. Full-batch training is where it works: minibatch noise flips the signs.
"""

from __future__ import annotations

import numpy as np

from glassgrad.optim.optimizer import Optimizer, _run_closure, _scalar_state, _use_no_grad
from glassgrad.tensor import Tensor

__all__ = ["Rprop"]


class Rprop(Optimizer):
    """Rprop: a step size per weight, adapted by the sign of successive gradients."""

    _setstate_defaults = {"foreach": None, "maximize": False, "differentiable": False, "capturable": False}

    def __init__(self, params, lr=1e-2, etas=(0.5, 1.2), step_sizes=(1e-6, 50), *, capturable: bool = False,
                 foreach=None, maximize: bool = False, differentiable: bool = False) -> None:
        self._check_nonnegative(lr=lr)
        if not 0.0 < etas[0] < 1.0 < etas[1]:
            raise ValueError(f"Invalid eta values: {etas[0]}, {etas[1]}")
        self._check_unsupported(differentiable, capturable)
        defaults = {"lr": lr, "etas": etas, "step_sizes": step_sizes, "foreach": foreach, "maximize": maximize,
                    "differentiable": differentiable, "capturable": capturable}
        super().__init__(params, defaults)

    @_use_no_grad
    def step(self, closure=None):
        """One Rprop step for every parameter whose ``.grad`` is not None; returns the closure's loss."""
        loss = _run_closure(closure)
        for group in self.param_groups:
            eta_minus, eta_plus = (float(e) for e in group["etas"])
            size_min, size_max = (float(s) for s in group["step_sizes"])
            for p in group["params"]:
                if p._grad is None:
                    continue
                param, grad = p._array, p._grad._array
                if group["maximize"]:
                    grad = -grad
                p_state = self.state[p]
                if len(p_state) == 0:
                    p_state["step"] = _scalar_state()
                    p_state["prev"] = Tensor._wrap(np.zeros_like(param))
                    p_state["step_size"] = Tensor._wrap(np.full_like(grad, float(group["lr"])))
                p_state["step"]._array += 1
                prev, step_size = p_state["prev"]._array, p_state["step_size"]._array
                sign = np.sign(grad * prev)
                factor = np.where(sign > 0, eta_plus, np.where(sign < 0, eta_minus, 1.0)).astype(param.dtype)
                step_size *= factor
                np.clip(step_size, size_min, size_max, out=step_size)
                grad = np.where(sign < 0, 0, grad).astype(param.dtype)
                param -= np.sign(grad) * step_size             # addcmul_(grad.sign(), step_size, value=-1)
                prev[...] = grad
                p._vc[0] += 1
        return loss
