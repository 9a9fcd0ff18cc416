"""optim.Adafactor against torch.optim.Adafactor: the same model, data and options give the same weights
and state after several steps (matrices take the factored path, vectors the full one)."""

import numpy as np
import pytest
import torch

import glassgrad as gg


def _train(module, dtype, steps, **options):
    module.manual_seed(0)
    model = module.nn.Sequential(module.nn.Linear(5, 7), module.nn.Tanh(), module.nn.Linear(7, 3)).to(dtype)
    optimizer = module.optim.Adafactor(model.parameters(), **options)
    x = module.tensor(np.linspace(-2, 2, 40).reshape(8, 5), dtype=dtype)
    for _ in range(steps):
        optimizer.zero_grad()
        model(x).pow(2).mean().backward()
        optimizer.step()
    state = optimizer.state[list(model.parameters())[0]]
    return [p.detach().numpy() for p in model.parameters()] + [state["row_var"].numpy(), state["col_var"].numpy()]


@pytest.mark.parametrize("options", [{}, {"lr": 0.3, "weight_decay": 0.1}, {"maximize": True, "d": 2.0},
                                     {"eps": (1e-4, 1e-2), "beta2_decay": -0.5}])
def test_weights_and_state_as_pytorch_in_float64(options):
    ours = _train(gg, gg.float64, 6, **options)
    theirs = _train(torch, torch.float64, 6, **options)
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-15)


def test_float32_as_pytorch():
    for a, b in zip(_train(gg, gg.float32, 6), _train(torch, torch.float32, 6)):
        np.testing.assert_allclose(a, b, rtol=2e-5, atol=1e-7)


@pytest.mark.parametrize("options", [{"lr": -1.0}, {"beta2_decay": 0.5}, {"eps": (-1.0, 1e-3)},
                                     {"eps": (None, -1.0)}, {"d": 0.5}, {"weight_decay": -0.1}])
def test_errors_as_pytorch(options):
    messages = []
    for module in (gg, torch):
        with pytest.raises(ValueError) as error:
            module.optim.Adafactor([module.nn.Parameter(module.ones(2))], **options)
        messages.append(str(error.value))
    assert messages[0] == messages[1]
