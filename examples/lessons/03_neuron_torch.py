"""Lesson 3's twin — the same neuron in PyTorch: o = tanh(x1·w1 + x2·w2 + b), then o.backward().

Every leaf is a float64 tensor with requires_grad=True (PyTorch's counterpart of a Value); after
``o.backward()`` each holds ∂o/∂leaf in ``.grad``. It prints the numbers 03_neuron.py prints.

Run: python examples/lessons/03_neuron_torch.py
Needs PyTorch: `pip install -e ".[dev]"` installs its CPU build beside glassgrad.
"""

from __future__ import annotations

from _lesson import require_torch

torch = require_torch()

X1, X2, W1, W2, B = 2.0, 0.0, -3.0, 1.0, 6.8813735870195432


def main(quick: bool = False, out=None) -> dict:
    x1 = torch.tensor(X1, dtype=torch.float64, requires_grad=True)
    x2 = torch.tensor(X2, dtype=torch.float64, requires_grad=True)
    w1 = torch.tensor(W1, dtype=torch.float64, requires_grad=True)
    w2 = torch.tensor(W2, dtype=torch.float64, requires_grad=True)
    b = torch.tensor(B, dtype=torch.float64, requires_grad=True)
    n = x1 * w1 + x2 * w2 + b
    o = torch.tanh(n)
    o.backward()
    result = {"o": o.item(), "x1": x1.grad.item(), "w1": w1.grad.item(), "x2": x2.grad.item(),
              "w2": w2.grad.item(), "b": b.grad.item()}
    print(f"PyTorch {torch.__version__}, float64")
    for name, number in result.items():
        print(f"  {name + ('' if name == 'o' else '.grad'):>7} = {number:.17g}")
    return result


if __name__ == "__main__":
    main()
