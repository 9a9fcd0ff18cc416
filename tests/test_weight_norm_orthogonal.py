"""nn.utils.parametrizations.orthogonal against PyTorch (same seed, float64): every map (matrix_exp,
cayley, householder) on square, tall, wide and batched weights, with and without the trivialization;
the weight's values, the unconstrained original's gradient, state_dict keys, assignment, errors."""

import numpy as np
import pytest
import torch

import glassgrad as gg


def _module(lib, shape):
    lib.manual_seed(0)
    module = lib.nn.Module()
    module.register_parameter("weight", lib.nn.Parameter(lib.randn(*shape, dtype=lib.float64)))
    return module


@pytest.mark.parametrize("shape", [(4, 4), (5, 3), (3, 5), (2, 4, 3)])
@pytest.mark.parametrize("orthogonal_map", [None, "matrix_exp", "cayley", "householder"])
@pytest.mark.parametrize("use_trivialization", [True, False])
def test_orthogonal_matches_pytorch(shape, orthogonal_map, use_trivialization):
    results = []
    for lib in (gg, torch):
        module = _module(lib, shape)
        lib.nn.utils.parametrizations.orthogonal(module, orthogonal_map=orthogonal_map,
                                                 use_trivialization=use_trivialization)
        weight = module.weight
        (weight.sum() ** 2 + (weight * weight.detach().cos()).sum()).backward()
        original = module.parametrizations.weight.original
        results.append((list(module.state_dict()), weight.detach().numpy(), original.detach().numpy(),
                        original.grad.numpy()))
    (keys, *ours), (their_keys, *theirs) = results
    assert keys == their_keys
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)
    w = ours[0] if shape[-2] >= shape[-1] else np.swapaxes(ours[0], -1, -2)
    k = w.shape[-1]  # orthonormal columns (rows when wide)
    np.testing.assert_allclose(np.swapaxes(w, -1, -2) @ w, np.broadcast_to(np.eye(k), w.shape[:-2] + (k, k)), atol=1e-12)


def test_assigning_an_orthogonal_weight_keeps_it():
    """With the trivialization, module.weight = Q stores Q in base: reading it gives Q back."""
    q = np.linalg.qr(np.random.default_rng(1).standard_normal((4, 4)))[0]
    results = []
    for lib in (gg, torch):
        module = _module(lib, (4, 4))
        lib.nn.utils.parametrizations.orthogonal(module)
        module.weight = lib.tensor(q)
        results.append(module.weight.detach().numpy())
    np.testing.assert_allclose(results[0], q, atol=1e-12)
    np.testing.assert_allclose(results[0], results[1], atol=1e-13)


def test_errors_match_pytorch():
    for lib in (gg, torch):
        with pytest.raises(ValueError, match="Expected a matrix or batch of matrices. Got a tensor of 1 dimensions."):
            lib.nn.utils.parametrizations.orthogonal(lib.nn.Linear(3, 1), "bias")
        with pytest.raises(ValueError, match='orthogonal_map has to be one of "matrix_exp", "cayley", '
                                             '"householder". Got: qr'):
            lib.nn.utils.parametrizations.orthogonal(lib.nn.Linear(3, 3), orthogonal_map="qr")
        with pytest.raises(ValueError, match="has no parameter or buffer with name 'kernel'"):
            lib.nn.utils.parametrizations.orthogonal(lib.nn.Linear(3, 3), "kernel")
        module = lib.nn.utils.parametrizations.orthogonal(lib.nn.Linear(3, 3), use_trivialization=False)
        with pytest.raises(NotImplementedError, match="It is not possible to assign to the matrix exponential"):
            module.weight = lib.eye(3)
