"""Lesson 10 — the same networks in PyTorch style: glassgrad Tensors, then PyTorch itself.

Everything so far has a name in PyTorch, and glassgrad's Part III uses PyTorch's names on purpose: a
program written for ``torch`` runs on glassgrad when you write ``import glassgrad as torch``. This lesson
shows it literally. ``train_xor(torch)`` and ``train_micrograd_net(torch)`` below are written once, as
ordinary PyTorch code, and called twice — with glassgrad as ``torch``, then with PyTorch. Started from the
same weights, both engines print the same losses.

Then the table of names: each idea of lessons 1–9 with its glassgrad spelling and its PyTorch spelling.

Run: python examples/lessons/10_pytorch_side_by_side.py [--quick] [--out DIR]
"""

from __future__ import annotations

import numpy as np

import glassgrad

from _lesson import run, table

NAMES = [
    # (idea, glassgrad, PyTorch)
    ("a number that tracks its gradient", "Value(2.0)", "torch.tensor(2.0, requires_grad=True)"),
    ("…as a Tensor (Part III)", "glassgrad.tensor(x, requires_grad=True)", "torch.tensor(x, requires_grad=True)"),
    ("its value / its gradient", "v.data / v.grad", "t.item() (t.data) / t.grad"),
    ("run backprop", "v.backward()", "t.backward()"),
    ("the graph node that made it", "v.op, v.parents, v.local_grads", "t.grad_fn, t.grad_fn.next_functions"),
    ("numerical derivative", "gradcheck.derivative(f, x)", "torch.autograd.gradcheck(f, (x,))"),
    ("reset gradients", "model.zero_grad()", "optimizer.zero_grad()"),
    ("one update step", "sgd_step(params, lr) / p.data -= lr*p.grad", "torch.optim.SGD(params, lr).step()"),
    ("a neuron / a layer", "scalar.Neuron(n) / scalar.Layer(n, m)", "nn.Linear(n, 1) / nn.Linear(n, m)"),
    ("a network", "scalar.MLP(3, [4, 4, 1])", "nn.Sequential(nn.Linear(3, 4), nn.Tanh(), ...)"),
    ("a dense layer by hand", "manual.Dense(n, m)", "nn.Linear(n, m)"),
    ("its weights", "Dense.weights (m, n), .bias (m,)", "Linear.weight (m, n), .bias (m,)"),
    ("an activation by hand", "manual.Tanh(), Sigmoid(), ReLU()", "nn.Tanh(), nn.Sigmoid(), nn.ReLU()"),
    ("a convolution by hand", "manual.Convolutional(C, K, k)", "nn.Conv2d(C, K, k)"),
    ("flatten / reshape", "manual.Reshape(in, out)", "nn.Flatten() / x.reshape(...)"),
    ("mean squared error", "scalar.mse / manual.mse", "nn.MSELoss() / F.mse_loss"),
    ("mean absolute error", "scalar.mae / (p - y).abs().mean()", "nn.L1Loss() / F.l1_loss"),
    ("binary cross-entropy", "manual.binary_cross_entropy", "nn.BCELoss() / F.binary_cross_entropy"),
    ("softmax + cross-entropy", "manual.softmax_cross_entropy", "nn.CrossEntropyLoss() / F.cross_entropy"),
    ("layer backward by hand", "layer.backward(grad_out) -> grad_in", "(autograd does it: loss.backward())"),
    ("the training loop", "manual.train(net, loss, loss_prime, x, y)", "for x, y in loader: ... step()"),
    ("no gradient tracking", "(Values always track)", "with torch.no_grad():"),
]


def set_weights(torch, model, seed):
    """Every parameter of ``model`` from one numpy Generator, so both engines start identical."""
    rng = np.random.default_rng(seed)
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(torch.tensor(rng.uniform(-1, 1, size=tuple(p.shape)), dtype=torch.float64))


def train_xor(torch, epochs):
    """XOR with [Linear(2, 3), Tanh, Linear(3, 1), Tanh], MSE and SGD (lr 0.5) — plain PyTorch code."""
    nn = torch.nn
    x = torch.tensor([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]], dtype=torch.float64)
    y = torch.tensor([[0.0], [1.0], [1.0], [0.0]], dtype=torch.float64)
    model = nn.Sequential(nn.Linear(2, 3), nn.Tanh(), nn.Linear(3, 1), nn.Tanh()).double()
    set_weights(torch, model, seed=0)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.5)
    loss_fn = nn.MSELoss()
    losses = []
    for _ in range(epochs):
        optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    with torch.no_grad():
        predictions = model(x).flatten().tolist()
    return losses, predictions


def train_micrograd_net(torch, steps):
    """Lesson 5's data and loop, with nn.Linear layers and torch.optim.SGD."""
    nn = torch.nn
    x = torch.tensor([[2.0, 3.0, -1.0], [3.0, -1.0, 0.5], [0.5, 1.0, 1.0], [1.0, 1.0, -1.0]], dtype=torch.float64)
    y = torch.tensor([1.0, -1.0, -1.0, 1.0], dtype=torch.float64)
    model = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 4), nn.Tanh(), nn.Linear(4, 1)).double()
    set_weights(torch, model, seed=1)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05)
    losses = []
    for _ in range(steps):
        loss = ((model(x).squeeze(1) - y) ** 2).sum()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses


def main(quick: bool = False, out=None) -> dict:
    epochs, steps = (300, 20) if quick else (1000, 50)
    engines = {"glassgrad": glassgrad}
    try:
        import torch

        engines["PyTorch"] = torch
    except ImportError:
        print("(PyTorch is not installed: showing glassgrad alone)")
    results = {}
    for name, engine in engines.items():
        xor_losses, xor_predictions = train_xor(engine, epochs)
        results[name] = {"xor_losses": xor_losses, "xor_predictions": xor_predictions,
                         "mlp_losses": train_micrograd_net(engine, steps)}
    print(f"the same code, two engines: XOR ({epochs} epochs) and lesson 5's network ({steps} steps)")
    marks = sorted({0, epochs // 10, epochs // 2, epochs - 1})
    rows = []
    for i in marks:
        rows.append((f"XOR epoch {i}", *(results[n]["xor_losses"][i] for n in engines)))
    for i in sorted({0, steps // 2, steps - 1}):
        rows.append((f"MLP step {i}", *(results[n]["mlp_losses"][i] for n in engines)))
    print(table(["loss", *engines], rows, ["", *[".12f"] * len(engines)]))
    for n in engines:
        predictions = results[n]["xor_predictions"]
        results[n]["xor_errors"] = sum((p > 0.5) != (t > 0.5) for p, t in zip(predictions, [0, 1, 1, 0]))
        print(f"XOR predictions, {n}: {[round(p, 4) for p in predictions]} ({results[n]['xor_errors']} errors)")
    if "PyTorch" in engines:
        differences = [abs(a - b) for key in ("xor_losses", "mlp_losses")
                       for a, b in zip(results["glassgrad"][key], results["PyTorch"][key])]
        results["max_difference"] = max(differences)
        print(f"largest difference between the engines over every loss: {max(differences):.1e}")
    print()
    print(table(["idea", "glassgrad", "PyTorch"], NAMES))
    results["names"] = NAMES
    return results


if __name__ == "__main__":
    run(main, __doc__)
