"""``glassgrad.utils`` — helpers around training, as ``torch.utils``: today, ``utils.data``.

Part III, after ``nn`` and ``optim``: how samples reach the model (``utils/data/``); ``checkpoint`` (PyTorch's
activation checkpointing, here a plain call) and ``hooks.RemovableHandle``; ``swap_tensors`` (tensor.py:
two tensors trade their contents, what ``Module._apply`` uses under ``torch.__future__``'s swap switch).
"""

from glassgrad.tensor import swap_tensors
from glassgrad.utils import benchmark, checkpoint, data, hooks  # noqa: F401

__all__ = ["benchmark", "checkpoint", "data", "hooks", "swap_tensors"]
