"""``torch.fx.Interpreter`` and ``Transformer``: run a graph node by node, or rewrite it while you do.

Part III, ``fx`` (docs/part3-nn.md). ``Interpreter(gm).run(*inputs)`` walks ``gm.graph`` in order and
computes each node with the method named after its op (``placeholder``, ``get_attr``, ``call_function``,
``call_method``, ``call_module``, ``output``); override one to watch or change every value: the
shape-propagation pass (``passes.shape_prop.ShapeProp``) is an Interpreter whose ``run_node`` records
each result's shape and dtype in ``node.meta``. A value is dropped from the environment after its last
use, as the generated code does.

``Transformer(gm).transform()`` runs the same walk on Proxies instead of values, so the methods a
subclass overrides build a *new* graph: return ``self.call_function(torch.sigmoid, ...)`` from
``call_function`` and every relu becomes a sigmoid.
"""

from __future__ import annotations

import inspect

from glassgrad.fx.graph import Graph
from glassgrad.fx.graph_module import GraphModule
from glassgrad.fx.node import Node, map_aggregate, map_arg
from glassgrad.fx.proxy import Proxy
from glassgrad.fx._symbolic_trace import Tracer

__all__ = ["Interpreter", "Transformer"]


class Interpreter:
    """Runs ``module``'s graph (or ``graph``) one node at a time: ``Interpreter(gm).run(x)``."""

    def __init__(self, module, garbage_collect_values: bool = True, graph: Graph | None = None) -> None:
        self.module = module
        self.submodules = dict(module.named_modules())
        if graph is not None:
            self.graph = graph
        else:
            if not isinstance(module, GraphModule) and not hasattr(module, "graph"):
                raise AssertionError("Interpreter needs a GraphModule, or a module and its graph=")
            self.graph = module.graph
        self.env: dict = {}
        self.name = "Interpreter"
        self.garbage_collect_values = garbage_collect_values
        self.extra_traceback = True
        if garbage_collect_values:
            # each value is freed after the node that reads it last
            node_to_last_use: dict = {}
            self.user_to_last_uses: dict = {}
            for node in reversed(self.graph.nodes):
                for n in node._input_nodes:
                    if n not in node_to_last_use:
                        node_to_last_use[n] = node
                        self.user_to_last_uses.setdefault(node, []).append(n)

    def run(self, *args, initial_env: dict | None = None, enable_io_processing: bool = True):
        """Run the graph on ``args``; ``initial_env`` may give some nodes' values up front."""
        self.env = initial_env if initial_env is not None else {}
        self.args_iter = iter(args)
        for node in self.graph.nodes:
            if node in self.env:
                continue
            try:
                self.env[node] = self.run_node(node)
            except Exception as e:
                if self.extra_traceback:
                    msg = f"While executing {node.format_node()}"
                    e.args = ((f"{e.args[0]}\n\n{msg}",) + e.args[1:]) if e.args and isinstance(e.args[0], str) \
                        else e.args
                    if isinstance(e, KeyError):
                        raise RuntimeError(*e.args) from e
                raise
            if self.garbage_collect_values:
                for to_delete in self.user_to_last_uses.get(node, []):
                    del self.env[to_delete]
            if node.op == "output":
                return self.env[node]
        return None

    def run_node(self, n: Node):
        """Compute one node: fetch its arguments' values, then call the method named after its op."""
        args, kwargs = self.fetch_args_kwargs_from_env(n)
        return getattr(self, n.op)(n.target, args, kwargs)

    # --- one method per op ------------------------------------------------------------------------------
    def placeholder(self, target: str, args: tuple, kwargs: dict):
        """The next input (all the rest for ``*args``; the default when none is left)."""
        if target.startswith("*"):
            return list(self.args_iter)
        try:
            return next(self.args_iter)
        except StopIteration as si:
            if len(args) > 0:
                return args[0]
            raise RuntimeError(f"Expected positional argument for parameter {target}, but one was not "
                               "passed in!") from si

    def get_attr(self, target: str, args: tuple, kwargs: dict):
        return self.fetch_attr(target)

    def call_function(self, target, args: tuple, kwargs: dict):
        if isinstance(target, str):
            raise AssertionError("target should not be a string for call_function")
        return target(*args, **kwargs)

    def call_method(self, target: str, args: tuple, kwargs: dict):
        self_obj, *args_tail = args
        return getattr(self_obj, target)(*args_tail, **kwargs)

    def call_module(self, target: str, args: tuple, kwargs: dict):
        return self.fetch_attr(target)(*args, **kwargs)

    def output(self, target, args: tuple, kwargs: dict):
        return args[0]

    # --- helpers ----------------------------------------------------------------------------------------
    def fetch_attr(self, target: str):
        """``self.module.<target>`` for a qualified name (``"layer1.0.conv1.weight"``)."""
        atoms = target.split(".")
        attr_itr = self.module
        for i, atom in enumerate(atoms):
            if not hasattr(attr_itr, atom):
                raise RuntimeError(f"Node referenced nonexistent target {'.'.join(atoms[:i + 1])}")
            attr_itr = getattr(attr_itr, atom)
        return attr_itr

    def fetch_args_kwargs_from_env(self, n: Node) -> tuple[tuple, dict]:
        """``n``'s args and kwargs with every node replaced by its computed value."""
        return self.map_nodes_to_values(n.args, n), self.map_nodes_to_values(n.kwargs, n)

    def map_nodes_to_values(self, args, n: Node):
        def load_arg(n_arg: Node):
            if n_arg not in self.env:
                raise RuntimeError(f"Node {n} referenced nonexistent value {n_arg}! Run Graph.lint() to "
                                   "diagnose such issues")
            return self.env[n_arg]
        return map_arg(args, load_arg)


class _TransformerTracer(Tracer):
    """Appends to the Transformer's new graph; every module is a leaf (the graph's calls stay calls)."""

    def __init__(self, graph: Graph) -> None:
        super().__init__()
        self.graph = graph
        self.tensor_attrs = {}

    def is_leaf_module(self, _, __) -> bool:
        return True


class Transformer(Interpreter):
    """Runs the graph on Proxies to build a new one: override ``call_function`` & co. to rewrite nodes;
    ``transform()`` returns the new GraphModule."""

    def __init__(self, module: GraphModule) -> None:
        super().__init__(module)
        self.new_graph = Graph()
        self.tracer = _TransformerTracer(self.new_graph)
        self.tracer.root = module

    def placeholder(self, target: str, args: tuple, kwargs: dict) -> Proxy:
        default = next(iter(args)) if args else inspect.Signature.empty
        return Proxy(self.new_graph.placeholder(target, default_value=default), self.tracer)

    def get_attr(self, target: str, args: tuple, kwargs: dict) -> Proxy:
        return self.tracer.create_proxy("get_attr", target, args, kwargs)

    def call_module(self, target: str, args: tuple, kwargs: dict):
        submod = self.fetch_attr(target)
        return self.tracer.call_module(submod, submod.forward, args, kwargs)

    def call_function(self, target, args: tuple, kwargs: dict):
        return self.tracer.create_proxy("call_function", target, args, kwargs)

    def transform(self) -> GraphModule:
        """The new GraphModule: the module's graph, run through this Transformer's methods."""
        self.tracer.submodule_paths = {mod: name for name, mod in self.module.named_modules()}
        result = super().run(enable_io_processing=False)
        if result is not None:
            def strip_proxy(a):
                return a.node if isinstance(a, Proxy) else a
            self.new_graph.output(map_aggregate(result, strip_proxy))
        return GraphModule(self.module, self.new_graph)

