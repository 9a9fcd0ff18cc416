"""Memory formats, as ``torch.memory_format``: the order in which a tensor's elements lie in memory.

Part III, beside ``dtypes`` and ``devices`` (what a tensor is made of, not what it computes). A 4-D image
batch (N, C, H, W) normally lies row-major, W fastest ("contiguous_format"); ``channels_last`` keeps the
same shape and values but lays the channels fastest, as (N, H, W, C) would be — faster for some
convolution kernels, invisible to the arithmetic. numpy arrays carry their own strides, so a glassgrad
tensor can hold either layout, and numpy's elementwise functions keep it, as PyTorch's do.

    x.to(memory_format=torch.channels_last).stride()      # (60, 1, 15, 3) for a (2, 3, 4, 5) tensor
    torch.zeros_like(p, memory_format=torch.preserve_format)   # what optimizers write: p's layout

``preserve_format`` (the default of ``*_like`` and ``clone``) keeps the input's layout; ``contiguous_format``
asks for row-major. Modules accept ``model.to(memory_format=...)`` and keep their parameters as they are.
"""

from __future__ import annotations

import numpy as np

from glassgrad import dtypes

__all__ = ["memory_format", "contiguous_format", "channels_last", "channels_last_3d", "preserve_format",
           "check_memory_format", "laid_out", "layout_of"]


class memory_format:  # noqa: N801  (PyTorch's name for the type)
    """One of the four layouts below; printed as ``torch.channels_last``."""

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return f"{dtypes.SHOWN_AS}.{self.name}"


contiguous_format = memory_format("contiguous_format")
channels_last = memory_format("channels_last")
channels_last_3d = memory_format("channels_last_3d")
preserve_format = memory_format("preserve_format")

# the rank a layout needs, and the dimension order it lays out row-major (channels moved last)
_ORDERS = {channels_last: (4, (0, 2, 3, 1)), channels_last_3d: (5, (0, 2, 3, 4, 1))}
DIMENSION_ORDERS = {fmt: order for fmt, (_, order) in _ORDERS.items()}


def check_memory_format(value, function: str) -> None:
    """PyTorch's TypeError when ``memory_format=`` is not a memory format (None means the default)."""
    if value is not None and not isinstance(value, memory_format):
        raise TypeError(f"{function}(): argument 'memory_format' must be torch.memory_format, not "
                        f"{type(value).__name__}")


def _is_laid_out(array: np.ndarray, order: tuple) -> bool:
    return array.transpose(order).flags.c_contiguous


def layout_of(array: np.ndarray) -> memory_format:
    """The layout a ``preserve_format`` result copies: channels-last when ``array`` is strictly so."""
    for fmt, (rank, order) in _ORDERS.items():
        if array.ndim == rank and not array.flags.c_contiguous and _is_laid_out(array, order):
            return fmt
    return contiguous_format


def laid_out(array: np.ndarray, fmt: memory_format | None, source: np.ndarray | None = None) -> np.ndarray:
    """``array``'s values in the layout ``fmt`` (a copy only when the layout changes). ``preserve_format``
    (or None) takes ``source``'s layout, when one is given, else leaves ``array`` as it is."""
    if fmt is None or fmt is preserve_format:
        if source is None:
            return array
        fmt = layout_of(source)
    if fmt is contiguous_format:
        return np.ascontiguousarray(array)
    rank, order = _ORDERS[fmt]
    if array.ndim != rank:
        raise RuntimeError(f"required rank {rank} tensor to use {fmt.name} format")
    if _is_laid_out(array, order):
        return array
    return np.ascontiguousarray(array.transpose(order)).transpose(np.argsort(order))
