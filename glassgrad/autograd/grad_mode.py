"""Grad modes: whether operations record the graph. ``no_grad``, ``enable_grad``, ``set_grad_enabled``.

Part III. Recording costs memory (saved tensors) and time; an optimizer's update, evaluation and
anything done to numbers you don't want to differentiate run under ``no_grad``. Each mode is a context
manager and a decorator, as in PyTorch.
"""

from __future__ import annotations

import functools
import threading

__all__ = ["no_grad", "enable_grad", "set_grad_enabled", "is_grad_enabled", "inference_mode"]


class _GradModeState(threading.local):
    """The mode is per thread, as in PyTorch: a thread inside ``no_grad()`` (an evaluation loop, a data
    worker) does not turn recording off for another thread that is training. A new thread starts with
    recording on. Other modules read ``GRAD_MODE.enabled`` directly: it is on every operation's path."""

    enabled = True


GRAD_MODE = _GradModeState()


def is_grad_enabled() -> bool:
    """True when operations on tensors that require grad record the graph."""
    return GRAD_MODE.enabled


class _GradMode:
    """Base of the grad-mode context managers; usable as ``with`` and as a decorator."""

    enabled: bool

    def __enter__(self):
        self._previous = GRAD_MODE.enabled
        GRAD_MODE.enabled = self.enabled

    def __exit__(self, *exc) -> None:
        GRAD_MODE.enabled = self._previous

    def __call__(self, fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with self.__class__(*self._args()):
                return fn(*args, **kwargs)
        return wrapper

    def _args(self) -> tuple:
        return ()


class no_grad(_GradMode):  # noqa: N801 - PyTorch's name
    """Don't record: results of operations have ``requires_grad=False``."""

    enabled = False


class enable_grad(_GradMode):  # noqa: N801
    """Record again inside a ``no_grad`` block."""

    enabled = True


class inference_mode(_GradMode):  # noqa: N801
    """Here an alias of ``no_grad`` (PyTorch's adds more speed-ups that glassgrad has no need for)."""

    def __init__(self, mode: bool = True) -> None:
        self.enabled = not mode

    def _args(self) -> tuple:
        return (not self.enabled,)


class set_grad_enabled(_GradMode):  # noqa: N801
    """``set_grad_enabled(False)`` is ``no_grad()``; it also takes effect when called as a function."""

    def __init__(self, mode: bool) -> None:
        self.enabled = bool(mode)
        self._previous = GRAD_MODE.enabled
        GRAD_MODE.enabled = self.enabled  # PyTorch: calling it (without `with`) sets the mode

    def __enter__(self):
        pass  # already set in __init__

    def _args(self) -> tuple:
        return (self.enabled,)

    def __call__(self, fn):
        GRAD_MODE.enabled = self._previous  # used as a decorator: only calls of fn change the mode
        return super().__call__(fn)
