"""``glassgrad.distributions.studentT`` — Student's t: a normal whose variance is itself uncertain
(heavier tails as ``df`` shrinks)."""  # noqa: N999  (PyTorch's file name)

from __future__ import annotations

import math

from glassgrad.distributions import constraints
from glassgrad.distributions.chi2 import Chi2
from glassgrad.distributions.distribution import Distribution
from glassgrad.distributions.utils import broadcast_all
from glassgrad.ops.elementwise import where
from glassgrad.ops.special_math import digamma, lgamma
from glassgrad.tensor import Size, Tensor

__all__ = ["StudentT"]


class StudentT(Distribution):
    """x = loc + scale·z/√(χ²/df), z ~ N(0, 1), χ² ~ Chi2(df).
    log p = −½(df + 1)·log(1 + y²/df) − log scale − ½ log df − ½ log π − log Γ(df/2) + log Γ((df + 1)/2),
    y = (x − loc)/scale. The χ² draw uses glassgrad's gamma sampler, so draws match PyTorch's in
    distribution."""

    arg_constraints = {"df": constraints.positive, "loc": constraints.real, "scale": constraints.positive}
    support = constraints.real
    has_rsample = True

    def __init__(self, df, loc=0.0, scale=1.0, validate_args=None):
        self.df, self.loc, self.scale = broadcast_all(df, loc, scale)
        self._chi2 = Chi2(self.df)
        super().__init__(self.df.size(), validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(StudentT, _instance)
        batch_shape = Size(batch_shape)
        new.df = self.df.expand(batch_shape)
        new.loc = self.loc.expand(batch_shape)
        new.scale = self.scale.expand(batch_shape)
        new._chi2 = self._chi2.expand(batch_shape)
        Distribution.__init__(new, batch_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new

    @property
    def mean(self) -> Tensor:
        return where(self.df <= 1, math.nan, self.loc)

    @property
    def mode(self) -> Tensor:
        return self.loc

    @property
    def variance(self) -> Tensor:
        finite = self.scale.pow(2) * self.df / (self.df - 2)
        return where(self.df > 2, finite, where(self.df > 1, math.inf, math.nan))

    def rsample(self, sample_shape=Size()) -> Tensor:
        shape = self._extended_shape(sample_shape)
        x = self.df.new_empty(shape).normal_()
        z = self._chi2.rsample(sample_shape)
        return self.loc + self.scale * x * (z / self.df).rsqrt()

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        y = (value - self.loc) / self.scale
        z = (self.scale.log() + 0.5 * self.df.log() + 0.5 * math.log(math.pi) + lgamma(0.5 * self.df)
             - lgamma(0.5 * (self.df + 1.0)))
        return -0.5 * (self.df + 1.0) * (y ** 2.0 / self.df).log1p() - z

    def entropy(self):
        lbeta = lgamma(0.5 * self.df) + math.lgamma(0.5) - lgamma(0.5 * (self.df + 1))
        return (self.scale.log() + 0.5 * (self.df + 1) * (digamma(0.5 * (self.df + 1)) - digamma(0.5 * self.df))
                + 0.5 * self.df.log() + lbeta)
