"""glassgrad.optim optimizers against torch.optim, step by step.

Each case builds the same parameters in both libraries (several shapes, two or three parameter groups
with their own options), then for 20 steps gives each parameter the gradient ``G_k + 0.3·θ`` (a fixed
random part plus a part that depends on the library's own current parameters, so a wrong update also
changes later gradients), runs ``step()`` and compares every parameter; at the end it compares the
optimizer state (momentum buffers, running averages, step counters). float64 is held to 1e-10 relative,
float32 to PyTorch's own float32 rounding (1e-6 relative).
"""

from __future__ import annotations

import copy
import itertools
import warnings

import numpy as np
import pytest
import torch

import glassgrad as gg
from glassgrad import optim, serialization

SHAPES = [(4, 3), (3,), (2, 2, 2), ()]
TOL = {"float32": dict(rtol=1e-6, atol=1e-6), "float64": dict(rtol=1e-10, atol=1e-13)}


def make_params(dtype: str, seed: int = 0):
    rng = np.random.default_rng(seed)
    arrays = [rng.standard_normal(s).astype(dtype) for s in SHAPES]
    ours = [gg.tensor(a, requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    return ours, theirs


def groups_of(params, group_options):
    """Split params into len(group_options) groups (round robin) with each group's options."""
    n = len(group_options)
    return [dict(params=params[i::n], **opts) for i, opts in enumerate(group_options)]


def run_both(cls_name, dtype, kwargs, group_options=({},), steps=20, seed=0, skip_grad_at=5):
    ours, theirs = make_params(dtype, seed)
    opt_g = getattr(optim, cls_name)(groups_of(ours, group_options), **kwargs)
    opt_t = getattr(torch.optim, cls_name)(groups_of(theirs, group_options), **kwargs)
    rng = np.random.default_rng(seed + 1)
    for k in range(steps):
        for j, (p, q) in enumerate(zip(ours, theirs)):
            if k == skip_grad_at and j == 1:   # a parameter without a gradient is skipped
                p.grad, q.grad = None, None
                continue
            g = np.asarray(rng.standard_normal(SHAPES[j]), dtype=dtype)  # 0-d stays an array
            p.grad = gg.tensor(np.asarray(g + 0.3 * p.detach().numpy()))
            q.grad = torch.tensor(np.asarray(g + 0.3 * q.detach().numpy()))
        opt_g.step()
        opt_t.step()
        for p, q in zip(ours, theirs):
            np.testing.assert_allclose(p.detach().numpy(), q.detach().numpy(), **TOL[dtype],
                                       err_msg=f"{cls_name} {kwargs} {group_options} step {k}")
    compare_state(opt_g.state_dict(), opt_t.state_dict(), dtype)
    return opt_g, opt_t


def to_plain(x):
    """A state dict with every tensor as a numpy array, so the two libraries' dicts compare."""
    if isinstance(x, (gg.Tensor, torch.Tensor)):
        return np.asarray(x.detach().numpy())
    if isinstance(x, dict):
        return {k: to_plain(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return type(x)(to_plain(v) for v in x)
    return x


def compare_state(ours: dict, theirs: dict, dtype: str) -> None:
    assert ours["param_groups"] == theirs["param_groups"]
    assert ours["state"].keys() == theirs["state"].keys()
    for i, st in theirs["state"].items():
        assert ours["state"][i].keys() == st.keys()
        for key, v in st.items():
            mine = ours["state"][i][key]
            assert isinstance(mine, gg.Tensor), key
            assert str(mine.dtype).split(".")[-1] == str(v.dtype).split(".")[-1], key
            np.testing.assert_allclose(to_plain(mine), to_plain(v), **TOL[dtype], err_msg=key)


SGD_CASES = [
    dict(lr=0.1),
    dict(lr=0.05, momentum=0.9),
    dict(lr=0.05, momentum=0.9, dampening=0.3),
    dict(lr=0.05, momentum=0.8, nesterov=True),
    dict(lr=0.05, momentum=0.9, weight_decay=0.1),
    dict(lr=0.05, momentum=0.9, nesterov=True, weight_decay=0.05, maximize=True),
    dict(lr=0.1, weight_decay=0.2, maximize=True),
    dict(),  # PyTorch's defaults
]
ADAM_CASES = [
    dict(),
    dict(lr=0.01, amsgrad=True),
    dict(lr=0.01, weight_decay=0.1),
    dict(lr=0.01, weight_decay=0.1, amsgrad=True, maximize=True),
    dict(lr=0.02, betas=(0.5, 0.9)),    # lerp weight 0.5: PyTorch's other lerp branch
    dict(lr=0.02, betas=(0.2, 0.6), eps=1e-3),
    dict(lr=0.02, maximize=True),
]
RMSPROP_CASES = [
    dict(),
    dict(lr=0.01, centered=True),
    dict(lr=0.01, momentum=0.9),
    dict(lr=0.01, momentum=0.9, centered=True, weight_decay=0.1),
    dict(lr=0.01, alpha=0.3, centered=True, maximize=True),   # alpha < 0.5: other lerp branch
    dict(lr=0.01, alpha=0.9, eps=1e-4, weight_decay=0.05, maximize=True),
]
ADAGRAD_CASES = [
    dict(),
    dict(lr=0.1, lr_decay=0.05),
    dict(lr=0.1, weight_decay=0.1, initial_accumulator_value=0.5),
    dict(lr=0.1, lr_decay=0.01, eps=1e-3, maximize=True),
]
ADADELTA_CASES = [
    dict(),                                    # lr=1.0, as pytorch/examples' MNIST trains
    dict(lr=0.5, rho=0.3, eps=1e-4),
    dict(rho=0.95, weight_decay=0.1, maximize=True),
    dict(lr=2.0, rho=1.0),                     # ρ = 1: nothing ever accumulates, PyTorch allows it
]
ADAMAX_CASES = [
    dict(),
    dict(lr=0.01, betas=(0.5, 0.9)),           # lerp weight 0.5: PyTorch's other lerp branch
    dict(lr=0.02, betas=(0.2, 0.6), eps=1e-3, weight_decay=0.1),
    dict(lr=0.01, weight_decay=0.05, maximize=True),
]
NADAM_CASES = [
    dict(),
    dict(lr=0.01, momentum_decay=0.1),
    dict(lr=0.01, weight_decay=0.1),
    dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True, maximize=True),
    dict(lr=0.02, betas=(0.3, 0.9), eps=1e-3, momentum_decay=0.0),
]
RADAM_CASES = [
    dict(),                                    # β₂ = 0.999: ρₜ ≤ 5 for the first steps (plain momentum)
    dict(lr=0.01, betas=(0.9, 0.6)),           # ρₜ passes 5 within the 20 steps: rectified steps too
    dict(lr=0.01, betas=(0.4, 0.5), weight_decay=0.1),
    dict(lr=0.01, betas=(0.9, 0.6), weight_decay=0.1, decoupled_weight_decay=True, maximize=True),
    dict(lr=0.02, betas=(0.8, 0.3), eps=1e-3),
]
ALL_CASES = ([("SGD", c) for c in SGD_CASES] + [("Adam", c) for c in ADAM_CASES]
             + [("AdamW", c) for c in ADAM_CASES] + [("RMSprop", c) for c in RMSPROP_CASES]
             + [("Adagrad", c) for c in ADAGRAD_CASES] + [("Adadelta", c) for c in ADADELTA_CASES]
             + [("Adamax", c) for c in ADAMAX_CASES] + [("NAdam", c) for c in NADAM_CASES]
             + [("RAdam", c) for c in RADAM_CASES])
RULES = ["SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adadelta", "Adamax", "NAdam", "RAdam"]


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("cls_name,kwargs", ALL_CASES,
                         ids=[f"{n}-{i}" for i, (n, _) in enumerate(ALL_CASES)])
def test_steps_match_pytorch(cls_name, kwargs, dtype):
    run_both(cls_name, dtype, kwargs)


# per-group options: the second (and third) group override what matters for each rule
GROUP_CASES = [
    ("SGD", dict(lr=0.05, momentum=0.9),
     ({}, dict(lr=0.2, momentum=0.5, dampening=0.1), dict(momentum=0, weight_decay=0.1))),
    ("SGD", dict(lr=0.05), ({}, dict(momentum=0.9, nesterov=True))),
    ("Adam", dict(lr=0.01), ({}, dict(lr=0.05, betas=(0.8, 0.99), amsgrad=True),
                            dict(weight_decay=0.2, maximize=True))),
    ("AdamW", dict(lr=0.01), ({}, dict(weight_decay=0.5, amsgrad=True))),
    ("RMSprop", dict(lr=0.01), ({}, dict(centered=True, momentum=0.5), dict(alpha=0.9, lr=0.001))),
    ("Adagrad", dict(lr=0.1), ({}, dict(lr_decay=0.1, lr=0.3), dict(weight_decay=0.1))),
    ("Adadelta", dict(), ({}, dict(lr=0.1, rho=0.5), dict(weight_decay=0.1))),
    ("Adamax", dict(lr=0.01), ({}, dict(betas=(0.5, 0.9)), dict(weight_decay=0.2, maximize=True))),
    ("NAdam", dict(lr=0.01), ({}, dict(momentum_decay=0.1, lr=0.05),
                             dict(weight_decay=0.1, decoupled_weight_decay=True))),
    ("RAdam", dict(lr=0.01), ({}, dict(betas=(0.9, 0.6)),
                             dict(weight_decay=0.1, decoupled_weight_decay=True))),
]


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("cls_name,kwargs,groups", GROUP_CASES,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(GROUP_CASES)])
def test_param_groups_match_pytorch(cls_name, kwargs, groups, dtype):
    run_both(cls_name, dtype, kwargs, groups)


@pytest.mark.parametrize("cls_name", RULES + ["LBFGS"])
def test_signature_defaults_match_pytorch(cls_name):
    import inspect
    ours = inspect.signature(getattr(optim, cls_name)).parameters
    theirs = inspect.signature(getattr(torch.optim, cls_name)).parameters
    assert list(ours) == list(theirs)
    for name, par in theirs.items():
        assert ours[name].default == par.default, name
        assert ours[name].kind == par.kind, name


@pytest.mark.parametrize("cls_name", RULES)
def test_repr_matches_pytorch(cls_name):
    ours, theirs = make_params("float32")
    kwargs = dict(lr=0.01) if cls_name != "SGD" else dict(lr=0.01, momentum=0.9)
    r_g = repr(getattr(optim, cls_name)(groups_of(ours, ({}, dict(lr=0.5))), **kwargs))
    r_t = repr(getattr(torch.optim, cls_name)(groups_of(theirs, ({}, dict(lr=0.5))), **kwargs))
    assert r_g == r_t


# --- validation errors, in PyTorch's words -------------------------------------------------------------
BAD_ARGS = [
    ("SGD", dict(lr=-0.1)), ("SGD", dict(momentum=-1.0)), ("SGD", dict(weight_decay=-1.0)),
    ("SGD", dict(nesterov=True)), ("SGD", dict(nesterov=True, momentum=0.9, dampening=0.1)),
    ("Adam", dict(lr=-0.1)), ("Adam", dict(eps=-1.0)), ("Adam", dict(betas=(1.0, 0.9))),
    ("Adam", dict(betas=(0.9, -0.1))), ("Adam", dict(weight_decay=-1.0)),
    ("AdamW", dict(betas=(0.9, 1.5))), ("RMSprop", dict(alpha=-0.5)), ("RMSprop", dict(momentum=-1.0)),
    ("RMSprop", dict(eps=-1.0)), ("Adagrad", dict(lr_decay=-1.0)),
    ("Adagrad", dict(initial_accumulator_value=-1.0)), ("Adagrad", dict(eps=-1.0)),
    # several bad at once: the first in PyTorch's order is the one named
    ("SGD", dict(lr=-0.1, momentum=-1.0)), ("RMSprop", dict(weight_decay=-1.0, alpha=-1.0)),
    ("RMSprop", dict(lr=float("nan"))), ("Adagrad", dict(lr=-1.0, eps=-1.0)),
    ("Adagrad", dict(weight_decay=-1.0)), ("AdamW", dict(weight_decay=-1.0)),
    ("Adam", dict(betas=(0, 0), weight_decay=-1.0)),   # weight_decay is checked before the betas' type
    ("Adam", dict(betas=(0, 0))), ("Adam", dict(eps=-1.0, betas=(2.0, 0.9))),
    ("Adadelta", dict(lr=-1.0)), ("Adadelta", dict(rho=1.5)), ("Adadelta", dict(rho=-0.1, eps=-1.0)),
    ("Adadelta", dict(eps=-1.0)), ("Adadelta", dict(weight_decay=-1.0)),
    ("Adamax", dict(eps=-1.0, betas=(1.0, 0.9))), ("Adamax", dict(betas=(0.9, 1.0))),
    ("Adamax", dict(weight_decay=-1.0, betas=(-0.1, 0.9))),
    ("NAdam", dict(momentum_decay=-1.0)), ("NAdam", dict(weight_decay=-1.0, momentum_decay=-1.0)),
    ("NAdam", dict(betas=(0.9, 1.0))), ("RAdam", dict(lr=-1.0)), ("RAdam", dict(betas=(1.0, 0.9))),
    ("RAdam", dict(weight_decay=-1.0)), ("LBFGS", dict(lr=-1.0)),
]


@pytest.mark.parametrize("cls_name,kwargs", BAD_ARGS)
def test_invalid_arguments_raise_like_pytorch(cls_name, kwargs):
    with pytest.raises(ValueError) as theirs:
        getattr(torch.optim, cls_name)([torch.zeros(2, requires_grad=True)], **kwargs)
    with pytest.raises(ValueError, match=None) as ours:
        getattr(optim, cls_name)([gg.zeros(2, requires_grad=True)], **kwargs)
    assert str(ours.value) == str(theirs.value)


@pytest.mark.parametrize("cls_name,kwargs", [
    ("SGD", dict(lr=[0.1, 0.2])), ("Adam", dict(lr=[0.1, 0.2])), ("RMSprop", dict(lr=[0.1, 0.2])),
    ("Adagrad", dict(lr=[0.1, 0.2])), ("AdamW", dict(lr=0.1, foreach=True)),
    ("Adam", dict(betas=(0.9, 0.99), foreach=True)),
])
def test_tensor_options_are_checked_like_pytorch(cls_name, kwargs):
    """lr and betas may be Tensors (one number each), but not with foreach=True in Adam."""
    def build(lib, o):
        kw = dict(kwargs)
        if "lr" in kw:
            kw["lr"] = lib.tensor(kw["lr"])
        if "betas" in kw:
            kw["betas"] = tuple(lib.tensor(b) for b in kw["betas"])
        return getattr(o, cls_name)([lib.zeros(2, requires_grad=True)], **kw)

    with pytest.raises(ValueError) as theirs:
        build(torch, torch.optim)
    with pytest.raises(ValueError) as ours:
        build(gg, optim)
    assert str(ours.value) == str(theirs.value)


def test_sgd_lets_a_nan_learning_rate_through_like_pytorch():
    # PyTorch's SGD tests `lr < 0`, the others `not 0 <= lr`: only SGD accepts NaN.
    torch.optim.SGD([torch.zeros(2, requires_grad=True)], lr=float("nan"))
    optim.SGD([gg.zeros(2, requires_grad=True)], lr=float("nan"))


def test_invalid_learning_rate_message():
    with pytest.raises(ValueError, match=r"^Invalid learning rate: -0.1$"):
        optim.SGD([gg.zeros(2, requires_grad=True)], lr=-0.1)


def test_parameter_list_errors():
    p = gg.zeros(2, requires_grad=True)
    with pytest.raises(ValueError, match="optimizer got an empty parameter list"):
        optim.SGD([], lr=0.1)
    with pytest.raises(TypeError, match="should be an iterable of Tensors or dicts"):
        optim.SGD(p, lr=0.1)
    with pytest.raises(ValueError, match="can't optimize a non-leaf Tensor"):
        optim.SGD([p * 2], lr=0.1)
    with pytest.raises(ValueError, match="some parameters appear in more than one parameter group"):
        optim.SGD([{"params": [p]}, {"params": [p]}], lr=0.1)
    with pytest.raises(TypeError, match="optimizer can only optimize Tensors, but one of the params "
                                        "is float"):
        optim.SGD([1.0], lr=0.1)
    with pytest.raises(TypeError, match="ordered collections"):
        optim.SGD([{"params": {p}}], lr=0.1)
    opt = optim.Adam([p])
    with pytest.raises(ValueError, match="more than one parameter group"):
        opt.add_param_group({"params": p})
    with pytest.raises(TypeError, match="param_group must be a dict"):
        opt.add_param_group([p])


def test_non_leaf_that_retains_grad_is_accepted():
    q = gg.zeros(2, requires_grad=True) * 2
    q.retain_grad()
    optim.SGD([q], lr=0.1)


def test_duplicate_parameter_warns_like_pytorch():
    p = gg.zeros(2, requires_grad=True)
    with pytest.warns(UserWarning, match="duplicate parameters"):
        optim.SGD([p, p], lr=0.1)


def test_unsupported_modes_are_refused_not_ignored():
    p = gg.zeros(2, requires_grad=True)
    with pytest.raises(NotImplementedError, match="differentiable"):
        optim.Adam([p], differentiable=True)
    with pytest.raises(NotImplementedError, match="capturable"):
        optim.RMSprop([p], capturable=True)


# --- zero_grad, closure, grad mode, version counter ------------------------------------------------------
def test_zero_grad_set_to_none_and_to_zero():
    p = gg.ones(3, requires_grad=True)
    opt = optim.SGD([p], lr=0.1)
    (p * p).sum().backward()
    opt.zero_grad()
    assert p.grad is None
    (p * p).sum().backward()
    g = p.grad
    opt.zero_grad(set_to_none=False)
    assert p.grad is g and g.tolist() == [0.0, 0.0, 0.0]
    (p * 3).sum().backward()  # accumulates into the zeroed tensor
    assert p.grad.tolist() == [3.0, 3.0, 3.0]


def test_params_without_grad_are_left_alone_and_get_no_state():
    p, q = gg.ones(2, requires_grad=True), gg.ones(2, requires_grad=True)
    opt = optim.Adam([p, q], lr=0.1)
    p.grad = gg.ones(2)
    opt.step()
    assert q.tolist() == [1.0, 1.0] and q not in opt.state
    assert p.tolist() != [1.0, 1.0]


def test_closure_is_evaluated_with_grad_enabled_and_its_loss_returned():
    p = gg.tensor([1.0, -2.0], requires_grad=True)
    opt = optim.SGD([p], lr=0.25)
    seen = []

    def closure():
        seen.append(gg.is_grad_enabled())
        opt.zero_grad()
        loss = (p * p).sum()
        loss.backward()
        return loss

    with gg.no_grad():
        loss = opt.step(closure)
    assert seen == [True]
    assert loss.item() == 5.0
    assert p.tolist() == [0.5, -1.0]    # θ − 0.25·2θ


def test_step_runs_under_no_grad_and_bumps_the_version():
    p = gg.tensor([1.0, 2.0], requires_grad=True)
    opt = optim.SGD([p], lr=0.1)
    y = (p * p).sum()            # saves p for backward
    p.grad = gg.ones(2)
    before = p._version
    opt.step()
    assert p._version == before + 1
    assert gg.is_grad_enabled() and p.is_leaf and p.requires_grad
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.backward()


def test_views_of_parameters_see_the_update():
    p = gg.zeros(2, 2, requires_grad=True)
    view = p.detach()
    p.grad = gg.ones(2, 2)
    optim.SGD([p], lr=1.0).step()
    assert view.tolist() == [[-1.0, -1.0], [-1.0, -1.0]]


def test_learning_rate_can_be_changed_between_steps_like_pytorch():
    ours, theirs = make_params("float64")
    opt_g, opt_t = optim.Adam(ours, lr=0.1), torch.optim.Adam(theirs, lr=0.1)
    for k in range(6):
        for p, q in zip(ours, theirs):
            p.grad = gg.tensor(np.asarray(np.sin(p.detach().numpy()) + k))
            q.grad = torch.sin(q.detach()) + k
        for g in (opt_g, opt_t):
            g.param_groups[0]["lr"] = 0.1 / (k + 1)
        opt_g.step()
        opt_t.step()
    for p, q in zip(ours, theirs):
        np.testing.assert_allclose(p.detach().numpy(), q.detach().numpy(), rtol=1e-12)


# --- state dicts ------------------------------------------------------------------------------------------
def test_state_dict_layout_matches_pytorch():
    _, _ = run_both("SGD", "float32", dict(lr=0.1, momentum=0.9), ({}, dict(lr=0.2)), steps=2)
    opt_g, opt_t = run_both("Adam", "float32", dict(lr=0.1, amsgrad=True), ({}, dict(lr=0.2)), steps=2)
    sd = opt_g.state_dict()
    assert list(sd) == ["state", "param_groups"]
    assert sd["param_groups"][0]["params"] == [0, 1] and sd["param_groups"][1]["params"] == [2, 3]
    assert list(sd["state"][0]) == list(opt_t.state_dict()["state"][0])
    assert sd["state"][0]["step"].dtype == gg.float32 and sd["state"][0]["step"].shape == ()


def test_state_dict_with_named_parameters():
    a, b = gg.zeros(2, requires_grad=True), gg.zeros(3, requires_grad=True)
    opt = optim.SGD([("a", a), ("b", b)], lr=0.1)
    assert opt.state_dict()["param_groups"][0]["param_names"] == ["a", "b"]
    assert opt.param_groups[0]["params"] == [a, b]
    with pytest.raises(ValueError, match="with/without names"):
        opt.add_param_group({"params": [gg.zeros(1, requires_grad=True)]})


@pytest.mark.parametrize("cls_name,kwargs", [("SGD", dict(lr=0.1, momentum=0.9)),
                                              ("Adam", dict(lr=0.05, amsgrad=True)),
                                              ("AdamW", dict(lr=0.05)),
                                              ("RMSprop", dict(lr=0.01, centered=True, momentum=0.5)),
                                              ("Adagrad", dict(lr=0.1, lr_decay=0.1))])
def test_resume_from_state_dict_equals_uninterrupted_run(cls_name, kwargs):
    def grads(params, k):
        for p in params:
            p.grad = gg.tensor(np.asarray(np.cos(p.detach().numpy() * (k + 1))))

    ours, _ = make_params("float64")
    opt = getattr(optim, cls_name)(groups_of(ours, ({}, dict(lr=0.02))), **kwargs)
    for k in range(10):
        grads(ours, k)
        opt.step()
        if k == 4:
            saved_params = [p.detach().numpy().copy() for p in ours]
            saved = copy.deepcopy(opt.state_dict())

    resumed = [gg.tensor(a, requires_grad=True) for a in saved_params]
    opt2 = getattr(optim, cls_name)(groups_of(resumed, ({}, dict(lr=0.5))), **kwargs)
    opt2.load_state_dict(saved)
    assert opt2.param_groups[1]["lr"] == 0.02   # options come from the checkpoint
    for k in range(5, 10):
        grads(resumed, k)
        opt2.step()
    for p, q in zip(ours, resumed):
        np.testing.assert_array_equal(p.detach().numpy(), q.detach().numpy())


def test_load_pytorch_state_dict_then_continue_like_pytorch():
    """A checkpoint written by torch.optim (tensors converted) resumes in glassgrad with equal numbers."""
    ours, theirs = make_params("float64")
    opt_t = torch.optim.Adam(theirs, lr=0.05, amsgrad=True)
    for k in range(3):
        for q in theirs:
            q.grad = torch.cos(q.detach() * (k + 1))
        opt_t.step()
    for p, q in zip(ours, theirs):
        p.detach().numpy()[...] = q.detach().numpy()

    def convert(x):
        if isinstance(x, torch.Tensor):
            return gg.tensor(x.detach().numpy().copy())
        if isinstance(x, dict):
            return {k: convert(v) for k, v in x.items()}
        if isinstance(x, list):
            return [convert(v) for v in x]
        return x

    opt_g = optim.Adam(ours, lr=0.05, amsgrad=True)
    opt_g.load_state_dict(convert(opt_t.state_dict()))
    for k in range(3, 8):
        for p, q in zip(ours, theirs):
            q.grad = torch.cos(q.detach() * (k + 1))
            p.grad = gg.tensor(np.asarray(np.cos(p.detach().numpy() * (k + 1))))
        opt_t.step()
        opt_g.step()
    for p, q in zip(ours, theirs):
        np.testing.assert_allclose(p.detach().numpy(), q.detach().numpy(), rtol=1e-12)


def test_load_state_dict_checks_groups_and_casts_state():
    p32 = gg.ones(2, dtype=gg.float32, requires_grad=True)
    opt = optim.SGD([p32], lr=0.1, momentum=0.9)
    state = {"state": {0: {"momentum_buffer": gg.tensor([1.0, 2.0], dtype=gg.float64)}},
             "param_groups": [dict(opt.state_dict()["param_groups"][0])]}
    opt.load_state_dict(state)
    buf = opt.state[p32]["momentum_buffer"]
    assert buf.dtype == gg.float32 and buf is not state["state"][0]["momentum_buffer"]
    with pytest.raises(ValueError, match="different number of parameter groups"):
        opt.load_state_dict({"state": {}, "param_groups": []})
    bad = {"state": {}, "param_groups": [dict(state["param_groups"][0], params=[0, 1])]}
    with pytest.raises(ValueError, match="doesn't match the size of optimizer's group"):
        opt.load_state_dict(bad)


def test_old_checkpoint_with_numeric_step_is_upgraded():
    p = gg.ones(2, requires_grad=True)
    opt = optim.Adam([p], lr=0.1)
    p.grad = gg.ones(2)
    opt.step()
    sd = opt.state_dict()
    sd["state"][0]["step"] = 1  # PyTorch < 1.12 kept a plain number
    opt2 = optim.Adam([gg.ones(2, requires_grad=True)], lr=0.1)
    opt2.load_state_dict(sd)
    step = next(iter(opt2.state.values()))["step"]
    assert isinstance(step, gg.Tensor) and step.item() == 1.0


@pytest.mark.parametrize("cls_name", RULES)
def test_checkpoint_without_newer_options_gets_pytorch_defaults(cls_name):
    """A group saved before maximize/foreach/... existed is filled in as PyTorch's __setstate__ does."""
    ours, theirs = make_params("float64")
    opt_g = getattr(optim, cls_name)(ours, lr=0.1, maximize=True)
    opt_t = getattr(torch.optim, cls_name)(theirs, lr=0.1, maximize=True)
    for opt in (opt_g, opt_t):
        sd = opt.state_dict()
        kept = {"lr", "params", "weight_decay", "momentum", "dampening", "betas", "eps", "alpha",
                "lr_decay", "initial_accumulator_value", "rho", "momentum_decay"}
        sd["param_groups"] = [{k: v for k, v in g.items() if k in kept} for g in sd["param_groups"]]
        opt.load_state_dict(sd)
    assert opt_g.param_groups[0] | {"params": None} == opt_t.param_groups[0] | {"params": None}
    assert opt_g.defaults["differentiable"] is False


def test_adagrad_state_exists_before_any_step_and_for_added_groups():
    p = gg.ones(2, requires_grad=True)
    opt = optim.Adagrad([p], lr=0.1, initial_accumulator_value=0.25)
    assert opt.state[p]["sum"].tolist() == [0.25, 0.25] and opt.state[p]["step"].item() == 0
    q = gg.ones(3, requires_grad=True)
    opt.add_param_group({"params": [q], "lr": 1.0})
    q.grad = gg.ones(3)
    opt.step()     # lazily initialised from the constructor's initial_accumulator_value
    assert opt.state[q]["sum"].tolist() == [1.25] * 3
    np.testing.assert_allclose(q.detach().numpy(), 1 - 1 / (np.sqrt(1.25) + 1e-10), rtol=1e-6)


def test_added_param_group_gets_defaults_and_matches_pytorch():
    ours, theirs = make_params("float64")
    opt_g = optim.SGD(ours[:2], lr=0.1, momentum=0.9)
    opt_t = torch.optim.SGD(theirs[:2], lr=0.1, momentum=0.9)
    opt_g.add_param_group({"params": ours[2:], "lr": 0.3})
    opt_t.add_param_group({"params": theirs[2:], "lr": 0.3})
    assert opt_g.param_groups[1] | {"params": None} == opt_t.param_groups[1] | {"params": None}
    for k in range(5):
        for p, q in zip(ours, theirs):
            p.grad = gg.tensor(np.asarray(np.sin(p.detach().numpy())))
            q.grad = torch.sin(q.detach())
        opt_g.step()
        opt_t.step()
    for p, q in zip(ours, theirs):
        np.testing.assert_allclose(p.detach().numpy(), q.detach().numpy(), rtol=1e-12)


def test_state_dict_survives_glassgrad_save_and_load(tmp_path):
    save, load = serialization.save, serialization.load
    ours, _ = make_params("float32")
    opt = optim.Adam(groups_of(ours, ({}, dict(lr=0.5))), lr=0.01, amsgrad=True)
    for p in ours:
        p.grad = gg.ones(*p.shape)
    opt.step()
    save(opt.state_dict(), tmp_path / "opt.gg")
    loaded = load(tmp_path / "opt.gg")
    assert to_plain(loaded)["param_groups"] == to_plain(opt.state_dict())["param_groups"]
    fresh = optim.Adam(groups_of([gg.tensor(p.detach().numpy(), requires_grad=True) for p in ours],
                                 ({}, dict(lr=0.5))), lr=0.01, amsgrad=True)
    fresh.load_state_dict(loaded)
    for a, b in zip(opt.state.values(), fresh.state.values()):
        for key in a:
            np.testing.assert_array_equal(a[key].numpy(), b[key].numpy())


def test_training_a_tiny_regression_matches_pytorch_through_autograd():
    """The whole loop — forward, backward, step — with glassgrad's autograd producing the gradients."""
    rng = np.random.default_rng(3)
    x = rng.standard_normal((16, 3))
    y = x @ np.array([[1.5], [-2.0], [0.5]]) + 0.3
    w0, b0 = rng.standard_normal((3, 1)), np.zeros(1)
    results = []
    for lib, o in ((gg, optim), (torch, torch.optim)):
        w = lib.tensor(w0, requires_grad=True)
        b = lib.tensor(b0, requires_grad=True)
        xs, ys = lib.tensor(x), lib.tensor(y)
        opt = o.Adam([w, b], lr=0.1)
        losses = []
        for _ in range(60):
            opt.zero_grad()
            loss = ((xs @ w + b - ys) ** 2).mean()
            loss.backward()
            opt.step()
            losses.append(loss.item())
        results.append((w.detach().numpy().copy(), b.detach().numpy().copy(), losses))
    np.testing.assert_allclose(results[0][0], results[1][0], rtol=1e-10)
    np.testing.assert_allclose(results[0][1], results[1][1], rtol=1e-10)
    np.testing.assert_allclose(results[0][2], results[1][2], rtol=1e-10)
    assert results[0][2][-1] < 0.01 * results[0][2][0]


def test_no_warnings_in_a_normal_loop():
    p = gg.ones(3, requires_grad=True)
    opt = optim.AdamW([p], lr=0.1)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for _ in range(3):
            opt.zero_grad()
            (p * p).sum().backward()
            opt.step()


def test_every_option_combination_of_sgd_matches_pytorch_briefly():
    """All valid SGD option combinations, 4 steps each, float64 (cheap, and catches interactions)."""
    for momentum, dampening, wd, nesterov, maximize in itertools.product(
            (0, 0.9), (0, 0.5), (0, 0.1), (False, True), (False, True)):
        if nesterov and (momentum == 0 or dampening != 0):
            continue
        run_both("SGD", "float64", dict(lr=0.05, momentum=momentum, dampening=dampening,
                                        weight_decay=wd, nesterov=nesterov, maximize=maximize),
                 steps=4, skip_grad_at=2)


# --- random hyperparameters: hypothesis draws the options, PyTorch is the oracle -------------------------
from hypothesis import given, settings, strategies as st  # noqa: E402

unit = st.floats(0.0, 0.99)


@st.composite
def optimizer_cases(draw):
    name = draw(st.sampled_from(RULES))
    kw = dict(lr=draw(st.floats(1e-4, 0.5)), maximize=draw(st.booleans()),
              weight_decay=draw(st.sampled_from([0.0, draw(st.floats(1e-4, 0.5))])))
    if name == "SGD":
        kw["momentum"] = draw(st.sampled_from([0.0, draw(unit)]))
        kw["nesterov"] = kw["momentum"] > 0 and draw(st.booleans())
        kw["dampening"] = 0.0 if kw["nesterov"] else draw(unit)
    elif name in ("Adam", "AdamW"):
        kw["betas"] = (draw(unit), draw(unit))
        kw["eps"] = draw(st.floats(1e-8, 1e-2))
        kw["amsgrad"] = draw(st.booleans())
    elif name in ("Adamax", "NAdam", "RAdam"):
        kw["betas"] = (draw(unit), draw(unit))
        kw["eps"] = draw(st.floats(1e-8, 1e-2))
        if name == "NAdam":
            kw["momentum_decay"] = draw(st.floats(0.0, 0.5))
        if name != "Adamax":
            kw["decoupled_weight_decay"] = draw(st.booleans())
    elif name == "Adadelta":
        kw.update(rho=draw(unit), eps=draw(st.floats(1e-8, 1e-2)))
    elif name == "RMSprop":
        # alpha near 0 makes centered RMSprop's s − ḡ² a cancellation of two equal numbers, where
        # PyTorch's fused multiply-add leaves a rounding residue (even a negative one: NaN) and numpy
        # leaves 0; realistic alphas are well away from that.
        kw.update(alpha=draw(st.floats(0.5, 0.999)), momentum=draw(st.sampled_from([0.0, draw(unit)])),
                  centered=draw(st.booleans()), eps=draw(st.floats(1e-8, 1e-2)))
    else:
        kw.update(lr_decay=draw(st.floats(0.0, 0.5)), eps=draw(st.floats(1e-10, 1e-2)),
                  initial_accumulator_value=draw(st.floats(0.0, 1.0)))
    return name, kw


@settings(max_examples=40, deadline=None)
@given(case=optimizer_cases(), seed=st.integers(0, 2**16))
def test_random_options_match_pytorch(case, seed):
    name, kwargs = case
    run_both(name, "float64", kwargs, steps=6, seed=seed, skip_grad_at=3)
