"""``Adam`` and ``AdamW``: adaptive moment estimation, as ``torch.optim.Adam`` / ``torch.optim.AdamW``.

Part III, after ``sgd.py``. Adam keeps two running averages per parameter — of the gradient (m, the
"first moment") and of its square (v, the "second moment") — and divides one by the square root of the
other, so every coordinate takes steps of about the same size ``lr`` whatever its gradient's scale.
One step, t = 1, 2, ... (γ = lr, λ = weight_decay, ε = eps):

    g ← −g                                  if maximize   (these three: Optimizer._grads_for_update)
    θ ← θ·(1 − γλ)                          if λ ≠ 0 and decoupled (AdamW)
    g ← g + λ·θ                             if λ ≠ 0 and not decoupled (Adam's L2 penalty)
    m ← m + (1−β₁)·(g − m)                  (= β₁·m + (1−β₁)·g, written as PyTorch's lerp)
    v ← β₂·v + (1−β₂)·g²
    v̂max ← max(v̂max, v)                     if amsgrad, and then v stands for v̂max below
    θ ← θ − (γ / (1−β₁ᵗ)) · m / (√v / √(1−β₂ᵗ) + ε)

The bias corrections 1−β₁ᵗ and 1−β₂ᵗ undo the zero start of m and v. ``t`` is kept as a 0-d tensor
``state["step"]``, as in PyTorch, so a state dict from one library reads the same in the other.
"""

from __future__ import annotations

import numpy as np

from glassgrad.optim.optimizer import Optimizer, _lerp_, _run_closure, _start_state, _use_no_grad
from glassgrad.tensor import Tensor

__all__ = ["Adam", "AdamW"]


def _check_beta_types(betas, foreach, capturable) -> None:
    """β₁ and β₂ are both floats or both 1-element Tensors (PyTorch's messages and order)."""
    if not ((isinstance(betas[0], float) and isinstance(betas[1], float))
            or (isinstance(betas[0], Tensor) and isinstance(betas[1], Tensor))):
        raise ValueError("betas must be either both floats or both Tensors")
    for i, b in enumerate(betas):
        if isinstance(b, Tensor):
            if not capturable and foreach:
                raise ValueError(f"betas[{i}] as a Tensor is not supported for capturable=False "
                                 "and foreach=True")
            if b.numel() != 1:
                raise ValueError(f"Tensor betas[{i}] must be 1-element")


class Adam(Optimizer):
    """Adam (Kingma & Ba, 2014), with optional AMSGrad and decoupled (AdamW) weight decay."""

    _setstate_defaults = {"amsgrad": False, "maximize": False, "foreach": None, "capturable": False,
                          "differentiable": False, "decoupled_weight_decay": False, "fused": None}

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0, amsgrad: bool = False, *, foreach=None,
                 maximize: bool = False, capturable: bool = False, differentiable: bool = False,
                 fused=None, decoupled_weight_decay: bool = False) -> None:
        if isinstance(lr, Tensor) and foreach and not capturable:
            raise ValueError("lr as a Tensor is not supported for capturable=False and foreach=True")
        self._check_nonnegative(lr=lr, eps=eps)
        for i in (0, 1):
            if not 0.0 <= betas[i] < 1.0:
                raise ValueError(f"Invalid beta parameter at index {i}: {betas[i]}")
        self._check_nonnegative(weight_decay=weight_decay)
        _check_beta_types(betas, foreach, capturable)
        betas = tuple(b.item() if isinstance(b, Tensor) else b for b in betas)
        self._check_unsupported(differentiable, capturable)
        defaults = {"lr": lr, "betas": betas, "eps": eps, "weight_decay": weight_decay,
                    "amsgrad": amsgrad, "maximize": maximize, "foreach": foreach,
                    "capturable": capturable, "differentiable": differentiable, "fused": fused,
                    "decoupled_weight_decay": decoupled_weight_decay}
        super().__init__(params, defaults)
        if fused and foreach:
            raise RuntimeError("`fused` and `foreach` cannot be `True` together.")

    @_use_no_grad
    def step(self, closure=None):
        """One Adam step for every parameter whose ``.grad`` is not None; returns the closure's loss."""
        loss = _run_closure(closure)
        scratch = self._scratch()  # two work arrays, reused by every parameter: no temporaries
        for group in self.param_groups:
            lr = float(group["lr"])
            beta1, beta2 = (float(b) for b in group["betas"])
            eps = float(group["eps"])
            amsgrad = group["amsgrad"]
            w1 = 1 - beta1            # lerp weight of the new gradient in m
            w2 = 1 - beta2
            for p, param, grad in self._grads_for_update(group):
                p_state = self.state[p]
                if len(p_state) == 0:
                    _start_state(p_state, param, "exp_avg", "exp_avg_sq",
                                 *(("max_exp_avg_sq",) if amsgrad else ()))
                step_t = p_state["step"]._array
                step_t += 1
                m = p_state["exp_avg"]._array
                v = p_state["exp_avg_sq"]._array
                work, update = scratch.like(param, 0), scratch.like(param, 1)
                _lerp_(m, grad, w1, work)                   # m.lerp_(g, 1−β₁)
                v *= beta2
                np.multiply(grad, w2, out=work)             # v.addcmul_(g, g, value=1−β₂)
                work *= grad
                v += work
                step = float(step_t)
                bias_correction1 = 1 - beta1 ** step
                bias_correction2_sqrt = (1 - beta2 ** step) ** 0.5
                if amsgrad:
                    vmax = p_state["max_exp_avg_sq"]._array
                    np.maximum(vmax, v, out=vmax)
                    denom = np.sqrt(vmax, out=work)
                else:
                    denom = np.sqrt(v, out=work)
                denom /= bias_correction2_sqrt
                denom += eps
                np.multiply(m, -lr / bias_correction1, out=update)  # θ.addcdiv_(m, denom, value=−step_size)
                update /= denom
                param += update
                p._vc[0] += 1
        return loss


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter): θ ← θ·(1 − γλ) before the Adam step."""

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 1e-2, amsgrad: bool = False, *, maximize: bool = False,
                 foreach=None, capturable: bool = False, differentiable: bool = False,
                 fused=None) -> None:
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, foreach=foreach,
                         maximize=maximize, capturable=capturable, differentiable=differentiable,
                         fused=fused, decoupled_weight_decay=True)

    def __setstate__(self, state: dict) -> None:
        super().__setstate__(state)
        for group in self.param_groups:
            group["decoupled_weight_decay"] = True
