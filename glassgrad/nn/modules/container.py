"""``nn.modules.container`` — ``torch.nn.modules.container``: PyTorch's path, glassgrad's classes.

Part III, nn chapter: only names; each class is defined (and explained) in the file it is imported
from. Real programs name these paths (``torch.nn.modules.linear.Linear``, safe_globals lists).
"""

from __future__ import annotations

from glassgrad.nn.container import ModuleDict, ModuleList, ParameterDict, ParameterList, Sequential

__all__ = ["ModuleDict", "ModuleList", "ParameterDict", "ParameterList", "Sequential"]
