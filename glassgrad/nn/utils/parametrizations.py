"""``weight_norm`` and ``spectral_norm`` as parametrizations, as ``torch.nn.utils.parametrizations``.

Part III, nn chapter, after parametrize.py. The same two reparametrizations as weight_norm.py and
spectral_norm.py (the math is in their docstrings), written as modules that
``parametrize.register_parametrization`` runs each time ``module.weight`` is read:

    weight_norm:    parametrizations.weight.original0 = g, original1 = v;   w = g·v/‖v‖
    spectral_norm:  parametrizations.weight.original = W, buffers _u and _v;  w = W/σ(W)

``parametrize.cached()`` computes the weight once for a whole forward, as in PyTorch.
"""

from __future__ import annotations

from glassgrad.autograd.grad_mode import no_grad
from glassgrad.nn.conv import ConvTranspose2d
from glassgrad.nn.functional_norm import normalize
from glassgrad.nn.module import Module
from glassgrad.nn.utils import parametrize
from glassgrad.nn.utils.weight_norm import _weight_norm, norm_except_dim
from glassgrad.ops.linalg import dot, mv
from glassgrad.tensor import Tensor

__all__ = ["weight_norm", "spectral_norm"]


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
