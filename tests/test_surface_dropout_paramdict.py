"""dropout3d / Dropout3d, alpha_dropout / AlphaDropout, feature_alpha_dropout / FeatureAlphaDropout (the same
masks as PyTorch after manual_seed) and nn.ParameterDict, each compared with PyTorch."""

import warnings

import numpy as np
import pytest
import torch

import glassgrad as gg

RNG = np.random.default_rng(0)


def _dropped(lib, fn, x, p, dtype):
    lib.manual_seed(5)
    t = lib.tensor(x.astype(dtype), requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # dropout3d's warning for other ranks (tested below)
        y = getattr(lib.nn.functional, fn)(t, p, True)
    g = np.random.default_rng(1).standard_normal(tuple(y.shape)).astype(dtype)
    y.backward(lib.tensor(g))
    return y.detach().numpy(), t.grad.numpy(), y.grad_fn.name(), lib.rand(2).numpy()


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("p", [0.3, 1.0])
@pytest.mark.parametrize("shape", [(2, 3, 4, 5, 6), (3, 4, 5, 6), (3, 4, 5)])
@pytest.mark.parametrize("fn", ["dropout3d", "alpha_dropout", "feature_alpha_dropout"])
def test_masks_values_gradients_match_pytorch(fn, shape, p, dtype):
    x = RNG.standard_normal(shape)
    ours, theirs = _dropped(gg, fn, x, p, dtype), _dropped(torch, fn, x, p, dtype)
    np.testing.assert_array_equal(ours[0], theirs[0])
    np.testing.assert_array_equal(ours[1], theirs[1])
    assert ours[2] == theirs[2]
    np.testing.assert_array_equal(ours[3], theirs[3])  # the generator moved on by as many words


@pytest.mark.parametrize("fn", ["dropout3d", "alpha_dropout", "feature_alpha_dropout"])
def test_identity_when_not_training_or_p_zero(fn):
    for lib in (gg, torch):
        x = lib.randn(2, 3, 4, 5, 6)
        assert getattr(lib.nn.functional, fn)(x, 0.5, False) is x
        assert getattr(lib.nn.functional, fn)(x, 0.0, True) is x


def test_unbatched_dropout3d_in_eval_is_a_view_as_in_pytorch():
    names = []
    for lib in (gg, torch):
        x = lib.randn(3, 4, 5, 6, requires_grad=True)
        y = lib.nn.functional.dropout3d(x, 0.5, False)
        assert y is not x and np.array_equal(y.detach().numpy(), x.detach().numpy())
        names.append(y.grad_fn.name())
    assert names[0] == names[1] == "SqueezeBackward1"


def test_dropout3d_warns_like_pytorch_for_other_ranks():
    messages = []
    for lib in (gg, torch):
        with pytest.warns(UserWarning) as record:
            lib.nn.functional.dropout3d(lib.zeros(3, 4, 5), 0.5)
        messages.append(str(record[0].message))
    assert messages[0] == messages[1]


@pytest.mark.parametrize("call", [
    lambda lib: lib.nn.functional.alpha_dropout(lib.zeros(3), 1.5, True),
    lambda lib: lib.nn.functional.feature_alpha_dropout(lib.zeros(3), 0.5, True),
    lambda lib: lib.nn.functional.dropout3d(lib.zeros(2, 3, 4, 5), -0.1),
    lambda lib: lib.nn.AlphaDropout(2.0),
])
def test_errors_match_pytorch(call):
    errors = []
    for lib in (gg, torch):
        with pytest.raises(Exception) as info:
            call(lib)
        errors.append((type(info.value).__name__, str(info.value)))
    assert errors[0] == errors[1]


@pytest.mark.parametrize("name, args", [("Dropout3d", ()), ("AlphaDropout", (0.2,)),
                                        ("FeatureAlphaDropout", (0.2, True))])
def test_layers_match_pytorch(name, args):
    ours, theirs = getattr(gg.nn, name)(*args), getattr(torch.nn, name)(*args)
    assert repr(ours) == repr(theirs)
    x = RNG.standard_normal((2, 3, 2, 2, 2)).astype(np.float32)
    outs = []
    for lib, layer in ((gg, ours), (torch, theirs)):
        lib.manual_seed(7)
        outs.append(layer(lib.tensor(x)).numpy())
        layer.eval()
        outs.append(layer(lib.tensor(x)).numpy())
    np.testing.assert_array_equal(outs[0], outs[2])
    np.testing.assert_array_equal(outs[1], outs[3])
    assert gg.nn.modules.dropout.Dropout3d is gg.nn.Dropout3d


def _param_dict(lib):
    return lib.nn.ParameterDict({"b": lib.nn.Parameter(lib.ones(2, 3)), "a": lib.zeros(2, dtype=lib.float64),
                                 "c": 3})


def test_parameter_dict_matches_pytorch():
    ours, theirs = _param_dict(gg), _param_dict(torch)
    assert repr(ours).replace("glassgrad.", "torch.") == repr(theirs)
    assert list(ours) == list(theirs) == ["a", "b", "c"]  # a plain dict goes in sorted
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    assert type(ours["a"]) is gg.nn.Parameter and ours["c"] == 3
    assert list(ours.state_dict()) == list(theirs.state_dict())
    for d in (ours, theirs):
        d.update([("z", d["a"] * 1), ("y", None)])  # pairs keep their order
        d.setdefault("x", 1.5)
        assert d.popitem()[0] == "x"
        assert d.pop("y") is None and "y" not in d
        assert d.get("missing", 7) == 7
    assert list(ours.keys()) == list(theirs.keys())
    assert repr(gg.nn.ParameterDict()) == repr(torch.nn.ParameterDict())
    merged = ours | gg.nn.ParameterDict({"q": gg.zeros(1)})
    assert list(merged) == list(theirs | torch.nn.ParameterDict({"q": torch.zeros(1)}))


def test_parameter_dict_trains_its_parameters():
    d = gg.nn.ParameterDict({"w": gg.nn.Parameter(gg.ones(3))})
    opt = gg.optim.SGD(d.parameters(), lr=0.5)
    (d["w"] * gg.tensor([1.0, 2.0, 3.0])).sum().backward()
    opt.step()
    np.testing.assert_allclose(d["w"].detach().numpy(), [0.5, 0.0, -0.5])


@pytest.mark.parametrize("call", [
    lambda lib: lib.nn.ParameterDict()[1],
    lambda lib: lib.nn.ParameterDict().update(3),
    lambda lib: lib.nn.ParameterDict().update([("a",)]),
    lambda lib: lib.nn.ParameterDict()(lib.zeros(1)),
    lambda lib: lib.nn.ParameterDict()["missing"],
])
def test_parameter_dict_errors_match_pytorch(call):
    errors = []
    for lib in (gg, torch):
        with pytest.raises(Exception) as info:
            call(lib)
        errors.append((type(info.value).__name__, str(info.value).replace("glassgrad", "torch")))
    assert errors[0] == errors[1]
