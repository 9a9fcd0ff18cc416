"""``embedding_bag``: look rows up and reduce each bag of them at once, as
``torch.nn.functional.embedding_bag``.

Part III, nn chapter (after functional_shape.py's ``embedding``). The indices come flat, with
``offsets`` saying where each bag starts (or as a 2-D (B, N) batch of equal bags). Per bag b:

    sum:   out[b] = Σ_(i in b) w_i·W[idx_i]       (w_i: per_sample_weights, 1 by default)
    mean:  out[b] = Σ_(i in b) W[idx_i] / |b|
    max:   out[b, d] = max_(i in b) W[idx_i, d]

Rows equal to ``padding_idx`` are left out of their bag (and of |b|); an empty bag gives zeros.
Gradients go back only to the rows looked up: ∂L/∂W[idx_i] += w_i·g[b] (sum), g[b]/|b| (mean), or
g[b, d] to the row that won dimension d (max); ∂L/∂w_i = ⟨g[b], W[idx_i]⟩.
"""

from __future__ import annotations

import numpy as np

from glassgrad.autograd.function import Primitive
from glassgrad.dtypes import TORCH_NAMES
from glassgrad.tensor import Tensor

__all__ = ["embedding_bag"]


class EmbeddingBag(Primitive):
    """out[b] = reduce over bag b of W[idx_i] (see the module docstring for sum, mean and max and
    their gradients)."""

    differentiable_backward = False  # its backward is numpy on arrays: no second derivatives yet

    @staticmethod
    def forward(ctx, weight, idx, bag, n_bags, mode, keep, psw):
        rows = weight[idx[keep]]
        bags = bag[keep]
        out = np.zeros((n_bags, weight.shape[1]), weight.dtype)
        counts = np.bincount(bags, minlength=n_bags)
        winner = None
        if mode == "max":
            winner = np.full((n_bags, weight.shape[1]), -1, np.int64)
            for b in np.flatnonzero(counts):
                members = np.flatnonzero(bags == b)
                best = np.argmax(rows[members], axis=0)  # the first maximum per dimension
                winner[b] = idx[keep][members[best]]
                out[b] = rows[members[best], np.arange(weight.shape[1])]
        else:
            if psw is not None:
                rows = rows * psw[keep][:, None]
            np.add.at(out, bags, rows)
            if mode == "mean":
                out = out / np.maximum(counts, 1)[:, None].astype(weight.dtype)
        ctx.saved = (idx[keep], bags, counts, winner, weight.shape, mode, keep, psw)
        ctx.save_for_backward(weight)
        return out.astype(weight.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        idx, bags, counts, winner, shape, mode, keep, psw = ctx.saved
        (weight,) = ctx.saved_tensors
        grad_w = np.zeros(shape, g.dtype)
        if mode == "max":
            won = winner >= 0
            cols = np.broadcast_to(np.arange(shape[1]), winner.shape)
            np.add.at(grad_w, (winner[won], cols[won]), g[won])
        else:
            share = g[bags]
            if mode == "mean":
                share = share / counts[bags][:, None]
            elif psw is not None:
                share = share * psw[keep][:, None]
            np.add.at(grad_w, idx, share)
        grad_psw = None
        if psw is not None and ctx.needs_input_grad[6]:
            grad_psw = np.zeros(keep.shape, g.dtype)
            grad_psw[keep] = np.sum(g[bags] * weight[idx], axis=1)
        return grad_w, None, None, None, None, None, grad_psw


def embedding_bag(input, weight, offsets=None, max_norm=None, norm_type: float = 2,  # noqa: A002
                  scale_grad_by_freq: bool = False, mode: str = "mean", sparse: bool = False,
                  per_sample_weights=None, include_last_offset: bool = False, padding_idx=None):
    """Sums, means or maxima of bags of embedding rows, without building the (bags, size, dim) tensor
    in between: ``input`` holds indices (1-D with ``offsets``, or 2-D: one bag per row)."""
    if per_sample_weights is not None and input.size() != per_sample_weights.size():
        raise ValueError(f"embedding_bag: If per_sample_weights ({per_sample_weights.shape}) is not None, "
                         f"then it must have the same shape as the input ({input.shape})")
    if weight.dim() != 2:
        raise ValueError(f"weight has to be a 2D Tensor, but got Tensor of dimension {weight.dim()}")
    idx = input._array
    if idx.ndim == 2:
        if offsets is not None:
            raise ValueError("if input is 2D, then offsets has to be None, as input is treated is a "
                             "mini-batch of fixed length sequences. However, found offsets of type "
                             f"{type(offsets)}".replace("glassgrad", "torch"))
        starts = np.arange(0, idx.size, max(idx.shape[1], 1))[:idx.shape[0]]
        include_last_offset = False
        idx = idx.reshape(-1)
    elif idx.ndim == 1:
        if offsets is None:
            raise ValueError("offsets has to be a 1D Tensor but got None")
        if offsets.dim() != 1:
            raise ValueError("offsets has to be a 1D Tensor")
        starts = offsets._array
    else:
        raise ValueError(f"input has to be 1D or 2D Tensor, but got Tensor of dimension {idx.ndim}")
    if mode not in ("sum", "mean", "max"):
        raise ValueError("mode has to be one of sum, mean or max")
    if mode == "max" and scale_grad_by_freq:
        raise ValueError("max mode does not support scaling the gradient by the frequency")
    if mode == "max" and sparse:
        raise ValueError("max mode does not support sparse weights")
    if per_sample_weights is not None and mode != "sum":
        raise NotImplementedError("embedding_bag: per_sample_weights was not None. per_sample_weights is only "
                                  f"supported for mode='sum' (got mode='{mode}'). Please open a feature "
                                  "request on GitHub.")
    if scale_grad_by_freq or sparse:
        raise NotImplementedError("embedding_bag: scale_grad_by_freq and sparse are not supported")
    if idx.dtype.kind not in "iu":
        raise RuntimeError("Expected tensor for argument #1 'indices' to have one of the following scalar types: "
                           f"Long, Int; but got torch.{TORCH_NAMES.get(idx.dtype.name, idx.dtype.name)}Tensor "
                           "instead (while checking arguments for embedding_bag)")
    if len(starts) and starts[0] != 0:
        raise RuntimeError("offsets[0] has to be 0, i.e., the first sequence in the mini-batch has to start "
                           f"from position 0. However, got {starts[0]}\n[ torch.LongTensor{{}} ]")
    if len(starts) and starts[-1] > idx.size:
        raise RuntimeError(f"offsets[-1] can not be greater than input's length {idx.size} but got offsets[-1] "
                           f"of {starts[-1]}")
    n_rows = weight.shape[0]
    bad = np.flatnonzero((idx < 0) | (idx >= n_rows))
    if bad.size:
        raise RuntimeError(f"Index {bad[0]} of input takes value {idx[bad[0]]} which is not in the valid range "
                           f"[0, {n_rows})")
    if include_last_offset:
        if len(starts) == 0:
            raise RuntimeError("include_last_offset: number of offsets should be at least 1")
        starts, n_bags = starts[:-1], len(starts) - 1
    else:
        n_bags = len(starts)
    if max_norm is not None:  # renormalise the rows that are looked up, in place, as PyTorch
        rows = np.unique(idx)
        w = weight._array
        norms = np.linalg.norm(w[rows], ord=norm_type, axis=1, keepdims=True)
        w[rows] = w[rows] * np.where(norms > max_norm, max_norm / (norms + 1e-7), 1.0)
        weight._vc[0] += 1
    bag = np.searchsorted(starts, np.arange(idx.size), side="right") - 1
    keep = bag >= 0
    if padding_idx is not None:
        padding_idx = padding_idx % n_rows if -n_rows <= padding_idx < n_rows else padding_idx
        keep &= idx != padding_idx
    psw = per_sample_weights
    if psw is not None and psw.dim() == 2:
        psw = psw.reshape(-1)
    return EmbeddingBag.apply(weight, Tensor._wrap(idx), Tensor._wrap(bag), n_bags, mode, keep, psw)
