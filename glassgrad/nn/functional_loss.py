"""Loss functions, as in ``torch.nn.functional``: mse, l1, smooth-l1, huber, cross-entropy, nll, bce.

Part III, nn chapter. A loss turns predictions and targets into one number to minimise. Here the
derivative is the lesson, so each loss is a ``Primitive`` whose backward states it:

    mse:            L = mean((x − t)²)                 ∂L/∂x = 2(x − t)/N
    nll:            L = −mean(x[target])               ∂L/∂x = −onehot(target)/N
    bce-logits:     L = mean(softplus(z) − t·z)         ∂L/∂z = (σ(z) − t)/N

Cross-entropy is log_softmax (ops/softmax.py) followed by nll_loss, as in PyTorch, and the chain rule
through the two gives the famous ∂L/∂z = (softmax(z) − onehot(target))/N. The L1 loss is built from
|x − t| and a mean, as PyTorch builds it.

``reduction`` is "mean" (divide the sum by N), "sum" or "none" (one loss per element). Errors for
bad input use PyTorch's words.
"""

from __future__ import annotations

import math
import warnings

import numpy as np

from glassgrad.autograd.function import Primitive, autocast_hook
from glassgrad.dtypes import TORCH_NAMES
from glassgrad.ops._util import unbroadcast
from glassgrad.ops.indexing import masked_fill
from glassgrad.ops.shape import _reshape
from glassgrad.ops.softmax import log_softmax
from glassgrad.tensor import Tensor

__all__ = ["mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss", "cross_entropy", "nll_loss",
           "binary_cross_entropy", "binary_cross_entropy_with_logits"]

_REDUCTIONS = ("mean", "sum", "none")


def _legacy_reduction(size_average, reduce) -> str:
    """The deprecated ``size_average``/``reduce`` arguments, mapped to ``reduction`` as PyTorch does."""
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    warnings.warn("size_average and reduce args will be deprecated, please use reduction='"
                  f"{'none' if not reduce else 'mean' if size_average else 'sum'}' instead.",
                  stacklevel=3)
    return "none" if not reduce else "mean" if size_average else "sum"


def _reduction(reduction, size_average=None, reduce=None) -> str:
    if size_average is not None or reduce is not None:
        reduction = _legacy_reduction(size_average, reduce)
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{reduction} is not a valid value for reduction")
    return reduction


def _check(fn: str, input, target) -> None:  # noqa: A002
    if not isinstance(input, Tensor):
        raise TypeError(f"{fn}(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}")
    if not isinstance(target, Tensor):
        raise TypeError(f"{fn}(): argument 'target' (position 2) must be Tensor, not "
                        f"{type(target).__name__}")


def _warn_size(input, target) -> None:  # noqa: A002
    if target.shape != input.shape:
        warnings.warn(f"Using a target size ({target.size()}) that is different to the input size "
                      f"({input.size()}). This will likely lead to incorrect results due to "
                      "broadcasting. Please ensure they have the same size.", stacklevel=4)
        try:
            np.broadcast_shapes(input._array.shape, target._array.shape)
        except ValueError:
            a, b = input._array.shape, target._array.shape
            n = max(len(a), len(b))
            a, b = (1,) * (n - len(a)) + a, (1,) * (n - len(b)) + b
            dim = next(i for i in range(n) if a[i] != b[i] and 1 not in (a[i], b[i]))
            raise RuntimeError(f"The size of tensor a ({a[dim]}) must match the size of tensor b "
                               f"({b[dim]}) at non-singleton dimension {dim}") from None


def _reduce(loss: np.ndarray, reduction: str) -> np.ndarray:
    if reduction == "mean":
        return np.mean(loss)
    if reduction == "sum":
        return np.sum(loss)
    return loss


def _spread(g, shape, reduction: str):
    """Upstream gradient of a reduced loss spread back to every element (÷N for the mean)."""
    if reduction == "none":
        return g
    n = int(np.prod(shape))
    return np.broadcast_to(g / n if reduction == "mean" else g, shape)


class PointwiseLoss(Primitive):
    """L = reduce(ℓ(x − t)) for a per-element loss ℓ of the difference d = x − t (mse, smooth-l1,
    huber: one subclass each);  ∂L/∂x = ℓ'(d)·(1/N for "mean"),  ∂L/∂t = −∂L/∂x (then undo broadcasting)

        mse:        ℓ = d²                                 ℓ' = 2d
        smooth_l1:  ℓ = ½d²/β if |d| < β else |d| − ½β      ℓ' = d/β if |d| < β else sign d
        huber:      ℓ = ½d² if |d| ≤ δ else δ(|d| − ½δ)    ℓ' = d if |d| ≤ δ else δ·sign d
    """

    kind = None

    @classmethod
    def forward(cls, ctx, x, t, reduction, param):
        x, t = np.asarray(x), np.asarray(t)
        dtype = np.result_type(x, t) if t.dtype.kind == "f" else x.dtype
        d = (x - t).astype(dtype, copy=False)
        a = np.abs(d)
        if cls.kind == "mse":
            loss, slope = d * d, 2 * d
        elif cls.kind == "smooth_l1":
            inside = a < param
            loss = np.where(inside, 0.5 * d * d / param, a - 0.5 * param)
            slope = np.where(inside, d / param, np.sign(d))
        else:  # huber
            inside = a <= param
            loss = np.where(inside, 0.5 * d * d, param * (a - 0.5 * param))
            slope = np.where(inside, d, param * np.sign(d))
        ctx.slope = slope.astype(dtype, copy=False)
        ctx.shapes = (x.shape, t.shape)
        ctx.reduction, ctx.param = reduction, param
        ctx.save_for_backward(x, t)  # for create_graph, where ℓ'(d) is made again from x and t
        return _reduce(loss.astype(dtype, copy=False), reduction)

    @staticmethod
    def backward(ctx, g):
        if isinstance(g, Tensor):
            return _pointwise_backward_as_ops(ctx, g)
        grad = _spread(g, ctx.slope.shape, ctx.reduction) * ctx.slope
        need_x, need_t = ctx.needs_input_grad[:2]
        sx, st = ctx.shapes
        return (unbroadcast(grad, sx) if need_x else None,
                unbroadcast(-grad, st) if need_t else None, None, None)


def _spread_tensor(g: Tensor, shape: tuple, reduction: str) -> Tensor:
    """_spread for create_graph=True: the same, as recorded ops."""
    if reduction == "none":
        return g
    return (g / int(np.prod(shape)) if reduction == "mean" else g).expand(shape)


def _pointwise_backward_as_ops(ctx, g: Tensor) -> tuple:
    """PointwiseLoss's gradients with ℓ'(d) made from x and t on the graph (create_graph=True): the masks
    |d| < β and sign d are constants (ℓ'' is 1/β or 1 inside, 0 outside)."""
    x, t = ctx.saved_tensors
    d = x - t
    kind, param = ctx.function.kind, ctx.param
    if kind == "mse":
        slope = d * 2
    else:
        a = np.abs(d._array)
        inside = Tensor._wrap((a < param if kind == "smooth_l1" else a <= param).astype(d._array.dtype))
        outside = Tensor._wrap((1 - inside._array) * np.sign(d._array) * (1 if kind == "smooth_l1" else param))
        slope = inside * (d / param if kind == "smooth_l1" else d) + outside
    grad = _spread_tensor(g, slope.shape, ctx.reduction) * slope
    need_x, need_t = ctx.needs_input_grad[:2]
    sx, st = ctx.shapes
    return (unbroadcast(grad, sx) if need_x else None, unbroadcast(-grad, st) if need_t else None, None, None)


class MseLoss(PointwiseLoss):
    kind = "mse"


class SmoothL1Loss(PointwiseLoss):
    kind = "smooth_l1"


class HuberLoss(PointwiseLoss):
    kind = "huber"


def _weighted(loss, weight, reduction: str, mean_over_weights: bool = True):
    """PyTorch's weighted losses: w·ℓ, then its sum, or Σ w·ℓ / Σ w (huber: the plain mean of w·ℓ)."""
    loss = loss * weight
    if reduction == "none":
        return loss
    if reduction == "sum" or not mean_over_weights:
        return loss.sum() if reduction == "sum" else loss.mean()
    return loss.sum() / weight.sum()


def _pointwise(op, name: str, input, target, reduction, param=None, weight=None):  # noqa: A002
    _check(name, input, target)
    _warn_size(input, target)
    if weight is not None:
        if weight.shape != input.shape:
            raise ValueError("Weights and input must have the same size.")
        return _weighted(op.apply(input, target, "none", param), weight, reduction, op is not HuberLoss)
    return op.apply(input, target, reduction, param)


def mse_loss(input, target, size_average=None, reduce=None, reduction: str = "mean",  # noqa: A002
             weight=None):
    """Mean squared error: reduce((x − t)²);  ∂/∂x = 2(x − t)/N"""
    return _pointwise(MseLoss, "mse_loss", input, target, _reduction(reduction, size_average, reduce),
                      weight=weight)


def l1_loss(input, target, size_average=None, reduce=None, reduction: str = "mean",  # noqa: A002
            weight=None):
    """Mean absolute error: reduce(|x − t|), built from the ops as PyTorch builds it (Sub, Abs, Mean);
    ∂/∂x = sign(x − t)/N"""
    _check("l1_loss", input, target)
    _warn_size(input, target)
    return _l1(input, target, _reduction(reduction, size_average, reduce), weight)


def _l1(input, target, reduction: str, weight=None):  # noqa: A002
    loss = (input - target).abs()
    if weight is not None:
        if weight.shape != input.shape:
            raise ValueError("Weights and input must have the same size.")
        return _weighted(loss, weight, reduction)
    return loss if reduction == "none" else loss.sum() if reduction == "sum" else loss.mean()


def smooth_l1_loss(input, target, size_average=None, reduce=None, reduction: str = "mean",  # noqa: A002
                   beta: float = 1.0):
    """Quadratic (½d²/β) for |d| < β, linear (|d| − ½β) beyond: robust to outliers."""
    if beta < 0:
        raise RuntimeError("smooth_l1_loss does not support negative values for beta.")
    reduction = _reduction(reduction, size_average, reduce)
    if beta == 0:  # no quadratic part left: the L1 loss, as PyTorch computes it
        _check("smooth_l1_loss", input, target)
        _warn_size(input, target)
        return _l1(input, target, reduction)
    return _pointwise(SmoothL1Loss, "smooth_l1_loss", input, target, reduction, beta)


def huber_loss(input, target, reduction: str = "mean", delta: float = 1.0, weight=None):  # noqa: A002
    """½d² for |d| ≤ δ, δ(|d| − ½δ) beyond (= δ·smooth_l1 with β = δ)."""
    if delta <= 0:
        raise RuntimeError("huber_loss does not support non-positive values for delta.")
    return _pointwise(HuberLoss, "huber_loss", input, target, _reduction(reduction), delta,
                      weight=weight)


# --- cross-entropy and negative log-likelihood --------------------------------------------------------
def _rows(x: np.ndarray) -> np.ndarray:
    """(N, C, d1, ...) -> (N·d1·..., C): class scores as rows; (C,) -> (1, C)."""
    if x.ndim == 1:
        return x[None, :]
    if x.ndim == 2:
        return x
    return np.moveaxis(x, 1, -1).reshape(-1, x.shape[1])


def _unrows(r: np.ndarray, shape: tuple) -> np.ndarray:
    """The inverse of ``_rows``."""
    if len(shape) <= 2:
        return r.reshape(shape)
    moved = shape[:1] + shape[2:] + shape[1:2]
    return np.moveaxis(r.reshape(moved), -1, 1)


class NllLoss(Primitive):
    """Negative log-likelihood of log-probabilities x (rows of class scores) at the target classes t:

        L = −Σᵢ w_{tᵢ}·x[i, tᵢ]     (w: class weights, 1 by default; rows whose tᵢ is ignore_index skipped)

    "mean" divides by Σᵢ w_{tᵢ}, "sum" does not, "none" keeps one loss per row.
    ∂L/∂x[i, c] = −w_{tᵢ} at c = tᵢ and 0 elsewhere (÷ Σ w for "mean"): a negated one-hot.
    """

    @staticmethod
    def forward(ctx, x, target, weight, ignore_index, reduction):
        shape = x.shape
        z = _rows(x)
        n_rows, n_cls = z.shape
        t = target.reshape(-1)
        valid = t != ignore_index
        every = valid.all()
        safe_t = t if every else np.where(valid, t, 0)
        if n_rows and (safe_t.min() < 0 or safe_t.max() >= n_cls):
            raise IndexError(f"Target {t[valid & ((t < 0) | (t >= n_cls))][0]} is out of bounds.")
        rows = np.arange(n_rows)
        per_row = -z[rows, safe_t]
        if weight is None and every:  # the common case: each row counts once, with weight 1
            wt, denom = None, n_rows
        else:
            wt = weight[safe_t] * valid if weight is not None else valid.astype(z.dtype)
            per_row, denom = per_row * wt, wt.sum()
        if reduction == "none":
            out = per_row.reshape(shape[:1] + shape[2:]) if len(shape) > 1 else per_row.reshape(())
        elif reduction == "sum":
            out = per_row.sum()
        else:
            out = per_row.sum() / denom if denom else np.nan  # nothing counted: nan, as PyTorch
        ctx.picked, ctx.n_cls, ctx.denom = (rows, safe_t, wt), n_cls, denom
        ctx.shape, ctx.reduction, ctx.dtype = shape, reduction, z.dtype
        return np.asarray(out, dtype=z.dtype)

    @staticmethod
    def backward(ctx, g):
        rows, t, wt = ctx.picked
        if ctx.reduction == "none":
            g = np.reshape(g, (-1, 1))
        elif ctx.reduction == "mean" and ctx.denom:  # (every row ignored: the one-hot is all zeros)
            g = g / ctx.denom
        onehot = np.zeros((len(rows), ctx.n_cls), ctx.dtype)
        onehot[rows, t] = -1 if wt is None else -wt
        return _unrows(onehot * g, ctx.shape), None, None, None, None


class NllLoss2d(NllLoss):  # PyTorch's node for inputs with spatial dims (N, C, H, W): NllLoss2DBackward0
    node_name = "NllLoss2DBackward0"


def _nll_nd(input, target, weight, ignore_index: int, reduction: str):  # noqa: A002
    """nll_loss for any rank, as PyTorch arranges it: (C) and (N, C) rows directly, (N, C, H, W) as an
    image, and other ranks viewed as (N, C, 1, rest) images (their per-pixel losses viewed back)."""
    x = input._array
    if x.ndim <= 2:
        return NllLoss.apply(input, target, weight, ignore_index, reduction)
    if x.ndim == 4:
        return NllLoss2d.apply(input, target, weight, ignore_index, reduction)
    n, c, rest = x.shape[0], x.shape[1], math.prod(x.shape[2:])
    target = Tensor._wrap(target._array.reshape(n, 1, rest))
    out = NllLoss2d.apply(_reshape(input, (n, c, 1, rest)), target, weight, ignore_index, reduction)
    return out if reduction != "none" else _reshape(out, (n,) + x.shape[2:])


def _check_class_loss(name: str, input, target, weight, smoothing, log_probs: bool):  # noqa: A002
    """PyTorch's checks for cross_entropy/nll_loss; returns (targets are probabilities?, weight array)."""
    _check(name, input, target)
    x, t = input._array, target._array
    if x.ndim == 0:
        raise IndexError("Dimension out of range (expected to be in range of [-1, 0], but got 1)")
    n_cls = x.shape[1] if x.ndim > 1 else x.shape[0]
    probabilities = x.shape == t.shape and not log_probs
    if probabilities:
        if t.dtype.kind != "f":
            raise RuntimeError("Expected floating point type for target with class probabilities, got "
                               + TORCH_NAMES.get(t.dtype.name, t.dtype.name))
    else:
        if not (t.dtype == np.int64 or (t.dtype == np.uint8 and not log_probs)):
            if log_probs:
                raise RuntimeError(f"expected scalar type Long but found "
                                   f"{TORCH_NAMES.get(t.dtype.name, t.dtype.name)}")
            raise RuntimeError("expected target dtype to be Long or Byte, but got "
                               f"{TORCH_NAMES.get(t.dtype.name, t.dtype.name)}")
        if x.ndim == 1:
            if t.ndim != 0:
                raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
        elif x.ndim == 2 and t.ndim != 1:
            raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
        elif x.ndim > 2 and t.shape != x.shape[:1] + x.shape[2:]:
            if t.shape[:1] != x.shape[:1]:
                raise ValueError(f"Expected input batch_size ({x.shape[0]}) to match target batch_size "
                                 f"({t.shape[0] if t.ndim else 0}).")
            raise RuntimeError(f"size mismatch (got input: {list(x.shape)} , target: {list(t.shape)}")
        if x.ndim > 1 and t.shape[0] != x.shape[0]:
            raise ValueError(f"Expected input batch_size ({x.shape[0]}) to match target batch_size "
                             f"({t.shape[0]}).")
    w = None
    if weight is not None:
        w = weight._array if isinstance(weight, Tensor) else np.asarray(weight)
        if w.shape != (n_cls,):
            raise RuntimeError(f"weight tensor should be defined either for all {n_cls} classes or no "
                               f"classes but got weight tensor of shape: {list(w.shape)}")
        w = w.astype(x.dtype, copy=False)
    if not 0.0 <= smoothing <= 1.0:
        raise ValueError(f"label_smoothing must be between 0.0 and 1.0. Got: {smoothing}")
    return probabilities, w


def _along_classes(w: np.ndarray, ndim: int, class_dim: int) -> Tensor:
    """Class weights shaped to broadcast against the scores (C along the class dim, 1 elsewhere)."""
    return Tensor._wrap(w.reshape(tuple(w.size if d == class_dim else 1 for d in range(ndim))))


def _smoothed(logp, nll, target, w, reduction: str, ignore_index: int, smoothing: float,
              class_dim: int):
    """Label smoothing, PyTorch's way: (1 − ε)·nll + ε/C·(−Σ_c w_c·log p_c), ignored rows left out."""
    n_cls = logp._array.shape[class_dim]
    t = target._array
    ignore = t == ignore_index
    weighted = logp * _along_classes(w, logp._array.ndim, class_dim) if w is not None else logp
    smooth = masked_fill(-weighted.sum(class_dim), Tensor._wrap(ignore), 0.0)
    if reduction == "mean":
        kept = t[~ignore]
        denom = w[kept].sum() if w is not None else np.int64(kept.size)
        smooth = smooth.sum() / Tensor._wrap(np.asarray(denom))
    elif reduction == "sum":
        smooth = smooth.sum()
    return nll * (1 - smoothing) + smooth * (smoothing / n_cls)


def _soft_targets(logp, target, w, reduction: str, smoothing: float, class_dim: int):
    """Class probabilities as targets: L = −Σ_c w_c·p_c·log softmax(z)_c per row (PyTorch's formula;
    with smoothing, p becomes (1 − ε)·p + ε/C); "mean" divides by the number of rows."""
    n_cls = logp._array.shape[class_dim]
    if smoothing > 0:
        target = target * (1 - smoothing) + smoothing / n_cls
    loss = logp * target
    if w is not None:
        loss = loss * _along_classes(w, logp._array.ndim, class_dim)
    if reduction == "none":
        return -loss.sum(class_dim)
    if reduction == "sum":
        return -loss.sum()
    return -loss.sum() / (logp._array.size / n_cls if logp._array.size else float("nan"))


def cross_entropy(input, target, weight=None, size_average=None, ignore_index: int = -100,  # noqa: A002
                  reduce=None, reduction: str = "mean", label_smoothing: float = 0.0):
    """−log softmax(input)[target], averaged: the classification loss on raw scores (logits).

    ``input`` is (N, C), (C,) or (N, C, d1, ...); ``target`` holds class indices (int64, shape (N,)
    or (N, d1, ...)) or class probabilities (same shape as input). It is ``nll_loss(log_softmax(input))``,
    as in PyTorch, so its gradient is (softmax − onehot)/N.
    """
    reduction = _reduction(reduction, size_average, reduce)
    smoothing = float(label_smoothing)
    probabilities, w = _check_class_loss("cross_entropy", input, target, weight, smoothing, False)
    class_dim = 0 if input._array.ndim == 1 else 1
    if autocast_hook() is not None and input._array.dtype.itemsize < 4:  # on autocast's float32 list
        input = input.float()
    logp = log_softmax(input, class_dim)
    if probabilities:
        return _soft_targets(logp, target, w, reduction, smoothing, class_dim)
    nll = _nll_nd(logp, target, w, ignore_index, reduction)
    if smoothing == 0:
        return nll
    return _smoothed(logp, nll, target, w, reduction, ignore_index, smoothing, class_dim)


def nll_loss(input, target, weight=None, size_average=None, ignore_index: int = -100,  # noqa: A002
             reduce=None, reduction: str = "mean"):
    """Negative log-likelihood: −input[target] for log-probabilities ``input`` (after log_softmax)."""
    reduction = _reduction(reduction, size_average, reduce)
    _, w = _check_class_loss("nll_loss", input, target, weight, 0.0, True)
    return _nll_nd(input, target, w, ignore_index, reduction)


# --- binary cross-entropy ----------------------------------------------------------------------------
class BinaryCrossEntropy(Primitive):
    """ℓ = −w·(t·log x + (1 − t)·log(1 − x)), each log clamped at −100 (so x = 0 or 1 stays finite);
    ∂ℓ/∂x = w·(x − t) / max(x(1 − x), 1e-12);  ∂ℓ/∂t = w·(log(1 − x) − log x) (not clamped)"""

    @staticmethod
    def forward(ctx, x, t, w, reduction):
        if ((x < 0) | (x > 1)).any() or np.isnan(x).any():
            raise RuntimeError("all elements of input should be between 0 and 1")
        with np.errstate(divide="ignore"):
            log_x = np.maximum(np.log(x), -100)
            log_1mx = np.maximum(np.log1p(-x), -100)
        loss = -(t * log_x + (1 - t) * log_1mx)
        if w is not None:
            loss = loss * w
        ctx.save_for_backward(x, t)
        ctx.w, ctx.reduction = w, reduction
        return _reduce(loss, reduction).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        x, t = ctx.saved_tensors
        if isinstance(g, Tensor):  # create_graph: the same formulas as recorded ops (the max a clamp)
            g = _spread_tensor(g, x.shape, ctx.reduction)
            if ctx.w is not None:
                g = g * Tensor._wrap(ctx.w)
            grad_x = g * (x - t) / (x * (1 - x)).clamp(min=1e-12) if ctx.needs_input_grad[0] else None
            grad_t = g * ((-x).log1p() - x.log()) if ctx.needs_input_grad[1] else None
            return grad_x, grad_t, None, None
        g = _spread(g, x.shape, ctx.reduction)
        if ctx.w is not None:
            g = g * ctx.w
        grad_x = g * (x - t) / np.maximum(x * (1 - x), 1e-12) if ctx.needs_input_grad[0] else None
        grad_t = None
        if ctx.needs_input_grad[1]:  # unclamped here, as PyTorch: ±inf at x = 0 or 1
            with np.errstate(divide="ignore"):
                grad_t = g * (np.log1p(-x) - np.log(x))
        return grad_x, grad_t, None, None


def _weight_array(weight, shape, dtype):
    if weight is None:
        return None
    w = weight._array if isinstance(weight, Tensor) else np.asarray(weight)
    try:
        np.broadcast_shapes(w.shape, shape)
    except ValueError:
        raise RuntimeError(f"The size of weight {list(w.shape)} must be broadcastable to the input "
                           f"size {list(shape)}") from None
    return w.astype(dtype, copy=False)


def binary_cross_entropy(input, target, weight=None, size_average=None, reduce=None,  # noqa: A002
                         reduction: str = "mean"):
    """BCE on probabilities in [0, 1] (after a sigmoid); prefer ``binary_cross_entropy_with_logits``."""
    _check("binary_cross_entropy", input, target)
    reduction = _reduction(reduction, size_average, reduce)
    if target.shape != input.shape:
        raise ValueError(f"Using a target size ({target.size()}) that is different to the input size "
                         f"({input.size()}) is deprecated. Please ensure they have the same size.")
    w = _weight_array(weight, input._array.shape, input._array.dtype)
    return BinaryCrossEntropy.apply(input, target, w, reduction)


class BinaryCrossEntropyWithLogits(Primitive):
    """ℓ = w·[(1 − t)·z + (1 + (p − 1)t)·softplus(−z)]  (p = pos_weight; = −t log σ(z) − (1 − t) log(1 − σ(z))
    when p = 1), with softplus(−z) = log(1 + e^(−|z|)) + max(−z, 0): no overflow for any z.
    ∂ℓ/∂z = w·[(1 + (p − 1)t)(σ(z) − 1) + 1 − t]  (= w·(σ(z) − t) when p = 1)
    ∂ℓ/∂t = w·[−z + (p − 1)·softplus(−z)]"""

    @staticmethod
    def forward(ctx, z, t, w, pos_weight, reduction):
        sp_neg = np.log1p(np.exp(-np.abs(z))) + np.maximum(-z, 0)  # softplus(−z), stable
        if pos_weight is not None:
            lw = 1 + (pos_weight - 1) * t
            loss = (1 - t) * z + lw * sp_neg
        else:
            lw = None
            loss = (1 - t) * z + sp_neg
        if w is not None:
            loss = loss * w
        ctx.save_for_backward(z, t)
        ctx.sp_neg, ctx.lw, ctx.w, ctx.pw, ctx.reduction = sp_neg, lw, w, pos_weight, reduction
        ctx.shapes = (z.shape, t.shape)
        return np.asarray(_reduce(loss, reduction)).astype(z.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        z, t = ctx.saved_tensors
        shape = np.broadcast_shapes(*ctx.shapes)
        if isinstance(g, Tensor):
            return _bce_logits_backward_as_ops(ctx, g, z, t, shape)
        g = _spread(g, shape, ctx.reduction)
        if ctx.w is not None:
            g = g * ctx.w
        grad_z = grad_t = None
        if ctx.needs_input_grad[0]:
            e = np.exp(-np.abs(z))
            sig = np.where(z >= 0, 1 / (1 + e), e / (1 + e))
            if ctx.lw is None:
                grad_z = g * (sig - t)
            else:
                grad_z = g * (ctx.lw * (sig - 1) + 1 - t)
            grad_z = unbroadcast(grad_z, ctx.shapes[0])
        if ctx.needs_input_grad[1]:
            dt = -z + ((ctx.pw - 1) * ctx.sp_neg if ctx.pw is not None else 0)
            grad_t = unbroadcast(g * dt, ctx.shapes[1])
        return grad_z, grad_t, None, None, None


def _bce_logits_backward_as_ops(ctx, g: Tensor, z: Tensor, t: Tensor, shape: tuple) -> tuple:
    """BinaryCrossEntropyWithLogits's gradients as recorded ops (create_graph=True): σ(z), softplus(−z)
    and 1 + (p − 1)t made again from z and t on the graph."""
    g = _spread_tensor(g, shape, ctx.reduction)
    if ctx.w is not None:
        g = g * Tensor._wrap(ctx.w)
    pw = None if ctx.pw is None else Tensor._wrap(ctx.pw)
    grad_z = grad_t = None
    if ctx.needs_input_grad[0]:
        sig = z.sigmoid()
        grad_z = g * (sig - t) if pw is None else g * ((1 + (pw - 1) * t) * (sig - 1) + 1 - t)
        grad_z = unbroadcast(grad_z, ctx.shapes[0])
    if ctx.needs_input_grad[1]:
        dt = -z
        if pw is not None:
            dt = dt + (pw - 1) * ((-z.abs()).exp().log1p() + (-z).clamp(min=0))  # softplus(−z), stable
        grad_t = unbroadcast(g * dt, ctx.shapes[1])
    return grad_z, grad_t, None, None, None


def binary_cross_entropy_with_logits(input, target, weight=None, size_average=None,  # noqa: A002
                                     reduce=None, reduction: str = "mean", pos_weight=None):
    """BCE on raw scores z: σ and the log fused into one stable formula. ``pos_weight`` (one per
    class, broadcast over the last dimension) multiplies the positive term: > 1 favours recall."""
    _check("binary_cross_entropy_with_logits", input, target)
    reduction = _reduction(reduction, size_average, reduce)
    if target.shape != input.shape:
        raise ValueError(f"Target size ({target.size()}) must be the same as input size ({input.size()})")
    dtype = input._array.dtype
    w = _weight_array(weight, input._array.shape, dtype)
    pw = _weight_array(pos_weight, input._array.shape, dtype)
    return BinaryCrossEntropyWithLogits.apply(input, target, w, pw, reduction)


# --- cosine embedding: are two vectors alike (target 1) or not (target −1)? -------------------------
def cosine_embedding_loss(input1, input2, target, margin: float = 0.0, size_average=None,
                          reduce=None, reduction: str = "mean"):
    """Per row, with cos = ⟨x1, x2⟩ / √((|x1|² + ε)(|x2|² + ε)), ε = 1e-12 (PyTorch's guard for zero
    vectors):  loss = 1 − cos where target = 1 (pull together);  max(0, cos − margin) where target = −1
    (push apart until the margin); 0 for any other target. Built from elementwise ops and sums, so
    the gradient is the chain rule through them."""
    reduction = _reduction(reduction, size_average, reduce)
    if target.dim() > 1:
        raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
    dim = 0 if input1.dim() == 1 else 1
    eps = 1e-12
    prod_sum = (input1 * input2).sum(dim)
    mag_square1 = (input1 * input1).sum(dim) + eps
    mag_square2 = (input2 * input2).sum(dim) + eps
    cos = prod_sum / (mag_square1 * mag_square2).sqrt()
    zeros = cos.detach() * 0
    pos = (1 - cos).where(target == 1, zeros)
    neg = (cos - margin).clamp_min(0).where(target == -1, zeros)
    output = pos + neg
    if reduction == "mean":
        return output.mean()
    if reduction == "sum":
        return output.sum()
    return output
