"""Math of one tensor: neg, abs, exp and log, powers and roots, sin/cos/tan, the activations,
rounding, and clamp (sinh, cosh and the inverse functions are next door, in trigonometry.py).

Part III, ops/ reading order: _util, elementwise, **unary**, cast, compare, inplace, then reduce and
the rest (ops/__init__.py lists them all). The pattern is elementwise.py's:
each op a ``Primitive`` with forward and backward side by side and the local derivative in its
docstring. Most save their *output* when the derivative is easiest in terms of it: (eˣ)' = eˣ,
tanh' = 1 - tanh², σ' = σ(1 - σ).

``grad_fn`` names are PyTorch's, down to its spelling (``Log1PBackward0``) and its overloads
(``clamp(x, 0, 1)`` is ClampBackward1, ``clamp(x, lo_tensor, hi_tensor)`` ClampBackward0).
"""

from __future__ import annotations

import numpy as np

from glassgrad.autograd.function import Primitive
from glassgrad.memory_formats import check_memory_format, laid_out
from glassgrad.ops._util import operand, to_float, unbroadcast
from glassgrad.ops.elementwise import div, mul, pow
from glassgrad.tensor import Tensor

__all__ = [
    "neg", "negative", "abs", "absolute", "sign", "exp", "exp2", "expm1", "log", "log2", "log10", "log1p",
    "sqrt", "rsqrt", "square", "reciprocal", "sin", "cos", "tan", "tanh", "sigmoid", "relu", "clamp",
    "clip", "clamp_min", "clamp_max", "floor", "ceil", "round", "trunc", "fix", "frac", "clone",
]


# --- one tensor in, one out ----------------------------------------------------------------------
class Neg(Primitive):
    """out = -x;  ∂out/∂x = -1"""

    @staticmethod
    def forward(ctx, x):
        if x.dtype.kind == "b":
            raise RuntimeError("Negation, the `-` operator, on a bool tensor is not supported. If you "
                               "are trying to invert a mask, use the `~` or `logical_not()` operator "
                               "instead.")
        return -x

    @staticmethod
    def backward(ctx, g):
        return -g


class Abs(Primitive):
    """out = |x|;  ∂out/∂x = sign(x) (0 at 0, as PyTorch)"""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.abs(x)

    @staticmethod
    def backward(ctx, g):
        x, = ctx.saved_tensors
        return g * np.sign(x)


class Exp(Primitive):
    """out = eˣ;  ∂out/∂x = eˣ = out"""

    @staticmethod
    def forward(ctx, x):
        with np.errstate(over="ignore"):
            y = np.exp(to_float(x))
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        y, = ctx.saved_tensors
        return g * y


_LN2, _LN10 = float(np.log(2)), float(np.log(10))


class Exp2(Primitive):
    """out = 2ˣ;  ∂out/∂x = 2ˣ·ln 2 = out·ln 2"""

    @staticmethod
    def forward(ctx, x):
        with np.errstate(over="ignore"):
            y = np.exp2(to_float(x))
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        y, = ctx.saved_tensors
        return g * y * _LN2


class Expm1(Primitive):
    """out = eˣ - 1 (accurate near 0);  ∂out/∂x = eˣ = out + 1"""

    @staticmethod
    def forward(ctx, x):
        with np.errstate(over="ignore"):
            y = np.expm1(to_float(x))
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        y, = ctx.saved_tensors
        return g * (y + 1)


class Log(Primitive):
    """out = ln x;  ∂out/∂x = 1/x   (nan for x < 0 and -inf at 0, as PyTorch)"""

    @staticmethod
    def forward(ctx, x):
        x = to_float(x)
        ctx.save_for_backward(x)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.log(x)

    @staticmethod
    def backward(ctx, g):
        x, = ctx.saved_tensors
        with np.errstate(divide="ignore", invalid="ignore"):
            return g / x


class _LogBase(Primitive):
    """out = log_b x = ln x / ln b;  ∂out/∂x = 1/(x·ln b)"""

    numpy_fn = ln_base = None

    @classmethod
    def forward(cls, ctx, x):
        x = to_float(x)
        ctx.save_for_backward(x)
        with np.errstate(divide="ignore", invalid="ignore"):
            return cls.numpy_fn(x)

    @classmethod
    def backward(cls, ctx, g):
        x, = ctx.saved_tensors
        with np.errstate(divide="ignore", invalid="ignore"):
            return g / (x * cls.ln_base)


class Log2(_LogBase):
    """out = log₂ x;  ∂out/∂x = 1/(x·ln 2)"""

    numpy_fn, ln_base = np.log2, _LN2


class Log10(_LogBase):
    """out = log₁₀ x;  ∂out/∂x = 1/(x·ln 10)"""

    numpy_fn, ln_base = np.log10, _LN10


class Log1p(Primitive):
    """out = ln(1 + x) (accurate near 0);  ∂out/∂x = 1/(1 + x)"""

    node_name = "Log1PBackward0"  # sic: PyTorch's spelling

    @staticmethod
    def forward(ctx, x):
        x = to_float(x)
        ctx.save_for_backward(x)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.log1p(x)

    @staticmethod
    def backward(ctx, g):
        x, = ctx.saved_tensors
        with np.errstate(divide="ignore", invalid="ignore"):
            return g / (x + 1)


class Sqrt(Primitive):
    """out = √x;  ∂out/∂x = 1/(2√x) = 1/(2·out)"""

    @staticmethod
    def forward(ctx, x):
        with np.errstate(invalid="ignore"):
            y = np.sqrt(to_float(x))
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        y, = ctx.saved_tensors
        with np.errstate(divide="ignore", invalid="ignore"):
            return g / (2 * y)


class Rsqrt(Primitive):
    """out = 1/√x;  ∂out/∂x = -1/(2·x^(3/2)) = -out³/2"""

    @staticmethod
    def forward(ctx, x):
        with np.errstate(divide="ignore", invalid="ignore"):
            y = 1 / np.sqrt(to_float(x))
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        y, = ctx.saved_tensors
        return -0.5 * g * y * y * y


class Reciprocal(Primitive):
    """out = 1/x;  ∂out/∂x = -1/x² = -out²"""

    @staticmethod
    def forward(ctx, x):
        with np.errstate(divide="ignore"):
            y = 1 / to_float(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        y, = ctx.saved_tensors
        return -g * y * y


class Sin(Primitive):
    """out = sin x;  ∂out/∂x = cos x"""

    @staticmethod
    def forward(ctx, x):
        x = to_float(x)
        ctx.save_for_backward(x)
        return np.sin(x)

    @staticmethod
    def backward(ctx, g):
        x, = ctx.saved_tensors
        return g * np.cos(x)


class Cos(Primitive):
    """out = cos x;  ∂out/∂x = -sin x"""

    @staticmethod
    def forward(ctx, x):
        x = to_float(x)
        ctx.save_for_backward(x)
        return np.cos(x)

    @staticmethod
    def backward(ctx, g):
        x, = ctx.saved_tensors
        return -g * np.sin(x)


class Tan(Primitive):
    """out = tan x;  ∂out/∂x = 1 + tan²x = 1 + out²"""

    @staticmethod
    def forward(ctx, x):
        y = np.tan(to_float(x))
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        y, = ctx.saved_tensors
        return g * (1 + y * y)


class Tanh(Primitive):
    """out = tanh x;  ∂out/∂x = 1 - tanh²x = 1 - out²"""

    @staticmethod
    def forward(ctx, x):
        y = np.tanh(to_float(x))
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        y, = ctx.saved_tensors
        return g * (1 - y * y)


class Sigmoid(Primitive):
    """out = σ(x) = 1/(1 + e⁻ˣ);  ∂out/∂x = σ(x)(1 - σ(x)) = out(1 - out)

    Computed in a stable form with one exponential, e = e^(−|x|) ∈ (0, 1], which never overflows:
    σ(x) = 1/(1 + e) for x ≥ 0 and eˣ/(1 + eˣ) = e/(1 + e) for x < 0. Both cases are one formula,
    σ(x) = max(e, [x ≥ 0]) / (1 + e), since the numerator max(e, 1) is 1 and max(e, 0) is e. (The
    textbook two-branch form computes both quotients everywhere and picks with np.where: twice the
    work for the same bits.)
    """

    @staticmethod
    def forward(ctx, x):
        x = to_float(x)
        e = np.exp(-np.abs(x))
        y = np.asarray(np.maximum(e, x >= 0) / (1 + e))  # asarray: a 0-d input gives a numpy scalar
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        y, = ctx.saved_tensors
        return g * y * (1 - y)


class Relu(Primitive):
    """out = max(x, 0);  ∂out/∂x = 1 where x > 0, else 0"""

    @staticmethod
    def forward(ctx, x):
        y = np.maximum(x, 0)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        y, = ctx.saved_tensors
        return g * (y > 0)


class Clone(Primitive):
    """out = a copy of x;  ∂out/∂x = 1"""

    @staticmethod
    def forward(ctx, x):
        return x.copy()

    @staticmethod
    def backward(ctx, g):
        return g


class Frac(Primitive):
    """out = x - trunc(x), the fractional part;  ∂out/∂x = 1"""

    @staticmethod
    def forward(ctx, x):
        return x - np.trunc(x)

    @staticmethod
    def backward(ctx, g):
        return g


class _Piecewise(Primitive):
    """A piecewise-constant op (sign, floor, ceil, trunc): ∂out/∂x = 0 wherever it exists.

    PyTorch records these (SignBackward0, FloorBackward0, ...) so backward through them works and
    gives zeros; so do we."""

    numpy_fn = None

    @classmethod
    def forward(cls, ctx, x):
        return cls.numpy_fn(x)

    @staticmethod
    def backward(ctx, g):
        return np.zeros_like(g)


class Sign(_Piecewise):
    """out = -1, 0 or 1 as x is negative, zero or positive;  ∂out/∂x = 0"""

    numpy_fn = np.sign


class Floor(_Piecewise):
    """out = ⌊x⌋, the largest integer ≤ x;  ∂out/∂x = 0"""

    numpy_fn = np.floor


class Ceil(_Piecewise):
    """out = ⌈x⌉, the smallest integer ≥ x;  ∂out/∂x = 0"""

    numpy_fn = np.ceil


class Trunc(_Piecewise):
    """out = x rounded toward zero;  ∂out/∂x = 0"""

    numpy_fn = np.trunc


class Round(Primitive):
    """out = x rounded (half to even) to ``decimals``;  ∂out/∂x = 0"""

    one_tensor_input = True  # the other arguments are options (see Function)

    @staticmethod
    def forward(ctx, x, decimals):
        return np.round(x, decimals)

    @staticmethod
    def backward(ctx, g):
        return np.zeros_like(g), None


class RoundDecimals(Round):
    node_name = "RoundBackward1"  # round(x, decimals=d) is PyTorch's other overload


def _unary(fn):
    def op(input):  # noqa: A002
        if not isinstance(input, Tensor):
            raise TypeError(f"{fn.__name__.lower()}(): argument 'input' (position 1) must be Tensor, not "
                            f"{type(input).__name__}")
        return fn.apply(input)
    op.__name__ = fn.__name__.lower()
    op.__doc__ = fn.__doc__
    return op


neg = negative = _unary(Neg)
abs = absolute = _unary(Abs)  # noqa: A001
exp, exp2, expm1 = _unary(Exp), _unary(Exp2), _unary(Expm1)
log, log2, log10, log1p = _unary(Log), _unary(Log2), _unary(Log10), _unary(Log1p)
sqrt, rsqrt, reciprocal = _unary(Sqrt), _unary(Rsqrt), _unary(Reciprocal)
sin, cos, tan = _unary(Sin), _unary(Cos), _unary(Tan)
tanh, sigmoid, relu = _unary(Tanh), _unary(Sigmoid), _unary(Relu)
frac = _unary(Frac)
_clone = _unary(Clone)


def clone(input, *, memory_format=None):  # noqa: A002
    """A copy that records the graph (CloneBackward0): row-major, or in the ``memory_format`` asked for
    (``preserve_format``: input's layout). PyTorch's default is preserve_format; glassgrad's row-major
    copy differs only for a channels-last input (the values are the same)."""
    result = _clone(input)
    if memory_format is None or result.is_meta:
        return result
    check_memory_format(memory_format, "clone")
    result._array = laid_out(result._array, memory_format, input._array)
    return result
sign, floor, ceil, trunc = _unary(Sign), _unary(Floor), _unary(Ceil), _unary(Trunc)
fix = trunc  # PyTorch's other name for trunc (numpy's)


def square(input):  # noqa: A002
    """x², which PyTorch computes as pow(x, 2)"""
    return pow(input, 2)


def round(input, *, decimals: int = 0):  # noqa: A001, A002
    """Round half to even, as PyTorch."""
    return (RoundDecimals if decimals else Round).apply(input, decimals)


# --- clamp: limiting values to [min, max] -----------------------------------------------------------
class Clamp(Primitive):
    """out = min(max(x, lo), hi);  ∂out/∂x = 1 where lo ≤ x ≤ hi, else 0 (PyTorch's convention)

    With tensor bounds the gradient also reaches them: ∂out/∂lo = 1 where x < lo (and lo < hi),
    ∂out/∂hi = 1 where x > hi (or hi < lo), summed back over broadcasting. A missing bound is None."""

    node_name = "ClampBackward1"  # clamp(x, number, number)

    @staticmethod
    def forward(ctx, x, lo, hi):
        if x.dtype.kind in "biu" and (isinstance(lo, (float, np.floating)) or isinstance(hi, (float, np.floating))):
            x = to_float(x)  # PyTorch's promotion: an int tensor clamped by a Python float is float
        ctx.save_for_backward(x, lo, hi)
        y = x
        if lo is not None:
            y = np.maximum(y, np.asarray(lo, dtype=x.dtype) if not isinstance(lo, np.ndarray) else lo)
        if hi is not None:
            y = np.minimum(y, np.asarray(hi, dtype=x.dtype) if not isinstance(hi, np.ndarray) else hi)
        return y

    @staticmethod
    def backward(ctx, g):
        return _clamp_grads(ctx, g, *ctx.needs_input_grad[1:])


def _clamp_grads(ctx, g, need_lo: bool, need_hi: bool) -> tuple:
    """(∂L/∂x, ∂L/∂lo, ∂L/∂hi) of clamp, after PyTorch's clamp_backward_min_max."""
    x, lo, hi = ctx.saved_tensors
    if lo is not None and hi is not None:
        inside = np.logical_and(x >= lo, x <= hi)
    else:
        inside = x >= lo if lo is not None else x <= hi
    grads = [g * inside, None, None]
    if need_lo:
        below = x < lo if hi is None else np.logical_and(x < lo, lo < hi)
        grads[1] = unbroadcast(g * below, np.shape(lo))
    if need_hi:
        above = x > hi if lo is None else np.logical_or(x > hi, hi < lo)
        grads[2] = unbroadcast(g * above, np.shape(hi))
    return tuple(grads)


class ClampTensor(Clamp):
    """clamp(x, min, max) with tensor bounds: three inputs, a missing bound included (PyTorch's
    ``clamp(Tensor, Tensor? min, Tensor? max)``); the missing one arrives as _NO_BOUND's array."""

    node_name = "ClampBackward0"
    numbers_are_inputs = True  # every bound is a tensor input, as in PyTorch

    @staticmethod
    def forward(ctx, x, lo, hi):
        return Clamp.forward(ctx, x, None if lo is _NO_BOUND._array else lo,
                             None if hi is _NO_BOUND._array else hi)


# Holds a left-out bound's place among ClampTensor's inputs (so next_functions has PyTorch's three).
_NO_BOUND = Tensor._wrap(np.array(np.nan))


def _bound(value, x: Tensor) -> Tensor:
    """A bound of a tensor clamp as a tensor: itself, _NO_BOUND, or a number as a 0-d tensor."""
    if value is None:
        return _NO_BOUND
    return value if isinstance(value, Tensor) else Tensor._wrap(np.asarray(value, dtype=x._array.dtype))


class ClampMin(Clamp):
    """clamp_min(x, lo) = max(x, lo), with the derivatives of clamp"""

    node_name = "ClampMinBackward0"

    @staticmethod
    def forward(ctx, x, lo):
        return Clamp.forward(ctx, x, lo, None)

    @staticmethod
    def backward(ctx, g):
        return _clamp_grads(ctx, g, ctx.needs_input_grad[1], False)[:2]


class ClampMinTensor(ClampMin):
    node_name = "ClampMinBackward1"
    numbers_are_inputs = True


class ClampMax(Clamp):
    """clamp_max(x, hi) = min(x, hi), with the derivatives of clamp"""

    node_name = "ClampMaxBackward0"

    @staticmethod
    def forward(ctx, x, hi):
        return Clamp.forward(ctx, x, None, hi)

    @staticmethod
    def backward(ctx, g):
        grads = _clamp_grads(ctx, g, False, ctx.needs_input_grad[1])
        return grads[0], grads[2]


class ClampMaxTensor(ClampMax):
    node_name = "ClampMaxBackward1"
    numbers_are_inputs = True


def clamp(input, min=None, max=None):  # noqa: A001, A002
    """Limit values to [min, max]; ``min``/``max`` may be numbers or tensors."""
    if min is None and max is None:
        raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
    if isinstance(min, Tensor) or isinstance(max, Tensor):
        return ClampTensor.apply(input, _bound(min, input), _bound(max, input))
    return Clamp.apply(input, min, max)


clip = clamp


def clamp_min(input, min):  # noqa: A001, A002
    return (ClampMinTensor if isinstance(min, Tensor) else ClampMin).apply(input, min)


def clamp_max(input, max):  # noqa: A001, A002
    return (ClampMaxTensor if isinstance(max, Tensor) else ClampMax).apply(input, max)


def rdiv(self, other):
    """``other / self``: as PyTorch's ``Tensor.__rdiv__``, ``self.reciprocal() * other`` for a number."""
    if isinstance(other, Tensor):
        return div(other, self)
    return mul(reciprocal(self), operand(other))


TENSOR_METHODS = {
    "__neg__": neg, "__abs__": abs, "__pos__": lambda self: self, "__rtruediv__": rdiv,
    "neg": neg, "negative": neg, "abs": abs, "absolute": abs, "sign": sign, "exp": exp, "exp2": exp2,
    "expm1": expm1, "log": log, "log2": log2, "log10": log10, "log1p": log1p, "sqrt": sqrt,
    "rsqrt": rsqrt, "square": square, "reciprocal": reciprocal, "sin": sin, "cos": cos, "tan": tan,
    "tanh": tanh, "sigmoid": sigmoid, "relu": relu, "clamp": clamp, "clip": clamp,
    "clamp_min": clamp_min, "clamp_max": clamp_max, "floor": floor, "ceil": ceil, "round": round,
    "trunc": trunc, "fix": trunc, "frac": frac, "clone": clone,
}

# numpy -> glassgrad, so backward formulas written in numpy also run on Tensors (create_graph=True)
NUMPY = {
    np.negative: neg, np.absolute: abs, np.sign: sign, np.exp: exp, np.exp2: exp2, np.expm1: expm1,
    np.log: log, np.log2: log2, np.log10: log10, np.log1p: log1p, np.sqrt: sqrt, np.sin: sin,
    np.cos: cos, np.tan: tan, np.tanh: tanh, np.floor: floor, np.ceil: ceil, np.trunc: trunc,
}
