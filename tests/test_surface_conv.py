"""F.conv_transpose1d / torch.conv_transpose1d / nn.ConvTranspose1d against PyTorch: values in float32 and
float64, input, weight and bias gradients, grad_fn names, module reprs, output_size and PyTorch's
errors."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import glassgrad
import glassgrad.nn as nn
import glassgrad.nn.functional as F

rng = np.random.default_rng(0)


def _compare(g_fn, t_fn, arrays, dtype="float64"):
    tol = dict(rtol=1e-10, atol=1e-12) if dtype == "float64" else dict(rtol=3e-5, atol=3e-5)
    gs = [glassgrad.tensor(np.asarray(a, dtype), requires_grad=True) for a in arrays]
    ts = [torch.tensor(np.asarray(a, dtype), requires_grad=True) for a in arrays]
    go, to = g_fn(*gs), t_fn(*ts)
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
    ((2, 3, 5), (3, 4, 3), {}),
    ((3, 6), (3, 2, 2), dict(stride=2, padding=1, output_padding=1)),
    ((2, 3, 5), (3, 4, 3), dict(dilation=2, stride=3, output_padding=2)),
    ((1, 2, 7), (2, 5, 4), dict(stride=(2,), padding=(2,))),
])
@pytest.mark.parametrize("bias", [False, True])
def test_conv_transpose1d(dtype, x_shape, w_shape, kwargs, bias):
    x, w, b = rng.standard_normal(x_shape), rng.standard_normal(w_shape), rng.standard_normal(w_shape[1])
    arrays = [x, w, b] if bias else [x, w]
    _compare(lambda *a: F.conv_transpose1d(*a, **kwargs), lambda *a: torch.nn.functional.conv_transpose1d(
        *a, **kwargs), arrays, dtype)
    _compare(lambda *a: glassgrad.conv_transpose1d(*a, **kwargs), lambda *a: torch.conv_transpose1d(*a, **kwargs),
             arrays, dtype)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("output_size", [None, [14], (2, 4, 13)])
def test_conv_transpose1d_module(dtype, output_size):
    g = nn.ConvTranspose1d(3, 4, 3, stride=2, padding=1, dilation=2)
    t = torch.nn.ConvTranspose1d(3, 4, 3, stride=2, padding=1, dilation=2)
    assert repr(g) == repr(t)
    assert tuple(g.weight.shape) == tuple(t.weight.shape) and g.output_padding == t.output_padding
    x = rng.standard_normal((2, 3, 6)).astype(dtype)
    w, b = t.weight.detach().numpy().astype(dtype), t.bias.detach().numpy().astype(dtype)
    _compare(lambda a, ww, bb: F.conv_transpose1d(a, ww, bb, 2, 1, g._output_padding(a, output_size), 1, 2),
             lambda a, ww, bb: torch.nn.functional.conv_transpose1d(
                 a, ww, bb, 2, 1, t._output_padding(a, output_size, t.stride, t.padding, t.kernel_size, 1,
                                                    t.dilation), 1, 2), [x, w, b], dtype)
    g.weight.data = glassgrad.tensor(t.weight.detach().numpy())
    g.bias.data = glassgrad.tensor(t.bias.detach().numpy())
    xf = rng.standard_normal((2, 3, 6)).astype("float32")
    np.testing.assert_allclose(g(glassgrad.tensor(xf), output_size).detach().numpy(),
                               t(torch.tensor(xf), output_size).detach().numpy(), rtol=1e-5, atol=1e-5)
    assert repr(nn.ConvTranspose1d(2, 3, 2, bias=False, output_padding=1, stride=2)) == repr(
        torch.nn.ConvTranspose1d(2, 3, 2, bias=False, output_padding=1, stride=2))


@pytest.mark.parametrize("x_shape,w_shape,b_shape,kwargs", [
    ((2, 3, 5, 5), (3, 4, 3), None, {}),
    ((2, 3, 5), (3, 4), None, {}),
    ((2, 3, 5), (2, 4, 3), None, {}),
    ((2, 3, 5), (3, 4, 3), None, dict(stride=2, output_padding=2)),
    ((2, 3, 5), (3, 4, 3), (3,), {}),
])
def test_conv_transpose1d_errors(x_shape, w_shape, b_shape, kwargs):
    x, w = np.zeros(x_shape, "f4"), np.zeros(w_shape, "f4")
    b = None if b_shape is None else np.zeros(b_shape, "f4")
    with pytest.raises(RuntimeError) as expected:
        torch.nn.functional.conv_transpose1d(torch.tensor(x), torch.tensor(w),
                                             None if b is None else torch.tensor(b), **kwargs)
    with pytest.raises(RuntimeError) as got:
        F.conv_transpose1d(glassgrad.tensor(x), glassgrad.tensor(w), None if b is None else glassgrad.tensor(b),
                           **kwargs)
    assert str(got.value) == str(expected.value)
