"""``torch.backends.cudnn``: cuDNN's switches with PyTorch's defaults; ``is_available()`` is False.

Programs set ``cudnn.benchmark = True`` or ``cudnn.deterministic = True`` before training; the values
are kept (module attributes, so ``import torch.backends.cudnn as cudnn; cudnn.benchmark = True`` works)
and read back, and change nothing glassgrad computes."""

from __future__ import annotations

import contextlib

__all__ = ["is_available", "version", "flags", "enabled", "benchmark", "benchmark_limit", "deterministic",
           "allow_tf32"]

enabled = True
benchmark = False
benchmark_limit = None  # PyTorch's value when cuDNN is absent
deterministic = False
allow_tf32 = True


def is_available() -> bool:
    return False


def version():
    """cuDNN's version: None, as PyTorch answers without cuDNN."""
    return None


@contextlib.contextmanager
def flags(enabled=False, benchmark=False, benchmark_limit=10, deterministic=False, allow_tf32=True):
    """Set the flags inside a ``with`` block and restore them after, as PyTorch's ``cudnn.flags``."""
    names = ("enabled", "benchmark", "benchmark_limit", "deterministic", "allow_tf32")
    module = globals()
    saved = {name: module[name] for name in names}
    module.update(enabled=enabled, benchmark=benchmark, benchmark_limit=benchmark_limit,
                  deterministic=deterministic, allow_tf32=allow_tf32)
    try:
        yield
    finally:
        module.update(saved)
