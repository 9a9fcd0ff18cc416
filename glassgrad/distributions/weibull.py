"""``glassgrad.distributions.weibull`` — scale·E^(1/concentration) with E ~ Exponential(1) (lifetimes)."""

from __future__ import annotations

from glassgrad.creation import ones_like
from glassgrad.distributions import constraints
from glassgrad.distributions.exponential import Exponential
from glassgrad.distributions.gumbel import EULER_CONSTANT
from glassgrad.distributions.transformed_distribution import TransformedDistribution
from glassgrad.distributions.transforms import AffineTransform, PowerTransform
from glassgrad.distributions.utils import broadcast_all
from glassgrad.ops.special_math import lgamma
from glassgrad.tensor import Tensor

__all__ = ["Weibull"]


class Weibull(TransformedDistribution):
    """p(x) = (k/λ)(x/λ)^(k−1)·e^(−(x/λ)ᵏ), λ = scale, k = concentration.  mean λ·Γ(1 + 1/k);
    entropy = γ·(1 − 1/k) + log(λ/k) + 1."""

    arg_constraints = {"scale": constraints.positive, "concentration": constraints.positive}
    support = constraints.positive

    def __init__(self, scale, concentration, validate_args=None):
        self.scale, self.concentration = broadcast_all(scale, concentration)
        self.concentration_reciprocal = self.concentration.reciprocal()
        base_dist = Exponential(ones_like(self.scale), validate_args=validate_args)
        transforms = [PowerTransform(exponent=self.concentration_reciprocal), AffineTransform(loc=0, scale=self.scale)]
        super().__init__(base_dist, transforms, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(Weibull, _instance)
        new.scale = self.scale.expand(batch_shape)
        new.concentration = self.concentration.expand(batch_shape)
        new.concentration_reciprocal = new.concentration.reciprocal()
        base_dist = self.base_dist.expand(batch_shape)
        transforms = [PowerTransform(exponent=new.concentration_reciprocal), AffineTransform(loc=0, scale=new.scale)]
        TransformedDistribution.__init__(new, base_dist, transforms, validate_args=False)
        new._validate_args = self._validate_args
        return new

    @property
    def mean(self) -> Tensor:
        return self.scale * lgamma(1 + self.concentration_reciprocal).exp()

    @property
    def mode(self) -> Tensor:
        return self.scale * ((self.concentration - 1) / self.concentration) ** self.concentration.reciprocal()

    @property
    def variance(self) -> Tensor:
        return self.scale.pow(2) * (lgamma(1 + 2 * self.concentration_reciprocal).exp()
                                    - (2 * lgamma(1 + self.concentration_reciprocal)).exp())

    def entropy(self):
        return (EULER_CONSTANT * (1 - self.concentration_reciprocal)
                + (self.scale * self.concentration_reciprocal).log() + 1)
