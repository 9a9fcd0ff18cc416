"""conv2d / conv1d and the Conv layers against PyTorch: forward and every gradient (float64 tight,
float32 to 1e-5) over hypothesis-drawn shapes and options, central differences, PyTorch's errors,
initialisation and reprs."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as TF
from hypothesis import given, settings
from hypothesis import strategies as st

import glassgrad
import glassgrad.nn as nn
from glassgrad.nn.conv import Conv1d, Conv2d
from glassgrad.ops.conv import conv1d, conv2d


def run_both(g_fn, t_fn, arrays, rtol, atol, seed=0):
    """Forward on both libraries, then ∂(Σ out·u)/∂(every input) on both; compare all of it."""
    gs = [glassgrad.tensor(a, requires_grad=a.dtype.kind == "f") if a is not None else None for a in arrays]
    ts = [torch.tensor(a, requires_grad=a.dtype.kind == "f") if a is not None else None for a in arrays]
    go, to = g_fn(*gs), t_fn(*ts)
    assert tuple(go.shape) == tuple(to.shape)
    assert go._array.dtype == to.detach().numpy().dtype
    np.testing.assert_allclose(go._array, to.detach().numpy(), rtol=rtol, atol=atol)
    if to.requires_grad:
        u = np.random.default_rng(seed).standard_normal(tuple(to.shape)).astype(go._array.dtype)
        (go * glassgrad.tensor(u)).sum().backward()
        (to * torch.tensor(u)).sum().backward()
        for g, t in zip(gs, ts):
            if t is not None and t.requires_grad:
                assert g.grad._array.dtype == t.grad.numpy().dtype
                np.testing.assert_allclose(g.grad._array, t.grad.numpy(), rtol=rtol, atol=atol)
    return go, to


@st.composite
def conv2d_case(draw):
    n, c, o = draw(st.integers(1, 3)), draw(st.integers(1, 3)), draw(st.integers(1, 4))
    kh, kw = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    dh, dw = draw(st.integers(1, 2)), draw(st.integers(1, 2))
    padding = draw(st.one_of(st.integers(0, 2), st.tuples(st.integers(0, 2), st.integers(0, 2)),
                             st.sampled_from(["same", "valid"])))
    stride = (1, 1) if padding == "same" else draw(st.tuples(st.integers(1, 3), st.integers(1, 3)))
    h = draw(st.integers(dh * (kh - 1) + 1, dh * (kh - 1) + 7))
    w = draw(st.integers(dw * (kw - 1) + 1, dw * (kw - 1) + 7))
    return dict(shape=(n, c, h, w), wshape=(o, c, kh, kw), bias=draw(st.booleans()),
                batched=draw(st.booleans()), stride=stride, padding=padding, dilation=(dh, dw))


def _conv2d_check(case, dtype, rtol, atol):
    rng = np.random.default_rng(1)
    x = rng.standard_normal(case["shape"]).astype(dtype)
    if not case["batched"]:
        x = x[0]
    w = rng.standard_normal(case["wshape"]).astype(dtype)
    b = rng.standard_normal(case["wshape"][0]).astype(dtype) if case["bias"] else None
    opts = {k: case[k] for k in ("stride", "padding", "dilation")}
    run_both(lambda x, w, b: conv2d(x, w, b, **opts), lambda x, w, b: TF.conv2d(x, w, b, **opts),
             [x, w, b], rtol, atol)


@pytest.mark.filterwarnings("ignore:Using padding='same'")
@settings(max_examples=50, deadline=None)
@given(conv2d_case())
def test_conv2d_matches_torch_float64(case):
    _conv2d_check(case, np.float64, 1e-10, 1e-11)


@pytest.mark.filterwarnings("ignore:Using padding='same'")
@settings(max_examples=25, deadline=None)
@given(conv2d_case())
def test_conv2d_matches_torch_float32_and_stays_float32(case):
    _conv2d_check(case, np.float32, 1e-5, 1e-5)


@pytest.mark.filterwarnings("ignore:Using padding='same'")
@settings(max_examples=30, deadline=None)
@given(st.integers(1, 3), st.integers(1, 3), st.integers(1, 5), st.integers(1, 3), st.integers(0, 2),
       st.sampled_from([1, 2, 3, "same", "valid"]), st.booleans(), st.booleans())
def test_conv1d_matches_torch(n, c, k, d, pad, stride_or_pad, bias, batched):
    rng = np.random.default_rng(2)
    if isinstance(stride_or_pad, str):
        opts = dict(padding=stride_or_pad, dilation=d)
    else:
        opts = dict(stride=stride_or_pad, padding=pad, dilation=d)
    x = rng.standard_normal((n, c, d * (k - 1) + 1 + 5))
    x = x if batched else x[0]
    w, b = rng.standard_normal((3, c, k)), (rng.standard_normal(3) if bias else None)
    run_both(lambda x, w, b: conv1d(x, w, b, **opts), lambda x, w, b: TF.conv1d(x, w, b, **opts),
             [x, w, b], 1e-10, 1e-11)


def _central_differences(f, arrays, eps=1e-6):
    """∂f/∂a for each array, one coordinate at a time: (f(a + ε) − f(a − ε)) / 2ε."""
    grads = []
    for a in arrays:
        g = np.zeros_like(a)
        for idx in np.ndindex(a.shape):
            old = a[idx]
            a[idx] = old + eps
            hi = f()
            a[idx] = old - eps
            lo = f()
            a[idx] = old
            g[idx] = (hi - lo) / (2 * eps)
        grads.append(g)
    return grads


@pytest.mark.parametrize("opts", [dict(), dict(stride=2, padding=1, dilation=2),
                                  dict(stride=(1, 2), padding=(2, 0)), dict(padding="same")])
def test_conv2d_gradients_equal_central_differences(opts):
    rng = np.random.default_rng(3)
    x, w, b = rng.standard_normal((2, 2, 5, 6)), rng.standard_normal((3, 2, 2, 3)), rng.standard_normal(3)
    u = rng.standard_normal(conv2d(glassgrad.tensor(x), glassgrad.tensor(w), None, **opts).shape)

    def loss():
        out = conv2d(glassgrad.tensor(x), glassgrad.tensor(w), glassgrad.tensor(b), **opts)
        return float((out._array * u).sum())

    numeric = _central_differences(loss, [x, w, b])
    ts = [glassgrad.tensor(a, requires_grad=True) for a in (x, w, b)]
    (conv2d(*ts, **opts) * glassgrad.tensor(u)).sum().backward()
    for t, n_grad in zip(ts, numeric):
        np.testing.assert_allclose(t.grad._array, n_grad, rtol=1e-6, atol=1e-7)


def test_conv2d_hand_computed():
    x = glassgrad.tensor([[[[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 9.0]]]], requires_grad=True)
    w = glassgrad.tensor([[[[1.0, 0.0], [0.0, -1.0]]]], requires_grad=True)
    out = conv2d(x, w, glassgrad.tensor([0.5]))
    assert out.tolist() == [[[[-3.5, -3.5], [-3.5, -3.5]]]]  # x[i,j] − x[i+1,j+1] + 0.5
    out.sum().backward()
    assert w.grad.tolist() == [[[[12.0, 16.0], [24.0, 28.0]]]]  # sums of the four 2×2 corners
    assert x.grad.tolist() == [[[[1, 1, 0], [1, 0, -1], [0, -1, -1]]]]


def test_only_needed_gradients_and_empty_batch_and_integers():
    rng = np.random.default_rng(4)
    x = glassgrad.tensor(rng.standard_normal((2, 3, 5, 5)), requires_grad=True)
    w = glassgrad.tensor(rng.standard_normal((4, 3, 3, 3)))
    conv2d(x, w).sum().backward()
    assert w.grad is None and x.grad.shape == (2, 3, 5, 5)
    empty = conv2d(glassgrad.zeros(0, 3, 5, 5), glassgrad.ones(4, 3, 3, 3))
    assert empty.shape == (0, 4, 3, 3)
    xi, wi = rng.integers(-3, 4, (2, 3, 5, 5)), rng.integers(-3, 4, (4, 3, 3, 3))
    got = conv2d(glassgrad.tensor(xi), glassgrad.tensor(wi))
    assert got.dtype == glassgrad.int64
    assert np.array_equal(got._array, TF.conv2d(torch.tensor(xi), torch.tensor(wi)).numpy())


ERROR_CASES = [
    ("channels", (2, 1, 5, 5), (8, 3, 3, 3), None, {}),
    ("channels unbatched", (1, 5, 5), (8, 3, 3, 3), None, {}),
    ("too small", (2, 3, 2, 2), (8, 3, 3, 3), None, {}),
    ("too small dilated", (2, 3, 4, 4), (8, 3, 3, 3), None, dict(dilation=2)),
    ("5-d input", (2, 3, 2, 2, 2), (8, 3, 3, 3), None, {}),
    ("2-d input", (3, 5), (8, 3, 3, 3), None, {}),
    ("same + stride", (2, 3, 5, 5), (8, 3, 3, 3), None, dict(padding="same", stride=2)),
    ("bad padding string", (2, 3, 5, 5), (8, 3, 3, 3), None, dict(padding="full")),
    ("negative padding", (2, 3, 5, 5), (8, 3, 3, 3), None, dict(padding=-1)),
    ("zero stride", (2, 3, 5, 5), (8, 3, 3, 3), None, dict(stride=0)),
    ("zero dilation", (2, 3, 5, 5), (8, 3, 3, 3), None, dict(dilation=0)),
    ("bias size", (2, 3, 5, 5), (8, 3, 3, 3), (7,), {}),
    ("padding of 3", (2, 3, 5, 5), (8, 3, 3, 3), None, dict(padding=(1, 1, 1))),
    ("stride of 3", (2, 3, 5, 5), (8, 3, 3, 3), None, dict(stride=(1, 1, 1))),
]


@pytest.mark.parametrize("name, xs, ws, bs, opts", ERROR_CASES, ids=[c[0] for c in ERROR_CASES])
def test_conv2d_errors_are_pytorchs(name, xs, ws, bs, opts):
    arrays = [np.ones(xs, np.float32), np.ones(ws, np.float32), None if bs is None else np.ones(bs, np.float32)]
    with pytest.raises(RuntimeError) as expected:
        TF.conv2d(*[None if a is None else torch.tensor(a) for a in arrays], **opts)
    with pytest.raises(RuntimeError) as got:
        conv2d(*[None if a is None else glassgrad.tensor(a) for a in arrays], **opts)
    assert str(got.value) == str(expected.value).split("\n")[0]


def test_conv_errors_pytorch_words():
    x32, w64 = glassgrad.ones(2, 3, 5, 5), glassgrad.ones(8, 3, 3, 3, dtype=glassgrad.float64)
    with pytest.raises(RuntimeError, match=r"Input type \(torch.FloatTensor\) and weight type "
                                           r"\(torch.DoubleTensor\) should be the same"):
        conv2d(x32, w64)
    with pytest.raises(RuntimeError, match="expected scalar type Long but found Float"):
        conv2d(glassgrad.ones(2, 3, 5, 5, dtype=glassgrad.int64), glassgrad.ones(8, 3, 3, 3))
    with pytest.raises(RuntimeError, match=r"Input type \(float\) and bias type \(double\)"):
        conv2d(x32, glassgrad.ones(8, 3, 3, 3), glassgrad.ones(8, dtype=glassgrad.float64))
    with pytest.raises(RuntimeError, match=r"Given groups=1, weight of size \[8, 3, 3\], expected "
                                           r"input\[2, 1, 5\] to have 3 channels, but got 1 channels"):
        conv1d(glassgrad.ones(2, 1, 5), glassgrad.ones(8, 3, 3))
    with pytest.raises(RuntimeError, match=r"Expected 2D \(unbatched\) or 3D \(batched\) input to conv1d"):
        conv1d(glassgrad.ones(5), glassgrad.ones(8, 3, 3))
    with pytest.raises(RuntimeError, match=r"Expected 4D weight for conv2d"):
        conv2d(glassgrad.ones(2, 3, 5, 5), glassgrad.ones(8, 3, 3))
    with pytest.raises(TypeError, match="argument 'weight'"):
        conv2d(glassgrad.ones(2, 3, 5, 5), [1.0])
    with pytest.raises(RuntimeError, match=r"Given groups=2, weight of size \[8, 2, 3, 3\], expected "
                                           r"input\[2, 3, 5, 5\] to have 4 channels, but got 3 channels"):
        conv2d(glassgrad.ones(2, 3, 5, 5), glassgrad.ones(8, 2, 3, 3), groups=2)
    with pytest.raises(RuntimeError, match=r"Given groups=2, expected weight to be divisible by 2 at "
                                           r"dimension 0, but got weight of size \[\[3, 2, 3, 3\]\] instead"):
        conv2d(glassgrad.ones(2, 4, 5, 5), glassgrad.ones(3, 2, 3, 3), groups=2)
    with pytest.raises(RuntimeError, match="non-positive groups is not supported"):
        conv2d(glassgrad.ones(2, 4, 5, 5), glassgrad.ones(4, 4, 3, 3), groups=0)


# --- the layers ----------------------------------------------------------------------------------------
LAYERS = [
    ("Conv2d", (1, 8, 3), {}),
    ("Conv2d", (1, 8, (3, 5)), dict(stride=2, padding=1, dilation=2, bias=False, padding_mode="reflect")),
    ("Conv2d", (3, 4, 3), dict(padding="same")),
    ("Conv2d", (3, 4, (2, 3)), dict(padding="same", dilation=(2, 1), padding_mode="circular")),
    ("Conv2d", (3, 4, 3), dict(padding="valid", padding_mode="replicate")),
    ("Conv2d", (4, 4, 3), dict(groups=2)),
    ("Conv2d", (4, 8, 3), dict(groups=4, stride=2, padding=1)),  # depthwise, two outputs per channel
    ("Conv1d", (6, 9, 3), dict(groups=3, padding=1)),
    ("Conv1d", (2, 4, 3), dict(stride=2, padding=1)),
    ("Conv1d", (2, 4, 4), dict(padding="same", padding_mode="reflect")),
]


@pytest.mark.filterwarnings("ignore:Using padding='same'")
@pytest.mark.parametrize("cls, args, kwargs", LAYERS)
def test_layer_repr_attributes_and_forward_match_torch(cls, args, kwargs):
    ours, theirs = getattr(nn, cls, None) or {"Conv1d": Conv1d, "Conv2d": Conv2d}[cls], getattr(torch.nn, cls)
    g, t = ours(*args, **kwargs), theirs(*args, **kwargs)
    assert repr(g) == repr(t).replace("torch", "glassgrad")
    for attr in ("in_channels", "out_channels", "kernel_size", "stride", "padding", "dilation", "groups",
                 "padding_mode", "transposed", "output_padding"):
        assert getattr(g, attr) == getattr(t, attr), attr
    assert list(g._reversed_padding_repeated_twice) == list(t._reversed_padding_repeated_twice)
    assert [k for k, _ in g.named_parameters()] == [k for k, _ in t.named_parameters()]
    assert tuple(g.weight.shape) == tuple(t.weight.shape)
    g.double()
    t.double()
    with glassgrad.no_grad():
        g.weight.copy_(glassgrad.tensor(t.weight.detach().numpy()))
        if g.bias is not None:
            g.bias.copy_(glassgrad.tensor(t.bias.detach().numpy()))
    spatial = (7,) if cls == "Conv1d" else (7, 8)
    x = np.random.default_rng(5).standard_normal((2, args[0]) + spatial)
    run_both(g, t, [x], 1e-10, 1e-11)
    np.testing.assert_allclose(g.weight.grad._array, t.weight.grad.numpy(), rtol=1e-10, atol=1e-11)


def test_default_init_is_pytorchs_uniform_bound():
    glassgrad.manual_seed(0)
    layer = nn.Conv2d(16, 32, 3)
    bound = 1 / math.sqrt(16 * 9)  # kaiming_uniform_(a=√5) gives gain·√(3/fan_in) = 1/√fan_in
    w, b = layer.weight._array, layer.bias._array
    assert w.dtype == np.float32 and w.shape == (32, 16, 3, 3)
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.99 * bound
    assert abs(w.std() - bound / math.sqrt(3)) < 0.02 * bound  # the std of U(−a, a) is a/√3
    assert np.abs(b).max() <= bound and layer.weight.requires_grad and layer.bias.requires_grad


def test_layer_constructor_errors_match_torch():
    for kwargs in [dict(padding="full"), dict(padding="same", stride=2), dict(groups=0), dict(groups=2),
                   dict(padding_mode="mirror")]:
        with pytest.raises(ValueError) as expected:
            torch.nn.Conv2d(3, 8, 3, **kwargs)
        with pytest.raises(ValueError) as got:
            nn.Conv2d(3, 8, 3, **kwargs)
        if "{" not in str(expected.value):  # messages quoting a set depend on the hash seed
            assert str(got.value) == str(expected.value)
