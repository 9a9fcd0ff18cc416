"""The fast paths for big tensors (issue 13) against PyTorch: softmax, log_softmax / cross_entropy and
layer_norm along the last axis, the linear layer's bias gradient (from 4096 elements:
reduce._FAST_FROM), and GELU's normal CDF in slices (nn/_erf.py). These tensors are GPT-block sized;
the small-tensor tests elsewhere keep covering the plain paths."""

import numpy as np
import pytest
import torch

import glassgrad
import glassgrad.nn.functional as F
from glassgrad.nn._erf import _normal_cdf_chunk, normal_cdf
from glassgrad.ops.reduce import _FAST_FROM, _column_sum, _row_max, _row_sum

rng = np.random.default_rng(0)
DTYPES = [(np.float32, 2e-6, 1e-5), (np.float64, 1e-12, 1e-10)]  # (dtype, rtol, atol)


def pair(array, requires_grad=True):
    return (glassgrad.tensor(array, requires_grad=requires_grad),
            torch.tensor(array, requires_grad=requires_grad))


def close(ours, theirs, rtol, atol):
    ours, theirs = ours.detach().numpy(), theirs.detach().numpy()
    assert ours.dtype == theirs.dtype
    np.testing.assert_allclose(ours, theirs, rtol=rtol, atol=atol)


def test_the_shapes_here_take_the_fast_paths():
    assert 8 * 4 * 16 * 64 >= _FAST_FROM and 1024 * 65 >= _FAST_FROM and 16 * 64 * 48 >= _FAST_FROM


@pytest.mark.parametrize("dtype, rtol, atol", DTYPES)
def test_masked_attention_softmax_forward_and_backward(dtype, rtol, atol):
    scores = (rng.standard_normal((8, 4, 16, 64)) * 3).astype(dtype)
    mask = np.triu(np.ones((16, 64), bool), 1)
    g = rng.standard_normal(scores.shape).astype(dtype)
    (a, b), (ga, gb) = pair(scores), pair(g, False)
    ya = F.softmax(a.masked_fill(glassgrad.tensor(mask), float("-inf")), dim=-1)
    yb = torch.softmax(b.masked_fill(torch.tensor(mask), float("-inf")), dim=-1)
    close(ya, yb, rtol, atol)
    ya.backward(ga)
    yb.backward(gb)
    close(a.grad, b.grad, rtol, atol)


def test_softmax_of_a_transposed_input_and_rows_with_nan_and_inf():
    x = rng.standard_normal((64, 256)).astype(np.float32)
    x[3, 7], x[5, 9], x[6, :] = np.nan, np.inf, -np.inf
    a, b = pair(x)
    close(F.softmax(a.T, dim=1), torch.softmax(b.T, dim=1), 2e-6, 1e-6)  # not C-contiguous
    ya, yb = F.softmax(a, dim=1), torch.softmax(b, dim=1)
    np.testing.assert_array_equal(np.isnan(ya.detach().numpy()), np.isnan(yb.detach().numpy()))
    keep = ~np.isnan(yb.detach().numpy())
    np.testing.assert_allclose(ya.detach().numpy()[keep], yb.detach().numpy()[keep], rtol=2e-6, atol=1e-7)


def test_softmax_second_derivative_on_a_big_tensor():
    x, w = rng.standard_normal((64, 128)), rng.standard_normal((64, 128))
    (a, b), (wa, wb) = pair(x), pair(w, False)
    ga, = glassgrad.autograd.grad((F.softmax(a, -1) * wa).sum(), a, create_graph=True)
    gb, = torch.autograd.grad((torch.softmax(b, -1) * wb).sum(), b, create_graph=True)
    close(ga, gb, 1e-12, 1e-12)
    (ga * ga).sum().backward()
    (gb * gb).sum().backward()
    close(a.grad, b.grad, 1e-10, 1e-12)


@pytest.mark.parametrize("dtype, rtol, atol", DTYPES)
def test_cross_entropy_on_logits_of_a_language_model(dtype, rtol, atol):
    logits = (rng.standard_normal((1024, 65)) * 4).astype(dtype)
    target = rng.integers(0, 65, 1024)
    a, b = pair(logits)
    la = F.cross_entropy(a, glassgrad.tensor(target))
    lb = torch.nn.functional.cross_entropy(b, torch.tensor(target))
    close(la, lb, rtol, atol)
    la.backward()
    lb.backward()
    close(a.grad, b.grad, rtol, atol)
    close(F.log_softmax(a, -1), torch.log_softmax(b, -1), rtol, atol)


@pytest.mark.parametrize("dtype, rtol, atol", DTYPES)
@pytest.mark.parametrize("affine", [True, False])
def test_layer_norm_over_the_last_axis(dtype, rtol, atol, affine):
    x = (rng.standard_normal((16, 64, 48)) * 3 + 1).astype(dtype)
    g = rng.standard_normal(x.shape).astype(dtype)
    (a, b), (ga, gb) = pair(x), pair(g, False)
    params = [pair(rng.standard_normal(48).astype(dtype)) for _ in range(2)] if affine else [(None, None)] * 2
    ya = F.layer_norm(a, (48,), params[0][0], params[1][0])
    yb = torch.nn.functional.layer_norm(b, (48,), params[0][1], params[1][1])
    close(ya, yb, rtol, atol)
    assert ya.grad_fn.name() == yb.grad_fn.name()
    ya.backward(ga)
    yb.backward(gb)
    close(a.grad, b.grad, rtol, atol * 10)
    for ours, theirs in params if affine else []:
        close(ours.grad, theirs.grad, rtol * 10, atol * 100)  # sums over 1024 rows


def test_layer_norm_gradient_of_the_input_alone():
    x = rng.standard_normal((64, 100))
    a, b = pair(x)
    wa, wb = pair(np.linspace(0.5, 2.0, 100), False)
    F.layer_norm(a, (100,), wa).pow(2).sum().backward()
    torch.nn.functional.layer_norm(b, (100,), wb).pow(2).sum().backward()
    close(a.grad, b.grad, 1e-10, 1e-12)
    assert wa.grad is None


@pytest.mark.parametrize("dtype, rtol, atol", DTYPES)
def test_linear_bias_gradient_over_many_rows(dtype, rtol, atol):
    x, w, bias = (rng.standard_normal(s).astype(dtype) for s in ((16, 64, 32), (48, 32), (48,)))
    (xa, xb), (wa, wb), (ba, bb) = pair(x), pair(w), pair(bias)
    g = rng.standard_normal((16, 64, 48)).astype(dtype)
    F.linear(xa, wa, ba).backward(glassgrad.tensor(g))
    torch.nn.functional.linear(xb, wb, bb).backward(torch.tensor(g))
    for ours, theirs in ((xa, xb), (wa, wb), (ba, bb)):
        close(ours.grad, theirs.grad, rtol * 10, atol * 100)


def test_row_helpers_match_numpy():
    x = rng.standard_normal((256, 64)).astype(np.float32)
    x[1, 2], x[3, 4], x[5, :] = np.nan, np.inf, -np.inf
    np.testing.assert_array_equal(_row_max(x), x.max(axis=-1, keepdims=True))  # exact, nan and inf too
    y = np.abs(rng.standard_normal((256, 64)))
    np.testing.assert_allclose(_row_sum(y), y.sum(axis=-1, keepdims=True), rtol=1e-14)
    np.testing.assert_allclose(_column_sum(y), y.sum(axis=0), rtol=1e-14)
    assert _row_sum(y.astype(np.float32)).dtype == np.float32 and _column_sum(y).shape == (64,)


def test_normal_cdf_in_slices_equals_one_pass_over_the_whole_array():
    x = (rng.standard_normal((3, 70001)) * 3).astype(np.float32)  # several slices and a ragged end
    whole = np.empty(x.size, np.float32)
    _normal_cdf_chunk(x.reshape(-1), whole)
    np.testing.assert_array_equal(normal_cdf(x), whole.reshape(x.shape))
    np.testing.assert_array_equal(normal_cdf(x.T), whole.reshape(x.shape).T)  # not C-contiguous
    np.testing.assert_allclose(normal_cdf(x), 0.5 * torch.special.erfc(torch.tensor(-x.astype(np.float64))
                                                                        / np.sqrt(2)).numpy(),
                               rtol=1e-6, atol=1e-7)
