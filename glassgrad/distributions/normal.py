"""``glassgrad.distributions.normal`` — the normal distribution N(loc, scale²)."""

from __future__ import annotations

import math

from glassgrad.autograd.grad_mode import no_grad
from glassgrad.creation import normal as _normal
from glassgrad.distributions import constraints
from glassgrad.distributions.distribution import Distribution
from glassgrad.distributions.utils import broadcast_all
from glassgrad.ops.special_math import erf, erfinv
from glassgrad.tensor import Size, Tensor

__all__ = ["Normal"]


class Normal(Distribution):
    """N(loc, scale²).  log p(x) = −(x − loc)²/(2·scale²) − log scale − log √(2π);
    entropy = ½ + ½·log 2π + log scale;  cdf = ½·(1 + erf((x − loc)/(scale·√2)));
    rsample = loc + ε·scale with ε ~ N(0, 1) (the reparametrisation trick: the draw is differentiable)."""

    arg_constraints = {"loc": constraints.real, "scale": constraints.positive}
    support = constraints.real
    has_rsample = True

    def __init__(self, loc, scale, validate_args=None):
        self.loc, self.scale = broadcast_all(loc, scale)
        numbers = not isinstance(loc, Tensor) and not isinstance(scale, Tensor)
        super().__init__(Size() if numbers else self.loc.size(), validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(Normal, _instance)
        batch_shape = Size(batch_shape)
        new.loc = self.loc.expand(batch_shape)
        new.scale = self.scale.expand(batch_shape)
        Distribution.__init__(new, batch_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new

    @property
    def mean(self) -> Tensor:
        return self.loc

    @property
    def mode(self) -> Tensor:
        return self.loc

    @property
    def stddev(self) -> Tensor:
        return self.scale

    @property
    def variance(self) -> Tensor:
        return self.stddev.pow(2)

    def sample(self, sample_shape=Size()) -> Tensor:
        shape = self._extended_shape(sample_shape)
        with no_grad():
            return _normal(self.loc.expand(shape), self.scale.expand(shape))

    def rsample(self, sample_shape=Size()) -> Tensor:
        shape = self._extended_shape(sample_shape)
        eps = self.loc.new_empty(shape).normal_()
        return self.loc + eps * self.scale

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        var = self.scale ** 2
        return -((value - self.loc) ** 2) / (2 * var) - self.scale.log() - math.log(math.sqrt(2 * math.pi))

    def cdf(self, value):
        if self._validate_args:
            self._validate_sample(value)
        return 0.5 * (1 + erf((value - self.loc) * self.scale.reciprocal() / math.sqrt(2)))

    def icdf(self, value):
        return self.loc + self.scale * erfinv(2 * value - 1) * math.sqrt(2)

    def entropy(self):
        return 0.5 + 0.5 * math.log(2 * math.pi) + self.scale.log()
