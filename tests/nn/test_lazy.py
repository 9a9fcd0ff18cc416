"""Lazy layers against PyTorch: reprs before and after the first forward, the class they become, shapes,
the plain layer's initialisation, in-place materialisation (an optimizer made before the first forward
still trains them), ``apply`` after a dummy forward, state dicts, and forward/backward once PyTorch's
weights are copied in."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

import glassgrad
import glassgrad.nn as nn
from glassgrad.nn.parameter import Parameter, UninitializedBuffer, UninitializedParameter

CASES = [  # (class name, constructor args, kwargs, input shape)
    ("LazyLinear", (10,), {}, (2, 20)),
    ("LazyLinear", (4,), {"bias": False}, (5, 2, 3)),
    ("LazyConv2d", (6, 5), {"padding": 2}, (2, 3, 8, 8)),
    ("LazyConv2d", (4, 3), {"stride": 2, "bias": False}, (4, 7, 7)),
    ("LazyConv1d", (6, 5), {"padding": 2}, (1, 3, 8)),
    ("LazyBatchNorm2d", (), {}, (2, 3, 4, 4)),
    ("LazyBatchNorm1d", (), {"affine": False}, (4, 3)),
    ("LazyBatchNorm1d", (), {"momentum": None, "eps": 1e-3}, (4, 3, 5)),
]


@pytest.mark.parametrize("name,args,kwargs,shape", CASES)
def test_reprs_classes_and_shapes_before_and_after_the_first_forward(name, args, kwargs, shape):
    g, t = getattr(nn, name)(*args, **kwargs), getattr(torch.nn, name)(*args, **kwargs)
    assert repr(g) == repr(t)
    assert [n for n, _ in g.named_parameters()] == [n for n, _ in t.named_parameters()]
    assert all(isinstance(p, UninitializedParameter) for p in g.parameters())
    assert g.has_uninitialized_params()
    g(glassgrad.zeros(*shape))
    t(torch.zeros(*shape))
    assert repr(g) == repr(t)
    assert type(g).__name__ == type(t).__name__
    assert type(g) is getattr(nn, type(t).__name__)
    assert not g._forward_pre_hooks
    for (gn, gp), (tn, tp) in zip(g.named_parameters(), t.named_parameters()):
        assert gn == tn and type(gp) is Parameter and tuple(gp.shape) == tuple(tp.shape)
    for (gn, gb), (tn, tb) in zip(g.named_buffers(), t.named_buffers()):
        assert gn == tn and type(gb) is glassgrad.Tensor and tuple(gb.shape) == tuple(tb.shape)
        assert gb.dtype.name == str(tb.dtype).split(".")[1]


def test_materialised_parameters_get_the_plain_layers_init():
    lin = nn.LazyLinear(50)
    lin(glassgrad.zeros(2, 400))
    bound = 1 / math.sqrt(400)
    for p in (lin.weight, lin.bias):
        assert np.abs(p._array).max() <= bound and np.abs(p._array).max() > bound * 0.9
    conv = nn.LazyConv2d(8, 3)
    conv(glassgrad.zeros(1, 4, 5, 5))
    bound = 1 / math.sqrt(4 * 9)
    assert np.abs(conv.weight._array).max() <= bound and np.abs(conv.weight._array).max() > bound * 0.9
    bn = nn.LazyBatchNorm2d()
    bn.eval()  # running stats untouched by the first forward
    bn(glassgrad.zeros(2, 3, 2, 2))
    np.testing.assert_array_equal(bn.weight._array, np.ones(3))
    np.testing.assert_array_equal(bn.bias._array, np.zeros(3))
    np.testing.assert_array_equal(bn.running_mean._array, np.zeros(3))
    np.testing.assert_array_equal(bn.running_var._array, np.ones(3))
    assert int(bn.num_batches_tracked) == 0


def test_forward_and_backward_match_torch_once_weights_are_copied():
    def build(lib):
        return lib.nn.Sequential(lib.nn.LazyConv2d(6, 5, padding=2), lib.nn.LazyBatchNorm2d(), lib.nn.ReLU(),
                                 lib.nn.Flatten(), lib.nn.LazyLinear(10), lib.nn.LazyBatchNorm1d())

    g, t = build(glassgrad), build(torch)
    x = np.random.default_rng(0).standard_normal((2, 1, 6, 6)).astype(np.float32)
    g(glassgrad.tensor(x))
    t(torch.tensor(x))
    assert repr(g) == repr(t)
    g.load_state_dict({k: glassgrad.tensor(v.detach().numpy()) for k, v in t.state_dict().items()})
    gx, tx = glassgrad.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    go, to = g(gx), t(tx)
    np.testing.assert_allclose(go._array, to.detach().numpy(), rtol=1e-4, atol=1e-5)
    u = np.random.default_rng(1).standard_normal(tuple(to.shape)).astype(np.float32)
    (go * glassgrad.tensor(u)).sum().backward()
    (to * torch.tensor(u)).sum().backward()
    for (name, gp), (_, tp) in zip(g.named_parameters(), t.named_parameters()):
        np.testing.assert_allclose(gp.grad._array, tp.grad.numpy(), rtol=1e-4, atol=1e-4, err_msg=name)
    np.testing.assert_allclose(gx.grad._array, tx.grad.numpy(), rtol=1e-4, atol=1e-4)


def test_an_optimizer_made_before_the_first_forward_trains_the_materialised_parameters():
    net = nn.Sequential(nn.LazyLinear(3), nn.ReLU(), nn.LazyLinear(1))
    opt = glassgrad.optim.Adam(net.parameters(), lr=0.1)  # torch allows this too
    x = glassgrad.randn(8, 5)
    net(x)
    held = opt.param_groups[0]["params"]
    assert held[0] is net[0].weight and tuple(held[0].shape) == (3, 5)
    before = net[0].weight._array.copy()
    net(x).pow(2).mean().backward()
    opt.step()
    assert not np.array_equal(before, net[0].weight._array)


def test_apply_after_a_dummy_forward_sees_plain_layers():
    net = nn.Sequential(nn.LazyLinear(4), nn.ReLU(), nn.LazyLinear(2))
    net(glassgrad.zeros(1, 3))
    seen = []

    def init(m):
        if type(m) is nn.Linear:
            nn.init.constant_(m.weight, 0.5)
            seen.append(tuple(m.weight.shape))

    net.apply(init)
    assert seen == [(4, 3), (2, 4)]
    np.testing.assert_array_equal(net[2].weight._array, np.full((2, 4), 0.5, np.float32))


def test_init_before_the_first_forward_fails_as_in_torch():
    lazy = nn.LazyLinear(3)
    with pytest.raises(ValueError, match="Attempted to use an uninitialized parameter in <method 'dim'"):
        nn.init.xavier_uniform_(lazy.weight)
    with pytest.raises(RuntimeError, match="Can't access the shape of an uninitialized parameter"):
        lazy.weight.shape  # noqa: B018
    assert repr(lazy.weight) == "<UninitializedParameter>"
    assert repr(UninitializedBuffer()) == "<UninitializedBuffer>"


def test_state_dicts_before_the_first_forward():
    lazy = nn.LazyLinear(4)
    sd = lazy.state_dict()
    assert list(sd) == ["weight", "bias"] and all(isinstance(v, UninitializedParameter) for v in sd.values())
    plain = nn.Linear(3, 4)
    lazy.load_state_dict(plain.state_dict())  # materialises from the checkpoint's shapes
    assert type(lazy) is nn.LazyLinear  # as torch: the class changes at the first forward
    np.testing.assert_array_equal(lazy.weight._array, plain.weight._array)
    out = lazy(glassgrad.ones(2, 3))
    assert type(lazy) is nn.Linear and repr(lazy) == "Linear(in_features=3, out_features=4, bias=True)"
    np.testing.assert_allclose(out._array, plain(glassgrad.ones(2, 3))._array)


def test_dtype_set_before_the_first_forward_is_kept():
    lazy = nn.LazyLinear(2).double()
    lazy(glassgrad.zeros(1, 3, dtype=glassgrad.float64))
    assert lazy.weight.dtype == glassgrad.float64
    lazy = nn.LazyBatchNorm1d(dtype=glassgrad.float64)
    lazy(glassgrad.zeros(2, 3, dtype=glassgrad.float64))
    assert lazy.running_mean.dtype == glassgrad.float64 and lazy.weight.dtype == glassgrad.float64


def test_lazy_conv_errors_are_torchs():
    with pytest.raises(RuntimeError, match=r"Expected 3D \(unbatched\) or 4D \(batched\) input to LazyConv2d"):
        nn.LazyConv2d(4, 3)(glassgrad.zeros(2, 3))
    with pytest.raises(ValueError, match="in_channels must be divisible by groups"):
        nn.LazyConv2d(4, 3, groups=2)(glassgrad.zeros(1, 3, 5, 5))
