"""Lesson 8 — backprop as matrices: Part II's Dense layer, checked against autograd.

Lessons 3–5 pushed one number at a time through the chain rule. A layer of neurons does the same for a
whole matrix at once. ``glassgrad.manual.Dense`` computes Y = X·Wᵀ + b for a batch X (N, in) with W
(out, in), as ``nn.Linear`` does, and its backward turns G = ∂E/∂Y (N, out) into

    ∂E/∂W = Gᵀ·X      (out, in)   each weight Wⱼᵢ carried input i into output j, for every sample
    ∂E/∂b = Σₙ G      (out,)      the bias was added to every sample
    ∂E/∂X = G·W       (N, in)     each input fed every output through its weight

Every shape is forced: the gradient of a thing has the thing's shape, and there is one way to multiply
the available matrices into it. Then a small network [Dense, Tanh, Dense] is backpropagated by hand
(each layer's backward feeding the one before it) and compared, gradient by gradient, with glassgrad's
Tensor autograd, which never saw these formulas. The twin (08_backprop_matrices_torch.py) asks PyTorch.

Run: python examples/lessons/08_backprop_matrices.py [--quick] [--out DIR]
"""

from __future__ import annotations

import numpy as np

import glassgrad
import glassgrad.nn.functional as F
from glassgrad.manual import Dense, Tanh, backward, mse, mse_prime, predict

from _lesson import run, table


def problem():
    """The batch, targets and weights (the PyTorch twin draws the very same ones)."""
    rng = np.random.default_rng(8)
    x = rng.normal(size=(4, 3))
    t = rng.normal(size=(4, 2))
    w1, b1 = rng.normal(size=(5, 3)) * 0.5, rng.normal(size=5) * 0.1
    w2, b2 = rng.normal(size=(2, 5)) * 0.5, rng.normal(size=2) * 0.1
    return x, t, (w1, b1, w2, b2)


def one_dense_layer() -> dict:
    x, _, (w1, b1, _, _) = problem()
    t = np.zeros((4, 5))  # a target shaped like this layer's output
    layer = Dense(3, 5)
    layer.weights, layer.bias = w1.copy(), b1.copy()
    y = layer.forward(x)
    g = mse_prime(y, t)  # G = ∂E/∂Y for E = mean (Y − T)²
    dx = layer.backward(g)
    print("One Dense layer, Y = X·Wᵀ + b, loss E = mean((Y − 0)²):")
    rows = [("X", x.shape, "input"), ("W", layer.weights.shape, "weights (out, in)"),
            ("Y = X·Wᵀ + b", y.shape, "output"), ("G = ∂E/∂Y", g.shape, "from the loss"),
            ("∂E/∂W = Gᵀ·X", layer.weights_gradient.shape, "(5, 4)·(4, 3)"),
            ("∂E/∂b = Σₙ G", layer.bias_gradient.shape, "sum over the batch"),
            ("∂E/∂X = G·W", dx.shape, "(4, 5)·(5, 3)")]
    print(table(["", "shape", ""], [(a, str(s), c) for a, s, c in rows]))
    return {"dW": layer.weights_gradient, "db": layer.bias_gradient, "dX": dx, "loss": mse(y, t)}


def by_hand() -> dict:
    """[Dense(3, 5), Tanh, Dense(5, 2)] and the MSE loss, forward then backward, layer by layer."""
    x, t, (w1, b1, w2, b2) = problem()
    first, second = Dense(3, 5), Dense(5, 2)
    first.weights, first.bias, second.weights, second.bias = w1.copy(), b1.copy(), w2.copy(), b2.copy()
    network = [first, Tanh(), second]
    y = predict(network, x)
    dx = backward(network, mse_prime(y, t))
    return {"loss": mse(y, t), "W1": first.weights_gradient, "b1": first.bias_gradient,
            "W2": second.weights_gradient, "b2": second.bias_gradient, "X": dx}


def by_autograd() -> dict:
    """The same network as glassgrad Tensors; ``loss.backward()`` finds the gradients by itself."""
    x_np, t_np, arrays = problem()
    x = glassgrad.tensor(x_np, requires_grad=True)
    t = glassgrad.tensor(t_np)
    w1, b1, w2, b2 = (glassgrad.tensor(a, requires_grad=True) for a in arrays)
    y = F.linear(glassgrad.tanh(F.linear(x, w1, b1)), w2, b2)
    loss = F.mse_loss(y, t)
    loss.backward()
    return {"loss": loss.item(), "W1": w1.grad.numpy(), "b1": b1.grad.numpy(), "W2": w2.grad.numpy(),
            "b2": b2.grad.numpy(), "X": x.grad.numpy()}


def main(quick: bool = False, out=None) -> dict:
    single = one_dense_layer()
    print()
    hand, auto = by_hand(), by_autograd()
    print("[Dense(3, 5), Tanh, Dense(5, 2)], MSE loss: by hand vs glassgrad Tensor autograd")
    rows = []
    differences = {}
    for name in ["W1", "b1", "W2", "b2", "X"]:
        differences[name] = float(np.max(np.abs(hand[name] - auto[name])))
        rows.append((f"∂E/∂{name}", str(hand[name].shape), float(np.abs(hand[name]).max()), differences[name]))
    print(table(["gradient", "shape", "largest |entry|", "max |hand − autograd|"], rows, ["", "", ".6f", ".1e"]))
    print(f"loss: by hand {hand['loss']:.15f}, autograd {auto['loss']:.15f}")
    print("∂E/∂W1 by hand:")
    print(np.array2string(hand["W1"], precision=6, suppress_small=True))
    return {"single": single, "by_hand": hand, "autograd": auto, "max_difference": differences}


if __name__ == "__main__":
    run(main, __doc__)
