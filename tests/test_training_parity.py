"""Whole training runs: the same script on glassgrad and on PyTorch gives the same loss curve.

Since glassgrad's random numbers are PyTorch's for the same seed (glassgrad/random.py, sampling.py),
everything random in a training run is shared: the generated data (``randn``, ``randint``), every
layer's default initialisation, the dropout masks, and the order in which ``DataLoader(shuffle=True)``
visits the batches (re-drawn every epoch, after the loader's own per-iteration seed draw). What is left
is arithmetic. So one script, ``train(torch_like, ...)``, runs 200 optimiser steps with either module and
the two curves are compared: to 1e-9 relative in float64 (what remains is summation order inside matmul
and convolution, ~1e-15), and to 1e-4 in float32 (the same, amplified over 200 steps, ~1e-6).
"""

from __future__ import annotations

import numpy as np
import pytest

import glassgrad

torch = pytest.importorskip("torch")

STEPS = 200
TOLERANCE = {"float64": 1e-9, "float32": 1e-4}


def train(torch_like, model: str, optimizer: str, dtype: str, seed: int = 0):
    """200 steps of a small classifier on generated data; returns (losses, final parameters as numpy).

    Written once against the PyTorch API, so ``torch_like`` may be ``glassgrad`` or ``torch``.
    The default dtype is set for the run, so the weights are initialised in ``dtype`` itself.
    """
    t, nn = torch_like, torch_like.nn
    previous = t.get_default_dtype()
    t.set_default_dtype(getattr(t, dtype))
    try:
        t.manual_seed(seed)
        if model == "mlp":  # 8 → 32 → 32 → 3, dropout in train mode
            x, y = t.randn(96, 8), t.randint(0, 3, (96,))
            net = nn.Sequential(nn.Linear(8, 32), nn.Tanh(), nn.Dropout(0.2),
                                nn.Linear(32, 32), nn.ReLU(), nn.Linear(32, 3))
        else:  # 1 → 4 channels, 3×3 kernels on 8×8 images, then a linear head
            x, y = t.randn(64, 1, 8, 8), t.randint(0, 3, (64,))
            net = nn.Sequential(nn.Conv2d(1, 4, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                                nn.Dropout(0.1), nn.Linear(4 * 3 * 3, 3))
        if optimizer == "sgd":
            opt = t.optim.SGD(net.parameters(), lr=0.05, momentum=0.9)
        else:
            opt = t.optim.Adam(net.parameters(), lr=1e-2)
        data = t.utils.data.TensorDataset(x, y)
        loader = t.utils.data.DataLoader(data, batch_size=16, shuffle=True)
        net.train()
        losses = []
        while len(losses) < STEPS:  # several epochs: each reshuffles
            for xb, yb in loader:
                loss = nn.functional.cross_entropy(net(xb), yb)
                opt.zero_grad()
                loss.backward()
                opt.step()
                losses.append(loss.item())
                if len(losses) == STEPS:
                    break
        params = {name: p.detach().numpy().copy() for name, p in net.named_parameters()}
        return np.array(losses), params
    finally:
        t.set_default_dtype(previous)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
@pytest.mark.parametrize("model", ["mlp", "cnn"])
def test_loss_curves_match_pytorch(model, optimizer, dtype):
    ours, our_params = train(glassgrad, model, optimizer, dtype)
    theirs, their_params = train(torch, model, optimizer, dtype)
    assert len(ours) == len(theirs) == STEPS
    rtol = TOLERANCE[dtype]
    np.testing.assert_allclose(ours, theirs, rtol=rtol, atol=0)
    assert our_params.keys() == their_params.keys()
    for name in their_params:
        assert our_params[name].dtype == their_params[name].dtype == np.dtype(dtype), name
        scale = np.abs(their_params[name]).max()
        np.testing.assert_allclose(our_params[name], their_params[name], rtol=0, atol=rtol * scale,
                                   err_msg=name)
    assert theirs[-1] < theirs[0]  # it trained


def test_a_different_seed_gives_a_visibly_different_curve():
    """The agreement above comes from the shared stream, not from a run with nothing random in it."""
    ours, _ = train(glassgrad, "mlp", "sgd", "float64", seed=1)
    theirs, _ = train(torch, "mlp", "sgd", "float64", seed=0)
    assert np.abs(ours - theirs).max() > 1e-2
