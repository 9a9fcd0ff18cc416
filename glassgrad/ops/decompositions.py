"""Functions of whole matrices, as ``torch.linalg``'s: the determinant ``det``, the singular value
decomposition ``svd`` (and ``svdvals``), and the vector ``cross`` product.

Part III, ops/ reading order: ... linalg, **decompositions**, conv ... (ops/__init__.py lists them
all). numpy's LAPACK does the factoring; the derivatives are written out below (the SVD's after
PyTorch's svd_backward: U, S and Vᵀ are three nodes whose gradients add up to its one). The SVD's need
the factorisation itself, which numpy can't take of a Tensor, so they are not differentiated again under
``create_graph=True``; det's and cross's are.
"""

from __future__ import annotations

import collections
import warnings

import numpy as np

from glassgrad import dtypes
from glassgrad.autograd.function import Primitive
from glassgrad.ops._util import unbroadcast
from glassgrad.ops.reduce import return_types
from glassgrad.tensor import Tensor

__all__ = ["LinAlgError", "det", "svd", "linalg_svd", "svdvals", "cross", "linalg_cross", "solve", "matrix_exp", "eigvalsh"]

_SCALAR_NAMES = {"i": "Long", "u": "Byte", "b": "Bool"}


class LinAlgError(RuntimeError):
    """What ``torch.linalg`` raises when a matrix can't be factored (singular, not positive-definite);
    a RuntimeError, as PyTorch's ``torch.linalg.LinAlgError``."""



def _check_matrices(name: str, a: np.ndarray, square: bool) -> None:
    if a.ndim < 2:
        raise RuntimeError(f"linalg.{name}: The input tensor A must have at least 2 dimensions.")
    if a.dtype.kind != "f":
        raise RuntimeError(f"linalg.{name}: Expected a floating point or complex tensor as input. Got "
                           f"{_SCALAR_NAMES.get(a.dtype.kind, a.dtype.name)}")
    if square and a.shape[-1] != a.shape[-2]:
        raise RuntimeError(f"linalg.{name}: A must be batches of square matrices, but they are "
                           f"{a.shape[-2]} by {a.shape[-1]} matrices")


# --- the determinant --------------------------------------------------------------------------------
def _cofactors(a: np.ndarray) -> np.ndarray:
    """The cofactor matrix C of each matrix A: ∂det(A)/∂A = C = det(A)·A⁻ᵀ.

    Written through the SVD A = U·diag(s)·Vᵀ, so it exists for singular A too:
    C = det(U)·det(Vᵀ)·U·diag(∏_{j≠i} s_j)·Vᵀ."""
    u, s, vh = np.linalg.svd(a)
    n = s.shape[-1]
    others = np.stack([np.prod(np.delete(s, i, axis=-1), axis=-1) for i in range(n)], axis=-1)
    sign = np.linalg.det(u) * np.linalg.det(vh)
    return sign[..., None, None] * (u * others[..., None, :]) @ vh


class Cofactor(Primitive):
    """C = the cofactor matrix of A = det(A)·A⁻ᵀ (what det's backward multiplies by);
    for an invertible A and upstream G:  ∂L/∂A = det(A)·(⟨G, A⁻ᵀ⟩·A⁻ᵀ - A⁻ᵀ·Gᵀ·A⁻ᵀ)

    A primitive of its own so that det's backward is recorded under ``create_graph=True`` (second
    derivatives of det); its own backward is plain numpy."""

    differentiable_backward = False

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return _cofactors(a.astype(np.float64)).astype(a.dtype)

    @staticmethod
    def backward(ctx, g):
        a, = ctx.saved_tensors
        inv_t = np.swapaxes(np.linalg.inv(a), -1, -2)
        inner = np.sum(g * inv_t, axis=(-2, -1))[..., None, None]
        return np.linalg.det(a)[..., None, None] * (inner * inv_t - inv_t @ np.swapaxes(g, -1, -2) @ inv_t)


class LinalgDet(Primitive):
    """out = det(A);  ∂out/∂A = cofactor matrix of A = det(A)·A⁻ᵀ (for invertible A)"""

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return np.asarray(np.linalg.det(a), dtype=a.dtype)

    @staticmethod
    def backward(ctx, g):
        a, = ctx.saved_tensors
        if isinstance(a, Tensor):  # create_graph=True: record the cofactors, so they differentiate too
            return g[..., None, None] * Cofactor.apply(a)
        return g[..., None, None] * _cofactors(a.astype(np.float64)).astype(a.dtype)


def det(A):  # noqa: N803
    """The determinant of a square matrix (or of each matrix in a batch)."""
    _check_matrices("det", A._array, square=True)
    return LinalgDet.apply(A)


# --- the singular value decomposition -------------------------------------------------------------------
def _named(name: str, fields: list):
    base = collections.namedtuple(name, fields)

    def __repr__(self) -> str:
        parts = ",\n".join(f"{f}={getattr(self, f)!r}" for f in fields)
        return f"{dtypes.SHOWN_AS}.return_types.{name}(\n{parts})"
    cls = type(name, (base,), {"__slots__": (), "__repr__": __repr__, "__module__": "glassgrad.return_types"})
    setattr(return_types, name, cls)  # beside max, min, sort ... (reduce.py's namespace)
    return cls


_svd_result = _named("svd", ["U", "S", "V"])
_linalg_svd_result = _named("linalg_svd", ["U", "S", "Vh"])


class LinalgSvd(Primitive):
    """S = the singular values of A = U·diag(S)·Vᵀ, in decreasing order;  ∂L/∂A = U·diag(g)·Vᵀ

    (Each σᵢ = uᵢᵀ A vᵢ, and the singular vectors' own change does not move it to first order.)"""

    differentiable_backward = False

    @staticmethod
    def forward(ctx, a, factors=None):
        u, s, vh = factors if factors is not None else np.linalg.svd(a, full_matrices=False)
        ctx.save_for_backward(u, vh)
        return s

    @staticmethod
    def backward(ctx, g):
        u, vh = ctx.saved_tensors
        return (u * np.asarray(g)[..., None, :]) @ vh, None


def _skew_over_gaps(x: np.ndarray, s: np.ndarray) -> np.ndarray:
    """(X - Xᵀ) / E with E_ij = σ_j² - σ_i² (1 on the diagonal, where X - Xᵀ is 0): how a rotation
    among singular vectors i and j costs 1/(σ_j² - σ_i²)."""
    s2 = s * s
    gaps = s2[..., None, :] - s2[..., :, None]
    k = s.shape[-1]
    gaps[..., np.arange(k), np.arange(k)] = 1
    return (x - np.swapaxes(x, -1, -2)) / gaps


class _SvdFactor(Primitive):
    """U or Vᵀ of one SVD: forward hands back the factor already computed (``full``) and keeps the
    reduced factors for backward; the two subclasses differ only in their backward (each names its
    node: a node name is never inherited)."""

    differentiable_backward = False

    @staticmethod
    def forward(ctx, a, factors, full):
        u, s, vh = factors
        ctx.save_for_backward(u, s, vh)
        return full


class LinalgSvdU(_SvdFactor):
    """U of A = U·diag(S)·Vᵀ (k = min(m, n) columns);  with J = (Uᵀ·g - gᵀ·U) / E  (see _skew_over_gaps):
    ∂L/∂A = U·(J·diag(S))·Vᵀ + (I - U·Uᵀ)·g·diag(1/S)·Vᵀ   (PyTorch's svd_backward, the U part;
    only the first k columns of a full U have a gradient, as in PyTorch)"""

    node_name = "LinalgSvdBackward0"

    @staticmethod
    def backward(ctx, g):
        u, s, vh = ctx.saved_tensors
        g = np.asarray(g)[..., :u.shape[-1]]
        core = _skew_over_gaps(np.swapaxes(u, -1, -2) @ g, s) * s[..., None, :]
        ga = u @ core @ vh
        if u.shape[-2] > s.shape[-1]:  # m > k: the part of g outside U's columns
            g_sinv = g / s[..., None, :]
            ga = ga + (g_sinv - u @ (np.swapaxes(u, -1, -2) @ g_sinv)) @ vh
        return ga, None, None


class LinalgSvdVh(_SvdFactor):
    """Vᵀ of A = U·diag(S)·Vᵀ (k rows);  with gV = gᵀ and K = (Vᵀ·gV - gVᵀ·V) / E:
    ∂L/∂A = U·(diag(S)·K)·Vᵀ + U·diag(1/S)·gVᵀ·(I - V·Vᵀ)   (PyTorch's svd_backward, the V part)"""

    node_name = "LinalgSvdBackward0"

    @staticmethod
    def backward(ctx, g):
        u, s, vh = ctx.saved_tensors
        g_vh = np.asarray(g)[..., :vh.shape[-2], :]
        core = s[..., :, None] * _skew_over_gaps(vh @ np.swapaxes(g_vh, -1, -2), s)
        ga = u @ core @ vh
        if vh.shape[-1] > s.shape[-1]:  # n > k: the part of g outside V's columns
            sinv_gvh = g_vh / s[..., :, None]
            ga = ga + u @ (sinv_gvh - (sinv_gvh @ np.swapaxes(vh, -1, -2)) @ vh)
        return ga, None, None


def _svd(A, full_matrices: bool):  # noqa: N803
    _check_matrices("svd", A._array, square=False)
    a = A._array
    u, s, vh = np.linalg.svd(a, full_matrices=full_matrices)
    k = s.shape[-1]
    reduced = (u[..., :k], s, vh[..., :k, :])
    return (LinalgSvdU.apply(A, reduced, u.astype(a.dtype)), LinalgSvd.apply(A, reduced),
            LinalgSvdVh.apply(A, reduced, vh.astype(a.dtype)))


def linalg_svd(A, full_matrices: bool = True, *, driver=None):  # noqa: N803
    """(U, S, Vh) with A = U·diag(S)·Vh, as ``torch.linalg.svd``."""
    return _linalg_svd_result(*_svd(A, full_matrices))


def svd(input, some: bool = True, compute_uv: bool = True):  # noqa: A002
    """(U, S, V) with input = U·diag(S)·Vᵀ, as ``torch.svd`` (note: V, not Vᵀ; ``some=True`` is the
    reduced decomposition). With ``compute_uv=False`` U and V are zeros, as PyTorch."""
    u, s, vh = _svd(input, not some)
    if not compute_uv:
        u, vh = Tensor._wrap(np.zeros_like(u._array)), Tensor._wrap(np.zeros_like(vh._array))
    return _svd_result(u, s, vh.mT)


def svdvals(A):  # noqa: N803
    """The singular values of A, in decreasing order."""
    _check_matrices("svdvals", A._array, square=False)
    return LinalgSvd.apply(A, None)


# --- the cross product ------------------------------------------------------------------------------------
def _cross(x, y, dim: int):
    """x × y along ``dim`` by its definition, (x₂y₃ - x₃y₂, x₃y₁ - x₁y₃, x₁y₂ - x₂y₁): indexing and
    arithmetic that numpy arrays and Tensors both understand, so the backward is differentiable too."""
    d = dim % len(x.shape)
    nxt, prev = (slice(None),) * d + ([1, 2, 0],), (slice(None),) * d + ([2, 0, 1],)
    return x[nxt] * y[prev] - x[prev] * y[nxt]


class LinalgCross(Primitive):
    """out = a × b (along ``dim``);  ∂L/∂a = b × g,  ∂L/∂b = g × a  (summed back over broadcasting)"""

    @staticmethod
    def forward(ctx, a, b, dim):
        ctx.save_for_backward(a, b)
        ctx.dim = dim
        return np.cross(a, b, axis=dim)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        return unbroadcast(_cross(b, g, ctx.dim), a.shape), unbroadcast(_cross(g, a, ctx.dim), b.shape), None


def linalg_cross(input, other, *, dim: int = -1):  # noqa: A002
    """The cross product of 3-vectors along ``dim``, broadcast as PyTorch."""
    a, b = input._array, other._array
    if a.ndim != b.ndim:
        raise RuntimeError("linalg.cross: inputs must have the same number of dimensions.")
    if a.shape[dim] != 3 or b.shape[dim] != 3:
        raise RuntimeError(f"linalg.cross: inputs dimension {dim} must have length 3. Got "
                           f"{a.shape[dim]} and {b.shape[dim]}")
    return LinalgCross.apply(input, other, dim)


def cross(input, other, dim=None):  # noqa: A002
    """torch.cross: as linalg.cross, except that without ``dim`` it takes the first dim of length 3
    (and warns, as PyTorch, that this default will change)."""
    if dim is None:
        warnings.warn("Using torch.cross without specifying the dim arg is deprecated.\nPlease either pass "
                      "the dim explicitly or simply use torch.linalg.cross.\nThe default value of dim will "
                      "change to agree with that of linalg.cross in a future release.", UserWarning,
                      stacklevel=2)
        dim = next((i for i, n in enumerate(input._array.shape) if n == 3), -1)
    return linalg_cross(input, other, dim=dim)


# --- solving A X = B ----------------------------------------------------------------------------------
class LinalgSolve(Primitive):
    """X = A⁻¹ B (batched: B's columns are right-hand sides)

    grad_B = A⁻ᵀ g (the same solve, transposed);  grad_A = -grad_B Xᵀ."""

    differentiable_backward = False

    @staticmethod
    def forward(ctx, a, b):
        try:
            x = np.linalg.solve(a, b)
        except np.linalg.LinAlgError:
            raise LinAlgError("torch.linalg.solve: The solver failed because the input matrix is singular.") from None
        ctx.a, ctx.x, ctx.shapes = a, x, (a.shape, b.shape)
        return x

    @staticmethod
    def backward(ctx, g):
        grad_b = np.linalg.solve(np.swapaxes(ctx.a, -1, -2), g)
        grad_a = -grad_b @ np.swapaxes(ctx.x, -1, -2)
        return unbroadcast(grad_a, ctx.shapes[0]), unbroadcast(grad_b, ctx.shapes[1])


def solve(A, B, *, left: bool = True):  # noqa: N803
    """``torch.linalg.solve``: X with A X = B; B is a vector (or a batch of vectors) when its shape is
    A's without the last dimension, else a (batch of) matrices of right-hand sides."""
    _check_matrices("solve", A._array, square=True)
    if not left:
        raise NotImplementedError("glassgrad's linalg.solve solves A X = B only (left=True)")
    b = B._array
    vector = b.ndim == 1 or (b.ndim == A._array.ndim - 1 and b.shape == A._array.shape[:-1])
    if vector:
        return LinalgSolve.apply(A, B.unsqueeze(-1)).squeeze(-1)
    return LinalgSolve.apply(A, B)


# --- the matrix exponential ---------------------------------------------------------------------------
def _expm(a: np.ndarray) -> np.ndarray:
    """exp(A) = Σ Aᵏ/k!: halve A until its norm is under ½, sum 18 terms, then square back."""
    norm = np.abs(a).sum(axis=-2).max() if a.size else 0.0
    halvings = max(0, int(np.ceil(np.log2(norm / 0.5)))) if norm > 0.5 else 0
    a = a / 2.0 ** halvings
    term = np.broadcast_to(np.eye(a.shape[-1], dtype=a.dtype), a.shape).copy()
    total = term.copy()
    for k in range(1, 19):
        term = term @ a / k
        total = total + term
    for _ in range(halvings):
        total = total @ total
    return total


class MatrixExp(Primitive):
    """Y = exp(A)

    grad_A = the top-right block of exp([[Aᵀ, g], [0, Aᵀ]]) (the derivative of exp along g, taken
    transposed: Mathias' block-matrix identity)."""

    differentiable_backward = False

    @staticmethod
    def forward(ctx, a):
        ctx.a = a
        return _expm(a)

    @staticmethod
    def backward(ctx, g):
        n = ctx.a.shape[-1]
        at = np.swapaxes(ctx.a, -1, -2)
        block = np.zeros(ctx.a.shape[:-2] + (2 * n, 2 * n), dtype=ctx.a.dtype)
        block[..., :n, :n], block[..., n:, n:], block[..., :n, n:] = at, at, g
        return (_expm(block)[..., :n, n:],)


def matrix_exp(A):  # noqa: N803
    """``torch.matrix_exp`` / ``torch.linalg.matrix_exp``: the exponential of (a batch of) square matrices."""
    _check_matrices("matrix_exp", A._array, square=True)
    return MatrixExp.apply(A)


# --- eigenvalues of a symmetric matrix ----------------------------------------------------------------
class LinalgEigvalsh(Primitive):
    """λ = the eigenvalues of the symmetric A (ascending), A = V diag(λ) Vᵀ

    grad_A = V diag(g) Vᵀ (each λᵢ = vᵢᵀ A vᵢ changes by vᵢᵀ dA vᵢ)."""

    differentiable_backward = False

    @staticmethod
    def forward(ctx, a, uplo):
        values, ctx.vectors = np.linalg.eigh(a, UPLO=uplo)
        return values

    @staticmethod
    def backward(ctx, g):
        v = ctx.vectors
        return (v * g[..., None, :]) @ np.swapaxes(v, -1, -2), None


def eigvalsh(A, UPLO: str = "L"):  # noqa: N803
    """``torch.linalg.eigvalsh``: the eigenvalues of (a batch of) symmetric matrices, ascending; only the
    ``UPLO`` ('L' lower or 'U' upper) triangle is read."""
    _check_matrices("eigvalsh", A._array, square=True)
    if UPLO not in ("L", "U"):
        raise RuntimeError(f"Expected UPLO argument to be 'L' or 'U', but got {UPLO}")
    return LinalgEigvalsh.apply(A, UPLO)


TENSOR_METHODS = {"det": det, "svd": svd, "cross": cross, "matrix_exp": matrix_exp}
