"""``parameters_to_vector`` / ``vector_to_parameters``: all parameters as one flat vector and back."""

from __future__ import annotations

import numpy as np

from glassgrad.tensor import Tensor

__all__ = ["parameters_to_vector", "vector_to_parameters"]


def parameters_to_vector(parameters) -> Tensor:
    """One 1-D tensor with every parameter's numbers, in order (a copy, outside the graph)."""
    return Tensor._wrap(np.concatenate([p._array.reshape(-1) for p in parameters]))


def vector_to_parameters(vec: Tensor, parameters) -> None:
    """Copy consecutive slices of ``vec`` into the parameters (the inverse of the above)."""
    if not isinstance(vec, Tensor):
        raise TypeError(f"expected torch.Tensor, but got: {type(vec).__name__}")
    pointer = 0
    for p in parameters:
        n = p._array.size
        p._array[...] = vec._array[pointer:pointer + n].reshape(p._array.shape)
        p._vc[0] += 1
        pointer += n
