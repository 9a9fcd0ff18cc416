"""``nn.modules.activation`` — ``torch.nn.modules.activation``: PyTorch's path, glassgrad's classes.

Part III, nn chapter: only names; each class is defined (and explained) in the file it is imported
from. Real programs name these paths (``torch.nn.modules.linear.Linear``, safe_globals lists).
"""

from __future__ import annotations

from glassgrad.nn.activation import (ELU, GELU, Hardtanh, LeakyReLU, LogSoftmax, Mish, ReLU, ReLU6, SiLU,
                                     Sigmoid, Softmax, Softmin, Softplus, Tanh)
from glassgrad.nn.attention import MultiheadAttention

__all__ = [
    "ELU", "GELU", "Hardtanh", "LeakyReLU", "LogSoftmax", "Mish", "ReLU", "ReLU6", "SiLU", "Sigmoid",
    "Softmax", "Softmin", "Softplus", "Tanh", "MultiheadAttention",
]
