"""``torch.fx.graph_module``: a ``Graph`` made into a module again.

Part III, ``fx`` (docs/part3-nn.md). A ``GraphModule`` is an ``nn.Module`` whose ``forward`` is the
Python source its graph writes (``gm.code``), compiled and run. It holds the submodules, parameters and
buffers the graph names, under the same qualified names (``layer1.0.conv1``), shared with the module it
was traced from. Edit ``gm.graph`` and call ``gm.recompile()``: the next call runs the edited program.

Each GraphModule gets a class of its own, named after the traced module (``type(gm).__name__ == "M"``),
because ``forward`` lives on the class as on any module: recompiling one GraphModule then never changes
another. The source is registered with ``linecache`` so a traceback shows the generated line.
"""

from __future__ import annotations

import copy
import itertools
import linecache

from glassgrad.fx.graph import Graph, PythonCode
from glassgrad.nn.module import Module
from glassgrad.tensor import Tensor
from glassgrad.nn.parameter import Parameter

__all__ = ["GraphModule"]

_source_ids = itertools.count()


def _forward_from_src(src: str, globals_: dict):
    """Compile generated source (built from node names and targets only: see graph.py) into a function."""
    key = f"<eval_with_key>.{next(_source_ids)}"
    linecache.cache[key] = (len(src), None, src.splitlines(True), key)
    namespace = dict(globals_)
    # dont_inherit: this file's `from __future__ import annotations` must not turn the annotations to strings
    exec(compile(src, key, "exec", dont_inherit=True), namespace)  # noqa: S102  (our own code, never user text)
    return namespace["forward"]


def _copy_attr(from_module: Module, to_module: Module, target: str) -> None:
    """Put ``from_module.<target>`` at the same qualified name on ``to_module``, making plain Modules for
    missing parents (a tensor that is not a parameter becomes a buffer)."""
    *prefix, field = target.split(".")
    for item in prefix:
        f = getattr(from_module, item)
        t = getattr(to_module, item, None)
        if f is t:
            return  # a parent is installed already: its children came with it
        if t is None:
            t = Module()
            setattr(to_module, item, t)
        from_module, to_module = f, t
    orig = getattr(from_module, field)
    if isinstance(orig, Tensor) and not isinstance(orig, Parameter):
        to_module.register_buffer(field, orig)
    else:
        setattr(to_module, field, orig)


def _assign_attr(from_obj, to_module: Module, target: str) -> None:
    *prefix, field = target.split(".")
    for item in prefix:
        t = getattr(to_module, item, None)
        if t is None:
            t = Module()
            setattr(to_module, item, t)
        to_module = t
    if isinstance(from_obj, Tensor) and not isinstance(from_obj, Parameter):
        to_module.register_buffer(field, from_obj)
    else:
        setattr(to_module, field, from_obj)


def _addindent(text: str, spaces: int) -> str:
    """Indent every line but the first by ``spaces``, leaving blank lines empty (as torch.nn's helper)."""
    first, *rest = text.split("\n")
    return "\n".join([first] + [" " * spaces + line if line.strip() else "" for line in rest])


def _readable(gm, name: str) -> str:
    code = f"class {name}(torch.nn.Module):\n" + gm.graph.python_code("self", verbose=True).src.lstrip("\n")
    children = [""] + [_readable(child, child_name) for child_name, child in gm.named_children()
                       if isinstance(child, GraphModule)]
    return _addindent(code, 4) + _addindent("\n".join(children), 4)


class GraphModule(Module):
    """``GraphModule(root, graph, class_name="GraphModule")``: runs ``graph`` as its ``forward``.

    ``root`` is the module the graph's ``get_attr``/``call_module`` targets are read from (or a dict from
    qualified name to object); only those are copied over, by reference."""

    def __new__(cls, *args, **kwargs):
        # one class per instance (see the module docstring), under the first class that is not one
        for base in cls.__mro__:
            if base.__qualname__.split(".")[-1] != "GraphModuleImpl":
                cls = base
                break

        class GraphModuleImpl(cls):
            pass

        return super().__new__(GraphModuleImpl)

    def __init__(self, root, graph: Graph, class_name: str = "GraphModule") -> None:
        super().__init__()
        self.__class__.__name__ = class_name
        if isinstance(root, Module):
            self.training = root.training
            for node in graph.nodes:
                if node.op in ("get_attr", "call_module"):
                    _copy_attr(root, self, node.target)
        elif isinstance(root, dict):
            for node in graph.nodes:
                if node.op in ("get_attr", "call_module"):
                    if node.target not in root:
                        raise RuntimeError(f"Node {node} referenced target {node.target} but that target "
                                           "was not provided in ``root``!")
                    _assign_attr(root[node.target], self, node.target)
        else:
            raise RuntimeError(f"Unsupported type {root} passed for root!")
        self.meta: dict = {}
        self.graph = graph

    @property
    def graph(self) -> Graph:
        """The graph ``forward`` runs; assigning one recompiles."""
        return self._graph

    @graph.setter
    def graph(self, g: Graph) -> None:
        if not isinstance(g, Graph):
            raise AssertionError(f"Expected a Graph instance, but got {type(g)}")
        self._graph = g
        g.owning_module = self
        self.recompile()

    @property
    def code(self) -> str:
        """The Python source of ``forward``, generated from the graph."""
        if not hasattr(self, "_code"):
            raise RuntimeError("Code has not been generated! Please report a bug to PyTorch")
        return self._code

    def recompile(self) -> PythonCode:
        """Write ``forward`` again from ``self.graph`` (call it after editing the graph)."""
        python_code = self._graph.python_code(root_module="self")
        self._code = python_code.src
        type(self).forward = _forward_from_src(self._code, python_code.globals)
        return python_code

    def __str__(self) -> str:
        return "\n".join([super().__str__(), self._code,
                          "# To see more debug info, please use `graph_module.print_readable()`"])

    def print_readable(self, print_output: bool = True) -> str:
        """The generated code as a class (with each value's dtype and shape when a pass recorded them,
        and the GraphModules among its children after it), as PyTorch prints it."""
        text = _readable(self, self._get_name())
        if print_output:
            print(text)
        return text

    def __deepcopy__(self, memo) -> "GraphModule":
        res = type(self).__new__(type(self))
        memo[id(self)] = res
        holder = Module()
        holder.__dict__.update(copy.deepcopy(self.__dict__, memo))
        GraphModule.__init__(res, holder, holder.__dict__["_graph"], self._get_name())
        res.meta = copy.deepcopy(self.__dict__.get("meta", {}), memo)
        return res

    def __copy__(self) -> "GraphModule":
        res = GraphModule(self, self.graph, self._get_name())
        res.meta = dict(self.__dict__.get("meta", {}))
        return res

    # --- submodules by qualified name -----------------------------------------------------------------
    def add_submodule(self, target: str, m: Module) -> bool:
        """Install ``m`` at ``target`` ("a.b.c"), making plain Modules for missing parents; False when a
        parent on the path is not a Module."""
        *prefix, field = target.split(".")
        mod = self
        for item in prefix:
            sub = getattr(mod, item, None)
            if sub is None:
                sub = Module()
                setattr(mod, item, sub)
            if not isinstance(sub, Module):
                return False
            mod = sub
        mod.add_module(field, m)
        return True

    def delete_submodule(self, target: str) -> bool:
        """Remove the submodule at ``target``; False when there is none."""
        *path, name = target.split(".")
        mod = self
        for item in path:
            if not hasattr(mod, item):
                return False
            mod = getattr(mod, item)
            if not isinstance(mod, Module):
                return False
        if not hasattr(mod, name) or not isinstance(getattr(mod, name), Module):
            return False
        delattr(mod, name)
        return True

    def delete_all_unused_submodules(self) -> None:
        """Remove every submodule no ``call_module``/``get_attr`` node (nor a child of one) uses."""
        used: set[str] = set()
        for node in self.graph.nodes:
            if node.op in ("call_module", "get_attr"):
                atoms = node.target.split(".")
                used.update(".".join(atoms[:i]) for i in range(1, len(atoms) + 1))
                if node.op == "call_module":
                    used.update(f"{node.target}.{name}" for name, _ in
                                self.get_submodule(node.target).named_modules() if name)
        for name, _ in list(self.named_modules()):
            if name and name not in used:
                self.delete_submodule(name)
