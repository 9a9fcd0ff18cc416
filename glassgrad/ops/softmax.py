"""``softmax`` and ``log_softmax``: scores along one dim turned into probabilities (or their logs).

Part III, after ``reduce.py`` (which gives the max and the sum they are built from). Each has its own
explicit backward, because the derivative is the lesson behind every classifier: chained with
``nll_loss`` (nn/functional_loss.py), log_softmax's backward turns into the famous
∂(cross-entropy)/∂z = softmax(z) − onehot(target).

Both subtract the max first: e^(x - m) / Σ e^(x - m) is the same number, and never overflows.
"""

from __future__ import annotations

import numpy as np

from glassgrad.autograd.function import Primitive
from glassgrad.dtypes import TORCH_NAMES, is_float
from glassgrad.ops._util import torch_keywords
from glassgrad.ops.reduce import _one_dim, _row_max, _row_sum

__all__ = ["softmax", "log_softmax"]


class Softmax(Primitive):
    """yᵢ = e^(xᵢ - m) / Σⱼ e^(xⱼ - m)   (m = max x: the same y, with no overflow)
    ∂yᵢ/∂xⱼ = yᵢ(δᵢⱼ - yⱼ), so the vector-Jacobian product is  grad_x = y ⊙ (g - Σ g ⊙ y)"""

    @staticmethod
    def forward(ctx, x, axis):
        e = _softmax_last(x) if _is_last(x, axis) else _softmax_plain(x, axis)
        ctx.save_for_backward(e)
        ctx.axis = axis
        return e

    @staticmethod
    def backward(ctx, g):
        y, = ctx.saved_tensors
        if isinstance(g, np.ndarray) and _is_last(y, ctx.axis):  # arrays (not create_graph's Tensors)
            return _softmax_last_backward(y, g), None
        return y * (g - np.sum(g * y, axis=ctx.axis, keepdims=True)), None


def _is_last(x, axis) -> bool:
    return axis is not None and x.ndim > 0 and axis in (-1, x.ndim - 1)


def _softmax_plain(x, axis):
    e = np.exp(x - x.max(axis=axis, keepdims=True))  # (array methods: fewer Python steps than np.max)
    e /= e.sum(axis=axis, keepdims=True)
    return e


def _softmax_last(x):
    """Softmax along the last axis (attention scores, logits) in one buffer, with the row max and row
    sum of reduce.py: on 4096 rows of 64 less than half the time of ``_softmax_plain``."""
    e = np.subtract(x, _row_max(x))
    np.exp(e, out=e)
    e /= _row_sum(e)
    return e


def _softmax_last_backward(y, g):
    """y ⊙ (g − Σ g ⊙ y) along the last axis in one buffer (three fewer arrays than the plain line)."""
    grad = g * y
    np.subtract(g, _row_sum(grad), out=grad)
    grad *= y
    return grad


class LogSoftmax(Primitive):
    """yᵢ = xᵢ - log Σⱼ e^(xⱼ)   (as (xᵢ - m) - log Σ e^(xⱼ - m), m = max x)
    ∂yᵢ/∂xⱼ = δᵢⱼ - softmax(x)ⱼ, so  grad_x = g - softmax(x) · Σ g,  with softmax(x) = e^y"""

    @staticmethod
    def forward(ctx, x, axis):
        if _is_last(x, axis):
            y = _log_softmax_last(x)
        else:
            shifted = x - x.max(axis=axis, keepdims=True)
            y = shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))
        ctx.save_for_backward(y)
        ctx.axis = axis
        return y

    @staticmethod
    def backward(ctx, g):
        y, = ctx.saved_tensors
        if isinstance(g, np.ndarray) and _is_last(y, ctx.axis):  # arrays (not create_graph's Tensors)
            grad = np.exp(y)  # g − e^y·Σg in this one buffer
            grad *= _row_sum(g)
            return np.subtract(g, grad, out=grad), None
        return g - np.exp(y) * np.sum(g, axis=ctx.axis, keepdims=True), None


def _log_softmax_last(x):
    """log_softmax along the last axis (a classifier's logits) with the row max and row sum of
    reduce.py, the result written over the shifted scores."""
    y = np.subtract(x, _row_max(x))
    y -= np.log(_row_sum(np.exp(y)))
    return y


def _softmax_input(name: str, input, dim, dtype):  # noqa: A002
    if dtype is not None:
        input = input.to(dtype)
    axis = _one_dim(name, input, dim)
    if not is_float(input._array.dtype):
        last = axis is None or axis == input._array.ndim - 1
        raise NotImplementedError(f'"{name}_{"lastdim_" if last else ""}kernel_impl" not implemented for '
                                  f"'{TORCH_NAMES.get(input._array.dtype.name, input.dtype.name)}'")
    return input, axis


@torch_keywords(out="same")
def softmax(input, dim, dtype=None):  # noqa: A002
    """e^x / Σ e^x along ``dim``: positive numbers that sum to 1 (computed without overflow)."""
    input, axis = _softmax_input("softmax", input, dim, dtype)
    return Softmax.apply(input, axis)


@torch_keywords(out="same")
def log_softmax(input, dim, dtype=None):  # noqa: A002
    """log(softmax(x)) along ``dim``, computed directly (stable where softmax underflows to 0)."""
    input, axis = _softmax_input("log_softmax", input, dim, dtype)
    return LogSoftmax.apply(input, axis)


TENSOR_METHODS = {"softmax": softmax, "log_softmax": log_softmax}
