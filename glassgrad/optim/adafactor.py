"""``Adafactor``: Adam's second moment at a fraction of the memory, as ``torch.optim.Adafactor``.

Part III, after ``adam.py``. Adam keeps a running mean v of g² for every weight: as much memory again as
the model. Adafactor (Shazeer & Stern, 2018) keeps, for a matrix of shape (..., R, C), only a running
mean of g² per *row* (R numbers) and per *column* (C numbers), and rebuilds the full estimate as their
outer product divided by the rows' mean — exact when v has rank one. Vectors keep a full v. No first
moment; the step size follows the weights' own scale. One step, t = 1, 2, ... (γ = lr, λ = weight_decay,
ε₁, ε₂ = eps, d = the clipping threshold):

    g ← −g                                   if maximize
    β₂ₜ = 1 − t^beta2_decay                  (so 1 − β₂ₜ = t^beta2_decay, PyTorch's lerp weight)
    ρₜ = min(γ, 1/√t)
    α = max(ε₂, ‖θ‖₂/√numel) · ρₜ            (relative step: bigger weights take bigger steps)
    θ ← θ·(1 − γλ)                           if λ ≠ 0
    matrix: r ← lerp(r, mean(g², over columns), 1−β₂ₜ);  c ← lerp(c, mean(g², over rows), 1−β₂ₜ)
            v̂ = (r @ c) / max(mean(r over rows), ε₁)
    vector: v ← lerp(v, g², 1−β₂ₜ);  v̂ = v
    u = g / √max(v̂, ε₁²)
    θ ← θ − α/max(1, RMS(u)/d) · u           (RMS(u) = ‖u‖₂/√numel: an update too large is scaled down)

ε₁ defaults to the dtype's machine epsilon.
"""

from __future__ import annotations

import numpy as np

from glassgrad.dtypes import finfo, from_numpy_dtype
from glassgrad.optim.optimizer import Optimizer, _lerp_, _run_closure, _scalar_state, _use_no_grad
from glassgrad.tensor import Tensor

__all__ = ["Adafactor"]


class Adafactor(Optimizer):
    """Adafactor (Shazeer & Stern, 2018): factored second moments, relative step sizes, update clipping."""

    _setstate_defaults = {"foreach": None, "maximize": False}

    def __init__(self, params, lr=1e-2, beta2_decay: float = -0.8, eps=(None, 1e-3), d: float = 1.0,
                 weight_decay: float = 0.0, *, foreach=None, maximize: bool = False) -> None:
        if isinstance(lr, Tensor) and lr.numel() != 1:
            raise ValueError("Tensor lr must be 1-element")
        if not 0.0 <= lr:
            raise ValueError(f"Learning rate should be >= 0 but is: {lr}")
        if not 0.0 >= beta2_decay:
            raise ValueError(f"beta2_decay should be <= 0 but is: {beta2_decay}")
        if eps[0] is not None and not 0.0 <= eps[0]:
            raise ValueError(f"epsilon1 should be >= 0 but is: {eps[0]}")
        if not 0.0 <= eps[1]:
            raise ValueError(f"epsilon2 should be >= 0 but is: {eps[1]}")
        if not 1.0 <= d:
            raise ValueError(f"Clipping threshold d should be >= 1 but is: {d}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"weight_decay should be >= 0 but is: {weight_decay}")
        defaults = {"lr": lr, "beta2_decay": beta2_decay, "eps": eps, "d": d, "weight_decay": weight_decay,
                    "foreach": foreach, "maximize": maximize}
        super().__init__(params, defaults)

    @_use_no_grad
    def step(self, closure=None):
        """One Adafactor step for every parameter whose ``.grad`` is not None; returns the closure's loss."""
        loss = _run_closure(closure)
        for group in self.param_groups:
            lr, beta2_decay, d = float(group["lr"]), group["beta2_decay"], group["d"]
            eps1, eps2 = group["eps"]
            weight_decay = group["weight_decay"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                if p.grad.is_sparse:
                    raise RuntimeError("Adafactor does not support sparse gradients")
                param, grad = p._array, p.grad._array
                if group["maximize"]:
                    grad = -grad
                p_state = self.state[p]
                if len(p_state) == 0:
                    p_state["step"] = _scalar_state()
                    if grad.ndim > 1:
                        p_state["row_var"] = Tensor._wrap(np.zeros(grad.shape[:-1] + (1,), dtype=grad.dtype))
                        p_state["col_var"] = Tensor._wrap(
                            np.zeros(grad.shape[:-2] + (1,) + grad.shape[-1:], dtype=grad.dtype))
                    else:
                        p_state["variance"] = Tensor._wrap(np.zeros_like(grad))
                step_t = p_state["step"]._array
                step_t += 1
                t = float(step_t)
                eps1_p = finfo(from_numpy_dtype(param.dtype)).eps if eps1 is None else eps1
                weight = t ** beta2_decay                      # 1 − β₂ₜ
                rho = min(lr, 1 / t ** 0.5)
                alpha = max(eps2, float(np.linalg.norm(param.ravel())) / param.size ** 0.5) * rho
                if weight_decay != 0:
                    param *= 1 - lr * weight_decay
                if grad.ndim > 1:
                    row_var, col_var = p_state["row_var"]._array, p_state["col_var"]._array
                    _lerp_(row_var, np.square(grad).sum(axis=-1, keepdims=True) / grad.shape[-1], weight)
                    _lerp_(col_var, np.square(grad).sum(axis=-2, keepdims=True) / grad.shape[-2], weight)
                    estimate = row_var @ col_var
                    estimate /= np.maximum(row_var.mean(axis=-2, keepdims=True), eps1_p)
                else:
                    variance = p_state["variance"]._array
                    _lerp_(variance, grad * grad, weight)
                    estimate = variance.copy()
                update = 1 / np.sqrt(np.maximum(estimate, eps1_p * eps1_p))
                update *= grad
                denominator = max(1.0, float(np.linalg.norm(update.ravel())) / (update.size ** 0.5 * d))
                param -= update * (alpha / denominator)
                p._vc[0] += 1
        return loss
