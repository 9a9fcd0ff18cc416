"""erf(x) = (2/√π) ∫₀ˣ e^(−t²) dt over numpy arrays in double precision; the normal CDF in float32.

Part III, nn chapter, a detail behind ``GELU``: numpy has no erf, and the classic short formula
(Abramowitz & Stegun 7.1.26) is only good to ~1e-7, too coarse to match PyTorch in float64. ``erf`` here
is W. J. Cody's rational Chebyshev approximation, accurate to about 1e-16; it lives with the other
special functions (``ops/special_math.py``'s ``erf_values``, which ``torch.erf`` uses too).

GELU needs the normal CDF Φ(x) = ½(1 + erf(x/√2)) = ½·erfc(−x/√2). In float32 (the common case, and
most of a small transformer's time when done in float64 as above) ``normal_cdf`` uses one formula for
every x, Numerical Recipes' Chebyshev fit of erfc (``erfcc``, §6.2; fractional error < 1.2e-7):

    t = 1/(1 + z/2),   erfc(z) = t·e^(−z² − 1.26551223 + t·(1.00002368 + t·(0.37409196 + …)))   (z ≥ 0)

computed in float32 with no masks and no float64 copies. Because it is an *erfc*, the small tail
Φ(−|x|) keeps its relative accuracy: x·Φ(x) is within 8 float32 ulps for |x| < 1 and within 2e-6
relative for −4 < x < −1 (PyTorch's own float32 gelu: ~2 ulps, and 4e-3 relative at x = −4).
"""

from __future__ import annotations

import math

import numpy as np

from glassgrad.ops.special_math import erf_values as erf

__all__ = ["erf", "normal_cdf", "gelu_with_slope"]

# Numerical Recipes' erfcc coefficients, highest power of t first (Horner order)
_NR = (0.17087277, -0.82215223, 1.48851587, -1.13520398, 0.27886807, -0.18628806, 0.09678418,
       0.37409196, 1.00002368)


_CHUNK = 65536  # float32 values per slice: three 256 KiB buffers, which stay in the L2 cache


def _normal_cdf_float32(x: np.ndarray) -> np.ndarray:
    """Φ(x) in float32, ``_CHUNK`` values at a time: on a GPT block's MLP (2¹⁸ values and more) the 30
    passes of ``_normal_cdf_chunk`` then reread cached slices instead of whole arrays from memory
    (~10% faster, the very same numbers)."""
    flat = np.ascontiguousarray(x).reshape(-1)
    out = np.empty_like(flat)
    for start in range(0, flat.size, _CHUNK):
        _normal_cdf_chunk(flat[start:start + _CHUNK], out[start:start + _CHUNK])
    return out.reshape(x.shape)


def _normal_cdf_chunk(x: np.ndarray, out: np.ndarray) -> None:
    """out = Φ(x) in float32 from NR's erfc fit: about 30 float32 passes over three buffers (out is
    one), ~15× faster than the float64 path (which masks three ranges and converts to float64 and
    back). Every step writes into z, t or p: a fresh array per step would cost page faults."""
    f32 = np.float32
    z = np.abs(x)
    z *= f32(1 / math.sqrt(2))
    t = out
    np.multiply(z, f32(0.5), out=t)
    t += f32(1)
    np.reciprocal(t, out=t)  # t = 1/(1 + z/2)
    p = t * f32(_NR[0])
    for c in _NR[1:]:
        p += f32(c)
        p *= t
    p -= f32(1.26551223)
    z *= z
    p -= z
    np.exp(p, out=p)
    p *= t
    p *= f32(0.5)  # p = ½·erfc(|x|/√2) = Φ(−|x|)
    # Φ(x) = b·p + (1 − b)·(1 − p), b = 1 where x is negative (−0.0 too: Φ(0) = p = ½ either way).
    # Exact, as b is 0 or 1; np.where would do the same at ~4 ns an element here, ten
    # multiplications' worth (it took half of GELU's time), np.copysign at ~0.5 ns. nan stays nan;
    # ±inf give 1 and 0.
    b = np.signbit(x, out=z, casting="unsafe")
    np.subtract(f32(1), p, out=t)
    p *= b
    np.subtract(f32(1), b, out=b)
    t *= b
    t += p


_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)


def gelu_with_slope(x: np.ndarray, slope: bool) -> tuple[np.ndarray, np.ndarray | None]:
    """GELU's y = x·Φ(x) and, when ``slope``, its derivative Φ(x) + x·φ(x), φ(x) = e^(−x²/2)/√(2π),
    both in x's float dtype.

    In float32 both are made ``_CHUNK`` values at a time, right after that slice's Φ: the slope's
    passes then read x and Φ from the cache, and the backward is one multiplication by the slope
    (computed there as seven passes over whole arrays it took a GPT block's step ~2 ms; the very
    same numbers)."""
    if x.dtype != np.float32:
        y = normal_cdf(x)
        return y, _gelu_from_cdf(x, y, np.empty_like(x) if slope else None)
    flat = np.ascontiguousarray(x).reshape(-1)
    y = np.empty_like(flat)
    d = np.empty_like(flat) if slope else None
    for start in range(0, flat.size, _CHUNK):
        part = slice(start, start + _CHUNK)
        _normal_cdf_chunk(flat[part], y[part])
        _gelu_from_cdf(flat[part], y[part], None if d is None else d[part])
    return y.reshape(x.shape), None if d is None else d.reshape(x.shape)


def _gelu_from_cdf(x: np.ndarray, cdf: np.ndarray, slope: np.ndarray | None) -> np.ndarray | None:
    """Fill ``slope`` (if given) with Φ + x·φ, then turn ``cdf`` into y = x·Φ in place."""
    if slope is not None:
        np.multiply(x, x, out=slope)
        slope *= -0.5
        np.exp(slope, out=slope)
        slope *= x
        slope *= _INV_SQRT_2PI
        slope += cdf
    cdf *= x
    return slope


def normal_cdf(x: np.ndarray) -> np.ndarray:
    """Φ(x) = ½(1 + erf(x/√2)), the standard normal CDF, in x's float dtype.

    float64 goes through Cody's erf (to ~1e-16); every other float dtype through the float32 fit."""
    if x.dtype == np.float64:
        return 0.5 * (1.0 + erf(x * (1.0 / math.sqrt(2.0))))
    return _normal_cdf_float32(x.astype(np.float32, copy=False)).astype(x.dtype, copy=False)
