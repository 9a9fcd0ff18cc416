"""Shape ops: reshape/view, transpose/permute, squeeze/unsqueeze, expand, cat/stack, split, flip ...

Part III. These move numbers around without changing them, so each backward moves the gradient back
the same way: reshape's backward reshapes, transpose's transposes back, expand's sums over the
copies (like broadcasting), cat's slices the gradient into the pieces.
"""

from __future__ import annotations

import numbers

import numpy as np

from glassgrad.autograd.function import Function
from glassgrad.tensor import Tensor

__all__ = ["reshape", "transpose", "permute", "expand"]


def _size_args(shape) -> tuple:
    """reshape(2, 3), reshape((2, 3)) and reshape([2, 3]) all mean the same."""
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    for s in shape:
        if not isinstance(s, numbers.Integral):
            raise TypeError(f"shape must be a sequence of ints, got {type(s).__name__} {s!r}")
    return tuple(int(s) for s in shape)


class Reshape(Function):
    """out = x with a new shape (same elements, same order);  grad_x = g reshaped back"""

    on_arrays = differentiable_backward = True
    is_view = True

    @staticmethod
    def forward(ctx, x, shape):
        ctx.shape = x.shape
        return x.reshape(shape)

    @staticmethod
    def backward(ctx, g):
        return np.reshape(g, ctx.shape), None


class Permute(Function):
    """out = x with its axes reordered;  grad_x = g with the inverse order"""

    on_arrays = differentiable_backward = True
    is_view = True

    @staticmethod
    def forward(ctx, x, dims):
        ctx.inverse = tuple(np.argsort(dims))
        return np.transpose(x, dims)

    @staticmethod
    def backward(ctx, g):
        return np.transpose(g, ctx.inverse), None


class Expand(Function):
    """out = x broadcast to a bigger shape (no copy);  grad_x = g summed over the copies"""

    on_arrays = differentiable_backward = True
    is_view = True

    @staticmethod
    def forward(ctx, x, shape):
        ctx.shape = x.shape
        return np.broadcast_to(x, shape)

    @staticmethod
    def backward(ctx, g):
        from glassgrad.ops._util import unbroadcast
        return unbroadcast(g, ctx.shape), None


def reshape(input, *shape):  # noqa: A002
    """Same elements, new shape; one dimension may be -1 (inferred)."""
    shape = _size_args(shape)
    n = input._array.size
    known = int(np.prod([s for s in shape if s != -1]))
    if shape.count(-1) > 1:
        raise RuntimeError("only one dimension can be inferred")
    if (-1 in shape and (known == 0 or n % known)) or (-1 not in shape and known != n):
        raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {n}")
    return Reshape.apply(input, shape)


def permute(input, *dims):  # noqa: A002
    dims = _size_args(dims)
    ndim = input._array.ndim
    if len(dims) != ndim:
        raise RuntimeError(f"permute(sparse_coo): number of dimensions in the tensor input does not "
                           f"match the length of the desired ordering of dimensions i.e. input.dim() = "
                           f"{ndim} is not equal to len(dims) = {len(dims)}")
    dims = tuple(input._dim(d) for d in dims)
    if len(set(dims)) != ndim:
        raise RuntimeError("permute(): duplicate dims are not allowed.")
    return Permute.apply(input, dims)


def transpose(input, dim0: int, dim1: int):  # noqa: A002
    """Swap two dimensions."""
    ndim = input._array.ndim
    if ndim == 0:
        return input
    dims = list(range(ndim))
    d0, d1 = input._dim(dim0), input._dim(dim1)
    dims[d0], dims[d1] = dims[d1], dims[d0]
    return Permute.apply(input, tuple(dims))


def expand(input, *sizes):  # noqa: A002
    """Broadcast to ``sizes`` without copying; -1 keeps a dimension."""
    sizes = _size_args(sizes)
    shape = input._array.shape
    if len(sizes) < len(shape):
        raise RuntimeError(f"expand: the number of sizes provided ({len(sizes)}) must be greater or "
                           f"equal to the number of dimensions in the tensor ({len(shape)})")
    lead = len(sizes) - len(shape)
    target = tuple(shape[i - lead] if s == -1 and i >= lead else s for i, s in enumerate(sizes))
    for i, n in enumerate(shape):
        if n != 1 and n != target[lead + i]:
            raise RuntimeError(f"The expanded size of the tensor ({target[lead + i]}) must match the "
                               f"existing size ({n}) at non-singleton dimension {lead + i}.  Target "
                               f"sizes: {list(sizes)}.  Tensor sizes: {list(shape)}")
    return Expand.apply(input, target)


def _t(input):  # noqa: A002
    if input._array.ndim > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {input.dim()}D")
    return transpose(input, 0, -1) if input._array.ndim == 2 else input


TENSOR_METHODS = {
    "reshape": reshape, "view": reshape, "permute": permute, "transpose": transpose, "expand": expand,
    "t": _t, "T": property(lambda self: permute(self, *reversed(range(self._array.ndim)))),
    "mT": property(lambda self: transpose(self, -2, -1)),
    "view_as": lambda self, other: reshape(self, other.shape),
    "reshape_as": lambda self, other: reshape(self, other.shape),
    "expand_as": lambda self, other: expand(self, other.shape),
}

NUMPY = {
    np.shape: lambda a: a.shape, np.ndim: lambda a: a.ndim, np.size: lambda a: a.numel(),
    np.reshape: lambda a, shape: reshape(a, shape),
    np.transpose: lambda a, axes=None: permute(a, axes if axes is not None else
                                               tuple(reversed(range(a.ndim)))),
    np.swapaxes: lambda a, axis1, axis2: transpose(a, axis1, axis2),
    np.broadcast_to: lambda a, shape: expand(a, shape),
}
