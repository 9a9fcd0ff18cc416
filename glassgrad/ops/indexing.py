"""Indexing: ``x[...]`` and ``x[...] = v``, index_select/index_add, masks, take, nonzero.

Part III, after ``joining.py`` (basic slicing, ``Slice``). Two kinds of index, as in numpy and PyTorch:

* *basic* — ints, slices, ``None``, ``...``: the result is a view (``joining.Slice``), and each output
  element is a different input element, so the gradient is written back at the same place;
* *advanced* — integer tensors/lists/arrays and boolean masks: the result is a copy, and one input
  element may be picked several times (``x[[0, 0, 1]]``), so backward must *add* the gradients of all
  its copies: ``np.add.at(grad_x, index, g)`` — plain ``grad_x[index] = g`` would keep only the last.

gather/scatter_add, the same idea along one dimension, and sort/topk (built on gather) come next, in
``gather_scatter.py``.
"""

from __future__ import annotations

import numbers
import re

import numpy as np

from glassgrad.dtypes import is_float
from glassgrad import dtypes
from glassgrad.autograd.function import Primitive
from glassgrad.autograd.grad_mode import GRAD_MODE
from glassgrad.ops._util import normalize_index, torch_keywords, unbroadcast
from glassgrad.ops.inplace import CopySlices, IndexPut, record_view, record_write, view_positions
from glassgrad.ops.joining import Select, Slice
from glassgrad.ops.shape import Expand, Reshape
from glassgrad.tensor import Tensor

__all__ = [
    "index_select", "index_add", "index_fill", "masked_fill", "masked_select", "take", "nonzero",
    "argwhere",
]

_ONLY = ("only integers, slices (`:`), ellipsis (`...`), None and long or byte Variables are valid "
         "indices (got {})")
_BAD_DTYPE = "tensors used as indices must be long, int, byte or bool tensors"


# --- helpers, shared with gather_scatter.py -----------------------------------------------------------
def _index_tensor(index, op: str, error=RuntimeError) -> np.ndarray:
    a = index._array if isinstance(index, Tensor) else np.asarray(index)
    if a.dtype.kind not in "iu":
        raise error(f"{op}(): Expected dtype int32/int64 for index")
    return a


def _inplace(fn):
    """The in-place method ``x.fn_(...)`` (no recording into leaves; see Tensor._check_inplace)."""
    def method(self, *args, **kwargs):
        self._check_inplace()
        return self._apply_inplace(fn(self, *args, **kwargs))
    method.__name__ = fn.__name__ + "_"
    method.__doc__ = f"In-place ``{fn.__name__}``: changes this tensor and returns it."
    return method


# --- the primitives ---------------------------------------------------------------------------------
class Index(Primitive):
    """out = x[key] for an *advanced* key (integer arrays, masks, mixed with basic parts): a copy.

    grad_x = zeros(x.shape), then add g at ``key``. An element picked k times gets k gradients,
    summed: that is ``np.add.at`` (``z[key] += g`` would count a repeated index once).
    """

    @staticmethod
    def forward(ctx, x, key):
        ctx.shape, ctx.key = x.shape, key
        return x[key]

    @staticmethod
    def backward(ctx, g):
        if type(g) is np.ndarray:
            out = np.zeros(ctx.shape, g.dtype)
            if _has_int_array(ctx.key):
                np.add.at(out, ctx.key, g)
            else:  # masks and slices never pick an element twice: plain assignment is enough
                out[ctx.key] = g
            return out, None
        return IndexBackward.apply(g, ctx.shape, ctx.key), None


class IndexBackward(Primitive):
    """out = zeros(shape) with g added at key (Index's backward as an op, for double backward);
    grad_g = upstream[key]"""

    @staticmethod
    def forward(ctx, g, shape, key):
        ctx.key = key
        out = np.zeros(shape, g.dtype)
        np.add.at(out, key, g)
        return out

    @staticmethod
    def backward(ctx, gg):
        return gg[ctx.key], None, None


class IndexSelect(Index):  # index_select(x, dim, index): PyTorch's IndexSelectBackward0
    pass


class MaskedSelect(Index):
    pass


class Take(Index):
    pass


def _has_int_array(key: tuple) -> bool:
    return any(type(k) is np.ndarray and k.dtype.kind != "b" for k in key)


class MaskedFill(Primitive):
    """out = value where mask, else x.  grad_x = g where not mask (else 0);  grad_value = Σ g over
    the masked places (when value is a 0-d tensor)"""

    @staticmethod
    def forward(ctx, x, mask, value):
        shape = np.broadcast_shapes(x.shape, mask.shape)
        ctx.mask, ctx.x_shape, ctx.v_shape = mask, x.shape, np.shape(value)
        out = np.array(np.broadcast_to(x, shape))
        np.copyto(out, value, casting="unsafe", where=mask)
        return out

    @staticmethod
    def backward(ctx, g):
        need_x, _, need_v = ctx.needs_input_grad
        return (unbroadcast(_zero_where(ctx.mask, g), ctx.x_shape) if need_x else None, None,
                np.reshape(np.sum(np.where(ctx.mask, g, 0)), ctx.v_shape) if need_v else None)


def _zero_where(mask, g):
    """g with zeros where mask: a copy and ``np.copyto(..., where=mask)`` runs about twice as fast as
    ``np.where(mask, 0, g)`` on this numpy (attention's causal mask, every backward). On tensors
    (create_graph) the plain ``np.where``, which records."""
    if type(g) is not np.ndarray:
        return np.where(mask, 0, g)
    out = np.array(np.broadcast_to(g, np.broadcast_shapes(np.shape(g), np.shape(mask))))
    np.copyto(out, 0, where=mask)
    return out


class MaskedFillTensor(MaskedFill):  # the value is a 0-d tensor: PyTorch's overload MaskedFillBackward1
    node_name = "MaskedFillBackward1"


class IndexFill(MaskedFill):  # index_fill(x, dim, index, value) is a masked_fill along one dim
    pass


class IndexFillTensor(MaskedFill):
    node_name = "IndexFillBackward1"


class IndexAdd(Primitive):
    """out = x;  out[..., index[i], ...] += alpha · source[..., i, ...]  (along dim).

    grad_x = g;  grad_source = alpha · g[..., index, ...]"""

    @staticmethod
    def forward(ctx, x, dim, index, source, alpha):
        ctx.key = key = (slice(None),) * dim + (index,)
        ctx.alpha = alpha
        out = x.copy()
        np.add.at(out, key, source * alpha if alpha != 1 else source)
        return out

    @staticmethod
    def backward(ctx, g):
        grad_src = None
        if ctx.needs_input_grad[3]:
            grad_src = g[ctx.key] if ctx.alpha == 1 else g[ctx.key] * ctx.alpha
        return g, None, None, grad_src, None


# --- x[key] ---------------------------------------------------------------------------------------
# Basic indexing is one Slice here; PyTorch does it as a chain of views and names the result's node
# after the last view that changed something: x[1:] SliceBackward0, x[0] or x[:, 0] SelectBackward0,
# x[None] UnsqueezeBackward0, and x[...] or x[:, :] (nothing to do) AliasBackward0.
class UnsqueezeIndex(Slice):
    node_name = "UnsqueezeBackward0"


class Alias(Slice):
    pass


def _basic_op(key: tuple, shape: tuple):
    """The Slice subclass named as PyTorch names ``x[key]`` (key: a tuple of ints, slices, None, ...)."""
    op, d = Alias, 0
    rest = len(shape) - sum(k is not None and k is not Ellipsis for k in key)
    for k in key:
        if k is None:
            op = UnsqueezeIndex
        elif k is Ellipsis:
            d += rest
        elif type(k) is slice:
            if k.start not in (None, 0) or k.step not in (None, 1) or (
                    k.stop is not None and d < len(shape) and k.stop < shape[d]):
                op = Slice  # a full slice (0, n, 1) is skipped: it changes nothing
            d += 1
        else:
            op, d = Select, d + 1
    return op

def _index_array(k, from_tensor: bool) -> np.ndarray:
    """An index given as a Tensor, list or array, as a numpy int64 or bool array."""
    a = k._array if from_tensor else np.asarray(k)
    kind = a.dtype.kind
    if kind == "b" or kind == "i":
        return a
    if a.dtype == np.uint8:  # PyTorch's legacy byte masks
        return a.astype(bool)
    if kind == "u":
        return a.astype(np.int64)
    if a.size == 0 and not from_tensor:  # x[[]] picks nothing
        return a.astype(np.int64)
    raise IndexError(_BAD_DTYPE)


def _parse(key) -> tuple[tuple, bool]:
    """``key`` as a tuple numpy understands, and whether it holds an advanced (array) part."""
    if type(key) is not tuple:
        key = (key,)
    out, advanced = [], False
    for k in key:
        tk = type(k)
        if tk is int or k is None or k is Ellipsis:
            out.append(k)
        elif tk is slice:
            if k.step is not None and k.step <= 0:
                raise ValueError("step must be greater than zero")
            out.append(k)
        elif isinstance(k, Tensor):
            a = k._array
            if a.ndim == 0 and a.dtype.kind in "iu":  # a 0-d integer tensor acts as an int (a view)
                out.append(int(a))
            else:
                out.append(_index_array(k, True))
                advanced = True
        elif tk is bool or tk is np.bool_:
            out.append(bool(k))
            advanced = True
        elif isinstance(k, numbers.Integral):
            out.append(int(k))
        elif isinstance(k, (list, tuple, np.ndarray, range)):  # a range is an index array, as in PyTorch
            out.append(_index_array(normalize_index(k), False))
            advanced = True
        else:
            raise IndexError(_ONLY.format(tk.__name__))
    return tuple(out), advanced


def _index_error(x: Tensor, key: tuple, e: Exception) -> Exception:
    """numpy's IndexError for ``x[key]``, in PyTorch's words."""
    msg = str(e)
    shape = x._array.shape
    if msg.startswith("too many indices"):
        if not shape:
            return IndexError("invalid index of a 0-dim tensor. Use `tensor.item()` in Python or "
                              "`tensor.item<T>()` in C++ to convert a 0-dim tensor to a number")
        return IndexError(f"too many indices for tensor of dimension {len(shape)}")
    if msg.startswith("boolean index did not match"):
        return _mask_error(shape, key) or IndexError(msg)
    m = re.match(r"shape mismatch: indexing arrays could not be broadcast together with shapes (.*)",
                 msg)
    if m:
        shapes = [list(np.shape(k)) for k in key if type(k) is np.ndarray]
        return IndexError("shape mismatch: indexing tensors could not be broadcast together with "
                          f"shapes {', '.join(map(str, shapes))}")
    return IndexError(msg.replace(" for axis ", " for dimension "))


def _mask_error(shape: tuple, key: tuple):
    """Find the mask whose shape doesn't match the dims it covers; PyTorch's message for it."""
    used = sum(0 if k is None or k is Ellipsis or type(k) is bool else
               (k.ndim if type(k) is np.ndarray and k.dtype.kind == "b" else 1) for k in key)
    d = 0
    for k in key:
        if k is Ellipsis:
            d += len(shape) - used
        elif type(k) is np.ndarray and k.dtype.kind == "b":
            for j, n in enumerate(k.shape):
                if d + j >= len(shape) or shape[d + j] != n:
                    return IndexError(f"The shape of the mask {list(k.shape)} at index {j} does not "
                                      f"match the shape of the indexed tensor {list(shape)} at index "
                                      f"{d + j}")
            d += k.ndim
        elif k is not None and type(k) is not bool:
            d += 1
    return None


def getitem(self, key):
    """``x[key]``: basic keys give a view (``shape.Slice``), advanced keys a copy (``Index``)."""
    tk = type(key)
    if tk is int or tk is slice:  # the common cases, without the general parse
        if tk is slice and key.step is not None and key.step <= 0:
            raise ValueError("step must be greater than zero")
        key, op = ((key,), Slice) if tk is slice else ((key, Ellipsis), Select)
        advanced = False
    else:
        key, advanced = _parse(key)
        op = None if advanced else _basic_op(key, self._array.shape)
    try:
        if not advanced:
            return op.apply(self, key)
        if int in map(type, key):  # PyTorch applies ints first (as selects), then the arrays
            first, key = _split_ints(key)
            self = Slice.apply(self, first)  # noqa: PLW0642 (errors below refer to this part)
        return Index.apply(self, key)
    except IndexError as e:
        raise _index_error(self, key, e) from None


def _split_ints(key: tuple) -> tuple[tuple, tuple]:
    """(basic part with the ints, the rest without them): ``x[key]`` = ``x[first][second]``.

    numpy counts an int beside an index array as one more advanced index, which moves the result's
    axes differently when the two are apart (``x[[0, 1], :, 2]``); PyTorch selects the int first.
    """
    first, second = [], []
    for k in key:
        if type(k) is int:
            first.append(k)
        elif k is None or k is Ellipsis:
            first.append(k)
            second.append(slice(None) if k is None else k)
        elif type(k) is slice:
            first.append(k)
            second.append(slice(None))
        elif type(k) is np.ndarray:
            first.extend([slice(None)] * (k.ndim if k.dtype.kind == "b" else 1))
            second.append(k)
        else:  # a bool scalar: it adds an axis in the second step
            second.append(k)
    return tuple(first), tuple(second)


def setitem(self, key, value) -> None:
    """``x[key] = value``: write into x's memory (value broadcast, cast to x's dtype).

    When x or value is in the graph, the write is recorded as PyTorch does: x's history is rebased onto
    a node that takes x's old history and the value (``inplace.CopySlices`` for a basic key,
    ``IndexPutBackward0`` for an advanced one): grad_x = g with the written places zeroed,
    grad_value = g at those places, summed back to value's shape. If x is a view, its base is
    rebased (``inplace.record_write``).
    """
    self._check_inplace()
    key, advanced = _parse(key)
    v = value._array if isinstance(value, Tensor) else value
    target, first = self._array, None
    try:
        if advanced and int in map(type, key):  # ints first, as in x[key] (see _split_ints)
            first, key = _split_ints(key)
            target = target[first]
        if not advanced and isinstance(value, Tensor) and _same_memory(target, key, v):
            # x[i] += y: Python ran x[i].__iadd__(y), which wrote into x's memory and recorded the
            # write on x's base already; this assignment of x[i] to itself changes no number. If x is
            # itself a view, its history must now read the rebased base (as value's does).
            self._vc[0] += 1
            if self._base is not None and value.grad_fn is not None and GRAD_MODE.enabled:
                record_view(self)
            return
        if isinstance(v, np.ndarray) and v.ndim and v.shape[0] == 1:
            # PyTorch drops the value's leading size-1 dimensions before broadcasting it, so
            # x[i] = model(...) with a (1, 1) output fills the one element x[i] (d2l's sequence chapter)
            lead = next((k for k, n in enumerate(v.shape) if n != 1), v.ndim)
            v = v.reshape(v.shape[lead:])
        target[key] = v
    except IndexError as e:
        raise _index_error(self, key, e) from None
    except ValueError as e:
        if "read-only" in str(e):
            raise RuntimeError("unsupported operation: more than one element of the written-to tensor "
                               "refers to a single memory location (an expand()ed tensor). Please "
                               "clone() the tensor before performing the operation.") from None
        raise RuntimeError(f"shape mismatch: value tensor of shape {list(np.shape(v))} cannot be "
                           f"broadcast to indexing result of shape {list(target[key].shape)}"
                           ) from None
    except TypeError as e:
        raise TypeError(f"can't assign a {type(value).__name__} to a {self.dtype} tensor: {e}") from None
    self._vc[0] += 1
    if GRAD_MODE.enabled and is_float(self._array.dtype) and (
            self._requires_grad or (isinstance(value, Tensor) and value._requires_grad)):
        _record_setitem(self, first, key, advanced, value)


def _same_memory(target: np.ndarray, key: tuple, v: np.ndarray) -> bool:
    """Whether ``v`` is exactly the memory ``target[key]`` (a basic key) names."""
    region = target[_as_view_key(key)]
    return (region.__array_interface__["data"][0] == v.__array_interface__["data"][0]
            and region.shape == v.shape and region.strides == v.strides)


def _as_view_key(key: tuple) -> tuple:
    """A basic key that gives a view even when it is all ints (``...`` keeps the 0-d result a view)."""
    return key if any(k is Ellipsis for k in key) else key + (Ellipsis,)


def _record_setitem(self, first, key: tuple, advanced: bool, value) -> None:
    """Record ``self[key] = value`` (already written): find the written places in self's base."""
    base = self._base if self._base is not None else self
    mine = None if base is self else view_positions(self._array, base._array)
    if not advanced:  # the written region is a view: find its places from its memory, O(region)
        places = view_positions(self._array[_as_view_key(key)], base._array)
    else:
        if mine is None:
            mine = np.arange(self._array.size, dtype=np.int64).reshape(self._array.shape)
        places = np.asarray((mine if first is None else mine[first])[key])
    # PyTorch: an advanced key on the tensor itself is index_put_ (IndexPutBackward0); a basic key, or
    # one with ints (selected first, as a view), is a copy into a view (CopySlices).
    op = IndexPut if advanced and first is None and base is self else CopySlices
    record_write(self, places, value, op, self_places=mine)


@torch_keywords
def index_select(input, dim: int, index):  # noqa: A002
    """The slices input[..., index[i], ...] along ``dim``, in order (repeats allowed)."""
    a = index._array if isinstance(index, Tensor) else np.asarray(index)
    if a.dtype.kind not in "iu":
        raise RuntimeError("index_select(): Expected dtype int32 or int64 for index")
    if a.ndim > 1:
        raise IndexError("index_select(): Index is supposed to be a vector")
    d = input._dim(dim)
    n = input._array.shape[d] if input._array.ndim else 1
    if a.size and (a.min() < 0 or a.max() >= n):
        raise IndexError("index out of range in self")
    return IndexSelect.apply(input, (slice(None),) * d + (a.reshape(-1),))


@torch_keywords
def index_add(input, dim: int, index, source, *, alpha=1):  # noqa: A002
    """out = input;  out[..., index[i], ...] += alpha · source[..., i, ...] (repeats add up)."""
    a = _index_tensor(index, "index_add_", IndexError).reshape(-1)
    d = input._dim(dim)
    ns = source._array.shape[d] if source._array.ndim else 1
    if a.size != ns:
        raise RuntimeError(f"index_add_(): Number of indices ({a.size}) should be equal to "
                           f"source.size(dim): ({ns}), for dim: {d}")
    if source._array.dtype != input._array.dtype:
        raise RuntimeError(f"index_add_(): self ({input.dtype}) and source ({source.dtype}) must have "
                           "the same scalar type")
    n = input._array.shape[d] if input._array.ndim else 1
    if a.size and (a.min() < 0 or a.max() >= n):
        raise IndexError("index out of range in self")
    return IndexAdd.apply(input, d, a, source, alpha)


@torch_keywords
def index_fill(input, dim: int, index, value):  # noqa: A002
    """out = input with the slices at ``index`` along ``dim`` set to ``value``."""
    a = _index_tensor(index, "index_fill_", IndexError).reshape(-1)
    d = input._dim(dim)
    mask = np.zeros(input._array.shape[d] if input._array.ndim else 1, bool)
    mask[a] = True
    shape = [1] * input._array.ndim
    if shape:
        shape[d] = mask.size
    return _masked_fill(input, Tensor._wrap(mask.reshape(shape)), value, IndexFill, IndexFillTensor)


# --- masks ----------------------------------------------------------------------------------------------
def masked_fill(input, mask, value):  # noqa: A002
    """out = value where mask is True, input elsewhere (mask broadcasts; value a number or 0-d
    tensor, through which the gradient also flows)."""
    return _masked_fill(input, mask, value, MaskedFill, MaskedFillTensor)


def _masked_fill(input, mask, value, op, tensor_op):  # noqa: A002
    m = mask._array if isinstance(mask, Tensor) else np.asarray(mask)
    if m.dtype != np.bool_:
        raise RuntimeError(f"masked_fill_ only supports boolean masks, but got mask with dtype "
                           f"{dtypes.from_numpy_dtype(m.dtype)}")
    try:
        np.broadcast_shapes(input._array.shape, m.shape)
    except ValueError:
        raise RuntimeError(f"masked_fill: the mask of shape {list(m.shape)} can't be broadcast to the "
                           f"tensor's shape {list(input._array.shape)}") from None
    if isinstance(value, Tensor):
        if value._array.ndim:
            raise RuntimeError(f"masked_fill_ only supports a 0-dimensional value tensor, but got "
                               f"tensor with {value._array.ndim} dimension(s).")
    elif not isinstance(value, (numbers.Number, np.bool_)):
        raise TypeError(f"masked_fill(): value must be a number or a 0-d Tensor, got "
                        f"{type(value).__name__}")
    return (tensor_op if isinstance(value, Tensor) else op).apply(input, m, value)


def masked_select(input, mask):  # noqa: A002
    """The elements where mask is True, as a 1-d tensor (input and mask broadcast together)."""
    m = mask._array if isinstance(mask, Tensor) else np.asarray(mask)
    if m.dtype != np.bool_:
        raise RuntimeError("masked_select: expected BoolTensor for mask")
    try:
        shape = np.broadcast_shapes(input._array.shape, m.shape)
    except ValueError:
        raise RuntimeError(f"masked_select: the size of tensor a {list(input._array.shape)} must match "
                           f"the size of the mask {list(m.shape)} at a non-singleton dimension") from None
    x = input if input._array.shape == shape else Expand.apply(input, shape)
    return MaskedSelect.apply(x, (np.broadcast_to(m, shape),))


def take(input, index):  # noqa: A002
    """input viewed as 1-d, then input[index] (out has index's shape; negative indices count back)."""
    a = _index_tensor(index, "take", IndexError)
    n = input._array.size
    if a.size and (a.min() < -n or a.max() >= n):
        bad = int(a.max()) if a.max() >= n else int(a.min())
        raise IndexError(f"out of range: tried to access index {bad} on a tensor of {n} elements.")
    return Take.apply(Reshape.apply(input, (n,)), (a,))


def nonzero(input, *, as_tuple: bool = False):  # noqa: A002
    """Indices of the nonzero elements: an (n, ndim) int64 tensor, or one 1-d tensor per dim."""
    a = input._array if isinstance(input, Tensor) else np.asarray(input)
    if as_tuple:
        return tuple(Tensor._wrap(i.astype(np.int64)) for i in np.nonzero(np.atleast_1d(a)))
    return Tensor._wrap(np.argwhere(a).astype(np.int64))


def argwhere(input):  # noqa: A002
    return nonzero(input)


def nonzero_static(input, *, size: int, fill_value: int = -1):  # noqa: A002
    """``nonzero`` with a fixed number of rows (a shape known in advance, as compilers want): the first
    ``size`` indices, padded with rows of ``fill_value`` when there are fewer."""
    if not isinstance(size, int) or isinstance(size, bool) or size < 0:
        raise RuntimeError("nonzero_static: 'size' must be an non-negative integer")
    found = np.argwhere(input._array).astype(np.int64)[:size]
    padding = np.full((size - found.shape[0], found.shape[1]), fill_value, np.int64)
    return Tensor._wrap(np.concatenate([found, padding]))


TENSOR_METHODS = {
    "__getitem__": getitem, "__setitem__": setitem,
    "index_select": index_select, "index_add": index_add, "index_add_": _inplace(index_add),
    "index_fill": index_fill, "index_fill_": _inplace(index_fill),
    "masked_fill": masked_fill, "masked_fill_": _inplace(masked_fill), "masked_select": masked_select,
    "take": take, "nonzero": nonzero, "argwhere": argwhere, "nonzero_static": nonzero_static,
}

# numpy -> glassgrad, so backward formulas written in numpy also run on Tensors (create_graph=True)
NUMPY = {
    np.nonzero: lambda a: nonzero(a, as_tuple=True),
    np.argwhere: argwhere,
}
