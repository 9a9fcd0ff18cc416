"""``torch._logging``: PyTorch's switches for its compiler's logs. glassgrad has no compiler (compiler.py),
so ``set_logs(graph_code=True, ...)`` is accepted and does nothing."""

from __future__ import annotations

__all__ = ["set_logs"]


def set_logs(**kwargs) -> None:
    """Turn compiler logs on or off: there is no compiler to log."""
    return None
