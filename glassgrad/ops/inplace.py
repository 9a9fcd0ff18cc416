"""In-place forms: ``x.add_(y)`` is ``x = x + y`` written into x's own memory; ``zero_``, ``fill_``,
``copy_``; the operators ``+=``, ``-=``, ``*=``, ``/=``.

Part III, ops/ reading order: _util, elementwise, unary, cast, compare, **inplace**, then reduce and
the rest (ops/__init__.py lists them all).

An in-place op is its out-of-place op followed by ``Tensor._apply_inplace``: the numbers are copied into
the tensor's own array (so views and ``from_numpy`` arrays see them), its version counter moves on (so a
backward that saved the old numbers refuses to run), and when the result has a graph the tensor becomes
its output, as PyTorch "rebases" the history. A tensor that requires grad and is a leaf can't be changed
in place while grad is on (``Tensor._check_inplace``).

Writing through a *view* (``x[0].mul_(2)``, ``x[1:] += y``, ``x[i] = y``) changes the view's base too, so
the base's history is rebased as well: ``CopySlices`` records "these places of the base now hold this
value" (the gradient of the overwritten places stops there, the rest goes on to the old history), and
the view reads its places back out of the base's new history (``AsStrided``). The places are found from
the memory the view shares with its base (``view_positions``), so any chain of basic views works.
"""

from __future__ import annotations

import numpy as np

from numpy.lib.stride_tricks import as_strided

from glassgrad.autograd.function import Primitive
from glassgrad.creation import profiled
from glassgrad.autograd.grad_mode import GRAD_MODE
from glassgrad.ops._util import operand, unbroadcast
from glassgrad.ops.elementwise import add, div, lerp, mul, pow, remainder, sub
from glassgrad.ops.unary import (abs, ceil, clamp, exp, floor, log, neg, relu, round,  # noqa: A004
                                 sigmoid, sqrt, tanh)
from glassgrad.tensor import Tensor

__all__ = ["inplace", "view_positions", "record_write", "record_view", "CopySlices", "IndexPut", "AsStrided"]


def inplace(fn):
    """The in-place method of the out-of-place op ``fn``: ``x.add_(y)`` from ``add``."""
    def method(self, *args, **kwargs):
        self._check_inplace()
        if GRAD_MODE.enabled and (self._requires_grad or _any_requires_grad(args, kwargs)):
            # The op may save its input for backward, and writing the result into that very array would
            # corrupt it. PyTorch keeps a copy when the formula needs one; we hand the op a copy of the
            # numbers with the same history, so grad_fn.next_functions still point where PyTorch's do.
            before = Tensor._wrap(self._array.copy(), self._requires_grad, self.grad_fn)
            return self._apply_inplace(fn(before, *args, **kwargs))
        return self._apply_inplace(fn(self, *args, **kwargs))
    method.__name__ = fn.__name__ + "_"
    method.__doc__ = f"In-place ``{fn.__name__}``: changes this tensor and returns it."
    return profiled(f"aten::{method.__name__}")(method)


def _any_requires_grad(args: tuple, kwargs: dict) -> bool:
    return any(isinstance(a, Tensor) and a._requires_grad for a in (*args, *kwargs.values()))


# --- writing new values: the old ones get no gradient -------------------------------------------------
class Zero(Primitive):
    """x.zero_(): out = 0;  ∂out/∂x = 0"""

    @staticmethod
    def forward(ctx, x):
        return np.zeros_like(x)

    @staticmethod
    def backward(ctx, g):
        return np.zeros_like(g)


class Fill(Primitive):
    """x.fill_(v), v a number: out = v everywhere;  ∂out/∂x = 0"""

    node_name = "FillBackward2"

    @staticmethod
    def forward(ctx, x, value):
        ctx.value_shape = np.shape(value)
        return np.full(x.shape, value, dtype=x.dtype)

    @staticmethod
    def backward(ctx, g):
        return np.zeros_like(g), None


class FillTensor(Fill):
    """x.fill_(v), v a one-element tensor: also ∂L/∂v = Σ g (v was copied everywhere)"""

    node_name = "FillBackward3"

    @staticmethod
    def backward(ctx, g):
        return np.zeros_like(g), np.reshape(np.sum(g), ctx.value_shape)


class Copy(Primitive):
    """dst.copy_(src): out = src broadcast to dst's shape in dst's dtype;  ∂out/∂dst = 0,
    ∂out/∂src = g summed back to src's shape, in src's dtype"""

    node_name = "CopyBackwards"  # sic: PyTorch's name
    numbers_are_inputs = True  # x.copy_(int_tensor): the source is an input

    @staticmethod
    def forward(ctx, dst, src):
        ctx.src = (src.shape, src.dtype)
        return np.broadcast_to(src, dst.shape).astype(dst.dtype)

    @staticmethod
    def backward(ctx, g):
        shape, dtype = ctx.src
        g_src = unbroadcast(g, shape)
        if g_src.dtype != dtype:
            g_src = g_src.astype(dtype) if isinstance(g_src, np.ndarray) else g_src.to(dtype)
        return np.zeros_like(g), g_src


# --- writing into part of a tensor that is in the graph ------------------------------------------------
class CopySlices(Primitive):
    """base[places] = value, recorded on the base (``places``: row-major indices into the base).

    out = base with out.flat[places] = value (value broadcast to places' shape);
    grad_base = g with 0 at places (those elements were overwritten: their old history gets nothing);
    grad_value = g.flat[places], summed back to value's shape (and dtype).
    The numbers are already in the base's memory when this runs: forward hands the base's own array on,
    so the node records the write without copying the base.
    """

    node_name = "CopySlices"  # PyTorch's node (it prints as torch::autograd::CopySlices in name())

    @staticmethod
    def forward(ctx, base, value, places):
        ctx.places = places
        ctx.value = (np.shape(value), value.dtype if type(value) is np.ndarray else None)
        return base

    @staticmethod
    def backward(ctx, g):
        if isinstance(g, Tensor):
            return _copy_slices_backward_as_ops(ctx, g)
        need_base, need_value, _ = ctx.needs_input_grad
        grad_base = grad_value = None
        if need_base:
            grad_base = np.array(g)  # a row-major copy, so reshape(-1) below is a view of it
            grad_base.reshape(-1)[ctx.places] = 0
        if need_value:
            shape, dtype = ctx.value
            picked = np.reshape(g, -1)[ctx.places]
            if picked.ndim < len(shape):  # value had extra leading 1s (numpy and PyTorch allow them)
                picked = picked.reshape((1,) * (len(shape) - picked.ndim) + picked.shape)
            grad_value = unbroadcast(picked, shape)
            if dtype is not None and grad_value.dtype != dtype:
                grad_value = grad_value.astype(dtype)
        return grad_base, grad_value, None


def _copy_slices_backward_as_ops(ctx, g: Tensor) -> tuple:
    """CopySlices's gradients as recorded ops (create_graph=True): g times a constant 0/1 mask for the
    base, g read at the places for the value; both linear in g."""
    need_base, need_value, _ = ctx.needs_input_grad
    grad_base = grad_value = None
    if need_base:
        keep = np.ones(g._array.size, g._array.dtype)
        keep[ctx.places.reshape(-1)] = 0
        grad_base = g * Tensor._wrap(keep.reshape(g._array.shape))
    if need_value:
        shape, dtype = ctx.value
        picked = g.reshape(-1)[Tensor._wrap(np.asarray(ctx.places, np.int64))]
        if picked.dim() < len(shape):
            picked = picked.reshape((1,) * (len(shape) - picked.dim()) + tuple(picked.shape))
        grad_value = unbroadcast(picked, shape)
        if dtype is not None and grad_value._array.dtype != dtype:
            grad_value = grad_value.to(Tensor._wrap(np.zeros(0, dtype)).dtype)
    return grad_base, grad_value, None


class IndexPut(CopySlices):
    """x[index] = value with an advanced index (integer arrays, masks): the same math as CopySlices
    (a place picked twice gets g twice, as PyTorch's IndexPutBackward0)."""

    node_name = "IndexPutBackward0"


class AsStrided(Primitive):
    """A view read back out of its base after a write through it: out = base.flat[places];
    grad_base = zeros with g at places (PyTorch's AsStridedBackward0)."""

    differentiable_backward = False

    @staticmethod
    def forward(ctx, base, places):
        ctx.shape, ctx.places = base.shape, places
        return np.reshape(base, -1)[places]

    @staticmethod
    def backward(ctx, g):
        out = np.zeros(ctx.shape, g.dtype)
        np.add.at(out.reshape(-1), ctx.places, g)
        return out, None


def view_positions(view: np.ndarray, base: np.ndarray) -> np.ndarray:
    """For each element of ``view`` (an array inside ``base``'s memory), its row-major index in base.

    A view is a start address plus a stride per axis (in bytes); base's elements sit at addresses
    given by its own strides. Element (i, j, ...) of the view lies at start + i·s0 + j·s1 + ...
    """
    item = base.itemsize
    start = view.__array_interface__["data"][0] - base.__array_interface__["data"][0]
    if view.itemsize != item or start % item or any(s % item for s in view.strides + base.strides):
        raise RuntimeError("glassgrad can't find where this view lies in its base (its strides are not "
                           "whole elements): clone() it before changing it in place")
    if base.flags.c_contiguous:  # base's index of an address is its element offset: O(view size)
        pos = np.asarray(start // item, np.int64)
        for k, (n, s) in enumerate(zip(view.shape, view.strides)):
            pos = pos + (np.arange(n, dtype=np.int64) * (s // item)).reshape((n,) + (1,) * (view.ndim - k - 1))
        return np.array(np.broadcast_to(pos, view.shape))
    # Any base layout: label base's memory with each element's row-major index, then read the view's.
    lo = sum((n - 1) * s for n, s in zip(base.shape, base.strides) if s < 0)
    hi = sum((n - 1) * s for n, s in zip(base.shape, base.strides) if s > 0)
    memory = np.full((hi - lo) // item + 1, -1, np.int64)
    as_strided(memory[-lo // item:], base.shape, [s // item * 8 for s in base.strides])[...] = (
        np.arange(base.size, dtype=np.int64).reshape(base.shape))
    return as_strided(memory[(start - lo) // item:], view.shape,
                      [s // item * 8 for s in view.strides], writeable=False).copy()


def record_write(self: Tensor, places: np.ndarray, value, op=CopySlices, self_places=None) -> None:
    """Record that ``places`` of self's base (row-major indices) now hold ``value`` (already written).

    The base's history is rebased onto a ``CopySlices`` (or ``IndexPut``) node; if self is a view, its
    own history becomes "read these places of the new base" (``record_view``), as in PyTorch.
    """
    base = self._base if self._base is not None else self
    written = op.apply(base, value, places)
    base.grad_fn, base._requires_grad = written.grad_fn, True
    if self is not base:
        record_view(self, self_places)


def record_view(self: Tensor, places=None) -> None:
    """Give the view ``self`` the history "read my places (``places``, found if not given) of my
    base's current history" (AsStridedBackward0): needed once the base was rebased under it."""
    base = self._base
    if places is None:
        places = view_positions(self._array, base._array)
    self.grad_fn = AsStrided.apply(base, places).grad_fn
    self._requires_grad = True
    self._seen_base = base.grad_fn


def _refresh_view(self: Tensor) -> None:
    """A view made before its base was changed in place (through another view, or directly) reads the
    base's new history, as PyTorch regenerates a view's grad_fn when its base's version moved on."""
    if self._base._requires_grad:
        record_view(self)
    else:
        self._seen_base = self._base.grad_fn


def _write_through_view(self: Tensor, result: Tensor) -> None:
    """Tensor._apply_inplace on a view: the view's new numbers (result, already written) are a write
    into its base."""
    places = view_positions(self._array, self._base._array)
    record_write(self, places, result, self_places=places)


def _records(self: Tensor, value=None) -> bool:
    """Whether writing into ``self`` must be recorded: grad is on, self is floating point, and self
    or the value written requires grad."""
    return (GRAD_MODE.enabled and self._array.dtype.kind == "f"
            and (self._requires_grad or (isinstance(value, Tensor) and value._requires_grad)))


@profiled("aten::zero_")
def zero_(self):
    """Set every element to zero, in place."""
    self._check_inplace()
    if _records(self):
        return self._apply_inplace(Zero.apply(self))
    self._array[...] = 0
    self._vc[0] += 1
    return self


@profiled("aten::fill_")
def fill_(self, value):
    """Set every element to ``value`` (a number or a one-element tensor), in place."""
    self._check_inplace()
    if isinstance(value, Tensor) and value._array.size != 1:
        raise RuntimeError(f"fill_ only supports 0-dimension value tensor but got tensor with "
                           f"{value.dim()} dimensions.")
    if _records(self, value):
        fill = FillTensor if isinstance(value, Tensor) else Fill
        return self._apply_inplace(fill.apply(self, value))
    self._array[...] = value.item() if isinstance(value, Tensor) else value
    self._vc[0] += 1
    return self


@profiled("aten::copy_")
def copy_(self, src, non_blocking: bool = False):
    """Copy ``src``'s numbers (broadcast to this shape, cast to this dtype) into this tensor."""
    src = operand(src, "src")
    src = src if isinstance(src, Tensor) else Tensor._wrap(np.asarray(src))
    try:
        expanded = np.broadcast_to(src._array, self._array.shape)
    except ValueError:
        raise RuntimeError(f"copy_: the size of tensor a {list(self.shape)} must match the size of "
                           f"tensor b {list(src.shape)} at non-singleton dimension") from None
    if _records(self, src):
        return self._apply_inplace(Copy.apply(self, src))
    self._check_inplace()
    np.copyto(self._array, expanded, casting="unsafe")
    self._vc[0] += 1
    return self


TENSOR_METHODS = {
    "__iadd__": inplace(add), "__isub__": inplace(sub), "__imul__": inplace(mul),
    "__itruediv__": inplace(div),
    "add_": inplace(add), "sub_": inplace(sub), "mul_": inplace(mul), "div_": inplace(div),
    "pow_": inplace(pow), "remainder_": inplace(remainder), "lerp_": inplace(lerp),
    "neg_": inplace(neg), "abs_": inplace(abs), "exp_": inplace(exp), "log_": inplace(log),
    "sqrt_": inplace(sqrt), "tanh_": inplace(tanh), "sigmoid_": inplace(sigmoid), "relu_": inplace(relu),
    "clamp_": inplace(clamp), "clip_": inplace(clamp), "floor_": inplace(floor), "ceil_": inplace(ceil),
    "round_": inplace(round), "zero_": zero_, "fill_": fill_, "copy_": copy_,
    "_write_through_view": _write_through_view,  # called by Tensor._apply_inplace (tensor.py is below ops)
    "_refresh_view": _refresh_view,              # called by Function.apply and Tensor.backward
}
