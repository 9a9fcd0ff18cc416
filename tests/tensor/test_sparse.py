"""Sparse COO tensors against PyTorch: construction, to_dense / to_sparse, coalesce of duplicates,
sparse @ dense forward and backward (to the dense operand and to the values), printing and errors."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import glassgrad as gg
from glassgrad import dtypes

pytestmark = pytest.mark.filterwarnings("ignore:Sparse invariant checks")

INDICES = [[0, 1, 1, 0], [2, 0, 2, 2]]  # (0, 2) appears twice: its values add up
VALUES = [3.0, 4.0, 5.0, -1.5]


def pair(indices=INDICES, values=VALUES, size=(2, 3), **kwargs):
    ours = {k: getattr(gg, str(v).split(".")[1]) if k == "dtype" else v for k, v in kwargs.items()}
    return (gg.sparse_coo_tensor(indices, gg.tensor(values), size, **ours),
            torch.sparse_coo_tensor(torch.tensor(indices), torch.tensor(values), size, **kwargs))


def same(a, b):
    assert a.shape == tuple(b.shape) and str(a.dtype).split(".")[1] == str(b.dtype).split(".")[1]
    np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-6, atol=1e-6)


def test_layout_shape_and_parts():
    s, t = pair()
    assert s.is_sparse and not gg.ones(2).is_sparse
    assert s.layout is gg.sparse_coo and gg.ones(2).layout is gg.strided
    assert s.shape == t.shape and s.dim() == 2 and s.numel() == t.numel() and s._nnz() == t._nnz()
    assert s.dtype == gg.float32 and not s.is_coalesced()
    same(s._indices(), t._indices())
    same(s._values(), t._values())
    same(s.to_dense(), t.to_dense())


def test_coalesce_sums_duplicates():
    s, t = pair()
    c, d = s.coalesce(), t.coalesce()
    assert c.is_coalesced() and c._nnz() == d._nnz() == 3
    same(c.indices(), d.indices())
    same(c.values(), d.values())
    assert c.coalesce() is c


def test_to_sparse_round_trip_and_on_sparse():
    x = np.array([[0.0, 1.5, 0.0], [-2.0, 0.0, 3.0]], np.float32)
    s, t = gg.tensor(x).to_sparse(), torch.tensor(x).to_sparse()
    assert s.is_coalesced() and s._nnz() == t._nnz()
    same(s.indices(), t.indices())
    same(s.values(), t.values())
    same(s.to_dense(), t.to_dense())
    assert s.to_sparse() is s


def test_dtype_argument_casts_values_and_default_size():
    s, t = pair(dtype=torch.int64)
    assert s.dtype == gg.int64
    same(s.to_dense(), t.to_dense())
    u, v = gg.sparse_coo_tensor(INDICES, gg.tensor(VALUES)), torch.sparse_coo_tensor(
        torch.tensor(INDICES), torch.tensor(VALUES))
    assert u.shape == v.shape == (2, 3)


def test_arithmetic_transpose_and_casts():
    s, t = pair()
    same((s * 2).to_dense(), (t * 2).to_dense())
    same((3 * s).to_dense(), (3 * t).to_dense())
    same((s / 2).to_dense(), (t / 2).to_dense())
    same((-s).to_dense(), (-t).to_dense())
    same((s + s).to_dense(), (t + t).to_dense())
    same(s.t().to_dense(), t.t().to_dense())
    same(s.double().to_dense(), t.double().to_dense())
    same(s.to(gg.int64).to_dense(), t.to(torch.int64).to_dense())
    assert s.float() is not None and s.to(device="cpu") is s
    dense = np.arange(6, dtype=np.float32).reshape(2, 3)
    same(gg.tensor(dense) + s, torch.tensor(dense) + t)  # dense + sparse is dense
    same(gg.eye(3)[:2] + pair(dtype=torch.int64)[0], torch.eye(3)[:2] + pair(dtype=torch.int64)[1])
    same(gg.sparse.sum(s), torch.sparse.sum(t))


@pytest.mark.parametrize("how", ["sparse.mm", "spmm", "mm", "matmul", "@"])
def test_sparse_times_dense_forward_and_backward(how):
    rng = np.random.default_rng(0)
    d = rng.standard_normal((3, 4)).astype(np.float32)
    g = rng.standard_normal((2, 4)).astype(np.float32)
    results = []
    for lib, make in ((gg, gg.tensor), (torch, torch.tensor)):
        values = make(VALUES, requires_grad=True)
        s = lib.sparse_coo_tensor(make(INDICES), values, (2, 3))
        dense = make(d, requires_grad=True)
        f = {"sparse.mm": lib.sparse.mm, "spmm": lib.spmm, "mm": lib.mm, "matmul": lib.matmul,
             "@": lambda a, b: a @ b}[how]
        out = f(s, dense)
        out.backward(make(g))
        results.append((out, dense.grad, values.grad, out.grad_fn.name()))
    (o1, dg1, vg1, n1), (o2, dg2, vg2, n2) = results
    same(o1, o2)
    same(dg1, dg2)  # Sᵀ g
    same(vg1, vg2)  # g[r]·D[c] for each stored entry
    assert n1 == n2


def test_dense_times_sparse():
    s, t = pair()
    d = np.random.default_rng(1).standard_normal((4, 2)).astype(np.float32)
    same(gg.tensor(d) @ s, torch.tensor(d) @ t)
    same(gg.mm(gg.tensor(d), s), torch.mm(torch.tensor(d), t))


def test_gradient_of_a_sparse_leaf_is_on_its_pattern():
    s = gg.sparse_coo_tensor(INDICES, gg.tensor(VALUES), (2, 3), requires_grad=True)
    assert s.is_leaf and s.requires_grad and s.grad is None
    gg.sparse.mm(s, gg.ones(3, 2)).sum().backward()
    t = torch.sparse_coo_tensor(torch.tensor(INDICES), torch.tensor(VALUES), (2, 3), requires_grad=True)
    torch.sparse.mm(t, torch.ones(3, 2)).sum().backward()
    assert s.grad.is_sparse and t.grad.is_sparse
    same(s.grad.to_dense(), t.grad.to_dense())


def test_gradients_through_to_sparse_to_dense_and_coalesce():
    x = np.array([[0.0, 1.5, 0.0], [-2.0, 0.0, 3.0]], np.float32)
    w = np.arange(6, dtype=np.float32).reshape(2, 3)
    grads = []
    for make in (gg.tensor, torch.tensor):
        a = make(x, requires_grad=True)
        (a.to_sparse().coalesce().to_dense() * make(w)).sum().backward()
        grads.append(a.grad)
    same(*grads)
    values = []
    for lib, make in ((gg, gg.tensor), (torch, torch.tensor)):
        v = make(VALUES, requires_grad=True)
        s = lib.sparse_coo_tensor(make(INDICES), v, (2, 3)).coalesce()
        (s.to_dense() * make(w)).sum().backward()
        values.append(v.grad)
    same(*values)


@pytest.mark.parametrize("dtype", [None, torch.float64, torch.int32])
def test_printing_matches_pytorch(dtype, monkeypatch):
    monkeypatch.setattr(dtypes, "SHOWN_AS", "torch")
    kwargs = {} if dtype is None else {"dtype": dtype}
    s, t = pair(**kwargs)
    assert repr(s) == repr(t)
    s, t = pair(requires_grad=True) if dtype is None else (s.coalesce(), t.coalesce())
    assert repr(s) == repr(t)
    empty = (gg.sparse_coo_tensor(np.zeros((2, 0), np.int64), gg.zeros(0), (2, 2)),
             torch.sparse_coo_tensor(torch.zeros(2, 0, dtype=torch.long), torch.zeros(0), (2, 2)))
    assert repr(empty[0]) == repr(empty[1])
    v = torch.tensor(VALUES, requires_grad=True)
    assert repr(gg.sparse_coo_tensor(INDICES, gg.tensor(VALUES, requires_grad=True), (2, 3))) == repr(
        torch.sparse_coo_tensor(torch.tensor(INDICES), v, (2, 3)))
    assert repr(gg.sparse_coo) == "torch.sparse_coo" and repr(gg.strided) == "torch.strided"


def _raises_like(f_gg, f_torch):
    with pytest.raises(Exception) as want:
        f_torch()
    with pytest.raises(type(want.value)) as got:
        f_gg()
    assert str(got.value).split("\n")[0][:120] == str(want.value).split("\n")[0][:120]


@pytest.mark.parametrize("call", [
    lambda lib, s: s.view(3, 2), lambda lib, s: s.reshape(3, 2), lambda lib, s: s.indices(),
    lambda lib, s: s.values(), lambda lib, s: s.numpy(), lambda lib, s: s + lib.ones(2, 3),
    lambda lib, s: s.exp(), lambda lib, s: lib.mm(s, lib.ones(2, 2)),
    lambda lib, s: lib.mm(s, lib.ones(3, 2, dtype=lib.float64)), lambda lib, s: s + s.t(),
    lambda lib, s: lib.ones(2).indices(), lambda lib, s: lib.ones(2).coalesce(),
    lambda lib, s: lib.ones(2).values(), lambda lib, s: lib.ones(2)._nnz(),
    lambda lib, s: lib.sparse_coo_tensor(lib.tensor(INDICES), lib.tensor(VALUES[:2]), (2, 3)),
])
def test_errors_match_pytorch(call):
    s, t = pair()
    _raises_like(lambda: call(gg, s), lambda: call(torch, t))


def test_out_of_range_index_is_refused_as_pytorch_checks_it():
    with pytest.raises(RuntimeError, match="size is inconsistent with indices: for dim 0, size is 1 but "
                                           "found index 1"):
        gg.sparse_coo_tensor(INDICES, gg.tensor(VALUES), (1, 3))
    with pytest.raises(RuntimeError, match="for dim 0, size is 1 but found index 1"):
        torch.sparse_coo_tensor(torch.tensor(INDICES), torch.tensor(VALUES), (1, 3), check_invariants=True)
