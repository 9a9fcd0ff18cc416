"""``nn.modules.channelshuffle`` — ``torch.nn.modules.channelshuffle``: PyTorch's path, glassgrad's class.

Part III, nn chapter: only names; the class is defined (and explained) in the file it is imported from.
"""

from __future__ import annotations

from glassgrad.nn.pixelshuffle import ChannelShuffle

__all__ = ["ChannelShuffle"]
