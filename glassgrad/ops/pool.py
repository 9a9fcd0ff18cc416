"""Pooling: max_pool2d/1d, avg_pool2d/1d and adaptive_avg_pool2d/1d.

Part III, after conv.py, whose window helpers it reuses. Max pooling keeps the largest value of each
window; its gradient goes to the first maximum of the window (row-major order, as PyTorch's). Average
pooling keeps the mean; each position's gradient is the sum of g/D over the windows that contain it.
Adaptive average pooling picks windows so the output has the size asked for.
"""

from __future__ import annotations

import numbers

import numpy as np

from glassgrad.autograd.function import Primitive
from glassgrad.dtypes import TORCH_NAMES, is_float
from glassgrad.ops.conv import _pad_view, _shape, _window, linear_backward
from glassgrad.ops.reduce import mean
from glassgrad.ops.shape import SqueezeDim, Unsqueeze
from glassgrad.tensor import Tensor

__all__ = ["max_pool2d", "max_pool1d", "avg_pool2d", "avg_pool1d", "adaptive_avg_pool2d",
           "adaptive_avg_pool1d"]


# --- max and average pooling ---------------------------------------------------------------------------
def _pool_size(size: int, k: int, s: int, p: int, d: int, ceil_mode: bool) -> int:
    """PyTorch's pooling output length: ⌊ or ⌈(size + 2p − d·(k−1) − 1) / s⌉ + 1, where with ceil_mode the
    last window must still start inside the input or the left padding."""
    span = size + 2 * p - d * (k - 1) - 1 + (s - 1 if ceil_mode else 0)
    out = span // s + 1
    if ceil_mode and (out - 1) * s >= size + p:
        out -= 1
    return out


def _pool_args(name: str, input, kernel_size, stride, padding, dilation, ceil_mode, dims: int):
    """Check a pooling call as PyTorch does; returns the input as 4-d and the window geometry."""
    if not isinstance(input, Tensor):
        raise TypeError(f"{name}(): argument 'input' (position 1) must be Tensor, not "
                        f"{type(input).__name__}")
    x = input._array
    if x.ndim not in (dims + 1, dims + 2):
        if dims == 1:
            raise RuntimeError(f"{name}: Expected 2D or 3D (batch mode) tensor with optional 0 dim batch "
                               f"size for input, but got:{_shape(x)}")
        raise RuntimeError("non-empty 3D or 4D (batch mode) tensor expected for input")
    if any(n == 0 for n in x.shape[-dims - 1:]):
        raise RuntimeError(f"Expected {dims + 1}D or {dims + 2}D (batch mode) tensor with optional 0 dim "
                           f"batch size for input, but got:{_shape(x)}")
    what = "a single int, or a tuple of two ints" if dims == 2 else "a single int, or a tuple of one int"

    def pair(value, arg):
        if isinstance(value, numbers.Integral):
            return (int(value),) * dims
        value = tuple(value)
        if len(value) == 1:
            value = value * dims
        if len(value) != dims:
            raise RuntimeError(f"{name}: {arg} must either be {what}")
        return tuple(int(v) for v in value)

    k = pair(kernel_size, "kernel_size")
    s = k if stride is None or (not isinstance(stride, numbers.Integral) and len(stride) == 0) \
        else pair(stride, "stride")
    p, d = pair(padding, "padding"), pair(dilation, "dilation")
    if 0 in s:
        raise RuntimeError("stride should not be zero")
    if dims == 1:
        k, s, p, d = (1,) + k, (1,) + s, (0,) + p, (1,) + d
    if min(k) <= 0:
        raise RuntimeError(f"kernel size should be greater than zero, but got kH: {k[0]} kW: {k[1]}")
    if min(s) <= 0:
        raise RuntimeError(f"stride should be greater than zero, but got dH: {s[0]} dW: {s[1]}")
    if min(d) <= 0:
        raise RuntimeError(f"dilation should be greater than zero, but got dilationH: {d[0]} "
                           f"dilationW: {d[1]}")
    if min(p) < 0:
        raise RuntimeError(f"pad must be non-negative, but got pad: {min(p)}")
    for kk, pp, dd in zip(k, p, d):  # H first, then W, as PyTorch reports them
        if pp > (dd * (kk - 1) + 1) // 2:
            if dims == 1:
                raise RuntimeError(f"{name}() padding should be at most half of kernel size, but got "
                                   f"padding={pp} and kernel_size={kk}")
            raise RuntimeError(f"pad should be at most half of effective kernel size, but got pad={pp}, "
                               f"kernel_size={kk} and dilation={dd}")
    if name == "max_pool2d" and (p[0] > k[0] // 2 or p[1] > k[1] // 2):
        raise RuntimeError(f"pad should be smaller than or equal to half of kernel size, but got padW = "
                           f"{p[1]}, padH = {p[0]}, kW = {k[1]}, kH = {k[0]}")
    batched = x.ndim == dims + 2
    shape = x.shape if batched else (1,) + x.shape
    if dims == 1:
        shape = shape[:2] + (1,) + shape[2:]
    n, c, h, w = shape
    oh = _pool_size(h, k[0], s[0], p[0], d[0], ceil_mode)
    ow = _pool_size(w, k[1], s[1], p[1], d[1], ceil_mode)
    if oh < 1 or ow < 1:
        if name == "max_pool1d":
            raise RuntimeError(f"max_pool1d() Invalid computed output size: {ow}")
        raise RuntimeError(f"Given input size: ({c}x{h}x{w}). Calculated output size: ({c}x{oh}x{ow}). "
                           "Output size is too small")
    # With ceil_mode the last window may run past the padding: pad that far too (with the neutral value).
    extra_h = max(0, (oh - 1) * s[0] + d[0] * (k[0] - 1) + 1 - (h + 2 * p[0]))
    extra_w = max(0, (ow - 1) * s[1] + d[1] * (k[1] - 1) + 1 - (w + 2 * p[1]))
    pads = (p[0], p[0] + extra_h, p[1], p[1] + extra_w)
    out_shape = (((n,) if batched else ()) + (c,) + ((oh,) if dims == 2 else ()) + (ow,))
    return shape, (k, s, p, d, pads, oh, ow), out_shape


def _lowest(dtype):
    return -np.inf if dtype.kind == "f" else (np.iinfo(dtype).min if dtype.kind in "iu" else False)


class MaxPool2d(Primitive):
    """out[n,c,y,x] = max_(i,j) x_pad[n, c, y·s_h + i·d_h, x·s_w + j·d_w]  (padding is −∞)

    ∂out/∂x is 1 at the window's argmax and 0 elsewhere, so the gradient is routed back to the position
    that won — the first one in row-major window order when several tie, as in PyTorch.

    A window's max is separable: first the max along each row of the window (for every input row), then
    the max of those over the window's rows. Taking the first winner at both stages (strict ">") gives
    the lowest row holding the maximum and the first column in that row: the row-major first maximum.
    Two passes of kw and kh strided numpy comparisons instead of kh·kw of them.
    """

    node_name = "MaxPool2DWithIndicesBackward0"  # PyTorch's: it keeps the winners' indices for backward
    differentiable_backward = True  # create_graph: LinearBackward (ops/conv.py) with linear_map below

    @staticmethod
    def forward(ctx, x, shape4, geometry, out_shape, indices_out):
        in_shape = x.shape
        (kh, kw), (sh, sw), _, (dh, dw), pads, oh, ow = geometry
        lowest = _lowest(x.dtype)
        xp = _pad_view(x.reshape(shape4), pads, lowest)
        rows = (oh - 1) * sh + (kh - 1) * dh + 1  # the input rows some window reads
        cols_of = [xp[:, :, :rows, j * dw:j * dw + sw * (ow - 1) + 1:sw] for j in range(kw)]
        if xp is not x.reshape(shape4) and (x == lowest).any():
            # A real value equal to the padding value: padding must lose that tie (PyTorch never
            # looks at padded positions), so track which candidates are padding.
            pad = _pad_view(np.zeros(shape4, dtype=bool), pads, True)
            pads_of = [pad[:, :, :rows, j * dw:j * dw + sw * (ow - 1) + 1:sw] for j in range(kw)]
            row_max, col_arg, row_pad = _running_max_real_first(cols_of, pads_of)
            out, row_arg, _ = _running_max_real_first(
                [row_max[:, :, i * dh:i * dh + sh * (oh - 1) + 1:sh] for i in range(kh)],
                [row_pad[:, :, i * dh:i * dh + sh * (oh - 1) + 1:sh] for i in range(kh)])
        else:
            row_max, col_arg = _running_max(cols_of, False)
            rows_of = [row_max[:, :, i * dh:i * dh + sh * (oh - 1) + 1:sh] for i in range(kh)]
            out, row_arg = _running_max(rows_of, False)
        if x.dtype.kind == "f" and np.isnan(out).any():
            # PyTorch's loop lets every NaN win (`val > max || isnan(val)`): redo both stages so.
            row_max, col_arg = _running_max(cols_of, True)
            out, row_arg = _running_max([row_max[:, :, i * dh:i * dh + sh * (oh - 1) + 1:sh]
                                         for i in range(kh)], True)
        if ctx.needs_input_grad:
            ctx.save_for_backward(row_arg, col_arg)
            ctx.geometry = (in_shape, shape4, geometry, xp.shape)
        if indices_out is not None:  # return_indices: flat positions in the unpadded H·W plane
            indices_out.append(_winners(row_arg, col_arg, geometry, shape4[3]).reshape(out_shape))
        return out.reshape(out_shape)

    @staticmethod
    def backward(ctx, g):
        if isinstance(g, Tensor):  # create_graph=True: ∂L/∂x = Aᵀ·g as a node of its own (linear_map)
            return linear_backward(ctx, g), None, None, None, None
        row_arg, col_arg = ctx.saved_tensors
        in_shape, shape4, ((kh, kw), (sh, sw), _, (dh, dw), pads, oh, ow), xp_shape = ctx.geometry
        n, c, h, w = shape4
        g = g.reshape(row_arg.shape)
        # Undo stage two: each output's gradient goes to the window row that won ...
        g_rows = np.zeros(col_arg.shape, dtype=g.dtype)
        _route([g_rows[:, :, i * dh:i * dh + sh * (oh - 1) + 1:sh] for i in range(kh)], g, row_arg,
               sh < (kh - 1) * dh + 1)
        # ... then stage one: each row's gradient goes to the column that won in that row.
        gxp = np.zeros(xp_shape, dtype=g.dtype)
        _route([gxp[:, :, :col_arg.shape[2], j * dw:j * dw + sw * (ow - 1) + 1:sw] for j in range(kw)],
               g_rows, col_arg, sw < (kw - 1) * dw + 1)
        return gxp[:, :, pads[0]:pads[0] + h, pads[2]:pads[2] + w].reshape(in_shape), None, None, None, None

    @staticmethod
    def linear_map(ctx, v):
        """A·v for the winners forward chose: v (shaped like x) read at each window's winner, as a gather
        (PyTorch's max_pool2d double backward: the winners are constants, ∂²out/∂x² = 0)."""
        row_arg, col_arg = ctx._saved
        in_shape, shape4, geometry, _ = ctx.geometry
        n, c, h, w = shape4
        flat = _winners(row_arg, col_arg, geometry, w).reshape(n, c, -1)
        out = v.reshape(n, c, h * w).gather(2, Tensor._wrap(flat))
        return out.reshape(ctx._shape)


def _winners(row_arg, col_arg, geometry, width: int):
    """Each max-pool window's winner as a flat position in the unpadded H·W plane (return_indices)."""
    (_, _), (sh, sw), _, (dh, dw), pads, oh, ow = geometry
    y = np.arange(oh).reshape(-1, 1) * sh
    row = y + row_arg * dh  # padded row of each winner, then its column from stage one
    j = np.take_along_axis(col_arg, row.astype(np.intp), axis=2)
    col = np.arange(ow) * sw - pads[2] + j * dw
    return (row.astype(np.int64) - pads[0]) * width + col


def _running_max(views, nan_wins: bool):
    """Elementwise max over a list of equal-shape arrays and the index of the first winner (for two
    arrays, the common 2×2 pool, the index is the bool mask "the second won")."""
    if len(views) == 2:
        a, b = views
        won = b > a
        if nan_wins:
            won |= np.isnan(b)
            return np.where(won, b, a), won
        return np.maximum(a, b), won
    best = views[0].copy()
    arg = np.zeros(best.shape, dtype=np.int8 if len(views) < 128 else np.int64)
    for t in range(1, len(views)):
        v = views[t]
        won = v > best
        if nan_wins:
            won |= np.isnan(v)
            np.copyto(best, v, where=won)
        else:
            np.maximum(best, v, out=best)
        np.putmask(arg, won, t)
    return best, arg


def _running_max_real_first(views, pads_of):
    """As _running_max, but a padded candidate never wins a tie against a real one, and a real one
    beats an earlier padded one it ties with. Returns (max, index of the winner, winner is padding)."""
    best, best_pad = views[0].copy(), pads_of[0].copy()
    arg = np.zeros(best.shape, dtype=np.int64)
    for t in range(1, len(views)):
        v, v_pad = views[t], pads_of[t]
        won = (v > best) | ((v == best) & best_pad & ~v_pad)
        np.copyto(best, v, where=won)
        np.copyto(best_pad, v_pad, where=won)
        np.putmask(arg, won, t)
    return best, arg, best_pad


def _route(targets, g, arg, overlap: bool) -> None:
    """targets[t] += g where arg == t: the gradient of a max goes to the input that won. When windows
    don't overlap each target is written once (it is still zero), so a plain write will do."""
    if arg.dtype == bool:  # two candidates: arg is "the second won"
        second = targets[1]
        if overlap:
            share = g * arg
            targets[0] += g - share
            second += share
        else:
            np.multiply(g, arg, out=second)
            np.subtract(g, second, out=targets[0])
        return
    for t, target in enumerate(targets):
        if overlap:
            target += np.where(arg == t, g, 0)
        else:
            np.multiply(g, arg == t, out=target)


class AvgPool2d(Primitive):
    """out[n,c,y,x] = (1/D) Σ_(i,j) x_pad[n, c, y·s_h + i, x·s_w + j]  (padding is 0)

    D is the window's size (clipped to the padded input; with count_include_pad=False, to the input
    itself), or divisor_override. ∂out/∂x = 1/D for every position of the window, so each position's
    gradient is the sum of g/D over the windows that contain it.
    """

    node_name = "AvgPool2DBackward0"
    differentiable_backward = True  # create_graph: LinearBackward (ops/conv.py) with linear_map below

    @staticmethod
    def forward(ctx, x, shape4, geometry, out_shape, divisor):
        in_shape = x.shape
        (kh, kw), (sh, sw), _, _, pads, oh, ow = geometry
        xp = _pad_view(x.reshape(shape4), pads)
        total = _window(xp, 0, 0, oh, ow, sh, sw).astype(x.dtype if x.dtype.kind == "f" else np.float64)
        for t in range(1, kh * kw):
            i, j = divmod(t, kw)
            total += _window(xp, i, j, oh, ow, sh, sw)
        out = total / divisor
        if ctx.needs_input_grad:
            ctx.save_for_backward(divisor)
            ctx.geometry = (in_shape, shape4, geometry)
        return out.astype(x.dtype, copy=False).reshape(out_shape)  # integers truncate, as PyTorch's

    @staticmethod
    def backward(ctx, g):
        if isinstance(g, Tensor):  # create_graph=True: ∂L/∂x = Aᵀ·g as a node of its own (linear_map)
            return linear_backward(ctx, g), None, None, None, None
        divisor, = ctx.saved_tensors
        in_shape, shape4, ((kh, kw), (sh, sw), _, _, pads, oh, ow) = ctx.geometry
        n, c, h, w = shape4
        share = g.reshape(n, c, oh, ow) / divisor
        gxp = np.zeros((n, c, h + pads[0] + pads[1], w + pads[2] + pads[3]), dtype=g.dtype)
        for t in range(kh * kw):
            i, j = divmod(t, kw)
            _window(gxp, i, j, oh, ow, sh, sw)[...] += share
        return gxp[:, :, pads[0]:pads[0] + h, pads[2]:pads[2] + w].reshape(in_shape), None, None, None, None

    @staticmethod
    def linear_map(ctx, v):
        """A·v: the same average pooling of v (it is linear in x)."""
        in_shape, shape4, geometry = ctx.geometry
        return AvgPool2d.apply(v, shape4, geometry, ctx._shape, ctx._saved[0])


def _avg_divisor(h, w, geometry, count_include_pad, divisor_override, dtype):
    """D for each output position: PyTorch counts the window up to the padded edge (not beyond, which
    ceil_mode can reach), and with count_include_pad=False only the part inside the input."""
    if divisor_override is not None:
        return np.asarray(divisor_override, dtype=dtype)
    k, s, p, _, _, oh, ow = geometry
    counts = []
    for size, kk, ss, pp, o in ((h, k[0], s[0], p[0], oh), (w, k[1], s[1], p[1], ow)):
        start = np.arange(o) * ss - pp
        end = np.minimum(start + kk, size + pp)
        if not count_include_pad:
            start, end = np.maximum(start, 0), np.minimum(end, size)
        counts.append(end - start)
    return (counts[0].reshape(-1, 1) * counts[1]).astype(dtype)


def _as_2d(input, dims: int):  # noqa: A002
    """1-d pooling is 2-d pooling over a height of 1, as in PyTorch: insert it (an unsqueeze node)."""
    shape = input._array.shape
    return input if dims == 2 else Unsqueeze.apply(input, shape[:-1] + (1,) + shape[-1:])


def _from_2d(out, out_shape: tuple, dims: int):
    return out if dims == 2 else SqueezeDim.apply(out, out_shape)


def _max_pool(name, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices, dims):
    shape4, geometry, out_shape = _pool_args(name, input, kernel_size, stride, padding, dilation,
                                             ceil_mode, dims)
    holder = [] if return_indices else None
    out2 = out_shape if dims == 2 else out_shape[:-1] + (1,) + out_shape[-1:]
    out = _from_2d(MaxPool2d.apply(_as_2d(input, dims), shape4, geometry, out2, holder), out_shape, dims)
    return (out, Tensor._wrap(holder[0].reshape(out_shape))) if return_indices else out


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,  # noqa: A002
               return_indices=False):
    """2-d max pooling, as ``torch.nn.functional.max_pool2d`` (stride defaults to kernel_size).

    out = max over each kH×kW window (dilated by ``dilation``, padded with −∞). With ``return_indices``
    also returns each maximum's flat index into the input's H·W plane. Gradient: see MaxPool2d.
    """
    return _max_pool("max_pool2d", input, kernel_size, stride, padding, dilation, ceil_mode,
                     return_indices, 2)


def max_pool1d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,  # noqa: A002
               return_indices=False):
    """1-d max pooling over (N, C, L) or (C, L), as ``torch.nn.functional.max_pool1d``."""
    return _max_pool("max_pool1d", input, kernel_size, stride, padding, dilation, ceil_mode,
                     return_indices, 1)


def _avg_pool(name, input, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override,
              dims):
    shape4, geometry, out_shape = _pool_args(name, input, kernel_size, stride, padding, 1, ceil_mode,
                                             dims)
    if divisor_override is not None and divisor_override == 0:
        raise RuntimeError("divisor must be not zero")
    x = input._array
    divisor = _avg_divisor(shape4[2], shape4[3], geometry, count_include_pad, divisor_override,
                           x.dtype if x.dtype.kind == "f" else np.float64)
    out2 = out_shape if dims == 2 else out_shape[:-1] + (1,) + out_shape[-1:]
    return _from_2d(AvgPool2d.apply(_as_2d(input, dims), shape4, geometry, out2, divisor), out_shape, dims)


def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False,  # noqa: A002
               count_include_pad=True, divisor_override=None):
    """2-d average pooling, as ``torch.nn.functional.avg_pool2d``: out = (window sum) / D, D the window
    size (see AvgPool2d for how padding and ceil_mode change it) or ``divisor_override``."""
    return _avg_pool("avg_pool2d", input, kernel_size, stride, padding, ceil_mode, count_include_pad,
                     divisor_override, 2)


def avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode=False,  # noqa: A002
               count_include_pad=True):
    """1-d average pooling over (N, C, L) or (C, L), as ``torch.nn.functional.avg_pool1d``."""
    if isinstance(input, Tensor) and input._array.ndim not in (2, 3):
        raise RuntimeError(f"Expected 2 to 3 dimensions, but got {input._array.ndim}-dimensional tensor "
                           "for argument #1 'self' (while checking arguments for avg_pool1d)")
    return _avg_pool("avg_pool1d", input, kernel_size, stride, padding, ceil_mode, count_include_pad,
                     None, 1)


# --- adaptive average pooling --------------------------------------------------------------------------
def _adaptive_matrix(size: int, out: int, dtype) -> np.ndarray:
    """A (out, size) averaging matrix: row i is 1/(e−s) on [s, e), with PyTorch's window bounds
    s = ⌊i·size/out⌋ and e = ⌈(i+1)·size/out⌉ (windows may overlap when size is not a multiple)."""
    i = np.arange(out)
    start = (i * size) // out
    end = -((-(i + 1) * size) // out)
    pos = np.arange(size)
    inside = (pos >= start[:, None]) & (pos < end[:, None])
    return (inside / (end - start)[:, None]).astype(dtype)


class AdaptiveAvgPool2d(Primitive):
    """out = A_h · x · A_wᵀ per (n, c) plane, A the averaging matrices of _adaptive_matrix: pooling is
    separable, so it is two small matmuls. Linear, hence ∂L/∂x = A_hᵀ · G · A_w."""

    node_name = "AdaptiveAvgPool2DBackward0"
    differentiable_backward = True  # create_graph: LinearBackward (ops/conv.py) with linear_map below

    @staticmethod
    def forward(ctx, x, shape4, out_shape, ah, aw):
        out = ah @ x.reshape(shape4) @ aw.T
        if ctx.needs_input_grad:
            ctx.save_for_backward(ah, aw)
            ctx.shapes = (x.shape, shape4[:2] + (ah.shape[0], aw.shape[0]))
        return out.reshape(out_shape)

    @staticmethod
    def backward(ctx, g):
        if isinstance(g, Tensor):  # create_graph=True: ∂L/∂x = Aᵀ·g as a node of its own (linear_map)
            return linear_backward(ctx, g), None, None, None, None
        ah, aw = ctx.saved_tensors
        in_shape, out4 = ctx.shapes
        return (ah.T @ g.reshape(out4) @ aw).reshape(in_shape), None, None, None, None

    @staticmethod
    def linear_map(ctx, v):
        """A·v: the same adaptive pooling of v (it is linear in x)."""
        ah, aw = ctx._saved
        in_shape, out4 = ctx.shapes
        return AdaptiveAvgPool2d.apply(v, in_shape if len(in_shape) == 4 else (1,) + in_shape, ctx._shape, ah, aw)


def _adaptive_avg_pool(name, input, output_size, dims):
    if not isinstance(input, Tensor):
        raise TypeError(f"{name}(): argument 'input' (position 1) must be Tensor, not "
                        f"{type(input).__name__}")
    x = input._array
    if x.ndim not in (dims + 1, dims + 2):
        raise RuntimeError(f"{name}(): Expected {dims + 1}D or {dims + 2}D tensor, but got {_shape(x)}")
    for axis in range(1 if x.ndim == dims + 2 else 0, x.ndim):
        if x.shape[axis] == 0:
            raise RuntimeError(f"{name}(): Expected input to have non-zero size for non-batch dimensions, "
                               f"but input has sizes {_shape(x)} with dimension {axis} being empty")
    if not is_float(x.dtype):
        raise NotImplementedError(f"\"{name}\" not implemented for '{TORCH_NAMES.get(x.dtype.name)}'")
    sizes = (output_size,) * dims if output_size is None or isinstance(output_size, numbers.Integral) \
        else tuple(output_size)
    if len(sizes) != dims:
        raise RuntimeError(f"{name}: output_size must be {dims}")
    sizes = tuple(x.shape[-dims + i] if s is None else int(s) for i, s in enumerate(sizes))
    if min(sizes) < 0:
        raise RuntimeError(f"{name}: elements of output_size must be greater than or equal to 0 but "
                           f"received {{{', '.join(map(str, sizes))}}}")
    batched = x.ndim == dims + 2
    shape = (x.shape if batched else (1,) + x.shape)
    if dims == 1:
        shape, sizes = shape[:2] + (1,) + shape[2:], (1,) + sizes
    out_shape = ((shape[0],) if batched else ()) + (shape[1],) + sizes[-dims:]
    out2 = out_shape if dims == 2 else out_shape[:-1] + (1,) + out_shape[-1:]
    x2 = _as_2d(input, dims)
    if sizes == (1, 1):  # one cell: PyTorch takes the mean over the plane instead
        return _from_2d(mean(x2, (-2, -1), keepdim=True), out_shape, dims)
    ah = _adaptive_matrix(shape[2], sizes[0], x.dtype)
    aw = _adaptive_matrix(shape[3], sizes[1], x.dtype)
    return _from_2d(AdaptiveAvgPool2d.apply(x2, shape, out2, ah, aw), out_shape, dims)


def adaptive_avg_pool2d(input, output_size):  # noqa: A002
    """Average pooling to a fixed output size, as ``torch.nn.functional.adaptive_avg_pool2d``.

    output_size: an int or an (H, W) pair, where None keeps that input size. Output cell i along an axis
    of length L averages positions ⌊i·L/out⌋ ≤ t < ⌈(i+1)·L/out⌉.
    """
    return _adaptive_avg_pool("adaptive_avg_pool2d", input, output_size, 2)


def adaptive_avg_pool1d(input, output_size):  # noqa: A002
    """1-d adaptive average pooling over (N, C, L) or (C, L), as ``F.adaptive_avg_pool1d``."""
    return _adaptive_avg_pool("adaptive_avg_pool1d", input, output_size, 1)


# PyTorch has these at the top level too (torch.conv2d, torch.max_pool2d ...) but not as Tensor methods.


TENSOR_METHODS: dict = {}
NUMPY: dict = {}
