"""index_copy, index_put, put, scatter_reduce and masked_scatter, out of place and in place
(ops/index_write.py), against PyTorch: values, gradients, grad_fn names, error types and messages."""

import numpy as np
import pytest
import torch

import glassgrad as gg

RNG = np.random.default_rng(3)
X, S, V = RNG.normal(size=(4, 3)), RNG.normal(size=(2, 3)), RNG.normal(size=3)
INDEX = np.array([[1, 0, 1], [3, 3, 0], [1, 2, 2]])
SRC = RNG.normal(size=(3, 3))
TOL = {np.float64: dict(rtol=1e-10, atol=1e-12), np.float32: dict(rtol=2e-5, atol=1e-6)}


def compare(call, *arrays):
    for dt in (np.float64, np.float32):
        mine = [gg.tensor(a.astype(dt), requires_grad=True) for a in arrays]
        ref = [torch.tensor(a.astype(dt), requires_grad=True) for a in arrays]
        out, expected = call(gg, *mine), call(torch, *ref)
        assert tuple(out.shape) == tuple(expected.shape)
        np.testing.assert_allclose(out.detach().numpy(), expected.detach().numpy(), **TOL[dt])
        assert out.grad_fn.name() == expected.grad_fn.name()
        weight = RNG.normal(size=tuple(expected.shape)).astype(dt)
        (out * gg.tensor(weight)).sum().backward()
        (expected * torch.tensor(weight)).sum().backward()
        for m, r in zip(mine, ref):
            np.testing.assert_allclose(m.grad.numpy(), r.grad.numpy(), **TOL[dt])


CASES = [
    ("index_copy", lambda m, x, s: x.index_copy(0, m.tensor([2, 0]), s), (X, S)),
    ("index_copy_", lambda m, x, s: (x * 1).index_copy_(0, m.tensor([2, 0]), s), (X, S)),
    ("index_copy dim 1", lambda m, x, s: x.index_copy(1, m.tensor([2, 0]), s), (X, RNG.normal(size=(4, 2)))),
    ("index_put", lambda m, x, s: x.index_put((m.tensor([1, 3]),), s), (X, S)),
    ("index_put pairs", lambda m, x, s: (x * 1).index_put_((m.tensor([1, 3]), m.tensor([2, 0])), s), (X, V[:2].copy())),
    ("index_put accumulate", lambda m, x, s: x.index_put((m.tensor([1, 1]), m.tensor([0, 0])), s, accumulate=True),
     (X, V[:2].copy())),
    ("index_put broadcast", lambda m, x, s: x.index_put((m.tensor([1, 3]),), s), (X, V)),
    ("index_put mask", lambda m, x, s: x.index_put((m.tensor([True, False, True, False]),), s), (X, V)),
    ("put", lambda m, x, s: x.put(m.tensor([1, -1, 5]), s), (X, V)),
    ("put_ accumulate", lambda m, x, s: (x * 1).put_(m.tensor([1, 1, 5]), s, accumulate=True), (X, V)),
    ("masked_scatter", lambda m, x, s: x.masked_scatter(x > 0, s), (X, RNG.normal(size=(3, 4)))),
    ("masked_scatter broadcast", lambda m, x, s: x.masked_scatter(m.tensor([True, False, True]), s),
     (X, RNG.normal(size=(3, 4)))),
    ("masked_scatter_", lambda m, x, s: (x * 1).masked_scatter_(m.tensor([True, False, True]), s),
     (X, RNG.normal(size=(3, 4)))),
]


@pytest.mark.parametrize("call, arrays", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_against_pytorch(call, arrays):
    compare(call, *arrays)


@pytest.mark.parametrize("reduce", ["sum", "prod", "mean", "amax", "amin"])
@pytest.mark.parametrize("include_self", [True, False])
def test_scatter_reduce(reduce, include_self):
    compare(lambda m, x, s: x.scatter_reduce(0, m.tensor(INDEX), s, reduce, include_self=include_self), X, SRC)
    # ties and zeros: the gradient shares and the products of the others
    ties, small = np.round(X), RNG.integers(0, 2, (2, 2)).astype(float)
    compare(lambda m, x, s: x.scatter_reduce(1, m.tensor(INDEX[:2, :2] % 3), s, reduce, include_self=include_self),
            ties, small)
    compare(lambda m, x, s: (x * 1).scatter_reduce_(1, m.tensor(INDEX[:2, :2] % 3), s, reduce,
                                                    include_self=include_self), ties, small)


ERRORS = [
    lambda m, x: x.index_copy(0, m.tensor([0]), x), lambda m, x: x.index_copy(0, m.tensor([9]), x[:1]),
    lambda m, x: x.index_copy(0, m.tensor([0.0]), x[:1]), lambda m, x: x.index_copy(0, m.tensor([0]), x[:1].double()),
    lambda m, x: x.put(m.tensor([0, 1]), x[0]), lambda m, x: x.put(m.tensor([99]), x[0, :1]),
    lambda m, x: x.put(m.tensor([0]), x[0, :1].double()),
    lambda m, x: x.scatter_reduce(0, m.tensor([[0]]), x, "foo"), lambda m, x: x.scatter_reduce(0, m.tensor([[9]]), x, "sum"),
    lambda m, x: x.masked_scatter(m.tensor([1, 0, 1]), x),
    lambda m, x: x.masked_scatter(m.tensor([True, False, True]), x[:1]),
    lambda m, x: x.masked_scatter(m.tensor([True, False, True]), x.double()),
    lambda m, x: x.index_put((m.tensor([0]),), x.double()[0]),
]


@pytest.mark.parametrize("call", ERRORS)
def test_errors_as_pytorch(call):
    with pytest.raises(Exception) as theirs:
        call(torch, torch.tensor(X, dtype=torch.float32))
    with pytest.raises(Exception) as ours:
        call(gg, gg.tensor(X, dtype=gg.float32))
    assert type(ours.value) is type(theirs.value)
    assert str(ours.value) == str(theirs.value)
