"""``nn.modules.padding`` — ``torch.nn.modules.padding``: PyTorch's path, glassgrad's classes.

Part III, nn chapter: only names; each class is defined (and explained) in the file it is imported
from. Real programs name these paths (``torch.nn.modules.linear.Linear``, safe_globals lists).
"""

from __future__ import annotations

from glassgrad.nn.padding import (CircularPad1d, CircularPad2d, CircularPad3d, ConstantPad1d, ConstantPad2d,
                                  ConstantPad3d, ReflectionPad1d, ReflectionPad2d, ReflectionPad3d,
                                  ReplicationPad1d, ReplicationPad2d, ReplicationPad3d, ZeroPad1d, ZeroPad2d,
                                  ZeroPad3d)

__all__ = ["CircularPad1d", "CircularPad2d", "CircularPad3d", "ConstantPad1d", "ConstantPad2d", "ConstantPad3d",
           "ReflectionPad1d", "ReflectionPad2d", "ReflectionPad3d", "ReplicationPad1d", "ReplicationPad2d",
           "ReplicationPad3d", "ZeroPad1d", "ZeroPad2d", "ZeroPad3d"]
