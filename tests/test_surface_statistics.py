"""cummax, cummin, logcumsumexp, quantile, nanquantile, mode and renorm (ops/statistics.py) against
PyTorch: values and indices in float32 and float64, gradients, grad_fn names where they are PyTorch's,
errors."""

import numpy as np
import pytest
import torch

import glassgrad as gg

RNG = np.random.default_rng(1)
X = RNG.uniform(-3, 3, (4, 5))
TIES = RNG.integers(0, 3, (4, 6)).astype(float)
TOL = {np.float64: dict(rtol=1e-10, atol=1e-12), np.float32: dict(rtol=2e-5, atol=1e-6)}


def compare(ours, theirs, *arrays, name=True):
    for dt in (np.float64, np.float32):
        mine = [gg.tensor(a.astype(dt), requires_grad=True) for a in arrays]
        ref = [torch.tensor(a.astype(dt), requires_grad=True) for a in arrays]
        out, expected = ours(*mine), theirs(*ref)
        assert tuple(out.shape) == tuple(expected.shape)
        np.testing.assert_allclose(out.detach().numpy(), expected.detach().numpy(), equal_nan=True, **TOL[dt])
        if name:
            assert out.grad_fn.name() == expected.grad_fn.name()
        weight = RNG.normal(size=tuple(expected.shape)).astype(dt)
        (out * gg.tensor(weight)).sum().backward()
        (expected * torch.tensor(weight)).sum().backward()
        for m, r in zip(mine, ref):
            np.testing.assert_allclose(m.grad.numpy(), r.grad.numpy(), **TOL[dt])


@pytest.mark.parametrize("fn", ["cummax", "cummin"])
@pytest.mark.parametrize("dim", [0, 1, -1])
def test_cummax_cummin_values_indices_and_gradients(fn, dim):
    compare(lambda x: getattr(gg, fn)(x, dim).values, lambda x: getattr(torch, fn)(x, dim).values, TIES)
    mine, ref = getattr(gg.tensor(TIES), fn)(dim), getattr(torch.tensor(TIES), fn)(dim)
    np.testing.assert_array_equal(mine.indices.numpy(), ref.indices.numpy())  # ties: the later index wins


def test_cummax_repr_and_nan():
    assert repr(gg.cummax(gg.tensor([[1.0, 2.0]]), 1)).replace("glassgrad", "torch") == \
        repr(torch.cummax(torch.tensor([[1.0, 2.0]]), 1))
    data = [1.0, float("nan"), 3.0, 0.0]
    mine, ref = gg.cummax(gg.tensor(data), 0), torch.cummax(torch.tensor(data), 0)
    np.testing.assert_array_equal(mine.values.numpy(), ref.values.numpy())
    np.testing.assert_array_equal(mine.indices.numpy(), ref.indices.numpy())


@pytest.mark.parametrize("scale", [1.0, 100.0])
def test_logcumsumexp(scale):
    compare(lambda x: gg.logcumsumexp(x, 1), lambda x: torch.logcumsumexp(x, 1), scale * X)
    compare(lambda x: x.logcumsumexp(0), lambda x: x.logcumsumexp(0), scale * X)


@pytest.mark.parametrize("interpolation", ["linear", "lower", "higher", "midpoint", "nearest"])
@pytest.mark.parametrize("q", [0.0, 0.37, 0.5, 1.0])
def test_quantile_interpolations(interpolation, q):
    compare(lambda x: gg.quantile(x, q, dim=1, interpolation=interpolation),
            lambda x: torch.quantile(x, q, dim=1, interpolation=interpolation), X)


def test_quantile_tensor_q_keepdim_whole_tensor_and_nans():
    compare(lambda x: gg.quantile(x, gg.tensor([0.1, 0.5, 1.0], dtype=x.dtype), dim=0, keepdim=True),
            lambda x: torch.quantile(x, torch.tensor([0.1, 0.5, 1.0], dtype=x.dtype), dim=0, keepdim=True), X)
    compare(lambda x: gg.quantile(x, 0.5), lambda x: torch.quantile(x, 0.5), X)
    compare(lambda x: x.quantile(0.25, dim=-1, keepdim=True), lambda x: x.quantile(0.25, dim=-1, keepdim=True), X)
    holes = np.where(X > 1.5, np.nan, X)
    holes[0] = np.nan
    for q in (0.3, 0.9):
        for fn in ("quantile", "nanquantile"):
            np.testing.assert_allclose(getattr(gg, fn)(gg.tensor(holes), q, dim=1).numpy(),
                                       getattr(torch, fn)(torch.tensor(holes), q, dim=1).numpy(), equal_nan=True)
    compare(lambda x: gg.nanquantile(x, 0.3, dim=1), lambda x: torch.nanquantile(x, 0.3, dim=1),
            np.where(X > 1.5, np.nan, X))


@pytest.mark.parametrize("call", [lambda m: m.quantile(m.tensor([1.0, 2.0]), 1.5),
                                  lambda m: m.quantile(m.tensor([1, 2]), 0.5),
                                  lambda m: m.quantile(m.tensor([1.0, 2.0]), 0.5, interpolation="foo"),
                                  lambda m: m.quantile(m.tensor([1.0, 2.0]), m.tensor([[0.5]])),
                                  lambda m: m.nanquantile(m.tensor([]), 0.5)])
def test_quantile_errors_as_pytorch(call):
    with pytest.raises(RuntimeError) as theirs:
        call(torch)
    with pytest.raises(RuntimeError) as ours:
        call(gg)
    assert str(ours.value) == str(theirs.value)


@pytest.mark.parametrize("dim, keepdim", [(1, False), (0, True), (-1, True)])
def test_mode(dim, keepdim):
    compare(lambda x: gg.mode(x, dim, keepdim).values, lambda x: torch.mode(x, dim, keepdim).values, TIES)
    mine, ref = gg.tensor(TIES).mode(dim, keepdim), torch.tensor(TIES).mode(dim, keepdim)
    np.testing.assert_array_equal(mine.indices.numpy(), ref.indices.numpy())


@pytest.mark.parametrize("p, dim, maxnorm", [(2, 0, 2.0), (1, 1, 3.0), (3, -1, 0.5), (2, 1, 100.0), (1.5, 0, 1.0)])
def test_renorm(p, dim, maxnorm):
    compare(lambda x: gg.renorm(x, p, dim, maxnorm), lambda x: torch.renorm(x, p, dim, maxnorm), X)
    compare(lambda x: x.renorm(p, dim, maxnorm), lambda x: x.renorm(p, dim, maxnorm), X[None])


def test_renorm_max_norm_and_errors():
    compare(lambda x: gg.renorm(x, float("inf"), 0, 1.0), lambda x: torch.renorm(x, float("inf"), 0, 1.0), X,
            name=False)
    for call in (lambda m: m.renorm(m.tensor([[1, 2]]), 2, 0, 1.0), lambda m: m.renorm(m.ones(2, 2), -1, 0, 1.0),
                 lambda m: m.renorm(m.ones(2, 2), 2, 0, -1.0)):
        with pytest.raises(RuntimeError) as theirs:
            call(torch)
        with pytest.raises(RuntimeError) as ours:
            call(gg)
        assert str(ours.value) == str(theirs.value)
