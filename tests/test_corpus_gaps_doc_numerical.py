"""Gaps found by running PyTorch's own docstring examples on glassgrad: aminmax, vander, trapezoid,
cumulative_trapezoid, unravel_index, and a post-accumulate-grad hook whose return value must be ignored.
Every value, dtype, gradient and error is compared with PyTorch's."""

import numpy as np
import pytest
import torch

import glassgrad as gg

Y = np.random.default_rng(5).standard_normal((3, 5))
XS = np.cumsum(np.random.default_rng(6).uniform(0.1, 1.0, 5))


def both(fn):
    """fn(lib) on glassgrad and on PyTorch."""
    return fn(gg), fn(torch)


def assert_same(ours, theirs):
    assert str(ours.dtype).split(".")[-1] == str(theirs.dtype).split(".")[-1]
    assert tuple(ours.shape) == tuple(theirs.shape)
    np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=1e-6, atol=1e-12)


@pytest.mark.parametrize("kwargs", [{}, {"dim": 0}, {"dim": 1, "keepdim": True}, {"dim": -1}])
def test_aminmax_values_gradient_and_type(kwargs):
    results = []
    for lib in (gg, torch):
        x = lib.tensor(Y, requires_grad=True)
        result = lib.aminmax(x, **kwargs)
        (result.min * 2 + result.max * 3).sum().backward()
        results.append((result.min, result.max, x.grad, type(result).__name__, x.aminmax(**kwargs).max))
    ours, theirs = results
    for a, b in zip(ours[:3] + ours[4:], theirs[:3] + theirs[4:]):
        assert_same(a, b)
    assert ours[3] == theirs[3] == "aminmax"


def test_aminmax_integers_and_empty_error():
    ours, theirs = both(lambda lib: lib.aminmax(lib.tensor([[4, -2], [0, 9]]), dim=0))
    assert_same(ours.min, theirs.min)
    assert_same(ours.max, theirs.max)
    assert repr(ours).replace("glassgrad", "torch") == repr(theirs)
    for lib in (gg, torch):
        with pytest.raises(RuntimeError, match="cannot compute aminmax over an empty dimension"):
            lib.aminmax(lib.tensor([]))


@pytest.mark.parametrize("n,increasing", [(None, False), (4, True), (2, False), (0, False)])
def test_vander_forward_matches_pytorch_and_gradient_is_exact_at_zero(n, increasing):
    """PyTorch's own vander has no working backward (an in-place error), so the gradient is checked
    against the power rule by hand: d/dx Σⱼ cⱼ x^pⱼ = Σⱼ cⱼ pⱼ x^(pⱼ-1), exactly 0·… at x = 0."""
    xs = np.array([0.0, -1.5, 2.0])
    x = gg.tensor(xs, requires_grad=True)
    v = gg.vander(x, N=n, increasing=increasing)
    assert_same(v, torch.vander(torch.tensor(xs), N=n, increasing=increasing))
    if v.numel():
        weights = np.arange(float(v.numel())).reshape(v.shape)
        (v * gg.tensor(weights)).sum().backward()
        powers = np.arange(v.shape[1]) if increasing else np.arange(v.shape[1])[::-1]
        expected = [sum(c * p * (x0 ** (p - 1) if p else 0.0) for c, p in zip(row, powers))
                    for x0, row in zip(xs, weights)]
        np.testing.assert_allclose(x.grad.numpy(), expected)


def test_vander_integer_dtype_and_errors():
    ours, theirs = both(lambda lib: lib.vander(lib.tensor([1, 2, 3], dtype=lib.int32)))
    assert_same(ours, theirs)
    for lib in (gg, torch):
        with pytest.raises(RuntimeError, match="one-dimensional"):
            lib.vander(lib.ones(2, 2))
        with pytest.raises(RuntimeError, match="non-negative"):
            lib.vander(lib.ones(2), N=-1)


@pytest.mark.parametrize("fn", ["trapezoid", "cumulative_trapezoid"])
@pytest.mark.parametrize("spacing", ["none", "dx", "x1d", "xfull"])
@pytest.mark.parametrize("dim", [-1, 0])
def test_trapezoid_rules_match_pytorch(fn, spacing, dim):
    results = []
    for lib in (gg, torch):
        y = lib.tensor(Y, requires_grad=True)
        n = Y.shape[dim]
        kwargs = {"dim": dim}
        args = ()
        if spacing == "dx":
            kwargs["dx"] = 0.25
        elif spacing == "x1d":
            args = (lib.tensor(XS[:n]),)
        elif spacing == "xfull":
            args = (lib.tensor(np.broadcast_to(XS[:n].reshape((-1, 1) if dim == 0 else (1, -1)), Y.shape).copy()),)
        out = getattr(lib, fn)(y, *args, **kwargs)
        (out * out).sum().backward()
        results.append((out, y.grad))
    for a, b in zip(*results):
        assert_same(a, b)


def test_trapezoid_integers_empty_and_bad_x():
    for make in (lambda lib: lib.trapezoid(lib.tensor([1, 2, 4])),
                 lambda lib: lib.cumulative_trapezoid(lib.tensor([1, 2, 4]), dx=2),
                 lambda lib: lib.trapezoid(lib.tensor([1.0, 2.0, 4.0]), lib.tensor([0, 1, 3])),
                 lambda lib: lib.trapezoid(lib.ones(0)),
                 lambda lib: lib.cumulative_trapezoid(lib.ones(0))):
        assert_same(*both(make))
    for lib in (gg, torch):
        with pytest.raises(RuntimeError, match="one `x` value for each sample point"):
            lib.trapezoid(lib.ones(2, 3), lib.ones(2))


@pytest.mark.parametrize("indices,shape", [([[3, 4], [0, 5]], (2, 3)), ([7, -1], (2, 3)), (4, 6), ([1, 2], [])])
def test_unravel_index_matches_pytorch(indices, shape):
    ours, theirs = both(lambda lib: lib.unravel_index(lib.tensor(indices), shape))
    assert len(ours) == len(theirs)
    for a, b in zip(ours, theirs):
        assert_same(a, b)


def test_unravel_index_errors():
    for lib in (gg, torch):
        with pytest.raises(TypeError, match="integer dtype"):
            lib.unravel_index(lib.tensor([1.5]), (2, 3))
        with pytest.raises(ValueError, match="cannot have negative values"):
            lib.unravel_index(lib.tensor([1]), (2, -3))


def test_post_accumulate_grad_hook_may_return_a_value():
    """The "optimizer step in backward" one-liner returns the tensor ``add_`` gives back: PyTorch ignores it."""
    results = []
    for lib in (gg, torch):
        w = lib.tensor([0.5, -1.0, 2.0], requires_grad=True)
        handle = w.register_post_accumulate_grad_hook(lambda p: p.add_(p.grad, alpha=-0.1))
        (w * w).sum().backward()
        handle.remove()
        (w * w).sum().backward()  # no hook now: w stays, its grad accumulates
        results.append((w.detach().clone(), w.grad))
    for a, b in zip(*results):
        assert_same(a, b)


COORDS = np.array([0.0, 0.5, 1.75, 2.0, 3.5])


@pytest.mark.parametrize("kwargs", [
    {}, {"spacing": 2.0}, {"dim": 1}, {"dim": (0,), "spacing": 0.5}, {"spacing": [2.0, 3.0]},
    {"edge_order": 2}, {"dim": 1, "spacing": "coords"}, {"dim": 1, "spacing": "coords", "edge_order": 2},
    {"dim": -1, "edge_order": 2, "spacing": 0.25},
])
def test_gradient_matches_pytorch_values_and_backward(kwargs):
    f = np.random.default_rng(9).standard_normal((3, 5))
    results = []
    for lib in (gg, torch):
        x = lib.tensor(f, requires_grad=True)
        kw = dict(kwargs)
        if kw.get("spacing") == "coords":
            kw["spacing"] = (lib.tensor(COORDS),)
        parts = lib.gradient(x, **kw)
        sum((p * p * (i + 1)).sum() for i, p in enumerate(parts)).backward()
        results.append([*parts, x.grad])
    assert len(results[0]) == len(results[1])
    for ours, theirs in zip(*results):
        assert_same(ours, theirs)


def test_gradient_of_integers_is_float_and_errors_match():
    assert_same(*both(lambda lib: lib.gradient(lib.tensor([1, 4, 9, 16]))[0]))
    for lib in (gg, torch):
        with pytest.raises(RuntimeError, match="at least edge_order\\+1"):
            lib.gradient(lib.tensor([1.0, 2.0]), edge_order=2)
        with pytest.raises(RuntimeError, match="only supports edge_order=1 and edge_order=2"):
            lib.gradient(lib.ones(4), edge_order=3)
        with pytest.raises(RuntimeError, match="a list of length equal to 'self.dim\\(\\) = 2'"):
            lib.gradient(lib.ones(2, 3), spacing=[1.0, 2.0, 3.0])
