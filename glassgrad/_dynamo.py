"""``torch._dynamo`` and ``torch._logging``: the knobs of a compiler glassgrad does not have.

Part III, device surface (docs/part3-device.md), beside compiler.py. ``torch.compile`` hands back what it
gets here (compiler.py), so the calls programs make around it — ``torch._dynamo.reset()``,
``torch._dynamo.config.suppress_errors = True``, ``mark_dynamic(x, 0)``, ``torch._logging.set_logs(...)``
— have nothing to act on. They are accepted and do nothing, so the program runs; each says so below.
"""

from __future__ import annotations

from glassgrad.compiler import disable, is_compiling, reset

__all__ = ["reset", "disable", "is_compiling", "config", "mark_dynamic", "maybe_mark_dynamic", "mark_static",
           "allow_in_graph", "disallow_in_graph", "graph_break", "optimize", "list_backends"]


class _Config:
    """``torch._dynamo.config``: settings are kept and read back; the compiler they would steer is absent."""

    def __init__(self) -> None:
        self.suppress_errors = False
        self.verbose = False
        self.cache_size_limit = 8
        self.recompile_limit = 8
        self.accumulated_cache_size_limit = 256
        self.capture_scalar_outputs = False
        self.capture_dynamic_output_shape_ops = False
        self.automatic_dynamic_shapes = True
        self.assume_static_by_default = True
        self.optimize_ddp = True


config = _Config()


def mark_dynamic(t, index, *, min=None, max=None, specialize_on=None) -> None:  # noqa: A002
    """Tell the compiler a dimension varies: nothing is compiled, so nothing to tell."""
    return None


def maybe_mark_dynamic(t, index) -> None:
    return None


def mark_static(t, index=None) -> None:
    return None


def allow_in_graph(fn):
    """Keep ``fn`` whole in a compiled graph: there is no graph, so ``fn`` comes back unchanged."""
    return fn


def disallow_in_graph(fn):
    return fn


def graph_break() -> None:
    """Split a compiled graph here: there is none to split."""
    return None


def optimize(backend="inductor", *, nopython: bool = False, guard_export_fn=None, guard_fail_fn=None,
             disable: bool = False, dynamic=None):
    """The old spelling of ``torch.compile`` as a decorator: the function comes back unchanged."""
    return lambda fn: fn


def list_backends(exclude_tags=("debug", "experimental")) -> list:
    """No compiler backends are registered in glassgrad."""
    return []
