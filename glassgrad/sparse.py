"""``torch.sparse``: the functions PyTorch keeps in its sparse namespace.

The sparse COO tensor itself, its primitives and their derivatives are in glassgrad/ops/sparse.py;
this module only gives them PyTorch's names.
"""

from __future__ import annotations

from glassgrad.ops.sparse import mm, sparse_sum
from glassgrad.tensor import Tensor

__all__ = ["mm", "sum"]


def sum(input, dim=None, dtype=None) -> Tensor:  # noqa: A001 - PyTorch's name
    """``torch.sparse.sum``: every entry summed (a dense 0-d tensor; duplicates count each time), or over
    ``dim`` (an int or a tuple): sparse while a sparse dim is left, dense once all are summed. Its
    gradient is sparse, on the input's own entries. A dense input is refused, as PyTorch refuses it."""
    if not input.is_sparse:  # PyTorch's own errors: the dense tensor has no coalesce / _indices
        return input.coalesce() if dim is None else input._indices()
    if dim is None:
        return input.sum(dtype=dtype)
    return sparse_sum(input, dim, dtype)
