"""Spectral normalisation, W/σ(W) with σ by power iteration: the hook API (nn.utils.spectral_norm) and
the parametrization (nn.utils.parametrizations.spectral_norm), against PyTorch from the same seed (u and
v are drawn from the global generator as PyTorch draws them): buffers, state_dict keys, reprs, forward
values and gradients over several training steps, eval mode (no power iteration), removal, errors."""

import numpy as np
import pytest
import torch

import glassgrad as gg


def _layer(lib, kind):
    lib.manual_seed(0)
    if kind == "linear":
        return lib.nn.Linear(5, 3).double(), lib.ones(2, 5, dtype=lib.float64) * 0.5
    if kind == "conv":
        return lib.nn.Conv2d(2, 3, 3).double(), lib.arange(32, dtype=lib.float64).reshape(1, 2, 4, 4) / 10
    return lib.nn.ConvTranspose2d(2, 3, 3).double(), lib.arange(18, dtype=lib.float64).reshape(1, 2, 3, 3) / 10


def _numbers(t):
    return t.detach().numpy().copy()


def _run(lib, layer, x, u_of, steps=3):
    """Three training steps (forward, backward, SGD), then one in eval mode; what each one saw."""
    seen = []
    optimizer = lib.optim.SGD(layer.parameters(), lr=0.1)
    for _ in range(steps):
        optimizer.zero_grad()
        out = layer(x)
        (out ** 2).sum().backward()
        optimizer.step()
        seen += [_numbers(out), _numbers(u_of(layer))] + [p.grad.numpy().copy() for p in layer.parameters()]
    layer.eval()
    u_before = _numbers(u_of(layer))
    seen += [_numbers(layer(x)), u_before, _numbers(u_of(layer))]
    return seen


@pytest.mark.parametrize("kind", ["linear", "conv", "conv_transpose"])
@pytest.mark.parametrize("options", [{}, {"n_power_iterations": 3}, {"dim": 1, "eps": 1e-6}])
def test_hook_spectral_norm_matches_pytorch(kind, options):
    results = []
    for lib in (gg, torch):
        layer, x = _layer(lib, kind)
        lib.nn.utils.spectral_norm(layer, **options)
        keys = list(layer.state_dict())
        start = [_numbers(layer.weight_u), _numbers(layer.weight_v)]
        results.append((keys, repr(layer).replace("torch", "glassgrad"),
                        start + _run(lib, layer, x, lambda m: m.weight_u)))
    (keys, text, ours), (their_keys, their_text, theirs) = results
    assert keys == their_keys and text == their_text
    for i, (a, b) in enumerate(zip(ours, theirs)):
        assert a.shape == b.shape, i
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-13, err_msg=str(i))
    np.testing.assert_array_equal(ours[-2], ours[-1])  # eval: the power iteration does not run


def test_hook_spectral_norm_in_float32_matches_pytorch():
    results = []
    for lib in (gg, torch):
        lib.manual_seed(1)
        layer = lib.nn.utils.spectral_norm(lib.nn.Linear(6, 4))
        out = layer(lib.ones(3, 6))
        results.append([_numbers(out), _numbers(layer.weight_u), _numbers(layer.weight_v)])
    for a, b in zip(*results):
        np.testing.assert_allclose(a, b, rtol=2e-6, atol=1e-7)


def test_sigma_is_the_largest_singular_value_after_many_steps():
    """Power iteration converges: W/σ has spectral norm 1 (numpy's SVD as the reference)."""
    gg.manual_seed(0)
    layer = gg.nn.utils.spectral_norm(gg.nn.Linear(6, 4).double(), n_power_iterations=50)
    layer(gg.zeros(1, 6, dtype=gg.float64))
    assert np.linalg.norm(layer.weight.detach().numpy(), 2) == pytest.approx(1.0, rel=1e-10)


def test_remove_spectral_norm_matches_pytorch():
    results = []
    for lib in (gg, torch):
        layer, x = _layer(lib, "conv")
        lib.nn.utils.spectral_norm(layer)
        layer(x)
        lib.nn.utils.remove_spectral_norm(layer)
        results.append((list(layer.state_dict()), isinstance(layer.weight, lib.nn.Parameter),
                        _numbers(layer.weight), len(layer._forward_pre_hooks)))
    ours, theirs = results
    assert ours[0] == theirs[0] and ours[1] and theirs[1] and ours[3] == theirs[3] == 0
    np.testing.assert_allclose(ours[2], theirs[2], rtol=1e-12)


def test_errors_match_pytorch():
    for lib in (gg, torch):
        layer = lib.nn.Linear(3, 2)
        with pytest.raises(ValueError, match="Expected n_power_iterations to be positive, but got "
                                             "n_power_iterations=0"):
            lib.nn.utils.spectral_norm(layer, n_power_iterations=0)
        lib.nn.utils.spectral_norm(layer)
        with pytest.raises(RuntimeError, match="Cannot register two spectral_norm hooks on the same parameter weight"):
            lib.nn.utils.spectral_norm(layer)
        with pytest.raises(ValueError, match="spectral_norm of 'bias' not found in Linear"):
            lib.nn.utils.remove_spectral_norm(layer, "bias")
        with pytest.raises(IndexError, match=r"Dimension out of range \(expected to be in range of "
                                             r"\[-2, 1\] but got 2\)"):
            lib.nn.utils.parametrizations.spectral_norm(lib.nn.Linear(3, 2), dim=2)


@pytest.mark.parametrize("kind", ["linear", "conv", "conv_transpose"])
@pytest.mark.parametrize("options", [{}, {"n_power_iterations": 2, "dim": 1}])
def test_parametrized_spectral_norm_matches_pytorch(kind, options):
    results = []
    for lib in (gg, torch):
        layer, x = _layer(lib, kind)
        lib.nn.utils.parametrizations.spectral_norm(layer, **options)
        keys = list(layer.state_dict())
        results.append((keys, repr(layer).replace("torch", "glassgrad"),
                        _run(lib, layer, x, lambda m: m.parametrizations.weight[0]._u)))
    (keys, text, ours), (their_keys, their_text, theirs) = results
    assert keys == their_keys and text == their_text
    for i, (a, b) in enumerate(zip(ours, theirs)):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-13, err_msg=str(i))
    np.testing.assert_array_equal(ours[-2], ours[-1])  # eval: the power iteration does not run


def test_parametrized_spectral_norm_of_a_vector_normalises_it():
    results = []
    for lib in (gg, torch):
        module = lib.nn.Module()
        module.register_parameter("scale", lib.nn.Parameter(lib.tensor([3.0, 4.0], dtype=lib.float64)))
        lib.nn.utils.parametrizations.spectral_norm(module, "scale")
        results.append(_numbers(module.scale))
    np.testing.assert_allclose(results[0], [0.6, 0.8], rtol=1e-15)
    np.testing.assert_allclose(results[0], results[1], rtol=1e-15)
