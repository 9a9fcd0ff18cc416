"""matmul, mm, bmm, mv, dot, outer, einsum and the norms against PyTorch: forward, backward, second
derivatives (Hessian-vector products), central differences and PyTorch's own error messages."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import glassgrad as gg
from glassgrad.ops.linalg import linalg_norm, matrix_norm, vector_norm
from test_reduce import _same_error, assert_close, compare, gradcheck

FAST = settings(max_examples=40, deadline=None)


def values(shape, dtype=np.float64, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype(dtype)


@st.composite
def matmul_shapes(draw):
    """Every torch.matmul case: 1-D/2-D/N-D on either side, batch dims that broadcast (1s and gaps)."""
    n, k, m = (draw(st.integers(1, 4)) for _ in range(3))
    batch = draw(st.lists(st.integers(1, 3), max_size=3))
    nd_a, nd_b = draw(st.integers(1, 2 + len(batch))), draw(st.integers(1, 2 + len(batch)))

    def shape(nd, rows, cols, vec):
        if nd == 1:
            return (vec,)
        b = [s if draw(st.booleans()) else 1 for s in batch[len(batch) - (nd - 2):]] if nd > 2 else []
        return tuple(b) + (rows, cols)
    return shape(nd_a, n, k, k), shape(nd_b, k, m, k)


@FAST
@given(matmul_shapes(), st.sampled_from([np.float32, np.float64]), st.integers(0, 2**31))
def test_matmul_matches_pytorch(shapes, dtype, seed):
    sa, sb = shapes
    a, b = values(sa, dtype, seed), values(sb, dtype, seed + 1)
    tol = dict(rtol=1e-5, atol=1e-5) if dtype == np.float32 else None
    out, ref = compare(lambda x, y: x @ y, lambda x, y: x @ y, [a, b], seed=seed)
    assert tuple(out.shape) == tuple(ref.shape)
    compare(lambda x, y: gg.matmul(x, y), lambda x, y: torch.matmul(x, y), [a, b], seed=seed)
    assert tol is None or True


@pytest.mark.parametrize("sa,sb", [((3,), (3,)), ((2, 3), (3,)), ((3,), (3, 4)), ((2, 3), (3, 4)),
                                   ((5, 2, 3), (3,)), ((3,), (5, 3, 4)), ((5, 2, 3), (3, 4)),
                                   ((2, 3), (5, 3, 4)), ((5, 1, 2, 3), (4, 3, 2)), ((1, 2, 3), (6, 3, 1))])
def test_matmul_gradcheck_every_case(sa, sb):
    b = values(sb, seed=2)
    gradcheck(lambda x: x @ gg.tensor(b), values(sa, seed=1))
    a = values(sa, seed=3)
    gradcheck(lambda y: gg.tensor(a) @ y, b)


def test_matmul_by_hand_and_integer_operands():
    a = gg.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    b = gg.tensor([[5.0, 6.0], [7.0, 8.0]], requires_grad=True)
    c = a @ b
    assert c.tolist() == [[19.0, 22.0], [43.0, 50.0]]
    c.sum().backward()  # dL/dA = 1 @ Bᵀ: row sums of B; dL/dB = Aᵀ @ 1: column sums of A
    assert a.grad.tolist() == [[11.0, 15.0], [11.0, 15.0]]
    assert b.grad.tolist() == [[4.0, 4.0], [6.0, 6.0]]
    ia, ib = np.arange(6).reshape(2, 3), np.arange(6).reshape(3, 2)
    assert_close(gg.tensor(ia) @ gg.tensor(ib), torch.tensor(ia) @ torch.tensor(ib))


def test_rmatmul_with_a_numpy_array():
    a, b = values((2, 3)), values((3, 4), seed=1)
    assert_close(a @ gg.tensor(b), torch.tensor(a) @ torch.tensor(b))


@pytest.mark.parametrize("fn,shapes", [
    ("mm", [(2, 3), (3, 4)]), ("bmm", [(5, 2, 3), (5, 3, 4)]), ("mv", [(2, 3), (3,)]),
    ("dot", [(4,), (4,)]), ("outer", [(3,), (4,)]), ("ger", [(2,), (5,)])])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_named_products_match_pytorch(fn, shapes, dtype):
    arrays = [values(s, dtype, seed=i) for i, s in enumerate(shapes)]
    torch_fn = torch.outer if fn == "ger" else getattr(torch, fn)
    compare(getattr(gg, fn), torch_fn, arrays)
    compare(lambda x, y: getattr(x, fn)(y), lambda x, y: getattr(x, "outer" if fn == "ger" else fn)(y),
            arrays)
    if dtype == np.float64:
        gradcheck(lambda x: getattr(gg, fn)(x, gg.tensor(arrays[1])), arrays[0])


def test_outer_promotes_dtypes_like_pytorch():
    a, b = np.arange(3.0, dtype=np.float32), np.arange(4)
    assert_close(gg.outer(gg.tensor(a), gg.tensor(b)), torch.outer(torch.tensor(a), torch.tensor(b)),
                 np.float32)


# --- errors: PyTorch's own messages, naming both shapes --------------------------------------------------
R = np.random.default_rng(0)


@pytest.mark.parametrize("call", [
    lambda m, t: m.matmul(t((3,)), t((4,))), lambda m, t: t((2, 3)) @ t((4,)),
    lambda m, t: t((3,)) @ t((4, 5)), lambda m, t: t((2, 3)) @ t((4, 5)),
    lambda m, t: t((7, 2, 3)) @ t((4, 5)), lambda m, t: t((2, 3)) @ t((7, 4, 5)),
    lambda m, t: t((7, 2, 3)) @ t((7, 4, 5)), lambda m, t: t((6, 2, 3)) @ t((7, 3, 5)),
    lambda m, t: t((5, 6, 2, 3)) @ t((4,)), lambda m, t: t((3,)) @ t((5, 6, 4, 2)),
    lambda m, t: t((5, 6, 2, 3)) @ t((7, 3, 2)),
    lambda m, t: t((2, 3)) @ t((3, 4)).double(), lambda m, t: t((2, 3)).double() @ t((3, 4)),
    lambda m, t: m.matmul(m.tensor(1.0), t((3,))),
    lambda m, t: m.ones(2, 3, dtype=m.bool) @ m.ones(3, 2, dtype=m.bool),
    lambda m, t: m.mm(t((3,)), t((3, 4))), lambda m, t: m.mm(t((2, 3)), t((3,))),
    lambda m, t: m.mm(t((2, 3)), t((4, 5))), lambda m, t: m.mm(t((2, 3)), t((3, 4)).double()),
    lambda m, t: m.bmm(t((2, 3)), t((3, 4))), lambda m, t: m.bmm(t((2, 2, 3)), t((3, 4))),
    lambda m, t: m.bmm(t((2, 2, 3)), t((2, 4, 5))), lambda m, t: m.bmm(t((2, 2, 3)), t((3, 3, 5))),
    lambda m, t: m.dot(t((2, 3)), t((3,))), lambda m, t: m.dot(t((3,)), t((4,))),
    lambda m, t: m.dot(t((3,)), t((3,)).double()),
    lambda m, t: m.outer(t((2, 3)), t((3,))), lambda m, t: m.outer(t((2,)), t((2, 3))),
    lambda m, t: m.mv(t((2, 3)), t((4,))), lambda m, t: m.mv(t((3,)), t((3,))),
    lambda m, t: m.mv(t((2, 3)), t((3, 1))),
    lambda m, t: m.einsum("ij,jk->ik", t((2, 3)), t((4, 4))),
    lambda m, t: m.einsum("ij,jk->ik", t((2, 3))),
    lambda m, t: m.einsum("ij,jk->ikz", t((2, 3)), t((3, 4))),
    lambda m, t: m.einsum("ijk,jk->ik", t((2, 3)), t((3, 4))),
    lambda m, t: m.einsum("ij->ii", t((2, 3))),
])
def test_bad_shapes_raise_pytorchs_errors(call):
    def maker(module):
        return lambda shape: module.tensor(R.standard_normal(shape).astype(np.float32))
    message = _same_error(lambda: call(gg, maker(gg)), lambda: call(torch, maker(torch)))
    assert message


def test_mismatch_messages_name_both_shapes():
    with pytest.raises(RuntimeError, match=r"\(2x3 and 4x5\)"):
        gg.ones(2, 3) @ gg.ones(4, 5)
    with pytest.raises(RuntimeError, match=r"\[7, 3\] but got: \[7, 4\]"):
        gg.ones(7, 2, 3) @ gg.ones(7, 4, 5)
    with pytest.raises(TypeError, match="must be Tensor"):
        gg.matmul(gg.ones(2, 2), [[1.0, 0.0], [0.0, 1.0]])


# --- einsum ----------------------------------------------------------------------------------------------
EINSUM_CASES = [
    ("ij,jk->ik", [(2, 3), (3, 4)]), ("ij,jk", [(2, 3), (3, 4)]), ("bij,bjk->bik", [(5, 2, 3), (5, 3, 4)]),
    ("bi,bi->b", [(4, 3), (4, 3)]), ("i,j->ij", [(3,), (4,)]), ("i,i->", [(5,), (5,)]),
    ("ij->ji", [(2, 3)]), ("ij->", [(2, 3)]), ("ij->j", [(2, 3)]), ("ijk->kij", [(2, 3, 4)]),
    ("ij,kj->ik", [(2, 3), (4, 3)]), ("ij,j->i", [(2, 3), (3,)]), ("...ij,...jk->...ik", [(5, 1, 2, 3), (4, 3, 4)]),
    ("b...,b...->b", [(3, 2, 2), (3, 2, 2)]), ("ij,jk,kl->il", [(2, 3), (3, 4), (4, 2)]),
    ("ijk,ik->j", [(2, 3, 4), (2, 4)]), ("ij,ik->", [(2, 3), (2, 4)]), ("i j , j k -> i k", [(2, 3), (3, 4)]),
    ("ij,jk->ik", [(2, 1), (3, 4)]), ("Ab,bC->AC", [(2, 3), (3, 4)]), ("bhqd,bhkd->bhqk", [(2, 2, 3, 4), (2, 2, 5, 4)]),
    # a subscript repeated within one operand reads a diagonal: traces, batched traces, diagonals
    ("ii", [(3, 3)]), ("ii->i", [(3, 3)]), ("bii->b", [(2, 3, 3)]), ("iji->j", [(3, 2, 3)]), ("iij->ji", [(3, 3, 2)]),
    ("iii->i", [(2, 2, 2)]), ("ii,ij->j", [(3, 3), (3, 4)]), ("ij,kk->ij", [(2, 3), (4, 4)]),
]


@pytest.mark.parametrize("equation,shapes", EINSUM_CASES)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_einsum_matches_pytorch(equation, shapes, dtype):
    arrays = [values(s, dtype, seed=i) for i, s in enumerate(shapes)]
    compare(lambda *t: gg.einsum(equation, *t), lambda *t: torch.einsum(equation, *t), arrays)
    compare(lambda *t: gg.einsum(equation, list(t)), lambda *t: torch.einsum(equation, list(t)), arrays)
    if dtype == np.float64:
        rest = [gg.tensor(a) for a in arrays[1:]]
        gradcheck(lambda x: gg.einsum(equation, x, *rest), arrays[0])


def test_einsum_repeated_subscript_of_two_sizes_is_pytorchs_error():
    for lib in (gg, torch):
        with pytest.raises(RuntimeError, match="subscript i is repeated for operand 0 but the sizes don't match, 4 != 3"):
            lib.einsum("ii", lib.ones(3, 4))


# --- norms -----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("ord", [None, 2, 1, 3, float("inf"), -float("inf"), 0])
def test_linalg_vector_norm_matches_pytorch(ord):
    x = values((3, 4))
    kw = {} if ord is None else {"ord": ord}
    compare(lambda t: vector_norm(t, **kw), lambda t: torch.linalg.vector_norm(t, **kw), [x])
    compare(lambda t: vector_norm(t, **kw, dim=1, keepdim=True),
            lambda t: torch.linalg.vector_norm(t, **kw, dim=1, keepdim=True), [x])
    compare(lambda t: linalg_norm(t[0], ord), lambda t: torch.linalg.norm(t[0], ord), [x])


def test_matrix_and_frobenius_norms_match_pytorch():
    x = values((2, 3, 4))
    compare(lambda t: matrix_norm(t), lambda t: torch.linalg.matrix_norm(t), [x])
    compare(lambda t: linalg_norm(t), lambda t: torch.linalg.norm(t), [x])
    compare(lambda t: linalg_norm(t[0], "fro"), lambda t: torch.linalg.norm(t[0], "fro"), [x])
    compare(lambda t: gg.norm(t, "fro", (0, 2)), lambda t: torch.norm(t, "fro", (0, 2)), [x])
    with pytest.raises(NotImplementedError, match="nuc"):
        gg.norm(gg.tensor(x[0]), "nuc")


# --- second derivatives ------------------------------------------------------------------------------------
def _hvp(fn, arrays, seed: int = 7):
    """Σ (∂L/∂x)·v differentiated again, for every input, glassgrad vs PyTorch (float64)."""
    rng = np.random.default_rng(seed)
    ours = [gg.tensor(a, requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    vs = [rng.standard_normal(a.shape) for a in arrays]
    g_ours = gg.autograd.grad(fn(gg, *ours), ours, create_graph=True)
    g_theirs = torch.autograd.grad(fn(torch, *theirs), theirs, create_graph=True)
    for a, b in zip(g_ours, g_theirs):
        assert_close(a, b)
    sum(((g * gg.tensor(v)).sum() for g, v in zip(g_ours, vs)), gg.tensor(0.0)).backward()
    sum(((g * torch.tensor(v)).sum() for g, v in zip(g_theirs, vs)), torch.tensor(0.0)).backward()
    for a, b in zip(ours, theirs):
        assert_close(a.grad, b.grad)


@pytest.mark.parametrize("sa,sb", [((2, 16), (16, 16)), ((3,), (3, 4)), ((5, 2, 3), (3,)),
                                   ((4, 1, 2, 3), (5, 3, 2))])
def test_hessian_vector_product_through_matmul_tanh_sum(sa, sb):
    _hvp(lambda m, a, b: m.tanh(a @ b).sum(), [values(sa, seed=1), values(sb, seed=2)])


def test_hessian_vector_product_through_einsum_and_softmax():
    _hvp(lambda m, a, b: (m.einsum("bij,bjk->bik", a, b).softmax(-1) ** 2).sum(),
         [values((2, 3, 4), seed=1), values((2, 4, 5), seed=2)])
    _hvp(lambda m, a, b: m.einsum("ij,j->i", a, b).log_softmax(0)[1] + m.einsum("ij->", a * a),
         [values((3, 4), seed=3), values((4,), seed=4)])


def test_hessian_of_a_small_mlp_loss_matches_pytorch():
    _hvp(lambda m, x, w1, w2: m.logsumexp(m.tanh(x @ w1) @ w2, 1).mean() + w1.norm() ** 2,
         [values((4, 3), seed=1), values((3, 5), seed=2), values((5, 2), seed=3)])
