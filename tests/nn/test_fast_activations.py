"""leaky_relu, elu, softplus and mish choose their piece per element by 0/1-mask arithmetic instead of
np.where (nn/functional.py's ``_select``): against PyTorch on the values where that could go wrong —
±0, subnormals, ±inf, nan, the softplus threshold — placed at the start, the middle and the end of an
array long enough for numpy's vector loops, in float32 and float64, forward and input gradient."""

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import glassgrad
import glassgrad.nn.functional as F

SPECIAL = [0.0, -0.0, 1e-45, -1e-45, 1e-310, -1e-310, 1e-38, -1e-38, math.inf, -math.inf, math.nan,
           1.0, -1.0, 3.0, 19.999, 20.0, 20.001, 2.5, 1.5, 80.0, 89.0, -89.0, 100.0, -100.0, 1e30, -1e30]

CASES = [
    ("leaky_relu", {}),
    ("leaky_relu", {"negative_slope": 0.2}),
    ("leaky_relu", {"negative_slope": -3.0}),
    ("leaky_relu", {"negative_slope": 1.5}),
    ("elu", {}),
    ("elu", {"alpha": 0.5}),
    ("elu", {"alpha": 2.0}),
    ("softplus", {}),
    ("softplus", {"beta": 2.0, "threshold": 5.0}),
    ("softplus", {"beta": 0.5, "threshold": 30.0}),
    ("softplus", {"beta": 1.0, "threshold": 100.0}),  # e^100 overflows float32: the np.where path
    # (float64 only below: in float32 PyTorch's log1p(exp(βx)) overflows to inf for 89 < βx ≤ 100,
    # where glassgrad's np.logaddexp keeps x)
    ("softplus", {"beta": -1.0, "threshold": 20.0}),  # a negative β flips the sides: the np.where path
    ("mish", {}),
]


def _data(dtype) -> np.ndarray:
    rng = np.random.default_rng(0)
    middle = rng.standard_normal(300) * 8
    special = np.array(SPECIAL)
    # 16 ordinary values after the last special one: the tail is numpy's scalar loop, the rest vectors
    tail = rng.standard_normal(3)
    return np.concatenate([special, middle, special, middle[:50], special, tail]).astype(dtype)


def _run(lib, name, kwargs, data, upstream):
    x = lib.tensor(data.copy(), requires_grad=True)
    y = getattr(lib.nn.functional, name)(x, **kwargs)
    y.backward(lib.tensor(upstream))
    return y.detach().numpy(), x.grad.numpy()


def _check(ours, theirs, rtol, atol, ignore=None):
    keep = np.ones(ours.shape, bool) if ignore is None else ~ignore
    ours, theirs = ours[keep], theirs[keep]
    np.testing.assert_array_equal(np.isnan(ours), np.isnan(theirs))
    infinite = np.isinf(theirs)
    np.testing.assert_array_equal(ours[infinite], theirs[infinite])
    finite = np.isfinite(theirs)
    np.testing.assert_allclose(ours[finite], theirs[finite], rtol=rtol, atol=atol)


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["float32", "float64"])
@pytest.mark.parametrize("name, kwargs", CASES, ids=[f"{n}-{k}" for n, k in CASES])
def test_special_values_match_pytorch(name, kwargs, dtype):
    if kwargs.get("threshold") == 100.0 and dtype == np.float32:
        pytest.skip("PyTorch overflows to inf here (see CASES)")
    data = _data(dtype)
    upstream = np.linspace(-2, 2, data.size).astype(dtype)
    with np.errstate(all="ignore"):
        y, g = _run(glassgrad, name, kwargs, data, upstream)
    y_t, g_t = _run(torch, name, kwargs, data, upstream)
    assert y.dtype == g.dtype == dtype
    rtol, atol = (2e-6, 1e-37) if dtype == np.float32 else (1e-13, 1e-300)
    _check(y, y_t, rtol, atol)
    ignore = None
    if name == "elu" and dtype == np.float32:
        # PyTorch's float32 vector kernel gives slope 1 at a nan output, its float64 kernel nan (as
        # here): glassgrad follows float64 in both dtypes
        ignore = np.isnan(data)
    if name == "elu":
        # the slope is read from the output as y + α, which cancels to 0 far left of 0 where PyTorch
        # (reading x) keeps α·eˣ: compare there with an absolute tolerance of a few ulps of α
        atol = 4 * np.finfo(dtype).eps * kwargs.get("alpha", 1.0) * 2
    if name == "mish" and dtype == np.float32:
        # subnormals at x = -100; and the slope crosses 0 near x = -1.2, where both sides cancel
        rtol, atol = 1e-5, 1e-30
    _check(g, g_t, rtol, atol, ignore)


@pytest.mark.parametrize("name, kwargs", CASES[:7], ids=[f"{n}-{k}" for n, k in CASES[:7]])
def test_pieces_keep_signed_zeros(name, kwargs):
    """The mask blend adds a 0 of the other piece: the sign of a zero result must survive it."""
    data = np.array([0.0, -0.0, -1e-45, 1e-45] * 8, np.float32)
    y = getattr(F, name)(glassgrad.tensor(data), **kwargs).numpy()
    y_t = getattr(TF, name)(torch.tensor(data), **kwargs).numpy()
    np.testing.assert_array_equal(y, y_t)
    # x = -0.0 in elu: PyTorch gives -0.0 (α·expm1(-0.0)), glassgrad +0.0 (as before the blend)
    both = ~((data == 0) & np.signbit(data)) if name == "elu" else np.ones(data.shape, bool)
    np.testing.assert_array_equal(np.signbit(y[both]), np.signbit(y_t[both]))


def test_infinite_slope_takes_the_plain_path():
    data = np.array([-2.0, -0.5, 0.0, 0.5, 3.0] * 4, np.float32)
    x = glassgrad.tensor(data, requires_grad=True)
    y = F.leaky_relu(x, math.inf)
    y.sum().backward()
    x_t = torch.tensor(data, requires_grad=True)
    y_t = TF.leaky_relu(x_t, math.inf)
    y_t.sum().backward()
    np.testing.assert_array_equal(y.detach().numpy(), y_t.detach().numpy())
    np.testing.assert_array_equal(x.grad.numpy(), x_t.grad.numpy())


@pytest.mark.parametrize("name", ["leaky_relu", "elu"])
def test_inplace_variants_still_match(name):
    data = np.random.default_rng(1).standard_normal(64).astype(np.float32) * 3
    x = glassgrad.tensor(data.copy(), requires_grad=True)
    h = x * 1.0
    getattr(F, name)(h, inplace=True)
    h.sum().backward()
    x_t = torch.tensor(data.copy(), requires_grad=True)
    h_t = x_t * 1.0
    getattr(TF, name)(h_t, inplace=True)
    h_t.sum().backward()
    np.testing.assert_allclose(h.detach().numpy(), h_t.detach().numpy(), rtol=2e-6)
    np.testing.assert_allclose(x.grad.numpy(), x_t.grad.numpy(), rtol=2e-6, atol=1e-6)


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64], ids=["float16", "float32", "float64"])
def test_gelu_slope_made_in_forward_matches_pytorch(dtype):
    """Exact GELU computes its slope with Φ, slice by slice (nn/_erf.py's gelu_with_slope): more than
    one slice, a transposed (not contiguous) input, and the special values at both ends."""
    rng = np.random.default_rng(2)
    body = rng.standard_normal((300, 500)) * 3
    body[0, :len(SPECIAL)] = SPECIAL
    body[-1, -len(SPECIAL):] = SPECIAL
    data = body.astype(dtype).T  # 150 000 values > the 65 536 of a slice
    upstream = rng.standard_normal(data.shape).astype(dtype)
    with np.errstate(all="ignore"):
        x = glassgrad.tensor(data, requires_grad=True)
        y = F.gelu(x)
        y.backward(glassgrad.tensor(upstream))
    x_t = torch.tensor(data.astype(np.float64), requires_grad=True)
    y_t = TF.gelu(x_t)
    y_t.backward(torch.tensor(upstream.astype(np.float64)))
    assert y.dtype == x.grad.dtype == glassgrad.tensor(data).dtype
    rtol, atol = {np.float16: (2e-3, 1e-4), np.float32: (1e-5, 1e-7), np.float64: (1e-12, 1e-15)}[dtype]
    _check(y.detach().numpy().astype(np.float64), y_t.detach().numpy(), rtol, atol)
    _check(x.grad.numpy().astype(np.float64), x_t.grad.numpy(), rtol * 4, atol * 4)


def test_gelu_backward_after_changing_its_input_in_place_fails_as_in_pytorch():
    for lib in (glassgrad, torch):
        x = lib.tensor([1.0, -2.0, 0.5], requires_grad=True)
        h = x * 1.0
        y = lib.nn.functional.gelu(h)
        h.add_(1.0)
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            y.sum().backward()


def test_gelu_without_grad_makes_no_slope():
    x = glassgrad.tensor(np.linspace(-3, 3, 7, dtype=np.float32))
    with glassgrad.no_grad():
        y = F.gelu(x)
    exact = TF.gelu(torch.tensor(x.numpy(), dtype=torch.float64)).numpy()  # (float32 PyTorch: 1e-4 off)
    np.testing.assert_allclose(y.numpy(), exact, rtol=1e-6, atol=1e-7)


def test_elu_second_derivative_matches_pytorch():
    """With create_graph the backward gets Tensors and takes the plain np.where formula (recorded)."""
    data = np.array([-1.5, -0.2, 0.3, 2.0, -4.0], np.float64)
    grads = []
    for lib in (glassgrad, torch):
        x = lib.tensor(data, requires_grad=True)
        g, = lib.autograd.grad(lib.nn.functional.elu(x, 0.7).sum(), x, create_graph=True)
        gg, = lib.autograd.grad((g * g).sum(), x)
        grads.append((g.detach().numpy(), gg.numpy()))
    np.testing.assert_allclose(grads[0][0], grads[1][0], rtol=1e-12)
    np.testing.assert_allclose(grads[0][1], grads[1][1], rtol=1e-12)
