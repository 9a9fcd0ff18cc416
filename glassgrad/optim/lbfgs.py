"""``LBFGS``: a quasi-Newton method driven by a closure, as ``torch.optim.LBFGS``.

Part III, after the first-order rules. Newton's method steps by −H⁻¹g, H the matrix of second
derivatives; BFGS builds an estimate of H⁻¹ from how the gradient changed between steps, and L-BFGS
("limited memory") never forms that matrix: it keeps the last ``history_size`` pairs

    s = θₖ₊₁ − θₖ   (the step taken),   y = gₖ₊₁ − gₖ   (how the gradient changed)

and computes d = −H⁻¹g from them with the two-loop recursion (Nocedal & Wright, Algorithm 7.4), starting
from H₀⁻¹ = (s·y)/(y·y)·I. One ``step(closure)`` runs up to ``max_iter`` iterations, each evaluating the
loss and gradient again through ``closure`` — which is why LBFGS, unlike the others, needs one:

    d ← −g on the first iteration, else d ← −H⁻¹g from the stored (s, y) pairs (a pair is kept only
        when y·s > 1e-10, which keeps the estimate positive definite)
    t ← min(1, 1/Σ|g|)·lr on the very first iteration, else lr
    θ ← θ + t·d   (or, with ``line_search_fn="strong_wolfe"``, the t that the strong Wolfe conditions
                   accept: enough decrease, f(θ+td) ≤ f + c₁·t·g·d, and a flat enough slope there,
                   |g(θ+td)·d| ≤ c₂·|g·d|; found by bracketing and cubic interpolation)

and stops early when the gradient, the step or the change in loss falls under its tolerance. The
parameters are handled as one flat vector, as PyTorch does; all the state lives under the first
parameter (``state_dict`` reads the same as PyTorch's). This follows PyTorch's ``lbfgs.py`` step by
step (itself a port of minFunc and Torch7's ``lbfgs.lua``/``lswolfe.lua``), so the same closure takes
the same path. Scalars PyTorch keeps as 0-d tensors (t, ys, H_diag, ...) are numpy scalars of the
parameters' dtype here, so they round as PyTorch's do.
"""

from __future__ import annotations

import numpy as np

from glassgrad.optim.optimizer import Optimizer, _run_closure, _use_no_grad
from glassgrad.tensor import Tensor

__all__ = ["LBFGS"]


def _cubic_interpolate(x1, f1, g1, x2, f2, g2, bounds=None):
    """The minimiser of the cubic through (x1, f1) and (x2, f2) with slopes g1, g2, clamped to
    ``bounds`` (default: between x1 and x2); their midpoint when the cubic has no minimum."""
    if bounds is not None:
        xmin_bound, xmax_bound = bounds
    else:
        xmin_bound, xmax_bound = (x1, x2) if x1 <= x2 else (x2, x1)
    df, dx = 3 * (f1 - f2), x1 - x2
    # a Python number over a 0-d tensor is reciprocal-then-multiply in PyTorch (Tensor.__rtruediv__)
    d1 = g1 + g2 - (np.reciprocal(dx) * df if isinstance(dx, np.generic) and not isinstance(df, np.generic)
                    else df / dx)
    d2_square = d1 ** 2 - g1 * g2
    if d2_square >= 0:
        d2 = np.sqrt(d2_square)
        if x1 <= x2:
            min_pos = x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2))
        else:
            min_pos = x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2))
        return min(max(min_pos, xmin_bound), xmax_bound)
    return (xmin_bound + xmax_bound) / 2.0


def _strong_wolfe(obj_func, x, t, d, f, g, gtd, c1=1e-4, c2=0.9, tolerance_change=1e-9, max_ls=25):
    """Find a step t along d meeting the strong Wolfe conditions: returns (f, g, t, evaluations).

    First widen t until [t_prev, t] brackets an acceptable point (or t itself is one), then shrink
    the bracket by cubic interpolation ("zoom"), never closer than a tenth of its width to an end.
    """
    d_norm = np.abs(d).max()
    g = g.copy()
    f_new, g_new = obj_func(x, t, d)
    ls_func_evals = 1
    gtd_new = g_new.dot(d)
    t_prev, f_prev, g_prev, gtd_prev = 0, f, g, gtd
    done = False
    ls_iter = 0
    while ls_iter < max_ls:
        if f_new > (f + c1 * t * gtd) or (ls_iter > 1 and f_new >= f_prev):  # too little decrease
            bracket, bracket_f = [t_prev, t], [f_prev, f_new]
            bracket_g, bracket_gtd = [g_prev, g_new.copy()], [gtd_prev, gtd_new]
            break
        if abs(gtd_new) <= -c2 * gtd:                                        # both conditions hold
            bracket, bracket_f, bracket_g = [t], [f_new], [g_new]
            done = True
            break
        if gtd_new >= 0:                                                     # went past a minimum
            bracket, bracket_f = [t_prev, t], [f_prev, f_new]
            bracket_g, bracket_gtd = [g_prev, g_new.copy()], [gtd_prev, gtd_new]
            break
        min_step = t + 0.01 * (t - t_prev)
        max_step = t * 10
        tmp = t
        t = _cubic_interpolate(t_prev, f_prev, gtd_prev, t, f_new, gtd_new, bounds=(min_step, max_step))
        t_prev, f_prev, g_prev, gtd_prev = tmp, f_new, g_new.copy(), gtd_new
        f_new, g_new = obj_func(x, t, d)
        ls_func_evals += 1
        gtd_new = g_new.dot(d)
        ls_iter += 1
    if ls_iter == max_ls:
        bracket, bracket_f, bracket_g = [0, t], [f, f_new], [g, g_new]

    # zoom: shrink the bracket until a point meets the conditions
    insuf_progress = False
    low_pos, high_pos = (0, 1) if bracket_f[0] <= bracket_f[-1] else (1, 0)
    while not done and ls_iter < max_ls:
        if abs(bracket[1] - bracket[0]) * d_norm < tolerance_change:
            break
        t = _cubic_interpolate(bracket[0], bracket_f[0], bracket_gtd[0],
                               bracket[1], bracket_f[1], bracket_gtd[1])
        eps = 0.1 * (max(bracket) - min(bracket))
        if min(max(bracket) - t, t - min(bracket)) < eps:
            # too close to an end: after a second time (or at the end itself) move a tenth inside
            if insuf_progress or t >= max(bracket) or t <= min(bracket):
                if abs(t - max(bracket)) < abs(t - min(bracket)):
                    t = max(bracket) - eps
                else:
                    t = min(bracket) + eps
                insuf_progress = False
            else:
                insuf_progress = True
        else:
            insuf_progress = False
        f_new, g_new = obj_func(x, t, d)
        ls_func_evals += 1
        gtd_new = g_new.dot(d)
        ls_iter += 1
        if f_new > (f + c1 * t * gtd) or f_new >= bracket_f[low_pos]:
            bracket[high_pos], bracket_f[high_pos] = t, f_new
            bracket_g[high_pos], bracket_gtd[high_pos] = g_new.copy(), gtd_new
            low_pos, high_pos = (0, 1) if bracket_f[0] <= bracket_f[1] else (1, 0)
        else:
            if abs(gtd_new) <= -c2 * gtd:
                done = True
            elif gtd_new * (bracket[high_pos] - bracket[low_pos]) >= 0:  # old high becomes new low
                bracket[high_pos], bracket_f[high_pos] = bracket[low_pos], bracket_f[low_pos]
                bracket_g[high_pos], bracket_gtd[high_pos] = bracket_g[low_pos], bracket_gtd[low_pos]
            bracket[low_pos], bracket_f[low_pos] = t, f_new
            bracket_g[low_pos], bracket_gtd[low_pos] = g_new.copy(), gtd_new
    return bracket_f[low_pos], bracket_g[low_pos], bracket[low_pos], ls_func_evals


def _add_scaled_(a: np.ndarray, b: np.ndarray, alpha) -> None:
    """``a ← a + α·b`` in place, rounded once as PyTorch's ``a.add_(b, alpha=α)`` is on the CPU (a fused
    multiply-add). Rounding twice (``a + α*b``) differs in the last bit, and L-BFGS on an
    ill-conditioned problem magnifies last bits, so this keeps the two libraries on the same path.
    float32: α·b is exact in float64, so one float64 sum rounded to float32 is the fused result (but
    for rare double-rounding ties). float64: the product's rounding error is recovered exactly
    (Dekker's two-product) and added back, which is the fused result but for rare ties too.
    """
    if a.dtype == np.float32:
        alpha = np.float32(alpha)
        a[...] = a.astype(np.float64) + np.float64(alpha) * b.astype(np.float64)
        return
    alpha = float(alpha)
    prod = alpha * b
    # Dekker split: each factor into a high part of 26 bits and the rest, so partial products are exact
    split = 134217729.0  # 2**27 + 1
    ca = split * alpha
    a_hi = ca - (ca - alpha)
    a_lo = alpha - a_hi
    cb = split * b
    b_hi = cb - (cb - b)
    b_lo = b - b_hi
    prod_err = ((a_hi * b_hi - prod) + a_hi * b_lo + a_lo * b_hi) + a_lo * b_lo  # prod + err = α·b exactly
    total = a + prod
    bb = total - a
    sum_err = (a - (total - bb)) + (prod - bb)                             # total + err = a + prod exactly
    a[...] = total + (sum_err + prod_err)


# State PyTorch keeps as tensors (0-d or flat vectors) is kept as glassgrad Tensors between steps,
# so state_dict, load_state_dict and glassgrad.save treat it as PyTorch's; inside a step it is numpy.
def _to_numpy(value):
    if isinstance(value, Tensor):
        return value._array if value._array.ndim else value._array[()]
    if isinstance(value, list):
        return [_to_numpy(v) for v in value]
    return value


def _to_state(value):
    if isinstance(value, np.ndarray):
        return Tensor._wrap(value)
    if isinstance(value, np.generic):
        return Tensor._wrap(np.asarray(value))
    if isinstance(value, list):
        return [_to_state(v) for v in value]
    return value


class LBFGS(Optimizer):
    """L-BFGS (Liu & Nocedal, 1989), optionally with a strong-Wolfe line search.

    One parameter group only; ``step(closure)`` needs the closure (it evaluates the loss many times).
    """

    def __init__(self, params, lr=1, max_iter: int = 20, max_eval: int | None = None,
                 tolerance_grad: float = 1e-7, tolerance_change: float = 1e-9, history_size: int = 100,
                 line_search_fn: str | None = None) -> None:
        self._check_nonnegative(lr=lr)
        if max_eval is None:
            max_eval = max_iter * 5 // 4
        defaults = {"lr": lr, "max_iter": max_iter, "max_eval": max_eval,
                    "tolerance_grad": tolerance_grad, "tolerance_change": tolerance_change,
                    "history_size": history_size, "line_search_fn": line_search_fn}
        super().__init__(params, defaults)
        if len(self.param_groups) != 1:
            raise ValueError("LBFGS doesn't support per-parameter options (parameter groups)")
        self._params = self.param_groups[0]["params"]
        self._numel_cache = None

    def _numel(self) -> int:
        if self._numel_cache is None:
            self._numel_cache = sum(p.numel() for p in self._params)
        return self._numel_cache

    def _gather_flat_grad(self) -> np.ndarray:
        """Every parameter's gradient as one vector (zeros for a parameter without one)."""
        return np.concatenate([p._grad._array.reshape(-1) if p._grad is not None
                               else np.zeros(p.numel(), dtype=p._array.dtype) for p in self._params])

    def _add_grad(self, step_size, update: np.ndarray) -> None:
        """θ ← θ + step_size·update, the flat vector cut back into the parameters' shapes."""
        offset = 0
        for p in self._params:
            numel = p.numel()
            _add_scaled_(p._array, update[offset:offset + numel].reshape(p._array.shape), step_size)
            p._vc[0] += 1
            offset += numel
        if offset != self._numel():
            raise AssertionError(f"Expected offset {offset} to equal {self._numel()}")

    def _clone_param(self) -> list:
        return [p._array.copy() for p in self._params]

    def _set_param(self, params_data: list) -> None:
        for p, data in zip(self._params, params_data, strict=True):
            p._array[...] = data
            p._vc[0] += 1

    def _directional_evaluate(self, closure, x, t, d):
        """Loss and flat gradient at θ + t·d; the parameters are put back to ``x`` afterwards."""
        self._add_grad(t, d)
        loss = float(_run_closure(closure))
        flat_grad = self._gather_flat_grad()
        self._set_param(x)
        return loss, flat_grad

    @_use_no_grad
    def step(self, closure):
        """Up to ``max_iter`` L-BFGS iterations; returns the loss from the first closure call."""
        if len(self.param_groups) != 1:
            raise AssertionError(f"Expected exactly one param_group, but got {len(self.param_groups)}")
        group = self.param_groups[0]
        lr = group["lr"].item() if isinstance(group["lr"], Tensor) else group["lr"]  # an int stays one
        max_iter = group["max_iter"]
        max_eval = group["max_eval"]
        tolerance_grad = group["tolerance_grad"]
        tolerance_change = group["tolerance_change"]
        line_search_fn = group["line_search_fn"]
        history_size = group["history_size"]

        # LBFGS's state is global; it lives under the first parameter, as in PyTorch
        state = self.state[self._params[0]]
        state.setdefault("func_evals", 0)
        state.setdefault("n_iter", 0)

        orig_loss = _run_closure(closure)
        loss = float(orig_loss)
        current_evals = 1
        state["func_evals"] += 1
        flat_grad = self._gather_flat_grad()
        if np.abs(flat_grad).max() <= tolerance_grad:  # already optimal
            return orig_loss

        d, t = _to_numpy(state.get("d")), _to_numpy(state.get("t"))
        old_dirs, old_stps = _to_numpy(state.get("old_dirs")), _to_numpy(state.get("old_stps"))
        ro, H_diag = _to_numpy(state.get("ro")), _to_numpy(state.get("H_diag"))  # noqa: N806
        prev_flat_grad, prev_loss = _to_numpy(state.get("prev_flat_grad")), state.get("prev_loss")
        al = _to_numpy(state.get("al"))

        opt_cond = False
        n_iter = 0
        while n_iter < max_iter:
            n_iter += 1
            state["n_iter"] += 1
            # the direction: −g at first, then −H⁻¹g by the two-loop recursion
            if state["n_iter"] == 1:
                d = -flat_grad
                old_dirs, old_stps, ro = [], [], []
                H_diag = 1  # noqa: N806
            else:
                y = flat_grad - prev_flat_grad
                s = d * t
                ys = y.dot(s)
                if ys > 1e-10:  # keep the pair only if it keeps H positive definite
                    if len(old_dirs) == history_size:
                        old_dirs.pop(0)
                        old_stps.pop(0)
                        ro.pop(0)
                    old_dirs.append(y)
                    old_stps.append(s)
                    ro.append(1.0 / ys)
                    H_diag = ys / y.dot(y)  # noqa: N806
                num_old = len(old_dirs)
                if al is None:
                    al = [None] * history_size
                q = -flat_grad
                for i in range(num_old - 1, -1, -1):
                    al[i] = old_stps[i].dot(q) * ro[i]
                    _add_scaled_(q, old_dirs[i], -al[i])
                d = r = q * H_diag
                for i in range(num_old):
                    be_i = old_dirs[i].dot(r) * ro[i]
                    _add_scaled_(r, old_stps[i], al[i] - be_i)
            if prev_flat_grad is None:
                prev_flat_grad = flat_grad.copy()
            else:
                prev_flat_grad[...] = flat_grad
            prev_loss = loss

            # the step length
            if state["n_iter"] == 1:
                t = min(1.0, 1.0 / np.abs(flat_grad).sum()) * lr
            else:
                t = lr
            gtd = flat_grad.dot(d)
            if gtd > -tolerance_change:  # d is not a descent direction (any more)
                break

            ls_func_evals = 0
            if line_search_fn is not None:
                if line_search_fn != "strong_wolfe":
                    raise RuntimeError("only 'strong_wolfe' is supported")
                x_init = self._clone_param()

                def obj_func(x, t, d):
                    return self._directional_evaluate(closure, x, t, d)

                loss, flat_grad, t, ls_func_evals = _strong_wolfe(obj_func, x_init, t, d, loss, flat_grad,
                                                                  gtd, max_ls=max_eval - current_evals)
                self._add_grad(t, d)
                opt_cond = np.abs(flat_grad).max() <= tolerance_grad
            else:
                self._add_grad(t, d)  # a fixed step; re-evaluate unless this was the last iteration
                if n_iter != max_iter:
                    loss = float(_run_closure(closure))
                    flat_grad = self._gather_flat_grad()
                    opt_cond = np.abs(flat_grad).max() <= tolerance_grad
                    ls_func_evals = 1
            current_evals += ls_func_evals
            state["func_evals"] += ls_func_evals

            # the stopping tests, in PyTorch's order
            if n_iter == max_iter or current_evals >= max_eval or opt_cond:
                break
            if np.abs(d * t).max() <= tolerance_change:
                break
            if abs(loss - prev_loss) < tolerance_change:
                break

        state["d"] = _to_state(d)
        state["t"] = _to_state(t)
        state["old_dirs"] = _to_state(old_dirs)
        state["old_stps"] = _to_state(old_stps)
        state["ro"] = _to_state(ro)
        state["H_diag"] = _to_state(H_diag)
        state["prev_flat_grad"] = _to_state(prev_flat_grad)
        state["prev_loss"] = prev_loss
        if al is not None:
            state["al"] = _to_state(al)
        return orig_loss
