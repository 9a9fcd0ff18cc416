"""Fit y = sin(x) with a cubic, using raw tensors, autograd and a hand-written update.

In the style of PyTorch's "Learning PyTorch with Examples". Runs unchanged on PyTorch and on glassgrad
(see README: `glassgrad run-as-torch examples/pytorch/polynomial_autograd.py`).
"""
import math

import torch

BAR = 30.0  # final sum of squared errors must be below this (a cubic fits sin on [-π, π] to ~9)

torch.manual_seed(0)
dtype = torch.float
x = torch.linspace(-math.pi, math.pi, 2000, dtype=dtype)
y = torch.sin(x)

a = torch.randn((), dtype=dtype, requires_grad=True)
b = torch.randn((), dtype=dtype, requires_grad=True)
c = torch.randn((), dtype=dtype, requires_grad=True)
d = torch.randn((), dtype=dtype, requires_grad=True)

learning_rate = 1e-6
for t in range(2000):
    y_pred = a + b * x + c * x ** 2 + d * x ** 3
    loss = (y_pred - y).pow(2).sum()
    if t % 500 == 499:
        print(t, loss.item())
    loss.backward()
    with torch.no_grad():
        a -= learning_rate * a.grad
        b -= learning_rate * b.grad
        c -= learning_rate * c.grad
        d -= learning_rate * d.grad
        a.grad = None
        b.grad = None
        c.grad = None
        d.grad = None

print(f"Result: y = {a.item():.4f} + {b.item():.4f} x + {c.item():.4f} x^2 + {d.item():.4f} x^3")
print(f"final loss {loss.item():.3f} (bar {BAR})")
assert loss.item() < BAR, "did not fit"
