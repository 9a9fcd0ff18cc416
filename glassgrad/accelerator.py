"""``torch.accelerator``: the device-neutral way to ask for a GPU — and glassgrad has none.

Part III, device surface (docs/part3-device.md). PyTorch's tutorials now write
``device = torch.accelerator.current_accelerator().type if torch.accelerator.is_available() else "cpu"``;
the answers here are PyTorch's on a machine without one: not available, no current accelerator, zero
devices, and PyTorch's RuntimeError from anything that needs one."""

from __future__ import annotations

from glassgrad.devices import accelerator_unavailable

__all__ = ["is_available", "current_accelerator", "device_count", "current_device_index",
           "current_device_idx", "set_device_index", "set_device_idx", "synchronize", "empty_cache",
           "memory_allocated", "max_memory_allocated"]


def is_available() -> bool:
    return False


def current_accelerator(check_available: bool = False):
    """The accelerator's device, or None: there is none."""
    return None


def device_count() -> int:
    return 0


def current_device_index() -> int:
    raise accelerator_unavailable()


current_device_idx = current_device_index


def set_device_index(device) -> None:
    raise accelerator_unavailable()


set_device_idx = set_device_index


def synchronize(device=None) -> None:
    raise accelerator_unavailable()


def empty_cache() -> None:
    raise accelerator_unavailable()


def memory_allocated(device_index=None) -> int:
    raise accelerator_unavailable()


def max_memory_allocated(device_index=None) -> int:
    raise accelerator_unavailable()
