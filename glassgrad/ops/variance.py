"""Variance and standard deviation: ``var``, ``std``, ``var_mean``, ``std_mean``.

Part III, after ``reduce.py`` (the sum and mean they are built from). The variance is the mean squared
distance from the mean, Σ (x - x̄)² / (n - c); its gradient 2 (xᵢ - x̄) / (n - c) pushes every element
away from (or towards) the mean. ``correction`` c is 1 by default (Bessel's unbiased estimate).
"""

from __future__ import annotations

import warnings

import numpy as np

from glassgrad.dtypes import is_float
from glassgrad.autograd.function import Primitive
from glassgrad.ops._util import torch_keywords
from glassgrad.ops.reduce import MeanDim, _axes, _count, _expand_back

__all__ = ["var", "std", "var_mean", "std_mean"]


class Var(Primitive):
    """out = Σ (x - x̄)² / (n - c)   (c = the correction: 1 for the unbiased estimate, 0 for the mean);
    ∂out/∂xᵢ = 2 (xᵢ - x̄) / (n - c)   (x̄ moves with xᵢ too, but Σ (x - x̄) = 0 cancels that term)"""

    @staticmethod
    def forward(ctx, x, axes, keepdim, dof):
        d = x - np.mean(x, axis=axes, keepdims=True)
        ctx.save_for_backward(x)
        ctx.axes, ctx.keepdim, ctx.dof = axes, keepdim, dof
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.sum(d * d, axis=axes, keepdims=keepdim) / x.dtype.type(dof)

    @staticmethod
    def backward(ctx, g):
        x, = ctx.saved_tensors
        d = x - np.mean(x, axis=ctx.axes, keepdims=True)
        scale = 2.0 / ctx.dof if ctx.dof else np.inf
        with np.errstate(invalid="ignore"):
            return _expand_back(g, x.shape, ctx.axes, ctx.keepdim) * d * scale, None, None, None


class Std(Primitive):
    """out = √var;  ∂out/∂xᵢ = (xᵢ - x̄) / ((n - c)·out), taken as 0 where out = 0 (as PyTorch)"""

    @staticmethod
    def forward(ctx, x, axes, keepdim, dof):
        d = x - np.mean(x, axis=axes, keepdims=True)
        with np.errstate(divide="ignore", invalid="ignore"):
            out = np.asarray(np.sqrt(np.sum(d * d, axis=axes, keepdims=keepdim) / x.dtype.type(dof)))
        ctx.save_for_backward(x, out)  # (an array, not a numpy scalar, so create_graph can find it)
        ctx.axes, ctx.keepdim, ctx.dof = axes, keepdim, dof
        return out

    @staticmethod
    def backward(ctx, g):
        x, out = ctx.saved_tensors
        axes, keepdim = ctx.axes, ctx.keepdim
        d = x - np.mean(x, axis=axes, keepdims=True)
        out = _expand_back(np.where(out == 0, np.inf, out), x.shape, axes, keepdim)  # g/inf = 0
        with np.errstate(divide="ignore", invalid="ignore"):
            return _expand_back(g, x.shape, axes, keepdim) * d / (out * ctx.dof), None, None, None


# var_mean and std_mean: PyTorch computes both in one node (VarMeanBackward0); glassgrad's nodes have
# one output, so each of the two gets a node of that name.
class VarOfVarMean(Var):
    node_name = "VarMeanBackward0"


class StdOfStdMean(Std):
    node_name = "StdMeanBackward0"


class MeanOfVarMean(MeanDim):
    node_name = "VarMeanBackward0"


class MeanOfStdMean(MeanDim):
    node_name = "StdMeanBackward0"


def _var_args(name: str, input, dim, unbiased, correction):  # noqa: A002
    """PyTorch's overloads: var(x, dim, unbiased, keepdim), var(x, unbiased), var(x, dim, correction=)."""
    if isinstance(dim, bool):  # var(x, False): the legacy unbiased flag in dim's place
        dim, unbiased = None, dim
    if unbiased is not None and correction is not None:
        raise TypeError(f"{name}(): pass either 'unbiased' or 'correction', not both")
    if not is_float(input._array.dtype):
        raise RuntimeError("std and var only support floating point and complex dtypes")
    if correction is None:
        correction = 0 if unbiased is False else 1
    axes = _axes(input, dim)
    dof = max(0, _count(input._array.shape, axes) - correction)
    if dof == 0:
        warnings.warn(f"{name}(): degrees of freedom is <= 0. Correction should be strictly less than "
                      "the reduction factor (input numel divided by output numel).", UserWarning,
                      stacklevel=3)
    return axes, dof


@torch_keywords(out="cast")
def var(input, dim=None, unbiased=None, keepdim: bool = False, *, correction=None):  # noqa: A002
    """Variance over ``dim``: Σ (x - x̄)² / (n - correction); ``correction=1`` (Bessel) by default."""
    axes, dof = _var_args("var", input, dim, unbiased, correction)
    return Var.apply(input, axes, keepdim, dof)


@torch_keywords(out="cast")
def std(input, dim=None, unbiased=None, keepdim: bool = False, *, correction=None):  # noqa: A002
    """Standard deviation over ``dim``: √var (see ``var`` for ``correction``/``unbiased``)."""
    axes, dof = _var_args("std", input, dim, unbiased, correction)
    return Std.apply(input, axes, keepdim, dof)


def _with_mean(name: str, spread, mean_op, input, dim, unbiased, keepdim, correction):  # noqa: A002
    axes, dof = _var_args(name, input, dim, unbiased, correction)
    return spread.apply(input, axes, keepdim, dof), mean_op.apply(input, axes, keepdim)


@torch_keywords
def var_mean(input, dim=None, unbiased=None, keepdim: bool = False, *, correction=None):  # noqa: A002
    """``(var, mean)`` over ``dim``."""
    return _with_mean("var_mean", VarOfVarMean, MeanOfVarMean, input, dim, unbiased, keepdim, correction)


@torch_keywords
def std_mean(input, dim=None, unbiased=None, keepdim: bool = False, *, correction=None):  # noqa: A002
    """``(std, mean)`` over ``dim``."""
    return _with_mean("std_mean", StdOfStdMean, MeanOfStdMean, input, dim, unbiased, keepdim, correction)


TENSOR_METHODS = {"var": var, "std": std}
