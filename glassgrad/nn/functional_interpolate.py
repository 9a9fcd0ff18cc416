"""``F.interpolate`` (and ``nn.Upsample``'s arithmetic): resizing images, sequences and volumes.

Part III, nn chapter, after functional_shape.py. Every mode PyTorch's ``interpolate`` offers for
resizing one axis — nearest, nearest-exact, linear, cubic — computes each output position as a weighted
sum of a few input positions along that axis, the weights depending only on the sizes. So each axis is
one matrix ``A`` of shape (out, in):

    out = A_h · x · A_wᵀ            (bilinear, bicubic, nearest on an image: one matrix per axis)
    ∂L/∂x = A_hᵀ · g · A_w           (the backward is the same products read the other way)

Row ``i`` of ``A`` holds the weights output ``i`` takes from its input neighbours, following PyTorch's
source-index rules exactly:

- nearest:        src = floor(i · scale)                           (weight 1)
- nearest-exact:  src = floor((i + ½) · scale)                     (weight 1)
- linear:         src = (i + ½) · scale − ½, at least 0            (align_corners=False)
                  src = i · (in − 1)/(out − 1)                     (align_corners=True)
                  weights 1 − t and t on floor(src) and the next  (t = src − floor(src))
- cubic:          src as linear but not clamped; Keys' cubic convolution (A = −0.75) on the four
                  neighbours floor(src) − 1 … floor(src) + 2, indices clamped to the edge.

``scale`` is in/out, or 1/scale_factor when a ``scale_factor`` was given (PyTorch keeps the factor the
caller asked for unless ``recompute_scale_factor=True``).
"""

from __future__ import annotations

import math
import warnings

import numpy as np

from glassgrad.autograd.function import Primitive
from glassgrad.tensor import Tensor

__all__ = ["interpolate", "upsample", "upsample_nearest", "upsample_bilinear"]

_DIMS = {"linear": 1, "bilinear": 2, "bicubic": 2, "trilinear": 3}  # modes that fix the spatial rank
_INTERPOLATING = ("linear", "bilinear", "bicubic", "trilinear")
_MODES = ("nearest", "nearest-exact", "linear", "bilinear", "bicubic", "trilinear", "area")


def _axis_matrix(n_in: int, n_out: int, mode: str, align_corners: bool, scale: float | None) -> np.ndarray:
    """A (n_out, n_in) float64: row i holds the weights output i takes from the input along one axis."""
    a = np.zeros((n_out, n_in))
    rows = np.arange(n_out)
    ratio = (n_in / n_out) if scale is None else 1.0 / scale  # PyTorch's area_pixel_compute_scale
    if mode in ("nearest", "nearest-exact"):
        offset = 0.5 if mode == "nearest-exact" else 0.0
        src = np.minimum(np.floor((rows + offset) * np.float32(ratio)).astype(np.int64), n_in - 1)
        a[rows, src] = 1.0
        return a
    if mode == "area":  # adaptive average pooling: each output averages its window
        for i in range(n_out):
            start, end = (i * n_in) // n_out, -((-(i + 1) * n_in) // n_out)
            a[i, start:end] = 1.0 / (end - start)
        return a
    if align_corners:
        src = rows * ((n_in - 1) / (n_out - 1)) if n_out > 1 else np.zeros(n_out)
    else:
        src = (rows + 0.5) * ratio - 0.5
    if mode == "cubic":
        base = np.floor(src)
        t = src - base
        for k, w in zip(range(-1, 3), _cubic_weights(t)):
            np.add.at(a, (rows, np.clip(base.astype(np.int64) + k, 0, n_in - 1)), w)
        return a
    if not align_corners:
        src = np.maximum(src, 0.0)
    low = np.minimum(np.floor(src).astype(np.int64), n_in - 1)
    high = np.minimum(low + 1, n_in - 1)
    t = src - low
    np.add.at(a, (rows, low), 1.0 - t)
    np.add.at(a, (rows, high), t)
    return a


def _cubic_weights(t: np.ndarray, A: float = -0.75) -> list:  # noqa: N803 (the constant's usual name)
    """Keys' cubic convolution weights for the neighbours at distances 1 + t, t, 1 − t, 2 − t."""
    def near(x):  # |x| ≤ 1
        return ((A + 2) * x - (A + 3)) * x * x + 1

    def far(x):   # 1 < |x| < 2
        return ((A * x - 5 * A) * x + 8 * A) * x - 4 * A
    return [far(t + 1), near(t), near(1 - t), far(2 - t)]


class Interpolate(Primitive):
    """out = x resized along its last k axes, one interpolation matrix A_d per axis (module docstring);
    ∂L/∂x = the same products with each A_dᵀ."""

    one_tensor_input = True

    @staticmethod
    def forward(ctx, x, matrices):
        ctx.matrices = matrices
        return _apply_axes(x, [m.astype(x.dtype) for m in matrices])

    @staticmethod
    def backward(ctx, g):
        transposed = tuple(m.T for m in ctx.matrices)
        if isinstance(g, Tensor):  # create_graph: the backward is the same kind of op, recorded
            return Interpolate.apply(g, transposed), None
        return _apply_axes(g, [m.astype(g.dtype) for m in transposed]), None


def _apply_axes(x: np.ndarray, matrices: list) -> np.ndarray:
    """Multiply each of x's last len(matrices) axes by its matrix (axis by axis, each one matmul)."""
    k = len(matrices)
    for i, m in enumerate(matrices):
        axis = x.ndim - k + i
        x = np.moveaxis(np.matmul(m, np.moveaxis(x, axis, -2)), -2, axis)
    return np.ascontiguousarray(x)


def _node_name(mode: str, k: int) -> str:
    """PyTorch's grad_fn name for this mode and rank (UpsampleBilinear2DBackward0 ...)."""
    if mode == "area":
        return f"AdaptiveAvgPool{k}DBackward0"
    kind = {"nearest": "Nearest", "nearest-exact": "NearestExact", "linear": "Linear", "bilinear": "Bilinear",
            "bicubic": "Bicubic", "trilinear": "Trilinear"}[mode]
    return f"Upsample{kind}{k}DBackward0"


_NODES: dict = {}


def _op(mode: str, k: int):
    """The Primitive for this mode and rank: one class each, so grad_fn prints PyTorch's name."""
    key = (mode, k)
    if key not in _NODES:
        _NODES[key] = type(f"Interpolate_{mode.replace('-', '_')}_{k}d", (Interpolate,),
                           {"node_name": _node_name(mode, k), "__module__": __name__})
    return _NODES[key]


def _as_tuple(value, spatial: tuple, name: str):
    """An int or a tuple per spatial axis, with PyTorch's error for the wrong number of axes."""
    if isinstance(value, (tuple, list)):
        if len(value) != len(spatial):
            if name == "size":
                raise ValueError("Input and output must have the same number of spatial dimensions, but got "
                                 f"input with spatial dimensions of {list(spatial)} and output size of {value}. "
                                 "Please provide input tensor in (N, C, d1, d2, ...,dK) format and output size "
                                 "in (o1, o2, ...,oK) format.")
            raise ValueError("Input and scale_factor must have the same number of spatial dimensions, but got "
                             f"input with spatial dimensions of {list(spatial)} and scale_factor of shape "
                             f"{value}. Please provide input tensor in (N, C, d1, d2, ...,dK) format and "
                             "scale_factor in (s1, s2, ...,sK) format.")
        return tuple(value)
    return (value,) * len(spatial)


def _sizes_text(sizes: tuple) -> str:
    return ", ".join(f"{axis}: {n}" for axis, n in zip("DHW"[3 - len(sizes):], sizes))


def interpolate(input: Tensor, size=None, scale_factor=None, mode: str = "nearest",  # noqa: A002
                align_corners: bool | None = None, recompute_scale_factor: bool | None = None,
                antialias: bool = False) -> Tensor:
    """Resize ``input`` (N, C, d1 … dk) to ``size`` or by ``scale_factor``, as ``torch.nn.functional.interpolate``."""
    if not isinstance(input, Tensor):
        raise TypeError(f"interpolate(): argument 'input' must be Tensor, not {type(input).__name__}")
    if mode not in _MODES:
        raise NotImplementedError(f"Input Error: Only 3D, 4D and 5D input Tensors supported (got {input.dim()}D) "
                                  f"for the modes: nearest | linear | bilinear | bicubic | trilinear | area | "
                                  f"nearest-exact (got {mode})")
    if mode in ("nearest", "area", "nearest-exact"):
        if align_corners is not None:
            raise ValueError("align_corners option can only be set with the interpolating modes: "
                             "linear | bilinear | bicubic | trilinear")
    elif align_corners is None:
        align_corners = False
    if antialias:
        raise NotImplementedError("interpolate(antialias=True) is not supported by glassgrad")
    k = input.dim() - 2
    if k < 1 or k > 3:
        raise NotImplementedError(f"Input Error: Only 3D, 4D and 5D input Tensors supported (got {input.dim()}D) "
                                  f"for the modes: nearest | linear | bilinear | bicubic | trilinear | area | "
                                  f"nearest-exact (got {mode})")
    if mode in _DIMS and _DIMS[mode] != k:
        need = _DIMS[mode] + 2
        raise NotImplementedError(f"Got {input.dim()}D input, but {mode} mode needs {need}D input")
    if (size is None) == (scale_factor is None):
        raise ValueError("only one of size or scale_factor should be defined" if size is not None else
                         "either size or scale_factor should be defined")
    spatial = tuple(input.shape[2:])
    if size is not None:
        sizes = tuple(int(s) for s in _as_tuple(size, spatial, "size"))
        scales = (None,) * k
    else:
        factors = tuple(float(f) for f in _as_tuple(scale_factor, spatial, "scale_factor"))
        sizes = tuple(int(math.floor(d * f)) for d, f in zip(spatial, factors))
        scales = (None,) * k if recompute_scale_factor else factors
    if any(s <= 0 for s in sizes):
        joint = " and" if k == 1 else ""  # PyTorch's 1-d message says "and"; the others don't
        raise RuntimeError(f"Input and output sizes should be greater than 0, but got input "
                           f"({_sizes_text(spatial)}){joint} output ({_sizes_text(sizes)})")
    if mode == "area":
        scales = (None,) * k
    axis_mode = "cubic" if mode == "bicubic" else mode if mode in ("nearest", "nearest-exact", "area") else "linear"
    matrices = tuple(_axis_matrix(d, s, axis_mode, bool(align_corners), sc)
                     for d, s, sc in zip(spatial, sizes, scales))
    return _op(mode, k).apply(input, matrices)


def upsample(input, size=None, scale_factor=None, mode: str = "nearest", align_corners=None):  # noqa: A002
    """Deprecated in PyTorch: ``interpolate`` with a warning."""
    warnings.warn("`nn.functional.upsample` is deprecated. Use `nn.functional.interpolate` instead.",
                  stacklevel=2)
    return interpolate(input, size, scale_factor, mode, align_corners)


def upsample_nearest(input, size=None, scale_factor=None):  # noqa: A002
    warnings.warn("`nn.functional.upsample_nearest` is deprecated. Use `nn.functional.interpolate` instead.",
                  stacklevel=2)
    return interpolate(input, size, scale_factor, mode="nearest")


def upsample_bilinear(input, size=None, scale_factor=None):  # noqa: A002
    warnings.warn("`nn.functional.upsample_bilinear` is deprecated. Use `nn.functional.interpolate` instead.",
                  stacklevel=2)
    return interpolate(input, size, scale_factor, mode="bilinear", align_corners=True)
