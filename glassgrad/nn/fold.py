"""``Unfold`` and ``Fold``: im2col and col2im as layers, as in ``torch.nn``.

Part III, nn chapter. Each remembers its options and calls the function in ``functional_fold.py``,
where the window copies and their adjoints are written out.
"""

from __future__ import annotations

from glassgrad.nn.functional_fold import fold, unfold
from glassgrad.nn.module import Module

__all__ = ["Fold", "Unfold"]


class Unfold(Module):
    """Every sliding kernel-sized window of (N, C, H, W) as a column of (N, C·kh·kw, L)."""

    def __init__(self, kernel_size, dilation=1, padding=0, stride=1) -> None:
        super().__init__()
        self.kernel_size, self.dilation, self.padding, self.stride = kernel_size, dilation, padding, stride

    def forward(self, input):  # noqa: A002
        return unfold(input, self.kernel_size, self.dilation, self.padding, self.stride)

    def extra_repr(self) -> str:
        return (f"kernel_size={self.kernel_size}, dilation={self.dilation}, padding={self.padding}, "
                f"stride={self.stride}")


class Fold(Module):
    """The columns of (N, C·kh·kw, L) summed back onto their windows of an (N, C, H, W) image."""

    def __init__(self, output_size, kernel_size, dilation=1, padding=0, stride=1) -> None:
        super().__init__()
        self.output_size, self.kernel_size = output_size, kernel_size
        self.dilation, self.padding, self.stride = dilation, padding, stride

    def forward(self, input):  # noqa: A002
        return fold(input, self.output_size, self.kernel_size, self.dilation, self.padding, self.stride)

    def extra_repr(self) -> str:
        return (f"output_size={self.output_size}, kernel_size={self.kernel_size}, "
                f"dilation={self.dilation}, padding={self.padding}, stride={self.stride}")
