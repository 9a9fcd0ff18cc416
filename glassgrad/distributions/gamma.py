"""``glassgrad.distributions.gamma`` — the Gamma distribution (waiting time for ``concentration`` events
of a process with the given ``rate``), and the standard-gamma draw that Beta and Dirichlet share."""

from __future__ import annotations

import numpy as np

from glassgrad.autograd.function import Primitive
from glassgrad.creation import rand, randn
from glassgrad.distributions import constraints
from glassgrad.distributions.distribution import Distribution
from glassgrad.distributions.utils import (broadcast_all, finfo_tiny, gammainc, standard_gamma_array,
                                           standard_gamma_grad_array)
from glassgrad.dtypes import float64
from glassgrad.ops.special_math import digamma, lgamma, xlogy
from glassgrad.tensor import Size, Tensor

__all__ = ["Gamma", "standard_gamma"]


def _normal_draws(n: int) -> np.ndarray:
    return randn(n, dtype=float64).numpy()


def _uniform_draws(n: int) -> np.ndarray:
    return rand(n, dtype=float64).numpy()


class StandardGamma(Primitive):
    """x ~ Gamma(α, 1), drawn from glassgrad's generator (Marsaglia–Tsang; PyTorch's own sampler differs,
    so draws match PyTorch's in distribution, not number for number);
    grad_α = g · dx/dα at fixed quantile (implicit reparametrisation), as PyTorch's _standard_gamma_grad."""

    differentiable_backward = False

    @staticmethod
    def forward(ctx, alpha):
        x = standard_gamma_array(alpha, _normal_draws, _uniform_draws).astype(alpha.dtype)
        x = np.maximum(x, np.finfo(alpha.dtype).tiny)
        ctx.save_for_backward(alpha, x)
        return x

    @staticmethod
    def backward(ctx, g):
        alpha, x = ctx.saved_tensors
        alpha, x = np.asarray(alpha), np.asarray(x)
        return np.asarray(g) * standard_gamma_grad_array(alpha, x).astype(alpha.dtype)


def standard_gamma(concentration: Tensor) -> Tensor:
    """Gamma(concentration, 1) draws, differentiable in the concentration (torch._standard_gamma)."""
    return StandardGamma.apply(concentration)


class Gamma(Distribution):
    """p(x) = rateᵃ·x^(a−1)·e^(−rate·x)/Γ(a), a = concentration.
    log p = a·log rate + (a − 1)·log x − rate·x − log Γ(a);  entropy = a − log rate + log Γ(a) + (1 − a)·ψ(a);
    rsample = standard_gamma(a)/rate (reparametrised: implicit gradient in a, exact in rate)."""

    arg_constraints = {"concentration": constraints.positive, "rate": constraints.positive}
    support = constraints.nonnegative
    has_rsample = True

    def __init__(self, concentration, rate, validate_args=None):
        self.concentration, self.rate = broadcast_all(concentration, rate)
        numbers = not isinstance(concentration, Tensor) and not isinstance(rate, Tensor)
        super().__init__(Size() if numbers else self.concentration.size(), validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(Gamma, _instance)
        batch_shape = Size(batch_shape)
        new.concentration = self.concentration.expand(batch_shape)
        new.rate = self.rate.expand(batch_shape)
        Distribution.__init__(new, batch_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new

    @property
    def mean(self) -> Tensor:
        return self.concentration / self.rate

    @property
    def mode(self) -> Tensor:
        return ((self.concentration - 1) / self.rate).clamp(min=0)

    @property
    def variance(self) -> Tensor:
        return self.concentration / self.rate.pow(2)

    def rsample(self, sample_shape=Size()) -> Tensor:
        shape = self._extended_shape(sample_shape)
        value = standard_gamma(self.concentration.expand(shape)) / self.rate.expand(shape)
        return value.clamp(min=finfo_tiny(value.dtype)) if bool((value == 0).any()) else value

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        return (xlogy(self.concentration, self.rate) + xlogy(self.concentration - 1, value)
                - self.rate * value - lgamma(self.concentration))

    def entropy(self):
        return (self.concentration - self.rate.log() + lgamma(self.concentration)
                + (1.0 - self.concentration) * digamma(self.concentration))

    def cdf(self, value):
        if self._validate_args:
            self._validate_sample(value)
        return gammainc(self.concentration, self.rate * value)
