"""Grad modes: whether operations record the graph. ``no_grad``, ``enable_grad``, ``set_grad_enabled``.

Part III. Recording costs memory (saved tensors) and time; an optimizer's update, evaluation and
anything done to numbers you don't want to differentiate run under ``no_grad``. Each mode is a context
manager and a decorator, as in PyTorch.

The mode belongs to the thread that sets it, as in PyTorch: a thread evaluating under ``no_grad()``
leaves another thread's training alone, and every new thread starts with recording on and inference
mode off, whatever the thread that started it had.
"""

from __future__ import annotations

import functools
import threading

__all__ = ["no_grad", "enable_grad", "set_grad_enabled", "is_grad_enabled", "inference_mode",
           "is_inference_mode_enabled"]


class _GradModeState(threading.local):
    """The mode is per thread, as in PyTorch: a thread inside ``no_grad()`` (an evaluation loop, a data
    worker) does not turn recording off for another thread that is training. A new thread starts with
    recording on. Other modules read ``GRAD_MODE.enabled`` directly: it is on every operation's path.

    The defaults are class attributes: a thread that never set a mode finds them with one attribute
    lookup, as fast as a module-level flag (``threading.local`` runs no ``__init__`` work per read)."""

    enabled = True
    inference = False


GRAD_MODE = _GradModeState()


def is_grad_enabled() -> bool:
    """True when operations on tensors that require grad record the graph."""
    return GRAD_MODE.enabled


def is_inference_mode_enabled() -> bool:
    """True inside ``inference_mode()`` (in this thread), as ``torch.is_inference_mode_enabled``."""
    return GRAD_MODE.inference


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
    """``no_grad`` that also says so to ``is_inference_mode_enabled()``; ``inference_mode(False)`` records
    again and turns inference mode off (PyTorch's also makes tensors glassgrad has no need for)."""

    def __init__(self, mode: bool = True) -> None:
        self.enabled = not mode

    def __enter__(self):
        self._previous_inference = GRAD_MODE.inference
        GRAD_MODE.inference = not self.enabled
        super().__enter__()

    def __exit__(self, *exc) -> None:
        super().__exit__(*exc)
        GRAD_MODE.inference = self._previous_inference

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
