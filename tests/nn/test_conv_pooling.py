"""Pooling against PyTorch: max (values, indices, and gradients routed to the first of tied maxima, NaN
rules), average (padding, ceil_mode, count_include_pad, divisor_override) and adaptive average pooling,
in float64 and float32; central differences; PyTorch's errors; layer reprs."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as TF
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import glassgrad
import glassgrad.nn as nn
from glassgrad.nn import pooling
from glassgrad.ops import pool as ops


def run_both(g_fn, t_fn, x, rtol=1e-12, atol=1e-12, seed=0):
    """Forward on both, then ∂(Σ out·u)/∂x on both; returns the raw outputs for further checks."""
    gx = glassgrad.tensor(x, requires_grad=x.dtype.kind == "f")
    tx = torch.tensor(x, requires_grad=x.dtype.kind == "f")
    go, to = g_fn(gx), t_fn(tx)
    g_out, t_out = (go[0], to[0]) if isinstance(to, tuple) else (go, to)
    assert tuple(g_out.shape) == tuple(t_out.shape)
    assert g_out._array.dtype == t_out.detach().numpy().dtype
    np.testing.assert_allclose(g_out._array, t_out.detach().numpy(), rtol=rtol, atol=atol)
    if tx.requires_grad:
        u = np.random.default_rng(seed).standard_normal(tuple(t_out.shape)).astype(x.dtype)
        (g_out * glassgrad.tensor(u)).sum().backward()
        (t_out * torch.tensor(u)).sum().backward()
        np.testing.assert_allclose(gx.grad._array, tx.grad.numpy(), rtol=rtol, atol=atol)
    return go, to


def has_window_of_padding_only(size, k, s, p, d, ceil_mode) -> bool:
    """True when some dilated max-pool window sees padding only. PyTorch then returns an index past the
    input and routes that window's gradient into the next channel's memory (a PyTorch bug, see
    test_max_pool_window_of_padding_only), so parity tests leave such geometries out."""
    s = s or k
    span = d * (k - 1) + 1
    out = (size + 2 * p - span + ((s - 1) if ceil_mode else 0)) // s + 1
    if ceil_mode and (out - 1) * s >= size + p:
        out -= 1
    return any(all(not 0 <= y * s - p + i * d < size for i in range(k)) for y in range(out))


@st.composite
def pool_case(draw, dilation=True):
    kh, kw = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    dh, dw = (draw(st.integers(1, 2)), draw(st.integers(1, 2))) if dilation else (1, 1)
    ph, pw = draw(st.integers(0, kh // 2)), draw(st.integers(0, kw // 2))
    stride = draw(st.one_of(st.none(), st.tuples(st.integers(1, 3), st.integers(1, 3))))
    h = draw(st.integers(max(1, dh * (kh - 1) + 1 - 2 * ph), 9))
    w = draw(st.integers(max(1, dw * (kw - 1) + 1 - 2 * pw), 9))
    batched = draw(st.booleans())
    shape = ((draw(st.integers(1, 2)),) if batched else ()) + (draw(st.integers(1, 3)), h, w)
    ceil = draw(st.booleans())
    sh, sw = stride if stride else (kh, kw)
    assume(not has_window_of_padding_only(h, kh, sh, ph, dh, ceil))
    assume(not has_window_of_padding_only(w, kw, sw, pw, dw, ceil))
    return dict(shape=shape, kernel_size=(kh, kw), stride=stride, padding=(ph, pw),
                dilation=(dh, dw), ceil_mode=ceil)


@settings(max_examples=50, deadline=None)
@given(pool_case(), st.sampled_from([np.float64, np.float32]))
def test_max_pool2d_values_indices_and_first_max_gradient(case, dtype):
    # Small integers make ties common: the gradient must go to the first maximum, as PyTorch's does.
    x = np.random.default_rng(0).integers(0, 3, case.pop("shape")).astype(dtype)
    tol = 1e-12 if dtype == np.float64 else 1e-6  # float32: overlapping windows add in another order
    go, to = run_both(lambda t: ops.max_pool2d(t, **case, return_indices=True),
                      lambda t: TF.max_pool2d(t, **case, return_indices=True), x, tol, tol)
    assert go[1].dtype == glassgrad.int64
    assert np.array_equal(go[1]._array, to[1].numpy())


@pytest.mark.parametrize("opts", [dict(kernel_size=2), dict(kernel_size=3, stride=1, padding=1),
                                  dict(kernel_size=(2, 3), stride=(2, 1), dilation=2, ceil_mode=True)])
def test_max_pool2d_nan_wins_like_pytorch(opts):
    x = np.random.default_rng(1).integers(0, 3, (2, 3, 7, 8)).astype(np.float64)
    x[np.random.default_rng(2).random(x.shape) < 0.15] = np.nan
    gx, tx = glassgrad.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    (go, gi), (to, ti) = ops.max_pool2d(gx, **opts, return_indices=True), \
        TF.max_pool2d(tx, **opts, return_indices=True)
    assert np.array_equal(go._array, to.detach().numpy(), equal_nan=True)
    assert np.array_equal(gi._array, ti.numpy())
    go.sum().backward()
    to.sum().backward()
    assert np.array_equal(gx.grad._array, tx.grad.numpy())


def test_max_pool2d_hand_computed_tie():
    x = glassgrad.tensor([[[[1.0, 3.0, 0.0, 0.0], [3.0, 2.0, 0.0, -1.0]]]], requires_grad=True)
    out = ops.max_pool2d(x, 2)
    assert out.tolist() == [[[[3.0, 0.0]]]]
    out.sum().backward()  # each window's first maximum in row-major order takes the whole gradient
    assert x.grad.tolist() == [[[[0.0, 1.0, 1.0, 0.0], [0.0, 0.0, 0.0, 0.0]]]]


@settings(max_examples=50, deadline=None)
@given(pool_case(dilation=False), st.booleans(), st.sampled_from([None, 1, 5]),
       st.sampled_from([np.float64, np.float32]))
def test_avg_pool2d_matches_torch(case, count_include_pad, divisor_override, dtype):
    case.pop("dilation")
    x = np.random.default_rng(3).standard_normal(case.pop("shape")).astype(dtype)
    tol = 1e-12 if dtype == np.float64 else 1e-5
    opts = dict(case, count_include_pad=count_include_pad, divisor_override=divisor_override)
    run_both(lambda t: ops.avg_pool2d(t, **opts), lambda t: TF.avg_pool2d(t, **opts), x, tol, tol)


def test_avg_pool2d_integers_truncate_like_pytorch():
    x = np.array([[[[-1, -2, 5], [-2, -2, 7]]]])
    for opts in [dict(kernel_size=2), dict(kernel_size=2, stride=1, padding=1, ceil_mode=True)]:
        got, want = ops.avg_pool2d(glassgrad.tensor(x), **opts), TF.avg_pool2d(torch.tensor(x), **opts)
        assert got.dtype == glassgrad.int64 and np.array_equal(got._array, want.numpy())


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 9), st.integers(1, 9), st.one_of(st.none(), st.integers(1, 10)),
       st.one_of(st.none(), st.integers(1, 10)), st.booleans(), st.sampled_from([np.float64, np.float32]))
def test_adaptive_avg_pool2d_general_sizes(h, w, oh, ow, batched, dtype):
    x = np.random.default_rng(4).standard_normal(((2,) if batched else ()) + (3, h, w)).astype(dtype)
    size = oh if oh == ow and oh is not None else (oh, ow)
    tol = 1e-12 if dtype == np.float64 else 1e-5
    run_both(lambda t: ops.adaptive_avg_pool2d(t, size), lambda t: TF.adaptive_avg_pool2d(t, size), x,
             tol, tol)


def test_adaptive_avg_pool2d_to_zero_size():
    got = ops.adaptive_avg_pool2d(glassgrad.ones(2, 3, 4, 5), 0)
    assert got.shape == tuple(TF.adaptive_avg_pool2d(torch.ones(2, 3, 4, 5), 0).shape) == (2, 3, 0, 0)


@settings(max_examples=30, deadline=None)
@given(st.integers(1, 4), st.integers(0, 2), st.integers(1, 3), st.integers(1, 2), st.booleans(),
       st.booleans(), st.integers(1, 9))
def test_1d_pools_match_torch(k, p, s, d, ceil_mode, batched, size):
    p = min(p, k // 2)
    length = max(size, d * (k - 1) + 1 - 2 * p, k - 2 * p)
    assume(not has_window_of_padding_only(length, k, s, p, d, ceil_mode))
    x = np.random.default_rng(5).integers(0, 4, ((2,) if batched else ()) + (3, length)).astype(float)
    go, to = run_both(lambda t: ops.max_pool1d(t, k, s, p, d, ceil_mode, True),
                      lambda t: TF.max_pool1d(t, k, s, p, d, ceil_mode, True), x)
    assert np.array_equal(go[1]._array, to[1].numpy())
    run_both(lambda t: ops.avg_pool1d(t, k, s, p, ceil_mode, False),
             lambda t: TF.avg_pool1d(t, k, s, p, ceil_mode, False), x)
    run_both(lambda t: ops.adaptive_avg_pool1d(t, size), lambda t: TF.adaptive_avg_pool1d(t, size), x)


def test_max_pool_window_of_padding_only():
    # Kernel 2 dilated by 2 over one row padded by 1: the window reads two padding rows and no input.
    # The max of nothing is -inf; glassgrad reports index -1 and sends that window no gradient, where
    # PyTorch reports index 1 (past the input) and adds the gradient to the next channel's element.
    x = glassgrad.tensor([[[1.0]], [[2.0]]], requires_grad=True)
    out, idx = ops.max_pool2d(x, (2, 1), padding=(1, 0), dilation=(2, 1), return_indices=True)
    assert out.tolist() == [[[float("-inf")]], [[float("-inf")]]]
    assert idx.tolist() == [[[-1]], [[-1]]]
    out.sum().backward()
    assert x.grad.tolist() == [[[0.0]], [[0.0]]]


@pytest.mark.parametrize("fn", [
    lambda t: ops.avg_pool2d(t, 3, 2, 1, ceil_mode=True, count_include_pad=False),
    lambda t: ops.adaptive_avg_pool2d(t, (3, 4)),
    lambda t: ops.max_pool2d(t, 3, 2, 1, dilation=(1, 2)),
])
def test_pool_gradients_equal_central_differences(fn):
    x = np.random.default_rng(6).permutation(2 * 7 * 6).reshape(1, 2, 7, 6) / 10.0  # distinct: no ties
    u = np.random.default_rng(7).standard_normal(fn(glassgrad.tensor(x)).shape)
    loss = lambda a: float((fn(glassgrad.tensor(a))._array * u).sum())  # noqa: E731
    numeric = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        hi, lo = x.copy(), x.copy()
        hi[idx] += 1e-6
        lo[idx] -= 1e-6
        numeric[idx] = (loss(hi) - loss(lo)) / 2e-6
    t = glassgrad.tensor(x, requires_grad=True)
    (fn(t) * glassgrad.tensor(u)).sum().backward()
    np.testing.assert_allclose(t.grad._array, numeric, rtol=1e-6, atol=1e-7)


ERRORS = [
    ("max small", lambda F, x: F.max_pool2d(x, 2), (2, 3, 1, 1)),
    ("max small 3d", lambda F, x: F.max_pool2d(x, 2), (3, 1, 1)),
    ("max pad", lambda F, x: F.max_pool2d(x, 2, padding=2), (2, 3, 5, 5)),
    ("max pad H", lambda F, x: F.max_pool2d(x, (2, 2), padding=(2, 3)), (2, 3, 9, 9)),
    ("max pad W", lambda F, x: F.max_pool2d(x, (3, 2), padding=(0, 2)), (2, 3, 9, 9)),
    ("max pad dilated", lambda F, x: F.max_pool2d(x, 3, dilation=2, padding=2), (2, 3, 9, 9)),
    ("max ndim", lambda F, x: F.max_pool2d(x, 2), (3, 5)),
    ("max 5d", lambda F, x: F.max_pool2d(x, 2), (1, 2, 3, 5, 5)),
    ("max zero kernel", lambda F, x: F.max_pool2d(x, 0), (2, 3, 5, 5)),
    ("max zero kernel stride 1", lambda F, x: F.max_pool2d(x, 0, 1), (2, 3, 5, 5)),
    ("max negative stride", lambda F, x: F.max_pool2d(x, 2, -1), (2, 3, 5, 5)),
    ("max zero dilation", lambda F, x: F.max_pool2d(x, 2, dilation=0), (2, 3, 5, 5)),
    ("max negative pad", lambda F, x: F.max_pool2d(x, 2, padding=-1), (2, 3, 5, 5)),
    ("max kernel of 3", lambda F, x: F.max_pool2d(x, (2, 2, 2)), (2, 3, 5, 5)),
    ("max no channels", lambda F, x: F.max_pool2d(x, 2), (2, 0, 5, 5)),
    ("avg small", lambda F, x: F.avg_pool2d(x, 2), (2, 3, 1, 1)),
    ("avg pad", lambda F, x: F.avg_pool2d(x, 2, padding=2), (2, 3, 5, 5)),
    ("avg divisor 0", lambda F, x: F.avg_pool2d(x, 2, divisor_override=0), (2, 3, 5, 5)),
    ("adaptive ndim", lambda F, x: F.adaptive_avg_pool2d(x, 2), (3, 5)),
    ("adaptive size of 3", lambda F, x: F.adaptive_avg_pool2d(x, (2, 2, 2)), (2, 3, 5, 5)),
    ("adaptive negative", lambda F, x: F.adaptive_avg_pool2d(x, -1), (2, 3, 5, 5)),
    ("adaptive empty", lambda F, x: F.adaptive_avg_pool2d(x, 2), (2, 3, 0, 5)),
    ("max1d ndim", lambda F, x: F.max_pool1d(x, 2), (5,)),
    ("max1d small", lambda F, x: F.max_pool1d(x, 2), (2, 3, 1)),
    ("max1d pad", lambda F, x: F.max_pool1d(x, 2, padding=2), (2, 3, 5)),
    ("avg1d ndim", lambda F, x: F.avg_pool1d(x, 2), (3, 2, 3, 1)),
]


@pytest.mark.parametrize("name, call, shape", ERRORS, ids=[e[0] for e in ERRORS])
def test_pool_errors_are_pytorchs(name, call, shape):
    x = np.zeros(shape, dtype=np.float32)
    with pytest.raises(RuntimeError) as expected:
        call(TF, torch.tensor(x))
    with pytest.raises(RuntimeError) as got:
        call(ops, glassgrad.tensor(x))
    assert str(got.value) == str(expected.value).split("\n")[0]


def test_adaptive_pool_of_integers_is_refused_like_pytorch():
    with pytest.raises(NotImplementedError, match="\"adaptive_avg_pool2d\" not implemented for 'Long'"):
        ops.adaptive_avg_pool2d(glassgrad.tensor([[[1, 2], [3, 4]]]), 1)


LAYERS = [
    ("MaxPool2d", (2,), {}),
    ("MaxPool2d", ((2, 3),), dict(stride=1, padding=1, dilation=2, ceil_mode=True, return_indices=True)),
    ("AvgPool2d", (2,), {}),
    ("AvgPool2d", ((2, 3),), dict(stride=1, padding=1, ceil_mode=True, count_include_pad=False,
                                  divisor_override=3)),
    ("AdaptiveAvgPool2d", (2,), {}),
    ("AdaptiveAvgPool2d", ((None, 3),), {}),
    ("MaxPool1d", (3,), dict(stride=2, padding=1)),
    ("AvgPool1d", (2,), {}),
    ("AvgPool1d", (3,), dict(stride=2, padding=1, ceil_mode=True, count_include_pad=False)),
    ("AdaptiveAvgPool1d", (3,), {}),
]


@pytest.mark.parametrize("cls, args, kwargs", LAYERS)
def test_pool_layers_repr_and_forward_match_torch(cls, args, kwargs):
    g, t = getattr(nn, cls, None) or getattr(pooling, cls), getattr(torch.nn, cls)
    g, t = g(*args, **kwargs), t(*args, **kwargs)
    assert repr(g) == repr(t).replace("torch", "glassgrad")
    shape = (2, 3, 9) if cls.endswith("1d") else (2, 3, 8, 9)
    x = np.random.default_rng(8).integers(0, 4, shape).astype(float)
    go, to = run_both(g, t, x)
    if isinstance(to, tuple):
        assert np.array_equal(go[1]._array, to[1].numpy())


@pytest.mark.parametrize("dtype", [np.float64, np.int64])
def test_max_pool_real_value_equal_to_padding_wins_over_padding(dtype):
    # Padding is filled with the lowest value; a real element holding that same value must still win
    # (PyTorch never looks at padded positions), so its index is real and it gets the gradient.
    low = -np.inf if dtype == np.float64 else np.iinfo(np.int64).min
    x = np.array([[[[low, low, 1], [low, low, low], [2, low, low]]]], dtype=dtype)
    opts = dict(kernel_size=3, stride=1, padding=1, return_indices=True)
    (go, gi), (to, ti) = ops.max_pool2d(glassgrad.tensor(x), **opts), TF.max_pool2d(torch.tensor(x), **opts)
    assert np.array_equal(go._array, to.numpy()) and np.array_equal(gi._array, ti.numpy())
    if dtype == np.float64:
        gx, tx = glassgrad.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
        ops.max_pool2d(gx, 2, 1, 1).sum().backward()
        TF.max_pool2d(tx, 2, 1, 1).sum().backward()
        assert np.array_equal(gx.grad._array, tx.grad.numpy())
