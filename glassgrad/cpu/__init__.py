"""``torch.cpu``: the CPU as a device module, answered as PyTorch answers it.

Part III, device surface (docs/part3-device.md). Device-generic code asks ``torch.cpu`` the questions it
asks ``torch.cuda`` (``getattr(torch, device_type).synchronize()``): the CPU is always available, is one
device, and has nothing to wait for. ``torch.cpu.amp`` holds the deprecated spellings of
``torch.amp.autocast("cpu")`` and ``torch.amp.GradScaler("cpu")``.
"""

from __future__ import annotations

import contextlib

from glassgrad.cpu import amp  # noqa: F401  (torch.cpu.amp.autocast / GradScaler, deprecated aliases)

__all__ = ["is_available", "device_count", "current_device", "set_device", "synchronize", "is_initialized",
           "Stream", "Event", "current_stream", "stream", "StreamContext", "amp"]


def is_available() -> bool:
    """True: the CPU is always there."""
    return True


def device_count() -> int:
    """1: the CPU counts as one device."""
    return 1


def current_device() -> str:
    return "cpu"


def set_device(device) -> None:
    """Does nothing, as in PyTorch: there is one CPU device."""
    return None


def is_initialized() -> bool:
    return True


def synchronize(device=None) -> None:
    """Wait for the CPU's work to finish: every glassgrad operation has finished when it returns."""
    return None


class Stream:
    """PyTorch's CPU stream: a stand-in (the CPU runs one op after another), kept for device-generic code."""

    def __init__(self, priority: int = -1) -> None:
        self.priority = priority

    def wait_stream(self, stream) -> None:
        return None

    def synchronize(self) -> None:
        return None


class Event:
    """PyTorch's CPU event: recording and waiting do nothing (the work is already done)."""

    def query(self) -> bool:
        return True

    def record(self, stream=None) -> None:
        return None

    def synchronize(self) -> None:
        return None

    def wait(self, stream=None) -> None:
        return None


_DEFAULT_STREAM = Stream()


def current_stream(device=None) -> Stream:
    return _DEFAULT_STREAM


StreamContext = contextlib.nullcontext


def stream(stream) -> contextlib.nullcontext:  # noqa: A002 - PyTorch's name
    """``with torch.cpu.stream(s):`` runs the block as it is."""
    return contextlib.nullcontext()
