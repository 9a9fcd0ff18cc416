"""``glassgrad.distributions.log_normal`` — eˣ with x ~ Normal(loc, scale)."""

from __future__ import annotations

from glassgrad.distributions import constraints
from glassgrad.distributions.normal import Normal
from glassgrad.distributions.transformed_distribution import TransformedDistribution
from glassgrad.distributions.transforms import ExpTransform
from glassgrad.tensor import Tensor

__all__ = ["LogNormal"]


class LogNormal(TransformedDistribution):
    """y = eˣ, x ~ N(loc, scale²).  log p(y) = log N(log y) − log y;  mean e^(loc + scale²/2);
    variance (e^(scale²) − 1)·e^(2·loc + scale²);  entropy = entropy of the Normal + loc."""

    arg_constraints = {"loc": constraints.real, "scale": constraints.positive}
    support = constraints.positive
    has_rsample = True

    def __init__(self, loc, scale, validate_args=None):
        base_dist = Normal(loc, scale, validate_args=validate_args)
        super().__init__(base_dist, ExpTransform(), validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(LogNormal, _instance)
        return super().expand(batch_shape, _instance=new)

    @property
    def loc(self) -> Tensor:
        return self.base_dist.loc

    @property
    def scale(self) -> Tensor:
        return self.base_dist.scale

    @property
    def mean(self) -> Tensor:
        return (self.loc + self.scale.pow(2) / 2).exp()

    @property
    def mode(self) -> Tensor:
        return (self.loc - self.scale.square()).exp()

    @property
    def variance(self) -> Tensor:
        scale_sq = self.scale.pow(2)
        return scale_sq.expm1() * (2 * self.loc + scale_sq).exp()

    def entropy(self):
        return self.base_dist.entropy() + self.loc



