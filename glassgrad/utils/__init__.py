"""``glassgrad.utils`` — helpers around training, as ``torch.utils``: today, ``utils.data``.

Part III, after ``nn`` and ``optim``: how samples reach the model (``utils/data/``); ``checkpoint`` (PyTorch's
activation checkpointing, here a plain call) and ``hooks.RemovableHandle``.
"""

from glassgrad.utils import benchmark, checkpoint, data, hooks  # noqa: F401

__all__ = ["benchmark", "checkpoint", "data", "hooks"]
