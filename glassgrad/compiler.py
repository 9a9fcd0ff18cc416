"""``torch.compile`` and ``torch.compiler``: glassgrad does not compile, so they hand back what they get.

Part III, device surface (docs/part3-device.md). PyTorch's ``torch.compile(model)`` traces the model
into fused kernels the first time it runs. glassgrad runs your Python as written (that is what makes
it readable), so ``compile`` returns the model or function itself, unchanged, and accepts all of
``torch.compile``'s keyword arguments so that programs written for it run here."""

from __future__ import annotations

__all__ = ["compile", "is_compiling", "disable", "reset"]


def compile(model=None, *, fullgraph: bool = False, dynamic=None, backend=None, mode=None,  # noqa: A001
            options=None, name=None, disable: bool = False, recompile_limit=None,
            isolate_recompiles: bool = False, shapes_spec=None):
    """Return ``model`` unchanged (glassgrad has no compiler); with no model, a decorator that does."""
    if model is None:
        def decorate(fn):
            return compile(fn, fullgraph=fullgraph, dynamic=dynamic, backend=backend, mode=mode,
                           options=options, name=name, disable=disable)
        return decorate
    if not callable(model):
        raise AssertionError(f"A callable function is expected, but {type(model)} is provided.")
    return model


def is_compiling() -> bool:
    """False: nothing is ever being compiled."""
    return False


def disable(fn=None, recursive: bool = True, *, reason=None):
    """Keep ``fn`` out of compilation: it always is here, so ``fn`` comes back unchanged."""
    if fn is None:
        return lambda f: f
    return fn


def reset() -> None:
    return None
