"""``glassgrad.nn.utils``: gradient clipping and parameter/vector conversion, as ``torch.nn.utils``."""

from glassgrad.nn.utils import parametrize, prune  # noqa: F401  (torch.nn.utils.parametrize, .prune)
from glassgrad.nn.utils.clip_grad import clip_grad_norm_, clip_grad_value_  # noqa: F401
from glassgrad.nn.utils.convert_parameters import (parameters_to_vector,  # noqa: F401
                                                   vector_to_parameters)

__all__ = ["clip_grad_norm_", "clip_grad_value_", "parameters_to_vector", "vector_to_parameters"]
