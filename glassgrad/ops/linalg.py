"""Linear algebra: matmul (``@``), mm, bmm, dot, outer, einsum.

Part III. For C = A @ B, each C[i, j] = Σₖ A[i, k]·B[k, j], so ∂L/∂A = ∂L/∂C @ Bᵀ and
∂L/∂B = Aᵀ @ ∂L/∂C: the same rule as Part II's Dense layer, now for any batch of matrices.
"""

from __future__ import annotations

import numpy as np

from glassgrad.autograd.function import Function
from glassgrad.ops._util import unbroadcast
from glassgrad.tensor import Tensor

__all__ = ["matmul"]


class Matmul(Function):
    """out = a @ b (torch.matmul's rules: 1-D operands are promoted, batch dims broadcast);
    grad_a = g @ bᵀ,  grad_b = aᵀ @ g (each summed over broadcast batch dims)"""

    on_arrays = differentiable_backward = True

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return np.matmul(a, b)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        a_shape, b_shape = np.shape(a), np.shape(b)
        a2, b2 = a, b
        if len(a_shape) == 1 or len(b_shape) == 1:
            # Forward promoted 1-D operands to matrices; do the same, and restore g's lost axes.
            a2 = np.reshape(a, (1, -1)) if len(a_shape) == 1 else a
            b2 = np.reshape(b, (-1, 1)) if len(b_shape) == 1 else b
            sa, sb = np.shape(a2), np.shape(b2)
            g = np.reshape(g, np.broadcast_shapes(sa[:-2], sb[:-2]) + (sa[-2], sb[-1]))
        grad_a = grad_b = None
        if need_a:
            grad_a = unbroadcast(np.matmul(g, np.swapaxes(b2, -1, -2)), np.shape(a2))
            grad_a = np.reshape(grad_a, a_shape)
        if need_b:
            grad_b = unbroadcast(np.matmul(np.swapaxes(a2, -1, -2), g), np.shape(b2))
            grad_b = np.reshape(grad_b, b_shape)
        return grad_a, grad_b


def matmul(input, other):  # noqa: A002
    """Matrix product with broadcasting over batch dimensions, as ``torch.matmul``."""
    for name, t in (("input", input), ("other", other)):
        if not isinstance(t, Tensor):
            raise TypeError(f"matmul(): argument '{name}' must be Tensor, not {type(t).__name__}")
        if t._array.ndim == 0:
            raise RuntimeError("both arguments to matmul need to be at least 1D, but they are "
                               f"{input._array.ndim}D and {other._array.ndim}D")
    sa, sb = input._array.shape, other._array.shape
    k_a = sa[-1]
    k_b = sb[0] if len(sb) == 1 else sb[-2]
    if k_a != k_b:
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({_mat(sa)} and {_mat(sb)})")
    if input._array.dtype != other._array.dtype:
        raise RuntimeError(f"expected both operands of matmul to have the same dtype, but got: "
                           f"{input._array.dtype} != {other._array.dtype}")
    return Matmul.apply(input, other)


def _mat(shape: tuple) -> str:
    rows = int(np.prod(shape[:-1])) if len(shape) > 1 else 1
    return f"{rows}x{shape[-1]}"


TENSOR_METHODS = {"matmul": matmul, "__matmul__": matmul,
                  "__rmatmul__": lambda self, other: matmul(other, self)}

NUMPY = {np.matmul: matmul}
