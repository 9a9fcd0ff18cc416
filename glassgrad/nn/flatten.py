"""``Flatten`` and ``Unflatten``, as in ``torch.nn``: reshape between a conv stack and a linear layer.

Part III, nn chapter. Pure reshapes, so the gradient is reshaped back and nothing else.
"""

from __future__ import annotations

from glassgrad.nn.module import Module
from glassgrad.ops.shape import reshape

__all__ = ["Flatten", "Unflatten"]


def _flat_shape(shape: tuple, start_dim: int, end_dim: int) -> tuple:
    n = max(len(shape), 1)
    for d in (start_dim, end_dim):
        if not -n <= d < n:
            raise IndexError(f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], "
                             f"but got {d})")
    if len(shape) == 0:
        return (1,)
    s, e = start_dim % n, end_dim % n
    if s > e:
        raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
    size = 1
    for k in shape[s:e + 1]:
        size *= k
    return tuple(shape[:s]) + (size,) + tuple(shape[e + 1:])


class Flatten(Module):
    """Merge dimensions start_dim..end_dim into one: (N, C, H, W) -> (N, C·H·W) by default."""

    def __init__(self, start_dim: int = 1, end_dim: int = -1) -> None:
        super().__init__()
        self.start_dim = start_dim
        self.end_dim = end_dim

    def forward(self, input):  # noqa: A002
        return reshape(input, _flat_shape(input._array.shape, self.start_dim, self.end_dim))

    def extra_repr(self) -> str:
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class Unflatten(Module):
    """Split dimension ``dim`` into ``unflattened_size``: (N, 12) -> (N, 3, 4)."""

    def __init__(self, dim, unflattened_size) -> None:
        super().__init__()
        if not isinstance(dim, int):
            raise TypeError("invalid argument type for dim parameter")
        if not isinstance(unflattened_size, (tuple, list)):
            raise TypeError("unflattened_size must be tuple of ints, but found type "
                            f"{type(unflattened_size).__name__}")
        self.dim = dim
        self.unflattened_size = tuple(unflattened_size) if not hasattr(unflattened_size, "numel") \
            else unflattened_size

    def forward(self, input):  # noqa: A002
        shape = input._array.shape
        d = input._dim(self.dim)
        sizes = list(self.unflattened_size)
        if -1 in sizes:
            known = 1
            for s in sizes:
                known *= s if s != -1 else 1
            sizes[sizes.index(-1)] = shape[d] // known
        total = 1
        for s in sizes:
            total *= s
        if total != shape[d]:
            raise RuntimeError(f"unflatten: Provided sizes {list(self.unflattened_size)} don't multiply "
                               f"up to the size of dim {self.dim} ({shape[d]}) in the input tensor")
        return reshape(input, tuple(shape[:d]) + tuple(sizes) + tuple(shape[d + 1:]))

    def extra_repr(self) -> str:
        return f"dim={self.dim}, unflattened_size={self.unflattened_size}"
