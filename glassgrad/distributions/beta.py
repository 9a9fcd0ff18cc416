"""``glassgrad.distributions.beta`` — distributions over [0, 1] (a probability's uncertainty): the
two-outcome Dirichlet."""

from __future__ import annotations

from glassgrad.creation import tensor as _tensor
from glassgrad.distributions import constraints
from glassgrad.distributions.dirichlet import Dirichlet
from glassgrad.distributions.distribution import Distribution
from glassgrad.distributions.utils import broadcast_all
from glassgrad.ops.joining import stack
from glassgrad.tensor import Size, Tensor

__all__ = ["Beta"]


class Beta(Distribution):
    """p(x) ∝ x^(c1−1)·(1 − x)^(c0−1): Dirichlet([c1, c0]) read at its first coordinate.
    mean c1/(c1 + c0);  variance c1·c0/((c1 + c0)²·(c1 + c0 + 1))."""

    arg_constraints = {"concentration1": constraints.positive, "concentration0": constraints.positive}
    support = constraints.unit_interval
    has_rsample = True

    def __init__(self, concentration1, concentration0, validate_args=None):
        if not isinstance(concentration1, Tensor) and not isinstance(concentration0, Tensor):
            pair = _tensor([float(concentration1), float(concentration0)])
        else:
            concentration1, concentration0 = broadcast_all(concentration1, concentration0)
            pair = stack([concentration1, concentration0], -1)
        self._dirichlet = Dirichlet(pair, validate_args=validate_args)
        super().__init__(self._dirichlet._batch_shape, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(Beta, _instance)
        batch_shape = Size(batch_shape)
        new._dirichlet = self._dirichlet.expand(batch_shape)
        Distribution.__init__(new, batch_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new

    @property
    def mean(self) -> Tensor:
        return self.concentration1 / (self.concentration1 + self.concentration0)

    @property
    def mode(self) -> Tensor:
        return self._dirichlet.mode[..., 0]

    @property
    def variance(self) -> Tensor:
        total = self.concentration1 + self.concentration0
        return self.concentration1 * self.concentration0 / (total.pow(2) * (total + 1))

    def rsample(self, sample_shape=()) -> Tensor:
        return self._dirichlet.rsample(sample_shape).select(-1, 0)

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        heads_tails = stack([value, 1.0 - value], -1)
        return self._dirichlet.log_prob(heads_tails)

    def entropy(self):
        return self._dirichlet.entropy()

    @property
    def concentration1(self) -> Tensor:
        return self._dirichlet.concentration[..., 0]

    @property
    def concentration0(self) -> Tensor:
        return self._dirichlet.concentration[..., 1]
