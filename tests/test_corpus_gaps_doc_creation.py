"""Gaps found by running PyTorch's own docstring examples on glassgrad: torch.range (deprecated, end
included), torch.asarray (shares memory when it can), one-element integer tensors as sizes,
``out=`` on the logical ops and comparisons, and masked_scatter with a mask larger than the tensor.
Each is compared with PyTorch."""

import warnings

import numpy as np
import pytest
import torch

import glassgrad as gg


def same(ours, theirs):
    assert str(ours.dtype).split(".")[-1] == str(theirs.dtype).split(".")[-1]
    assert tuple(ours.shape) == tuple(theirs.shape)
    np.testing.assert_array_equal(ours.detach().numpy(), theirs.detach().numpy())


@pytest.mark.parametrize("args,kwargs", [((1, 4), {}), ((1, 2, 0.3), {}), ((0, 3), {"dtype": "int64"}),
                                         ((5, 1, -2), {}), ((0.5, 2.5, 0.5), {"dtype": "float64"})])
def test_range_includes_end_and_warns(args, kwargs):
    results = []
    for lib in (gg, torch):
        kw = {k: getattr(lib, v) for k, v in kwargs.items()}
        with pytest.warns(UserWarning, match="torch.range is deprecated"):
            results.append(lib.range(*args, **kw))
    same(*results)


def test_range_errors_match_pytorch():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for lib in (gg, torch):
            with pytest.raises(RuntimeError, match="step must be nonzero"):
                lib.range(1, 4, 0)
            with pytest.raises(RuntimeError, match="inconsistent with step sign"):
                lib.range(4, 1)


def test_asarray_shares_memory_when_no_conversion_is_needed():
    for lib in (gg, torch):
        source = np.arange(3.0)
        shared = lib.asarray(source)
        source[0] = 7.0
        assert shared[0].item() == 7.0
        assert str(shared.dtype).endswith("float64")
        copied = lib.asarray(source, copy=True)
        source[1] = 9.0
        assert copied[1].item() == 1.0
        t = lib.ones(2)
        assert lib.asarray(t) is t
        with pytest.raises(ValueError, match="can't alias"):
            lib.asarray(np.ones(2), copy=False, dtype=lib.float32)


@pytest.mark.parametrize("make", [lambda lib: lib.asarray([1, 2]), lambda lib: lib.asarray(3.5),
                                  lambda lib: lib.asarray([[1.0, 2.0]], dtype=lib.float64),
                                  lambda lib: lib.asarray(lib.ones(2), dtype=lib.int64),
                                  lambda lib: lib.asarray(np.array([True, False]))])
def test_asarray_values_and_dtypes(make):
    same(make(gg), make(torch))


@pytest.mark.parametrize("make", [lambda lib: lib.zeros(lib.tensor(3)),
                                  lambda lib: lib.ones((lib.tensor(2), 3)),
                                  lambda lib: lib.full((lib.tensor([2]), 2), 1.5),
                                  lambda lib: lib.empty(lib.tensor(2), 1).shape and lib.zeros(lib.tensor(2), 1)])
def test_one_element_integer_tensors_are_sizes(make):
    same(make(gg), make(torch))


def test_randint_size_from_a_tensor_sum():
    """CTC-style code: size=(sum(lengths),) where sum() over a tensor gives a 0-d tensor."""
    shapes = []
    for lib in (gg, torch):
        lengths = lib.tensor([3, 4])
        shapes.append(tuple(lib.randint(1, 5, size=(sum(lengths),)).shape))
    assert shapes[0] == shapes[1] == (7,)


def test_a_float_tensor_is_not_a_size():
    for lib in (gg, torch):
        with pytest.raises(TypeError):
            lib.zeros(lib.tensor(2.0))


@pytest.mark.parametrize("name", ["logical_and", "logical_or", "logical_xor", "eq", "lt"])
@pytest.mark.parametrize("out_dtype", ["bool", "float32", "int16"])
def test_binary_logic_writes_into_out(name, out_dtype):
    a, b = [0.0, 1.0, -2.0, 3.0], [1.0, 1.0, 0.0, 5.0]
    results = []
    for lib in (gg, torch):
        out = lib.empty(4, dtype=getattr(lib, out_dtype))
        returned = getattr(lib, name)(lib.tensor(a), lib.tensor(b), out=out)
        assert returned is out
        results.append(out)
    same(*results)


def test_logical_not_writes_into_out():
    results = []
    for lib in (gg, torch):
        out = lib.empty(3, dtype=lib.int16)
        assert lib.logical_not(lib.tensor([0.0, 1.0, -10.0], dtype=lib.float64), out=out) is out
        results.append(out)
    same(*results)


def test_masked_scatter_with_a_wider_mask_broadcasts_and_differentiates():
    results = []
    for lib in (gg, torch):
        x = lib.tensor([0.0, 0.0, 0.0, 0.0, 0.0], requires_grad=True)
        mask = lib.tensor([[0, 0, 0, 1, 1], [1, 1, 0, 1, 1]], dtype=lib.bool)
        source = lib.arange(10.0).reshape(2, 5).requires_grad_()
        out = x.masked_scatter(mask, source)
        (out * lib.arange(10.0).reshape(2, 5)).sum().backward()
        results.append((out, x.grad, source.grad))
    for ours, theirs in zip(*results):
        same(ours, theirs)


def test_masked_scatter_shape_error_names_the_sizes():
    messages = []
    for lib in (gg, torch):
        with pytest.raises(RuntimeError, match="must match the size") as info:
            lib.zeros(3).masked_scatter(lib.ones(2, 4, dtype=lib.bool), lib.ones(8))
        messages.append(str(info.value).split(" (shapes")[0])
    assert messages[0] == messages[1]


def test_asarray_of_a_tensor_keeps_or_drops_its_graph_as_asked():
    for lib in (gg, torch):
        a = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
        b = a + 2
        detached = lib.asarray(b, requires_grad=False)
        assert detached is not b and not detached.requires_grad and detached.grad_fn is None
        assert lib.asarray(b, requires_grad=True) is b
        with pytest.warns(UserWarning, match="unspecified requires_grad now defaults to obj.requires_grad"):
            assert lib.asarray(b) is b
        leaf = lib.tensor([1.0, 2.0])
        assert lib.asarray(leaf, requires_grad=True) is leaf and leaf.requires_grad
        assert type(lib.asarray(a, copy=True, requires_grad=True).grad_fn).__name__ == "CloneBackward0"
        converted = lib.asarray(a, dtype=lib.float64, requires_grad=True)
        assert type(converted.grad_fn).__name__ == "ToCopyBackward0"
        converted.sum().backward()
        np.testing.assert_array_equal(a.grad.numpy(), np.ones(3, np.float32))


def test_frombuffer_shares_a_writable_buffer():
    import array
    results = []
    for lib in (gg, torch):
        buffer = array.array("i", [1, 2, 3])
        t = lib.frombuffer(buffer, dtype=lib.int32)
        buffer[0] = 9
        results.append(t)
    same(*results)


@pytest.mark.parametrize("kwargs", [{"dtype": "uint8", "offset": 1, "count": 2}, {"dtype": "int16"},
                                    {"dtype": "float32", "offset": 4}, {"dtype": "uint8", "count": 3}])
def test_frombuffer_offsets_counts_and_dtypes(kwargs):
    data = bytes(range(1, 13))
    results = []
    for lib in (gg, torch):
        kw = dict(kwargs, dtype=getattr(lib, kwargs["dtype"]))
        results.append(lib.frombuffer(bytearray(data), **kw))
    same(*results)


@pytest.mark.parametrize("args,kwargs,message", [
    ((bytearray(3),), {"dtype": "int16"}, "must be a multiple of element size"),
    ((bytearray(4),), {"dtype": "uint8", "offset": 5}, "no greater than buffer length"),
    ((bytearray(4),), {"dtype": "uint8", "count": 5}, "must not be greater than actual buffer length"),
    ((bytearray(0),), {"dtype": "uint8"}, "must not be 0"),
    (([1, 2],), {"dtype": "uint8"}, "does not implement Python buffer protocol"),
])
def test_frombuffer_errors_match_pytorch(args, kwargs, message):
    for lib in (gg, torch):
        with pytest.raises(ValueError, match=message):
            lib.frombuffer(*args, **dict(kwargs, dtype=getattr(lib, kwargs["dtype"])))


@pytest.mark.parametrize("size,stride", [((2, 3), (1, 2)), ((2, 3), (3, 1)), ((4,), (2,)), ((2, 0), (1, 1))])
def test_empty_strided_has_the_asked_layout(size, stride):
    for lib in (gg, torch):
        t = lib.empty_strided(size, stride, dtype=lib.float64)
        assert tuple(t.shape) == size and t.stride() == stride and str(t.dtype).endswith("float64")
        u = lib.ones(3, dtype=lib.int16).new_empty_strided(size, stride)
        assert u.stride() == stride and str(u.dtype).endswith("int16")
