"""Running extremes and order statistics: cummax, cummin, logcumsumexp, quantile, nanquantile, mode,
and renorm (rescale the slices whose norm is too large).

Part III, ops/ reading order: after gather_scatter, whose ``Gather`` carries the gradient of every op
here that *selects* an element (cummax, cummin, mode): the gradient goes back to the chosen element.
quantile is a composition: sort, gather the two neighbours of the rank q·(n − 1), and lerp between them.
"""

from __future__ import annotations

import collections
import numbers

import numpy as np

from glassgrad.dtypes import is_float
from glassgrad import dtypes
from glassgrad.autograd.function import Primitive
from glassgrad.ops._util import operand, torch_keywords
from glassgrad.ops.elementwise import lerp, where
from glassgrad.ops.gather_scatter import Gather, gather, sort
from glassgrad.ops.linalg import SqueezeResult, norm
from glassgrad.tensor import Tensor

__all__ = ["cummax", "cummin", "logcumsumexp", "quantile", "nanquantile", "mode", "renorm"]


def _values_indices(name: str):
    base = collections.namedtuple(name, ["values", "indices"])

    def __repr__(self) -> str:
        return f"{dtypes.SHOWN_AS}.return_types.{name}(\nvalues={self.values!r},\nindices={self.indices!r})"
    return type(name, (base,), {"__slots__": (), "__repr__": __repr__, "__module__": "glassgrad.return_types"})


_cummax_result, _cummin_result, _mode_result = (_values_indices("cummax"), _values_indices("cummin"),
                                                _values_indices("mode"))


class Cummax(Gather):  # the running maximum: a gather at the index of the maximum so far
    pass


class Cummin(Gather):
    pass


class Mode(Gather):
    """mode's values: a gather at the chosen index, the gathered dim dropped unless keepdim"""

    differentiable_backward = False

    @staticmethod
    def forward(ctx, x, dim, index, keepdim):
        out = Gather.forward(ctx, x, dim, index)
        ctx.keepdim = keepdim
        return out if keepdim else np.squeeze(out, dim)

    @staticmethod
    def backward(ctx, g):
        return Gather.backward(ctx, g if ctx.keepdim else np.expand_dims(g, ctx.dim))[0], None, None, None


def _running_index(a: np.ndarray, d: int, better) -> np.ndarray:
    """Index along axis d of the best element so far; a later element ties the best and wins (PyTorch)."""
    a = np.moveaxis(a, d, -1)
    index = np.zeros(a.shape, np.int64)
    best = a[..., 0].copy() if a.shape[-1] else a[..., :0]
    current = np.zeros(a.shape[:-1], np.int64)
    for i in range(a.shape[-1]):
        take = better(a[..., i], best) | (a[..., i] == best) | np.isnan(a[..., i])
        take &= ~np.isnan(best) | (i == 0)  # a nan stays the extreme once seen
        best = np.where(take, a[..., i], best)
        current = np.where(take, i, current)
        index[..., i] = current
    return np.moveaxis(index, -1, d)


def _cumulative_extreme(input, dim, better, node, result):  # noqa: A002
    input = operand(input, "input")
    if input._array.ndim == 0:
        return result(input.clone(), Tensor._wrap(np.zeros((), np.int64)))
    d = input._dim(dim)
    index = _running_index(input._array, d, better)
    return result(node.apply(input, d, index), Tensor._wrap(index))


def cummax(input, dim):  # noqa: A002
    """(values, indices): the maximum of x₀ … xᵢ along ``dim`` and where it is."""
    return _cumulative_extreme(input, dim, np.greater, Cummax, _cummax_result)


def cummin(input, dim):  # noqa: A002
    """(values, indices): the minimum of x₀ … xᵢ along ``dim`` and where it is."""
    return _cumulative_extreme(input, dim, np.less, Cummin, _cummin_result)


class Logcumsumexp(Primitive):
    """outᵢ = log Σ_{j≤i} e^(xⱼ) (numpy's logaddexp.accumulate: no overflow);
    ∂L/∂xⱼ = Σ_{i≥j} gᵢ e^(xⱼ − outᵢ), summed in log space, positive and negative gᵢ apart"""

    one_tensor_input = True
    differentiable_backward = False

    @staticmethod
    def forward(ctx, x, axis):
        out = np.logaddexp.accumulate(x, axis=axis) if x.ndim else x.copy()
        ctx.save_for_backward(x, out)
        ctx.axis = axis
        return out

    @staticmethod
    def backward(ctx, g):
        x, out = ctx.saved_tensors
        if x.ndim == 0:
            return g, None
        axis = ctx.axis

        def reverse_logsum(v):  # log Σ_{i≥j} v_i, for v ≥ 0
            with np.errstate(divide="ignore"):
                logs = np.log(v) - out
            return np.flip(np.logaddexp.accumulate(np.flip(logs, axis), axis=axis), axis)
        with np.errstate(over="ignore", invalid="ignore"):
            return np.exp(x + reverse_logsum(np.maximum(g, 0))) - np.exp(x + reverse_logsum(np.maximum(-g, 0))), None


@torch_keywords(out="same")
def logcumsumexp(input, dim):  # noqa: A002
    """log of the running sum of exp(x) along ``dim``."""
    input = operand(input, "input")
    if not is_float(input._array.dtype):
        input = input.to(dtypes.get_default_dtype())
    return Logcumsumexp.apply(input, input._dim(dim) if input._array.ndim else None)


# --- quantiles ---------------------------------------------------------------------------------------
_INTERPOLATIONS = ("linear", "lower", "higher", "midpoint", "nearest")


def _quantile(input, q, dim, keepdim, interpolation, ignore_nan):  # noqa: A002
    name = "quantile"  # PyTorch's messages say quantile() for nanquantile too
    input = operand(input, "input")
    if input._array.dtype not in (np.float32, np.float64):
        raise RuntimeError(f"{name}() input tensor must be either float or double dtype")
    if interpolation not in _INTERPOLATIONS:
        raise RuntimeError(f"{name}() interpolation must be one of linear, lower, higher, midpoint or nearest, "
                           f"but got {interpolation}")
    scalar_q = isinstance(q, numbers.Real)
    qs = np.atleast_1d(np.asarray(q._array if isinstance(q, Tensor) else q, np.float64))
    if qs.ndim > 1:
        raise RuntimeError(f"{name}() q must be a scalar or 1D tensor")
    if isinstance(q, Tensor) and q._array.dtype != input._array.dtype:
        raise RuntimeError(f"{name}() q tensor must be same dtype as the input tensor")
    if np.any((qs < 0) | (qs > 1)):
        raise RuntimeError(f"{name}() q must be in the range [0, 1] but got {qs[(qs < 0) | (qs > 1)][0]:g}"
                           if scalar_q else f"{name}() q values must be in the range [0, 1]")
    if input.numel() == 0:
        raise RuntimeError(f"{name}() input tensor must be non-empty")
    if dim is None:
        rows, out_shape = input.reshape(-1), (1,) * input.dim() if keepdim else ()
    else:
        d = input._dim(dim)
        rows = input.movedim(d, -1)
        out_shape = tuple(1 if i == d else n for i, n in enumerate(input.shape)) if keepdim else \
            tuple(n for i, n in enumerate(input.shape) if i != d)
    ordered = sort(rows, -1).values  # nans sort last
    nan = np.isnan(rows._array)
    n = rows.shape[-1]
    count = (n - np.sum(nan, axis=-1, keepdims=True)) if ignore_nan else np.full(nan.shape[:-1] + (1,), n)
    ranks = qs * (count - 1).astype(np.float64)  # (..., len(q))
    if interpolation == "nearest":
        ranks = np.round(ranks)
    lo = np.clip(np.floor(ranks), 0, n - 1).astype(np.int64)
    hi = np.clip(np.ceil(ranks), 0, n - 1).astype(np.int64)
    if interpolation == "lower":
        hi = lo
    elif interpolation == "higher":
        lo = hi
    weight = {"midpoint": np.where(hi != lo, 0.5, 0.0)}.get(interpolation, ranks - lo)
    below, above = gather(ordered, -1, Tensor._wrap(lo)), gather(ordered, -1, Tensor._wrap(hi))
    out = lerp(below, above, Tensor._wrap(weight.astype(input._array.dtype)))
    invalid = (count == 0) if ignore_nan else np.any(nan, axis=-1, keepdims=True)
    if np.any(invalid):
        out = where(Tensor._wrap(np.broadcast_to(invalid, out.shape)), float("nan"), out)
    out = out.movedim(-1, 0)  # the q axis first, as PyTorch
    # PyTorch's last step squeezes the kept dims away: its node is SqueezeBackward4
    return SqueezeResult.apply(out, out_shape if scalar_q else (len(qs),) + out_shape)


@torch_keywords(out="same")
def quantile(input, q, dim=None, keepdim=False, *, interpolation="linear"):  # noqa: A002
    """The q-th quantiles of ``input`` along ``dim`` (all of it if None); nan if a slice holds a nan.

    With n values sorted, rank r = q·(n − 1): ``linear`` interpolates between the values at ⌊r⌋ and ⌈r⌉;
    ``lower``/``higher`` take one of them, ``midpoint`` their mean, ``nearest`` the value at round(r)."""
    return _quantile(input, q, dim, keepdim, interpolation, ignore_nan=False)


@torch_keywords(out="same")
def nanquantile(input, q, dim=None, keepdim=False, *, interpolation="linear"):  # noqa: A002
    """quantile, ignoring nans (nan only where a slice holds nothing else)."""
    return _quantile(input, q, dim, keepdim, interpolation, ignore_nan=True)


def mode(input, dim=-1, keepdim=False):  # noqa: A002
    """(values, indices): the most frequent value along ``dim`` (the smallest of equally frequent ones)
    and the last place it occurs."""
    input = operand(input, "input")
    a = input._array
    if a.ndim == 0:
        return _mode_result(input.clone(), Tensor._wrap(np.zeros((), np.int64)))
    d = input._dim(dim)
    rows = np.moveaxis(a, d, -1).reshape(-1, a.shape[d])
    index = np.zeros(rows.shape[0], np.int64)
    for r, row in enumerate(rows):
        values, counts = np.unique(row, return_counts=True)
        best = values[np.argmax(counts)]
        index[r] = np.flatnonzero(row == best)[-1] if not np.isnan(best) else np.flatnonzero(np.isnan(row))[-1]
    shape = tuple(np.moveaxis(a, d, -1).shape[:-1]) + (1,)
    index = np.moveaxis(index.reshape(shape), -1, d)
    values = Mode.apply(input, d, index, keepdim)
    return _mode_result(values, Tensor._wrap(index if keepdim else np.squeeze(index, d)))


class Renorm(Primitive):
    """Each slice s along dim with n = ‖x_s‖ₚ > maxnorm is scaled by c = maxnorm/(n + 1e-7); the others
    pass unchanged. Where scaled: grad_x = c·g − maxnorm/(n + 1e-7)² · ⟨g, x⟩_s · ∂n/∂x,
    with ∂n/∂xⱼ = sign(xⱼ)·|xⱼ|ᵖ⁻¹ / nᵖ⁻¹ (the norm's own derivative)"""

    one_tensor_input = True
    differentiable_backward = False

    @staticmethod
    def forward(ctx, x, p, axes, maxnorm):
        norms = np.sum(np.abs(x) ** p, axis=axes, keepdims=True) ** (1.0 / p)
        scaled = norms > maxnorm
        factor = np.where(scaled, maxnorm / (norms + 1e-7), 1.0).astype(x.dtype)
        ctx.save_for_backward(x)
        ctx.values = (p, axes, maxnorm, norms, scaled, factor)
        return x * factor

    @staticmethod
    def backward(ctx, g):
        x, = ctx.saved_tensors
        p, axes, maxnorm, norms, scaled, factor = ctx.values
        with np.errstate(divide="ignore", invalid="ignore"):
            d_norm = np.sign(x) * np.abs(x) ** (p - 1) / norms ** (p - 1)
            inner = np.sum(g * x, axis=axes, keepdims=True)
            correction = np.where(scaled, maxnorm / (norms + 1e-7) ** 2 * inner, 0.0) * d_norm
        return (g * factor - correction).astype(x.dtype), None, None, None


def renorm(input, p, dim, maxnorm):  # noqa: A002
    """Each slice ``input.select(dim, i)`` whose p-norm exceeds ``maxnorm`` is scaled down to it:
    out = x · maxnorm/(‖x‖ₚ + 1e-7) there, x elsewhere (PyTorch's 1e-7)."""
    input = operand(input, "input")
    if not is_float(input._array.dtype):
        raise RuntimeError("linalg.vector_norm: Expected a floating point or complex tensor as input. Got "
                           f"{dtypes.TORCH_NAMES.get(input._array.dtype.name, input._array.dtype.name)}")
    if p <= 0:
        raise RuntimeError("renorm: non-positive-norm not supported")
    if maxnorm < 0:
        raise RuntimeError(f"renorm: expected maxnorm to be >= 0 but got {maxnorm:g}")
    d = input._dim(dim)
    others = tuple(i for i in range(input.dim()) if i != d)
    if p == float("inf"):  # the max-norm: its derivative picks the largest entry, left to the composition
        norms = norm(input, p, dim=list(others), keepdim=True) if others else input.abs()
        return input * where(norms > maxnorm, maxnorm / (norms + 1e-7), 1.0)
    return Renorm.apply(input, float(p), others, maxnorm)


TENSOR_METHODS = {
    "cummax": cummax, "cummin": cummin, "logcumsumexp": logcumsumexp, "quantile": quantile,
    "nanquantile": nanquantile, "mode": mode, "renorm": renorm,
}
