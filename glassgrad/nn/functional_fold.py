"""im2col and col2im as functions: ``unfold`` and ``fold``, as in ``torch.nn.functional``.

Part III, nn chapter (the geometry is conv.py's, in glassgrad/ops). ``unfold`` copies every
kernel-sized window of the (padded) input into one column:

    cols[n, (c, i, j), (y, x)] = x_pad[n, c, y·s_h + i·d_h, x·s_w + j·d_w]

so a convolution is ``W.view(O, −1) @ unfold(x)``. ``fold`` is its adjoint: it adds each column back
onto the window it came from (overlaps sum) and cuts the padding off. Each is linear, so the
gradient of one is the other applied to g.
"""

from __future__ import annotations

import numbers

import numpy as np

from glassgrad.autograd.function import Primitive
from glassgrad.ops.conv import _pad_view, _window

__all__ = ["unfold", "fold"]


def _im2col(x: np.ndarray, kernel: tuple, dilation: tuple, padding: tuple, stride: tuple,
            blocks: tuple) -> np.ndarray:
    """(N, C, H, W) -> (N, C·kh·kw, oh·ow): one strided copy per kernel offset (i, j)."""
    (kh, kw), (dh, dw), (sh, sw), (oh, ow) = kernel, dilation, stride, blocks
    xp = _pad_view(x, (padding[0], padding[0], padding[1], padding[1]))
    n, c = x.shape[:2]
    cols = np.empty((n, c, kh, kw, oh, ow), x.dtype)
    for i in range(kh):
        for j in range(kw):
            cols[:, :, i, j] = _window(xp, i * dh, j * dw, oh, ow, sh, sw)
    return cols.reshape(n, c * kh * kw, oh * ow)


def _col2im(cols: np.ndarray, size: tuple, kernel: tuple, dilation: tuple, padding: tuple,
            stride: tuple, blocks: tuple) -> np.ndarray:
    """(N, C·kh·kw, oh·ow) -> (N, C, H, W): each column added onto its window, the padding cut off."""
    (kh, kw), (dh, dw), (sh, sw), (oh, ow), (ph, pw) = kernel, dilation, stride, blocks, padding
    n = cols.shape[0]
    c = cols.shape[1] // (kh * kw)
    cols = cols.reshape(n, c, kh, kw, oh, ow)
    canvas = np.zeros((n, c, size[0] + 2 * ph, size[1] + 2 * pw), cols.dtype)
    for i in range(kh):
        for j in range(kw):
            _window(canvas, i * dh, j * dw, oh, ow, sh, sw)[...] += cols[:, :, i, j]
    return canvas[:, :, ph:ph + size[0], pw:pw + size[1]]


class Im2Col(Primitive):
    """cols = im2col(x) (see the module docstring);  ∂L/∂x = col2im(∂L/∂cols): the adjoint."""

    differentiable_backward = False  # its backward is numpy on arrays: no second derivatives yet

    @staticmethod
    def forward(ctx, x, geometry, blocks, batched):
        ctx.geometry, ctx.blocks, ctx.shape = geometry, blocks, x.shape
        x4 = x if batched else x[None]
        cols = _im2col(x4, *geometry, blocks)
        return cols if batched else cols[0]

    @staticmethod
    def backward(ctx, g):
        shape = ctx.shape if len(ctx.shape) == 4 else (1,) + ctx.shape
        g = g.reshape((shape[0],) + g.shape[-2:])
        grad = _col2im(g, shape[2:], *ctx.geometry, ctx.blocks)
        return grad.reshape(ctx.shape), None, None, None


class Col2Im(Primitive):
    """out = col2im(cols) (each column summed onto its window);  ∂L/∂cols = im2col(∂L/∂out)."""

    differentiable_backward = False  # its backward is numpy on arrays: no second derivatives yet

    @staticmethod
    def forward(ctx, cols, size, geometry, blocks, batched):
        ctx.geometry, ctx.blocks, ctx.shape = geometry, blocks, cols.shape
        out = _col2im(cols if batched else cols[None], size, *geometry, blocks)
        return out if batched else out[0]

    @staticmethod
    def backward(ctx, g):
        g4 = g if g.ndim == 4 else g[None]
        return _im2col(g4, *ctx.geometry, ctx.blocks).reshape(ctx.shape), None, None, None, None


def _pair(value, name: str) -> tuple:
    if isinstance(value, numbers.Integral):
        return (int(value),) * 2
    if len(value) != 2:
        raise RuntimeError(f"It is expected {name} equals to 2, but got size {len(value)}")
    return tuple(int(v) for v in value)


def _geometry(kernel_size, dilation, padding, stride) -> tuple:
    kernel, dilation = _pair(kernel_size, "kernel_size"), _pair(dilation, "dilation")
    padding, stride = _pair(padding, "padding"), _pair(stride, "stride")
    for name, (a, b) in (("kernel size", kernel), ("stride", stride), ("dilation", dilation)):
        if a <= 0 or b <= 0:
            label = name.replace(" ", "_") if name != "kernel size" else "kernel"
            raise RuntimeError(f"{name} should be greater than zero, but got {label}_height: {a} "
                               f"{label}_width: {b}")
    if min(padding) < 0:
        raise RuntimeError(f"padding should be non-negative, but got pad_height: {padding[0]} "
                           f"pad_width: {padding[1]}")
    return kernel, dilation, padding, stride


def _blocks(size: tuple, kernel, dilation, padding, stride) -> tuple:
    """How many windows fit along each axis: ⌊(L + 2p − d(k − 1) − 1)/s⌋ + 1."""
    return tuple((size[a] + 2 * padding[a] - dilation[a] * (kernel[a] - 1) - 1) // stride[a] + 1
                 for a in range(2))


def unfold(input, kernel_size, dilation=1, padding=0, stride=1):  # noqa: A002
    """Every sliding window of (N, C, H, W) (or (C, H, W)) as a column: (N, C·kh·kw, L), L the number
    of windows; the im2col of a convolution."""
    x = input._array
    if x.ndim < 3:
        raise IndexError(f"Dimension out of range (expected to be in range of [-{max(x.ndim, 1)}, "
                         f"{max(x.ndim, 1) - 1}], but got 2)")
    if x.ndim > 4 or 0 in x.shape[-3:]:
        raise RuntimeError("Expected 3D or 4D (batch mode) tensor with possibly 0 batch size and other "
                           f"non-zero dimensions for input, but got: {list(x.shape)}")
    geometry = _geometry(kernel_size, dilation, padding, stride)
    kernel, dil, pad, _ = geometry
    blocks = _blocks(x.shape[-2:], *geometry)
    if min(blocks) < 1:
        raise RuntimeError(f"Given input with spatial size {tuple(x.shape[-2:])}, kernel_size={kernel}, "
                           f"dilation={dil}, padding={pad}, calculated shape of the array of sliding "
                           f"blocks as {blocks}, but its components must be at least one.")
    return Im2Col.apply(input, geometry, blocks, x.ndim == 4)


def fold(input, output_size, kernel_size, dilation=1, padding=0, stride=1):  # noqa: A002
    """The columns of (N, C·kh·kw, L) (or (C·kh·kw, L)) summed back onto their windows of an
    (N, C, H, W) image, H, W = output_size: the adjoint of ``unfold`` (col2im)."""
    x = input._array
    if x.ndim not in (2, 3) or 0 in x.shape[-2:]:
        raise RuntimeError("Expected 2D or 3D (batch mode) tensor for input with possibly 0 batch size and "
                           f"non-zero dimensions for input, but got: {list(x.shape)}")
    size = _pair(output_size, "output_size")
    geometry = _geometry(kernel_size, dilation, padding, stride)
    kernel, dil, pad, st = geometry
    if x.shape[-2] % (kernel[0] * kernel[1]):
        raise RuntimeError("Expected size of input's dimension 1 to be divisible by the product of "
                           f"kernel_size, but got input.size(1)={x.shape[-2]} and kernel_size={kernel}.")
    blocks = _blocks(size, *geometry)
    if blocks[0] * blocks[1] != x.shape[-1]:
        raise RuntimeError(f"Given output_size={size}, kernel_size={kernel}, dilation={dil}, padding={pad}, "
                           f"stride={st}, expected size of input's dimension 2 to match the calculated "
                           f"number of sliding blocks {blocks[0]} * {blocks[1]} = {blocks[0] * blocks[1]}, "
                           f"but got input.size(2)={x.shape[-1]}.")
    return Col2Im.apply(input, size, geometry, blocks, x.ndim == 3)
