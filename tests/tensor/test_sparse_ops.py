"""Sparse COO against PyTorch, beyond test_sparse.py: torch.sparse.sum over dims, indexing a sparse
tensor (x[0], x[:, 2], x[0, 2]) and sparse @ sparse (torch.sparse.mm of two sparse matrices, and @):
values, gradients where PyTorch gives them, PyTorch's errors where it refuses."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import glassgrad as gg

pytestmark = pytest.mark.filterwarnings("ignore:Sparse invariant checks")

INDICES = [[0, 1, 1, 0], [2, 0, 2, 2]]              # (0, 2) twice: an uncoalesced tensor
VALUES = [3.0, 4.0, 5.0, -1.5]
HYBRID = [[1.0, 2.0], [3.0, 4.0], [5.0, 6.0], [7.0, 8.0]]   # the same positions, a dense dim of 2


def pair(indices=INDICES, values=VALUES, size=(2, 3), requires_grad=False, coalesced=False):
    ours = gg.sparse_coo_tensor(indices, gg.tensor(values), size, requires_grad=requires_grad)
    theirs = torch.sparse_coo_tensor(torch.tensor(indices), torch.tensor(values), size,
                                     requires_grad=requires_grad)
    if coalesced:
        ours, theirs = ours.detach().coalesce(), theirs.detach().coalesce()
        if requires_grad:
            ours.requires_grad_(), theirs.requires_grad_()
    return ours, theirs


def random_pair(rng, size, nnz, dense=(), requires_grad=True):
    indices = np.stack([rng.integers(0, n, nnz) for n in size]).tolist()
    values = rng.normal(size=(nnz,) + dense).round(3).tolist()
    return pair(indices, values, tuple(size) + dense, requires_grad)


def assert_same(ours, theirs):
    """Same layout, shape, dtype and numbers; a sparse pair also the same stored indices and values."""
    assert ours.is_sparse == theirs.is_sparse and tuple(ours.shape) == tuple(theirs.shape)
    assert str(ours.dtype).split(".")[1] == str(theirs.dtype).split(".")[1]
    if theirs.is_sparse:
        np.testing.assert_array_equal(ours._indices().numpy(), theirs._indices().numpy())
        np.testing.assert_allclose(ours._values().detach().numpy(), theirs._values().detach().numpy(),
                                   rtol=1e-6, atol=1e-6)
    else:
        np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=1e-6, atol=1e-6)


def dense(x):
    return x.to_dense() if x.is_sparse else x


def weighted_sum(lib, out, seed=0):
    """A loss that gives each output element its own weight, so a gradient sent to a wrong place shows."""
    weights = np.random.default_rng(seed).normal(size=tuple(out.shape)).astype(np.float32)
    return (dense(out) * lib.tensor(weights)).sum()


def assert_same_grad(s, t):
    np.testing.assert_allclose(dense(s.grad).numpy(), dense(t.grad).numpy(), rtol=1e-5, atol=1e-5)


def raises_like(ours, theirs):
    with pytest.raises(Exception) as want:
        theirs()
    with pytest.raises(type(want.value)) as got:
        ours()
    assert str(got.value).split("\n")[0][:150] == str(want.value).split("\n")[0][:150]


# --- torch.sparse.sum(x, dim) -----------------------------------------------------------------------
@pytest.mark.parametrize("values, size", [(VALUES, (2, 3)), (HYBRID, (2, 3, 2))])
@pytest.mark.parametrize("dim", [0, 1, -1, (0, 1), (1, 0), [], 2, (0, 2), (1, 2), (0, 1, 2)])
def test_sparse_sum_over_dims_values_and_gradient(values, size, dim):
    if any(d >= len(size) for d in np.atleast_1d(dim)):
        return
    s, t = pair(values=values, size=size, requires_grad=True)
    out_s, out_t = gg.sparse.sum(s, dim), torch.sparse.sum(t, dim)
    assert_same(out_s, out_t)
    assert out_s.grad_fn.name() == out_t.grad_fn.name() == "SparseSumBackward0"
    if out_t.is_sparse:
        assert out_s.is_coalesced() == out_t.is_coalesced()
    weighted_sum(gg, out_s).backward()
    weighted_sum(torch, out_t).backward()
    assert_same_grad(s, t)


def test_sparse_sum_of_random_tensors_with_duplicates():
    rng = np.random.default_rng(5)
    for trial in range(20):
        size = tuple(rng.integers(1, 5, 3))
        s, t = random_pair(rng, size, int(rng.integers(0, 12)))
        dims = tuple(int(d) for d in rng.choice(3, int(rng.integers(1, 3)), replace=False))
        out_s, out_t = gg.sparse.sum(s, dims), torch.sparse.sum(t, dims)
        assert_same(out_s, out_t)
        weighted_sum(gg, out_s, trial).backward()
        weighted_sum(torch, out_t, trial).backward()
        assert_same_grad(s, t)


def test_sparse_sum_everything_and_dtype_and_no_entries():
    s, t = pair()
    assert_same(gg.sparse.sum(s), torch.sparse.sum(t))
    assert_same(gg.sparse.sum(s, 0, dtype=gg.float64), torch.sparse.sum(t, 0, dtype=torch.float64))
    assert_same(gg.sparse.sum(s, dtype=gg.float64), torch.sparse.sum(t, dtype=torch.float64))
    e, f = pair([[], []], [], (2, 3))
    assert_same(gg.sparse.sum(e, 0), torch.sparse.sum(f, 0))
    assert_same(gg.sparse.sum(e, (0, 1)), torch.sparse.sum(f, (0, 1)))


@pytest.mark.parametrize("call", [lambda lib, s: lib.sparse.sum(s, 2), lambda lib, s: lib.sparse.sum(s, -3),
                                  lambda lib, s: lib.sparse.sum(s, (0, 0)),
                                  lambda lib, s: lib.sparse.sum(s, (1, -1)),
                                  lambda lib, s: lib.sparse.sum(lib.ones(2, 3), 0),
                                  lambda lib, s: lib.sparse.sum(lib.ones(2, 3))])
def test_sparse_sum_errors_are_pytorchs(call):
    s, t = pair()
    raises_like(lambda: call(gg, s), lambda: call(torch, t))


@pytest.mark.parametrize("dim, keepdim", [(0, False), (1, False), (1, True), ((0, 1), True), ((0, 1), False)])
def test_tensor_sum_over_a_dim_forward_is_pytorchs(dim, keepdim):
    s, t = pair()
    assert_same(s.sum(dim, keepdim=keepdim), t.sum(dim, keepdim=keepdim))
    h, u = pair(values=HYBRID, size=(2, 3, 2))
    assert_same(h.sum(dim, keepdim=keepdim), u.sum(dim, keepdim=keepdim))
    assert_same(h.sum(2, keepdim=keepdim), u.sum(2, keepdim=keepdim))


def test_tensor_sum_over_a_dim_refuses_its_gradient():
    """PyTorch's SumBackward1 refuses a sparse result's gradient; for a dense result it spreads the
    gradient over every position (not only the entries), which glassgrad refuses, naming sparse.sum."""
    s, t = pair(requires_grad=True)
    out_s, out_t = s.sum(0), t.sum(0)
    assert out_s.grad_fn.name() == out_t.grad_fn.name() == "SumBackward1"
    raises_like(lambda: gg.sparse.sum(out_s).backward(), lambda: torch.sparse.sum(out_t).backward())
    t.sum((0, 1), keepdim=True).sum().backward()
    assert (t.grad == 1).all()  # every position, the ones without an entry too
    with pytest.raises(NotImplementedError, match="torch.sparse.sum"):
        s.sum((0, 1), keepdim=True).sum().backward()


# --- indexing ------------------------------------------------------------------------------------
INDEXES_2D = [0, 1, -1, -2, (0, 2), (1, 0), (slice(None), 2), (slice(None), 0), (-1, -1)]
INDEXES_3D = [0, 1, (0, 2), (slice(None), 2), (slice(None), slice(None), 1), (0, 2, 1), (1, slice(None), 0),
              (slice(None), 1, 0)]


@pytest.mark.parametrize("coalesced", [False, True])
@pytest.mark.parametrize("values, size, index", [(VALUES, (2, 3), i) for i in INDEXES_2D]
                         + [(HYBRID, (2, 3, 2), i) for i in INDEXES_3D])
def test_indexing_is_pytorchs(values, size, index, coalesced):
    s, t = pair(values=values, size=size, coalesced=coalesced)
    out_s, out_t = s[index], t[index]
    assert_same(out_s, out_t)


@pytest.mark.parametrize("values, size, index", [(VALUES, (2, 3), (0, 2)), (VALUES, (2, 3), (1, -1)),
                                                 (HYBRID, (2, 3, 2), (0, 2)), (HYBRID, (2, 3, 2), (1, 0, 1))])
def test_an_element_gets_pytorchs_gradient(values, size, index):
    s, t = pair(values=values, size=size, requires_grad=True)
    out_s, out_t = s[index], t[index]
    assert out_s.grad_fn.name() == out_t.grad_fn.name() == "SelectBackward0"
    weighted_sum(gg, out_s).backward()
    weighted_sum(torch, out_t).backward()
    assert_same_grad(s, t)


@pytest.mark.parametrize("index", [0, (slice(None), 2)])
def test_a_sparse_slice_refuses_its_gradient_as_pytorch(index):
    s, t = pair(requires_grad=True)
    out_s, out_t = s[index], t[index]
    assert out_s.grad_fn.name() == out_t.grad_fn.name() == "SelectBackward0"
    raises_like(lambda: gg.sparse.sum(out_s).backward(), lambda: torch.sparse.sum(out_t).backward())


def test_an_element_without_an_entry_refuses_its_gradient():
    """PyTorch's dense gradient puts a 1 at (0, 0), where the tensor keeps no entry (and so no
    gradient in glassgrad): a clear error instead of a silently different gradient."""
    s, _ = pair(requires_grad=True)
    assert s[0, 0].item() == 0
    with pytest.raises(NotImplementedError, match="no entry"):
        s[0, 0].backward()


def test_select_method_is_pytorchs():
    s, t = pair(values=HYBRID, size=(2, 3, 2))
    for dim, index in [(0, 1), (1, 2), (2, 0), (-1, 1), (1, -3)]:
        assert_same(s.select(dim, index), t.select(dim, index))


@pytest.mark.parametrize("call", [lambda s: s[2], lambda s: s[-3], lambda s: s[:, 3], lambda s: s[0, 0, 0],
                                  lambda s: s[0:1], lambda s: s[:, 0:1], lambda s: s[...], lambda s: s[:, :],
                                  lambda s: s.select(0, 2), lambda s: s.select(2, 0)])
def test_indexing_errors_are_pytorchs(call):
    s, t = pair()
    raises_like(lambda: call(s), lambda: call(t))


def test_indexing_with_a_tensor_is_refused_as_pytorch():
    s, t = pair()
    raises_like(lambda: s[gg.tensor([1, 0])], lambda: t[torch.tensor([1, 0])])


# --- sparse @ sparse -------------------------------------------------------------------------------
B_INDICES, B_VALUES = [[0, 2, 2, 1], [1, 0, 1, 1]], [1.0, 2.0, -3.0, 0.5]


@pytest.mark.parametrize("how", ["sparse.mm", "@", "mm", "spmm", "method"])
def test_sparse_times_sparse_values(how):
    (a, t_a), (b, t_b) = pair(), pair(B_INDICES, B_VALUES, (3, 2))
    call = {"sparse.mm": lambda lib, x, y: lib.sparse.mm(x, y), "@": lambda lib, x, y: x @ y,
            "mm": lambda lib, x, y: lib.mm(x, y), "spmm": lambda lib, x, y: lib.spmm(x, y),
            "method": lambda lib, x, y: x.mm(y)}[how]
    out, want = call(gg, a, b), call(torch, t_a, t_b)
    assert_same(out, want)
    assert out.is_coalesced() == want.is_coalesced()


def test_sparse_mm_of_two_sparse_gradients_are_pytorchs():
    (a, t_a), (b, t_b) = pair(requires_grad=True), pair(B_INDICES, B_VALUES, (3, 2), requires_grad=True)
    out, want = gg.sparse.mm(a, b), torch.sparse.mm(t_a, t_b)
    assert out.grad_fn.name() == want.grad_fn.name() == "SparseSparseMatmulBackward0"
    weighted_sum(gg, out).backward()
    weighted_sum(torch, want).backward()
    assert_same_grad(a, t_a)
    assert_same_grad(b, t_b)


def test_sparse_mm_of_random_sparse_matrices():
    rng = np.random.default_rng(7)
    for trial in range(20):
        n, m, p = (int(k) for k in rng.integers(1, 6, 3))
        a, t_a = random_pair(rng, (n, m), int(rng.integers(0, 10)))
        b, t_b = random_pair(rng, (m, p), int(rng.integers(0, 10)))
        out, want = gg.sparse.mm(a, b), torch.sparse.mm(t_a, t_b)
        assert_same(out, want)
        weighted_sum(gg, out, trial).backward()
        weighted_sum(torch, want, trial).backward()
        assert_same_grad(a, t_a)
        assert_same_grad(b, t_b)


def test_sparse_times_sparse_through_matmul_refuses_its_gradient():
    """PyTorch's MmBackward0 gives A the gradient g @ B.T at every position; glassgrad keeps a sparse
    gradient on the entries, so it says so and points at torch.sparse.mm."""
    (a, t_a), (b, t_b) = pair(requires_grad=True), pair(B_INDICES, B_VALUES, (3, 2), requires_grad=True)
    weighted_sum(torch, t_a @ t_b).backward()
    assert t_a.grad.coalesce()._nnz() > t_a.detach().coalesce()._nnz()  # beyond A's entries
    out = a @ b
    assert out.grad_fn.name() == "MmBackward0"
    with pytest.raises(NotImplementedError, match="torch.sparse.mm"):
        weighted_sum(gg, out).backward()


@pytest.mark.parametrize("other", [
    lambda lib: lib.sparse_coo_tensor(lib.tensor([[0], [0]]), lib.tensor([1.0]), (2, 2)),
    lambda lib: lib.sparse_coo_tensor(lib.tensor([[0], [0]]), lib.tensor([1.0], dtype=lib.float64), (3, 2)),
    lambda lib: lib.sparse_coo_tensor(lib.tensor([[0], [0], [0]]), lib.tensor([1.0]), (3, 2, 2)),
    lambda lib: lib.sparse_coo_tensor(lib.tensor([[0, 0]]), lib.tensor([1.0, 2.0]), (3,))])
@pytest.mark.parametrize("how", ["sparse.mm", "@"])
def test_sparse_times_sparse_errors_are_pytorchs(other, how):
    s, t = pair()
    call = (lambda lib, x, y: lib.sparse.mm(x, y)) if how == "sparse.mm" else (lambda lib, x, y: x @ y)
    raises_like(lambda: call(gg, s, other(gg)), lambda: call(torch, t, other(torch)))


def test_sparse_times_sparse_with_no_meeting_entries():
    (a, t_a), (b, t_b) = pair(), pair([[1], [0]], [2.0], (3, 4))
    assert_same(gg.sparse.mm(a, b), torch.sparse.mm(t_a, t_b))
    (e, t_e), (f, t_f) = pair([[], []], [], (2, 3)), pair([[], []], [], (3, 0))
    assert_same(gg.sparse.mm(e, f), torch.sparse.mm(t_e, t_f))
