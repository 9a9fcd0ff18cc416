"""More of PyTorch's elementwise math and its in-place forms: ``cumprod``, ``float_power``, ``fmax`` /
``fmin``, ``gcd`` / ``lcm``, ``deg2rad`` / ``rad2deg``, ``sgn``, ``signbit``, ``positive``, the predicates
(``isposinf``, ``isreal``, ``is_signed``, ``is_nonzero`` ...), ``diff``, ``nanmedian``, the out-of-place
writes ``select_scatter`` / ``slice_scatter`` / ``diagonal_scatter``, ``sum_to_size``, ``fill_diagonal_``,
and the in-place methods PyTorch has beside ops glassgrad already had (``eq_``, ``logical_and_``,
``multiply_``, ``erf_`` ...).

Part III, ops/ reading order: ... building, **more_math**, blas, decompositions ... (ops/__init__.py
lists them all). Each in-place form is inplace.py's ``inplace(fn)`` applied to the out-of-place op; a
comparison written in place stores its True/False as 1/0 in the tensor's own dtype, as PyTorch's.
"""

from __future__ import annotations

import math
import numbers
import warnings

import numpy as np

from glassgrad import dtypes
from glassgrad.autograd.function import Primitive
from glassgrad.autograd.grad_mode import GRAD_MODE
from glassgrad.ops._util import check_shapes, operand, promote, torch_keywords, unbroadcast
from glassgrad.ops.compare import (bitwise_and, bitwise_not, bitwise_or, bitwise_xor, eq, ge, gt, le,
                                   logical_and, logical_not, logical_or, logical_xor, lt, ne)
from glassgrad.ops.cumulative import cumsum
from glassgrad.ops.elementwise import div, fmod, mul, pow, sub, true_divide, floor_divide  # noqa: A004
from glassgrad.ops.inplace import inplace
from glassgrad.ops.joining import cat, narrow, split
from glassgrad.ops.linalg import mm
from glassgrad.ops.reduce import Extreme, TakeAlongDim, _check_nonempty, _one_dim, _return_type, return_types
from glassgrad.ops.shape import tril, triu
from glassgrad.ops.special_math import (Digamma, Lgamma, copysign, digamma, erf, erfc, erfinv, heaviside, hypot,
                                        i0, ldexp, lgamma, logit, nan_to_num, polygamma, sinc, xlogy)
from glassgrad.tensor import Tensor

__all__ = ["cumprod", "float_power", "fmax", "fmin", "gcd", "lcm", "deg2rad", "rad2deg", "sgn", "signbit",
           "positive", "isposinf", "isneginf", "isreal", "is_signed", "is_nonzero", "is_same_size", "diff",
           "nanmedian", "split_with_sizes", "select_scatter", "slice_scatter", "diagonal_scatter",
           "bitwise_left_shift", "bitwise_right_shift", "nextafter", "mvlgamma", "cov", "corrcoef", "pdist"]


def _tensor(op: str, x, name: str = "input", position: int = 1) -> Tensor:
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}(): argument '{name}' (position {position}) must be Tensor, not {type(x).__name__}")
    return x


def _dtype_title(array) -> str:
    return dtypes.TORCH_NAMES.get(array.dtype.name, array.dtype.name).capitalize()


# --- cumprod -------------------------------------------------------------------------------------------
class Cumprod(Primitive):
    """outᵢ = x₀·x₁·…·xᵢ along the axis;  ∂L/∂xᵢ = Σ_{j≥i} gⱼ·∏_{k≤j, k≠i} xₖ

    Without zeros that is (Σ_{j≥i} gⱼ·outⱼ) / xᵢ (a reversed cumsum); with a zero the product that
    leaves xᵢ out is formed for each i, so the zero's own gradient is right (as PyTorch's)."""

    differentiable_backward = False

    @staticmethod
    def forward(ctx, x, axis, np_dtype):
        if np_dtype is not None:
            x = x.astype(np_dtype)
        elif x.dtype.kind in "iub":
            x = x.astype(np.int64)
        out = np.cumprod(x, axis=axis)
        ctx.x, ctx.out, ctx.axis = x, out, axis
        return out

    @staticmethod
    def backward(ctx, g):
        x, out, axis = ctx.x, ctx.out, ctx.axis
        if x.ndim == 0:
            return g, None, None
        if np.all(x != 0):
            gout = np.flip(np.cumsum(np.flip(g * out, axis), axis=axis), axis)
            return gout / x, None, None
        xs, gs = np.moveaxis(x, axis, -1), np.moveaxis(g, axis, -1)
        grad = np.empty_like(xs)
        for i in range(xs.shape[-1]):
            left_out = xs.copy()
            left_out[..., i] = 1
            products = np.cumprod(left_out, axis=-1)[..., i:]
            grad[..., i] = np.sum(gs[..., i:] * products, axis=-1)
        return np.moveaxis(grad, -1, axis), None, None


@torch_keywords(out="any")
def cumprod(input, dim, *, dtype=None):  # noqa: A002
    """Running product along ``dim``: outᵢ = x₀·…·xᵢ (integers and bools multiply as int64)."""
    axis = _one_dim("cumprod", input, dim)
    if axis is None:
        axis = 0
        if input._array.ndim == 0:
            return Cumprod.apply(input.reshape(1), 0, dtypes.to_dtype(dtype).numpy if dtype else None).reshape(())
    return Cumprod.apply(input, axis, dtypes.to_dtype(dtype).numpy if dtype else None)


def _cumsum_(self, dim, *, dtype=None):
    return inplace(cumsum)(self, dim, dtype=dtype)


def _cumprod_(self, dim, *, dtype=None):
    return inplace(cumprod)(self, dim, dtype=dtype)


# --- float_power, fmax/fmin, gcd/lcm, nextafter ------------------------------------------------------
def float_power(input, exponent):  # noqa: A002
    """input ** exponent computed in double precision (the result is always float64)."""
    if not isinstance(input, Tensor) and not isinstance(exponent, Tensor):
        raise TypeError("float_power(): expected at least one Tensor")
    base = input.double() if isinstance(input, Tensor) else float(input)
    power = exponent.double() if isinstance(exponent, Tensor) else float(exponent)
    return pow(base, power)


def float_power_(self, exponent):
    """In-place float_power: the tensor must already be float64, the dtype of the result."""
    if self._array.dtype != np.float64:
        raise RuntimeError(f"the base given to float_power_ has dtype {_dtype_title(self._array)} but the "
                           "operation's result requires dtype Double")
    return inplace(float_power)(self, exponent)


class _NanLosingExtreme(Primitive):
    """out = max(a, b) (Fmax) or min(a, b) (Fmin), but a nan loses to a number (numpy's fmax/fmin);
    ∂L/∂a = g where a was taken (a ≥ b for max, a ≤ b for min, or b is nan), ∂L/∂b = g elsewhere"""

    # pick: the numpy function; a_wins: where a is taken when both are numbers (set by each subclass)

    @classmethod
    def forward(cls, ctx, a, b):
        a, b = promote(a, b)
        ctx.save_for_backward(a, b)
        return cls.pick(a, b)

    @classmethod
    def backward(cls, ctx, g):
        a, b = ctx.saved_tensors
        a_arr, b_arr = np.asarray(a), np.asarray(b)
        took_a = cls.a_wins(a_arr, b_arr) | np.isnan(b_arr)
        return unbroadcast(g * took_a, np.shape(a)), unbroadcast(g * ~took_a, np.shape(b))


class Fmax(_NanLosingExtreme):
    pick, a_wins = staticmethod(np.fmax), staticmethod(np.greater_equal)


class Fmin(_NanLosingExtreme):
    pick, a_wins = staticmethod(np.fmin), staticmethod(np.less_equal)


@torch_keywords(out="cast")
def fmax(input, other):  # noqa: A002
    """The elementwise maximum, ignoring nan (nan only where both are nan)."""
    a, b = _tensor("fmax", input), _tensor("fmax", other, "other", 2)
    check_shapes("fmax", a._array.shape, b._array.shape)
    return Fmax.apply(a, b)


@torch_keywords(out="cast")
def fmin(input, other):  # noqa: A002
    """The elementwise minimum, ignoring nan (nan only where both are nan)."""
    a, b = _tensor("fmin", input), _tensor("fmin", other, "other", 2)
    check_shapes("fmin", a._array.shape, b._array.shape)
    return Fmin.apply(a, b)


def _integer_op(name: str, np_fn, input, other):  # noqa: A002
    a = _tensor(name, input)
    b = operand(other)
    b_arr = b._array if isinstance(b, Tensor) else np.asarray(b)
    for arr in (a._array, b_arr):
        if arr.dtype.kind not in "iub":
            raise NotImplementedError(f'"{name}_cpu" not implemented for \'{_dtype_title(arr)}\'')
    check_shapes(name, a._array.shape, b_arr.shape)
    x, y = promote(a._array, b_arr if isinstance(b, Tensor) else int(b))
    return Tensor._wrap(np.asarray(np_fn(x, y)).astype(x.dtype if isinstance(x, np.ndarray) else np.int64))


@torch_keywords(out="cast")
def gcd(input, other):  # noqa: A002
    """The greatest common divisor of integer tensors, elementwise (never negative)."""
    return _integer_op("gcd", np.gcd, input, other)


@torch_keywords(out="cast")
def lcm(input, other):  # noqa: A002
    """The least common multiple of integer tensors, elementwise (never negative)."""
    return _integer_op("lcm", np.lcm, input, other)


@torch_keywords(out="cast")
def bitwise_left_shift(input, other):  # noqa: A002
    """input · 2^other for integer tensors (``<<``)."""
    return _integer_op("lshift", np.left_shift, input, other)


@torch_keywords(out="cast")
def bitwise_right_shift(input, other):  # noqa: A002
    """input // 2^other for integer tensors (``>>``, keeping the sign)."""
    return _integer_op("rshift", np.right_shift, input, other)


class Nextafter(Primitive):
    """out = the next float after a, towards b;  no gradient flows (PyTorch: not implemented), so
    the backward gives zeros"""

    @staticmethod
    def forward(ctx, a, b):
        a, b = promote(a, b)
        ctx.shapes = (np.shape(a), np.shape(b))
        return np.nextafter(a, b)

    @staticmethod
    def backward(ctx, g):
        raise RuntimeError("the derivative for 'nextafter' is not implemented.")


@torch_keywords(out="cast")
def nextafter(input, other):  # noqa: A002
    """The next floating-point number after input in the direction of other."""
    a, b = _tensor("nextafter", input), _tensor("nextafter", other, "other", 2)
    check_shapes("nextafter", a._array.shape, b._array.shape)
    return Nextafter.apply(a, b)


# --- sign and angle -----------------------------------------------------------------------------------------
class _Scale(Primitive):
    """out = c·x (integers become floats);  ∂L/∂x = c·g"""

    factor = 1.0

    @classmethod
    def forward(cls, ctx, x):
        if x.dtype.kind != "f":
            x = x.astype(dtypes.get_default_dtype().numpy)
        return x * x.dtype.type(cls.factor)

    @classmethod
    def backward(cls, ctx, g):
        return g * cls.factor


class Deg2Rad(_Scale):
    """out = x·π/180;  ∂L/∂x = g·π/180"""

    factor = math.pi / 180


class Rad2Deg(_Scale):
    """out = x·180/π;  ∂L/∂x = g·180/π"""

    factor = 180 / math.pi


def deg2rad(input):  # noqa: A002
    """Degrees to radians: x·π/180."""
    return Deg2Rad.apply(_tensor("deg2rad", input))


def rad2deg(input):  # noqa: A002
    """Radians to degrees: x·180/π."""
    return Rad2Deg.apply(_tensor("rad2deg", input))


class Sgn(Primitive):
    """out = x/|x| (0 at 0): for real numbers the sign;  ∂L/∂x = 0"""

    @staticmethod
    def forward(ctx, x):
        ctx.shape = x.shape
        return np.sign(x)

    @staticmethod
    def backward(ctx, g):
        return g * 0


@torch_keywords(out="cast")
def sgn(input):  # noqa: A002
    """x/|x| (the sign, for the real dtypes glassgrad has); bools are refused as in ``sign``."""
    x = _tensor("sgn", input)
    if x._array.dtype == np.bool_:
        return Tensor._wrap(x._array.copy())
    return Sgn.apply(x)


@torch_keywords(out="cast")
def signbit(input):  # noqa: A002
    """True where the sign bit is set (negative numbers, -0.0 and -nan)."""
    return Tensor._wrap(np.signbit(_tensor("signbit", input)._array))


def positive(input):  # noqa: A002
    """The tensor itself (unary +); bool tensors are refused, as PyTorch."""
    if _tensor("positive", input)._array.dtype == np.bool_:
        raise RuntimeError("The `+` operator, on a bool tensor is not supported.")
    return input


# --- predicates -----------------------------------------------------------------------------------------
@torch_keywords(out="same")
def isposinf(input):  # noqa: A002
    """True where the element is +inf."""
    return Tensor._wrap(np.isposinf(_tensor("isposinf", input)._array))


@torch_keywords(out="same")
def isneginf(input):  # noqa: A002
    """True where the element is -inf."""
    return Tensor._wrap(np.isneginf(_tensor("isneginf", input)._array))


def isreal(input):  # noqa: A002
    """True everywhere: glassgrad has no complex dtypes, so every element is real."""
    return Tensor._wrap(np.ones(_tensor("isreal", input)._array.shape, dtype=bool))


def is_signed(input) -> bool:  # noqa: A002
    """Whether the dtype holds negative numbers (every dtype but uint8 and bool)."""
    return _tensor("is_signed", input)._array.dtype.kind not in "ub"


def is_nonzero(input) -> bool:  # noqa: A002
    """The truth of a one-element tensor; more or fewer elements are an error, as PyTorch."""
    a = _tensor("is_nonzero", input)._array
    if a.size == 0:
        raise RuntimeError("Boolean value of Tensor with no values is ambiguous")
    if a.size > 1:
        raise RuntimeError("Boolean value of Tensor with more than one value is ambiguous")
    return bool(a.reshape(-1)[0] != 0)


def is_same_size(input, other) -> bool:  # noqa: A002
    """Whether the two tensors have the same shape."""
    return _tensor("is_same_size", input).shape == _tensor("is_same_size", other, "other", 2).shape


def _is_complex(self) -> bool:
    return False


# --- diff ------------------------------------------------------------------------------------------------
def diff(input, n: int = 1, dim: int = -1, prepend=None, append=None):  # noqa: A002
    """The n-th forward difference along ``dim``: out[i] = x[i+1] - x[i], n times (for bools: x[i+1] != x[i]);
    ``prepend`` / ``append`` are joined on first."""
    x = _tensor("diff", input)
    if x._array.ndim == 0:
        raise RuntimeError("diff expects input to be at least one-dimensional")
    if n < 0:
        raise RuntimeError(f"order must be non-negative but got {n}")
    d = x._dim(dim)
    parts = [p if p.ndim else p.expand(*x.shape[:d], 1, *x.shape[d + 1:])
             for p in (prepend, x, append) if p is not None]
    if len(parts) > 1:
        x = cat(parts, d)
    if n == 0:
        return x.clone()
    for _ in range(n):
        length = x._array.shape[d]
        if length == 0:
            break
        later, earlier = narrow(x, d, 1, length - 1), narrow(x, d, 0, length - 1)
        x = logical_xor(later, earlier) if x._array.dtype == np.bool_ else sub(later, earlier)
    return x


# --- nanmedian --------------------------------------------------------------------------------------------------
def _lower_nanmedian(x, axis=None, keepdims=False):
    """The lower of the two middle values of the non-nan elements (nan only if all are nan)."""
    flat = x.reshape(-1)
    if flat.dtype.kind == "f":
        flat = flat[~np.isnan(flat)]
    if flat.size == 0:
        value = np.asarray(np.nan, x.dtype)
    else:
        value = np.partition(flat, (flat.size - 1) // 2)[(flat.size - 1) // 2]
    return np.reshape(value, (1,) * x.ndim if keepdims else ())


class NanmedianAll(Extreme):
    """out = the lower median of the non-nan elements;  ∂out/∂xᵢ = 1/k at each of the k elements equal to out"""

    node_name = "NanmedianBackward0"
    reducer = staticmethod(_lower_nanmedian)


return_types.nanmedian = _return_type("nanmedian")  # (values, indices), beside median's


class NanmedianDim(TakeAlongDim):
    node_name = "NanmedianBackward1"


def _nanmedian_index(x, axis):
    order = np.argsort(x, axis=axis, kind="stable")  # nan sorts last
    count = np.sum(~np.isnan(x), axis=axis, keepdims=True) if x.dtype.kind == "f" else \
        np.full((1,) * x.ndim, x.shape[axis])
    position = np.maximum((count - 1) // 2, 0)
    return np.take_along_axis(order, np.broadcast_to(position, np.take(order, [0], axis=axis).shape), axis)


@torch_keywords(out="cast")
def nanmedian(input, dim=None, keepdim: bool = False):  # noqa: A002
    """The lower median ignoring nan; with ``dim``, ``(values, indices)``."""
    x = _tensor("nanmedian", input)
    if dim is None:
        if x._array.size == 0:
            return Tensor._wrap(np.asarray(np.nan, x._array.dtype))
        return NanmedianAll.apply(x, None, False)
    axis = _one_dim("nanmedian", x, dim)
    if axis is None:
        return return_types.nanmedian(NanmedianDim.apply(x, None, None, keepdim),
                                      Tensor._wrap(np.zeros((), np.int64)))
    _check_nonempty("nanmedian", x, (axis,))
    index = _nanmedian_index(x._array, axis)
    values = NanmedianDim.apply(x, index, axis, keepdim)
    indices = index if keepdim else np.squeeze(index, axis)
    return return_types.nanmedian(values, Tensor._wrap(indices.astype(np.int64, copy=False)))


# --- split_with_sizes, sum_to_size ------------------------------------------------------------------------------
def split_with_sizes(input, split_sizes, dim: int = 0):  # noqa: A002
    """Pieces of the listed sizes along ``dim``; the sizes must add up to that dim's length."""
    x = _tensor("split_with_sizes", input)
    d = x._dim(dim)
    sizes = [int(s) for s in split_sizes]
    if sum(sizes) != x._array.shape[d]:
        raise RuntimeError(f"split_with_sizes expects split_sizes to sum exactly to {x._array.shape[d]} (input "
                           f"tensor's size at dimension {dim}), but got split_sizes={sizes}")
    return split(x, sizes, d)


def sum_to_size(self, *size):
    """This tensor summed down to ``size`` (which it must broadcast from): the reverse of expand."""
    size = tuple(size[0]) if len(size) == 1 and not isinstance(size[0], numbers.Integral) else tuple(size)
    shape = self._array.shape
    try:
        if np.broadcast_shapes(size, shape) != shape:
            raise ValueError
    except ValueError:
        raise RuntimeError(f"size {{{list(size)}}} is not expandable to size {{{list(shape)}}}.") from None
    extra = len(shape) - len(size)
    kept = tuple(extra + i for i, n in enumerate(size) if n == 1 and shape[extra + i] != 1)
    reduced = tuple(range(extra)) + kept
    out = self.sum(dim=reduced, keepdim=True) if reduced else self
    return out.reshape(size) if extra else out


# --- writing a part into a copy: select/slice/diagonal_scatter ---------------------------------------------------
class _ScatterInto(Primitive):
    """out = a copy of input with ``src`` written at the places ``key``;
    ∂L/∂input = g with those places zeroed,  ∂L/∂src = g at those places"""

    differentiable_backward = False

    @staticmethod
    def forward(ctx, inp, src, key):
        ctx.key = key
        out = inp.copy()
        out[key] = src
        return out

    @staticmethod
    def backward(ctx, g):
        g_in = np.array(g, copy=True)
        g_in[ctx.key] = 0
        return g_in, np.array(g[ctx.key]), None


class SelectScatter(_ScatterInto):
    pass


class SliceScatter(_ScatterInto):
    pass


class DiagonalScatter(_ScatterInto):
    pass


def _check_src(op: str, x: Tensor, src: Tensor, expected: tuple) -> None:
    _tensor(op, src, "src", 2)
    if tuple(src._array.shape) != tuple(expected):
        raise RuntimeError(f"expected src to have a size equal to the slice of self. src size = "
                           f"{list(src._array.shape)}, slice size = {list(expected)}")
    if src._array.dtype != x._array.dtype:
        raise RuntimeError(f"{op}(): Expected self.dtype to be equal to src.dtype")


def select_scatter(input, src, dim: int, index: int):  # noqa: A002
    """A copy of input with ``src`` written at ``input.select(dim, index)``."""
    x = _tensor("select_scatter", input)
    d = x._dim(dim)
    n = x._array.shape[d]
    if not -n <= index < n:
        raise IndexError(f"select(): index {index} out of range for tensor of size {list(x.shape)} at "
                         f"dimension {dim}")
    key = (slice(None),) * d + (index % n,)
    _check_src("select_scatter", x, src, x._array[key].shape)
    return SelectScatter.apply(x, src, key)


def slice_scatter(input, src, dim: int = 0, start=None, end=None, step: int = 1):  # noqa: A002
    """A copy of input with ``src`` written at ``input[..., start:end:step, ...]`` (at ``dim``)."""
    x = _tensor("slice_scatter", input)
    d = x._dim(dim)
    if step <= 0:
        raise RuntimeError("slice step must be positive")
    key = (slice(None),) * d + (slice(start, end, step),)
    _check_src("slice_scatter", x, src, x._array[key].shape)
    return SliceScatter.apply(x, src, key)


def diagonal_scatter(input, src, offset: int = 0, dim1: int = 0, dim2: int = 1):  # noqa: A002
    """A copy of input with ``src`` written on ``input.diagonal(offset, dim1, dim2)``."""
    x = _tensor("diagonal_scatter", input)
    shape = x._array.shape
    d1, d2 = x._dim(dim1), x._dim(dim2)
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    rows = np.arange(max(0, -offset), shape[d1])
    cols = rows + offset
    keep = cols < shape[d2]
    rows, cols = rows[keep], cols[keep]
    key_parts = []
    for axis in range(len(shape)):
        if axis == d1:
            key_parts.append(rows)
        elif axis == d2:
            key_parts.append(cols)
    # numpy puts the advanced (diagonal) axis first; torch puts it last: index with the others kept as ranges
    others = [a for a in range(len(shape)) if a not in (d1, d2)]
    grids = np.ix_(*[np.arange(shape[a]) for a in others], np.arange(len(rows))) if others else None
    key = [None] * len(shape)
    if grids is None:
        key[d1], key[d2] = rows, cols
    else:
        for a, grid in zip(others, grids[:-1]):
            key[a] = grid
        key[d1], key[d2] = rows[grids[-1]], cols[grids[-1]]
    key = tuple(key)
    _check_src("diagonal_scatter", x, src, x._array[key].shape)
    return DiagonalScatter.apply(x, src, key)


# --- fill_diagonal_, mvlgamma -------------------------------------------------------------------------------
def fill_diagonal_(self, fill_value, wrap: bool = False):
    """Write ``fill_value`` on the main diagonal (all dims equal, or a tall matrix; ``wrap=True`` starts
    again below a tall matrix's square top every n+1 rows, as numpy's fill_diagonal)."""
    a = self._array
    if a.ndim < 2:
        raise RuntimeError("dimensions must larger than 1")
    if a.ndim > 2 and len(set(a.shape)) != 1:
        raise RuntimeError("all dimensions of input must be of equal length")
    place = np.zeros(a.shape, dtype=bool)
    np.fill_diagonal(place, True, wrap=wrap)
    return self.masked_fill_(Tensor._wrap(place), fill_value)


class Mvlgamma(Primitive):
    """out = (p(p-1)/4)·ln π + Σ_{j<p} lnΓ(x - j/2);  ∂out/∂x = Σ_{j<p} ψ(x - j/2)"""

    differentiable_backward = False

    @staticmethod
    def forward(ctx, x, p):
        shifted = x[..., None] - np.arange(p, dtype=x.dtype) / 2
        ctx.shifted = shifted
        total = np.sum(Lgamma.value(shifted), axis=-1) + p * (p - 1) / 4 * math.log(math.pi)
        return np.asarray(total, dtype=x.dtype)

    @staticmethod
    def backward(ctx, g):
        return g * np.sum(Digamma.value(ctx.shifted), axis=-1).astype(g.dtype), None


def mvlgamma(input, p: int):  # noqa: A002
    """The multivariate log-gamma of dimension p: (p(p-1)/4)·ln π + Σ_{j<p} lnΓ(x - j/2); every element
    must be > (p-1)/2."""
    x = _tensor("mvlgamma", input)
    if p < 1:
        raise RuntimeError("p has to be greater than or equal to 1")
    if x._array.dtype.kind != "f":
        x = x.to(dtypes.get_default_dtype())
    if np.any(x._array <= (p - 1) / 2):
        raise RuntimeError("All elements must be greater than (p-1)/2")
    return Mvlgamma.apply(x, p)


# --- cov, corrcoef, pdist ----------------------------------------------------------------------------------------
def cov(input, *, correction: int = 1, fweights=None, aweights=None):  # noqa: A002
    """The covariance matrix of the variables in ``input``'s rows (observations in its columns; a 1-D
    input is one variable): with weights w = fweights·aweights (each 1 when not given),
    μ = Σ w·x / Σ w,  C = (x - μ)·diag(w)·(x - μ)ᵀ / (Σ w - correction·Σ w·a / Σ w)
    (the last term Σ w - correction without aweights). Written with differentiable ops."""
    x = _tensor("cov", input)
    if x._array.ndim > 2:
        raise RuntimeError(f"cov(): expected input to have two or fewer dimensions but got an input with "
                           f"{x._array.ndim} dimensions")
    if x._array.ndim < 2:
        x = x.reshape(1, -1)
    if x._array.dtype.kind != "f":
        x = x.to(dtypes.get_default_dtype())
    n = x._array.shape[1]
    w = None
    if fweights is not None:
        f = fweights._array
        if f.ndim > 1:
            raise RuntimeError(f"cov(): expected fweights to have one or fewer dimensions but got fweights with "
                               f"{f.ndim} dimensions")
        if f.dtype.kind not in "iu":
            raise RuntimeError(f"cov(): expected fweights to have integral dtype but got fweights with "
                               f"{_dtype_title(f)} dtype")
        if f.size != n:
            raise RuntimeError(f"cov(): expected fweights to have the same numel as there are observations in the "
                               f"input but got {f.size} != {n}")
        if np.any(f < 0):
            raise RuntimeError("cov(): fweights cannot be negative")
        w = fweights.to(x.dtype)
    if aweights is not None:
        a = aweights._array
        if a.ndim > 1:
            raise RuntimeError(f"cov(): expected aweights to have one or fewer dimensions but got aweights with "
                               f"{a.ndim} dimensions")
        if a.dtype.kind != "f":
            raise RuntimeError(f"cov(): expected aweights to have floating point dtype but got aweights with "
                               f"{_dtype_title(a)} dtype")
        if a.size != n:
            raise RuntimeError(f"cov(): expected aweights to have the same numel as there are observations in the "
                               f"input but got {a.size} != {n}")
        if np.any(a < 0):
            raise RuntimeError("cov(): aweights cannot be negative")
        w = aweights if w is None else w * aweights
    if w is None:
        w_sum = float(n)
        mean = x.mean(1, keepdim=True)
    else:
        w_sum = w.sum()
        mean = (x * w).sum(1, keepdim=True) / w_sum
    if w is None:
        norm = w_sum - correction
    elif aweights is None:
        norm = w_sum - correction
    else:
        norm = w_sum - correction * (w * aweights).sum() / w_sum
    norm_value = norm.item() if isinstance(norm, Tensor) else norm
    if norm_value <= 0:
        warnings.warn("cov(): degrees of freedom is <= 0. Correction should be strictly less than the number of "
                      "observations.", UserWarning, stacklevel=2)
        norm = norm * 0 if isinstance(norm, Tensor) else 0.0
    centred = x - mean
    weighted = centred if w is None else centred * w
    with np.errstate(divide="ignore", invalid="ignore"):
        return (mm(weighted, centred.mT) / norm).squeeze()


def corrcoef(input):  # noqa: A002
    """Pearson's correlation coefficients of the rows: C_ij / √(C_ii·C_jj) with C = cov(input),
    clipped to [-1, 1]."""
    c = cov(input)
    if c._array.ndim == 0:
        return c / c
    d = c.diagonal()
    stddev = d.sqrt()
    c = c / stddev.unsqueeze(1)
    c = c / stddev.unsqueeze(0)
    return c.clamp(-1, 1)


class Pdist(Primitive):
    """out_k = ‖x_i - x_j‖_p for each pair i < j of rows (row-major order);
    ∂out_k/∂x_i = -∂out_k/∂x_j = ∂‖d‖_p/∂d at d = x_i - x_j: sign(d)·|d|^(p-1) / ‖d‖^(p-1)
    (p = 1: sign(d); p = ∞: sign(d) where |d| is the largest; p = 0: 0; a zero distance has gradient 0)"""

    differentiable_backward = False

    @staticmethod
    def forward(ctx, x, p):
        rows, cols = np.triu_indices(x.shape[0], 1)
        d = x[rows] - x[cols]
        a = np.abs(d)
        if p == 0:
            dist = np.sum(a != 0, axis=-1).astype(x.dtype)
        elif p == math.inf:
            dist = np.max(a, axis=-1, initial=0)
        else:
            dist = np.sum(a ** p, axis=-1) ** (1 / p)
        ctx.x_shape, ctx.pairs, ctx.d, ctx.dist, ctx.p = x.shape, (rows, cols), d, dist, p
        return np.asarray(dist, dtype=x.dtype)

    @staticmethod
    def backward(ctx, g):
        d, dist, p = ctx.d, ctx.dist[:, None], ctx.p
        safe = np.where(dist == 0, 1, dist)
        if p == 0:
            slope = np.zeros_like(d)
        elif p == 1:
            slope = np.sign(d)
        elif p == math.inf:
            slope = np.sign(d) * (np.abs(d) == dist)
        else:
            with np.errstate(divide="ignore", invalid="ignore"):  # 0^(p-1) for p < 1: zeroed just below
                slope = np.sign(d) * np.abs(d) ** (p - 1) / safe ** (p - 1)
        slope = np.where(dist == 0, 0, slope) * np.asarray(g)[:, None]
        grad = np.zeros(ctx.x_shape, dtype=d.dtype)
        rows, cols = ctx.pairs
        np.add.at(grad, rows, slope)
        np.add.at(grad, cols, -slope)
        return grad, None


def pdist(input, p: float = 2):  # noqa: A002
    """The p-norm distances between every pair of rows i < j of a 2-D input, in row-major order (the
    upper triangle of cdist(x, x), flattened)."""
    x = _tensor("pdist", input)
    if x._array.ndim != 2:
        raise RuntimeError(f"pdist only supports 2D tensors, got: {x._array.ndim}D")
    if x._array.dtype.kind != "f":
        raise RuntimeError("pdist only supports floating-point dtypes")
    if p < 0:
        raise RuntimeError("pdist only supports non-negative p values")
    return Pdist.apply(x, float(p))


def _polygamma_(self, n):
    return inplace(lambda x: polygamma(n, x))(self)


def _mvlgamma_(self, p):
    return inplace(lambda x: mvlgamma(x, p))(self)


class _AnswerInPlace(Primitive):
    """x.gt_(y) and kin on a tensor with a history: out = the answer's 1/0 in x's dtype;
    ∂L/∂x = 0 (and 0 for a tensor y): the numbers no longer depend on x. Each subclass names its node
    as PyTorch's overload does (GtBackward0 for a number y, GtBackward1 for a tensor)."""

    differentiable_backward = False

    @staticmethod
    def forward(ctx, x, other, answer):
        ctx.inputs = ((x.shape, x.dtype), (np.shape(other), np.result_type(other)))
        return answer.astype(x.dtype)

    @staticmethod
    def backward(ctx, g):
        (x_shape, x_dtype), (other_shape, other_dtype) = ctx.inputs
        return np.zeros(x_shape, x_dtype), np.zeros(other_shape, other_dtype), None


_ANSWER_NODES = {
    (name, overload): type(f"{name.capitalize()}InPlace{overload}", (_AnswerInPlace,),
                           {"node_name": f"{name.capitalize()}Backward{overload}", "__module__": __name__,
                            "__doc__": _AnswerInPlace.__doc__})
    for name in ("eq", "ne", "lt", "le", "gt", "ge") for overload in (0, 1)
}


def _answer_in_place(fn):
    """The in-place form of a comparison: the tensor's numbers become the answer's 1/0 in its own dtype;
    on a tensor with a history, through a node that passes no gradient back (see _AnswerInPlace)."""
    def op(x, other):
        answer = fn(x, other)
        if GRAD_MODE.enabled and x.requires_grad:
            node = _ANSWER_NODES[fn.__name__, int(isinstance(other, Tensor))]
            return node.apply(x, other if isinstance(other, Tensor) else float(other), answer._array)
        return answer
    op.__name__ = fn.__name__
    return inplace(op)


_ANSWERS = {
    "eq": eq, "ne": ne, "lt": lt, "le": le, "gt": gt, "ge": ge, "greater": gt, "greater_equal": ge,
    "less": lt, "less_equal": le, "not_equal": ne,
}

_INPLACE = {  # logical_*_ keep the history as it was, as PyTorch's (they have no derivative formula)
    "logical_and": logical_and, "logical_or": logical_or, "logical_xor": logical_xor, "logical_not": logical_not,
    "bitwise_and": bitwise_and, "bitwise_or": bitwise_or, "bitwise_xor": bitwise_xor, "bitwise_not": bitwise_not,
    "bitwise_left_shift": bitwise_left_shift, "bitwise_right_shift": bitwise_right_shift,
    "multiply": mul, "divide": div, "subtract": sub, "true_divide": true_divide, "floor_divide": floor_divide,
    "fmod": fmod, "erf": erf, "erfc": erfc, "erfinv": erfinv, "lgamma": lgamma, "digamma": digamma, "i0": i0,
    "sinc": sinc, "logit": logit, "nan_to_num": nan_to_num, "xlogy": xlogy, "ldexp": ldexp,
    "heaviside": heaviside, "nextafter": nextafter, "hypot": hypot, "copysign": copysign, "gcd": gcd, "lcm": lcm,
    "deg2rad": deg2rad, "rad2deg": rad2deg, "sgn": sgn, "tril": tril, "triu": triu,
}

TENSOR_METHODS = {
    "cumprod": cumprod, "cumprod_": _cumprod_, "cumsum_": _cumsum_, "float_power": float_power,
    "float_power_": float_power_, "fmax": fmax, "fmin": fmin, "gcd": gcd, "lcm": lcm, "deg2rad": deg2rad,
    "rad2deg": rad2deg, "sgn": sgn, "signbit": signbit, "positive": positive, "isposinf": isposinf,
    "isneginf": isneginf, "isreal": isreal, "is_complex": _is_complex, "is_signed": is_signed,
    "is_nonzero": is_nonzero, "is_same_size": is_same_size, "diff": diff, "nanmedian": nanmedian,
    "split_with_sizes": split_with_sizes, "select_scatter": select_scatter, "slice_scatter": slice_scatter,
    "diagonal_scatter": diagonal_scatter, "sum_to_size": sum_to_size, "fill_diagonal_": fill_diagonal_,
    "bitwise_left_shift": bitwise_left_shift, "bitwise_right_shift": bitwise_right_shift,
    "nextafter": nextafter, "mvlgamma": mvlgamma, "polygamma_": _polygamma_, "mvlgamma_": _mvlgamma_,
    "cov": cov, "corrcoef": corrcoef,
    **{name + "_": _answer_in_place(fn) for name, fn in _ANSWERS.items()},
    **{name + "_": inplace(fn) for name, fn in _INPLACE.items()},
}
