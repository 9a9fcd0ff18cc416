"""F.ctc_loss / nn.CTCLoss against PyTorch: padded and concatenated targets, ragged input and target
lengths, empty targets, repeated labels, another blank, impossible alignments with and without
zero_infinity, unbatched input; values in float32 and float64 for every reduction, the log-probs'
gradient (PyTorch's formula), grad_fn names, repr and errors. Plus a brute-force check of the loss:
−log of the summed probability of every path that collapses to the target."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import torch

import glassgrad
import glassgrad.nn as nn
import glassgrad.nn.functional as F

rng = np.random.default_rng(0)
T, N, C = 8, 4, 5
PADDED = np.array([[1, 2, 2, 0], [4, 4, 0, 0], [1, 0, 0, 0], [4, 1, 3, 2]])


def _log_probs(shape, dtype):
    x = rng.standard_normal(shape)
    return (x - np.log(np.exp(x).sum(-1, keepdims=True))).astype(dtype)


def _compare(lp, targets, input_lengths, target_lengths, dtype, **kwargs):
    tol = dict(rtol=1e-10, atol=1e-10) if dtype == "float64" else dict(rtol=2e-5, atol=1e-5)
    g, t = glassgrad.tensor(lp, requires_grad=True), torch.tensor(lp, requires_grad=True)
    go = F.ctc_loss(g, glassgrad.tensor(targets), glassgrad.tensor(input_lengths),
                    glassgrad.tensor(target_lengths), **kwargs)
    to = torch.nn.functional.ctc_loss(t, torch.tensor(targets), torch.tensor(input_lengths),
                                      torch.tensor(target_lengths), **kwargs)
    np.testing.assert_allclose(go.detach().numpy(), to.detach().numpy(), **tol)
    assert go.detach().numpy().dtype == to.detach().numpy().dtype
    assert go.grad_fn.name() == to.grad_fn.name()
    u = rng.standard_normal(tuple(to.shape)).astype(dtype)
    (go * glassgrad.tensor(u)).sum().backward()
    (to * torch.tensor(u)).sum().backward()
    np.testing.assert_allclose(g.grad.numpy(), t.grad.numpy(), **tol)
    return go


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("reduction", ["none", "sum", "mean"])
@pytest.mark.parametrize("concatenated", [False, True])
def test_ctc_loss(dtype, reduction, concatenated):
    lengths, inputs = np.array([3, 2, 1, 4]), np.array([8, 7, 5, 8])
    targets = np.concatenate([PADDED[n, :lengths[n]] for n in range(N)]) if concatenated else PADDED
    _compare(_log_probs((T, N, C), dtype), targets, inputs, lengths, dtype, reduction=reduction)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_empty_target_and_other_blank(dtype):
    _compare(_log_probs((T, N, C), dtype), PADDED, np.array([8, 7, 5, 8]), np.array([3, 0, 1, 4]), dtype,
             reduction="none")
    targets = np.where(PADDED == 3, 0, PADDED)  # no label equals the blank
    _compare(_log_probs((T, N, C), dtype), targets, np.array([8, 6, 8, 8]), np.array([3, 2, 1, 4]), dtype,
             reduction="mean", blank=3)


@pytest.mark.parametrize("reduction", ["none", "sum", "mean"])
def test_impossible_alignment_and_zero_infinity(reduction):
    targets, inputs, lengths = np.ones((N, 4), np.int64), np.array([3, 8, 8, 8]), np.array([4, 4, 2, 4])
    out = _compare(_log_probs((T, N, C), "float64"), targets, inputs, lengths, "float64", reduction=reduction,
                   zero_infinity=True)
    assert np.isfinite(out.detach().numpy()).all()
    lp = glassgrad.tensor(_log_probs((T, N, C), "float64"))
    loss = F.ctc_loss(lp, glassgrad.tensor(targets), glassgrad.tensor(inputs), glassgrad.tensor(lengths),
                      reduction="none")
    assert loss.detach().numpy()[0] == np.inf  # 4 ones need 7 steps (blanks between repeats), 3 given


@pytest.mark.parametrize("reduction", ["none", "mean"])
def test_unbatched(reduction):
    _compare(_log_probs((T, C), "float64"), np.array([1, 2, 3]), np.array(8), np.array(3), "float64",
             reduction=reduction)


def test_matches_the_sum_over_every_path():
    """−log Σ_paths Π_t p_t(path_t) over all C^T paths that collapse (merge repeats, drop blanks) to l."""
    steps, classes, label = 5, 3, (1, 2, 2)
    lp = _log_probs((steps, 1, classes), "float64")
    total = 0.0
    for path in itertools.product(range(classes), repeat=steps):
        merged = [c for i, c in enumerate(path) if i == 0 or c != path[i - 1]]
        if tuple(c for c in merged if c != 0) == label:
            total += np.exp(sum(lp[t, 0, c] for t, c in enumerate(path)))
    loss = F.ctc_loss(glassgrad.tensor(lp), glassgrad.tensor(np.array([label])), glassgrad.tensor([steps]),
                      glassgrad.tensor([3]), reduction="sum")
    assert loss.item() == pytest.approx(-np.log(total), rel=1e-12)


def test_module():
    assert repr(nn.CTCLoss(blank=2, zero_infinity=True)) == repr(torch.nn.CTCLoss(blank=2, zero_infinity=True))
    g, t = nn.CTCLoss(blank=2, reduction="sum", zero_infinity=True), torch.nn.CTCLoss(2, "sum", True)
    assert (g.blank, g.reduction, g.zero_infinity) == (t.blank, t.reduction, t.zero_infinity)
    lp = _log_probs((T, N, C), "float32")
    targets = np.where(PADDED == 2, 1, PADDED)
    args = (targets, np.array([8, 7, 5, 8]), np.array([3, 2, 1, 4]))
    np.testing.assert_allclose(g(glassgrad.tensor(lp), *map(glassgrad.tensor, args)).item(),
                               t(torch.tensor(lp), *map(torch.tensor, args)).item(), rtol=1e-5)
    np.testing.assert_allclose(F.ctc_loss(glassgrad.tensor(lp), glassgrad.tensor(targets), [8, 7, 5, 8],
                                          [3, 2, 1, 4]).item(),
                               torch.nn.functional.ctc_loss(torch.tensor(lp), torch.tensor(targets), [8, 7, 5, 8],
                                                            [3, 2, 1, 4]).item(), rtol=1e-5)


@pytest.mark.parametrize("case", [
    dict(target_lengths=[3, 2, 4, 5]),
    dict(input_lengths=[9, 6, 6, 6]),
    dict(input_lengths=[6, 6, 6]),
    dict(blank=5),
    dict(reduction="avg"),
])
def test_errors(case):
    def call(m, lib):
        kwargs = dict(input_lengths=[6, 6, 6, 6], target_lengths=[3, 2, 1, 4], blank=0, reduction="mean") | case
        return m.ctc_loss(lib.tensor(_log_probs((T, N, C), "float32")), lib.tensor(PADDED),
                          lib.tensor(kwargs.pop("input_lengths")), lib.tensor(kwargs.pop("target_lengths")), **kwargs)

    with pytest.raises(Exception) as expected:
        call(torch.nn.functional, torch)
    with pytest.raises(type(expected.value)) as got:
        call(F, glassgrad)
    assert str(got.value) == str(expected.value)
