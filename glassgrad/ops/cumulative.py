"""Cumulative sums: ``cumsum``, whose backward is a cumulative sum running the other way.

Part III, after ``reduce.py``. ``outᵢ = x₀ + … + xᵢ`` keeps every partial sum instead of only the last
one (that is ``sum``), so element xⱼ reaches every output from position j on:
∂L/∂xⱼ = Σ_{i≥j} gᵢ, the cumulative sum of g taken from the end.
"""

from __future__ import annotations

import numpy as np

from glassgrad import dtypes
from glassgrad.autograd.function import Primitive
from glassgrad.ops._util import torch_keywords
from glassgrad.ops.reduce import _one_dim
from glassgrad.tensor import Tensor

__all__ = ["cumsum"]


class Cumsum(Primitive):
    """outᵢ = Σ_{j≤i} xⱼ along the axis;  ∂L/∂xⱼ = Σ_{i≥j} gᵢ: the reversed cumulative sum of g

    A 0-d x (axis None) is its own cumulative sum: out = x, grad_x = g."""

    @staticmethod
    def forward(ctx, x, axis, dtype):
        ctx.axis = axis
        if dtype is None and x.dtype.kind in "biu":
            dtype = np.int64  # PyTorch sums integers (and bools) in int64
        if axis is None:
            return np.array(x, dtype=dtype)
        return np.cumsum(x, axis=axis, dtype=dtype)

    @staticmethod
    def backward(ctx, g):
        if ctx.axis is None:
            return g, None, None
        if isinstance(g, Tensor):  # create_graph: record it as an op of its own
            return ReverseCumsum.apply(g, ctx.axis), None, None
        return ReverseCumsum.forward(ctx, g, ctx.axis), None, None


class ReverseCumsum(Primitive):
    """outᵢ = Σ_{j≥i} xⱼ along the axis (cumsum's backward);  its own backward is cumsum"""

    @staticmethod
    def forward(ctx, x, axis):
        ctx.axis = axis
        return np.flip(np.cumsum(np.flip(x, axis), axis=axis), axis)

    @staticmethod
    def backward(ctx, g):
        if isinstance(g, Tensor):
            return Cumsum.apply(g, ctx.axis, None), None
        return np.cumsum(g, axis=ctx.axis), None


@torch_keywords(out="any")
def cumsum(input, dim, *, dtype=None):  # noqa: A002
    """Running sum along ``dim``: outᵢ = x₀ + … + xᵢ."""
    axis = _one_dim("cumsum", input, dim)
    return Cumsum.apply(input, axis, dtypes.to_dtype(dtype).numpy if dtype else None)


TENSOR_METHODS = {"cumsum": cumsum}
