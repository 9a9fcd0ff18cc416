"""``torch.cuda`` on a library without CUDA: the questions answered, as PyTorch answers them without a GPU.

Part III, device surface (docs/part3-device.md). Programs written for a GPU ask before they use one
(``torch.cuda.is_available()``, ``device_count()``) and seed it (``manual_seed_all``); those calls work
and answer "no CUDA". Every call below gives what PyTorch 2.13 built for the CPU only gives: the
questions answer False/0, seeding and ``empty_cache`` do nothing, and anything that needs a device
(``current_device``, ``synchronize``, ``get_device_name`` ...) raises
``AssertionError: Torch not compiled with CUDA enabled``. (PyTorch's ``set_device`` and
``reset_peak_memory_stats`` fail there with an AttributeError from its C extension; glassgrad raises
the same AssertionError as the rest.)
"""

from __future__ import annotations

from glassgrad.cuda import amp  # noqa: F401  (torch.cuda.amp.GradScaler / autocast, deprecated aliases)

__all__ = ["is_available", "device_count", "is_initialized", "manual_seed", "manual_seed_all", "seed",
           "seed_all", "synchronize", "empty_cache", "current_device", "set_device", "get_device_name",
           "get_device_capability", "get_device_properties", "is_bf16_supported", "memory_allocated",
           "max_memory_allocated", "memory_reserved", "max_memory_reserved", "reset_peak_memory_stats",
           "reset_max_memory_allocated", "amp"]

_NOT_COMPILED = "Torch not compiled with CUDA enabled"


def is_available() -> bool:
    """False: glassgrad computes with numpy on the CPU."""
    return False


def device_count() -> int:
    return 0


def is_initialized() -> bool:
    return False


def manual_seed(seed) -> None:
    """Seeds the CUDA generator in PyTorch; with no CUDA there is nothing to seed."""
    int(seed)  # PyTorch converts (and so rejects what int() rejects)


def manual_seed_all(seed) -> None:
    int(seed)


def seed() -> None:
    return None


def seed_all() -> None:
    return None


def empty_cache() -> None:
    """Frees cached GPU memory in PyTorch; a no-op without CUDA there too."""
    return None


def memory_allocated(device=None) -> int:
    return 0


def max_memory_allocated(device=None) -> int:
    return 0


def memory_reserved(device=None) -> int:
    return 0


def max_memory_reserved(device=None) -> int:
    return 0


def is_bf16_supported(including_emulation: bool = True) -> bool:
    return False


def synchronize(device=None) -> None:
    raise AssertionError(_NOT_COMPILED)


def current_device() -> int:
    raise AssertionError(_NOT_COMPILED)


def set_device(device) -> None:
    raise AssertionError(_NOT_COMPILED)


def get_device_name(device=None) -> str:
    raise AssertionError(_NOT_COMPILED)


def get_device_capability(device=None) -> tuple:
    raise AssertionError(_NOT_COMPILED)


def get_device_properties(device=None):
    raise AssertionError(_NOT_COMPILED)


def reset_peak_memory_stats(device=None) -> None:
    raise AssertionError(_NOT_COMPILED)


def reset_max_memory_allocated(device=None) -> None:
    raise AssertionError(_NOT_COMPILED)
