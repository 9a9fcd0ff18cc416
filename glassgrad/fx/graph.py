"""``torch.fx.graph``: a program as a list of ``Node``s, and the Python source it turns back into.

Part III, ``fx`` (docs/part3-nn.md). A ``Graph`` is the body of one ``forward``: placeholders for its
inputs, one node per operation in program order, one ``output``. Passes edit it (``create_node``,
``erase_node``, ``inserting_before``, ``node_copy``, ``eliminate_dead_code``); ``lint`` checks it is
still a program; ``python_code`` writes it back as the source of ``forward`` that ``GraphModule`` runs.

The source is built from node names and targets only, never from text a user gave: names go through
``_Namespace`` (which makes a valid, unique Python identifier of anything), a function is called by its
public dotted name (``torch.cat``) or through a generated global name, method and attribute names that
are not identifiers are reached with ``getattr(obj, "name")``, and a constant that is not a plain Python
literal travels as a global too. ``print(graph)`` and the code read exactly as PyTorch prints them.
"""

from __future__ import annotations

import builtins
import copy
import inspect
import keyword
import math
import re
import sys
import typing
import warnings

from glassgrad import dtypes
from glassgrad.dtypes import dtype as _dtype
from glassgrad.tensor import Tensor
from glassgrad.fx.node import Node, format_arg, map_arg, pretty_target, public_place, qualified_name, type_repr

__all__ = ["Graph", "PythonCode"]

# operator functions that print as the expression they stand for
REFLECTABLE_MAGIC_METHODS = {
    "add": "{} + {}", "sub": "{} - {}", "mul": "{} * {}", "floordiv": "{} // {}", "truediv": "{} / {}",
    "div": "{} / {}", "mod": "{} % {}", "pow": "{} ** {}", "lshift": "{} << {}", "rshift": "{} >> {}",
    "and_": "{} & {}", "or_": "{} | {}", "xor": "{} ^ {}", "getitem": "{}[{}]", "matmul": "{} @ {}",
}
MAGIC_METHODS = {"eq": "{} == {}", "ne": "{} != {}", "lt": "{} < {}", "gt": "{} > {}", "le": "{} <= {}",
                 "ge": "{} >= {}", "pos": "+{}", "neg": "-{}", "invert": "~{}", **REFLECTABLE_MAGIC_METHODS}
INPLACE_METHODS = {"iadd": "{} += {}", "isub": "{} -= {}", "imul": "{} *= {}", "itruediv": "{} /= {}",
                   "ifloordiv": "{} //= {}", "imod": "{} %= {}", "ipow": "{} **= {}", "imatmul": "{} @= {}",
                   "iand": "{} &= {}", "ior": "{} |= {}", "ixor": "{} ^= {}", "ilshift": "{} <<= {}",
                   "irshift": "{} >>= {}", "setitem": "{}[{}] = {}"}

# names generated code may not take for a value: keywords, builtins, and the globals it always has
_CUSTOM_BUILTINS = {"inf": math.inf, "nan": math.nan, "NoneType": type(None)}
_ILLEGAL_NAMES = {k: object() for k in keyword.kwlist}
_ILLEGAL_NAMES.update(builtins.__dict__)
_ILLEGAL_NAMES.update(_CUSTOM_BUILTINS)
_ILLEGAL_NAMES.update({"torch": object(), "device": object(), "fx_pytree": object(), "pytree": object()})

# dtype -> PyTorch's short name in print_readable's annotations ("f32[2, 3]")
_DTYPE_ABBRS = {"float32": "f32", "float64": "f64", "float16": "f16", "bfloat16": "bf16", "int64": "i64",
                "int32": "i32", "int16": "i16", "int8": "i8", "uint8": "u8", "bool": "b8", "complex64": "c64",
                "complex128": "c128"}

# typing's names for the builtin generics, as annotations print them (List[int], not list[int])
_TYPING_NAMES = {list: typing.List, dict: typing.Dict, set: typing.Set, frozenset: typing.FrozenSet,
                 tuple: typing.Tuple}

_SNAKE = re.compile(r"(?<=[a-z])([A-Z])")
_ILLEGAL_CHARS = re.compile("[^0-9a-zA-Z_]+")
_NAME = re.compile(r"^([a-zA-Z_][0-9a-zA-Z_]*?)(?:_(\d+))?$")
_PLAIN_ATOM = re.compile(r"^[0-9a-zA-Z_]+$")


def _snake_case(s: str) -> str:
    """``pascalCase`` -> ``pascal_case``, ``ALL_CAPS`` -> ``all_caps`` (PyTorch's node names)."""
    return _SNAKE.sub(r"_\1", s).lower()


class _Namespace:
    """Unique Python identifiers, one per object: ``add``, ``add_1``, ``add_2``; a keyword or builtin
    (``pow``, ``input``) gets ``_1`` at once, so generated code never shadows one."""

    def __init__(self) -> None:
        self._obj_to_name: dict = {}
        self._used_names: set[str] = set()
        self._base_count: dict[str, int] = {}

    def create_name(self, candidate: str, obj) -> str:
        if obj is not None and obj in self._obj_to_name:
            return self._obj_to_name[obj]
        match = _NAME.match(candidate)
        if match is None:
            candidate = _ILLEGAL_CHARS.sub("_", candidate) or "_unnamed"
            if candidate[0].isdigit():
                candidate = f"_{candidate}"
            match = _NAME.match(candidate)
        base, num = match.group(1, 2)
        if num is None or candidate in self._used_names:
            num = self._base_count.get(base, 0)
            if _ILLEGAL_NAMES.get(candidate, obj) is not obj:
                num += 1
                candidate = f"{base}_{num}"
        else:
            num = int(num)
        while candidate in self._used_names:
            num += 1
            candidate = f"{base}_{num}"
        self._used_names.add(candidate)
        self._base_count[base] = num
        if obj is not None:
            self._obj_to_name[obj] = candidate
        return candidate

    def associate_name_with_obj(self, name: str, obj) -> None:
        self._obj_to_name.setdefault(obj, name)


def _format_target(base: str, target: str) -> str:
    """``self.layer1.0`` as code: ``getattr(self.layer1, "0")`` (any atom that is not an identifier)."""
    out = base
    for atom in target.split("."):
        if atom.isidentifier() and not keyword.iskeyword(atom):
            out = f"{out}.{atom}"
        elif _PLAIN_ATOM.match(atom):
            out = f'getattr({out}, "{atom}")'
        else:
            out = f"getattr({out}, {atom!r})"  # repr of a str: a literal, whatever the text
    return out


class PythonCode:
    """The source of ``forward`` (``src``) and the global names it uses (``globals``)."""

    def __init__(self, src: str, globals_: dict) -> None:
        self.src = src
        self.globals = globals_


class _NodeList:
    """``graph.nodes``: iterates in program order (or reversed), safe while the loop erases nodes."""

    def __init__(self, graph: "Graph", direction: str = "_next") -> None:
        self._graph, self._direction = graph, direction

    def __len__(self) -> int:
        return self._graph._len

    def __iter__(self):
        root = self._graph._root
        cur = getattr(root, self._direction)
        while cur is not root:
            if not cur._erased:
                yield cur
            cur = getattr(cur, self._direction)

    def __reversed__(self):
        return iter(_NodeList(self._graph, "_prev" if self._direction == "_next" else "_next"))

    def __repr__(self) -> str:
        return repr(list(self))


class _InsertPoint:
    def __init__(self, graph: "Graph", new_insert) -> None:
        self.graph, self.new_insert = graph, new_insert

    def __enter__(self):
        self.orig_insert, self.graph._insert = self.graph._insert, self.new_insert

    def __exit__(self, *exc) -> None:
        self.graph._insert = self.orig_insert


class Graph:
    """The nodes of one ``forward``, in program order (``graph.nodes``), and what is done with them."""

    def __init__(self, owning_module=None, tracer_cls=None, tracer_extras=None) -> None:
        self._root = Node(self, "", "root", "", (), {})
        self._insert = self._root.prepend
        self._len = 0
        self._graph_namespace = _Namespace()
        self._owning_module = owning_module
        self._tracer_cls = tracer_cls
        self._tracer_extras = tracer_extras

    @property
    def owning_module(self):
        return self._owning_module

    @owning_module.setter
    def owning_module(self, mod) -> None:
        self._owning_module = mod

    @property
    def nodes(self) -> _NodeList:
        return _NodeList(self)

    def find_nodes(self, *, op: str, target=None, sort: bool = True) -> list[Node]:
        """The nodes with this ``op`` (and ``target``, when given), in program order."""
        return [n for n in self.nodes if n.op == op and (target is None or n.target == target)]

    # --- making nodes ---------------------------------------------------------------------------------
    def _target_to_str(self, target) -> str:
        if callable(target):
            op = target.__name__
        else:
            op = target
            if op.startswith("__") and op.endswith("__"):
                op = op[2:-2]
        return _snake_case(op)

    def create_node(self, op: str, target, args: tuple | None = None, kwargs: dict | None = None,
                    name: str | None = None, type_expr=None) -> Node:
        """Make a node and insert it at the insert point (the end, unless ``inserting_before``/``after``)."""
        args = () if not args else args
        kwargs = {} if not kwargs else kwargs
        if not isinstance(args, tuple):
            raise AssertionError(f"args must be a tuple, got {type(args)}")
        if not isinstance(kwargs, dict):
            raise AssertionError(f"kwargs must be a dict, got {type(kwargs)}")
        candidate = name if name is not None else self._target_to_str(target)
        name = self._graph_namespace.create_name(candidate, None)
        node = Node(self, name, op, target, args, kwargs, type_expr)
        self._graph_namespace.associate_name_with_obj(name, node)
        self._insert(node)
        self._len += 1
        return node

    def placeholder(self, name: str, type_expr=None, default_value=inspect.Signature.empty) -> Node:
        """An input of ``forward`` named ``name`` (with a default value, when given)."""
        args = () if default_value is inspect.Signature.empty else (default_value,)
        return self.create_node("placeholder", name, args=args, type_expr=type_expr)

    def get_attr(self, qualified_name: str, type_expr=None) -> Node:
        """Read ``self.<qualified_name>`` (a parameter, buffer, tensor or submodule of the owner)."""
        return self.create_node("get_attr", qualified_name, type_expr=type_expr)

    def call_module(self, module_name: str, args=None, kwargs=None, type_expr=None) -> Node:
        """Call the submodule ``self.<module_name>``."""
        return self.create_node("call_module", module_name, args, kwargs, type_expr=type_expr)

    def call_method(self, method_name: str, args=None, kwargs=None, type_expr=None) -> Node:
        """Call ``args[0].<method_name>(*args[1:], **kwargs)``."""
        return self.create_node("call_method", method_name, args, kwargs, type_expr=type_expr)

    def call_function(self, the_function, args=None, kwargs=None, type_expr=None) -> Node:
        """Call ``the_function(*args, **kwargs)``."""
        return self.create_node("call_function", the_function, args, kwargs, type_expr=type_expr)

    def output(self, result, type_expr=None) -> Node:
        """Return ``result`` from ``forward``."""
        return self.create_node("output", "output", (result,), type_expr=type_expr)

    def node_copy(self, node: Node, arg_transform=lambda x: x) -> Node:
        """Copy ``node`` (from this or another graph) into this one; ``arg_transform`` maps each of its
        input nodes to the node of this graph that stands for it."""
        args = map_arg(node.args, arg_transform)
        kwargs = map_arg(node.kwargs, arg_transform)
        result = self.create_node(node.op, node.target, args, kwargs, node.name, node.type)
        result.meta = copy.copy(node.meta)
        return result

    def graph_copy(self, g: "Graph", val_map: dict, return_output_node: bool = False):
        """Copy every node of ``g`` except its output into this graph; ``val_map`` (filled in) maps g's
        nodes to their copies. Returns what g's output returns, in this graph's nodes."""
        for node in g.nodes:
            if node in val_map:
                continue
            if node.op == "output":
                out = map_arg(node.args[0], lambda n: val_map[n])
                return (out, node) if return_output_node else out
            val_map[node] = self.node_copy(node, lambda n: val_map[n])
        return None

    def __deepcopy__(self, memo) -> "Graph":
        memo = memo if memo else {}
        g = Graph(tracer_cls=self._tracer_cls)
        output_vals = g.graph_copy(self, val_map=memo, return_output_node=True)
        if output_vals is not None:
            out, old_output = output_vals
            new_output = g.output(out, type_expr=getattr(old_output, "type", None))
            new_output.meta = copy.copy(old_output.meta)
        return g

    # --- editing --------------------------------------------------------------------------------------
    def erase_node(self, to_erase: Node) -> None:
        """Remove a node nothing reads any more (rewire its users first: ``replace_all_uses_with``)."""
        if len(to_erase.users) > 0:
            raise RuntimeError(f"Tried to erase Node {to_erase} but it still had {len(to_erase.users)} "
                               f"users in the graph: {to_erase.users}!")
        if to_erase.graph is not self:
            raise RuntimeError(f"Attempting to remove {to_erase} from wrong graph!")
        if to_erase._erased:
            warnings.warn(f"erase_node({to_erase}) on an already erased node")
            return
        to_erase._remove_from_list()
        to_erase._erased = True
        self._len -= 1
        to_erase._set_inputs((), {})  # it no longer reads its inputs

    def inserting_before(self, n: Node | None = None) -> _InsertPoint:
        """``with graph.inserting_before(node):`` new nodes go just before ``node`` (the start if None)."""
        if n is None:
            return self.inserting_after(self._root)
        if n.graph is not self:
            raise AssertionError("Node to insert before is not in graph.")
        return _InsertPoint(self, n.prepend)

    def inserting_after(self, n: Node | None = None) -> _InsertPoint:
        """``with graph.inserting_after(node):`` new nodes go just after ``node`` (the end if None)."""
        if n is None:
            return self.inserting_before(self._root)
        if n.graph is not self:
            raise AssertionError("Node to insert after is not in graph.")
        return _InsertPoint(self, n.append)

    def eliminate_dead_code(self, is_impure_node=None) -> bool:
        """Erase every node whose result nothing reads (and that has no effect of its own); walked from
        the end so a chain of dead nodes goes at once. Returns whether the graph changed."""
        self.lint()
        impure = is_impure_node if is_impure_node is not None else Node.is_impure
        changed = False
        for node in reversed(self.nodes):
            if not impure(node) and len(node.users) == 0:
                self.erase_node(node)
                changed = True
        return changed

    def lint(self) -> None:
        """Check the graph is a program: each node's inputs are in this graph and come before it, names
        are unique, targets have the right type, and get_attr/call_module targets exist on the owner."""
        seen: set = set()
        names: set = set()
        for node in self.nodes:
            if node.graph is not self:
                raise RuntimeError(f"Node '{node}' does not belong to this Graph!")
            if node.op not in ("placeholder", "get_attr", "call_function", "call_method", "call_module",
                               "output"):
                raise RuntimeError(f"Node {node} had unknown opcode {node.op}!")
            for arg in node._input_nodes:
                if arg.graph is not self:
                    raise RuntimeError(f"Argument '{arg}' of Node '{node}' does not belong to this Graph, "
                                       "but was used as an argument! If you are copying nodes from another "
                                       "graph, make sure to use ``arg_transform`` on node_copy() to remap "
                                       "values\n" + str(self))
                if arg not in seen:
                    raise RuntimeError(f"Argument '{arg}' of Node '{node}' was used before it has been "
                                       f"defined! Please check that Nodes in the graph are topologically "
                                       f"ordered\n{self}")
            if node.name in names:
                raise RuntimeError(f"Node redefined name {node.name}!")
            seen.add(node)
            names.add(node.name)
            if node.op in ("get_attr", "call_module") and self.owning_module is not None:
                self._check_target(node)

    def _check_target(self, node: Node) -> None:
        m_itr = self.owning_module
        for i, atom in enumerate(node.target.split(".")):
            if not hasattr(m_itr, atom):
                seen_qualname = ".".join(node.target.split(".")[:i])
                raise RuntimeError(f"Node {node} target {node.target} references nonexistent attribute "
                                   f"{atom} of {seen_qualname}")
            m_itr = getattr(m_itr, atom)

    # --- printing ---------------------------------------------------------------------------------------
    def __str__(self) -> str:
        placeholder_names: list[str] = []
        maybe_return_typename = [""]
        lines = [node.format_node(placeholder_names) for node in self.nodes]  # (PyTorch's: no return type)
        text = f"graph({', '.join(placeholder_names)}){maybe_return_typename[0]}:"
        for line in lines:
            if line:
                text += "\n    " + line
        return text

    def print_tabular(self) -> None:
        """Print one row per node: opcode, name, target, args, kwargs (as PyTorch's, which needs the
        ``tabulate`` package; this one lines the columns up itself)."""
        rows = [[n.op, n.name, pretty_target(n.target) if n.op != "output" else n.target,
                 format_arg(n.args), format_arg(n.kwargs)] for n in self.nodes]
        header = ["opcode", "name", "target", "args", "kwargs"]
        widths = [max(len(str(r[i])) for r in rows + [header]) for i in range(5)]
        print("  ".join(h.ljust(w) for h, w in zip(header, widths)).rstrip())
        print("  ".join("-" * w for w in widths))
        for r in rows:
            print("  ".join(str(c).ljust(w) for c, w in zip(r, widths)).rstrip())

    # --- back to Python -----------------------------------------------------------------------------------
    def python_code(self, root_module: str, *, verbose: bool = False) -> PythonCode:
        """The source of ``forward(self, ...)`` that runs this graph, with the globals it names;
        ``verbose`` (``print_readable``) adds each value's dtype and shape where a pass such as ShapeProp
        recorded them, and says where no stack trace was recorded."""
        return _CodeWriter(self, root_module, verbose).write()


class _CodeWriter:
    """Writes a graph as the body of ``forward``: one line per node, and ``x = None`` after a value's last
    use so memory is freed as early as PyTorch frees it."""

    def __init__(self, graph: Graph, root_module: str, verbose: bool = False) -> None:
        self.graph, self.root_module, self.verbose = graph, root_module, verbose
        self.namespace = _Namespace()  # every name the source prints: locals and globals together
        self.globals: dict = {}
        for name, obj in _CUSTOM_BUILTINS.items():
            self.add_global(name, obj)
        self.torch_name = dtypes.SHOWN_AS
        self.namespace.create_name(self.torch_name, sys.modules.get("glassgrad"))

    def name_of(self, node: Node) -> str:
        return self.namespace.create_name(node.name, node)

    def add_global(self, name_hint: str, obj) -> str:
        public = public_place(obj) if callable(obj) else None
        if public is not None:
            self.globals[self.torch_name] = sys.modules["glassgrad"]
            return public
        if getattr(builtins, getattr(obj, "__name__", ""), None) is obj:
            return obj.__name__
        name = self.namespace.create_name(name_hint, obj)
        self.globals[name] = obj
        return name

    def repr_of(self, arg) -> str:
        if isinstance(arg, Node):
            return self.name_of(arg)
        if isinstance(arg, tuple) and hasattr(arg, "_fields"):
            cls = self.add_global(type(arg).__name__, type(arg))
            return f"{cls}({', '.join(self.repr_of(a) for a in arg)})"
        if isinstance(arg, tuple):
            if len(arg) == 1:
                return f"({self.repr_of(arg[0])},)"
            return "(" + ", ".join(self.repr_of(a) for a in arg) + ")"
        if isinstance(arg, list):
            return "[" + ", ".join(self.repr_of(a) for a in arg) + "]"
        if isinstance(arg, dict):
            return "{" + ", ".join(f"{self.repr_of(k)}: {self.repr_of(v)}" for k, v in arg.items()) + "}"
        if isinstance(arg, slice):
            return f"slice({self.repr_of(arg.start)}, {self.repr_of(arg.stop)}, {self.repr_of(arg.step)})"
        if arg is None or arg is Ellipsis or isinstance(arg, (bool, int, str, bytes)):
            return repr(arg)  # the repr of these is a Python literal of the same value
        if isinstance(arg, float):
            return repr(arg)  # inf and nan print as the globals of those names
        if isinstance(arg, _dtype):
            self.globals[self.torch_name] = sys.modules["glassgrad"]
            return f"{self.torch_name}.{arg.name}"
        return self.add_global(_snake_case(type(arg).__name__), arg)  # any other object: by reference

    def annotation(self, t) -> str:
        """A type annotation as code: names from the globals (``torch.Tensor``, ``typing_Union[...]``)."""
        if t == ():
            return "()"
        origin = getattr(t, "__origin__", None)
        if origin is not None:
            if isinstance(t, typing._GenericAlias):  # typing.List[int]: its origin is list; print List
                origin = _TYPING_NAMES.get(origin, origin)
            origin_name = self.add_global(type_repr(origin), origin)
            type_args = typing.get_args(t)
            if type_args:
                return f"{origin_name}[{','.join(self.annotation(a) for a in type_args)}]"
            return origin_name
        return self.add_global(type_repr(t), t)

    def typed(self, node: Node) -> str:
        if self.verbose:  # the value's dtype and shape, as a string annotation: x: "f32[2, 3]"
            meta = node.meta.get("val", node.meta.get("tensor_meta", node.meta.get("example_value")))
            if isinstance(meta, Tensor) or (isinstance(meta, tuple) and hasattr(meta, "_fields")
                                            and hasattr(meta, "shape") and hasattr(meta, "dtype")):
                return f': "{_DTYPE_ABBRS.get(meta.dtype.name, meta.dtype.name)}[{", ".join(map(str, meta.shape))}]"'
        return "" if node.type is None else f" : {self.annotation(node.type)}"

    def format_args(self, args, kwargs) -> str:
        parts = [self.repr_of(a) for a in args]
        parts += [f"{k} = {self.repr_of(v)}" for k, v in kwargs.items()]
        return ", ".join(parts)

    def emit(self, node: Node) -> str | None:
        name = self.name_of(node) + self.typed(node) if node.op != "output" else None
        if node.op == "placeholder":
            raw = node.target.lstrip("*")
            if not raw.isidentifier() or keyword.iskeyword(raw):
                raise RuntimeError(f"placeholder target {node.target!r} is not a Python identifier")
            default = f" = {self.repr_of(node.args[0])}" if node.args else ""
            self.free_vars.append(f"{node.target}{self.typed(node)}{default}")
            return f"{self.name_of(node)} = {raw}" if raw != self.name_of(node) else None
        if node.op == "call_method":
            return f"{name} = {_format_target(self.repr_of(node.args[0]), node.target)}(" \
                   f"{self.format_args(node.args[1:], node.kwargs)})"
        if node.op == "call_function":
            target = node.target
            if getattr(target, "__module__", "") == "_operator" and target.__name__ in MAGIC_METHODS:
                return f"{name} = " + MAGIC_METHODS[target.__name__].format(*(self.repr_of(a) for a in node.args))
            if getattr(target, "__module__", "") == "_operator" and target.__name__ in INPLACE_METHODS:
                return (INPLACE_METHODS[target.__name__].format(*(self.repr_of(a) for a in node.args))
                        + f";  {name} = {self.repr_of(node.args[0])}")
            global_name = self.add_global(qualified_name(target), target)
            if global_name == "getattr" and len(node.args) == 2 and isinstance(node.args[1], str) \
                    and node.args[1].isidentifier():
                return f"{name} = {_format_target(self.repr_of(node.args[0]), node.args[1])}"
            if node.meta.get("is_wrapped", False):
                self.wrapped_fns.setdefault(global_name)
            return f"{name} = {global_name}({self.format_args(node.args, node.kwargs)})"
        if node.op == "call_module":
            return f"{name} = {_format_target(self.root_module, node.target)}(" \
                   f"{self.format_args(node.args, node.kwargs)})"
        if node.op == "get_attr":
            return f"{name} = {_format_target(self.root_module, node.target)}"
        if node.type is not None:
            self.return_annotation = f" -> {self.annotation(node.type)}"
        return f"return {self.repr_of(node.args[0])}"

    def write(self) -> PythonCode:
        nodes = list(self.graph.nodes)
        # a value is freed right after the node that reads it last (found walking backwards)
        last_use: dict = {}
        frees: dict = {}
        for node in reversed(nodes):
            for used in node._input_nodes:
                if used not in last_use:
                    last_use[used] = node
                    frees.setdefault(node, []).append(used)
        self.free_vars: list[str] = []
        self.wrapped_fns: dict = {}
        self.return_annotation = ""
        body: list[str] = []
        summary = None
        for node in nodes:
            if self.verbose and node.op not in ("placeholder", "output"):
                # glassgrad records no stack traces; a pass may have set one
                trace = node.meta.get("stack_trace")
                where = trace.strip().splitlines()[-1].strip() if trace else "No stacktrace found for following nodes"
                line = f"\n# {where}\n"
                if line != summary:
                    body.append(line)
                    summary = line
            line = self.emit(node)
            if node.op == "placeholder":
                if line:
                    body.append(line + "\n")
                continue
            if node.op == "output":
                body.append(line + "\n")
                continue
            dead = list(frees.get(node, []))
            if not node.users:
                dead.append(node)
            if dead:
                line += ";  " + " = ".join([self.name_of(n) for n in dead] + ["None"])
            body.append(line + "\n")
        if not body:
            body.append("pass\n")
        free_vars = self.free_vars
        if not free_vars or free_vars[0] != "self":
            free_vars.insert(0, "self")
        code = "".join(body).lstrip("\n")
        code = "\n".join("    " + line for line in code.split("\n"))
        wrap_stmts = ""
        if self.wrapped_fns:  # functions fx.wrap'ped (or math's) stay one call when the module is retraced
            self.globals[self.torch_name] = sys.modules["glassgrad"]
            wrap = f"{self.torch_name}.fx._symbolic_trace.wrap"
            wrap_stmts = "\n".join(f'{wrap}("{name}")' for name in self.wrapped_fns)
        src = f"\n{wrap_stmts}\n\ndef forward({', '.join(free_vars)}){self.return_annotation}:\n{code}"
        return PythonCode(src, dict(self.globals))
