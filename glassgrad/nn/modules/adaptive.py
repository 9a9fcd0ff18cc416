"""``nn.modules.adaptive`` — ``torch.nn.modules.adaptive``: PyTorch's path, glassgrad's class.

Part III, nn chapter: only names; the class is defined (and explained) in glassgrad/nn/adaptive.py.
"""

from __future__ import annotations

from glassgrad.nn.adaptive import AdaptiveLogSoftmaxWithLoss, _ASMoutput

__all__ = ["AdaptiveLogSoftmaxWithLoss", "_ASMoutput"]
