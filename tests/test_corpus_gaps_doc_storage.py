"""Tensor.resize_ / resize_as_ (old code reshapes a buffer it then refills: ``label.resize_(n).fill_(1)``),
found by running PyTorch's own docstring examples on glassgrad; compared with PyTorch. Elements a resize
adds are uninitialised in PyTorch, so only the kept ones are compared."""

import numpy as np
import pytest
import torch

import glassgrad as gg


@pytest.mark.parametrize("start,new", [((6,), (2, 2)), ((2, 3), (3, 2)), ((2, 3), (6,)), ((0,), (4,)), ((4,), (4,))])
def test_resize_keeps_the_first_elements_in_the_new_shape(start, new):
    results = []
    for lib in (gg, torch):
        x = lib.arange(float(np.prod(start))).reshape(start).clone()
        returned = x.resize_(*new)
        assert returned is x
        results.append(x)
    ours, theirs = results
    assert tuple(ours.shape) == tuple(theirs.shape) == new
    kept = min(int(np.prod(start)), int(np.prod(new)))
    np.testing.assert_array_equal(ours.numpy().reshape(-1)[:kept], theirs.numpy().reshape(-1)[:kept])


def test_shrink_then_grow_gets_the_old_elements_back():
    results = []
    for lib in (gg, torch):
        x = lib.arange(6.0)
        x.resize_(2, 2)
        x.resize_((3, 2))
        results.append(x.numpy().copy())
    np.testing.assert_array_equal(*results)


def test_resize_then_fill_and_resize_as():
    results = []
    for lib in (gg, torch):
        label = lib.empty(0)
        label.resize_(5).fill_(1.0)
        other = lib.zeros(3).resize_as_(lib.ones(1, 3))
        results.append((label.numpy().copy(), tuple(other.shape)))
    np.testing.assert_array_equal(results[0][0], results[1][0])
    assert results[0][1] == results[1][1]


def test_resize_refuses_a_tensor_that_requires_grad():
    for lib in (gg, torch):
        with pytest.raises(RuntimeError, match="cannot resize variables that require grad"):
            lib.ones(2, requires_grad=True).resize_(3)
