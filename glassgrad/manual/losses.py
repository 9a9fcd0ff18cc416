"""Loss functions and their derivatives, each pair written side by side.

Part II, after the layers. A loss turns the network's prediction into one number E; its ``_prime`` is
``∂E/∂prediction`` — the gradient that starts the backward pass through the layers.

Arguments come in PyTorch's order, ``loss(prediction, target)``, and every loss is the *mean* over its
numbers (PyTorch's default ``reduction="mean"``), so each ``_prime`` carries the ``1/size`` of that mean.
"""

from __future__ import annotations

import numpy as np

from .activations import sigmoid, softmax

__all__ = [
    "mse", "mse_prime",
    "binary_cross_entropy", "binary_cross_entropy_prime",
    "binary_cross_entropy_with_logits", "binary_cross_entropy_with_logits_prime",
    "softmax_cross_entropy", "softmax_cross_entropy_prime",
]


def _pair(loss: str, prediction, target) -> tuple[np.ndarray, np.ndarray]:
    prediction = np.asarray(prediction, dtype=np.float64)
    target = np.asarray(target, dtype=np.float64)
    if prediction.shape != target.shape:
        raise ValueError(f"{loss}: prediction has shape {prediction.shape} but target has shape {target.shape}; "
                         f"they must match")
    return prediction, target


def mse(prediction, target) -> float:
    """E = (1/M) Σ (p − t)², the mean over all M numbers, as ``F.mse_loss``."""
    p, t = _pair("mse", prediction, target)
    return float(np.mean((p - t) ** 2))


def mse_prime(prediction, target) -> np.ndarray:
    """∂E/∂p = 2(p − t) / M."""
    p, t = _pair("mse_prime", prediction, target)
    return 2.0 * (p - t) / p.size


def binary_cross_entropy(prediction, target) -> float:
    """E = −(1/M) Σ [t·log p + (1 − t)·log(1 − p)], p a probability, as ``F.binary_cross_entropy``.

    Each log is clamped at −100, as PyTorch does, so p = 0 or 1 gives a large finite loss, not inf.
    """
    p, t = _pair("binary_cross_entropy", prediction, target)
    with np.errstate(divide="ignore"):
        log_p, log_1mp = np.maximum(np.log(p), -100.0), np.maximum(np.log1p(-p), -100.0)
    return float(-np.mean(t * log_p + (1.0 - t) * log_1mp))


def binary_cross_entropy_prime(prediction, target) -> np.ndarray:
    """∂E/∂p = (1/M) · (−t/p + (1 − t)/(1 − p)) = (p − t) / (p(1 − p)) / M.

    The denominator is kept ≥ 1e-12 (as PyTorch does) so a saturated p does not divide by zero.
    """
    p, t = _pair("binary_cross_entropy_prime", prediction, target)
    return (p - t) / np.maximum(p * (1.0 - p), 1e-12) / p.size


def binary_cross_entropy_with_logits(logits, target) -> float:
    """BCE of σ(z), computed from z directly: E = (1/M) Σ [max(z, 0) − z·t + log(1 + e^(−|z|))].

    The stable form (as ``F.binary_cross_entropy_with_logits``): no σ that rounds to 0 or 1, no log(0).
    """
    z, t = _pair("binary_cross_entropy_with_logits", logits, target)
    return float(np.mean(np.maximum(z, 0.0) - z * t + np.log1p(np.exp(-np.abs(z)))))


def binary_cross_entropy_with_logits_prime(logits, target) -> np.ndarray:
    """∂E/∂z = (σ(z) − t) / M — the σ′ of the sigmoid and the 1/(p(1−p)) of the BCE cancel."""
    z, t = _pair("binary_cross_entropy_with_logits_prime", logits, target)
    return (sigmoid(z) - t) / z.size


def _logits_and_probabilities(loss: str, logits, target) -> tuple[np.ndarray, np.ndarray]:
    """Logits (N, classes) and the target as probabilities (N, classes): class indices become one-hot."""
    z = np.asarray(logits, dtype=np.float64)
    if z.ndim != 2:
        raise ValueError(f"{loss} expects logits of shape (batch, classes), got shape {z.shape}")
    target = np.asarray(target)
    if target.shape == (z.shape[0],) and np.issubdtype(target.dtype, np.integer):
        if target.min(initial=0) < 0 or target.max(initial=0) >= z.shape[1]:
            raise ValueError(f"{loss}: class indices must lie in [0, {z.shape[1]}), "
                             f"got {target.min()}..{target.max()}")
        return z, np.eye(z.shape[1])[target]
    if target.shape != z.shape:
        raise ValueError(f"{loss}: target must be class indices of shape ({z.shape[0]},) or probabilities of shape "
                         f"{z.shape} like the logits, got shape {target.shape}")
    return z, target.astype(np.float64)


def softmax_cross_entropy(logits, target) -> float:
    """E = −(1/N) Σₙ Σᵢ tₙᵢ · log softmax(zₙ)ᵢ, as ``F.cross_entropy`` (which takes logits, not probabilities).

    ``target`` is class indices (N,) or probabilities (N, classes). log softmax(z) = z − logsumexp(z),
    computed with the row maximum subtracted so nothing overflows.
    """
    z, t = _logits_and_probabilities("softmax_cross_entropy", logits, target)
    shifted = z - z.max(axis=1, keepdims=True)
    log_probabilities = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    return float(-np.sum(t * log_probabilities) / z.shape[0])


def softmax_cross_entropy_prime(logits, target) -> np.ndarray:
    """∂E/∂z = (softmax(z)·Σᵢtᵢ − t) / N, which is (softmax(z) − t) / N when each target row sums to 1.

    Softmax's full Jacobian and the log's 1/p cancel to this: the reason the two are fused in PyTorch.
    """
    z, t = _logits_and_probabilities("softmax_cross_entropy_prime", logits, target)
    return (softmax(z, axis=1) * t.sum(axis=1, keepdims=True) - t) / z.shape[0]
