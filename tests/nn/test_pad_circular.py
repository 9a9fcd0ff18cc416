"""F.pad(mode="circular") with negative pads: crop first, then wrap within what is left, as PyTorch."""

import numpy as np
import pytest
import torch

import glassgrad as gg


@pytest.mark.parametrize("before", range(-3, 4))
@pytest.mark.parametrize("after", range(-3, 4))
def test_circular_pad_matches_pytorch(before, after):
    kept = 5 - max(-before, 0) - max(-after, 0)
    if kept <= 0 or before > kept or after > kept:  # PyTorch refuses or wraps past what it kept
        pytest.skip("outside what PyTorch defines")
    x = np.arange(10.0).reshape(1, 2, 5)
    xt, xg = torch.tensor(x, requires_grad=True), gg.tensor(x, requires_grad=True)
    yt = torch.nn.functional.pad(xt, (before, after), mode="circular")
    yg = gg.nn.functional.pad(xg, (before, after), mode="circular")
    np.testing.assert_array_equal(yg.detach().numpy(), yt.detach().numpy())
    g = np.arange(yt.numel(), dtype=np.float64).reshape(tuple(yt.shape))
    (yt * torch.tensor(g)).sum().backward()
    (yg * gg.tensor(g)).sum().backward()
    np.testing.assert_array_equal(xg.grad.numpy(), xt.grad.numpy())
