"""``torch.jit``: TorchScript's names, standing for the Python they would compile.

Part III, device surface (docs/part3-device.md). TorchScript compiles a model into a graph that runs
without Python. glassgrad *is* the Python, so — as ``torch.compile`` returns the model unchanged —
``script`` and ``trace`` return a ``ScriptModule`` (or ``ScriptFunction``) that runs the very same
module or function, shares its parameters, and answers TorchScript's questions honestly:

- ``.code`` is the Python source of ``forward`` (the code that runs: there is no other);
- ``.graph`` names the operations the example input went through (``trace``), from its autograd graph;
- ``.save(path)`` / ``jit.save`` write the whole module with ``glassgrad.save`` (no pickle), and
  ``jit.load`` reads it back (the module's classes must be imported, as for ``torch.load``).

The helpers that mean "not scripting now" answer truthfully: ``is_scripting()`` and ``is_tracing()`` are
False, and the decorators ``ignore``, ``unused`` and ``export`` return the function unchanged.
``freeze`` and ``optimize_for_inference`` return the module: there is nothing to fold.
"""

from __future__ import annotations

import functools
import inspect
import textwrap

from glassgrad.autograd.grad_mode import no_grad
from glassgrad.nn.module import Module
from glassgrad.serialization import load as _load_checkpoint, save as _save_checkpoint
from glassgrad.tensor import Tensor

__all__ = ["ScriptModule", "ScriptFunction", "trace", "trace_module", "script", "save", "load", "freeze",
           "optimize_for_inference", "is_scripting", "is_tracing", "ignore", "unused", "export", "annotate"]


def _source(fn) -> str:
    try:
        return textwrap.dedent(inspect.getsource(fn))
    except (OSError, TypeError):
        return f"# the source of {getattr(fn, '__qualname__', fn)!r} is not available\n"


def _graph_text(outputs) -> str:
    """The operations an example input went through, read from its outputs' autograd graph (first run
    first), as TorchScript's ``graph`` lists them (without its IR)."""
    seen, order = set(), []

    def visit(node):
        if node is None or id(node) in seen:
            return
        seen.add(id(node))
        for child, _ in getattr(node, "next_functions", ()):
            visit(child)
        if type(node).__name__ != "AccumulateGrad":
            order.append(type(node).__name__ if not hasattr(node, "name") else node.name())

    for out in outputs if isinstance(outputs, (tuple, list)) else (outputs,):
        if isinstance(out, Tensor):
            visit(out.grad_fn)
    body = "\n".join(f"  {name}" for name in order) or "  (no recorded operations: no input required grad)"
    return f"graph (glassgrad runs the Python itself; the example input went through):\n{body}\n"


class ScriptModule(Module):
    """A module "compiled" by ``script``/``trace``: the same module, seen through TorchScript's questions.

    Its parameters, buffers and submodules *are* the original's (the same dictionaries), calling it calls
    the original's ``forward``, and a submodule reached through it (``traced.dg``) is one too."""

    def __init__(self, original: Module, graph: str | None = None) -> None:
        super().__init__()
        set_ = object.__setattr__
        set_(self, "_original", original)
        set_(self, "_graph", graph)
        for shared in ("_parameters", "_buffers", "_modules", "_non_persistent_buffers_set"):
            set_(self, shared, getattr(original, shared))

    def forward(self, *args, **kwargs):
        return self._original(*args, **kwargs)

    def __getattr__(self, name: str):
        try:
            value = super().__getattr__(name)
        except AttributeError:
            value = getattr(object.__getattribute__(self, "_original"), name)
        return ScriptModule(value) if isinstance(value, Module) and not isinstance(value, ScriptModule) else value

    @property
    def code(self) -> str:
        return _source(type(self._original).forward)

    @property
    def graph(self) -> str:
        return self._graph if self._graph is not None else _graph_text(())

    @property
    def original_name(self) -> str:
        return type(self._original).__name__

    def save(self, f, _extra_files=None) -> None:
        save(self, f)

    def train(self, mode: bool = True) -> "ScriptModule":
        self._original.train(mode)
        return self

    def __repr__(self) -> str:
        return repr(self._original)


class ScriptFunction:
    """A function "compiled" by ``script``/``trace``: calling it calls the function."""

    def __init__(self, fn, graph: str | None = None) -> None:
        functools.update_wrapper(self, fn)
        self._fn, self._graph = fn, graph

    def __call__(self, *args, **kwargs):
        return self._fn(*args, **kwargs)

    @property
    def code(self) -> str:
        return _source(self._fn)

    @property
    def graph(self) -> str:
        return self._graph if self._graph is not None else _graph_text(())


def script(obj, optimize=None, _frames_up: int = 0, _rcb=None, example_inputs=None):
    """``torch.jit.script(module_or_function)``: a ``ScriptModule``/``ScriptFunction`` running the same
    Python (glassgrad has nothing to compile)."""
    if isinstance(obj, (ScriptModule, ScriptFunction)):
        return obj
    if isinstance(obj, Module):
        return ScriptModule(obj)
    if isinstance(obj, type) and issubclass(obj, Module):
        raise RuntimeError(f"Type '{obj}' cannot be compiled since it inherits from nn.Module, pass an "
                           "instance instead")
    if callable(obj):
        return ScriptFunction(obj)
    raise RuntimeError(f"torch.jit.script: can't script a {type(obj).__name__}")


def trace(func, example_inputs=None, optimize=None, check_trace: bool = True, check_inputs=None,
          check_tolerance: float = 1e-5, strict: bool = True, _force_outplace: bool = False,
          _module_class=None, _compilation_unit=None, example_kwarg_inputs=None, _store_inputs: bool = True):
    """``torch.jit.trace(module_or_function, example_inputs)``: runs it once on the example (as PyTorch
    does) and returns a ``ScriptModule``/``ScriptFunction`` whose ``graph`` lists what that run did."""
    if example_inputs is None and example_kwarg_inputs is None:
        raise RuntimeError("example_kwarg_inputs or example_inputs must be provided")
    args = example_inputs if isinstance(example_inputs, tuple) else () if example_inputs is None \
        else (example_inputs,)
    outputs = func(*args, **(example_kwarg_inputs or {}))
    graph = _graph_text(outputs)
    if isinstance(func, ScriptModule):
        return ScriptModule(func._original, graph)
    return ScriptModule(func, graph) if isinstance(func, Module) else ScriptFunction(func, graph)


def trace_module(mod, inputs, *args, **kwargs):
    """``torch.jit.trace_module(mod, {"forward": example})``: traces its forward."""
    return trace(mod, inputs.get("forward") if isinstance(inputs, dict) else inputs)


def save(m, f, _extra_files=None) -> None:
    """Write a scripted or traced module: the whole module, with ``glassgrad.save`` (no pickle)."""
    _save_checkpoint(m._original if isinstance(m, ScriptModule) else m, f)


def load(f, map_location=None, _extra_files=None, _restore_shapes: bool = False) -> ScriptModule:
    """Read a module written by ``jit.save``/``ScriptModule.save``; its classes must be imported."""
    return ScriptModule(_load_checkpoint(f, map_location=map_location, weights_only=False))


def freeze(mod, preserved_attrs=None, optimize_numerics: bool = True):
    """Nothing to fold into constants: the module itself (in eval mode, as PyTorch requires)."""
    if mod.training:
        raise RuntimeError("Freezing is currently only implemented for modules in eval mode. Please call "
                           ".eval() on your module before freezing.")
    return mod


def optimize_for_inference(mod, other_methods=None):
    with no_grad():
        return freeze(mod.eval() if mod.training else mod)


def is_scripting() -> bool:
    return False


def is_tracing() -> bool:
    return False


def ignore(drop=False, **kwargs):
    """``@torch.jit.ignore`` or ``@torch.jit.ignore(drop=True)``: the function, unchanged."""
    if callable(drop):
        return drop
    return lambda fn: fn


def unused(fn):
    return fn


def export(fn):
    return fn


def annotate(the_type, the_value):
    return the_value
