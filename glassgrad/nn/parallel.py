"""``torch.nn.parallel``: running a module on several devices — on glassgrad's one CPU.

Part III, nn (docs/part3-device.md). ``DataParallel`` splits a batch across GPUs; with none, PyTorch's
keeps the module as ``.module``, ``device_ids`` empty, and calls it directly, and so does glassgrad's
(state_dict keys are prefixed ``module.``, as PyTorch's). ``DistributedDataParallel`` needs
``torch.distributed``, which glassgrad does not have: constructing one raises an error that says so
and points at ``glassgrad.interop.to_torch``."""

from __future__ import annotations

from glassgrad.nn.module import Module

__all__ = ["DataParallel", "DistributedDataParallel"]


class DataParallel(Module):
    """``DataParallel(module)``: on the CPU, a wrapper whose forward is ``module(*inputs, **kwargs)``."""

    def __init__(self, module: Module, device_ids=None, output_device=None, dim: int = 0) -> None:
        super().__init__()
        self.module = module
        self.device_ids = []  # PyTorch's value when no GPU is available
        self.dim = dim
        self.output_device = None

    def forward(self, *inputs, **kwargs):
        return self.module(*inputs, **kwargs)


class DistributedDataParallel(Module):
    """Needs several processes (``torch.distributed``): not available in glassgrad."""

    def __init__(self, module: Module, device_ids=None, output_device=None, dim: int = 0, *args, **kwargs):
        raise RuntimeError("DistributedDataParallel needs torch.distributed, and glassgrad runs in one "
                           "process on the CPU: train the model as it is, or move it to PyTorch with "
                           "glassgrad.interop.to_torch(model) and wrap it there.")
