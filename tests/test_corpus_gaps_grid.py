"""F.affine_grid and F.grid_sample (PyTorch's spatial-transformer tutorial) against PyTorch: values and
every gradient (θ, grid, picture) for each mode, padding mode and align_corners, plus errors and the
default-changed warning."""

import itertools
import re
import warnings

import numpy as np
import pytest
import torch

import glassgrad as gg

CASES = list(itertools.product(["bilinear", "nearest"], ["zeros", "border", "reflection"], [False, True]))


def _run(lib, theta, picture, weights, size, mode, padding_mode, align_corners):
    F = lib.nn.functional
    theta = lib.tensor(theta, requires_grad=True)
    picture = lib.tensor(picture, requires_grad=True)
    grid = F.affine_grid(theta, size, align_corners=align_corners)
    grid.retain_grad()
    out = F.grid_sample(picture, grid, mode=mode, padding_mode=padding_mode, align_corners=align_corners)
    (out * lib.tensor(weights)).sum().backward()
    return [t.detach().numpy() for t in (grid, out, picture.grad, grid.grad, theta.grad)]


@pytest.mark.parametrize("mode,padding_mode,align_corners", CASES)
def test_affine_grid_and_grid_sample_match_pytorch(mode, padding_mode, align_corners):
    rng = np.random.default_rng(1)
    theta = rng.standard_normal((2, 2, 3)) * 1.5  # large enough to read outside the picture
    picture = rng.standard_normal((2, 3, 5, 4))
    weights = rng.standard_normal((2, 3, 6, 7))
    args = (theta, picture, weights, (2, 3, 6, 7), mode, padding_mode, align_corners)
    names = ["grid", "output", "grad of input", "grad of grid", "grad of theta"]
    for name, ours, theirs in zip(names, _run(gg, *args), _run(torch, *args)):
        np.testing.assert_allclose(ours, theirs, rtol=1e-9, atol=1e-9, err_msg=name)


def test_float32_stays_float32():
    theta = gg.zeros(1, 2, 3)
    grid = gg.nn.functional.affine_grid(theta, (1, 1, 3, 3), align_corners=False)
    out = gg.nn.functional.grid_sample(gg.ones(1, 1, 3, 3), grid, align_corners=False)
    assert grid.dtype == gg.float32 and out.dtype == gg.float32


def test_default_align_corners_warns_as_pytorch():
    for lib in (gg, torch):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            grid = lib.nn.functional.affine_grid(lib.zeros(1, 2, 3), (1, 1, 2, 2))
            lib.nn.functional.grid_sample(lib.ones(1, 1, 2, 2), grid)
        assert [str(w.message)[:60] for w in caught] == ["Default grid_sample and affine_grid behavior has changed to "] * 2


@pytest.mark.parametrize("call", [
    lambda F, lib: F.grid_sample(lib.ones(1, 1, 2, 2), lib.zeros(1, 2, 2, 2), mode="foo"),
    lambda F, lib: F.grid_sample(lib.ones(1, 1, 2, 2), lib.zeros(1, 2, 2, 2), padding_mode="foo"),
    lambda F, lib: F.grid_sample(lib.ones(1, 1, 2, 2), lib.zeros(1, 2, 2, 1), align_corners=False),
    lambda F, lib: F.affine_grid(lib.zeros(1, 2, 3), (1, 1, 2), align_corners=False),
    lambda F, lib: F.affine_grid(lib.zeros(2, 2, 3), (1, 1, 2, 2), align_corners=False),
])
def test_errors_match_pytorch(call):
    with pytest.raises(Exception) as theirs:
        call(torch.nn.functional, torch)
    with pytest.raises(type(theirs.value), match=re.escape(str(theirs.value)[:40])):
        call(gg.nn.functional, gg)
