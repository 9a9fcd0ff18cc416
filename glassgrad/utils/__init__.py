"""``glassgrad.utils`` — helpers around training, as ``torch.utils``: today, ``utils.data``.

Part III, after ``nn`` and ``optim``: how samples reach the model (``utils/data/``).
"""

from glassgrad.utils import benchmark, data  # noqa: F401

__all__ = ["benchmark", "data"]
