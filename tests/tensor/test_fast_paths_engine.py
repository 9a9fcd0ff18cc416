"""Issue 13's fast paths in Function.apply and Tensor iteration give what PyTorch gives.

Each case runs the same code on glassgrad and torch and compares values, gradients, grad_fn names,
next_functions and version errors: a fast path that skipped a step would show up as a difference.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

import glassgrad


def _name(node):
    return None if node is None else type(node).__name__


def test_iterating_a_tensor_that_requires_grad_records_unbind_as_pytorch():
    for M in (glassgrad, torch):
        x = M.tensor([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]], requires_grad=True)
        rows = list(x)
        assert [_name(r.grad_fn) for r in rows] == ["UnbindBackward0"] * 3, M
        assert _name(rows[0].grad_fn.next_functions[0][0]) == "AccumulateGrad", M
        assert rows[1]._base is x, M
        (rows[1] * 2 + rows[2]).sum().backward()
        if M is glassgrad:
            ours = x.grad.numpy()
        else:
            np.testing.assert_array_equal(ours, x.grad.numpy())


def test_iterating_without_grad_gives_views_with_no_history():
    for M in (glassgrad, torch):
        x = M.tensor([3, 1, 2])
        rows = list(x)
        assert all(r.grad_fn is None and r.ndim == 0 for r in rows), M
        x[1] = 7  # a view shares its base's memory
        assert int(rows[1]) == 7, M


def test_one_input_op_records_one_edge_and_its_saved_output_version():
    for M in (glassgrad, torch):
        w = M.tensor([0.5, -1.0], requires_grad=True)
        y = w.sigmoid()
        assert [(_name(n), i) for n, i in y.grad_fn.next_functions] == [("AccumulateGrad", 0)], M
        y.add_(1)  # sigmoid saved its output: backward must refuse
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            y.sum().backward()


def test_two_input_ops_with_numbers_and_constants_match_pytorch():
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((3, 4)), rng.standard_normal((4,))
    out = {}
    for M in (glassgrad, torch):
        x, c = M.tensor(a, requires_grad=True), M.tensor(b)
        y = ((x * 1.5 + c).sigmoid() - 0.5) * c
        nexts = [[_name(n) for n, _ in node.next_functions]
                 for node in (y.grad_fn, y.grad_fn.next_functions[0][0])]
        y.sum().backward()
        out[M] = (y.detach().numpy(), x.grad.numpy(), nexts)
    np.testing.assert_allclose(out[glassgrad][0], out[torch][0], rtol=1e-12)
    np.testing.assert_allclose(out[glassgrad][1], out[torch][1], rtol=1e-12)
    assert out[glassgrad][2] == out[torch][2]


def test_no_grad_arithmetic_on_0d_int_tensors_keeps_dtype_and_indexes():
    for M in (glassgrad, torch):
        data = M.arange(100)
        i = M.tensor([5, 9])[1]
        j = i + 64
        assert j.dtype == M.int64 and j.ndim == 0 and j.grad_fn is None, M
        assert data[i:j].tolist() == list(range(9, 73)), M


def test_0d_int_plus_python_int_matches_pytorch_at_the_edges():
    for M in (glassgrad, torch):
        top = M.tensor([2 ** 63 - 1])[0]
        assert (top + 1).item() == -2 ** 63, M  # wraps around, as PyTorch's int64
        assert (5 + M.tensor(3)).dtype == M.int64 and (5 + M.tensor(3)).item() == 8, M
        assert (M.tensor(3, dtype=M.int32) + 1).dtype == M.int32, M
        assert (M.tensor(3) + True).item() == 4, M


def test_0d_int_plus_python_int_is_timed_while_profiling():
    with glassgrad.autograd.profiler.profile() as prof:
        glassgrad.tensor(3) + 64
    assert [e.name for e in prof.function_events if e.name.startswith("aten::add")] == ["aten::add"]


def test_stack_along_each_axis_matches_pytorch():
    rng = np.random.default_rng(1)
    for shape in [(), (3,), (2, 3), (2, 3, 4)]:
        arrays = [rng.standard_normal(shape) for _ in range(3)]
        for dim in range(-len(shape) - 1, len(shape) + 1):
            ours = glassgrad.stack([glassgrad.tensor(a, requires_grad=True) for a in arrays], dim)
            theirs = torch.stack([torch.tensor(a) for a in arrays], dim)
            assert ours.shape == tuple(theirs.shape)
            np.testing.assert_array_equal(ours.detach().numpy(), theirs.numpy())
            ours.backward(glassgrad.ones_like(ours))  # every input gets its slice back
