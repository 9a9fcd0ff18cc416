"""``glassgrad.distributions.gumbel`` — the distribution of a maximum (the Gumbel-max trick)."""

from __future__ import annotations

import math

from glassgrad.creation import full_like, ones_like
from glassgrad.distributions import constraints
from glassgrad.distributions.transformed_distribution import TransformedDistribution
from glassgrad.distributions.transforms import AffineTransform, ExpTransform
from glassgrad.distributions.uniform import Uniform
from glassgrad.distributions.utils import broadcast_all, finfo_eps, finfo_tiny
from glassgrad.tensor import Tensor

__all__ = ["Gumbel"]

EULER_CONSTANT = 0.57721566490153286060


class Gumbel(TransformedDistribution):
    """x = loc − scale·log(−log u), u ~ U(tiny, 1 − eps).  log p = (y − eʸ) − log scale with
    y = (loc − x)/scale;  mean loc + γ·scale;  entropy log scale + 1 + γ."""

    arg_constraints = {"loc": constraints.real, "scale": constraints.positive}
    support = constraints.real

    def __init__(self, loc, scale, validate_args=None):
        self.loc, self.scale = broadcast_all(loc, scale)
        tiny, eps = finfo_tiny(self.loc.dtype), finfo_eps(self.loc.dtype)
        if not isinstance(loc, Tensor) and not isinstance(scale, Tensor):
            base_dist = Uniform(tiny, 1 - eps, validate_args=validate_args)
        else:
            base_dist = Uniform(full_like(self.loc, tiny), full_like(self.loc, 1 - eps), validate_args=validate_args)
        transforms = [ExpTransform().inv, AffineTransform(loc=0, scale=-ones_like(self.scale)), ExpTransform().inv,
                      AffineTransform(loc=loc, scale=-self.scale)]
        super().__init__(base_dist, transforms, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(Gumbel, _instance)
        new.loc = self.loc.expand(batch_shape)
        new.scale = self.scale.expand(batch_shape)
        return super().expand(batch_shape, _instance=new)

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        y = (self.loc - value) / self.scale
        return (y - y.exp()) - self.scale.log()

    @property
    def mean(self) -> Tensor:
        return self.loc + self.scale * EULER_CONSTANT

    @property
    def mode(self) -> Tensor:
        return self.loc

    @property
    def stddev(self) -> Tensor:
        return (math.pi / math.sqrt(6)) * self.scale

    @property
    def variance(self) -> Tensor:
        return self.stddev.pow(2)

    def entropy(self):
        return self.scale.log() + (1 + EULER_CONSTANT)
