"""``glassgrad.distributions.pareto`` — the power law: scale·e^E with E ~ Exponential(alpha)."""

from __future__ import annotations

from glassgrad.distributions import constraints
from glassgrad.distributions.exponential import Exponential
from glassgrad.distributions.transformed_distribution import TransformedDistribution
from glassgrad.distributions.transforms import AffineTransform, ExpTransform
from glassgrad.distributions.utils import broadcast_all
from glassgrad.tensor import Tensor

__all__ = ["Pareto"]


class Pareto(TransformedDistribution):
    """p(x) = alpha·scaleᵅ/x^(alpha+1) for x ≥ scale.  mean alpha·scale/(alpha − 1) (alpha > 1);
    entropy = log(scale/alpha) + 1 + 1/alpha."""

    arg_constraints = {"alpha": constraints.positive, "scale": constraints.positive}

    def __init__(self, scale, alpha, validate_args=None):
        self.scale, self.alpha = broadcast_all(scale, alpha)
        base_dist = Exponential(self.alpha, validate_args=validate_args)
        transforms = [ExpTransform(), AffineTransform(loc=0, scale=self.scale)]
        super().__init__(base_dist, transforms, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(Pareto, _instance)
        new.scale = self.scale.expand(batch_shape)
        new.alpha = self.alpha.expand(batch_shape)
        return super().expand(batch_shape, _instance=new)

    @property
    def mean(self) -> Tensor:
        a = self.alpha.clamp(min=1)
        return a * self.scale / (a - 1)

    @property
    def mode(self) -> Tensor:
        return self.scale

    @property
    def variance(self) -> Tensor:
        a = self.alpha.clamp(min=2)
        return self.scale.pow(2) * a / ((a - 1).pow(2) * (a - 2))

    @property
    def support(self):
        return constraints.greater_than_eq(self.scale)

    def entropy(self):
        return (self.scale / self.alpha).log() + (1 + self.alpha.reciprocal())
