"""optim.swa_utils against PyTorch: AveragedModel (SWA mean, EMA, multi-tensor forms, buffers),
SWALR's rate sequence, update_bn's recomputed statistics, reprs and errors."""

import numpy as np
import pytest
import torch

import glassgrad as gg

RNG = np.random.default_rng(6)
X = RNG.normal(size=(16, 3)).astype(np.float32)


def build(module):
    module.manual_seed(0)
    model = module.nn.Sequential(module.nn.Linear(3, 4), module.nn.BatchNorm1d(4), module.nn.ReLU(),
                                 module.nn.Linear(4, 1))
    for p, value in zip(model.parameters(), PARAMETERS):
        with module.no_grad():
            p.copy_(module.tensor(value))
    return model


PARAMETERS = [RNG.normal(size=s).astype(np.float32) for s in [(4, 3), (4,), (4,), (4,), (1, 4), (1,)]]


def train_and_average(module, **kwargs):
    model = build(module)
    averaged = module.optim.swa_utils.AveragedModel(model, **kwargs)
    optimizer = module.optim.SGD(model.parameters(), lr=0.1)
    history = []
    for step in range(5):
        optimizer.zero_grad()
        model(module.tensor(X)).pow(2).mean().backward()
        optimizer.step()
        averaged.update_parameters(model)
        history.append([p.detach().numpy().copy() for p in averaged.parameters()] +
                       [b.numpy().copy() for b in averaged.buffers()])
    return averaged, history


AVERAGES = [
    ("swa", lambda m: {}), ("ema", lambda m: {"avg_fn": m.optim.swa_utils.get_ema_avg_fn(0.9)}),
    ("ema multi", lambda m: {"multi_avg_fn": m.optim.swa_utils.get_ema_multi_avg_fn(0.8)}),
    ("swa multi", lambda m: {"multi_avg_fn": m.optim.swa_utils.get_swa_multi_avg_fn()}),
    ("ema buffers", lambda m: {"multi_avg_fn": m.optim.swa_utils.get_ema_multi_avg_fn(0.8), "use_buffers": True}),
]


@pytest.mark.parametrize("kwargs", [a[1] for a in AVERAGES], ids=[a[0] for a in AVERAGES])
def test_averaged_model_matches_pytorch(kwargs):
    ours, our_history = train_and_average(gg, **kwargs(gg))
    theirs, their_history = train_and_average(torch, **kwargs(torch))
    for mine, ref in zip(our_history, their_history):
        assert len(mine) == len(ref)
        for a, b in zip(mine, ref):
            np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)
    assert repr(ours) == repr(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    np.testing.assert_allclose(ours(gg.tensor(X)).detach().numpy(), theirs(torch.tensor(X)).detach().numpy(),
                               rtol=1e-5, atol=1e-6)


def test_update_bn_matches_pytorch():
    stats = []
    for module in (gg, torch):
        model = build(module)
        loader = [(module.tensor(X[i:i + 4]), module.tensor(0)) for i in range(0, 16, 4)]
        module.optim.swa_utils.update_bn(loader, model)
        bn = model[1]
        stats.append((bn.running_mean.numpy(), bn.running_var.numpy(), bn.momentum, model.training,
                      int(bn.num_batches_tracked)))
    np.testing.assert_allclose(stats[0][0], stats[1][0], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(stats[0][1], stats[1][1], rtol=1e-5, atol=1e-6)
    assert stats[0][2:] == stats[1][2:]


@pytest.mark.parametrize("kwargs", [dict(swa_lr=0.05), dict(swa_lr=0.05, anneal_epochs=3, anneal_strategy="linear"),
                                    dict(swa_lr=[0.01], anneal_epochs=0)])
def test_swalr_sequence_matches_pytorch(kwargs):
    rates = []
    for module in (gg, torch):
        w = module.nn.Parameter(module.ones(1))
        optimizer = module.optim.SGD([w], lr=0.5)
        scheduler = module.optim.swa_utils.SWALR(optimizer, **kwargs)
        sequence = [scheduler.get_last_lr()[0]]
        for _ in range(14):
            optimizer.step()
            scheduler.step()
            sequence.append(scheduler.get_last_lr()[0])
        rates.append(sequence)
    assert rates[0] == rates[1]


@pytest.mark.parametrize("call", [lambda m, o: m.optim.swa_utils.SWALR(o, 0.1, anneal_strategy="exp"),
                                  lambda m, o: m.optim.swa_utils.SWALR(o, 0.1, anneal_epochs=-1),
                                  lambda m, o: m.optim.swa_utils.get_ema_avg_fn(1.5)])
def test_errors(call):
    messages = []
    for module in (gg, torch):
        with pytest.raises(ValueError) as error:
            call(module, module.optim.SGD([module.nn.Parameter(module.ones(1))], lr=0.1))
        messages.append(str(error.value))
    assert messages[0] == messages[1]
