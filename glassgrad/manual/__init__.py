"""Part II — backprop by hand, layer by layer, with numpy matrices (no autograd).

Read in this order:
  layers.py       the Layer protocol (forward / backward), Dense, Reshape, Convolutional, MaxPool
  activations.py  Activation(f, f_prime), Tanh, Sigmoid, ReLU, and Softmax with its Jacobian-vector product
  losses.py       mse, binary cross-entropy (on probabilities and on logits), softmax cross-entropy
  train.py        predict, backward, sgd_step, train — the update kept apart from backward

This package imports numpy and nothing else from glassgrad: every derivative here is written by hand.

    >>> from glassgrad.manual import Dense, Tanh, mse, mse_prime, train, predict
    >>> network = [Dense(2, 3, seed=0), Tanh(), Dense(3, 1, seed=1), Tanh()]
    >>> history = train(network, mse, mse_prime, x, y, epochs=1000, learning_rate=0.1)   # doctest: +SKIP
"""

from .activations import Activation, ReLU, Sigmoid, Softmax, Tanh, sigmoid, softmax
from .layers import Convolutional, Dense, Layer, MaxPool, Reshape, cross_correlate
from .losses import (
    binary_cross_entropy,
    binary_cross_entropy_prime,
    binary_cross_entropy_with_logits,
    binary_cross_entropy_with_logits_prime,
    mse,
    mse_prime,
    softmax_cross_entropy,
    softmax_cross_entropy_prime,
)
from .train import backward, predict, sgd_step, train

__all__ = [
    "Layer", "Dense", "Reshape", "Convolutional", "MaxPool", "cross_correlate",
    "Activation", "Tanh", "Sigmoid", "ReLU", "Softmax", "sigmoid", "softmax",
    "mse", "mse_prime", "binary_cross_entropy", "binary_cross_entropy_prime",
    "binary_cross_entropy_with_logits", "binary_cross_entropy_with_logits_prime",
    "softmax_cross_entropy", "softmax_cross_entropy_prime",
    "predict", "backward", "sgd_step", "train",
]
