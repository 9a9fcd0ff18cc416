"""``torch.onnx``: exporting to ONNX, which glassgrad does not do; the module exists so imports work.

Part III, device surface (docs/part3-device.md). pytorch/examples' word_language_model imports
``torch.onnx`` at the top and exports only when asked; ``export`` raises NotImplementedError saying
what to do instead."""

from __future__ import annotations

__all__ = ["export", "is_in_onnx_export"]


def export(model, args=(), f=None, *pargs, **kwargs):
    raise NotImplementedError("torch.onnx.export: glassgrad does not export to ONNX; move the model to "
                              "PyTorch with glassgrad.interop.to_torch(model) and export it there.")


def is_in_onnx_export() -> bool:
    return False
