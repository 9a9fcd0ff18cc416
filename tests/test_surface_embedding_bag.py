"""F.embedding_bag / nn.EmbeddingBag against PyTorch: sum, mean and max bags from offsets (empty bags,
include_last_offset, padding_idx) and from 2-D input, per_sample_weights, max_norm; values in float32
and float64, gradients of the table and the sample weights, grad_fn names, reprs and errors."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import glassgrad
import glassgrad.nn as nn
import glassgrad.nn.functional as F

rng = np.random.default_rng(0)
TF = torch.nn.functional
FLAT = np.array([1, 2, 4, 5, 4, 3, 2, 9])
CASES = [(FLAT, np.array([0, 4]), {}),
         (FLAT, np.array([0, 4, 4]), {}),                       # an empty bag: zeros
         (FLAT, np.array([0, 3, 3, 8]), dict(include_last_offset=True)),
         (FLAT, np.array([0, 4, 4]), dict(padding_idx=4)),
         (np.array([4, 4, 1]), np.array([0, 2]), dict(padding_idx=-6)),  # a bag of padding only
         (np.array([[1, 2, 4], [5, 4, 3]]), None, {})]


def _run(lib, fn, idx, offsets, weight, psw, dtype, **kwargs):
    w = lib.tensor(weight.astype(dtype), requires_grad=True)
    p = None if psw is None else lib.tensor(psw.astype(dtype), requires_grad=True)
    out = fn(lib.tensor(idx), w, None if offsets is None else lib.tensor(offsets), per_sample_weights=p, **kwargs)
    return out, w, p


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("idx,offsets,kwargs", CASES)
@pytest.mark.parametrize("mode,weighted", [("sum", False), ("sum", True), ("mean", False), ("max", False)])
def test_embedding_bag(dtype, idx, offsets, kwargs, mode, weighted):
    weight = rng.standard_normal((10, 3))
    psw = rng.standard_normal(idx.shape) if weighted else None
    go, gw, gp = _run(glassgrad, F.embedding_bag, idx, offsets, weight, psw, dtype, mode=mode, **kwargs)
    to, tw, tp = _run(torch, TF.embedding_bag, idx, offsets, weight, psw, dtype, mode=mode, **kwargs)
    tol = dict(rtol=1e-10, atol=1e-12) if dtype == "float64" else dict(rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(go.detach().numpy(), to.detach().numpy(), **tol)
    assert go.detach().numpy().dtype == to.detach().numpy().dtype
    assert go.grad_fn.name() == to.grad_fn.name()
    u = rng.standard_normal(tuple(to.shape)).astype(dtype)
    (go * glassgrad.tensor(u)).sum().backward()
    (to * torch.tensor(u)).sum().backward()
    np.testing.assert_allclose(gw.grad.numpy(), tw.grad.numpy(), **tol)
    if weighted:
        np.testing.assert_allclose(gp.grad.numpy(), tp.grad.numpy(), **tol)


def test_max_norm_renormalises_the_rows_looked_up():
    weight = rng.standard_normal((10, 3)) * 3
    go, gw, _ = _run(glassgrad, F.embedding_bag, FLAT, np.array([0, 4]), weight, None, "float64", max_norm=1.0)
    to, tw, _ = _run(torch, TF.embedding_bag, FLAT, np.array([0, 4]), weight, None, "float64", max_norm=1.0)
    np.testing.assert_allclose(go.detach().numpy(), to.detach().numpy(), rtol=1e-10)
    np.testing.assert_allclose(gw.detach().numpy(), tw.detach().numpy(), rtol=1e-10)


@pytest.mark.parametrize("kwargs", [{}, dict(mode="sum", padding_idx=2), dict(mode="max", max_norm=1.5, norm_type=1.0),
                                    dict(include_last_offset=True, scale_grad_by_freq=True)])
def test_module(kwargs):
    g, t = nn.EmbeddingBag(10, 3, **kwargs), torch.nn.EmbeddingBag(10, 3, **kwargs)
    assert repr(g) == repr(t)
    public = {k: v for k, v in vars(t).items() if not k.startswith("_") and k != "training"}
    assert {k: getattr(g, k) for k in public} == public
    assert tuple(g.weight.shape) == tuple(t.weight.shape)
    if "padding_idx" in kwargs:
        assert not g.weight.detach().numpy()[2].any()


def test_module_forward_and_from_pretrained():
    table = rng.standard_normal((6, 4)).astype("float32")
    g = nn.EmbeddingBag.from_pretrained(glassgrad.tensor(table), mode="sum")
    t = torch.nn.EmbeddingBag.from_pretrained(torch.tensor(table), mode="sum")
    assert g.weight.requires_grad == t.weight.requires_grad is False
    idx, off, w = np.array([0, 5, 2, 2]), np.array([0, 1]), rng.standard_normal(4).astype("float32")
    np.testing.assert_allclose(g(glassgrad.tensor(idx), glassgrad.tensor(off), glassgrad.tensor(w)).numpy(),
                               t(torch.tensor(idx), torch.tensor(off), torch.tensor(w)).numpy(), rtol=1e-6)


@pytest.mark.parametrize("call", [
    lambda m, lib: m.embedding_bag(lib.tensor([1, 2]), lib.randn(5, 2)),
    lambda m, lib: m.embedding_bag(lib.tensor([[1, 2]]), lib.randn(5, 2), lib.tensor([0])),
    lambda m, lib: m.embedding_bag(lib.tensor([1, 2]), lib.randn(5, 2), lib.tensor([[0]])),
    lambda m, lib: m.embedding_bag(lib.tensor([1, 2]), lib.randn(5), lib.tensor([0])),
    lambda m, lib: m.embedding_bag(lib.tensor([1, 2]), lib.randn(5, 2), lib.tensor([0]), mode="min"),
    lambda m, lib: m.embedding_bag(lib.tensor([1, 2]), lib.randn(5, 2), lib.tensor([0]), mode="mean",
                                   per_sample_weights=lib.ones(2)),
    lambda m, lib: m.embedding_bag(lib.tensor([1, 2]), lib.randn(5, 2), lib.tensor([0]), mode="sum",
                                   per_sample_weights=lib.ones(3)),
    lambda m, lib: m.embedding_bag(lib.tensor([1, 2]), lib.randn(5, 2), lib.tensor([0]), mode="max",
                                   scale_grad_by_freq=True),
    lambda m, lib: m.embedding_bag(lib.tensor([1, 2]), lib.randn(5, 2), lib.tensor([1])),
    lambda m, lib: m.embedding_bag(lib.tensor([1, 7]), lib.randn(5, 2), lib.tensor([0])),
    lambda m, lib: m.embedding_bag(lib.tensor([1.0, 2.0]), lib.randn(5, 2), lib.tensor([0])),
    lambda m, lib: m.embedding_bag(lib.tensor([1, 2]), lib.randn(5, 2), lib.tensor([0, 3])),
])
def test_errors(call):
    with pytest.raises(Exception) as expected:
        call(TF, torch)
    with pytest.raises(type(expected.value)) as got:
        call(F, glassgrad)
    assert str(got.value).replace("glassgrad", "torch") == str(expected.value)
