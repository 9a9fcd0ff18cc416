"""``nn.modules.dropout`` — ``torch.nn.modules.dropout``: PyTorch's path, glassgrad's classes.

Part III, nn chapter: only names; each class is defined (and explained) in the file it is imported
from. Real programs name these paths (``torch.nn.modules.linear.Linear``, safe_globals lists).
"""

from __future__ import annotations

from glassgrad.nn.dropout import (AlphaDropout, Dropout, Dropout1d, Dropout2d, Dropout3d, FeatureAlphaDropout,
                                  _DropoutNd)

__all__ = ["Dropout", "Dropout1d", "Dropout2d", "Dropout3d", "AlphaDropout", "FeatureAlphaDropout", "_DropoutNd"]
