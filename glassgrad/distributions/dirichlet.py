"""``glassgrad.distributions.dirichlet`` — distributions over the probability simplex (the conjugate
prior of a categorical)."""

from __future__ import annotations

from glassgrad.distributions import constraints
from glassgrad.distributions.distribution import Distribution
from glassgrad.distributions.gamma import standard_gamma
from glassgrad.nn import functional as F
from glassgrad.ops.special_math import digamma, lgamma, xlogy
from glassgrad.tensor import Size, Tensor

__all__ = ["Dirichlet"]


class Dirichlet(Distribution):
    """p(x) = Γ(α₀)/Πᵢ Γ(αᵢ) · Πᵢ xᵢ^(αᵢ−1) on the simplex, α₀ = Σ αᵢ.
    entropy = Σ log Γ(αᵢ) − log Γ(α₀) − (K − α₀)·ψ(α₀) − Σ (αᵢ − 1)·ψ(αᵢ);
    rsample = g/Σg with gᵢ ~ Gamma(αᵢ, 1) (each differentiable in αᵢ)."""

    arg_constraints = {"concentration": constraints.independent(constraints.positive, 1)}
    support = constraints.simplex
    has_rsample = True

    def __init__(self, concentration, validate_args=None):
        if concentration.dim() < 1:
            raise ValueError("`concentration` parameter must be at least one-dimensional.")
        self.concentration = concentration
        super().__init__(concentration.shape[:-1], concentration.shape[-1:], validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(Dirichlet, _instance)
        batch_shape = Size(batch_shape)
        new.concentration = self.concentration.expand(tuple(batch_shape) + tuple(self.event_shape))
        Distribution.__init__(new, batch_shape, self.event_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new

    def rsample(self, sample_shape=Size()) -> Tensor:
        shape = self._extended_shape(sample_shape)
        gammas = standard_gamma(self.concentration.expand(shape))
        return gammas / gammas.sum(-1, keepdim=True)

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        return (xlogy(self.concentration - 1.0, value).sum(-1) + lgamma(self.concentration.sum(-1))
                - lgamma(self.concentration).sum(-1))

    @property
    def mean(self) -> Tensor:
        return self.concentration / self.concentration.sum(-1, True)

    @property
    def mode(self) -> Tensor:
        concentrationm1 = (self.concentration - 1).clamp(min=0.0)
        mode = concentrationm1 / concentrationm1.sum(-1, True)
        mask = (self.concentration < 1).all(dim=-1)
        if bool(mask.any()):
            mode[mask] = F.one_hot(mode[mask].argmax(dim=-1), concentrationm1.shape[-1]).to(mode.dtype)
        return mode

    @property
    def variance(self) -> Tensor:
        con0 = self.concentration.sum(-1, True)
        return self.concentration * (con0 - self.concentration) / (con0.pow(2) * (con0 + 1))

    def entropy(self):
        k = self.concentration.size(-1)
        a0 = self.concentration.sum(-1)
        return (lgamma(self.concentration).sum(-1) - lgamma(a0) - (k - a0) * digamma(a0)
                - ((self.concentration - 1.0) * digamma(self.concentration)).sum(-1))
