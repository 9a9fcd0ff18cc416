"""Spectral normalisation (Miyato et al., 2018), the hook-based API, as ``torch.nn.utils.spectral_norm``.

Part III, nn chapter. A GAN critic stays 1-Lipschitz-ish when each weight is divided by its largest
singular value σ(W), estimated cheaply by power iteration on W seen as a matrix (dimension ``dim`` —
the outputs — as rows, everything else flattened into columns):

    v ← normalize(Wᵀu),  u ← normalize(Wv)       (n_power_iterations times, only in training mode)
    σ = uᵀWv,   W_SN = W / σ

u and v are buffers (``weight_u``, ``weight_v``) that carry the estimate from one forward to the next;
the parameter itself becomes ``weight_orig``, and ``module.weight`` (a plain tensor) is recomputed by a
forward pre-hook. u and v start as normalised draws from N(0, 1), u first, from the global generator,
so after the same ``manual_seed`` they are PyTorch's. The gradient flows through σ into ``weight_orig``
(u and v are constants for it, as in PyTorch). The newer parametrize-based form is
``nn.utils.parametrizations.spectral_norm``.
"""

from __future__ import annotations

from glassgrad.autograd.grad_mode import no_grad
from glassgrad.nn.conv import ConvTranspose2d
from glassgrad.nn.functional_norm import normalize
from glassgrad.nn.parameter import Parameter
from glassgrad.ops.linalg import dot, mv
from glassgrad.tensor import Tensor

__all__ = ["SpectralNorm", "spectral_norm", "remove_spectral_norm"]


class SpectralNorm:
    """The forward pre-hook of ``spectral_norm``: ``module.<name>`` = ``<name>_orig`` / σ before each
    forward, σ from the power iteration's u and v (moved on one step per forward while training)."""

    _version: int = 1
    name: str
    dim: int
    n_power_iterations: int
    eps: float

    def __init__(self, name: str = "weight", n_power_iterations: int = 1, dim: int = 0,
                 eps: float = 1e-12) -> None:
        self.name = name
        self.dim = dim
        if n_power_iterations <= 0:
            raise ValueError("Expected n_power_iterations to be positive, but "
                             f"got n_power_iterations={n_power_iterations}")
        self.n_power_iterations = n_power_iterations
        self.eps = eps

    def reshape_weight_to_matrix(self, weight: Tensor) -> Tensor:
        """W as a matrix: dimension ``dim`` as the rows, the rest flattened into the columns."""
        if self.dim != 0:
            weight = weight.permute(self.dim, *[d for d in range(weight.dim()) if d != self.dim])
        return weight.reshape(weight.size(0), -1)

    def compute_weight(self, module, do_power_iteration: bool) -> Tensor:
        weight = getattr(module, self.name + "_orig")
        u = getattr(module, self.name + "_u")
        v = getattr(module, self.name + "_v")
        weight_mat = self.reshape_weight_to_matrix(weight)
        if do_power_iteration:
            with no_grad():  # the buffers are updated in place (state_dict and DataParallel see them)
                for _ in range(self.n_power_iterations):
                    v.copy_(normalize(mv(weight_mat.t(), u), dim=0, eps=self.eps))
                    u.copy_(normalize(mv(weight_mat, v), dim=0, eps=self.eps))
                u, v = u.clone(), v.clone()  # so that the next step's in-place update can't break backward
        sigma = dot(u, mv(weight_mat, v))
        return weight / sigma

    def remove(self, module) -> None:
        with no_grad():
            weight = self.compute_weight(module, do_power_iteration=False)
        delattr(module, self.name)
        delattr(module, self.name + "_u")
        delattr(module, self.name + "_v")
        delattr(module, self.name + "_orig")
        module.register_parameter(self.name, Parameter(weight.detach()))

    def __call__(self, module, inputs) -> None:
        setattr(module, self.name, self.compute_weight(module, do_power_iteration=module.training))

    @staticmethod
    def apply(module, name: str, n_power_iterations: int, dim: int, eps: float) -> SpectralNorm:
        for hook in module._forward_pre_hooks.values():
            if isinstance(hook, SpectralNorm) and hook.name == name:
                raise RuntimeError(f"Cannot register two spectral_norm hooks on the same parameter {name}")
        fn = SpectralNorm(name, n_power_iterations, dim, eps)
        weight = module._parameters[name]
        if weight is None:
            raise ValueError(f"`SpectralNorm` cannot be applied as parameter `{name}` is None")
        with no_grad():
            h, w = fn.reshape_weight_to_matrix(weight).shape
            u = normalize(weight.new_empty(h).normal_(0, 1), dim=0, eps=fn.eps)
            v = normalize(weight.new_empty(w).normal_(0, 1), dim=0, eps=fn.eps)
        delattr(module, fn.name)
        module.register_parameter(fn.name + "_orig", weight)
        setattr(module, fn.name, weight.data)  # a plain tensor until the first forward
        module.register_buffer(fn.name + "_u", u)
        module.register_buffer(fn.name + "_v", v)
        module.register_forward_pre_hook(fn)
        return fn


def spectral_norm(module, name: str = "weight", n_power_iterations: int = 1, eps: float = 1e-12,
                  dim: int | None = None):
    """Divide ``module.<name>`` by its spectral norm σ, estimated by power iteration before each
    forward in training mode. ``dim``: the output dimension (0, or 1 for transposed convolutions).
    Returns the module."""
    if dim is None:
        dim = 1 if isinstance(module, ConvTranspose2d) else 0  # (ConvTranspose1d is one too)
    SpectralNorm.apply(module, name, n_power_iterations, dim, eps)
    return module


def remove_spectral_norm(module, name: str = "weight"):
    """Undo ``spectral_norm``: ``<name>`` is one parameter again, W/σ with the current u and v."""
    for key, hook in module._forward_pre_hooks.items():
        if isinstance(hook, SpectralNorm) and hook.name == name:
            hook.remove(module)
            del module._forward_pre_hooks[key]
            return module
    raise ValueError(f"spectral_norm of '{name}' not found in {module}")
