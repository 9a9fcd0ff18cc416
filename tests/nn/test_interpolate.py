"""F.interpolate and nn.Upsample against PyTorch: values, gradients, grad_fn names, errors, reprs."""

import warnings

import numpy as np
import pytest
import torch

import glassgrad as gg

CASES = [
    ((2, 3, 5, 7), "nearest", dict(scale_factor=2)),
    ((2, 3, 5, 7), "nearest", dict(size=(3, 11))),
    ((2, 3, 5, 7), "nearest", dict(scale_factor=1.7)),
    ((2, 3, 5, 7), "nearest", dict(scale_factor=(0.5, 3))),
    ((2, 3, 5, 7), "nearest-exact", dict(size=(9, 4))),
    ((2, 3, 5, 7), "bilinear", dict(scale_factor=2)),
    ((2, 3, 5, 7), "bilinear", dict(size=(8, 3), align_corners=True)),
    ((2, 3, 5, 7), "bilinear", dict(scale_factor=0.5)),
    ((2, 3, 5, 7), "bilinear", dict(scale_factor=1.5, recompute_scale_factor=True)),
    ((2, 3, 5, 7), "bilinear", dict(size=1, align_corners=True)),
    ((2, 3, 5, 7), "bicubic", dict(scale_factor=2)),
    ((2, 3, 5, 7), "bicubic", dict(size=(4, 9), align_corners=True)),
    ((2, 3, 9), "linear", dict(scale_factor=3)),
    ((2, 3, 9), "linear", dict(size=4, align_corners=True)),
    ((2, 3, 9), "nearest", dict(size=4)),
    ((1, 2, 3, 4, 5), "trilinear", dict(scale_factor=2)),
    ((1, 2, 3, 4, 5), "nearest", dict(size=(2, 5, 7))),
    ((2, 3, 6, 7), "area", dict(size=(3, 4))),
]


@pytest.mark.parametrize("shape, mode, kw", CASES)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_interpolate_matches_pytorch(shape, mode, kw, dtype):
    rng = np.random.default_rng(len(shape) * 7 + len(mode))
    x = rng.standard_normal(shape).astype(dtype)
    xt, xg = torch.tensor(x, requires_grad=True), gg.tensor(x, requires_grad=True)
    yt = torch.nn.functional.interpolate(xt, mode=mode, **kw)
    yg = gg.nn.functional.interpolate(xg, mode=mode, **kw)
    assert tuple(yg.shape) == tuple(yt.shape) and yg.dtype.name == str(yt.dtype).split(".")[1]
    assert yg.grad_fn.name() == yt.grad_fn.name()
    tol = 2e-6 if dtype == "float32" else 1e-12
    np.testing.assert_allclose(yg.detach().numpy(), yt.detach().numpy(), rtol=tol, atol=tol)
    g = rng.standard_normal(tuple(yt.shape)).astype(dtype)
    (yt * torch.tensor(g)).sum().backward()
    (yg * gg.tensor(g)).sum().backward()
    np.testing.assert_allclose(xg.grad.numpy(), xt.grad.numpy(), rtol=tol * 5, atol=tol * 5)


def test_second_derivatives_through_interpolate():
    results = []
    for lib in (gg, torch):
        x = lib.arange(12.0, dtype=lib.float64).view(1, 1, 3, 4).requires_grad_()
        y = lib.nn.functional.interpolate(x, scale_factor=2, mode="bicubic")
        (g,) = lib.autograd.grad((y ** 3).sum(), x, create_graph=True)
        (g2,) = lib.autograd.grad(g.sum(), x)
        results.append(g2.flatten().tolist())
    np.testing.assert_allclose(results[0], results[1], rtol=1e-10)


@pytest.mark.parametrize("shape, kw", [
    ((1, 1, 4, 4), dict(scale_factor=2, mode="nearest", align_corners=True)),
    ((1, 1, 4, 4), dict(scale_factor=2, mode="linear")),
    ((1, 1, 4), dict(scale_factor=2, mode="bilinear")),
    ((1, 1, 4, 4), dict(mode="nearest")),
    ((1, 1, 4, 4), dict(size=3, scale_factor=2)),
    ((1, 1, 4, 4), dict(size=(2, 3, 4))),
    ((1, 1, 4, 4), dict(scale_factor=0.1)),
])
def test_errors_are_pytorchs(shape, kw):
    with pytest.raises(Exception) as theirs:
        torch.nn.functional.interpolate(torch.zeros(shape), **kw)
    with pytest.raises(type(theirs.value)) as ours:
        gg.nn.functional.interpolate(gg.zeros(shape), **kw)
    assert str(ours.value) == str(theirs.value)


@pytest.mark.parametrize("make", [
    lambda nn: nn.Upsample(scale_factor=2, mode="bilinear"),
    lambda nn: nn.Upsample(size=(3, 5)),
    lambda nn: nn.Upsample(scale_factor=(2, 1.5), mode="bicubic", align_corners=True),
    lambda nn: nn.UpsamplingNearest2d(scale_factor=3),
    lambda nn: nn.UpsamplingBilinear2d(size=(6, 2)),
])
def test_upsample_layers(make):
    ours, theirs = make(gg.nn), make(torch.nn)
    assert repr(ours) == repr(theirs)
    x = np.random.default_rng(0).standard_normal((2, 3, 4, 4)).astype(np.float32)
    np.testing.assert_allclose(ours(gg.tensor(x)).numpy(), theirs(torch.tensor(x)).numpy(), rtol=2e-6, atol=2e-6)
    assert gg.nn.modules.upsampling.Upsample is gg.nn.Upsample


@pytest.mark.parametrize("name, kw", [("upsample", dict(scale_factor=2)), ("upsample_nearest", dict(size=(6, 6))),
                                      ("upsample_bilinear", dict(scale_factor=2))])
def test_deprecated_upsample_functions_warn_and_work(name, kw):
    x = np.arange(16.0, dtype=np.float32).reshape(1, 1, 4, 4)
    out = []
    for lib in (gg, torch):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            out.append(np.asarray(getattr(lib.nn.functional, name)(lib.tensor(x), **kw).tolist()))
        assert any("deprecated" in str(w.message) for w in caught)
    np.testing.assert_allclose(out[0], out[1], rtol=1e-6)


@pytest.mark.parametrize("shape, kw", [((1, 1, 4), dict(scale_factor=0.1)), ((1, 1, 2, 4, 4), dict(scale_factor=0.1)),
                                       ((1, 1, 4, 4), dict(scale_factor=(2, 3, 4)))])
def test_more_errors_are_pytorchs(shape, kw):
    test_errors_are_pytorchs(shape, kw)
