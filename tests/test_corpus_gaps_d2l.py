"""Gaps found by running d2l's and Karpathy's later programs (minGPT, build-nanogpt) on glassgrad.

Each test runs the same calls on PyTorch and on glassgrad and compares what comes back.
"""
import warnings

import numpy as np
import pytest
import torch

import glassgrad


@pytest.mark.parametrize("precision", ["highest", "high", "medium"])
def test_float32_matmul_precision_is_remembered_and_mirrored_like_pytorch(precision):
    # build-nanogpt's train_gpt2.py: torch.set_float32_matmul_precision('high')
    before_t, before_g = torch.get_float32_matmul_precision(), glassgrad.get_float32_matmul_precision()
    try:
        torch.set_float32_matmul_precision(precision)
        glassgrad.set_float32_matmul_precision(precision)
        assert glassgrad.get_float32_matmul_precision() == torch.get_float32_matmul_precision()
        assert glassgrad.backends.cuda.matmul.fp32_precision == torch.backends.cuda.matmul.fp32_precision
        assert glassgrad.backends.cuda.matmul.allow_tf32 == torch.backends.cuda.matmul.allow_tf32
    finally:
        torch.set_float32_matmul_precision(before_t)
        glassgrad.set_float32_matmul_precision(before_g)


def test_float32_matmul_precision_starts_at_highest_like_pytorch():
    import subprocess
    import sys
    code = "import {m}; print({m}.get_float32_matmul_precision())"
    outs = [subprocess.run([sys.executable, "-c", code.format(m=m)], capture_output=True, text=True).stdout
            for m in ("torch", "glassgrad")]
    assert outs[0] == outs[1] == "highest\n"


def test_float32_matmul_precision_bad_values_like_pytorch():
    with pytest.raises(RuntimeError) as t:
        torch.set_float32_matmul_precision(3)
    with pytest.raises(RuntimeError) as g:
        glassgrad.set_float32_matmul_precision(3)
    assert str(g.value) == str(t.value)
    before_t, before_g = torch.get_float32_matmul_precision(), glassgrad.get_float32_matmul_precision()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        glassgrad.set_float32_matmul_precision("low")
    assert any("'highest', 'high', or 'medium'" in str(w.message) for w in caught)
    torch.set_float32_matmul_precision("low")
    assert torch.get_float32_matmul_precision() == before_t
    assert glassgrad.get_float32_matmul_precision() == before_g


# --- grouped convolutions (d2l's ResNeXt block: nn.LazyConv2d(bot_channels, 3, groups=groups)) ---------
@pytest.mark.parametrize("n, c, hw, o, k, groups, stride, padding, dilation", [
    (2, 4, (7, 6), 6, 3, 2, 1, 1, 1),
    (3, 8, (9, 9), 8, 3, 8, 2, 1, 1),      # depthwise
    (2, 6, (5, 5), 9, 1, 3, 1, 0, 1),      # grouped 1x1
    (1, 4, (8, 8), 4, 3, 4, 1, 2, 2),      # dilated depthwise
    (2, 64, (4, 4), 64, 3, 32, 1, 1, 1),   # ResNeXt-like: 32 groups of 2 channels
])
def test_grouped_conv2d_values_and_gradients_match_pytorch(n, c, hw, o, k, groups, stride, padding, dilation):
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal((n, c) + hw), rng.standard_normal((o, c // groups, k, k)),
              rng.standard_normal(o)]
    got = []
    for lib in (torch, glassgrad):
        x, w, b = (lib.tensor(a, requires_grad=True) for a in arrays)
        y = lib.nn.functional.conv2d(x, w, b, stride=stride, padding=padding, dilation=dilation, groups=groups)
        (y * y).sum().backward()
        got.append([y.detach().numpy(), x.grad.numpy(), w.grad.numpy(), b.grad.numpy()])
    for theirs, ours in zip(*got):
        np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-10)


def test_grouped_conv1d_and_module_match_pytorch():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((2, 6, 11))
    t = torch.nn.Conv1d(6, 9, 3, groups=3, padding=1).double()
    g = glassgrad.nn.Conv1d(6, 9, 3, groups=3, padding=1).double()
    with glassgrad.no_grad():
        g.weight.copy_(glassgrad.tensor(t.weight.detach().numpy()))
        g.bias.copy_(glassgrad.tensor(t.bias.detach().numpy()))
    np.testing.assert_allclose(g(glassgrad.tensor(x)).detach().numpy(), t(torch.tensor(x)).detach().numpy(),
                               rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("w_shape, groups", [((4, 2, 3, 3), 3), ((3, 2, 3, 3), 2), ((4, 4, 3, 3), 2),
                                             ((4, 1, 3, 3), 0)])
def test_grouped_conv2d_errors_match_pytorch(w_shape, groups):
    x = np.ones((1, 4, 5, 5), np.float32)
    w = np.ones(w_shape, np.float32)
    with pytest.raises(RuntimeError) as theirs:
        torch.nn.functional.conv2d(torch.tensor(x), torch.tensor(w), groups=groups)
    with pytest.raises(RuntimeError) as ours:
        glassgrad.nn.functional.conv2d(glassgrad.tensor(x), glassgrad.tensor(w), groups=groups)
    assert str(ours.value) == str(theirs.value)
