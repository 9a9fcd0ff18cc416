"""The matrix factorisations of ``torch.linalg`` and what is built on them: the inverse (``inv``,
``inv_ex``), ``slogdet`` / ``logdet``, the symmetric eigendecomposition ``eigh``, ``qr``, ``cholesky``,
triangular solves, ``lu_factor`` / ``lu`` / ``lu_solve``, the pseudo-inverse ``pinv``, ``lstsq``,
``matrix_rank``, ``matrix_power``, ``cond``, ``tensorinv`` / ``tensorsolve``, ``vecdot``, ``vander``;
and PyTorch's older top-level spellings of them (``torch.inverse``, ``torch.cholesky``, ``torch.qr``,
``torch.triangular_solve``, ``torch.lu`` ...).

Part III, ops/ reading order: ... decompositions, **factorizations**, conv ... (ops/__init__.py lists
them all). numpy's LAPACK does the factoring (the LU with partial pivoting is written out below, as
LAPACK's getrf chooses its pivots, because numpy keeps its LU to itself); each derivative is PyTorch's
(FunctionsManual.cpp), stated in the class's docstring. A factorisation with two outputs (eigh's values
and vectors, qr's Q and R) is two nodes over one factoring, as the SVD in decompositions.py: the two
gradients add up to PyTorch's one. These backwards are plain numpy: not differentiated again under
``create_graph=True``. glassgrad has no complex dtypes, so ``eig`` / ``eigvals`` (complex results in
general) raise an error that says so.
"""

from __future__ import annotations

import collections
import math
import numbers
import warnings

import numpy as np

from glassgrad import dtypes
from glassgrad.autograd.function import Primitive
from glassgrad.ops.decompositions import LinAlgError, _check_matrices, svdvals
from glassgrad.ops.elementwise import where
from glassgrad.ops.joining import cat
from glassgrad.ops.linalg import matmul
from glassgrad.ops.linalg import vector_norm as linalg_vector_norm
from glassgrad.ops.more_math import cumprod
from glassgrad.ops.reduce import return_types
from glassgrad.ops._util import torch_keywords
from glassgrad.ops.shape import reshape
from glassgrad.tensor import Tensor

__all__ = ["LinAlgError", "inv", "inv_ex", "inverse", "slogdet", "logdet", "eigh", "eig", "eigvals", "qr",
           "cholesky", "cholesky_ex", "solve_ex", "solve_triangular", "lstsq", "pinv", "pinverse",
           "matrix_rank", "matrix_power", "vecdot", "vander", "diagonal", "cond", "tensorinv", "tensorsolve",
           "lu_factor", "lu_factor_ex", "lu", "lu_solve", "lu_unpack", "cholesky_solve", "cholesky_inverse",
           "triangular_solve", "matrix_norm", "linalg_norm"]


def _named(name: str, fields: list):
    base = collections.namedtuple(name, fields)

    def __repr__(self) -> str:
        parts = ",\n".join(f"{f}={getattr(self, f)!r}" for f in fields)
        return f"{dtypes.SHOWN_AS}.return_types.{name}(\n{parts})"
    cls = type(name, (base,), {"__slots__": (), "__repr__": __repr__, "__module__": "glassgrad.return_types"})
    setattr(return_types, name, cls)
    return cls


_inv_ex_result = _named("linalg_inv_ex", ["inverse", "info"])
_slogdet_result = _named("linalg_slogdet", ["sign", "logabsdet"])
_torch_slogdet_result = _named("slogdet", ["sign", "logabsdet"])
_eigh_result = _named("linalg_eigh", ["eigenvalues", "eigenvectors"])
_qr_result = _named("linalg_qr", ["Q", "R"])
_torch_qr_result = _named("qr", ["Q", "R"])
_cholesky_ex_result = _named("linalg_cholesky_ex", ["L", "info"])
_solve_ex_result = _named("linalg_solve_ex", ["result", "info"])
_lstsq_result = _named("linalg_lstsq", ["solution", "residuals", "rank", "singular_values"])
_lu_factor_result = _named("linalg_lu_factor", ["LU", "pivots"])
_lu_factor_ex_result = _named("linalg_lu_factor_ex", ["LU", "pivots", "info"])
_lu_result = _named("linalg_lu", ["P", "L", "U"])
_lu_unpack_result = _named("lu_unpack", ["P", "L", "U"])
_triangular_solve_result = _named("triangular_solve", ["solution", "cloned_coefficient"])


def _mT(a):  # noqa: N802
    return np.swapaxes(a, -1, -2)


def _batch_prefix(a: np.ndarray, index: int) -> str:
    return f"(Batch element {index}): " if a.ndim > 2 else ""


def _wrap_int32(values) -> Tensor:
    return Tensor._wrap(np.asarray(values, dtype=np.int32))


# --- LU with partial pivoting (LAPACK's getrf, batched) ------------------------------------------------
def _lu(a: np.ndarray) -> tuple:
    """(LU packed in one matrix, pivots 0-based, info): row k swapped with row pivots[k] at step k;
    info = the 1-based index of the first zero on U's diagonal (0 if none), per matrix."""
    lu = np.array(a, dtype=a.dtype, copy=True)
    m, n = lu.shape[-2:]
    k_steps = min(m, n)
    batch = lu.shape[:-2]
    flat = lu.reshape((-1, m, n))
    pivots = np.zeros((flat.shape[0], k_steps), dtype=np.int64)
    info = np.zeros(flat.shape[0], dtype=np.int64)
    rows = np.arange(flat.shape[0])
    for k in range(k_steps):
        p = k + np.argmax(np.abs(flat[:, k:, k]), axis=1)
        pivots[:, k] = p
        swap = flat[rows, p].copy()
        flat[rows, p] = flat[:, k]
        flat[:, k] = swap
        pivot = flat[:, k, k]
        zero = pivot == 0
        info = np.where((info == 0) & zero, k + 1, info)
        safe = np.where(zero, 1, pivot)
        flat[:, k + 1:, k] = np.where(zero[:, None], flat[:, k + 1:, k], flat[:, k + 1:, k] / safe[:, None])
        flat[:, k + 1:, k + 1:] -= flat[:, k + 1:, k:k + 1] * flat[:, k:k + 1, k + 1:]
    return flat.reshape(lu.shape), pivots.reshape(batch + (k_steps,)), info.reshape(batch)


def _permutation(pivots: np.ndarray, m: int, dtype) -> np.ndarray:
    """P with A = P·L·U from getrf's 0-based swaps."""
    batch = pivots.shape[:-1]
    flat = pivots.reshape((-1, pivots.shape[-1]))
    perm = np.tile(np.arange(m), (flat.shape[0], 1))
    for k in range(flat.shape[1]):
        p = flat[:, k].copy()
        rows = np.arange(flat.shape[0])
        swap = perm[rows, p].copy()
        perm[rows, p] = perm[:, k]
        perm[:, k] = swap
    # row i of P·L·U is row perm[i] of L·U... we built perm as "row k of PA came from row perm[k] of A"
    p_mat = np.zeros((flat.shape[0], m, m), dtype=dtype)
    p_mat[np.arange(flat.shape[0])[:, None], perm, np.arange(m)[None, :]] = 1
    return p_mat.reshape(batch + (m, m))


def _unpack(lu: np.ndarray) -> tuple:
    m, n = lu.shape[-2:]
    k = min(m, n)
    lower = np.tril(lu[..., :, :k], -1) + np.eye(m, k, dtype=lu.dtype)
    upper = np.triu(lu[..., :k, :])
    return lower, upper


# --- the inverse ----------------------------------------------------------------------------------------
def _raise_singular(name: str, a: np.ndarray, info: np.ndarray) -> None:
    bad = np.flatnonzero(info.reshape(-1))
    if bad.size:
        i = int(bad[0])
        raise LinAlgError(f"{name}: {_batch_prefix(a, i)}The diagonal element {int(info.reshape(-1)[i])} is zero, "
                          "the inversion could not be completed because the input matrix is singular.")


class LinalgInvEx(Primitive):
    """Y = A⁻¹;  ∂L/∂A = -Yᵀ·g·Yᵀ  (from dY = -Y·dA·Y)"""

    differentiable_backward = False

    @staticmethod
    def forward(ctx, a, inverse):
        ctx.y = inverse
        return inverse

    @staticmethod
    def backward(ctx, g):
        yt = _mT(ctx.y)
        return -(yt @ g @ yt), None


def _inverse(name: str, A, check: bool):  # noqa: N803
    _check_matrices(name.split(".")[-1], A._array, square=True)
    a = A._array
    _, _, info = _lu(a)
    if check:
        _raise_singular(name, a, info)
    with np.errstate(all="ignore"):
        try:
            y = np.linalg.inv(a)
        except np.linalg.LinAlgError:
            y = np.full(a.shape, np.inf, dtype=a.dtype)
    return LinalgInvEx.apply(A, y.astype(a.dtype, copy=False)), info


def inv(A, *, out=None):  # noqa: N803
    """The inverse of (a batch of) square matrices; a singular one raises LinAlgError."""
    _refuse_out(out, "inv")
    return _inverse("linalg.inv", A, check=True)[0]


def inv_ex(A, *, check_errors: bool = False, out=None):  # noqa: N803
    """(inverse, info): info is 0, or the 1-based index of the zero pivot that made A singular."""
    _refuse_out(out, "inv_ex")
    y, info = _inverse("linalg.inv_ex", A, check=check_errors)
    return _inv_ex_result(y, _wrap_int32(info))


def inverse(input, *, out=None):  # noqa: A002
    """``torch.inverse``: ``torch.linalg.inv``."""
    _refuse_out(out, "inverse")
    return inv(input)


# --- slogdet, logdet ------------------------------------------------------------------------------------
class LinalgSlogdet(Primitive):
    """log|det A|;  ∂L/∂A = g·A⁻ᵀ  (the sign is piecewise constant: no gradient)"""

    differentiable_backward = False

    @staticmethod
    def forward(ctx, a, logabs):
        ctx.a = a
        return logabs

    @staticmethod
    def backward(ctx, g):
        a = ctx.a
        try:
            inv_t = _mT(np.linalg.inv(a))
        except np.linalg.LinAlgError:
            inv_t = _mT(np.linalg.pinv(a))
        return np.asarray(g)[..., None, None] * inv_t, None


def slogdet(A, *, out=None):  # noqa: N803
    """(sign, log|det A|) of (a batch of) square matrices: the determinant without overflow."""
    _refuse_out(out, "slogdet")
    _check_matrices("slogdet", A._array, square=True)
    sign, logabs = np.linalg.slogdet(A._array)
    dtype = A._array.dtype
    return _slogdet_result(Tensor._wrap(np.asarray(sign, dtype=dtype)),
                           LinalgSlogdet.apply(A, np.asarray(logabs, dtype=dtype)))


def _torch_slogdet(input):  # noqa: A002
    """``torch.slogdet``: as ``torch.linalg.slogdet``."""
    return _torch_slogdet_result(*slogdet(input))


def logdet(input):  # noqa: A002
    """log det A: nan where det A < 0, -inf where it is 0."""
    _check_matrices("logdet", input._array, square=True)
    sign, logabs = slogdet(input)
    nan = Tensor._wrap(np.asarray(np.nan, dtype=input._array.dtype))
    return where(Tensor._wrap(sign._array < 0), nan, logabs)


# --- eigh -----------------------------------------------------------------------------------------------------
class LinalgEighValues(Primitive):
    """λ of A = V·diag(λ)·Vᵀ (ascending);  ∂L/∂A = V·diag(g)·Vᵀ"""

    node_name = "LinalgEighBackward0"
    differentiable_backward = False

    @staticmethod
    def forward(ctx, a, values, vectors):
        ctx.v = vectors
        return values

    @staticmethod
    def backward(ctx, g):
        v = ctx.v
        return (v * np.asarray(g)[..., None, :]) @ _mT(v), None, None


class LinalgEighVectors(Primitive):
    """V of A = V·diag(λ)·Vᵀ;  with K = ½(Vᵀg - gᵀV) / E, E_ij = λ_j - λ_i (K's diagonal 0):
    ∂L/∂A = V·K·Vᵀ  (PyTorch's linalg_eig_backward, the hermitian case; not symmetrised, as PyTorch)"""

    node_name = "LinalgEighBackward0"
    differentiable_backward = False

    @staticmethod
    def forward(ctx, a, values, vectors):
        ctx.values, ctx.v = values, vectors
        return vectors

    @staticmethod
    def backward(ctx, g):
        v, lam = ctx.v, ctx.values
        vtg = _mT(v) @ g
        skew = 0.5 * (vtg - _mT(vtg))
        gaps = lam[..., None, :] - lam[..., :, None]
        n = lam.shape[-1]
        gaps[..., np.arange(n), np.arange(n)] = 1
        k = skew / gaps
        k[..., np.arange(n), np.arange(n)] = 0
        return v @ k @ _mT(v), None, None


def _check_uplo(UPLO: str) -> None:  # noqa: N803
    if UPLO not in ("L", "U"):
        raise RuntimeError(f"Expected UPLO argument to be 'L' or 'U', but got {UPLO}")


def eigh(A, UPLO: str = "L", *, out=None):  # noqa: N803
    """(eigenvalues ascending, eigenvectors as columns) of (a batch of) symmetric matrices; only the
    ``UPLO`` triangle is read."""
    _refuse_out(out, "eigh")
    _check_matrices("eigh", A._array, square=True)
    _check_uplo(UPLO)
    values, vectors = np.linalg.eigh(A._array, UPLO=UPLO)
    dtype = A._array.dtype
    values, vectors = values.astype(dtype, copy=False), vectors.astype(dtype, copy=False)
    return _eigh_result(LinalgEighValues.apply(A, values, vectors), LinalgEighVectors.apply(A, values, vectors))


def eig(A, *, out=None):  # noqa: N803
    """Not available: a general matrix's eigenvalues are complex, and glassgrad has no complex dtypes."""
    _refuse_out(out, "eig")
    raise NotImplementedError("linalg.eig: glassgrad has no complex dtypes, and the eigenvalues and eigenvectors "
                              "of a general matrix are complex. For a symmetric matrix use linalg.eigh (or "
                              "linalg.eigvalsh).")


def eigvals(A, *, out=None):  # noqa: N803
    """Not available: a general matrix's eigenvalues are complex, and glassgrad has no complex dtypes."""
    _refuse_out(out, "eigvals")
    raise NotImplementedError("linalg.eigvals: glassgrad has no complex dtypes, and the eigenvalues of a general "
                              "matrix are complex. For a symmetric matrix use linalg.eigvalsh.")


# --- qr ------------------------------------------------------------------------------------------------------------
def _qr_backward(q, r, gq, gr):
    """For A = Q·R with m ≥ n (reduced): M = R·gRᵀ - gQᵀ·Q,
    ∂L/∂A = (gQ + Q·copyltu(M))·R⁻ᵀ, copyltu(M) = tril(M) + tril(M, -1)ᵀ (Walter & Lehmann; PyTorch's)"""
    m_mat = r @ _mT(gr) - _mT(gq) @ q
    copyltu = np.tril(m_mat) + _mT(np.tril(m_mat, -1))
    rhs = gq + q @ copyltu
    return _mT(np.linalg.solve(r, _mT(rhs)))  # rhs·R⁻ᵀ = (R⁻¹·rhsᵀ)ᵀ


class _QrFactor(Primitive):
    """Q or R of A = Q·R; the two subclasses differ only in which gradient they receive:
    m ≥ n: see _qr_backward;  m < n: A = Q·[R₁ R₂] with X = A[:, :m], Y = A[:, m:]:
    ∂L/∂Y = Q·gR₂,  ∂L/∂X = qr_backward(gQ + Y·gR₂ᵀ, gR₁) on X = Q·R₁"""

    differentiable_backward = False
    node_name = "LinalgQrBackward0"

    @staticmethod
    def forward(ctx, a, q, r, mode, output):
        ctx.q, ctx.r, ctx.a, ctx.mode = q, r, a, mode
        return output

    @classmethod
    def _grad(cls, ctx, gq, gr):
        q, r, a = ctx.q, ctx.r, ctx.a
        m, n = a.shape[-2:]
        if ctx.mode == "r":
            raise RuntimeError("The derivative of linalg.qr depends on Q, which is not computed when mode='r'. "
                               "Please use linalg.qr(A, mode='reduced') if you are going to differentiate "
                               "through linalg.qr.")
        if ctx.mode == "complete" and m > n:
            raise RuntimeError("The QR decomposition is not differentiable when mode='complete' and "
                               "nrows > ncols.")
        if m >= n:
            return _qr_backward(q, r, gq, gr)
        y = a[..., :, m:]
        gr1, gr2 = gr[..., :, :m], gr[..., :, m:]
        gx = _qr_backward(q, r[..., :, :m], gq + y @ _mT(gr2), gr1)
        return np.concatenate([gx, q @ gr2], axis=-1)


class LinalgQrQ(_QrFactor):
    node_name = "LinalgQrBackward0"

    @classmethod
    def backward(cls, ctx, g):
        return cls._grad(ctx, np.asarray(g), np.zeros_like(ctx.r)), None, None, None, None


class LinalgQrR(_QrFactor):
    node_name = "LinalgQrBackward0"

    @classmethod
    def backward(cls, ctx, g):
        return cls._grad(ctx, np.zeros_like(ctx.q), np.asarray(g)), None, None, None, None


def qr(A, mode: str = "reduced", *, out=None):  # noqa: N803
    """(Q, R) with A = Q·R, Q orthonormal columns, R upper triangular; ``mode`` 'reduced' (k = min(m, n)
    columns of Q), 'complete' (all m) or 'r' (R only: Q is an empty tensor)."""
    _refuse_out(out, "qr")
    if mode not in ("reduced", "complete", "r"):
        raise RuntimeError(f"qr received unrecognized mode '{mode}' but expected one of 'reduced' (default), "
                           "'r', or 'complete'")
    _check_matrices("qr", A._array, square=False)
    a = A._array
    q, r = np.linalg.qr(a, mode="complete" if mode == "complete" else "reduced")
    q, r = q.astype(a.dtype, copy=False), r.astype(a.dtype, copy=False)
    if mode == "r":
        return _qr_result(Tensor._wrap(np.zeros((0,), dtype=a.dtype)), LinalgQrR.apply(A, q, r, mode, r))
    return _qr_result(LinalgQrQ.apply(A, q, r, mode, q), LinalgQrR.apply(A, q, r, mode, r))


def _torch_qr(input, some: bool = True, *, out=None):  # noqa: A002
    """``torch.qr`` (deprecated in PyTorch): reduced (``some=True``) or complete."""
    _refuse_out(out, "_torch_qr")
    warnings.warn("torch.qr is deprecated in favor of torch.linalg.qr and will be removed in a future PyTorch "
                  "release.\nThe boolean parameter 'some' has been replaced with a string parameter 'mode'.\n"
                  "Q, R = torch.qr(A, some)\nshould be replaced with\nQ, R = torch.linalg.qr(A, 'reduced' if "
                  "some else 'complete')", UserWarning, stacklevel=2)
    return _torch_qr_result(*qr(input, "reduced" if some else "complete"))


# --- cholesky -------------------------------------------------------------------------------------------------
def _cholesky_info(a: np.ndarray) -> np.ndarray:
    """0 for each positive-definite matrix, else the order of the first leading minor that is not."""
    flat = a.reshape((-1,) + a.shape[-2:])
    info = np.zeros(flat.shape[0], dtype=np.int64)
    for i, mat in enumerate(flat):
        try:
            np.linalg.cholesky(mat)
        except np.linalg.LinAlgError:
            for k in range(1, mat.shape[-1] + 1):
                try:
                    np.linalg.cholesky(mat[:k, :k])
                except np.linalg.LinAlgError:
                    info[i] = k
                    break
    return info.reshape(a.shape[:-2])


class LinalgCholeskyEx(Primitive):
    """L of A = L·Lᵀ (lower);  Φ(X) = tril(X) with its diagonal halved:
    ∂L/∂A = ½(G + Gᵀ),  G = L⁻ᵀ·Φ(Lᵀ·g)·L⁻¹  (PyTorch's cholesky_backward)"""

    differentiable_backward = False

    @staticmethod
    def forward(ctx, a, lower, upper):
        ctx.lower, ctx.upper = lower, upper
        return _mT(lower) if upper else lower

    @staticmethod
    def backward(ctx, g):
        lo = ctx.lower
        g = _mT(np.asarray(g)) if ctx.upper else np.asarray(g)
        phi = np.tril(_mT(lo) @ g)
        n = lo.shape[-1]
        phi[..., np.arange(n), np.arange(n)] *= 0.5
        inv_l = np.linalg.inv(lo)
        ga = _mT(inv_l) @ phi @ inv_l
        return 0.5 * (ga + _mT(ga)), None, None


class Cholesky(LinalgCholeskyEx):  # torch.cholesky (deprecated): its own node name
    node_name = "CholeskyBackward0"


def _cholesky(name: str, op, A, upper: bool, check: bool):  # noqa: N803
    _check_matrices(name, A._array, square=True)
    a = A._array
    info = _cholesky_info(a)
    bad = np.flatnonzero(info.reshape(-1))
    if check and bad.size:
        i = int(bad[0])
        raise LinAlgError(f"linalg.{name}: {_batch_prefix(a, i)}The factorization could not be completed because "
                          f"the input is not positive-definite (the leading minor of order "
                          f"{int(info.reshape(-1)[i])} is not positive-definite).")
    if bad.size:
        lower = np.zeros_like(a)
        flat, out = a.reshape((-1,) + a.shape[-2:]), lower.reshape((-1,) + a.shape[-2:])
        for i, mat in enumerate(flat):
            if info.reshape(-1)[i] == 0:
                out[i] = np.linalg.cholesky(mat)
    else:
        lower = np.linalg.cholesky(a).astype(a.dtype, copy=False)
    return op.apply(A, lower, upper), info


def cholesky(A, *, upper: bool = False, out=None):  # noqa: N803
    """L with A = L·Lᵀ for (a batch of) symmetric positive-definite A (Lᵀ with ``upper=True``); only
    the lower triangle of A is read; one that is not positive-definite raises LinAlgError."""
    _refuse_out(out, "cholesky")
    return _cholesky("cholesky", LinalgCholeskyEx, A, upper, check=True)[0]


def cholesky_ex(A, *, upper: bool = False, check_errors: bool = False, out=None):  # noqa: N803
    """(L, info): info is 0, or the order of the leading minor that is not positive-definite."""
    _refuse_out(out, "cholesky_ex")
    factor, info = _cholesky("cholesky", LinalgCholeskyEx, A, upper, check=check_errors)
    return _cholesky_ex_result(factor, _wrap_int32(info))


def _torch_cholesky(input, upper: bool = False, *, out=None):  # noqa: A002
    """``torch.cholesky`` (deprecated in PyTorch): as ``torch.linalg.cholesky``."""
    _refuse_out(out, "_torch_cholesky")
    warnings.warn("torch.cholesky is deprecated in favor of torch.linalg.cholesky and will be removed in a future "
                  "PyTorch release.\nL = torch.cholesky(A)\nshould be replaced with\nL = torch.linalg.cholesky(A)"
                  "\nand\nU = torch.cholesky(A, upper=True)\nshould be replaced with\nU = "
                  "torch.linalg.cholesky(A).mH\nThis transform will produce equivalent results for all valid "
                  "(symmetric positive definite) inputs.", UserWarning, stacklevel=2)
    return _cholesky("cholesky", Cholesky, input, upper, check=True)[0]


# --- triangular solves --------------------------------------------------------------------------------------
def _triangle(a: np.ndarray, upper: bool, unitriangular: bool) -> np.ndarray:
    t = np.triu(a) if upper else np.tril(a)
    if unitriangular:
        n = a.shape[-1]
        t = t.copy()
        t[..., np.arange(n), np.arange(n)] = 1
    return t


class LinalgSolveTriangular(Primitive):
    """X with T·X = B (left) or X·T = B, T the triangle of A;
    left: ∂L/∂B = T⁻ᵀ·g,  ∂L/∂A = -(∂L/∂B)·Xᵀ kept on the triangle (off it A is never read)
    right: ∂L/∂B = g·T⁻ᵀ,  ∂L/∂A = -Xᵀ·(∂L/∂B) kept on the triangle
    (unitriangular: the diagonal is not read either, and gets no gradient)"""

    differentiable_backward = False

    @staticmethod
    def forward(ctx, a, b, upper, left, unitriangular):
        t = _triangle(a, upper, unitriangular)
        with np.errstate(all="ignore"):
            x = np.linalg.solve(t, b) if left else _mT(np.linalg.solve(_mT(t), _mT(b)))
        ctx.t, ctx.x, ctx.opts, ctx.shapes = t, x, (upper, left, unitriangular), (a.shape, b.shape)
        return x

    @staticmethod
    def backward(ctx, g):
        upper, left, unit = ctx.opts
        t, x = ctx.t, ctx.x
        if left:
            gb = np.linalg.solve(_mT(t), g)
            ga = -gb @ _mT(x)
        else:
            gb = _mT(np.linalg.solve(t, _mT(g)))
            ga = -_mT(x) @ gb
        ga = np.triu(ga, 1 if unit else 0) if upper else np.tril(ga, -1 if unit else 0)
        return _sum_to(ga, ctx.shapes[0]), _sum_to(gb, ctx.shapes[1]), None, None, None


def _sum_to(g, shape):
    extra = g.ndim - len(shape)
    if extra:
        g = g.sum(axis=tuple(range(extra)))
    axes = tuple(i for i, n in enumerate(shape) if n == 1 and g.shape[i] != 1)
    return g.sum(axis=axes, keepdims=True) if axes else g


def solve_triangular(A, B, *, upper: bool, left: bool = True, unitriangular: bool = False, out=None):  # noqa: N803
    """X with A·X = B (``left=False``: X·A = B), reading only A's upper or lower triangle (and not its
    diagonal when ``unitriangular``)."""
    _refuse_out(out, "solve_triangular")
    _check_matrices("solve_triangular", A._array, square=True)
    if B._array.ndim < 2:
        raise RuntimeError("linalg.solve_triangular: The input tensor B must have at least 2 dimensions.")
    if A._array.dtype != B._array.dtype:
        raise RuntimeError(f"linalg.solve_triangular: Expected A and B to have the same dtype, but found A of "
                           f"type {dtypes.TORCH_NAMES[A._array.dtype.name].capitalize()} and B of type "
                           f"{dtypes.TORCH_NAMES[B._array.dtype.name].capitalize()} instead")
    n = A._array.shape[-1]
    if (B._array.shape[-2] if left else B._array.shape[-1]) != n:
        raise RuntimeError(f"linalg.solve_triangular: Incompatible shapes of A and B for the equation "
                           f"{'AX = B' if left else 'XA = B'} ({n}x{n} and "
                           f"{B._array.shape[-2]}x{B._array.shape[-1]})")
    batch = np.broadcast_shapes(A._array.shape[:-2], B._array.shape[:-2])
    a, b = A, B
    if A._array.shape[:-2] != batch:
        a = A.expand(*batch, n, n)
    if B._array.shape[:-2] != batch:
        b = B.expand(*batch, *B._array.shape[-2:])
    return LinalgSolveTriangular.apply(a, b, upper, left, unitriangular)


def triangular_solve(b, A, upper: bool = True, transpose: bool = False, unitriangular: bool = False):  # noqa: N803
    """``torch.triangular_solve`` (deprecated in PyTorch): (X with op(A)·X = b, a copy of A), op(A) = Aᵀ
    when ``transpose``."""
    warnings.warn("torch.triangular_solve is deprecated in favor of torch.linalg.solve_triangularand will be "
                  "removed in a future PyTorch release.\ntorch.linalg.solve_triangular has its arguments reversed "
                  "and does not return a copy of one of the inputs.\nX = torch.triangular_solve(B, A).solution\n"
                  "should be replaced with\nX = torch.linalg.solve_triangular(A, B).", UserWarning, stacklevel=2)
    coefficient = A.mT if transpose else A
    x = solve_triangular(coefficient, b, upper=upper != transpose, unitriangular=unitriangular)
    return _triangular_solve_result(x, A.clone())


def cholesky_solve(B, L, upper: bool = False, *, out=None):  # noqa: N803
    """X with A·X = B where A = L·Lᵀ (``upper``: A = Uᵀ·U) is given by its Cholesky factor; as in PyTorch,
    the gradient treats L as a full matrix."""
    _refuse_out(out, "cholesky_solve")
    a = matmul(L.mT, L) if upper else matmul(L, L.mT)
    return solve_ex(a, B).result


def cholesky_inverse(L, upper: bool = False, *, out=None):  # noqa: N803
    """A⁻¹ where A = L·Lᵀ (``upper``: A = Uᵀ·U) is given by its Cholesky factor; as in PyTorch, the
    gradient treats L as a full matrix (no triangle is cut out of it)."""
    _refuse_out(out, "cholesky_inverse")
    return inv(matmul(L.mT, L) if upper else matmul(L, L.mT))


def _check_right_side(name: str, a: np.ndarray, b: np.ndarray) -> None:
    if b.ndim < 1 or b.shape[-2 if b.ndim > 1 else -1] != a.shape[-1]:
        rows, cols = (b.shape[-2], b.shape[-1]) if b.ndim > 1 else (b.shape[-1], 1)
        raise RuntimeError(f"{name}: Incompatible shapes of A and B for the equation AX = B ({a.shape[-2]}x"
                           f"{a.shape[-1]} and {rows}x{cols})")


# --- solve_ex -------------------------------------------------------------------------------------------------
class LinalgSolveEx(Primitive):
    """X = A⁻¹·B;  ∂L/∂B = A⁻ᵀ·g,  ∂L/∂A = -(∂L/∂B)·Xᵀ"""

    differentiable_backward = False

    @staticmethod
    def forward(ctx, a, b):
        with np.errstate(all="ignore"):
            try:
                x = np.linalg.solve(a, b)
            except np.linalg.LinAlgError:
                x = np.full(np.broadcast_shapes(a.shape[:-1] + (1,), b.shape), np.nan, dtype=a.dtype)
        ctx.a, ctx.x, ctx.shapes = a, x, (a.shape, b.shape)
        return x

    @staticmethod
    def backward(ctx, g):
        gb = np.linalg.solve(_mT(ctx.a), g)
        return _sum_to(-gb @ _mT(ctx.x), ctx.shapes[0]), _sum_to(gb, ctx.shapes[1])


def solve_ex(A, B, *, left: bool = True, check_errors: bool = False, out=None):  # noqa: N803
    """(X, info) with A·X = B (``left=False``: X·A = B); info is 0, or the 1-based index of the zero
    pivot of a singular A."""
    _refuse_out(out, "solve_ex")
    _check_matrices("solve_ex", A._array, square=True)
    _, _, info = _lu(A._array)
    if check_errors and np.any(info):
        raise LinAlgError("torch.linalg.solve_ex: The solver failed because the input matrix is singular.")
    if not left:
        result = solve_ex(A.mT, B.mT, check_errors=check_errors).result.mT
        return _solve_ex_result(result, _wrap_int32(info))
    b = B._array
    vector = b.ndim == 1 or (b.ndim == A._array.ndim - 1 and b.shape == A._array.shape[:-1])
    _check_right_side("linalg.solve", A._array, b if not vector else b[..., None])
    x = LinalgSolveEx.apply(A, B.unsqueeze(-1)).squeeze(-1) if vector else LinalgSolveEx.apply(A, B)
    return _solve_ex_result(x, _wrap_int32(info))


# --- the pseudo-inverse, lstsq, matrix_rank -------------------------------------------------------------------
def _cutoff(s: np.ndarray, shape: tuple, atol, rtol):
    """PyTorch's tolerance: σ counts when σ > max(atol, rtol·σ_max); with neither given,
    rtol = eps·max(m, n); with only atol given, rtol = 0."""
    if atol is None and rtol is None:
        rtol = np.finfo(s.dtype).eps * max(shape[-2:])
    atol = 0.0 if atol is None else atol
    rtol = 0.0 if rtol is None else rtol
    atol = atol._array if isinstance(atol, Tensor) else atol
    rtol = rtol._array if isinstance(rtol, Tensor) else rtol
    smax = s[..., :1] if s.shape[-1] else np.zeros(s.shape[:-1] + (1,), s.dtype)
    return np.maximum(np.asarray(atol)[..., None] if np.ndim(atol) else atol,
                      (np.asarray(rtol)[..., None] if np.ndim(rtol) else rtol) * smax)


def _pinv_array(a: np.ndarray, atol, rtol, hermitian: bool) -> np.ndarray:
    if hermitian:
        lam, v = np.linalg.eigh(a)
        mag = np.abs(lam)
        order = np.sort(mag, axis=-1)[..., ::-1]
        keep = mag > _cutoff(order, a.shape, atol, rtol)
        inv_lam = np.where(keep, 1 / np.where(keep, lam, 1), 0)
        return (v * inv_lam[..., None, :]) @ _mT(v)
    u, s, vh = np.linalg.svd(a, full_matrices=False)
    keep = s > _cutoff(s, a.shape, atol, rtol)
    inv_s = np.where(keep, 1 / np.where(keep, s, 1), 0)
    return (_mT(vh) * inv_s[..., None, :]) @ _mT(u)


class LinalgPinv(Primitive):
    """P = A⁺;  dP = -P·dA·P + P·Pᵀ·dAᵀ·(I - A·P) + (I - P·A)·dAᵀ·Pᵀ·P, so
    ∂L/∂A = -Pᵀ·g·Pᵀ + (I - A·P)·gᵀ·P·Pᵀ + Pᵀ·P·gᵀ·(I - P·A)   (exact where the rank does not change)"""

    differentiable_backward = False

    @staticmethod
    def forward(ctx, a, p):
        ctx.a, ctx.p = a, p
        return p

    @staticmethod
    def backward(ctx, g):
        return _pinv_backward(ctx.a, ctx.p, np.asarray(g)), None


def _pinv_backward(a, p, g):
    """∂L/∂A for P = A⁺ and upstream g (LinalgPinv's docstring)."""
    m, n = a.shape[-2:]
    gt, pt = _mT(g), _mT(p)
    eye_m, eye_n = np.eye(m, dtype=a.dtype), np.eye(n, dtype=a.dtype)
    return -pt @ g @ pt + (eye_m - a @ p) @ gt @ p @ pt + pt @ p @ gt @ (eye_n - p @ a)


class LinalgLstsq(Primitive):
    """X = A⁺·B (the least-squares solution);  ∂L/∂B = A⁺ᵀ·g,  ∂L/∂A = pinv's gradient with gP = g·Bᵀ
    (PyTorch's linalg_lstsq_backward, exact where A's rank does not change)"""

    differentiable_backward = False

    @staticmethod
    def forward(ctx, a, b, p):
        ctx.a, ctx.b, ctx.p = a, b, p
        return p @ b

    @staticmethod
    def backward(ctx, g):
        a, b, p = ctx.a, ctx.b, ctx.p
        g = np.asarray(g)
        grad_a = _pinv_backward(a, p, g @ _mT(b))
        grad_b = _mT(p) @ g
        return _sum_to(grad_a, a.shape), _sum_to(grad_b, b.shape), None


def pinv(A, *, atol=None, rtol=None, hermitian: bool = False, out=None):  # noqa: N803
    """The Moore–Penrose pseudo-inverse, through the SVD (the eigendecomposition when ``hermitian``):
    singular values at or below max(atol, rtol·σ_max) count as zero."""
    _refuse_out(out, "pinv")
    _check_matrices("pinv", A._array, square=hermitian)
    a = A._array
    return LinalgPinv.apply(A, _pinv_array(a, atol, rtol, hermitian).astype(a.dtype, copy=False))


def pinverse(input, rcond: float = 1e-15):  # noqa: A002
    """``torch.pinverse``: ``linalg.pinv`` with ``rtol=rcond``."""
    return pinv(input, rtol=rcond)


def matrix_rank(A, *, atol=None, rtol=None, hermitian: bool = False, out=None):  # noqa: N803
    """The number of singular values above max(atol, rtol·σ_max) (int64)."""
    _refuse_out(out, "matrix_rank")
    _check_matrices("matrix_rank", A._array, square=hermitian)
    a = A._array
    s = np.sort(np.abs(np.linalg.eigvalsh(a)), axis=-1)[..., ::-1] if hermitian else np.linalg.svd(a, compute_uv=False)
    return Tensor._wrap(np.sum(s > _cutoff(s, a.shape, atol, rtol), axis=-1).astype(np.int64))


_LSTSQ_DRIVERS = ("gels", "gelsy", "gelsd", "gelss")


def lstsq(A, B, rcond=None, *, driver=None):  # noqa: N803
    """(solution, residuals, rank, singular_values) of min ‖A·X - B‖, as PyTorch's CPU drivers
    ('gelsy' by default) report them: rank for all but 'gels', singular values for 'gelsd'/'gelss',
    residuals (squared column norms of A·X - B) when m > n, A has full rank and the driver is not
    'gelsy'; the fields a driver does not fill are empty tensors. The solution is pinv(A)·B, and its
    gradient pinv's (exact for a full-rank A)."""
    _check_matrices("lstsq", A._array, square=False)
    driver = "gelsy" if driver is None else driver
    if driver not in _LSTSQ_DRIVERS:
        raise RuntimeError("torch.linalg.lstsq: parameter `driver` should be one of (gels, gelsy, gelsd, gelss)")
    a, b = A._array, B._array
    vector = b.ndim == a.ndim - 1
    rhs = B.unsqueeze(-1) if vector else B
    if rhs._array.shape[-2] != a.shape[-2]:
        raise RuntimeError("torch.linalg.lstsq: input.size(-2) should match other.size(-2)")
    m, n = a.shape[-2:]
    s = np.linalg.svd(a, compute_uv=False)
    rtol = np.finfo(a.dtype).eps * max(m, n) if rcond is None else rcond
    rank = np.sum(s > rtol * s[..., :1], axis=-1).astype(np.int64) if s.shape[-1] else np.zeros(a.shape[:-2], np.int64)
    p = _pinv_array(a, None, rtol, hermitian=False).astype(a.dtype, copy=False)
    solution = LinalgLstsq.apply(A, rhs, p)
    empty = Tensor._wrap(np.zeros((0,), dtype=a.dtype))
    residuals = empty
    if driver != "gelsy" and m > n and np.all(rank == n):
        residuals = ((matmul(A, solution) - rhs) ** 2).sum(-2)
        if vector:
            residuals = residuals.squeeze(-1)
    if vector:
        solution = solution.squeeze(-1)
    rank_t = Tensor._wrap(rank) if driver != "gels" else Tensor._wrap(np.zeros((0,), np.int64))
    singular = Tensor._wrap(s.astype(a.dtype)) if driver in ("gelsd", "gelss") else empty
    return _lstsq_result(solution, residuals, rank_t, singular)


# --- LU ------------------------------------------------------------------------------------------------------
def _lu_backward(lower, upper, p, gl, gu):
    """A = P·L·U (square);  Φ = tril(Lᵀ·gL, -1) + triu(gU·Uᵀ):  ∂L/∂A = P·L⁻ᵀ·Φ·U⁻ᵀ  (PyTorch's)"""
    phi = np.tril(_mT(lower) @ gl, -1) + np.triu(gu @ _mT(upper))
    inner = _mT(np.linalg.solve(upper, _mT(phi)))       # Φ·U⁻ᵀ
    return p @ np.linalg.solve(_mT(lower), inner)        # P·L⁻ᵀ·(Φ·U⁻ᵀ)


class LinalgLuFactorEx(Primitive):
    """LU (L below the diagonal, U on and above it) of A = P·L·U;  ∂L/∂A = _lu_backward with
    gL = tril(g, -1), gU = triu(g)  (square matrices)"""

    differentiable_backward = False

    @staticmethod
    def forward(ctx, a, lu, p):
        ctx.lu, ctx.p, ctx.shape = lu, p, a.shape
        return lu

    @staticmethod
    def backward(ctx, g):
        if ctx.shape[-1] != ctx.shape[-2]:
            raise NotImplementedError("glassgrad: the derivative of lu_factor is implemented for square matrices only")
        lower, upper = _unpack(ctx.lu)
        g = np.asarray(g)
        return _lu_backward(lower, upper, ctx.p, np.tril(g, -1), np.triu(g)), None, None


class _LuFactor(Primitive):
    """L or U of A = P·L·U; the subclasses differ in which gradient they receive (see _lu_backward)."""

    differentiable_backward = False
    node_name = "LinalgLuBackward0"

    @staticmethod
    def forward(ctx, a, lower, upper, p, output):
        ctx.lower, ctx.upper, ctx.p, ctx.shape = lower, upper, p, a.shape
        return output

    @staticmethod
    def _check(ctx):
        if ctx.shape[-1] != ctx.shape[-2]:
            raise NotImplementedError("glassgrad: the derivative of linalg.lu is implemented for square matrices only")


class LinalgLuL(_LuFactor):
    node_name = "LinalgLuBackward0"

    @staticmethod
    def backward(ctx, g):
        _LuFactor._check(ctx)
        return (_lu_backward(ctx.lower, ctx.upper, ctx.p, np.tril(np.asarray(g), -1), np.zeros_like(ctx.upper)),
                None, None, None, None)


class LinalgLuU(_LuFactor):
    node_name = "LinalgLuBackward0"

    @staticmethod
    def backward(ctx, g):
        _LuFactor._check(ctx)
        return (_lu_backward(ctx.lower, ctx.upper, ctx.p, np.zeros_like(ctx.lower), np.triu(np.asarray(g))),
                None, None, None, None)


def _check_pivot(pivot: bool) -> None:
    if not pivot:
        raise RuntimeError("linalg.lu_factor: LU without pivoting is not implemented on the CPU")


def lu_factor_ex(A, *, pivot: bool = True, check_errors: bool = False, out=None):  # noqa: N803
    """(LU, pivots, info): PyTorch's packed LU of A = P·L·U, pivots 1-based int32 as LAPACK's."""
    _refuse_out(out, "lu_factor_ex")
    _check_matrices("lu_factor_ex", A._array, square=False)
    _check_pivot(pivot)
    a = A._array
    lu_arr, piv, info = _lu(a)
    if check_errors and np.any(info):
        _raise_singular("torch.linalg.lu_factor_ex", a, info)
    p = _permutation(piv, a.shape[-2], a.dtype)
    return _lu_factor_ex_result(LinalgLuFactorEx.apply(A, lu_arr, p), _wrap_int32(piv + 1), _wrap_int32(info))


def lu_factor(A, *, pivot: bool = True, out=None):  # noqa: N803
    """(LU, pivots) of A = P·L·U; a singular A raises LinAlgError, as PyTorch."""
    _refuse_out(out, "lu_factor")
    _check_matrices("lu_factor", A._array, square=False)
    lu_t, piv, info = lu_factor_ex(A, pivot=pivot)
    if np.any(info._array):
        i = int(np.flatnonzero(info._array.reshape(-1))[0])
        raise LinAlgError(f"torch.linalg.lu_factor: {_batch_prefix(A._array, i)}U[{info._array.reshape(-1)[i]},"
                          f"{info._array.reshape(-1)[i]}] is zero, singular U.")
    return _lu_factor_result(lu_t, piv)


def lu(A, *, pivot: bool = True, out=None):  # noqa: N803
    """(P, L, U) with A = P·L·U: P a permutation matrix, L unit lower triangular, U upper triangular."""
    _refuse_out(out, "lu")
    _check_matrices("lu", A._array, square=False)
    _check_pivot(pivot)
    a = A._array
    lu_arr, piv, _ = _lu(a)
    lower, upper = _unpack(lu_arr)
    p = _permutation(piv, a.shape[-2], a.dtype)
    return _lu_result(Tensor._wrap(p), LinalgLuL.apply(A, lower, upper, p, lower),
                      LinalgLuU.apply(A, lower, upper, p, upper))


def _pivots_to_permutation(LU_pivots, m: int, dtype):  # noqa: N803
    return _permutation(LU_pivots._array.astype(np.int64) - 1, m, dtype)


def lu_unpack(LU_data, LU_pivots, unpack_data: bool = True, unpack_pivots: bool = True, *, out=None):  # noqa: N803
    """(P, L, U) from lu_factor's packed (LU, pivots)."""
    _refuse_out(out, "lu_unpack")
    m, n = LU_data._array.shape[-2:]
    k = min(m, n)
    dtype = LU_data._array.dtype
    p = Tensor._wrap(_pivots_to_permutation(LU_pivots, m, dtype)) if unpack_pivots else \
        Tensor._wrap(np.zeros((0,), dtype))
    if not unpack_data:
        empty = Tensor._wrap(np.zeros((0,), dtype))
        return _lu_unpack_result(p, empty, empty)
    eye = Tensor._wrap(np.eye(m, k, dtype=dtype))
    lower = LU_data[..., :, :k].tril(-1) + eye
    upper = LU_data[..., :k, :].triu()
    return _lu_unpack_result(p, lower, upper)


def lu_solve(LU, pivots, B, *, left: bool = True, adjoint: bool = False, out=None):  # noqa: N803
    """X with A·X = B (``left=False``: X·A = B; ``adjoint``: Aᵀ in place of A), A given by lu_factor's
    (LU, pivots). Two triangular solves and a permutation: its gradient is theirs."""
    _refuse_out(out, "lu_solve")
    m = LU._array.shape[-1]
    b = B._array
    if (b.shape[-2] if left else b.shape[-1]) != m:
        raise RuntimeError(f"linalg.lu_solve: Incompatible shapes of A and B for the equation "
                           f"{'AX = B' if left else 'XA = B'} ({m}x{m} and {b.shape[-2]}x{b.shape[-1]})")
    p = Tensor._wrap(_pivots_to_permutation(pivots, m, LU._array.dtype))
    eye = Tensor._wrap(np.eye(m, dtype=LU._array.dtype))
    lower = LU.tril(-1) + eye
    upper = LU.triu()
    if not left:  # X·A = B  <=>  Aᵀ·Xᵀ = Bᵀ
        return lu_solve(LU, pivots, B.mT, left=True, adjoint=not adjoint).mT
    if adjoint:  # Aᵀ·X = B with Aᵀ = Uᵀ·Lᵀ·Pᵀ:  X = P·L⁻ᵀ·U⁻ᵀ·B
        y = solve_triangular(upper.mT, B, upper=False)
        y = solve_triangular(lower.mT, y, upper=True, unitriangular=True)
        return matmul(p, y)
    y = solve_triangular(lower, matmul(p.mT, B), upper=False, unitriangular=True)
    return solve_triangular(upper, y, upper=True)


def _torch_lu(A, pivot: bool = True, get_infos: bool = False, out=None):  # noqa: N803
    """``torch.lu`` (deprecated in PyTorch): (LU, pivots[, infos])."""
    _refuse_out(out, "_torch_lu")
    warnings.warn("torch.lu is deprecated in favor of torch.linalg.lu_factor / torch.linalg.lu_factor_ex and will "
                  "be removed in a future PyTorch release.\nLU, pivots = torch.lu(A, compute_pivots)\nshould be "
                  "replaced with\nLU, pivots = torch.linalg.lu_factor(A, compute_pivots)\nand\nLU, pivots, info = "
                  "torch.lu(A, compute_pivots, get_infos=True)\nshould be replaced with\nLU, pivots, info = "
                  "torch.linalg.lu_factor_ex(A, compute_pivots)", UserWarning, stacklevel=2)
    result = lu_factor_ex(A, pivot=pivot, check_errors=not get_infos)
    return tuple(result) if get_infos else (result.LU, result.pivots)


def _torch_lu_solve(b, LU_data, LU_pivots, *, out=None):  # noqa: N803
    """``torch.lu_solve`` (deprecated in PyTorch): ``linalg.lu_solve(LU_data, LU_pivots, b)``."""
    _refuse_out(out, "_torch_lu_solve")
    warnings.warn("torch.lu_solve is deprecated in favor of torch.linalg.lu_solveand will be removed in a future "
                  "PyTorch release.\nNote that torch.linalg.lu_solve has its arguments reversed.\nX = "
                  "torch.lu_solve(B, LU, pivots)\nshould be replaced with\nX = torch.linalg.lu_solve(LU, pivots, B)",
                  UserWarning, stacklevel=2)
    return lu_solve(LU_data, LU_pivots, b)


# --- built from the above: matrix_power, cond, tensorinv, tensorsolve, vecdot, vander, diagonal --------------
def matrix_power(A, n: int, *, out=None):  # noqa: N803
    """Aⁿ for (a batch of) square matrices by repeated squaring: n = 0 gives I, n < 0 powers A⁻¹."""
    _refuse_out(out, "matrix_power")
    if not isinstance(n, numbers.Integral):
        raise TypeError(f"matrix_power(): argument 'n' must be int, not {type(n).__name__}")
    a = A._array
    if a.ndim < 2:
        raise RuntimeError("linalg.matrix_power: The input tensor A must have at least 2 dimensions.")
    if a.shape[-1] != a.shape[-2]:
        raise RuntimeError(f"linalg.matrix_power: A must be batches of square matrices, but they are "
                           f"{a.shape[-2]} by {a.shape[-1]} matrices")
    if n == 0:
        return A * 0 + Tensor._wrap(np.eye(a.shape[-1], dtype=a.dtype))
    base = inv(A) if n < 0 else A
    n = abs(n)
    if n == 1:
        return base.clone()
    result = None
    while n:
        if n & 1:
            result = base if result is None else matmul(result, base)
        n >>= 1
        if n:
            base = matmul(base, base)
    return result


def matrix_norm(A, ord="fro", dim=(-2, -1), keepdim: bool = False, *, dtype=None, out=None):  # noqa: A002, N803
    """``torch.linalg.matrix_norm``: 'fro' (√Σa²), 'nuc' (Σσ), 2 / -2 (the largest / smallest singular
    value), inf / -inf (the largest / smallest Σ|a| along a row), 1 / -1 (along a column), of the
    matrices in the two dims ``dim``; written with differentiable ops (svdvals for the SVD orders)."""
    _refuse_out(out, "matrix_norm")
    if dtype is not None:
        A = A.to(dtype)
    if A._array.ndim < 2:
        raise RuntimeError("linalg.matrix_norm: The input tensor A must have at least 2 dimensions.")
    if ord not in ("fro", "nuc", 2, -2, 1, -1, math.inf, -math.inf):
        raise RuntimeError(f"linalg.matrix_norm: Order {ord} not supported.")
    if ord == "fro":
        return linalg_vector_norm(A, 2, tuple(dim), keepdim)
    nd = A._array.ndim
    rows, cols = (d % nd for d in dim)
    if rows == cols:
        raise RuntimeError(f"linalg.matrix_norm: dims must be different. Got ({dim[0]}, {dim[1]})")
    if ord in ("nuc", 2, -2):
        moved = A.permute(*[d for d in range(nd) if d not in (rows, cols)], rows, cols)
        s = svdvals(moved)
        result = s.sum(-1) if ord == "nuc" else (s.amax(-1) if ord == 2 else s.amin(-1))
        if keepdim:
            for d in sorted((rows, cols)):
                result = result.unsqueeze(d)
        return result
    summed, kept = (cols, rows) if ord in (math.inf, -math.inf) else (rows, cols)
    sums = A.abs().sum(summed, keepdim=True)
    result = sums.amax(kept, keepdim=True) if ord in (math.inf, 1) else sums.amin(kept, keepdim=True)
    return result if keepdim else result.squeeze(max(rows, cols)).squeeze(min(rows, cols))


@torch_keywords(out="same")
def linalg_norm(A, ord=None, dim=None, keepdim: bool = False, *, dtype=None):  # noqa: A002, N803
    """``torch.linalg.norm``: a matrix norm when ``ord`` is a string, or is given with a 2-D input (or two
    dims); otherwise the vector norm of the elements (the 2-norm with ord=None)."""
    two_dims = isinstance(dim, (tuple, list)) and len(dim) == 2
    if isinstance(ord, str) or (ord is not None and (A._array.ndim == 2 and dim is None or two_dims)):
        return matrix_norm(A, ord, (-2, -1) if dim is None else dim, keepdim, dtype=dtype)
    return linalg_vector_norm(A, 2 if ord is None else ord, dim, keepdim, dtype=dtype)


@torch_keywords(out="same")
def cond(A, p=None):  # noqa: N803
    """The condition number ‖A‖·‖A⁻¹‖ in the norm ``p`` (None or 2: σ_max/σ_min; -2: σ_min/σ_max; 'fro',
    'nuc', inf, -inf, 1, -1 through the inverse). Real results only."""
    if p is None or p in (2, -2):
        _check_matrices("cond", A._array, square=False)
        s = svdvals(A)
        big, small = s[..., 0], s[..., -1]
        return big / small if p != -2 else small / big
    _check_matrices("cond", A._array, square=True)
    if p not in ("fro", "nuc", math.inf, -math.inf, 1, -1):
        raise RuntimeError(f"linalg.cond got an invalid norm type: {p}")
    return matrix_norm(A, p) * matrix_norm(inv(A), p)


@torch_keywords(out="same")
def tensorinv(A, ind: int = 2):  # noqa: N803
    """The tensor X with tensordot(X, A, ind) = I: A reshaped to a square matrix (its first ``ind`` dims
    as rows), inverted, and reshaped to A.shape[ind:] + A.shape[:ind]."""
    if ind <= 0:
        raise RuntimeError(f"Expected a strictly positive integer for 'ind', but got {ind}")
    shape = tuple(A._array.shape)
    rows, cols = math.prod(shape[:ind]), math.prod(shape[ind:])
    if rows != cols:
        raise RuntimeError(f"Expected self to satisfy the requirement prod(self.shape[ind:]) == "
                           f"prod(self.shape[:ind]), but got {cols} != {rows}")
    return reshape(inv(reshape(A, (rows, cols))), shape[ind:] + shape[:ind])


def tensorsolve(A, B, dims=None, *, out=None):  # noqa: N803
    """X with tensordot(A, X, X.ndim) = B: A reshaped to (B.numel(), the rest) and solved."""
    _refuse_out(out, "tensorsolve")
    if dims is not None:
        nd = A._array.ndim
        moved = [d % nd for d in dims]
        A = A.permute(*[d for d in range(nd) if d not in moved], *moved)
    shape = tuple(A._array.shape)
    rest = shape[B._array.ndim:]
    rows, cols = B._array.size, math.prod(rest)
    if rows != cols or shape[:B._array.ndim] != tuple(B._array.shape):
        raise RuntimeError(f"Expected self to satisfy the requirement prod(self.shape[other.ndim:]) == "
                           f"prod(self.shape[:other.ndim]), but got {cols} != {rows}")
    x = matmul(inv(reshape(A, (rows, cols))), reshape(B, (rows,)))
    return reshape(x, rest)


def vecdot(x, y, *, dim: int = -1, out=None):
    """Σ x·y along ``dim`` (broadcast): the dot product of the vectors there."""
    _refuse_out(out, "vecdot")
    return (x * y).sum(dim)


def vander(x, *, N=None):  # noqa: N803
    """The Vandermonde matrix of x: columns x⁰, x¹, …, x^(N-1) (N = len(x) by default), as a cumprod."""
    if x._array.ndim < 1:
        raise RuntimeError("linalg.vander: x must have at least one dimension.")
    n = x._array.shape[-1] if N is None else N
    if n <= 1:
        if n < 1:
            raise RuntimeError("N must be greater than 1.")
        return Tensor._wrap(np.ones(x._array.shape + (1,), dtype=x._array.dtype))
    ones = Tensor._wrap(np.ones(x._array.shape + (1,), dtype=x._array.dtype))
    powers = x.unsqueeze(-1).expand(*x._array.shape, n - 1)
    return cumprod(cat([ones, powers], -1), -1)


def diagonal(A, *, offset: int = 0, dim1: int = -2, dim2: int = -1):  # noqa: N803
    """``torch.linalg.diagonal``: ``A.diagonal`` with the last two dims as the default."""
    return A.diagonal(offset=offset, dim1=dim1, dim2=dim2)


TENSOR_METHODS = {
    "inverse": inverse, "logdet": logdet, "slogdet": _torch_slogdet, "pinverse": pinverse,
    "cholesky": _torch_cholesky, "cholesky_solve": cholesky_solve, "cholesky_inverse": cholesky_inverse,
    "qr": _torch_qr, "triangular_solve": triangular_solve, "lu": _torch_lu, "lu_solve": _torch_lu_solve,
    "matrix_power": matrix_power,
}


def _refuse_out(out, name: str) -> None:
    """``out=`` is not written here: refuse it plainly rather than ignore it (the result is returned)."""
    if out is not None:
        raise NotImplementedError(f"{name}(): glassgrad does not take out= here; use the returned tensor")
