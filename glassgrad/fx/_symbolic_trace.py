"""``torch.fx.symbolic_trace`` and ``Tracer``: run ``forward`` on Proxies and keep what it did.

Part III, ``fx`` (docs/part3-nn.md). ``symbolic_trace(model)`` calls ``model.forward`` once with a
``Proxy`` for each input. While it runs, two methods of ``nn.Module`` are swapped for the tracer's, and
put back in a ``finally`` when it ends (as PyTorch's tracer does):

- ``Module.__call__``: calling a *leaf* module (one of glassgrad.nn's layers, ``Sequential`` excepted)
  records one ``call_module`` node; any other module is traced through, so its layers appear inlined
  under their qualified names (``wrapped.mod``, ``layer1.0.conv1``);
- ``Module.__getattr__``: reading a parameter in ``forward`` (``self.weight``) records a ``get_attr``.

What comes back is a ``GraphModule`` named after the traced class, whose ``forward`` is the recorded
program. ``Tracer`` is the class to subclass to decide what is a leaf (``is_leaf_module``) or how a call is
recorded (``call_module``, ``create_proxy``).
"""

from __future__ import annotations

import builtins
import functools
import inspect
import math
import warnings
from collections import OrderedDict
from types import FunctionType

from glassgrad import overrides
from glassgrad.fx.graph import Graph
from glassgrad.fx.graph_module import GraphModule
from glassgrad.fx.proxy import ParameterProxy, Proxy, TracerBase
from glassgrad.nn.container import Sequential
from glassgrad.nn.module import Module
from glassgrad.nn.parameter import Parameter
from glassgrad.tensor import Tensor

__all__ = ["Tracer", "symbolic_trace", "wrap", "PH"]

_VARSTUFF = inspect.CO_VARARGS | inspect.CO_VARKEYWORDS
_wrapped_functions: dict = {}  # (id of the module's globals, name) -> that globals dict, from wrap()


class PHBase:
    """A placeholder inside ``concrete_args``: that part of the input stays a traced input."""

    def __repr__(self) -> str:
        return "PH"


PH = PHBase()


def _assert_is_none(value, msg: str) -> None:
    if value is not None:
        raise AssertionError(msg)


def _assert(condition, msg: str) -> None:
    if not condition:
        raise AssertionError(msg)


def wrap(fn_or_name):
    """Record calls of a module-level function as one ``call_function`` node instead of tracing into it
    (``len``, a function with control flow). Call at the top level of the module that defines or uses it:
    ``fx.wrap("my_function")`` or ``fx.wrap(my_function)``."""
    if not callable(fn_or_name) and not isinstance(fn_or_name, str):
        raise RuntimeError("Unsupported type for global function! Must be either a callable or string name")
    name = fn_or_name if isinstance(fn_or_name, str) else fn_or_name.__name__
    if not isinstance(fn_or_name, str) and getattr(fn_or_name, "__code__", None) is not None \
            and fn_or_name.__code__.co_name == "<lambda>":
        raise RuntimeError("wrap must be called at the top level of a module")
    caller = inspect.currentframe().f_back
    if caller.f_code.co_name != "<module>":
        raise NotImplementedError("wrap must be called at the top level of a module")
    _wrapped_functions[(id(caller.f_globals), name)] = caller.f_globals
    return fn_or_name


def _recording(orig_fn):
    """``orig_fn`` that records itself when a Proxy is among its arguments, and runs otherwise."""
    @functools.wraps(orig_fn)
    def wrapped(*args, **kwargs):
        found: list = []
        for a in list(args) + list(kwargs.values()):
            if isinstance(a, Proxy):
                found.append(a)
        if found:
            proxy = found[0].tracer.create_proxy("call_function", orig_fn, args, kwargs)
            proxy.node.meta["is_wrapped"] = True  # the generated code wraps it again, for a retrace
            return proxy
        return orig_fn(*args, **kwargs)
    return wrapped


def _flat_function(fn: FunctionType, nargs: int) -> FunctionType:
    """``fn`` with its ``*args``/``**kwargs`` (and keyword-only arguments) taken as plain positional ones,
    so the tracer can hand one Proxy to each."""
    co = fn.__code__
    flat = co.replace(co_flags=co.co_flags & ~_VARSTUFF, co_argcount=nargs, co_kwonlyargcount=0,
                      co_posonlyargcount=0)
    return FunctionType(flat, fn.__globals__, fn.__name__, fn.__defaults__, fn.__closure__)


class Tracer(TracerBase):
    """Records a module's ``forward`` into a ``Graph``: ``Tracer().trace(model)``."""

    def __init__(self, autowrap_modules=(math,), autowrap_functions=(), param_shapes_constant: bool = False):
        super().__init__()
        self.param_shapes_constant = param_shapes_constant
        self.submodule_paths: dict | None = None
        self.tensor_attrs: dict = {}
        self._qualname_counter: dict = {}
        self.module_stack: OrderedDict = OrderedDict()  # qualified name (@n for a repeat call) -> (name, type)
        self.num_calls: dict = {}
        self.root = None
        # functions that record themselves when called on a Proxy (math.sqrt(x.size(-1))), as PyTorch's
        # tracer does: every public function of ``autowrap_modules`` and each of ``autowrap_functions``
        self._autowrap_function_ids = {id(value) for module in autowrap_modules
                                       for name, value in vars(module).items()
                                       if not name.startswith("_") and callable(value)}
        self._autowrap_function_ids |= {id(f) for f in autowrap_functions}
        self._autowrap_search = list(autowrap_modules)

    # --- what becomes what ----------------------------------------------------------------------------
    def get_fresh_qualname(self, prefix: str) -> str:
        """A name for a new attribute of the root: ``_tensor_constant0``, ``_tensor_constant1``, ..."""
        qualname = f"{prefix}0"
        if not hasattr(self.root, qualname):
            self._qualname_counter[prefix] = 0
            return qualname
        i = self._qualname_counter.get(prefix, 0)
        while True:
            qualname = f"{prefix}{i}"
            i += 1
            if not hasattr(self.root, qualname):
                break
        self._qualname_counter[prefix] = i
        return qualname

    def create_arg(self, a):
        """As ``TracerBase.create_arg``, plus: a parameter, buffer or submodule of the root becomes a
        ``get_attr`` of its qualified name, and any other tensor is stored on the root as a constant
        (``_tensor_constant0``) and read with ``get_attr``."""
        if isinstance(a, Proxy):  # the common case, and never asked class questions it would record
            return a.node
        if isinstance(a, Parameter):
            for n, p in self.root.named_parameters():
                if a is p:
                    return self.create_node("get_attr", n, (), {})
            raise NameError("parameter is not a member of this module")
        if isinstance(a, Tensor):
            for n, p in self.root.named_buffers():
                if a is p:
                    return self.create_node("get_attr", n, (), {})
            qualname = self.tensor_attrs.get(a)
            if not qualname:
                qualname = self.get_fresh_qualname("_tensor_constant")
                self.tensor_attrs[a] = qualname
                setattr(self.root, qualname, a)
            return self.create_node("get_attr", qualname, (), {})
        if isinstance(a, Module):
            for n, p in self.root.named_modules():
                if a is p:
                    return self.create_node("get_attr", n, (), {})
        if isinstance(a, tuple) and hasattr(a, "_fields"):
            return self.create_node("call_function", a.__class__, tuple(self.create_arg(e) for e in a), {})
        return super().create_arg(a)

    def is_leaf_module(self, m: Module, module_qualified_name: str) -> bool:
        """Whether a call of ``m`` is one ``call_module`` node (True) or traced through (False): the
        layers of glassgrad.nn are leaves, ``Sequential`` and your own modules are traced through."""
        return m.__module__.startswith("glassgrad.nn") and not isinstance(m, Sequential)

    def path_of_module(self, mod: Module) -> str:
        """The qualified name of ``mod`` in the root (``"layer1.0.conv1"``)."""
        if self.submodule_paths:
            path = self.submodule_paths.get(mod)
            if path is None:
                raise NameError("module is not installed as a submodule")
            return path
        for n, p in self.root.named_modules():
            if mod is p:
                return n
        raise NameError("module is not installed as a submodule")

    def call_module(self, m: Module, forward, args: tuple, kwargs: dict):
        """A call of a submodule during the trace: one node for a leaf, else ``forward`` traced through.
        Every node made meanwhile records the modules it sits in (``meta["nn_module_stack"]``)."""
        module_qualified_name = self.path_of_module(m)
        calls = self.num_calls.get(module_qualified_name, 0)
        key = f"{module_qualified_name}@{calls}" if calls else module_qualified_name
        self.module_stack[key] = (module_qualified_name, type(m))
        self.num_calls[module_qualified_name] = calls + 1
        try:
            if not self.is_leaf_module(m, module_qualified_name):
                return forward(*args, **kwargs)
            return self.create_proxy("call_module", module_qualified_name, args, kwargs)
        finally:
            self.module_stack.pop(key)

    def create_node(self, kind: str, target, args: tuple, kwargs: dict, name: str | None = None,
                    type_expr=None):
        node = super().create_node(kind, target, args, kwargs, name, type_expr)
        if self.module_stack:
            node.meta["nn_module_stack"] = OrderedDict(self.module_stack)
        return node

    def getattr(self, attr: str, attr_val, parameter_proxy_cache: dict):
        """A module attribute read in ``forward``: a parameter of the root becomes (once) a get_attr."""
        if isinstance(attr_val, Parameter):
            for n, p in self.root.named_parameters():
                if attr_val is p:
                    if n not in parameter_proxy_cache:
                        factory = (lambda node: ParameterProxy(self, node, n, attr_val)) \
                            if self.param_shapes_constant else None
                        parameter_proxy_cache[n] = self.create_proxy("get_attr", n, (), {},
                                                                     proxy_factory_fn=factory)
                    return parameter_proxy_cache[n]
        if self.proxy_buffer_attributes and isinstance(attr_val, Tensor):
            for n, p in self.root.named_buffers():
                if attr_val is p:
                    if n not in parameter_proxy_cache:
                        parameter_proxy_cache[n] = self.create_proxy("get_attr", n, (), {})
                    return parameter_proxy_cache[n]
        return attr_val

    # --- the inputs -----------------------------------------------------------------------------------
    def _proxy_placeholder(self, name: str, concrete_args, sig: inspect.Signature, annotations: dict):
        if concrete_args is not None and name in concrete_args:
            return self._concrete(name, concrete_args[name], sig)
        if name[0] == "*":
            default = ()
        else:
            param = sig.parameters[name]
            default = () if param.default is inspect.Parameter.empty else (param.default,)
        return self.create_proxy("placeholder", name, default, {}, type_expr=annotations.get(name))

    def _concrete(self, name: str, value, sig: inspect.Signature):
        """A concrete argument: traced as its value, with a placeholder still taking the argument and an
        assertion that it is that value when the GraphModule runs."""
        param = sig.parameters[name]
        default = () if param.default is inspect.Parameter.empty else (param.default,)
        if isinstance(value, PHBase):
            return self.create_proxy("placeholder", name, default, {})
        out = self.create_proxy("placeholder", f"{name}_1", default, {})
        if value is None:
            self.create_proxy("call_function", _assert_is_none,
                              (out, f"{name} has been specialized to have value None but got another value"), {})
        elif type(value) in (bool, int, float, str):
            self.create_proxy("call_function", _assert,
                              (out == value, f"{name} has been specialized to have value {value} but got "
                                             "another value"), {})
        else:
            warnings.warn(f"Was not able to add assertion to guarantee correct input {name} to specialized "
                          "function. It is up to the user to make sure that your inputs match the inputs "
                          "you specialized the function with.")
        return value

    def create_args_for_root(self, root_fn, is_module: bool, concrete_args=None):
        """One placeholder per parameter of ``root_fn`` (after ``self``); the function to call with them."""
        fn = inspect.unwrap(root_fn)
        co = fn.__code__
        total_args = co.co_argcount + co.co_kwonlyargcount
        names_iter = iter(co.co_varnames)
        args: list = []
        skip = 0
        if is_module:
            if total_args == 0:
                raise RuntimeError("``self`` argument cannot be part of *args expansion!")
            skip = 1
            next(names_iter)
            args.append(self.root)
        sig = inspect.signature(fn)
        arg_names = [next(names_iter) for _ in range(skip, total_args)]
        if isinstance(concrete_args, tuple):
            if len(arg_names) != len(concrete_args):
                raise RuntimeError(f"Tracing expected {len(arg_names)} arguments but got "
                                   f"{len(concrete_args)} concrete arguments")
            concrete_args = dict(zip(arg_names, concrete_args))
        annotations = getattr(fn, "__annotations__", {})
        args.extend(self._proxy_placeholder(name, concrete_args, sig, annotations) for name in arg_names)
        if co.co_kwonlyargcount > 0 or co.co_flags & _VARSTUFF:
            if co.co_flags & inspect.CO_VARARGS:
                args.append(self._proxy_placeholder("*" + next(names_iter), concrete_args, sig, annotations))
            if co.co_flags & inspect.CO_VARKEYWORDS:
                args.append(self._proxy_placeholder("**" + next(names_iter), concrete_args, sig, annotations))
            root_fn = _flat_function(fn, len(args))
        return root_fn, args

    # --- the trace ------------------------------------------------------------------------------------
    def trace(self, root, concrete_args: dict | None = None) -> Graph:
        """Run ``root`` (a Module's ``forward``, or a function) on Proxies; returns the recorded Graph."""
        overrides.enable()  # installed when fx was imported; again here in case it was disabled since
        if isinstance(root, Module):
            self.root = root
            if not hasattr(type(root), self.traced_func_name):
                raise AssertionError(f"traced_func_name={self.traced_func_name} doesn't exist in "
                                     f"{type(root).__name__}")
            fn = getattr(type(root), self.traced_func_name)
            self.root_module_name = root._get_name()
            self.submodule_paths = {mod: name for name, mod in root.named_modules()}
        else:
            self.root = Module()
            fn = root
        self.graph = Graph(tracer_cls=type(self))
        self.tensor_attrs = {}

        def collect_tensor_attrs(m: Module, prefix: list) -> None:
            for k, v in m.__dict__.items():
                if isinstance(v, Tensor):
                    self.tensor_attrs[v] = ".".join(prefix + [k])
            for k, v in m.named_children():
                collect_tensor_attrs(v, prefix + [k])

        collect_tensor_attrs(self.root, [])
        if not isinstance(fn, FunctionType):
            raise AssertionError(f"Expected FunctionType, got {type(fn)}")
        fn, args = self.create_args_for_root(fn, isinstance(root, Module), concrete_args)

        parameter_proxy_cache: dict = {}
        orig_getattr, orig_call = Module.__getattr__, Module.__call__

        @functools.wraps(orig_getattr)
        def module_getattr_wrapper(mod, attr):
            return self.getattr(attr, orig_getattr(mod, attr), parameter_proxy_cache)

        patched: list = []  # (dictionary, name, whether it had the name, the value it had)
        autowrapped: set = set()  # ids of the dictionaries already searched

        def patch(namespace: dict, name: str, orig) -> None:
            patched.append((namespace, name, name in namespace, namespace.get(name)))
            namespace[name] = _recording(orig)

        def autowrap(namespace: dict) -> None:
            if id(namespace) in autowrapped:
                return
            autowrapped.add(id(namespace))
            for name, value in list(namespace.items()):
                if not name.startswith("_") and callable(value) and id(value) in self._autowrap_function_ids:
                    patch(namespace, name, value)

        @functools.wraps(orig_call)
        def module_call_wrapper(mod, *args, **kwargs):
            def forward(*args, **kwargs):
                return orig_call(mod, *args, **kwargs)
            autowrap(getattr(getattr(mod, "forward", mod), "__globals__", {}))
            return self.call_module(mod, forward, args, kwargs)

        try:
            Module.__getattr__, Module.__call__ = module_getattr_wrapper, module_call_wrapper
            for (_, name), globals_ in _wrapped_functions.items():
                orig = globals_.get(name, getattr(builtins, name, None))
                if orig is not None:
                    patch(globals_, name, orig)
            autowrap(fn.__globals__)
            for module in self._autowrap_search:
                autowrap(vars(module))
            result = fn(*args)
            self.create_node("output", "output", (self.create_arg(result),), {},
                             type_expr=getattr(fn, "__annotations__", {}).get("return", None))
        finally:
            Module.__getattr__, Module.__call__ = orig_getattr, orig_call
            for globals_, name, had, old in reversed(patched):
                if had:
                    globals_[name] = old
                else:
                    del globals_[name]
            self.submodule_paths = None
        return self.graph


def symbolic_trace(root, concrete_args: dict | None = None) -> GraphModule:
    """Trace ``root`` (a Module or a function) into a ``GraphModule`` that runs the recorded program.

    ``concrete_args`` fixes some inputs to values (``{"flag": False}``) so Python control flow on them
    is taken once at trace time; the GraphModule checks it gets the same value."""
    tracer = Tracer()
    graph = tracer.trace(root, concrete_args)
    name = root.__class__.__name__ if isinstance(root, Module) else root.__name__
    return GraphModule(tracer.root, graph, name)

