"""``nn.modules.loss`` — ``torch.nn.modules.loss``: PyTorch's path, glassgrad's classes.

Part III, nn chapter: only names; each class is defined (and explained) in the file it is imported
from. Real programs name these paths (``torch.nn.modules.linear.Linear``, safe_globals lists).
"""

from __future__ import annotations

from glassgrad.nn.loss import (BCELoss, BCEWithLogitsLoss, CosineEmbeddingLoss, CrossEntropyLoss, CTCLoss,
                               GaussianNLLLoss, HingeEmbeddingLoss, HuberLoss, KLDivLoss, L1Loss,
                               MarginRankingLoss, MSELoss, MultiLabelSoftMarginLoss, MultiMarginLoss,
                               NLLLoss, PoissonNLLLoss, SmoothL1Loss, SoftMarginLoss,
                               TripletMarginLoss, _Loss, _WeightedLoss,
                               MultiLabelMarginLoss, TripletMarginWithDistanceLoss)

__all__ = [
    "BCELoss", "BCEWithLogitsLoss", "CosineEmbeddingLoss", "CrossEntropyLoss", "HuberLoss", "L1Loss",
    "MSELoss", "NLLLoss", "SmoothL1Loss", "_Loss", "_WeightedLoss", "KLDivLoss", "PoissonNLLLoss",
    "GaussianNLLLoss", "MarginRankingLoss", "HingeEmbeddingLoss", "SoftMarginLoss",
    "MultiLabelSoftMarginLoss", "MultiMarginLoss", "TripletMarginLoss", "MultiLabelMarginLoss",
    "TripletMarginWithDistanceLoss", "CTCLoss",
]
