"""``torch.fx.passes.shape_prop``: every node's shape and dtype, from one run on an example input.

Part III, ``fx`` (docs/part3-nn.md). ``ShapeProp(gm).propagate(x)`` is an ``Interpreter`` whose
``run_node`` also writes ``node.meta["tensor_meta"]`` (a ``TensorMetadata``: shape, dtype,
requires_grad, stride, ...) for each node that computes a tensor, and ``node.meta["type"]``.
"""

from __future__ import annotations

from typing import NamedTuple

from glassgrad.fx.interpreter import Interpreter
from glassgrad.fx.node import Node, map_aggregate
from glassgrad.tensor import Tensor

__all__ = ["TensorMetadata", "ShapeProp"]


class TensorMetadata(NamedTuple):
    """What a pass needs to know about a tensor without its numbers."""

    shape: tuple
    dtype: object
    requires_grad: bool
    stride: tuple
    memory_format: object
    is_quantized: bool
    qparams: dict


def _extract_tensor_metadata(result: Tensor) -> TensorMetadata:
    # glassgrad tensors are always contiguous in C order: no other memory format to report
    return TensorMetadata(result.shape, result.dtype, result.requires_grad, result.stride(), None, False, {})


class ShapeProp(Interpreter):
    """Runs the graph node by node and records each result's ``TensorMetadata`` in ``node.meta``."""

    def run_node(self, n: Node):
        result = super().run_node(n)
        found_tensor = False

        def extract_tensor_meta(obj):
            nonlocal found_tensor
            if isinstance(obj, Tensor):
                found_tensor = True
                return _extract_tensor_metadata(obj)
            return obj

        meta = map_aggregate(result, extract_tensor_meta)
        if found_tensor:
            n.meta["tensor_meta"] = meta
        n.meta["type"] = type(result)
        return result

    def propagate(self, *args):
        """Run the graph on ``args`` (example inputs), filling in every node's ``meta``."""
        return super().run(*args)
