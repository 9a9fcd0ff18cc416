"""More pooling, as in ``torch.nn.functional``: adaptive_max_pool1d/2d, max_unpool1d/2d, lp_pool1d/2d.

Part III, nn chapter (after glassgrad/ops/pool.py, whose max and average pooling these extend):

    adaptive max pooling:  out[i, j] = max of x over rows ⌊i·H/oh⌋ … ⌈(i+1)·H/oh⌉ − 1 (columns alike);
                           the gradient goes to the first maximum of each window
    max unpooling:         the inverse of max pooling, as far as it goes: each value written back at
                           the index max pooling returned, zeros elsewhere
    power-average (Lp):    (Σ_window xᵖ)^(1/p) = (k·avg_pool(xᵖ))^(1/p), built from avg_pool as PyTorch
                           builds it (p = inf: max pooling of |x|)

1-d forms are the 2-d ones over a height of 1, as in PyTorch.
"""

from __future__ import annotations

import numbers

import numpy as np

from glassgrad.autograd.function import Primitive
from glassgrad.dtypes import TORCH_NAMES, is_float
from glassgrad.ops.conv import linear_backward
from glassgrad.ops.pool import _as_2d, _from_2d, avg_pool1d, avg_pool2d, max_pool1d, max_pool2d
from glassgrad.ops.unary import relu, sign
from glassgrad.tensor import Tensor

__all__ = ["adaptive_max_pool1d", "adaptive_max_pool2d", "max_unpool1d", "max_unpool2d", "lp_pool1d",
           "lp_pool2d"]


def _bounds(size: int, out: int) -> tuple:
    """PyTorch's adaptive windows along one axis: [⌊i·size/out⌋, ⌈(i+1)·size/out⌉) for i < out."""
    i = np.arange(out)
    return (i * size) // out, -((-(i + 1) * size) // out)


# --- adaptive max pooling ---------------------------------------------------------------------------------
class AdaptiveMaxPool2d(Primitive):
    """out[n, c, i, j] = max over window (i, j) of x[n, c];  indices: that maximum's flat position
    h·W + w in the input plane (the first one in row-major order);  ∂L/∂x = g scattered (added) to the
    positions in indices."""

    node_name = "AdaptiveMaxPool2DBackward0"

    @staticmethod
    def forward(ctx, x, sizes, holder):
        *lead, h, w = x.shape
        (rs, re), (cs, ce) = _bounds(h, sizes[0]), _bounds(w, sizes[1])
        out = np.empty(tuple(lead) + sizes, x.dtype)
        index = np.empty(tuple(lead) + sizes, np.int64)
        for i in range(sizes[0]):
            for j in range(sizes[1]):
                block = x[..., rs[i]:re[i], cs[j]:ce[j]]
                flat = block.reshape(tuple(lead) + (-1,))
                arg = np.argmax(flat, axis=-1)  # the first maximum (a NaN wins, as in PyTorch)
                out[..., i, j] = np.take_along_axis(flat, arg[..., None], -1)[..., 0]
                width = ce[j] - cs[j]
                index[..., i, j] = (rs[i] + arg // width) * w + cs[j] + arg % width
        ctx.index, ctx.shape = index, x.shape
        if holder is not None:
            holder.append(index)
        return out

    @staticmethod
    def backward(ctx, g):
        if isinstance(g, Tensor):  # create_graph=True: Aᵀ·g as a node of its own (linear_map)
            return linear_backward(ctx, g), None, None
        *lead, h, w = ctx.shape
        planes = int(np.prod(lead, dtype=np.int64))
        grad = np.zeros((planes, h * w), g.dtype)
        rows = np.repeat(np.arange(planes), ctx.index.size // planes if planes else 0)
        np.add.at(grad, (rows, ctx.index.reshape(-1)), g.reshape(-1))
        return grad.reshape(ctx.shape), None, None

    @staticmethod
    def linear_map(ctx, v):
        """A·v: v read at the winners forward chose (constants: ∂²out/∂x² = 0)."""
        *lead, h, w = ctx.shape
        planes = int(np.prod(lead, dtype=np.int64))
        picked = v.reshape(planes, h * w).gather(1, Tensor._wrap(ctx.index.reshape(planes, -1)))
        return picked.reshape(ctx.index.shape)


def _adaptive_max_pool(name, input, output_size, return_indices, dims):  # noqa: A002
    x = input._array
    if dims == 1 and x.ndim not in (2, 3):
        raise RuntimeError(f"Expected 2 to 3 dimensions, but got {x.ndim}-dimensional tensor for argument #1 "
                           f"'self' (while checking arguments for {name})")
    if dims == 2 and x.ndim not in (3, 4):
        raise RuntimeError(f"{name}(): Expected 3D or 4D tensor, but got: {list(x.shape)}")
    for axis in range(1 if x.ndim == dims + 2 else 0, x.ndim):
        if x.shape[axis] == 0:
            raise RuntimeError(f"{name}(): Expected input to have non-zero size for non-batch dimensions, "
                               f"but input has sizes {list(x.shape)} with dimension {axis} being empty")
    if not is_float(x.dtype):
        raise NotImplementedError(f"\"{name}\" not implemented for '{TORCH_NAMES.get(x.dtype.name)}'")
    sizes = (output_size,) * dims if output_size is None or isinstance(output_size, numbers.Integral) \
        else tuple(output_size)
    if len(sizes) != dims:
        raise RuntimeError(f"{name}(): internal error: output_size.size() must be {dims}" if dims == 2 else
                           f"{name}: output_size must be {dims}")
    sizes = tuple(x.shape[-dims + i] if s is None else int(s) for i, s in enumerate(sizes))
    if min(sizes) < 0:
        raise RuntimeError(f"{name}(): Expected output_size to be non-negative, got {list(sizes)}")
    holder = [] if return_indices else None
    sizes2 = sizes if dims == 2 else (1,) + sizes
    out2 = AdaptiveMaxPool2d.apply(_as_2d(input, dims), sizes2, holder)
    out_shape = x.shape[:-dims] + sizes
    out = _from_2d(out2, out_shape, dims)
    return (out, Tensor._wrap(holder[0].reshape(out_shape))) if return_indices else out


def adaptive_max_pool2d(input, output_size, return_indices: bool = False):  # noqa: A002
    """Max pooling to a fixed (oh, ow) (an int or a pair; None keeps that input size): window (i, j)
    covers rows ⌊i·H/oh⌋ … ⌈(i+1)·H/oh⌉ − 1 and columns alike."""
    return _adaptive_max_pool("adaptive_max_pool2d", input, output_size, return_indices, 2)


def adaptive_max_pool1d(input, output_size, return_indices: bool = False):  # noqa: A002
    """1-d adaptive max pooling over (N, C, L) or (C, L)."""
    return _adaptive_max_pool("adaptive_max_pool1d", input, output_size, return_indices, 1)


# --- max unpooling ----------------------------------------------------------------------------------------
class MaxUnpool2d(Primitive):
    """out = zeros (…, H, W) with out.plane[indices] = x (indices from max pooling: flat h·W + w);
    ∂L/∂x = ∂L/∂out read back at the same indices."""

    node_name = "MaxUnpool2DBackward0"

    @staticmethod
    def forward(ctx, x, index, size):
        *lead, h, w = x.shape
        planes = int(np.prod(lead, dtype=np.int64))
        flat_index = index.reshape(planes, h * w)
        out = np.zeros((planes, size[0] * size[1]), x.dtype)
        np.put_along_axis(out, flat_index, x.reshape(planes, h * w), axis=1)
        ctx.index, ctx.shape = flat_index, x.shape
        return out.reshape(tuple(lead) + tuple(size))

    @staticmethod
    def backward(ctx, g):
        planes = ctx.index.shape[0]
        if isinstance(g, Tensor):  # create_graph=True: the same read, recorded (linear in g)
            return g.reshape(planes, -1).gather(1, Tensor._wrap(ctx.index)).reshape(ctx.shape), None, None
        return np.take_along_axis(g.reshape(planes, -1), ctx.index, axis=1).reshape(ctx.shape), None, None


def _unpool_output_size(x_shape, kernel, stride, padding, output_size) -> tuple:
    """PyTorch's default output size ((in − 1)·s + k − 2p), or ``output_size`` checked against it."""
    dims = len(kernel)
    default = [(x_shape[-dims + d] - 1) * stride[d] + kernel[d] - 2 * padding[d] for d in range(dims)]
    if output_size is None:
        return tuple(default)
    if len(output_size) == dims + 2:
        output_size = output_size[2:]
    if len(output_size) != dims:
        raise ValueError(f"output_size should be a sequence containing {dims} or {dims + 2} elements, but it "
                         f"has a length of '{len(output_size)}'")
    for d in range(dims):
        low, high = default[d] - stride[d], default[d] + stride[d]
        if not low < output_size[d] < high:
            raise ValueError(f'invalid output_size "{output_size}" (dim {d} must be between {low} and {high})')
    return tuple(output_size)


def _n_tuple(value, n: int) -> tuple:
    return (value,) * n if isinstance(value, numbers.Integral) else tuple(value)


def _max_unpool(input, indices, kernel_size, stride, padding, output_size, dims):  # noqa: A002
    kernel = _n_tuple(kernel_size, dims)
    stride = kernel if stride is None else _n_tuple(stride, dims)
    padding = _n_tuple(padding, dims)
    x, idx = input._array, indices._array
    if output_size is not None and not isinstance(output_size, (list, tuple)):
        output_size = tuple(output_size)
    size = _unpool_output_size(x.shape, kernel, stride, padding, output_size)
    if idx.dtype != np.int64:
        raise RuntimeError("elements in indices should be type int64 but got: "
                           + TORCH_NAMES.get(idx.dtype.name, idx.dtype.name))
    if idx.shape != x.shape:
        raise RuntimeError(f"Expected shape of indices to be same as that of the input tensor ({list(x.shape)}) "
                           f"but got indices tensor with shape: {list(idx.shape)}")
    size2 = size if dims == 2 else (1,) + size
    bad = (idx < 0) | (idx >= size2[0] * size2[1])
    if bad.any():
        raise RuntimeError(f"Found an invalid max index: {idx[bad].flat[0]} (output volumes are of size "
                           f"{size2[0]}x{size2[1]})")
    if dims == 1:
        out = MaxUnpool2d.apply(_as_2d(input, 1), Tensor._wrap(idx[..., None, :]), size2)
        return _from_2d(out, x.shape[:-1] + size, 1)
    return MaxUnpool2d.apply(input, indices, size2)


def max_unpool2d(input, indices, kernel_size, stride=None, padding=0, output_size=None):  # noqa: A002
    """Undo max_pool2d: each value of ``input`` written at its ``indices`` (from max_pool2d with
    return_indices=True) in an (…, H, W) of zeros; H, W = (h − 1)·s + k − 2p unless ``output_size``."""
    return _max_unpool(input, indices, kernel_size, stride, padding, output_size, 2)


def max_unpool1d(input, indices, kernel_size, stride=None, padding=0, output_size=None):  # noqa: A002
    """Undo max_pool1d over (N, C, L) or (C, L)."""
    return _max_unpool(input, indices, kernel_size, stride, padding, output_size, 1)


# --- power-average pooling ----------------------------------------------------------------------------------
def lp_pool2d(input, norm_type, kernel_size, stride=None, ceil_mode: bool = False):  # noqa: A002
    """(Σ_window xᵖ)^(1/p) over each kh×kw window (p = norm_type; p = 1: sum pooling, p = inf: max
    pooling of |x|), PyTorch's composition: (sign(a)·relu(|a|)·kh·kw)^(1/p), a = avg_pool2d(xᵖ)."""
    kw, kh = _n_tuple(kernel_size, 2)
    if norm_type == float("inf"):
        return max_pool2d(input.abs(), kernel_size, stride, 0, 1, ceil_mode)
    if norm_type == -float("inf"):
        return -max_pool2d(-input.abs(), kernel_size, stride, 0, 1, ceil_mode)
    out = avg_pool2d(input.pow(norm_type), kernel_size, stride, 0, ceil_mode)
    return (sign(out) * relu(out.abs())).mul(kw * kh).pow(1.0 / norm_type)


def lp_pool1d(input, norm_type, kernel_size, stride=None, ceil_mode: bool = False):  # noqa: A002
    """1-d power-average pooling over (N, C, L) or (C, L): (Σ_window xᵖ)^(1/p)."""
    if norm_type == float("inf"):
        return max_pool1d(input.abs(), kernel_size, stride, 0, 1, ceil_mode)
    if norm_type == -float("inf"):
        return -max_pool1d(-input.abs(), kernel_size, stride, 0, 1, ceil_mode)
    out = avg_pool1d(input.pow(norm_type), kernel_size, stride, 0, ceil_mode)
    return (sign(out) * relu(out.abs())).mul(kernel_size).pow(1.0 / norm_type)
