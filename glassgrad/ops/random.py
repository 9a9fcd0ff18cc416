"""Filling a tensor with random numbers in place: ``normal_``, ``uniform_``, ``exponential_``,
``bernoulli_``, ``random_``, ``cauchy_``, ``log_normal_``, ``geometric_`` (as ``w.data.normal_(0, 0.01)``
in a model's initialisation).

Part III, ops/ reading order: ... linalg, conv, pool, **random** (ops/__init__.py lists them all). The
numbers come from the global generator (or the ``generator=`` passed) by PyTorch's recipes
(sampling.py), so ``w.normal_()`` after ``manual_seed(s)`` holds PyTorch's numbers. Arguments, defaults
and error messages are PyTorch's.

A fill forgets the old values, so ∂out/∂x = 0: on a tensor with a history PyTorch records the fill
(NormalBackward0, ...) and its gradient is zero; so do we. On a leaf that requires grad it is an error
while grad is on, as for every in-place op.
"""

from __future__ import annotations

import functools

import numbers

import numpy as np

from glassgrad.dtypes import is_float
from glassgrad.autograd.function import Primitive
from glassgrad.autograd.grad_mode import GRAD_MODE
from glassgrad import creation, sampling
from glassgrad.tensor import Tensor

__all__ = ["normal_", "uniform_", "exponential_", "bernoulli_", "random_", "cauchy_", "log_normal_",
           "geometric_", "bernoulli", "multinomial"]


class _Fill(Primitive):
    """out = a sample that does not depend on x;  ∂out/∂x = 0"""

    @staticmethod
    def forward(ctx, x, sample):
        return sample

    @staticmethod
    def backward(ctx, g):
        return np.zeros_like(g), None


class Normal(_Fill):
    pass


class Uniform(_Fill):
    pass


class Exponential(_Fill):
    pass


class Bernoulli(_Fill):
    node_name = "BernoulliBackward2"  # bernoulli_(float p); PyTorch's other overloads take a tensor p


class Random(_Fill):
    node_name = "RandomBackward1"


class Cauchy(_Fill):
    pass


class LogNormal(_Fill):
    pass


class Geometric(_Fill):
    pass


def _nothing_on_meta(fill):
    """A fill of a meta tensor (shape, no numbers: glassgrad/meta.py) draws nothing and leaves the
    generator where it was, as PyTorch's: ``nn.Linear(2**16, 2**16, device="meta")`` costs nothing."""
    @functools.wraps(fill)
    def fill_unless_meta(self, *args, **kwargs):
        return self if self.is_meta else fill(self, *args, **kwargs)
    return fill_unless_meta


def _gen(generator):
    return sampling.generator_or_default(generator)


def _write(self: Tensor, fill, sample: np.ndarray) -> Tensor:
    """Write ``sample`` into ``self`` (recording ``fill`` when self has a history), bump its version."""
    self._check_inplace()
    sample = np.asarray(sample).astype(self._array.dtype, copy=False)
    if GRAD_MODE.enabled and self._requires_grad:
        return self._apply_inplace(fill.apply(self, sample))
    self._array[...] = sample
    self._vc[0] += 1
    return self


# PyTorch's C++ names of the dtypes, as its messages spell them
_SCALAR_NAMES = {"int64": "Long", "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte",
                 "bool": "Bool"}


def _float_only(self: Tensor, message: str, error=NotImplementedError) -> None:
    """PyTorch's error for a fill that needs floating point: its kernel is missing for the dtype
    (NotImplementedError), or, for the continuous distributions that check first, a RuntimeError."""
    if not is_float(self._array.dtype):
        name = self._array.dtype.name
        raise error(message.format(dtype=_SCALAR_NAMES.get(name, name)))


@creation.profiled("aten::normal_")
@_nothing_on_meta
def normal_(self, mean=0, std=1, *, generator=None):
    """Fill with samples of N(mean, std²)."""
    _float_only(self, "\"normal_kernel_cpu\" not implemented for '{dtype}'")
    if std < 0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {std}")
    return _write(self, Normal, sampling.normal(_gen(generator), self._array, mean, std))


@creation.profiled("aten::uniform_")
@_nothing_on_meta
def uniform_(self, a=0, b=1, *, generator=None):
    """Fill with samples of the uniform distribution on [a, b) (PyTorch names them ``from``, ``to``)."""
    _float_only(self, "\"check_uniform_bounds\" not implemented for '{dtype}'")
    if a > b:
        raise RuntimeError(f"uniform_ expects to return a [from, to) range, but found from={a} > to={b}")
    return _write(self, Uniform, sampling.uniform(_gen(generator), self._array, a, b))


@creation.profiled("aten::exponential_")
@_nothing_on_meta
def exponential_(self, lambd=1, *, generator=None):
    """Fill with samples of the exponential distribution, density λe^(-λx) for x ≥ 0."""
    _float_only(self, "Exponential distribution is a continuous probability distribution. dtype must "
                      "be a floating point but you specified {dtype}", RuntimeError)
    if lambd <= 0:
        raise RuntimeError(f"exponential_ expects lambda > 0.0, but found lambda={lambd}")
    return _write(self, Exponential, sampling.exponential(_gen(generator), self._array, lambd))


@creation.profiled("aten::bernoulli_")
@_nothing_on_meta
def bernoulli_(self, p=0.5, *, generator=None):
    """Fill with 1 with probability ``p`` (a number, or a tensor broadcast to this shape), else 0."""
    probs = p._array if isinstance(p, Tensor) else p
    return _write(self, Bernoulli, sampling.bernoulli(_gen(generator), self._array, probs))


@creation.profiled("aten::random_")
@_nothing_on_meta
def random_(self, from_=0, to=None, *, generator=None):
    """Fill with integers drawn uniformly from [from, to): ``random_(to)`` is [0, to), and ``random_()``
    every integer the dtype represents exactly."""
    if to is None and from_ != 0:
        from_, to = 0, from_
    if to is None:  # every integer the dtype holds: its own recipe, with no modulus but the dtype's
        return _write(self, Random, sampling.random_full(_gen(generator), self._array))
    if not (isinstance(from_, numbers.Integral) and isinstance(to, numbers.Integral)):
        raise TypeError("random_(): from and to must be integers")
    if from_ >= to:
        raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={from_} >= to={to}")
    return _write(self, Random, sampling.random_from_to(_gen(generator), self._array, int(from_), int(to)))


@creation.profiled("aten::cauchy_")
@_nothing_on_meta
def cauchy_(self, median=0, sigma=1, *, generator=None):
    """Fill with samples of the Cauchy distribution: median + σ·tan(π(u - ½)), u uniform."""
    _float_only(self, "Cauchy distribution is a continuous probability distribution. dtype must be a "
                      "floating point but you specified {dtype}", RuntimeError)
    return _write(self, Cauchy, sampling.cauchy(_gen(generator), self._array, median, sigma))


@creation.profiled("aten::log_normal_")
@_nothing_on_meta
def log_normal_(self, mean=1, std=2, *, generator=None):
    """Fill with exp of samples of N(mean, std²)."""
    _float_only(self, "\"log_normal_cpu\" not implemented for '{dtype}'")
    return _write(self, LogNormal, sampling.log_normal(_gen(generator), self._array, mean, std))


@creation.profiled("aten::geometric_")
@_nothing_on_meta
def geometric_(self, p, *, generator=None):
    """Fill with the number of Bernoulli(p) trials up to and including the first success (1, 2, ...)."""
    if not 0 < p < 1:
        raise RuntimeError(f"geometric_ expects p to be in (0, 1), but got p={p}")
    return _write(self, Geometric, sampling.geometric(_gen(generator), self._array, p))


def bernoulli(self, p=None, *, generator=None):
    """``x.bernoulli()``: 1 with probability x (or the number ``p``), elementwise (``glassgrad.bernoulli``)."""
    return creation.bernoulli(self, p, generator=generator)


def multinomial(self, num_samples: int, replacement: bool = False, *, generator=None):
    """``p.multinomial(n)``: indices drawn with probabilities proportional to p's rows."""
    return creation.multinomial(self, num_samples, replacement, generator=generator)


TENSOR_METHODS = {
    "normal_": normal_, "uniform_": uniform_, "exponential_": exponential_, "bernoulli_": bernoulli_,
    "random_": random_, "cauchy_": cauchy_, "log_normal_": log_normal_, "geometric_": geometric_,
    "bernoulli": bernoulli, "multinomial": multinomial,
}
