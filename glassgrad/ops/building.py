"""Tensors built from others, and searching: tensordot, kron, block_diag, diag_embed, diagflat,
cartesian_prod, combinations, tril_indices / triu_indices, rot90, hsplit / vsplit / dsplit, row_stack,
narrow_copy, Tensor.unfold and as_strided; bucketize, searchsorted, isin, unique_consecutive; and the
storage questions (data_ptr, nbytes, itemsize, share_memory_ / is_shared, pin_memory, apply_, map_).

Part III, ops/ reading order: after linalg. Most of it is a composition of the differentiable ops before
it (reshape, permute, matmul, stack, index_select, take), so gradients come for free and exactly; five
are primitives with PyTorch's nodes: diag_embed (backward reads the diagonal back out), block_diag (each
block's part of g), rot90 (turns g back), narrow_copy and unfold (g added back where it was read).
as_strided returns a copy, not a view: writing into it does not write into the input.
"""

from __future__ import annotations

import itertools
import mmap
import numbers
import os
import sys
import tempfile
import weakref

import numpy as np

from glassgrad import dtypes
from glassgrad.autograd.function import Primitive
from glassgrad.autograd.grad_mode import no_grad
from glassgrad.creation import tensor as _tensor
from glassgrad.ops._util import operand
from glassgrad.ops.indexing import index_select, take
from glassgrad.ops.joining import narrow, stack, tensor_split, vstack
from glassgrad.ops.linalg import matmul
from glassgrad.ops.repeating import meshgrid
from glassgrad.ops.shape import UnsafeView
from glassgrad.tensor import Tensor, root_array

__all__ = ["tensordot", "kron", "block_diag", "diag_embed", "diagflat", "cartesian_prod", "combinations",
           "tril_indices", "triu_indices", "rot90", "hsplit", "vsplit", "dsplit", "row_stack", "narrow_copy",
           "as_strided", "bucketize", "searchsorted", "isin", "unique_consecutive"]


# --- products and block matrices ------------------------------------------------------------------------
def tensordot(a, b, dims=2, out=None):
    """Σ over the paired dims of a and b: ``dims=n`` pairs a's last n with b's first n; ``dims=([..], [..])``
    names them. Computed as one matmul of a (free × summed) by b (summed × free)."""
    if isinstance(dims, Tensor):
        dims = dims.tolist()
    if isinstance(dims, numbers.Integral):
        if dims < 0:
            raise RuntimeError(f"tensordot expects dims >= 0, but got dims={dims}")
        dims_a, dims_b = list(range(a.dim() - dims, a.dim())), list(range(dims))
    else:
        dims_a, dims_b = ([d] if isinstance(d, numbers.Integral) else list(d) for d in dims)
    if len(dims_a) != len(dims_b):
        raise RuntimeError("both dimension lists should have same length")
    dims_a, dims_b = [a._dim(d) for d in dims_a], [b._dim(d) for d in dims_b]
    for da, db in zip(dims_a, dims_b):
        if a.shape[da] != b.shape[db]:
            raise RuntimeError(f"contracted dimensions need to match, but first has size {a.shape[da]} in dim "
                               f"{da} and second has size {b.shape[db]} in dim {db}")
    free_a = [d for d in range(a.dim()) if d not in dims_a]
    free_b = [d for d in range(b.dim()) if d not in dims_b]
    size = int(np.prod([a.shape[d] for d in dims_a]))
    left = a.permute(*free_a, *dims_a).reshape(-1, size)
    right = b.permute(*dims_b, *free_b).reshape(size, -1)
    result = matmul(left, right).reshape(*[a.shape[d] for d in free_a], *[b.shape[d] for d in free_b])
    if out is not None:
        out.copy_(result)
        return out
    return result


def kron(input, other):  # noqa: A002
    """The Kronecker product: out[i·m + k, j·n + l] = a[i, j] · b[k, l] (any number of dims)."""
    input, other = operand(input, "input"), operand(other, "other")
    n = max(input.dim(), other.dim())
    a = input.reshape((1,) * (n - input.dim()) + tuple(input.shape))
    b = other.reshape((1,) * (n - other.dim()) + tuple(other.shape))
    interleaved_a = a.reshape(tuple(itertools.chain.from_iterable((s, 1) for s in a.shape)))
    interleaved_b = b.reshape(tuple(itertools.chain.from_iterable((1, s) for s in b.shape)))
    product = interleaved_a * interleaved_b
    return UnsafeView.apply(product, tuple(p * q for p, q in zip(a.shape, b.shape)))  # PyTorch's last node


class BlockDiag(Primitive):
    """out = the 2-d blocks along the diagonal of one matrix, zeros elsewhere;
    grad of block i = the part of g where block i sits"""

    @staticmethod
    def forward(ctx, *blocks):
        rows = np.cumsum([0] + [b.shape[0] for b in blocks])
        cols = np.cumsum([0] + [b.shape[1] for b in blocks])
        out = np.zeros((rows[-1], cols[-1]), np.result_type(*blocks))
        places = [(slice(r, r + b.shape[0]), slice(c, c + b.shape[1])) for b, r, c in zip(blocks, rows, cols)]
        for b, place in zip(blocks, places):
            out[place] = b
        ctx.places = places
        return out

    @staticmethod
    def backward(ctx, g):
        return tuple(g[place] if needed else None for place, needed in zip(ctx.places, ctx.needs_input_grad))


def block_diag(*tensors):
    """The tensors (0-, 1- or 2-d) placed along the diagonal of one matrix, zeros elsewhere."""
    blocks = []
    for i, t in enumerate(tensors):
        if t.dim() > 2:
            raise RuntimeError(f"torch.block_diag: Input tensors must have 2 or fewer dimensions. Input {i} has "
                               f"{t.dim()} dimensions")
        blocks.append(t.reshape(1, -1) if t.dim() < 2 else t)
    if not blocks:
        return Tensor._wrap(np.zeros((1, 0), dtypes.get_default_dtype().numpy))
    common = blocks[0]._array
    for b in blocks[1:]:  # PyTorch's promotion: a float block makes the whole float32, not float64
        common = np.empty((1, 1), dtypes.result_type(common, b._array))
    dtype = dtypes.from_numpy_dtype(common.dtype)
    return BlockDiag.apply(*[b.to(dtype) for b in blocks])


class DiagEmbed(Primitive):
    """out[..., i, i + offset] = x[..., i] on the planes (dim1, dim2), zeros elsewhere;
    grad_x = the same diagonal of g"""

    one_tensor_input = True

    @staticmethod
    def forward(ctx, x, offset, dim1, dim2):
        m = x.shape[-1]
        n, row, col = m + abs(offset), max(-offset, 0), max(offset, 0)
        out = np.zeros(x.shape[:-1] + (n, n), x.dtype)
        np.einsum("...ii->...i", out[..., row:row + m, col:col + m])[...] = x
        ctx.plane = (offset, dim1, dim2)
        return np.moveaxis(out, (-2, -1), (dim1, dim2))

    @staticmethod
    def backward(ctx, g):
        offset, dim1, dim2 = ctx.plane
        return np.diagonal(g, offset, dim1, dim2), None, None, None


def diag_embed(input, offset=0, dim1=-2, dim2=-1):  # noqa: A002
    """A batch of diagonal matrices: the last dim of ``input`` on the diagonal of dims (dim1, dim2)."""
    input = operand(input, "input")
    ndim = input.dim() + 1
    d1, d2 = (d + ndim if d < 0 else d for d in (dim1, dim2))
    if not (0 <= d1 < ndim and 0 <= d2 < ndim):
        bad = dim1 if not 0 <= d1 < ndim else dim2
        raise IndexError(f"Dimension out of range (expected to be in range of [{-ndim}, {ndim - 1}], but got {bad})")
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    return DiagEmbed.apply(input, offset, d1, d2)


def diagflat(input, offset=0):  # noqa: A002
    """A 2-d matrix with the flattened ``input`` on its ``offset`` diagonal."""
    return diag_embed(operand(input, "input").reshape(-1), offset)


# --- index sets -----------------------------------------------------------------------------------------
def cartesian_prod(*tensors):
    """Every combination of one element from each 1-d tensor, one row each (itertools.product's order)."""
    for t in tensors:
        if t.dim() != 1:
            raise RuntimeError(f"Expect a 1D vector, but got shape {list(t.shape)}")
    if len(tensors) == 1:
        return tensors[0]
    grids = meshgrid(*tensors, indexing="ij")
    return stack([g.reshape(-1) for g in grids], 1)


def combinations(input, r=2, with_replacement=False):  # noqa: A002
    """Every r-element combination of a 1-d tensor's elements (itertools.combinations' order)."""
    if input.dim() != 1:
        raise RuntimeError(f"Expect a 1D vector, but got shape {list(input.shape)}")
    if r < 0:
        raise RuntimeError(f"Expect a non-negative number, but got {r}")
    if r == 0:
        return Tensor._wrap(np.zeros(0, input._array.dtype))
    pick = itertools.combinations_with_replacement if with_replacement else itertools.combinations
    index = np.array(list(pick(range(input.shape[0]), r)), np.int64).reshape(-1, r)
    if len(index) == 0:
        return Tensor._wrap(np.zeros((0, r), input._array.dtype))
    return stack([index_select(input, 0, Tensor._wrap(index[:, k].copy())) for k in range(r)], 1)


def _triangle_indices(numpy_fn, row, col, offset, dtype):
    rows, cols = numpy_fn(row, offset, col)
    return Tensor._wrap(np.stack([rows, cols]).astype(dtypes.to_dtype(dtype).numpy).reshape(2, -1))


def tril_indices(row, col, offset=0, *, dtype=None, device=None, layout=None, pin_memory=False):
    """The (row, col) coordinates of the lower triangle of a row × col matrix, as a 2 × N tensor."""
    return _triangle_indices(np.tril_indices, row, col, offset, dtype or dtypes.int64)


def triu_indices(row, col, offset=0, *, dtype=None, device=None, layout=None, pin_memory=False):
    """The (row, col) coordinates of the upper triangle of a row × col matrix, as a 2 × N tensor."""
    return _triangle_indices(np.triu_indices, row, col, offset, dtype or dtypes.int64)


# --- turning and cutting --------------------------------------------------------------------------------
class Rot90(Primitive):
    """out = x turned k quarter turns in the plane (d0, d1), from d0 towards d1;
    grad_x = g turned back: k quarter turns the other way"""

    one_tensor_input = True

    @staticmethod
    def forward(ctx, x, k, d0, d1):
        ctx.turn = (k, d0, d1)
        return np.ascontiguousarray(np.rot90(x, k, (d0, d1)))

    @staticmethod
    def backward(ctx, g):
        k, d0, d1 = ctx.turn
        return np.rot90(g, -k, (d0, d1)), None, None, None


def rot90(input, k=1, dims=(0, 1)):  # noqa: A002
    """Rotate by 90°·k in the plane ``dims``, from the first dim towards the second."""
    input = operand(input, "input")
    dims = list(dims)
    if len(dims) != 2:
        raise RuntimeError(f"expected total rotation dims == 2, but got dims = {len(dims)}")
    if input.dim() < 2:
        raise RuntimeError(f"expected total dims >= 2, but got total dims = {input.dim()}")
    d0, d1 = input._dim(dims[0]), input._dim(dims[1])
    if d0 == d1:
        raise RuntimeError(f"expected rotation dims to be different, but got dim0 = {d0} and dim1 = {d1}")
    return Rot90.apply(input, k % 4, d0, d1)


def _split_along(name, input, sections, dim, min_dims):  # noqa: A002
    if input.dim() < min_dims:
        raise RuntimeError(f"torch.{name} requires a tensor with at least {min_dims} dimension, but got a tensor "
                           f"with {input.dim()} dimensions!")
    if isinstance(sections, numbers.Integral):
        if sections == 0 or input.shape[dim] % sections:
            raise RuntimeError(f"torch.{name} attempted to split along dimension {dim}, but the size of the "
                               f"dimension {input.shape[dim]} is not divisible by the split_size {sections}!")
    return tensor_split(input, sections, dim)


def hsplit(input, indices_or_sections):  # noqa: A002
    """Split along dim 1 (dim 0 of a 1-d tensor), as numpy.hsplit."""
    return _split_along("hsplit", input, indices_or_sections, 1 if input.dim() > 1 else 0, 1)


def vsplit(input, indices_or_sections):  # noqa: A002
    """Split along dim 0 of a tensor of 2 or more dims."""
    return _split_along("vsplit", input, indices_or_sections, 0, 2)


def dsplit(input, indices_or_sections):  # noqa: A002
    """Split along dim 2 of a tensor of 3 or more dims."""
    return _split_along("dsplit", input, indices_or_sections, 2, 3)


row_stack = vstack


class NarrowCopy(Primitive):
    """out = a copy of x[..., start:start + length, ...] along dim;  grad_x = g in that slice, 0 elsewhere"""

    one_tensor_input = True

    @staticmethod
    def forward(ctx, x, dim, start, length):
        key = (slice(None),) * dim + (slice(start, start + length),)
        ctx.shape, ctx.key = x.shape, key  # (read back only in backward: without a graph ctx keeps nothing)
        return x[key].copy()

    @staticmethod
    def backward(ctx, g):
        grad = np.zeros(ctx.shape, g.dtype)
        grad[ctx.key] = g
        return grad, None, None, None


def narrow_copy(input, dim, start, length):  # noqa: A002
    """narrow, as a new tensor rather than a view."""
    view = narrow(input, dim, start, length)  # narrow's checks and messages
    d = input._dim(dim)
    return NarrowCopy.apply(input, d, start if start >= 0 else start + input.shape[d], view.shape[d])


class Unfold(Primitive):
    """out[..., w, ..., j] = x[..., w·step + j, ...] along dim: every window, as a new last dim;
    grad_x = each window's gradient added back where the window was read (windows may overlap)"""

    one_tensor_input = True
    node_name = "UnfoldBackward0"

    @staticmethod
    def forward(ctx, x, dim, size, step):
        windows = np.lib.stride_tricks.sliding_window_view(x, size, axis=dim)
        ctx.shape, ctx.dim, ctx.size, ctx.step = x.shape, dim, size, step
        return np.ascontiguousarray(np.take(windows, np.arange(0, x.shape[dim] - size + 1, step), axis=dim))

    @staticmethod
    def backward(ctx, g):
        grad = np.zeros(ctx.shape, g.dtype)
        moved = np.moveaxis(grad, ctx.dim, -1)
        g = np.moveaxis(g, ctx.dim, -2)  # (..., windows, size)
        for w in range(g.shape[-2]):
            moved[..., w * ctx.step:w * ctx.step + ctx.size] += g[..., w, :]
        return grad, None, None, None


def unfold(self, dimension, size, step):
    """Every window of ``size`` elements along ``dimension``, ``step`` apart: that dim becomes the number
    of windows and a new last dim holds each window."""
    d = self._dim(dimension) if self.dim() else 0
    length = self.shape[d] if self.dim() else 1
    if size > length:
        raise RuntimeError(f"maximum size for tensor at dimension {d} is {length} but size is {size}")
    if step <= 0:
        raise RuntimeError(f"step is {step} but must be > 0")
    if self.dim() == 0:
        return self.reshape(1)
    return Unfold.apply(self, d, size, step)


def as_strided(input, size, stride, storage_offset=None):  # noqa: A002
    """The elements a tensor of ``size`` with these element ``stride``s would read from input's contiguous
    storage, starting at ``storage_offset``. A copy (glassgrad keeps no shared storage): the gradient of
    each element read flows back to where it was read, summed where windows overlap."""
    size, stride = tuple(size), tuple(stride)
    if len(size) != len(stride):
        raise RuntimeError("mismatch in length of strides and shape")
    offset = storage_offset or 0
    index = np.full(size, offset, np.int64)
    for axis, (n, s) in enumerate(zip(size, stride)):
        index += (np.arange(n) * s).reshape((1,) * axis + (n,) + (1,) * (len(size) - axis - 1))
    if index.size and (index.max() >= input.numel() or index.min() < 0):
        raise RuntimeError(f"setStorage: sizes {list(size)}, strides {list(stride)}, storage offset {offset}, "
                           f"and itemsize {input._array.itemsize} requiring a storage size of "
                           f"{(index.max() + 1) * input._array.itemsize} are out of bounds for storage of size "
                           f"{input.numel() * input._array.itemsize}")
    return take(input.contiguous(), Tensor._wrap(index))


# --- searching ------------------------------------------------------------------------------------------
def _positions(sequence: np.ndarray, values, right: bool, out_int32: bool, sorter=None) -> Tensor:
    side = "right" if right else "left"
    if sequence.ndim <= 1:
        if sorter is not None:
            found = np.searchsorted(sequence, values, side=side, sorter=sorter)
        else:
            found = np.searchsorted(sequence, values, side=side)
    else:
        values = np.asarray(values)
        rows_seq = sequence.reshape(-1, sequence.shape[-1])
        rows_val = values.reshape(rows_seq.shape[0], -1)
        found = np.stack([np.searchsorted(s[sorter_row] if sorter_row is not None else s, v, side=side)
                          for s, v, sorter_row in zip(rows_seq, rows_val,
                                                      sorter.reshape(rows_seq.shape) if sorter is not None
                                                      else [None] * len(rows_seq))]).reshape(values.shape)
    return Tensor._wrap(np.asarray(found, np.int32 if out_int32 else np.int64))


def bucketize(input, boundaries, *, out_int32=False, right=False, out=None):  # noqa: A002
    """For each x, the index i of the bucket boundaries[i-1] < x ≤ boundaries[i] (< and ≤ swap when
    ``right``); ``boundaries`` is 1-d and sorted."""
    if boundaries.dim() != 1:
        raise RuntimeError(f"boundaries tensor must be 1 dimension, but got dim({boundaries.dim()})")
    values = input._array if isinstance(input, Tensor) else input
    result = _positions(boundaries._array, values, right, out_int32)
    if out is not None:
        out.copy_(result)
        return out
    return result


def searchsorted(sorted_sequence, input, *, out_int32=False, right=False, side=None, sorter=None,  # noqa: A002
                 out=None):
    """Where each value would be inserted to keep ``sorted_sequence`` sorted (along its last dim, row by
    row when it has more than one): the first such place, or the last with ``right=True``/``side='right'``."""
    if side is not None:
        if side not in ("left", "right"):
            raise RuntimeError(f"torch.searchsorted(): side can only be 'left' or 'right' but got {side}")
        if right and side == "left":
            raise RuntimeError("torch.searchsorted(): side and right can't be set to opposites, got side of left"
                               " while right was True")
        right = side == "right"
    seq = sorted_sequence._array
    values = input._array if isinstance(input, Tensor) else input
    if seq.ndim > 1 and (np.ndim(values) == 0 or np.shape(values)[:-1] != seq.shape[:-1]):
        raise RuntimeError("torch.searchsorted(): boundaries tensor should be 1 dimension or the first N-1 "
                           "dimensions of boundaries tensor and input value tensor must match, but we got "
                           f"boundaries tensor {list(seq.shape)} and input value tensor {list(np.shape(values))}")
    result = _positions(seq, values, right, out_int32, None if sorter is None else sorter._array)
    if out is not None:
        out.copy_(result)
        return out
    return result


def isin(elements, test_elements, *, assume_unique=False, invert=False):
    """A bool tensor: is each of ``elements`` among ``test_elements``?"""
    a = elements._array if isinstance(elements, Tensor) else np.asarray(elements)
    b = test_elements._array if isinstance(test_elements, Tensor) else np.asarray(test_elements)
    return Tensor._wrap(np.asarray(np.isin(a, b, assume_unique=assume_unique, invert=invert)))


def unique_consecutive(input, return_inverse=False, return_counts=False, dim=None):  # noqa: A002
    """Collapse each run of equal consecutive elements (or slices along ``dim``) to one."""
    a = input._array
    if dim is None:
        a = a.reshape(-1)
        d = 0
    else:
        d = input._dim(dim)
    moved = np.moveaxis(a, d, 0)
    n = moved.shape[0]
    if n == 0:
        starts = np.zeros(0, np.int64)
    else:
        changed = np.any((moved[1:] != moved[:-1]).reshape(n - 1, -1), axis=1)
        starts = np.concatenate([[0], np.flatnonzero(changed) + 1]).astype(np.int64)
    values = Tensor._wrap(np.moveaxis(moved[starts], 0, d).copy())
    result = [values]
    if return_inverse:
        inverse = np.cumsum(np.isin(np.arange(n), starts)) - 1
        result.append(Tensor._wrap(inverse.reshape(input._array.shape if dim is None else (n,)).astype(np.int64)))
    if return_counts:
        result.append(Tensor._wrap(np.diff(np.append(starts, n)).astype(np.int64)))
    return result[0] if len(result) == 1 else tuple(result)


# --- storage questions ----------------------------------------------------------------------------------
def data_ptr(self) -> int:
    """The address of the first element (numpy's data pointer)."""
    return self._array.__array_interface__["data"][0]


class SharedBlock(mmap.mmap):
    """Memory that other processes can map too: an anonymous file (Linux's memfd; elsewhere an unlinked
    temporary file) mapped with MAP_SHARED. ``fd`` stays open so the block can be handed to another
    process (glassgrad/multiprocessing.py sends it); it closes when the block is collected, and the
    memory goes back to the system when the last process holding a mapping or a descriptor lets go —
    no file name is ever left behind (nothing in /dev/shm to leak)."""

    @classmethod
    def new(cls, nbytes: int) -> "SharedBlock":
        if hasattr(os, "memfd_create"):
            fd = os.memfd_create("glassgrad", os.MFD_CLOEXEC)
        else:
            with tempfile.TemporaryFile() as file:  # unlinked at once: only the descriptor names it
                fd = os.dup(file.fileno())
        os.ftruncate(fd, nbytes)
        return cls.from_fd(fd, nbytes)

    @classmethod
    def from_fd(cls, fd: int, nbytes: int) -> "SharedBlock":
        """Map the block behind ``fd`` (this block owns ``fd`` from now on)."""
        # mmap keeps a duplicate of fd for itself, unless told not to (Python 3.13+): one descriptor is enough
        block = cls(fd, nbytes, trackfd=False) if sys.version_info >= (3, 13) else cls(fd, nbytes)
        block.fd = fd
        weakref.finalize(block, os.close, fd)
        return block


def shared_block(array: np.ndarray) -> "SharedBlock | None":
    """The shared block ``array``'s memory lies in (following numpy's chain of bases), or None."""
    base = array.base
    while isinstance(base, np.ndarray):
        base = base.base
    return base if isinstance(base, SharedBlock) else None


def is_shared(self) -> bool:
    """True when the numbers lie in shared memory (``share_memory_``), so other processes see them."""
    return shared_block(self._array) is not None


def share_memory_(self):
    """Move the numbers into shared memory, in place: the same Tensor object, dtype, shape and values,
    now in a ``SharedBlock`` that a child process maps too (multiprocessing.py), so an in-place update
    in one process is seen by all. As in PyTorch a view moves its whole base (``y[1:3].share_memory_()``
    shares ``y``), the gradient stays where it is, and a shared tensor returns at once.

    glassgrad has no storage object between a tensor and its numbers: another Tensor that shared this
    one's memory before the move (a view taken earlier, or the tensor a Parameter was made from) keeps
    the old, private memory. Share first, then take views."""
    array = self._array
    if type(array) is not np.ndarray:
        raise RuntimeError("_share_fd_: only available on CPU")  # PyTorch's words, for a meta tensor
    if shared_block(array) is not None:
        return self
    root = root_array(array)
    if not (root.flags.c_contiguous or root.flags.f_contiguous):
        root = array = np.ascontiguousarray(array)  # numpy's own strided trickery: share a copy
    block = SharedBlock.new(max(root.nbytes, 1))  # mmap refuses an empty block
    moved_root = np.ndarray(root.shape, root.dtype, buffer=block, strides=root.strides)
    moved_root[...] = root
    offset = array.__array_interface__["data"][0] - root.__array_interface__["data"][0]
    self._array = np.ndarray(array.shape, array.dtype, buffer=block, offset=offset, strides=array.strides)
    if self._base is not None and self._base._array is root:
        self._base._array = moved_root
    return self


def pin_memory(self, device=None):
    """No GPU to pin for: the tensor itself."""
    return self


def apply_(self, callable):  # noqa: A002
    """Replace each element x by callable(x), in place (plain Python, slow, as PyTorch's)."""
    if self.requires_grad:
        raise TypeError("apply_ is only implemented on CPU tensors")  # PyTorch refuses tensors in the graph
    values = np.array([callable(v) for v in self._array.reshape(-1).tolist()], self._array.dtype)
    with no_grad():
        self.copy_(_tensor(values.reshape(self._array.shape)))
    return self


def map_(self, tensor, callable):  # noqa: A002
    """Replace each x by callable(x, y), y the matching element of ``tensor`` (broadcast), in place."""
    other = np.broadcast_to(tensor._array, self._array.shape)
    values = np.array([callable(x, y) for x, y in zip(self._array.reshape(-1).tolist(), other.reshape(-1).tolist())],
                      self._array.dtype)
    with no_grad():
        self.copy_(_tensor(values.reshape(self._array.shape)))
    return self


TENSOR_METHODS = {
    "kron": kron, "diag_embed": diag_embed, "diagflat": diagflat, "rot90": rot90, "hsplit": hsplit,
    "vsplit": vsplit, "dsplit": dsplit, "narrow_copy": narrow_copy, "unfold": unfold, "as_strided": as_strided,
    "bucketize": lambda self, boundaries, **kw: bucketize(self, boundaries, **kw), "isin": isin,
    "unique_consecutive": unique_consecutive, "data_ptr": data_ptr, "share_memory_": share_memory_,
    "is_shared": is_shared, "pin_memory": pin_memory, "is_pinned": lambda self, device=None: False,
    "apply_": apply_, "map_": map_,
    "nbytes": property(lambda self: self._array.nbytes, doc="Bytes the elements take: numel · itemsize."),
    "itemsize": property(lambda self: self._array.itemsize, doc="Bytes one element takes."),
}
