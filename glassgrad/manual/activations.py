"""Activation layers: a function applied number by number, and its derivative beside it.

Part II, after ``layers.py``. An activation has no parameters; its backward pass is the chain rule for an
elementwise function, so one class, ``Activation(f, f_prime)``, serves Tanh, Sigmoid and ReLU. Softmax is
the exception — each output depends on every input of its row — so it gets its own backward, the
Jacobian-vector product written out.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from .layers import Layer

__all__ = ["Activation", "Tanh", "Sigmoid", "ReLU", "Softmax", "sigmoid", "softmax"]


class Activation(Layer):
    """An elementwise function as a layer, given the function and its derivative.

      Yᵢ = f(Xᵢ), each output depends only on its own input
      ⇒ ∂E/∂Xᵢ = ∂E/∂Yᵢ · ∂Yᵢ/∂Xᵢ = ∂E/∂Yᵢ · f′(Xᵢ)
      ⇒ ∂E/∂X = ∂E/∂Y ⊙ f′(X)          (⊙: elementwise product; the Jacobian is diagonal)
    """

    def __init__(self, f: Callable[[np.ndarray], np.ndarray], f_prime: Callable[[np.ndarray], np.ndarray]):
        self.f, self.f_prime = f, f_prime

    def forward(self, input):
        self.input = np.asarray(input, dtype=np.float64)
        output = self.f(self.input)
        self._output_shape = output.shape
        return output

    def backward(self, output_gradient):
        return self._output_gradient(output_gradient) * self.f_prime(self.input)


def sigmoid(x: np.ndarray) -> np.ndarray:
    """σ(x) = 1 / (1 + e⁻ˣ), computed without overflow: e^(−|x|) never exceeds 1.

    For x ≥ 0: 1 / (1 + e⁻ˣ);  for x < 0 the same number written as eˣ / (1 + eˣ).
    """
    x = np.asarray(x, dtype=np.float64)
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


class Tanh(Activation):
    """tanh, as ``torch.nn.Tanh``;  tanh′(x) = 1 − tanh²(x)."""

    def __init__(self):
        super().__init__(np.tanh, lambda x: 1.0 - np.tanh(x) ** 2)


class Sigmoid(Activation):
    """The logistic sigmoid, as ``torch.nn.Sigmoid``;  σ′(x) = σ(x)·(1 − σ(x))."""

    def __init__(self):
        def sigmoid_prime(x):
            s = sigmoid(x)
            return s * (1.0 - s)

        super().__init__(sigmoid, sigmoid_prime)


class ReLU(Activation):
    """max(0, x), as ``torch.nn.ReLU``;  ReLU′(x) = 1 if x > 0 else 0 (0 at x = 0, as PyTorch)."""

    def __init__(self):
        super().__init__(lambda x: np.maximum(x, 0.0), lambda x: (x > 0).astype(np.float64))


def softmax(x: np.ndarray, axis: int = -1) -> np.ndarray:
    """eˣⁱ / Σⱼ eˣʲ along ``axis``; the row maximum is subtracted first so no exponential overflows."""
    x = np.asarray(x, dtype=np.float64)
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


class Softmax(Layer):
    """Softmax along the last axis, as ``torch.nn.Softmax(dim=-1)``: each row becomes probabilities.

    Every output of a row depends on every input of that row, so the Jacobian is full, not diagonal:
      Yᵢ = eˣⁱ / Σⱼ eˣʲ  ⇒  ∂Yᵢ/∂Xⱼ = Yᵢ(δᵢⱼ − Yⱼ),  i.e.  J = diag(Y) − Y·Yᵀ   (symmetric)
      ∂E/∂Xⱼ = Σᵢ ∂E/∂Yᵢ · Yᵢ(δᵢⱼ − Yⱼ) = Yⱼ · (∂E/∂Yⱼ − Σᵢ ∂E/∂Yᵢ·Yᵢ)
      ⇒ ∂E/∂X = Y ⊙ (∂E/∂Y − ⟨∂E/∂Y, Y⟩)   — the product with J in O(n), without building the n×n matrix.
    ``jacobian`` builds the matrix anyway, for the learner who wants to see it.
    """

    def forward(self, input):
        x = np.asarray(input, dtype=np.float64)
        if x.ndim < 1:
            raise ValueError(f"Softmax needs at least one axis to normalise over, got a scalar of shape {x.shape}")
        self.output = softmax(x, axis=-1)
        self._output_shape = self.output.shape
        return self.output

    def backward(self, output_gradient):
        g = self._output_gradient(output_gradient)
        y = self.output
        return y * (g - (g * y).sum(axis=-1, keepdims=True))

    @staticmethod
    def jacobian(input: np.ndarray) -> np.ndarray:
        """J = diag(y) − y·yᵀ for each row: input (..., n) → (..., n, n), J[..., i, j] = ∂yᵢ/∂xⱼ."""
        y = softmax(input, axis=-1)
        return np.einsum("...i,ij->...ij", y, np.eye(y.shape[-1])) - y[..., :, None] * y[..., None, :]
