"""glassgrad.optim.lr_scheduler against torch.optim.lr_scheduler: the learning-rate sequences.

Each case builds the same optimizer (two parameter groups with different learning rates) in both
libraries, attaches the scheduler, and runs the normal loop — ``optimizer.step()`` then
``scheduler.step()`` — for 100 steps, comparing ``get_last_lr()`` and every group's ``lr`` (and, for
OneCycleLR, the cycled momentum / β₁) to 1e-12 relative after every step.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
import torch

import glassgrad as gg
from glassgrad import optim, serialization
from glassgrad.optim import lr_scheduler as gsched

tsched = torch.optim.lr_scheduler


def make_optimizers(opt_name="SGD", lrs=(0.1, 0.03), **kwargs):
    ours = [gg.ones(2, requires_grad=True) for _ in lrs]
    theirs = [torch.ones(2, requires_grad=True) for _ in lrs]
    opt_g = getattr(optim, opt_name)([{"params": [p], "lr": lr} for p, lr in zip(ours, lrs)], **kwargs)
    opt_t = getattr(torch.optim, opt_name)([{"params": [p], "lr": lr} for p, lr in zip(theirs, lrs)],
                                           **kwargs)
    return (opt_g, ours), (opt_t, theirs)


def one_step(opt, params, lib):
    for p in params:
        p.grad = lib.ones(2)
    opt.step()


def assert_same_lrs(s_g, s_t, opt_g, opt_t, what):
    """Bit-equal: the same formulas in the same order (CosineAnnealingLR's recursive form differs from
    its closed form in the last bits, so a closed-form shortcut would fail here)."""
    assert s_g.get_last_lr() == s_t.get_last_lr(), what
    for g, t in zip(opt_g.param_groups, opt_t.param_groups):
        assert g["lr"] == t["lr"], what
        for key in ("momentum", "betas"):
            if key in t:
                assert g[key] == t[key], f"{what} {key}"


SCHEDULERS = [
    ("StepLR", dict(step_size=7)),
    ("StepLR", dict(step_size=3, gamma=0.5)),
    ("MultiStepLR", dict(milestones=[10, 30, 30, 75])),
    ("MultiStepLR", dict(milestones=[5, 50], gamma=0.3)),
    ("ExponentialLR", dict(gamma=0.97)),
    ("ExponentialLR", dict(gamma=0.5)),
    ("CosineAnnealingLR", dict(T_max=100)),
    ("CosineAnnealingLR", dict(T_max=30, eta_min=0.001)),   # past T_max: it rises again, periodically
    ("CosineAnnealingLR", dict(T_max=7, eta_min=0.01)),
    ("LambdaLR", dict(lr_lambda=lambda e: 1.0 / (1 + 0.1 * e))),
    ("LambdaLR", "per-group"),
    ("OneCycleLR", dict(max_lr=0.5, total_steps=101)),
    ("OneCycleLR", dict(max_lr=[0.5, 0.2], epochs=5, steps_per_epoch=21, anneal_strategy="linear")),
    ("OneCycleLR", dict(max_lr=1.0, total_steps=110, three_phase=True, pct_start=0.25)),
    ("OneCycleLR", dict(max_lr=0.3, total_steps=100, cycle_momentum=False, div_factor=10.0,
                        final_div_factor=100.0)),
    ("OneCycleLR", dict(max_lr=0.3, total_steps=100, base_momentum=[0.8, 0.7],
                        max_momentum=0.99)),
]


@pytest.mark.parametrize("opt_name", ["SGD", "Adam"])
@pytest.mark.parametrize("name,kwargs", SCHEDULERS, ids=[f"{n}-{i}" for i, (n, _) in enumerate(SCHEDULERS)])
def test_sequence_matches_pytorch(name, kwargs, opt_name):
    if kwargs == "per-group":
        kwargs = dict(lr_lambda=[lambda e: 0.95 ** e, lambda e: 1.0 if e < 40 else 0.1])
    extra = dict(momentum=0.9) if opt_name == "SGD" else {}
    (opt_g, pg), (opt_t, pt) = make_optimizers(opt_name, **extra)
    s_g = getattr(gsched, name)(opt_g, **kwargs)
    s_t = getattr(tsched, name)(opt_t, **kwargs)
    assert_same_lrs(s_g, s_t, opt_g, opt_t, "after construction")
    with warnings.catch_warnings():
        warnings.simplefilter("error")   # the normal loop must not warn
        for k in range(100):
            one_step(opt_g, pg, gg)
            one_step(opt_t, pt, torch)
            s_g.step()
            s_t.step()
            assert_same_lrs(s_g, s_t, opt_g, opt_t, f"{name} {kwargs} step {k}")
    assert s_g.last_epoch == s_t.last_epoch
    assert s_g.state_dict().keys() == s_t.state_dict().keys()


def test_sequence_values_by_hand():
    """A few learning rates worked out by hand (independent of PyTorch)."""
    (opt, params), _ = make_optimizers(lrs=(1.0,))
    s = gsched.StepLR(opt, step_size=2, gamma=0.5)
    seen = [s.get_last_lr()[0]]
    for _ in range(5):
        one_step(opt, params, gg)
        s.step()
        seen.append(s.get_last_lr()[0])
    assert seen == [1.0, 1.0, 0.5, 0.5, 0.25, 0.25]
    (opt, params), _ = make_optimizers(lrs=(1.0,))
    s = gsched.CosineAnnealingLR(opt, T_max=4)
    seen = [s.get_last_lr()[0]]
    for _ in range(4):
        one_step(opt, params, gg)
        s.step()
        seen.append(s.get_last_lr()[0])
    np.testing.assert_allclose(seen, [(1 + math.cos(math.pi * e / 4)) / 2 for e in range(5)],
                               atol=1e-15)


def test_onecycle_runs_out_like_pytorch():
    (opt, params), _ = make_optimizers()
    s = gsched.OneCycleLR(opt, max_lr=0.1, total_steps=5)
    for _ in range(4):
        one_step(opt, params, gg)
        s.step()
    np.testing.assert_allclose(s.get_last_lr(), [0.1 / 25 / 1e4] * 2)
    one_step(opt, params, gg)
    with pytest.raises(ValueError, match="Tried to step 6 times. The specified number of total steps "
                                         "is 5"):
        s.step()
        s.step()


def test_chained_schedulers_compose_like_pytorch():
    """Two schedulers on one optimizer: the chainable form multiplies their effects, as in PyTorch."""
    (opt_g, pg), (opt_t, pt) = make_optimizers()
    sg = [gsched.ExponentialLR(opt_g, gamma=0.9), gsched.StepLR(opt_g, step_size=5, gamma=0.5)]
    st = [tsched.ExponentialLR(opt_t, gamma=0.9), tsched.StepLR(opt_t, step_size=5, gamma=0.5)]
    for k in range(30):
        one_step(opt_g, pg, gg)
        one_step(opt_t, pt, torch)
        for a, b in zip(sg, st):
            a.step()
            b.step()
        assert_same_lrs(sg[1], st[1], opt_g, opt_t, f"step {k}")


@pytest.mark.parametrize("kwargs", [
    dict(),
    dict(mode="max", factor=0.5, patience=2),
    dict(patience=3, threshold=0.1, threshold_mode="abs", cooldown=2),
    dict(mode="max", patience=1, threshold=0.05, threshold_mode="abs", min_lr=[0.01, 0.02]),
    dict(factor=0.5, patience=0, min_lr=0.005, eps=1e-3),
    dict(patience=2, threshold=0.2, cooldown=4, factor=0.3),
])
def test_reduce_on_plateau_matches_pytorch(kwargs):
    (opt_g, pg), (opt_t, pt) = make_optimizers()
    s_g = gsched.ReduceLROnPlateau(opt_g, **kwargs)
    s_t = tsched.ReduceLROnPlateau(opt_t, **kwargs)
    rng = np.random.default_rng(7)
    # a metric that improves, stalls, and wanders: every branch (better, bad, cooldown) gets exercised
    metric = np.concatenate([np.linspace(2, 1, 20), np.full(15, 1.0), 1 + rng.standard_normal(65) * 0.1])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for k, m in enumerate(metric):
            one_step(opt_g, pg, gg)
            one_step(opt_t, pt, torch)
            s_g.step(float(m))
            s_t.step(float(m))
            assert_same_lrs(s_g, s_t, opt_g, opt_t, f"step {k}")
            assert (s_g.best, s_g.num_bad_epochs, s_g.cooldown_counter) == \
                (s_t.best, s_t.num_bad_epochs, s_t.cooldown_counter)
    assert s_g.state_dict() == s_t.state_dict()


def test_reduce_on_plateau_accepts_a_tensor_metric():
    (opt, _), _ = make_optimizers(lrs=(1.0,))
    s = gsched.ReduceLROnPlateau(opt, patience=0)
    s.step(gg.tensor(1.0))
    s.step(gg.tensor(2.0))
    assert s.get_last_lr() == [0.1]


def test_errors_match_pytorch():
    (opt_g, _), (opt_t, _) = make_optimizers()
    cases = [
        ("ReduceLROnPlateau", dict(factor=1.0)),
        ("ReduceLROnPlateau", dict(mode="avg")),
        ("ReduceLROnPlateau", dict(threshold_mode="pct")),
        ("ReduceLROnPlateau", dict(min_lr=[0.1])),
        ("OneCycleLR", dict(max_lr=0.1)),
        ("OneCycleLR", dict(max_lr=0.1, total_steps=0)),
        ("OneCycleLR", dict(max_lr=0.1, epochs=0, steps_per_epoch=3)),
        ("OneCycleLR", dict(max_lr=0.1, total_steps=10, pct_start=1.5)),
        ("OneCycleLR", dict(max_lr=0.1, total_steps=10, anneal_strategy="exp")),
        ("OneCycleLR", dict(max_lr=[0.1], total_steps=10)),
        ("LambdaLR", dict(lr_lambda=[lambda e: 1.0])),
    ]
    for name, kwargs in cases:
        with pytest.raises(ValueError) as theirs:
            getattr(tsched, name)(opt_t, **kwargs)
        with pytest.raises(ValueError) as ours:
            getattr(gsched, name)(opt_g, **kwargs)
        assert str(ours.value) == str(theirs.value), name
    with pytest.raises(TypeError, match="list is not an Optimizer"):
        gsched.StepLR([], step_size=1)
    with pytest.raises(KeyError, match="initial_lr"):
        gsched.StepLR(opt_g, step_size=1, last_epoch=3)
    (opt_a, _), _ = make_optimizers("Adagrad")
    with pytest.raises(ValueError, match="must support momentum or beta1"):
        gsched.OneCycleLR(opt_a, max_lr=0.1, total_steps=10)


def test_warns_when_scheduler_steps_before_optimizer():
    (opt, _), _ = make_optimizers()
    s = gsched.StepLR(opt, step_size=1)
    with pytest.warns(UserWarning, match=r"Detected call of `lr_scheduler.step\(\)` before "
                                         r"`optimizer.step\(\)`"):
        s.step()


def test_get_lr_outside_step_warns():
    (opt, _), _ = make_optimizers()
    s = gsched.ExponentialLR(opt, gamma=0.5)
    with pytest.warns(UserWarning, match="please use `get_last_lr\\(\\)`"):
        s.get_lr()


def test_epoch_argument_uses_closed_form_with_deprecation_warning():
    (opt_g, pg), (opt_t, pt) = make_optimizers()
    s_g = gsched.CosineAnnealingLR(opt_g, T_max=10)
    s_t = tsched.CosineAnnealingLR(opt_t, T_max=10)
    one_step(opt_g, pg, gg)
    one_step(opt_t, pt, torch)
    with pytest.warns(UserWarning, match="The epoch parameter in `scheduler.step\\(\\)`"):
        s_g.step(7)
    with pytest.warns(UserWarning):
        s_t.step(7)
    assert_same_lrs(s_g, s_t, opt_g, opt_t, "epoch=7")


@pytest.mark.parametrize("name,kwargs", [("StepLR", dict(step_size=4, gamma=0.5)),
                                         ("CosineAnnealingLR", dict(T_max=20, eta_min=0.001)),
                                         ("OneCycleLR", dict(max_lr=0.5, total_steps=40)),
                                         ("MultiStepLR", dict(milestones=[3, 9, 9]))])
def test_resume_from_state_dicts_continues_the_same_sequence(name, kwargs):
    (opt, params), _ = make_optimizers()
    s = getattr(gsched, name)(opt, **kwargs)
    for _ in range(12):
        one_step(opt, params, gg)
        s.step()
    opt_sd, sched_sd = opt.state_dict(), s.state_dict()
    expected = []
    for _ in range(15):
        one_step(opt, params, gg)
        s.step()
        expected.append(s.get_last_lr())

    (opt2, params2), _ = make_optimizers()
    s2 = getattr(gsched, name)(opt2, **kwargs)
    opt2.load_state_dict(opt_sd)
    s2.load_state_dict(sched_sd)
    got = []
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for _ in range(15):
            one_step(opt2, params2, gg)
            s2.step()
            got.append(s2.get_last_lr())
    assert got == expected


def test_lambda_state_dict_keeps_callable_objects_not_functions():
    class Warmup:
        def __init__(self, n):
            self.n = n

        def __call__(self, e):
            return min(1.0, (e + 1) / self.n)

    (opt, _), _ = make_optimizers()
    s = gsched.LambdaLR(opt, [lambda e: 1.0, Warmup(5)])
    sd = s.state_dict()
    assert sd["lr_lambdas"] == [None, {"n": 5}]
    s2 = gsched.LambdaLR(opt, [lambda e: 1.0, Warmup(99)])
    s2.load_state_dict(sd)
    assert s2.lr_lambdas[1].n == 5


@pytest.mark.filterwarnings("ignore:The epoch parameter")   # step(k) on purpose: the closed forms
def test_scheduler_state_dict_survives_glassgrad_save(tmp_path):
    save, load = serialization.save, serialization.load
    for make in (lambda o: gsched.OneCycleLR(o, max_lr=0.5, total_steps=40),
                 lambda o: gsched.MultiStepLR(o, milestones=[2, 7, 7]),
                 lambda o: gsched.ReduceLROnPlateau(o, patience=1)):
        (opt, params), _ = make_optimizers()
        s = make(opt)
        for k in range(5):
            one_step(opt, params, gg)
            s.step(1.0) if isinstance(s, gsched.ReduceLROnPlateau) else s.step()
        save(s.state_dict(), tmp_path / "sched.gg")
        assert load(tmp_path / "sched.gg") == s.state_dict()
        (opt2, params2), _ = make_optimizers()
        s2 = make(opt2)
        opt2.load_state_dict(opt.state_dict())
        s2.load_state_dict(load(tmp_path / "sched.gg"))
        for k in range(5, 12):
            for o, sch in ((opt, s), (opt2, s2)):
                sch.step(1.0) if isinstance(sch, gsched.ReduceLROnPlateau) else sch.step(k)
            assert s2.get_last_lr() == s.get_last_lr()
