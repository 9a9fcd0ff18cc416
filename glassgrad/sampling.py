"""How PyTorch's CPU turns the generator's 32-bit words into numbers: one function per recipe.

Part III, beside ``random.py`` (the generator). Each function here takes a ``Generator`` and returns a
numpy array; ``creation.py`` (``rand``, ``randn``, ``randperm``, ...), ``ops/random.py`` (``normal_``,
``uniform_``, ...), ``nn.init`` and dropout all draw through them, so one recipe serves every entry
point, exactly as in PyTorch, where they share one kernel. The recipes, read from PyTorch's ATen sources
(``TransformationHelper.h``, ``DistributionsHelper.h``, ``cpu/DistributionTemplates.h``,
``cpu/avx_mathfun.h``, the multinomial and randperm kernels):

    uniform, float32   u = (w & (2²⁴-1)) · 2⁻²⁴              one word w per number
    uniform, float64   u = (w64 & (2⁵³-1)) · 2⁻⁵³            two words per number
    from, to           from + u·(to - from)                  one fused multiply-add
    randint            (w mod range) + low                   (w64 when range ≥ 2³²)
    normal, n < 16     Box–Muller in double, one pair at a time; the spare sample waits in the generator
    normal, n ≥ 16     all n uniforms first, then Box–Muller on blocks of 16 (u1 = data[0:8],
                       u2 = data[8:16]); an odd tail redraws 16 fresh uniforms for the last 16 slots
    exponential        -log1p(-u)/λ                          (u in double)
    randperm           Fisher–Yates: swap i with i + (w mod (n - i))
    multinomial        with replacement: binary search of the cumulative sum for a uniform;
                       without (or one sample): argmax / top-k of p / q with q ~ Exp(1)

Two details make the numbers bit-exact rather than merely close:

- PyTorch's kernels are compiled with fused multiply-add: ``from + u·(to - from)`` is rounded once, not
  twice. ``fma32``/``fma64`` below reproduce that with error-free arithmetic (Dekker's product, Knuth's
  sum, and a final "round to odd").
- Float32 normals of 16 or more use the AVX2 kernel's own float32 log/sin/cos (Cephes polynomials,
  ``avx_mathfun.h``), which are not numpy's; ``_log_ps`` and ``_sincos_ps`` replay them operation by
  operation. Double-precision recipes call the C library's log/sin/cos (Python's ``math``, the same libm
  PyTorch calls), because numpy's own vectorised log1p/log differ from it in the last bit.
"""

from __future__ import annotations

import functools
import math
import platform

import numpy as np

from glassgrad.random import Generator, default_generator

__all__ = ["Blank", "generator_or_default", "fill_order", "uniform", "normal", "random_from_to", "random_full",
           "randperm", "multinomial", "bernoulli_tensor", "bernoulli_scalar", "dropout_mask", "exponential", "geometric",
           "cauchy", "log_normal", "fma32", "fma64"]

F32, F64 = np.float32, np.float64
_AVX2 = platform.machine().lower() in ("x86_64", "amd64")  # PyTorch picks its AVX2 normal kernel there
_SERIAL_BELOW = 16   # normal: fewer elements than this (or a non-contiguous tensor) go one at a time
_CHUNK = 32768       # values per pass over scratch memory: small enough to stay in the CPU's cache
_COMPILE_FROM = 1 << 14  # fewer values than this stay in numpy: importing numba takes ~0.4 s, once


def generator_or_default(generator) -> Generator:
    if generator is None:
        return default_generator
    if not isinstance(generator, Generator):
        raise TypeError(f"generator must be a glassgrad.Generator, got {type(generator).__name__}")
    return generator


class Blank:
    """The shape and dtype of a tensor about to be made: a factory (``randn(2, 3)``) has no array to fill
    yet, and making an empty one only to read its shape would cost memory. Row-major, contiguous."""

    def __init__(self, shape: tuple, dtype) -> None:
        self.shape, self.dtype = tuple(shape), np.dtype(dtype)
        self.size, self.ndim = math.prod(self.shape), len(self.shape)


def _contiguous(array) -> bool:
    return isinstance(array, Blank) or array.flags.c_contiguous


def fill_order(array) -> tuple[int, ...]:
    """The axes in the order PyTorch's serial kernels walk a tensor: by memory, largest stride outermost.

    For a contiguous tensor that is the plain row-major order; for a transposed view it is the order
    of the underlying storage, so ``w.t().uniform_()`` fills the same memory cells with the same numbers
    as ``w.uniform_()``."""
    if isinstance(array, Blank):
        return tuple(range(array.ndim))
    return tuple(sorted(range(array.ndim), key=lambda axis: -abs(array.strides[axis])))


def _in_order(values: np.ndarray, order: tuple[int, ...], shape: tuple[int, ...]) -> np.ndarray:
    """Lay flat ``values`` (drawn in ``order``'s walk) out in ``shape``."""
    walked = values.reshape([shape[axis] for axis in order])
    return walked.transpose(np.argsort(order)) if order != tuple(range(len(shape))) else walked


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
    inexact_even = (e != 0) & ((s.view(np.int64) & 1) == 0)
    if inexact_even.any():
        s = np.where(inexact_even, np.nextafter(s, np.where(e > 0, np.inf, -np.inf)), s)
    return s


def fma64(a, b, c) -> np.ndarray:
    """a·b + c rounded once to float64 (C's fma)."""
    a, b, c = (np.asarray(v, F64) for v in (a, b, c))
    p, pe = _two_product(a, b)
    s, se = _two_sum(p, c)
    w, we = _two_sum(pe, se)
    with np.errstate(invalid="ignore", over="ignore"):
        out = s + _round_to_odd(w, we)
    plain = a * b + c
    return np.where(np.isfinite(out), out, plain)


def fma32(a, b, c) -> np.ndarray:
    """a·b + c rounded once to float32: the float32 product is exact in float64, the sum is rounded to
    odd there, then to float32."""
    p = np.asarray(a, F32).astype(F64) * np.asarray(b, F32).astype(F64)
    s, e = _two_sum(p, np.asarray(c, F32).astype(F64))
    return _round_to_odd(s, e).astype(F32)


# --- uniform -------------------------------------------------------------------------------------------
def _unit_float32(words: np.ndarray) -> np.ndarray:
    """Fresh uint32 words → (w & (2²⁴-1))·2⁻²⁴ as float32, in the words' own memory (a large fresh
    array costs a page fault per 4 KiB, more than the arithmetic)."""
    words &= np.uint32(0xFFFFFF)
    low, ints = words.view(F32), words.view(np.int32)
    for start in range(0, len(words), _CHUNK):  # in slices: numpy copies an overlapping input first
        np.multiply(ints[start:start + _CHUNK], F32(2.0 ** -24), out=low[start:start + _CHUNK], dtype=F32,
                    casting="unsafe")
    return low


def _unit_float64(words64: np.ndarray) -> np.ndarray:
    return (words64 & np.uint64((1 << 53) - 1)).astype(F64) * 2.0 ** -53


def _unit_float16(words: np.ndarray) -> np.ndarray:
    return (words & np.uint32(0x7FF)).astype(F32) * F32(2.0 ** -11)


def _uniform_flat(gen: Generator, n: int, dtype: np.dtype, low: float, high: float) -> np.ndarray:
    if dtype == F64:
        u = _unit_float64(gen.words64(n))
        return u if (low, high) == (0, 1) else fma64(u, F64(high) - F64(low), F64(low))
    if dtype == np.float16:  # x·(to - from) + from in float, from and to held as half
        u = _unit_float16(gen.words(n))
        lo, hi = np.float16(low), np.float16(high)
        return fma32(u, F32(np.float16(hi - lo)), F32(lo)).astype(np.float16)
    u = _unit_float32(gen.words(n))
    return u if (low, high) == (0, 1) else fma32(u, F32(high) - F32(low), F32(low))


def uniform(gen: Generator, array: np.ndarray, low: float = 0.0, high: float = 1.0) -> np.ndarray:
    """U[low, high) samples shaped (and ordered) like ``array``, in its float dtype."""
    order = fill_order(array)
    return _in_order(_uniform_flat(gen, array.size, array.dtype, low, high), order, array.shape)


# --- normal --------------------------------------------------------------------------------------------
def _libm(function, values: np.ndarray) -> np.ndarray:
    """The C library's function, element by element (numpy's vectorised versions differ in the last bit)."""
    return np.fromiter(map(function, values.ravel().tolist()), F64, values.size).reshape(values.shape)


def _log(v: float) -> float:
    """C's log, including log(0) = -inf (Python's math.log raises there)."""
    return math.log(v) if v > 0 else -math.inf


def _normal_serial(gen: Generator, n: int, mean: float, std: float) -> np.ndarray:
    """PyTorch's ``normal_distribution<double>``, n times: Box–Muller on two double uniforms gives
    r·cos θ now and keeps r·sin θ in the generator for the next call."""
    out = np.empty(n, F64)
    start = 0
    if n and gen.next_double_normal is not None:
        out[0], gen.next_double_normal, start = gen.next_double_normal, None, 1
    pairs = (n - start + 1) // 2
    if pairs:
        u = _unit_float64(gen.words64(2 * pairs))
        u1, u2 = u[0::2], u[1::2]
        r = np.sqrt(-2.0 * _libm(math.log1p, -u2))
        theta = (2.0 * math.pi) * u1
        first, second = r * _libm(math.cos, theta), r * _libm(math.sin, theta)
        both = np.empty(2 * pairs, F64)
        both[0::2], both[1::2] = first, second
        out[start:] = both[:n - start]
        if (n - start) % 2:
            gen.next_double_normal = float(second[-1])
    return out if (mean, std) == (0, 1) else fma64(out, std, mean)


def _box_muller_16_double(block: np.ndarray, out: np.ndarray, mean: float, std: float) -> None:
    """``normal_fill_16`` in double: u1 = 1 - data[0:8], u2 = data[8:16] of each block of 16."""
    u1, u2 = (1.0 - block[:, :8]).reshape(-1), block[:, 8:].reshape(-1)
    cos, sin = np.empty_like(u1), np.empty_like(u1)
    kernel = _compiled_box_muller_double() if block.size >= _COMPILE_FROM else None
    if kernel is not None:
        kernel(u1, u2, cos, sin)
    else:
        radius = np.sqrt(-2.0 * _libm(math.log, u1))
        theta = (2.0 * math.pi) * u2
        cos[...], sin[...] = radius * _libm(math.cos, theta), radius * _libm(math.sin, theta)
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
def _compiled_box_muller_double():
    """``_box_muller_double_lanes`` compiled by numba (its math calls the same C library as Python's
    ``math``), if installed and equal to ``math`` on a probe; else None."""
    try:
        import numba
    except ImportError:
        return None
    kernel = numba.njit(cache=True, error_model="numpy", boundscheck=False)(_box_muller_double_lanes)
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


def _box_muller_16_float(block: np.ndarray, out: np.ndarray, mean: float, std: float) -> None:
    """``normal_fill_16_AVX2`` on (blocks, 16) float32 into ``out``: the same Box–Muller, in float32 with
    the kernel's own log and sincos: compiled by numba when it is installed, else in numpy a slice of
    blocks at a time."""
    kernel = _compiled_box_muller() if _AVX2 and block.size >= _COMPILE_FROM else None
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
def _compiled_box_muller():
    """``_box_muller_lanes`` compiled by numba, if numba is installed and its result equals the numpy
    replay's on a probe of 4096 lanes; else None (numpy then does the work)."""
    try:
        import numba
    except ImportError:
        return None
    kernel = numba.njit(fastmath={"contract"}, error_model="numpy", boundscheck=False,
                        cache=True)(_box_muller_lanes)
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


def _normal_fill(gen: Generator, n: int, dtype: np.dtype, mean: float, std: float) -> np.ndarray:
    """``normal_fill``: n uniforms, Box–Muller over whole blocks of 16, a fresh block for an odd tail."""
    double = dtype == F64
    draw = (lambda k: _unit_float64(gen.words64(k))) if double else (lambda k: _unit_float32(gen.words(k)))
    box_muller = _box_muller_16_double if double else _box_muller_16_float
    data = draw(n)
    whole = n // 16 * 16
    box_muller(data[:whole].reshape(-1, 16), data[:whole].reshape(-1, 16), mean, std)  # in place
    if n % 16:
        box_muller(draw(16).reshape(1, 16), data[n - 16:].reshape(1, 16), mean, std)
    return data


def normal(gen: Generator, array: np.ndarray, mean: float = 0.0, std: float = 1.0) -> np.ndarray:
    """N(mean, std²) samples shaped like ``array``, in its dtype, by whichever of PyTorch's two recipes
    its size and layout select."""
    n = array.size
    if n >= _SERIAL_BELOW and _contiguous(array) and array.dtype in (F32, F64):
        return _normal_fill(gen, n, array.dtype, mean, std).reshape(array.shape)
    order = fill_order(array)
    return _in_order(_normal_serial(gen, n, mean, std).astype(array.dtype), order, array.shape)


def log_normal(gen: Generator, array: np.ndarray, mean: float, std: float) -> np.ndarray:
    """exp of the serial double normal, element by element."""
    order = fill_order(array)
    values = _libm(math.exp, _normal_serial(gen, array.size, mean, std))
    return _in_order(values.astype(array.dtype), order, array.shape)


# --- integers ------------------------------------------------------------------------------------------
_WIDE = (np.dtype(np.int64), np.dtype(F64), np.dtype(F32))  # where a range ≥ 2³² draws 64-bit words


def random_from_to(gen: Generator, array: np.ndarray, low: int, high: int) -> np.ndarray:
    """Integers uniform on [low, high): (w mod (high - low)) + low."""
    span = high - low
    order = fill_order(array)
    n = array.size
    if span >= 2 ** 32 and array.dtype in _WIDE:
        words = gen.words64(n)
    else:
        words = gen.words(n)
    values = (words % np.uint64(span)).astype(np.int64) + np.int64(low) if span < 2 ** 63 else \
        np.array([int(w) % span + low for w in words.tolist()], np.int64)
    return _in_order(values.astype(array.dtype), order, array.shape)


def random_full(gen: Generator, array: np.ndarray) -> np.ndarray:
    """``random_()`` with no bounds: every integer the dtype holds (floats: up to 2^mantissa bits)."""
    order = fill_order(array)
    dtype = array.dtype
    wide = dtype in (np.dtype(np.int64), np.dtype(F64))
    words = gen.words64(array.size) if wide else gen.words(array.size)
    if dtype == np.bool_:
        values = words & np.uint64(1)
    elif dtype.kind == "f":
        values = words % np.uint64((1 << (np.finfo(dtype).nmant + 1)) + 1)
    else:
        values = words % np.uint64(int(np.iinfo(dtype).max) + 1)
    return _in_order(values.astype(dtype), order, array.shape)


def _swap_in_turn(perm, offsets):
    """Fisher–Yates' swaps: slot i with slot i + offsets[i], for i = 0, 1, ... in order."""
    for i in range(len(offsets)):
        j = i + offsets[i]
        perm[i], perm[j] = perm[j], perm[i]


@functools.cache
def _compiled_swaps():
    """``_swap_in_turn`` compiled by numba when it is installed (a loop of n swaps), else None."""
    try:
        import numba
    except ImportError:
        return None
    return numba.njit(cache=True, error_model="numpy", boundscheck=False)(_swap_in_turn)


def randperm(gen: Generator, n: int) -> np.ndarray:
    """PyTorch's Fisher–Yates: for i = 0 … n-2 swap slot i with slot i + (w mod (n - i))."""
    if n < 2 ** 32 // 20:
        offsets = (gen.words(n - 1) % np.arange(n, 1, -1, dtype=np.uint64)).astype(np.int64)
        compiled = _compiled_swaps() if n >= _COMPILE_FROM else None
        if compiled is not None:
            perm = np.arange(n, dtype=np.int64)
            compiled(perm, offsets)
            return perm
        perm = list(range(n))  # plain Python lists swap faster than numpy scalars
        _swap_in_turn(perm, offsets.tolist())
        return np.array(perm, np.int64)
    # PyTorch's branch for huge n: the "inside-out" shuffle with 64-bit words
    perm = np.empty(n, np.int64)
    for i, w in enumerate(gen.words64(n).tolist()):
        z = w % (i + 1)
        perm[i] = perm[z]
        perm[z] = i
    return perm


# --- discrete distributions ----------------------------------------------------------------------------
def multinomial(gen: Generator, probs: np.ndarray, num_samples: int, replacement: bool) -> np.ndarray:
    """Category indices for each row of ``probs`` (2-d, float), PyTorch's two CPU algorithms."""
    if not replacement or num_samples == 1:
        # argmax / top-k of p / q, q ~ Exp(1): the Gumbel-max trick with the logs exponentiated away
        q = exponential(gen, Blank(probs.shape, probs.dtype), 1.0)
        with np.errstate(divide="ignore", invalid="ignore"):
            keys = probs / q
        if num_samples == 1:
            return np.argmax(keys, axis=-1)[:, None]
        return np.argsort(-keys, axis=-1, kind="stable")[:, :num_samples]
    out = np.empty((probs.shape[0], num_samples), np.int64)
    for row, p in enumerate(probs):
        cumulative = np.cumsum(p)             # in the input's dtype, one term after another
        cumulative = cumulative / cumulative[-1]
        cumulative[-1] = 1
        u = _unit_float64(gen.words64(num_samples))
        out[row] = np.searchsorted(cumulative.astype(F64), u, side="left")
    return out


def bernoulli_tensor(gen: Generator, array: np.ndarray, p: np.ndarray) -> np.ndarray:
    """1 where u < p elementwise (p broadcast to ``array``); u is a double uniform when p is float64,
    else a float one."""
    order = fill_order(array)
    p = np.broadcast_to(p, array.shape).transpose(order).reshape(-1)
    u = _unit_float64(gen.words64(array.size)) if p.dtype == F64 else _unit_float32(gen.words(array.size))
    return _in_order((u < p).astype(array.dtype), order, array.shape)


def bernoulli_scalar(gen: Generator, array: np.ndarray, p: float) -> np.ndarray:
    """1 where a double uniform is below p (the recipe behind dropout's masks)."""
    order = fill_order(array)
    u = _unit_float64(gen.words64(array.size))
    return _in_order((u < p).astype(array.dtype), order, array.shape)


def dropout_mask(gen: Generator, shape: tuple, p: float, dtype: np.dtype) -> np.ndarray:
    """PyTorch's dropout noise: ``empty(shape).bernoulli_(1 - p).div_(1 - p)``, so kept entries hold
    1/(1 - p) (divided in the tensor's dtype) and dropped ones 0."""
    if p == 1.0:
        return np.zeros(shape, dtype)
    noise = bernoulli_scalar(gen, Blank(shape, dtype), 1.0 - p)
    return noise / np.asarray(1.0 - p, dtype)


# --- continuous distributions from one uniform each ----------------------------------------------------
def _from_uniform(gen: Generator, array: np.ndarray, transform) -> np.ndarray:
    order = fill_order(array)
    values = transform(_unit_float64(gen.words64(array.size)))
    return _in_order(values.astype(array.dtype), order, array.shape)


def exponential(gen: Generator, array: np.ndarray, lambd: float) -> np.ndarray:
    """-log1p(-u) / λ."""
    return _from_uniform(gen, array, lambda u: (-1.0 / lambd) * _libm(math.log1p, -u))


def geometric(gen: Generator, array: np.ndarray, p: float) -> np.ndarray:
    """⌈log u / log(1 - p)⌉: trials up to the first success."""
    return _from_uniform(gen, array, lambda u: np.ceil(_libm(_log, u) / math.log(1.0 - p)))


def cauchy(gen: Generator, array: np.ndarray, median: float, sigma: float) -> np.ndarray:
    """median + σ·tan(π(u - ½))."""
    return _from_uniform(gen, array, lambda u: fma64(sigma, _libm(math.tan, math.pi * (u - 0.5)), median))
