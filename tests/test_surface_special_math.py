"""Special functions and the less common elementwise math (ops/special_math.py) against PyTorch:
values in float32 and float64, gradients (backward of a random weighting), grad_fn names, errors."""

import math

import numpy as np
import pytest
import torch

import glassgrad as gg

RNG = np.random.default_rng(0)
X = RNG.uniform(-3, 3, (4, 5))
POS = RNG.uniform(0.1, 3, (4, 5))
P = RNG.uniform(0.001, 0.999, (4, 5))
NANS = np.where(X > 1, np.nan, np.where(X < -2, np.inf, X))
TOL = {np.float64: dict(rtol=1e-8, atol=1e-10), np.float32: dict(rtol=2e-5, atol=1e-6)}


def compare(ours, theirs, *arrays, grad=True, name=True):
    for dt in (np.float64, np.float32):
        mine = [gg.tensor(a.astype(dt), requires_grad=grad) for a in arrays]
        ref = [torch.tensor(a.astype(dt), requires_grad=grad) for a in arrays]
        out, expected = ours(*mine), theirs(*ref)
        assert tuple(out.shape) == tuple(expected.shape)
        assert str(out.dtype).split(".")[-1] == str(expected.dtype).split(".")[-1]
        np.testing.assert_allclose(out.detach().numpy(), expected.detach().numpy(), equal_nan=True, **TOL[dt])
        if not grad:
            continue
        if name:
            assert out.grad_fn.name() == expected.grad_fn.name()
        weight = RNG.normal(size=tuple(expected.shape)).astype(dt)
        (out * gg.tensor(weight)).sum().backward()
        (expected * torch.tensor(weight)).sum().backward()
        for m, r in zip(mine, ref):
            np.testing.assert_allclose(m.grad.numpy(), r.grad.numpy(), equal_nan=True, **TOL[dt])


UNARY = [
    ("lgamma", gg.lgamma, torch.lgamma, X), ("digamma", gg.digamma, torch.digamma, X + 0.05),
    ("erf", gg.erf, torch.erf, X), ("erfc", gg.erfc, torch.erfc, X), ("erfinv", gg.erfinv, torch.erfinv, 2 * P - 1),
    ("i0", gg.special.i0, torch.special.i0, 10 * X), ("ndtr", gg.special.ndtr, torch.special.ndtr, X),
    ("ndtri", gg.special.ndtri, torch.special.ndtri, P), ("log_ndtr", gg.special.log_ndtr, torch.special.log_ndtr, 6 * X),
    ("sinc", gg.sinc, torch.sinc, X), ("entr", gg.special.entr, torch.special.entr, POS),
    ("logit", gg.logit, torch.logit, P), ("nan_to_num", gg.nan_to_num, torch.nan_to_num, NANS),
]


@pytest.mark.parametrize("ours, theirs, x", [u[1:] for u in UNARY], ids=[u[0] for u in UNARY])
def test_unary_values_gradients_and_names(ours, theirs, x):
    compare(ours, theirs, x)


@pytest.mark.parametrize("n", [1, 2, 3])
def test_polygamma(n):
    compare(lambda x: gg.polygamma(n, x), lambda x: torch.polygamma(n, x), X + 0.05)
    compare(lambda x: x.polygamma(n), lambda x: x.polygamma(n), POS)


def test_polygamma_against_mpmath():
    mpmath = pytest.importorskip("mpmath")
    for n, v in [(1, 0.2), (1, -0.3), (3, 0.2), (2, 7.5)]:
        assert math.isclose(gg.polygamma(n, gg.tensor([v], dtype=gg.float64)).item(), float(mpmath.psi(n, v)),
                            rel_tol=1e-12)


def test_logit_with_eps_clamps_and_zeroes_the_gradient_outside():
    compare(lambda x: gg.logit(x, 0.1), lambda x: torch.logit(x, 0.1), P)


def test_poles_and_infinities_as_pytorch():
    edge = [0.0, -0.0, -1.0, -0.5, math.inf, -math.inf, math.nan]
    for ours, theirs in [(gg.lgamma, torch.lgamma), (gg.digamma, torch.digamma), (gg.erfinv, torch.erfinv),
                         (gg.special.ndtri, torch.special.ndtri)]:
        np.testing.assert_allclose(ours(gg.tensor(edge, dtype=gg.float64)).numpy(),
                                   theirs(torch.tensor(edge, dtype=torch.float64)).numpy(), rtol=1e-12)


BINARY = [
    ("logaddexp", gg.logaddexp, torch.logaddexp, X, POS), ("logaddexp2", gg.logaddexp2, torch.logaddexp2, X, POS),
    ("hypot", gg.hypot, torch.hypot, X, POS), ("copysign", gg.copysign, torch.copysign, X, X[::-1].copy()),
    ("xlogy", gg.xlogy, torch.xlogy, np.where(X > 1, 0, X), POS),
    ("xlog1py", gg.special.xlog1py, torch.special.xlog1py, np.where(X > 1, 0, X), POS),
    ("xlogy at 0", gg.xlogy, torch.xlogy, np.array([0.0, 0.0, 1.0]), np.array([2.0, 0.0, 3.0])),
    ("broadcast", gg.logaddexp, torch.logaddexp, X, POS[:1].copy()),
]


@pytest.mark.parametrize("ours, theirs, a, b", [u[1:] for u in BINARY], ids=[u[0] for u in BINARY])
def test_binary_values_gradients_and_names(ours, theirs, a, b):
    compare(ours, theirs, a, b)


def test_ldexp_and_frexp():
    exponents = [1, 2, 3, -1, 0]
    compare(lambda x: gg.ldexp(x, gg.tensor(exponents)), lambda x: torch.ldexp(x, torch.tensor(exponents)), X)
    compare(lambda x: gg.frexp(x).mantissa, lambda x: torch.frexp(x).mantissa, X)
    mine, ref = gg.frexp(gg.tensor(X)), torch.frexp(torch.tensor(X))
    np.testing.assert_array_equal(mine.exponent.numpy(), ref.exponent.numpy())
    assert mine.exponent.dtype == gg.int32
    with pytest.raises(RuntimeError, match="only supports floating-point dtypes"):
        gg.frexp(gg.tensor([1, 2]))
    with pytest.raises(RuntimeError, match="only supports floating-point dtypes"):
        torch.frexp(torch.tensor([1, 2]))


def test_heaviside():
    x, v = [-1.0, 0.0, 2.0, 0.0], [0.5, 0.25, 0.5, 7.0]
    np.testing.assert_array_equal(gg.heaviside(gg.tensor(x), gg.tensor(v)).numpy(),
                                  torch.heaviside(torch.tensor(x), torch.tensor(v)).numpy())
    for mod in (gg, torch):
        with pytest.raises(RuntimeError, match="different dtypes"):
            mod.heaviside(mod.tensor(x), mod.tensor(v, dtype=mod.float64))


@pytest.mark.parametrize("kwargs", [{}, {"dim": 1}, {"dim": 0, "keepdim": True}, {"dim": (0, 1)}])
def test_nansum_nanmean(kwargs):
    data = np.where(X > 1, np.nan, X)
    compare(lambda x: gg.nansum(x, **kwargs), lambda x: torch.nansum(x, **kwargs), data)
    compare(lambda x: gg.nanmean(x, **kwargs), lambda x: torch.nanmean(x, **kwargs), data)
    compare(lambda x: x.nansum(**kwargs), lambda x: x.nansum(**kwargs), data)


def test_nansum_of_ints_and_nanmean_errors():
    assert gg.nansum(gg.tensor([1, 2, 3])).dtype == gg.int64 == gg.tensor(0).dtype
    assert torch.nansum(torch.tensor([1, 2, 3])).item() == gg.nansum(gg.tensor([1, 2, 3])).item()
    for mod in (gg, torch):
        with pytest.raises(RuntimeError, match="nanmean"):
            mod.nanmean(mod.tensor([1, 2]))


def test_nan_to_num_options():
    compare(lambda x: gg.nan_to_num(x, nan=1.5, posinf=9.0, neginf=-9.0),
            lambda x: torch.nan_to_num(x, nan=1.5, posinf=9.0, neginf=-9.0), NANS)


def test_special_namespace_aliases():
    for name in ("erf", "erfc", "erfinv", "expit", "logit", "gammaln", "digamma", "i0", "ndtr", "ndtri",
                 "log_ndtr", "sinc", "round", "exp2", "expm1", "log1p", "entr"):
        x = P if name in ("logit", "ndtri", "erfinv") else POS
        compare(getattr(gg.special, name), getattr(torch.special, name), x)
    compare(lambda x: gg.special.polygamma(2, x), lambda x: torch.special.polygamma(2, x), POS)
    compare(lambda a, b: gg.special.xlogy(a, b), lambda a, b: torch.special.xlogy(a, b), X, POS)
    compare(lambda x: gg.special.softmax(x, 1), lambda x: torch.special.softmax(x, 1), X)
    compare(lambda x: gg.special.log_softmax(x, 0), lambda x: torch.special.log_softmax(x, 0), X)
