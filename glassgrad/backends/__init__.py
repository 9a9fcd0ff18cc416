"""``torch.backends``: the switches that choose how PyTorch's kernels run, on a library with one backend.

Part III, device surface (docs/part3-device.md). glassgrad runs every op with numpy on the CPU, so
there is no cuDNN, cuBLAS or Metal to tune; the flags still exist, with PyTorch's names and defaults,
because programs set them (``torch.backends.cudnn.benchmark = True``) and ask
(``torch.backends.mps.is_available()``). Setting one changes nothing glassgrad computes.

``use_deterministic_algorithms`` (``torch.use_deterministic_algorithms``) lives here beside
``cudnn.deterministic``: glassgrad's ops are deterministic already (numpy on one CPU), so the switch is
remembered and reported, as PyTorch's is, and changes nothing.
"""

from __future__ import annotations

from glassgrad.backends import cuda, cudnn, mps  # noqa: F401  (torch.backends.cuda, .cudnn, .mps)

__all__ = ["cuda", "cudnn", "mps", "use_deterministic_algorithms", "are_deterministic_algorithms_enabled",
           "is_deterministic_algorithms_warn_only_enabled"]

_deterministic = {"mode": False, "warn_only": False}


def use_deterministic_algorithms(mode: bool, *, warn_only: bool = False) -> None:
    """Ask for deterministic algorithms (glassgrad's always are); remembered for the two queries below."""
    for name, value in (("mode", mode), ("warn_only", warn_only)):
        if not isinstance(value, bool):
            raise TypeError(f"_set_deterministic_algorithms(): argument '{name}' (position "
                            f"{1 if name == 'mode' else 2}) must be bool, not {type(value).__name__}")
    _deterministic.update(mode=mode, warn_only=warn_only)


def are_deterministic_algorithms_enabled() -> bool:
    return _deterministic["mode"]


def is_deterministic_algorithms_warn_only_enabled() -> bool:
    return _deterministic["warn_only"]
