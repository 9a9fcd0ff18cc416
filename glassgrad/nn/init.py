"""``glassgrad.nn.init``: filling weights with the right random numbers, as ``torch.nn.init``.

Part III, nn chapter. Why initialisation matters: a layer y = Wx with n inputs adds n products, so
the variance of y is n·Var(W)·Var(x). Choosing Var(W) ∝ 1/n keeps signals (and gradients) at the
same scale through many layers:

    xavier (Glorot):  Var(W) = gain²·2/(fan_in + fan_out)     for tanh/sigmoid networks
    kaiming (He):     Var(W) = gain²/fan                      gain² = 2 for ReLU

A uniform distribution on [−a, a] has variance a²/3, hence the √3 in the uniform bounds. Every
function writes in place under ``no_grad`` and draws from glassgrad's global generator (or
``generator``) with PyTorch's recipes, so after ``manual_seed(s)`` a model's initial weights are
PyTorch's, bit for bit.
"""

from __future__ import annotations

import math
import numbers
import warnings

import numpy as np

from glassgrad import creation, sampling
from glassgrad.autograd.grad_mode import no_grad
from glassgrad.tensor import Tensor

__all__ = ["calculate_gain", "uniform_", "normal_", "trunc_normal_", "constant_", "ones_", "zeros_",
           "eye_", "xavier_uniform_", "xavier_normal_", "kaiming_uniform_", "kaiming_normal_",
           "orthogonal_", "dirac_", "sparse_"]


def _write(tensor: Tensor, values) -> Tensor:
    """Put ``values`` into the tensor's own memory (no graph: an init is not part of the model's math)."""
    if not isinstance(tensor, Tensor):
        raise TypeError(f"expected a Tensor, got {type(tensor).__name__}")
    np.copyto(tensor._array, np.asarray(values), casting="unsafe")
    tensor._vc[0] += 1
    return tensor


def calculate_gain(nonlinearity: str, param=None) -> float:
    """The factor that keeps activations' variance steady after this nonlinearity:
    linear/conv/sigmoid 1, tanh 5/3, relu √2, leaky_relu √(2/(1 + slope²)), selu 3/4."""
    linear_fns = ["linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
                  "conv_transpose3d"]
    if nonlinearity in linear_fns or nonlinearity == "sigmoid":
        return 1
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        if param is None:
            negative_slope = 0.01
        elif not isinstance(param, bool) and isinstance(param, numbers.Number):
            negative_slope = param
        else:
            raise ValueError(f"negative_slope {param} not a valid number")
        return math.sqrt(2.0 / (1 + negative_slope ** 2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(f"Unsupported nonlinearity {nonlinearity}")


def _calculate_fan_in_and_fan_out(tensor: Tensor) -> tuple[int, int]:
    """fan_in = inputs feeding one output (size(1) × kernel size), fan_out = size(0) × kernel size."""
    dimensions = tensor.dim()
    if dimensions < 2:
        raise ValueError("Fan in and fan out can not be computed for tensor with fewer than 2 dimensions")
    receptive = 1
    for s in tensor.shape[2:]:
        receptive *= s
    return tensor.shape[1] * receptive, tensor.shape[0] * receptive


def _calculate_correct_fan(tensor: Tensor, mode: str) -> int:
    mode = mode.lower()
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"Mode {mode} not supported, please use one of {['fan_in', 'fan_out']}")
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    return fan_in if mode == "fan_in" else fan_out


def _empty(tensor: Tensor) -> bool:
    if 0 in tensor.shape:
        warnings.warn("Initializing zero-element tensors is a no-op", stacklevel=3)
        return True
    return False


def _check(tensor) -> Tensor:
    if not isinstance(tensor, Tensor):
        raise TypeError(f"expected a Tensor, got {type(tensor).__name__}")
    return tensor


def uniform_(tensor: Tensor, a: float = 0.0, b: float = 1.0, generator=None) -> Tensor:
    """Fill with U(a, b): ``tensor.uniform_(a, b)`` without recording it, PyTorch's numbers."""
    with no_grad():
        return _check(tensor).uniform_(a, b, generator=generator)


def normal_(tensor: Tensor, mean: float = 0.0, std: float = 1.0, generator=None) -> Tensor:
    """Fill with N(mean, std²): ``tensor.normal_(mean, std)`` without recording it."""
    with no_grad():
        return _check(tensor).normal_(mean, std, generator=generator)


def trunc_normal_(tensor: Tensor, mean: float = 0.0, std: float = 1.0, a: float = -2.0, b: float = 2.0,
                  generator=None) -> Tensor:
    """Fill with N(mean, std²) restricted to [a, b], by rejection, PyTorch's way (so the same draws):

    - when [a, b] holds more than 30% of the mass (Φ the normal CDF: Φ((b-mean)/std) - Φ((a-mean)/std)
      > 0.3), draw normals and redraw, for the whole tensor, until every value lies in [a, b], keeping
      each value from the first draw that landed inside;
    - else draw x uniform on [a, b] and accept it with probability exp(-½((x-mean)/std)²) / peak, the
      density relative to its highest point on [a, b] (compared as logs: log u > log-density rejects),
      redrawing candidates and u for the whole tensor until every value is accepted.

    The arithmetic runs in the tensor's dtype, one rounding per step, as PyTorch's in-place ops do."""
    def norm_cdf(x):
        return (1.0 + math.erf(x / math.sqrt(2.0))) / 2.0

    _check(tensor)
    if (mean < a - 2 * std) or (mean > b + 2 * std):
        warnings.warn("mean is more than 2 std from [a, b] in nn.init.trunc_normal_. The distribution of "
                      "values may be incorrect.", stacklevel=2)
    gen = sampling.generator_or_default(generator)
    array = tensor._array
    kind = array.dtype.type
    if norm_cdf((b - mean) / std) - norm_cdf((a - mean) / std) > 0.3:
        low, high = kind(a), kind(b)   # the bounds as the tensor's dtype holds them
        result = sampling.normal(gen, array, mean, std)
        while True:
            outside = (result < low) | (result > high)
            if not outside.any():
                break
            result = np.where(outside, sampling.normal(gen, np.empty_like(array), mean, std), result)
        return _write(tensor, result)

    mode = max(a, min(mean, b))
    log_peak = -0.5 * ((mode - mean) / std) ** 2

    def log_density(x):  # log of the density relative to its peak on [a, b]
        z = (x - kind(mean)) / kind(std)
        return (z * z) * kind(-0.5) - kind(log_peak)

    def log_uniform():
        with np.errstate(divide="ignore"):
            return np.log(sampling.uniform(gen, np.empty_like(array), 0.0, 1.0))

    result = sampling.uniform(gen, array, a, b)
    pending = log_uniform() > log_density(result)
    while pending.any():
        candidates = sampling.uniform(gen, np.empty_like(array), a, b)
        result = np.where(pending, candidates, result)
        pending = np.where(pending, log_uniform() > log_density(candidates), pending)
    return _write(tensor, result)


def constant_(tensor: Tensor, val: float) -> Tensor:
    return _write(tensor, val)


def ones_(tensor: Tensor) -> Tensor:
    return _write(tensor, 1)


def zeros_(tensor: Tensor) -> Tensor:
    return _write(tensor, 0)


def eye_(tensor: Tensor) -> Tensor:
    """The identity matrix (2-D tensors only)."""
    if tensor.dim() != 2:
        raise ValueError("Only tensors with 2 dimensions are supported")
    return _write(tensor, np.eye(*tensor.shape))


def dirac_(tensor: Tensor, groups: int = 1) -> Tensor:
    """The identity convolution: a 1 at the kernel's centre linking output channel d to input channel d
    (within each of ``groups`` groups), 0 elsewhere; a conv so initialised passes its input through."""
    dimensions = tensor.dim()
    if dimensions not in (3, 4, 5):
        raise ValueError("Only tensors with 3, 4, or 5 dimensions are supported")
    sizes = tensor.shape
    if sizes[0] % groups != 0:
        raise ValueError("dim 0 must be divisible by groups")
    out_per_group = sizes[0] // groups
    centre = tuple(s // 2 for s in sizes[2:])
    values = np.zeros(sizes, tensor._array.dtype)
    for g in range(groups):
        for d in range(min(out_per_group, sizes[1])):
            values[(g * out_per_group + d, d) + centre] = 1
    return _write(tensor, values)


def sparse_(tensor: Tensor, sparsity: float, std: float = 0.01, generator=None) -> Tensor:
    """N(0, std²) everywhere, then ⌈sparsity·rows⌉ entries of each column set to 0 (Martens, 2010).

    The zeroed rows of each column are the start of a fresh ``randperm(rows)``; PyTorch draws those
    permutations from the global generator even when ``generator`` is given, and so do we, to stay in
    step with it."""
    if tensor.dim() != 2:
        raise ValueError("Only tensors with 2 dimensions are supported")
    rows, cols = tensor.shape
    num_zeros = math.ceil(sparsity * rows)
    normal_(tensor, 0.0, std, generator)
    values = tensor._array.copy()
    for col in range(cols):
        values[creation.randperm(rows)._array[:num_zeros], col] = 0
    return _write(tensor, values)


def xavier_uniform_(tensor: Tensor, gain: float = 1.0, generator=None) -> Tensor:
    """U(−a, a) with a = gain·√(6/(fan_in + fan_out))  (Glorot & Bengio, 2010)."""
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    std = gain * math.sqrt(2.0 / float(fan_in + fan_out))
    a = math.sqrt(3.0) * std
    return uniform_(tensor, -a, a, generator)


def xavier_normal_(tensor: Tensor, gain: float = 1.0, generator=None) -> Tensor:
    """N(0, std²) with std = gain·√(2/(fan_in + fan_out))."""
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    std = gain * math.sqrt(2.0 / float(fan_in + fan_out))
    return normal_(tensor, 0.0, std, generator)


def kaiming_uniform_(tensor: Tensor, a: float = 0, mode: str = "fan_in",
                     nonlinearity: str = "leaky_relu", generator=None) -> Tensor:
    """U(−bound, bound) with bound = gain·√(3/fan)  (He et al., 2015). ``nn.Linear`` uses a = √5,
    which makes bound = 1/√fan_in."""
    if _empty(tensor):
        return tensor
    fan = _calculate_correct_fan(tensor, mode)
    std = calculate_gain(nonlinearity, a) / math.sqrt(fan)
    bound = math.sqrt(3.0) * std
    return uniform_(tensor, -bound, bound, generator)


def kaiming_normal_(tensor: Tensor, a: float = 0, mode: str = "fan_in",
                    nonlinearity: str = "leaky_relu", generator=None) -> Tensor:
    """N(0, std²) with std = gain/√fan."""
    if _empty(tensor):
        return tensor
    fan = _calculate_correct_fan(tensor, mode)
    std = calculate_gain(nonlinearity, a) / math.sqrt(fan)
    return normal_(tensor, 0.0, std, generator)


def orthogonal_(tensor: Tensor, gain: float = 1.0, generator=None) -> Tensor:
    """A (semi-)orthogonal matrix from the QR decomposition of a Gaussian one, times ``gain``."""
    if tensor.dim() < 2:
        raise ValueError("Only tensors with 2 or more dimensions are supported")
    rows = tensor.shape[0]
    cols = tensor.numel() // rows
    flat = normal_(creation.empty(rows, cols, dtype=tensor.dtype), 0.0, 1.0, generator)._array
    flat = flat.astype(np.float64)
    if rows < cols:
        flat = flat.T
    q, r = np.linalg.qr(flat)
    q *= np.sign(np.diag(r))  # makes the distribution uniform over orthogonal matrices
    if rows < cols:
        q = q.T
    return _write(tensor, gain * q.reshape(tensor.shape))


# --- PyTorch's old names, without the trailing underscore (``nn.init.xavier_uniform(w)``, before 0.4) -------
def _deprecated(function):
    """The old name of an in-place init function: the same function, with PyTorch's FutureWarning."""
    new_name = function.__name__
    old_name = new_name[:-1]

    def deprecated_init(*args, **kwargs):
        warnings.warn(f"`nn.init.{old_name}` is now deprecated in favor of `nn.init.{new_name}`.", FutureWarning,
                      stacklevel=2)
        return function(*args, **kwargs)

    deprecated_init.__name__ = old_name
    deprecated_init.__doc__ = f"``{old_name}(...)``: deprecated, use ``{new_name}``."
    return deprecated_init


uniform, normal, constant = _deprecated(uniform_), _deprecated(normal_), _deprecated(constant_)
eye, dirac, sparse, orthogonal = _deprecated(eye_), _deprecated(dirac_), _deprecated(sparse_), _deprecated(orthogonal_)
xavier_uniform, xavier_normal = _deprecated(xavier_uniform_), _deprecated(xavier_normal_)
kaiming_uniform, kaiming_normal = _deprecated(kaiming_uniform_), _deprecated(kaiming_normal_)
