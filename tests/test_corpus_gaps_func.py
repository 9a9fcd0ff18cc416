"""torch.func (grad, vjp, jvp, jacrev, jacfwd, hessian, vmap, functional_call, stack_module_state) and
torch.utils.benchmark.Timer, as PyTorch's per-sample-gradients, ensembling and Jacobians/Hessians
tutorials use them: every number compared against PyTorch on the same inputs."""

import re

import numpy as np
import pytest
import torch
import torch.utils.benchmark  # noqa: F401  (not loaded by import torch)

import glassgrad as gg

RNG = np.random.default_rng(3)
W, B, X = RNG.standard_normal((5, 4)), RNG.standard_normal(5), RNG.standard_normal((6, 4))


def _np(t):
    if isinstance(t, (tuple, list)):
        return [_np(x) for x in t]
    if isinstance(t, dict):
        return {k: _np(v) for k, v in t.items()}
    return t.detach().numpy()


def _both(run):
    """run(lib) on PyTorch and on glassgrad (float64 inputs), the results as numpy."""
    return _np(run(gg)), _np(run(torch))


def _close(ours, theirs):
    if isinstance(theirs, dict):
        assert ours.keys() == theirs.keys()
        for k in theirs:
            _close(ours[k], theirs[k])
    elif isinstance(theirs, list):
        assert len(ours) == len(theirs)
        for a, b in zip(ours, theirs):
            _close(a, b)
    else:
        np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-12)


def _predict(lib):
    return lambda w, b, x: lib.nn.functional.linear(x, w, b).tanh()


def _t(lib, a, **kw):
    return lib.tensor(a, **kw)


@pytest.mark.parametrize("name,run", [
    ("grad", lambda lib: lib.func.grad(lambda x: (x.sin() ** 2).sum())(_t(lib, X))),
    ("grad argnums tuple", lambda lib: lib.func.grad(lambda w, b, x: _predict(lib)(w, b, x).sum(), argnums=(0, 1))(
        _t(lib, W), _t(lib, B), _t(lib, X))),
    ("grad of a dict", lambda lib: lib.func.grad(lambda p: (p["a"] * p["b"]).sum())(
        {"a": _t(lib, B), "b": _t(lib, B[::-1].copy())})),
    ("grad of grad", lambda lib: lib.func.grad(lambda x: lib.func.grad(lambda y: (y ** 3).sum())(x).sum())(_t(lib, B))),
    ("jacrev", lambda lib: lib.func.jacrev(_predict(lib), argnums=2)(_t(lib, W), _t(lib, B), _t(lib, X[0]))),
    ("jacrev two argnums", lambda lib: lib.func.jacrev(_predict(lib), argnums=(0, 2))(
        _t(lib, W), _t(lib, B), _t(lib, X[0]))),
    ("jacfwd", lambda lib: lib.func.jacfwd(_predict(lib), argnums=0)(_t(lib, W), _t(lib, B), _t(lib, X[0]))),
    ("hessian", lambda lib: lib.func.hessian(lambda x: (x.sin() * x.sum()).sum())(_t(lib, B))),
    ("jacfwd of jacrev", lambda lib: lib.func.jacfwd(lib.func.jacrev(_predict(lib), argnums=2), argnums=2)(
        _t(lib, W), _t(lib, B), _t(lib, X[0]))),
    ("vmap of jacrev", lambda lib: lib.func.vmap(lib.func.jacrev(_predict(lib), argnums=2), in_dims=(None, None, 0))(
        _t(lib, W), _t(lib, B), _t(lib, X))),
    ("vmap in_dims 1, out_dims 1", lambda lib: lib.vmap(lambda a, b: a * b.sum(), in_dims=(1, 0), out_dims=1)(
        _t(lib, X), _t(lib, W[:4]))),
    ("vmap returning a tuple", lambda lib: lib.func.vmap(lambda x: (x.sum(), x * 2))(_t(lib, X))),
    ("vjp", lambda lib: lib.func.vjp(lambda x: x.exp() * 2, _t(lib, B))[1](_t(lib, B[::-1].copy()))),
    ("jvp", lambda lib: lib.func.jvp(lambda x: x.exp() * x, (_t(lib, B),), (_t(lib, B[::-1].copy()),))),
])
def test_transforms_match_pytorch(name, run):
    ours, theirs = _both(run)
    _close(ours, theirs)


def test_per_sample_grads_with_functional_call_as_the_tutorial():
    def run(lib):
        lib.manual_seed(0)
        model = lib.nn.Sequential(lib.nn.Linear(4, 3), lib.nn.Tanh(), lib.nn.Linear(3, 2)).double()
        with lib.no_grad():
            for p, value in zip(model.parameters(), [W[:3], B[:3], W[:2, :3], B[:2]]):
                p.copy_(lib.tensor(value))
        params = {k: v.detach() for k, v in model.named_parameters()}

        def loss(params, sample, target):
            out = lib.func.functional_call(model, (params, {}), (sample.unsqueeze(0),))
            return lib.nn.functional.cross_entropy(out, target.unsqueeze(0))
        grads = lib.func.vmap(lib.func.grad(loss), in_dims=(None, 0, 0))(params, _t(lib, X),
                                                                        lib.tensor([0, 1, 1, 0, 1, 0]))
        assert all(p is q for p, q in zip(params.values(), dict(model.named_parameters()).values())) is False
        return grads
    ours, theirs = _both(run)
    _close(ours, theirs)


def test_stack_module_state_and_ensembling():
    def run(lib):
        models = [lib.nn.Linear(4, 2).double() for _ in range(3)]
        with lib.no_grad():
            for i, m in enumerate(models):
                m.weight.copy_(lib.tensor(W[:2] * (i + 1)))
                m.bias.copy_(lib.tensor(B[:2] - i))
        params, buffers = lib.func.stack_module_state(models)
        assert all(p.is_leaf and p.requires_grad for p in params.values())
        base = models[0]
        out = lib.vmap(lambda p, b, x: lib.func.functional_call(base, (p, b), (x,)), in_dims=(0, 0, None))(
            params, buffers, _t(lib, X))
        return out, params
    ours, theirs = _both(run)
    _close(ours, theirs)


def test_functional_call_puts_the_module_back():
    model = gg.nn.Linear(2, 1)
    weight = model.weight
    gg.func.functional_call(model, {"weight": gg.zeros(1, 2)}, (gg.ones(1, 2),))
    assert model.weight is weight


@pytest.mark.parametrize("call", [
    lambda lib: lib.func.grad(lambda x: x * 2)(lib.ones(2)),
    lambda lib: lib.func.vmap(lambda x, y: x + y)(lib.ones(2), lib.ones(3)),
    lambda lib: lib.func.vmap(lambda x: x)(1.0),
])
def test_errors_match_pytorch(call):
    with pytest.raises(Exception) as theirs:
        call(torch)
    message = str(theirs.value)
    message = message.split("<function")[0] if "<function" in message else message
    with pytest.raises(type(theirs.value), match=re.escape(message[:60])):
        call(gg)


def test_benchmark_timer_measures_and_prints_as_pytorch():
    counter, shown = {"n": 0}, {}

    def tick():
        counter["n"] += 1
    for lib in (gg, torch):
        timer = lib.utils.benchmark.Timer(stmt="tick()", globals={"tick": tick}, label="L", sub_label="s")
        counter["n"] = 0
        m = timer.timeit(7)
        assert counter["n"] == 7 + 2 and m.number_per_run == 7  # 7 timed runs after 2 warm-up runs and len(m.times) == 1 and m.mean > 0
        shown[lib.__name__] = [_words(repr(m)), _words(repr(lib.utils.benchmark.Timer("tick()", globals={"tick": tick},
                                                                                     setup="x = 1").timeit(3)))]
        blocked = timer.blocked_autorange(min_run_time=0.01)
        assert blocked.median > 0 and "measurement" in repr(blocked).splitlines()[-1]
    assert shown["glassgrad"] == shown["torch"]


def _words(printed: str) -> list:
    """A printed Measurement without its address and its timings."""
    return [re.sub(r"[0-9.]+ (ns|us|ms|s)\b", "T", line) for line in printed.splitlines()[1:]]
