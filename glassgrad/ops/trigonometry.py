"""The rest of trigonometry: the hyperbolic functions sinh, cosh (tanh is an activation, in unary), the
inverse functions asin, acos, atan and their hyperbolic twins, atan2, and numpy's ``arc*`` spellings.

Part III, ops/ reading order: _util, elementwise, unary, **trigonometry** (beside unary, whose pattern
it follows), cast, compare ... (ops/__init__.py lists them all). sin, cos and tan are in unary.py.
Every op here has a derivative that is a function of its input, so each one is a ``_OfInput``: it saves
x, and backward multiplies the incoming gradient by the derivative in its docstring. The derivatives are
written with numpy functions that also run on Tensors, so ``create_graph=True`` differentiates them again.
"""

from __future__ import annotations

import numpy as np

from glassgrad.autograd.function import Primitive
from glassgrad.ops._util import to_float, unbroadcast
from glassgrad.ops.unary import _unary
from glassgrad.tensor import Tensor

__all__ = [
    "sinh", "cosh", "asin", "acos", "atan", "asinh", "acosh", "atanh", "arcsin", "arccos", "arctan",
    "arcsinh", "arccosh", "arctanh", "atan2", "arctan2",
]


class _OfInput(Primitive):
    """out = f(x);  ∂out/∂x = f'(x): ``numpy_fn`` is f and ``derivative`` is f', both of x."""

    numpy_fn = derivative = None

    @classmethod
    def forward(cls, ctx, x):
        x = to_float(x)
        ctx.save_for_backward(x)
        with np.errstate(invalid="ignore", divide="ignore", over="ignore"):  # nan/inf outside the domain
            return cls.numpy_fn(x)

    @classmethod
    def backward(cls, ctx, g):
        x, = ctx.saved_tensors
        with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
            return g * cls.derivative(x)


class Sinh(_OfInput):
    """out = sinh x = (eˣ - e⁻ˣ)/2;  ∂out/∂x = cosh x"""

    numpy_fn, derivative = np.sinh, staticmethod(np.cosh)


class Cosh(_OfInput):
    """out = cosh x = (eˣ + e⁻ˣ)/2;  ∂out/∂x = sinh x"""

    numpy_fn, derivative = np.cosh, staticmethod(np.sinh)


class Asin(_OfInput):
    """out = asin x (x in [-1, 1]);  ∂out/∂x = 1/√(1 - x²)"""

    numpy_fn, derivative = np.arcsin, staticmethod(lambda x: 1 / np.sqrt(1 - x * x))


class Acos(_OfInput):
    """out = acos x (x in [-1, 1]);  ∂out/∂x = -1/√(1 - x²)"""

    numpy_fn, derivative = np.arccos, staticmethod(lambda x: -1 / np.sqrt(1 - x * x))


class Atan(_OfInput):
    """out = atan x;  ∂out/∂x = 1/(1 + x²)"""

    numpy_fn, derivative = np.arctan, staticmethod(lambda x: 1 / (1 + x * x))


class Asinh(_OfInput):
    """out = asinh x = ln(x + √(x² + 1));  ∂out/∂x = 1/√(x² + 1)"""

    numpy_fn, derivative = np.arcsinh, staticmethod(lambda x: 1 / np.sqrt(x * x + 1))


class Acosh(_OfInput):
    """out = acosh x = ln(x + √(x² - 1)) (x ≥ 1);  ∂out/∂x = 1/√(x² - 1)"""

    numpy_fn, derivative = np.arccosh, staticmethod(lambda x: 1 / np.sqrt(x * x - 1))


class Atanh(_OfInput):
    """out = atanh x = ½ ln((1 + x)/(1 - x)) (|x| < 1);  ∂out/∂x = 1/(1 - x²)"""

    numpy_fn, derivative = np.arctanh, staticmethod(lambda x: 1 / (1 - x * x))


sinh, cosh = _unary(Sinh), _unary(Cosh)
asin, acos, atan = _unary(Asin), _unary(Acos), _unary(Atan)
asinh, acosh, atanh = _unary(Asinh), _unary(Acosh), _unary(Atanh)
arcsin, arccos, arctan, arcsinh, arccosh, arctanh = asin, acos, atan, asinh, acosh, atanh


class Atan2(Primitive):
    """out = atan2(a, b), the angle of the point (b, a) in (-π, π];
    ∂out/∂a = b/(a² + b²),  ∂out/∂b = -a/(a² + b²)  (each summed back over broadcasting)"""

    @staticmethod
    def forward(ctx, a, b):
        a, b = to_float(a), to_float(b)
        ctx.save_for_backward(a, b)
        return np.arctan2(a, b).astype(np.result_type(a, b), copy=False)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        with np.errstate(invalid="ignore", divide="ignore"):
            r2 = a * a + b * b
            return unbroadcast(g * b / r2, a.shape), unbroadcast(-g * a / r2, b.shape)


def atan2(input, other):  # noqa: A002
    """The angle of the point (other, input), elementwise, broadcast as PyTorch."""
    for name, t in (("input", input), ("other", other)):
        if not isinstance(t, Tensor):
            raise TypeError(f"atan2(): argument '{name}' (position {1 + (name == 'other')}) must be "
                            f"Tensor, not {type(t).__name__}")
    return Atan2.apply(input, other)


arctan2 = atan2

TENSOR_METHODS = {
    "sinh": sinh, "cosh": cosh, "asin": asin, "acos": acos, "atan": atan, "asinh": asinh, "acosh": acosh,
    "atanh": atanh, "arcsin": asin, "arccos": acos, "arctan": atan, "arcsinh": asinh, "arccosh": acosh,
    "arctanh": atanh, "atan2": atan2, "arctan2": atan2,
}

# numpy -> glassgrad, so backward formulas written in numpy also run on Tensors (create_graph=True)
NUMPY = {
    np.sinh: sinh, np.cosh: cosh, np.arcsin: asin, np.arccos: acos, np.arctan: atan, np.arcsinh: asinh,
    np.arccosh: acosh, np.arctanh: atanh, np.arctan2: atan2,
}
