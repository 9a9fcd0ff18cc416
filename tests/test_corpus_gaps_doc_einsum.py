"""einsum's sublist form, ``einsum(x, [0, 1], y, [1, 2], [0, 2])`` (found by running PyTorch's own
docstring examples on glassgrad): values, gradients and errors compared with PyTorch."""

import numpy as np
import pytest
import torch

import glassgrad as gg

RNG = np.random.default_rng(4)
A, B = RNG.standard_normal((2, 3, 4)), RNG.standard_normal((2, 4, 5))


@pytest.mark.parametrize("form", [
    lambda x, y: (x, [..., 0, 1], y, [..., 1, 2], [..., 0, 2]),
    lambda x, y: (x, [0, 1, 2], y, [0, 2, 3]),
    lambda x, y: (x, [0, 1, 2], y, [0, 2, 3], [3, 1]),
    lambda x, y: (x, [30, 1, 2], [2, 30]),
    lambda x, y: (x, [0, 1, 2], []),
])
def test_sublist_form_matches_pytorch(form):
    results = []
    for lib in (gg, torch):
        x, y = lib.tensor(A, requires_grad=True), lib.tensor(B, requires_grad=True)
        out = lib.einsum(*form(x, y))
        (out * out).sum().backward()
        results.append((out.detach().numpy(), x.grad.numpy(), y.grad if y.grad is None else y.grad.numpy()))
    for ours, theirs in zip(*results):
        if theirs is None:
            assert ours is None
        else:
            np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-12)


def test_sublist_out_of_range_is_pytorchs_error():
    for lib in (gg, torch):
        with pytest.raises(ValueError, match="not within the valid range \\[0, 52\\)"):
            lib.einsum(lib.ones(2, 2), [0, 52])
