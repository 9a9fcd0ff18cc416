"""``torch.jit``: TorchScript, which glassgrad does not have; the names exist so imports work.

Part III, device surface (docs/part3-device.md). TorchScript compiles a model into a graph that runs
without Python. glassgrad *is* the Python, so ``trace``, ``script``, ``save`` and ``load`` raise
NotImplementedError saying so (move the model to PyTorch with ``glassgrad.interop.to_torch`` to script
it there). The helpers that mean "not scripting now" answer truthfully: ``is_scripting()`` and
``is_tracing()`` are False, and the decorators ``ignore``, ``unused`` and ``export`` return the
function unchanged (nothing is being compiled)."""

from __future__ import annotations

__all__ = ["trace", "trace_module", "script", "save", "load", "freeze", "optimize_for_inference",
           "is_scripting", "is_tracing", "ignore", "unused", "export", "annotate"]


def _missing(what: str) -> NotImplementedError:
    return NotImplementedError(f"torch.jit.{what}: glassgrad has no TorchScript (it runs your Python as "
                               "written); to script or trace a model, move it to PyTorch with "
                               "glassgrad.interop.to_torch(model) and use torch.jit there.")


def trace(func, example_inputs=None, *args, **kwargs):
    raise _missing("trace")


def trace_module(mod, inputs, *args, **kwargs):
    raise _missing("trace_module")


def script(obj, *args, **kwargs):
    raise _missing("script")


def save(m, f, _extra_files=None) -> None:
    raise _missing("save")


def load(f, map_location=None, _extra_files=None, _restore_shapes: bool = False):
    raise _missing("load")


def freeze(mod, preserved_attrs=None, optimize_numerics: bool = True):
    raise _missing("freeze")


def optimize_for_inference(mod, other_methods=None):
    raise _missing("optimize_for_inference")


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
