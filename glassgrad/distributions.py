"""``glassgrad.distributions`` — probability distributions to sample from and score, as ``torch.distributions``.

Part III, after the ops: a distribution holds its parameters as tensors and answers four questions,
each an ordinary tensor expression (so gradients flow through ``log_prob``, ``entropy`` and ``rsample``):

- ``sample(shape)``: draws, without a graph (the reinforcement-learning policy gradient differentiates
  ``log_prob`` of the draws, not the draws);
- ``rsample(shape)``: a draw as a differentiable function of the parameters (the reparametrisation
  trick: loc + ε·scale), for distributions that have one;
- ``log_prob(value)``: log p(value);
- ``entropy()``: −E[log p].

``sample_shape`` draws stand in front of the ``batch_shape`` (one distribution per entry of the
parameters' broadcast shape) and the ``event_shape`` (the shape of one draw). The draws come from the
same generator calls PyTorch makes (``multinomial``, ``normal``, ``bernoulli``), so with the same seed
they are the same numbers. ``kl_divergence(p, q)`` knows the pairs (Normal, Normal), (Categorical,
Categorical) and (Bernoulli, Bernoulli).

As in PyTorch, arguments are checked (``validate_args``, on unless ``Distribution.set_default_validate_args
(False)``): a parameter or value outside its support raises ``ValueError`` naming it.
"""

from __future__ import annotations

import math

from glassgrad.autograd.grad_mode import no_grad
from glassgrad.creation import bernoulli, multinomial, normal
from glassgrad.creation import tensor as _tensor
from glassgrad.dtypes import finfo, get_default_dtype, long
from glassgrad.nn import functional as F
from glassgrad.ops.shape import broadcast_tensors
from glassgrad.tensor import Size, Tensor

__all__ = ["Bernoulli", "Categorical", "Distribution", "Normal", "kl_divergence"]


def _as_tensor(x) -> Tensor:
    return x if isinstance(x, Tensor) else _tensor(x, dtype=get_default_dtype())


def _size(sample_shape) -> Size:
    return sample_shape if isinstance(sample_shape, Size) else Size(sample_shape)


class Distribution:
    """The shared part: shapes, argument checks and ``sample`` by way of ``rsample``."""

    _validate_default = True
    has_rsample = False

    @staticmethod
    def set_default_validate_args(value: bool) -> None:
        if value not in (True, False):
            raise ValueError
        Distribution._validate_default = value

    def __init__(self, batch_shape=Size(), event_shape=Size(), validate_args=None):
        self._batch_shape = _size(batch_shape)
        self._event_shape = _size(event_shape)
        self._validate_args = self._validate_default if validate_args is None else validate_args

    @property
    def batch_shape(self) -> Size:
        return self._batch_shape

    @property
    def event_shape(self) -> Size:
        return self._event_shape

    def _extended_shape(self, sample_shape=Size()) -> Size:
        """sample_shape + batch_shape + event_shape: the shape of ``sample(sample_shape)``."""
        return Size(tuple(_size(sample_shape)) + tuple(self._batch_shape) + tuple(self._event_shape))

    def _check(self, name: str, value: Tensor, ok: Tensor, constraint: str) -> None:
        """PyTorch's ValueError for a parameter outside its constraint."""
        if self._validate_args and not bool(ok.all()):
            raise ValueError(f"Expected parameter {name} ({type(value).__name__} of shape {tuple(value.shape)}) "
                             f"of distribution {self!r} to satisfy the constraint {constraint}, but found "
                             f"invalid values:\n{value}")

    def sample(self, sample_shape=Size()) -> Tensor:
        with no_grad():
            return self.rsample(sample_shape)

    def rsample(self, sample_shape=Size()) -> Tensor:
        raise NotImplementedError(f"{type(self).__name__} has no rsample (it is not reparametrisable)")

    @property
    def stddev(self) -> Tensor:
        return self.variance.sqrt()

    def __repr__(self) -> str:
        names = [n for n in self._parameter_names if n in self.__dict__]
        inside = ", ".join(f"{n}: {self.__dict__[n].size() if self.__dict__[n].numel() != 1 else self.__dict__[n]}"
                           for n in names)
        return f"{type(self).__name__}({inside})"

    _parameter_names: tuple = ()


class Normal(Distribution):
    """N(loc, scale²): log p(x) = −(x − loc)² / (2·scale²) − log scale − log √(2π);
    entropy ½ + ½·log 2π + log scale; rsample = loc + ε·scale with ε ~ N(0, 1)."""

    has_rsample = True
    _parameter_names = ("loc", "scale")

    def __init__(self, loc, scale, validate_args=None):
        self.loc, self.scale = broadcast_tensors(_as_tensor(loc), _as_tensor(scale))
        super().__init__(self.loc.shape, Size(), validate_args)
        self._check("loc", self.loc, self.loc == self.loc, "Real()")
        self._check("scale", self.scale, self.scale > 0, "GreaterThan(lower_bound=0.0)")

    @property
    def mean(self) -> Tensor:
        return self.loc

    @property
    def mode(self) -> Tensor:
        return self.loc

    @property
    def variance(self) -> Tensor:
        return self.scale.pow(2)

    @property
    def stddev(self) -> Tensor:
        return self.scale

    def sample(self, sample_shape=Size()) -> Tensor:
        shape = self._extended_shape(sample_shape)
        with no_grad():
            return normal(self.loc.expand(shape), self.scale.expand(shape))

    def rsample(self, sample_shape=Size()) -> Tensor:
        shape = self._extended_shape(sample_shape)
        eps = self.loc.new_empty(shape).normal_()
        return self.loc + eps * self.scale

    def log_prob(self, value) -> Tensor:
        value = _as_tensor(value)
        variance = self.scale ** 2
        return -((value - self.loc) ** 2) / (2 * variance) - self.scale.log() - math.log(math.sqrt(2 * math.pi))

    def entropy(self) -> Tensor:
        return 0.5 + 0.5 * math.log(2 * math.pi) + self.scale.log()


class Categorical(Distribution):
    """One of K outcomes with probabilities ``probs`` (normalised to sum to 1 along the last dimension)
    or ``logits`` (log-probabilities up to a constant, normalised by logsumexp). log p(k) = logits[k];
    entropy −Σ_k p_k·log p_k. The last dimension is the K outcomes; the ones before it, the batch."""

    _parameter_names = ("probs", "logits")

    def __init__(self, probs=None, logits=None, validate_args=None):
        if (probs is None) == (logits is None):
            raise ValueError("Either `probs` or `logits` must be specified, but not both.")
        if probs is not None:
            if probs.dim() < 1:
                raise ValueError("`probs` parameter must be at least one-dimensional.")
            self.probs = probs / probs.sum(-1, keepdim=True)
            self._given = "probs"
        else:
            if logits.dim() < 1:
                raise ValueError("`logits` parameter must be at least one-dimensional.")
            self.logits = logits - logits.logsumexp(dim=-1, keepdim=True)
            self._given = "logits"
        param = self.probs if probs is not None else self.logits
        self._num_events = param.shape[-1]
        super().__init__(param.shape[:-1], Size(), validate_args)
        if probs is not None:
            self._check("probs", self.probs, (self.probs >= 0).all(-1) & ((self.probs.sum(-1) - 1).abs() < 1e-6),
                        "Simplex()")
        else:
            self._check("logits", self.logits, self.logits == self.logits, "IndependentConstraint(Real(), 1)")

    def __getattr__(self, name):
        # the parameter not given is computed on first use: probs = softmax(logits), logits = log(probs)
        if name == "probs":
            self.probs = F.softmax(self.logits, dim=-1)
            return self.probs
        if name == "logits":
            eps = finfo(self.probs.dtype).eps
            self.logits = self.probs.clamp(min=eps, max=1 - eps).log()
            return self.logits
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    @property
    def param_shape(self) -> Size:
        return (self.probs if self._given == "probs" else self.logits).size()

    @property
    def mean(self) -> Tensor:
        return self.probs.new_full(self._extended_shape(), math.nan)

    @property
    def mode(self) -> Tensor:
        return self.probs.argmax(dim=-1)

    @property
    def variance(self) -> Tensor:
        return self.probs.new_full(self._extended_shape(), math.nan)

    def sample(self, sample_shape=Size()) -> Tensor:
        sample_shape = _size(sample_shape)
        probs_2d = self.probs.reshape(-1, self._num_events)
        samples_2d = multinomial(probs_2d, sample_shape.numel(), True).T
        return samples_2d.reshape(self._extended_shape(sample_shape))

    def log_prob(self, value) -> Tensor:
        value = _as_tensor(value)
        if self._validate_args:
            ok = (value == value.floor()) & (value >= 0) & (value <= self._num_events - 1)
            if not bool(ok.all()):
                raise ValueError(f"Expected value argument ({type(value).__name__} of shape {tuple(value.shape)}) "
                                 f"to be within the support (IntegerInterval(lower_bound=0, upper_bound="
                                 f"{self._num_events - 1})) of the distribution {self!r}, but found invalid "
                                 f"values:\n{value}")
        value = value.to(long).unsqueeze(-1)
        value, log_pmf = broadcast_tensors(value, self.logits)
        value = value[..., :1]
        return log_pmf.gather(-1, value).squeeze(-1)

    def entropy(self) -> Tensor:
        logits = self.logits.clamp(min=finfo(self.logits.dtype).min)
        return -(logits * self.probs).sum(-1)


class Bernoulli(Distribution):
    """1 with probability p, 0 otherwise (``probs`` p or ``logits`` log(p / (1 − p))).
    log p(x) = x·log p + (1 − x)·log(1 − p) = −BCE-with-logits(logits, x); entropy = BCE(logits, p)."""

    _parameter_names = ("probs", "logits")

    def __init__(self, probs=None, logits=None, validate_args=None):
        if (probs is None) == (logits is None):
            raise ValueError("Either `probs` or `logits` must be specified, but not both.")
        if probs is not None:
            self.probs = _as_tensor(probs)
            self._given = "probs"
        else:
            self.logits = _as_tensor(logits)
            self._given = "logits"
        param = self.probs if probs is not None else self.logits
        super().__init__(param.shape, Size(), validate_args)
        if probs is not None:
            self._check("probs", self.probs, (self.probs >= 0) & (self.probs <= 1), "Interval(lower_bound=0.0, "
                        "upper_bound=1.0)")

    def __getattr__(self, name):
        if name == "probs":
            self.probs = self.logits.sigmoid()
            return self.probs
        if name == "logits":
            eps = finfo(self.probs.dtype).eps
            p = self.probs.clamp(min=eps, max=1 - eps)
            self.logits = p.log() - (-p).log1p()
            return self.logits
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    @property
    def mean(self) -> Tensor:
        return self.probs

    @property
    def variance(self) -> Tensor:
        return self.probs * (1 - self.probs)

    def sample(self, sample_shape=Size()) -> Tensor:
        shape = self._extended_shape(sample_shape)
        with no_grad():
            return bernoulli(self.probs.expand(shape))

    def log_prob(self, value) -> Tensor:
        logits, value = broadcast_tensors(self.logits, _as_tensor(value))
        return -F.binary_cross_entropy_with_logits(logits, value, reduction="none")

    def entropy(self) -> Tensor:
        return F.binary_cross_entropy_with_logits(self.logits, self.probs, reduction="none")


def kl_divergence(p: Distribution, q: Distribution) -> Tensor:
    """KL(p ‖ q) = E_p[log p − log q], in closed form:
    Normal: ½·(σp²/σq² + (μp − μq)²/σq² − 1 − log(σp²/σq²));  Categorical: Σ_k p_k·(log p_k − log q_k)
    (+∞ where q_k = 0 < p_k);  Bernoulli: the two-outcome Categorical."""
    if isinstance(p, Normal) and isinstance(q, Normal):
        var_ratio = (p.scale / q.scale).pow(2)
        t1 = ((p.loc - q.loc) / q.scale).pow(2)
        return 0.5 * (var_ratio + t1 - 1 - var_ratio.log())
    if isinstance(p, Categorical) and isinstance(q, Categorical):
        t = p.probs * (p.logits - q.logits)
        t = t.masked_fill((q.probs == 0).expand_as(t), math.inf)
        t = t.masked_fill((p.probs == 0).expand_as(t), 0)
        return t.sum(-1)
    if isinstance(p, Bernoulli) and isinstance(q, Bernoulli):
        t1 = p.probs * (F.softplus(-q.logits) - F.softplus(-p.logits))
        t1 = t1.masked_fill(p.probs == 0, 0)
        t2 = (1 - p.probs) * (F.softplus(q.logits) - F.softplus(p.logits))
        t2 = t2.masked_fill(p.probs == 1, 0)
        return t1 + t2
    raise NotImplementedError(f"No KL(p || q) is implemented for p type {type(p).__name__} and q type "
                              f"{type(q).__name__}")
