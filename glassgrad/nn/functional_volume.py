"""Convolution and pooling over volumes (N, C, D, H, W): conv3d, max_pool3d, avg_pool3d and
adaptive_avg_pool3d, as in ``torch.nn.functional``.

Part III, nn chapter (after glassgrad/ops/conv.py and pool.py, whose 2-d forms these extend by one
axis). A straightforward im2col: every kernel-sized window of the padded volume is copied out,

    cols[n, c, (a, i, j), (z, y, x)] = x_pad[n, c, z·s_d + a·d_d, y·s_h + i·d_h, x·s_w + j·d_w]

one strided copy per kernel offset (a, i, j). Then

    conv3d:      out = W·cols + b  (a matrix product per group);  ∂L/∂W = G·colsᵀ,
                 ∂L/∂x = col2im(Wᵀ·G) (each window's gradient added back where it was read)
    max_pool3d:  out = max over each window (padding counts as −∞);  the gradient goes to the first
                 maximum, whose flat position in D·H·W is also the returned index
    avg_pool3d:  out = Σ window / D (D as PyTorch counts it);  ∂L/∂x = col2im(g/D)
    adaptive_avg_pool3d:  separable, A_d ⊗ A_h ⊗ A_w averaging matrices (ops/pool.py's)
"""

from __future__ import annotations

import numbers

import numpy as np

from glassgrad.autograd.function import Primitive
from glassgrad.dtypes import TORCH_NAMES
from glassgrad.ops.conv import _check_conv, _shape, _tuple
from glassgrad.ops.pool import _adaptive_matrix, _pool_size
from glassgrad.ops.reduce import mean
from glassgrad.ops.shape import SqueezeDim, Unsqueeze
from glassgrad.tensor import Tensor

__all__ = ["conv3d", "max_pool3d", "avg_pool3d", "adaptive_avg_pool3d"]

_NO_BIAS = Tensor._wrap(np.zeros(0, np.float32))


# --- the window copies ---------------------------------------------------------------------------------------
def _pad3(x: np.ndarray, pads: tuple, value=0) -> np.ndarray:
    """x (N, C, D, H, W) with (before, after) planes of ``value`` on each of the three axes."""
    if not any(pads):
        return x
    n, c = x.shape[:2]
    size = tuple(s + pads[2 * a] + pads[2 * a + 1] for a, s in enumerate(x.shape[2:]))
    out = np.full((n, c) + size, value, dtype=x.dtype)
    out[:, :, pads[0]:pads[0] + x.shape[2], pads[2]:pads[2] + x.shape[3], pads[4]:pads[4] + x.shape[4]] = x
    return out


def _view(a: np.ndarray, offset: tuple, out: tuple, stride: tuple) -> np.ndarray:
    """a[..., o_d + z·s_d, o_h + y·s_h, o_w + x·s_w] for every output position (one kernel offset)."""
    return a[(Ellipsis,) + tuple(slice(o, o + s * (n - 1) + 1, s) for o, n, s in zip(offset, out, stride))]


def _im2col(xp: np.ndarray, kernel: tuple, stride: tuple, dilation: tuple, out: tuple) -> np.ndarray:
    """(N, C, D', H', W') padded -> (N, C, kd·kh·kw, od·oh·ow)."""
    n, c = xp.shape[:2]
    cols = np.empty((n, c) + tuple(kernel) + tuple(out), xp.dtype)
    for offset in np.ndindex(*kernel):
        cols[(slice(None), slice(None)) + offset] = _view(xp, tuple(o * d for o, d in zip(offset, dilation)),
                                                          out, stride)
    return cols.reshape(n, c, int(np.prod(kernel)), int(np.prod(out)))


def _col2im(cols: np.ndarray, padded: tuple, kernel: tuple, stride: tuple, dilation: tuple,
            out: tuple) -> np.ndarray:
    """The adjoint of _im2col: (N, C, K, L) summed back onto a padded (N, C, D', H', W') canvas."""
    n, c = cols.shape[:2]
    cols = cols.reshape((n, c) + tuple(kernel) + tuple(out))
    canvas = np.zeros((n, c) + tuple(padded), cols.dtype)
    for offset in np.ndindex(*kernel):
        _view(canvas, tuple(o * d for o, d in zip(offset, dilation)), out, stride)[...] += \
            cols[(slice(None), slice(None)) + offset]
    return canvas


def _crop(canvas: np.ndarray, pads: tuple, size: tuple) -> np.ndarray:
    return canvas[(slice(None), slice(None)) + tuple(slice(pads[2 * a], pads[2 * a] + s)
                                                      for a, s in enumerate(size))]


# --- conv3d ------------------------------------------------------------------------------------------------
class Conv3d(Primitive):
    """out[n, o, z, y, x] = b[o] + Σ_(c, a, i, j) W[o, c, a, i, j]·x_pad[n, c, z·s + a·d, y·s + i·d, x·s + j·d]
    = W2 @ cols per group (W2 = W as (O/G, C/G·K));  ∂L/∂W2 = Σ_n G @ colsᵀ,  ∂L/∂b = Σ G,
    ∂L/∂x = col2im(W2ᵀ @ G), the padding cut off."""

    differentiable_backward = False  # its backward is numpy on arrays: no second derivatives yet

    node_name = "ConvolutionBackward0"

    @staticmethod
    def forward(ctx, x, w, b, stride, pads, dilation, groups, out):
        xp = _pad3(x, pads)
        kernel = w.shape[2:]
        cols = _im2col(xp, kernel, stride, dilation, out)  # (N, C, K, L)
        n, c, k, length = cols.shape
        cols = cols.reshape(n, groups, (c // groups) * k, length)
        w2 = w.reshape(groups, w.shape[0] // groups, -1)
        result = np.einsum("gok,ngkl->ngol", w2, cols, optimize=True).reshape(n, w.shape[0], *out)
        if b is not _NO_BIAS._array:
            result = result + b.reshape(1, -1, 1, 1, 1)
        ctx.save_for_backward(cols, w2)
        ctx.geometry = (x.shape, xp.shape[2:], w.shape, stride, pads, dilation, out)
        return result.astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        cols, w2 = ctx.saved_tensors
        x_shape, padded, w_shape, stride, pads, dilation, out = ctx.geometry
        n, groups = cols.shape[:2]
        g2 = g.reshape(n, groups, w2.shape[1], -1)
        grad_x = grad_w = grad_b = None
        if ctx.needs_input_grad[0]:
            grad_cols = np.einsum("gok,ngol->ngkl", w2, g2, optimize=True)
            grad_cols = grad_cols.reshape(n, x_shape[1], -1, g2.shape[-1])
            grad_x = _crop(_col2im(grad_cols, padded, w_shape[2:], stride, dilation, out), pads, x_shape[2:])
        if ctx.needs_input_grad[1]:
            grad_w = np.einsum("ngol,ngkl->gok", g2, cols, optimize=True).reshape(w_shape)
        if ctx.needs_input_grad[2]:
            grad_b = g.sum(axis=(0, 2, 3, 4))
        return grad_x, grad_w, grad_b, None, None, None, None, None


def conv3d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):  # noqa: A002
    """3-d cross-correlation over (N, C, D, H, W) or (C, D, H, W), weight (O, C/groups, kD, kH, kW), as
    ``torch.nn.functional.conv3d``; padding an int, a triple, "valid" or "same" (stride 1). Output size
    per axis ⌊(L + 2p − d·(k − 1) − 1)/s⌋ + 1."""
    batched, shape = _check_conv("conv3d", input, weight, bias, 3, groups)
    stride = _tuple(stride, 3, "stride")
    dilation = _tuple(dilation, 3, "dilation")
    if min(stride) <= 0:
        raise RuntimeError("non-positive stride is not supported")
    if min(dilation) <= 0:
        raise RuntimeError("non-positive dilation is not supported")
    kernel = weight._array.shape[2:]
    if isinstance(padding, str):
        if padding not in ("valid", "same"):
            raise RuntimeError(f"Invalid padding string: '{padding}'")
        if padding == "same" and any(s != 1 for s in stride):
            raise RuntimeError("padding='same' is not supported for strided convolutions")
        totals = [d * (k - 1) if padding == "same" else 0 for d, k in zip(dilation, kernel)]
        pads = tuple(v for t in totals for v in (t // 2, t - t // 2))  # an odd total: the extra one after
    else:
        padding = _tuple(padding, 3, "padding")
        if min(padding) < 0:
            raise RuntimeError("negative padding is not supported")
        pads = tuple(v for p in padding for v in (p, p))
    padded = [s + pads[2 * a] + pads[2 * a + 1] for a, s in enumerate(shape[2:])]
    effective = [d * (k - 1) + 1 for d, k in zip(dilation, kernel)]
    if any(p < e for p, e in zip(padded, effective)):
        raise RuntimeError(f"Calculated padded input size per channel: ({' x '.join(map(str, padded))}). "
                           f"Kernel size: ({' x '.join(map(str, effective))}). Kernel size can't be greater "
                           "than actual input size")
    out = tuple((p - e) // s + 1 for p, e, s in zip(padded, effective, stride))
    x = input if batched else Unsqueeze.apply(input, shape)
    result = Conv3d.apply(x, weight, _NO_BIAS if bias is None else bias, stride, pads, dilation, int(groups),
                          out)
    return result if batched else SqueezeDim.apply(result, (weight._array.shape[0],) + out)


# --- max and average pooling -----------------------------------------------------------------------------------
def _triple(value, name: str, arg: str) -> tuple:
    if isinstance(value, numbers.Integral):
        return (int(value),) * 3
    value = tuple(value)
    if len(value) == 1:
        value = value * 3
    if len(value) != 3:
        raise RuntimeError(f"{name}: {arg} must either be a single int, or a tuple of three ints")
    return tuple(int(v) for v in value)


def _pool3d_args(name, input, kernel_size, stride, padding, dilation, ceil_mode):  # noqa: A002
    """PyTorch's checks; returns (batched, 5-d shape, kernel, stride, padding, dilation, pads, out)."""
    x = input._array
    if x.ndim not in (4, 5) or 0 in x.shape[-4:]:
        raise RuntimeError("non-empty 4D or 5D (batch mode) tensor expected for input")
    kernel = _triple(kernel_size, name, "kernel_size")
    stride = kernel if stride is None or (not isinstance(stride, numbers.Integral) and len(stride) == 0) \
        else _triple(stride, name, "stride")
    padding, dilation = _triple(padding, name, "padding"), _triple(dilation, name, "dilation")
    if min(stride) <= 0:
        raise RuntimeError(f"stride should be greater than zero, but got dT: {stride[0]} dH: {stride[1]} "
                           f"dW: {stride[2]}")
    for k, p, d in zip(kernel, padding, dilation):
        if p > (d * (k - 1) + 1) // 2:
            raise RuntimeError(f"pad should be at most half of effective kernel size, but got pad={p}, "
                               f"kernel_size={k} and dilation={d}")
    batched = x.ndim == 5
    shape = x.shape if batched else (1,) + x.shape
    out = tuple(_pool_size(s, k, st, p, d, ceil_mode)
                for s, k, st, p, d in zip(shape[2:], kernel, stride, padding, dilation))
    if min(out) < 1:
        raise RuntimeError(f"Given input size: ({'x'.join(map(str, shape[1:]))}). Calculated output size: "
                           f"({shape[1]}x{'x'.join(map(str, out))}). Output size is too small")
    # With ceil_mode the last window may run past the padding: pad that far too.
    pads = ()
    for s, k, st, p, d, o in zip(shape[2:], kernel, stride, padding, dilation, out):
        pads += (p, p + max(0, (o - 1) * st + d * (k - 1) + 1 - (s + 2 * p)))
    return batched, shape, kernel, stride, padding, dilation, pads, out


class MaxPool3d(Primitive):
    """out = max over each window (padding −∞);  ∂L/∂x = g routed to each window's first maximum
    (the returned indices: flat positions in D·H·W), added where windows overlap."""

    differentiable_backward = False  # its backward is numpy on arrays: no second derivatives yet

    node_name = "MaxPool3DWithIndicesBackward0"

    @staticmethod
    def forward(ctx, x, geometry, holder):
        kernel, stride, dilation, pads, out = geometry
        lead = x.shape[:-3]  # (N, C) or, unbatched, (C,)
        x = x.reshape((-1,) + x.shape[-4:])
        lowest = -np.inf if x.dtype.kind == "f" else np.iinfo(x.dtype).min
        xp = _pad3(x, pads, lowest)
        cols = _im2col(xp, kernel, stride, dilation, out)  # (N, C, K, L)
        arg = np.argmax(cols, axis=2)  # the first maximum (a NaN wins)
        result = np.take_along_axis(cols, arg[:, :, None], 2)[:, :, 0]
        # the window's offset (a, i, j) and output position (z, y, x) give the input position
        offset = np.stack(np.unravel_index(arg, kernel), 0)  # (3, N, C, L)
        grid = np.stack(np.unravel_index(np.arange(arg.shape[-1]), out), 0)[:, None, None, :]
        position = [grid[a] * stride[a] + offset[a] * dilation[a] - pads[2 * a] for a in range(3)]
        index = np.ravel_multi_index(tuple(position), x.shape[2:])
        ctx.index, ctx.shape = index, lead + x.shape[2:]
        if holder is not None:
            holder.append(index.reshape(lead + out))
        return result.reshape(lead + out)

    @staticmethod
    def backward(ctx, g):
        planes = int(np.prod(ctx.shape[:-3]))
        grad = np.zeros((planes, int(np.prod(ctx.shape[-3:]))), g.dtype)
        rows = np.repeat(np.arange(planes), ctx.index.shape[-1])
        np.add.at(grad, (rows, ctx.index.reshape(-1)), g.reshape(-1))
        return grad.reshape(ctx.shape), None, None


def max_pool3d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,  # noqa: A002
               return_indices=False):
    """3-d max pooling over (N, C, D, H, W) or (C, D, H, W), as ``F.max_pool3d`` (stride defaults to the
    kernel size); with ``return_indices`` also each maximum's flat index into D·H·W."""
    batched, shape, kernel, stride, _, dilation, pads, out = _pool3d_args(
        "max_pool3d", input, kernel_size, stride, padding, dilation, ceil_mode)
    holder = [] if return_indices else None
    result = MaxPool3d.apply(input, (kernel, stride, dilation, pads, out), holder)
    return (result, Tensor._wrap(holder[0])) if return_indices else result


class AvgPool3d(Primitive):
    """out = (Σ window) / D per output position (D: the divisor PyTorch uses, see _avg_divisor);
    ∂L/∂x = col2im(g/D): each position gets g/D from every window that holds it."""

    differentiable_backward = False  # its backward is numpy on arrays: no second derivatives yet

    node_name = "AvgPool3DBackward0"

    @staticmethod
    def forward(ctx, x, geometry, divisor):
        kernel, stride, dilation, pads, out = geometry
        shape = x.shape
        ctx.geometry, ctx.divisor, ctx.shape = geometry, divisor, shape  # (kept only when a gradient is wanted)
        x = x.reshape((-1,) + x.shape[-4:])  # unbatched (C, D, H, W): a batch of one
        xp = _pad3(x, pads)
        ctx.padded = xp.shape[2:]
        sums = _im2col(xp, kernel, stride, dilation, out).sum(axis=2)
        return (sums.reshape(shape[:-3] + out) / divisor).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        kernel, stride, dilation, pads, out = ctx.geometry
        share = (g / ctx.divisor).reshape((-1, ctx.shape[-4], 1, int(np.prod(out))))
        cols = np.broadcast_to(share, share.shape[:2] + (int(np.prod(kernel)), share.shape[-1]))
        canvas = _col2im(np.ascontiguousarray(cols), ctx.padded, kernel, stride, dilation, out)
        grad = _crop(canvas, pads, ctx.shape[-3:]).reshape(ctx.shape)
        return grad.astype(g.dtype, copy=False), None, None


def _avg_divisor(size, kernel, stride, padding, out, count_include_pad, divisor_override, dtype):
    """D for each output position: the window counted up to the padded edge (not beyond, which
    ceil_mode can reach), and with count_include_pad=False only its part inside the input."""
    if divisor_override is not None:
        return np.asarray(divisor_override, dtype=dtype)
    counts = []
    for s, k, st, p, o in zip(size, kernel, stride, padding, out):
        start = np.arange(o) * st - p
        end = np.minimum(start + k, s + p)
        if not count_include_pad:
            start, end = np.maximum(start, 0), np.minimum(end, s)
        counts.append(end - start)
    return (counts[0][:, None, None] * counts[1][:, None] * counts[2]).astype(dtype)


def avg_pool3d(input, kernel_size, stride=None, padding=0, ceil_mode=False,  # noqa: A002
               count_include_pad=True, divisor_override=None):
    """3-d average pooling over (N, C, D, H, W) or (C, D, H, W), as ``F.avg_pool3d``."""
    batched, shape, kernel, stride, padding, _, pads, out = _pool3d_args(
        "avg_pool3d", input, kernel_size, stride, padding, 1, ceil_mode)
    if divisor_override is not None and divisor_override == 0:
        raise RuntimeError("divisor must be not zero")
    dtype = input._array.dtype
    divisor = _avg_divisor(shape[2:], kernel, stride, padding, out, count_include_pad, divisor_override,
                           dtype if dtype.kind == "f" else np.float64)
    return AvgPool3d.apply(input, (kernel, stride, (1, 1, 1), pads, out), divisor)


# --- adaptive average pooling --------------------------------------------------------------------------------
class AdaptiveAvgPool3d(Primitive):
    """out = x ×_D A_d ×_H A_h ×_W A_w (an averaging matrix per axis: pooling is separable);
    linear, so ∂L/∂x = g ×_D A_dᵀ ×_H A_hᵀ ×_W A_wᵀ."""

    node_name = "AdaptiveAvgPool3DBackward0"

    @staticmethod
    def forward(ctx, x, ad, ah, aw):
        ctx.save_for_backward(ad, ah, aw)
        return np.einsum("...dhw,pd,qh,rw->...pqr", x, ad, ah, aw, optimize=True).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        ad, ah, aw = ctx.saved_tensors
        return np.einsum("...pqr,pd,qh,rw->...dhw", g, ad, ah, aw, optimize=True), None, None, None


def adaptive_avg_pool3d(input, output_size):  # noqa: A002
    """Average pooling of (N, C, D, H, W) or (C, D, H, W) to a fixed (oD, oH, oW) (an int or a triple;
    None keeps that input size): cell i along an axis of length L averages ⌊i·L/o⌋ ≤ t < ⌈(i+1)·L/o⌉."""
    x = input._array
    if x.ndim not in (4, 5):
        raise RuntimeError(f"adaptive_avg_pool3d(): Expected 4D or 5D tensor, but got {_shape(x)}")
    if x.dtype.kind != "f":
        raise NotImplementedError(f"\"adaptive_avg_pool3d_cpu\" not implemented for "
                                  f"'{TORCH_NAMES.get(x.dtype.name)}'")
    sizes = (output_size,) * 3 if output_size is None or isinstance(output_size, numbers.Integral) \
        else tuple(output_size)
    if len(sizes) != 3:
        raise RuntimeError("adaptive_avg_pool3d: output_size must be 3")
    sizes = tuple(x.shape[-3 + i] if s is None else int(s) for i, s in enumerate(sizes))
    if sizes == (1, 1, 1):  # one cell: PyTorch takes the mean over the volume instead
        return mean(input, (-3, -2, -1), keepdim=True)
    ad, ah, aw = (_adaptive_matrix(x.shape[-3 + i], sizes[i], x.dtype) for i in range(3))
    return AdaptiveAvgPool3d.apply(input, ad, ah, aw)
