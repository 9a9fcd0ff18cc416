"""Memory formats (torch.channels_last, contiguous_format, preserve_format): real code writes
``torch.zeros_like(p, memory_format=torch.preserve_format)`` in optimizers and
``x.to(memory_format=torch.channels_last)`` / ``model.to(memory_format=...)`` in training scripts. Found by
running PyTorch's own docstring examples on glassgrad. Strides, values, gradients and errors are
compared with PyTorch."""

import numpy as np
import pytest
import torch

import glassgrad as gg

SHAPE = (2, 3, 4, 5)


def data():
    return np.arange(float(np.prod(SHAPE)), dtype=np.float32).reshape(SHAPE)


def test_names_print_as_pytorchs():
    for name in ("channels_last", "channels_last_3d", "contiguous_format", "preserve_format"):
        assert repr(getattr(gg, name)).split(".")[-1] == repr(getattr(torch, name)).split(".")[-1] == name
        assert isinstance(getattr(gg, name), gg.memory_format)


@pytest.mark.parametrize("make", [
    lambda lib, x: x.to(memory_format=lib.channels_last),
    lambda lib, x: x.contiguous(memory_format=lib.channels_last),
    lambda lib, x: x.to(memory_format=lib.channels_last).to(lib.float64),
    lambda lib, x: x.to(memory_format=lib.channels_last) + 1,
    lambda lib, x: x.to(memory_format=lib.channels_last).contiguous(),
    lambda lib, x: lib.zeros_like(x.to(memory_format=lib.channels_last)),
    lambda lib, x: lib.ones_like(x.to(memory_format=lib.channels_last), memory_format=lib.contiguous_format),
    lambda lib, x: lib.empty_like(x, memory_format=lib.channels_last).fill_(3.0),
    lambda lib, x: lib.full_like(x, 2.0, memory_format=lib.channels_last),
    lambda lib, x: lib.zeros_like(x.to(memory_format=lib.channels_last), memory_format=lib.preserve_format),
    lambda lib, x: x.clone(memory_format=lib.channels_last),
    lambda lib, x: x.to(memory_format=lib.channels_last).clone(memory_format=lib.preserve_format),
    lambda lib, x: lib.empty(2, 3, 4, 5, memory_format=lib.channels_last).zero_(),
    lambda lib, x: x.reshape(1, 2, 3, 4, 5).to(memory_format=lib.channels_last_3d),
])
def test_layouts_match_pytorch(make):
    ours, theirs = make(gg, gg.tensor(data())), make(torch, torch.tensor(data()))
    assert ours.stride() == theirs.stride()
    assert tuple(ours.shape) == tuple(theirs.shape)
    assert ours.is_contiguous() == theirs.is_contiguous()
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


def test_to_channels_last_is_differentiable_and_a_no_op_when_already_so():
    results = []
    for lib in (gg, torch):
        x = lib.tensor(data(), requires_grad=True)
        y = x.to(memory_format=lib.channels_last)
        assert y.to(memory_format=lib.channels_last) is y
        (y * y).sum().backward()
        results.append(x.grad.numpy())
    np.testing.assert_array_equal(*results)


def test_a_model_accepts_a_memory_format_and_computes_the_same():
    outputs = []
    for lib in (gg, torch):
        lib.manual_seed(0)
        model = lib.nn.Conv2d(3, 4, 3).to(memory_format=lib.channels_last)
        x = lib.tensor(data()).to(memory_format=lib.channels_last)
        outputs.append(model(x).detach().numpy())
    np.testing.assert_allclose(*outputs, rtol=1e-5, atol=1e-4)


def test_optimizer_style_preserve_format_state():
    for lib in (gg, torch):
        p = lib.nn.Parameter(lib.ones(3))
        state = lib.zeros_like(p, memory_format=lib.preserve_format)
        assert not state.requires_grad and state.shape == p.shape


@pytest.mark.parametrize("call,error,message", [
    (lambda lib: lib.ones(2, 3).to(memory_format=lib.channels_last), RuntimeError,
     "required rank 4 tensor to use channels_last format"),
    (lambda lib: lib.ones(2, 3).contiguous(memory_format=lib.channels_last_3d), RuntimeError,
     "required rank 5 tensor to use channels_last_3d format"),
    (lambda lib: lib.zeros_like(lib.ones(2), memory_format=3), TypeError,
     "argument 'memory_format' must be torch.memory_format, not int"),
    (lambda lib: lib.empty(2, 3, 4, 5, memory_format=lib.preserve_format), RuntimeError,
     "unsupported memory format Preserve"),
])
def test_errors_match_pytorch(call, error, message):
    for lib in (gg, torch):
        with pytest.raises(error, match=message):
            call(lib)
