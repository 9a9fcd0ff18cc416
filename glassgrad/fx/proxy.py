"""``torch.fx.proxy``: the stand-in value that records what a traced ``forward`` does to it.

Part III, ``fx`` (docs/part3-nn.md). During ``symbolic_trace`` the inputs of ``forward`` are ``Proxy``
objects, not tensors. Every operator (``x + y``, ``-x``, ``x[0]``, ``2 * x``), method (``x.view(-1)``),
attribute (``x.shape``) and glassgrad function (``torch.flatten(x, 1)``, through ``__torch_function__``)
applied to one returns a new Proxy and appends a ``Node`` to the graph. A Proxy has no value, so Python
control flow on one (``if x.sum() > 0``, ``for row in x``) cannot be recorded: it raises ``TraceError``
with PyTorch's words.
"""

from __future__ import annotations

import dis
import inspect
import operator

from glassgrad.fx.graph import MAGIC_METHODS, REFLECTABLE_MAGIC_METHODS, Graph
from glassgrad.fx.node import Node
from glassgrad import overrides

__all__ = ["TraceError", "TracerBase", "GraphAppendingTracer", "Proxy", "Attribute", "ParameterProxy"]


class TraceError(ValueError):
    """What a traced program did that a graph cannot hold (control flow on a Proxy, iterating one)."""


class TracerBase:
    """What every tracer shares: turning values into node arguments and adding nodes to ``self.graph``."""

    graph: Graph
    traced_func_name: str = "forward"
    trace_asserts: bool = False
    proxy_buffer_attributes: bool = False
    check_mutable_operations: bool = False

    def create_node(self, kind: str, target, args: tuple, kwargs: dict, name: str | None = None,
                    type_expr=None) -> Node:
        """Add a node to the graph (a tracer may override this to check or change what is recorded)."""
        return self.graph.create_node(kind, target, args, kwargs, name, type_expr)

    def proxy(self, node: Node) -> "Proxy":
        return Proxy(node, self)

    def create_proxy(self, kind: str, target, args: tuple, kwargs: dict, name: str | None = None,
                     type_expr=None, proxy_factory_fn=None) -> "Proxy":
        """Record one operation and return the Proxy for its result."""
        args_ = self.create_arg(args)
        kwargs_ = self.create_arg(kwargs)
        node = self.create_node(kind, target, args_, kwargs_, name, type_expr)
        return proxy_factory_fn(node) if proxy_factory_fn else self.proxy(node)

    def create_arg(self, a):
        """A value as a node argument: a Proxy becomes its Node; containers are converted element by
        element; numbers, strings, None, dtypes and the like stay as they are."""
        if isinstance(a, Proxy):
            return a.node
        if hasattr(a, "__fx_create_arg__"):
            return a.__fx_create_arg__(self)
        if isinstance(a, tuple):
            converted = [self.create_arg(e) for e in a]
            return type(a)(*converted) if hasattr(a, "_fields") else tuple(converted)
        if isinstance(a, list):
            return [self.create_arg(e) for e in a]
        if isinstance(a, dict):
            out = {}
            for k, v in a.items():
                if not isinstance(k, str):
                    k = self.create_arg(k)
                    if isinstance(k, Node):
                        raise RuntimeError("Keys for dictionaries used as an argument cannot contain a "
                                           f"Node. Got key: {k}")
                out[k] = self.create_arg(v)
            return out
        if isinstance(a, slice):
            return slice(self.create_arg(a.start), self.create_arg(a.stop), self.create_arg(a.step))
        if isinstance(a, range):
            return range(self.create_arg(a.start), self.create_arg(a.stop), self.create_arg(a.step))
        if isinstance(a, Node):
            return a
        return a  # numbers, strings, None, Ellipsis, dtypes, devices, ...

    def to_bool(self, obj: "Proxy") -> bool:
        """``if proxy:`` — a traced value has no truth value yet."""
        raise TraceError("symbolically traced variables cannot be used as inputs to control flow")

    def iter(self, obj: "Proxy"):
        """``for x in proxy`` — a traced value has no length yet."""
        raise TraceError("Proxy object cannot be iterated. This can be attempted when the Proxy is used "
                         "in a loop or as a *args or **kwargs function argument. See the torch.fx docs "
                         "on pytorch.org for a more detailed explanation of what types of control flow "
                         "can be traced, and check out the Proxy docstring for help troubleshooting "
                         "Proxy iteration errors")

    def keys(self, obj: "Proxy") -> "Proxy":
        return Attribute(obj, "keys")()


class GraphAppendingTracer(TracerBase):
    """The tracer for ``Proxy(node)`` made by hand in a pass: it appends to ``node``'s graph."""

    def __init__(self, graph: Graph) -> None:
        super().__init__()
        self.graph = graph


class Proxy:
    """A value being traced: wraps the ``Node`` that will compute it and the tracer recording the graph.
    ``Proxy(node)`` in a graph pass appends the operations applied to it to ``node.graph``."""

    def __init__(self, node: Node, tracer: TracerBase | None = None) -> None:
        if tracer is None:
            tracer = GraphAppendingTracer(node.graph)
        self.tracer = tracer
        self.node = node

    def __repr__(self) -> str:
        return f"Proxy({self.node.name})"

    def __getattr__(self, k: str) -> "Attribute":
        # recorded lazily: ``x.view(...)`` becomes one call_method node, ``x.shape`` one getattr node
        if k.startswith("__") and k.endswith("__"):
            raise AttributeError(k)
        return Attribute(self, k)

    def __deepcopy__(self, memo) -> "Proxy":
        return Proxy(self.node, self.tracer)

    def __call__(self, *args, **kwargs) -> "Proxy":
        return self.tracer.create_proxy("call_method", "__call__", (self,) + args, kwargs)

    def __iter__(self):
        # ``a, b = proxy`` unpacks by index (the next instruction says how many); any other loop fails
        frame = inspect.currentframe().f_back
        for inst in dis.get_instructions(frame.f_code):
            if inst.offset == frame.f_lasti and inst.opname == "UNPACK_SEQUENCE":
                return (self[i] for i in range(inst.argval))
        return self.tracer.iter(self)

    def __abs__(self) -> "Proxy":
        return self.tracer.create_proxy("call_function", operator.abs, (self,), {})

    def __bool__(self) -> bool:
        return self.tracer.to_bool(self)

    def keys(self) -> "Proxy":
        return self.tracer.keys(self)

    def __len__(self) -> int:
        raise RuntimeError("'len' is not supported in symbolic tracing by default. If you want this call "
                           "to be recorded, please call torch.fx.wrap('len') at module scope")

    @classmethod
    def __torch_function__(cls, orig_method, types, args=(), kwargs=None) -> "Proxy":
        """A glassgrad function (``torch.cat``, ``F.relu``) called on a Proxy records itself: a Tensor
        method as ``call_method``, anything else as ``call_function`` named after the function."""
        args = args if args else ()
        kwargs = kwargs if kwargs else {}
        tracers: dict = {}

        def find_tracer(a):
            if isinstance(a, cls):
                tracers[a.tracer] = None
            return a

        _map_leaves((args, kwargs), find_tracer)
        if len(tracers) > 1:
            raise RuntimeError(f"Found multiple different tracers {list(tracers)} while trying to trace "
                               f"operations {orig_method}")
        tracer = next(iter(tracers))
        name = orig_method.__name__
        if overrides.is_tensor_method_or_property(orig_method):
            # ``const + proxy`` reaches here as Tensor.__add__: PyTorch records it as the method ``add``
            return tracer.create_proxy("call_method", _TENSOR_OPERATOR_METHODS.get(name, name), args, kwargs)
        if getattr(orig_method, "_python_level", False):
            args, kwargs = _as_pytorch_passes_them(orig_method, args, kwargs)
        return tracer.create_proxy("call_function", orig_method, args, kwargs,
                                   name=tracer.graph._target_to_str(name))


# A Tensor operator called with a Proxy operand, as the method PyTorch records for it.
_TENSOR_OPERATOR_METHODS = {"__add__": "add", "__sub__": "sub", "__mul__": "mul", "__truediv__": "div",
                            "__matmul__": "matmul", "__pow__": "pow", "__floordiv__": "floor_divide",
                            "__mod__": "remainder", "__eq__": "eq", "__ne__": "ne", "__lt__": "lt",
                            "__le__": "le", "__gt__": "gt", "__ge__": "ge", "__and__": "bitwise_and",
                            "__or__": "bitwise_or", "__xor__": "bitwise_xor"}


def _as_pytorch_passes_them(fn, args: tuple, kwargs: dict) -> tuple[tuple, dict]:
    """The arguments of a Python-level function (``F.relu``, ``F.softmax``) as PyTorch's own passes
    them on to ``__torch_function__``: parameters without a default by position, every parameter with a
    default by keyword, defaults filled in (``relu(x, inplace = False)``)."""
    try:
        sig = inspect.signature(fn)
        bound = sig.bind(*args, **kwargs)
    except (TypeError, ValueError):
        return args, kwargs
    bound.apply_defaults()
    positional, keywords = [], {}
    for param in sig.parameters.values():
        if param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD):
            return args, kwargs
        value = bound.arguments[param.name]
        if param.default is param.empty and param.kind != param.KEYWORD_ONLY:
            positional.append(value)
        else:
            keywords[param.name] = value
    return tuple(positional), keywords


def _map_leaves(a, fn) -> None:
    if isinstance(a, (tuple, list)):
        for e in a:
            _map_leaves(e, fn)
    elif isinstance(a, dict):
        for e in a.values():
            _map_leaves(e, fn)
    elif isinstance(a, slice):
        _map_leaves((a.start, a.stop, a.step), fn)
    else:
        fn(a)


class Attribute(Proxy):
    """``proxy.name``: a method call when called next (``x.view(2)``), else a ``getattr`` node."""

    def __init__(self, root: Proxy, attr: str) -> None:
        self.root = root
        self.attr = attr
        self.tracer = root.tracer
        self._node = None

    @property
    def node(self) -> Node:
        # added only when used as a value: most attributes are methods about to be called
        if self._node is None:
            self._node = self.tracer.create_proxy("call_function", getattr, (self.root, self.attr), {}).node
        return self._node

    def __call__(self, *args, **kwargs) -> Proxy:
        return self.tracer.create_proxy("call_method", self.attr, (self.root,) + args, kwargs)


class ParameterProxy(Proxy):
    """A parameter read in ``forward``: its shape questions (``shape``, ``size()``, ``dim()``) answer
    from the real parameter, so code that checks them still traces."""

    def __init__(self, tracer: TracerBase, node: Node, name: str, param) -> None:
        super().__init__(node, tracer)
        self.param = param
        self.name = name

    def __repr__(self) -> str:
        return f"ParameterProxy({self.name})"

    @property
    def shape(self):
        return self.param.shape

    def size(self, dim=None):
        return self.param.size() if dim is None else self.param.size(dim)

    def dim(self) -> int:
        return self.param.dim()

    @property
    def ndim(self) -> int:
        return self.param.ndim

    def numel(self) -> int:
        return self.param.numel()

    def nelement(self) -> int:
        return self.param.numel()


def _define_magic(method: str) -> None:
    def impl(*args, **kwargs) -> Proxy:
        return args[0].tracer.create_proxy("call_function", getattr(operator, method), args, kwargs)

    impl.__name__ = f"__{method.strip('_')}__"
    setattr(Proxy, impl.__name__, impl)


def _define_reflectable(method: str) -> None:
    def impl(self, rhs) -> Proxy:
        return self.tracer.create_proxy("call_function", getattr(operator, method), (rhs, self), {})

    impl.__name__ = f"__r{method.strip('_')}__"
    setattr(Proxy, impl.__name__, impl)


for _method in MAGIC_METHODS:
    _define_magic(_method)
for _method in REFLECTABLE_MAGIC_METHODS:
    _define_reflectable(_method)

# Proxy defines __torch_function__: install the dispatch now, when fx is imported, and not at the first
# trace, so that a table a program builds after ``import torch.fx`` (``{F.relu: ...}``, ``node.target is
# torch.add``) holds the very functions a trace records. Programs that never import fx pay nothing.
overrides.enable()
