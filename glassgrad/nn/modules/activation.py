"""``nn.modules.activation`` — ``torch.nn.modules.activation``: PyTorch's path, glassgrad's classes.

Part III, nn chapter: only names; each class is defined (and explained) in the file it is imported
from. Real programs name these paths (``torch.nn.modules.linear.Linear``, safe_globals lists).
"""

from __future__ import annotations

from glassgrad.nn.activation import (CELU, ELU, GELU, GLU, Hardshrink, Hardsigmoid, Hardswish, Hardtanh,
                                     LeakyReLU, LogSigmoid, LogSoftmax, Mish, PReLU, ReLU, ReLU6, RReLU, SELU,
                                     SiLU, Sigmoid, Softmax, Softmax2d, Softmin, Softplus, Softshrink, Softsign,
                                     Tanh, Tanhshrink, Threshold)
from glassgrad.nn.attention import MultiheadAttention

__all__ = [
    "ELU", "GELU", "Hardtanh", "LeakyReLU", "LogSoftmax", "Mish", "ReLU", "ReLU6", "SiLU", "Sigmoid",
    "Softmax", "Softmin", "Softplus", "Tanh", "MultiheadAttention", "CELU", "GLU", "Hardshrink", "Hardsigmoid",
    "Hardswish", "LogSigmoid", "PReLU", "RReLU", "SELU", "Softmax2d", "Softshrink", "Softsign", "Tanhshrink",
    "Threshold",
]
