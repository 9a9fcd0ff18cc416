"""``torch.fx.node``: one operation of a traced program, and how it prints.

Part III, ``fx`` (docs/part3-nn.md, "Graphs of a forward: fx"). A ``Node`` is one line of the program a
``Graph`` holds: *what* runs (``op`` and ``target``), *on what* (``args``/``kwargs``, where an earlier
result is that earlier ``Node``), and *who reads its result* (``users``). The six ops are PyTorch's:

===============  ===========================================  ==============================
op               target                                       means
===============  ===========================================  ==============================
placeholder      the argument's name                          an input of ``forward``
get_attr         a qualified name ("layer1.0.weight")         ``self.layer1[0].weight``
call_function    a function (``operator.add``, torch.cat)     ``target(*args, **kwargs)``
call_method      a method name ("view")                       ``args[0].view(*args[1:])``
call_module      a submodule's qualified name ("conv1")       ``self.conv1(*args)``
output           "output"                                     ``return args[0]``
===============  ===========================================  ==============================

Nodes are linked in program order (``prev``/``next``); the ``Graph`` owns that list. Every edit of
``args``/``kwargs`` keeps ``users`` in step, so a pass may rewire the graph and trust ``users``.
"""

from __future__ import annotations

import builtins
import operator
import sys
import types

from glassgrad import dtypes
import glassgrad.nn.functional
import glassgrad.linalg
import glassgrad.special

__all__ = ["Node", "map_arg", "map_aggregate"]

# functions whose every call draws new numbers: never removed as dead code
_RANDOM_FUNCTIONS = {"rand", "randn", "randint", "rand_like", "randn_like", "randint_like", "randperm",
                     "bernoulli", "multinomial", "normal", "poisson"}

OPS = ("placeholder", "get_attr", "call_function", "call_method", "call_module", "output", "root")


def map_aggregate(a, fn):
    """Apply ``fn`` to every leaf of ``a``, rebuilding the tuples, lists, dicts and slices around them."""
    if isinstance(a, tuple):
        mapped = [map_aggregate(e, fn) for e in a]
        return type(a)(*mapped) if hasattr(a, "_fields") else tuple(mapped)
    if isinstance(a, list):
        return [map_aggregate(e, fn) for e in a]
    if isinstance(a, dict):
        return {k: map_aggregate(v, fn) for k, v in a.items()}
    if isinstance(a, slice):
        return slice(map_aggregate(a.start, fn), map_aggregate(a.stop, fn), map_aggregate(a.step, fn))
    return fn(a)


def map_arg(a, fn):
    """Apply ``fn`` to every ``Node`` inside ``a`` (an argument: nested tuples, lists, dicts, slices)."""
    if not callable(fn):
        raise TypeError("torch.fx.map_arg(a, fn): fn must be a callable")
    return map_aggregate(a, lambda x: fn(x) if isinstance(x, Node) else x)


def _collect_nodes(a, into: dict) -> None:
    map_arg(a, lambda n: into.setdefault(n))


# --- the public name of a function a graph calls ------------------------------------------------------
# Where a glassgrad function is found, and the name PyTorch gives that place ("" for the top level).
_PUBLIC_PLACES = (("", None), ("nn.functional", glassgrad.nn.functional), ("linalg", glassgrad.linalg),
                  ("special", glassgrad.special))


def public_place(fn) -> str | None:
    """``"torch.flatten"`` for glassgrad's ``flatten``, ``"torch.nn.functional.relu"`` for ``F.relu``: the
    dotted name a PyTorch program calls ``fn`` by (``glassgrad.`` instead of ``torch.`` unless glassgrad
    stands in for torch), or None when ``fn`` is not one of glassgrad's public functions.

    The top level is read from ``sys.modules``: importing ``glassgrad.fx`` has already loaded it, and fx
    sits under the package facade, so it does not import it."""
    name = getattr(fn, "__name__", None)
    if not isinstance(name, str):
        return None
    for place, module in _PUBLIC_PLACES:
        module = module if module is not None else sys.modules.get("glassgrad")
        if module is not None and getattr(module, name, None) is fn:
            return ".".join(p for p in (dtypes.SHOWN_AS, place, name) if p)
    home = getattr(fn, "__module__", None) or ""
    if home.startswith("glassgrad.fx.") and getattr(sys.modules.get(home), name, None) is fn:
        return f"{dtypes.SHOWN_AS}.{home[len('glassgrad.'):]}.{name}"  # fx's own (the trace's assertions)
    return None


def qualified_name(fn) -> str:
    """The name ``fn`` prints by in a graph and in generated code, as ``torch.fx`` names it."""
    name = fn.__name__
    if getattr(builtins, name, None) is fn:
        return name
    public = public_place(fn)
    if public is not None:
        return public
    return f"{fn.__module__}.{name}"


def pretty_target(target) -> str:
    """How a node's target prints: a string as is, ``builtins.getattr``, ``operator.add``, ``torch.cat``."""
    if isinstance(target, str):
        return target
    module = getattr(target, "__module__", None)
    if module == "builtins":
        return f"builtins.{target.__name__}"
    if module == "_operator":
        return f"operator.{target.__name__}"
    return qualified_name(target)


def format_arg(arg) -> str:
    """An argument as ``print(graph)`` shows it: ``%name`` for a node, containers with their brackets."""
    if isinstance(arg, list):
        return "[" + ", ".join(format_arg(a) for a in arg) + "]"
    if isinstance(arg, tuple):
        return "(" + ", ".join(format_arg(a) for a in arg) + ("," if len(arg) == 1 else "") + ")"
    if isinstance(arg, dict):
        return "{" + ", ".join(f"{k}: {format_arg(v)}" for k, v in arg.items()) + "}"
    if isinstance(arg, Node):
        return "%" + str(arg)
    return str(arg)


class Node:
    """One operation of a ``Graph`` (see the module docstring for the six ``op`` values).

    ``name`` is unique in its graph and is the variable that holds the result in generated code;
    ``users`` maps each node that reads this one to None (a dict, as an ordered set); ``meta`` is a free
    dictionary passes write into (``ShapeProp`` puts ``tensor_meta`` there)."""

    def __init__(self, graph, name: str, op: str, target, args: tuple, kwargs: dict, return_type=None):
        if op not in OPS:
            raise ValueError(f"Node op must be one of {OPS[:-1]}, got {op!r}")
        if op in ("call_function",) and not callable(target):
            raise ValueError(f"Node [graph = {graph}, name = '{name}'] target {target} has type "
                             f"{type(target)} but a Callable is expected")
        if op in ("placeholder", "get_attr", "call_method", "call_module", "output") and \
                not isinstance(target, str):
            raise ValueError(f"Node [graph = {graph}, name = '{name}'] target {target} has type "
                             f"{type(target)} but a str is expected")
        self.graph = graph
        self.name = name
        self.op = op
        self.target = target
        self.type = return_type
        self.users: dict[Node, None] = {}
        self.meta: dict = {}
        self._input_nodes: dict[Node, None] = {}
        self._args: tuple = ()
        self._kwargs: dict = {}
        self._prev = self
        self._next = self
        self._erased = False
        self._set_inputs(args, kwargs)

    # --- the linked list ------------------------------------------------------------------------------
    @property
    def prev(self) -> "Node":
        """The node before this one in program order."""
        return self._prev

    @property
    def next(self) -> "Node":
        """The node after this one in program order."""
        return self._next

    def prepend(self, x: "Node") -> None:
        """Move (or insert) ``x`` just before this node."""
        if self is x:
            raise AssertionError("Cannot prepend self")
        if self.graph is not x.graph:
            raise AssertionError("Attempting to move a Node into a different Graph")
        x._remove_from_list()
        p = self._prev
        p._next, x._prev = x, p
        x._next, self._prev = self, x

    def append(self, x: "Node") -> None:
        """Move (or insert) ``x`` just after this node."""
        self._next.prepend(x)

    def _remove_from_list(self) -> None:
        p, n = self._prev, self._next
        p._next, n._prev = n, p

    # --- arguments, kept in step with ``users`` ----------------------------------------------------------
    @property
    def args(self) -> tuple:
        """The positional arguments; assigning them updates every input's ``users``."""
        return self._args

    @args.setter
    def args(self, value: tuple) -> None:
        self._set_inputs(tuple(value), self._kwargs)

    @property
    def kwargs(self) -> dict:
        """The keyword arguments; assigning them updates every input's ``users``."""
        return self._kwargs

    @kwargs.setter
    def kwargs(self, value: dict) -> None:
        self._set_inputs(self._args, dict(value))

    def _set_inputs(self, args: tuple, kwargs: dict) -> None:
        for old in self._input_nodes:
            old.users.pop(self, None)
        self._input_nodes = {}
        _collect_nodes(args, self._input_nodes)
        _collect_nodes(kwargs, self._input_nodes)
        for new in self._input_nodes:
            new.users.setdefault(self)
        self._args, self._kwargs = args, kwargs

    @property
    def all_input_nodes(self) -> list["Node"]:
        """Every node this one reads, in the order its arguments name them (each once)."""
        return list(self._input_nodes)

    def update_arg(self, idx: int, arg) -> None:
        """Set ``args[idx]`` to ``arg``."""
        args = list(self._args)
        args[idx] = arg
        self.args = tuple(args)

    def update_kwarg(self, key: str, arg) -> None:
        """Set ``kwargs[key]`` to ``arg``."""
        self.kwargs = {**self._kwargs, key: arg}

    def replace_all_uses_with(self, replace_with: "Node", delete_user_cb=lambda user: True, *,
                              propagate_meta: bool = False) -> list["Node"]:
        """Make every user of this node read ``replace_with`` instead (those ``delete_user_cb`` accepts);
        returns the users changed."""
        if propagate_meta:
            if replace_with.meta:
                raise AssertionError("Called node.replace_all_uses_with(replace_with, propagate_meta=True), "
                                     "but replace_with already has .meta keys")
            replace_with.meta.update(self.meta)
        changed = [user for user in list(self.users) if delete_user_cb(user)]
        for user in changed:
            user.replace_input_with(self, replace_with)
        return changed

    def replace_input_with(self, old_input: "Node", new_input: "Node") -> None:
        """Read ``new_input`` wherever this node read ``old_input``."""
        swap = lambda n: new_input if n is old_input else n  # noqa: E731
        self._set_inputs(map_arg(self._args, swap), map_arg(self._kwargs, swap))

    # --- what it is -----------------------------------------------------------------------------------
    @property
    def stack_trace(self) -> str | None:
        return self.meta.get("stack_trace")

    @stack_trace.setter
    def stack_trace(self, trace: str | None) -> None:
        self.meta["stack_trace"] = trace

    def is_impure(self) -> bool:
        """Whether dead-code elimination must keep this node although nothing reads it, as PyTorch
        decides: inputs and the output, ``operator.setitem``, the trace's assertions, the random
        functions (``torch.rand``: each call draws), and a submodule marked ``_is_impure``. An in-place
        method (``x.add_(1)``) whose result is unused *is* removed, as in PyTorch."""
        if self.op in ("placeholder", "output"):
            return True
        if self.op == "call_function":
            name = getattr(self.target, "__name__", "")
            return self.target is operator.setitem or name in ("_assert", "_assert_is_none") and \
                self.target.__module__ == "glassgrad.fx._symbolic_trace" or \
                name in _RANDOM_FUNCTIONS and public_place(self.target) is not None
        if self.op == "call_module":
            return bool(getattr(self.graph.owning_module.get_submodule(self.target), "_is_impure", False))
        return False

    def format_node(self, placeholder_names: list | None = None,
                    maybe_return_typename: list | None = None) -> str | None:
        """This node as ``print(graph)`` shows it (``%conv1 : [num_users=1] = call_module[...]``)."""
        typename = f"{type_repr(self.type)} " if self.type is not None else ""
        if self.op == "placeholder":
            if placeholder_names:  # (an empty list is falsy: PyTorch prints placeholders as nodes)
                placeholder_names.append(self.target)
                return None
            default = f"(default={self.args[0]})" if self.args else ""
            return f"%{self.name} : {typename}[num_users={len(self.users)}] = {self.op}[target={self.target}]{default}"
        if self.op == "get_attr":
            return f"%{self.name} : {typename}[num_users={len(self.users)}] = {self.op}[target={self.target}]"
        if self.op == "output":
            if self.type is not None and maybe_return_typename is not None:
                maybe_return_typename[0] = f" -> {type_repr(self.type)}"
            return f"return {self.args[0]}"
        return (f"%{self.name} : {typename}[num_users={len(self.users)}] = {self.op}"
                f"[target={pretty_target(self.target)}](args = {format_arg(self.args)}, "
                f"kwargs = {format_arg(self.kwargs)})")

    def __repr__(self) -> str:
        return self.name


def type_repr(t) -> str:
    """A type annotation as fx prints it: ``int``, ``torch.Tensor`` (a class of the top level by its
    public name), ``typing.Optional[torch.Tensor]`` (typing's own repr), a function by its name."""
    if isinstance(t, type):
        if t.__module__ == "builtins":
            return t.__qualname__
        public = public_place(t)
        return public if public is not None else f"{t.__module__}.{t.__qualname__}"
    if t is Ellipsis:
        return "..."
    if isinstance(t, types.FunctionType):
        return t.__name__
    return repr(t)
