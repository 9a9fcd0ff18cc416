"""``torch.fx``: a model's ``forward`` as a graph you can read, edit and run again.

Part III, after ``nn`` (docs/part3-nn.md, "Graphs of a forward: fx"). Read in this order:

- ``node.py``: ``Node``, one operation (op, target, args, kwargs, users);
- ``graph.py``: ``Graph``, the nodes in program order, the edits passes make, and the Python source it
  writes back;
- ``proxy.py``: ``Proxy``, the stand-in value that records what ``forward`` does to it;
- ``graph_module.py``: ``GraphModule``, a graph run as an ``nn.Module``;
- ``_symbolic_trace.py``: ``Tracer`` and ``symbolic_trace``, which run ``forward`` on Proxies;
- ``interpreter.py``: ``Interpreter`` (run node by node) and ``Transformer`` (rewrite while running);
- ``passes/shape_prop.py``: ``ShapeProp``, every node's shape and dtype from one example input;
- ``subgraph_rewriter.py``: ``replace_pattern``, find a small graph and put another in its place.

``torch.fx.symbolic_trace(model)`` traces once; ``print(gm.graph)`` and ``gm.code`` read as PyTorch prints
them for the same model.
"""

from glassgrad.fx import passes  # noqa: F401  (torch.fx.passes.shape_prop)
from glassgrad.fx._symbolic_trace import PH, Tracer, symbolic_trace, wrap
from glassgrad.fx.graph import Graph
from glassgrad.fx.graph_module import GraphModule
from glassgrad.fx.interpreter import Interpreter, Transformer
from glassgrad.fx.node import Node, map_arg
from glassgrad.fx.proxy import Proxy
from glassgrad.fx.subgraph_rewriter import replace_pattern

__all__ = ["symbolic_trace", "Tracer", "Graph", "GraphModule", "Node", "Proxy", "Interpreter", "Transformer",
           "map_arg", "replace_pattern", "wrap", "PH"]
