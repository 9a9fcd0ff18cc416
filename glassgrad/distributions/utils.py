"""``glassgrad.distributions.utils`` — what every distribution shares: broadcasting its parameters,
probabilities ⇄ logits, a property computed once, and the matrix and special functions the densities
need beyond ops/special_math.py (lgamma, digamma, erf, erfinv, xlogy live there): the Cholesky factor,
the triangular solve and the regularised incomplete gamma, each a Primitive with its derivative; and
the gamma sampler with its implicit derivative.

The first file of ``glassgrad/distributions/`` (as ``torch/distributions/utils.py``): the others import it.
"""

from __future__ import annotations

import math

import numpy as np

from glassgrad.autograd.function import Primitive
from glassgrad.creation import tensor as _tensor
from glassgrad.dtypes import get_default_dtype
from glassgrad.nn import functional as F
from glassgrad.tensor import Size, Tensor

__all__ = ["broadcast_all", "cholesky", "clamp_probs", "gammainc", "lazy_property", "logits_to_probs",
           "probs_to_logits", "tril_solve"]


def as_size(shape) -> Size:
    return shape if isinstance(shape, Size) else Size(shape)


def broadcast_all(*values) -> tuple:
    """Each value (a Tensor or a number) as a Tensor of the common broadcast shape (numbers take the
    tensors' dtype, or the default one), as ``torch.distributions.utils.broadcast_all``."""
    if not all(isinstance(v, (Tensor, int, float)) for v in values):
        raise ValueError("Input arguments must all be instances of numbers.Number, torch.Tensor or objects "
                         "implementing __torch_function__.")
    tensors = [v for v in values if isinstance(v, Tensor)]
    dtype = tensors[0].dtype if tensors else get_default_dtype()
    values = [v if isinstance(v, Tensor) else _tensor(float(v), dtype=dtype) for v in values]
    shape = np.broadcast_shapes(*(tuple(v.shape) for v in values))
    return tuple(v.expand(shape) for v in values)


def finfo_eps(dtype) -> float:
    return float(np.finfo(dtype.numpy).eps)


def finfo_tiny(dtype) -> float:
    return float(np.finfo(dtype.numpy).tiny)


def clamp_probs(probs: Tensor) -> Tensor:
    """probs kept inside [eps, 1 − eps], so that log p and log(1 − p) stay finite."""
    eps = finfo_eps(probs.dtype)
    return probs.clamp(min=eps, max=1 - eps)


def logits_to_probs(logits: Tensor, is_binary: bool = False) -> Tensor:
    """sigmoid(logits) for one event, softmax over the last dimension for K events."""
    return logits.sigmoid() if is_binary else F.softmax(logits, dim=-1)


def probs_to_logits(probs: Tensor, is_binary: bool = False) -> Tensor:
    """log(p / (1 − p)) for one event, log p for K events (p clamped away from 0 and 1 first)."""
    p = clamp_probs(probs)
    return p.log() - (-p).log1p() if is_binary else p.log()


class lazy_property:  # noqa: N801  (PyTorch's name)
    """A property computed on first use and then stored on the instance (so ``probs`` made from
    ``logits`` is computed once, and ``'probs' in d.__dict__`` tells which one was given)."""

    def __init__(self, wrapped):
        self.wrapped = wrapped
        self.__doc__ = wrapped.__doc__

    def __get__(self, instance, obj_type=None):
        if instance is None:
            return self
        value = self.wrapped(instance)
        setattr(instance, self.wrapped.__name__, value)
        return value


# ---- special functions --------------------------------------------------------------------------------

_lgamma_each = np.vectorize(math.lgamma, otypes=[np.float64])


class Cholesky(Primitive):
    """L = cholesky(A), A = L·Lᵀ (A symmetric positive definite, batched over leading dimensions);
    grad_A = ½·(S + Sᵀ) with S = L⁻ᵀ·Φ(Lᵀ·grad_L)·L⁻¹, Φ taking the lower triangle with its diagonal halved
    (Murray 2016)."""

    differentiable_backward = False
    node_name = "LinalgCholeskyExBackward0"

    @staticmethod
    def forward(ctx, a):
        try:
            low = np.linalg.cholesky(a)
        except np.linalg.LinAlgError:
            raise RuntimeError(_not_positive_definite(np.asarray(a))) from None
        ctx.save_for_backward(low)
        return low

    @staticmethod
    def backward(ctx, g):
        low, = ctx.saved_tensors
        low, g = np.asarray(low), np.asarray(g)
        phi = np.tril(np.swapaxes(low, -1, -2) @ g)
        phi = phi - 0.5 * np.eye(low.shape[-1], dtype=low.dtype) * phi
        inv = np.linalg.inv(low)
        s = np.swapaxes(inv, -1, -2) @ phi @ inv
        return 0.5 * (s + np.swapaxes(s, -1, -2))


def _not_positive_definite(a: np.ndarray) -> str:
    """PyTorch's message: which batch element, and the order of its first leading minor that is not
    positive-definite."""
    flat = a.reshape((-1,) + a.shape[-2:])
    for element, matrix in enumerate(flat):
        for order in range(1, matrix.shape[-1] + 1):
            try:
                np.linalg.cholesky(matrix[:order, :order])
            except np.linalg.LinAlgError:
                where = f"(Batch element {element}): " if a.ndim > 2 else ""
                return (f"linalg.cholesky: {where}The factorization could not be completed because the input is not "
                        f"positive-definite (the leading minor of order {order} is not positive-definite).")
    return "linalg.cholesky: The factorization could not be completed because the input is not positive-definite."


def cholesky(a: Tensor) -> Tensor:
    """The lower-triangular L with L·Lᵀ = a (torch.linalg.cholesky)."""
    return Cholesky.apply(a)


class TrilSolve(Primitive):
    """X = L⁻¹·B for lower-triangular L (batched, broadcast);
    grad_B = L⁻ᵀ·G,  grad_L = −tril(grad_B·Xᵀ)."""

    differentiable_backward = False
    node_name = "LinalgSolveTriangularBackward0"

    @staticmethod
    def forward(ctx, low, b):
        shape = np.broadcast_shapes(low.shape[:-2], b.shape[:-2])
        low_b = np.broadcast_to(low, shape + low.shape[-2:])
        b_b = np.broadcast_to(b, shape + b.shape[-2:])
        x = np.linalg.solve(low_b, b_b)
        ctx.save_for_backward(low, x)
        ctx.shapes = (low.shape, b.shape)
        return x.astype(np.result_type(low.dtype, b.dtype), copy=False)

    @staticmethod
    def backward(ctx, g):
        low, x = ctx.saved_tensors
        low, x, g = np.asarray(low), np.asarray(x), np.asarray(g)
        shape = np.broadcast_shapes(low.shape[:-2], g.shape[:-2])
        grad_b = np.linalg.solve(np.broadcast_to(np.swapaxes(low, -1, -2), shape + low.shape[-2:]), g)
        grad_low = -np.tril(grad_b @ np.swapaxes(x, -1, -2))
        low_shape, b_shape = ctx.shapes
        return _sum_to(grad_low, low_shape), _sum_to(grad_b, b_shape)


def _sum_to(a: np.ndarray, shape: tuple) -> np.ndarray:
    while a.ndim > len(shape):
        a = a.sum(0)
    for axis, n in enumerate(shape):
        if n == 1 and a.shape[axis] != 1:
            a = a.sum(axis, keepdims=True)
    return a


def tril_solve(low: Tensor, b: Tensor) -> Tensor:
    """L⁻¹·B for lower-triangular L (torch.linalg.solve_triangular(L, B, upper=False))."""
    return TrilSolve.apply(low, b)


# ---- the gamma sampler and its implicit derivative ----------------------------------------------------

def standard_gamma_array(alpha: np.ndarray, normal_draws, uniform_draws) -> np.ndarray:
    """Gamma(α, 1) draws by Marsaglia & Tsang (2000): d = α − ⅓, c = 1/√(9d); x ~ N(0, 1), v = (1 + c·x)³,
    accept d·v when log u < x²/2 + d − d·v + d·log v; for α < 1, Gamma(α + 1)·u^(1/α). ``normal_draws(n)``
    and ``uniform_draws(n)`` give float64 arrays from glassgrad's generator, so ``manual_seed`` repeats them."""
    alpha = np.asarray(alpha, dtype=np.float64)
    flat = alpha.reshape(-1)
    boosted = np.where(flat < 1, flat + 1, flat)
    d = boosted - 1 / 3
    c = 1 / np.sqrt(9 * d)
    out = np.empty_like(flat)
    todo = np.arange(flat.size)
    while todo.size:
        x = normal_draws(todo.size)
        u = uniform_draws(todo.size)
        v = (1 + c[todo] * x) ** 3
        with np.errstate(invalid="ignore", divide="ignore"):
            ok = (v > 0) & (np.log(u) < 0.5 * x * x + d[todo] - d[todo] * v + d[todo] * np.log(v))
        out[todo[ok]] = d[todo[ok]] * v[ok]
        todo = todo[~ok]
    small = flat < 1
    if small.any():
        u = uniform_draws(int(small.sum()))
        out[small] = out[small] * u ** (1 / flat[small])
    return out.reshape(alpha.shape)


def _regularized_gamma_p(a: np.ndarray, x: np.ndarray) -> np.ndarray:
    """P(a, x) = γ(a, x)/Γ(a): the series Σ xⁿ/(a(a+1)...(a+n)) below x < a + 1, the continued fraction
    (modified Lentz) for Q = 1 − P above (Numerical Recipes §6.2)."""
    a, x = np.broadcast_arrays(np.asarray(a, np.float64), np.asarray(x, np.float64))
    log_front = a * np.log(np.maximum(x, 1e-300)) - x - _lgamma_each(a)
    # series
    term = 1 / a
    total = term.copy()
    ap = a.copy()
    for _ in range(500):
        ap = ap + 1
        term = term * x / ap
        total = total + term
    series = total * np.exp(log_front)
    # continued fraction
    tiny = 1e-300
    b = x + 1 - a
    cc = 1 / tiny
    dd = 1 / np.where(b == 0, tiny, b)
    h = dd.copy()
    for i in range(1, 300):
        an = -i * (i - a)
        b = b + 2
        dd = an * dd + b
        dd = np.where(np.abs(dd) < tiny, tiny, dd)
        cc = b + an / cc
        cc = np.where(np.abs(cc) < tiny, tiny, cc)
        dd = 1 / dd
        h = h * dd * cc
    fraction = 1 - np.exp(log_front) * h
    return np.where(x <= 0, 0.0, np.where(x < a + 1, series, fraction))


def standard_gamma_grad_array(alpha: np.ndarray, x: np.ndarray) -> np.ndarray:
    """dx/dα of a Gamma(α, 1) draw x, holding its quantile F(x; α) fixed (implicit reparametrisation,
    Figurnov et al. 2018): dx/dα = −(∂F/∂α)/(∂F/∂x), ∂F/∂x = x^(α−1)e^(−x)/Γ(α), ∂F/∂α by central
    differences of the regularised incomplete gamma P(α, x)."""
    alpha = np.asarray(alpha, np.float64)
    x = np.asarray(x, np.float64)
    h = 1e-5 * np.maximum(alpha, 1e-3)
    df_dalpha = (_regularized_gamma_p(alpha + h, x) - _regularized_gamma_p(alpha - h, x)) / (2 * h)
    log_pdf = (alpha - 1) * np.log(x) - x - _lgamma_each(alpha)
    return -df_dalpha / np.exp(log_pdf)


class Igamma(Primitive):
    """out = P(a, x) = γ(a, x)/Γ(a), the regularised lower incomplete gamma (torch.special.gammainc);
    ∂out/∂x = x^(a−1)·e^(−x)/Γ(a); ∂out/∂a is not implemented (as in PyTorch)."""

    differentiable_backward = False

    @staticmethod
    def forward(ctx, a, x):
        ctx.save_for_backward(a, x)
        dtype = np.result_type(a, x)
        return _regularized_gamma_p(a, x).astype(dtype if np.issubdtype(dtype, np.floating) else np.float32)

    @staticmethod
    def backward(ctx, g):
        if ctx.needs_input_grad[0]:
            raise NotImplementedError("the derivative for 'igamma: input' is not implemented.")
        a, x = (np.asarray(t) for t in ctx.saved_tensors)
        with np.errstate(divide="ignore", invalid="ignore"):
            pdf = np.exp((a - 1) * np.log(x) - x - _lgamma_each(np.broadcast_to(a, np.broadcast_shapes(
                a.shape, x.shape))))
        return None, _sum_to(np.asarray(g) * pdf, x.shape).astype(x.dtype)


def gammainc(a: Tensor, x: Tensor) -> Tensor:
    """P(a, x), the regularised lower incomplete gamma function."""
    return Igamma.apply(a, x)
