"""Top-level names found missing by running PyTorch's own docstring examples (and its public name list)
on glassgrad: the window functions, trapz, fix, rsub, scalar_tensor, torch.GradScaler, and the
index-writing ops as torch.* functions. Values and dtypes are compared with PyTorch."""

import numpy as np
import pytest
import torch

import glassgrad as gg

WINDOWS = ["hann_window", "hamming_window", "blackman_window", "bartlett_window", "kaiser_window"]


def same(ours, theirs, exact=False):
    assert str(ours.dtype).split(".")[-1] == str(theirs.dtype).split(".")[-1]
    assert tuple(ours.shape) == tuple(theirs.shape)
    if exact:
        np.testing.assert_array_equal(ours.detach().numpy(), theirs.detach().numpy())
    else:
        np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name", WINDOWS)
@pytest.mark.parametrize("length", [0, 1, 2, 5, 8, 33])
@pytest.mark.parametrize("periodic", [True, False])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_windows_match_pytorch(name, length, periodic, dtype):
    ours = getattr(gg, name)(length, periodic, dtype=getattr(gg, dtype))
    theirs = getattr(torch, name)(length, periodic, dtype=getattr(torch, dtype))
    same(ours, theirs)


def test_window_parameters_and_errors():
    same(gg.hamming_window(7, False, 0.6, 0.4), torch.hamming_window(7, False, 0.6, 0.4))
    same(gg.kaiser_window(9, True, 5.0), torch.kaiser_window(9, True, 5.0))
    for lib in (gg, torch):
        with pytest.raises(RuntimeError, match="non-negative window_length"):
            lib.hann_window(-1)
        with pytest.raises(RuntimeError, match="expects floating point dtypes"):
            lib.hann_window(4, dtype=lib.int64)
        assert lib.hann_window(4, requires_grad=True).requires_grad


def test_trapz_is_trapezoid():
    y, x = [1.0, 3.0, 2.0, 5.0], [0.0, 0.5, 2.0, 2.5]
    same(gg.trapz(gg.tensor(y), gg.tensor(x)), torch.trapz(torch.tensor(y), torch.tensor(x)))
    same(gg.trapz(gg.tensor(y), dx=0.5), torch.trapz(torch.tensor(y), dx=0.5))


def test_fix_rounds_toward_zero():
    values = [-2.7, -0.5, 0.0, 0.5, 3.9]
    same(gg.fix(gg.tensor(values)), torch.fix(torch.tensor(values)), exact=True)
    same(gg.tensor(values).fix(), torch.tensor(values).fix(), exact=True)


@pytest.mark.parametrize("other,alpha", [(5, 1), (5, 2), ("tensor", 0.5)])
def test_rsub_and_its_gradient(other, alpha):
    results = []
    for lib in (gg, torch):
        x = lib.tensor([1.0, -2.0, 3.0], requires_grad=True)
        o = lib.tensor([0.5, 0.5, 4.0]) if other == "tensor" else other
        out = lib.rsub(x, o, alpha=alpha)
        (out * out).sum().backward()
        results.append((out, x.grad))
    for a, b in zip(*results):
        same(a, b)


@pytest.mark.parametrize("value,dtype", [(3, None), (2.5, None), (3, "int64"), (True, "bool"), (1.5, "float64")])
def test_scalar_tensor_matches_pytorch(value, dtype):
    ours = gg.scalar_tensor(value, dtype=getattr(gg, dtype) if dtype else None)
    theirs = torch.scalar_tensor(value, dtype=getattr(torch, dtype) if dtype else None)
    same(ours, theirs, exact=True)


def test_grad_scaler_at_the_top_level_is_amps():
    assert gg.GradScaler is gg.amp.GradScaler
    assert torch.GradScaler is torch.amp.GradScaler


def test_index_writing_ops_as_torch_functions():
    index = [0, 0, 2]
    checks = [
        lambda lib: lib.scatter_reduce(lib.zeros(3), 0, lib.tensor(index), lib.tensor([1.0, 2.0, 3.0]), "amax"),
        lambda lib: lib.index_copy(lib.zeros(3, 2), 0, lib.tensor([2, 0]), lib.ones(2, 2)),
        lambda lib: lib.index_put(lib.zeros(4), (lib.tensor([1, 1]),), lib.tensor([2.0, 3.0]), accumulate=True),
        lambda lib: lib.put(lib.zeros(2, 2), lib.tensor([3, 0]), lib.tensor([7.0, 8.0])),
        lambda lib: lib.masked_scatter(lib.zeros(4), lib.tensor([True, False, True, False]), lib.ones(4)),
    ]
    for check in checks:
        same(check(gg), check(torch), exact=True)


@pytest.mark.parametrize("values,p", [([[1.5, 2.0], [3.0, 4.5]], 2), ([2.5, 7.0], 3), ([0.75], 1)])
def test_special_multigammaln_is_mvlgamma(values, p):
    results = []
    for lib in (gg, torch):
        a = lib.tensor(values, dtype=lib.float64, requires_grad=True)
        out = lib.special.multigammaln(a, p)
        out.sum().backward()
        results.append((out, a.grad))
    for ours, theirs in zip(*results):
        same(ours, theirs)
    for lib in (gg, torch):
        with pytest.raises(RuntimeError, match="p has to be greater than or equal to 1"):
            lib.special.multigammaln(lib.tensor([2.0]), 0)
