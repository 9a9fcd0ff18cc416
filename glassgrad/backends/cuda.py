"""``torch.backends.cuda``: CUDA's switches, with PyTorch's defaults; ``is_built()`` is False (no CUDA).

``matmul.allow_tf32`` (nanoGPT sets it) and its siblings are kept and read back; nothing in glassgrad
reads them. As in PyTorch, ``matmul.allow_tf32`` is another view of ``matmul.fp32_precision`` ("tf32"
when allowed), and an attribute PyTorch does not have is refused.

The attention-kernel switches (``enable_flash_sdp``, ``math_sdp_enabled``, the deprecated ``sdp_kernel``
...) are PyTorch's global ones, which apply on the CPU too: they are the same switches as
``torch.nn.attention.sdpa_kernel``'s (kept in nn/functional_attention.py)."""

from __future__ import annotations

import contextlib
import warnings

from glassgrad.nn.functional_attention import ENABLED_KERNELS, kernels_switched

__all__ = ["is_built", "matmul", "cuBLASModule", "flash_sdp_enabled", "enable_flash_sdp", "math_sdp_enabled",
           "enable_math_sdp", "mem_efficient_sdp_enabled", "enable_mem_efficient_sdp", "cudnn_sdp_enabled",
           "enable_cudnn_sdp", "sdp_kernel"]


def is_built() -> bool:
    """Whether glassgrad was built with CUDA: no."""
    return False


class cuBLASModule:  # noqa: N801 - PyTorch's name
    """The ``torch.backends.cuda.matmul`` flags object."""

    _FLAGS = ("allow_fp16_reduced_precision_reduction", "allow_bf16_reduced_precision_reduction",
              "allow_fp16_accumulation", "fp32_precision")

    def __init__(self) -> None:
        object.__setattr__(self, "_values", {
            "allow_fp16_reduced_precision_reduction": True, "allow_bf16_reduced_precision_reduction": True,
            "allow_fp16_accumulation": False, "fp32_precision": "none"})

    def __getattr__(self, name):
        if name == "allow_tf32":
            return self._values["fp32_precision"] == "tf32"
        if name in self._FLAGS:
            return self._values[name]
        raise AttributeError(f"Unknown attribute {name}")

    def __setattr__(self, name, value) -> None:
        if name == "allow_tf32":
            self._values["fp32_precision"] = "tf32" if value else "ieee"
        elif name in self._FLAGS:
            self._values[name] = value
        else:
            raise AttributeError(f"Unknown attribute {name}")


matmul = cuBLASModule()


def flash_sdp_enabled() -> bool:
    return ENABLED_KERNELS["flash"]


def enable_flash_sdp(enabled: bool) -> None:
    ENABLED_KERNELS["flash"] = bool(enabled)


def math_sdp_enabled() -> bool:
    return ENABLED_KERNELS["math"]


def enable_math_sdp(enabled: bool) -> None:
    ENABLED_KERNELS["math"] = bool(enabled)


def mem_efficient_sdp_enabled() -> bool:
    return ENABLED_KERNELS["mem_efficient"]


def enable_mem_efficient_sdp(enabled: bool) -> None:
    ENABLED_KERNELS["mem_efficient"] = bool(enabled)


def cudnn_sdp_enabled() -> bool:
    return ENABLED_KERNELS["cudnn"]


def enable_cudnn_sdp(enabled: bool) -> None:
    ENABLED_KERNELS["cudnn"] = bool(enabled)


@contextlib.contextmanager
def sdp_kernel(enable_flash: bool = True, enable_math: bool = True, enable_mem_efficient: bool = True,
               enable_cudnn: bool = True):
    """The deprecated switch for a block (``torch.nn.attention.sdpa_kernel`` replaces it)."""
    warnings.warn("`torch.backends.cuda.sdp_kernel()` is deprecated. In the future, this context manager will be "
                  "removed. Please see `torch.nn.attention.sdpa_kernel()` for the new context manager, with updated "
                  "signature", FutureWarning, stacklevel=3)
    with kernels_switched(flash=bool(enable_flash), math=bool(enable_math), mem_efficient=bool(enable_mem_efficient),
                          cudnn=bool(enable_cudnn)):
        yield {}
