"""Module API behaviour vs torch.nn.Module: registration, naming, state_dict keys and errors,
train/eval, hooks, dtype conversion and repr."""

import copy
import sys
from collections import OrderedDict
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn as tnn

sys.path.insert(0, str(Path(__file__).parent))
from nn_helpers import as_np, copy_weights, torch_names  # noqa: E402

import glassgrad  # noqa: E402
from glassgrad import nn  # noqa: E402


def build(lib):
    """The same nested model in either library (``lib`` is torch.nn or glassgrad.nn)."""

    class Block(lib.Module):
        def __init__(self):
            super().__init__()
            self.fc = lib.Linear(4, 6)
            self.bn = lib.BatchNorm1d(6)
            self.act = lib.ReLU()
            self.drop = lib.Dropout(0.25)
            self.register_buffer("scale", (torch if lib is tnn else glassgrad).ones(1))
            self.register_buffer("tmp", (torch if lib is tnn else glassgrad).zeros(1), persistent=False)

        def forward(self, x):
            return self.drop(self.act(self.bn(self.fc(x)))) * self.scale

    class Net(lib.Module):
        def __init__(self):
            super().__init__()
            self.features = lib.Sequential(Block(), lib.Linear(6, 6), lib.Tanh())
            self.heads = lib.ModuleList([lib.Linear(6, 3), lib.Linear(6, 2)])
            self.extra = lib.ModuleDict({"ln": lib.LayerNorm(6), "emb": lib.Embedding(5, 6)})
            self.alpha = lib.Parameter((torch if lib is tnn else glassgrad).ones(1))

        def forward(self, x):
            h = self.extra["ln"](self.features(x))
            return self.heads[0](h) * self.alpha, self.heads[1](h)

    return Net()


def test_state_dict_keys_equal_torchs_exactly():
    g, t = build(nn), build(tnn)
    assert list(g.state_dict().keys()) == list(t.state_dict().keys())
    assert [n for n, _ in g.named_parameters()] == [n for n, _ in t.named_parameters()]
    assert [n for n, _ in g.named_buffers()] == [n for n, _ in t.named_buffers()]
    assert [n for n, _ in g.named_modules()] == [n for n, _ in t.named_modules()]
    assert [n for n, _ in g.named_children()] == [n for n, _ in t.named_children()]
    assert len(list(g.parameters(recurse=False))) == 1
    for (gk, gv), (tk, tv) in zip(g.state_dict().items(), t.state_dict().items()):
        assert tuple(gv.shape) == tuple(tv.shape), gk


def test_same_weights_same_outputs_and_gradients_as_torch():
    g, t = build(nn), build(tnn)
    copy_weights(g.double(), t.double())
    x = np.random.default_rng(0).standard_normal((8, 4))
    g.eval(), t.eval()
    for mode in ("eval", "train"):
        getattr(g, mode)(), getattr(t, mode)()
        if mode == "train":
            g.features[0].drop.p = t.features[0].drop.p = 0.0  # dropout masks differ between libraries
        go = g(glassgrad.tensor(x))
        to = t(torch.tensor(x))
        for a, b in zip(go, to):
            np.testing.assert_allclose(as_np(a), as_np(b), rtol=1e-10, atol=1e-12)
        (go[0].sum() + (go[1] ** 2).sum()).backward()
        (to[0].sum() + (to[1] ** 2).sum()).backward()
        for (n, p), (_, q) in zip(g.named_parameters(), t.named_parameters()):
            if q.grad is not None:
                np.testing.assert_allclose(as_np(p.grad), as_np(q.grad), rtol=1e-9, atol=1e-12, err_msg=n)
        g.zero_grad(), t.zero_grad()
    bn_g, bn_t = g.features[0].bn, t.features[0].bn
    np.testing.assert_allclose(as_np(bn_g.running_var), as_np(bn_t.running_var), rtol=1e-12)
    assert int(bn_g.num_batches_tracked) == int(bn_t.num_batches_tracked) == 1


def test_shared_parameters_are_listed_once():
    for lib in (nn, tnn):
        lin = lib.Linear(3, 3)
        seq = lib.Sequential(lin, lib.ReLU(), lin)
        assert len(list(seq.parameters())) == 2
        assert [n for n, _ in seq.named_parameters()] == ["0.weight", "0.bias"]
        assert len(list(seq.named_parameters(remove_duplicate=False))) == 4
        assert list(seq.state_dict()) == ["0.weight", "0.bias", "2.weight", "2.bias"]
        assert len(list(seq.modules())) == 3


def test_load_state_dict_strict_errors_match_torch_text():
    for bad in ({"weight": "zeros32"}, {"weight": "zeros32", "foo": "one"}, {"foo": "one"}):
        msgs = []
        for lib, mod in ((nn, glassgrad), (tnn, torch)):
            vals = {"zeros32": mod.zeros(3, 2), "one": mod.zeros(1)}
            with pytest.raises(RuntimeError) as e:
                lib.Linear(2, 2).load_state_dict({k: vals[v] for k, v in bad.items()})
            msgs.append(str(e.value))
        assert torch_names(msgs[0]) == msgs[1]
    for lib, mod in ((nn, glassgrad), (tnn, torch)):
        res = lib.Linear(2, 2).load_state_dict({"weight": mod.zeros(2, 2), "x": mod.zeros(1)}, strict=False)
        assert res.missing_keys == ["bias"] and res.unexpected_keys == ["x"]
        ok = lib.Linear(2, 2).load_state_dict({"weight": mod.zeros(2, 2), "bias": mod.zeros(2)})
        assert repr(ok) == "<All keys matched successfully>"
        with pytest.raises(TypeError, match="Expected state_dict to be dict-like"):
            lib.Linear(2, 2).load_state_dict([1])


def test_load_state_dict_copies_values_into_the_same_parameter_objects():
    a, b = nn.Linear(3, 2), nn.Linear(3, 2)
    w = b.weight
    b.load_state_dict(a.state_dict())
    assert b.weight is w
    np.testing.assert_array_equal(as_np(b.weight.detach()), as_np(a.weight.detach()))
    # state_dict shares memory with the parameters (as torch) and is detached
    sd = a.state_dict()
    assert not sd["weight"].requires_grad
    with glassgrad.no_grad():
        a.weight.mul_(0)
    assert (as_np(sd["weight"]) == 0).all()


def test_batchnorm_state_dict_without_num_batches_tracked_loads():
    bn = nn.BatchNorm1d(3)
    sd = bn.state_dict()
    del sd["num_batches_tracked"]
    assert repr(nn.BatchNorm1d(3).load_state_dict(sd)) == "<All keys matched successfully>"


def test_registration_errors_match_torch():
    cases = [
        (lambda lib, mod, m: setattr(m, "weight", mod.zeros(2, 2)), TypeError),
        (lambda lib, mod, m: m.register_buffer("weight", mod.zeros(2)), KeyError),
        (lambda lib, mod, m: m.register_buffer("a.b", mod.zeros(2)), KeyError),
        (lambda lib, mod, m: m.register_buffer("c", 3), TypeError),
        (lambda lib, mod, m: m.register_parameter("c", mod.zeros(2)), TypeError),
        (lambda lib, mod, m: m.add_module("e", 3), TypeError),
        (lambda lib, mod, m: getattr(m, "zzz"), AttributeError),
        (lambda lib, mod, m: m.train(1), ValueError),
    ]
    for fn, err in cases:
        msgs = []
        for lib, mod in ((nn, glassgrad), (tnn, torch)):
            with pytest.raises(err) as e:
                fn(lib, mod, lib.Linear(2, 2))
            msgs.append(str(e.value))
        assert torch_names(msgs[0]).replace("torch.FloatTensor", "X") == msgs[1].replace(
            "torch.FloatTensor", "X"), msgs


def test_assigning_before_init_and_non_leaf_parameters():
    class Early(nn.Module):
        def __init__(self):
            self.w = nn.Parameter(glassgrad.zeros(2))

    with pytest.raises(AttributeError, match=r"cannot assign parameters before Module.__init__\(\) call"):
        Early()
    m = nn.Module()
    with pytest.raises(TypeError):
        m.register_parameter("p", nn.Parameter(glassgrad.ones(2)) * 2)


def test_setattr_getattr_delattr_and_dir():
    m = nn.Module()
    m.w = nn.Parameter(glassgrad.ones(2))
    m.sub = nn.Linear(1, 1)
    m.register_buffer("b", glassgrad.zeros(1))
    m.plain = 3
    assert "w" in m._parameters and "sub" in m._modules and "b" in m._buffers
    assert m.w is m._parameters["w"] and m.sub is m._modules["sub"]
    assert {"w", "sub", "b", "plain", "forward"} <= set(dir(m))
    m.w = None  # a declared but absent parameter
    assert m.w is None and "w" in m._parameters
    del m.sub, m.b
    assert "sub" not in m._modules and "b" not in m._buffers
    m.b2 = nn.Parameter(glassgrad.ones(1))
    with pytest.raises(TypeError, match="cannot assign 'Linear' as parameter 'b2'"):
        m.b2 = nn.Linear(1, 1)  # as torch: a parameter's name takes only a Parameter or None
    m.plain = nn.Linear(1, 1)  # a plain attribute becomes a child module
    assert "plain" in m._modules and "plain" not in m.__dict__


def test_train_eval_switch_dropout_and_batchnorm():
    m = nn.Sequential(nn.Linear(4, 4), nn.BatchNorm1d(4), nn.Dropout(0.5))
    assert m.training and all(c.training for c in m.modules())
    assert m.eval() is m and not any(c.training for c in m.modules())
    x = glassgrad.randn(16, 4)
    y1, y2 = m(x), m(x)
    np.testing.assert_array_equal(as_np(y1.detach()), as_np(y2.detach()))  # no dropout, running stats
    m.train()
    glassgrad.manual_seed(0)
    a = m(x)
    glassgrad.manual_seed(0)
    b = m(x)
    np.testing.assert_array_equal(as_np(a.detach()), as_np(b.detach()))  # same seed, same mask
    assert (as_np(a.detach()) == 0).mean() > 0.3


def test_forward_hooks_and_pre_hooks_with_removable_handles():
    m = nn.Linear(2, 2)
    calls = []
    h1 = m.register_forward_pre_hook(lambda mod, args: (args[0] * 0,))
    h2 = m.register_forward_hook(lambda mod, args, out: calls.append(out.shape) or out + 1)
    y = m(glassgrad.ones(3, 2))
    np.testing.assert_allclose(as_np(y.detach()), np.broadcast_to(as_np(m.bias.detach()) + 1, (3, 2)),
                               rtol=1e-6)
    assert calls == [(3, 2)]
    h1.remove(), h2.remove()
    y = m(glassgrad.ones(3, 2))
    assert calls == [(3, 2)]
    expected = as_np(m.weight.detach()).sum(1) + as_np(m.bias.detach())
    np.testing.assert_allclose(as_np(y.detach()), np.broadcast_to(expected, (3, 2)), rtol=1e-6)
    order = []
    m.register_forward_hook(lambda *a: order.append("a"))
    m.register_forward_hook(lambda *a: order.append("b"), prepend=True)
    m.register_forward_pre_hook(lambda mod, args, kwargs: order.append("kw") or None, with_kwargs=True)
    m(glassgrad.ones(1, 2))
    assert order == ["kw", "b", "a"]


def test_zero_grad_apply_requires_grad_and_dtype_conversion():
    m = nn.Sequential(nn.Linear(3, 2), nn.BatchNorm1d(2))
    m(glassgrad.randn(4, 3)).sum().backward()
    m.zero_grad(set_to_none=False)
    assert all((as_np(p.grad) == 0).all() for p in m.parameters())
    m.zero_grad()
    assert all(p.grad is None for p in m.parameters())
    seen = []
    assert m.apply(lambda mod: seen.append(type(mod).__name__)) is m
    assert seen == ["Linear", "BatchNorm1d", "Sequential"]
    m.requires_grad_(False)
    assert not any(p.requires_grad for p in m.parameters())
    w = m[0].weight
    m.double()
    assert m[0].weight is w and w.dtype == glassgrad.float64  # same Parameter object, new dtype
    assert m[1].running_mean.dtype == glassgrad.float64
    assert m[1].num_batches_tracked.dtype == glassgrad.int64  # integers are left alone
    assert m.to(glassgrad.float32) is m and w.dtype == glassgrad.float32
    assert m.cpu() is m and m.to("cpu") is m


def test_deepcopy_gives_independent_parameters():
    m = nn.Linear(2, 2)
    c = copy.deepcopy(m)
    assert isinstance(c.weight, nn.Parameter) and c.weight is not m.weight
    np.testing.assert_array_equal(as_np(c.weight.detach()), as_np(m.weight.detach()))


def test_parameter_basics_and_repr():
    p = nn.Parameter(glassgrad.zeros(2))
    assert p.requires_grad and p.is_leaf and isinstance(p, glassgrad.Tensor)
    assert repr(p) == "Parameter containing:\ntensor([0., 0.], requires_grad=True)"
    assert repr(nn.Parameter(glassgrad.zeros(2), requires_grad=False)) == \
        "Parameter containing:\ntensor([0., 0.])"
    x = glassgrad.ones(3)
    q = nn.Parameter(x)
    with glassgrad.no_grad():
        q.mul_(2)
    assert (as_np(x) == 2).all()  # shares memory with its data, as in torch
    with pytest.raises(RuntimeError, match="floating point"):
        nn.Parameter(glassgrad.tensor([1, 2]))


def test_repr_of_a_nested_model_equals_torchs():
    def make(lib):
        return lib.Sequential(
            lib.Linear(2, 3), lib.ReLU(), lib.Sequential(lib.Linear(3, 3), lib.Dropout(0.2)),
            lib.BatchNorm1d(3), lib.LayerNorm(3), lib.Embedding(4, 3, padding_idx=0), lib.Flatten(),
            lib.Unflatten(1, (2, 5)), lib.LeakyReLU(), lib.ELU(), lib.GELU(), lib.GELU("tanh"),
            lib.SiLU(), lib.Tanh(), lib.Sigmoid(), lib.Softmax(dim=1), lib.LogSoftmax(1),
            lib.Softplus(), lib.Mish(), lib.ReLU(inplace=True), lib.Identity(),
            lib.Linear(2, 2, bias=False), lib.CrossEntropyLoss(), lib.MSELoss(), lib.Hardtanh(),
            lib.ReLU6(), lib.Dropout2d(), lib.BCEWithLogitsLoss(), lib.HuberLoss(), lib.SmoothL1Loss(),
            lib.LeakyReLU(0.2, inplace=True), lib.ELU(inplace=True), lib.NLLLoss(), lib.BCELoss(),
            lib.L1Loss(), lib.BatchNorm2d(4, affine=False, momentum=None),
            lib.ModuleList([lib.Linear(2, 2) for _ in range(3)] + [lib.ReLU()]),
            lib.ModuleDict({"a": lib.ReLU()}), lib.ModuleList())
    assert torch_names(repr(make(nn))) == repr(make(tnn))


def test_sequential_indexing_slicing_and_editing():
    layers = [nn.Linear(2, 2), nn.ReLU(), nn.Linear(2, 1)]
    s = nn.Sequential(*layers)
    assert len(s) == 3 and s[0] is layers[0] and s[-1] is layers[2]
    sub = s[1:]
    assert isinstance(sub, nn.Sequential) and list(sub) == layers[1:]
    assert list(sub._modules) == ["1", "2"]  # torch keeps the original keys on slicing
    with pytest.raises(IndexError, match="index 3 is out of range"):
        s[3]
    s.append(nn.Sigmoid())
    assert len(s) == 4 and isinstance(s[3], nn.Sigmoid)
    del s[0]
    assert list(s._modules) == ["0", "1", "2"] and isinstance(s[0], nn.ReLU)
    s.insert(-1, nn.Tanh())
    ts = tnn.Sequential(tnn.ReLU(), tnn.Linear(2, 1), tnn.Sigmoid())
    ts.insert(-1, tnn.Tanh())
    assert [type(m).__name__ for m in s] == [type(m).__name__ for m in ts]
    named = nn.Sequential(OrderedDict([("fc", nn.Linear(2, 2)), ("act", nn.ReLU())]))
    assert list(named.state_dict()) == ["fc.weight", "fc.bias"] and named.fc is named[0]
    ml = nn.ModuleList([nn.ReLU()])
    ml += [nn.Tanh()]
    ml.append(nn.Sigmoid())
    assert len(ml) == 3 and isinstance(ml[-1], nn.Sigmoid) and len(ml[:2]) == 2
    md = nn.ModuleDict({"a": nn.ReLU()})
    md["b"] = nn.Tanh()
    assert list(md.keys()) == ["a", "b"] and "a" in md and len(md) == 2
    pl = nn.ParameterList([nn.Parameter(glassgrad.ones(2)), nn.Parameter(glassgrad.zeros(1))])
    holder = nn.Module()
    holder.pl = pl
    assert [n for n, _ in holder.named_parameters()] == ["pl.0", "pl.1"]


def test_forward_not_implemented_message():
    with pytest.raises(NotImplementedError, match='Module \\[Module\\] is missing the required "forward"'):
        nn.Module()(1)
