"""PyTorch's two Box–Muller kernels for normals in blocks of 16, replayed exactly, and exact arithmetic.

Part III, under ``sampling.py`` (which calls ``box_muller_16_float``/``box_muller_16_double`` for
``randn`` and ``normal_`` of 16 or more contiguous values). PyTorch's ``normal_fill`` draws all the
uniforms first, then turns each block of 16 into normals: u1 = 1 - data[0:8], u2 = data[8:16],

    radius = √(-2 log u1),  θ = 2π·u2,  data[0:8] = radius·cos θ,  data[8:16] = radius·sin θ.

In float32 on x86-64 it runs ``normal_fill_16_AVX2``, whose log, sin and cos are not the C library's but
the Cephes polynomials of ``avx_mathfun.h``, compiled with fused multiply-adds. ``_log_ps`` and
``_sincos_ps`` replay them in numpy operation by operation (~60 passes over the data);
``_box_muller_lanes`` is the same arithmetic one value at a time, which numba compiles when it is
installed (``glassgrad[fast]``), about four times faster. In float64 the kernel calls the C library's
log/sin/cos, which Python's ``math`` (and numba) call too; numpy's own vectorised log differs from it in
the last bit.

Also here: ``fma32``/``fma64``, a·b + c rounded once, as the compiled kernels compute every
``from + u·(to - from)`` and ``x·std + mean``: Dekker's exact product, Knuth's exact sum, and a final
"round to odd" so that the last rounding is the only one.
"""

from __future__ import annotations

import functools
import fractions
import math
import platform

import numpy as np

__all__ = ["fma32", "fma64", "libm", "numba_compiled", "box_muller_16_float", "box_muller_16_double",
           "compiled_box_muller", "compiled_box_muller_double"]

F32, F64 = np.float32, np.float64
_AVX2 = platform.machine().lower() in ("x86_64", "amd64")  # PyTorch picks its AVX2 normal kernel there
_CHUNK = 32768           # values per pass over scratch memory: small enough to stay in the CPU's cache
COMPILE_FROM = 1 << 14   # fewer values than this stay in numpy: importing numba takes ~0.4 s, once


def numba_compiled(function, **options):
    """``function`` compiled by numba (``glassgrad[fast]``; cached on disk after the first time), or None
    when numba is not installed, so the caller keeps its numpy path. Imported here, not at the top:
    importing numba takes ~0.4 s, paid only by a program that draws 2¹⁴ values or more."""
    try:
        import numba
    except ImportError:
        return None
    return numba.njit(cache=True, error_model="numpy", boundscheck=False, **options)(function)


# --- exact fused multiply-add --------------------------------------------------------------------------
def _two_sum(a, b):
    """s = a + b rounded, e = the rounding error: s + e == a + b exactly (Knuth)."""
    s = a + b
    bb = s - a
    return s, (a - (s - bb)) + (b - bb)


def _two_product(a, b):
    """p = a·b rounded, e = its error, exactly (Dekker, splitting each factor into 26-bit halves)."""
    p = a * b
    t = a * 134217729.0
    ah = t - (t - a)
    t = b * 134217729.0
    bh = t - (t - b)
    al, bl = a - ah, b - bh
    return p, ((ah * bh - p) + ah * bl + al * bh) + al * bl


def _round_to_odd(s, e):
    """s rounded to nearest with e its error → s rounded to odd: inexact results get an odd last bit.
    A sum rounded to odd and then to fewer bits (≥ 2 fewer) rounds as the exact sum would."""
    inexact_even = (e != 0) & ((s.view(np.int64) & 1) == 0) & np.isfinite(s)  # (±inf, nan: as they are)
    if inexact_even.any():
        s = np.where(inexact_even, np.nextafter(s, np.where(e > 0, np.inf, -np.inf)), s)
    return s


def _fma64_pieces(a, b, c):
    """s + low == a·b + c, s rounded to nearest and low the rest rounded to odd."""
    p, pe = _two_product(a, b)
    s, se = _two_sum(p, c)
    w, we = _two_sum(pe, se)
    return s, _round_to_odd(w, we)


def fma64(a, b, c) -> np.ndarray:
    """a·b + c rounded once to float64 (C's fma)."""
    a, b, c = (np.asarray(v, F64) for v in (a, b, c))
    with np.errstate(invalid="ignore", over="ignore", under="ignore"):
        s, low = _fma64_pieces(a, b, c)
        out = np.where(low == 0, s, s + low)  # s alone keeps the sign of an exact zero (-0.0 + 0.0 is +0.0)
        plain = a * b + c  # where a step overflows, the plain a·b + c stands in
        out = np.where(np.isfinite(out), out, plain)
        # Below 2^-960 Dekker's split loses the product's error among the subnormals: there (never in
        # practice, but it must still round once) the exact sum in fractions, rounded by Python's float()
        tiny = (np.abs(a * b) < 2.0 ** -960) & (a != 0) & (b != 0) & np.isfinite(c)
    if tiny.any():
        out = np.array(out)
        a, b, c = np.broadcast_arrays(a, b, c)
        for i in np.argwhere(tiny):
            i = tuple(i)
            exact = fractions.Fraction(a[i]) * fractions.Fraction(b[i]) + fractions.Fraction(c[i])
            out[i] = float(exact) if exact else a[i] * b[i] + c[i]  # an exact zero: the sign C gives it
    return out


def fma32(a, b, c) -> np.ndarray:
    """a·b + c rounded once to float32: the float32 product is exact in float64, the sum is rounded to
    odd there, then to float32."""
    p = np.asarray(a, F32).astype(F64) * np.asarray(b, F32).astype(F64)
    c = np.asarray(c, F32).astype(F64)
    with np.errstate(invalid="ignore", over="ignore"):
        s, e = _two_sum(p, c)
        out = _round_to_odd(s, e).astype(F32)
        plain = (p + c).astype(F32)  # an infinite or nan operand: the plain sum stands in
    return np.where(np.isfinite(out), out, plain)


def libm(function, values: np.ndarray) -> np.ndarray:
    """The C library's function, element by element (numpy's vectorised versions differ in the last bit)."""
    return np.fromiter(map(function, values.ravel().tolist()), F64, values.size).reshape(values.shape)


def box_muller_16_double(block: np.ndarray, out: np.ndarray, mean: float, std: float) -> None:
    """``normal_fill_16`` in double: u1 = 1 - data[0:8], u2 = data[8:16] of each block of 16."""
    u1, u2 = (1.0 - block[:, :8]).reshape(-1), block[:, 8:].reshape(-1)
    cos, sin = np.empty_like(u1), np.empty_like(u1)
    kernel = compiled_box_muller_double() if block.size >= COMPILE_FROM else None
    if kernel is not None:
        kernel(u1, u2, cos, sin)
    else:
        radius = np.sqrt(-2.0 * libm(math.log, u1))
        theta = (2.0 * math.pi) * u2
        cos[...], sin[...] = radius * libm(math.cos, theta), radius * libm(math.sin, theta)
    out[:, :8], out[:, 8:] = cos.reshape(-1, 8), sin.reshape(-1, 8)
    if (mean, std) != (0, 1):
        out[...] = fma64(out, std, mean)


def _box_muller_double_lanes(u1, u2, cos_out, sin_out):
    """Lane i: r = √(-2 log u1[i]), θ = 2π·u2[i] → r·cos θ, r·sin θ, with the C library's functions."""
    for i in range(len(u1)):
        radius = math.sqrt(-2.0 * math.log(u1[i]))
        theta = (2.0 * math.pi) * u2[i]
        cos_out[i] = radius * math.cos(theta)
        sin_out[i] = radius * math.sin(theta)


@functools.cache
def compiled_box_muller_double():
    """``_box_muller_double_lanes`` compiled by numba (its math calls the same C library as Python's
    ``math``), if installed and equal to ``math`` on a probe; else None."""
    kernel = numba_compiled(_box_muller_double_lanes)
    if kernel is None:
        return None
    u1, u2 = 1.0 - np.random.default_rng(0).random((2, 2048))
    got, want = np.empty((2, 2048)), np.empty((2, 2048))
    kernel(u1, u2, got[0], got[1])
    _box_muller_double_lanes(u1.tolist(), u2.tolist(), want[0], want[1])
    return kernel if np.array_equal(got, want) else None


# avx_mathfun.h's float32 constants (Cephes)
_LOG_P = [F32(v) for v in (7.0376836292E-2, -1.1514610310E-1, 1.1676998740E-1, -1.2420140846E-1,
                           1.4249322787E-1, -1.6668057665E-1, 2.0000714765E-1, -2.4999993993E-1,
                           3.3333331174E-1)]
_LOG_Q1, _LOG_Q2 = F32(-2.12194440e-4), F32(0.693359375)
_DP = [F32(v) for v in (-0.78515625, -2.4187564849853515625e-4, -3.77489497744594108e-8)]
_COS_P = [F32(v) for v in (2.443315711809948E-005, -1.388731625493765E-003, 4.166664568298827E-002)]
_SIN_P = [F32(v) for v in (-1.9515295891E-4, 8.3321608736E-3, -1.6666654611E-1)]


def _fma_f32(a, b, c, out: np.ndarray, scratch: np.ndarray) -> np.ndarray:
    """The AVX kernel's contracted a·b + c (a float32 and float64 arrays holding float32 values): the
    product is exact in double, the sum is rounded to double and then to float32 into ``out`` (a tie at
    that second rounding would need round-to-odd; for speed we accept its ~2⁻²⁹ chance per operation)."""
    t = scratch[:out.size]
    np.multiply(a, b, out=t, dtype=F64)
    np.add(t, c, out=t)
    out[...] = t
    return out




def _log_ps(u: np.ndarray, t: np.ndarray) -> np.ndarray:
    """``log256_ps``: float32 log of u in (0, 1], from the exponent and a degree-9 polynomial of the
    mantissa (the kernel's guards for x ≤ 0 and denormals never trigger here)."""
    bits = u.view(np.int32)
    e = (bits >> 23).astype(F32) - F32(126)
    m = ((bits & np.int32(~0x7F800000)) | np.int32(0x3F000000)).view(F32)   # mantissa in [0.5, 1)
    small = (m < F32(0.707106781186547524)).astype(F32)
    e -= small
    m = (m - F32(1)) + m * small               # below √½: 2m - 1 and one less in the exponent
    m64 = m.astype(F64)
    z = m * m
    y = np.empty_like(m)
    _fma_f32(m64, _LOG_P[0], _LOG_P[1], y, t)
    for p in _LOG_P[2:]:
        _fma_f32(y, m64, p, y, t)
    y *= m
    _fma_f32(y, z, e * _LOG_Q1, y, t)             # y·z + e·q1
    y -= z * F32(0.5)                          # exact either way: z/2 is
    _fma_f32(e, _LOG_Q2, m + y, y, t)             # (x + y) + e·q2
    return y


def _sincos_ps(x: np.ndarray, t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``sincos256_ps`` for x ≥ 0: reduce by multiples of π/4 in three parts, then two polynomials; the
    kernel picks and signs them with bit masks, and so do we."""
    j = (x * F32(1.27323954473516)).astype(np.int32)
    j += 1
    j &= -2
    y = j.astype(F64)
    for dp in _DP:
        _fma_f32(y, dp, x, x, t)
    z = x * x
    z64 = z.astype(F64)
    yc = np.empty_like(x)
    _fma_f32(z64, _COS_P[0], _COS_P[1], yc, t)
    _fma_f32(yc, z64, _COS_P[2], yc, t)
    yc *= z
    _fma_f32(yc, z64, -(z * F32(0.5)), yc, t)     # y·z·z - z/2
    yc += F32(1)
    ys = np.empty_like(x)
    _fma_f32(z64, _SIN_P[0], _SIN_P[1], ys, t)
    _fma_f32(ys, z64, _SIN_P[2], ys, t)
    ys *= z
    _fma_f32(ys, x, x, ys, t)                     # y·z·x + x
    keep = ((j & 2) >> 1) - 1                  # all ones where the sine polynomial gives the sine
    swap = (ys.view(np.int32) ^ yc.view(np.int32)) & keep
    sin = yc.view(np.int32) ^ swap
    cos = ys.view(np.int32) ^ swap
    sin ^= (j & 4) << 29                       # the sign bits, as the kernel sets them
    cos ^= (~(j - 2) & 4) << 29
    return sin.view(F32), cos.view(F32)


def box_muller_16_float(block: np.ndarray, out: np.ndarray, mean: float, std: float) -> None:
    """``normal_fill_16_AVX2`` on (blocks, 16) float32 into ``out``: the same Box–Muller, in float32 with
    the kernel's own log and sincos: compiled by numba when it is installed, else in numpy a slice of
    blocks at a time."""
    kernel = compiled_box_muller() if _AVX2 and block.size >= COMPILE_FROM else None
    if kernel is not None:  # flat lanes in, flat lanes out (then the compiler runs eight at once),
        step = _CHUNK // 8  # through four small buffers reused chunk after chunk
        u1, u2, cos, sin = np.empty((4, step, 8), F32)
        for start in range(0, len(block), step):
            part, rows = block[start:start + step], min(step, len(block) - start)
            np.subtract(F32(1), part[:, :8], out=u1[:rows])
            u2[:rows] = part[:, 8:]
            kernel(u1[:rows].reshape(-1), u1[:rows].reshape(-1).view(np.int32), u2[:rows].reshape(-1),
                   cos[:rows].reshape(-1), sin[:rows].reshape(-1))
            out[start:start + step, :8], out[start:start + step, 8:] = cos[:rows], sin[:rows]
    else:
        scratch = np.empty(_CHUNK // 2, F64)
        step = _CHUNK // 16
        for start in range(0, len(block), step):
            part = block[start:start + step]
            u1 = (F32(1) - part[:, :8]).reshape(-1)
            u2 = (F32(2.0 * math.pi) * part[:, 8:]).reshape(-1)
            if _AVX2:
                radius = np.sqrt(F32(-2) * _log_ps(u1, scratch))
                sin, cos = _sincos_ps(u2, scratch)
            else:  # the portable kernel calls the C library's float functions (numpy's: a few ulp off)
                radius = np.sqrt(F32(-2) * np.log(u1))
                sin, cos = np.sin(u2), np.cos(u2)
            out[start:start + step, :8] = (radius * cos).reshape(-1, 8)
            out[start:start + step, 8:] = (radius * sin).reshape(-1, 8)
    if (mean, std) != (0, 1):
        out[...] = fma32(out, F32(std), F32(mean))


# The same kernel one value at a time, as avx_mathfun.h writes it, for numba to compile (``pip install
# glassgrad[fast]``): numpy needs ~60 passes over the data for _log_ps and _sincos_ps, a compiled loop
# one. Compiled with contraction allowed (``fastmath={"contract"}``), the compiler fuses each a·b + c into
# one fused multiply-add as GCC did for PyTorch; a first-use check against the numpy replay above makes
# sure it fused the same pairs, and falls back to numpy if not.
_LOG_P_T, _DP_T, _COS_P_T, _SIN_P_T = tuple(_LOG_P), tuple(_DP), tuple(_COS_P), tuple(_SIN_P)
_TWO_PI, _FOUR_OVER_PI = F32(2.0 * math.pi), F32(1.27323954473516)
_SQRT_HALF = F32(0.707106781186547524)


def _box_muller_lanes(u1, u1_bits, u2, cos_out, sin_out):
    """Lane i: uniforms u1[i] (with its bits u1_bits[i]) and u2[i] → r·cos θ and r·sin θ, in float32.
    No branches: the kernel works on 8 lanes with masks, and × a 0/1 factor is exact."""
    one = F32(1.0)
    p, dp, cp, sp = _LOG_P_T, _DP_T, _COS_P_T, _SIN_P_T
    for i in range(u1.size):
        # radius = √(-2 log u1); u1 = m·2^e with m in [0.5, 1) (scaling by a power of two is exact)
        biased = u1_bits[i] >> 23
        e = F32(biased - 126)
        m = u1[i] * (F32(1 << (127 - biased)) * F32(0.5))   # u1 = 1 has biased = 127

        small = F32(m < _SQRT_HALF)            # below √½: 2m - 1, and one less in the exponent
        e = e - small
        m = (m - one) + m * small
        z = m * m
        y = m * p[0] + p[1]
        y = y * m + p[2]
        y = y * m + p[3]
        y = y * m + p[4]
        y = y * m + p[5]
        y = y * m + p[6]
        y = y * m + p[7]
        y = y * m + p[8]
        y = y * m
        y = y * z + e * _LOG_Q1
        y = y - z * F32(0.5)
        y = (m + y) + e * _LOG_Q2
        radius = np.sqrt(F32(-2.0) * y)
        # sin θ and cos θ, θ = 2π·u2: subtract k·π/4 in three exact-ish parts, then two polynomials
        x = u2[i] * _TWO_PI
        k = (np.int32(x * _FOUR_OVER_PI) + 1) & -2
        kf = F32(k)
        x = x + kf * dp[0]
        x = x + kf * dp[1]
        x = x + kf * dp[2]
        z = x * x
        yc = z * cp[0] + cp[1]
        yc = yc * z + cp[2]
        yc = (yc * z) * z - z * F32(0.5)
        yc = yc + one
        ys = z * sp[0] + sp[1]
        ys = ys * z + sp[2]
        ys = (ys * z) * x + x
        swap = F32((k >> 1) & 1)                 # 1 where the two polynomials trade places
        sin = ys * (one - swap) + yc * swap
        cos = yc * (one - swap) + ys * swap
        sin = sin * F32(1 - 2 * ((k >> 2) & 1))
        cos = cos * F32(2 * (((k - 2) >> 2) & 1) - 1)
        cos_out[i] = radius * cos
        sin_out[i] = radius * sin


@functools.cache
def compiled_box_muller():
    """``_box_muller_lanes`` compiled by numba, if numba is installed and its result equals the numpy
    replay's on a probe of 4096 lanes; else None (numpy then does the work)."""
    kernel = numba_compiled(_box_muller_lanes, fastmath={"contract"})
    if kernel is None:
        return None
    words = np.random.default_rng(0).integers(0, 1 << 24, (512, 16))
    words[:2] = [np.arange(16), (1 << 24) - 1 - np.arange(16)]          # u1 = 1, and the smallest u1
    probe = words.astype(F32) * F32(2.0 ** -24)
    u1 = (F32(1) - probe[:, :8]).reshape(-1)
    u2 = probe[:, 8:].reshape(-1)
    cos, sin = np.empty_like(u1), np.empty_like(u1)
    kernel(u1, u1.view(np.int32), u2, cos, sin)
    scratch = np.empty(u1.size, F64)
    radius = np.sqrt(F32(-2) * _log_ps(u1.copy(), scratch))
    want_sin, want_cos = _sincos_ps(F32(2.0 * math.pi) * u2, scratch)
    if not (np.array_equal(cos, radius * want_cos) and np.array_equal(sin, radius * want_sin)):
        return None
    return kernel
