"""batch_norm's float32 sums are as accurate as PyTorch's (issue 11, the corpus's drift check).

A DCGAN discriminator's gradients nearly cancel, so float32 rounding in batch_norm's per-channel sums
(forward mean/var, backward Σ g·x̂ and Σ g) is amplified into visibly different training runs. Both
backends are measured against PyTorch in float64 on the same float32 numbers: glassgrad's error may
not exceed twice PyTorch's (numpy's float32 sum over (0, 2, 3) was ~5-10x worse before).
"""

import numpy as np
import pytest
import torch

import glassgrad


def _run(lib, x, g, w, b, dtype):
    xt = lib.tensor(x.astype(dtype), requires_grad=True)
    wt = lib.tensor(w.astype(dtype), requires_grad=True)
    bt = lib.tensor(b.astype(dtype), requires_grad=True)
    y = lib.nn.functional.batch_norm(xt, None, None, wt, bt, training=True)
    y.backward(lib.tensor(g.astype(dtype)))
    return {"y": y, "dx": xt.grad, "dw": wt.grad, "db": bt.grad}


@pytest.mark.parametrize("shape", [(64, 32, 16, 16), (32, 16, 8, 8, 4)])
def test_batch_norm_sums_as_accurate_as_pytorch(shape):
    rs = np.random.RandomState(0)
    c = shape[1]
    bshape = (1, c) + (1,) * (len(shape) - 2)
    # an offset mean and an upstream gradient with a common part: the sums cancel, as in a GAN
    x = (rs.randn(*shape) * rs.uniform(0.5, 2, bshape) + rs.uniform(-3, 3, bshape)).astype(np.float32)
    g = (rs.randn(*shape) * 0.1 + rs.uniform(-1, 1, bshape)).astype(np.float32)
    w = rs.uniform(0.5, 1.5, c).astype(np.float32)
    b = rs.randn(c).astype(np.float32)
    ref = {k: v.detach().numpy() for k, v in _run(torch, x, g, w, b, np.float64).items()}
    ours = {k: v.detach().numpy().astype(np.float64) for k, v in _run(glassgrad, x, g, w, b, np.float32).items()}
    theirs = {k: v.detach().numpy().astype(np.float64) for k, v in _run(torch, x, g, w, b, np.float32).items()}
    for k in ref:
        scale = np.abs(ref[k]).max()
        err_ours = np.abs(ours[k] - ref[k]).max() / scale
        err_theirs = np.abs(theirs[k] - ref[k]).max() / scale
        assert err_ours <= 2 * err_theirs + 2e-8, f"{k}: glassgrad {err_ours:.2e}, PyTorch {err_theirs:.2e}"


def test_batch_norm_float64_matches_pytorch():
    rs = np.random.RandomState(1)
    x, g = rs.randn(8, 3, 5, 5), rs.randn(8, 3, 5, 5)
    w, b = rs.rand(3) + 0.5, rs.randn(3)
    ref = _run(torch, x, g, w, b, np.float64)
    ours = _run(glassgrad, x, g, w, b, np.float64)
    for k in ref:
        np.testing.assert_allclose(ours[k].detach().numpy(), ref[k].detach().numpy(), rtol=1e-12, atol=1e-12)
