"""F.cosine_similarity / nn.CosineSimilarity, F.pairwise_distance / nn.PairwiseDistance and torch.cdist
against PyTorch: values in float32 and float64, gradients of both inputs, grad_fn names, module reprs
and PyTorch's errors."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import glassgrad
import glassgrad.nn as nn
import glassgrad.nn.functional as F


def _compare(g_fn, t_fn, *arrays, dtype="float64", atol32=2e-6):
    """Forward values, dtypes, grad_fn names, and the gradients of Σ out·u for every input."""
    tol = dict(rtol=1e-10, atol=1e-12) if dtype == "float64" else dict(rtol=2e-5, atol=atol32)
    gs = [glassgrad.tensor(np.asarray(a, dtype), requires_grad=True) for a in arrays]
    ts = [torch.tensor(np.asarray(a, dtype), requires_grad=True) for a in arrays]
    go, to = g_fn(*gs), t_fn(*ts)
    np.testing.assert_allclose(go.detach().numpy(), to.detach().numpy(), **tol)
    assert go.detach().numpy().dtype == to.detach().numpy().dtype
    assert go.grad_fn.name() == to.grad_fn.name()
    u = np.random.default_rng(1).standard_normal(tuple(to.shape))
    (go * glassgrad.tensor(u.astype(dtype))).sum().backward()
    (to * torch.tensor(u.astype(dtype))).sum().backward()
    for g, t in zip(gs, ts):
        np.testing.assert_allclose(g.grad.numpy(), t.grad.numpy(), **tol)


def _raises_like(g_call, t_call):
    with pytest.raises(Exception) as expected:
        t_call()
    with pytest.raises(type(expected.value)) as got:
        g_call()
    assert str(got.value) == str(expected.value)


rng = np.random.default_rng(0)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("shapes,dim", [(((4, 6), (4, 6)), 1), (((2, 3, 5), (2, 3, 5)), -1),
                                        (((3, 5), (1, 5)), 1), (((5,), (5,)), 0), (((3, 4), (3, 4)), 0)])
def test_cosine_similarity(dtype, shapes, dim):
    a, b = (rng.standard_normal(s) for s in shapes)
    _compare(lambda x, y: F.cosine_similarity(x, y, dim), lambda x, y: torch.nn.functional.cosine_similarity(
        x, y, dim), a, b, dtype=dtype)
    _compare(lambda x, y: nn.CosineSimilarity(dim)(x, y), lambda x, y: torch.nn.CosineSimilarity(dim)(x, y),
             a, b, dtype=dtype)


def test_cosine_similarity_zero_vector_and_eps():
    a = np.zeros((2, 3))
    a[1] = [1e-10, 0, 0]
    b = rng.standard_normal((2, 3))
    _compare(F.cosine_similarity, torch.nn.functional.cosine_similarity, a, b)
    _compare(lambda x, y: F.cosine_similarity(x, y, eps=0.5), lambda x, y: torch.nn.functional.cosine_similarity(
        x, y, eps=0.5), rng.standard_normal((3, 4)) * 0.1, rng.standard_normal((3, 4)))


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("p", [2.0, 1.0, 3.0, float("inf"), 0.5])
@pytest.mark.parametrize("keepdim", [False, True])
def test_pairwise_distance(dtype, p, keepdim):
    a, b = rng.standard_normal((4, 6)), rng.standard_normal((4, 6))
    _compare(lambda x, y: F.pairwise_distance(x, y, p, keepdim=keepdim),
             lambda x, y: torch.nn.functional.pairwise_distance(x, y, p, keepdim=keepdim), a, b, dtype=dtype)
    _compare(lambda x, y: nn.PairwiseDistance(p, 1e-3, keepdim)(x, y),
             lambda x, y: torch.nn.PairwiseDistance(p, 1e-3, keepdim)(x, y), a, b, dtype=dtype)


def test_pairwise_distance_shapes():
    _compare(F.pairwise_distance, torch.nn.functional.pairwise_distance, rng.standard_normal(5),
             rng.standard_normal(5))
    _compare(F.pairwise_distance, torch.nn.functional.pairwise_distance, rng.standard_normal((3, 5)),
             rng.standard_normal(5))
    _compare(F.pairwise_distance, torch.nn.functional.pairwise_distance, rng.standard_normal((2, 3, 5)),
             rng.standard_normal((2, 3, 5)))


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("p", [2.0, 1.0, 0.0, 3.0, float("inf")])
@pytest.mark.parametrize("shapes", [((5, 3), (4, 3)), ((2, 5, 3), (4, 3)), ((2, 1, 3, 4), (5, 6, 4))])
def test_cdist(dtype, p, shapes):
    a, b = (rng.standard_normal(s) for s in shapes)
    _compare(lambda x, y: glassgrad.cdist(x, y, p), lambda x, y: torch.cdist(x, y, p), a, b, dtype=dtype)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("rows,mode", [(30, "use_mm_for_euclid_dist_if_necessary"), (4, "use_mm_for_euclid_dist"),
                                       (30, "donot_use_mm_for_euclid_dist")])
def test_cdist_matrix_product_path(dtype, rows, mode):
    a, b = rng.standard_normal((2, rows, 3)), rng.standard_normal((2, 5, 3))
    _compare(lambda x, y: glassgrad.cdist(x, y, compute_mode=mode),
             lambda x, y: torch.cdist(x, y, compute_mode=mode), a, b, dtype=dtype,
             atol32=2e-5)  # ‖a‖² − 2⟨a, b⟩ + ‖b‖² cancels: float32 rounding differs with the sum order


def test_cdist_equal_rows_have_zero_gradient():
    a = rng.standard_normal((3, 4))
    _compare(lambda x, y: glassgrad.cdist(x, y), lambda x, y: torch.cdist(x, y), a, a.copy())


def test_reprs():
    assert repr(nn.CosineSimilarity(0, 1e-3)) == repr(torch.nn.CosineSimilarity(0, 1e-3))
    assert repr(nn.PairwiseDistance(1.0)) == repr(torch.nn.PairwiseDistance(1.0))
    g, t = nn.PairwiseDistance(3.0, 0.1, True), torch.nn.PairwiseDistance(3.0, 0.1, True)
    assert (g.norm, g.eps, g.keepdim) == (t.norm, t.eps, t.keepdim)


def _pair(ga, gb):
    return (glassgrad.tensor(ga), glassgrad.tensor(gb)), (torch.tensor(ga), torch.tensor(gb))


@pytest.mark.parametrize("a,b,kwargs", [
    (np.ones((3, 5), "f4"), np.ones((3, 4), "f4"), {}),
    (np.ones(5, "f4"), np.ones((4, 5), "f4"), {}),
    (np.ones((2, 3, 5), "f4"), np.ones((3, 4, 5), "f4"), {}),
    (np.ones((3, 5), "f4"), np.ones((4, 5), "f4"), {"p": -1.0}),
    (np.ones((3, 5), "i8"), np.ones((4, 5), "f4"), {}),
    (np.ones((3, 5), "f4"), np.ones((4, 5), "f8"), {}),
    (np.ones((3, 5), "f4"), np.ones((4, 5), "f4"), {"compute_mode": "fast"}),
])
def test_cdist_errors(a, b, kwargs):
    (ga, gb), (ta, tb) = _pair(a, b)
    _raises_like(lambda: glassgrad.cdist(ga, gb, **kwargs), lambda: torch.cdist(ta, tb, **kwargs))


def test_distance_errors():
    (ga, gb), (ta, tb) = _pair(np.ones((3, 5), "f4"), np.ones((4, 5), "f4"))
    _raises_like(lambda: F.cosine_similarity(ga, gb), lambda: torch.nn.functional.cosine_similarity(ta, tb))
    _raises_like(lambda: F.pairwise_distance(ga, gb), lambda: torch.nn.functional.pairwise_distance(ta, tb))
    (ga, gb), (ta, tb) = _pair(np.ones((3, 5), "i8"), np.ones((3, 5), "i8"))
    _raises_like(lambda: F.cosine_similarity(ga, gb), lambda: torch.nn.functional.cosine_similarity(ta, tb))
