"""``glassgrad.nn.utils``: gradient clipping, parameter/vector conversion, weight and spectral
normalisation, conv/linear + batch-norm fusion, as ``torch.nn.utils``."""

from glassgrad.nn.utils import fusion, parametrize, prune  # noqa: F401  (torch.nn.utils.fusion, .parametrize, .prune)
from glassgrad.nn.utils import parametrizations  # noqa: F401  (torch.nn.utils.parametrizations)
from glassgrad.nn.utils.clip_grad import clip_grad_norm, clip_grad_norm_, clip_grad_value_  # noqa: F401
from glassgrad.nn.utils.fusion import fuse_conv_bn_eval, fuse_conv_bn_weights, fuse_linear_bn_eval, fuse_linear_bn_weights  # noqa: F401,E501
from glassgrad.nn.utils.convert_parameters import (parameters_to_vector,  # noqa: F401
                                                   vector_to_parameters)
from glassgrad.nn.utils.spectral_norm import remove_spectral_norm, spectral_norm  # noqa: F401
from glassgrad.nn.utils.weight_norm import remove_weight_norm, weight_norm  # noqa: F401

__all__ = ["clip_grad_norm_", "clip_grad_value_", "parameters_to_vector", "vector_to_parameters",
           "weight_norm", "remove_weight_norm", "spectral_norm", "remove_spectral_norm", "fuse_conv_bn_eval",
           "fuse_conv_bn_weights", "fuse_linear_bn_eval", "fuse_linear_bn_weights"]
