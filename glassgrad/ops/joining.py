"""Joining, splitting and tiling: cat, stack, split, chunk, unbind, narrow, select, repeat — and slicing.

Part III, after ``shape.py``; ``indexing.py`` comes next. ``repeat``/``tile`` join a tensor to copies of
itself (numpy files them beside joining and splitting, as "tiling"). ``Slice`` is basic indexing
(``x[1:, 0]``): a view, whose backward writes the gradient into zeros at the sliced place. Splitting
is slicing: each piece of ``split``/``chunk``/``unbind`` is a ``Slice`` of the input, so the engine's
one-output-per-node rule holds and the pieces share the input's memory. ``cat`` goes the other way:
its backward slices the gradient into the pieces. ``indexing.py`` builds ``x[...]`` on ``Slice``.
"""

from __future__ import annotations

import itertools
import numbers

import numpy as np

from glassgrad import dtypes
from glassgrad.autograd.function import Primitive
from glassgrad.ops._util import torch_keywords
from glassgrad.ops.shape import Reshape, Unsqueeze, _dim_incl_end, _size_args
from glassgrad.tensor import Tensor

__all__ = [
    "cat", "concat", "concatenate", "stack", "hstack", "vstack", "dstack", "column_stack", "split",
    "tensor_split", "chunk", "unbind", "select", "narrow", "atleast_1d", "atleast_2d", "atleast_3d",
    "repeat", "tile",
]



class Slice(Primitive):
    """out = x[key] for a *basic* key (ints, slices with step > 0, None, ...): a view of x.

    Each output element is one input element, so grad_x is zero everywhere except at ``key``, where
    it is g:  grad_x = zeros(x.shape);  grad_x[key] = g.
    """

    one_tensor_input = True  # the other arguments are options (see Function)
    is_view = True

    @staticmethod
    def forward(ctx, x, key):
        if ctx.needs_input_grad:  # () when nothing is recorded (data[i:i + 64]): nothing to keep
            ctx.shape, ctx.key = x.shape, key
        out = x[key]
        if not isinstance(out, np.ndarray):  # all-int keys give a numpy scalar; `...` keeps it a 0-d view
            out = x[key + (Ellipsis,)]
        return out

    @staticmethod
    def backward(ctx, g):
        return embed(g, ctx.shape, ctx.key), None


# PyTorch names each of these views after the op that made it; the numbers move as in Slice.
class Select(Slice):  # x.select(dim, i), x[i]
    pass


class Split(Slice):  # each piece of split(x, size) and chunk
    pass


class SplitWithSizes(Slice):  # each piece of split(x, [sizes])
    pass


class Unbind(Slice):
    pass


class SliceBackward(Primitive):
    """out = zeros(shape) with g written at key (Slice's backward as an op, for double backward);
    grad_g = upstream[key]"""

    @staticmethod
    def forward(ctx, g, shape, key):
        ctx.key = key
        out = np.zeros(shape, g.dtype)
        out[key] = g
        return out

    @staticmethod
    def backward(ctx, gg):
        return gg[ctx.key], None, None


def embed(g, shape: tuple, key):
    """A zero array of ``shape`` with ``g`` written at the basic index ``key`` (Tensors too)."""
    if type(g) is np.ndarray:
        out = np.zeros(shape, g.dtype)
        out[key] = g
        return out
    return SliceBackward.apply(g, shape, key)


class Cat(Primitive):
    """out = the inputs joined along ``dim``;  grad of input i = the slice of g it occupies"""

    @staticmethod
    def forward(ctx, *args):
        *arrays, dim = args
        ends = list(itertools.accumulate(a.shape[dim] for a in arrays))
        ctx.bounds, ctx.lead = list(zip([0] + ends[:-1], ends)), (slice(None),) * dim
        return np.concatenate(arrays, axis=dim)

    @staticmethod
    def backward(ctx, g):
        need, lead = ctx.needs_input_grad, ctx.lead
        return tuple(g[lead + (slice(a, b),)] if n else None
                     for (a, b), n in zip(ctx.bounds, need)) + (None,)


class Stack(Primitive):
    """out = the inputs stacked along a new axis ``dim``;  grad of input i = g[..., i, ...]"""

    @staticmethod
    def forward(ctx, *args):
        *arrays, dim = args
        ctx.lead = (slice(None),) * dim
        shape = arrays[0].shape
        if dim < len(shape):  # np.stack is Python around this: join along dim, then split that axis in
            # two (n, size): the same numbers, ~3 µs less for get_batch's 16 slices
            return np.concatenate(arrays, axis=dim).reshape(shape[:dim] + (len(arrays),) + shape[dim:])
        return np.stack(arrays, axis=dim)

    @staticmethod
    def backward(ctx, g):
        lead = ctx.lead
        return tuple(g[lead + (i,)] if n else None
                     for i, n in enumerate(ctx.needs_input_grad[:-1])) + (None,)


class Repeat(Primitive):
    """out = x tiled ``reps`` times along each axis (x gets leading 1-axes if reps is longer).

    Each input element appears once per tile, so its gradient is the sum over the tiles: view g as
    (r0, s0, r1, s1, ...) and sum the r axes.
    """

    one_tensor_input = True  # the other arguments are options (see Function)

    @staticmethod
    def forward(ctx, x, reps):
        padded = (1,) * (len(reps) - x.ndim) + x.shape
        ctx.shape, ctx.split = x.shape, tuple(n for pair in zip(reps, padded) for n in pair)
        ctx.axes = tuple(range(0, 2 * len(reps), 2))
        return np.tile(x.reshape(padded), reps)

    @staticmethod
    def backward(ctx, g):
        return np.reshape(np.sum(np.reshape(g, ctx.split), axis=ctx.axes), ctx.shape), None


# --- joining --------------------------------------------------------------------------------------------
def _tensor_list(tensors, op: str) -> list:
    if isinstance(tensors, Tensor):
        raise TypeError(f"{op}(): argument 'tensors' (position 1) must be tuple of Tensors, not Tensor")
    tensors = list(tensors)
    for i, x in enumerate(tensors):
        if not isinstance(x, Tensor):
            raise TypeError(f"{op}(): expected a sequence of Tensors, but element {i} is "
                            f"{type(x).__name__}")
    return tensors


def _common_dtype(tensors: list) -> list:
    """Cast the tensors to the dtype PyTorch's cat/stack give (float beats int beats bool)."""
    dt = tensors[0]._array.dtype
    if all(x._array.dtype == dt for x in tensors):
        return tensors
    for x in tensors[1:]:
        dt = dtypes.result_type(np.empty((1,), dt), np.empty((1,), x._array.dtype))
    return [x if x._array.dtype == dt else x.to(dtypes.from_numpy_dtype(dt)) for x in tensors]


@torch_keywords(out="cat")
def cat(tensors, dim: int = 0):
    """Join tensors along an existing dimension; all other sizes must match."""
    try:  # fast path: same dtype, same rank, same sizes off ``dim`` (the checks below, without loops)
        arrays = [x._array for x in tensors] if type(tensors) in (list, tuple) else ()
        first = arrays[0]
        nd, dt = first.ndim, first.dtype
        d = dim + nd if -nd <= dim < 0 else dim
        if 0 <= d < nd and all(a.ndim == nd and a.dtype == dt and a.shape[:d] == first.shape[:d]
                               and a.shape[d + 1:] == first.shape[d + 1:] for a in arrays):
            return Cat.apply(*tensors, d)
    except (AttributeError, IndexError, TypeError):
        pass
    return _cat_checked(tensors, dim)


def _cat_checked(tensors, dim: int):
    tensors = _tensor_list(tensors, "cat")
    if not tensors:
        raise ValueError("torch.cat(): expected a non-empty list of Tensors")
    # PyTorch's legacy rule: 1-d empty tensors are skipped, whatever their partners' shapes
    kept = tensors
    if any(x._array.ndim != 1 for x in tensors):
        kept = [x for x in tensors if x._array.shape != (0,)] or tensors[:1]
    first = kept[0]._array.shape
    for i, x in enumerate(tensors):
        if x._array.ndim == 0:
            raise RuntimeError(f"zero-dimensional tensor (at position {i}) cannot be concatenated")
    d = kept[0]._dim(dim)
    for i, x in enumerate(tensors):
        s = x._array.shape
        if s == (0,) and len(first) != 1:
            continue
        if len(s) != len(first):
            raise RuntimeError(f"Tensors must have same number of dimensions: got {len(first)} and "
                               f"{len(s)}")
        for j, (a, b) in enumerate(zip(first, s)):
            if j != d and a != b:
                raise RuntimeError(f"Sizes of tensors must match except in dimension {d}. Expected size "
                                   f"{a} but got size {b} for tensor number {i} in the list. "
                                   f"(Shapes {list(first)} and {list(s)}.)")
    return Cat.apply(*_common_dtype(kept), d)


concat = concatenate = cat


def _all_alike(tensors) -> bool:
    """A list or tuple of Tensors of one shape and dtype: stack's common case (get_batch stacks 16 slices
    of 64), answered in one pass instead of stack's three (type, shape, then dtype)."""
    if type(tensors) is not list and type(tensors) is not tuple or not tensors:
        return False
    first = tensors[0]
    if not isinstance(first, Tensor):
        return False
    shape, dtype = first._array.shape, first._array.dtype
    for x in tensors:
        if not isinstance(x, Tensor) or x._array.shape != shape or x._array.dtype != dtype:
            return False
    return True


@torch_keywords(out="cat")
def stack(tensors, dim: int = 0):
    """Join equal-shaped tensors along a new dimension ``dim``."""
    if _all_alike(tensors):
        return Stack.apply(*tensors, _dim_incl_end(dim, tensors[0]._array.ndim))
    tensors = _tensor_list(tensors, "stack")
    if not tensors:
        raise RuntimeError("stack expects a non-empty TensorList")
    first = tensors[0]._array.shape
    for i, x in enumerate(tensors[1:], 1):
        if x._array.shape != first:
            raise RuntimeError(f"stack expects each tensor to be equal size, but got {list(first)} at "
                               f"entry 0 and {list(x._array.shape)} at entry {i}")
    d = _dim_incl_end(dim, len(first))
    return Stack.apply(*_common_dtype(tensors), d)


@torch_keywords(out="cat")
def hstack(tensors):
    """Concatenate column-wise: along dim 1, or dim 0 when the tensors are 1-d."""
    ts = [atleast_1d(x) for x in _tensor_list(tensors, "hstack")]
    return cat(ts, 0 if ts and ts[0]._array.ndim == 1 else 1)


@torch_keywords(out="cat")
def vstack(tensors):
    """Concatenate row-wise (1-d tensors become rows)."""
    return cat([atleast_2d(x) for x in _tensor_list(tensors, "vstack")], 0)


@torch_keywords(out="cat")
def dstack(tensors):
    """Concatenate depth-wise (along dim 2, after atleast_3d)."""
    return cat([atleast_3d(x) for x in _tensor_list(tensors, "dstack")], 2)


@torch_keywords(out="cat")
def column_stack(tensors):
    """1-d tensors become columns, then hstack."""
    ts = [Reshape.apply(x, (x._array.size, 1)) if x._array.ndim <= 1 else x
          for x in _tensor_list(tensors, "column_stack")]
    return cat(ts, 1)


# --- splitting: each piece is a view made by Slice ----------------------------------------------------
@torch_keywords
def select(input, dim: int, index: int):  # noqa: A002
    """x[..., index, ...] at dimension ``dim`` (a view; the dimension goes away)."""
    d = input._dim(dim)
    if input._array.ndim == 0:
        raise IndexError("select() cannot be applied to a 0-dim tensor.")
    n = input._array.shape[d]
    index = int(index)
    if not -n <= index < n:
        raise IndexError(f"select(): index {index} out of range for tensor of size "
                         f"{list(input._array.shape)} at dimension {dim}")
    return Select.apply(input, (slice(None),) * d + (index,))


@torch_keywords
def narrow(input, dim: int, start: int, length: int):  # noqa: A002
    """input[..., start:start+length, ...] at dimension ``dim`` (a view)."""
    d = input._dim(dim)
    n = input._array.shape[d]
    start, length = int(start), int(length)
    if not -n <= start <= n:
        raise IndexError(f"start out of range (expected to be in range of [{-n}, {n}], but got "
                         f"{start})")
    if length < 0:
        raise RuntimeError("narrow(): length must be non-negative.")
    if start < 0:
        start += n
    if start + length > n:
        raise RuntimeError(f"start ({start}) + length ({length}) exceeds dimension size ({n}).")
    return Slice.apply(input, (slice(None),) * d + (slice(start, start + length),))


def _pieces(input, d: int, bounds, op=Slice) -> tuple:
    lead = (slice(None),) * d
    return tuple(op.apply(input, lead + (slice(a, b),)) for a, b in bounds)


def split(tensor, split_size_or_sections, dim: int = 0):
    """Split into pieces of ``split_size`` (the last may be smaller), or of the listed sizes."""
    d = tensor._dim(dim)
    n = tensor._array.shape[d] if tensor._array.ndim else 0
    if tensor._array.ndim == 0:
        raise RuntimeError("split expects at least a 1-dimensional tensor")
    if isinstance(split_size_or_sections, numbers.Integral):
        size = int(split_size_or_sections)
        if size < 0:
            raise RuntimeError(f"split expects split_size be non-negative, but got split_size={size}")
        if size == 0:
            if n != 0:
                raise RuntimeError(f"split_size can only be 0 if dimension size is 0, but got "
                                   f"dimension size of {n}")
            return _pieces(tensor, d, [(0, 0)], Split)
        starts = range(0, max(n, 1), size)
        return _pieces(tensor, d, [(a, min(a + size, n)) for a in starts], Split)
    sizes = [int(s) for s in split_size_or_sections]
    if sum(sizes) != n or any(s < 0 for s in sizes):
        raise RuntimeError(f"split_with_sizes expects split_sizes to sum exactly to {n} (input tensor's "
                           f"size at dimension {d}), but got split_sizes={sizes}")
    ends = list(itertools.accumulate(sizes))
    return _pieces(tensor, d, list(zip([0] + ends[:-1], ends)), SplitWithSizes)


@torch_keywords
def tensor_split(input, indices_or_sections, dim: int = 0):  # noqa: A002
    """Split into n nearly equal pieces (the first ones one longer), or at the given indices."""
    d = input._dim(dim)
    n = input._array.shape[d]
    if isinstance(indices_or_sections, numbers.Integral):
        k = int(indices_or_sections)
        if k <= 0:
            raise RuntimeError(f"number of sections must be larger than 0, got {k}")
        q, r = divmod(n, k)
        sizes = [q + 1] * r + [q] * (k - r)
        ends = list(itertools.accumulate(sizes))
        return _pieces(input, d, list(zip([0] + ends[:-1], ends)))
    cuts = [min(max(int(i) if i >= 0 else n + int(i), 0), n) for i in indices_or_sections]
    starts, ends = [0] + cuts, cuts + [n]
    return _pieces(input, d, [(a, max(a, b)) for a, b in zip(starts, ends)])


@torch_keywords
def chunk(input, chunks: int, dim: int = 0):  # noqa: A002
    """Split into ``chunks`` pieces of ceil(n / chunks) (maybe fewer pieces, as PyTorch)."""
    if chunks <= 0:
        raise RuntimeError(f"chunk expects `chunks` to be greater than 0, got: {chunks}")
    if input._array.ndim == 0:
        raise RuntimeError("chunk expects at least a 1-dimensional tensor")
    n = input._array.shape[input._dim(dim)]
    return split(input, -(-n // chunks), dim)


@torch_keywords
def unbind(input, dim: int = 0):  # noqa: A002
    """A tuple of all slices along ``dim`` (each a view, the dimension removed)."""
    d = input._dim(dim)
    if input._array.ndim == 0:
        raise IndexError("Dimension specified as 0 but tensor has no dimensions")
    lead = (slice(None),) * d
    return tuple(Unbind.apply(input, lead + (i,)) for i in range(input._array.shape[d]))

def _one_or_tuple(out: tuple):
    return out[0] if len(out) == 1 else out


# --- tiling: a tensor joined to copies of itself ----------------------------------------------------
def repeat(input, *sizes):  # noqa: A002
    """Tile the tensor ``sizes[i]`` times along dim i (a copy; compare expand, which doesn't copy)."""
    reps = _size_args(sizes)
    if len(reps) < input._array.ndim:
        raise RuntimeError("Number of dimensions of repeat dims can not be smaller than number of "
                           "dimensions of tensor")
    if any(r < 0 for r in reps):
        padded = (1,) * (len(reps) - input._array.ndim) + input._array.shape
        bad = [r * s for r, s in zip(reps, padded)]
        raise RuntimeError(f"Trying to create tensor with negative dimension "
                           f"{min(bad)}: {bad}")
    return Repeat.apply(input, reps)


def tile(input, dims):  # noqa: A002
    """``repeat`` where a short ``dims`` is padded with leading 1s (numpy's tile)."""
    reps = _size_args((dims,))
    return repeat(input, (1,) * (input._array.ndim - len(reps)) + reps)


# --- at least n dimensions -------------------------------------------------------------------------
def _tensors(tensors: tuple, op: str) -> list:
    """atleast_*(a, b) or atleast_*([a, b]): the tensors as a list."""
    one = len(tensors) == 1 and not isinstance(tensors[0], Tensor)
    return _tensor_list(tensors[0] if one else tensors, op)


def atleast_1d(*tensors):
    """Each tensor with at least 1 dimension (a 0-d one becomes shape (1,))."""
    return _one_or_tuple(tuple(t if t._array.ndim else Reshape.apply(t, (1,))
                               for t in _tensors(tensors, "atleast_1d")))


def _at_least_2d(t):
    ndim = t._array.ndim
    if ndim == 0:
        return Reshape.apply(t, (1, 1))
    return Unsqueeze.apply(t, (1,) + t._array.shape) if ndim == 1 else t


def atleast_2d(*tensors):
    """Each tensor with at least 2 dimensions (leading 1s are added)."""
    return _one_or_tuple(tuple(_at_least_2d(t) for t in _tensors(tensors, "atleast_2d")))


def _at_least_3d(t):
    """(n,) -> (1, n, 1), (m, n) -> (m, n, 1), as numpy; PyTorch's steps (view or unsqueezes)."""
    shape = t._array.shape
    if len(shape) == 0:
        return Reshape.apply(t, (1, 1, 1))
    if len(shape) == 1:
        t = Unsqueeze.apply(t, (1,) + shape)
    return Unsqueeze.apply(t, t._array.shape + (1,)) if len(shape) < 3 else t


def atleast_3d(*tensors):
    """Each tensor with at least 3 dimensions: (n,) -> (1, n, 1), (m, n) -> (m, n, 1), as numpy."""
    return _one_or_tuple(tuple(_at_least_3d(t) for t in _tensors(tensors, "atleast_3d")))


TENSOR_METHODS = {
    "repeat": repeat, "tile": tile, "split": split, "tensor_split": tensor_split, "chunk": chunk,
    "unbind": unbind, "select": select, "narrow": narrow,
}

NUMPY = {
    np.tile: lambda a, reps: tile(a, reps),
    np.concatenate: lambda arrays, axis=0: cat([_as_tensor(x) for x in arrays], axis),
    np.stack: lambda arrays, axis=0: stack([_as_tensor(x) for x in arrays], axis),
}


def _as_tensor(x):
    return x if isinstance(x, Tensor) else Tensor._wrap(np.asarray(x))
