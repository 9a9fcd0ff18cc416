"""``glassgrad.autograd.graph`` — as ``torch.autograd.graph``: the type of every backward node.

Part III. ``isinstance(y.grad_fn, glassgrad.autograd.graph.Node)`` is true for every ``grad_fn`` and
every ``AccumulateGrad``; the class itself lives in ``function.py`` beside the nodes it is the base of.
"""

from glassgrad.autograd.function import Node

__all__ = ["Node"]
