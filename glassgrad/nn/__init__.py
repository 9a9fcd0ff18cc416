"""``glassgrad.nn`` — layers, losses and the Module system, as ``torch.nn``.

Part III, the nn chapter, in reading order:

    parameter.py      Parameter: a tensor a model learns
    module.py         Module: parameters, buffers and children in a tree; state_dict; hooks
    container.py      Sequential, ModuleList, ModuleDict, ParameterList
    init.py           initialisation (xavier, kaiming ...) and why its variance is 1/fan
    functional.py     every layer as a function (F): activations, linear, dropout, softmax
    functional_loss.py   losses with their derivatives written out
    functional_norm.py   batch/layer normalisation and their three-term backward
    functional_shape.py  one_hot, embedding, pad
    linear.py, activation.py, dropout.py, normalization.py, sparse.py, flatten.py, loss.py
                      the layers, each a thin Module around its function
    conv.py, pooling.py   Conv1d/2d, ConvTranspose2d and pooling (math: glassgrad/ops/conv.py, pool.py)
    rnn.py            RNN, LSTM, GRU and their cells (packing ragged batches: utils/rnn.py)
    lazy.py           LazyLinear, LazyConv1d/2d, LazyBatchNorm1d/2d: sizes read from the first input
    attention.py      MultiheadAttention (one head's math: functional_attention.py, F's sdpa)
    transformer.py    TransformerEncoder/Decoder(Layer), Transformer: attention + feed-forward stacks
    utils/            clip_grad_norm_, clip_grad_value_
"""

from glassgrad.nn.parameter import Parameter
from glassgrad.nn.module import Module
from glassgrad.nn.container import ModuleDict, ModuleList, ParameterList, Sequential
from glassgrad.nn import functional, init, utils  # noqa: F401
from glassgrad.nn.linear import Bilinear, Identity, Linear
from glassgrad.nn.activation import (ELU, GELU, Hardtanh, LeakyReLU, LogSoftmax, Mish, ReLU, ReLU6,
                                     Sigmoid, SiLU, Softmax, Softmin, Softplus, Tanh)
from glassgrad.nn.dropout import Dropout, Dropout1d, Dropout2d
from glassgrad.nn.normalization import (BatchNorm1d, BatchNorm2d, BatchNorm3d, GroupNorm, InstanceNorm1d,
                                       InstanceNorm2d, InstanceNorm3d, LayerNorm, LocalResponseNorm, RMSNorm,
                                       SyncBatchNorm)
from glassgrad.nn.sparse import Embedding, EmbeddingBag
from glassgrad.nn.flatten import Flatten, Unflatten
from glassgrad.nn.loss import (BCELoss, BCEWithLogitsLoss, CosineEmbeddingLoss, CrossEntropyLoss, CTCLoss,
                               GaussianNLLLoss, HingeEmbeddingLoss, HuberLoss, KLDivLoss, L1Loss,
                               MarginRankingLoss, MSELoss, MultiLabelSoftMarginLoss, MultiMarginLoss,
                               NLLLoss, PoissonNLLLoss, SmoothL1Loss, SoftMarginLoss, TripletMarginLoss,
                               MultiLabelMarginLoss, TripletMarginWithDistanceLoss)
from glassgrad.nn.distance import CosineSimilarity, PairwiseDistance
from glassgrad.nn.fold import Fold, Unfold

from glassgrad.nn.conv import Conv1d, Conv2d, Conv3d, ConvTranspose1d, ConvTranspose2d
from glassgrad.nn.pooling import (AdaptiveAvgPool1d, AdaptiveAvgPool2d, AdaptiveAvgPool3d, AdaptiveMaxPool1d,
                                  AdaptiveMaxPool2d, AvgPool1d, AvgPool2d, AvgPool3d, LPPool1d, LPPool2d,
                                  MaxPool1d, MaxPool2d, MaxPool3d, MaxUnpool1d, MaxUnpool2d)
from glassgrad.nn.attention import MultiheadAttention
from glassgrad.nn.upsampling import Upsample, UpsamplingBilinear2d, UpsamplingNearest2d
from glassgrad.nn.transformer import (Transformer, TransformerDecoder, TransformerDecoderLayer,
                                      TransformerEncoder, TransformerEncoderLayer)
from glassgrad.nn.rnn import GRU, LSTM, RNN, GRUCell, LSTMCell, RNNBase, RNNCell, RNNCellBase
from glassgrad.nn.adaptive import AdaptiveLogSoftmaxWithLoss
from glassgrad.nn.lazy import (LazyBatchNorm1d, LazyBatchNorm2d, LazyBatchNorm3d, LazyConv1d, LazyConv2d, LazyConv3d,
                             LazyConvTranspose1d, LazyConvTranspose2d, LazyInstanceNorm1d, LazyInstanceNorm2d,
                             LazyInstanceNorm3d, LazyLinear, LazyModuleMixin)
from glassgrad.nn import parallel  # noqa: F401  (torch.nn.parallel)
from glassgrad.nn.parallel import DataParallel
from glassgrad.nn.activation import (CELU, GLU, Hardshrink, Hardsigmoid, Hardswish, LogSigmoid, PReLU, RReLU,
                                     SELU, Softmax2d, Softshrink, Softsign, Tanhshrink, Threshold)
from glassgrad.nn.dropout import AlphaDropout, Dropout3d, FeatureAlphaDropout
from glassgrad.nn.container import ParameterDict
from glassgrad.nn.padding import (CircularPad1d, CircularPad2d, CircularPad3d, ConstantPad1d, ConstantPad2d,
                                  ConstantPad3d, ReflectionPad1d, ReflectionPad2d, ReflectionPad3d,
                                  ReplicationPad1d, ReplicationPad2d, ReplicationPad3d, ZeroPad1d, ZeroPad2d,
                                  ZeroPad3d)
from glassgrad.nn.pixelshuffle import ChannelShuffle, PixelShuffle, PixelUnshuffle
from glassgrad.nn import modules  # noqa: F401,E402  (torch.nn.modules.linear.Linear ...: PyTorch's paths)

__all__ = [
    "Parameter", "Module", "Sequential", "ModuleList", "ModuleDict", "ParameterList", "Identity",
    "Linear", "Bilinear", "ReLU", "LeakyReLU", "ELU", "GELU", "SiLU", "Mish", "Tanh", "Sigmoid",
    "Softmax", "LogSoftmax", "Softmin", "Softplus", "Hardtanh", "ReLU6", "Dropout", "Dropout1d",
    "Dropout2d", "BatchNorm1d", "BatchNorm2d", "LayerNorm", "Embedding", "Flatten", "Unflatten",
    "MSELoss", "L1Loss", "SmoothL1Loss", "HuberLoss", "CrossEntropyLoss", "NLLLoss", "BCELoss",
    "BCEWithLogitsLoss", "Conv2d", "MaxPool2d", "AvgPool2d", "AdaptiveAvgPool2d", "functional", "init",
    "utils",
    "Conv1d", "ConvTranspose2d", "CosineEmbeddingLoss",
    "MultiheadAttention", "Transformer", "TransformerEncoder", "TransformerDecoder",
    "TransformerEncoderLayer", "TransformerDecoderLayer",
    "RNNBase", "RNN", "LSTM", "GRU", "RNNCellBase", "RNNCell", "LSTMCell", "GRUCell",
    "AdaptiveLogSoftmaxWithLoss", "LazyConv3d", "LazyConvTranspose1d", "LazyConvTranspose2d",
    "LazyBatchNorm3d", "LazyInstanceNorm1d", "LazyInstanceNorm2d", "LazyInstanceNorm3d", "LazyModuleMixin", "LazyLinear", "LazyConv1d", "LazyConv2d", "LazyBatchNorm1d", "LazyBatchNorm2d",
    "parallel", "DataParallel", "modules", "MaxPool1d", "AvgPool1d", "AdaptiveAvgPool1d",
    "KLDivLoss", "PoissonNLLLoss", "GaussianNLLLoss", "MarginRankingLoss", "HingeEmbeddingLoss",
    "SoftMarginLoss", "MultiLabelSoftMarginLoss", "MultiMarginLoss", "TripletMarginLoss", "MultiLabelMarginLoss",
    "TripletMarginWithDistanceLoss",
    "CosineSimilarity", "PairwiseDistance", "ConvTranspose1d", "Fold", "Unfold", "AdaptiveMaxPool1d",
    "AdaptiveMaxPool2d", "MaxUnpool1d", "MaxUnpool2d", "LPPool1d", "LPPool2d", "Conv3d", "EmbeddingBag", "CTCLoss", "MaxPool3d",
    "AvgPool3d", "AdaptiveAvgPool3d",
    "Upsample", "UpsamplingNearest2d", "UpsamplingBilinear2d", "BatchNorm3d", "GroupNorm", "SyncBatchNorm", "InstanceNorm1d",
    "InstanceNorm2d", "InstanceNorm3d", "LocalResponseNorm", "RMSNorm",
    "PReLU", "SELU", "CELU", "GLU", "Hardswish", "Hardsigmoid", "LogSigmoid", "Softsign", "Tanhshrink",
    "Softshrink", "Hardshrink", "Threshold", "Softmax2d", "RReLU", "Dropout3d", "AlphaDropout",
    "FeatureAlphaDropout", "ParameterDict", "ZeroPad1d", "ZeroPad2d", "ZeroPad3d", "ConstantPad1d",
    "ConstantPad2d", "ConstantPad3d", "ReflectionPad1d", "ReflectionPad2d", "ReflectionPad3d",
    "ReplicationPad1d", "ReplicationPad2d", "ReplicationPad3d", "CircularPad1d", "CircularPad2d",
    "CircularPad3d", "PixelShuffle", "PixelUnshuffle", "ChannelShuffle",
]
