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

Two details make the numbers bit-exact rather than merely close, both in ``normal_kernels.py``:

- PyTorch's kernels are compiled with fused multiply-add: ``from + u·(to - from)`` is rounded once, not
  twice; ``fma32``/``fma64`` reproduce that.
- Float32 normals of 16 or more use the AVX2 kernel's own float32 log/sin/cos (Cephes polynomials),
  which are not numpy's; they are replayed operation by operation. Double-precision recipes call the C
  library's log/sin/cos (Python's ``math``, the same libm PyTorch calls), because numpy's vectorised
  log1p/log differ from it in the last bit.
"""

from __future__ import annotations

import functools
import math
import warnings

import numpy as np

from glassgrad import dtypes

from glassgrad.normal_kernels import (COMPILE_FROM, box_muller_16_double, box_muller_16_float, fma32, fma64,
                                      libm, numba_compiled)
from glassgrad.random import Generator, default_generator

__all__ = ["Blank", "generator_or_default", "fill_order", "uniform", "normal", "random_from_to", "random_full",
           "randperm", "multinomial", "bernoulli", "bernoulli_tensor", "bernoulli_scalar", "dropout_mask",
           "exponential", "geometric", "cauchy", "log_normal", "fma32", "fma64"]

F32, F64 = np.float32, np.float64
_SERIAL_BELOW = 16   # normal: fewer elements than this (or a non-contiguous tensor) go one at a time
_CHUNK = 32768       # values converted per numpy call (in place: see _unit_float32)


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
    u = u if (low, high) == (0, 1) else fma32(u, F32(high) - F32(low), F32(low))
    if dtype == dtypes.BFLOAT16:  # float's draw rounded; one that rounds up to ``high`` becomes ``low``
        u = u.astype(dtype)
        u[u == dtype.type(high)] = dtype.type(low)
    return u


def uniform(gen: Generator, array: np.ndarray, low: float = 0.0, high: float = 1.0) -> np.ndarray:
    """U[low, high) samples shaped (and ordered) like ``array``, in its float dtype."""
    order = fill_order(array)
    return _in_order(_uniform_flat(gen, array.size, array.dtype, low, high), order, array.shape)


# --- normal --------------------------------------------------------------------------------------------
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
        r = np.sqrt(-2.0 * libm(math.log1p, -u2))
        theta = (2.0 * math.pi) * u1
        first, second = r * libm(math.cos, theta), r * libm(math.sin, theta)
        both = np.empty(2 * pairs, F64)
        both[0::2], both[1::2] = first, second
        out[start:] = both[:n - start]
        if (n - start) % 2:
            gen.next_double_normal = float(second[-1])
    return out if (mean, std) == (0, 1) else fma64(out, std, mean)


def _normal_fill(gen: Generator, n: int, dtype: np.dtype, mean: float, std: float) -> np.ndarray:
    """``normal_fill``: n uniforms, Box–Muller over whole blocks of 16, a fresh block for an odd tail."""
    double = dtype == F64
    draw = (lambda k: _unit_float64(gen.words64(k))) if double else (lambda k: _unit_float32(gen.words(k)))
    box_muller = box_muller_16_double if double else box_muller_16_float
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
    if array.dtype == dtypes.BFLOAT16:  # float's draw, rounded (PyTorch's own for fewer than 16)
        return normal(gen, Blank(array.shape, F32), mean, std).astype(array.dtype)
    if n >= _SERIAL_BELOW and _contiguous(array) and array.dtype in (F32, F64):
        return _normal_fill(gen, n, array.dtype, mean, std).reshape(array.shape)
    order = fill_order(array)
    return _in_order(_normal_serial(gen, n, mean, std).astype(array.dtype), order, array.shape)


def log_normal(gen: Generator, array: np.ndarray, mean: float, std: float) -> np.ndarray:
    """exp of the serial double normal, element by element."""
    order = fill_order(array)
    values = libm(math.exp, _normal_serial(gen, array.size, mean, std))
    return _in_order(values.astype(array.dtype), order, array.shape)


# --- integers ------------------------------------------------------------------------------------------
_FLOAT_NAMES = {"float32": "float", "float64": "double", "float16": "Half"}
_C_NAMES = {"int8": "signed char", "uint8": "unsigned char", "int16": "short int", "int32": "int",
            "int64": "long int", "bool": "bool"}


def _float_bounds(dtype: np.dtype, low: int, high: int) -> tuple[int, int]:
    """PyTorch's ``update_from``/``update_to`` for a float tensor: where low + 1 or high - 1 is not a
    float of the dtype, move the bound inward to the nearest integer that is, so that no sample can
    round to ``high``."""
    digits = np.finfo(dtype).nmant + 1
    if int(dtype.type(low + 1)) < low:
        low = int(dtype.type(low + 1)) + (1 << ((abs(low + 1).bit_length() - 1) - digits + 1))
    if int(dtype.type(high - 1)) >= high:
        high = int(dtype.type(high - 1)) - (1 << ((abs(high - 1).bit_length() - 1) - digits + 1))
    return low, high


def random_from_to(gen: Generator, array: np.ndarray, low: int, high: int) -> np.ndarray:
    """Integers uniform on [low, high): (w mod (high - low)) + low, with w one 32-bit word, or a 64-bit
    one when the range is 2²⁸ or more (PyTorch's bound on the bias of the modulus)."""
    if array.dtype.kind == "f":
        digits = np.finfo(array.dtype).nmant + 1
        for name, bound in (("from", low), ("to - 1", high - 1)):
            if not -2 ** digits <= bound <= 2 ** digits:
                warnings.warn(f"{name} is out of bounds [-(2^{digits}), 2^{digits}]. Due to precision limitations "
                              f"{_FLOAT_NAMES.get(array.dtype.name, array.dtype.name)} can support discrete "
                              "uniform distribution only within this range. This warning will become an error "
                              "in version 1.7 release, please fix the code in advance", UserWarning, stacklevel=4)
        low, high = _float_bounds(array.dtype, low, high)
    elif array.dtype.kind in "iub":
        info = np.iinfo(array.dtype) if array.dtype.kind != "b" else None
        lowest, highest = (0, 1) if info is None else (int(info.min), int(info.max))
        for name, bound in (("from", low), ("to - 1", high - 1)):
            if not lowest <= bound <= highest:
                raise RuntimeError(f"{name} is out of bounds for {_C_NAMES[array.dtype.name]}")
        if low >= high:
            raise RuntimeError(f"random_ expects 'from' casted to dtype to be less than 'to' casted to "
                               f"dtype, but got from={low} >= to={high}")
    span = high - low
    order = fill_order(array)
    words = gen.words64(array.size) if span >= 2 ** 28 else gen.words(array.size)
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
    return numba_compiled(_swap_in_turn)


def randperm(gen: Generator, n: int) -> np.ndarray:
    """PyTorch's Fisher–Yates: for i = 0 … n-2 swap slot i with slot i + (w mod (n - i))."""
    if n < 2 ** 32 // 20:
        offsets = (gen.words(n - 1) % np.arange(n, 1, -1, dtype=np.uint64)).astype(np.int64)
        compiled = _compiled_swaps() if n >= COMPILE_FROM else None
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


def bernoulli(gen: Generator, array, p) -> np.ndarray:
    """0/1 samples like ``array``: ``p`` a number (``bernoulli_scalar``) or an array of probabilities
    broadcast to it (``bernoulli_tensor``), after PyTorch's checks of p."""
    if isinstance(p, np.ndarray):
        if p.size and not ((p >= 0) & (p <= 1)).all():
            raise RuntimeError("Expected p_in >= 0 && p_in <= 1 to be true, but got false.")
        return bernoulli_tensor(gen, array, p)
    if not 0 <= p <= 1:
        raise RuntimeError(f"bernoulli_ expects p to be in [0, 1], but got p={p}")
    return bernoulli_scalar(gen, array, p)


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
    return _from_uniform(gen, array, lambda u: (-1.0 / lambd) * libm(math.log1p, -u))


def geometric(gen: Generator, array: np.ndarray, p: float) -> np.ndarray:
    """⌈log u / log(1 - p)⌉: trials up to the first success."""
    return _from_uniform(gen, array, lambda u: np.ceil(libm(_log, u) / math.log(1.0 - p)))


def cauchy(gen: Generator, array: np.ndarray, median: float, sigma: float) -> np.ndarray:
    """median + σ·tan(π(u - ½))."""
    return _from_uniform(gen, array, lambda u: fma64(sigma, libm(math.tan, math.pi * (u - 0.5)), median))
