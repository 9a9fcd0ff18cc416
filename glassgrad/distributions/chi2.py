"""``glassgrad.distributions.chi2`` — the sum of ``df`` squared standard normals: Gamma(df/2, ½)."""

from __future__ import annotations

from glassgrad.distributions import constraints
from glassgrad.distributions.gamma import Gamma
from glassgrad.tensor import Size, Tensor

__all__ = ["Chi2"]


class Chi2(Gamma):
    """χ²(df) = Gamma(concentration = df/2, rate = ½)."""

    arg_constraints = {"df": constraints.positive}

    def __init__(self, df, validate_args=None):
        super().__init__(0.5 * df, 0.5, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(Chi2, _instance)
        return super().expand(Size(batch_shape), new)

    @property
    def df(self) -> Tensor:
        return self.concentration * 2
