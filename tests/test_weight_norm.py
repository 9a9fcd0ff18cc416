"""Weight normalisation, w = g·v/‖v‖: the hook API (nn.utils.weight_norm) and the parametrization
(nn.utils.parametrizations.weight_norm), against PyTorch: parameters, state_dict keys, reprs, forward
values, gradients, removal, warnings and errors."""

import warnings

import numpy as np
import pytest
import torch

import glassgrad as gg


def _layer(lib, kind):
    lib.manual_seed(0)
    if kind == "linear":
        return lib.nn.Linear(4, 3).double(), lib.ones(2, 4, dtype=lib.float64) * 0.5
    if kind == "conv":
        return lib.nn.Conv2d(2, 3, 3).double(), lib.arange(32, dtype=lib.float64).reshape(1, 2, 4, 4) / 10
    return lib.nn.ConvTranspose2d(2, 3, 3).double(), lib.arange(18, dtype=lib.float64).reshape(1, 2, 3, 3) / 10


def _numbers(t):
    return t.detach().numpy()


@pytest.mark.parametrize("kind", ["linear", "conv", "conv_transpose"])
@pytest.mark.parametrize("dim", [0, 1, None])
def test_hook_weight_norm_matches_pytorch(kind, dim):
    results = []
    for lib in (gg, torch):
        layer, x = _layer(lib, kind)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)
            lib.nn.utils.weight_norm(layer, dim=dim)
        out = layer(x)
        (out ** 2).sum().backward()
        results.append({
            "keys": list(layer.state_dict()),
            "params": [name for name, _ in layer.named_parameters()],
            "repr": repr(layer).replace("torch", "glassgrad"),
            "g": _numbers(layer.weight_g), "v": _numbers(layer.weight_v), "out": _numbers(out),
            "grad_g": layer.weight_g.grad.numpy(), "grad_v": layer.weight_v.grad.numpy(),
            "weight_is_parameter": isinstance(layer.weight, lib.nn.Parameter)})
    ours, theirs = results
    for key in ("keys", "params", "repr", "weight_is_parameter"):
        assert ours[key] == theirs[key], key
    for key in ("g", "v", "out", "grad_g", "grad_v"):
        assert ours[key].shape == theirs[key].shape, key
        np.testing.assert_allclose(ours[key], theirs[key], rtol=1e-12, atol=1e-14, err_msg=key)


def test_the_weight_follows_g_and_v_before_each_forward():
    """The pre-hook recomputes w: after g doubles, w (and so the output without bias) doubles."""
    with pytest.warns(FutureWarning):
        layer = gg.nn.utils.weight_norm(gg.nn.Linear(3, 2, bias=False).double())
    x = gg.randn(4, 3, dtype=gg.float64)
    before = layer(x).detach().numpy()
    with gg.no_grad():
        layer.weight_g.mul_(2)
    np.testing.assert_allclose(layer(x).detach().numpy(), 2 * before, rtol=1e-12)


def test_remove_weight_norm_matches_pytorch():
    results = []
    for lib in (gg, torch):
        layer, x = _layer(lib, "conv")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)
            lib.nn.utils.weight_norm(layer)
        with lib.no_grad():
            layer.weight_g.mul_(3)
        lib.nn.utils.remove_weight_norm(layer)
        results.append((list(layer.state_dict()), isinstance(layer.weight, lib.nn.Parameter),
                        _numbers(layer.weight), _numbers(layer(x)), len(layer._forward_pre_hooks)))
    ours, theirs = results
    assert ours[0] == theirs[0] and ours[1] and theirs[1] and ours[4] == theirs[4] == 0
    for a, b in zip(ours[2:4], theirs[2:4]):
        np.testing.assert_allclose(a, b, rtol=1e-12)


def test_warnings_and_errors_match_pytorch():
    for lib in (gg, torch):
        layer = lib.nn.Linear(3, 2)
        with pytest.warns(FutureWarning, match=r"`torch.nn.utils.weight_norm` is deprecated in favor of "
                                               r"`torch.nn.utils.parametrizations.weight_norm`."):
            lib.nn.utils.weight_norm(layer)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)
            with pytest.raises(RuntimeError, match="Cannot register two weight_norm hooks on the same "
                                                   "parameter weight"):
                lib.nn.utils.weight_norm(layer)
        with pytest.raises(ValueError, match="weight_norm of 'bias' not found in Linear"):
            lib.nn.utils.remove_weight_norm(layer, "bias")


@pytest.mark.parametrize("kind", ["linear", "conv"])
@pytest.mark.parametrize("dim", [0, 1, None])
def test_parametrized_weight_norm_matches_pytorch(kind, dim):
    results = []
    for lib in (gg, torch):
        layer, x = _layer(lib, kind)
        lib.nn.utils.parametrizations.weight_norm(layer, dim=dim)
        out = layer(x)
        (out ** 2).sum().backward()
        weight = layer.parametrizations.weight
        results.append({
            "keys": list(layer.state_dict()),
            "repr": repr(layer).replace("torch", "glassgrad"),
            "type": type(layer).__name__,
            "g": _numbers(weight.original0), "v": _numbers(weight.original1), "out": _numbers(out),
            "grad_g": weight.original0.grad.numpy(), "grad_v": weight.original1.grad.numpy()})
    ours, theirs = results
    for key in ("keys", "repr", "type"):
        assert ours[key] == theirs[key], key
    for key in ("g", "v", "out", "grad_g", "grad_v"):
        np.testing.assert_allclose(ours[key], theirs[key], rtol=1e-12, atol=1e-14, err_msg=key)


def test_parametrized_weight_norm_is_removed_with_the_weight_it_makes():
    results = []
    for lib in (gg, torch):
        layer, x = _layer(lib, "linear")
        lib.nn.utils.parametrizations.weight_norm(layer)
        with lib.no_grad():
            layer.parametrizations.weight.original0.mul_(2)
        lib.nn.utils.parametrize.remove_parametrizations(layer, "weight")
        results.append((type(layer).__name__, list(layer.state_dict()), _numbers(layer.weight)))
    assert results[0][:2] == results[1][:2]
    np.testing.assert_allclose(results[0][2], results[1][2], rtol=1e-12)


def test_norm_except_dim_by_hand():
    """‖v‖ over every dimension but dim, and over everything for dim = -1."""
    from glassgrad.nn.utils.weight_norm import norm_except_dim
    v = np.arange(24.0).reshape(2, 3, 4) - 7
    for dim in range(3):
        others = tuple(d for d in range(3) if d != dim)
        expected = np.sqrt((v ** 2).sum(axis=others, keepdims=True))
        np.testing.assert_allclose(norm_except_dim(gg.tensor(v), 2, dim).numpy(), expected, rtol=1e-14)
    np.testing.assert_allclose(norm_except_dim(gg.tensor(v), 2, -1).numpy(), np.sqrt((v ** 2).sum()), rtol=1e-14)
