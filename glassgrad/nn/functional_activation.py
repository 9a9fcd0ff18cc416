"""More activations for ``nn.functional``: prelu, selu, celu, glu, hardswish, hardsigmoid, logsigmoid,
softsign, tanhshrink, softshrink, hardshrink, threshold, rrelu and gumbel_softmax.

Part III, nn chapter, after ``functional.py`` (which re-exports all of these, so ``F.selu`` works as in
PyTorch). Each is a ``Primitive`` with its derivative beside the forward formula and PyTorch's grad_fn
name, except softsign, tanhshrink and gumbel_softmax, which PyTorch itself builds from other ops (their
grad_fn is that of the last op, ``DivBackward0``, ``SubBackward0``, ``SoftmaxBackward0``).
"""

from __future__ import annotations

import warnings

import numpy as np

from glassgrad import creation, sampling
from glassgrad.autograd.function import NO_CONTEXT, Primitive
from glassgrad.dtypes import TORCH_NAMES, is_float
from glassgrad.ops import unary as _unary
from glassgrad.ops._util import to_float
from glassgrad.ops.joining import cat as _cat
from glassgrad.ops.softmax import softmax as _softmax
from glassgrad.tensor import Tensor

__all__ = ["prelu", "selu", "selu_", "celu", "celu_", "glu", "hardswish", "hardsigmoid", "logsigmoid",
           "softsign", "tanhshrink", "softshrink", "hardshrink", "threshold", "threshold_", "rrelu",
           "rrelu_", "gumbel_softmax"]


def _check_tensor(fn: str, x, name: str = "input", position: int = 1) -> None:
    if not isinstance(x, Tensor):
        raise TypeError(f"{fn}(): argument '{name}' (position {position}) must be Tensor, "
                        f"not {type(x).__name__}")


def _maybe_inplace(x: Tensor, result: Tensor, inplace: bool) -> Tensor:
    return x._apply_inplace(result) if inplace else result


def keep_input(ctx, x: np.ndarray, inplace: bool) -> tuple:
    """What an activation whose slope is made from its output saves of its input, for create_graph=True:
    x itself (its version is checked, as any saved input's), or, when the call writes its output over x
    (inplace=True), a copy kept aside as ``ctx.input_copy`` (PyTorch keeps ``original_self`` so)."""
    if not ctx.needs_input_grad:
        return (None,)
    if inplace:
        ctx.input_copy = x.copy()
        return (None,)
    return (x,)


def input_on_graph(ctx) -> Tensor:
    """The input x of the node ``ctx`` as a Tensor on the graph (create_graph=True): the saved input
    itself (the last saved value, see keep_input), or its copy, standing in at the input's node."""
    x = ctx.saved_tensors[-1]
    if x is not None:
        return x
    return Tensor._wrap(ctx.input_copy, True, ctx.next_functions[0][0])


def _constant(mask: np.ndarray, like) -> Tensor:
    """A 0/1 mask as a constant Tensor of ``like``'s dtype (a slope that is piecewise constant)."""
    return Tensor._wrap(mask.astype(like._array.dtype if isinstance(like, Tensor) else like.dtype))


def _check_floating(kernel: str, x: Tensor) -> None:
    """PyTorch's kernels for these activations exist for floating dtypes only."""
    if not is_float(x._array.dtype):
        raise NotImplementedError(f"\"{kernel}\" not implemented for '{TORCH_NAMES.get(x._array.dtype.name)}'")


# --- prelu: a leaky relu whose slope is learned, one per channel (dim 1) or one for all -------------------
class Prelu(Primitive):
    """y = x if x > 0 else w·x (w broadcast along the channel dim 1);
    grad_x = g·(1 if x > 0 else w);  grad_w = Σ over all but the channel dim of g·x where x ≤ 0"""

    node_name = "PreluKernelBackward0"

    @staticmethod
    def forward(ctx, x, w):
        shape = [1] * x.ndim
        if w.size > 1:
            shape[1] = w.size
        wb = w.reshape(shape) if x.ndim else w.reshape(())
        ctx.save_for_backward(x, w)
        ctx.wb = wb
        return np.where(x > 0, x, wb * x).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        x, w = ctx.saved_tensors
        if isinstance(g, Tensor):  # create_graph: the mask x > 0 is a constant, the rest recorded ops
            positive = _constant(x._array > 0, g)
            wb = w.reshape(ctx.wb.shape)
            grad_x = g * (positive + (1 - positive) * wb)
            contrib = (1 - positive) * g * x
            axes = tuple(a for a in range(x.dim()) if a != 1) if w.numel() > 1 else tuple(range(x.dim()))
            return grad_x, (contrib.sum(dim=axes) if axes else contrib).reshape(w.shape)
        positive = x > 0
        grad_x = np.where(positive, g, ctx.wb * g).astype(g.dtype, copy=False)
        contrib = np.where(positive, 0, g * x)
        if w.size > 1:
            axes = tuple(a for a in range(x.ndim) if a != 1)
            grad_w = contrib.sum(axis=axes).reshape(w.shape)
        else:
            grad_w = np.asarray(contrib.sum()).reshape(w.shape)
        return grad_x, grad_w.astype(w.dtype, copy=False)


def prelu(input, weight):  # noqa: A002
    """max(0, x) + weight·min(0, x), ``weight`` one number or one per channel (dim 1)."""
    _check_tensor("prelu", input)
    _check_tensor("prelu", weight, "weight", 2)
    if weight.dim() > 1:
        raise RuntimeError(f"prelu: Expected `weight` to be a scalar or 1D tensor, but got: ndim = {weight.dim()}")
    n = weight.numel()
    if input.dim() == 0:
        if n != 1:
            raise RuntimeError("Not allow zero-dim input tensor.")
    elif n != 1:
        channels = input.shape[1] if input.dim() >= 2 else 1
        if n != channels:
            raise RuntimeError(f"Mismatch of parameter numbers and input channel size. Found parameter "
                               f"numbers = {n} and channel size = {channels}.")
    if input._array.dtype != weight._array.dtype:
        raise RuntimeError(f"prelu: Type promoting not supported. Got {TORCH_NAMES.get(input._array.dtype.name)} "
                           f"and {TORCH_NAMES.get(weight._array.dtype.name)}")
    _check_floating("prelu_cpu", input)
    return Prelu.apply(input, weight)


# --- selu and celu: elu with a scale on either side --------------------------------------------------------
_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


class Selu(Primitive):
    """y = λx if x > 0 else λα(eˣ − 1) (λ ≈ 1.0507, α ≈ 1.6733: activations keep mean 0, variance 1);
    dy/dx = λ if x > 0 else λα·eˣ = y + λα  (reads only y: inplace-safe)"""

    node_name = "EluBackward0"  # PyTorch computes selu as elu(x, α, scale=λ)

    @staticmethod
    def forward(ctx, x):
        x = to_float(x)
        y = np.where(x > 0, x * _SELU_SCALE, np.expm1(np.minimum(x, 0)) * (_SELU_ALPHA * _SELU_SCALE))
        y = y.astype(x.dtype, copy=False)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        y, = ctx.saved_tensors
        return g * np.where(y > 0, _SELU_SCALE, y + _SELU_ALPHA * _SELU_SCALE)


class SeluInplace(Selu):
    node_name = "EluBackward1"  # PyTorch's node for the in-place overload (elu_)


def selu(input, inplace: bool = False):  # noqa: A002
    """scale·(max(0, x) + min(0, α(eˣ − 1))), the self-normalising activation."""
    _check_tensor("selu", input)
    _check_floating("elu_cpu", input)
    return _maybe_inplace(input, (SeluInplace if inplace else Selu).apply(input), inplace)


def selu_(input):  # noqa: A002
    return selu(input, inplace=True)


class Celu(Primitive):
    """y = x if x > 0 else α(e^(x/α) − 1);  dy/dx = 1 if x > 0 else e^(x/α)

    The slope is made in forward (so ``inplace=True`` is safe) as PyTorch's backward makes it, with
    1/α taken from α rounded to float32: (1/α₃₂)·α·e^(x/α₃₂)."""

    @staticmethod
    def forward(ctx, x, alpha, from_result):
        x = to_float(x)
        y = np.where(x > 0, x, np.expm1(np.minimum(x, 0) * (1.0 / alpha)) * alpha).astype(x.dtype, copy=False)
        if ctx.needs_input_grad:
            inv = 1.0 / float(np.float32(alpha))
            # celu_ (CeluInplace) writes over x, so PyTorch's formula reads y there: (1/α₃₂)·(y + α)
            slope = inv * (y + alpha) if from_result else inv * alpha * np.exp(np.minimum(x, 0) * inv)
            ctx.slope = np.where(x > 0, 1.0, slope).astype(x.dtype)
            ctx.alpha, ctx.positive = alpha, x > 0
            # create_graph: the slope again, from x (celu) or from the output y (celu_), on the graph
            ctx.save_for_backward(y if from_result else x)
        return y

    @staticmethod
    def backward(ctx, g):
        if isinstance(g, Tensor):
            xy, = ctx.saved_tensors
            inv = 1.0 / float(np.float32(ctx.alpha))
            positive = _constant(ctx.positive, g)
            if ctx.function is CeluInplace:
                slope = (xy + ctx.alpha) * inv
            else:
                slope = (xy.clamp(max=0) * inv).exp() * (inv * ctx.alpha)
            return g * (positive + (1 - positive) * slope), None, None
        return g * ctx.slope, None, None


class CeluInplace(Celu):
    node_name = "CeluBackward1"  # PyTorch's node for celu_


def celu(input, alpha: float = 1.0, inplace: bool = False):  # noqa: A002
    """max(0, x) + min(0, α(e^(x/α) − 1)): elu, continuously differentiable for every α."""
    _check_tensor("celu", input)
    _check_floating("elu_cpu", input)
    if alpha == 0:
        raise RuntimeError("ZeroDivisionError: alpha cannot be 0 for CELU")
    return _maybe_inplace(input, (CeluInplace if inplace else Celu).apply(input, alpha, inplace), inplace)


def celu_(input, alpha: float = 1.0):  # noqa: A002
    return celu(input, alpha, inplace=True)


# --- glu: half of the input gates the other half -------------------------------------------------------------
class Glu(Primitive):
    """y = a·σ(b), with a, b the two halves of x along ``dim``;
    grad_a = g·σ(b),  grad_b = g·a·σ(b)(1 − σ(b))"""

    @staticmethod
    def forward(ctx, x, dim):
        a, b = np.split(x, 2, axis=dim)
        s = _unary.Sigmoid.forward(NO_CONTEXT, b)
        ctx.save_for_backward(x)
        ctx.dim, ctx.s = dim, s
        return a * s

    @staticmethod
    def backward(ctx, g):
        x, = ctx.saved_tensors
        if isinstance(g, Tensor):  # create_graph: the halves and σ(b) from x on the graph
            a, b = x.chunk(2, ctx.dim)
            s = b.sigmoid()
            return _cat([g * s, g * a * s * (1 - s)], ctx.dim), None
        a, _ = np.split(x, 2, axis=ctx.dim)
        s = ctx.s
        return np.concatenate([g * s, g * a * s * (1 - s)], axis=ctx.dim), None


def glu(input, dim: int = -1):  # noqa: A002
    """The gated linear unit: first half ⊙ σ(second half), along ``dim``."""
    _check_tensor("glu", input)
    _check_floating("glu_cpu", input)
    if input.dim() == 0:
        raise RuntimeError("glu does not support scalars because halving size must be even")
    d = dim + input.dim() if dim < 0 else dim
    if not 0 <= d < input.dim():
        raise IndexError(f"Dimension out of range (expected to be in range of [{-input.dim()}, "
                         f"{input.dim() - 1}], but got {dim})")
    if input.shape[d] % 2:
        raise RuntimeError(f"Halving dimension must be even, but dimension {d} is size {input.shape[d]}")
    return Glu.apply(input, d)


# --- the hard (piecewise linear) ones, cheap stand-ins for swish and sigmoid ---------------------------------
class Hardswish(Primitive):
    """y = x·relu6(x + 3)/6;  dy/dx = 0 if x ≤ −3, x/3 + ½ if −3 < x < 3, 1 if x ≥ 3

    The slope is made in forward, while x is intact, so ``inplace=True`` is safe (as in PyTorch)."""

    one_tensor_input = True

    @staticmethod
    def forward(ctx, x, inplace=False):
        x = to_float(x)
        if ctx.needs_input_grad:
            ctx.slope = np.where(x <= -3, 0.0, np.where(x < 3, x / 3 + 0.5, 1.0)).astype(x.dtype, copy=False)
            ctx.inside, ctx.above = (x > -3) & (x < 3), x >= 3
            ctx.save_for_backward(*keep_input(ctx, x, inplace))
        return (x * np.clip(x + 3, 0, 6) / 6).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        if isinstance(g, Tensor):  # create_graph: x/3 + ½ inside (−3, 3) from x on the graph
            inside = _constant(ctx.inside, g)
            return g * (inside * (input_on_graph(ctx) / 3 + 0.5) + _constant(ctx.above, g)), None
        return g * ctx.slope, None


def hardswish(input, inplace: bool = False):  # noqa: A002
    """x·relu6(x + 3)/6 (MobileNetV3)."""
    _check_tensor("hardswish", input)
    _check_floating("hardswish_cpu", input)
    return _maybe_inplace(input, Hardswish.apply(input, inplace), inplace)


class Hardsigmoid(Primitive):
    """y = relu6(x + 3)/6;  dy/dx = 1/6 strictly inside (−3, 3), else 0"""

    @staticmethod
    def forward(ctx, x):
        x = to_float(x)
        if ctx.needs_input_grad:  # (made now, while x is intact: inplace-safe)
            ctx.inside = (x > -3) & (x < 3)
        return (np.clip(x + 3, 0, 6) / 6).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        # PyTorch multiplies by the float32 constant 1.0f/6.0f, in float64 too
        sixth = float(np.float32(1.0) / np.float32(6.0))
        if isinstance(g, Tensor):  # create_graph: a constant slope, linear in g
            return g * _constant(ctx.inside, g) * sixth
        return g * ctx.inside.astype(g.dtype) * g.dtype.type(sixth)


def hardsigmoid(input, inplace: bool = False):  # noqa: A002
    """relu6(x + 3)/6."""
    _check_tensor("hardsigmoid", input)
    _check_floating("hardsigmoid_cpu", input)
    return _maybe_inplace(input, Hardsigmoid.apply(input), inplace)


# --- logsigmoid, softsign, tanhshrink --------------------------------------------------------------------------
class LogSigmoid(Primitive):
    """y = log σ(x) = min(x, 0) − log(1 + e^−|x|) (stable both ways);  dy/dx = 1 − σ(x) = σ(−x)"""

    @staticmethod
    def forward(ctx, x):
        x = to_float(x)
        ctx.save_for_backward(x)
        return (np.minimum(x, 0) - np.log1p(np.exp(-np.abs(x)))).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        x, = ctx.saved_tensors
        if isinstance(g, Tensor):  # create_graph: σ(−x) of x on the graph
            return g * (-x).sigmoid()
        return g * _unary.Sigmoid.forward(NO_CONTEXT, -x)


def logsigmoid(input):  # noqa: A002
    """log(1/(1 + e⁻ˣ)), computed without overflow."""
    _check_tensor("logsigmoid", input)
    _check_floating("log_sigmoid_cpu", input)
    return LogSigmoid.apply(input)


def softsign(input):  # noqa: A002
    """x/(1 + |x|), as PyTorch builds it (grad_fn DivBackward0)."""
    _check_tensor("softsign", input)
    return input / (input.abs() + 1)


def tanhshrink(input):  # noqa: A002
    """x − tanh x, as PyTorch builds it (grad_fn SubBackward0)."""
    _check_tensor("tanhshrink", input)
    return input - input.tanh()


# --- shrinking and thresholding: a 0/1 mask decides, the slope is 1 where it lets x through -------------------
class Softshrink(Primitive):
    """y = x − λ if x > λ, x + λ if x < −λ, else 0;  dy/dx = 1 where |x| > λ, else 0"""

    
    @staticmethod
    def forward(ctx, x, lambd):
        ctx.save_for_backward(x)
        ctx.lambd = lambd
        return np.where(x > lambd, x - lambd, np.where(x < -lambd, x + lambd, 0)).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        x, = ctx.saved_tensors
        if isinstance(g, Tensor):  # create_graph: the mask is a constant, linear in g
            return g * _constant((x._array > ctx.lambd) | (x._array < -ctx.lambd), g), None
        return g * ((x > ctx.lambd) | (x < -ctx.lambd)).astype(g.dtype), None


class Hardshrink(Primitive):
    """y = x where |x| > λ, else 0;  dy/dx = 1 where |x| > λ, else 0"""

    
    @staticmethod
    def forward(ctx, x, lambd):
        ctx.save_for_backward(x)
        ctx.lambd = lambd
        return np.where((x > lambd) | (x < -lambd), x, 0).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        x, = ctx.saved_tensors
        if isinstance(g, Tensor):  # create_graph: the mask is a constant, linear in g
            return g * _constant((x._array > ctx.lambd) | (x._array < -ctx.lambd), g), None
        return g * ((x > ctx.lambd) | (x < -ctx.lambd)).astype(g.dtype), None


def _check_lambd(input, lambd) -> None:  # noqa: A002
    top = np.finfo(input._array.dtype).max
    if not 0 <= lambd <= top:
        raise RuntimeError(f"lambda must be in range [0, {top:g}] for input dtype "
                           f"{TORCH_NAMES[input._array.dtype.name]}, "
                           f"but found {lambd:g}")


def softshrink(input, lambd: float = 0.5):  # noqa: A002
    """Shrink x towards 0 by λ (values within λ of 0 become 0)."""
    _check_tensor("softshrink", input)
    _check_floating("softshrink_check", input)
    _check_lambd(input, lambd)
    return Softshrink.apply(input, lambd)


def hardshrink(input, lambd: float = 0.5):  # noqa: A002
    """Zero the values within λ of 0, keep the rest."""
    _check_tensor("hardshrink", input)
    _check_floating("hardshrink_cpu", input)
    return Hardshrink.apply(input, lambd)


class Threshold(Primitive):
    """y = x if x > threshold else value;  dy/dx = 1 where x > threshold, else 0"""

    @staticmethod
    def forward(ctx, x, threshold, value):
        passed = x > threshold
        if ctx.needs_input_grad:  # (kept now, while x is intact: inplace-safe)
            ctx.passed = passed
        return np.where(passed, x, value).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        if isinstance(g, Tensor):  # create_graph: the mask is a constant, linear in g
            return g * _constant(ctx.passed, g), None, None
        return g * ctx.passed.astype(g.dtype), None, None


class ThresholdInplace(Threshold):
    node_name = "ThresholdBackward1"  # PyTorch's node for threshold_


def threshold(input, threshold, value, inplace: bool = False):  # noqa: A002
    """x where x > threshold, else ``value``."""
    _check_tensor("threshold", input)
    if input._array.dtype == np.bool_:  # (integers are fine)
        raise NotImplementedError("\"threshold_cpu\" not implemented for 'Bool'")
    return _maybe_inplace(input, (ThresholdInplace if inplace else Threshold).apply(input, threshold, value),
                          inplace)


_threshold = threshold  # (inside threshold_ the name is its argument)


def threshold_(input, threshold, value):  # noqa: A002
    return _threshold(input, threshold, value, inplace=True)


# --- rrelu: a leaky relu whose slope is drawn at random while training -----------------------------------------
class RreluWithNoise(Primitive):
    """y = x if x > 0 else r·x;  dy/dx = 1 if x > 0 else r
    training: r ~ U[lower, upper), one draw per x ≤ 0, in memory order, as PyTorch's CPU kernel
    (one double uniform from two 32-bit words each); eval: r = (lower + upper)/2 everywhere"""

    @staticmethod
    def forward(ctx, x, lower, upper, training):
        x = to_float(x)
        if training:
            flat = np.ascontiguousarray(x).reshape(-1)
            take = flat <= 0
            noise = np.ones_like(flat)
            u = sampling._unit_float64(sampling.default_generator.words64(int(take.sum())))
            lo, hi = float(x.dtype.type(lower)), float(x.dtype.type(upper))  # the bounds in x's dtype
            noise[take] = (u * (hi - lo) + lo).astype(x.dtype)  # (no fused multiply-add here)
            slope = noise.reshape(x.shape)
        else:
            mid = np.asarray((lower + upper) / 2, x.dtype)
            slope = np.where(x > 0, np.asarray(1, x.dtype), mid)
        ctx.slope = slope
        return (x * slope).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        if isinstance(g, Tensor):  # create_graph: the drawn slopes are constants, linear in g
            return g * Tensor._wrap(ctx.slope), None, None, None
        return g * ctx.slope, None, None, None


class RreluWithNoiseInplace(RreluWithNoise):
    node_name = "RreluWithNoiseBackward1"  # PyTorch's node for rrelu_


def rrelu(input, lower: float = 1.0 / 8, upper: float = 1.0 / 3, training: bool = False,  # noqa: A002
          inplace: bool = False):
    """Randomized leaky relu: slope r ~ U[lower, upper) for x ≤ 0 while training, (lower + upper)/2 after."""
    _check_tensor("rrelu", input)
    _check_floating("rrelu_with_noise_out_cpu" if training else "leaky_relu_cpu", input)
    if lower > upper:
        raise RuntimeError("Lower bound should be less than or equal to the upper bound")
    op = RreluWithNoiseInplace if inplace else RreluWithNoise
    return _maybe_inplace(input, op.apply(input, lower, upper, training), inplace)


def rrelu_(input, lower: float = 1.0 / 8, upper: float = 1.0 / 3, training: bool = False):  # noqa: A002
    return rrelu(input, lower, upper, training, inplace=True)


# --- gumbel softmax: sampling a category, differentiably -------------------------------------------------------
def gumbel_softmax(logits, tau: float = 1, hard: bool = False, eps: float = 1e-10, dim: int = -1):
    """softmax((logits + G)/τ) with G = −log E, E ~ Exp(1) (Gumbel noise), drawn as PyTorch draws it
    (``exponential_``). ``hard=True``: the one-hot of the argmax in the forward pass, the soft sample's
    gradient in the backward pass (y_hard − y_soft.detach() + y_soft). ``eps`` is unused, as in PyTorch."""
    _check_tensor("gumbel_softmax", logits, "logits")
    if eps != 1e-10:
        warnings.warn("`eps` parameter is deprecated and has no effect.", stacklevel=2)
    gumbels = -creation.empty_like(logits).exponential_().log()
    y_soft = _softmax((logits + gumbels) / tau, dim)
    if not hard:
        return y_soft
    index = y_soft.max(dim, keepdim=True)[1]
    y_hard = creation.zeros_like(logits).scatter_(dim, index, 1.0)
    return y_hard - y_soft.detach() + y_soft
