"""The rest of the in-place forms: ``x.sin_()`` and its kin for every math op of one tensor, the
in-place shape changes ``unsqueeze_``, ``squeeze_``, ``t_``, ``transpose_``, and the module-level
functions PyTorch offers beside the methods (``torch.sin_(x)``, ``torch.relu_(x)``, ...).

Part III, ops/ reading order: ... inplace, reduce, ..., shape, **inplace_functions**, joining ...
(ops/__init__.py lists them all). The math ones are inplace.py's ``inplace(fn)`` applied to more ops.
A shape change in place keeps the numbers and changes how they are viewed: the tensor takes the
out-of-place result's view of its own memory (and, when grad is recorded, its ``grad_fn``).
"""

from __future__ import annotations

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


def _reshape_inplace(op):
    """The in-place form of the shape op ``op``: self becomes ``op(self)``, same memory, new shape."""
    def method(self, *args, **kwargs):
        self._check_inplace()
        out = op(self, *args, **kwargs)
        self._array = out._array
        if out.grad_fn is not None:  # self's history continues through the new node (PyTorch rebases)
            self.grad_fn = out.grad_fn
        self._vc[0] += 1
        return self
    method.__name__ = op.__name__ + "_"
    method.__doc__ = f"In-place ``{op.__name__}``: changes this tensor's shape and returns it."
    return method


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
    "unsqueeze_": _reshape_inplace(unsqueeze), "squeeze_": _reshape_inplace(squeeze),
    "t_": _reshape_inplace(t), "transpose_": _reshape_inplace(transpose),
    "swapaxes_": _reshape_inplace(transpose), "swapdims_": _reshape_inplace(transpose),
}
