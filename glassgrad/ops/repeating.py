"""Bigger tensors from repeated elements: ``repeat_interleave`` (each element k times, numpy's
``repeat``) and ``meshgrid`` (coordinate grids from 1-D tensors).

Part III, ops/ reading order: ... shape, joining, indexing, **repeating**, gather_scatter ...
(ops/__init__.py lists them all). Nothing here needs a derivative of its own: each function is built
from ops that have one, the same ones PyTorch builds it from, so ``grad_fn`` is PyTorch's too —
meshgrid is a view then an expand (ExpandBackward0), repeat_interleave by a number is
unsqueeze-expand-clone-view (ViewBackward0), by a tensor of counts an index_select.
"""

from __future__ import annotations

import numbers
import warnings

import numpy as np

from glassgrad.ops.indexing import index_select
from glassgrad.ops.shape import expand, flatten, reshape, unsqueeze
from glassgrad.ops.unary import clone
from glassgrad.tensor import Tensor

__all__ = ["repeat_interleave", "meshgrid"]


def repeat_interleave(input, repeats=None, dim=None, *, output_size=None):  # noqa: A002
    """Repeat each element (each slice along ``dim``) ``repeats`` times, in place of the original:
    [a, b] -> [a, a, b, b]. ``repeats`` is a number or one count per element; without ``dim`` the
    input is flattened first. ``repeat_interleave(counts)`` alone gives 0 counts[0] times, 1 counts[1]
    times, ... ."""
    if repeats is None:  # the one-argument form: the indices, each repeated by its count
        counts = input._array
        if counts.ndim > 1:
            raise RuntimeError("repeat_interleave only accept 1D vector as repeat")
        if counts.size and counts.min() < 0:
            raise RuntimeError("repeats can not be negative")
        return Tensor._wrap(np.repeat(np.arange(counts.size, dtype=np.int64), counts))
    if dim is None:
        input, dim = flatten(input), 0
    d = input._dim(dim)
    x = input if input._array.ndim else reshape(input, (1,))
    n = x._array.shape[d]
    if isinstance(repeats, (Tensor, list, tuple)):  # counts, one per slice (or one for all)
        counts = np.asarray(repeats._array if isinstance(repeats, Tensor) else repeats).reshape(-1)
        counts = np.broadcast_to(counts, (n,)) if counts.size == 1 else counts
        if counts.size != n:
            raise RuntimeError(f"repeats must have the same size as input along dim, but got "
                               f"repeats.size(0) = {counts.size} and input.size({dim}) = {n}")
        if counts.size and counts.min() < 0:
            raise RuntimeError("repeats can not be negative")
        return index_select(x, d, Tensor._wrap(np.repeat(np.arange(n, dtype=np.int64), counts)))
    k = int(repeats)
    if not isinstance(repeats, numbers.Integral) or k < 0:
        raise RuntimeError("Repeats must be non-negative")
    shape = list(x._array.shape)
    # x[..., i, ...] -> x[..., i, j, ...] for j < k, then merge the two dims: each slice k times in a row
    wide = expand(unsqueeze(x, d + 1), *shape[:d + 1], k, *shape[d + 1:])
    return reshape(clone(wide), (*shape[:d], n * k, *shape[d + 1:]))


def meshgrid(*tensors, indexing: str | None = None):
    """Coordinate grids: for 1-D tensors of lengths n₀, n₁, ..., the i-th output has shape
    (n₀, n₁, ...) and holds tensors[i] along dim i (``indexing='ij'``, matrix style). ``'xy'``
    (Cartesian, numpy's default) swaps the first two dims. Without ``indexing`` PyTorch uses 'ij' and
    warns that it will be required."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    if indexing is None:
        warnings.warn("torch.meshgrid: in an upcoming release, it will be required to pass the indexing "
                      "argument.", UserWarning, stacklevel=2)
        indexing = "ij"
    if indexing not in ("ij", "xy"):
        raise RuntimeError(f'torch.meshgrid: indexing must be one of "xy" or "ij", but received: '
                           f'{indexing}')
    for t in tensors:
        if t._array.ndim > 1:
            raise RuntimeError(f"torch.meshgrid: Expected 0D or 1D tensor in the tensor list but got: "
                               f"{t}")
    sizes = [t._array.size for t in tensors]
    order = list(range(len(tensors)))
    if indexing == "xy" and len(tensors) >= 2:  # x (the first input) runs along the columns
        order[0], order[1] = 1, 0
        sizes[0], sizes[1] = sizes[1], sizes[0]
    grids = []
    for t, axis in zip(tensors, order):
        shape = [1] * len(tensors)
        shape[axis] = -1
        grids.append(expand(reshape(t, tuple(shape)), *sizes))
    return tuple(grids)


TENSOR_METHODS = {"repeat_interleave": repeat_interleave}
