"""Gaps found by running d2l's and Karpathy's later programs (minGPT, build-nanogpt) on glassgrad.

Each test runs the same calls on PyTorch and on glassgrad and compares what comes back.
"""
import warnings

import numpy as np
import pytest
import torch

import glassgrad


@pytest.mark.parametrize("precision", ["highest", "high", "medium"])
def test_float32_matmul_precision_is_remembered_and_mirrored_like_pytorch(precision):
    # build-nanogpt's train_gpt2.py: torch.set_float32_matmul_precision('high')
    before_t, before_g = torch.get_float32_matmul_precision(), glassgrad.get_float32_matmul_precision()
    try:
        torch.set_float32_matmul_precision(precision)
        glassgrad.set_float32_matmul_precision(precision)
        assert glassgrad.get_float32_matmul_precision() == torch.get_float32_matmul_precision()
        assert glassgrad.backends.cuda.matmul.fp32_precision == torch.backends.cuda.matmul.fp32_precision
        assert glassgrad.backends.cuda.matmul.allow_tf32 == torch.backends.cuda.matmul.allow_tf32
    finally:
        torch.set_float32_matmul_precision(before_t)
        glassgrad.set_float32_matmul_precision(before_g)


def test_float32_matmul_precision_starts_at_highest_like_pytorch():
    import subprocess
    import sys
    code = "import {m}; print({m}.get_float32_matmul_precision())"
    outs = [subprocess.run([sys.executable, "-c", code.format(m=m)], capture_output=True, text=True).stdout
            for m in ("torch", "glassgrad")]
    assert outs[0] == outs[1] == "highest\n"


def test_float32_matmul_precision_bad_values_like_pytorch():
    with pytest.raises(RuntimeError) as t:
        torch.set_float32_matmul_precision(3)
    with pytest.raises(RuntimeError) as g:
        glassgrad.set_float32_matmul_precision(3)
    assert str(g.value) == str(t.value)
    before_t, before_g = torch.get_float32_matmul_precision(), glassgrad.get_float32_matmul_precision()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        glassgrad.set_float32_matmul_precision("low")
    assert any("'highest', 'high', or 'medium'" in str(w.message) for w in caught)
    torch.set_float32_matmul_precision("low")
    assert torch.get_float32_matmul_precision() == before_t
    assert glassgrad.get_float32_matmul_precision() == before_g


# --- grouped convolutions (d2l's ResNeXt block: nn.LazyConv2d(bot_channels, 3, groups=groups)) ---------
@pytest.mark.parametrize("n, c, hw, o, k, groups, stride, padding, dilation", [
    (2, 4, (7, 6), 6, 3, 2, 1, 1, 1),
    (3, 8, (9, 9), 8, 3, 8, 2, 1, 1),      # depthwise
    (2, 6, (5, 5), 9, 1, 3, 1, 0, 1),      # grouped 1x1
    (1, 4, (8, 8), 4, 3, 4, 1, 2, 2),      # dilated depthwise
    (2, 64, (4, 4), 64, 3, 32, 1, 1, 1),   # ResNeXt-like: 32 groups of 2 channels
])
def test_grouped_conv2d_values_and_gradients_match_pytorch(n, c, hw, o, k, groups, stride, padding, dilation):
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal((n, c) + hw), rng.standard_normal((o, c // groups, k, k)),
              rng.standard_normal(o)]
    got = []
    for lib in (torch, glassgrad):
        x, w, b = (lib.tensor(a, requires_grad=True) for a in arrays)
        y = lib.nn.functional.conv2d(x, w, b, stride=stride, padding=padding, dilation=dilation, groups=groups)
        (y * y).sum().backward()
        got.append([y.detach().numpy(), x.grad.numpy(), w.grad.numpy(), b.grad.numpy()])
    for theirs, ours in zip(*got):
        np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-10)


def test_grouped_conv1d_and_module_match_pytorch():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((2, 6, 11))
    t = torch.nn.Conv1d(6, 9, 3, groups=3, padding=1).double()
    g = glassgrad.nn.Conv1d(6, 9, 3, groups=3, padding=1).double()
    with glassgrad.no_grad():
        g.weight.copy_(glassgrad.tensor(t.weight.detach().numpy()))
        g.bias.copy_(glassgrad.tensor(t.bias.detach().numpy()))
    np.testing.assert_allclose(g(glassgrad.tensor(x)).detach().numpy(), t(torch.tensor(x)).detach().numpy(),
                               rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("w_shape, groups", [((4, 2, 3, 3), 3), ((3, 2, 3, 3), 2), ((4, 4, 3, 3), 2),
                                             ((4, 1, 3, 3), 0)])
def test_grouped_conv2d_errors_match_pytorch(w_shape, groups):
    x = np.ones((1, 4, 5, 5), np.float32)
    w = np.ones(w_shape, np.float32)
    with pytest.raises(RuntimeError) as theirs:
        torch.nn.functional.conv2d(torch.tensor(x), torch.tensor(w), groups=groups)
    with pytest.raises(RuntimeError) as ours:
        glassgrad.nn.functional.conv2d(glassgrad.tensor(x), glassgrad.tensor(w), groups=groups)
    assert str(ours.value) == str(theirs.value)


# --- learning-rate schedules the next training scripts use (SGDR, warm-up then decay, ...) --------------
def _schedules(lib):
    S = lib.optim.lr_scheduler
    return {
        "multiplicative": lambda o: S.MultiplicativeLR(o, lambda e: 0.95),
        "constant": lambda o: S.ConstantLR(o, 0.5, total_iters=4),
        "linear": lambda o: S.LinearLR(o, 0.1, 0.9, total_iters=5),
        "polynomial": lambda o: S.PolynomialLR(o, total_iters=6, power=2),
        "warm_restarts": lambda o: S.CosineAnnealingWarmRestarts(o, T_0=3, T_mult=2, eta_min=0.001),
        "warm_restarts_t1": lambda o: S.CosineAnnealingWarmRestarts(o, T_0=4),
        "sequential": lambda o: S.SequentialLR(o, [S.LinearLR(o, 0.1, total_iters=3), S.ExponentialLR(o, 0.9)],
                                               milestones=[3]),
        "sequential3": lambda o: S.SequentialLR(o, [S.ConstantLR(o, 0.1, total_iters=2), S.StepLR(o, 2, 0.5),
                                                    S.CosineAnnealingLR(o, 4)], milestones=[2, 6]),
        "chained": lambda o: S.ChainedScheduler([S.ConstantLR(o, 0.5, total_iters=4), S.ExponentialLR(o, 0.9)]),
    }


def _lrs(lib, name, steps=14, epochs=None):
    params = [lib.zeros(2, requires_grad=True)]
    opt = lib.optim.SGD([{"params": params}, {"params": [lib.zeros(1, requires_grad=True)], "lr": 0.03}],
                        lr=0.1, momentum=0.9)
    sched = _schedules(lib)[name](opt)
    out = [[g["lr"] for g in opt.param_groups]]
    for i in range(steps):
        opt.step()
        if epochs is None:
            sched.step()
        else:
            sched.step(epochs[i])
        out.append([g["lr"] for g in opt.param_groups] + list(sched.get_last_lr()))
    return out, sched


@pytest.mark.parametrize("name", list(_schedules(torch)))
def test_new_lr_schedules_give_pytorchs_rates(name):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs, _ = _lrs(torch, name)
        ours, sched = _lrs(glassgrad, name)
    assert ours == theirs  # the same float operations: equal to the last bit
    assert type(sched).__name__ in glassgrad.optim.lr_scheduler.__all__


def test_warm_restarts_step_with_fractional_epochs_like_pytorch():
    epochs = [0.5 * i for i in range(1, 15)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs, t = _lrs(torch, "warm_restarts", epochs=epochs)
        ours, g = _lrs(glassgrad, "warm_restarts", epochs=epochs)
    assert ours == theirs
    assert (g.T_cur, g.T_i, g.last_epoch) == (t.T_cur, t.T_i, t.last_epoch)


@pytest.mark.parametrize("name", ["sequential", "chained", "linear"])
def test_new_lr_schedules_state_dict_round_trip_like_pytorch(name):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        results = []
        for lib in (torch, glassgrad):
            _, first = _lrs(lib, name, steps=4)
            rates, second = _lrs(lib, name, steps=0)
            second.load_state_dict(first.state_dict())
            second.optimizer.param_groups[0]["lr"] = first.optimizer.param_groups[0]["lr"]
            second.optimizer.param_groups[1]["lr"] = first.optimizer.param_groups[1]["lr"]
            for _ in range(5):
                second.optimizer.step()
                second.step()
            results.append([g["lr"] for g in second.optimizer.param_groups])
    assert results[0] == results[1]


@pytest.mark.parametrize("make", [
    lambda S, o: S.ConstantLR(o, factor=1.5),
    lambda S, o: S.LinearLR(o, start_factor=0),
    lambda S, o: S.LinearLR(o, end_factor=2),
    lambda S, o: S.CosineAnnealingWarmRestarts(o, T_0=0),
    lambda S, o: S.CosineAnnealingWarmRestarts(o, T_0=2, T_mult=0),
    lambda S, o: S.SequentialLR(o, [S.StepLR(o, 2)], milestones=[1]),
    lambda S, o: S.SequentialLR(o, [], milestones=[]),
    lambda S, o: S.ChainedScheduler([]),
    lambda S, o: S.ChainedScheduler([S.ReduceLROnPlateau(o)]),
])
def test_new_lr_schedules_errors_like_pytorch(make):
    errors = []
    for lib in (torch, glassgrad):
        opt = lib.optim.SGD([lib.zeros(1, requires_grad=True)], lr=0.1)
        with pytest.raises((ValueError, TypeError)) as info:
            make(lib.optim.lr_scheduler, opt)
        errors.append((type(info.value), str(info.value)))
    assert errors[0] == errors[1]


# --- x[i] = value with leading size-1 dimensions (d2l's sequence chapter: preds[i] = model(x) of (1, 1)) ---
@pytest.mark.parametrize("target_shape, key, value_shape", [
    ((5,), 2, (1, 1)),
    ((5,), slice(1, 3), (1, 1, 2)),
    ((5,), [0, 1], (1, 2)),
    ((2, 3), 0, (1, 1, 3)),
    ((1, 3), slice(None), (1, 1, 1, 3)),
    ((4, 3), (slice(None), 1), (1, 4)),
])
def test_setitem_drops_leading_ones_of_the_value_like_pytorch(target_shape, key, value_shape):
    rng = np.random.default_rng(2)
    value = rng.standard_normal(value_shape)
    weights = rng.standard_normal(target_shape)
    got = []
    for lib in (torch, glassgrad):
        v = lib.tensor(value, requires_grad=True)
        x = lib.zeros(target_shape, dtype=lib.float64, requires_grad=True).clone()
        x[key] = v * 2
        (x * lib.tensor(weights)).sum().backward()
        got.append((x.detach().numpy(), v.grad.numpy()))
    np.testing.assert_array_equal(got[1][0], got[0][0])
    np.testing.assert_array_equal(got[1][1], got[0][1])


@pytest.mark.parametrize("target_shape, key, value_shape", [((5,), 2, (1, 2)), ((2, 3), 0, (2, 3))])
def test_setitem_value_that_does_not_fit_is_still_refused(target_shape, key, value_shape):
    for lib in (torch, glassgrad):
        x = lib.zeros(target_shape)
        with pytest.raises(RuntimeError):
            x[key] = lib.ones(value_shape)


# --- scatter_reduce on tensors that need no gradient (its forward read an attribute only a graph node keeps) ---
@pytest.mark.parametrize("include_self", [True, False])
@pytest.mark.parametrize("reduce", ["sum", "prod", "mean", "amax", "amin"])
def test_scatter_reduce_without_grad_matches_pytorch(reduce, include_self):
    got = []
    for lib in (torch, glassgrad):
        x = lib.tensor([[0.5, -1.0, 2.0], [1.0, 3.0, -2.0]])
        index = lib.tensor([[0, 2, 0], [1, 1, 2]])
        src = lib.tensor([[1.0, 5.0, 3.0, 9.0], [-4.0, 2.0, 0.5, 7.0]])  # wider than index: its head is read
        got.append(x.scatter_reduce(1, index, src, reduce=reduce, include_self=include_self).numpy())
        y = x.clone()
        y.scatter_reduce_(1, index, src, reduce=reduce, include_self=include_self)
        np.testing.assert_array_equal(y.numpy(), got[-1])
    np.testing.assert_allclose(got[1], got[0], rtol=1e-6)


# --- the same slip elsewhere: forwards that read back what they stored on ctx (found by scanning every forward) ---
def test_cdist_and_avg_pool3d_without_grad_match_pytorch():
    rng = np.random.default_rng(3)
    a, b, v = rng.standard_normal((2, 5, 3)), rng.standard_normal((2, 4, 3)), rng.standard_normal((1, 2, 4, 5, 6))
    for p in (1.0, 2.0, 0.5):
        np.testing.assert_allclose(glassgrad.cdist(glassgrad.tensor(a), glassgrad.tensor(b), p=p).numpy(),
                                   torch.cdist(torch.tensor(a), torch.tensor(b), p=p).numpy(), rtol=1e-10)
    np.testing.assert_allclose(glassgrad.nn.functional.avg_pool3d(glassgrad.tensor(v), 2, stride=1).numpy(),
                               torch.nn.functional.avg_pool3d(torch.tensor(v), 2, stride=1).numpy(), rtol=1e-12)
