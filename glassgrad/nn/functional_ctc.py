"""The connectionist temporal classification loss, ``ctc_loss``, as in ``torch.nn.functional``.

Part III, nn chapter (the last loss). A speech or handwriting model emits, at each of T steps, log
probabilities over C symbols, one of them ``blank``. A label sequence l (length S) is read off a path
of T symbols by merging repeats and then dropping blanks; the loss is −log of the total probability
of every path that reads l. The forward-backward algorithm sums over the paths in O(T·S), on the
extended label l' = (blank, l₁, blank, l₂, …, l_S, blank) of length 2S + 1, in log space:

    α_t(s) = lp_t(l'_s) + logsumexp(α_{t−1}(s), α_{t−1}(s−1), α_{t−1}(s−2) [if l'_s ≠ blank, l'_s ≠ l'_{s−2}])
    β_t(s) = lp_t(l'_s) + logsumexp(β_{t+1}(s), β_{t+1}(s+1), β_{t+1}(s+2) [same rule at s+2])
    loss   = −logsumexp(α_{T−1}(2S), α_{T−1}(2S − 1))

α_t(s)·β_t(s)/y_t(l'_s) sums, over s, to the probability p at every t, which gives the gradient. As
PyTorch writes it (the gradient for log-softmax outputs, the usual input):

    ∂loss/∂lp_t(c) = e^{lp_t(c)} − e^{logsumexp_{s: l'_s = c}(α_t(s) + β_t(s)) + loss − lp_t(c)}

(0 beyond a sample's input length). "mean" divides each sample's loss by its target length, then
averages; ``zero_infinity`` turns the infinite loss of an impossible alignment (and its gradient) to 0.
"""

from __future__ import annotations

import numbers

import numpy as np

from glassgrad.autograd.function import Primitive
from glassgrad.dtypes import TORCH_NAMES
from glassgrad.tensor import Tensor

__all__ = ["ctc_loss"]


def _shift(a: np.ndarray, k: int) -> np.ndarray:
    """a moved k places along the last axis (right for k > 0, left for k < 0), −∞ filled in."""
    out = np.full_like(a, -np.inf)
    if k > 0:
        out[..., k:] = a[..., :-k]
    else:
        out[..., :k] = a[..., -k:]
    return out


class CtcLoss(Primitive):
    """Per sample n: loss_n = −log Σ_paths Π_t y_t(path_t) by the α/β recursions of the module
    docstring;  ∂loss_n/∂lp_t(c) = e^{lp} − e^{logsumexp(α + β over l'_s = c) + loss_n − lp} (t < T_n)."""

    @staticmethod
    def forward(ctx, lp, labels, input_lengths, target_lengths, zero_infinity):
        T, N, _ = lp.shape
        L = labels.shape[1]
        with np.errstate(divide="ignore", invalid="ignore"):
            emit = np.take_along_axis(lp.transpose(1, 0, 2), labels[:, None, :], 2).transpose(1, 0, 2)  # (T, N, L)
        s = np.arange(L)
        valid = s[None, :] < (2 * target_lengths + 1)[:, None]
        blank = labels[:, :1]
        skip = np.zeros((N, L), bool)  # may a path jump from s − 2 to s?
        skip[:, 2:] = (labels[:, 2:] != blank) & (labels[:, 2:] != labels[:, :-2])
        alpha = np.full((T, N, L), -np.inf, lp.dtype)
        beta = np.full((T, N, L), -np.inf, lp.dtype)
        alpha[0, :, 0] = emit[0, :, 0]
        alpha[0, :, 1] = np.where(target_lengths > 0, emit[0, :, 1], -np.inf)
        alpha[0][~valid] = -np.inf
        for t in range(1, T):
            a = alpha[t - 1]
            reach = np.logaddexp(np.logaddexp(a, _shift(a, 1)), np.where(skip, _shift(a, 2), -np.inf))
            alpha[t] = np.where(valid & (t < input_lengths)[:, None], reach + emit[t], -np.inf)
        last = input_lengths - 1
        end = 2 * target_lengths
        rows = np.arange(N)
        at_end = alpha[last, rows]
        log_p = np.logaddexp(at_end[rows, end], np.where(end > 0, at_end[rows, np.maximum(end - 1, 0)], -np.inf))
        nll = -log_p
        skip_next = np.zeros((N, L), bool)  # may a path jump from s + 2 back to s?
        skip_next[:, :-2] = skip[:, 2:]
        for t in range(T - 1, -1, -1):
            start = np.full((N, L), -np.inf, lp.dtype)
            start[rows, end] = emit[t, rows, end]
            start[rows, np.maximum(end - 1, 0)] = np.where(end > 0, emit[t, rows, np.maximum(end - 1, 0)],
                                                           start[rows, 0])
            if t < T - 1:
                b = beta[t + 1]
                reach = np.logaddexp(np.logaddexp(b, _shift(b, -1)), np.where(skip_next, _shift(b, -2), -np.inf))
                step = np.where(valid, reach + emit[t], -np.inf)
            else:
                step = np.full((N, L), -np.inf, lp.dtype)
            beta[t] = np.where((t == last)[:, None], start, np.where((t < last)[:, None], step, -np.inf))
        ctx.saved = (alpha, beta, labels, valid, input_lengths, nll, zero_infinity)
        ctx.save_for_backward(lp)
        return nll.astype(lp.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        alpha, beta, labels, valid, input_lengths, nll, zero_infinity = ctx.saved
        (lp,) = ctx.saved_tensors
        T, N, C = lp.shape
        lcab = np.full((T, N, C), -np.inf, lp.dtype)  # logsumexp of α + β over the s that carry c
        t_idx, n_idx, s_idx = np.nonzero(np.broadcast_to(valid, alpha.shape))
        np.logaddexp.at(lcab, (t_idx, n_idx, labels[n_idx, s_idx]), (alpha + beta)[t_idx, n_idx, s_idx])
        with np.errstate(over="ignore", invalid="ignore"):
            grad = np.exp(lp) - np.exp(lcab + nll[None, :, None] - lp)
        grad[np.arange(T)[:, None] >= input_lengths[None, :]] = 0
        if zero_infinity:
            grad[:, np.isinf(nll)] = 0
        return grad * g[None, :, None], None, None, None, None


def _lengths(value, name: str) -> np.ndarray:
    if isinstance(value, Tensor):
        return value._array.reshape(-1).astype(np.int64)
    if isinstance(value, numbers.Integral):
        return np.array([value], np.int64)
    return np.asarray(list(value), np.int64)


def ctc_loss(log_probs, targets, input_lengths, target_lengths, blank: int = 0,
             reduction: str = "mean", zero_infinity: bool = False):
    """−log p(target | log_probs) summed over every alignment (forward-backward, see CtcLoss).

    log_probs (T, N, C) (log_softmax outputs) or unbatched (T, C); targets (N, S) padded or 1-D, all
    targets concatenated; input_lengths and target_lengths one per sample (tensors or sequences)."""
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(f"{reduction} is not a valid value for reduction")
    lp = log_probs._array
    batched = lp.ndim == 3
    if lp.ndim not in (2, 3):
        raise RuntimeError(f"Expected 3-dimensional tensor, but got {lp.ndim + (lp.ndim != 2)}-dimensional tensor "
                           "for argument #1 'log_probs' (while checking arguments for ctc_loss_allocate_outputs)")
    lp3 = lp if batched else lp[:, None, :]
    T, N, C = lp3.shape
    in_len, tgt_len = _lengths(input_lengths, "input_lengths"), _lengths(target_lengths, "target_lengths")
    if len(in_len) != N:
        raise RuntimeError("input_lengths must be of size batch_size")
    if len(tgt_len) != N:
        raise RuntimeError("target_lengths must be of size batch_size")
    if not 0 <= blank < C:
        raise RuntimeError("blank must be in label range")
    tg = targets._array if batched or targets._array.ndim == 1 else targets._array
    if not batched:
        tg = tg.reshape(1, -1)
    if tg.dtype.kind not in "iuf":
        raise RuntimeError(f"ctc_loss: targets of type {TORCH_NAMES.get(tg.dtype.name)} are not supported")
    tg = tg.astype(np.int64)
    for n in range(N):
        if in_len[n] > T:
            raise RuntimeError(f"Expected input_lengths to have value at most {T}, but got value {in_len[n]} "
                               "(while checking arguments for ctc_loss_allocate_outputs)")
    if tg.ndim == 2:  # (N, S): each row padded
        if tgt_len.size and tg.shape[1] < tgt_len.max():
            raise RuntimeError(f"Expected tensor to have size at least {tgt_len.max()} at dimension 1, but got "
                               f"size {tg.shape[1]} for argument #2 'targets' (while checking arguments for "
                               "ctc_loss_allocate_outputs)")
        rows = [tg[n, :tgt_len[n]] for n in range(N)]
    else:  # concatenated
        starts = np.concatenate([[0], np.cumsum(tgt_len)])
        rows = [tg[starts[n]:starts[n + 1]] for n in range(N)]
    longest = int(tgt_len.max()) if N else 0
    labels = np.full((N, 2 * longest + 1), blank, np.int64)
    for n, row in enumerate(rows):
        labels[n, 1:2 * len(row):2] = row
    loss = CtcLoss.apply(log_probs if batched else log_probs.unsqueeze(1), labels, in_len, tgt_len,
                         bool(zero_infinity))
    if zero_infinity:
        loss = loss.where(loss != float("inf"), Tensor._wrap(np.zeros(loss.shape, lp.dtype)))
    if not batched:
        loss = loss.squeeze(0)
    if reduction == "mean":
        divisor = Tensor._wrap(np.maximum(tgt_len, 1).astype(lp.dtype).reshape(loss.shape))
        return (loss / divisor).mean()
    return loss.sum() if reduction == "sum" else loss
