"""``torch.backends``: the switches that choose how PyTorch's kernels run, on a library with one backend.

Part III, device surface (docs/part3-device.md). glassgrad runs every op with numpy on the CPU, so
there is no cuDNN, cuBLAS or Metal to tune; the flags still exist, with PyTorch's names and defaults,
because programs set them (``torch.backends.cudnn.benchmark = True``) and ask
(``torch.backends.mps.is_available()``). Setting one changes nothing glassgrad computes.

``use_deterministic_algorithms`` (``torch.use_deterministic_algorithms``) lives here beside
``cudnn.deterministic``: glassgrad's ops are deterministic already (numpy on one CPU), so the switch is
remembered and reported, as PyTorch's is, and changes nothing.

``set_float32_matmul_precision`` (``torch.set_float32_matmul_precision("high")``, build-nanogpt calls it)
lives here too: it lets float32 matmuls run in TensorFloat-32 on a GPU. glassgrad's matmuls are numpy's
float32 ones whatever the setting; the choice is remembered, read back by
``get_float32_matmul_precision``, and mirrored into ``backends.cuda.matmul.fp32_precision`` ("tf32" for
"high" and "medium", "ieee" for "highest") as PyTorch does.
"""

from __future__ import annotations

import warnings

from glassgrad.backends import cuda, cudnn, mps  # noqa: F401  (torch.backends.cuda, .cudnn, .mps)

__all__ = ["cuda", "cudnn", "mps", "use_deterministic_algorithms", "are_deterministic_algorithms_enabled",
           "is_deterministic_algorithms_warn_only_enabled", "set_float32_matmul_precision",
           "get_float32_matmul_precision"]

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


_matmul_precision = {"fp32": "highest"}


def set_float32_matmul_precision(precision: str) -> None:
    """Choose "highest" (float32), "high" or "medium" (TensorFloat-32 on a GPU); numpy's float32 here either way.

    Anything else is warned about and ignored, as PyTorch does."""
    if not isinstance(precision, str):
        raise RuntimeError(f"set_float32_matmul_precision expects a str, but got {type(precision).__name__}")
    if precision not in ("highest", "high", "medium"):
        warnings.warn(f"{precision} is not one of 'highest', 'high', or 'medium'; the current "
                      "setFloat32MatmulPrecision call has no effect.", UserWarning, stacklevel=2)
        return
    _matmul_precision["fp32"] = precision
    cuda.matmul.fp32_precision = "ieee" if precision == "highest" else "tf32"


def get_float32_matmul_precision() -> str:
    """The precision last set by ``set_float32_matmul_precision`` ("highest" at start)."""
    return _matmul_precision["fp32"]
