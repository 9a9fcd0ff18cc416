"""GroupNorm, InstanceNorm1d/2d/3d, RMSNorm, LocalResponseNorm and BatchNorm3d against PyTorch: values,
gradients (input, weight, bias), running statistics, grad_fn names, reprs and errors."""

import warnings

import numpy as np
import pytest
import torch

import glassgrad as gg

LAYERS = [
    ("GroupNorm(2, 4)", (3, 4, 5, 6)),
    ("GroupNorm(1, 4, affine=False)", (3, 4, 7)),
    ("GroupNorm(4, 4, eps=1e-3)", (2, 4, 3, 3)),
    ("InstanceNorm1d(4)", (3, 4, 9)),
    ("InstanceNorm2d(4, affine=True)", (3, 4, 5, 6)),
    ("InstanceNorm2d(4, track_running_stats=True)", (3, 4, 5, 6)),
    ("InstanceNorm2d(4, affine=True)", (4, 5, 6)),
    ("InstanceNorm3d(2, affine=True, track_running_stats=True)", (2, 2, 3, 4, 5)),
    ("RMSNorm(6)", (3, 4, 6)),
    ("RMSNorm([5, 6], eps=1e-6)", (3, 5, 6)),
    ("RMSNorm(6, elementwise_affine=False)", (2, 6)),
    ("LocalResponseNorm(3)", (2, 5, 4, 4)),
    ("LocalResponseNorm(2, alpha=0.1, beta=0.5, k=2.0)", (2, 5, 7)),
    ("LocalResponseNorm(4)", (2, 6, 3, 2, 2)),
    ("BatchNorm3d(3)", (2, 3, 2, 4, 4)),
]


def build(lib, text):
    return eval("lib.nn." + text, {"lib": lib})  # the layer texts above are ours, not user input


@pytest.mark.parametrize("text, shape", LAYERS)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_norm_layers_match_pytorch(text, shape, dtype):
    rng = np.random.default_rng(len(text) + len(shape))
    x = (rng.standard_normal(shape) * 3 + 1).astype(dtype)
    layers = []
    for lib in (gg, torch):
        layer = build(lib, text).to(getattr(lib, dtype))
        with lib.no_grad():  # non-trivial affine parameters
            for i, p in enumerate(layer.parameters()):
                p.copy_(lib.tensor(rng.standard_normal(tuple(p.shape)).astype(dtype) if lib is gg else
                                   np.asarray(layers[0][1][i]), dtype=getattr(lib, dtype)))
        layers.append((layer, [p.detach().numpy().copy() for p in layer.parameters()]))
    (ours, _), (theirs, _) = layers
    assert repr(ours) == repr(theirs)
    tol = 3e-5 if dtype == "float32" else 1e-10
    for step in range(2):  # twice: running statistics move and are used
        xt, xg = torch.tensor(x, requires_grad=True), gg.tensor(x, requires_grad=True)
        yt, yg = theirs(xt), ours(xg)
        assert yg.grad_fn.name() == yt.grad_fn.name()
        np.testing.assert_allclose(yg.detach().numpy(), yt.detach().numpy(), rtol=tol, atol=tol)
        g = rng.standard_normal(tuple(yt.shape)).astype(dtype)
        (yt * torch.tensor(g)).sum().backward()
        (yg * gg.tensor(g)).sum().backward()
        np.testing.assert_allclose(xg.grad.numpy(), xt.grad.numpy(), rtol=tol * 10, atol=tol * 10)
        for a, b in zip(ours.parameters(), theirs.parameters()):
            np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=tol * 10, atol=tol * 10)
        for name, b in theirs.named_buffers():
            np.testing.assert_allclose(dict(ours.named_buffers())[name].numpy(), b.numpy(), rtol=tol, atol=tol)
        x = x[::-1].copy()
    ours.eval(), theirs.eval()
    if "InstanceNorm" not in text or "track_running_stats=True" in text:
        np.testing.assert_allclose(ours(gg.tensor(x)).detach().numpy(), theirs(torch.tensor(x)).detach().numpy(),
                                   rtol=tol, atol=tol)


@pytest.mark.parametrize("call", [
    lambda lib: lib.nn.GroupNorm(3, 4),
    lambda lib: lib.nn.GroupNorm(2, 4)(lib.zeros(2, 6, 3)),
    lambda lib: lib.nn.InstanceNorm2d(4)(lib.zeros(2, 3)),
    lambda lib: lib.nn.InstanceNorm2d(4, affine=True)(lib.zeros(2, 5, 3, 3)),
    lambda lib: lib.nn.BatchNorm3d(3)(lib.zeros(2, 3, 4, 4)),
    lambda lib: lib.nn.RMSNorm(4)(lib.zeros(2, 3)),
    lambda lib: lib.nn.LocalResponseNorm(2)(lib.zeros(2, 3)),
])
def test_errors_are_pytorchs(call):
    with pytest.raises(Exception) as theirs:
        call(torch)
    with pytest.raises(type(theirs.value)) as ours:
        call(gg)
    assert str(ours.value) == str(theirs.value)


def test_instance_norm_warns_when_channels_differ_without_affine():
    for lib in (gg, torch):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            lib.nn.InstanceNorm2d(4)(lib.ones(2, 5, 3, 3))
        assert any("does not match num_features" in str(w.message) for w in caught)


def test_functional_forms():
    rng = np.random.default_rng(3)
    x = rng.standard_normal((2, 6, 4, 4)).astype(np.float32)
    w, b = rng.standard_normal(6).astype(np.float32), rng.standard_normal(6).astype(np.float32)
    for fn, args in [("group_norm", (3,)), ("instance_norm", ()), ("local_response_norm", (3,))]:
        outs = []
        for lib in (gg, torch):
            kw = dict(weight=lib.tensor(w), bias=lib.tensor(b)) if fn != "local_response_norm" else {}
            outs.append(getattr(lib.nn.functional, fn)(lib.tensor(x), *args, **kw).numpy())
        np.testing.assert_allclose(outs[0], outs[1], rtol=2e-5, atol=2e-5)
    out = [lib.nn.functional.rms_norm(lib.tensor(x), (4, 4), lib.tensor(np.full((4, 4), 2.0, np.float32))).numpy()
           for lib in (gg, torch)]
    np.testing.assert_allclose(out[0], out[1], rtol=2e-6, atol=2e-6)
