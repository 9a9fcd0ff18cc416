"""Reductions: sum, mean, prod, max/min, var/std, logsumexp, norm, softmax and friends.

Part III. A reduction collapses axes; its backward spreads the upstream gradient back over them.
For ``sum`` every element contributed with weight 1, so each gets the upstream gradient (expanded back
to the input's shape); for ``mean``, each gets 1/n of it.
"""

from __future__ import annotations

import numpy as np

from glassgrad import dtypes
from glassgrad.autograd.function import Function
from glassgrad.ops._util import normalize_dims
from glassgrad.tensor import Tensor

__all__ = ["sum", "mean"]


def _expand_back(g, shape: tuple, axes: tuple | None, keepdim: bool):
    """Put back the reduced axes (size 1) and broadcast the gradient to the input's shape."""
    if axes is not None and not keepdim:
        g = np.reshape(g, tuple(1 if i in axes else n for i, n in enumerate(shape)))
    elif axes is None and not keepdim:
        g = np.reshape(g, (1,) * len(shape))
    return np.broadcast_to(g, shape)


class Sum(Function):
    """out = Σ x over the axes;  ∂out/∂xᵢ = 1, so grad_x = upstream broadcast back to x's shape"""

    on_arrays = differentiable_backward = True

    @staticmethod
    def forward(ctx, x, axes, keepdim, dtype):
        ctx.shape, ctx.axes, ctx.keepdim = x.shape, axes, keepdim
        if dtype is None and x.dtype.kind in "biu":
            dtype = np.int64  # PyTorch sums integers (and bools) in int64
        return np.sum(x, axis=axes, keepdims=keepdim, dtype=dtype)

    @staticmethod
    def backward(ctx, g):
        return _expand_back(g, ctx.shape, ctx.axes, ctx.keepdim), None, None, None


class Mean(Function):
    """out = (1/n) Σ x over the axes;  ∂out/∂xᵢ = 1/n"""

    on_arrays = differentiable_backward = True

    @staticmethod
    def forward(ctx, x, axes, keepdim):
        ctx.shape, ctx.axes, ctx.keepdim = x.shape, axes, keepdim
        ctx.n = x.size if axes is None else int(np.prod([x.shape[a] for a in axes]))
        return np.mean(x, axis=axes, keepdims=keepdim)

    @staticmethod
    def backward(ctx, g):
        return _expand_back(g / ctx.n, ctx.shape, ctx.axes, ctx.keepdim), None, None


def sum(input, dim=None, keepdim: bool = False, *, dtype=None):  # noqa: A001, A002
    """Sum over ``dim`` (an int, a tuple, or None for all elements)."""
    axes = normalize_dims(dim, input._array.ndim)
    np_dtype = dtypes.to_dtype(dtype).numpy if dtype is not None else None
    return Sum.apply(input, axes, keepdim, np_dtype)


def mean(input, dim=None, keepdim: bool = False, *, dtype=None):  # noqa: A002
    """Average over ``dim``; only for floating-point tensors, as in PyTorch."""
    if dtype is not None:
        input = input.to(dtype)
    if input._array.dtype.kind != "f":
        raise RuntimeError(f"mean(): could not infer output dtype. Input dtype must be either a floating "
                           f"point or complex dtype. Got: {input.dtype.name.capitalize()}")
    return Mean.apply(input, normalize_dims(dim, input._array.ndim), keepdim)


TENSOR_METHODS = {"sum": sum, "mean": mean}

NUMPY = {
    np.sum: lambda a, axis=None, keepdims=False, dtype=None: sum(a, axis, keepdims),
    np.mean: lambda a, axis=None, keepdims=False: mean(a, axis, keepdims),
}
