"""The training loop for hand-written layers: forward, loss, backward, *then* update.

Part II, the last file. A network is a plain list of layers. One step of training is four lines:

    output = predict(network, x)                  # forward, first layer to last
    error = loss(output, y)
    backward(network, loss_prime(output, y))      # backward, last layer to first: gradients only
    sgd_step(network, learning_rate)              # only now change the parameters: p ← p − lr·∂E/∂p

The PyTorch twin is ``model(x)``, ``loss_fn(out, y)``, ``loss.backward()``, ``optimizer.step()``.
Keeping the update apart from ``backward`` is what makes each layer's input gradient use the very weights
its forward pass used.
"""

from __future__ import annotations

from typing import Callable, Sequence

import numpy as np

from .layers import Layer

__all__ = ["predict", "backward", "sgd_step", "train"]

Network = Sequence[Layer]


def predict(network: Network, input) -> np.ndarray:
    """Run ``input`` through every layer in order; the last layer's output is the prediction."""
    output = np.asarray(input, dtype=np.float64)
    for layer in network:
        output = layer.forward(output)
    return output


def backward(network: Network, output_gradient) -> np.ndarray:
    """Backpropagate ``∂E/∂output`` from the last layer to the first; returns ``∂E/∂input``.

    Each layer stores its parameters' gradients; no parameter changes here.
    """
    gradient = output_gradient
    for layer in reversed(network):
        gradient = layer.backward(gradient)
    return gradient


def sgd_step(network: Network, learning_rate: float) -> None:
    """Plain gradient descent, in place: p ← p − learning_rate · ∂E/∂p for every parameter of every layer."""
    for layer in network:
        for parameter, gradient in zip(layer.parameters(), layer.gradients()):
            if parameter.shape != gradient.shape:
                raise ValueError(f"{layer!r}: gradient of shape {gradient.shape} for a parameter of shape "
                                 f"{parameter.shape}")
            parameter -= learning_rate * gradient


def train(network: Network, loss: Callable, loss_prime: Callable, x, y, epochs: int = 1000,
          learning_rate: float = 0.01, batch_size: int | None = None, *, shuffle: bool = True,
          seed: int | None = 0, verbose: bool = False, print_every: int | None = None) -> list[float]:
    """Train ``network`` (a list of layers) on samples ``x`` with targets ``y``; returns the loss per epoch.

    Each epoch walks the samples in mini-batches of ``batch_size`` (all of them at once when None), in an
    order shuffled by a Generator seeded with ``seed``; each batch is one forward, one backward and one
    ``sgd_step``. An epoch's loss is the mean over its batches, weighted by their sizes. ``verbose`` prints
    it every ``print_every`` epochs (default: ten lines in all).
    """
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y)
    if x.ndim < 1 or y.ndim < 1 or x.shape[0] != y.shape[0]:
        raise ValueError(f"train: x and y must hold the same number of samples along their first axis, "
                         f"got x of shape {x.shape} and y of shape {y.shape}")
    if int(epochs) < 0:
        raise ValueError(f"train: epochs must be ≥ 0, got {epochs}")
    n = x.shape[0]
    batch_size = n if batch_size is None else int(batch_size)
    if batch_size < 1:
        raise ValueError(f"train: batch_size must be positive, got {batch_size}")
    rng = np.random.default_rng(seed)
    print_every = print_every or max(1, int(epochs) // 10)
    history = []
    for epoch in range(int(epochs)):
        order = rng.permutation(n) if shuffle else np.arange(n)
        total = 0.0
        for start in range(0, n, batch_size):
            batch = order[start:start + batch_size]
            output = predict(network, x[batch])
            total += loss(output, y[batch]) * len(batch)
            backward(network, loss_prime(output, y[batch]))
            sgd_step(network, learning_rate)
        history.append(total / n)
        if verbose and ((epoch + 1) % print_every == 0 or epoch == 0):
            print(f"epoch {epoch + 1:>5}/{int(epochs)}  loss {history[-1]:.6f}")
    return history
