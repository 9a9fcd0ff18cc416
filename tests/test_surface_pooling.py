"""F.adaptive_max_pool1d/2d, F.max_unpool1d/2d, F.lp_pool1d/2d, F.unfold/F.fold and their nn modules
(AdaptiveMaxPool1d/2d, MaxUnpool1d/2d, LPPool1d/2d, Unfold, Fold) against PyTorch: values in float32
and float64, returned indices, input gradients, grad_fn names, module reprs and PyTorch's errors."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import glassgrad
import glassgrad.nn as nn
import glassgrad.nn.functional as F

rng = np.random.default_rng(0)
TF = torch.nn.functional


def _compare(g_fn, t_fn, x, dtype="float64"):
    """Values (and indices, when a pair comes back), dtype, grad_fn name, gradient of Σ out·u."""
    tol = dict(rtol=1e-10, atol=1e-12) if dtype == "float64" else dict(rtol=3e-5, atol=3e-6)
    g = glassgrad.tensor(np.asarray(x, dtype), requires_grad=True)
    t = torch.tensor(np.asarray(x, dtype), requires_grad=True)
    go, to = g_fn(g), t_fn(t)
    if isinstance(to, tuple):
        np.testing.assert_array_equal(go[1].numpy(), to[1].numpy())
        assert go[1].numpy().dtype == np.int64
        go, to = go[0], to[0]
    np.testing.assert_allclose(go.detach().numpy(), to.detach().numpy(), **tol)
    assert go.detach().numpy().dtype == to.detach().numpy().dtype
    assert go.grad_fn.name() == to.grad_fn.name()
    u = np.random.default_rng(1).standard_normal(tuple(to.shape)).astype(dtype)
    (go * glassgrad.tensor(u)).sum().backward()
    (to * torch.tensor(u)).sum().backward()
    np.testing.assert_allclose(g.grad.numpy(), t.grad.numpy(), **tol)


def _raises_like(g_call, t_call):
    with pytest.raises(Exception) as expected:
        t_call()
    with pytest.raises(type(expected.value)) as got:
        g_call()
    assert str(got.value) == str(expected.value)


# --- adaptive max pooling ----------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("shape,size", [((2, 3, 7, 9), (3, 4)), ((3, 7, 9), 5), ((2, 2, 6, 6), (None, 4)),
                                        ((1, 2, 5, 4), (5, 8))])
def test_adaptive_max_pool2d(dtype, shape, size):
    x = rng.standard_normal(shape)
    _compare(lambda a: F.adaptive_max_pool2d(a, size), lambda a: TF.adaptive_max_pool2d(a, size), x, dtype)
    _compare(lambda a: nn.AdaptiveMaxPool2d(size, True)(a), lambda a: torch.nn.AdaptiveMaxPool2d(size, True)(a),
             x, dtype)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("shape,size", [((2, 3, 10), 4), ((3, 7), 3), ((2, 2, 5), 7)])
def test_adaptive_max_pool1d(dtype, shape, size):
    x = rng.standard_normal(shape)
    _compare(lambda a: F.adaptive_max_pool1d(a, size, True), lambda a: TF.adaptive_max_pool1d(a, size, True), x,
             dtype)
    _compare(lambda a: nn.AdaptiveMaxPool1d(size)(a), lambda a: torch.nn.AdaptiveMaxPool1d(size)(a), x, dtype)


def test_adaptive_max_pool_ties_go_to_the_first():
    x = np.zeros((1, 1, 4, 4))
    x[0, 0, 1:3, 1:3] = 1.0
    _compare(lambda a: F.adaptive_max_pool2d(a, 2, True), lambda a: TF.adaptive_max_pool2d(a, 2, True), x)


# --- max unpooling ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("shape,kwargs,output_size", [((2, 3, 8, 10), dict(kernel_size=2), None),
                                                      ((3, 9, 9), dict(kernel_size=3, stride=2, padding=1), None),
                                                      ((2, 3, 8, 10), dict(kernel_size=2), (9, 11)),
                                                      ((1, 2, 8, 10), dict(kernel_size=2), (1, 2, 8, 11))])
def test_max_unpool2d(dtype, shape, kwargs, output_size):
    pooled, index = TF.max_pool2d(torch.tensor(rng.standard_normal(shape)), return_indices=True, **kwargs)
    gi = glassgrad.tensor(index.numpy())
    _compare(lambda a: F.max_unpool2d(a, gi, output_size=output_size, **kwargs),
             lambda a: TF.max_unpool2d(a, index, output_size=output_size, **kwargs), pooled.numpy(), dtype)
    _compare(lambda a: nn.MaxUnpool2d(**kwargs)(a, gi, output_size),
             lambda a: torch.nn.MaxUnpool2d(**kwargs)(a, index, output_size), pooled.numpy(), dtype)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("shape,kwargs", [((2, 3, 10), dict(kernel_size=2)), ((3, 11), dict(kernel_size=3, stride=2))])
def test_max_unpool1d(dtype, shape, kwargs):
    pooled, index = TF.max_pool1d(torch.tensor(rng.standard_normal(shape)), return_indices=True, **kwargs)
    gi = glassgrad.tensor(index.numpy())
    _compare(lambda a: F.max_unpool1d(a, gi, **kwargs), lambda a: TF.max_unpool1d(a, index, **kwargs),
             pooled.numpy(), dtype)
    _compare(lambda a: nn.MaxUnpool1d(**kwargs)(a, gi), lambda a: torch.nn.MaxUnpool1d(**kwargs)(a, index),
             pooled.numpy(), dtype)


def test_pool_then_unpool_round_trip():
    x = glassgrad.randn(1, 2, 6, 6).abs() + 0.1  # positive: the zeros unpooling adds never win
    out, index = F.max_pool2d(x, 2, return_indices=True)
    back = F.max_unpool2d(out, index, 2)
    np.testing.assert_array_equal(F.max_pool2d(back, 2).numpy(), out.numpy())


# --- power-average pooling --------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("p,kernel,stride,ceil", [(2, (2, 3), None, False), (3, 2, 1, True), (1, 3, 2, False),
                                                  (float("inf"), 2, None, False), (1.5, 2, None, True)])
def test_lp_pool2d(dtype, p, kernel, stride, ceil):
    x = np.abs(rng.standard_normal((2, 3, 7, 8))) + 0.1
    _compare(lambda a: F.lp_pool2d(a, p, kernel, stride, ceil), lambda a: TF.lp_pool2d(a, p, kernel, stride, ceil),
             x, dtype)
    _compare(lambda a: nn.LPPool2d(p, kernel, stride, ceil)(a), lambda a: torch.nn.LPPool2d(p, kernel, stride,
                                                                                             ceil)(a), x, dtype)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("p,kernel,stride", [(2, 3, None), (3, 2, 1), (float("inf"), 2, None)])
def test_lp_pool1d(dtype, p, kernel, stride):
    x = rng.standard_normal((2, 3, 9))
    _compare(lambda a: F.lp_pool1d(a, p, kernel, stride), lambda a: TF.lp_pool1d(a, p, kernel, stride), x, dtype)
    _compare(lambda a: nn.LPPool1d(p, kernel, stride)(a), lambda a: torch.nn.LPPool1d(p, kernel, stride)(a), x,
             dtype)


# --- unfold / fold ------------------------------------------------------------------------------------------
GEOMETRIES = [((2, 3, 7, 8), dict(kernel_size=(2, 3))),
              ((3, 7, 8), dict(kernel_size=3, dilation=2, padding=1, stride=2)),
              ((1, 2, 5, 5), dict(kernel_size=2, stride=3, padding=(1, 0))),
              ((2, 1, 6, 6), dict(kernel_size=(3, 2), dilation=(1, 2), stride=(2, 1)))]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("shape,kwargs", GEOMETRIES)
def test_unfold(dtype, shape, kwargs):
    x = rng.standard_normal(shape)
    _compare(lambda a: F.unfold(a, **kwargs), lambda a: TF.unfold(a, **kwargs), x, dtype)
    _compare(lambda a: nn.Unfold(**kwargs)(a), lambda a: torch.nn.Unfold(**kwargs)(a), x, dtype)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("shape,kwargs", GEOMETRIES)
def test_fold(dtype, shape, kwargs):
    cols = TF.unfold(torch.zeros(shape), **kwargs)
    c = rng.standard_normal(tuple(cols.shape))
    size = shape[-2:]
    _compare(lambda a: F.fold(a, size, **kwargs), lambda a: TF.fold(a, size, **kwargs), c, dtype)
    _compare(lambda a: nn.Fold(size, **kwargs)(a), lambda a: torch.nn.Fold(size, **kwargs)(a), c, dtype)


def test_unfold_as_a_convolution():
    x, w = glassgrad.randn(2, 3, 6, 6), glassgrad.randn(4, 3, 3, 3)
    by_unfold = (w.view(4, -1) @ F.unfold(x, 3)).view(2, 4, 4, 4)
    np.testing.assert_allclose(by_unfold.numpy(), F.conv2d(x, w).numpy(), rtol=1e-4, atol=1e-5)


def test_reprs():
    pairs = [(nn.AdaptiveMaxPool2d((3, None), True), torch.nn.AdaptiveMaxPool2d((3, None), True)),
             (nn.AdaptiveMaxPool1d(3), torch.nn.AdaptiveMaxPool1d(3)),
             (nn.MaxUnpool2d((2, 3), 1, 1), torch.nn.MaxUnpool2d((2, 3), 1, 1)),
             (nn.MaxUnpool1d(2), torch.nn.MaxUnpool1d(2)),
             (nn.LPPool2d(2, 3, 2), torch.nn.LPPool2d(2, 3, 2)), (nn.LPPool1d(1.5, 3), torch.nn.LPPool1d(1.5, 3)),
             (nn.Unfold(2, padding=1), torch.nn.Unfold(2, padding=1)),
             (nn.Fold((4, 5), (2, 3), stride=2), torch.nn.Fold((4, 5), (2, 3), stride=2))]
    for g, t in pairs:
        assert repr(g) == repr(t)
        public = {k: v for k, v in vars(t).items() if not k.startswith("_") and k != "training"}
        assert {k: getattr(g, k) for k in public} == public


@pytest.mark.parametrize("call", [
    lambda m, x: m.unfold(x(3, 4), 2),
    lambda m, x: m.unfold(x(1, 1, 3, 4, 4), 2),
    lambda m, x: m.unfold(x(1, 3, 4, 4), 5),
    lambda m, x: m.unfold(x(1, 3, 4, 4), 0),
    lambda m, x: m.unfold(x(1, 3, 4, 4), 2, stride=0),
    lambda m, x: m.unfold(x(1, 3, 4, 4), 2, padding=-1),
    lambda m, x: m.unfold(x(1, 3, 4, 4), (2, 2, 2)),
    lambda m, x: m.fold(x(1, 7, 9), (4, 4), 2),
    lambda m, x: m.fold(x(1, 8, 8), (4, 4), 2),
    lambda m, x: m.fold(x(2, 1, 8, 9), (4, 4), 2),
    lambda m, x: m.adaptive_max_pool2d(x(3, 4), 2),
    lambda m, x: m.adaptive_max_pool2d(x(1, 3, 4, 4), (2, 2, 2)),
    lambda m, x: m.adaptive_max_pool1d(x(1, 3, 4, 4), 2),
])
def test_errors(call):
    _raises_like(lambda: call(F, glassgrad.randn), lambda: call(TF, torch.randn))


def test_unpool_errors():
    def both(index, **kwargs):
        _raises_like(lambda: F.max_unpool2d(glassgrad.randn(1, 3, 2, 2), glassgrad.tensor(index), 2, **kwargs),
                     lambda: TF.max_unpool2d(torch.randn(1, 3, 2, 2), torch.tensor(index), 2, **kwargs))

    both(np.full((1, 3, 2, 2), 99))
    both(np.zeros((1, 3, 2, 2), np.int64), output_size=(9, 9))
    both(np.zeros((1, 3, 2, 2), np.int64), output_size=(4, 4, 4))
    both(np.zeros((1, 3, 2, 2), np.float32))
    both(np.zeros((1, 3, 2, 1), np.int64))
    _raises_like(lambda: F.adaptive_max_pool2d(glassgrad.ones(1, 3, 4, 4, dtype=glassgrad.int64), 2),
                 lambda: TF.adaptive_max_pool2d(torch.ones(1, 3, 4, 4, dtype=torch.int64), 2))
