"""Rprop, ASGD and CyclicLR against PyTorch: the same parameters after every step (to the last bit in
float64, to float32's rounding in float32), the same state keys, reprs and errors."""

import numpy as np
import pytest
import torch

import glassgrad as gg

RNG = np.random.default_rng(5)
W0 = RNG.normal(size=(3, 4))
TARGET = RNG.normal(size=(3, 4))


def run(module, make, dtype, steps=12):
    w = module.nn.Parameter(module.tensor(W0, dtype=getattr(module, dtype)))
    optimizer = make(module, [w])
    history = []
    for _ in range(steps):
        optimizer.zero_grad()
        loss = ((w - module.tensor(TARGET, dtype=getattr(module, dtype))) ** 3).abs().sum()
        loss.backward()
        optimizer.step()
        history.append(w.detach().numpy().copy())
    return np.array(history), optimizer, w


OPTIMIZERS = [
    ("Rprop", lambda m, p: m.optim.Rprop(p)),
    ("Rprop options", lambda m, p: m.optim.Rprop(p, lr=0.1, etas=(0.3, 1.5), step_sizes=(1e-3, 0.2), maximize=True)),
    ("ASGD", lambda m, p: m.optim.ASGD(p)),
    ("ASGD averaging", lambda m, p: m.optim.ASGD(p, lr=0.05, lambd=0.01, alpha=0.5, t0=3, weight_decay=0.1)),
    ("ASGD maximize", lambda m, p: m.optim.ASGD(p, lr=0.01, maximize=True)),
]


@pytest.mark.parametrize("make", [o[1] for o in OPTIMIZERS], ids=[o[0] for o in OPTIMIZERS])
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_optimizer_steps_match_pytorch(make, dtype):
    ours, optimizer, w = run(gg, make, dtype)
    theirs, reference, rw = run(torch, make, dtype)
    if dtype == "float64":
        np.testing.assert_array_equal(ours, theirs)
    else:
        np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-6)
    assert list(optimizer.state[w]) == list(reference.state[rw])
    for key, value in reference.state[rw].items():
        np.testing.assert_allclose(optimizer.state[w][key].numpy(), value.numpy(), rtol=1e-5, atol=1e-7)
    assert repr(optimizer) == repr(reference)


def test_asgd_average_is_kept():
    _, optimizer, w = run(gg, OPTIMIZERS[3][1], "float64")
    _, reference, rw = run(torch, OPTIMIZERS[3][1], "float64")
    np.testing.assert_array_equal(optimizer.state[w]["ax"].numpy(), reference.state[rw]["ax"].numpy())


@pytest.mark.parametrize("call", [lambda m, p: m.optim.Rprop(p, lr=-1), lambda m, p: m.optim.Rprop(p, etas=(1.5, 2)),
                                  lambda m, p: m.optim.ASGD(p, lr=-0.1), lambda m, p: m.optim.ASGD(p, weight_decay=-1)])
def test_optimizer_errors(call):
    with pytest.raises(ValueError) as theirs:
        call(torch, [torch.nn.Parameter(torch.ones(1))])
    with pytest.raises(ValueError) as ours:
        call(gg, [gg.nn.Parameter(gg.ones(1))])
    assert str(ours.value) == str(theirs.value)


def lr_history(module, optimizer_name, steps=25, **kwargs):
    w = module.nn.Parameter(module.ones(2))
    if optimizer_name == "Adam":
        optimizer = module.optim.Adam([w], lr=0.1)
    else:
        optimizer = module.optim.SGD([w], lr=0.1, momentum=0.9)
    scheduler = module.optim.lr_scheduler.CyclicLR(optimizer, **kwargs)
    rates, momenta = [], []
    for _ in range(steps):
        optimizer.step()
        scheduler.step()
        rates.append(scheduler.get_last_lr()[0])
        group = optimizer.param_groups[0]
        momenta.append(group["betas"][0] if "betas" in group else group.get("momentum"))
    return rates, momenta, scheduler


CYCLES = [
    dict(base_lr=0.01, max_lr=0.1, step_size_up=4),
    dict(base_lr=0.01, max_lr=0.1, step_size_up=3, step_size_down=5, mode="triangular2"),
    dict(base_lr=0.01, max_lr=0.1, step_size_up=4, mode="exp_range", gamma=0.9),
    dict(base_lr=0.01, max_lr=0.1, step_size_up=2, scale_fn=lambda x: 0.5 ** x, scale_mode="iterations"),
    dict(base_lr=0.001, max_lr=0.01, step_size_up=3, cycle_momentum=False),
]


@pytest.mark.parametrize("kwargs", CYCLES, ids=range(len(CYCLES)))
@pytest.mark.parametrize("optimizer_name", ["SGD", "Adam"])
def test_cyclic_lr_sequence_matches_pytorch(kwargs, optimizer_name):
    ours, our_momenta, scheduler = lr_history(gg, optimizer_name, **kwargs)
    theirs, their_momenta, reference = lr_history(torch, optimizer_name, **kwargs)
    assert ours == theirs
    assert our_momenta == their_momenta
    state, expected = scheduler.state_dict(), reference.state_dict()
    assert sorted(state) == sorted(expected)
    assert state["last_epoch"] == expected["last_epoch"]


def test_cyclic_lr_errors():
    for module in (gg, torch):
        w = module.nn.Parameter(module.ones(1))
        with pytest.raises(ValueError, match="mode is invalid and scale_fn is None"):
            module.optim.lr_scheduler.CyclicLR(module.optim.SGD([w], lr=0.1, momentum=0.9), 0.01, 0.1, mode="x")
        with pytest.raises(ValueError, match="optimizer must support momentum"):
            module.optim.lr_scheduler.CyclicLR(module.optim.Rprop([w]), 0.01, 0.1)
