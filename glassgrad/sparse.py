"""``torch.sparse``: the functions PyTorch keeps in its sparse namespace.

The sparse COO tensor itself, its primitives and their derivatives are in glassgrad/ops/sparse.py;
this module only gives them PyTorch's names.
"""

from __future__ import annotations

from glassgrad.ops.sparse import mm
from glassgrad.tensor import Tensor

__all__ = ["mm", "sum"]


def sum(input, dim=None, dtype=None) -> Tensor:  # noqa: A001 - PyTorch's name
    """``torch.sparse.sum``: the sum of every entry, as a dense 0-d tensor (duplicates count each time).
    Summing over some dims only (a sparse result in PyTorch) is not offered yet."""
    if not input.is_sparse:
        return input.sum() if dim is None else input.sum(dim)
    return input.sum(dim, dtype=dtype)
