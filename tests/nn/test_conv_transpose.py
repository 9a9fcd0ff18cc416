"""F.conv_transpose2d and nn.ConvTranspose2d against PyTorch: forward and every gradient (float64), over
strides, padding, output_padding, dilation, with and without bias, batched and unbatched; reprs,
initialisation bounds, output_size, and PyTorch's errors."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import glassgrad
import glassgrad.nn as nn
import glassgrad.nn.functional as F

CASES = [dict(), dict(stride=2), dict(stride=2, padding=1, output_padding=1),
         dict(stride=(2, 3), padding=(1, 0), output_padding=(1, 2)), dict(dilation=2),
         dict(dilation=2, output_padding=1), dict(stride=3, dilation=2, padding=2, output_padding=2),
         dict(padding=1)]


@pytest.mark.parametrize("kw", CASES)
@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("shape", [(2, 4, 5, 6), (4, 3, 3), (2, 4, 2, 2)])
def test_conv_transpose2d_matches_torch(kw, bias, shape):
    rng = np.random.default_rng(0)
    x, w, b = rng.standard_normal(shape), rng.standard_normal((4, 3, 3, 2)), rng.standard_normal(3)
    tx, tw, tb = (torch.tensor(a, requires_grad=True) for a in (x, w, b))
    gx, gw, gb = (glassgrad.tensor(a, requires_grad=True) for a in (x, w, b))
    to = TF.conv_transpose2d(tx, tw, tb if bias else None, **kw)
    go = F.conv_transpose2d(gx, gw, gb if bias else None, **kw)
    assert tuple(go.shape) == tuple(to.shape)
    np.testing.assert_allclose(go.detach().numpy(), to.detach().numpy(), rtol=1e-10, atol=1e-10)
    u = rng.standard_normal(tuple(to.shape))
    (to * torch.tensor(u)).sum().backward()
    (go * glassgrad.tensor(u)).sum().backward()
    pairs = [(tx, gx), (tw, gw)] + ([(tb, gb)] if bias else [])
    for t, g in pairs:
        np.testing.assert_allclose(g.grad.numpy(), t.grad.numpy(), rtol=1e-10, atol=1e-10)


def test_conv_transpose2d_float32_and_grad_fn():
    x, w = glassgrad.randn(2, 4, 3, 3, requires_grad=True), glassgrad.randn(4, 5, 4, 4)
    out = F.conv_transpose2d(x, w, stride=2, padding=1)
    t = TF.conv_transpose2d(torch.tensor(x.detach().numpy()), torch.tensor(w.numpy()), stride=2, padding=1)
    assert out.dtype == glassgrad.float32 and out.grad_fn.name() == "ConvolutionBackward0"
    np.testing.assert_allclose(out.detach().numpy(), t.numpy(), rtol=1e-5, atol=1e-5)


def test_conv_transpose2d_module():
    m = nn.ConvTranspose2d(100, 64, 4, 1, 0, bias=False)
    t = torch.nn.ConvTranspose2d(100, 64, 4, 1, 0, bias=False)
    assert str(m) == str(t)
    assert tuple(m(glassgrad.randn(2, 100, 1, 1)).shape) == (2, 64, 4, 4)
    m = nn.ConvTranspose2d(4, 3, 3, stride=2, padding=1, output_padding=1, dilation=1)
    t = torch.nn.ConvTranspose2d(4, 3, 3, stride=2, padding=1, output_padding=1)
    assert str(m) == str(t) and tuple(m.weight.shape) == tuple(t.weight.shape) == (4, 3, 3, 3)
    bound = 1 / np.sqrt(3 * 9)  # fan_in of a transposed weight: its dim 1 × kernel area
    assert np.abs(m.weight.detach().numpy()).max() <= bound
    assert np.abs(m.bias.detach().numpy()).max() <= bound
    m.load_state_dict({k: glassgrad.tensor(v.detach().numpy()) for k, v in t.state_dict().items()})
    x = np.random.default_rng(1).standard_normal((1, 4, 5, 5)).astype(np.float32)
    for size in (None, [10, 10], [9, 10]):
        np.testing.assert_allclose(m(glassgrad.tensor(x), output_size=size).detach().numpy(),
                                   t(torch.tensor(x), output_size=size).detach().numpy(), atol=1e-5)
    with pytest.raises(ValueError, match="requested an output size of"):
        m(glassgrad.tensor(x), output_size=[12, 12])
    with pytest.raises(ValueError, match='Only "zeros" padding mode is supported for ConvTranspose2d'):
        nn.ConvTranspose2d(4, 3, 3, padding_mode="reflect")


def test_conv_transpose2d_errors():
    x, w = glassgrad.randn(2, 5, 6, 6), glassgrad.randn(4, 3, 3, 3)
    with pytest.raises(RuntimeError, match=r"Given transposed=1, weight of size \[4, 3, 3, 3\], expected "
                                           r"input\[2, 5, 6, 6\] to have 4 channels"):
        F.conv_transpose2d(x, w)
    with pytest.raises(RuntimeError, match="output padding must be smaller than either stride or dilation"):
        F.conv_transpose2d(glassgrad.randn(2, 4, 6, 6), w, output_padding=1)
    with pytest.raises(RuntimeError, match="Output size is too small"):
        F.conv_transpose2d(glassgrad.randn(2, 4, 1, 1), glassgrad.randn(4, 3, 1, 1), padding=1)


def test_conv1d_is_exported():
    m, t = nn.Conv1d(3, 4, 3, padding=1), torch.nn.Conv1d(3, 4, 3, padding=1)
    assert str(m) == str(t)
    assert tuple(m(glassgrad.randn(2, 3, 7)).shape) == (2, 4, 7)
