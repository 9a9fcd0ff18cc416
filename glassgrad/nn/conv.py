"""``Conv1d`` and ``Conv2d``: convolution layers, as ``torch.nn.Conv1d`` / ``torch.nn.Conv2d``.

Part III, nn chapter. A layer is a thin Module: it owns the weight (out_channels, in_channels,
*kernel_size) and the bias (out_channels,), initialised as PyTorch does, and calls ``F.conv2d``. The
math (im2col + one matmul, and its backward) is in glassgrad/ops/conv.py; Part II's ``Convolutional``
layer is the same idea written by hand.
"""

from __future__ import annotations

import math
import numbers

from glassgrad import creation
from glassgrad.nn import functional as F  # F.pad: the padding modes other than zeros
from glassgrad.nn import init
from glassgrad.nn.module import Module
from glassgrad.nn.parameter import Parameter
from glassgrad.ops.conv import conv1d, conv2d

__all__ = ["Conv1d", "Conv2d"]

_PADDING_MODES = ("zeros", "reflect", "replicate", "circular")


def _ntuple(value, n: int) -> tuple:
    if isinstance(value, numbers.Integral):
        return (int(value),) * n
    return tuple(value)


class _ConvNd(Module):
    """What Conv1d and Conv2d share: argument checks, parameters, initialisation, repr."""

    _dims = 2
    _conv = staticmethod(conv2d)

    def __init__(self, in_channels: int, out_channels: int, kernel_size, stride=1, padding=0,
                 dilation=1, groups: int = 1, bias: bool = True, padding_mode: str = "zeros",
                 device=None, dtype=None) -> None:
        super().__init__()
        n = self._dims
        if groups <= 0:
            raise ValueError("groups must be a positive integer")
        if in_channels % groups != 0:
            raise ValueError("in_channels must be divisible by groups")
        if out_channels % groups != 0:
            raise ValueError("out_channels must be divisible by groups")
        kernel_size, stride, dilation = _ntuple(kernel_size, n), _ntuple(stride, n), _ntuple(dilation, n)
        if isinstance(padding, str):
            if padding not in ("valid", "same"):
                raise ValueError(f"Invalid padding string {padding!r}, should be one of {{'same', 'valid'}}")
            if padding == "same" and any(s != 1 for s in stride):
                raise ValueError("padding='same' is not supported for strided convolutions")
        else:
            padding = _ntuple(padding, n)
        if padding_mode not in _PADDING_MODES:
            raise ValueError("padding_mode must be one of {'circular', 'reflect', 'zeros', 'replicate'}, "
                             f"but got padding_mode={padding_mode!r}")
        self.in_channels, self.out_channels = in_channels, out_channels
        self.kernel_size, self.stride, self.padding, self.dilation = kernel_size, stride, padding, dilation
        self.transposed, self.output_padding = False, (0,) * n
        self.groups, self.padding_mode = groups, padding_mode
        # F.pad's order: last dimension first, (before, after) for each (used by the non-zero modes).
        if isinstance(padding, str):
            pads = []
            if padding == "same":
                for d, k in zip(reversed(dilation), reversed(kernel_size)):
                    total = d * (k - 1)
                    pads += [total // 2, total - total // 2]
            else:
                pads = [0, 0] * n
            self._reversed_padding_repeated_twice = pads
        else:
            self._reversed_padding_repeated_twice = tuple(p for p in reversed(padding) for _ in range(2))
        self.weight = Parameter(creation.empty(out_channels, in_channels // groups, *kernel_size,
                                               dtype=dtype))
        if bias:
            self.bias = Parameter(creation.empty(out_channels, dtype=dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """PyTorch's default: W ~ U(−1/√fan_in, 1/√fan_in) by kaiming_uniform_(a=√5), fan_in =
        in_channels/groups · kernel area; b ~ U(−1/√fan_in, 1/√fan_in)."""
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in, _ = init._calculate_fan_in_and_fan_out(self.weight)
            if fan_in != 0:
                bound = 1 / math.sqrt(fan_in)
                init.uniform_(self.bias, -bound, bound)

    def forward(self, input):  # noqa: A002
        p = self._parameters
        if self.padding_mode != "zeros":
            input = F.pad(input, self._reversed_padding_repeated_twice, mode=self.padding_mode)
            return self._conv(input, p["weight"], p["bias"], self.stride, 0, self.dilation, self.groups)
        return self._conv(input, p["weight"], p["bias"], self.stride, self.padding, self.dilation,
                          self.groups)

    def extra_repr(self) -> str:
        n = self._dims
        s = (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
             f"stride={self.stride}")
        if self.padding != (0,) * n:
            s += f", padding={self.padding}"
        if self.dilation != (1,) * n:
            s += f", dilation={self.dilation}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        if self.bias is None:
            s += ", bias=False"
        if self.padding_mode != "zeros":
            s += f", padding_mode={self.padding_mode}"
        return s


class Conv2d(_ConvNd):
    """2-d convolution over (N, C_in, H, W) or (C_in, H, W): out = W ⋆ x + b, W of shape
    (C_out, C_in, kH, kW). Output size per axis ⌊(H + 2p − d·(k − 1) − 1)/s⌋ + 1."""

    _dims = 2
    _conv = staticmethod(conv2d)


class Conv1d(_ConvNd):
    """1-d convolution over (N, C_in, L) or (C_in, L), W of shape (C_out, C_in, k)."""

    _dims = 1
    _conv = staticmethod(conv1d)
