"""``__torch_function__``: letting other types take over glassgrad's functions, as ``torch.overrides``.

Part III, beside the tensor. A class that defines the classmethod ``__torch_function__(cls, func, types,
args, kwargs)`` decides what ``torch.add(x, 1)``, ``F.relu(x)``, ``x.sum()`` or ``x + 1`` mean when one of
the arguments is its instance: a ``Tensor`` subclass that keeps metadata or logs every call, an object that
is not a tensor at all (the docs' ``ScalarTensor``), or a tracer such as ``glassgrad.fx``'s ``Proxy``.

How a call reaches a handler. Ordinary programs never pay for this protocol: until the first such class
appears, ``torch.add`` is glassgrad's plain function. ``enable()`` then installs the dispatch, once:

- every public function of the torch-shaped namespaces (``glassgrad``, ``glassgrad.nn.functional``,
  ``glassgrad.linalg``, ``glassgrad.special``, ``glassgrad.fft``, ``glassgrad.functional``) is replaced in
  its module by a wrapper (``_dispatching``), and so is every public method and operator of ``Tensor``;
- a wrapper looks at the arguments (positional, keyword, and the items of a list or tuple argument, as
  ``torch.cat``'s): if none has a live ``__torch_function__`` (plain ``Tensor`` and ``Parameter`` don't
  count, nor a class whose handler is ``_disabled_torch_function_impl``) it calls the function at once;
  otherwise ``handle_torch_function`` asks each such type in PyTorch's order (subclasses before their
  superclasses, otherwise left to right) until one returns something other than ``NotImplemented``;
- inside ``DisableTorchFunctionSubclass()`` (what ``Tensor.__torch_function__`` runs the real function
  in) every wrapper calls its function straight away, so an op's own inner calls are not dispatched again.

``enable()`` runs when the first ``Tensor`` subclass outside glassgrad is defined (``Tensor.__init_subclass__``),
when the first class of any kind defines ``__torch_function__`` (a ``class`` statement watcher installed
at import, ``_watch_class_statements``, which removes itself on its first find), or when a module such as
``glassgrad.fx`` calls it. The function a handler receives as ``func`` is the wrapper, i.e. what the user
reads as ``torch.add`` or ``torch.Tensor.add`` after install (the class comes first in a program, so
a table such as the docs' ``HANDLED_FUNCTIONS[torch.mean]`` is filled with the wrappers).

``__torch_dispatch__`` (one level below, on aten ops) is here only for the ops glassgrad can name: the
``aten`` namespace below holds ``detach``, ``_to_copy``, ``clone``; ``Tensor.detach`` / ``.to`` / ``.float()``
... of a tensor whose class defines ``__torch_dispatch__`` call it with them. Torch function *modes* are
not implemented.
"""

from __future__ import annotations

import builtins
import functools
import sys
import types as _types

from glassgrad import dtypes

__all__ = ["DisableTorchFunction", "DisableTorchFunctionSubclass", "aten", "disable", "enable", "get_ignored_functions",
           "get_overridable_functions", "handle_torch_function", "has_torch_function", "has_torch_function_unary",
           "has_torch_function_variadic", "is_enabled", "is_tensor_like", "is_tensor_method_or_property"]

# The namespaces whose public functions dispatch (module name -> the name PyTorch prints for it).
NAMESPACES = {"glassgrad": "torch", "glassgrad.functional": "torch.functional", "glassgrad.linalg": "torch.linalg",
              "glassgrad.special": "torch.special", "glassgrad.fft": "torch.fft",
              "glassgrad.nn.functional": "torch.nn.functional"}
# Python-level functions in PyTorch (nn.functional) word a failed dispatch differently from C++ ones.
PYTHON_LEVEL = {"glassgrad.nn.functional", "glassgrad.functional"}
# ... except these nn.functional names, which are torch's C++ functions (the error names their C++ home)
_CPP_FUNCTIONAL = {**dict.fromkeys(["adaptive_avg_pool1d", "avg_pool1d", "celu_", "channel_shuffle", "conv1d",
                                    "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d", "cosine_similarity",
                                    "hardshrink", "native_channel_shuffle", "pairwise_distance", "pixel_shuffle",
                                    "pixel_unshuffle", "prelu", "relu_", "rrelu_", "selu_", "threshold_"], "torch"),
                   **dict.fromkeys(["avg_pool2d", "avg_pool3d", "gelu", "leaky_relu_", "linear", "logsigmoid",
                                    "one_hot", "scaled_dot_product_attention", "softplus", "softshrink"], "torch.nn")}

# Tensor attributes that never dispatch: construction, the protocol itself, copying and numpy's hooks.
_NOT_DISPATCHED = {"__init__", "__new__", "__init_subclass__", "__torch_function__", "__torch_dispatch__",
                   "__reduce_ex__", "__deepcopy__", "__array__", "__array_ufunc__", "__array_function__",
                   "__hash__", "__class_getitem__", "__getattr__", "__setattr__", "__delattr__", "__dir__",
                   "__sizeof__", "__getstate__", "__setstate__", "__subclasshook__", "as_subclass",
                   "_make_subclass", "_make_wrapper_subclass", "backward", "register_hook", "__iter__"}
# Tensor properties whose getter dispatches (their result is a tensor, as in PyTorch)
_DISPATCHED_PROPERTIES = ("data", "T", "mT")


class _State:
    """``enabled``: False inside DisableTorchFunction(Subclass); ``installed``: the wrappers are in place."""
    enabled = True
    installed = False


_STATE = _State()
_PLAIN_TYPES = {int, float, bool, str, type(None), complex, slice, type(Ellipsis)}  # tensor.py adds Tensor
_ORIGINALS: dict = {}    # wrapper -> the function it wraps (get_overridable_functions, tests)
_REPLACED: list = []     # (owner, name, what was there) for each attribute enable() replaced: disable() puts it back
_TENSOR: list = []       # [Tensor], registered by tensor.py (this file sits below it)
# Tensor method name -> aten_call(self, *args, **kwargs): where the method of a tensor whose class defines
# __torch_dispatch__ goes instead (filled by tensor.py: detach, to, float, double, ...)
DISPATCH_ROUTES: dict = {}


def _disabled_torch_function_impl(func, types, args=(), kwargs=None):
    """A ``__torch_function__`` that turns the protocol off for its class (``nn.Parameter``'s): the function
    runs as for a plain tensor."""
    with DisableTorchFunctionSubclass():
        return func(*args, **(kwargs or {}))


class DisableTorchFunctionSubclass:
    """``with torch._C.DisableTorchFunctionSubclass():`` — calls inside go straight to glassgrad's functions,
    whatever their arguments' types (what a handler wraps its call to ``func`` in)."""

    def __enter__(self):
        self._was = _STATE.enabled
        _STATE.enabled = False
        return self

    def __exit__(self, *exc) -> None:
        _STATE.enabled = self._was


class DisableTorchFunction(DisableTorchFunctionSubclass):
    """``torch._C.DisableTorchFunction``: as ``DisableTorchFunctionSubclass`` (glassgrad has no modes)."""


def is_enabled() -> bool:
    """``torch._C._is_torch_function_enabled()``: False inside a Disable... block."""
    return _STATE.enabled


_is_torch_function_enabled = is_enabled  # torch._C's name (glassgrad.__init__ shows this module as _C)


# --- which arguments take over ----------------------------------------------------------------------------
def _is_overloaded_type(t) -> bool:
    if t in _PLAIN_TYPES:
        return False
    handler = getattr(t, "__torch_function__", None)
    return handler is not None and handler is not _disabled_torch_function_impl


def _add_overloaded(arg, found: list, seen: set) -> None:
    """PyTorch's _get_overloaded_args for one argument: a new type goes before the first found type it
    subclasses, else at the end."""
    t = type(arg)
    if t in seen or not _is_overloaded_type(t):
        return
    seen.add(t)
    index = len(found)
    for i, old in enumerate(found):
        if issubclass(t, type(old)):
            index = i
            break
    found.insert(index, arg)


def _overloaded_args(args, kwargs=None) -> list:
    """The arguments with a live ``__torch_function__``, in dispatch order (one per type). Lists and
    tuples are looked into one level (torch.cat's tensors)."""
    found: list = []
    seen: set = set()
    for group in (args, kwargs.values() if kwargs else ()):
        for arg in group:
            if type(arg) in _PLAIN_TYPES:
                continue
            if type(arg) is list or type(arg) is tuple:
                for item in arg:
                    if type(item) not in _PLAIN_TYPES:
                        _add_overloaded(item, found, seen)
            else:
                _add_overloaded(arg, found, seen)
    return found


def has_torch_function(relevant_args) -> bool:
    """True when one of ``relevant_args`` (an iterable) has a live ``__torch_function__`` and the
    protocol is on."""
    return _STATE.enabled and any(_is_overloaded_type(type(a)) for a in relevant_args)


def has_torch_function_unary(arg) -> bool:
    return has_torch_function((arg,))


def has_torch_function_variadic(*args) -> bool:
    return has_torch_function(args)


def is_tensor_like(inp) -> bool:
    """True for a Tensor (or subclass) and for any object whose type defines ``__torch_function__``."""
    return isinstance(inp, tuple(_TENSOR)) or hasattr(type(inp), "__torch_function__")


def handle_torch_function(public_api, relevant_args, *args, **kwargs):
    """Call ``__torch_function__`` of each overloaded argument's type in turn; the first result that is
    not ``NotImplemented`` is the answer. TypeError, in PyTorch's words, when all decline."""
    return _dispatch(public_api, _overloaded_args(tuple(relevant_args)), args, kwargs)


def _dispatch(public_api, overloaded: list, args: tuple, kwargs: dict):
    kinds = tuple(type(a) for a in overloaded)
    for arg in overloaded:
        result = type(arg).__torch_function__(public_api, kinds, args, kwargs)
        if result is not NotImplemented:
            return result
    raise TypeError(_declined_message(public_api, kinds))


def _declined_message(public_api, kinds: tuple) -> str:
    module = getattr(public_api, "_torch_namespace", None)
    module = _torch_name(getattr(public_api, "__module__", "")) if module is None else dtypes.SHOWN_AS + module[5:]
    name = f"{module}.{getattr(public_api, '__name__', public_api)}"
    if getattr(public_api, "_python_level", False):
        return (f"no implementation found for '{name}' on types that implement __torch_function__: "
                f"{list(kinds)}")
    lines = "".join(f"  - tensor subclass {k}\n" for k in kinds)
    return (f"Multiple dispatch failed for '{name}'; all __torch_function__ handlers returned NotImplemented:"
            f"\n\n{lines}\nFor more information, try re-running with TORCH_LOGS=not_implemented")


def _torch_name(module: str) -> str:
    shown = dtypes.SHOWN_AS
    return shown + module[len("glassgrad"):] if module.startswith("glassgrad") else module


# --- installing the wrappers ------------------------------------------------------------------------------
def _dispatching(func, namespace: str, python_level: bool):
    """``func`` wrapped so that an argument with ``__torch_function__`` takes the call over."""
    def wrapper(*args, **kwargs):
        if _STATE.enabled:
            overloaded = _overloaded_args(args, kwargs)
            if overloaded:
                return _dispatch(wrapper, overloaded, args, kwargs)
        return func(*args, **kwargs)
    functools.update_wrapper(wrapper, func)
    wrapper._torch_namespace = namespace
    wrapper._python_level = python_level
    _ORIGINALS[wrapper] = func
    return wrapper


def _routed(func, aten_call):
    """A Tensor method whose tensor, when its class defines ``__torch_dispatch__``, goes to that instead
    (``aten_call(self, *args, **kwargs)`` names the aten op and calls it)."""
    def method(self, *args, **kwargs):
        if getattr(type(self), "__torch_dispatch__", None) is not None:
            return aten_call(self, *args, **kwargs)
        return func(self, *args, **kwargs)
    functools.update_wrapper(method, func)
    return method


def enable() -> None:
    """Install the dispatch (idempotent): wrap the public functions of ``NAMESPACES`` and the methods of
    ``Tensor``. Called on the first class with ``__torch_function__``; a glassgrad module whose own class
    has one (``glassgrad.fx``'s Proxy) calls it when it starts using it: while the package is still
    loading this does nothing, so that no namespace is wrapped half-built."""
    if _STATE.installed:
        return
    if not hasattr(sys.modules.get("glassgrad"), "__version__"):
        return  # the package is still loading (its last line sets __version__): the next trigger installs
    _STATE.installed = True
    _restore_class_statements()
    for module_name, torch_name in NAMESPACES.items():
        module = sys.modules.get(module_name)  # the loaded package; install runs after it is imported
        if module is not None:
            _wrap_module(module, torch_name, module_name in PYTHON_LEVEL)
    if _TENSOR:
        _wrap_tensor(_TENSOR[0])


def _wrap_module(module, torch_name: str, python_level: bool) -> None:
    wrapped = {}
    for name, value in list(vars(module).items()):
        if name.startswith("_") or not isinstance(value, _types.FunctionType) or value in _ORIGINALS:
            continue
        if not getattr(value, "__module__", "").startswith("glassgrad"):
            continue
        if python_level and name in _CPP_FUNCTIONAL:
            _replace(module, name, _dispatching(value, _CPP_FUNCTIONAL[name], False))
            continue
        if id(value) not in wrapped:
            wrapped[id(value)] = _dispatching(value, torch_name, python_level)
        _replace(module, name, wrapped[id(value)])


def _wrap_tensor(tensor_class) -> None:
    namespace = "torch.Tensor"
    for name, value in list(vars(tensor_class).items()):
        if name in _NOT_DISPATCHED or (name.startswith("_") and not name.startswith("__")):
            continue
        if isinstance(value, _types.FunctionType):
            if name in DISPATCH_ROUTES:
                value = _routed(value, DISPATCH_ROUTES[name])
            _replace(tensor_class, name, _dispatching(value, namespace, False))
        elif isinstance(value, property) and name in _DISPATCHED_PROPERTIES:
            getter = _dispatching(value.fget, namespace, False)
            _replace(tensor_class, name, property(getter, value.fset, value.fdel, value.__doc__))


def _replace(owner, name: str, new) -> None:
    _REPLACED.append((owner, name, vars(owner)[name]))
    setattr(owner, name, new)


def disable() -> None:
    """Undo ``enable()``: every wrapped function and method is the plain one again, and the next class
    with ``__torch_function__`` installs the dispatch anew. For tests, so that one test's subclass does
    not change the functions the next test sees."""
    for owner, name, original in reversed(_REPLACED):
        setattr(owner, name, original)
    _REPLACED.clear()
    _ORIGINALS.clear()
    _STATE.installed = False
    if builtins.__build_class__ is _ORIGINAL_BUILD_CLASS:
        builtins.__build_class__ = _watch_class_statements


def get_overridable_functions() -> dict:
    """namespace (module or Tensor) -> the list of its functions that dispatch (after ``enable()``)."""
    out: dict = {}
    for wrapper in _ORIGINALS:
        out.setdefault(wrapper._torch_namespace, []).append(wrapper)
    return out


def get_ignored_functions() -> set:
    """Functions that never dispatch: glassgrad's answer is the Tensor methods listed in _NOT_DISPATCHED."""
    return {getattr(_TENSOR[0], n) for n in _NOT_DISPATCHED if _TENSOR and hasattr(_TENSOR[0], n)}


def is_tensor_method_or_property(func) -> bool:
    return getattr(func, "_torch_namespace", "").endswith(".Tensor")


# --- a class statement that defines __torch_function__ turns the dispatch on -------------------------------
_ORIGINAL_BUILD_CLASS = builtins.__build_class__


def _watch_class_statements(func, name, *bases, **kwargs):
    """``builtins.__build_class__`` while the dispatch is off: the class is built as usual, and if it has
    a live ``__torch_function__`` (the docs' ScalarTensor, a tracer's Proxy) the dispatch is installed.
    Only class statements pass here (never an op), and it removes itself once it has fired."""
    cls = _ORIGINAL_BUILD_CLASS(func, name, *bases, **kwargs)
    # glassgrad's own classes (Tensor, Parameter) don't count, nor real PyTorch's, loaded beside glassgrad
    # (interop, tests): its tensor subclasses never reach glassgrad's functions.
    if (isinstance(cls, type) and str(cls.__module__).split(".")[0] not in _NOT_WATCHED
            and _is_overloaded_type(cls)):
        enable()
    return cls


_NOT_WATCHED = {"glassgrad", "torch", "functorch", "torchvision", "torchaudio"}


def _restore_class_statements() -> None:
    if builtins.__build_class__ is _watch_class_statements:
        builtins.__build_class__ = _ORIGINAL_BUILD_CLASS


builtins.__build_class__ = _watch_class_statements


# --- __torch_dispatch__: the aten ops glassgrad can name ----------------------------------------------------
class OpOverload:
    """One aten op overload (``torch.ops.aten.detach.default``): calling it on plain tensors runs glassgrad's
    implementation; on a tensor whose class defines ``__torch_dispatch__``, that class's handler."""

    def __init__(self, name: str, impl) -> None:
        self._name = name
        self._impl = impl

    def __call__(self, *args, **kwargs):
        for arg in args:
            handler = getattr(type(arg), "__torch_dispatch__", None)
            if handler is not None:
                kinds = tuple(dict.fromkeys(type(a) for a in args if hasattr(type(a), "__torch_dispatch__")))
                return handler(self, kinds, args, kwargs)
        return self._impl(*args, **kwargs)

    def name(self) -> str:
        return f"aten::{self._name}"

    def __repr__(self) -> str:
        return f"aten.{self._name}.default"


class OpOverloadPacket:
    """``aten.detach``: the op by name; ``.default`` is its one overload here."""

    def __init__(self, name: str, impl) -> None:
        self.default = OpOverload(name, impl)
        self._name = name

    def __call__(self, *args, **kwargs):
        return self.default(*args, **kwargs)

    def __repr__(self) -> str:
        return f"aten.{self._name}"


class _Aten:
    """``torch.ops.aten``: the ops registered by ``register_aten`` (tensor.py registers its own)."""

    def __getattr__(self, name: str):
        raise AttributeError(f"'_OpNamespace' 'aten' object has no attribute '{name}' (glassgrad names only "
                             f"{sorted(k for k in vars(self))})")


aten = _Aten()


def register_aten(name: str, impl) -> OpOverloadPacket:
    packet = OpOverloadPacket(name, impl)
    setattr(aten, name, packet)
    return packet
