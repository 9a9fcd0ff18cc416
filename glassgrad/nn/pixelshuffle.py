"""Rearranging channels: ``pixel_shuffle`` / ``PixelShuffle``, ``pixel_unshuffle`` / ``PixelUnshuffle`` and
``channel_shuffle`` / ``ChannelShuffle``, as in ``torch.nn`` (``functional.py`` re-exports the functions).

Part III, nn chapter. Pixel shuffle moves r² channels into an r×r block of pixels (sub-pixel
convolution: upsample by convolving at low resolution, then shuffle), unshuffle undoes it; channel shuffle
interleaves channel groups (ShuffleNet). Each is a pure permutation of the elements, so its backward
is the inverse permutation applied to the gradient.
"""

from __future__ import annotations

import numpy as np

from glassgrad.autograd.function import Primitive
from glassgrad.nn.module import Module
from glassgrad.ops.conv import linear_backward
from glassgrad.tensor import Tensor

__all__ = ["pixel_shuffle", "pixel_unshuffle", "channel_shuffle", "native_channel_shuffle", "PixelShuffle",
           "PixelUnshuffle", "ChannelShuffle"]


def _shuffle(x: np.ndarray, r: int) -> np.ndarray:
    """(*, C·r², H, W) → (*, C, H·r, W·r):  out[c, h·r + i, w·r + j] = x[c·r² + i·r + j, h, w]"""
    *batch, c, h, w = x.shape
    oc = c // (r * r)
    y = x.reshape(*batch, oc, r, r, h, w)
    n = len(batch)
    y = y.transpose(*range(n), n, n + 3, n + 1, n + 4, n + 2)  # (*, C, H, r, W, r)
    return np.ascontiguousarray(y).reshape(*batch, oc, h * r, w * r)


def _unshuffle(x: np.ndarray, r: int) -> np.ndarray:
    """(*, C, H·r, W·r) → (*, C·r², H, W), the inverse of ``_shuffle``."""
    *batch, c, hr, wr = x.shape
    h, w = hr // r, wr // r
    y = x.reshape(*batch, c, h, r, w, r)
    n = len(batch)
    y = y.transpose(*range(n), n, n + 2, n + 4, n + 1, n + 3)  # (*, C, r, r, H, W)
    return np.ascontiguousarray(y).reshape(*batch, c * r * r, h, w)


class PixelShuffleOp(Primitive):
    """out = _shuffle(x, r);  grad_x = _unshuffle(g, r) (a permutation: its inverse carries the gradient)"""

    node_name = "PixelShuffleBackward0"  # (the name PixelShuffle is the layer's)

    @staticmethod
    def forward(ctx, x, r):
        ctx.r = r
        return _shuffle(x, r)

    @staticmethod
    def backward(ctx, g):
        if isinstance(g, Tensor):  # create_graph=True: the inverse permutation, recorded
            return PixelUnshuffleOp.apply(g, ctx.r), None
        return _unshuffle(g, ctx.r), None


class PixelUnshuffleOp(Primitive):
    """out = _unshuffle(x, r);  grad_x = _shuffle(g, r)"""

    node_name = "PixelUnshuffleBackward0"

    @staticmethod
    def forward(ctx, x, r):
        ctx.r = r
        return _unshuffle(x, r)

    @staticmethod
    def backward(ctx, g):
        if isinstance(g, Tensor):  # create_graph=True: the inverse permutation, recorded
            return PixelShuffleOp.apply(g, ctx.r), None
        return _shuffle(g, ctx.r), None


def _check_tensor(fn: str, x) -> None:
    if not isinstance(x, Tensor):
        raise TypeError(f"{fn}(): argument 'input' (position 1) must be Tensor, not {type(x).__name__}")


def pixel_shuffle(input, upscale_factor: int):  # noqa: A002
    """(*, C·r², H, W) → (*, C, H·r, W·r) with r = ``upscale_factor``."""
    _check_tensor("pixel_shuffle", input)
    r = upscale_factor
    if input.dim() < 3:
        raise RuntimeError(f"pixel_shuffle expects input to have at least 3 dimensions, but got input with "
                           f"{input.dim()} dimension(s)")
    if r <= 0:
        raise RuntimeError(f"pixel_shuffle expects a positive upscale_factor, but got {r}")
    c = input.shape[-3]
    if c % (r * r):
        raise RuntimeError(f"pixel_shuffle expects its input's 'channel' dimension to be divisible by the "
                           f"square of upscale_factor, but input.size(-3)={c} is not divisible by {r * r}")
    return PixelShuffleOp.apply(input, r)


def pixel_unshuffle(input, downscale_factor: int):  # noqa: A002
    """(*, C, H·r, W·r) → (*, C·r², H, W) with r = ``downscale_factor``."""
    _check_tensor("pixel_unshuffle", input)
    r = downscale_factor
    if input.dim() < 3:
        raise RuntimeError(f"pixel_unshuffle expects input to have at least 3 dimensions, but got input "
                           f"with {input.dim()} dimension(s)")
    if r <= 0:
        raise RuntimeError(f"pixel_unshuffle expects a positive downscale_factor, but got {r}")
    for name, axis in (("height", -2), ("width", -1)):
        if input.shape[axis] % r:
            raise RuntimeError(f"pixel_unshuffle expects {name} to be divisible by downscale_factor, but "
                               f"input.size({axis})={input.shape[axis]} is not divisible by {r}")
    return PixelUnshuffleOp.apply(input, r)


class ChannelShuffleOp(Primitive):
    """(N, g·k, *) → channels read as a g×k grid and transposed: out channel i·g + j = in channel j·k + i;
    grad_x: the transposed grid (k×g) transposed back"""

    node_name = "ChannelShuffleBackward0"

    @staticmethod
    def forward(ctx, x, groups):
        ctx.groups = groups
        return _channel_grid_transpose(x, groups)

    @staticmethod
    def backward(ctx, g):
        if isinstance(g, Tensor):  # create_graph=True: Aᵀ·g as a node of its own (linear_map)
            return linear_backward(ctx, g), None
        return _channel_grid_transpose(g, g.shape[1] // ctx.groups), None

    @staticmethod
    def linear_map(ctx, v):
        """A·v: the same channel shuffle of v."""
        return ChannelShuffleOp.apply(v, ctx.groups)


def _channel_grid_transpose(x: np.ndarray, rows: int) -> np.ndarray:
    n, c, *rest = x.shape
    y = x.reshape(n, rows, c // rows, *rest).swapaxes(1, 2)
    return np.ascontiguousarray(y).reshape(x.shape)


def channel_shuffle(input, groups: int):  # noqa: A002
    """Split the channels (dim 1) into ``groups`` and interleave them."""
    _check_tensor("channel_shuffle", input)
    if input.dim() <= 2:
        raise RuntimeError(f"channel_shuffle expects input with > 2 dims, but got input with sizes "
                           f"{list(input.shape)}")
    if groups <= 0:
        raise RuntimeError(f"Number of groups to divide channels in must be positive. Value of groups:{groups}")
    c = input.shape[1]
    if c % groups:
        raise RuntimeError(f"Number of channels must be divisible by groups. Got {c} channels and "
                           f"{groups} groups.")
    return ChannelShuffleOp.apply(input, groups)


native_channel_shuffle = channel_shuffle


class PixelShuffle(Module):
    """(*, C·r², H, W) → (*, C, H·r, W·r): channels become r×r blocks of pixels."""

    def __init__(self, upscale_factor: int) -> None:
        super().__init__()
        self.upscale_factor = upscale_factor

    def forward(self, input):  # noqa: A002
        return pixel_shuffle(input, self.upscale_factor)

    def extra_repr(self) -> str:
        return f"upscale_factor={self.upscale_factor}"


class PixelUnshuffle(Module):
    """(*, C, H·r, W·r) → (*, C·r², H, W): r×r blocks of pixels become channels."""

    def __init__(self, downscale_factor: int) -> None:
        super().__init__()
        self.downscale_factor = downscale_factor

    def forward(self, input):  # noqa: A002
        return pixel_unshuffle(input, self.downscale_factor)

    def extra_repr(self) -> str:
        return f"downscale_factor={self.downscale_factor}"


class ChannelShuffle(Module):
    """Interleave ``groups`` groups of channels (dim 1)."""

    def __init__(self, groups: int) -> None:
        super().__init__()
        self.groups = groups

    def forward(self, input):  # noqa: A002
        return channel_shuffle(input, self.groups)

    def extra_repr(self) -> str:
        return f"groups={self.groups}"
