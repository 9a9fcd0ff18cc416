"""Gaps found by running graykode/nlp-tutorial's BERT on glassgrad: ``torch.erf`` over whole arrays.

BERT's gelu is ``x * 0.5 * (1.0 + torch.erf(x / math.sqrt(2.0)))``. glassgrad computed erf with
``math.erf`` one value at a time, which took half of the program's time; it now uses Cody's rational
approximation over whole arrays (``ops/special_math.py``'s ``erf_values``, as GELU does). These tests
compare the values and gradients with PyTorch's, for both float dtypes and the special values.
"""
import numpy as np
import pytest
import torch

import glassgrad


@pytest.mark.parametrize("dtype_name", ["float32", "float64"])
def test_erf_matches_pytorch_on_a_wide_grid_with_its_gradient(dtype_name):
    x = np.concatenate([np.linspace(-7, 7, 20001), [-30.0, -6.5, 0.46875, -0.46875, 4.0, -4.0, 27.0]])
    t = torch.tensor(x, dtype=getattr(torch, dtype_name), requires_grad=True)
    g = glassgrad.tensor(x, dtype=getattr(glassgrad, dtype_name), requires_grad=True)
    yt, yg = torch.erf(t), glassgrad.erf(g)
    (yt * yt).sum().backward()
    (yg * yg).sum().backward()
    assert str(yg.dtype).split(".")[-1] == dtype_name
    tol = dict(rtol=2e-7, atol=2e-7) if dtype_name == "float32" else dict(rtol=1e-14, atol=1e-15)
    np.testing.assert_allclose(yg.detach().numpy(), yt.detach().numpy(), **tol)
    np.testing.assert_allclose(g.grad.numpy(), t.grad.numpy(), rtol=10 * tol["rtol"], atol=10 * tol["atol"])


def test_erf_special_values_like_pytorch():
    x = [float("nan"), float("inf"), -float("inf"), 0.0, 1e-30, -1e-30]
    want = torch.erf(torch.tensor(x)).numpy()
    got = glassgrad.erf(glassgrad.tensor(x)).numpy()
    np.testing.assert_array_equal(np.isnan(got), np.isnan(want))
    np.testing.assert_allclose(got[1:], want[1:], rtol=1e-7, atol=0)


def test_erf_of_an_int_tensor_is_float_like_pytorch():
    want = torch.erf(torch.tensor([0, 1, -2]))
    got = glassgrad.erf(glassgrad.tensor([0, 1, -2]))
    assert str(got.dtype).split(".")[-1] == str(want.dtype).split(".")[-1]
    np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-7)


def test_bert_gelu_through_erf_matches_pytorch():
    # nlp-tutorial's BERT: gelu(x) = x * 0.5 * (1.0 + erf(x / sqrt(2)))
    x = np.random.default_rng(0).standard_normal((6, 30, 64)).astype(np.float32) * 3
    outs = []
    for lib in (torch, glassgrad):
        v = lib.tensor(x, requires_grad=True)
        y = v * 0.5 * (1.0 + lib.erf(v / np.sqrt(2.0)))
        y.sum().backward()
        outs.append((y.detach().numpy(), v.grad.numpy()))
    np.testing.assert_allclose(outs[1][0], outs[0][0], rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(outs[1][1], outs[0][1], rtol=1e-5, atol=1e-6)
