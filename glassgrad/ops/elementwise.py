"""Elementwise ops: arithmetic, the common math functions, comparisons, casts and in-place forms.

Part III, the first op family to read. Every differentiable op is a ``Function`` whose forward and
backward sit together and whose docstring states the local derivative. Inputs broadcast like PyTorch's,
so each backward ends with ``unbroadcast`` (see _util.py). Backward formulas are written in numpy
(``np.cos(x)``, ``g * y``) so that, given Tensors instead of arrays, they record a graph of their own:
that is what ``create_graph=True`` uses for second derivatives.
"""

from __future__ import annotations

import numbers

import numpy as np

from glassgrad import dtypes
from glassgrad.autograd.function import Function, Primitive
from glassgrad.autograd.grad_mode import GRAD_ENABLED
from glassgrad.ops._util import check_broadcast, check_shapes, operand, promote, to_float, unbroadcast
from glassgrad.tensor import Tensor

__all__ = [
    "add", "sub", "subtract", "mul", "multiply", "div", "divide", "true_divide", "floor_divide",
    "remainder", "fmod", "pow", "neg", "negative", "abs", "absolute", "sign", "exp", "exp2", "expm1",
    "log", "log2", "log10", "log1p", "sqrt", "rsqrt", "square", "reciprocal", "sin", "cos", "tan",
    "tanh", "sigmoid", "relu", "clamp", "clip", "clamp_min", "clamp_max", "maximum", "minimum", "where",
    "lerp", "floor", "ceil", "round", "trunc", "frac", "eq", "ne", "lt", "le", "gt", "ge", "equal",
    "greater", "less", "greater_equal", "less_equal", "not_equal", "logical_and", "logical_or",
    "logical_not", "logical_xor", "isnan", "isinf", "isfinite", "clone", "allclose", "isclose",
]


def _binary(op: str, fn, input, other):  # noqa: A002
    """Shared entry of binary ops: check the operands and their shapes, then apply ``fn``."""
    input, other = operand(input, "input"), operand(other)
    if isinstance(input, Tensor) and isinstance(other, Tensor) and input.shape != other.shape:
        check_broadcast(op, input._array, other._array)
    return fn.apply(input, other)


# --- arithmetic --------------------------------------------------------------------------------------
class Add(Primitive):
    """out = a + b;  ∂out/∂a = 1,  ∂out/∂b = 1 (then undo broadcasting)"""

    numbers_are_inputs = True  # x * 2: PyTorch wraps the 2, so it is an input (with no gradient)

    @staticmethod
    def forward(ctx, a, b):
        a, b = promote(a, b)
        ctx.shapes = (np.shape(a), np.shape(b))
        return a + b

    @staticmethod
    def backward(ctx, g):
        sa, sb = ctx.shapes
        return unbroadcast(g, sa), unbroadcast(g, sb)


class Sub(Primitive):
    """out = a - b;  ∂out/∂a = 1,  ∂out/∂b = -1"""

    numbers_are_inputs = True  # x * 2: PyTorch wraps the 2, so it is an input (with no gradient)

    @staticmethod
    def forward(ctx, a, b):
        a, b = promote(a, b)
        if np.asarray(a).dtype.kind == "b":
            raise RuntimeError("Subtraction, the `-` operator, with two bool tensors is not supported. "
                               "Use the `^` or `logical_xor()` operator instead.")
        ctx.shapes = (np.shape(a), np.shape(b))
        return a - b

    @staticmethod
    def backward(ctx, g):
        sa, sb = ctx.shapes
        return unbroadcast(g, sa), unbroadcast(-g, sb)


class Mul(Primitive):
    """out = a * b;  ∂out/∂a = b,  ∂out/∂b = a"""

    numbers_are_inputs = True  # x * 2: PyTorch wraps the 2, so it is an input (with no gradient)

    @staticmethod
    def forward(ctx, a, b):
        a, b = promote(a, b)
        ctx.save_for_backward(a, b)
        return a * b

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        return (unbroadcast(g * b, np.shape(a)) if need_a else None,
                unbroadcast(g * a, np.shape(b)) if need_b else None)


class Div(Primitive):
    """out = a / b;  ∂out/∂a = 1/b,  ∂out/∂b = -a/b²"""

    numbers_are_inputs = True  # x * 2: PyTorch wraps the 2, so it is an input (with no gradient)

    @staticmethod
    def forward(ctx, a, b):
        a, b = promote(a, b)
        a, b = to_float(a), to_float(b)  # true division: integers become the default float dtype
        ctx.save_for_backward(a, b)
        with np.errstate(divide="ignore", invalid="ignore"):
            return a / b

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        return (unbroadcast(g / b, np.shape(a)) if need_a else None,
                unbroadcast(-g * a / (b * b), np.shape(b)) if need_b else None)


class Pow(Function):
    """out = aᵇ;  ∂out/∂a = b·aᵇ⁻¹,  ∂out/∂b = aᵇ·ln a (taken as 0 where a = 0, as PyTorch does)"""

    on_arrays = differentiable_backward = True

    @staticmethod
    def forward(ctx, a, b):
        a, b = promote(a, b)
        if type(b) is np.ndarray and b.dtype.kind in "iu" and (b < 0).any() and np.asarray(a).dtype.kind in "iu":
            raise RuntimeError("Integers to negative integer powers are not allowed.")
        ctx.save_for_backward(a, b)
        with np.errstate(divide="ignore", invalid="ignore"):
            return a ** b

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        grad_a = grad_b = None
        with np.errstate(divide="ignore", invalid="ignore"):
            if need_a:
                # b·a^(b-1), written so that b = 0 gives 0 even at a = 0
                grad_a = unbroadcast(np.where(b == 0, 0.0, g * b * a ** (b - 1)), np.shape(a))
            if need_b:
                safe_log = np.log(np.where(a > 0, a, 1.0))
                grad_b = unbroadcast(g * a ** b * safe_log, np.shape(b))
        return grad_a, grad_b


class FloorDivide(Function):
    """out = ⌊a / b⌋; piecewise constant, so its gradient is zero (PyTorch: not differentiable)."""

    on_arrays = True

    @staticmethod
    def forward(ctx, a, b):
        a, b = promote(a, b)
        _check_int_division(b)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.floor_divide(a, b)

    @staticmethod
    def backward(ctx, g):
        raise RuntimeError("the derivative for 'floor_divide' is not implemented.")


class Remainder(Function):
    """out = a - ⌊a/b⌋·b (sign of b, like Python's %);  ∂out/∂a = 1,  ∂out/∂b = -⌊a/b⌋"""

    on_arrays = True

    @staticmethod
    def forward(ctx, a, b):
        a, b = promote(a, b)
        _check_int_division(b)
        ctx.save_for_backward(a, b)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.remainder(a, b)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        with np.errstate(divide="ignore", invalid="ignore"):
            return unbroadcast(g, np.shape(a)), unbroadcast(-g * np.floor_divide(a, b), np.shape(b))


class Fmod(Function):
    """out = a - trunc(a/b)·b (sign of a, like C's fmod);  ∂out/∂a = 1,  ∂out/∂b = -trunc(a/b)"""

    on_arrays = True

    @staticmethod
    def forward(ctx, a, b):
        a, b = promote(a, b)
        _check_int_division(b)
        ctx.save_for_backward(a, b)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.fmod(a, b)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        with np.errstate(divide="ignore", invalid="ignore"):
            return unbroadcast(g, np.shape(a)), unbroadcast(-g * np.trunc(a / b), np.shape(b))


def _check_int_division(b) -> None:
    if np.asarray(b).dtype.kind in "iub" and np.any(np.asarray(b) == 0):
        raise ZeroDivisionError("integer division by zero")


def add(input, other, *, alpha=1):  # noqa: A002
    """input + alpha · other"""
    if alpha != 1:
        other = mul(other, alpha) if isinstance(other, Tensor) else other * alpha
    return _binary("add", Add, input, other)


def sub(input, other, *, alpha=1):  # noqa: A002
    """input - alpha · other"""
    if alpha != 1:
        other = mul(other, alpha) if isinstance(other, Tensor) else other * alpha
    return _binary("sub", Sub, input, other)


def mul(input, other):  # noqa: A002
    return _binary("mul", Mul, input, other)


def div(input, other, *, rounding_mode=None):  # noqa: A002
    """input / other; ``rounding_mode`` None (true division), "trunc" or "floor"."""
    if rounding_mode is None:
        return _binary("div", Div, input, other)
    if rounding_mode == "floor":
        return floor_divide(input, other)
    if rounding_mode == "trunc":
        return trunc(_binary("div", Div, input, other)).to(_result_dtype(input, other))
    raise ValueError(f"div expected rounding_mode to be one of None, 'trunc', or 'floor' but found "
                     f"'{rounding_mode}'")


def _result_dtype(a, b) -> dtypes.dtype:
    a = a._array if isinstance(a, Tensor) else a
    b = b._array if isinstance(b, Tensor) else b
    array, other = (a, b) if isinstance(a, np.ndarray) else (b, a)
    return dtypes.from_numpy_dtype(dtypes.result_type(array, other))


def floor_divide(input, other):  # noqa: A002
    return _binary("floor_divide", FloorDivide, input, other)


def remainder(input, other):  # noqa: A002
    return _binary("remainder", Remainder, input, other)


def fmod(input, other):  # noqa: A002
    return _binary("fmod", Fmod, input, other)


def pow(input, exponent):  # noqa: A001, A002
    """inputᵉˣᵖᵒⁿᵉⁿᵗ; either may be a tensor."""
    return _binary("pow", Pow, input, exponent)


subtract, multiply, divide, true_divide = sub, mul, div, div


# --- unary math --------------------------------------------------------------------------------------
class Neg(Function):
    """out = -x;  ∂out/∂x = -1"""

    on_arrays = differentiable_backward = True

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


class Abs(Function):
    """out = |x|;  ∂out/∂x = sign(x) (0 at 0, as PyTorch)"""

    on_arrays = differentiable_backward = True

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.abs(x)

    @staticmethod
    def backward(ctx, g):
        x, = ctx.saved_tensors
        return g * np.sign(x)


class Exp(Function):
    """out = eˣ;  ∂out/∂x = eˣ = out"""

    on_arrays = differentiable_backward = True

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


class Expm1(Function):
    """out = eˣ - 1 (accurate near 0);  ∂out/∂x = eˣ = out + 1"""

    on_arrays = differentiable_backward = True

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


class Log(Function):
    """out = ln x;  ∂out/∂x = 1/x   (nan for x < 0 and -inf at 0, as PyTorch)"""

    on_arrays = differentiable_backward = True

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


class Log1p(Function):
    """out = ln(1 + x) (accurate near 0);  ∂out/∂x = 1/(1 + x)"""

    on_arrays = differentiable_backward = True

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


class Sqrt(Function):
    """out = √x;  ∂out/∂x = 1/(2√x) = 1/(2·out)"""

    on_arrays = differentiable_backward = True

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


class Sin(Function):
    """out = sin x;  ∂out/∂x = cos x"""

    on_arrays = differentiable_backward = True

    @staticmethod
    def forward(ctx, x):
        x = to_float(x)
        ctx.save_for_backward(x)
        return np.sin(x)

    @staticmethod
    def backward(ctx, g):
        x, = ctx.saved_tensors
        return g * np.cos(x)


class Cos(Function):
    """out = cos x;  ∂out/∂x = -sin x"""

    on_arrays = differentiable_backward = True

    @staticmethod
    def forward(ctx, x):
        x = to_float(x)
        ctx.save_for_backward(x)
        return np.cos(x)

    @staticmethod
    def backward(ctx, g):
        x, = ctx.saved_tensors
        return -g * np.sin(x)


class Tan(Function):
    """out = tan x;  ∂out/∂x = 1 + tan²x = 1 + out²"""

    on_arrays = differentiable_backward = True

    @staticmethod
    def forward(ctx, x):
        y = np.tan(to_float(x))
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        y, = ctx.saved_tensors
        return g * (1 + y * y)


class Tanh(Function):
    """out = tanh x;  ∂out/∂x = 1 - tanh²x = 1 - out²"""

    on_arrays = differentiable_backward = True

    @staticmethod
    def forward(ctx, x):
        y = np.tanh(to_float(x))
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        y, = ctx.saved_tensors
        return g * (1 - y * y)


class Sigmoid(Function):
    """out = σ(x) = 1/(1 + e⁻ˣ);  ∂out/∂x = σ(x)(1 - σ(x)) = out(1 - out)

    Computed in the stable two-branch form: for x < 0, σ(x) = eˣ/(1 + eˣ), so e⁻ˣ never overflows.
    """

    on_arrays = differentiable_backward = True

    @staticmethod
    def forward(ctx, x):
        x = to_float(x)
        e = np.exp(-np.abs(x))  # in (0, 1]: no overflow on either side
        y = np.where(x >= 0, 1 / (1 + e), e / (1 + e)).astype(x.dtype, copy=False)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        y, = ctx.saved_tensors
        return g * y * (1 - y)


class Relu(Function):
    """out = max(x, 0);  ∂out/∂x = 1 where x > 0, else 0"""

    on_arrays = differentiable_backward = True

    @staticmethod
    def forward(ctx, x):
        y = np.maximum(x, 0)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        y, = ctx.saved_tensors
        return g * (y > 0)


class Clamp(Function):
    """out = min(max(x, lo), hi);  ∂out/∂x = 1 where lo ≤ x ≤ hi, else 0 (PyTorch's convention)"""

    on_arrays = differentiable_backward = True

    @staticmethod
    def forward(ctx, x, lo, hi):
        ctx.save_for_backward(x)
        ctx.bounds = (lo, hi)
        y = x
        if lo is not None:
            y = np.maximum(y, np.asarray(lo, dtype=x.dtype) if not isinstance(lo, np.ndarray) else lo)
        if hi is not None:
            y = np.minimum(y, np.asarray(hi, dtype=x.dtype) if not isinstance(hi, np.ndarray) else hi)
        return y

    @staticmethod
    def backward(ctx, g):
        x, = ctx.saved_tensors
        lo, hi = ctx.bounds
        if lo is not None and hi is not None:
            inside = np.logical_and(x >= lo, x <= hi)
        else:
            inside = x >= lo if lo is not None else x <= hi
        return g * inside, None, None


class Maximum(Function):
    """out = max(a, b);  the gradient goes to the larger input (split in half on ties, as PyTorch)"""

    on_arrays = differentiable_backward = True

    @staticmethod
    def forward(ctx, a, b):
        a, b = promote(a, b)
        ctx.save_for_backward(a, b)
        return np.maximum(a, b)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        share = (a > b) + 0.5 * (a == b)
        return unbroadcast(g * share, np.shape(a)), unbroadcast(g * (1 - share), np.shape(b))


class Minimum(Function):
    """out = min(a, b);  the gradient goes to the smaller input (split in half on ties)"""

    on_arrays = differentiable_backward = True

    @staticmethod
    def forward(ctx, a, b):
        a, b = promote(a, b)
        ctx.save_for_backward(a, b)
        return np.minimum(a, b)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        share = (a < b) + 0.5 * (a == b)
        return unbroadcast(g * share, np.shape(a)), unbroadcast(g * (1 - share), np.shape(b))


class Where(Function):
    """out = a where cond else b;  ∂out/∂a = cond,  ∂out/∂b = not cond"""

    on_arrays = differentiable_backward = True

    @staticmethod
    def forward(ctx, cond, a, b):
        a, b = promote(a, b)
        ctx.cond = cond
        ctx.shapes = (np.shape(a), np.shape(b))
        return np.where(cond, a, b)

    @staticmethod
    def backward(ctx, g):
        sa, sb = ctx.shapes
        zero = np.zeros_like(g)
        return (None, unbroadcast(np.where(ctx.cond, g, zero), sa),
                unbroadcast(np.where(ctx.cond, zero, g), sb))


class Cast(Function):
    """out = x converted to another dtype;  ∂out/∂x = 1 (the gradient converted back)"""

    on_arrays = differentiable_backward = True

    @staticmethod
    def forward(ctx, x, dtype):
        ctx.dtype = x.dtype
        return x.astype(dtype)

    @staticmethod
    def backward(ctx, g):
        return g.astype(ctx.dtype) if isinstance(g, np.ndarray) else g.to(ctx.dtype), None


class Clone(Function):
    """out = a copy of x;  ∂out/∂x = 1"""

    on_arrays = differentiable_backward = True

    @staticmethod
    def forward(ctx, x):
        return x.copy()

    @staticmethod
    def backward(ctx, g):
        return g


def _unary(fn):
    def op(input):  # noqa: A002
        if not isinstance(input, Tensor):
            raise TypeError(f"{fn.__name__.lower()}(): argument 'input' must be Tensor, not "
                            f"{type(input).__name__}")
        return fn.apply(input)
    op.__name__ = fn.__name__.lower()
    op.__doc__ = fn.__doc__
    return op


neg = negative = _unary(Neg)
abs = absolute = _unary(Abs)  # noqa: A001
exp, expm1, log, log1p = _unary(Exp), _unary(Expm1), _unary(Log), _unary(Log1p)
sqrt, sin, cos, tan = _unary(Sqrt), _unary(Sin), _unary(Cos), _unary(Tan)
tanh, sigmoid, relu = _unary(Tanh), _unary(Sigmoid), _unary(Relu)
clone = _unary(Clone)


def exp2(input):  # noqa: A002
    return pow(2.0, input)


def log2(input):  # noqa: A002
    return log(input) / float(np.log(2))


def log10(input):  # noqa: A002
    return log(input) / float(np.log(10))


def rsqrt(input):  # noqa: A002
    """1/√x"""
    return pow(input, -0.5)


def square(input):  # noqa: A002
    return mul(input, input)


def reciprocal(input):  # noqa: A002
    return div(1.0, input)


class _Piecewise(Function):
    """A piecewise-constant op (sign, floor, ceil, trunc, round): ∂out/∂x = 0 wherever it exists.

    PyTorch records these (SignBackward0, FloorBackward0, ...) so backward through them works and
    gives zeros; so do we."""

    on_arrays = differentiable_backward = True
    numpy_fn = None

    @classmethod
    def forward(cls, ctx, x):
        return cls.numpy_fn(x)

    @staticmethod
    def backward(ctx, g):
        return np.zeros_like(g)


class Sign(_Piecewise):
    numpy_fn = staticmethod(np.sign)


class Floor(_Piecewise):
    numpy_fn = staticmethod(np.floor)


class Ceil(_Piecewise):
    numpy_fn = staticmethod(np.ceil)


class Trunc(_Piecewise):
    numpy_fn = staticmethod(np.trunc)


sign, floor, ceil, trunc = _unary(Sign), _unary(Floor), _unary(Ceil), _unary(Trunc)
sign.__doc__ = "-1, 0 or 1 elementwise; its gradient is zero."


def _no_grad_unary(np_fn):
    def op(input):  # noqa: A002
        return Tensor._wrap(np_fn(input._array))
    op.__name__ = np_fn.__name__
    op.__doc__ = f"{np_fn.__name__}, elementwise (a bool result: no gradient flows)."
    return op


class Round(Function):
    """out = x rounded (half to even) to ``decimals``;  ∂out/∂x = 0"""

    on_arrays = differentiable_backward = True

    @staticmethod
    def forward(ctx, x, decimals):
        return np.round(x, decimals)

    @staticmethod
    def backward(ctx, g):
        return np.zeros_like(g), None


def round(input, *, decimals: int = 0):  # noqa: A001, A002
    """Round half to even, as PyTorch."""
    return Round.apply(input, decimals)


def frac(input):  # noqa: A002
    return sub(input, trunc(input))


def clamp(input, min=None, max=None):  # noqa: A001, A002
    """Limit values to [min, max]; ``min``/``max`` may be numbers or tensors."""
    if min is None and max is None:
        raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
    lo = min._array if isinstance(min, Tensor) else min
    hi = max._array if isinstance(max, Tensor) else max
    return Clamp.apply(input, lo, hi)


clip = clamp


def clamp_min(input, min):  # noqa: A001, A002
    return clamp(input, min=min)


def clamp_max(input, max):  # noqa: A001, A002
    return clamp(input, max=max)


def maximum(input, other):  # noqa: A002
    return _binary("maximum", Maximum, input, other)


def minimum(input, other):  # noqa: A002
    return _binary("minimum", Minimum, input, other)


def where(condition, input=None, other=None):  # noqa: A002
    """Elementwise choice: ``input`` where ``condition``, else ``other`` (tensors or numbers)."""
    if input is None and other is None:
        from glassgrad.ops.indexing import nonzero
        return nonzero(condition, as_tuple=True)
    cond = condition._array if isinstance(condition, Tensor) else np.asarray(condition)
    if cond.dtype != np.bool_:
        raise RuntimeError(f"where expected condition to be a boolean tensor, but got a tensor with "
                           f"dtype {dtypes.from_numpy_dtype(cond.dtype).name}")
    input, other = operand(input, "input"), operand(other)
    a = input._array if isinstance(input, Tensor) else input
    b = other._array if isinstance(other, Tensor) else other
    check_broadcast("where", a, b)
    check_shapes("where", cond.shape, np.broadcast_shapes(np.shape(a), np.shape(b)))
    return Where.apply(cond, input, other)


def lerp(input, end, weight):  # noqa: A002
    """input + weight · (end - input)"""
    return add(input, mul(sub(end, input), weight))


# --- comparisons and logic: bool results, no gradient ------------------------------------------------
def _compare(name: str, np_fn):
    def op(input, other):  # noqa: A002
        a = input._array if isinstance(input, Tensor) else input
        b = operand(other)
        b = b._array if isinstance(b, Tensor) else b
        check_broadcast(name, a, b)
        return Tensor._wrap(np.asarray(np_fn(a, b)))
    op.__name__ = name
    op.__doc__ = f"Elementwise ``{name}``: a bool tensor (no gradient flows through comparisons)."
    return op


eq, ne = _compare("eq", np.equal), _compare("ne", np.not_equal)
lt, le = _compare("lt", np.less), _compare("le", np.less_equal)
gt, ge = _compare("gt", np.greater), _compare("ge", np.greater_equal)
greater, less, greater_equal, less_equal, not_equal = gt, lt, ge, le, ne
logical_and = _compare("logical_and", np.logical_and)
logical_or = _compare("logical_or", np.logical_or)
logical_xor = _compare("logical_xor", np.logical_xor)
bitwise_and = _compare("bitwise_and", np.bitwise_and)
bitwise_or = _compare("bitwise_or", np.bitwise_or)
bitwise_xor = _compare("bitwise_xor", np.bitwise_xor)


def logical_not(input):  # noqa: A002
    return Tensor._wrap(np.logical_not(input._array))


def bitwise_not(input):  # noqa: A002
    if input._array.dtype.kind == "f":
        raise TypeError("bitwise_not is only supported for integer and boolean tensors")
    return Tensor._wrap(np.invert(input._array))


isnan = _no_grad_unary(np.isnan)
isinf = _no_grad_unary(np.isinf)
isfinite = _no_grad_unary(np.isfinite)


def equal(input, other) -> bool:  # noqa: A002
    """True if both tensors have the same shape and elements."""
    return input.shape == other.shape and bool(np.array_equal(input._array, other._array))


def isclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):  # noqa: A002
    b = other._array if isinstance(other, Tensor) else other
    return Tensor._wrap(np.isclose(input._array, b, rtol=rtol, atol=atol, equal_nan=equal_nan))


def allclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False) -> bool:  # noqa: A002
    b = other._array if isinstance(other, Tensor) else other
    return bool(np.allclose(input._array, b, rtol=rtol, atol=atol, equal_nan=equal_nan))


# --- dtype conversion -------------------------------------------------------------------------------
def to_arguments(args: tuple, kwargs: dict, unknown_message: str, ignored: tuple = ()):
    """The dtype that ``.to(...)`` asks for (None if none), for tensors and modules alike.

    ``to(dtype)``, ``to("cpu")``, ``to(device=..., dtype=...)``, ``to(other_tensor)``; any device but
    the CPU is refused. Unknown keywords raise TypeError with ``unknown_message`` and their names."""
    kwargs = dict(kwargs)
    dtype = kwargs.pop("dtype", None)
    device = kwargs.pop("device", None)
    for name in ("non_blocking", *ignored):
        kwargs.pop(name, None)
    if kwargs:
        raise TypeError(f"{unknown_message} {sorted(kwargs)}")
    for a in args:
        if isinstance(a, Tensor):
            dtype = a.dtype
        elif isinstance(a, str) or type(a).__name__ == "device":
            device = a
        elif a is not None:
            dtype = a
    if device is not None and str(device) != "cpu":
        raise RuntimeError(f"glassgrad runs on the CPU only; device {str(device)!r} is not available")
    return dtype


def to(self, *args, **kwargs):
    """``x.to(dtype)``, ``x.to("cpu")``, ``x.to(other_tensor)``; returns self when nothing changes."""
    dtype = to_arguments(args, kwargs, "to() got unexpected keyword arguments", ignored=("copy",))
    if dtype is None:
        return self
    target = dtypes.to_dtype(dtype).numpy
    if target == self._array.dtype:
        return self
    if self._requires_grad and target.kind != "f":
        return Tensor._wrap(self._array.astype(target))  # integer results are not differentiable
    return Cast.apply(self, target)


def _caster(dtype):
    def method(self, memory_format=None):
        return to(self, dtype)
    method.__name__ = dtype.name
    return method


def type_as(self, other):
    return to(self, other.dtype)


def _type(self, dtype=None):
    """With no argument, PyTorch's type name ('glassgrad.FloatTensor'); with a dtype, a cast."""
    if dtype is None:
        return f"glassgrad.{dtypes.TORCH_NAMES[self._array.dtype.name]}Tensor"
    return to(self, dtype)


def _cuda(self, *args, **kwargs):
    raise RuntimeError("glassgrad runs on the CPU only: there is no CUDA device")


# --- in-place forms: x.add_(y) is x = x + y, written into x's own memory ------------------------------
def _inplace(fn):
    def method(self, *args, **kwargs):
        self._check_inplace()
        if self._requires_grad and GRAD_ENABLED[0]:
            # The op may save its input for backward; the write below would then corrupt it. PyTorch
            # keeps what it needs; we compute from a copy, which the graph keeps instead.
            return self._apply_inplace(fn(Clone.apply(self), *args, **kwargs))
        return self._apply_inplace(fn(self, *args, **kwargs))
    method.__name__ = fn.__name__ + "_"
    method.__doc__ = f"In-place ``{fn.__name__}``: changes this tensor and returns it."
    return method


def zero_(self):
    """Set every element to zero, in place."""
    self._check_inplace()
    self._array[...] = 0
    self._vc[0] += 1
    return self


def fill_(self, value):
    self._check_inplace()
    if isinstance(value, Tensor):
        if value._array.size != 1:
            raise RuntimeError(f"fill_ only supports 0-dimension value tensor but got tensor with "
                               f"{value.dim()} dimensions.")
        value = value.item()
    self._array[...] = value
    self._vc[0] += 1
    return self


def copy_(self, src, non_blocking: bool = False):
    """Copy ``src``'s numbers (broadcast to this shape, cast to this dtype) into this tensor."""
    from glassgrad.autograd.grad_mode import GRAD_ENABLED

    src = operand(src, "src")
    src = src if isinstance(src, Tensor) else Tensor._wrap(np.asarray(src))
    try:
        expanded = np.broadcast_to(src._array, self._array.shape)
    except ValueError:
        raise RuntimeError(f"copy_: the size of tensor a {list(self.shape)} must match the size of "
                           f"tensor b {list(src.shape)} at non-singleton dimension") from None
    if GRAD_ENABLED[0] and src._requires_grad:  # the copy is part of the graph
        result = add(zeros_like_shape(self), src)  # broadcast src to our shape, graph and all
        return self._apply_inplace(to(result, self.dtype))
    self._check_inplace()
    np.copyto(self._array, expanded, casting="unsafe")
    self._vc[0] += 1
    return self


def zeros_like_shape(t: Tensor) -> Tensor:
    return Tensor._wrap(np.zeros(t._array.shape, t._array.dtype))


def _rop(fn):
    def method(self, other):
        return fn(other, self)
    return method


def _eq_method(self, other):
    if other is None or not isinstance(other, (Tensor, numbers.Number, np.ndarray, np.bool_)):
        return False
    return eq(self, other)


def _ne_method(self, other):
    if other is None or not isinstance(other, (Tensor, numbers.Number, np.ndarray, np.bool_)):
        return True
    return ne(self, other)


def _and(self, other):
    return bitwise_and(self, other) if self._array.dtype.kind != "b" else logical_and(self, other)


def _or(self, other):
    return bitwise_or(self, other) if self._array.dtype.kind != "b" else logical_or(self, other)


def _xor(self, other):
    return bitwise_xor(self, other) if self._array.dtype.kind != "b" else logical_xor(self, other)


def _invert(self):
    return logical_not(self) if self._array.dtype.kind == "b" else bitwise_not(self)


TENSOR_METHODS = {
    "__add__": add, "__radd__": add, "__sub__": sub, "__rsub__": _rop(sub), "__mul__": mul,
    "__rmul__": mul, "__truediv__": div, "__rtruediv__": _rop(div), "__floordiv__": floor_divide,
    "__rfloordiv__": _rop(floor_divide), "__mod__": remainder, "__rmod__": _rop(remainder),
    "__pow__": pow, "__rpow__": _rop(pow), "__neg__": neg, "__abs__": abs, "__pos__": lambda self: self,
    "__eq__": _eq_method, "__ne__": _ne_method, "__lt__": lt, "__le__": le, "__gt__": gt, "__ge__": ge,
    "__and__": _and, "__or__": _or, "__xor__": _xor, "__invert__": _invert,
    "__iadd__": _inplace(add), "__isub__": _inplace(sub), "__imul__": _inplace(mul),
    "__itruediv__": _inplace(div),
    "add": add, "sub": sub, "subtract": sub, "mul": mul, "multiply": mul, "div": div, "divide": div,
    "true_divide": div, "floor_divide": floor_divide, "remainder": remainder, "fmod": fmod, "pow": pow,
    "neg": neg, "negative": neg, "abs": abs, "absolute": abs, "sign": sign, "exp": exp, "exp2": exp2,
    "expm1": expm1, "log": log, "log2": log2, "log10": log10, "log1p": log1p, "sqrt": sqrt,
    "rsqrt": rsqrt, "square": square, "reciprocal": reciprocal, "sin": sin, "cos": cos, "tan": tan,
    "tanh": tanh, "sigmoid": sigmoid, "relu": relu, "clamp": clamp, "clip": clamp,
    "clamp_min": clamp_min, "clamp_max": clamp_max, "maximum": maximum, "minimum": minimum,
    "where": lambda self, condition, y: where(condition, self, y), "lerp": lerp,
    "floor": floor, "ceil": ceil, "round": round, "trunc": trunc, "frac": frac,
    "eq": eq, "ne": ne, "lt": lt, "le": le, "gt": gt, "ge": ge, "greater": gt, "less": lt,
    "greater_equal": ge, "less_equal": le, "not_equal": ne, "equal": equal,
    "logical_and": logical_and, "logical_or": logical_or, "logical_xor": logical_xor,
    "logical_not": logical_not, "bitwise_not": bitwise_not, "isnan": isnan, "isinf": isinf,
    "isfinite": isfinite, "isclose": isclose, "allclose": allclose, "clone": clone,
    "to": to, "type_as": type_as, "type": _type, "cpu": lambda self: self, "cuda": _cuda,
    "contiguous": lambda self, memory_format=None: self,
    "float": _caster(dtypes.float32), "double": _caster(dtypes.float64), "half": _caster(dtypes.float16),
    "long": _caster(dtypes.int64), "int": _caster(dtypes.int32), "short": _caster(dtypes.int16),
    "bool": _caster(dtypes.bool), "byte": _caster(dtypes.uint8), "char": _caster(dtypes.int8),
    "add_": _inplace(add), "sub_": _inplace(sub), "mul_": _inplace(mul), "div_": _inplace(div),
    "pow_": _inplace(pow), "neg_": _inplace(neg), "abs_": _inplace(abs), "exp_": _inplace(exp),
    "log_": _inplace(log), "sqrt_": _inplace(sqrt), "tanh_": _inplace(tanh),
    "sigmoid_": _inplace(sigmoid), "relu_": _inplace(relu), "clamp_": _inplace(clamp),
    "clip_": _inplace(clamp), "floor_": _inplace(floor), "ceil_": _inplace(ceil),
    "round_": _inplace(round), "lerp_": _inplace(lerp), "remainder_": _inplace(remainder),
    "zero_": zero_, "fill_": fill_, "copy_": copy_,
}

# numpy -> glassgrad, so backward formulas written in numpy also run on Tensors (create_graph=True)
NUMPY = {
    np.add: add, np.subtract: sub, np.multiply: mul, np.true_divide: div, np.power: pow,
    np.negative: neg, np.absolute: abs, np.sign: sign, np.exp: exp, np.expm1: expm1, np.log: log,
    np.log1p: log1p, np.sqrt: sqrt, np.sin: sin, np.cos: cos, np.tan: tan, np.tanh: tanh,
    np.maximum: maximum, np.minimum: minimum, np.floor_divide: floor_divide, np.remainder: remainder,
    np.equal: eq, np.not_equal: ne, np.less: lt, np.less_equal: le, np.greater: gt,
    np.greater_equal: ge, np.logical_and: logical_and, np.logical_or: logical_or,
    np.logical_not: logical_not, np.floor: floor, np.trunc: trunc,
    np.where: lambda c, a, b: where(c if isinstance(c, Tensor) else Tensor._wrap(np.asarray(c)), a, b),
    np.zeros_like: lambda a, dtype=None: zeros_like_shape(a),
}
