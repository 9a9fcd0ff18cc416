"""``ASGD``: averaged stochastic gradient descent, as ``torch.optim.ASGD``.

Part III, after ``sgd.py``. SGD with a step size that decays as the steps go, plus a running average ``ax``
of the parameters (Polyak & Juditsky, 1992) that starts averaging after t₀ steps: the average is the
estimate, the parameters keep moving. One step, t = 1, 2, ... (γ = lr, λ = lambd, α = alpha):

    g ← −g                        if maximize;   g ← g + weight_decay·θ if weight_decay ≠ 0
    θ ← θ·(1 − λη) − η·g          (η: this step's rate, γ at first)
    ax ← ax + μ·(θ − ax)          (ax ← θ while μ = 1)
    η ← γ / (1 + λγt)^α;   μ ← 1 / max(1, t − t₀)

η and μ are kept as 0-d tensors of the default float dtype, as PyTorch keeps them; θ − η·g is rounded
once (a fused multiply-add), as PyTorch's ``add_(g, alpha=−η)`` kernel computes it.
"""

from __future__ import annotations

from glassgrad.normal_kernels import fma32, fma64
from glassgrad.optim.optimizer import Optimizer, _run_closure, _start_state, _use_no_grad

__all__ = ["ASGD"]


class ASGD(Optimizer):
    """Averaged SGD: decaying steps, and a running average of the parameters in state["ax"]."""

    _setstate_defaults = {"foreach": None, "maximize": False, "differentiable": False, "capturable": False}

    def __init__(self, params, lr=1e-2, lambd: float = 1e-4, alpha: float = 0.75, t0: float = 1e6,
                 weight_decay: float = 0, foreach=None, maximize: bool = False, differentiable: bool = False,
                 capturable: bool = False) -> None:
        self._check_nonnegative(lr=lr, weight_decay=weight_decay)
        self._check_unsupported(differentiable, capturable)
        defaults = {"lr": lr, "lambd": lambd, "alpha": alpha, "t0": t0, "weight_decay": weight_decay,
                    "foreach": foreach, "maximize": maximize, "differentiable": differentiable,
                    "capturable": capturable}
        super().__init__(params, defaults)

    @_use_no_grad
    def step(self, closure=None):
        """One ASGD step for every parameter whose ``.grad`` is not None; returns the closure's loss."""
        loss = _run_closure(closure)
        for group in self.param_groups:
            lr, lambd, alpha, t0 = (float(group[k]) for k in ("lr", "lambd", "alpha", "t0"))
            for p, param, grad in self._grads_for_update(group):
                p_state = self.state[p]
                if len(p_state) == 0:
                    _start_state(p_state, param, "ax", eta=lr, mu=1.0)
                step_t = p_state["step"]._array
                step_t += 1
                eta = float(p_state["eta"]._array)
                param *= 1 - lambd * eta                      # decay term
                fma = fma64 if param.dtype.itemsize == 8 else fma32
                param[...] = fma(grad, -eta, param)           # add_(grad, alpha=−η): PyTorch's kernel fuses it
                ax, mu = p_state["ax"]._array, float(p_state["mu"]._array)
                if mu != 1:
                    ax += (param - ax) * mu
                else:
                    ax[...] = param
                step = float(step_t)
                p_state["eta"]._array[...] = lr / ((1 + lambd * lr * step) ** alpha)
                p_state["mu"]._array[...] = 1 / max(1, step - t0)
                p._vc[0] += 1
        return loss
