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


def test_is_storage_matches_pytorch():
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # TypedStorage's deprecation
        for lib in (gg, torch):
            x = lib.ones(3)
            assert lib.is_storage(x.untyped_storage()) and lib.is_storage(x.storage())
            assert not lib.is_storage(x) and not lib.is_storage([1.0])


@pytest.mark.parametrize("size,layout", [((2, 3, 5, 7), (0, 2, 3, 1)), ((2, 3), (1, 0)), ((4,), (0,)),
                                         ((2, 3, 4), (2, 0, 1))])
def test_empty_permuted_lays_dimensions_out_in_the_asked_order(size, layout):
    ours, theirs = gg.empty_permuted(size, layout), torch.empty_permuted(size, layout)
    assert tuple(ours.shape) == tuple(theirs.shape) and ours.stride() == theirs.stride()
    assert gg.empty_permuted(size, layout, dtype=gg.int64).dtype == gg.int64


def test_empty_permuted_errors_match_pytorch():
    for lib in (gg, torch):
        with pytest.raises(RuntimeError, match="Duplicate dim not allowed"):
            lib.empty_permuted((2, 3), (0, 0))
        with pytest.raises(RuntimeError, match="does not match the length of the physical_layout"):
            lib.empty_permuted((2, 3), (0,))


@pytest.mark.parametrize("size,fill_value", [(5, -1), (2, 9), (0, -1), (4, 7)])
def test_nonzero_static_pads_or_cuts_to_size(size, fill_value):
    data = [[0, 1], [2, 0], [3, 4]]
    ours = gg.nonzero_static(gg.tensor(data), size=size, fill_value=fill_value)
    theirs = torch.nonzero_static(torch.tensor(data), size=size, fill_value=fill_value)
    assert str(ours.dtype).split(".")[-1] == str(theirs.dtype).split(".")[-1]
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    np.testing.assert_array_equal(gg.tensor([1.0, 0.0]).nonzero_static(size=3).numpy(),
                                  torch.tensor([1.0, 0.0]).nonzero_static(size=3).numpy())
    for lib in (gg, torch):
        with pytest.raises(RuntimeError, match="'size' must be an non-negative integer"):
            lib.nonzero_static(lib.tensor(data), size=-1)
