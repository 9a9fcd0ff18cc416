"""Hooks on a leaf that run after its ``.grad`` is updated: ``Tensor.register_post_accumulate_grad_hook``.

Part III, beside the engine. ``w.register_hook(fn)`` runs ``fn(grad)`` *before* the gradient reaches
``w.grad``; a post-accumulate hook runs ``fn(w)`` *after* backward has added into ``w.grad`` — the place
PyTorch's "optimizer step in backward" recipe steps each parameter and frees its gradient at once. It is
a post-hook on the leaf's ``AccumulateGrad`` node (the engine runs those right after accumulating).

A leaf normally holds its node weakly (a graph that uses the leaf keeps it alive); once it has such a hook
the leaf holds it strongly, so the hook lasts as long as the tensor, as in PyTorch.
"""

from __future__ import annotations

from glassgrad.autograd.function import accumulator
from glassgrad.tensor import Tensor

__all__ = ["register_post_accumulate_grad_hook"]


def register_post_accumulate_grad_hook(self: Tensor, hook):
    """Call ``hook(self)`` each time backward has accumulated into ``self.grad``; returns a handle whose
    ``remove()`` unregisters it. Only leaves that require grad have an accumulation to follow."""
    if not self.requires_grad:
        raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
    if self.grad_fn is not None:
        raise RuntimeError("post accumulate grad hooks cannot be registered on non-leaf tensors")
    node = accumulator(self)
    self._accumulator = _Kept(node)

    def run_hook(grad_inputs, grad_outputs):
        hook(self)  # what the hook returns is ignored, as in PyTorch (``lambda p: p.add_(...)`` returns p)
    return node.register_hook(run_hook)


class _Kept:
    """A strong stand-in for the leaf's ``weakref.ref`` to its node: calling it gives the node."""

    __slots__ = ("node",)

    def __init__(self, node) -> None:
        self.node = node

    def __call__(self):
        return self.node


TENSOR_METHODS = {"register_post_accumulate_grad_hook": register_post_accumulate_grad_hook}
