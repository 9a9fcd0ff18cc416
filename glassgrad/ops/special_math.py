"""Special functions and the less common elementwise math: lgamma, digamma, polygamma, erf, erfc, erfinv,
i0, the normal distribution's ndtr / ndtri / log_ndtr, sinc, xlogy, entr, logit, and the two-input
logaddexp, hypot, copysign, heaviside, ldexp, frexp; then nan_to_num, nansum and nanmean.

Part III, ops/ reading order: after trigonometry (it builds on elementwise and unary). Each op is a
``Primitive`` whose docstring gives its derivative. No scipy: the gamma family is computed from
``math.lgamma`` and series (digamma's recurrence and asymptotic expansion, the Hurwitz zeta function for
polygamma), erf by Cody's rational approximation over whole arrays (``erf_values``: GELU's and BERT's
``torch.erf``, too slow value by value), erfc from ``math.erfc`` value by value, erfinv by Newton's
method on erf.
They compute in float64 and return the input's dtype, as PyTorch's float32 kernels agree with float64
to float32's precision. ``glassgrad.special`` gathers them under ``torch.special``'s names.
"""

from __future__ import annotations

import collections
import math

import numpy as np

from glassgrad.dtypes import is_float
from glassgrad import dtypes
from glassgrad.autograd.function import Primitive
from glassgrad.ops._util import operand, promote, to_float, torch_keywords, unbroadcast
from glassgrad.tensor import Tensor

__all__ = ["lgamma", "digamma", "polygamma", "erf", "erfc", "erfinv", "i0", "ndtr", "ndtri", "log_ndtr",
           "sinc", "xlogy", "xlog1py", "entr", "logit", "logaddexp", "logaddexp2", "hypot", "copysign",
           "heaviside", "ldexp", "frexp", "nan_to_num", "nansum", "nanmean"]

_SQRT2, _SQRT_2PI, _SQRT_PI = math.sqrt(2.0), math.sqrt(2.0 * math.pi), math.sqrt(math.pi)


# --- the numbers, in float64 ------------------------------------------------------------------------
def _each(fn, x: np.ndarray) -> np.ndarray:
    """``fn`` (a function of one Python float) applied to every element, in float64."""
    flat = np.asarray(x, np.float64).ravel()
    return np.fromiter((fn(v) for v in flat.tolist()), np.float64, flat.size).reshape(np.shape(x))


_A = (3.16112374387056560e00, 1.13864154151050156e02, 3.77485237685302021e02,
      3.20937758913846947e03, 1.85777706184603153e-1)
_B = (2.36012909523441209e01, 2.44024637934444173e02, 1.28261652607737228e03,
      2.84423683343917062e03)
_C = (5.64188496988670089e-1, 8.88314979438837594e00, 6.61191906371416295e01,
      2.98635138197400131e02, 8.81952221241769090e02, 1.71204761263407058e03,
      2.05107837782607147e03, 1.23033935479799725e03, 2.15311535474403846e-8)
_D = (1.57449261107098347e01, 1.17693950891312499e02, 5.37181101862009858e02,
      1.62138957456669019e03, 3.29079923573345963e03, 4.36261909014324716e03,
      3.43936767414372164e03, 1.23033935480374942e03)
_P = (3.05326634961232344e-1, 3.60344899949804439e-1, 1.25781726111229246e-1,
      1.60837851487422766e-2, 6.58749161529837803e-4, 1.63153871373020978e-2)
_Q = (2.56852019228982242e00, 1.87295284992346047e00, 5.27905102951428412e-1,
      6.05183413124413191e-2, 2.33520497626869185e-3)
_SQRPI = 5.6418958354775628695e-1  # 1/√π


def _exp_neg_square(y: np.ndarray) -> np.ndarray:
    """e^(−y²), computed as e^(−r²)·e^(−(y−r)(y+r)) with r = y rounded to 1/16, as Cody does:
    y² itself would lose the low bits that matter when it is large."""
    r = np.trunc(y * 16.0) / 16.0
    return np.exp(-r * r) * np.exp(-(y - r) * (y + r))


def erf_values(x) -> np.ndarray:
    """erf of every element of ``x`` by W. J. Cody's rational Chebyshev approximation ("Rational Chebyshev
    approximations for the error function", Math. Comp. 23, 1969; SPECFUN's CALERF), accurate to about
    1e-16, in whole-array numpy passes (computed in float64, returned in x's float dtype):

        |x| ≤ 0.46875        erf(x)  = x·A(x²)/B(x²)
        0.46875 < |x| ≤ 4    erfc(x) = e^(−x²)·C(x)/D(x)
        |x| > 4              erfc(x) = e^(−x²)/x·(1/√π − R(1/x²))
    """
    x = np.asarray(x)
    out_dtype = x.dtype if x.dtype.kind == "f" else np.float64
    x = x.astype(np.float64)
    y = np.abs(x)
    result = np.empty_like(x)

    small = y <= 0.46875
    if small.any():
        ys = y[small]
        z = ys * ys
        num, den = _A[4] * z, z
        for i in range(3):
            num, den = (num + _A[i]) * z, (den + _B[i]) * z
        result[small] = ys * (num + _A[3]) / (den + _B[3])

    mid = (y > 0.46875) & (y <= 4.0)
    if mid.any():
        ym = y[mid]
        num, den = _C[8] * ym, ym
        for i in range(7):
            num, den = (num + _C[i]) * ym, (den + _D[i]) * ym
        erfc = (num + _C[7]) / (den + _D[7]) * _exp_neg_square(ym)
        result[mid] = 1.0 - erfc

    big = y > 4.0  # also catches inf; nan falls through all three masks
    if big.any():
        yb = y[big]
        with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
            z = 1.0 / (yb * yb)
            num, den = _P[5] * z, z
            for i in range(4):
                num, den = (num + _P[i]) * z, (den + _Q[i]) * z
            r = z * (num + _P[4]) / (den + _Q[4])
            erfc = np.where(yb < 26.543, (_SQRPI - r) / yb * _exp_neg_square(np.minimum(yb, 27.0)), 0.0)
        result[big] = 1.0 - erfc

    result[np.isnan(x)] = np.nan
    return (np.sign(x) * result).astype(out_dtype, copy=False)


def _lgamma_one(v: float) -> float:
    if math.isnan(v):
        return v
    if math.isinf(v) or v <= 0 and v == math.floor(v):
        return math.inf  # the poles (PyTorch's lgamma(0) = lgamma(-1) = inf; lgamma(±inf) = inf)
    return math.lgamma(v)


def _digamma_one(v: float) -> float:
    """ψ(x) = d/dx ln Γ(x): reflection ψ(1-x) - ψ(x) = π cot(πx) for x < 0, recurrence ψ(x) = ψ(x+1) - 1/x
    up to x ≥ 10, then the asymptotic series ln x - 1/(2x) - Σ B₂ₖ/(2k x²ᵏ)."""
    if math.isnan(v) or v == -math.inf:
        return math.nan
    if v == 0:
        return math.copysign(math.inf, -v)  # PyTorch: digamma(±0) = ∓inf
    if v < 0:
        if v == math.floor(v):
            return math.nan
        return _digamma_one(1.0 - v) - math.pi / math.tan(math.pi * v)
    result = 0.0
    while v < 10.0:
        result -= 1.0 / v
        v += 1.0
    f = 1.0 / (v * v)
    series = f * (1 / 12 - f * (1 / 120 - f * (1 / 252 - f * (1 / 240 - f * (1 / 132)))))
    return result + math.log(v) - 0.5 / v - series


# Bernoulli numbers B₂, B₄, ..., B₁₈ for the Euler-Maclaurin tail of the Hurwitz zeta function
_BERNOULLI = (1 / 6, -1 / 30, 1 / 42, -1 / 30, 5 / 66, -691 / 2730, 7 / 6, -3617 / 510, 43867 / 798)


def _zeta_one(s: float, q: float) -> float:
    """Hurwitz ζ(s, q) = Σₖ (q + k)⁻ˢ (s > 1): ten terms, then Euler-Maclaurin's integral and corrections."""
    if q <= 0 and q == math.floor(q):
        return math.inf
    if q < 0:  # shift q up: ζ(s, q) = Σ_{k<m} (q + k)⁻ˢ + ζ(s, q + m)
        m = math.ceil(-q) + 1
        return sum((q + k) ** -s for k in range(m)) + _zeta_one(s, q + m)
    n = 10
    total = sum((q + k) ** -s for k in range(n))
    a = q + n
    total += a ** (1 - s) / (s - 1) + 0.5 * a ** -s
    term, fact = s * a ** (-s - 1), 1.0  # s(s+1)...(s+2k-2) a^(-s-2k+1) / (2k)!
    for k, b in enumerate(_BERNOULLI, start=1):
        fact *= (2 * k - 1) * (2 * k) if k > 1 else 2
        total += b * term / fact
        term *= (s + 2 * k - 1) * (s + 2 * k) / (a * a)
    return total


def _polygamma_one(n: int, v: float) -> float:
    """ψ⁽ⁿ⁾(x) = (-1)ⁿ⁺¹ n! ζ(n + 1, x) for n ≥ 1; ψ⁽⁰⁾ = digamma."""
    if n == 0:
        return _digamma_one(v)
    if math.isnan(v):
        return v
    if v == math.inf:
        return 0.0
    return (-1) ** (n + 1) * math.factorial(n) * _zeta_one(n + 1.0, v)


def _erfinv_one(y: float) -> float:
    """erf⁻¹(y): Giles's single-precision approximation, then Newton steps x -= (erf x - y)/erf'(x)."""
    if math.isnan(y) or abs(y) > 1:
        return math.nan
    if abs(y) == 1:
        return math.copysign(math.inf, y)
    w = -math.log((1.0 - y) * (1.0 + y))
    if w < 5.0:
        w -= 2.5
        p = 2.81022636e-08
        for c in (3.43273939e-07, -3.5233877e-06, -4.39150654e-06, 0.00021858087, -0.00125372503,
                  -0.00417768164, 0.246640727, 1.50140941):
            p = c + p * w
    else:
        w = math.sqrt(w) - 3.0
        p = -0.000200214257
        for c in (0.000100950558, 0.00134934322, -0.00367342844, 0.00573950773, -0.0076224613,
                  0.00943887047, 1.00167406, 2.83297682):
            p = c + p * w
    x = p * y
    for _ in range(3):
        err = (math.erfc(-x) - 1.0 - y) if y < -0.5 else (1.0 - math.erfc(x) - y) if y > 0.5 else math.erf(x) - y
        x -= err / (2.0 / _SQRT_PI * math.exp(-x * x))
    return x


def _log_ndtr_one(v: float) -> float:
    """log Φ(x): log(erfc(-x/√2)/2), or for x < -20 (where erfc underflows) the asymptotic series
    -x²/2 - log(-x) - ½ log 2π + log(1 - 1/x² + 3/x⁴ - 15/x⁶ + 105/x⁸)."""
    if v > -20:
        return math.log1p(-0.5 * math.erfc(v / _SQRT2)) if v > 0 else math.log(0.5 * math.erfc(-v / _SQRT2))
    z = 1.0 / (v * v)
    return -0.5 * v * v - math.log(-v) - 0.5 * math.log(2 * math.pi) + math.log1p(
        z * (-1 + z * (3 + z * (-15 + z * 105))))


def _ndtri_one(p: float) -> float:
    """Φ⁻¹(p): √2 erf⁻¹(2p - 1) to start, then Newton on log Φ(x) = log p (precise in both tails)."""
    if math.isnan(p) or p < 0 or p > 1:
        return math.nan
    if p == 0 or p == 1:
        return math.copysign(math.inf, p - 0.5)
    if p > 0.5:
        return -_ndtri_one(1.0 - p) if 1.0 - p > 0 else math.inf
    x = _SQRT2 * _erfinv_one(2.0 * p - 1.0) if p > 1e-10 else -math.sqrt(-2.0 * math.log(p))
    for _ in range(6):
        log_phi = _log_ndtr_one(x)
        step = (log_phi - math.log(p)) / math.exp(-0.5 * x * x - log_phi - math.log(_SQRT_2PI))
        x -= step
        if abs(step) < 1e-15 * max(1.0, abs(x)):
            break
    return x


def _i1(x: np.ndarray) -> np.ndarray:
    """The modified Bessel function I₁ (i0's derivative): its power series Σ (x/2)²ᵏ⁺¹/(k!(k+1)!) for
    |x| ≤ 30, the asymptotic eˣ/√(2πx)(1 - 3/(8x) - 15/(128x²) - 315/(3072x³)) beyond."""
    x = np.asarray(x, np.float64)
    ax = np.abs(x)
    term = x / 2
    series = term.copy()
    for k in range(1, 90):
        term = term * (x / 2) ** 2 / (k * (k + 1))
        series = series + term
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        big = np.sign(x) * np.exp(ax) / np.sqrt(2 * np.pi * ax) * (
            1 - 3 / (8 * ax) - 15 / (128 * ax ** 2) - 315 / (3072 * ax ** 3))
    return np.where(ax <= 30, series, big)


def _like(values: np.ndarray, x: np.ndarray) -> np.ndarray:
    """float64 results back in the input's (floating) dtype."""
    return np.asarray(values, dtype=x.dtype if x.dtype.kind == "f" else dtypes.get_default_dtype().numpy)


# --- one tensor in ------------------------------------------------------------------------------------
class _Special(Primitive):
    """A function of one tensor computed element by element in float64; subclasses give ``value``
    (x in float64 -> out in float64) and ``slope`` (x, out -> ∂out/∂x)."""

    differentiable_backward = False  # the slopes are numpy series, not glassgrad ops

    @classmethod
    def forward(cls, ctx, x):
        x = to_float(x)
        out = _like(cls.value(np.asarray(x, np.float64)), x)
        ctx.save_for_backward(x, out)
        return out

    @classmethod
    def backward(cls, ctx, g):
        x, out = ctx.saved_tensors
        with np.errstate(all="ignore"):
            return g * _like(cls.slope(np.asarray(x, np.float64), np.asarray(out, np.float64)), x)


class Lgamma(_Special):
    """out = ln |Γ(x)|;  ∂out/∂x = ψ(x) (digamma)"""
    value = staticmethod(lambda x: _each(_lgamma_one, x))
    slope = staticmethod(lambda x, out: _each(_digamma_one, x))


class Digamma(_Special):
    """out = ψ(x) = Γ'(x)/Γ(x);  ∂out/∂x = ψ⁽¹⁾(x) (trigamma)"""
    value = staticmethod(lambda x: _each(_digamma_one, x))
    slope = staticmethod(lambda x, out: _each(lambda v: _polygamma_one(1, v), x))


class Polygamma(Primitive):
    """out = ψ⁽ⁿ⁾(x), the n-th derivative of digamma;  ∂out/∂x = ψ⁽ⁿ⁺¹⁾(x)"""

    differentiable_backward = False
    one_tensor_input = True

    @staticmethod
    def forward(ctx, x, n):
        x = to_float(x)
        ctx.save_for_backward(x)
        ctx.n = n
        return _like(_each(lambda v: _polygamma_one(n, v), x), x)

    @staticmethod
    def backward(ctx, g):
        x, = ctx.saved_tensors
        return g * _like(_each(lambda v: _polygamma_one(ctx.n + 1, v), x), x), None


class Erf(_Special):
    """out = erf(x) = (2/√π) ∫₀ˣ e^(−t²) dt;  ∂out/∂x = (2/√π) e^(−x²)"""
    value = staticmethod(erf_values)
    slope = staticmethod(lambda x, out: 2 / _SQRT_PI * np.exp(-x * x))


class Erfc(_Special):
    """out = erfc(x) = 1 - erf(x);  ∂out/∂x = -(2/√π) e^(−x²)"""
    value = staticmethod(lambda x: _each(math.erfc, x))
    slope = staticmethod(lambda x, out: -2 / _SQRT_PI * np.exp(-x * x))


class Erfinv(_Special):
    """out = erf⁻¹(x);  ∂out/∂x = (√π/2) e^(out²)"""
    value = staticmethod(lambda x: _each(_erfinv_one, x))
    slope = staticmethod(lambda x, out: _SQRT_PI / 2 * np.exp(out * out))


class I0(_Special):
    """out = I₀(x), the modified Bessel function of order 0;  ∂out/∂x = I₁(x)"""
    value = staticmethod(lambda x: np.i0(x))
    slope = staticmethod(lambda x, out: _i1(x))


class Ndtr(_Special):
    """out = Φ(x) = ½ erfc(−x/√2), the standard normal CDF;  ∂out/∂x = φ(x) = e^(−x²/2)/√(2π)

    (PyTorch computes it as a product, so its node is MulBackward1.)"""
    node_name = "MulBackward1"
    value = staticmethod(lambda x: _each(lambda v: 0.5 * math.erfc(-v / _SQRT2), x))
    slope = staticmethod(lambda x, out: np.exp(-0.5 * x * x) / _SQRT_2PI)


class SpecialNdtri(_Special):
    """out = Φ⁻¹(x), the standard normal quantile;  ∂out/∂x = 1/φ(out) = √(2π) e^(out²/2)"""
    value = staticmethod(lambda x: _each(_ndtri_one, x))
    slope = staticmethod(lambda x, out: _SQRT_2PI * np.exp(0.5 * out * out))


class SpecialLogNdtr(_Special):
    """out = log Φ(x);  ∂out/∂x = φ(x)/Φ(x) = e^(−x²/2 − out)/√(2π)"""
    value = staticmethod(lambda x: _each(_log_ndtr_one, x))
    slope = staticmethod(lambda x, out: np.exp(-0.5 * x * x - out) / _SQRT_2PI)


class Sinc(_Special):
    """out = sin(πx)/(πx), 1 at 0;  ∂out/∂x = (cos(πx) − out)/x, 0 at 0"""
    value = staticmethod(lambda x: np.sinc(x))
    slope = staticmethod(lambda x, out: np.where(x == 0, 0.0, (np.cos(np.pi * x) - out) / np.where(x == 0, 1, x)))


class SpecialEntr(_Special):
    """out = −x ln x for x > 0, 0 at 0, −∞ for x < 0;  ∂out/∂x = −(1 + ln x)"""
    value = staticmethod(lambda x: np.where(x > 0, -x * np.log(np.where(x > 0, x, 1)),
                                            np.where(x == 0, 0.0, np.where(np.isnan(x), x, -np.inf))))
    slope = staticmethod(lambda x, out: -(1 + np.log(x)))


class Logit(Primitive):
    """out = ln(z/(1 − z)) with z = clamp(x, eps, 1 − eps) when eps is given;
    ∂out/∂x = 1/(x(1 − x)), and 0 where the clamp cut x off"""

    one_tensor_input = True

    @staticmethod
    def forward(ctx, x, eps):
        x = to_float(x)
        z = x if eps is None else np.clip(x, eps, 1 - eps)
        ctx.save_for_backward(x)
        ctx.eps = eps
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.log(z / (1 - z))

    @staticmethod
    def backward(ctx, g):
        x, = ctx.saved_tensors
        with np.errstate(divide="ignore", invalid="ignore"):
            slope = g / (x * (1 - x))
        if ctx.eps is not None:
            slope = np.where((x < ctx.eps) | (x > 1 - ctx.eps), 0, slope)
        return slope, None


def _unary(cls, input):  # noqa: A002
    return cls.apply(operand(input, "input"))


def lgamma(input):  # noqa: A002
    """ln |Γ(x)|, the log of the gamma function's magnitude."""
    return _unary(Lgamma, input)


def digamma(input):  # noqa: A002
    """ψ(x) = d/dx ln Γ(x)."""
    return _unary(Digamma, input)


def polygamma(n, input):  # noqa: A002
    """ψ⁽ⁿ⁾(x), the n-th derivative of digamma."""
    if not isinstance(n, int) or n < 0:
        raise RuntimeError("polygamma(n, x) does not support negative n.")
    return Polygamma.apply(operand(input, "input"), n)


def erf(input):  # noqa: A002
    """The error function (2/√π) ∫₀ˣ e^(−t²) dt."""
    return _unary(Erf, input)


def erfc(input):  # noqa: A002
    """1 − erf(x), precise where erf(x) is near 1."""
    return _unary(Erfc, input)


def erfinv(input):  # noqa: A002
    """The inverse of erf on (−1, 1)."""
    return _unary(Erfinv, input)


def i0(input):  # noqa: A002
    """The modified Bessel function of the first kind, order 0."""
    return _unary(I0, input)


def ndtr(input):  # noqa: A002
    """The standard normal CDF Φ(x)."""
    return _unary(Ndtr, input)


def ndtri(input):  # noqa: A002
    """The standard normal quantile Φ⁻¹(p)."""
    return _unary(SpecialNdtri, input)


def log_ndtr(input):  # noqa: A002
    """log Φ(x), precise far into the left tail."""
    return _unary(SpecialLogNdtr, input)


def sinc(input):  # noqa: A002
    """The normalised sinc, sin(πx)/(πx)."""
    return _unary(Sinc, input)


def entr(input):  # noqa: A002
    """Elementwise entropy −x ln x."""
    return _unary(SpecialEntr, input)


def logit(input, eps=None):  # noqa: A002
    """ln(x/(1 − x)), with x clamped to [eps, 1 − eps] when eps is given."""
    return Logit.apply(operand(input, "input"), eps)


# --- two tensors in -----------------------------------------------------------------------------------
class _Binary(Primitive):
    """A function of two tensors (or a tensor and a number), broadcast; subclasses give ``value`` and
    ``slopes`` (a, b, out -> ∂out/∂a, ∂out/∂b), in numpy."""

    numbers_are_inputs = True
    differentiable_backward = False

    @classmethod
    def forward(cls, ctx, a, b):
        a, b = promote(to_float(a), to_float(b))
        if not isinstance(a, np.ndarray):
            a = np.asarray(a, b.dtype)
        if not isinstance(b, np.ndarray):
            b = np.asarray(b, a.dtype)
        with np.errstate(all="ignore"):
            out = np.asarray(cls.value(a, b), a.dtype)
        ctx.save_for_backward(a, b, out)
        return out

    @classmethod
    def backward(cls, ctx, g):
        a, b, out = ctx.saved_tensors
        with np.errstate(all="ignore"):
            da, db = cls.slopes(a, b, out)
        return unbroadcast(g * da, a.shape), unbroadcast(g * db, b.shape)


class Logaddexp(_Binary):
    """out = ln(eᵃ + eᵇ) = max + ln(1 + e^(−|a − b|));  ∂out/∂a = e^(a − out),  ∂out/∂b = e^(b − out)"""
    value = staticmethod(np.logaddexp)
    slopes = staticmethod(lambda a, b, out: (np.exp(a - out), np.exp(b - out)))


class Logaddexp2(_Binary):
    """out = log₂(2ᵃ + 2ᵇ);  ∂out/∂a = 2^(a − out),  ∂out/∂b = 2^(b − out)"""
    value = staticmethod(np.logaddexp2)
    slopes = staticmethod(lambda a, b, out: (np.exp2(a - out), np.exp2(b - out)))


class Hypot(_Binary):
    """out = √(a² + b²);  ∂out/∂a = a/out,  ∂out/∂b = b/out"""
    value = staticmethod(np.hypot)
    slopes = staticmethod(lambda a, b, out: (a / out, b / out))


class Copysign(_Binary):
    """out = |a| with b's sign (b's sign bit: −0.0 counts as negative);  ∂out/∂a = sign(a)·sign(out)
    (0 where a = 0),  ∂out/∂b = 0"""
    value = staticmethod(np.copysign)
    slopes = staticmethod(lambda a, b, out: (np.where(a == 0, 0.0, np.sign(a) * np.sign(out)), np.zeros_like(b)))


class Xlogy(_Binary):
    """out = a·ln b, 0 where a = 0 (unless b is nan);  ∂out/∂a = ln b (0 where b = 0, as PyTorch),
    ∂out/∂b = a/b"""
    value = staticmethod(lambda a, b: np.where((a == 0) & ~np.isnan(b), 0.0, a * np.log(b)))
    slopes = staticmethod(lambda a, b, out: (np.where(b == 0, 0.0, np.log(b)), a / b))


class SpecialXlog1Py(_Binary):
    """out = a·ln(1 + b), 0 where a = 0 (unless b is nan);  ∂out/∂a = ln(1 + b) (0 where b = −1),
    ∂out/∂b = a/(1 + b)"""
    value = staticmethod(lambda a, b: np.where((a == 0) & ~np.isnan(b), 0.0, a * np.log1p(b)))
    slopes = staticmethod(lambda a, b, out: (np.where(b == -1, 0.0, np.log1p(b)), a / (1 + b)))


def _binary(cls, input, other):  # noqa: A002
    if not isinstance(input, Tensor) and not isinstance(other, Tensor):
        raise TypeError(f"{cls.__name__.lower()}(): argument 'input' (position 1) must be Tensor, "
                        f"not {type(input).__name__}")
    return cls.apply(input, other)


@torch_keywords(out="cast")
def logaddexp(input, other):  # noqa: A002
    """ln(eˣ + eʸ) without overflow."""
    return _binary(Logaddexp, operand(input, "input"), other)


@torch_keywords(out="cast")
def logaddexp2(input, other):  # noqa: A002
    """log₂(2ˣ + 2ʸ) without overflow."""
    return _binary(Logaddexp2, operand(input, "input"), other)


@torch_keywords(out="cast")
def hypot(input, other):  # noqa: A002
    """√(x² + y²) without overflow."""
    return _binary(Hypot, operand(input, "input"), operand(other, "other"))


@torch_keywords(out="cast")
def copysign(input, other):  # noqa: A002
    """|x| with the sign of y."""
    return _binary(Copysign, operand(input, "input"), other)


def xlogy(input, other):  # noqa: A002
    """x·ln y, defined as 0 where x is 0."""
    return _binary(Xlogy, input, other)


def xlog1py(input, other):  # noqa: A002
    """x·ln(1 + y), defined as 0 where x is 0."""
    return _binary(SpecialXlog1Py, input, other)


class Ldexp(Primitive):
    """out = x·2ⁿ;  ∂out/∂x = 2ⁿ (n is an integer exponent: no gradient)

    PyTorch's backward computes 2ⁿ in n's integer dtype, so a negative n passes gradient 0: the same here."""

    @staticmethod
    def forward(ctx, x, n):
        x = to_float(x)
        n = np.asarray(n)
        power = np.exp2(n.astype(np.float64))
        ctx.scale = (np.floor(power) if n.dtype.kind in "biu" else power).astype(x.dtype)
        return x * power.astype(x.dtype)

    @staticmethod
    def backward(ctx, g):
        return g * ctx.scale, None


@torch_keywords(out="cast")
def ldexp(input, other):  # noqa: A002
    """x · 2^other."""
    input, other = operand(input, "input"), operand(other, "other")
    if other.shape != input.shape and np.broadcast_shapes(input.shape, other.shape) != tuple(input.shape):
        return input * (2.0 ** other.double()).to(input.dtype if input.is_floating_point()
                                                     else dtypes.get_default_dtype())
    return Ldexp.apply(input, other)


def heaviside(input, values):  # noqa: A002
    """The step function: 0 for x < 0, ``values`` at 0, 1 for x > 0 (no gradient, as PyTorch)."""
    input, values = operand(input, "input"), operand(values, "values")
    if input.dtype != values.dtype:
        raise RuntimeError("heaviside is not yet implemented for tensors with different dtypes")
    return Tensor._wrap(np.asarray(np.heaviside(input._array, values._array), input._array.dtype))


frexp_result = collections.namedtuple("frexp", ["mantissa", "exponent"])


class Frexp(Primitive):
    """x = mantissa·2^exponent with |mantissa| in [0.5, 1);  ∂mantissa/∂x = 2^(−exponent)"""

    @staticmethod
    def forward(ctx, x):
        mantissa, exponent = np.frexp(x)
        ctx.scale = np.exp2(-exponent.astype(np.float64)).astype(x.dtype)
        return mantissa

    @staticmethod
    def backward(ctx, g):
        return g * ctx.scale


def frexp(input):  # noqa: A002
    """(mantissa, exponent) with x = mantissa · 2^exponent; exponent is int32."""
    input = operand(input, "input")
    if not is_float(input._array.dtype):
        raise RuntimeError("torch.frexp() only supports floating-point dtypes")
    exponent = np.frexp(input._array)[1].astype(np.int32)
    return frexp_result(Frexp.apply(input), Tensor._wrap(exponent))


# --- nan-aware ------------------------------------------------------------------------------------------
class NanToNum(Primitive):
    """out = x with nan, +inf, −inf replaced;  ∂out/∂x = 1 where x is finite, 0 where it was replaced"""

    one_tensor_input = True

    @staticmethod
    def forward(ctx, x, nan, posinf, neginf):
        ctx.save_for_backward(x)
        if x.dtype.kind != "f":
            return x.copy()
        info = np.finfo(x.dtype)
        return np.nan_to_num(x, nan=nan, posinf=info.max if posinf is None else posinf,
                             neginf=info.min if neginf is None else neginf)

    @staticmethod
    def backward(ctx, g):
        x, = ctx.saved_tensors
        return g * np.isfinite(x), None, None, None


@torch_keywords(out="same")
def nan_to_num(input, nan=0.0, posinf=None, neginf=None):  # noqa: A002
    """nan → ``nan``, +inf → ``posinf`` (the dtype's largest), −inf → ``neginf`` (its lowest)."""
    return NanToNum.apply(operand(input, "input"), nan, posinf, neginf)


class Nansum(Primitive):
    """out = Σ x over the axes, nans counted as 0;  ∂out/∂xᵢ = 1, 0 where xᵢ is nan"""

    one_tensor_input = True

    @staticmethod
    def forward(ctx, x, axes, keepdim, dtype):
        ctx.save_for_backward(x)
        ctx.axes, ctx.keepdim = axes, keepdim
        return np.asarray(np.nansum(x, axis=axes, keepdims=keepdim, dtype=dtype))

    @staticmethod
    def backward(ctx, g):
        x, = ctx.saved_tensors
        if not ctx.keepdim and ctx.axes is not None:
            g = np.expand_dims(g, ctx.axes)
        return np.broadcast_to(g, x.shape) * ~np.isnan(x), None, None, None


def _nan_axes(input, dim):
    if dim is None or (not isinstance(dim, int) and len(dim) == 0):
        return None
    dims = (dim,) if isinstance(dim, int) else tuple(dim)
    return tuple(sorted(input._dim(d) for d in dims))


@torch_keywords(out="any")
def nansum(input, dim=None, keepdim=False, *, dtype=None):  # noqa: A002
    """The sum, with nans treated as zero."""
    input = operand(input, "input")
    np_dtype = dtypes.to_dtype(dtype).numpy if dtype is not None else (
        np.int64 if input._array.dtype.kind in "biu" else None)
    return Nansum.apply(input, _nan_axes(input, dim), keepdim, np_dtype)


@torch_keywords(out="any")
def nanmean(input, dim=None, keepdim=False, *, dtype=None):  # noqa: A002
    """The mean of the values that are not nan: nansum / (how many are not nan)."""
    input = operand(input, "input")
    if not is_float(input._array.dtype) and dtype is None:
        raise RuntimeError("nanmean(): expected input to have floating point or complex dtype but got "
                           f"{input.dtype}")
    if dtype is not None:
        input = input.to(dtype)
    axes = _nan_axes(input, dim)
    count = Tensor._wrap(np.asarray(np.sum(~np.isnan(input._array), axis=axes, keepdims=keepdim)))
    return Nansum.apply(input, axes, keepdim, None) / count


TENSOR_METHODS = {
    "lgamma": lgamma, "digamma": digamma, "polygamma": lambda self, n: polygamma(n, self), "erf": erf,
    "erfc": erfc, "erfinv": erfinv, "i0": i0, "sinc": sinc, "logit": logit, "xlogy": xlogy,
    "logaddexp": logaddexp, "logaddexp2": logaddexp2, "hypot": hypot, "copysign": copysign,
    "heaviside": heaviside, "ldexp": ldexp, "frexp": frexp, "nan_to_num": nan_to_num, "nansum": nansum,
    "nanmean": nanmean,
}
