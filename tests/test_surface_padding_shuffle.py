"""Padding layers (ZeroPad, ConstantPad, ReflectionPad, ReplicationPad, CircularPad in 1d/2d/3d) and the
shuffles (pixel_shuffle, pixel_unshuffle, channel_shuffle and their layers): values, gradients, grad_fn
names, reprs and errors, each compared with PyTorch."""

import numpy as np
import pytest
import torch

import glassgrad as gg

RNG = np.random.default_rng(0)

PADS = [
    ("ZeroPad1d", (2,), (2, 3, 5)), ("ZeroPad1d", ((1, 3),), (3, 5)), ("ZeroPad2d", (2,), (2, 3, 4, 5)),
    ("ZeroPad2d", ((1, 0, 2, -1),), (3, 4, 5)), ("ZeroPad3d", (1,), (1, 2, 3, 4, 5)),
    ("ConstantPad1d", (2, 3.5), (2, 3, 5)), ("ConstantPad2d", ((1, 2, 3, 0), -1.0), (2, 3, 4, 5)),
    ("ConstantPad3d", (1, 2.0), (2, 3, 4, 5)),
    ("ReflectionPad1d", (2,), (2, 3, 5)), ("ReflectionPad1d", ((3, 1),), (3, 5)),
    ("ReflectionPad2d", ((1, 2, 3, 0),), (2, 3, 4, 5)), ("ReflectionPad3d", (1,), (1, 2, 3, 4, 5)),
    ("ReplicationPad1d", ((4, 1),), (2, 3, 5)), ("ReplicationPad2d", (2,), (3, 4, 5)),
    ("ReplicationPad3d", ((1, 2, 0, 1, 2, 0),), (2, 3, 4, 5)),
    ("CircularPad1d", (2,), (2, 3, 5)), ("CircularPad2d", ((1, 2, 3, 0),), (2, 3, 4, 5)),
    ("CircularPad3d", (1,), (1, 2, 3, 4, 5)),
]


def _forward_backward(lib, layer, x, dtype):
    t = lib.tensor(x.astype(dtype), requires_grad=True)
    y = layer(t)
    g = np.random.default_rng(1).standard_normal(tuple(y.shape)).astype(dtype)
    y.backward(lib.tensor(g))
    return y.detach().numpy(), t.grad.numpy(), y.grad_fn.name()


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name, args, shape", PADS)
def test_padding_layers_match_pytorch(name, args, shape, dtype):
    ours, theirs = getattr(gg.nn, name)(*args), getattr(torch.nn, name)(*args)
    assert repr(ours) == repr(theirs)
    assert ours.padding == theirs.padding
    x = RNG.standard_normal(shape)
    a, b = _forward_backward(gg, ours, x, dtype), _forward_backward(torch, theirs, x, dtype)
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_allclose(a[1], b[1], rtol=1e-6, atol=1e-6)  # (copies summed in another order)
    if not name.startswith("Circular"):  # PyTorch's circular padding is a composite (CopySlices)
        assert a[2] == b[2]


def test_new_layers_live_at_pytorchs_paths():
    assert gg.nn.modules.padding.ReflectionPad2d is gg.nn.ReflectionPad2d
    assert gg.nn.modules.pixelshuffle.PixelShuffle is gg.nn.PixelShuffle
    names = ["CELU", "GLU", "Hardshrink", "Hardsigmoid", "Hardswish", "LogSigmoid", "PReLU", "RReLU", "SELU",
             "Softmax2d", "Softshrink", "Softsign", "Tanhshrink", "Threshold", "ParameterDict", "AlphaDropout",
             "Dropout3d", "FeatureAlphaDropout", "ZeroPad1d", "ConstantPad3d", "CircularPad2d", "ReplicationPad3d",
             "PixelShuffle", "PixelUnshuffle", "ChannelShuffle"]
    for name in names:  # where PyTorch has them (checked), glassgrad has the same class
        assert hasattr(torch.nn.modules, name)
        assert getattr(gg.nn.modules, name) is getattr(gg.nn, name)
    for name in ["PReLU", "SELU", "GLU", "Softmax2d", "RReLU", "Threshold"]:
        assert hasattr(torch.nn.modules.activation, name) and getattr(gg.nn.modules.activation, name) is getattr(gg.nn, name)
    for name in ["Dropout3d", "AlphaDropout", "FeatureAlphaDropout"]:
        assert hasattr(torch.nn.modules.dropout, name) and getattr(gg.nn.modules.dropout, name) is getattr(gg.nn, name)
    assert gg.nn.modules.container.ParameterDict is gg.nn.ParameterDict is not None


@pytest.mark.parametrize("name, shape", [("CircularPad1d", (2, 3, 4, 5)), ("CircularPad2d", (5,)),
                                         ("CircularPad3d", (3, 4, 5))])
def test_circular_pad_input_dim_errors_match_pytorch(name, shape):
    errors = []
    for lib in (gg, torch):
        with pytest.raises(ValueError) as info:
            getattr(lib.nn, name)(1)(lib.zeros(*shape))
        errors.append(str(info.value))
    assert errors[0] == errors[1]


def test_reflection_pad_too_wide_raises_like_pytorch():
    for lib in (gg, torch):
        with pytest.raises(RuntimeError, match="Padding size should be less than the corresponding input dimension"):
            lib.nn.ReflectionPad1d(5)(lib.zeros(1, 2, 3))


SHUFFLES = [
    ("pixel_shuffle", 2, (2, 8, 3, 4)), ("pixel_shuffle", 3, (9, 2, 2)), ("pixel_shuffle", 2, (2, 1, 4, 3, 5)),
    ("pixel_unshuffle", 2, (2, 3, 4, 6)), ("pixel_unshuffle", 3, (1, 6, 3)),
    ("channel_shuffle", 2, (2, 6, 3)), ("channel_shuffle", 3, (2, 6, 2, 2)), ("channel_shuffle", 1, (1, 4, 2)),
]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("fn, factor, shape", SHUFFLES)
def test_shuffles_match_pytorch(fn, factor, shape, dtype):
    x = RNG.standard_normal(shape)
    a = _forward_backward(gg, lambda t: getattr(gg.nn.functional, fn)(t, factor), x, dtype)
    b = _forward_backward(torch, lambda t: getattr(torch.nn.functional, fn)(t, factor), x, dtype)
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])
    assert a[2] == b[2]


@pytest.mark.parametrize("name, factor", [("PixelShuffle", 2), ("PixelUnshuffle", 2), ("ChannelShuffle", 2)])
def test_shuffle_layers_match_pytorch(name, factor):
    ours, theirs = getattr(gg.nn, name)(factor), getattr(torch.nn, name)(factor)
    assert repr(ours) == repr(theirs)
    x = RNG.standard_normal((2, 4, 4, 6)).astype(np.float32)
    np.testing.assert_array_equal(ours(gg.tensor(x)).numpy(), theirs(torch.tensor(x)).numpy())


SHUFFLE_ERRORS = [
    lambda lib: lib.nn.functional.pixel_shuffle(lib.zeros(2, 3, 4, 4), 2),
    lambda lib: lib.nn.functional.pixel_shuffle(lib.zeros(3, 4), 2),
    lambda lib: lib.nn.functional.pixel_shuffle(lib.zeros(2, 4, 4, 4), 0),
    lambda lib: lib.nn.functional.pixel_unshuffle(lib.zeros(2, 3, 4, 4), 3),
    lambda lib: lib.nn.functional.pixel_unshuffle(lib.zeros(2, 3, 4, 5), 2),
    lambda lib: lib.nn.functional.pixel_unshuffle(lib.zeros(4), 2),
    lambda lib: lib.nn.functional.channel_shuffle(lib.zeros(2, 3, 4, 4), 2),
    lambda lib: lib.nn.functional.channel_shuffle(lib.zeros(2, 3), 3),
    lambda lib: lib.nn.functional.channel_shuffle(lib.zeros(2, 4, 3), 0),
]


@pytest.mark.parametrize("call", SHUFFLE_ERRORS)
def test_shuffle_errors_match_pytorch(call):
    errors = []
    for lib in (gg, torch):
        with pytest.raises(Exception) as info:
            call(lib)
        errors.append((type(info.value).__name__, str(info.value)))
    assert errors[0] == errors[1]
