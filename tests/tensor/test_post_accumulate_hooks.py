"""Tensor.register_post_accumulate_grad_hook against PyTorch: when it runs, what it sees, its errors, and
PyTorch's "optimizer step in backward" pattern giving the same weights as an ordinary step."""

import gc

import numpy as np
import pytest
import torch

import glassgrad as gg


def test_hook_sees_the_accumulated_grad_and_can_be_removed():
    for module in (gg, torch):
        w = module.ones(2, requires_grad=True)
        seen = []
        handle = w.register_post_accumulate_grad_hook(lambda t: seen.append((t is w, t.grad.tolist())))
        gc.collect()  # the hook lasts as long as the tensor, not as long as a graph
        (w * 3).sum().backward()
        (w * 2).sum().backward()
        handle.remove()
        (w * 5).sum().backward()
        assert seen == [(True, [3.0, 3.0]), (True, [5.0, 5.0])]
        assert w.grad.tolist() == [10.0, 10.0]


def test_errors_as_pytorch():
    messages = []
    for module in (gg, torch):
        for make in (lambda: module.ones(2, requires_grad=True) * 2, lambda: module.ones(2)):
            with pytest.raises(RuntimeError) as error:
                make().register_post_accumulate_grad_hook(lambda t: None)
            messages.append(str(error.value))
    assert messages[:2] == messages[2:]


def test_optimizer_step_in_backward_equals_an_ordinary_step():
    weights = []
    for module in (gg, torch):
        module.manual_seed(0)
        model = module.nn.Sequential(module.nn.Linear(4, 8), module.nn.Tanh(), module.nn.Linear(8, 1))
        optimizers = {p: module.optim.Adam([p], lr=0.01) for p in model.parameters()}

        def step_now(p):
            optimizers[p].step()
            optimizers[p].zero_grad()
        for p in model.parameters():
            p.register_post_accumulate_grad_hook(step_now)
        x = module.tensor(np.linspace(-1, 1, 12).reshape(3, 4), dtype=module.float32)
        for _ in range(3):
            model(x).pow(2).mean().backward()
        assert all(p.grad is None for p in model.parameters())
        weights.append([p.detach().numpy().copy() for p in model.parameters()])
    for ours, theirs in zip(*weights):
        np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-7)
