"""``nn.modules.sparse`` — ``torch.nn.modules.sparse``: PyTorch's path, glassgrad's classes.

Part III, nn chapter: only names; each class is defined (and explained) in the file it is imported
from. Real programs name these paths (``torch.nn.modules.linear.Linear``, safe_globals lists).
"""

from __future__ import annotations

from glassgrad.nn.sparse import Embedding, EmbeddingBag

__all__ = ["Embedding", "EmbeddingBag"]
