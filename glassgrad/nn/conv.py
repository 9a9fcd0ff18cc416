"""``Conv1d``, ``Conv2d`` and ``ConvTranspose2d``: convolution layers, as ``torch.nn``'s.

Part III, nn chapter. A layer is a thin Module: it owns the weight (out_channels, in_channels,
*kernel_size) and the bias (out_channels,), initialised as PyTorch does, and calls ``F.conv2d``. The
math (im2col + one matmul, and its backward) is in glassgrad/ops/conv.py; Part II's ``Convolutional``
layer is the same idea written by hand. ``ConvTranspose2d`` runs conv2d backwards (it grows an image:
a DCGAN's generator); its weight is (in_channels, out_channels, *kernel_size).
"""

from __future__ import annotations

import math
import numbers

from glassgrad import creation
from glassgrad.nn import functional as F  # F.pad: the padding modes other than zeros
from glassgrad.nn import init
from glassgrad.nn.functional_volume import conv3d
from glassgrad.nn.module import Module
from glassgrad.nn.parameter import Parameter
from glassgrad.ops.conv import conv1d, conv2d, conv_transpose1d, conv_transpose2d

__all__ = ["Conv1d", "Conv2d", "Conv3d", "ConvTranspose1d", "ConvTranspose2d"]

_PADDING_MODES = ("zeros", "reflect", "replicate", "circular")


def _ntuple(value, n: int) -> tuple:
    if isinstance(value, numbers.Integral):
        return (int(value),) * n
    return tuple(value)


def _weight_and_bias(module) -> tuple:
    """The layer's weight and bias: straight from ``_parameters`` (fast), or as attributes when a
    parametrization or pruning has moved them out of it."""
    p = module._parameters
    weight = p["weight"] if "weight" in p else module.weight
    bias = p["bias"] if "bias" in p else module.bias
    return weight, bias


class _ConvNd(Module):
    """What the convolutions share: argument checks, parameters, initialisation, repr."""

    _dims = 2
    _transposed = False
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
        self.transposed, self.output_padding = self._transposed, (0,) * n
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
        if self._transposed:  # the transposed convolution maps out -> in: its weight is read that way
            self.weight = Parameter(creation.empty(in_channels, out_channels // groups, *kernel_size,
                                                   dtype=dtype))
        else:
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
        weight, bias = _weight_and_bias(self)
        if self.padding_mode != "zeros":
            input = F.pad(input, self._reversed_padding_repeated_twice, mode=self.padding_mode)
            return self._functional()(input, weight, bias, self.stride, 0, self.dilation, self.groups)
        return self._functional()(input, weight, bias, self.stride, self.padding, self.dilation, self.groups)

    def _functional(self):
        """``F.conv2d`` (or 1d/3d) as the program sees it now: called through nn.functional, as PyTorch's
        layers call it, so a ``__torch_function__`` type (vmap's batched tensors, fx's proxies) takes over."""
        return getattr(F, self._conv.__name__)

    def extra_repr(self) -> str:
        n = self._dims
        s = (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
             f"stride={self.stride}")
        if self.padding != (0,) * n:
            s += f", padding={self.padding}"
        if self.dilation != (1,) * n:
            s += f", dilation={self.dilation}"
        if self.output_padding != (0,) * n:
            s += f", output_padding={self.output_padding}"
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


class Conv3d(_ConvNd):
    """3-d convolution over (N, C_in, D, H, W) or (C_in, D, H, W), W of shape (C_out, C_in/groups, kD, kH, kW)
    (the math: nn/functional_volume.py)."""

    _dims = 3
    _conv = staticmethod(conv3d)


class ConvTranspose2d(_ConvNd):
    """2-d transposed convolution over (N, C_in, H, W) or (C_in, H, W): each input pixel stamps the
    kernel onto the output, stride apart. Output size per axis
    (H − 1)·s − 2p + d·(k − 1) + output_padding + 1 (or as ``output_size`` asks in ``forward``)."""

    _dims = 2
    _transposed = True

    def __init__(self, in_channels: int, out_channels: int, kernel_size, stride=1, padding=0,
                 output_padding=0, groups: int = 1, bias: bool = True, dilation=1,
                 padding_mode: str = "zeros", device=None, dtype=None) -> None:
        if padding_mode != "zeros":
            raise ValueError(f'Only "zeros" padding mode is supported for {type(self).__name__}')
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias,
                         padding_mode, device, dtype)
        self.output_padding = _ntuple(output_padding, self._dims)

    def _output_padding(self, input, output_size) -> tuple:  # noqa: A002
        """The output_padding that gives ``output_size`` (PyTorch's rule: each size must lie between
        the smallest output, output_padding 0, and that plus stride − 1)."""
        if output_size is None:
            return self.output_padding
        n = self._dims
        output_size = list(output_size)
        non_spatial = 2 if input.dim() == n + 2 else 1
        if len(output_size) == non_spatial + n:
            output_size = output_size[non_spatial:]
        if len(output_size) != n:
            raise ValueError(f"ConvTranspose{n}D: for {input.dim()}D input, output_size must have {n} or "
                             f"{non_spatial + n} elements (got {len(output_size)})")
        spatial = tuple(input.shape[non_spatial:])
        min_sizes = [(spatial[d] - 1) * self.stride[d] - 2 * self.padding[d]
                     + self.dilation[d] * (self.kernel_size[d] - 1) + 1 for d in range(n)]
        max_sizes = [min_sizes[d] + self.stride[d] - 1 for d in range(n)]
        for size, lo, hi in zip(output_size, min_sizes, max_sizes):
            if size < lo or size > hi:
                raise ValueError(f"requested an output size of {output_size}, but valid sizes range from "
                                 f"{min_sizes} to {max_sizes} (for an input of {input.shape[2:]})")
        return tuple(output_size[d] - min_sizes[d] for d in range(n))

    def forward(self, input, output_size=None):  # noqa: A002
        weight, bias = _weight_and_bias(self)
        output_padding = self._output_padding(input, output_size)
        return conv_transpose2d(input, weight, bias, self.stride, self.padding, output_padding,
                                self.groups, self.dilation)


class ConvTranspose1d(ConvTranspose2d):
    """1-d transposed convolution over (N, C_in, L) or (C_in, L), W of shape (C_in, C_out, k): the 2-d
    one over a height of 1. Output length (L − 1)·s − 2p + d·(k − 1) + output_padding + 1."""

    _dims = 1

    def forward(self, input, output_size=None):  # noqa: A002
        weight, bias = _weight_and_bias(self)
        output_padding = self._output_padding(input, output_size)
        return conv_transpose1d(input, weight, bias, self.stride, self.padding, output_padding,
                                self.groups, self.dilation)
