"""Elementwise arithmetic: + - * / // % ** and the ops that combine tensors value by value
(maximum, minimum, where, lerp).

Part III, the first op family to read: ops/ in reading order is _util, **elementwise**, unary, cast,
compare, inplace, then reduce and the rest (ops/__init__.py lists them all); each file imports only
files before it.

Every differentiable op here is a ``Primitive`` (autograd/function.py): its forward and backward sit
together, see numpy arrays, and the docstring states the local derivative. Inputs broadcast as in
PyTorch, so each backward ends with ``unbroadcast`` (_util.py). The backward formulas are numpy
(``g * b``, ``np.where(...)``) so that, handed Tensors instead of arrays, they record a graph of their
own: that is what ``create_graph=True`` uses for second derivatives.

``grad_fn`` names are PyTorch's. Where PyTorch names the node after the overload you called
(``x ** 2`` is PowBackward0, ``x ** y`` PowBackward1, ``2 ** x`` PowBackward2), a small subclass per
overload sets ``node_name``; ops that differ only by their numpy functions (remainder and fmod, maximum
and minimum) share one class that holds the functions as class attributes.
"""

from __future__ import annotations

import numbers

import numpy as np

from glassgrad import dtypes
from glassgrad.autograd.function import Primitive, profiling
from glassgrad.ops._util import (check_broadcast, check_shapes, operand, promote, to_float, torch_keywords,
                                 unbroadcast)
from glassgrad.tensor import Tensor

__all__ = [
    "add", "sub", "subtract", "mul", "multiply", "div", "divide", "true_divide", "floor_divide",
    "remainder", "fmod", "pow", "maximum", "minimum", "where", "lerp",
]


def _binary(op: str, fn, input, other, *options):  # noqa: A002
    """Shared entry of binary ops: check the operands and their shapes, then apply ``fn``."""
    if type(input) is not Tensor:  # (the type tests skip operand()'s checks for the common operands)
        input = operand(input, "input")
    if type(other) is float or type(other) is int:  # x * 1.5: nothing to check
        return fn.apply(input, other, *options)
    if type(other) is not Tensor:
        other = operand(other)
    if isinstance(input, Tensor) and isinstance(other, Tensor) and input._array.shape != other._array.shape:
        check_broadcast(op, input._array, other._array)  # (._array.shape: .shape makes a Size object)
    return fn.apply(input, other, *options)


def _shape(a) -> tuple:
    """np.shape(a) without its Python-level dispatch for the common cases, an array or a Python number
    (x * 1.5: np.shape(1.5) costs ~1 µs)."""
    if type(a) is np.ndarray:
        return a.shape
    return () if type(a) is float or type(a) is int else np.shape(a)


def _shapes(a, b) -> tuple:
    """(_shape(a), _shape(b)) in one call: the shapes a binary op's backward unbroadcasts to."""
    return (a.shape if type(a) is np.ndarray else _shape(a), b.shape if type(b) is np.ndarray else _shape(b))


def _grad_if_needed(g, shape: tuple, needed: bool):
    """unbroadcast(g, shape) for an operand that needs a gradient; None for one that doesn't (x + 2, or a
    constant tensor): the number's gradient would be a sum over every axis that nobody reads."""
    if not needed:
        return None
    return g if g.shape == shape else unbroadcast(g, shape)  # (the test first saves a call: shapes mostly match)


def _check_int_division(b) -> None:
    if np.asarray(b).dtype.kind in "iub" and np.any(np.asarray(b) == 0):
        raise ZeroDivisionError("integer division by zero")


# --- arithmetic --------------------------------------------------------------------------------------
class Add(Primitive):
    """out = a + b;  ∂out/∂a = 1,  ∂out/∂b = 1 (then undo broadcasting)"""

    numbers_are_inputs = True  # x + 2: PyTorch wraps the 2 in a tensor, so it is an input (no gradient)

    @staticmethod
    def forward(ctx, a, b):
        a, b = promote(a, b)
        if ctx.needs_input_grad:  # () when nothing is recorded: no shapes for a backward that won't run
            ctx.shapes = _shapes(a, b)
        return a + b

    @staticmethod
    def backward(ctx, g):
        (sa, sb), needs = ctx.shapes, ctx.needs_input_grad
        return _grad_if_needed(g, sa, needs[0]), _grad_if_needed(g, sb, needs[1])


class AddScaled(Add):
    """add(a, b, alpha=α): out = a + α·b;  ∂out/∂a = 1,  ∂out/∂b = α — one node, as PyTorch's"""

    node_name = "AddBackward0"
    numbers_are_inputs = False  # α is a coefficient, not an operand

    @staticmethod
    def forward(ctx, a, b, alpha):
        b, alpha = promote(b, alpha)
        ctx.alpha = alpha
        return Add.forward(ctx, a, b * alpha)

    @staticmethod
    def backward(ctx, g):
        ga, gb = Add.backward(ctx, g)
        return ga, (gb * ctx.alpha if gb is not None else None), None


def refuse_bools(a, b):
    """PyTorch has no subtraction on bools: a bool operand (a mask, or True) raises, naming what to use."""
    a_bool = a.dtype.kind == "b" if isinstance(a, np.ndarray) else isinstance(a, (bool, np.bool_))
    b_bool = b.dtype.kind == "b" if isinstance(b, np.ndarray) else isinstance(b, (bool, np.bool_))
    if a_bool and b_bool:
        raise RuntimeError("Subtraction, the `-` operator, with two bool tensors is not supported. "
                           "Use the `^` or `logical_xor()` operator instead.")
    if a_bool or b_bool:
        raise RuntimeError("Subtraction, the `-` operator, with a bool tensor is not supported. "
                           "If you are trying to invert a mask, use the `~` or `logical_not()` operator instead.")


class Sub(Primitive):
    """out = a - b;  ∂out/∂a = 1,  ∂out/∂b = -1"""

    numbers_are_inputs = True  # x - 2: the 2 is an input, as for Add

    @staticmethod
    def forward(ctx, a, b):
        refuse_bools(a, b)
        a, b = promote(a, b)
        if ctx.needs_input_grad:
            ctx.shapes = _shapes(a, b)
        return a - b

    @staticmethod
    def backward(ctx, g):
        (sa, sb), needs = ctx.shapes, ctx.needs_input_grad
        # x - 2: no -g for the 2 (nor a sum over its axes)
        return _grad_if_needed(g, sa, needs[0]), (unbroadcast(-g, sb) if needs[1] else None)


class SubScaled(Sub):
    """sub(a, b, alpha=α): out = a - α·b;  ∂out/∂a = 1,  ∂out/∂b = -α"""

    node_name = "SubBackward0"
    numbers_are_inputs = False

    @staticmethod
    def forward(ctx, a, b, alpha):
        b, alpha = promote(b, alpha)
        ctx.alpha = alpha
        return Sub.forward(ctx, a, b * alpha)

    @staticmethod
    def backward(ctx, g):
        ga, gb = Sub.backward(ctx, g)
        return ga, (gb * ctx.alpha if gb is not None else None), None


class Rsub(Primitive):
    """``c - x`` for a number c (``x.__rsub__``): out = c - x;  ∂out/∂x = -1"""

    node_name = "RsubBackward1"  # PyTorch's rsub(Tensor, Scalar): the number is no input

    @staticmethod
    def forward(ctx, x, c):
        refuse_bools(c, x)
        x, c = promote(x, c)
        return c - x

    @staticmethod
    def backward(ctx, g):
        return -g, None


class Mul(Primitive):
    """out = a * b;  ∂out/∂a = b,  ∂out/∂b = a"""

    numbers_are_inputs = True

    @staticmethod
    def forward(ctx, a, b):
        a, b = promote(a, b)
        needs = ctx.needs_input_grad
        if needs:  # keep only what a gradient needs, as PyTorch: a later in-place write to the other is fine
            ctx.shapes = _shapes(a, b)
            ctx.save_for_backward(a if needs[1] else None, b if needs[0] else None)
        return a * b

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        shape_a, shape_b = ctx.shapes
        return (unbroadcast(g * b, shape_a) if need_a else None,
                unbroadcast(g * a, shape_b) if need_b else None)


class Div(Primitive):
    """out = a / b;  ∂out/∂a = 1/b,  ∂out/∂b = -a/b²"""

    numbers_are_inputs = True

    @staticmethod
    def forward(ctx, a, b):
        a, b = promote(a, b)
        a, b = to_float(a), to_float(b)  # true division: integers become the default float dtype
        ctx.save_for_backward(a, b)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            return a / b

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        return (unbroadcast(g / b, np.shape(a)) if need_a else None,
                unbroadcast(-g * a / (b * b), np.shape(b)) if need_b else None)


class DivRounded(Primitive):
    """div(a, b, rounding_mode="floor" or "trunc"): a/b rounded down or toward zero;
    ∂out/∂a = ∂out/∂b = 0 (piecewise constant; PyTorch returns zeros too)"""

    node_name = "DivBackward2"
    numbers_are_inputs = True

    @staticmethod
    def forward(ctx, a, b, mode):
        a, b = promote(a, b)
        _check_int_division(b)
        ctx.shapes = (np.shape(a), np.shape(b))
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            if mode == "floor":
                return np.floor_divide(a, b)
            if np.result_type(a, b).kind == "f":
                return np.trunc(a / b)
            q = np.floor_divide(a, b)  # integers: floor, then one up where a/b < 0 was not exact
            return q + ((np.remainder(a, b) != 0) & ((np.asarray(a) < 0) != (np.asarray(b) < 0)))

    @staticmethod
    def backward(ctx, g):
        sa, sb = ctx.shapes
        zero = np.zeros_like(g)
        return unbroadcast(zero, sa), unbroadcast(zero, sb), None


class FloorDivide(Primitive):
    """out = ⌊a / b⌋; piecewise constant, and PyTorch defines no derivative for it: backward raises."""

    node_name = "NotImplemented"  # PyTorch's node for an op without a derivative

    @staticmethod
    def forward(ctx, a, b):
        a, b = promote(a, b)
        _check_int_division(b)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            return np.floor_divide(a, b)

    @staticmethod
    def backward(ctx, g):
        raise RuntimeError("the derivative for 'floor_divide' is not implemented.")


def _trunc_divide(a, b):
    return np.trunc(a / b)


class _Modulo(Primitive):
    """out = a - q·b, with q = a/b rounded by ``quotient``;  ∂out/∂a = 1,  ∂out/∂b = -q"""

    numpy_fn = quotient = None

    @classmethod
    def forward(cls, ctx, a, b):
        a, b = promote(a, b)
        _check_int_division(b)
        ctx.save_for_backward(a, b)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            return cls.numpy_fn(a, b)

    @classmethod
    def backward(cls, ctx, g):
        a, b = ctx.saved_tensors
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            if isinstance(g, Tensor):  # create_graph: q is a step function of a and b, a constant here
                # (PyTorch's rounded division has zero derivatives), so -g·q is linear in g
                q = cls.quotient(*[v._array if isinstance(v, Tensor) else v for v in (a, b)])
                return unbroadcast(g, np.shape(a)), unbroadcast(-g * Tensor._wrap(np.asarray(q)), np.shape(b))
            return unbroadcast(g, np.shape(a)), unbroadcast(-g * cls.quotient(a, b), np.shape(b))


class Remainder(_Modulo):
    """remainder(a, b) = a - ⌊a/b⌋·b: the sign of b, like Python's %"""

    node_name = "RemainderBackward1"  # b a tensor
    numpy_fn, quotient = np.remainder, np.floor_divide


class RemainderScalar(Remainder):
    node_name = "RemainderBackward0"  # b a number


class Fmod(_Modulo):
    """fmod(a, b) = a - trunc(a/b)·b: the sign of a, like C's fmod"""

    node_name = "FmodBackward1"
    numpy_fn, quotient = np.fmod, staticmethod(_trunc_divide)


class FmodScalar(Fmod):
    node_name = "FmodBackward0"


class Pow(Primitive):
    """out = aᵇ;  ∂out/∂a = b·aᵇ⁻¹,  ∂out/∂b = aᵇ·ln a (taken as 0 where a = 0, as PyTorch does)

    PyTorch has three overloads, told apart by the node's name: tensor ** tensor (PowBackward1, this
    class), tensor ** number (PowBackward0) and number ** tensor (PowBackward2)."""

    node_name = "PowBackward1"
    numbers_are_inputs = True  # x ** int_tensor: both are inputs, as in PyTorch

    @staticmethod
    def forward(ctx, a, b):
        a, b = promote(a, b)
        if (type(b) is np.ndarray and b.dtype.kind in "iu" and (b < 0).any()
                and np.asarray(a).dtype.kind in "iu"):
            raise RuntimeError("Integers to negative integer powers are not allowed.")
        ctx.save_for_backward(a, b)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            return a ** b

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        grad_a = grad_b = None
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            if need_a:
                # b·a^(b-1), written so that b = 0 gives 0 even at a = 0
                grad_a = unbroadcast(np.where(b == 0, 0.0, g * b * a ** (b - 1)), np.shape(a))
            if need_b:
                safe_log = np.log(np.where(a > 0, a, 1.0))
                grad_b = unbroadcast(g * a ** b * safe_log, np.shape(b))
        return grad_a, grad_b


class PowTensorScalar(Pow):
    node_name = "PowBackward0"
    numbers_are_inputs = False  # the exponent is a number, not an input


class PowScalarTensor(Pow):
    node_name = "PowBackward2"
    numbers_are_inputs = False


_INT64 = np.dtype(np.int64)
_INT64_RANGE = range(-2 ** 63, 2 ** 63)


def _index_plus_int(index: Tensor, n: int):
    """``i + 64`` for a 0-d int64 tensor ``i`` (an index from ``for i in ix``, as in the GPT lecture's
    get_batch) and a Python int: Python's own addition, then one 0-d array, ~1 µs less than numpy's ufunc
    on a 0-d array (an integer tensor never records a graph). None, to take the plain path, for any other
    dtype or shape, a sum outside int64 (the plain path wraps around, as PyTorch), or while a profile is
    open (the op must be timed)."""
    a = index._array
    if a.ndim or a.dtype != _INT64 or profiling():
        return None
    total = a.item() + n
    return Tensor._wrap(np.array(total, _INT64)) if total in _INT64_RANGE else None


def _check_alpha(input, other, alpha) -> None:  # noqa: A002
    """PyTorch refuses a float ``alpha`` when both operands are integers (the result would be an integer)."""
    if isinstance(alpha, float) and all(
            (x._array.dtype.kind in "iub") if isinstance(x, Tensor) else isinstance(x, int) for x in (input, other)):
        raise RuntimeError("For integral input tensors, argument alpha must not be a floating point number.")


@torch_keywords(out="cast")
def add(input, other, *, alpha=1):  # noqa: A002
    """input + alpha · other"""
    if alpha != 1:
        _check_alpha(input, other, alpha)
        if isinstance(other, Tensor):
            return _binary("add", AddScaled, input, other, alpha)
        other = operand(other) * alpha
    elif type(other) is int and type(input) is Tensor and not input._array.ndim:
        result = _index_plus_int(input, other)
        if result is not None:
            return result
    return _binary("add", Add, input, other)


@torch_keywords(out="cast")
def sub(input, other, *, alpha=1):  # noqa: A002
    """input - alpha · other"""
    if alpha != 1:
        _check_alpha(input, other, alpha)
        if isinstance(other, Tensor):
            return _binary("sub", SubScaled, input, other, alpha)
        other = operand(other) * alpha
    return _binary("sub", Sub, input, other)


@torch_keywords(out="cast")
def mul(input, other):  # noqa: A002
    return _binary("mul", Mul, input, other)


@torch_keywords(out="cast")
def div(input, other, *, rounding_mode=None):  # noqa: A002
    """input / other; ``rounding_mode`` None (true division), "trunc" or "floor"."""
    if rounding_mode is None:
        return _binary("div", Div, input, other)
    if rounding_mode not in ("floor", "trunc"):
        raise ValueError(f"div expected rounding_mode to be one of None, 'trunc', or 'floor' but found "
                         f"'{rounding_mode}'")
    return _binary("div", DivRounded, input, other, rounding_mode)


def floor_divide(input, other):  # noqa: A002
    return _binary("floor_divide", FloorDivide, input, other)


def remainder(input, other):  # noqa: A002
    return _binary("remainder", Remainder if isinstance(other, Tensor) else RemainderScalar, input, other)


def fmod(input, other):  # noqa: A002
    return _binary("fmod", Fmod if isinstance(other, Tensor) else FmodScalar, input, other)


@torch_keywords(out="cast")
def pow(input, exponent):  # noqa: A001, A002
    """inputᵉˣᵖᵒⁿᵉⁿᵗ; either may be a tensor."""
    if not isinstance(exponent, Tensor):
        return _binary("pow", PowTensorScalar, input, exponent)
    if not isinstance(input, Tensor):
        return _binary("pow", PowScalarTensor, input, exponent)
    return _binary("pow", Pow, input, exponent)


subtract, multiply, divide, true_divide = sub, mul, div, div


def rsub(self, other):
    """``other - self``: ``2 - x`` is PyTorch's rsub(x, 2), one input."""
    if isinstance(other, Tensor):
        return sub(other, self)
    return Rsub.apply(self, operand(other))


def _rop(fn):
    """``x.__rmod__(2)`` and the like: the reflected operator is the op with its operands swapped."""
    def method(self, other):
        return fn(other, self)
    method.__name__ = f"__r{fn.__name__}__"
    return method


# --- combining tensors value by value ----------------------------------------------------------------
class _Extremum(Primitive):
    """out = the larger (maximum) or the smaller (minimum) of a and b, value by value;
    the gradient goes to the input that ``wins``, split in half on ties (as PyTorch)"""

    numpy_fn = wins = None
    numbers_are_inputs = True  # maximum(x, int_tensor): both are inputs

    @classmethod
    def forward(cls, ctx, a, b):
        a, b = promote(a, b)
        ctx.save_for_backward(a, b)
        return cls.numpy_fn(a, b)

    @classmethod
    def backward(cls, ctx, g):
        a, b = ctx.saved_tensors
        share = cls.wins(a, b) + 0.5 * (a == b)
        return unbroadcast(g * share, np.shape(a)), unbroadcast(g * (1 - share), np.shape(b))


class Maximum(_Extremum):
    numpy_fn, wins = np.maximum, np.greater


class Minimum(_Extremum):
    numpy_fn, wins = np.minimum, np.less


class Where(Primitive):
    """out = a where cond else b;  ∂out/∂a = cond,  ∂out/∂b = not cond"""

    numbers_are_inputs = True  # where(c, x, 0.0): PyTorch wraps the 0.0, an input with no gradient

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


class Lerp(Primitive):
    """out = a + w·(b - a), w a number;  ∂out/∂a = 1 - w,  ∂out/∂b = w"""

    @staticmethod
    def forward(ctx, a, b, w):
        a, b = promote(a, b)
        ctx.shapes, ctx.weight = (np.shape(a), np.shape(b)), w
        return a + w * (b - a)

    @staticmethod
    def backward(ctx, g):
        (sa, sb), w = ctx.shapes, ctx.weight
        return unbroadcast(g * (1 - w), sa), unbroadcast(g * w, sb), None


class LerpTensor(Lerp):
    """lerp with a tensor weight w: also ∂out/∂w = b - a"""

    node_name = "LerpBackward1"
    numbers_are_inputs = True

    @staticmethod
    def forward(ctx, a, b, w):
        ctx.save_for_backward(a, b, w)
        return Lerp.forward(ctx, a, b, w)

    @staticmethod
    def backward(ctx, g):
        a, b, w = ctx.saved_tensors
        need_a, need_b, need_w = ctx.needs_input_grad
        return (unbroadcast(g * (1 - w), np.shape(a)) if need_a else None,
                unbroadcast(g * w, np.shape(b)) if need_b else None,
                unbroadcast(g * (b - a), np.shape(w)) if need_w else None)


def maximum(input, other):  # noqa: A002
    return _binary("maximum", Maximum, input, other)


def minimum(input, other):  # noqa: A002
    return _binary("minimum", Minimum, input, other)


def _scalar_pair_tensor(x, y) -> Tensor:
    """``x`` as a 0-d tensor of the dtype PyTorch gives ``where(c, x, y)`` for two Python numbers:
    bool if both are bools, int64 if both are integers, else the default float dtype."""
    if isinstance(x, (bool, np.bool_)) and isinstance(y, (bool, np.bool_)):
        dtype = np.bool_
    elif isinstance(x, numbers.Integral) and isinstance(y, numbers.Integral):
        dtype = np.int64
    else:
        dtype = dtypes.get_default_dtype().numpy
    return Tensor._wrap(np.asarray(x, dtype))


@torch_keywords(out="where")
def where(condition, input=None, other=None):  # noqa: A002
    """Elementwise choice: ``input`` where ``condition``, else ``other`` (tensors or numbers).

    ``where(condition)`` alone is ``nonzero(condition, as_tuple=True)``: the indices, one tensor a dim."""
    cond = condition._array if isinstance(condition, Tensor) else np.asarray(condition)
    if input is None and other is None:
        return tuple(Tensor._wrap(i.astype(np.int64)) for i in np.nonzero(np.atleast_1d(cond)))
    if cond.dtype != np.bool_:
        raise RuntimeError(f"where expected condition to be a boolean tensor, but got a tensor with "
                           f"dtype {dtypes.from_numpy_dtype(cond.dtype).name}")
    input, other = operand(input, "input"), operand(other)
    if not isinstance(input, Tensor) and not isinstance(other, Tensor):
        input = _scalar_pair_tensor(input, other)  # where(c, 1, 0): both numbers, PyTorch's dtype
    a = input._array if isinstance(input, Tensor) else input
    b = other._array if isinstance(other, Tensor) else other
    check_broadcast("where", a, b)
    check_shapes("where", cond.shape, np.broadcast_shapes(np.shape(a), np.shape(b)))
    return Where.apply(cond, input, other)


def lerp(input, end, weight):  # noqa: A002
    """input + weight · (end - input); ``weight`` a number or a tensor."""
    weight = operand(weight, "weight")
    return _binary("lerp", LerpTensor if isinstance(weight, Tensor) else Lerp, input, end, weight)


def zeros_like_shape(t: Tensor) -> Tensor:
    """Zeros of t's shape and dtype, no graph: ``np.zeros_like`` in a backward formula on Tensors."""
    return Tensor._wrap(np.zeros(t._array.shape, t._array.dtype))


TENSOR_METHODS = {
    # operators take no keywords: they call the functions under torch_keywords' wrapper directly
    "__add__": add.__wrapped__, "__radd__": add.__wrapped__, "__sub__": sub.__wrapped__, "__rsub__": rsub,
    "__mul__": mul.__wrapped__, "__rmul__": mul.__wrapped__, "__truediv__": div.__wrapped__,
    "__floordiv__": floor_divide, "__rfloordiv__": _rop(floor_divide),
    "__mod__": remainder, "__rmod__": _rop(remainder), "__pow__": pow.__wrapped__, "__rpow__": _rop(pow),
    "add": add, "sub": sub, "subtract": sub, "mul": mul, "multiply": mul, "div": div, "divide": div,
    "true_divide": div, "floor_divide": floor_divide, "remainder": remainder, "fmod": fmod, "pow": pow,
    "maximum": maximum, "minimum": minimum, "lerp": lerp,
    "where": lambda self, condition, y: where(condition, self, y),
}

# numpy -> glassgrad, so backward formulas written in numpy also run on Tensors (create_graph=True)
NUMPY = {
    np.add: add, np.subtract: sub, np.multiply: mul, np.true_divide: div, np.power: pow,
    np.floor_divide: floor_divide, np.remainder: remainder, np.fmod: fmod,
    np.maximum: maximum, np.minimum: minimum,
    np.where: lambda c, a, b: where(c if isinstance(c, Tensor) else Tensor._wrap(np.asarray(c)), a, b),
    np.zeros_like: lambda a, dtype=None: zeros_like_shape(a),
}
