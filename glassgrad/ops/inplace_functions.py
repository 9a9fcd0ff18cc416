"""The rest of the in-place forms: ``x.sin_()`` and its kin for every math op of one tensor, the
in-place shape changes ``unsqueeze_``, ``squeeze_``, ``t_``, ``transpose_``, and the module-level
functions PyTorch offers beside the methods (``torch.sin_(x)``, ``torch.relu_(x)``, ...).

Part III, ops/ reading order: ... inplace, reduce, ..., shape, **inplace_functions**, joining ...
(ops/__init__.py lists them all). The math ones are inplace.py's ``inplace(fn)`` applied to more ops.
A shape change in place keeps the numbers and changes how they are viewed: the tensor becomes a new
numpy view of its own memory and, when grad is recorded, the output of a node named as PyTorch's
in-place overload (UnsqueezeBackward1, TransposeBackward1, ...).
"""

from __future__ import annotations

from glassgrad.autograd.function import Primitive
from glassgrad.autograd.grad_mode import GRAD_MODE
from glassgrad.ops.inplace import inplace
from glassgrad.ops.shape import squeeze, t, transpose, unsqueeze
from glassgrad.ops.trigonometry import acos, acosh, asin, asinh, atan, atan2, atanh, cosh, sinh
from glassgrad.ops.unary import (abs, clamp_max, clamp_min, cos, exp2, expm1, frac, log1p,  # noqa: A004
                                 log2, log10, neg, reciprocal, rsqrt, sign, sin, square, tan, trunc)
from glassgrad.tensor import Tensor

# torch.X_(input, ...): the functions PyTorch has at its top level for these in-place methods
_FUNCTION_FORMS = [
    "abs_", "acos_", "acosh_", "arccos_", "arccosh_", "arcsin_", "arcsinh_", "arctan_", "arctanh_",
    "asin_", "asinh_", "atan_", "atanh_", "ceil_", "clamp_", "clamp_max_", "clamp_min_", "clip_", "cos_",
    "cosh_", "exp2_", "exp_", "expm1_", "fill_", "floor_", "frac_", "log10_", "log1p_", "log2_", "log_",
    "neg_", "negative_", "reciprocal_", "relu_", "round_", "rsqrt_", "sigmoid_", "sin_", "sinh_", "sqrt_",
    "square_", "tan_", "tanh_", "trunc_", "zero_",
]
__all__ = list(_FUNCTION_FORMS)


class _ViewInPlace(Primitive):
    """x.unsqueeze_(d) and kin: out = x's numbers seen in a new shape;  ∂L/∂x = g seen back in x's shape.

    ``view(array)`` makes the new view and ``back(g)`` undoes it on a gradient (numpy arrays and Tensors
    both understand it). PyTorch names the in-place overloads' nodes apart: UnsqueezeBackward1 ..."""

    @staticmethod
    def forward(ctx, x, view, back):
        ctx.back = back
        return view(x)

    @staticmethod
    def backward(ctx, g):
        return ctx.back(g), None, None


class UnsqueezeInPlace(_ViewInPlace):
    node_name = "UnsqueezeBackward1"


class SqueezeInPlace(_ViewInPlace):
    node_name = "SqueezeBackward3"  # squeeze_()


class SqueezeDimInPlace(_ViewInPlace):
    node_name = "SqueezeBackward4"  # squeeze_(dim)


class SqueezeDimsInPlace(_ViewInPlace):
    node_name = "SqueezeBackward5"  # squeeze_((dims,))


class TInPlace(_ViewInPlace):
    node_name = "TBackward1"


class TransposeInPlace(_ViewInPlace):
    node_name = "TransposeBackward1"


def _view_inplace(self, node, view, back):
    """Make ``self`` the new view of its own memory; with grad recorded, its history goes through ``node``."""
    self._check_inplace()
    if GRAD_MODE.enabled and self._requires_grad:
        out = node.apply(self, view, back)
        self._array, self.grad_fn = out._array, out.grad_fn
    else:
        self._array = view(self._array)
    self._vc[0] += 1
    return self


def _new_shape(self, op, *args) -> tuple:
    """The shape ``op`` gives (it checks the arguments too), without recording anything."""
    return tuple(op(Tensor._wrap(self._array), *args).shape)


def unsqueeze_(self, dim: int):
    """In-place ``unsqueeze``: a new dimension of size 1 at ``dim``."""
    old, new = self._array.shape, _new_shape(self, unsqueeze, dim)
    return _view_inplace(self, UnsqueezeInPlace, lambda a: a.reshape(new), lambda g: g.reshape(old))


def squeeze_(self, dim=None):
    """In-place ``squeeze``: drop dimensions of size 1 (all, or those in ``dim``)."""
    old, new = self._array.shape, _new_shape(self, squeeze, dim)
    node = SqueezeInPlace if dim is None else SqueezeDimsInPlace if isinstance(dim, (tuple, list)) \
        else SqueezeDimInPlace
    return _view_inplace(self, node, lambda a: a.reshape(new), lambda g: g.reshape(old))


def transpose_(self, dim0: int, dim1: int):
    """In-place ``transpose``: swap two dimensions."""
    _new_shape(self, transpose, dim0, dim1)
    d0, d1 = (self._dim(d) if self._array.ndim else 0 for d in (dim0, dim1))
    swap = (lambda a: a.swapaxes(d0, d1)) if self._array.ndim else (lambda a: a)
    return _view_inplace(self, TransposeInPlace, swap, swap)


def t_(self):
    """In-place ``t``: transpose a matrix (a vector or a number stays as it is)."""
    _new_shape(self, t)
    swap = (lambda a: a.swapaxes(0, 1)) if self._array.ndim == 2 else (lambda a: a)
    return _view_inplace(self, TInPlace, swap, swap)


def _function_form(name: str):
    """torch.sin_(x) is x.sin_()."""
    def fn(input, *args, **kwargs):  # noqa: A002
        if not isinstance(input, Tensor):
            raise TypeError(f"{name}(): argument 'input' (position 1) must be Tensor, not "
                            f"{type(input).__name__}")
        return getattr(input, name)(*args, **kwargs)
    fn.__name__ = name
    fn.__doc__ = f"``torch.{name}(x, ...)`` is ``x.{name}(...)``: in place, returns x."
    return fn


abs_, acos_, acosh_, arccos_, arccosh_ = (
    _function_form("abs_"), _function_form("acos_"), _function_form("acosh_"), _function_form("arccos_"),
    _function_form("arccosh_"))
arcsin_, arcsinh_, arctan_, arctanh_, asin_ = (
    _function_form("arcsin_"), _function_form("arcsinh_"), _function_form("arctan_"),
    _function_form("arctanh_"), _function_form("asin_"))
asinh_, atan_, atanh_, ceil_, clamp_ = (
    _function_form("asinh_"), _function_form("atan_"), _function_form("atanh_"), _function_form("ceil_"),
    _function_form("clamp_"))
clamp_max_, clamp_min_, clip_, cos_, cosh_ = (
    _function_form("clamp_max_"), _function_form("clamp_min_"), _function_form("clip_"),
    _function_form("cos_"), _function_form("cosh_"))
exp2_, exp_, expm1_, fill_, floor_ = (
    _function_form("exp2_"), _function_form("exp_"), _function_form("expm1_"), _function_form("fill_"),
    _function_form("floor_"))
frac_, log10_, log1p_, log2_, log_ = (
    _function_form("frac_"), _function_form("log10_"), _function_form("log1p_"), _function_form("log2_"),
    _function_form("log_"))
neg_, negative_, reciprocal_, relu_, round_ = (
    _function_form("neg_"), _function_form("negative_"), _function_form("reciprocal_"),
    _function_form("relu_"), _function_form("round_"))
rsqrt_, sigmoid_, sin_, sinh_, sqrt_ = (
    _function_form("rsqrt_"), _function_form("sigmoid_"), _function_form("sin_"), _function_form("sinh_"),
    _function_form("sqrt_"))
square_, tan_, tanh_, trunc_, zero_ = (
    _function_form("square_"), _function_form("tan_"), _function_form("tanh_"), _function_form("trunc_"),
    _function_form("zero_"))

_MATH = {
    "sin": sin, "cos": cos, "tan": tan, "sinh": sinh, "cosh": cosh, "asin": asin, "acos": acos,
    "atan": atan, "asinh": asinh, "acosh": acosh, "atanh": atanh, "arcsin": asin, "arccos": acos,
    "arctan": atan, "arcsinh": asinh, "arccosh": acosh, "arctanh": atanh, "atan2": atan2, "arctan2": atan2,
    "exp2": exp2, "expm1": expm1, "log2": log2, "log10": log10, "log1p": log1p, "rsqrt": rsqrt,
    "reciprocal": reciprocal, "square": square, "trunc": trunc, "fix": trunc, "frac": frac, "sign": sign,
    "negative": neg, "absolute": abs, "clamp_min": clamp_min, "clamp_max": clamp_max,
}

TENSOR_METHODS = {
    **{name + "_": inplace(fn) for name, fn in _MATH.items()},
    "unsqueeze_": unsqueeze_, "squeeze_": squeeze_, "t_": t_, "transpose_": transpose_,
    "swapaxes_": transpose_, "swapdims_": transpose_,
}
