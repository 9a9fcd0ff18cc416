"""interop hands a training run over mid-way: module, optimizer and scheduler with all their state.

The spec is the uninterrupted run: N steps in one library, ``to_torch``/``from_torch`` with the
optimizer (and scheduler), N steps in the other must end where 2N steps in the first end (float64,
1e-9 relative), for every optimizer glassgrad has. Handing over the weights alone does not (checked, so
the comparison can fail), and a ``glassgrad.save`` checkpoint resumes in PyTorch without unpickling.
"""

import pickle

import numpy as np
import pytest
import torch

import glassgrad as gg
from glassgrad import interop, nn, optim
from glassgrad.optim import lr_scheduler

N = 6  # steps before and after the hand-over


def build_model(lib):
    """The same two-layer net in either library, float64, from seed 0 (glassgrad draws PyTorch's numbers)."""
    lib.manual_seed(0)
    layers = lib.nn
    return layers.Sequential(layers.Linear(5, 7), layers.Tanh(), layers.Linear(7, 3)).double()


def groups(model):
    """Two parameter groups with their own learning rates: the group structure must cross too."""
    return [{"params": list(model[0].parameters())}, {"params": list(model[2].parameters()), "lr_scale": 0.5}]


def scaled(groups_, lr):
    for g in groups_:
        g["lr"] = lr * g.pop("lr_scale", 1.0)
    return groups_


# name -> (optimizer from (library's optim, groups), scheduler from (library's lr_scheduler, optimizer) or None)
CASES = {
    "sgd-nesterov-steplr": (lambda o, g: o.SGD(scaled(g, 0.05), momentum=0.9, nesterov=True, weight_decay=1e-3),
                            lambda s, o: s.StepLR(o, step_size=2, gamma=0.5)),
    "sgd-dampening-multistep": (lambda o, g: o.SGD(scaled(g, 0.05), momentum=0.8, dampening=0.3),
                                lambda s, o: s.MultiStepLR(o, milestones=[3, 8], gamma=0.3)),
    "adam-amsgrad-cosine": (lambda o, g: o.Adam(scaled(g, 0.02), amsgrad=True, weight_decay=1e-2),
                            lambda s, o: s.CosineAnnealingLR(o, T_max=9, eta_min=1e-3)),
    "adamw-onecycle": (lambda o, g: o.AdamW(scaled(g, 0.02)),
                       lambda s, o: s.OneCycleLR(o, max_lr=0.05, total_steps=3 * N)),
    "rmsprop-centered-exponential": (lambda o, g: o.RMSprop(scaled(g, 0.01), momentum=0.5, centered=True),
                                     lambda s, o: s.ExponentialLR(o, gamma=0.9)),
    "adagrad-lambda": (lambda o, g: o.Adagrad(scaled(g, 0.1), lr_decay=0.01),
                       lambda s, o: s.LambdaLR(o, lambda epoch: 0.95 ** epoch)),
    "adadelta-plateau": (lambda o, g: o.Adadelta(scaled(g, 1.0)),
                         lambda s, o: s.ReduceLROnPlateau(o, patience=0, factor=0.5)),
    "adamax-steplr": (lambda o, g: o.Adamax(scaled(g, 0.02), weight_decay=1e-3),
                      lambda s, o: s.StepLR(o, step_size=3)),
    "nadam-onecycle": (lambda o, g: o.NAdam(scaled(g, 0.02)),
                       lambda s, o: s.OneCycleLR(o, max_lr=0.05, total_steps=3 * N)),
    "radam": (lambda o, g: o.RAdam(scaled(g, 0.02)), None),
    "sgd-plain": (lambda o, g: o.SGD(scaled(g, 0.1)), None),
    "lbfgs": (lambda o, g: o.LBFGS(g[0]["params"] + g[1]["params"], lr=0.5, history_size=3, max_iter=4),
              None),
}


def batch(step):
    rng = np.random.default_rng(step)
    return rng.standard_normal((8, 5)), rng.standard_normal((8, 3))


def train(lib, model, optimizer, scheduler, first, last):
    """Steps ``first`` … ``last``−1 on each step's own batch (so a resumed run sees the same data)."""
    for step in range(first, last):
        x, y = (lib.from_numpy(a) for a in batch(step))

        def closure():
            optimizer.zero_grad()
            loss = ((model(x) - y) ** 2).mean()
            loss.backward()
            return loss

        loss = optimizer.step(closure)
        if isinstance(scheduler, (lr_scheduler.ReduceLROnPlateau, torch.optim.lr_scheduler.ReduceLROnPlateau)):
            scheduler.step(loss.item())
        elif scheduler is not None:
            scheduler.step()


def start(lib, case):
    make_optimizer, make_scheduler = CASES[case]
    model = build_model(lib)
    optimizer = make_optimizer(lib.optim, groups(model))
    scheduler = make_scheduler(lib.optim.lr_scheduler, optimizer) if make_scheduler else None
    return model, optimizer, scheduler


def weights(model) -> list:
    return [p.detach().numpy().copy() for p in model.parameters()]


def assert_same_weights(got, expected, rtol=1e-9):
    assert len(got) == len(expected)
    for a, b in zip(got, expected):
        np.testing.assert_allclose(a, b, rtol=rtol, atol=0)


@pytest.mark.parametrize("case", list(CASES))
def test_glassgrad_to_torch_mid_run_ends_where_the_uninterrupted_run_ends(case):
    model, optimizer, scheduler = start(gg, case)
    train(gg, model, optimizer, scheduler, 0, 2 * N)
    uninterrupted = weights(model)

    model, optimizer, scheduler = start(gg, case)
    train(gg, model, optimizer, scheduler, 0, N)
    handed = interop.to_torch(model, optimizer, scheduler) if scheduler else interop.to_torch(model, optimizer)
    assert len(handed) == (3 if scheduler else 2)
    twin, twin_optimizer = handed[:2]
    assert type(twin_optimizer) is getattr(torch.optim, type(optimizer).__name__)
    if scheduler:
        assert type(handed[2]) is getattr(torch.optim.lr_scheduler, type(scheduler).__name__)
        assert handed[2].last_epoch == scheduler.last_epoch
    assert [g["lr"] for g in twin_optimizer.param_groups] == [g["lr"] for g in optimizer.param_groups]
    train(torch, twin, twin_optimizer, handed[2] if scheduler else None, N, 2 * N)
    assert_same_weights(weights(twin), uninterrupted)


@pytest.mark.parametrize("case", list(CASES))
def test_torch_to_glassgrad_mid_run_ends_where_the_uninterrupted_run_ends(case):
    model, optimizer, scheduler = start(torch, case)
    train(torch, model, optimizer, scheduler, 0, 2 * N)
    uninterrupted = weights(model)

    model, optimizer, scheduler = start(torch, case)
    train(torch, model, optimizer, scheduler, 0, N)
    handed = interop.from_torch(model, optimizer, scheduler) if scheduler else interop.from_torch(model, optimizer)
    twin, twin_optimizer = handed[:2]
    assert type(twin_optimizer) is getattr(optim, type(optimizer).__name__)
    train(gg, twin, twin_optimizer, handed[2] if scheduler else None, N, 2 * N)
    assert_same_weights(weights(twin), uninterrupted)


@pytest.mark.parametrize("case", list(CASES))
def test_the_twin_optimizer_state_is_the_same_to_the_bit_and_dtype(case):
    """Every state entry crosses exactly, even where load_state_dict alone would cast it (NAdam's
    float32 ``mu_product`` in a float64 model)."""
    model, optimizer, scheduler = start(gg, case)
    train(gg, model, optimizer, scheduler, 0, N)
    twin_optimizer = interop.to_torch(model, optimizer, scheduler)[1]
    ours = [optimizer.state[p] for g in optimizer.param_groups for p in g["params"]]
    theirs = [twin_optimizer.state[p] for g in twin_optimizer.param_groups for p in g["params"]]
    for mine, twin in zip(ours, theirs):
        assert list(twin) == list(mine)
        for key, value in mine.items():
            if isinstance(value, gg.Tensor):
                assert str(twin[key].dtype) == f"torch.{value.dtype.name}", key
                assert twin[key].numpy().tobytes() == value.numpy().tobytes(), key
            elif not isinstance(value, list):  # LBFGS's histories: lists of tensors, checked by the runs
                assert twin[key] == value, key


def test_the_weights_alone_do_not_continue_the_run():
    """Without the optimizer's state (Adam's moments and step count) the run goes elsewhere: what the
    comparisons above would catch if the state were dropped or garbled."""
    model, optimizer, scheduler = start(gg, "adam-amsgrad-cosine")
    train(gg, model, optimizer, scheduler, 0, 2 * N)
    uninterrupted = weights(model)
    model, optimizer, scheduler = start(gg, "adam-amsgrad-cosine")
    train(gg, model, optimizer, scheduler, 0, N)
    twin = interop.to_torch(model)
    fresh = torch.optim.Adam(twin.parameters(), lr=0.02, amsgrad=True, weight_decay=1e-2)
    train(torch, twin, fresh, None, N, 2 * N)
    with pytest.raises(AssertionError):
        assert_same_weights(weights(twin), uninterrupted, rtol=1e-3)


def test_the_twin_optimizer_holds_the_same_state_as_copies():
    model, optimizer, scheduler = start(gg, "sgd-nesterov-steplr")
    train(gg, model, optimizer, scheduler, 0, 3)
    twin, twin_optimizer, twin_scheduler = interop.to_torch(model, optimizer, scheduler)
    ours, theirs = optimizer.state_dict(), twin_optimizer.state_dict()
    assert [{k: v for k, v in g.items()} for g in theirs["param_groups"]] == ours["param_groups"]
    assert sorted(theirs["state"]) == sorted(ours["state"]) == [0, 1, 2, 3]
    for i, state in ours["state"].items():
        buffer = theirs["state"][i]["momentum_buffer"]
        assert buffer.dtype == torch.float64
        np.testing.assert_array_equal(buffer.numpy(), state["momentum_buffer"].numpy())
        buffer.add_(1.0)  # a copy: the glassgrad optimizer's buffer is untouched
        assert not np.array_equal(buffer.numpy(), state["momentum_buffer"].numpy())
    assert twin_scheduler.get_last_lr() == scheduler.get_last_lr()
    assert twin_scheduler.optimizer is twin_optimizer


def test_without_an_optimizer_to_torch_returns_the_module_alone():
    model = build_model(gg)
    assert isinstance(interop.to_torch(model), torch.nn.Sequential)
    assert isinstance(interop.from_torch(build_model(torch)), nn.Sequential)


def test_hand_over_refuses_what_it_cannot_carry():
    model, optimizer, scheduler = start(gg, "sgd-nesterov-steplr")
    with pytest.raises(ValueError, match="scheduler needs its optimizer"):
        interop.to_torch(model, scheduler=scheduler)
    other = build_model(gg)
    with pytest.raises(ValueError, match="not a parameter of the module given"):
        interop.to_torch(other, optimizer)
    _, another_optimizer, _ = start(gg, "radam")
    with pytest.raises(ValueError, match="another optimizer"):
        interop.to_torch(model, another_optimizer, scheduler)

    class MySGD(optim.SGD):
        pass

    with pytest.raises(TypeError, match="not one of the library's own.*to_torch_state_dict"):
        interop.to_torch(model, MySGD(model.parameters(), lr=0.1))
    tm = build_model(torch)
    with pytest.raises(TypeError, match="glassgrad has no SparseAdam"):
        interop.from_torch(tm, torch.optim.SparseAdam(tm.parameters()))
    topt = torch.optim.SGD(tm.parameters(), lr=0.1)

    class MyLR(torch.optim.lr_scheduler.LambdaLR):
        pass

    with pytest.raises(TypeError, match="can't translate the scheduler .*MyLR.*from_torch_state_dict"):
        interop.from_torch(tm, topt, MyLR(topt, lambda epoch: 1.0))


@pytest.mark.parametrize("case", ["adam-amsgrad-cosine", "nadam-onecycle", "adagrad-lambda"])
def test_a_glassgrad_checkpoint_resumes_in_pytorch_without_pickle(case, tmp_path, monkeypatch):
    model, optimizer, scheduler = start(gg, case)
    train(gg, model, optimizer, scheduler, 0, 2 * N)
    uninterrupted = weights(model)

    model, optimizer, scheduler = start(gg, case)
    train(gg, model, optimizer, scheduler, 0, N)
    path = tmp_path / "run.ckpt"
    gg.save({"model": model.state_dict(), "optim": optimizer.state_dict(), "sched": scheduler.state_dict(),
             "step": N}, path)

    def no_unpickling(*args, **kwargs):
        raise AssertionError("the checkpoint was unpickled")

    monkeypatch.setattr(pickle, "Unpickler", no_unpickling)
    monkeypatch.setattr(pickle, "load", no_unpickling)
    monkeypatch.setattr(pickle, "loads", no_unpickling)
    checkpoint = interop.load_into_torch(path)
    monkeypatch.undo()
    assert checkpoint["step"] == N and isinstance(checkpoint["model"]["0.weight"], torch.Tensor)

    twin, twin_optimizer, twin_scheduler = start(torch, case)  # a PyTorch program builds its own
    twin.load_state_dict(checkpoint["model"])
    twin_optimizer.load_state_dict(checkpoint["optim"])
    twin_scheduler.load_state_dict(checkpoint["sched"])
    train(torch, twin, twin_optimizer, twin_scheduler, N, 2 * N)
    # torch's load_state_dict casts NAdam's float32 mu_product to the parameters' float64, so that run
    # rounds ~1e-10 differently from the one that never stopped (in PyTorch alone as well)
    assert_same_weights(weights(twin), uninterrupted, rtol=1e-9 if case != "nadam-onecycle" else 1e-8)


def test_a_pytorch_checkpoint_comes_back_to_glassgrad(tmp_path):
    model, optimizer, scheduler = start(torch, "sgd-nesterov-steplr")
    train(torch, model, optimizer, scheduler, 0, 3)
    interop.save_from_torch({"model": model.state_dict(), "optim": optimizer.state_dict()}, tmp_path / "c")
    checkpoint = gg.load(tmp_path / "c")
    twin, twin_optimizer, _ = start(gg, "sgd-nesterov-steplr")
    twin.load_state_dict(checkpoint["model"])
    twin_optimizer.load_state_dict(checkpoint["optim"])
    assert_same_weights(weights(twin), weights(model), rtol=0)
    np.testing.assert_array_equal(twin_optimizer.state[twin[0].weight]["momentum_buffer"].numpy(),
                                  optimizer.state[model[0].weight]["momentum_buffer"].numpy())


@pytest.mark.parametrize("direction", ["to_torch", "from_torch"])
def test_tied_weights_stay_tied_and_frozen_parameters_stay_frozen(direction):
    """An embedding shared with the output layer stays one parameter in the twin (so the optimizer's
    state for it is one state), a frozen bias stays frozen, and training continues exactly."""
    def tied(lib):
        lib.manual_seed(0)
        m = lib.nn.Sequential(lib.nn.Embedding(10, 4), lib.nn.Linear(4, 4), lib.nn.Linear(4, 10)).double()
        m[2].weight = m[0].weight
        m[1].bias.requires_grad_(False)
        return m

    def steps(lib, model, opt, n):
        x = lib.tensor([1, 2, 3, 7])
        for _ in range(n):
            opt.zero_grad()
            (model(x) ** 2).mean().backward()
            opt.step()

    src_lib, dst_lib = (gg, torch) if direction == "to_torch" else (torch, gg)
    model = tied(src_lib)
    opt = src_lib.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=0.05)
    steps(src_lib, model, opt, 3)
    twin, twin_opt = getattr(interop, direction)(model, opt)
    assert twin[2].weight is twin[0].weight and not twin[1].bias.requires_grad
    assert len(list(twin.parameters())) == len(list(model.parameters())) == 4
    steps(dst_lib, twin, twin_opt, 3)
    steps(src_lib, model, opt, 3)  # the uninterrupted run
    for (name, p), (_, q) in zip(model.state_dict().items(), twin.state_dict().items()):
        np.testing.assert_allclose(np.asarray(q.detach().numpy()), np.asarray(p.detach().numpy()),
                                   rtol=1e-9, atol=1e-12, err_msg=name)
