"""Margin and ranking losses, as in ``torch.nn.functional``: margin_ranking, hinge_embedding,
soft_margin, multilabel_soft_margin, multi_margin, multilabel_margin, triplet_margin and
triplet_margin_with_distance.

Part III, nn chapter (after functional_loss.py and functional_distance.py). These losses do not ask
for an exact value; they ask that a score be on the right side of a margin, and are zero once it is:

    margin_ranking:   max(0, −y·(x1 − x2) + margin)            x1 should rank above x2 when y = 1
    hinge_embedding:  x if y = 1, max(0, margin − x) if y = −1  (x is a distance)
    soft_margin:      log(1 + e^(−y·x))                        a smooth hinge, two classes
    multilabel_soft_margin:  mean over classes of −[y log σ(x) + (1 − y) log σ(−x)]
    multi_margin:     Σ_{j≠y} max(0, margin − x_y + x_j)ᵖ / C   the multi-class hinge (SVM) loss
    multilabel_margin: Σ_{j∈Y} Σ_{i∉Y} max(0, 1 − x_j + x_i) / C  every target class above every other
    triplet_margin:   max(0, d(a, p) − d(a, n) + margin)        anchor nearer the positive
                      (with_distance: any d, the p-norm distance by default)

Those PyTorch builds from other ops are compositions of glassgrad's differentiable ops, built the
same way (so their grad_fn names match); soft_margin and multi_margin are ``Primitive``s with the
derivative beside the value.
"""

from __future__ import annotations

import numpy as np

from glassgrad.autograd.function import Primitive
from glassgrad.dtypes import TORCH_NAMES
from glassgrad.nn.functional_activation import logsigmoid
from glassgrad.nn.functional_distance import _check_broadcast, pairwise_distance
from glassgrad.nn.functional_loss import _legacy_reduction, _reduce, _reduction, _spread
from glassgrad.ops._util import unbroadcast
from glassgrad.ops.elementwise import minimum
from glassgrad.tensor import Tensor

__all__ = ["margin_ranking_loss", "hinge_embedding_loss", "soft_margin_loss",
           "multilabel_soft_margin_loss", "multi_margin_loss", "multilabel_margin_loss", "triplet_margin_loss",
           "triplet_margin_with_distance_loss"]


def _reduced(loss: Tensor, reduction: str) -> Tensor:
    return loss.mean() if reduction == "mean" else loss.sum() if reduction == "sum" else loss


def margin_ranking_loss(input1, input2, target, margin: float = 0, size_average=None,
                        reduce=None, reduction: str = "mean"):
    """max(0, −y·(x1 − x2) + margin): y = 1 asks x1 > x2 + margin, y = −1 the reverse."""
    reduction = _reduction(reduction, size_average, reduce)
    if input1.dim() != input2.dim() or input1.dim() != target.dim():
        raise RuntimeError(f"margin_ranking_loss : All input tensors should have same dimension but got "
                           f"sizes: input1: {input1.size()}, input2: {input2.size()}, target: "
                           f"{target.size()} ")
    return _reduced((-target * (input1 - input2) + margin).clamp_min(0), reduction)


def hinge_embedding_loss(input, target, margin: float = 1.0, size_average=None,  # noqa: A002
                         reduce=None, reduction: str = "mean"):
    """x where y = 1 (pull the distance down), max(0, margin − x) where y = −1 (push it past the
    margin); a target of neither value gets both terms, as in PyTorch."""
    reduction = _reduction(reduction, size_average, reduce)
    _check_broadcast(target._array.shape, input._array.shape)
    zeros = input.detach() * 0
    margin_clamp = (margin - input).clamp_min(0)
    output_margin = margin_clamp.where(target != 1, zeros)
    output_self = input.where(target != -1, zeros)
    return _reduced(output_margin + output_self, reduction)


class SoftMarginLoss(Primitive):
    """ℓ = log(1 + e^(−y·x)) per element (then reduced);  ∂ℓ/∂x = −y·e^(−y·x) / (1 + e^(−y·x))
    (÷N for "mean"); the target gets no gradient (PyTorch does not give it one either)."""

    @staticmethod
    def forward(ctx, x, y, reduction):
        z = np.exp(-x * y)
        ctx.z, ctx.y, ctx.shape, ctx.reduction = z, y, x.shape, reduction
        loss = np.log1p(z).astype(np.result_type(x, y), copy=False)
        return np.asarray(_reduce(loss, reduction))

    @staticmethod
    def backward(ctx, g):
        grad = _spread(g, ctx.z.shape, ctx.reduction) * (-ctx.y * ctx.z / (1 + ctx.z))
        return unbroadcast(grad, ctx.shape), None, None


def soft_margin_loss(input, target, size_average=None, reduce=None,  # noqa: A002
                     reduction: str = "mean"):
    """log(1 + e^(−y·x)) for labels y = ±1: the logistic loss, a smooth hinge."""
    reduction = _reduction(reduction, size_average, reduce)
    _check_broadcast(input._array.shape, target._array.shape)
    return SoftMarginLoss.apply(input, target, reduction)


def multilabel_soft_margin_loss(input, target, weight=None, size_average=None,  # noqa: A002
                                reduce=None, reduction: str = "mean"):
    """Per sample, the mean over its C classes of −[y log σ(x) + (1 − y) log σ(−x)]: one independent
    yes/no (binary cross-entropy on logits) per class; ``weight`` scales each class."""
    if size_average is not None or reduce is not None:
        reduction = _legacy_reduction(size_average, reduce)
    loss = -(target * logsigmoid(input) + (1 - target) * logsigmoid(-input))
    if weight is not None:
        loss = loss * weight
    class_dim = input.dim() - 1
    loss = loss.sum(dim=class_dim) / input.size(class_dim)
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(f"{reduction} is not valid")
    return _reduced(loss, reduction)


def _rows_reduced(ctx, per_row: np.ndarray, slope: np.ndarray, x: np.ndarray, reduction: str) -> np.ndarray:
    """The multi-class hinge losses' output: one loss per row, reduced; keeps ∂ℓᵢ/∂xᵢ (``slope``) for backward."""
    ctx.slope, ctx.shape, ctx.reduction = slope.astype(x.dtype, copy=False), x.shape, reduction
    per_row = per_row.astype(x.dtype, copy=False)
    if reduction == "none":
        return per_row if x.ndim == 2 else per_row.reshape(())
    return np.asarray(_reduce(per_row, reduction), x.dtype)


def _rows_gradient(ctx, g) -> np.ndarray:
    """∂L/∂x from ∂L/∂output: each row's slope times its share of g (g/n under 'mean')."""
    n = ctx.slope.shape[0]
    g = np.reshape(g, (n, 1)) if ctx.reduction == "none" else g / n if ctx.reduction == "mean" else g
    return (g * ctx.slope).reshape(ctx.shape)


class MultiMarginLoss(Primitive):
    """Per row i with target class y: ℓᵢ = Σ_{j≠y} w_y·hᵢⱼᵖ / C,  hᵢⱼ = max(0, margin − xᵢy + xᵢⱼ);
    ∂ℓᵢ/∂xᵢⱼ = w_y·p·hᵢⱼᵖ⁻¹/C (j ≠ y, where hᵢⱼ > 0),  ∂ℓᵢ/∂xᵢy = −Σ_{j≠y} ∂ℓᵢ/∂xᵢⱼ."""

    @staticmethod
    def forward(ctx, x, target, p, margin, w, reduction):
        rows = x.reshape(-1, x.shape[-1])
        n, c = rows.shape
        t = target.reshape(-1)
        picked = rows[np.arange(n), t][:, None]
        h = np.maximum(margin - picked + rows, 0)
        h[np.arange(n), t] = 0  # j = y is not a margin
        slope = np.where(h > 0, p * h ** (p - 1), 0) / c
        terms = h ** p / c
        if w is not None:
            terms, slope = terms * w[t][:, None], slope * w[t][:, None]
        slope[np.arange(n), t] = -slope.sum(axis=1)
        return _rows_reduced(ctx, terms.sum(axis=1), slope, x, reduction)

    @staticmethod
    def backward(ctx, g):
        return _rows_gradient(ctx, g), None, None, None, None, None


def multi_margin_loss(input, target, p: int = 1, margin: float = 1.0, weight=None,  # noqa: A002
                      size_average=None, reduce=None, reduction: str = "mean"):
    """The multi-class hinge loss: every wrong class j should score at least ``margin`` below the
    target class; each shortfall h counts as h (p = 1) or h² (p = 2), averaged over the C classes."""
    reduction = _reduction(reduction, size_average, reduce)
    if p not in (1, 2):
        raise ValueError("only p == 1 and p == 2 supported")
    if weight is not None and weight.dim() != 1:
        raise ValueError("weight must be one-dimensional")
    x, t = input._array, target._array
    if x.ndim > 2 or x.ndim == 0 or x.size == 0:
        raise RuntimeError("Expected non-empty vector or matrix with optional 0-dim batch size, but got: "
                           f"{list(x.shape)}")
    n, c = (1, x.shape[0]) if x.ndim == 1 else x.shape
    if t.dtype != np.int64:
        raise RuntimeError("expected scalar type Long but found "
                           + TORCH_NAMES.get(t.dtype.name, t.dtype.name))
    if t.ndim > 1 or t.size != n:
        raise RuntimeError("multi_margin_loss: target tensor should be 1-D with size equal to the number of "
                           f"input samples (batch size). Expected target size [{n}], but got "
                           f"{list(t.shape)}. Input has shape {list(x.shape)}.")
    if ((t < 0) | (t >= c)).any():
        raise RuntimeError("target out of range")
    w = None
    if weight is not None:
        if weight.numel() != c:
            raise RuntimeError(f"inconsistent weight size, expected {c} but got {list(weight.shape)}")
        w = weight._array.astype(x.dtype, copy=False)
    return MultiMarginLoss.apply(input, target, p, float(margin), w, reduction)


class MultilabelMarginLoss(Primitive):
    """Per row with target classes Y (the target row's indices before its first −1):
    ℓ = Σ_{j∈Y} Σ_{i∉Y} hⱼᵢ / C,  hⱼᵢ = max(0, 1 − x_j + x_i);
    ∂ℓ/∂x_i = #{j : hⱼᵢ > 0} / C  (i ∉ Y),   ∂ℓ/∂x_j = −#{i : hⱼᵢ > 0} / C  (j ∈ Y).
    One target position at a time, so memory stays (N, C) however many classes there are."""

    @staticmethod
    def forward(ctx, x, target, reduction):
        rows = x.reshape(-1, x.shape[-1])
        t = target.reshape(rows.shape)
        n, c = rows.shape
        valid = np.cumprod(t >= 0, axis=1).astype(bool)  # positions before the first −1
        is_target = np.zeros((n, c), dtype=bool)
        r, k = np.nonzero(valid)
        is_target[r, t[r, k]] = True
        per_row = np.zeros(n, dtype=x.dtype)
        slope = np.zeros((n, c), dtype=x.dtype)
        for k in range(c):
            active = valid[:, k]
            if not active.any():
                break
            target_k = np.where(active, t[:, k], 0)
            picked = rows[np.arange(n), target_k][:, None]
            h = 1 - picked + rows
            positive = (h > 0) & ~is_target & active[:, None]
            per_row += np.where(positive, h, 0).sum(axis=1) / c
            slope += positive / c
            np.subtract.at(slope, (np.arange(n), target_k), positive.sum(axis=1) / c)
        return _rows_reduced(ctx, per_row, slope, x, reduction)

    @staticmethod
    def backward(ctx, g):
        return _rows_gradient(ctx, g), None, None


def multilabel_margin_loss(input, target, size_average=None, reduce=None, reduction: str = "mean"):  # noqa: A002
    """The multi-label hinge loss: each row's target classes (listed first in ``target``'s row, ended by
    −1) should each score at least 1 above every class that is not a target."""
    reduction = _reduction(reduction, size_average, reduce)
    x, t = input._array, target._array
    if x.ndim > 2 or x.ndim == 0 or x.size == 0:
        raise RuntimeError("Expected non-empty vector or matrix with optional 0-dim batch size, but got: "
                           f"{list(x.shape)}")
    if t.shape != x.shape:
        raise RuntimeError(f"inconsistent target size: {list(t.shape)} for input of size: {list(x.shape)}")
    if t.dtype != np.int64:
        raise RuntimeError("expected scalar type Long but found " + TORCH_NAMES.get(t.dtype.name, t.dtype.name))
    if ((t < -1) | (t >= x.shape[-1])).any():
        raise RuntimeError("argument #2 'target' is out of range")
    return MultilabelMarginLoss.apply(input, target, reduction)


def triplet_margin_loss(anchor, positive, negative, margin: float = 1.0, p: float = 2,
                        eps: float = 1e-6, swap: bool = False, size_average=None, reduce=None,
                        reduction: str = "mean"):
    """max(0, d(a, p) − d(a, n) + margin) with d the p-norm ``pairwise_distance``: the anchor should be
    nearer its positive than its negative by the margin. ``swap`` uses min(d(a, n), d(p, n))."""
    reduction = _reduction(reduction, size_average, reduce)
    if margin <= 0:
        raise ValueError(f"margin must be greater than 0, got {margin}")
    dims = (anchor.dim(), positive.dim(), negative.dim())
    if len(set(dims)) > 1:
        raise RuntimeError("The anchor, positive, and negative tensors are expected to have the same "
                           f"number of dimensions, but got: anchor {dims[0]}D, positive {dims[1]}D, and "
                           f"negative {dims[2]}D inputs")
    dist_pos = pairwise_distance(anchor, positive, p, eps)
    dist_neg = pairwise_distance(anchor, negative, p, eps)
    if swap:
        dist_neg = minimum(dist_neg, pairwise_distance(positive, negative, p, eps))
    return _reduced((margin + dist_pos - dist_neg).clamp_min(0), reduction)


def triplet_margin_with_distance_loss(anchor, positive, negative, *, distance_function=None, margin: float = 1.0,
                                      swap: bool = False, reduction: str = "mean"):
    """max(0, d(a, p) − d(a, n) + margin) for any distance ``d`` (a function of two batches giving one
    distance per row; the 2-norm ``pairwise_distance`` if None). ``swap`` uses min(d(a, n), d(p, n))."""
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(f"{reduction} is not a valid value for reduction")
    if margin <= 0:
        raise ValueError(f"margin must be greater than 0, got {margin}")
    dims = (anchor.dim(), positive.dim(), negative.dim())
    if len(set(dims)) > 1:
        raise RuntimeError("The anchor, positive, and negative tensors are expected to have the same "
                           f"number of dimensions, but got: anchor {dims[0]}D, positive {dims[1]}D, and "
                           f"negative {dims[2]}D inputs")
    distance = distance_function if distance_function is not None else pairwise_distance
    dist_pos = distance(anchor, positive)
    dist_neg = distance(anchor, negative)
    if swap:
        dist_neg = minimum(dist_neg, distance(positive, negative))
    return _reduced((margin + dist_pos - dist_neg).clamp_min(0), reduction)
