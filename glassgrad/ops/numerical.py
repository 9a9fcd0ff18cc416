"""Numerical helpers built from the ops before them: ``aminmax``, ``vander``, ``trapezoid`` (and its old
name ``trapz``), ``cumulative_trapezoid``, ``gradient``, ``unravel_index``; and the window functions signal
code multiplies frames by (``hann_window``, ``hamming_window``, ``blackman_window``, ``bartlett_window``,
``kaiser_window``).

Part III, ops/ reading order: ... gather_scatter, counting, **numerical**, linalg ... (ops/__init__.py lists
them all). Nothing here is a new primitive: each function is a short composition of slicing, ``+``,
``*``, ``sum``/``cumsum`` and ``stack``, so its gradient is the chain rule through those ops and needs no
backward of its own.
"""

from __future__ import annotations

import collections
import math
import numbers

import numpy as np

from glassgrad import dtypes
from glassgrad.ops.cumulative import cumsum
from glassgrad.ops.joining import cat, narrow, stack
from glassgrad.ops.reduce import amax, amin, return_types
from glassgrad.ops.shape import flip
from glassgrad.tensor import Tensor

__all__ = ["aminmax", "vander", "trapezoid", "trapz", "cumulative_trapezoid", "gradient", "unravel_index", "rsub",
           "hann_window", "hamming_window", "blackman_window", "bartlett_window", "kaiser_window"]


def _aminmax_type():
    """``aminmax``'s result: a named (min, max) pair, printed as PyTorch prints it."""
    base = collections.namedtuple("aminmax", ["min", "max"])

    def __repr__(self) -> str:
        return f"{dtypes.SHOWN_AS}.return_types.aminmax(\nmin={self.min!r},\nmax={self.max!r})"
    return type("aminmax", (base,), {"__slots__": (), "__repr__": __repr__, "__module__": "glassgrad.return_types"})


return_types.aminmax = _aminmax_type()


def aminmax(input, *, dim=None, keepdim: bool = False):  # noqa: A002
    """(min, max) of ``input`` at once: over every element, or along ``dim``. Gradients as ``amin``/``amax``."""
    if input.numel() == 0 and (dim is None or input.shape[dim] == 0):
        raise RuntimeError("aminmax(): cannot compute aminmax over an empty dimension as the operation has "
                           "no identity.")
    reduce_over = () if dim is None else dim
    return return_types.aminmax(amin(input, reduce_over, keepdim), amax(input, reduce_over, keepdim))


def vander(x, N=None, increasing: bool = False):  # noqa: N803  (PyTorch's name)
    """The Vandermonde matrix of a 1-D ``x``: column j is ``x ** (N-1-j)`` (``x ** j`` when ``increasing``).

    Built by repeated multiplication, ``x**(j+1) = x**j · x``, so the derivative at ``x = 0`` is exact
    (``j·x**(j-1)``) where a ``pow`` would give ``0 · inf``. Integers and bools give int64, as in PyTorch.
    """
    if x.dim() != 1:
        raise RuntimeError("x must be a one-dimensional tensor.")
    n = x.shape[0] if N is None else N
    if n < 0:
        raise RuntimeError("N must be non-negative.")
    if not x.dtype.is_floating_point:
        x = x.to(dtypes.int64)
    if n == 0:
        return x.new_zeros((x.shape[0], 0))
    columns = [x.new_ones(x.shape)]
    for _ in range(n - 1):
        columns.append(columns[-1] * x)
    matrix = stack(columns, dim=1)
    return matrix if increasing else flip(matrix, (1,))


def _pairs(y, dim: int):
    """y's neighbouring samples along ``dim``: (y[1:], y[:-1]) there; y as floats, as PyTorch integrates."""
    if not y.dtype.is_floating_point:
        y = y.to(dtypes.get_default_dtype())
    n = y.shape[dim]
    return narrow(y, dim, 1, n - 1), narrow(y, dim, 0, n - 1)


def _spacing(y, x, dx, dim: int, name: str):
    """The widths between sample points: ``dx`` (a number), or the differences of ``x`` along ``dim``."""
    if x is not None and dx is not None:
        raise TypeError(f"{name}() received an invalid combination of arguments - got both x and dx")
    if x is None:
        return 1 if dx is None else dx
    if not isinstance(x, Tensor):
        raise TypeError(f"{name}(): argument 'x' must be Tensor, not {type(x).__name__}")
    if x.dim() == 1:
        if x.shape[0] != y.shape[dim]:
            raise RuntimeError("trapezoid: There must be one `x` value for each sample point")
        widths = x[1:] - x[:-1]
        shape = [1] * y.dim()
        shape[dim] = widths.shape[0]
        return widths.reshape(shape)
    n = x.shape[dim]
    return narrow(x, dim, 1, n - 1) - narrow(x, dim, 0, n - 1)


def trapezoid(y, x=None, *, dx=None, dim: int = -1):
    """∫ y along ``dim`` by the trapezoidal rule: Σᵢ (yᵢ₊₁ + yᵢ)/2 · (xᵢ₊₁ - xᵢ), or · dx for even spacing."""
    dim = dim % y.dim() if y.dim() else dim
    widths = _spacing(y, x, dx, dim, "trapezoid")
    if y.shape[dim] == 0:  # no interval: the integral is zero
        return (y.to(dtypes.get_default_dtype()) if not y.dtype.is_floating_point else y).sum(dim) * 0
    right, left = _pairs(y, dim)
    return ((right + left) * widths).sum(dim) / 2


trapz = trapezoid  # PyTorch's older name, kept by real code


def cumulative_trapezoid(y, x=None, *, dx=None, dim: int = -1):
    """The running trapezoidal integral along ``dim``: one value per interval (one fewer than samples)."""
    dim = dim % y.dim() if y.dim() else dim
    widths = _spacing(y, x, dx, dim, "cumulative_trapezoid")
    if y.shape[dim] == 0:
        return y.to(dtypes.get_default_dtype()) if not y.dtype.is_floating_point else y
    right, left = _pairs(y, dim)
    return cumsum((right + left) * widths, dim) / 2


def _gradient_spacings(input, spacing, dims: list[int]) -> list:
    """One spacing per differentiated dimension: a number (even steps) or a 1-D tensor of coordinates."""
    if isinstance(spacing, (numbers.Number, Tensor)) and not (isinstance(spacing, Tensor) and spacing.dim() == 1):
        return [float(spacing)] * len(dims)
    spacing = list(spacing)
    if len(spacing) != len(dims):
        raise RuntimeError(f"torch.gradient expected spacing to be unspecified, a scalar, or a list of length "
                           f"equal to 'self.dim() = {input.dim()}', since dim argument was not given, but got a "
                           f"list of length {len(spacing)}")
    widths = []
    for d, h in zip(dims, spacing):
        if isinstance(h, Tensor) and h.dim() == 1:
            if h.shape[0] != input.shape[d]:
                raise RuntimeError(f"torch.gradient expected the coordinates along dimension {d} to have "
                                   f"{input.shape[d]} values, but got {h.shape[0]}")
            widths.append(h.to(input.dtype))
        else:
            widths.append(float(h))
    return widths


def _along(t, dim: int, ndim: int):
    """A 1-D tensor shaped to broadcast along ``dim`` of an ``ndim``-D tensor."""
    shape = [1] * ndim
    shape[dim] = t.shape[0]
    return t.reshape(shape)


def _derivative(f, dim: int, h, edge_order: int):
    """∂f/∂x along ``dim`` by finite differences: central inside, one-sided (first or second order) at the
    two ends. ``h`` is the step (a number) or the coordinates (a 1-D tensor; uneven steps weighted)."""
    n, ndim = f.shape[dim], f.dim()
    part = lambda start, length: narrow(f, dim, start, length)  # noqa: E731
    if isinstance(h, float):
        inside = (part(2, n - 2) - part(0, n - 2)) / (2 * h)
        if edge_order == 1:
            first, last = (part(1, 1) - part(0, 1)) / h, (part(n - 1, 1) - part(n - 2, 1)) / h
        else:
            first = (-3 * part(0, 1) + 4 * part(1, 1) - part(2, 1)) / (2 * h)
            last = (3 * part(n - 1, 1) - 4 * part(n - 2, 1) + part(n - 3, 1)) / (2 * h)
        return cat([first, inside, last], dim)
    steps = h[1:] - h[:-1]                     # steps[i] = x[i+1] - x[i]
    left, right = _along(steps[:-1], dim, ndim), _along(steps[1:], dim, ndim)
    inside = (left * left * part(2, n - 2) - right * right * part(0, n - 2)
              + (right * right - left * left) * part(1, n - 2)) / (left * right * (left + right))
    if edge_order == 1:
        first = (part(1, 1) - part(0, 1)) / steps[0]
        last = (part(n - 1, 1) - part(n - 2, 1)) / steps[-1]
    else:
        d1, d2 = steps[0], steps[1]
        first = (-(2 * d1 + d2) / (d1 * (d1 + d2)) * part(0, 1) + (d1 + d2) / (d1 * d2) * part(1, 1)
                 - d1 / (d2 * (d1 + d2)) * part(2, 1))
        d1, d2 = steps[-2], steps[-1]
        last = (d2 / (d1 * (d1 + d2)) * part(n - 3, 1) - (d1 + d2) / (d1 * d2) * part(n - 2, 1)
                + (2 * d2 + d1) / (d2 * (d1 + d2)) * part(n - 1, 1))
    return cat([first, inside, last], dim)


def gradient(input, *, spacing=1, dim=None, edge_order: int = 1):  # noqa: A002
    """The derivative of the samples ``input`` along each dimension (or those in ``dim``): a tuple with one
    tensor per dimension, as ``numpy.gradient``. Inside: (f[i+1] - f[i-1]) / 2h, or for uneven steps
    hₗ = x[i] - x[i-1], hᵣ = x[i+1] - x[i]: (hₗ² f[i+1] - hᵣ² f[i-1] + (hᵣ² - hₗ²) f[i]) / (hₗ hᵣ (hₗ + hᵣ)).
    At the ends, one-sided differences of order ``edge_order`` (1 or 2)."""
    if edge_order not in (1, 2):
        raise RuntimeError("torch.gradient only supports edge_order=1 and edge_order=2.")
    dims = list(range(input.dim())) if dim is None else [dim] if isinstance(dim, int) else list(dim)
    dims = [d % input.dim() for d in dims]
    if any(input.shape[d] < edge_order + 1 for d in dims):
        raise RuntimeError("torch.gradient expected each dimension size to be at least edge_order+1")
    if not input.dtype.is_floating_point:
        input = input.to(dtypes.get_default_dtype())
    widths = _gradient_spacings(input, spacing, dims)
    return tuple(_derivative(input, d, h, edge_order) for d, h in zip(dims, widths))


def unravel_index(indices, shape):
    """The coordinates of flat ``indices`` in a tensor of ``shape``, one int64 tensor per dimension.

    Row-major: the last coordinate is ``i mod shape[-1]``, then ``i // shape[-1]`` goes on to the next.
    As PyTorch does, an index past the end (or negative) wraps around rather than failing.
    """
    if not isinstance(indices, Tensor):
        raise TypeError(f"unravel_index(): argument 'indices' must be Tensor, not {type(indices).__name__}")
    if indices.dtype.is_floating_point or indices.dtype is dtypes.bool:
        raise TypeError(f"expected 'indices' to be integer dtype, but got {indices.dtype}")
    sizes = (shape,) if isinstance(shape, numbers.Integral) else tuple(int(s) for s in shape)
    if any(s < 0 for s in sizes):
        raise ValueError(f"'shape' cannot have negative values, but got {sizes}")
    flat = indices.numpy().astype(np.int64)
    coordinates = []
    for size in reversed(sizes):
        coordinates.append(np.mod(flat, size) if size else flat * 0)
        flat = np.floor_divide(flat, size) if size else flat * 0
    return tuple(Tensor._wrap(np.asarray(c, dtype=np.int64)) for c in reversed(coordinates))


def rsub(input, other, *, alpha=1):  # noqa: A002
    """other - alpha · input: ``sub`` with its operands swapped (what ``number - tensor`` calls)."""
    return other - (input if alpha == 1 else input * alpha)


# --- windows: w[n] for n = 0 .. N-1, computed in the window's dtype as PyTorch does --------------------
def _window(name: str, length: int, periodic: bool, dtype, formula) -> Tensor:
    """A window of ``length`` points. ``periodic`` (the default, for spectral analysis) computes one more
    point and drops it, so the window repeats seamlessly; otherwise it is symmetric."""
    if not isinstance(length, numbers.Integral) or length < 0:
        raise RuntimeError(f"{name} requires non-negative window_length, got window_length={length}")
    dtype = dtypes.get_default_dtype() if dtype is None else dtype
    if not dtype.is_floating_point:
        raise RuntimeError(f"{name} expects floating point dtypes, got: {dtype}")
    if length <= 1:
        return Tensor._wrap(np.ones(length, dtype.numpy))
    n = length + 1 if periodic else length
    values = formula(np.arange(n, dtype=dtype.numpy), n, dtype.numpy)
    return Tensor._wrap(np.ascontiguousarray(values[:length].astype(dtype.numpy)))


def hamming_window(window_length: int, periodic: bool = True, alpha: float = 0.54, beta: float = 0.46, *,
                   dtype=None, layout=None, device=None, requires_grad: bool = False) -> Tensor:
    """w[n] = α - β cos(2πn / (N - 1))."""
    def formula(k, n, t):
        return t.type(alpha) - t.type(beta) * np.cos(k * t.type(2 * math.pi / (n - 1)))
    return _window("hamming_window", window_length, periodic, dtype, formula).requires_grad_(requires_grad)


def hann_window(window_length: int, periodic: bool = True, *, dtype=None, layout=None, device=None,
                requires_grad: bool = False) -> Tensor:
    """w[n] = ½ - ½ cos(2πn / (N - 1)) = sin²(πn / (N - 1))."""
    return hamming_window(window_length, periodic, 0.5, 0.5, dtype=dtype, requires_grad=requires_grad)


def blackman_window(window_length: int, periodic: bool = True, *, dtype=None, layout=None, device=None,
                    requires_grad: bool = False) -> Tensor:
    """w[n] = 0.42 - 0.5 cos(2πn / (N - 1)) + 0.08 cos(4πn / (N - 1))."""
    def formula(k, n, t):
        angle = k * t.type(math.pi / (n - 1))
        return t.type(0.08) * np.cos(4 * angle) - t.type(0.5) * np.cos(2 * angle) + t.type(0.42)
    return _window("blackman_window", window_length, periodic, dtype, formula).requires_grad_(requires_grad)


def bartlett_window(window_length: int, periodic: bool = True, *, dtype=None, layout=None, device=None,
                    requires_grad: bool = False) -> Tensor:
    """The triangle: w[n] = 2n / (N - 1) up to the middle, 2 - 2n / (N - 1) after it."""
    def formula(k, n, t):
        rising = k * t.type(2 / (n - 1))
        return np.where(np.arange(n) < (n - 1) // 2 + 1, rising, 2 - rising)
    return _window("bartlett_window", window_length, periodic, dtype, formula).requires_grad_(requires_grad)


def kaiser_window(window_length: int, periodic: bool = True, beta: float = 12.0, *, dtype=None, layout=None,
                  device=None, requires_grad: bool = False) -> Tensor:
    """w[n] = I₀(β √(1 - ((n - α) / α)²)) / I₀(β), α = (N - 1)/2 (I₀: the modified Bessel function)."""
    def formula(k, n, t):
        middle = (n - 1) / 2
        return np.i0(beta * np.sqrt(np.maximum(0.0, 1 - ((k.astype(np.float64) - middle) / middle) ** 2))) / np.i0(beta)
    return _window("kaiser_window", window_length, periodic, dtype, formula).requires_grad_(requires_grad)


TENSOR_METHODS = {"aminmax": aminmax}
