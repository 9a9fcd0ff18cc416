"""``glassgrad.distributions.binomial`` — the number of successes in ``total_count`` coin flips."""

from __future__ import annotations

import numpy as np

from glassgrad.autograd.grad_mode import no_grad
from glassgrad.creation import arange, rand
from glassgrad.creation import tensor as _tensor
from glassgrad.distributions import constraints
from glassgrad.distributions.distribution import Distribution
from glassgrad.distributions.utils import broadcast_all, lazy_property, logits_to_probs, probs_to_logits
from glassgrad.dtypes import float64
from glassgrad.ops.special_math import lgamma
from glassgrad.tensor import Size, Tensor

__all__ = ["Binomial"]


def _binomial_array(count: np.ndarray, probs: np.ndarray) -> np.ndarray:
    """The number of uniforms below p among the first n of max(n) draws per entry (glassgrad's generator;
    PyTorch's sampler differs, so the counts match it in distribution, not number for number)."""
    n_max = int(count.max()) if count.size else 0
    if n_max == 0:
        return np.zeros(count.shape)
    u = rand((n_max,) + count.shape, dtype=float64).numpy()
    used = np.arange(n_max).reshape((-1,) + (1,) * count.ndim) < count
    return ((u < probs) & used).sum(0).astype(np.float64)


class Binomial(Distribution):
    """P(k) = C(n, k)·pᵏ(1 − p)^(n−k).  log P = k·ℓ − log k! − log (n − k)! + log n! − n·log(1 + e^ℓ),
    ℓ = logits (written stably);  mean n·p, variance n·p·(1 − p)."""

    arg_constraints = {"total_count": constraints.nonnegative_integer, "probs": constraints.unit_interval,
                       "logits": constraints.real}
    has_enumerate_support = True

    def __init__(self, total_count=1, probs=None, logits=None, validate_args=None):
        if (probs is None) == (logits is None):
            raise ValueError("Either `probs` or `logits` must be specified, but not both.")
        if probs is not None:
            self.total_count, self.probs = broadcast_all(total_count, probs)
            self.total_count = self.total_count.type_as(self.probs)
        else:
            self.total_count, self.logits = broadcast_all(total_count, logits)
            self.total_count = self.total_count.type_as(self.logits)
        self._param = self.probs if probs is not None else self.logits
        super().__init__(self._param.size(), validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(Binomial, _instance)
        batch_shape = Size(batch_shape)
        new.total_count = self.total_count.expand(batch_shape)
        if "probs" in self.__dict__:
            new.probs = self.probs.expand(batch_shape)
            new._param = new.probs
        if "logits" in self.__dict__:
            new.logits = self.logits.expand(batch_shape)
            new._param = new.logits
        Distribution.__init__(new, batch_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new

    @property
    def support(self):
        return constraints.integer_interval(0, self.total_count)

    @property
    def mean(self) -> Tensor:
        return self.total_count * self.probs

    @property
    def mode(self) -> Tensor:
        return ((self.total_count + 1) * self.probs).floor().clamp(max=self.total_count)

    @property
    def variance(self) -> Tensor:
        return self.total_count * self.probs * (1 - self.probs)

    @lazy_property
    def logits(self) -> Tensor:
        return probs_to_logits(self.probs, is_binary=True)

    @lazy_property
    def probs(self) -> Tensor:
        return logits_to_probs(self.logits, is_binary=True)

    @property
    def param_shape(self) -> Size:
        return self._param.size()

    def sample(self, sample_shape=Size()) -> Tensor:
        shape = self._extended_shape(sample_shape)
        with no_grad():
            count = self.total_count.expand(shape).numpy()
            probs = self.probs.expand(shape).numpy()
            return _tensor(_binomial_array(count, probs), dtype=self._param.dtype)

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        log_factorial_n = lgamma(self.total_count + 1)
        log_factorial_k = lgamma(value + 1)
        log_factorial_nmk = lgamma(self.total_count - value + 1)
        normalize_term = (self.total_count * self.logits.clamp(min=0)
                          + self.total_count * (-self.logits.abs()).exp().log1p() - log_factorial_n)
        return value * self.logits - log_factorial_k - log_factorial_nmk - normalize_term

    def entropy(self):
        total_count = int(self.total_count.max())
        if not self.total_count.min() == total_count:
            raise NotImplementedError("Inhomogeneous total count not supported by `entropy`.")
        log_prob = self.log_prob(self.enumerate_support(False))
        return -(log_prob.exp() * log_prob).sum(0)

    def enumerate_support(self, expand: bool = True) -> Tensor:
        total_count = int(self.total_count.max())
        if not self.total_count.min() == total_count:
            raise NotImplementedError("Inhomogeneous total count not supported by `enumerate_support`.")
        values = arange(1 + total_count, dtype=self._param.dtype)
        values = values.view((-1,) + (1,) * len(self._batch_shape))
        if expand:
            values = values.expand((-1,) + tuple(self._batch_shape))
        return values
