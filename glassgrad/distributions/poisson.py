"""``glassgrad.distributions.poisson`` — counts of events at a constant ``rate``."""

from __future__ import annotations

import numpy as np

from glassgrad.autograd.grad_mode import no_grad
from glassgrad.creation import rand
from glassgrad.creation import tensor as _tensor
from glassgrad.distributions import constraints
from glassgrad.distributions.distribution import Distribution
from glassgrad.distributions.utils import broadcast_all
from glassgrad.dtypes import float64
from glassgrad.ops.special_math import lgamma, xlogy
from glassgrad.tensor import Size, Tensor

__all__ = ["Poisson", "poisson"]

_PIECE = 20.0  # Poisson(λ) is the sum of ⌈λ/20⌉ independent Poisson(λ/⌈λ/20⌉) counts


def _poisson_array(rate: np.ndarray) -> np.ndarray:
    """Poisson draws by inversion, k = the first k with u ≤ F(k), on uniforms from glassgrad's generator
    (PyTorch uses another sampler: the counts match it in distribution, not number for number). A
    large rate is split into pieces of at most 20, so e^(−λ) never underflows."""
    rate = np.asarray(rate, dtype=np.float64)
    pieces = np.maximum(np.ceil(rate / _PIECE), 1)
    lam = rate / pieces
    total = np.zeros_like(rate)
    for piece in range(int(pieces.max()) if rate.size else 0):
        active = pieces > piece
        u = rand(rate.shape, dtype=float64).numpy() if rate.ndim else float(rand(1, dtype=float64).numpy()[0])
        k = np.zeros_like(rate)
        p = np.exp(-lam)
        cdf = p.copy()
        todo = (u > cdf) & active
        while todo.any():
            k = np.where(todo, k + 1, k)
            p = np.where(todo, p * lam / np.maximum(k, 1), p)
            cdf = np.where(todo, cdf + p, cdf)
            todo = todo & (u > cdf) & (p > 0)
        total = total + np.where(active, k, 0)
    return total


def poisson(rate: Tensor) -> Tensor:
    """A Poisson count for each rate (torch.poisson; no gradient)."""
    return _tensor(_poisson_array(rate.detach().numpy()), dtype=rate.dtype)


class Poisson(Distribution):
    """P(k) = λᵏe^(−λ)/k!.  log P = k·log λ − λ − log Γ(k + 1);  mean = variance = λ."""

    arg_constraints = {"rate": constraints.nonnegative}
    support = constraints.nonnegative_integer

    def __init__(self, rate, validate_args=None):
        (self.rate,) = broadcast_all(rate)
        super().__init__(Size() if not isinstance(rate, Tensor) else self.rate.size(), validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(Poisson, _instance)
        batch_shape = Size(batch_shape)
        new.rate = self.rate.expand(batch_shape)
        Distribution.__init__(new, batch_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new

    @property
    def mean(self) -> Tensor:
        return self.rate

    @property
    def mode(self) -> Tensor:
        return self.rate.floor()

    @property
    def variance(self) -> Tensor:
        return self.rate

    def sample(self, sample_shape=Size()) -> Tensor:
        shape = self._extended_shape(sample_shape)
        with no_grad():
            return poisson(self.rate.expand(shape))

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        rate, value = broadcast_all(self.rate, value)
        return xlogy(value, rate) - rate - lgamma(value + 1)
