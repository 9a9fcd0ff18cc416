"""In-place forms: ``x.add_(y)`` is ``x = x + y`` written into x's own memory; ``zero_``, ``fill_``,
``copy_``; the operators ``+=``, ``-=``, ``*=``, ``/=``.

Part III, ops/ reading order: _util, elementwise, unary, cast, compare, **inplace**, then reduce and
the rest (ops/__init__.py lists them all).

An in-place op is its out-of-place op followed by ``Tensor._apply_inplace``: the numbers are copied into
the tensor's own array (so views and ``from_numpy`` arrays see them), its version counter moves on (so a
backward that saved the old numbers refuses to run), and when the result has a graph the tensor becomes
its output, as PyTorch "rebases" the history. A tensor that requires grad and is a leaf can't be changed
in place while grad is on (``Tensor._check_inplace``).
"""

from __future__ import annotations

import numpy as np

from glassgrad.autograd.function import Primitive
from glassgrad.autograd.grad_mode import GRAD_MODE
from glassgrad.ops._util import operand, unbroadcast
from glassgrad.ops.elementwise import add, div, lerp, mul, pow, remainder, sub
from glassgrad.ops.unary import (abs, ceil, clamp, exp, floor, log, neg, relu, round,  # noqa: A004
                                 sigmoid, sqrt, tanh)
from glassgrad.tensor import Tensor

__all__ = ["inplace"]


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
    return method


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


def _records(self: Tensor, value=None) -> bool:
    """Whether writing into ``self`` must be recorded: grad is on, self is floating point, and self
    or the value written requires grad."""
    return (GRAD_MODE.enabled and self._array.dtype.kind == "f"
            and (self._requires_grad or (isinstance(value, Tensor) and value._requires_grad)))


def zero_(self):
    """Set every element to zero, in place."""
    self._check_inplace()
    if _records(self):
        return self._apply_inplace(Zero.apply(self))
    self._array[...] = 0
    self._vc[0] += 1
    return self


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
}
