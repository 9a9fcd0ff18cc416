"""``RMSprop``: divide each step by a running root-mean-square of the gradient, as ``torch.optim.RMSprop``.

Part III, beside ``adam.py`` (Adam is RMSprop plus a running average of the gradient itself and bias
correction). One step (γ = lr, α = alpha, λ = weight_decay, μ = momentum, ε = eps):

    g ← −g                              if maximize     (these two: Optimizer._grads_for_update)
    g ← g + λ·θ                         if λ ≠ 0
    s ← α·s + (1−α)·g²                  (running mean of the squared gradient)
    ḡ ← ḡ + (1−α)·(g − ḡ)               if centered (running mean of the gradient)
    d ← √(s − ḡ²) + ε  if centered, else  d ← √s + ε
    b ← μ·b + g/d,  θ ← θ − γ·b         if μ > 0
    θ ← θ − γ·g/d                       otherwise

As in PyTorch there is no bias correction: s starts at zero, so the first steps are large.
"""

from __future__ import annotations

import numpy as np

from glassgrad.optim.optimizer import Optimizer, _lerp_, _run_closure, _start_state, _use_no_grad

__all__ = ["RMSprop"]


class RMSprop(Optimizer):
    """RMSprop (Hinton's lecture notes), optionally centered (Graves, 2013) and with momentum."""

    _setstate_defaults = {"momentum": 0, "centered": False, "foreach": None, "maximize": False,
                          "differentiable": False, "capturable": False}

    def __init__(self, params, lr=1e-2, alpha: float = 0.99, eps: float = 1e-8,
                 weight_decay: float = 0, momentum: float = 0, centered: bool = False,
                 capturable: bool = False, foreach=None, maximize: bool = False,
                 differentiable: bool = False) -> None:
        self._check_nonnegative(lr=lr, eps=eps, momentum=momentum, weight_decay=weight_decay,
                                alpha=alpha)
        self._check_unsupported(differentiable, capturable)
        defaults = {"lr": lr, "momentum": momentum, "alpha": alpha, "eps": eps,
                    "centered": centered, "weight_decay": weight_decay, "capturable": capturable,
                    "foreach": foreach, "maximize": maximize, "differentiable": differentiable}
        super().__init__(params, defaults)

    @_use_no_grad
    def step(self, closure=None):
        """One RMSprop step for every parameter whose ``.grad`` is not None; returns the closure's loss."""
        loss = _run_closure(closure)
        for group in self.param_groups:
            lr = float(group["lr"])
            alpha = float(group["alpha"])
            eps = float(group["eps"])
            momentum = float(group["momentum"])
            centered = group["centered"]
            w = 1 - alpha
            for p, param, grad in self._grads_for_update(group):
                p_state = self.state[p]
                if len(p_state) == 0:
                    _start_state(p_state, param, "square_avg", *(("momentum_buffer",) if momentum > 0 else ()),
                                 *(("grad_avg",) if centered else ()))
                p_state["step"]._array += 1
                square_avg = p_state["square_avg"]._array
                square_avg *= alpha
                square_avg += (grad * w) * grad              # addcmul_(g, g, value=1−α)
                if centered:
                    grad_avg = p_state["grad_avg"]._array
                    _lerp_(grad_avg, grad, w)                # grad_avg.lerp_(g, 1−α)
                    avg = np.sqrt(square_avg - grad_avg * grad_avg)  # addcmul(ḡ, ḡ, value=−1).sqrt_()
                else:
                    avg = np.sqrt(square_avg)
                avg += eps
                if momentum > 0:
                    buf = p_state["momentum_buffer"]._array
                    buf *= momentum
                    buf += grad / avg                        # addcdiv_(g, avg)
                    param -= buf * lr
                else:
                    update = grad * -lr                      # addcdiv_(g, avg, value=−γ)
                    update /= avg
                    param += update
                p._vc[0] += 1
        return loss
