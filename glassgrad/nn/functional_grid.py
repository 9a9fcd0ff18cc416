"""``affine_grid`` and ``grid_sample``: moving pictures by a map of where to look, as in PyTorch's F.

Part III, nn chapter (re-exported by ``functional.py``). A spatial transformer (PyTorch's STN tutorial)
learns a 2×3 matrix θ per picture, turns it into a grid of sampling points with ``affine_grid`` and
reads the picture at those points with ``grid_sample``. Both are Primitives with their derivatives in
numpy next to them, so θ, the grid and the picture all get gradients.

Coordinates are normalised: x = -1 is the left edge of the picture and x = +1 the right edge. With
``align_corners=True`` ±1 are the centres of the corner pixels; with ``False`` (the default) they are
the outer edges of the corner pixels, so pixel j of W has centre x_j = (2j + 1)/W - 1.
"""

from __future__ import annotations

import warnings

import numpy as np

from glassgrad.autograd.function import Primitive
from glassgrad.ops.conv import linear_backward
from glassgrad.ops.joining import stack
from glassgrad.tensor import Tensor

_DEFAULT_CHANGED = ("Default grid_sample and affine_grid behavior has changed to align_corners=False since "
                    "1.3.0. Please specify align_corners=True if the old behavior is desired. See the "
                    "documentation of grid_sample for details.")


def _align_corners(align_corners) -> bool:
    """None means False, with PyTorch's warning that the default changed."""
    if align_corners is None:
        warnings.warn(_DEFAULT_CHANGED, UserWarning, stacklevel=3)
        return False
    return bool(align_corners)


def _base_coordinates(n: int, align_corners: bool) -> np.ndarray:
    """The normalised centres of n pixels along one axis."""
    if align_corners:
        return np.linspace(-1.0, 1.0, n) if n > 1 else np.zeros(1)
    return (np.arange(n) * 2.0 + 1.0) / n - 1.0


# --- affine_grid --------------------------------------------------------------------------------------
class AffineGrid(Primitive):
    """grid[n, h, w] = θ_n · (x_w, y_h, 1)        (N, H, W, 2) from θ of shape (N, 2, 3)

    grad_θ_n = Σ_{h,w} g[n, h, w] ⊗ (x_w, y_h, 1)  — the outer product of each point's gradient with
    the base point it came from, summed over the picture."""

    @staticmethod
    def forward(ctx, theta, height, width, align_corners):
        xs = _base_coordinates(width, align_corners)
        ys = _base_coordinates(height, align_corners)
        base = np.empty((height, width, 3), dtype=theta.dtype)
        base[..., 0], base[..., 1], base[..., 2] = xs[None, :], ys[:, None], 1.0
        ctx.base, ctx.options = base, (height, width, align_corners)
        return np.einsum("hwk,njk->nhwj", base, theta)

    @staticmethod
    def backward(ctx, g):
        if isinstance(g, Tensor):  # create_graph=True: Aᵀ·g as a node of its own (linear_map)
            return linear_backward(ctx, g), None, None, None
        return np.einsum("nhwj,hwk->njk", g, ctx.base).astype(g.dtype), None, None, None

    @staticmethod
    def linear_map(ctx, v):
        """A·v: the grid of the affine maps v (the grid is linear in θ)."""
        return AffineGrid.apply(v, *ctx.options)


def affine_grid(theta, size, align_corners=None):
    """The sampling grid (N, H, W, 2) of the 2-D affine maps θ (N, 2, 3) for pictures of ``size`` (N, C, H, W)."""
    if not isinstance(theta, Tensor):
        raise TypeError(f"affine_grid(): argument 'theta' must be Tensor, not {type(theta).__name__}")
    size = tuple(int(s) for s in size)
    if len(size) == 5:
        raise NotImplementedError("glassgrad's affine_grid makes 2-D grids only (a 4-D size); "
                                  f"3-D affine transforms (a 5-D size) are not implemented. Got size {size}.")
    if len(size) != 4:
        raise NotImplementedError("affine_grid only supports 4D and 5D sizes, for 2D and 3D affine transforms, "
                                  f"respectively. Got size {size}.")
    if not theta.dtype.is_floating_point:
        raise ValueError(f"Expected theta to have floating point type, but got {theta.dtype}")
    if theta.dim() != 3 or tuple(theta.shape[1:]) != (2, 3):
        raise ValueError("Expected a batch of 2D affine matrices of shape Nx2x3 for size "
                         f"{size}. Got {list(theta.shape)}.")
    if theta.shape[0] != size[0]:
        raise RuntimeError("Expected size for first two dimensions of batch2 tensor to be: "
                           f"[{theta.shape[0]}, 3] but got: [{size[0]}, 3].")
    return AffineGrid.apply(theta, size[2], size[3], _align_corners(align_corners))


# --- grid_sample --------------------------------------------------------------------------------------
def _unnormalize(coord: np.ndarray, size: int, align_corners: bool):
    """Pixel coordinate of a normalised one, and d(pixel)/d(normalised)."""
    if align_corners:
        return (coord + 1) / 2 * (size - 1), (size - 1) / 2
    return ((coord + 1) * size - 1) / 2, size / 2


def _reflect(coord: np.ndarray, twice_low: int, twice_high: int):
    """Fold coordinates back into [low, high] like a mirror, and the sign (±1) of d(folded)/d(coord)."""
    if twice_low == twice_high:
        return np.zeros_like(coord), np.zeros_like(coord)
    low, span = twice_low / 2, (twice_high - twice_low) / 2
    shifted = coord - low
    sign = np.where(shifted < 0, -1.0, 1.0)
    distance = np.abs(shifted)
    flips = np.floor(distance / span)
    extra = np.fmod(distance, span)
    even = (flips % 2) == 0
    return np.where(even, extra + low, span - extra + low), np.where(even, sign, -sign)


def _source_coordinate(coord: np.ndarray, size: int, padding_mode: str, align_corners: bool):
    """Where along one axis of the picture each normalised coordinate reads, and its derivative."""
    pixel, scale = _unnormalize(coord, size, align_corners)
    slope = np.full_like(pixel, scale)
    if padding_mode == "border":
        inside = (pixel > 0) & (pixel < size - 1)
        pixel, slope = np.clip(pixel, 0, size - 1), slope * inside
    elif padding_mode == "reflection":
        if align_corners:
            pixel, sign = _reflect(pixel, 0, 2 * (size - 1))
        else:
            pixel, sign = _reflect(pixel, -1, 2 * size - 1)
        inside = (pixel > 0) & (pixel < size - 1)
        pixel, slope = np.clip(pixel, 0, size - 1), slope * sign * inside
    return pixel, slope


class GridSample(Primitive):
    """out[n, c, h, w] = the picture read at grid[n, h, w] (x across, y down), bilinear or nearest.

    Bilinear, with (x, y) in pixels, x0 = ⌊x⌋, tx = x - x0 (y likewise) and v(x, y) zero outside
    the picture for padding_mode='zeros':
        out = (1-tx)(1-ty) v(x0,y0) + tx(1-ty) v(x0+1,y0) + (1-tx)ty v(x0,y0+1) + tx ty v(x0+1,y0+1)
    grad_input: each corner receives g times its weight (summed where points share a pixel).
    grad_grid: ∂out/∂x = (1-ty)(v(x0+1,y0) - v(x0,y0)) + ty(v(x0+1,y0+1) - v(x0,y0+1)), summed over
    channels, times d(pixel x)/d(grid x) (W/2, or (W-1)/2 with align_corners; 0 where the border clips).
    Nearest reads the closest pixel; its grid gradient is zero.
    create_graph=True: the same gradients as recorded ops (_grid_sample_backward_as_ops)."""

    @staticmethod
    def forward(ctx, picture, grid, mode, padding_mode, align_corners):
        n, c, height, width = picture.shape
        ctx.save_for_backward(picture, grid)  # only for second derivatives, as PyTorch keeps them
        x, slope_x = _source_coordinate(grid[..., 0], width, padding_mode, align_corners)
        y, slope_y = _source_coordinate(grid[..., 1], height, padding_mode, align_corners)
        if mode == "nearest":
            corners = [(np.rint(x), np.rint(y), np.ones_like(x))]
        else:
            x0, y0 = np.floor(x), np.floor(y)
            tx, ty = x - x0, y - y0
            corners = [(x0, y0, (1 - tx) * (1 - ty)), (x0 + 1, y0, tx * (1 - ty)),
                       (x0, y0 + 1, (1 - tx) * ty), (x0 + 1, y0 + 1, tx * ty)]
            ctx.tx, ctx.ty = tx, ty
        batch = np.arange(n)[:, None, None]
        reads, valids = [], []  # (locals: without grad, ctx is NO_CONTEXT, which keeps nothing)
        out = np.zeros((n, c) + grid.shape[1:3], dtype=picture.dtype)
        for cx, cy, weight in corners:
            valid = (cx >= 0) & (cx <= width - 1) & (cy >= 0) & (cy <= height - 1)
            valids.append(valid)
            ix = np.clip(cx, 0, width - 1).astype(np.int64)
            iy = np.clip(cy, 0, height - 1).astype(np.int64)
            value = picture[batch, :, iy, ix] * valid[..., None]  # (n, h_out, w_out, c)
            value = np.moveaxis(value, -1, 1)
            out += (weight * valid)[:, None] * value
            reads.append((ix, iy, weight * valid, value))
        ctx.shape, ctx.dtype, ctx.reads, ctx.mode = picture.shape, picture.dtype, reads, mode
        ctx.slope_x, ctx.slope_y = slope_x, slope_y
        ctx.x, ctx.y, ctx.valid = x, y, valids
        return out

    @staticmethod
    def backward(ctx, g):
        if isinstance(g, Tensor):
            return _grid_sample_backward_as_ops(ctx, g)
        ctx.saved_tensors  # (reading them checks that neither input was changed in place since)
        n, c, height, width = ctx.shape
        grad_picture = np.zeros(ctx.shape, dtype=ctx.dtype)
        flat = grad_picture.reshape(n, c, height * width)
        batch = np.arange(n)[:, None, None]
        for ix, iy, weight, _ in ctx.reads:
            contribution = np.moveaxis(g * weight[:, None], 1, -1)  # (n, h_out, w_out, c)
            index = np.broadcast_to(iy * width + ix, weight.shape)
            np.add.at(flat, (batch, slice(None), index), contribution)
        if ctx.mode == "nearest":
            return grad_picture, np.zeros(g.shape[:1] + g.shape[2:] + (2,), dtype=g.dtype), None, None, None
        (_, _, _, v00), (_, _, _, v10), (_, _, _, v01), (_, _, _, v11) = ctx.reads
        tx, ty = ctx.tx[:, None], ctx.ty[:, None]
        d_x = ((1 - ty) * (v10 - v00) + ty * (v11 - v01)) * g
        d_y = ((1 - tx) * (v01 - v00) + tx * (v11 - v10)) * g
        grad_grid = np.stack([d_x.sum(axis=1) * ctx.slope_x, d_y.sum(axis=1) * ctx.slope_y], axis=-1)
        return grad_picture, grad_grid.astype(g.dtype), None, None, None


def _grid_sample_backward_as_ops(ctx, g: Tensor) -> tuple:
    """GridSample's gradients as recorded ops on the saved picture and grid (create_graph=True).

    Each pixel coordinate is piecewise linear in the grid, so it is written as its value plus its
    (constant) slope times the grid's change: the right value, the right first derivative and zero
    second derivative. The corners' weights are products of tx and ty, ops of those coordinates; the
    corner values are gathers from the picture, and ∂L/∂picture scatters g·weight back (scatter_add)."""
    picture, grid = ctx.saved_tensors
    n, c, height, width = ctx.shape
    h_out, w_out = g.shape[2], g.shape[3]
    if ctx.mode == "nearest":
        weights = [Tensor._wrap(ctx.valid[0].astype(ctx.dtype))]
    else:
        x = Tensor._wrap(ctx.x) + Tensor._wrap(ctx.slope_x) * (grid[..., 0] - grid[..., 0].detach())
        y = Tensor._wrap(ctx.y) + Tensor._wrap(ctx.slope_y) * (grid[..., 1] - grid[..., 1].detach())
        tx, ty = x - np.floor(ctx.x), y - np.floor(ctx.y)
        weights = [(1 - tx) * (1 - ty), tx * (1 - ty), (1 - tx) * ty, tx * ty]
        weights = [w * Tensor._wrap(valid.astype(ctx.dtype)) for w, valid in zip(weights, ctx.valid)]
    flat_picture = picture.reshape(n, c, height * width)
    grad_picture = Tensor._wrap(np.zeros((n, c, height * width), ctx.dtype))
    values = []
    for (ix, iy, _, _), weight, valid in zip(ctx.reads, weights, ctx.valid):
        index = np.broadcast_to((iy * width + ix).reshape(n, 1, -1), (n, c, h_out * w_out))
        index = Tensor._wrap(np.ascontiguousarray(index))
        grad_picture = grad_picture.scatter_add(2, index, g.reshape(n, c, -1) * weight.reshape(n, 1, -1))
        value = flat_picture.gather(2, index).reshape(n, c, h_out, w_out)
        values.append(value * Tensor._wrap(valid.astype(ctx.dtype))[:, None])
    grad_picture = grad_picture.reshape(ctx.shape)
    if ctx.mode == "nearest":
        return grad_picture, Tensor._wrap(np.zeros(ctx.x.shape + (2,), ctx.dtype)), None, None, None
    v00, v10, v01, v11 = values
    tx, ty = tx[:, None], ty[:, None]
    d_x = (((1 - ty) * (v10 - v00) + ty * (v11 - v01)) * g).sum(dim=1) * Tensor._wrap(ctx.slope_x)
    d_y = (((1 - tx) * (v01 - v00) + tx * (v11 - v10)) * g).sum(dim=1) * Tensor._wrap(ctx.slope_y)
    return grad_picture, stack([d_x, d_y], -1), None, None, None


def grid_sample(input, grid, mode: str = "bilinear", padding_mode: str = "zeros",  # noqa: A002
                align_corners=None):
    """Read ``input`` (N, C, H, W) at the normalised points ``grid`` (N, H_out, W_out, 2): (N, C, H_out, W_out)."""
    if mode not in ("bilinear", "nearest", "bicubic"):
        raise ValueError("nn.functional.grid_sample(): expected mode to be 'bilinear', 'nearest' or 'bicubic', "
                         f"but got: '{mode}'")
    if padding_mode not in ("zeros", "border", "reflection"):
        raise ValueError("nn.functional.grid_sample(): expected padding_mode to be 'zeros', 'border', or "
                         f"'reflection', but got: '{padding_mode}'")
    align_corners = _align_corners(align_corners)
    for name, t in (("input", input), ("grid", grid)):
        if not isinstance(t, Tensor):
            raise TypeError(f"grid_sample(): argument '{name}' must be Tensor, not {type(t).__name__}")
    if mode == "bicubic":
        raise NotImplementedError("glassgrad's grid_sample reads with mode='bilinear' or 'nearest'; "
                                  "'bicubic' is not implemented")
    if input.dim() == 5:
        raise NotImplementedError("glassgrad's grid_sample reads 4-D (N, C, H, W) inputs only; "
                                  "5-D (volumetric) sampling is not implemented")
    if input.dim() != 4 or grid.dim() != 4:
        raise RuntimeError("grid_sampler(): expected 4D or 5D input and grid with same number of dimensions, "
                           f"but got input with sizes {list(input.shape)} and grid with sizes {list(grid.shape)}")
    if grid.shape[-1] != 2:
        raise RuntimeError("grid_sampler(): expected grid to have size 2 in last dimension, but got grid with "
                           f"sizes {list(grid.shape)}")
    if input.shape[0] != grid.shape[0]:
        raise RuntimeError("grid_sampler(): expected grid and input to have same batch size, but got input with "
                           f"sizes {list(input.shape)} and grid with sizes {list(grid.shape)}")
    if input.dtype != grid.dtype:
        raise RuntimeError("grid_sampler(): expected input and grid to have same dtype, but input has "
                           f"{input.dtype} and grid has {grid.dtype}")
    return GridSample.apply(input, grid, mode, padding_mode, align_corners)
