"""Lesson 5's twin — the same MLP, the same data, the same loop, in PyTorch.

The initial weights are drawn exactly as ``glassgrad.scalar.MLP(3, [4, 4, 1], seed=1)`` draws them
(``random.Random(1).uniform(-1, 1)``, neuron by neuron; biases 0), so both lessons print the same
losses. In PyTorch a layer of neurons is one ``nn.Linear`` and the update is ``torch.optim.SGD``.

Run: python examples/lessons/05_training_loop_torch.py [--quick]
Needs PyTorch: `pip install -e ".[dev]"` installs its CPU build beside glassgrad.
"""

from __future__ import annotations

import argparse
import random

from _lesson import require_torch

torch = require_torch()
nn = torch.nn

XS = [[2.0, 3.0, -1.0], [3.0, -1.0, 0.5], [0.5, 1.0, 1.0], [1.0, 1.0, -1.0]]
YS = [1.0, -1.0, -1.0, 1.0]
SEED, LR = 1, 0.05


def micrograd_weights(sizes, seed):
    """Each neuron's weights from uniform(−1, 1) in micrograd's order; each bias 0."""
    rng = random.Random(seed)
    return [[[rng.uniform(-1, 1) for _ in range(nin)] for _ in range(nout)] for nin, nout in zip(sizes, sizes[1:])]


def main(quick: bool = False, out=None) -> dict:
    steps = 20 if quick else 50
    model = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 4), nn.Tanh(), nn.Linear(4, 1)).double()
    with torch.no_grad():
        linears = [m for m in model if isinstance(m, nn.Linear)]
        for layer, weights in zip(linears, micrograd_weights([3, 4, 4, 1], SEED)):
            layer.weight.copy_(torch.tensor(weights, dtype=torch.float64))
            layer.bias.zero_()
    optimizer = torch.optim.SGD(model.parameters(), lr=LR)
    x = torch.tensor(XS, dtype=torch.float64)
    y = torch.tensor(YS, dtype=torch.float64)
    losses = []
    for step in range(steps):
        predictions = model(x).squeeze(1)
        loss = ((predictions - y) ** 2).sum()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
        if step % (steps // 10) == 0 or step == steps - 1:
            print(f"step {step:>3}  loss {loss.item():.3e}")
    with torch.no_grad():
        final = model(x).squeeze(1).tolist()
    print(f"after training: {[round(p, 4) for p in final]}")
    return {"losses": losses, "final_predictions": final}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="Lesson 5's PyTorch twin")
    parser.add_argument("--quick", action="store_true", help="20 steps instead of 50")
    parser.add_argument("--out", default=None, help="accepted like the other lessons' (this twin draws nothing)")
    main(quick=parser.parse_args().quick)
