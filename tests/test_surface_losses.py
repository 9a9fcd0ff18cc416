"""kl_div, poisson_nll_loss, gaussian_nll_loss, margin_ranking_loss, hinge_embedding_loss,
soft_margin_loss, multilabel_soft_margin_loss, multi_margin_loss and triplet_margin_loss (F.* and their
nn modules) against PyTorch: values in float32 and float64 for every reduction, input gradients,
grad_fn names, module reprs and PyTorch's errors."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch

import glassgrad
import glassgrad.nn as nn
import glassgrad.nn.functional as F

rng = np.random.default_rng(0)
REDUCTIONS = ["mean", "sum", "none"]


def _compare(g_fn, t_fn, arrays, grads, dtype="float64"):
    """g_fn(*glassgrad tensors) vs t_fn(*torch tensors): values, dtype, grad_fn name, and the gradients
    of Σ out·u for the inputs flagged in ``grads``."""
    tol = dict(rtol=1e-10, atol=1e-12) if dtype == "float64" else dict(rtol=3e-5, atol=3e-6)
    cast = [np.asarray(a, dtype) if np.asarray(a).dtype.kind == "f" else np.asarray(a) for a in arrays]
    gs = [glassgrad.tensor(a, requires_grad=bool(f)) for a, f in zip(cast, grads)]
    ts = [torch.tensor(a, requires_grad=bool(f)) for a, f in zip(cast, grads)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        go, to = g_fn(*gs), t_fn(*ts)
    np.testing.assert_allclose(go.detach().numpy(), to.detach().numpy(), **tol)
    assert go.detach().numpy().dtype == to.detach().numpy().dtype
    assert go.grad_fn.name() == to.grad_fn.name()
    u = np.random.default_rng(1).standard_normal(tuple(to.shape)).astype(dtype)
    (go * glassgrad.tensor(u)).sum().backward()
    (to * torch.tensor(u)).sum().backward()
    for g, t, f in zip(gs, ts, grads):
        if f:
            np.testing.assert_allclose(g.grad.numpy(), t.grad.numpy(), **tol)


def _raises_like(g_call, t_call):
    with pytest.raises(Exception) as expected:
        t_call()
    with pytest.raises(type(expected.value)) as got:
        g_call()
    assert str(got.value).replace("glassgrad.Size", "torch.Size") == str(expected.value)


def _both(name):
    return getattr(F, name), getattr(torch.nn.functional, name)


def _signs(shape):
    return np.where(rng.standard_normal(shape) > 0, 1.0, -1.0)


# --- kl_div ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("reduction", REDUCTIONS + ["batchmean"])
@pytest.mark.parametrize("log_target", [False, True])
def test_kl_div(dtype, reduction, log_target):
    logq = np.log(rng.dirichlet(np.ones(5), size=4))
    p = rng.dirichlet(np.ones(5), size=4)
    p[0, 1] = 0.0  # t·log t at t = 0 is 0
    target = np.log(p + 1e-3) if log_target else p
    g, t = _both("kl_div")
    _compare(lambda x, y: g(x, y, reduction=reduction, log_target=log_target),
             lambda x, y: t(x, y, reduction=reduction, log_target=log_target), [logq, target], [1, 0], dtype)
    _compare(lambda x, y: nn.KLDivLoss(reduction=reduction, log_target=log_target)(x, y),
             lambda x, y: torch.nn.KLDivLoss(reduction=reduction, log_target=log_target)(x, y),
             [logq, target], [1, 0], dtype)
    if reduction != "batchmean":  # the target's gradient too (positive targets)
        target = rng.dirichlet(np.ones(5), size=4)
        _compare(lambda x, y: g(x, y, reduction=reduction, log_target=log_target),
                 lambda x, y: t(x, y, reduction=reduction, log_target=log_target), [logq, target], [1, 1])


def test_kl_div_warns_and_errors():
    x = glassgrad.randn(3, 5).log_softmax(1)
    with pytest.warns(UserWarning, match="'batchmean' divides only by the batch size"):
        F.kl_div(x, x.exp())
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        F.kl_div(x, x.exp(), reduction="batchmean")
    g, t = _both("kl_div")
    _raises_like(lambda: g(glassgrad.zeros(3, 5), glassgrad.zeros(3, 4), reduction="sum"),
                 lambda: t(torch.zeros(3, 5), torch.zeros(3, 4), reduction="sum"))
    _raises_like(lambda: g(glassgrad.zeros(3, 5), glassgrad.zeros(3, 5), reduction="bogus"),
                 lambda: t(torch.zeros(3, 5), torch.zeros(3, 5), reduction="bogus"))


# --- poisson and gaussian nll -------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("log_input,full", [(True, False), (False, False), (True, True), (False, True)])
def test_poisson_nll_loss(dtype, reduction, log_input, full):
    x = rng.standard_normal((3, 4)) if log_input else rng.uniform(0.1, 3, (3, 4))
    counts = rng.poisson(2.0, (3, 4)).astype(float)
    g, t = _both("poisson_nll_loss")
    _compare(lambda a, b: g(a, b, log_input=log_input, full=full, reduction=reduction),
             lambda a, b: t(a, b, log_input=log_input, full=full, reduction=reduction), [x, counts], [1, 0], dtype)
    _compare(lambda a, b: nn.PoissonNLLLoss(log_input, full, eps=1e-3, reduction=reduction)(a, b),
             lambda a, b: torch.nn.PoissonNLLLoss(log_input, full, eps=1e-3, reduction=reduction)(a, b),
             [x, counts], [1, 0], dtype)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("full", [False, True])
@pytest.mark.parametrize("var_shape", [(4, 3), (4,), (4, 1), (1, 3)])
def test_gaussian_nll_loss(dtype, reduction, full, var_shape):
    x, y = rng.standard_normal((4, 3)), rng.standard_normal((4, 3))
    var = rng.uniform(0.1, 2, var_shape)
    var.flat[0] = 1e-9  # clamped at eps: the value changes, the gradient's path does not
    g, t = _both("gaussian_nll_loss")
    _compare(lambda a, b, v: g(a, b, v, full=full, reduction=reduction),
             lambda a, b, v: t(a, b, v, full=full, reduction=reduction), [x, y, var], [1, 1, 1], dtype)
    _compare(lambda a, b, v: nn.GaussianNLLLoss(full=full, eps=1e-3, reduction=reduction)(a, b, v),
             lambda a, b, v: torch.nn.GaussianNLLLoss(full=full, eps=1e-3, reduction=reduction)(a, b, v),
             [x, y, var], [1, 1, 1], dtype)
    _compare(lambda a, b: g(a, b, 0.7, reduction=reduction), lambda a, b: t(a, b, 0.7, reduction=reduction),
             [x, y], [1, 0], dtype)


def test_nll_errors():
    g, t = _both("gaussian_nll_loss")
    x = np.zeros((3, 5), "f4")
    for var in (-np.ones((3, 5), "f4"), np.ones((2, 5), "f4")):
        _raises_like(lambda: g(glassgrad.tensor(x), glassgrad.tensor(x), glassgrad.tensor(var)),
                     lambda: t(torch.tensor(x), torch.tensor(x), torch.tensor(var)))
    _raises_like(lambda: g(glassgrad.tensor(x), glassgrad.tensor(x), -1.0), lambda: t(torch.tensor(x),
                 torch.tensor(x), -1.0))
    _raises_like(lambda: g(glassgrad.tensor(x), glassgrad.tensor(x), 1.0, reduction="x"),
                 lambda: t(torch.tensor(x), torch.tensor(x), 1.0, reduction="x"))
    g, t = _both("poisson_nll_loss")
    _raises_like(lambda: g(glassgrad.tensor(x), glassgrad.tensor(x), reduction="x"),
                 lambda: t(torch.tensor(x), torch.tensor(x), reduction="x"))


# --- margin losses -------------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("margin", [0.0, 0.5])
def test_margin_ranking_loss(dtype, reduction, margin):
    a, b, y = rng.standard_normal(6), rng.standard_normal(6), _signs(6)
    g, t = _both("margin_ranking_loss")
    _compare(lambda p, q, s: g(p, q, s, margin, reduction=reduction),
             lambda p, q, s: t(p, q, s, margin, reduction=reduction), [a, b, y], [1, 1, 0], dtype)
    _compare(lambda p, q, s: nn.MarginRankingLoss(margin, reduction=reduction)(p, q, s),
             lambda p, q, s: torch.nn.MarginRankingLoss(margin, reduction=reduction)(p, q, s),
             [a, b, y], [1, 1, 0], dtype)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("margin", [1.0, 0.3])
def test_hinge_embedding_loss(dtype, reduction, margin):
    x, y = rng.uniform(0, 2, (3, 4)), _signs((3, 4))
    y[0, 0] = 0.5  # neither 1 nor −1: both terms, as in PyTorch
    g, t = _both("hinge_embedding_loss")
    _compare(lambda a, s: g(a, s, margin, reduction=reduction), lambda a, s: t(a, s, margin, reduction=reduction),
             [x, y], [1, 0], dtype)
    _compare(lambda a, s: nn.HingeEmbeddingLoss(margin, reduction=reduction)(a, s),
             lambda a, s: torch.nn.HingeEmbeddingLoss(margin, reduction=reduction)(a, s), [x, y], [1, 0], dtype)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("target_shape", [(3, 4), (1, 4)])
def test_soft_margin_loss(dtype, reduction, target_shape):
    x, y = rng.standard_normal((3, 4)) * 3, _signs(target_shape)
    g, t = _both("soft_margin_loss")
    _compare(lambda a, s: g(a, s, reduction=reduction), lambda a, s: t(a, s, reduction=reduction), [x, y], [1, 0],
             dtype)
    _compare(lambda a, s: nn.SoftMarginLoss(reduction=reduction)(a, s),
             lambda a, s: torch.nn.SoftMarginLoss(reduction=reduction)(a, s), [x, y], [1, 0], dtype)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted", [False, True])
def test_multilabel_soft_margin_loss(dtype, reduction, weighted):
    x, y = rng.standard_normal((3, 5)) * 10, (rng.standard_normal((3, 5)) > 0).astype(float)
    w = rng.uniform(0.5, 2, 5)
    g, t = _both("multilabel_soft_margin_loss")
    if weighted:
        _compare(lambda a, s, v: g(a, s, v, reduction=reduction), lambda a, s, v: t(a, s, v, reduction=reduction),
                 [x, y, w], [1, 0, 0], dtype)
        _compare(lambda a, s, v: nn.MultiLabelSoftMarginLoss(v, reduction=reduction)(a, s),
                 lambda a, s, v: torch.nn.MultiLabelSoftMarginLoss(v, reduction=reduction)(a, s),
                 [x, y, w], [1, 0, 0], dtype)
    else:
        _compare(lambda a, s: g(a, s, reduction=reduction), lambda a, s: t(a, s, reduction=reduction),
                 [x, y], [1, 1], dtype)
        _compare(lambda a, s: g(a, s, reduction=reduction), lambda a, s: t(a, s, reduction=reduction),
                 [x[0], y[0]], [1, 1], dtype)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("p,margin,weighted", [(1, 1.0, False), (2, 1.0, False), (1, 0.5, True),
                                               (2, 2.0, True)])
def test_multi_margin_loss(dtype, reduction, p, margin, weighted):
    x, y = rng.standard_normal((4, 5)), rng.integers(0, 5, 4)
    w = rng.uniform(0.5, 2, 5)
    g, t = _both("multi_margin_loss")
    args, flags = ([x, y, w], [1, 0, 0]) if weighted else ([x, y], [1, 0])
    _compare(lambda a, s, *v: g(a, s, p, margin, *v, reduction=reduction),
             lambda a, s, *v: t(a, s, p, margin, *v, reduction=reduction), args, flags, dtype)
    _compare(lambda a, s, *v: nn.MultiMarginLoss(p, margin, *v, reduction=reduction)(a, s),
             lambda a, s, *v: torch.nn.MultiMarginLoss(p, margin, *v, reduction=reduction)(a, s),
             args, flags, dtype)
    _compare(lambda a, s: g(a, s, p, margin, reduction=reduction),
             lambda a, s: t(a, s, p, margin, reduction=reduction), [x[0], y[:1]], [1, 0], dtype)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("p,swap", [(2.0, False), (1.0, False), (2.0, True), (3.0, True)])
def test_triplet_margin_loss(dtype, reduction, p, swap):
    a, pos, neg = (rng.standard_normal((5, 4)) for _ in range(3))
    g, t = _both("triplet_margin_loss")
    _compare(lambda *xs: g(*xs, margin=2.0, p=p, swap=swap, reduction=reduction),
             lambda *xs: t(*xs, margin=2.0, p=p, swap=swap, reduction=reduction), [a, pos, neg], [1, 1, 1], dtype)
    _compare(lambda *xs: nn.TripletMarginLoss(2.0, p, swap=swap, reduction=reduction)(*xs),
             lambda *xs: torch.nn.TripletMarginLoss(2.0, p, swap=swap, reduction=reduction)(*xs),
             [a, pos, neg], [1, 1, 1], dtype)


def test_legacy_reduction_arguments():
    x, y = rng.standard_normal((3, 4)), _signs((3, 4))
    for name in ("hinge_embedding_loss", "soft_margin_loss", "multilabel_soft_margin_loss", "kl_div"):
        g, t = _both(name)
        _compare(lambda a, s: g(a, s, size_average=False), lambda a, s: t(a, s, size_average=False), [x, y],
                 [1, 0])
        _compare(lambda a, s: g(a, s, reduce=False), lambda a, s: t(a, s, reduce=False), [x, y], [1, 0])


def test_reprs():
    pairs = [(nn.KLDivLoss(log_target=True), torch.nn.KLDivLoss(log_target=True)),
             (nn.PoissonNLLLoss(False), torch.nn.PoissonNLLLoss(False)),
             (nn.GaussianNLLLoss(full=True), torch.nn.GaussianNLLLoss(full=True)),
             (nn.MarginRankingLoss(0.5), torch.nn.MarginRankingLoss(0.5)),
             (nn.HingeEmbeddingLoss(2.0), torch.nn.HingeEmbeddingLoss(2.0)),
             (nn.SoftMarginLoss(), torch.nn.SoftMarginLoss()),
             (nn.MultiLabelSoftMarginLoss(), torch.nn.MultiLabelSoftMarginLoss()),
             (nn.MultiMarginLoss(2), torch.nn.MultiMarginLoss(2)),
             (nn.TripletMarginLoss(swap=True), torch.nn.TripletMarginLoss(swap=True))]
    for g, t in pairs:
        assert repr(g) == repr(t)
        public = {k: v for k, v in vars(t).items() if not k.startswith("_") and k != "training"}
        assert {k: getattr(g, k) for k in public} == public
    w = glassgrad.ones(5)
    assert "weight" in nn.MultiMarginLoss(weight=w).state_dict()


def test_margin_errors():
    def pair(name, *arrays, **kwargs):
        g, t = _both(name)
        _raises_like(lambda: g(*[glassgrad.tensor(a) for a in arrays], **kwargs),
                     lambda: t(*[torch.tensor(a) for a in arrays], **kwargs))

    f = np.zeros((3, 5), "f4")
    pair("triplet_margin_loss", f, np.zeros(5, "f4"), f)
    pair("triplet_margin_loss", f, f, f, margin=0.0)
    pair("margin_ranking_loss", np.zeros(3, "f4"), np.zeros((3, 1), "f4"), np.zeros(3, "f4"))
    pair("multi_margin_loss", f, np.array([0, 5, 1]))
    pair("multi_margin_loss", f, np.array([0, 1, 1]), p=3)
    pair("multi_margin_loss", f, np.array([0, 1]))
    pair("multi_margin_loss", f, np.array([0.0, 1.0, 1.0]))
    pair("multi_margin_loss", f, np.array([0, 1, 1]), weight=np.ones(4, "f4"))
    pair("multi_margin_loss", f, np.array([0, 1, 1]), weight=np.ones((5, 1), "f4"))
    pair("soft_margin_loss", f, np.zeros((3, 4), "f4"))
    pair("hinge_embedding_loss", f, np.zeros((3, 4), "f4"))
    pair("multilabel_soft_margin_loss", f, f, reduction="x")
    pair("soft_margin_loss", f, f, reduction="x")
    for g, t in [(lambda: nn.MultiMarginLoss(p=3), lambda: torch.nn.MultiMarginLoss(p=3)),
                 (lambda: nn.TripletMarginLoss(margin=0), lambda: torch.nn.TripletMarginLoss(margin=0)),
                 (lambda: nn.MultiMarginLoss(weight=glassgrad.ones(2, 2)),
                  lambda: torch.nn.MultiMarginLoss(weight=torch.ones(2, 2)))]:
        _raises_like(g, t)
