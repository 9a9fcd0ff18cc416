"""``glassgrad.nn.modules`` — the package ``torch.nn.modules``: the layers, under PyTorch's submodule names.

Part III, nn chapter. PyTorch defines its layers in ``torch/nn/modules/<kind>.py``; glassgrad defines them in
``glassgrad/nn/<kind>.py`` and gives each PyTorch path a thin module here that re-exports them by name, so
``torch.nn.modules.linear.Linear is torch.nn.Linear`` holds under ``run-as-torch`` as it does in PyTorch.
"""

from __future__ import annotations

from glassgrad.nn.modules import activation  # noqa: F401
from glassgrad.nn.modules import adaptive  # noqa: F401
from glassgrad.nn.modules import batchnorm  # noqa: F401
from glassgrad.nn.modules import container  # noqa: F401
from glassgrad.nn.modules import conv  # noqa: F401
from glassgrad.nn.modules import distance  # noqa: F401
from glassgrad.nn.modules import dropout  # noqa: F401
from glassgrad.nn.modules import flatten  # noqa: F401
from glassgrad.nn.modules import fold  # noqa: F401
from glassgrad.nn.modules import instancenorm  # noqa: F401
from glassgrad.nn.modules import linear  # noqa: F401
from glassgrad.nn.modules import loss  # noqa: F401
from glassgrad.nn.modules import module  # noqa: F401
from glassgrad.nn.modules import normalization  # noqa: F401
from glassgrad.nn.modules import padding  # noqa: F401
from glassgrad.nn.modules import channelshuffle  # noqa: F401
from glassgrad.nn.modules import pixelshuffle  # noqa: F401
from glassgrad.nn.modules import pooling  # noqa: F401
from glassgrad.nn.modules import rnn  # noqa: F401
from glassgrad.nn.modules import sparse  # noqa: F401
from glassgrad.nn.modules import transformer  # noqa: F401
from glassgrad.nn.modules import upsampling  # noqa: F401
from glassgrad.nn.modules.activation import (ELU, GELU, Hardtanh, LeakyReLU, LogSoftmax, Mish, ReLU, ReLU6,
                                             SiLU, Sigmoid, Softmax, Softmin, Softplus, Tanh,
                                             MultiheadAttention)
from glassgrad.nn.modules.adaptive import AdaptiveLogSoftmaxWithLoss
from glassgrad.nn.modules.batchnorm import (LazyBatchNorm1d, LazyBatchNorm2d, BatchNorm1d, BatchNorm2d, BatchNorm3d,
                                           SyncBatchNorm)
from glassgrad.nn.modules.instancenorm import InstanceNorm1d, InstanceNorm2d, InstanceNorm3d
from glassgrad.nn.modules.container import ModuleDict, ModuleList, ParameterList, Sequential
from glassgrad.nn.modules.conv import (Conv1d, Conv2d, Conv3d, ConvTranspose1d, ConvTranspose2d, LazyConv1d,
                                       LazyConv2d)
from glassgrad.nn.modules.upsampling import Upsample, UpsamplingBilinear2d, UpsamplingNearest2d
from glassgrad.nn.modules.dropout import Dropout, Dropout1d, Dropout2d
from glassgrad.nn.modules.flatten import Flatten, Unflatten
from glassgrad.nn.modules.linear import (LazyLinear, Bilinear, Identity, Linear,
                                         NonDynamicallyQuantizableLinear)
from glassgrad.nn.modules.distance import CosineSimilarity, PairwiseDistance
from glassgrad.nn.modules.fold import Fold, Unfold
from glassgrad.nn.modules.loss import (BCELoss, BCEWithLogitsLoss, CosineEmbeddingLoss, CrossEntropyLoss, CTCLoss,
                                       GaussianNLLLoss, HingeEmbeddingLoss, HuberLoss, KLDivLoss, L1Loss,
                                       MarginRankingLoss, MSELoss, MultiLabelSoftMarginLoss,
                                       MultiMarginLoss, NLLLoss, PoissonNLLLoss, SmoothL1Loss,
                                       SoftMarginLoss, TripletMarginLoss)
from glassgrad.nn.modules.module import Module
from glassgrad.nn.modules.normalization import GroupNorm, LayerNorm, LocalResponseNorm, RMSNorm
from glassgrad.nn.modules.pooling import (AdaptiveAvgPool1d, AdaptiveAvgPool2d, AdaptiveAvgPool3d,
                                          AdaptiveMaxPool1d, AdaptiveMaxPool2d, AvgPool1d, AvgPool2d, AvgPool3d,
                                          LPPool1d, LPPool2d, MaxPool1d, MaxPool2d, MaxPool3d, MaxUnpool1d,
                                          MaxUnpool2d)
from glassgrad.nn.modules.rnn import GRU, GRUCell, LSTM, LSTMCell, RNN, RNNBase, RNNCell, RNNCellBase
from glassgrad.nn.modules.sparse import Embedding, EmbeddingBag
from glassgrad.nn.modules.transformer import (Transformer, TransformerDecoder, TransformerDecoderLayer,
                                              TransformerEncoder, TransformerEncoderLayer)

from glassgrad.nn.modules.activation import (CELU, GLU, Hardshrink, Hardsigmoid, Hardswish, LogSigmoid, PReLU,
                                             RReLU, SELU, Softmax2d, Softshrink, Softsign, Tanhshrink, Threshold)
from glassgrad.nn.modules.container import ParameterDict
from glassgrad.nn.modules.dropout import AlphaDropout, Dropout3d, FeatureAlphaDropout
from glassgrad.nn.modules.padding import (CircularPad1d, CircularPad2d, CircularPad3d, ConstantPad1d,
                                          ConstantPad2d, ConstantPad3d, ReflectionPad1d, ReflectionPad2d,
                                          ReflectionPad3d, ReplicationPad1d, ReplicationPad2d, ReplicationPad3d,
                                          ZeroPad1d, ZeroPad2d, ZeroPad3d)
from glassgrad.nn.modules.pixelshuffle import PixelShuffle, PixelUnshuffle
from glassgrad.nn.pixelshuffle import ChannelShuffle

__all__ = [
    "adaptive", "AdaptiveLogSoftmaxWithLoss", "SyncBatchNorm",
    "ELU", "GELU", "Hardtanh", "LeakyReLU", "LogSoftmax", "Mish", "ReLU", "ReLU6", "SiLU", "Sigmoid",
    "Softmax", "Softmin", "Softplus", "Tanh", "MultiheadAttention", "LazyBatchNorm1d", "LazyBatchNorm2d",
    "BatchNorm1d", "BatchNorm2d", "ModuleDict", "ModuleList", "ParameterList", "Sequential", "Conv1d",
    "Conv2d", "ConvTranspose2d", "LazyConv1d", "LazyConv2d", "Dropout", "Dropout1d", "Dropout2d", "Flatten",
    "Unflatten", "LazyLinear", "Bilinear", "Identity", "Linear", "NonDynamicallyQuantizableLinear",
    "BCELoss", "BCEWithLogitsLoss", "CosineEmbeddingLoss", "CrossEntropyLoss", "HuberLoss", "L1Loss",
    "MSELoss", "NLLLoss", "SmoothL1Loss", "Module", "LayerNorm", "AdaptiveAvgPool1d", "AdaptiveAvgPool2d",
    "AvgPool1d", "AvgPool2d", "MaxPool1d", "MaxPool2d", "GRU", "GRUCell", "LSTM", "LSTMCell", "RNN",
    "RNNBase", "RNNCell", "RNNCellBase", "Embedding", "Transformer", "TransformerDecoder",
    "TransformerDecoderLayer", "TransformerEncoder", "TransformerEncoderLayer", "activation", "batchnorm",
    "container", "conv", "dropout", "flatten", "linear", "loss", "module", "normalization", "pooling",
    "rnn", "sparse", "transformer", "upsampling", "Upsample", "UpsamplingNearest2d", "UpsamplingBilinear2d",
    "BatchNorm3d", "InstanceNorm1d", "InstanceNorm2d", "InstanceNorm3d", "GroupNorm", "LocalResponseNorm", "RMSNorm",
    "instancenorm", "distance", "CosineSimilarity", "PairwiseDistance", "KLDivLoss", "PoissonNLLLoss",
    "GaussianNLLLoss", "MarginRankingLoss", "HingeEmbeddingLoss", "SoftMarginLoss",
    "MultiLabelSoftMarginLoss", "MultiMarginLoss", "TripletMarginLoss", "fold", "Fold", "Unfold",
    "ConvTranspose1d", "AdaptiveMaxPool1d", "AdaptiveMaxPool2d", "MaxUnpool1d", "MaxUnpool2d", "LPPool1d",
    "LPPool2d", "Conv3d", "EmbeddingBag", "CTCLoss", "MaxPool3d", "AvgPool3d", "AdaptiveAvgPool3d",
    "padding", "pixelshuffle", "CELU", "GLU", "Hardshrink", "Hardsigmoid", "Hardswish", "LogSigmoid", "PReLU",
    "RReLU", "SELU", "Softmax2d", "Softshrink", "Softsign", "Tanhshrink", "Threshold", "ParameterDict",
    "AlphaDropout", "Dropout3d", "FeatureAlphaDropout", "CircularPad1d", "CircularPad2d", "CircularPad3d",
    "ConstantPad1d", "ConstantPad2d", "ConstantPad3d", "ReflectionPad1d", "ReflectionPad2d", "ReflectionPad3d",
    "ReplicationPad1d", "ReplicationPad2d", "ReplicationPad3d", "ZeroPad1d", "ZeroPad2d", "ZeroPad3d",
    "PixelShuffle", "PixelUnshuffle", "ChannelShuffle",
]
