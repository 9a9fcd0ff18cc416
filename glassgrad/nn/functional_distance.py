"""Distances between vectors, as in ``torch.nn.functional`` and ``torch``: cosine_similarity,
pairwise_distance and cdist.

Part III, nn chapter (after functional_loss.py). The embedding losses (triplet, cosine embedding) and
retrieval code compare vectors with these:

    cosine_similarity:  cos(x1, x2) = Σ (x1/‖x1‖)·(x2/‖x2‖)      (each norm clamped at eps)
    pairwise_distance:  ‖x1 − x2 + eps‖_p  along the last dimension, row by row
    cdist:              D[i, j] = ‖x1[i] − x2[j]‖_p  for every pair of rows (a distance matrix)

cosine_similarity and pairwise_distance are compositions of differentiable ops, built as PyTorch
builds them; cdist is a ``Primitive`` whose backward states the derivative of a p-norm.
"""

from __future__ import annotations

import numpy as np

from glassgrad.autograd.function import Primitive
from glassgrad.dtypes import TORCH_NAMES
from glassgrad.ops.joining import cat
from glassgrad.ops.linalg import VectorNorm, norm
from glassgrad.tensor import Tensor

__all__ = ["cosine_similarity", "pairwise_distance", "cdist"]


def _float_common(x1: Tensor, x2: Tensor) -> tuple[Tensor, Tensor]:
    """Both tensors in their common floating dtype (integers are refused, as PyTorch refuses them)."""
    dtype = np.result_type(x1._array, x2._array)
    if dtype.kind != "f":
        raise RuntimeError("expected common dtype to be floating point, yet common dtype is "
                           + TORCH_NAMES.get(dtype.name, dtype.name))
    return (x1 if x1._array.dtype == dtype else x1.to(x2.dtype),
            x2 if x2._array.dtype == dtype else x2.to(x1.dtype))


def _check_broadcast(a: tuple, b: tuple) -> None:
    """PyTorch's error for shapes that do not broadcast, naming the first dimension that differs."""
    n = max(len(a), len(b))
    a, b = (1,) * (n - len(a)) + tuple(a), (1,) * (n - len(b)) + tuple(b)
    for dim in range(n):
        if a[dim] != b[dim] and 1 not in (a[dim], b[dim]):
            raise RuntimeError(f"The size of tensor a ({a[dim]}) must match the size of tensor b "
                               f"({b[dim]}) at non-singleton dimension {dim}")


def cosine_similarity(x1, x2, dim: int = 1, eps: float = 1e-8):
    """cos = Σ_dim (x1/max(‖x1‖, eps))·(x2/max(‖x2‖, eps)): dividing each vector by its norm first
    keeps the result in [−1, 1]. The clamp changes the value only, never the gradient's path (PyTorch
    clamps a copy of the norm under no_grad), so the gradient flows through both norms."""
    x1, x2 = _float_common(x1, x2)
    _check_broadcast(x1._array.shape, x2._array.shape)
    shape = np.broadcast_shapes(x1._array.shape, x2._array.shape)
    x1, x2 = x1.expand(shape), x2.expand(shape)
    norm1 = norm(x1, 2, dim, True)
    norm2 = norm(x2, 2, dim, True)
    norm1 = norm1 + (norm1.detach().clamp_min(eps) - norm1.detach())
    norm2 = norm2 + (norm2.detach().clamp_min(eps) - norm2.detach())
    return ((x1 / norm1) * (x2 / norm2)).sum(dim)


class PairwiseNorm(VectorNorm):
    """‖d‖_p along the last dimension of d = x1 − x2 + eps: VectorNorm's math, PyTorch's node name
    (pairwise_distance calls ``at::norm``)."""

    node_name = "NormBackward1"


def pairwise_distance(x1, x2, p: float = 2.0, eps: float = 1e-6, keepdim: bool = False):
    """‖x1 − x2 + eps‖_p over the last dimension: one distance per row (eps keeps the gradient of a
    zero difference finite)."""
    _check_broadcast(x1._array.shape, x2._array.shape)
    diff = x1 - x2 + eps
    if diff._array.dtype.kind != "f":
        raise RuntimeError("linalg.vector_norm: Expected a floating point or complex tensor as input. "
                           f"Got {TORCH_NAMES.get(diff._array.dtype.name, diff._array.dtype.name)}")
    last = max(x1.dim(), x2.dim()) - 1
    return PairwiseNorm.apply(diff, float(p), (last,) if last >= 0 else None, keepdim)


class Cdist(Primitive):
    """D[..., i, j] = (Σ_k |x1[..., i, k] − x2[..., j, k]|ᵖ)^(1/p) for each pair of rows;

        ∂D_ij/∂x1_ik = sign(δ)·|δ|ᵖ⁻¹ / D_ijᵖ⁻¹   (δ = x1_ik − x2_jk;  p = 2: δ/D_ij;  p = 1: sign δ;
                       p = inf: sign δ where |δ| = D_ij;  p = 0: 0;  0 where D_ij = 0)
        ∂D_ij/∂x2_jk = −∂D_ij/∂x1_ik

    so grad_x1 = Σ_j g_ij·∂D_ij/∂x1 and grad_x2 = −Σ_i g_ij·∂D_ij/∂x1 (then summed over broadcast
    batch dimensions)."""

    @staticmethod
    def forward(ctx, x1, x2, p):
        batch = np.broadcast_shapes(x1.shape[:-2], x2.shape[:-2])
        a = np.broadcast_to(x1, batch + x1.shape[-2:])
        b = np.broadcast_to(x2, batch + x2.shape[-2:])
        delta = a[..., :, None, :] - b[..., None, :, :]
        size = np.abs(delta)
        if p == 2:
            out = np.sqrt(np.sum(size * size, axis=-1))
        elif p == 1:
            out = np.sum(size, axis=-1)
        elif p == np.inf:
            out = np.max(size, axis=-1, initial=0)
        elif p == 0:
            out = np.sum(size != 0, axis=-1).astype(x1.dtype)
        else:
            out = np.sum(size ** p, axis=-1) ** (1.0 / p)
        out = out.astype(x1.dtype, copy=False)
        ctx.delta, ctx.out, ctx.p = delta, out, p  # (kept only when a gradient is wanted)
        ctx.shapes = (x1.shape, x2.shape)
        return out

    @staticmethod
    def backward(ctx, g):
        delta, out, p = ctx.delta, ctx.out[..., None], ctx.p
        if p == 0:
            slope = np.zeros_like(delta)
        elif p == 1:
            slope = np.sign(delta)
        elif p == np.inf:
            slope = np.sign(delta) * (np.abs(delta) == out)
        else:
            safe = np.where(out == 0, np.inf, out)  # a zero distance has gradient 0
            slope = delta / safe if p == 2 else np.sign(delta) * np.abs(delta) ** (p - 1) / safe ** (p - 1)
        weighted = g[..., None] * slope
        grad1, grad2 = weighted.sum(axis=-2), -weighted.sum(axis=-3)
        return _sum_to(grad1, ctx.shapes[0]), _sum_to(grad2, ctx.shapes[1]), None


def _sum_to(grad: np.ndarray, shape: tuple) -> np.ndarray:
    """Sum a gradient over the batch dimensions that broadcasting added or stretched."""
    extra = grad.ndim - len(shape)
    grad = grad.sum(axis=tuple(range(extra))) if extra else grad
    stretched = tuple(i for i, n in enumerate(shape) if n == 1 and grad.shape[i] != 1)
    return grad.sum(axis=stretched, keepdims=True) if stretched else grad


_COMPUTE_MODES = ("use_mm_for_euclid_dist_if_necessary", "use_mm_for_euclid_dist",
                  "donot_use_mm_for_euclid_dist")


def _euclidean_by_matmul(x1: Tensor, x2: Tensor) -> Tensor:
    """‖a − b‖² = ‖a‖² − 2⟨a, b⟩ + ‖b‖²: one matrix product, PyTorch's fast path for p = 2 (its
    rounding too: the square is clamped at 1e-30 before the root)."""
    norm1 = (x1 * x1).sum(-1, keepdim=True)
    norm2 = (x2 * x2).sum(-1, keepdim=True)
    left = cat([x1 * -2, norm1, norm1.detach() * 0 + 1], -1)
    right = cat([x2, norm2.detach() * 0 + 1, norm2], -1)
    squared = left.matmul(right.mT)
    return squared.clamp_min(1e-30).sqrt().view(squared.shape)


def cdist(x1, x2, p: float = 2.0, compute_mode: str = "use_mm_for_euclid_dist_if_necessary"):
    """The p-norm distance between every row of x1 (…, P, M) and every row of x2 (…, R, M): (…, P, R).
    For p = 2 and more than 25 rows on either side PyTorch uses the matrix-product formula
    (``compute_mode`` chooses); so does this."""
    if compute_mode not in _COMPUTE_MODES:
        raise ValueError(f"{compute_mode} is not a valid value for compute_mode")
    for name, x in (("X1", x1), ("X2", x2)):
        if x.dim() < 2:
            raise RuntimeError(f"cdist only supports at least 2D tensors, {name} got: {x.dim()}D")
        if x._array.dtype.kind != "f":
            raise RuntimeError(f"cdist only supports floating-point dtypes, {name} got: "
                               f"{TORCH_NAMES.get(x._array.dtype.name, x._array.dtype.name)}")
    if x1.shape[-1] != x2.shape[-1]:
        raise RuntimeError(f"X1 and X2 must have the same number of columns. X1: {x1.shape[-1]} "
                           f"X2: {x2.shape[-1]}")
    if p < 0:
        raise RuntimeError("cdist only supports non-negative p values")
    _check_broadcast(x1.shape[:-2], x2.shape[:-2])
    rows = max(x1.shape[-2], x2.shape[-2])
    by_matmul = p == 2 and (compute_mode == "use_mm_for_euclid_dist"
                            or compute_mode == _COMPUTE_MODES[0] and rows > 25)
    one, two = x1._array.dtype, x2._array.dtype
    if one != two:
        if by_matmul:
            raise RuntimeError(f"expected m1 and m2 to have the same dtype, but got: {one.name} != "
                               f"{two.name}".replace("float64", "double").replace("float32", "float"))
        raise RuntimeError(f"expected scalar type {TORCH_NAMES.get(one.name, one.name)} but found "
                           f"{TORCH_NAMES.get(two.name, two.name)}")
    return _euclidean_by_matmul(x1, x2) if by_matmul else Cdist.apply(x1, x2, float(p))
