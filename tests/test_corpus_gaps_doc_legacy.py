"""Old PyTorch code's ways, found by running PyTorch's own docstring examples on glassgrad:
``torch.set_default_tensor_type`` (deprecated, warns; a legacy type or its name sets the default float
dtype) and ``torch.typename``. Compared with PyTorch; the default dtype is restored after each test."""

import warnings

import pytest
import torch

import glassgrad as gg


@pytest.fixture(autouse=True)
def restore_default_dtype():
    yield
    for lib in (gg, torch):
        lib.set_default_dtype(lib.float32)


@pytest.mark.parametrize("choice", ["DoubleTensor", "torch.DoubleTensor", "HalfTensor", "torch.FloatTensor"])
def test_set_default_tensor_type_sets_the_default_float_dtype(choice):
    seen = []
    for lib in (gg, torch):
        t = choice if "." in choice else getattr(lib, choice)
        with warnings.catch_warnings(record=True) as caught:  # PyTorch warns once a process: ours each call
            warnings.simplefilter("always")
            lib.set_default_tensor_type(t)
        if lib is gg:
            assert any("set_default_tensor_type() is deprecated" in str(w.message) for w in caught)
        seen.append((str(lib.get_default_dtype()).split(".")[-1], str(lib.tensor([1.5]).dtype).split(".")[-1]))
    assert seen[0] == seen[1]


@pytest.mark.parametrize("choice,message", [
    ("torch.cuda.FloatTensor", "not available. Torch not compiled with CUDA enabled"),
    ("LongTensor", "only floating-point types are supported as the default type"),
    ("torch.IntTensor", "only floating-point types are supported as the default type"),
    ("float64", "invalid type object: only floating-point types"),
])
def test_set_default_tensor_type_refuses_as_pytorch_does(choice, message):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for lib in (gg, torch):
            t = choice if "." in choice else getattr(lib, choice)
            with pytest.raises(TypeError, match=message):
                lib.set_default_tensor_type(t)
            assert lib.get_default_dtype() == lib.float32


def test_typename_matches_pytorch():
    for make in (lambda lib: lib.ones(2), lambda lib: lib.ones(2, dtype=lib.int64),
                 lambda lib: lib.ones(2, dtype=lib.float64, requires_grad=True), lambda lib: 3,
                 lambda lib: int, lambda lib: [1], lambda lib: "text"):
        ours, theirs = gg.typename(make(gg)), torch.typename(make(torch))
        assert ours.replace("glassgrad.", "torch.") == theirs


def test_typename_of_a_module_names_its_class():
    assert gg.typename(gg.nn.Linear(1, 1)).endswith(".Linear")
    assert gg.typename(gg.nn.Linear) == gg.nn.Linear.__module__ + ".Linear"
