"""F.conv3d / nn.Conv3d, F.max_pool3d / nn.MaxPool3d, F.avg_pool3d / nn.AvgPool3d and
F.adaptive_avg_pool3d / nn.AdaptiveAvgPool3d against PyTorch: values in float32 and float64, indices,
gradients of every input, grad_fn names, module reprs and PyTorch's errors."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch

import glassgrad
import glassgrad.nn as nn
import glassgrad.nn.functional as F

rng = np.random.default_rng(0)
TF = torch.nn.functional


def _compare(g_fn, t_fn, arrays, dtype="float64"):
    tol = dict(rtol=1e-10, atol=1e-12) if dtype == "float64" else dict(rtol=3e-5, atol=3e-5)
    gs = [glassgrad.tensor(np.asarray(a, dtype), requires_grad=True) for a in arrays]
    ts = [torch.tensor(np.asarray(a, dtype), requires_grad=True) for a in arrays]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # PyTorch's note on padding='same' with even kernels
        go, to = g_fn(*gs), t_fn(*ts)
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
    for g, t in zip(gs, ts):
        np.testing.assert_allclose(g.grad.numpy(), t.grad.numpy(), **tol)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("x_shape,w_shape,kwargs", [
    ((2, 4, 5, 6, 7), (6, 2, 2, 3, 2), dict(stride=(1, 2, 1), padding=1, dilation=(2, 1, 1), groups=2)),
    ((3, 4, 5, 6), (2, 3, 3, 3, 3), dict(padding="same")),
    ((1, 2, 4, 5, 6), (3, 2, 2, 2, 2), dict(padding="valid", stride=2)),
    ((2, 2, 3, 4, 5), (2, 2, 1, 2, 3), dict(padding=(0, 1, 2))),
])
@pytest.mark.parametrize("bias", [False, True])
def test_conv3d(dtype, x_shape, w_shape, kwargs, bias):
    arrays = [rng.standard_normal(x_shape), rng.standard_normal(w_shape)] + (
        [rng.standard_normal(w_shape[0])] if bias else [])
    _compare(lambda *a: F.conv3d(*a, **kwargs), lambda *a: TF.conv3d(*a, **kwargs), arrays, dtype)


def test_conv3d_module():
    t = torch.nn.Conv3d(4, 6, (2, 3, 1), stride=2, padding=1, groups=2)
    g = nn.Conv3d(4, 6, (2, 3, 1), stride=2, padding=1, groups=2)
    assert repr(g) == repr(t) and tuple(g.weight.shape) == tuple(t.weight.shape)
    g.weight.data = glassgrad.tensor(t.weight.detach().numpy())
    g.bias.data = glassgrad.tensor(t.bias.detach().numpy())
    x = rng.standard_normal((2, 4, 5, 6, 3)).astype("float32")
    np.testing.assert_allclose(g(glassgrad.tensor(x)).detach().numpy(), t(torch.tensor(x)).detach().numpy(),
                               rtol=1e-5, atol=1e-5)
    assert repr(nn.Conv3d(2, 3, 1, bias=False)) == repr(torch.nn.Conv3d(2, 3, 1, bias=False))


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("shape,kwargs", [
    ((2, 3, 5, 6, 7), dict(kernel_size=(2, 3, 2), stride=(1, 2, 2), padding=1)),
    ((3, 5, 6, 7), dict(kernel_size=2, ceil_mode=True, dilation=(1, 2, 1))),
    ((1, 2, 4, 4, 4), dict(kernel_size=3, stride=1)),
])
def test_max_pool3d(dtype, shape, kwargs):
    x = rng.standard_normal(shape)
    _compare(lambda a: F.max_pool3d(a, return_indices=True, **kwargs),
             lambda a: TF.max_pool3d(a, return_indices=True, **kwargs), [x], dtype)
    _compare(lambda a: nn.MaxPool3d(**kwargs)(a), lambda a: torch.nn.MaxPool3d(**kwargs)(a), [x], dtype)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("shape,kwargs", [
    ((2, 3, 5, 6, 7), dict(kernel_size=(2, 3, 2), stride=(1, 2, 2), padding=1)),
    ((2, 3, 5, 6, 7), dict(kernel_size=2, ceil_mode=True, padding=1, count_include_pad=False)),
    ((3, 5, 6, 7), dict(kernel_size=3, stride=2, ceil_mode=True)),
    ((3, 4, 4, 4), dict(kernel_size=2, divisor_override=3)),
])
def test_avg_pool3d(dtype, shape, kwargs):
    x = rng.standard_normal(shape)
    _compare(lambda a: F.avg_pool3d(a, **kwargs), lambda a: TF.avg_pool3d(a, **kwargs), [x], dtype)
    _compare(lambda a: nn.AvgPool3d(**kwargs)(a), lambda a: torch.nn.AvgPool3d(**kwargs)(a), [x], dtype)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("shape,size", [((2, 3, 5, 6, 7), (2, 4, None)), ((3, 5, 6, 7), 3), ((2, 2, 4, 4, 4), 1),
                                        ((1, 2, 3, 5, 4), (5, 2, 7))])
def test_adaptive_avg_pool3d(dtype, shape, size):
    x = rng.standard_normal(shape)
    _compare(lambda a: F.adaptive_avg_pool3d(a, size), lambda a: TF.adaptive_avg_pool3d(a, size), [x], dtype)
    _compare(lambda a: nn.AdaptiveAvgPool3d(size)(a), lambda a: torch.nn.AdaptiveAvgPool3d(size)(a), [x], dtype)


def test_reprs():
    pairs = [(nn.MaxPool3d(2), torch.nn.MaxPool3d(2)),
             (nn.MaxPool3d((2, 3, 1), 1, return_indices=True), torch.nn.MaxPool3d((2, 3, 1), 1, return_indices=True)),
             (nn.AvgPool3d(2, padding=1), torch.nn.AvgPool3d(2, padding=1)),
             (nn.AdaptiveAvgPool3d((2, None, 3)), torch.nn.AdaptiveAvgPool3d((2, None, 3)))]
    for g, t in pairs:
        assert repr(g) == repr(t)
        public = {k: v for k, v in vars(t).items() if not k.startswith("_") and k != "training"}
        assert {k: getattr(g, k) for k in public} == public


@pytest.mark.parametrize("call", [
    lambda m, lib: m.conv3d(lib.randn(2, 3, 5, 6), lib.randn(4, 3, 2, 2, 2)),
    lambda m, lib: m.conv3d(lib.randn(2, 3, 5, 6, 7), lib.randn(4, 2, 2, 3, 2)),
    lambda m, lib: m.conv3d(lib.randn(2, 3, 5, 6, 7), lib.randn(4, 3, 2, 3, 2), padding="same", stride=2),
    lambda m, lib: m.max_pool3d(lib.randn(3, 4), 2),
    lambda m, lib: m.max_pool3d(lib.randn(2, 3, 5, 6, 7), 2, padding=2),
    lambda m, lib: m.max_pool3d(lib.randn(2, 3, 5, 6, 7), (2, 2)),
    lambda m, lib: m.max_pool3d(lib.randn(2, 3, 5, 6, 7), 9),
    lambda m, lib: m.avg_pool3d(lib.randn(3, 4), 2),
    lambda m, lib: m.adaptive_avg_pool3d(lib.randn(3, 4), 2),
])
def test_errors(call):
    with pytest.raises(Exception) as expected:
        call(TF, torch)
    with pytest.raises(type(expected.value)) as got:
        call(F, glassgrad)
    assert str(got.value) == str(expected.value)
