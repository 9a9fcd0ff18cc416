"""``weight_norm``, ``spectral_norm`` and ``orthogonal`` as parametrizations, as
``torch.nn.utils.parametrizations``.

Part III, nn chapter, after parametrize.py. The same two reparametrizations as weight_norm.py and
spectral_norm.py (the math is in their docstrings), and an orthogonal one, written as modules that
``parametrize.register_parametrization`` runs each time ``module.weight`` is read:

    weight_norm:    parametrizations.weight.original0 = g, original1 = v;   w = g·v/‖v‖
    spectral_norm:  parametrizations.weight.original = W, buffers _u and _v;  w = W/σ(W)
    orthogonal:     w = base · Q(X), Q an orthogonal matrix made from the unconstrained X by
                    matrix_exp(A), the Cayley map (I − A/2)⁻¹(I + A/2) (A = X's lower triangle minus its
                    transpose: skew-symmetric), or a product of Householder reflections

``parametrize.cached()`` computes the weight once for a whole forward, as in PyTorch.
"""

from __future__ import annotations

from enum import Enum, auto

import numpy as np

from glassgrad import creation
from glassgrad.autograd.grad_mode import no_grad
from glassgrad.nn.conv import ConvTranspose2d
from glassgrad.nn.functional_norm import normalize
from glassgrad.nn.module import Module
from glassgrad.nn.utils import parametrize
from glassgrad.nn.utils.weight_norm import _weight_norm, norm_except_dim
from glassgrad.ops.joining import cat
from glassgrad.ops.decompositions import matrix_exp, solve
from glassgrad.ops.linalg import dot, mv
from glassgrad.tensor import Tensor

__all__ = ["orthogonal", "weight_norm", "spectral_norm"]


# --- orthogonal ---------------------------------------------------------------------------------------
def _is_orthogonal(Q: Tensor) -> bool:
    n, k = Q.shape[-2], Q.shape[-1]
    eps = 10.0 * n * float(np.finfo(Q._array.dtype).eps)
    return bool(np.allclose(np.swapaxes(Q._array, -1, -2) @ Q._array, np.eye(k), atol=eps))


def _geqrf(a: np.ndarray) -> tuple:
    """LAPACK's geqrf of each matrix: the Householder vectors below the diagonal, R on and above it,
    and the τ of each reflection (numpy's qr(mode='raw') gives them transposed)."""
    flat = a.reshape((-1,) + a.shape[-2:])
    parts = [np.linalg.qr(m, mode="raw") for m in flat]
    h = np.stack([np.swapaxes(p[0], -1, -2) for p in parts]).reshape(a.shape)
    return h, np.stack([p[1] for p in parts]).reshape(a.shape[:-2] + (min(a.shape[-2:]),))


def _make_orthogonal(A: Tensor) -> Tensor:
    """The Q of A = QR (A tall) with R's diagonal made non-negative, as PyTorch's helper."""
    q, r = np.linalg.qr(A._array)
    signs = np.sign(np.diagonal(r, axis1=-2, axis2=-1))
    return Tensor._wrap(q * np.where(signs == 0, 1, signs)[..., None, :])


def _householder_product(A: Tensor, tau: Tensor) -> Tensor:
    """The first k columns of H₁H₂…H_k, H_i = I − τᵢvᵢvᵢᵀ with vᵢ = column i of A below the diagonal
    and 1 on it (LAPACK's orgqr, ``torch.linalg.householder_product``), as recorded ops."""
    n, k = A.shape[-2], A.shape[-1]
    eye = creation.eye(n, dtype=A.dtype)
    Q = eye.expand(*A.shape[:-2], n, n)
    below = Tensor._wrap(np.tril(np.ones((n, k), A._array.dtype), -1))
    for i in range(k):
        v = (A * below)[..., :, i:i + 1] + eye[:, i:i + 1]
        Q = Q - tau[..., i:i + 1].unsqueeze(-1) * (Q @ v) @ v.mT
    return Q[..., :k]


class _OrthMaps(Enum):
    matrix_exp = auto()
    cayley = auto()
    householder = auto()


class _Orthogonal(Module):
    """Q(X) for the unconstrained ``original`` X (see the module docstring). With ``use_trivialization``
    the buffer ``base`` (an orthogonal matrix) multiplies it: assigning a weight W sets base to W made
    orthogonal (QR, R's diagonal non-negative) and X to −I, where every map gives Q(X) = I, so the
    weight starts as base. Without it, assigning W stores geqrf's reflections (householder only)."""

    def __init__(self, weight: Tensor, orthogonal_map: _OrthMaps, *, use_trivialization: bool = True) -> None:
        super().__init__()
        self.shape = weight.shape
        self.orthogonal_map = orthogonal_map
        if use_trivialization:
            self.register_buffer("base", None)

    def forward(self, X: Tensor) -> Tensor:
        n, k = X.shape[-2], X.shape[-1]
        transposed = n < k
        if transposed:
            X = X.mT
            n, k = k, n
        if self.orthogonal_map in (_OrthMaps.matrix_exp, _OrthMaps.cayley):
            X = X.tril()
            if n != k:
                X = cat([X, creation.zeros(*X.shape[:-2], n, n - k, dtype=X.dtype)], -1)
            A = X - X.mH
            if self.orthogonal_map == _OrthMaps.matrix_exp:
                Q = matrix_exp(A)
            else:
                eye = creation.eye(n, dtype=A.dtype)
                Q = solve(eye - 0.5 * A, eye + 0.5 * A)
            if n != k:
                Q = Q[..., :k]
        else:
            A = X.tril(diagonal=-1)
            tau = 2.0 / (1.0 + (A * A).sum(dim=-2))
            Q = _householder_product(A, tau)
            Q = Q * Tensor._wrap(np.trunc(np.diagonal(X._array, axis1=-2, axis2=-1)))[..., None, :]
        if "base" in self._buffers:
            Q = self.base @ Q
        if transposed:
            Q = Q.mT
        return Q

    def right_inverse(self, Q: Tensor) -> Tensor:
        with no_grad():
            if tuple(Q.shape) != tuple(self.shape):
                raise ValueError(f"Expected a matrix or batch of matrices of shape {self.shape}. "
                                 f"Got a tensor of shape {Q.shape}.")
            Q_init = Q
            n, k = Q.shape[-2], Q.shape[-1]
            transpose = n < k
            if transpose:
                Q = Q.mT
                n, k = k, n
            if "base" not in self._buffers:
                if self.orthogonal_map in (_OrthMaps.cayley, _OrthMaps.matrix_exp):
                    raise NotImplementedError("It is not possible to assign to the matrix exponential "
                                              "or the Cayley parametrizations when use_trivialization=False.")
                A, tau = _geqrf(np.array(Q._array))
                i = np.arange(k)  # R's diagonal becomes its signs, flipped where a reflection is I
                signs = np.sign(A[..., i, i])
                signs[tau == 0.0] *= -1
                A[..., i, i] = signs
                A = Tensor._wrap(A)
                return A.mT if transpose else A
            if n == k:
                Q = Q.clone() if _is_orthogonal(Q) else _make_orthogonal(Q)
            else:
                N = creation.randn(*(tuple(Q.shape[:-2]) + (n, n - k)), dtype=Q.dtype)
                Q = _make_orthogonal(cat([Q, N], -1))
            self.base = Q
            neg_id = creation.zeros_like(Q_init)
            neg_id.diagonal(dim1=-2, dim2=-1).fill_(-1.0)
            return neg_id


def orthogonal(module: Module, name: str = "weight", orthogonal_map: str | None = None, *,
               use_trivialization: bool = True) -> Module:
    """Keep ``module.<name>`` orthogonal (QᵀQ = I, or QQᵀ = I when wide): ``orthogonal_map`` is
    "matrix_exp" (square default), "cayley" or "householder" (default for non-square matrices)."""
    weight = getattr(module, name, None)
    if not isinstance(weight, Tensor):
        raise ValueError(f"Module '{module}' has no parameter or buffer with name '{name}'")
    if weight.ndim < 2:
        raise ValueError(f"Expected a matrix or batch of matrices. Got a tensor of {weight.ndim} dimensions.")
    if orthogonal_map is None:
        orthogonal_map = "matrix_exp" if weight.shape[-2] == weight.shape[-1] else "householder"
    orth_enum = getattr(_OrthMaps, orthogonal_map, None)
    if orth_enum is None:
        raise ValueError('orthogonal_map has to be one of "matrix_exp", "cayley", "householder". '
                         f"Got: {orthogonal_map}")
    orth = _Orthogonal(weight, orth_enum, use_trivialization=use_trivialization)
    parametrize.register_parametrization(module, name, orth, unsafe=True)
    return module


class _WeightNorm(Module):
    """w = g·v/‖v‖ from (g, v) = (original0, original1); right_inverse splits a weight into the two."""

    def __init__(self, dim: int | None = 0) -> None:
        super().__init__()
        if dim is None:
            dim = -1
        self.dim = dim

    def forward(self, weight_g: Tensor, weight_v: Tensor) -> Tensor:
        return _weight_norm(weight_v, weight_g, self.dim)

    def right_inverse(self, weight: Tensor) -> tuple:
        return norm_except_dim(weight, 2, self.dim), weight


def weight_norm(module: Module, name: str = "weight", dim: int = 0) -> Module:
    """Reparametrize ``module.<name>`` as g·v/‖v‖ (norm over every dimension but ``dim``; dim=None:
    the whole tensor): g is ``parametrizations.<name>.original0``, v ``original1``."""
    parametrize.register_parametrization(module, name, _WeightNorm(dim), unsafe=True)
    return module


class _SpectralNorm(Module):
    """W/σ(W), σ by power iteration on buffers _u and _v (15 steps at registration, then
    ``n_power_iterations`` per read in training mode); a 1-d weight is simply normalised."""

    def __init__(self, weight: Tensor, n_power_iterations: int = 1, dim: int = 0, eps: float = 1e-12) -> None:
        super().__init__()
        ndim = weight.ndim
        if dim >= ndim or dim < -ndim:
            raise IndexError(f"Dimension out of range (expected to be in range of [-{ndim}, {ndim - 1}] "
                             f"but got {dim})")
        if n_power_iterations <= 0:
            raise ValueError("Expected n_power_iterations to be positive, but "
                             f"got n_power_iterations={n_power_iterations}")
        self.dim = dim if dim >= 0 else dim + ndim
        self.eps = eps
        if ndim > 1:
            self.n_power_iterations = n_power_iterations
            weight_mat = self._reshape_weight_to_matrix(weight)
            h, w = weight_mat.shape
            u = weight_mat.new_empty(h).normal_(0, 1)
            v = weight_mat.new_empty(w).normal_(0, 1)
            self.register_buffer("_u", normalize(u, dim=0, eps=self.eps))
            self.register_buffer("_v", normalize(v, dim=0, eps=self.eps))
            self._power_method(weight_mat, 15)

    def _reshape_weight_to_matrix(self, weight: Tensor) -> Tensor:
        if self.dim != 0:
            weight = weight.permute(self.dim, *(d for d in range(weight.dim()) if d != self.dim))
        return weight.flatten(1)

    def _power_method(self, weight_mat: Tensor, n_power_iterations: int) -> None:
        """u ← normalize(Wv), then v ← normalize(Wᵀu), in place in the buffers (no gradient)."""
        with no_grad():
            for _ in range(n_power_iterations):
                self._u.copy_(normalize(mv(weight_mat, self._v), dim=0, eps=self.eps))
                self._v.copy_(normalize(mv(weight_mat.t(), self._u), dim=0, eps=self.eps))

    def forward(self, weight: Tensor) -> Tensor:
        if weight.ndim == 1:
            return normalize(weight, dim=0, eps=self.eps)
        weight_mat = self._reshape_weight_to_matrix(weight)
        if self.training:
            self._power_method(weight_mat, self.n_power_iterations)
        u, v = self._u.clone(), self._v.clone()  # constants for the gradient; the buffers move on
        sigma = dot(u, mv(weight_mat, v))
        return weight / sigma

    def right_inverse(self, value: Tensor) -> Tensor:
        return value


def spectral_norm(module: Module, name: str = "weight", n_power_iterations: int = 1, eps: float = 1e-12,
                  dim: int | None = None) -> Module:
    """Reparametrize ``module.<name>`` as W/σ(W), σ its largest singular value by power iteration
    (``parametrizations.<name>.original`` is W; the buffers ``_u`` and ``_v`` the iteration's vectors)."""
    weight = getattr(module, name, None)
    if not isinstance(weight, Tensor):
        raise ValueError(f"Module '{module}' has no parameter or buffer with name '{name}'")
    if dim is None:
        dim = 1 if isinstance(module, ConvTranspose2d) else 0  # (ConvTranspose1d is one too)
    parametrize.register_parametrization(module, name, _SpectralNorm(weight, n_power_iterations, dim, eps))
    return module
