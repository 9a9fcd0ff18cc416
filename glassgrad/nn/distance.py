"""Distance layers: ``CosineSimilarity`` and ``PairwiseDistance``, as in ``torch.nn``.

Part III, nn chapter. Each holds its options and calls the function in ``functional_distance.py``,
where the distance is written out.
"""

from __future__ import annotations

from glassgrad.nn import functional_distance as FD
from glassgrad.nn.module import Module

__all__ = ["CosineSimilarity", "PairwiseDistance"]


class CosineSimilarity(Module):
    """cos(x1, x2) along ``dim``: Σ x1·x2 / (max(‖x1‖, eps)·max(‖x2‖, eps))."""

    def __init__(self, dim: int = 1, eps: float = 1e-8) -> None:
        super().__init__()
        self.dim, self.eps = dim, eps

    def forward(self, x1, x2):
        return FD.cosine_similarity(x1, x2, self.dim, self.eps)


class PairwiseDistance(Module):
    """‖x1 − x2 + eps‖_p along the last dimension, one distance per row."""

    def __init__(self, p: float = 2.0, eps: float = 1e-6, keepdim: bool = False) -> None:
        super().__init__()
        self.norm, self.eps, self.keepdim = p, eps, keepdim

    def forward(self, x1, x2):
        return FD.pairwise_distance(x1, x2, self.norm, self.eps, self.keepdim)
