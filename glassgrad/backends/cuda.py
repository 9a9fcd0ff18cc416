"""``torch.backends.cuda``: CUDA's switches, with PyTorch's defaults; ``is_built()`` is False (no CUDA).

``matmul.allow_tf32`` (nanoGPT sets it) and its siblings are kept and read back; nothing in glassgrad
reads them. As in PyTorch, ``matmul.allow_tf32`` is another view of ``matmul.fp32_precision`` ("tf32"
when allowed), and an attribute PyTorch does not have is refused."""

from __future__ import annotations

__all__ = ["is_built", "matmul", "cuBLASModule"]


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
