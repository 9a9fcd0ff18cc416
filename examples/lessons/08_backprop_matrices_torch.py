"""Lesson 8's twin — the same [Linear, Tanh, Linear] network and MSE loss in PyTorch, float64.

The batch, targets and weights come from the same numpy Generator as in 08_backprop_matrices.py, so
PyTorch's ``.grad`` must equal the hand-written ∂E/∂W = Gᵀ·X, ∂E/∂b = Σₙ G, ∂E/∂X = G·W there.

Run: python examples/lessons/08_backprop_matrices_torch.py
Needs PyTorch: `pip install -e ".[dev]"` installs its CPU build beside glassgrad.
"""

from __future__ import annotations

import numpy as np
from _lesson import require_torch

torch = require_torch()
F = torch.nn.functional


def problem():
    rng = np.random.default_rng(8)
    x = rng.normal(size=(4, 3))
    t = rng.normal(size=(4, 2))
    w1, b1 = rng.normal(size=(5, 3)) * 0.5, rng.normal(size=5) * 0.1
    w2, b2 = rng.normal(size=(2, 5)) * 0.5, rng.normal(size=2) * 0.1
    return x, t, (w1, b1, w2, b2)


def main(quick: bool = False, out=None) -> dict:
    x_np, t_np, arrays = problem()
    x = torch.tensor(x_np, requires_grad=True)
    t = torch.tensor(t_np)
    w1, b1, w2, b2 = (torch.tensor(a, requires_grad=True) for a in arrays)
    y = F.linear(torch.tanh(F.linear(x, w1, b1)), w2, b2)
    loss = F.mse_loss(y, t)
    loss.backward()
    result = {"loss": loss.item(), "W1": w1.grad.numpy(), "b1": b1.grad.numpy(), "W2": w2.grad.numpy(),
              "b2": b2.grad.numpy(), "X": x.grad.numpy()}
    print(f"PyTorch {torch.__version__}: loss {loss.item():.15f}")
    for name in ["W1", "b1", "W2", "b2", "X"]:
        print(f"  ∂E/∂{name} shape {tuple(result[name].shape)}, largest |entry| {np.abs(result[name]).max():.6f}")
    print("∂E/∂W1:")
    print(np.array2string(result["W1"], precision=6, suppress_small=True))
    return result


if __name__ == "__main__":
    main()
