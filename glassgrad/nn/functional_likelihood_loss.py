"""Losses that compare distributions or score a likelihood, as in ``torch.nn.functional``: kl_div,
poisson_nll_loss and gaussian_nll_loss.

Part III, nn chapter (after functional_loss.py). Each is a composition of differentiable ops, built
as PyTorch builds it, so the gradient is the chain rule through them:

    kl_div:             t·(log t − x)      x = log q (log-probabilities), t = p (probabilities)
                        (log_target: eᵗ·(t − x), t = log p)
    poisson_nll_loss:   eˣ − t·x           (x = log λ;  log_input=False: λ − t·log(λ + eps))
    gaussian_nll_loss:  ½(log σ² + (x − t)²/σ²)     (σ² = var, clamped at eps)

``reduction`` is "mean", "sum" or "none"; kl_div also takes "batchmean" (the sum divided by the batch
size: the true KL divergence per sample, which "mean" is not).
"""

from __future__ import annotations

import math
import warnings

from glassgrad.nn.functional_distance import _check_broadcast
from glassgrad.nn.functional_loss import _legacy_reduction, _reduction
from glassgrad.tensor import Tensor

__all__ = ["kl_div", "poisson_nll_loss", "gaussian_nll_loss"]


def _reduced(loss: Tensor, reduction: str) -> Tensor:
    return loss.mean() if reduction == "mean" else loss.sum() if reduction == "sum" else loss


def _xlogx(t: Tensor) -> Tensor:
    """t·log t, taken as 0 at t = 0 (its limit), as PyTorch's xlogy(t, t)."""
    zero = t.detach() == 0
    return (t * t.masked_fill(zero, 1).log()).masked_fill(zero, 0)


def kl_div(input, target, size_average=None, reduce=None, reduction: str = "mean",  # noqa: A002
           log_target: bool = False):
    """KL(p ‖ q) pointwise: t·(log t − x) with ``input`` x = log q and ``target`` t = p (or log p when
    ``log_target``). "batchmean" divides the sum by the batch size; "mean" divides by every element
    (PyTorch warns that it is not the KL divergence)."""
    if size_average is not None or reduce is not None:
        reduction = _legacy_reduction(size_average, reduce)
    elif reduction == "mean":
        warnings.warn("reduction: 'mean' divides the total loss by both the batch size and the support "
                      "size.'batchmean' divides only by the batch size, and aligns with the KL div math "
                      "definition.'mean' will be changed to behave the same as 'batchmean' in the next "
                      "major release.", stacklevel=2)
    if reduction != "batchmean":
        reduction = _reduction(reduction)
    _check_broadcast(target._array.shape, input._array.shape)
    if log_target:
        loss = target.exp() * (target - input)
    else:
        loss = _xlogx(target) - target * input
    if reduction == "batchmean":
        loss = loss.sum()
        return loss / input.size()[0] if input.dim() != 0 else loss
    return _reduced(loss, reduction)


def poisson_nll_loss(input, target, log_input: bool = True, full: bool = False,  # noqa: A002
                     size_average=None, eps: float = 1e-8, reduce=None, reduction: str = "mean"):
    """−log Poisson(t; λ) up to a constant: eˣ − t·x for x = log λ (``log_input``), else
    λ − t·log(λ + eps). ``full`` adds Stirling's approximation of log t!, t·log t − t + ½log(2πt),
    where t > 1."""
    if size_average is not None or reduce is not None:
        reduction = _legacy_reduction(size_average, reduce)
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(f"{reduction} is not a valid value for reduction")
    if log_input:
        loss = input.exp() - target * input
    else:
        loss = input - target * (input + eps).log()
    if full:
        small = target.detach() <= 1
        safe = target.masked_fill(small, 1)
        stirling = safe * safe.log() - safe + (safe * (2 * math.pi)).log() * 0.5
        loss = loss + stirling.masked_fill(small, 0)
    return _reduced(loss, reduction)


def gaussian_nll_loss(input, target, var, full: bool = False, eps: float = 1e-6,  # noqa: A002
                      reduction: str = "mean"):
    """−log N(t; x, var) up to a constant: ½(log var + (x − t)²/var), var clamped at ``eps`` for
    stability (the clamp changes the value, not the gradient's path, as in PyTorch). ``var`` has the
    input's shape, or one dimension fewer (one variance per row), or a 1 where input has a size;
    ``full`` adds ½log(2π)."""
    if isinstance(var, float):
        if var < 0:
            raise ValueError("var has negative entry/entries")
        var = input.detach() * 0 + var
    elif (var.detach() < 0).any():
        raise ValueError("var has negative entry/entries")
    if var.size() != input.size():
        if input.size()[:-1] == var.size():
            var = var.unsqueeze(-1)
        elif not (input.dim() == var.dim() and
                  sum(b for a, b in zip(input.size(), var.size()) if a != b) == 1):
            raise ValueError("var is of incorrect size")
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(f"{reduction} is not valid")
    var = var + (var.detach().clamp_min(eps) - var.detach())
    loss = 0.5 * (var.log() + (input - target) ** 2 / var)
    if full:
        loss = loss + 0.5 * math.log(2 * math.pi)
    return _reduced(loss, reduction)
