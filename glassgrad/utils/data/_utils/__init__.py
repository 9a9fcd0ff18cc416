"""``utils.data._utils`` — PyTorch's helpers of the DataLoader; glassgrad has the one programs import,
``collate`` (``default_collate``, ``default_convert``)."""

from glassgrad.utils.data._utils import collate  # noqa: F401

__all__ = ["collate"]
