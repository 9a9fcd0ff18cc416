"""``vmap`` that batches: a ``BatchedTensor`` stands for every slice at once, and each op runs once on
the whole batch.

Part III, beside ``func.py`` (whose ``vmap`` this is). ``vmap(f)(x)`` does not call ``f`` once per slice
of ``x``: it calls ``f`` once, with a ``BatchedTensor`` in place of ``x``. That object holds the
*physical* tensor ``x`` (batch dimension moved to the front) but reports the *logical* shape of one slice
(``shape``, ``size()``, ``dim()``, ``dtype`` ...). Every glassgrad function or method it meets reaches
``BatchedTensor.__torch_function__`` (``overrides.py``), which looks up a *batching rule*: how to compute
the op for every sample with one call on the physical tensor. Examples, with B the batch size:

- ``tanh(x)``: ``tanh`` of the physical (B, ...) tensor: elementwise ops do not care about the extra dim;
- ``x + y`` with ``x`` batched, logical shape (3,), and ``y`` plain of shape (2, 3): the physical (B, 3)
  is viewed as (B, 1, 3) first, so right-aligned broadcasting still pairs each sample with all of ``y``;
- ``x.sum(0)``: ``sum(1)`` of the physical tensor (non-negative dims shift by one);
- ``F.linear(x, W, b)`` with ``x`` batched: ``F.linear`` of the physical (B, in) tensor: ONE matrix
  product for the batch, as PyTorch's vmap does (the same numbers as ``F.linear`` of the whole batch).

An op without a rule falls back to a loop: the op once per sample, the answers stacked (PyTorch does
the same and warns; glassgrad stays silent).

Nested ``vmap``: each call is a new *level*. A BatchedTensor's physical value may itself be a
BatchedTensor of a lower level; an op peels the highest level among its arguments and runs on the
values, which dispatch again for the lower levels.

``grad``, ``vjp`` and ``jacrev`` inside ``vmap`` (``func.py``) differentiate the physical tensors:
samples never meet inside ``vmap``, so the gradient of the *summed* physical output with respect to the
physical input is every sample's own gradient (``physical_inputs`` / ``wrap_like`` below help them).
"""

from __future__ import annotations

import functools
import itertools
import string
import sys

import numpy as np

from glassgrad import overrides
from glassgrad.creation import ones_like
from glassgrad.ops.joining import stack
from glassgrad.tensor import Size, Tensor

__all__ = ["BatchedTensor", "per_sample", "running", "vmap"]


# --- the vmap levels in progress ---------------------------------------------------------------------------
class _Level:
    """One running ``vmap``: its batch size and its ``randomness`` mode."""

    def __init__(self, size: int, randomness: str) -> None:
        self.size = size
        self.randomness = randomness


_LEVELS: dict = {}          # level number -> _Level, while that vmap runs
_COUNTER = itertools.count(1)

def running() -> bool:
    """True inside some ``vmap``."""
    return bool(_LEVELS)


_RANDOM_ERROR = ("vmap: called random operation while in randomness error mode. Please either use the 'same' or "
                 "'different' randomness flags on vmap or perform the randomness operation out of vmap")


# --- the batched tensor --------------------------------------------------------------------------------------
class BatchedTensor(Tensor):
    """Every sample of one vmap level at once: ``_value`` is the physical tensor (batch dim first), and
    the tensor itself reports one sample's shape and dtype (``_logical``, a zero-cost broadcast array of
    that shape). It has no numbers of its own: a glassgrad function that reads ``_array`` without going
    through ``__torch_function__`` gets an error naming the problem, never the wrong numbers."""

    __slots__ = ("_value", "_level", "_logical")

    @property
    def _array(self):
        raise RuntimeError("vmap: a glassgrad function read the numbers of a BatchedTensor directly, without "
                           "__torch_function__ dispatch (it was called from inside glassgrad, not through a "
                           "torch-shaped namespace such as torch.* or torch.nn.functional.*): it cannot be "
                           "batched. Please report it.")

    @property
    def shape(self) -> Size:
        return Size(self._logical.shape)

    @property
    def dtype(self):
        return self._value.dtype

    @property
    def device(self):
        return self._value.device

    @property
    def is_meta(self) -> bool:
        return self._value.is_meta

    @property
    def ndim(self) -> int:
        return self._logical.ndim

    def _dim(self, dim: int) -> int:
        n = max(self._logical.ndim, 1)
        if not -n <= dim < n:
            raise IndexError(f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], "
                             f"but got {dim})")
        return dim % n

    @classmethod
    def __torch_function__(cls, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        level = _top_level((args, kwargs))
        rule = _BY_FUNCTION.get(func)
        if rule is None:
            rule = _RULES.get(func.__name__)
        if rule is not None:
            result = rule(func, level, args, kwargs)
            if result is not NotImplemented:
                return result
        return per_sample(func, level, args, kwargs)

    # what a vmapped program may ask of one sample: answered without an op
    @property
    def requires_grad(self) -> bool:
        return self._value.requires_grad

    @requires_grad.setter
    def requires_grad(self, value: bool) -> None:
        self._value.requires_grad = value

    @property
    def grad_fn(self):
        return self._value.grad_fn

    @property
    def is_leaf(self) -> bool:
        return self._value.is_leaf

    def size(self, dim: int | None = None):
        return Size(self._logical.shape) if dim is None else self._logical.shape[self._dim(dim)]

    def dim(self) -> int:
        return self._logical.ndim

    ndimension = dim

    def numel(self) -> int:
        return self._logical.size

    nelement = numel

    def __len__(self) -> int:
        if self._logical.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._logical.shape[0]

    def __iter__(self):
        return iter(self.unbind(0))

    def item(self):
        raise RuntimeError("vmap: It looks like you're calling .item() on a Tensor. We don't support vmap over "
                           "calling .item() on a Tensor, please try to rewrite what you're doing with other "
                           "operations. If error is occurring somewhere inside PyTorch internals, please file a bug "
                           "report.")

    def __bool__(self) -> bool:
        raise RuntimeError("vmap: It looks like you're attempting to use a Tensor in some data-dependent control "
                           "flow. We don't support that yet, please file an issue at "
                           "https://github.com/pytorch/pytorch/issues .")

    __float__ = __int__ = __index__ = item

    def _no_storage(self, *args, **kwargs):
        raise RuntimeError("Cannot access data pointer of Tensor that doesn't have storage")

    tolist = numpy = __array__ = _no_storage

    def __repr__(self) -> str:
        inner = "\n".join("    " + line for line in repr(self._value).splitlines())
        return f"BatchedTensor(lvl={self._level}, bdim=0, value=\n{inner}\n)"


def batched(value: Tensor, level: int) -> BatchedTensor:
    """``value`` (batch dim first) as a BatchedTensor of ``level``."""
    t = _new_batched(BatchedTensor)
    for name, default in _FIELDS:
        setattr(t, name, default() if callable(default) else default)
    t._value = value
    t._level = level
    t._logical = np.broadcast_to(np.zeros((), _numpy_dtype(value)), tuple(value.shape)[1:])
    return t


_new_batched = object.__new__
# Tensor's fields but its numbers, as Tensor._wrap sets them
_FIELDS = (("_requires_grad", False), ("_grad", None), ("_grad_fn", None), ("_vc", lambda: [0]), ("_base", None),
           ("_seen_base", False), ("_hooks", None), ("_retains_grad", False), ("_accumulator", None))


def _numpy_dtype(t):
    return t._logical.dtype if type(t) is BatchedTensor else t._array.dtype


# --- nests, levels, peeling ----------------------------------------------------------------------------------
def _leaves(tree) -> list:
    """The tensors of a nested tuple/list/dict, in order."""
    if isinstance(tree, Tensor):
        return [tree]
    if isinstance(tree, (tuple, list)):
        return [leaf for item in tree for leaf in _leaves(item)]
    if isinstance(tree, dict):
        return [leaf for item in tree.values() for leaf in _leaves(item)]
    return []


def _map(fn, tree):
    """The same nesting with ``fn`` applied to every tensor (named tuples stay named tuples)."""
    if isinstance(tree, Tensor):
        return fn(tree)
    if isinstance(tree, tuple) and hasattr(tree, "_fields"):  # a named tuple (torch.max's values, indices)
        return type(tree)(*(_map(fn, item) for item in tree))
    if isinstance(tree, (tuple, list)):
        return type(tree)(_map(fn, item) for item in tree)
    if isinstance(tree, dict):
        return {key: _map(fn, item) for key, item in tree.items()}
    return tree


def _top_level(tree) -> int:
    return max((t._level for t in _leaves(tree) if type(t) is BatchedTensor), default=0)


def levels_of(t) -> list:
    """The levels a tensor is batched at, outermost wrapper first (highest level first)."""
    out = []
    while type(t) is BatchedTensor:
        out.append(t._level)
        t = t._value
    return out


def _is_at(t, level: int) -> bool:
    return type(t) is BatchedTensor and t._level == level


def _peel(t, level: int):
    """The physical value of ``t`` at ``level`` (batch dim first), or ``t`` itself when not batched there."""
    return t._value if _is_at(t, level) else t


def _expanded(t, level: int):
    """The physical value at ``level``; a tensor not batched there is expanded to the batch (no copy)."""
    if _is_at(t, level):
        return t._value
    return t.unsqueeze(0).expand((_LEVELS[level].size,) + tuple(t.shape))


def _wrap_result(result, level: int):
    return _map(lambda t: batched(t, level), result)


def _call(func, *args, **kwargs):
    """``func`` (imported here from ops/, so not a dispatching wrapper) called as the torch namespace's
    function would be: a lower level's BatchedTensor among the arguments takes the call over."""
    if overrides.has_torch_function(_leaves((args, kwargs))):
        return overrides.handle_torch_function(_dispatching(func), _leaves((args, kwargs)), *args, **kwargs)
    return func(*args, **kwargs)


def _dispatching(func):
    """``func`` as a rule receives it: calling it dispatches again (for the levels below)."""
    def call(*args, **kwargs):
        return _call(func, *args, **kwargs)
    call.__name__ = func.__name__
    return call


# --- the fallback: one call per sample -------------------------------------------------------------------------
def per_sample(func, level: int, args, kwargs):
    """``func`` once per sample of ``level`` (the other levels' tensors passed as they are), the tensor
    results stacked and batched again; a non-tensor result must be the same for every sample."""
    size = _LEVELS[level].size
    results = []
    for i in range(size):
        pick = (lambda t: t._value[i] if _is_at(t, level) else t)
        results.append(func(*_map(pick, args), **_map(pick, kwargs)))
    first = results[0]
    if isinstance(first, Tensor) or _leaves(first):
        columns = iter([batched(_call(stack, list(col)), level) for col in zip(*[_leaves(r) for r in results])])
        return _map(lambda _: next(columns), first)
    if any(r != first for r in results[1:]):
        raise RuntimeError(f"vmap: {_name(func)} gave a different non-tensor answer for each sample")
    return first


# --- rules ----------------------------------------------------------------------------------------------------
def _logical_dim(t) -> int:
    return t.dim() if isinstance(t, Tensor) else 0


def _align(t, level: int, rank: int):
    """The physical value at ``level`` viewed with 1s after the batch dim up to ``rank`` logical dims."""
    if not _is_at(t, level):
        return t
    value = t._value
    for _ in range(rank - t.dim()):
        value = value.unsqueeze(1)
    return value


def _elementwise(func, level, args, kwargs):
    """Elementwise ops and operators: the batched operands aligned to the highest logical rank, then one
    call (right-aligned broadcasting pairs each sample with the unbatched operands)."""
    tensors = [t for t in list(args) + list(kwargs.values()) if isinstance(t, Tensor)]
    rank = max(t.dim() for t in tensors)
    if func.__name__.endswith("_") and not func.__name__.endswith("__"):   # in place: self is written
        self = args[0]
        if not _is_at(self, level):
            shape = (_LEVELS[level].size,) + tuple(self.shape)
            raise RuntimeError(f"output with shape {list(self.shape)} doesn't match the broadcast shape "
                               f"{list(shape)}")
        if rank > self.dim():
            return NotImplemented
        func(self._value, *[_align(a, level, rank) for a in args[1:]],
             **{k: _align(v, level, rank) for k, v in kwargs.items()})
        return self
    out = func(*[_align(a, level, rank) for a in args], **{k: _align(v, level, rank) for k, v in kwargs.items()})
    return _wrap_result(out, level)


def _unary(func, level, args, kwargs):
    """Ops of one tensor with no dimension argument (detach, clone, to, contiguous ...)."""
    if any(isinstance(a, Tensor) and not _is_at(a, level) for a in list(args[1:]) + list(kwargs.values())):
        return NotImplemented
    if not _is_at(args[0], level):
        return NotImplemented
    return _wrap_result(func(args[0]._value, *args[1:], **kwargs), level)


def _requires_grad_(func, level, args, kwargs):
    func(args[0]._value, *args[1:], **kwargs)
    return args[0]


def _shift(dim: int, rank: int) -> int:
    """A logical dim (of a tensor with ``rank`` dims) as the physical one."""
    n = max(rank, 1)
    if not -n <= dim < n:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], but got {dim})")
    return dim % n + 1


def _dim_rule(all_dims_when_none: bool):
    """Ops of one tensor with a ``dim`` (args[1] or keyword): the dim shifted past the batch dim; with no
    dim, every logical dim (reductions) or the fallback."""
    def rule(func, level, args, kwargs):
        self = args[0]
        if not _is_at(self, level) or self.dim() == 0:
            return NotImplemented
        if any(isinstance(a, Tensor) for a in list(args[1:]) + list(kwargs.values())):
            return NotImplemented
        in_kwargs = "dim" in kwargs
        dim = kwargs["dim"] if in_kwargs else args[1] if len(args) > 1 else None
        if dim is None:
            if not all_dims_when_none:
                return NotImplemented
            dim = tuple(range(self.dim()))
        if isinstance(dim, bool) or not isinstance(dim, (int, tuple, list)):
            return NotImplemented
        shifted = _shift(dim, self.dim()) if isinstance(dim, int) else tuple(_shift(d, self.dim()) for d in dim)
        rest = args[2:] if len(args) > 1 else ()
        kwargs = {k: v for k, v in kwargs.items() if k != "dim"}
        return _wrap_result(func(self._value, shifted, *rest, **kwargs), level)
    return rule


def _max_min(func, level, args, kwargs):
    if len(args) > 1 and isinstance(args[1], Tensor) or "other" in kwargs:
        return _elementwise(func, level, args, kwargs)
    return _dim_rule(False)(func, level, args, kwargs)


def _sizes(args) -> tuple:
    """``view(2, 3)`` or ``view((2, 3))``: the sizes as one tuple."""
    return tuple(args[0]) if len(args) == 1 and isinstance(args[0], (tuple, list, Size)) else tuple(args)


def _batched_self(rule):
    """A shape rule for a batched ``self`` with no other batched tensor; else the fallback."""
    def checked(func, level, args, kwargs):
        if not _is_at(args[0], level) or _top_level((args[1:], kwargs)) == level:
            return NotImplemented
        return rule(func, level, args[0], args[1:], kwargs)
    return checked


@_batched_self
def _reshape(func, level, self, rest, kwargs):
    shape = _sizes(rest) if rest else tuple(kwargs.get("shape", ()))
    return batched(func(self._value, (self._value.shape[0],) + shape), level)


@_batched_self
def _reshape_as(func, level, self, rest, kwargs):
    return batched(self._value.reshape((self._value.shape[0],) + tuple(rest[0].shape)), level)


@_batched_self
def _flatten(func, level, self, rest, kwargs):
    start = rest[0] if rest else kwargs.get("start_dim", 0)
    end = rest[1] if len(rest) > 1 else kwargs.get("end_dim", -1)
    if self.dim() == 0:
        return batched(self._value.reshape(-1, 1), level)
    return batched(self._value.flatten(_shift(start, self.dim()), _shift(end, self.dim())), level)


@_batched_self
def _unsqueeze(func, level, self, rest, kwargs):
    dim = rest[0] if rest else kwargs["dim"]
    return batched(self._value.unsqueeze(_shift(dim, self.dim() + 1)), level)


@_batched_self
def _squeeze(func, level, self, rest, kwargs):
    dim = rest[0] if rest else kwargs.get("dim")
    if dim is None:
        return batched(self._value.reshape((self._value.shape[0],) + tuple(n for n in self.shape if n != 1)), level)
    dims = (dim,) if isinstance(dim, int) else tuple(dim)
    return batched(self._value.squeeze(tuple(_shift(d, self.dim()) for d in dims)), level)


@_batched_self
def _permute(func, level, self, rest, kwargs):
    dims = _sizes(rest) if rest else tuple(kwargs["dims"])
    return batched(self._value.permute((0,) + tuple(_shift(d, self.dim()) for d in dims)), level)


@_batched_self
def _two_dims(func, level, self, rest, kwargs):
    """transpose / swapaxes / movedim: two dim arguments (ints, or tuples for movedim)."""
    values = list(rest) + list(kwargs.values())
    shifted = [_shift(d, self.dim()) if isinstance(d, int) else tuple(_shift(e, self.dim()) for e in d)
               for d in values]
    return batched(func(self._value, *shifted), level)


@_batched_self
def _t(func, level, self, rest, kwargs):
    if self.dim() < 2:
        return self
    return batched(self._value.transpose(1, 2), level)


@_batched_self
def _reverse_dims(func, level, self, rest, kwargs):
    """``x.T`` (every dim reversed) and ``x.mT`` (the last two swapped)."""
    n = self.dim()
    if func.__name__ == "mT":
        return batched(self._value.transpose(-1, -2), level)
    return batched(self._value.permute((0,) + tuple(range(n, 0, -1))), level)


@_batched_self
def _expand(func, level, self, rest, kwargs):
    sizes = _sizes(rest) if rest else tuple(kwargs["size"])
    value = _align(self, level, len(sizes))
    return batched(value.expand((value.shape[0],) + sizes), level)


@_batched_self
def _expand_as(func, level, self, rest, kwargs):
    sizes = tuple(rest[0].shape)
    value = _align(self, level, len(sizes))
    return batched(value.expand((value.shape[0],) + sizes), level)


@_batched_self
def _select_like(func, level, self, rest, kwargs):
    """select / narrow / split / chunk / unbind ...: the first dim-like argument shifted."""
    names = {"select": 0, "narrow": 0, "unbind": 0, "split": 1, "chunk": 1, "tensor_split": 1}
    position = names[func.__name__]
    rest = list(rest)
    if "dim" in kwargs:
        kwargs = dict(kwargs, dim=_shift(kwargs["dim"], self.dim()))
    elif len(rest) > position:
        rest[position] = _shift(rest[position], self.dim())
    else:
        kwargs = dict(kwargs, dim=1)   # the default dim 0, shifted
    return _wrap_result(func(self._value, *rest, **kwargs), level)


def _getitem(func, level, args, kwargs):
    self, index = args[0], args[1]
    if not _is_at(self, level):
        return NotImplemented
    items = index if isinstance(index, tuple) else (index,)
    if not all(i is None or i is Ellipsis or isinstance(i, (int, slice)) and not isinstance(i, bool)
               for i in items):
        return NotImplemented
    return batched(self._value[(slice(None),) + items], level)


def _join(func, level, args, kwargs):
    """cat / stack: every operand expanded to the batch, the dim shifted (stack's counts the new dim)."""
    tensors = args[0] if args else kwargs["tensors"]
    dim = args[1] if len(args) > 1 else kwargs.get("dim", 0)
    if not isinstance(tensors, (list, tuple)) or not tensors:
        return NotImplemented
    rank = max(t.dim() for t in tensors) + (func.__name__ == "stack")
    values = [_expanded(t, level) for t in tensors]
    return batched(func(values, _shift(dim, rank)), level)


def _matmul(func, level, args, kwargs):
    """matmul / mm / bmm / @: batched dims lined up on the left; one matrix product for the batch."""
    a, b = args[0], args[1]
    if kwargs or len(args) != 2:
        return NotImplemented
    ra, rb = a.dim(), b.dim()
    if ra == 0 or rb == 0:
        return NotImplemented
    if _is_at(a, level) and not _is_at(b, level):
        if ra == 1 and rb > 2:
            return NotImplemented
        return batched(_align(a, level, max(ra, rb)) @ b if ra >= 2 else a._value @ b, level)
    if _is_at(b, level) and not _is_at(a, level):
        if rb == 1:  # (..., k) @ (B, k): each sample's vector as a column
            column = b._value.unsqueeze(-1)
            for _ in range(ra - 2):
                column = column.unsqueeze(1)
            return batched((a @ column).squeeze(-1), level)
        return batched(a @ _align(b, level, max(ra, rb)), level)
    # both batched: a vector is a one-row (left) or one-column (right) matrix, removed again after
    rank = max(ra, rb, 2)
    av = _align(a, level, rank) if ra >= 2 else a._value.unsqueeze(1)
    bv = _align(b, level, rank) if rb >= 2 else b._value.unsqueeze(-1)
    for _ in range(rank - 2):
        av = av.unsqueeze(1) if ra == 1 else av
        bv = bv.unsqueeze(1) if rb == 1 else bv
    out = av @ bv
    out = out.squeeze(-1) if rb == 1 else out
    return batched(out.squeeze(-2 if rb != 1 else -1) if ra == 1 else out, level)


def _linear(func, level, args, kwargs):
    """F.linear(x, W, b): with W and b unbatched, F.linear of the physical x (one matrix product for the
    batch); with W batched, a batched matrix product."""
    x, weight = args[0], args[1] if len(args) > 1 else kwargs["weight"]
    bias = args[2] if len(args) > 2 else kwargs.get("bias")
    if not (_is_at(weight, level) or _is_at(bias, level)):
        return batched(func(x._value, weight, bias), level) if x.dim() >= 1 else NotImplemented
    if x.dim() < 1 or weight.dim() != 2:
        return NotImplemented
    w = _expanded(weight, level).transpose(-1, -2)          # (B, in, out)
    xv = _expanded(x, level)                                 # (B, ..., in)
    for _ in range(x.dim() - 2):
        w = w.unsqueeze(1)
    out = xv.unsqueeze(1) @ w if x.dim() == 1 else xv @ w    # (B, [1 or ...], out)
    out = out.squeeze(1) if x.dim() == 1 else out
    if bias is not None:
        bv = _expanded(bias, level)
        for _ in range(x.dim() - 1):
            bv = bv.unsqueeze(1)
        out = out + bv
    return batched(out, level)


_SAMPLE_RANK = {"conv1d": 3, "conv2d": 4, "conv3d": 5, "conv_transpose1d": 3, "conv_transpose2d": 4,
                "conv_transpose3d": 5, "max_pool1d": 3, "max_pool2d": 4, "max_pool3d": 5, "avg_pool1d": 3,
                "avg_pool2d": 4, "avg_pool3d": 5, "adaptive_avg_pool1d": 3, "adaptive_avg_pool2d": 4,
                "adaptive_avg_pool3d": 5, "adaptive_max_pool1d": 3, "adaptive_max_pool2d": 4,
                "adaptive_max_pool3d": 5, "interpolate": 4, "pixel_shuffle": 4, "pixel_unshuffle": 4}


def _fold(func, level, args, kwargs):
    """Ops that treat the first dim of their input as independent samples (convolutions and pools with
    unbatched weights): the vmap batch folded into that dim, one call, then unfolded."""
    x = args[0]
    if func.__name__ in ("conv1d", "conv2d", "conv3d") and _top_level((args[1:], kwargs)) == level:
        return _grouped_conv(func, level, args, kwargs)
    if not _is_at(x, level) or _top_level((args[1:], kwargs)) == level:
        return NotImplemented
    full = _SAMPLE_RANK[func.__name__]
    if func.__name__ == "interpolate" and x.dim() + 1 != full:
        full = x.dim() + 1 if x.dim() in (3, 5) else full
    value = x._value
    if x.dim() == full - 1:       # one unbatched sample (C, ...): the vmap batch is the N
        return _wrap_result(func(value, *args[1:], **kwargs), level)
    if x.dim() != full:
        return NotImplemented
    size, n = value.shape[0], value.shape[1]
    out = func(value.reshape((size * n,) + tuple(value.shape[2:])), *args[1:], **kwargs)
    unfold = (lambda t: t.reshape((size, n) + tuple(t.shape[1:])))
    return batched(unfold(out), level) if isinstance(out, Tensor) else _wrap_result(_map(unfold, out), level)


def _grouped_conv(func, level, args, kwargs):
    """A convolution whose weight is batched (per-sample gradients, ensembles): one grouped convolution.
    The B samples' channels side by side, (N, B·C, ...), and their weights stacked, (B·O, C/g, ...), with
    B·g groups: group b·g + i sees sample b's channels of group i and only its weights."""
    names = ("input", "weight", "bias", "stride", "padding", "dilation", "groups")
    given = dict(zip(names, args), **kwargs)
    x, weight, bias, groups = given["input"], given["weight"], given.get("bias"), given.get("groups", 1)
    full = _SAMPLE_RANK[func.__name__]
    if x.dim() not in (full - 1, full) or weight.dim() != full or not isinstance(groups, int):
        return NotImplemented
    size = _LEVELS[level].size
    xv = _expanded(x, level)
    if x.dim() == full - 1:
        xv = xv.unsqueeze(1)                                           # (B, N=1, C, ...)
    n, channels = xv.shape[1], xv.shape[2]
    xv = xv.movedim(0, 1).reshape((n, size * channels) + tuple(xv.shape[3:]))
    wv = _expanded(weight, level)
    wv = wv.reshape((size * wv.shape[1],) + tuple(wv.shape[2:]))
    bv = None if bias is None else _expanded(bias, level).reshape(-1)
    rest = {k: v for k, v in given.items() if k in ("stride", "padding", "dilation")}
    out = func(xv, wv, bv, groups=size * groups, **rest)            # (N, B·O, ...)
    out = out.reshape((n, size, -1) + tuple(out.shape[2:])).movedim(1, 0)
    return batched(out.squeeze(1) if x.dim() == full - 1 else out, level)


def _einsum(func, level, args, kwargs):
    """einsum: a fresh letter for the batch dim, on every batched operand and the output."""
    equation, operands = args[0], args[1:]
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    equation = equation.replace(" ", "")
    if "->" not in equation or "..." in equation or kwargs:
        return NotImplemented
    inputs, output = equation.split("->")
    letter = next(c for c in string.ascii_letters if c not in equation)
    terms = [letter + term if _is_at(t, level) else term for term, t in zip(inputs.split(","), operands)]
    return batched(func(",".join(terms) + "->" + letter + output, *[_peel(t, level) for t in operands]), level)


def _like(func, level, args, kwargs):
    """zeros_like / ones_like / full_like / empty_like: one per sample, from the physical tensor."""
    if not _is_at(args[0], level):
        return NotImplemented
    return batched(func(args[0]._value, *args[1:], **kwargs), level)


def _random(func, level, args, kwargs):
    """Random ops (rand_like, dropout ...): the vmap's ``randomness`` decides (PyTorch's three modes)."""
    name = func.__name__
    if name in ("dropout", "dropout1d", "dropout2d", "dropout3d", "alpha_dropout", "feature_alpha_dropout"):
        training = args[2] if len(args) > 2 else kwargs.get("training", True)
        p = args[1] if len(args) > 1 else kwargs.get("p", 0.5)
        if not training or p == 0:
            return _unary(func, level, args, kwargs)
    mode = _LEVELS[level].randomness
    if mode == "error":
        raise RuntimeError(_RANDOM_ERROR)
    if mode == "different":
        return _unary(func, level, args, kwargs)
    self = args[0]  # "same": one draw for one sample's shape, shared by the batch
    if name.endswith("_like"):
        return batched(_expanded(func(self._value[0], *args[1:], **kwargs), level), level)
    mask = func(_call(ones_like, self._value[0]), *args[1:], **kwargs)
    return batched(self._value * mask, level)


def _mse_loss(func, level, args, kwargs):
    a, b = args[0], args[1] if len(args) > 1 else kwargs["target"]
    reduction = kwargs.get("reduction", args[4] if len(args) > 4 else "mean")
    if set(kwargs) - {"target", "reduction"} or len(args) > 2 and len(args) != 5:
        return NotImplemented
    rank = max(a.dim(), b.dim())
    out = func(_align(a, level, rank), _align(b, level, rank), reduction="none")
    if reduction == "none":
        return batched(out, level)
    dims = tuple(range(1, out.dim()))
    out = out if not dims else out.mean(dims) if reduction == "mean" else out.sum(dims)
    return batched(out, level)


def _cross_entropy(func, level, args, kwargs):
    """cross_entropy without class weights: per-element losses of the physical batch (classes moved to
    dim 1), then each sample's mean or sum."""
    x, target = args[0], args[1] if len(args) > 1 else kwargs["target"]
    if len(args) > 2 or set(kwargs) - {"target", "reduction", "label_smoothing"}:
        return NotImplemented
    if target.dtype.is_floating_point or x.dim() not in (1, 2):
        return NotImplemented
    reduction = kwargs.get("reduction", "mean")
    extra = {k: v for k, v in kwargs.items() if k == "label_smoothing"}
    xv, tv = _expanded(x, level), _expanded(target, level)
    if x.dim() == 1:            # one sample of C classes: (B, C) and (B,)
        out = func(xv, tv, reduction="none", **extra)
        return batched(out, level)
    out = func(xv.transpose(1, 2), tv, reduction="none", **extra)     # (B, C, N) and (B, N) -> (B, N)
    if reduction == "none":
        return batched(out, level)
    if reduction == "mean" and (type(tv) is BatchedTensor or (tv == -100).any().item()):
        return NotImplemented   # ignore_index changes the count: the fallback
    return batched(out.mean(1) if reduction == "mean" else out.sum(1), level)


_ELEMENTWISE = """abs absolute acos arccos acosh add addcdiv addcmul angle asin arcsin asinh atan arctan atan2 arctan2
atanh bitwise_and bitwise_not bitwise_or bitwise_xor ceil clamp clip clamp_min clamp_max copysign cos cosh deg2rad div
divide eq erf erfc erfinv exp exp2 expm1 float_power floor floor_divide fmax fmin fmod frac ge greater_equal gt greater
hypot isfinite isinf isnan isneginf isposinf lerp le less_equal lgamma log log10 log1p log2 logaddexp logical_and
logical_not logical_or logical_xor logit lt less masked_fill maximum minimum mul multiply nan_to_num ne not_equal neg
negative pow reciprocal relu remainder round rsqrt sigmoid sign signbit sin sinc sinh sqrt square sub subtract tan
tanh true_divide trunc where xlogy relu6 gelu silu mish elu selu celu leaky_relu hardtanh hardsigmoid hardswish
softplus softsign logsigmoid tanhshrink threshold sgn positive heaviside nextafter ldexp softshrink hardshrink
__add__ __radd__ __iadd__ __sub__ __rsub__ __isub__ __mul__ __rmul__ __imul__ __truediv__ __rtruediv__ __itruediv__
__floordiv__ __rfloordiv__ __mod__ __rmod__ __pow__ __rpow__ __ipow__ __neg__ __pos__ __abs__ __invert__ __and__
__rand__ __or__ __ror__ __xor__ __rxor__ __eq__ __ne__ __lt__ __le__ __gt__ __ge__ __lshift__ __rshift__
add_ sub_ mul_ div_ pow_ clamp_ clamp_min_ clamp_max_ neg_ exp_ log_ sqrt_ tanh_ sigmoid_ relu_ abs_ fill_ zero_
copy_ masked_fill_ lerp_ addcmul_ addcdiv_ floor_ ceil_ round_ sign_ reciprocal_ square_ sin_ cos_ where_
"""
_UNARY = """detach clone contiguous to float double half bfloat16 int long bool short char byte type type_as cpu cuda
conj resolve_conj resolve_neg""".split()
_REDUCE_ALL = "sum mean prod nansum nanmean amax amin all any std var count_nonzero logsumexp".split()
_REDUCE_DIM = "softmax log_softmax cumsum cumprod argmax argmin median logcumsumexp cummax cummin norm_except".split()

_RULES: dict = {}
_RULES.update(dict.fromkeys(_ELEMENTWISE.split(), _elementwise))
_RULES.update(dict.fromkeys(_UNARY, _unary))
_RULES.update(dict.fromkeys(_REDUCE_ALL, _dim_rule(True)))
_RULES.update(dict.fromkeys(_REDUCE_DIM, _dim_rule(False)))
_RULES.update({"max": _max_min, "min": _max_min, "requires_grad_": _requires_grad_,
               "view": _reshape, "reshape": _reshape, "view_as": _reshape_as, "reshape_as": _reshape_as,
               "flatten": _flatten, "unsqueeze": _unsqueeze, "squeeze": _squeeze, "permute": _permute,
               "transpose": _two_dims, "swapaxes": _two_dims, "swapdims": _two_dims, "movedim": _two_dims,
               "moveaxis": _two_dims, "t": _t, "expand": _expand, "expand_as": _expand_as,
               "select": _select_like, "narrow": _select_like, "split": _select_like, "chunk": _select_like,
               "unbind": _select_like, "tensor_split": _select_like, "__getitem__": _getitem, "T": _reverse_dims, "mT": _reverse_dims, "flip": _two_dims, "data": _unary,
               "cat": _join, "concat": _join, "concatenate": _join, "stack": _join,
               "matmul": _matmul, "mm": _matmul, "bmm": _matmul, "__matmul__": _matmul, "linear": _linear,
               "einsum": _einsum, "mse_loss": _mse_loss, "cross_entropy": _cross_entropy, "nll_loss": _cross_entropy})
_RULES.update(dict.fromkeys(_SAMPLE_RANK, _fold))
_RULES["__rmatmul__"] = lambda func, level, args, kwargs: _matmul(func, level, (args[1], args[0]), kwargs)

# The public names where the rules' functions live: a function's own __name__ may differ from the name
# it has there (Tensor.__rsub__ is a function named rsub), so rules are found by the function itself.
_HOMES = ("glassgrad", "glassgrad.nn.functional", "glassgrad.linalg", "glassgrad.special")
_BY_FUNCTION: dict = {}


def _named(rule, name: str):
    """``rule`` told the public ``name`` of the function it batches (the rules read ``func.__name__``)."""
    def run(func, level, args, kwargs):
        call = functools.partial(func)
        call.__name__ = name
        return rule(call, level, args, kwargs)
    return run


def _index_rules() -> None:
    """Map each dispatching function (what ``__torch_function__`` receives) to its rule, by public name:
    the Tensor methods and properties, and the functions of the torch-shaped modules. Rebuilt when the
    dispatch was installed anew (``overrides.disable()`` then ``enable()``)."""
    if vars(Tensor)["add"] in _BY_FUNCTION:
        return
    _BY_FUNCTION.clear()
    owners = [vars(Tensor)] + [vars(sys.modules[m]) for m in _HOMES if m in sys.modules]
    for name, rule in _RULES.items():
        for owner in owners:
            found = owner.get(name)
            if isinstance(found, property):
                found = found.fget
            if callable(found):
                _BY_FUNCTION[found] = _named(rule, name)
_RULES.update(dict.fromkeys("zeros_like ones_like full_like empty_like".split(), _like))
_RULES.update(dict.fromkeys("rand_like randn_like randint_like dropout dropout1d dropout2d dropout3d alpha_dropout "
                            "feature_alpha_dropout bernoulli multinomial normal_ uniform_ bernoulli_".split(), _random))


# --- vmap ----------------------------------------------------------------------------------------------------
def _name(func) -> str:
    return getattr(func, "__name__", repr(func))


def _dims_like(dims, tree, message):
    """``in_dims`` for one argument: an int/None for every tensor in it, or a nest matching it."""
    if dims is None or isinstance(dims, int):
        return _map(lambda _: dims, tree)
    if isinstance(tree, (tuple, list)) and isinstance(dims, (tuple, list)) and len(tree) == len(dims):
        return type(tree)(_dims_like(d, t, message) for d, t in zip(dims, tree))
    if isinstance(tree, dict) and isinstance(dims, dict) and set(tree) == set(dims):
        return {k: _dims_like(dims[k], tree[k], message) for k in tree}
    raise ValueError(message)


def _zip_map(fn, tree, dims):
    if isinstance(tree, Tensor):
        return fn(tree, dims)
    if isinstance(tree, (tuple, list)):
        return type(tree)(_zip_map(fn, t, d) for t, d in zip(tree, dims))
    if isinstance(tree, dict):
        return {k: _zip_map(fn, tree[k], dims[k]) for k in tree}
    return tree


def vmap(func, in_dims=0, out_dims=0, randomness: str = "error", *, chunk_size=None):
    """``func`` on every slice along ``in_dims`` (one entry per argument: an int, ``None`` for an
    argument shared by every slice, or a nest matching the argument), the results stacked along
    ``out_dims``. ``func`` runs once, on BatchedTensors; ``randomness`` is "error", "different" or "same"."""
    if randomness not in ("error", "different", "same"):
        raise RuntimeError(f"Only allowed values for randomness are 'error', 'different', or 'same'. Got "
                           f"{randomness}")

    def wrapper(*args, **kwargs):
        overrides.enable()   # the dispatch BatchedTensor needs; installed on the first vmap
        _index_rules()
        name = _name(func)
        per_arg = in_dims if isinstance(in_dims, tuple) else (in_dims,) * len(args)
        if not isinstance(in_dims, (int, tuple)) and in_dims is not None:
            raise ValueError(f"vmap({name}, in_dims={in_dims}, ...): expected `in_dims` to be int or a (potentially "
                             f"nested) tuple matching the structure of inputs, got: {type(in_dims)}.")
        if len(per_arg) != len(args):
            raise ValueError(f"vmap({name}, in_dims={in_dims}, ...)(<inputs>): in_dims is not compatible with the "
                             f"structure of `inputs`. in_dims has structure {len(per_arg)} but inputs has structure "
                             f"{len(args)}.")
        mismatch = (f"vmap({name}, in_dims={in_dims}, ...)(<inputs>): in_dims is not compatible with the structure "
                    "of `inputs`.")
        dims = [_dims_like(d, a, mismatch) for d, a in zip(per_arg, args)]
        sizes = []
        for arg, d in zip(args, dims):
            if d is not None and not isinstance(arg, (Tensor, tuple, list, dict)):
                raise ValueError(f"vmap({name}, in_dims={in_dims}, ...)(<inputs>): Got in_dim={d} for an input but "
                                 f"the input is of type {type(arg)}. We cannot vmap over non-Tensor arguments, please "
                                 "use None as the respective in_dim")
            for t, dim in zip(_leaves(arg), _leaves_of_dims(d, arg)):
                if dim is None:
                    continue
                n = t.dim()
                if not -n <= dim < n:
                    raise ValueError(f"vmap({name}, in_dims={in_dims}, ...)(<inputs>): Got in_dim={dim} for some "
                                     f"input, but that input is a Tensor of dimensionality {n} so expected in_dim to "
                                     f"satisfy -{n} <= in_dim < {n}.")
                sizes.append(t.shape[dim])
        if not sizes:
            raise ValueError(f"vmap({name}, in_dims={in_dims}, ...)(<inputs>): at least one input must be a Tensor "
                             "to vmap over (in_dims are all None)")
        if len(set(sizes)) != 1:
            raise ValueError("vmap: Expected all tensors to have the same size in the mapped dimension, got sizes "
                             f"{sizes} for the mapped dimension")
        level = next(_COUNTER)
        _LEVELS[level] = _Level(sizes[0], randomness)
        try:
            inputs = [_zip_map(lambda t, dim: t if dim is None else batched(t.movedim(dim, 0), level), a, d)
                      for a, d in zip(args, dims)]
            output = func(*inputs, **kwargs)
            return _unbatch(output, out_dims, level, name)
        finally:
            del _LEVELS[level]
    return wrapper


def _leaves_of_dims(dims, tree) -> list:
    """The in_dim of each tensor of ``tree``, in the order of ``_leaves``."""
    if isinstance(tree, Tensor):
        return [dims]
    if isinstance(tree, (tuple, list)):
        return [x for t, d in zip(tree, dims) for x in _leaves_of_dims(d, t)]
    if isinstance(tree, dict):
        return [x for k in tree for x in _leaves_of_dims(dims[k], tree[k])]
    return []


def _unbatch(output, out_dims, level: int, name: str):
    """The physical results: each output's batch dim moved to its ``out_dims`` entry (an output that does
    not depend on the batch is expanded to it)."""
    leaves = _leaves(output)
    outs = out_dims if isinstance(out_dims, tuple) else (out_dims,) * max(len(leaves), 1)
    if isinstance(output, tuple) and isinstance(out_dims, tuple) and len(out_dims) == len(output):
        outs = [x for item, d in zip(output, out_dims) for x in [d] * max(len(_leaves(item)), 1)]
    if out_dims is not None and (not leaves or len(leaves) != len(_flat_nontensor_count(output))):
        raise ValueError(f"vmap({name}, ...): `{name}` must only return Tensors, got type {type(output)}. Did you "
                         "mean to set out_dims= to None for output?")
    size = _LEVELS[level].size
    results = []
    for t, d in zip(leaves, outs):
        if d is None:
            if _is_at(t, level):
                raise ValueError(f"vmap({name}, ...): `{name}` can not return a BatchedTensor when out_dim is None")
            results.append(t)
            continue
        value = t._value if _is_at(t, level) else t.unsqueeze(0).expand((size,) + tuple(t.shape))
        results.append(value.movedim(0, d) if d != 0 else value)
    refill = iter(results)
    return _map(lambda _: next(refill), output)


def _flat_nontensor_count(tree) -> list:
    """Every leaf of ``tree`` that is not a container (tensors and anything else)."""
    if isinstance(tree, (tuple, list)):
        return [x for item in tree for x in _flat_nontensor_count(item)]
    if isinstance(tree, dict):
        return [x for item in tree.values() for x in _flat_nontensor_count(item)]
    return [tree]


# --- for the differentiating transforms (func.py) --------------------------------------------------------------
def physical_inputs(leaves: list, extra_levels=()) -> tuple:
    """The plain tensor under each leaf, batched at every level any leaf (or ``extra_levels``) has, in one
    order: ``(plains, levels)`` with ``levels`` ascending. A leaf missing a level is expanded to it."""
    levels = sorted(set(lv for t in leaves for lv in levels_of(t)) | set(extra_levels))
    plains = [_plain_at(t, levels) for t in leaves]
    return plains, levels


def _plain_at(t, levels: list):
    """``t``'s plain tensor with one leading dim per level of ``levels`` (ascending)."""
    own = levels_of(t)                        # highest first
    plain = t
    while type(plain) is BatchedTensor:
        plain = plain._value                  # dims: own levels ascending, then the logical dims
    have = sorted(own)
    for i, level in enumerate(levels):
        if level not in have:
            plain = plain.unsqueeze(i).expand(plain.shape[:i] + (_LEVELS[level].size,) + plain.shape[i:])
            have.insert(i, level)
    return plain


def wrap_levels(plain, levels: list):
    """The inverse of ``_plain_at``: ``plain`` (one leading dim per level, ascending) as BatchedTensors."""
    out = plain
    for level in levels:
        out = batched(out, level)
    return out


def output_plain(t, levels: list):
    """A (possibly batched) output as a plain tensor batched at exactly ``levels``."""
    return _plain_at(t, levels)
