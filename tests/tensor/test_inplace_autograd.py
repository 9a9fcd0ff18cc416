"""In-place writes that autograd records (glassgrad/ops/inplace.py, ops/indexing.py's setitem,
Tensor._apply_inplace) against PyTorch: ``x[i] = y``, ``x[i] += y``, ``x[mask] = v`` and in-place ops
through views of a non-leaf — values, gradients, grad_fn names and the version-counter errors; also
``contiguous()`` after ``transpose`` and scatter/gather with a 0-d index."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import glassgrad
from glassgrad.ops.inplace import view_positions

TOL = dict(rtol=1e-12, atol=1e-12)


def _name(node) -> str | None:
    # PyTorch's C++ nodes answer name() with their namespace (torch::autograd::CopySlices); glassgrad's
    # with the class name, as its repr does (grad_fn=<CopySlices>) and as AccumulateGrad already is.
    return None if node is None else node.name().replace("torch::autograd::", "")


def side_by_side(fn, *arrays, seed: int = 0):
    """Run ``fn(module, *leaves) -> (out, named)`` on glassgrad and torch with the same float64 leaves;
    compare out's values, the grad_fn names of the tensors in ``named``, and the leaves' gradients for
    the same random upstream gradient."""
    g_leaves = [glassgrad.tensor(a, dtype=glassgrad.float64, requires_grad=True) for a in arrays]
    t_leaves = [torch.tensor(a, dtype=torch.float64, requires_grad=True) for a in arrays]
    g_out, g_named = fn(glassgrad, *g_leaves)
    t_out, t_named = fn(torch, *t_leaves)
    np.testing.assert_allclose(g_out.detach().numpy(), t_out.detach().numpy(), **TOL)
    assert [_name(t.grad_fn) for t in g_named] == [_name(t.grad_fn) for t in t_named]
    w = np.random.default_rng(seed).standard_normal(tuple(t_out.shape))
    (g_out * glassgrad.tensor(w)).sum().backward()
    (t_out * torch.tensor(w)).sum().backward()
    for g, t in zip(g_leaves, t_leaves, strict=True):
        if t.grad is None:
            assert g.grad is None
        else:
            np.testing.assert_allclose(g.grad.numpy(), t.grad.numpy(), **TOL)


rng = np.random.default_rng(0)
A4 = rng.standard_normal(4)
A6 = rng.standard_normal(6)
A23 = rng.standard_normal((2, 3))
A2 = rng.standard_normal(2)
A3 = rng.standard_normal(3)


# --- x[key] = y -----------------------------------------------------------------------------------------
def test_setitem_value_requires_grad_into_plain_tensor():
    def f(M, w):  # makemore part 5: logits[i] = model(x) row by row
        logits = M.zeros(2, 3, dtype=M.float64)
        logits[0] = w * 2
        logits[1] = w.exp()
        return logits, [logits]
    side_by_side(f, A3)


def test_setitem_mask_on_non_leaf():
    def f(M, w):  # d2l's masked_softmax: X[~mask] = -1e6 on the attention scores
        x = w * 2
        x[M.tensor([True, False, True, False])] = -1e6
        return x.softmax(0), [x]
    side_by_side(f, A4)


def test_setitem_advanced_index_with_value_requiring_grad():
    def f(M, w, y):
        x = w * 1
        x[M.tensor([0, 2])] = y * 3
        return x, [x]
    side_by_side(f, A4, A2)


def test_setitem_scalar_basic_and_list_index():
    def f(M, w):
        x = w * 1
        x[1] = 5.0
        x[[0, 3]] = 7.0
        return x * x, [x]
    side_by_side(f, A4)


def test_setitem_int_beside_index_array_is_a_copy_into_a_view():
    def f(M, w, y):
        x = (w * 1).view(2, 3)
        x[0, [2, 0]] = y * 10
        return x, [x]
    side_by_side(f, A6, A2)


def test_setitem_into_a_view_of_a_non_leaf():
    def f(M, w, y):
        x = w.view(2, 3) * 1
        row = x[1]
        row[1:] = y * 4
        return x * row.sum(), [x, row]
    side_by_side(f, A6, A2)


def test_an_older_view_of_the_base_sees_the_write():
    def f(M, w, y):
        x = (w * 1).view(2, 3)  # x is a view of the hidden tensor w * 1
        row = x[1]
        row[1:] = y * 4         # writes into w * 1: x must now read the new history
        return x, [x]
    side_by_side(f, A6, A2)


def test_an_older_view_sees_a_write_into_its_base():
    def f(M, w, y):
        base = w * 1
        first = base[:2]        # made before the base changes
        base[1] = y[0] * 3      # a direct write into the base
        return first * 2, [first]
    side_by_side(f, A4, A2[:1])


def test_an_older_view_of_a_base_without_grad_gains_the_written_history():
    def f(M, w, y):
        base = M.zeros(4)       # needs no grad until the write
        part = base[1:3]
        base[2] = y[0] * w[0]
        return part * 1, [part]
    side_by_side(f, A4, A2)


def test_setitem_through_a_transposed_view_of_the_base():
    def f(M, w, y):
        base = w.view(2, 3) * 1  # a root tensor that is in the graph
        base.t()[1] = y * 2
        return base, [base]
    side_by_side(f, A6, A2)


def test_setitem_basic_keys_with_ellipsis_none_and_steps():
    def f(M, w, y):
        x = w.view(2, 3) * 1
        x[..., 0] = y * 2
        x[None, 1, ::2] = y * 3
        x[0, 1] = y[0] * 4
        return x, [x]
    side_by_side(f, A6, A2)


def test_setitem_value_with_leading_ones_and_broadcast():
    def f(M, w, y):
        x = M.zeros(3, 2, dtype=M.float64)
        x[0] = w.view(1, 2)
        x[1:] = y.view(1, 1)  # one value broadcast over four places
        return x, [x]
    side_by_side(f, A2, rng.standard_normal(1))


def test_setitem_repeated_index_gives_each_copy_the_gradient():
    def f(M, w):
        x = M.zeros(3, dtype=M.float64)
        x[[1, 1]] = w * 1  # last write wins; PyTorch's backward hands g[1] to both
        return x, [x]
    side_by_side(f, np.array([2.0, 2.0]))  # equal values: the winner doesn't depend on the order


# --- x[key] op= y ----------------------------------------------------------------------------------------
def test_view_iadd_with_value_requiring_grad():
    def f(M, v):  # makemore part 4: dC[ix] += demb[k, j]
        dC = M.zeros(3, 2, dtype=M.float64)
        for ix in (M.tensor(1), M.tensor(2), M.tensor(1)):
            dC[ix] += v * 1
        return dC, [dC]
    side_by_side(f, A2)


def test_advanced_index_isub_on_non_leaf():
    def f(M, w):  # makemore part 4: dlogits[range(n), Yb] -= 1
        dlogits = w.view(2, 3) * 2  # (a softmax here: PyTorch too refuses, it saved its output)
        dlogits[range(2), M.tensor([2, 0])] -= 1
        return dlogits, [dlogits]
    side_by_side(f, A6)


def test_mask_from_itself_set_to_zero():
    def f(M, w):  # h[h < 0] = 0
        h = w * 3 - 0.1
        h[h < 0] = 0
        return h, [h]
    side_by_side(f, A6)


def test_column_imul_through_a_view_of_a_reshaped_tensor():
    def f(M, w, y):
        x = (w * 1).view(3, 2)
        x[:, 1] *= y
        return x, [x]
    side_by_side(f, A6, A3)


def test_iadd_of_a_constant_through_a_view():
    def f(M, w):
        x = w * 1
        v = x[1:3]
        v += M.ones(2, dtype=M.float64)
        return x * v.sum(), [x, v]
    side_by_side(f, A4)


# --- in-place ops on non-leaves and their views ------------------------------------------------------------
def test_mul_on_non_leaf_and_on_its_view():
    def f(M, w):
        x = w * 2
        x.mul_(2)
        v = x[1:3]
        v.mul_(3)
        return x, [x, v]
    side_by_side(f, A4)


def test_zero_fill_copy_through_views():
    def f(M, w, y):
        x = w.view(2, 3) * 1
        x[0].zero_()
        x[1, :1].fill_(4.0)
        x[1, 1:].copy_(y * 5)
        return x, [x]
    side_by_side(f, A6, A2)


def test_write_into_a_view_of_a_plain_tensor_carries_the_gradient():
    def f(M, y):
        x = M.zeros(4, dtype=M.float64)
        x[1:3].add_(y)
        return x, [x]
    side_by_side(f, A2)


def test_next_functions_of_copy_slices():
    for M in (glassgrad, torch):
        w = M.ones(3, requires_grad=True)
        x = M.zeros(3)
        x[0] = w[0]
        nexts = [None if n is None else _name(n) for n, _ in x.grad_fn.next_functions]
        assert nexts == [None, "SelectBackward0"], M


def test_versions_move_on_with_each_write():
    g, t = glassgrad.zeros(3), torch.zeros(3)
    for M, x in ((glassgrad, g), (torch, t)):
        x[0] = 1.0
        x[1:].mul_(2)
    assert g._version == t._version == 2


# --- what stays refused ---------------------------------------------------------------------------------
@pytest.mark.parametrize("write", [
    lambda w: w.__setitem__(0, 2.0),
    lambda w: w[1:].mul_(2),
    lambda w: w[0].__setitem__(0, 1.0),
    lambda w: w[:2].zero_(),
])
def test_leaves_that_require_grad_and_their_views_are_refused(write):
    for M in (glassgrad, torch):
        w = M.ones(2, 3, requires_grad=True)
        with pytest.raises(RuntimeError, match=r"leaf Variable that requires grad is being used in an "
                                               r"in-place operation"):
            write(w)


def test_view_of_a_leaf_made_under_no_grad_is_refused():
    for M in (glassgrad, torch):
        w = M.ones(3, requires_grad=True)
        with M.no_grad():
            v = w[1:]
        with pytest.raises(RuntimeError, match="in-?place"):
            v[0] = 1.0


def test_no_grad_writes_into_leaves_are_allowed():
    for M in (glassgrad, torch):
        w = M.ones(3, requires_grad=True)
        with M.no_grad():
            w[0] = 5.0
            w[1:].mul_(2)
        assert w.tolist() == [5.0, 2.0, 2.0] and w.is_leaf and w.grad_fn is None


@pytest.mark.parametrize("write", [
    lambda h: h.__setitem__(h < 0.5, 0.0),  # tanh saved its output
    lambda h: h[1:].mul_(2),
    lambda h: h.__setitem__(0, 1.0),
])
def test_a_backward_that_saved_the_old_numbers_refuses(write):
    for M in (glassgrad, torch):
        w = M.tensor([0.1, 0.7, 0.9], requires_grad=True)
        h = w.tanh()
        write(h)
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            h.sum().backward()


# --- where a view lies in its base ------------------------------------------------------------------------
def test_view_positions_in_contiguous_and_strided_bases():
    base = np.arange(24.0).reshape(4, 6)
    for view in (base[1], base[:, 2], base[1:3, ::2], base.T[2:4], base[3, 5:]):
        pos = view_positions(view, base)
        np.testing.assert_array_equal(base.reshape(-1)[pos], view)
    strided = np.arange(24.0).reshape(6, 4).T  # a base whose own layout is not row-major
    for view in (strided[1], strided[:, 2:5], strided[::2, ::3]):
        pos = view_positions(view, strided)
        np.testing.assert_array_equal(strided.reshape(-1)[pos], view)


# --- contiguous() ---------------------------------------------------------------------------------------
def test_contiguous_after_transpose_accepts_view():
    def f(M, w):  # nanoGPT: y.transpose(1, 2).contiguous().view(B, T, C)
        y = (w * 1).view(1, 2, 3)
        z = y.transpose(1, 2).contiguous()
        return z.view(1, 6), [z]
    side_by_side(f, A6)
    for M in (glassgrad, torch):
        x = M.arange(6.0).view(2, 3)
        assert x.contiguous() is x
        with pytest.raises(RuntimeError):
            x.t().view(6)


# --- scatter / gather with a 0-d index ----------------------------------------------------------------------
def test_scatter_with_0d_index_writes_one_place():
    for M in (glassgrad, torch):
        assert M.zeros(10).scatter_(0, M.tensor(3), value=1).tolist() == [0.0] * 3 + [1.0] + [0.0] * 6
        assert M.zeros(4).scatter_add(0, M.tensor(2), M.tensor(5.0)).tolist() == [0.0, 0.0, 5.0, 0.0]
        assert M.arange(5.0).gather(0, M.tensor(3)).tolist() == 3.0
        assert M.tensor(1.0).scatter(0, M.tensor(0), 5.0).tolist() == 5.0

    def f(M, w, s):
        return (w * 1).scatter(0, M.tensor(1), s.sum()), []
    side_by_side(f, A4, A2)
