"""``glassgrad.nn.functional`` — every layer as a plain function, as ``torch.nn.functional`` (``F``).

Part III, nn chapter. Layers (``nn.Linear``, ``nn.ReLU`` ...) hold parameters and settings and call
these functions in ``forward``. This file holds the activations, ``linear`` and ``dropout`` (softmax and
log_softmax are ``glassgrad/ops/softmax.py``'s, wrapped here with F's implicit-dim rule); the losses are
in ``functional_loss.py``, the normalisations in ``functional_norm.py``, and ``pad``, ``one_hot`` and
``embedding`` in ``functional_shape.py``; all are re-exported here, so ``F.mse_loss`` works as in
PyTorch.

Each activation is a ``Primitive`` with its derivative written next to it. Where the backward formula
uses only numpy functions glassgrad maps to its own ops (``np.exp``, ``np.where``, ``np.sum`` ...), it
also runs on Tensors, so second derivatives work (``differentiable_backward = True``).
"""

from __future__ import annotations

import math
import warnings

import numpy as np

from glassgrad import creation, sampling
from glassgrad.autograd.function import NO_CONTEXT, Primitive, autocast_hook
from glassgrad.dtypes import TORCH_NAMES
from glassgrad.nn._erf import gelu_with_slope
from glassgrad.ops import elementwise as _ew
from glassgrad.ops import unary as _unary
from glassgrad.ops._util import to_float
from glassgrad.ops.linalg import Addmm, MmTransposed, SqueezeResult, dtype_help
from glassgrad.ops.shape import UnsafeView, Unsqueeze, _reshape
from glassgrad.ops.softmax import log_softmax as _log_softmax, softmax as _softmax
from glassgrad.tensor import Tensor

from glassgrad.nn.functional_loss import (binary_cross_entropy,  # noqa: F401  (re-exports)
                                          binary_cross_entropy_with_logits, cosine_embedding_loss,
                                          cross_entropy,
                                          huber_loss, l1_loss, mse_loss, nll_loss, smooth_l1_loss)
from glassgrad.nn.functional_likelihood_loss import gaussian_nll_loss, kl_div, poisson_nll_loss  # noqa: F401
from glassgrad.nn.functional_margin_loss import (hinge_embedding_loss, margin_ranking_loss,  # noqa: F401
                                                 multi_margin_loss, multilabel_margin_loss,
                                                 multilabel_soft_margin_loss, soft_margin_loss, triplet_margin_loss,
                                                 triplet_margin_with_distance_loss)
from glassgrad.nn.functional_distance import cosine_similarity, pairwise_distance  # noqa: F401
from glassgrad.ops.blas import bilinear  # noqa: F401
from glassgrad.ops.more_math import pdist  # noqa: F401
from glassgrad.nn.functional_fold import fold, unfold  # noqa: F401
from glassgrad.nn.functional_pool import (adaptive_max_pool1d, adaptive_max_pool2d, lp_pool1d,  # noqa: F401
                                          lp_pool2d, max_unpool1d, max_unpool2d)
from glassgrad.nn.functional_volume import adaptive_avg_pool3d, avg_pool3d, conv3d, max_pool3d  # noqa: F401
from glassgrad.nn.functional_embedding_bag import embedding_bag  # noqa: F401
from glassgrad.nn.functional_ctc import ctc_loss  # noqa: F401
from glassgrad.nn.functional_norm import (batch_norm, group_norm, instance_norm, layer_norm,  # noqa: F401
                                          local_response_norm, normalize, rms_norm)
from glassgrad.nn.functional_shape import embedding, one_hot, pad  # noqa: F401
from glassgrad.nn.functional_activation import (celu, celu_, glu, gumbel_softmax, hardshrink,  # noqa: F401
                                                hardsigmoid, hardswish, logsigmoid, prelu, rrelu, rrelu_,
                                                selu, selu_, softshrink, softsign, tanhshrink, threshold,
                                                threshold_)
from glassgrad.nn.functional_activation import input_on_graph, keep_input
from glassgrad.nn.pixelshuffle import (channel_shuffle, native_channel_shuffle,  # noqa: F401
                                       pixel_shuffle, pixel_unshuffle)
from glassgrad.nn.functional_attention import scaled_dot_product_attention  # noqa: F401
from glassgrad.nn.functional_grid import affine_grid, grid_sample  # noqa: F401
from glassgrad.nn.functional_interpolate import (interpolate, upsample, upsample_bilinear,  # noqa: F401
                                                 upsample_nearest)

from glassgrad.ops.conv import conv1d, conv2d, conv_transpose1d, conv_transpose2d  # noqa: F401
from glassgrad.ops.pool import (adaptive_avg_pool1d, adaptive_avg_pool2d, avg_pool1d,  # noqa: F401
                                avg_pool2d, max_pool1d, max_pool2d)



def _check_tensor(fn: str, x, name: str = "input") -> None:
    if not isinstance(x, Tensor):
        raise TypeError(f"{fn}(): argument '{name}' (position 1) must be Tensor, not {type(x).__name__}")


def _maybe_inplace(x: Tensor, result: Tensor, inplace: bool) -> Tensor:
    return x._apply_inplace(result) if inplace else result


# --- linear ------------------------------------------------------------------------------------------
# y = x Wᵀ + b is ops/linalg.py's Addmm (MmTransposed without a bias): its backward is the whole of
# Part II's Dense layer, grad_x = g W, grad_W = gᵀ x, grad_b = Σ g over the rows.
def linear(input, weight, bias=None):  # noqa: A002
    """y = input @ weightᵀ + bias, as ``torch.nn.functional.linear``."""
    _check_tensor("linear", input)
    _check_tensor("linear", weight, "weight")
    xs, ws = input._array.shape, weight._array.shape
    if input._array.ndim == 0 or weight._array.ndim != 2:
        raise RuntimeError(f"linear(): expected input of at least 1 dimension and a 2-D weight, got "
                           f"input {list(xs)} and weight {list(ws)}")
    if xs[-1] != ws[1]:
        rows = int(np.prod(xs[:-1])) if len(xs) > 1 else 1
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({rows}x{xs[-1]} and "
                           f"{ws[1]}x{ws[0]})\n(help: the input's last dimension is {xs[-1]}, but this "
                           f"layer's weight expects in_features = {ws[1]})")
    if input._array.dtype != weight._array.dtype and autocast_hook() is None:  # autocast casts them alike
        raise RuntimeError(f"mat1 and mat2 must have the same dtype, but got "
                           f"{TORCH_NAMES[input._array.dtype.name]} and "
                           f"{TORCH_NAMES[weight._array.dtype.name]}"
                           + dtype_help(input._array.dtype, weight._array.dtype))
    if input._array.ndim == 2:  # a batch of rows: one addmm (mm without a bias), as PyTorch
        return MmTransposed.apply(input, weight) if bias is None else Addmm.apply(bias, input, weight)
    return _linear_reshaped(input, weight, bias)


def _linear_reshaped(input, weight, bias):  # noqa: A002
    """Other ranks, PyTorch's way: rows in, rows out (a vector is one row, a batch folds into rows)."""
    xs, out_f = input._array.shape, weight._array.shape[0]
    if input._array.ndim == 1:
        row = Unsqueeze.apply(input, (1,) + xs) if bias is None else _reshape(input, (1,) + xs)
        if bias is None:
            out = MmTransposed.apply(row, weight)
            return SqueezeResult.apply(out, (out_f,))
        return _reshape(Addmm.apply(bias, row, weight), (out_f,))
    rows = _reshape(input, (math.prod(xs[:-1]), xs[-1]))
    if bias is None:
        return UnsafeView.apply(MmTransposed.apply(rows, weight), xs[:-1] + (out_f,))
    if input._array.flags.c_contiguous and bias._array.ndim == 1:
        return _reshape(Addmm.apply(bias, rows, weight), xs[:-1] + (out_f,))
    return _ew.add(UnsafeView.apply(MmTransposed.apply(rows, weight), xs[:-1] + (out_f,)), bias)


# --- activations ------------------------------------------------------------------------------------
# A piecewise activation picks one formula per element. np.where does that at ~4 ns an element (as
# do copyto(where=) and ufuncs' where=), ten times a multiplication, so the pieces are chosen by
# arithmetic with a 0/1 mask b instead: b·yes + (1 − b)·no. It is exact as long as both pieces are
# finite there (one term is the value, the other 0; inf·0 would be nan), which each caller arranges.
def _mask(compare, x: np.ndarray, bound) -> np.ndarray:
    """``compare(x, bound)`` as 1.0 / 0.0 in x's dtype (nan compares false)."""
    return compare(x, bound, out=np.empty_like(x), casting="unsafe")


def _select(b: np.ndarray, yes, no) -> np.ndarray:
    """np.where(b, yes, no) for a 0/1 mask b (consumed) and pieces finite wherever they are picked.

    Passes over b's memory: 4, against np.where's one of ~10 multiplications' cost."""
    out = np.subtract(1, b)  # 1 − b
    out *= no
    b *= yes
    out += b
    return out


def relu(input, inplace: bool = False):  # noqa: A002
    """max(x, 0);  derivative 1 where x > 0, else 0"""
    _check_tensor("relu", input)
    return _maybe_inplace(input, _unary.relu(input), inplace)


def relu_(input):  # noqa: A002
    return relu(input, inplace=True)


def tanh(input):  # noqa: A002
    return _unary.tanh(input)


def sigmoid(input):  # noqa: A002
    return _unary.sigmoid(input)


class LeakyRelu(Primitive):
    """y = x if x > 0 else s·x;  dy/dx = 1 if x > 0 else s (a constant mask: piecewise linear)"""

    @staticmethod
    def forward(ctx, x, slope):
        if x.dtype.kind == "f" and math.isfinite(slope):
            scale = _select(_mask(np.greater, x, 0), 1, slope)
        else:  # integers (PyTorch refuses them; kept as before), or an infinite slope (inf·0 is nan)
            scale = np.where(x > 0, 1.0, slope).astype(x.dtype, copy=False)
        ctx.scale = scale
        return x * scale

    @staticmethod
    def backward(ctx, g):
        return g * ctx.scale, None


def leaky_relu(input, negative_slope: float = 0.01, inplace: bool = False):  # noqa: A002
    _check_tensor("leaky_relu", input)
    return _maybe_inplace(input, LeakyRelu.apply(input, negative_slope), inplace)


def leaky_relu_(input, negative_slope: float = 0.01):  # noqa: A002
    return leaky_relu(input, negative_slope, True)


class Hardtanh(Primitive):
    """y = clamp(x, lo, hi);  dy/dx = 1 strictly inside (lo, hi), else 0 (PyTorch's convention)"""

    @staticmethod
    def forward(ctx, x, lo, hi):
        ctx.mask = ((x > lo) & (x < hi)).astype(x.dtype)
        return np.clip(x, lo, hi)

    @staticmethod
    def backward(ctx, g):
        return g * ctx.mask, None, None


def hardtanh(input, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False):  # noqa: A002
    _check_tensor("hardtanh", input)
    if min_val > max_val:
        raise ValueError("min_val cannot be greater than max_val")
    return _maybe_inplace(input, Hardtanh.apply(input, min_val, max_val), inplace)


def relu6(input, inplace: bool = False):  # noqa: A002
    return hardtanh(input, 0.0, 6.0, inplace)


class Elu(Primitive):
    """y = x if x > 0 else α(eˣ − 1);  dy/dx = 1 if x > 0 else α·eˣ = y + α

    The backward reads only the output (y > 0 exactly where x > 0), so ``inplace=True`` is safe."""

    @staticmethod
    def forward(ctx, x, alpha):
        x = to_float(x)
        # the two branches as a sum, α(e^min(x, 0) − 1) + max(x, −0): one of them is 0 (the max's −0.0
        # leaves an underflowed −0.0 of the left piece unchanged, where +0.0 would flip it)
        y = np.minimum(x, 0)
        np.expm1(y, out=y)
        y *= alpha
        y += np.maximum(x, -0.0)
        ctx.save_for_backward(y)
        ctx.alpha = alpha
        return y

    @staticmethod
    def backward(ctx, g):
        y, = ctx.saved_tensors  # slope 1 where y > 0, else y + α
        if isinstance(y, Tensor):  # create_graph: the plain formula, recorded as glassgrad ops
            return g * np.where(y > 0, 1.0, y + ctx.alpha), None
        return g * _select(_mask(np.greater, y, 0), 1, np.minimum(y, 0) + ctx.alpha), None  # (min: finite)


def elu(input, alpha: float = 1.0, inplace: bool = False):  # noqa: A002
    _check_tensor("elu", input)
    return _maybe_inplace(input, Elu.apply(input, alpha), inplace)


_SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)


class Gelu(Primitive):
    """Exact:  y = x·Φ(x), Φ(x) = ½(1 + erf(x/√2));   dy/dx = Φ(x) + x·φ(x), φ(x) = e^(−x²/2)/√(2π)
    tanh:   y = ½x(1 + tanh u), u = √(2/π)(x + 0.044715x³);
            dy/dx = ½(1 + tanh u) + ½x(1 − tanh²u)·√(2/π)(1 + 3·0.044715x²)

    create_graph=True: the slope is recomputed from x as recorded ops (the exact one as GeluSlope)."""

    @staticmethod
    def forward(ctx, x, approximate):
        x = to_float(x)
        if approximate == "tanh":
            t = np.tanh(_SQRT_2_OVER_PI * (x + 0.044715 * x ** 3))
            ctx.save_for_backward(x, t)
            ctx.approximate = "tanh"
            return (0.5 * x * (1 + t)).astype(x.dtype, copy=False)
        y, ctx.slope = gelu_with_slope(x, slope=any(ctx.needs_input_grad))  # float32 throughout
        ctx.save_for_backward(x)  # only so that backward fails if x is changed in place, as PyTorch's
        ctx.approximate = "none"
        return y

    @staticmethod
    def backward(ctx, g):
        saved = ctx.saved_tensors  # (reading them checks that x was not changed in place since)
        if ctx.approximate == "none":  # Φ(x) + x·φ(x), made in forward with Φ (see nn/_erf.py)
            if isinstance(g, Tensor):
                return g * GeluSlope.apply(saved[0]), None
            return g * ctx.slope, None
        x = saved[0]
        if isinstance(g, Tensor):  # tanh u again, from x on the graph
            t = _ew.mul(_ew.add(x, _ew.mul(_ew.mul(_ew.mul(x, x), x), 0.044715)), _SQRT_2_OVER_PI).tanh()
        else:
            t = saved[1]
        du = _SQRT_2_OVER_PI * (1 + 3 * 0.044715 * x * x)
        return g * (0.5 * (1 + t) + 0.5 * x * (1 - t * t) * du), None


class GeluSlope(Primitive):
    """s = Φ(x) + x·φ(x), exact gelu's slope as an op of its own (gelu's second derivatives);
    ds/dx = 2φ(x) − x²φ(x) = φ(x)·(2 − x²)  (numpy that also runs on Tensors: every order)"""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return gelu_with_slope(x, slope=True)[1]

    @staticmethod
    def backward(ctx, g):
        x, = ctx.saved_tensors
        return g * (np.exp(-0.5 * x * x) * (_INV_SQRT_2PI * (2 - x * x)))


def gelu(input, approximate: str = "none"):  # noqa: A002
    _check_tensor("gelu", input)
    if approximate not in ("none", "tanh"):
        raise RuntimeError("approximate argument must be either none or tanh.")
    return Gelu.apply(input, approximate)


class Silu(Primitive):
    """y = x·σ(x);  dy/dx = σ(x)(1 + x(1 − σ(x))) = σ + y(1 − σ)  (no x needed: inplace-safe)

    create_graph=True: σ(x)(1 + x(1 − σ(x))) from x as recorded ops (input_on_graph)."""

    one_tensor_input = True

    @staticmethod
    def forward(ctx, x, inplace=False):
        s = _unary.Sigmoid.forward(NO_CONTEXT, to_float(x))
        y = x * s
        ctx.save_for_backward(y, s, *keep_input(ctx, x, inplace))
        return y

    @staticmethod
    def backward(ctx, g):
        if isinstance(g, Tensor):
            x = input_on_graph(ctx)
            s = x.sigmoid()
            return g * (s * (1 + x * (1 - s))), None
        y, s, _ = ctx.saved_tensors
        return g * (s + y * (1 - s)), None


def silu(input, inplace: bool = False):  # noqa: A002
    _check_tensor("silu", input)
    return _maybe_inplace(input, Silu.apply(input, inplace), inplace)


class Softplus(Primitive):
    """y = (1/β)·log(1 + e^(βx)) (= x where βx > threshold);  dy/dx = σ(βx) (= 1 above threshold)"""

    @staticmethod
    def forward(ctx, x, beta, threshold):
        x = to_float(x)
        bx = x * beta
        ctx.save_for_backward(bx, x)  # x: for create_graph, where the slope is σ(βx) of x on the graph
        ctx.threshold, ctx.beta = threshold, beta
        if x.dtype in (np.float32, np.float64) and 0 < beta < math.inf and threshold < 80:
            # PyTorch's formula, log1p(exp(βx))/β: np.logaddexp takes ~16 ns an element, exp and
            # log1p ~0.8 together. Both pieces are made finite for _select: above the threshold x is
            # > threshold/β, so the max leaves it; below it βx ≤ threshold, so the min leaves βx
            # (and e^80 is still finite in float32)
            above = np.maximum(x, threshold / beta)
            below = np.exp(np.minimum(bx, threshold))
            np.log1p(below, out=below)
            below /= beta
            return _select(_mask(np.greater, bx, threshold), above, below)
        return np.where(bx > threshold, x, np.logaddexp(0, bx) / beta).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        bx, x = ctx.saved_tensors
        if isinstance(g, Tensor):  # 1 above the threshold (a constant mask), σ(βx) below
            above = Tensor._wrap((bx._array > ctx.threshold).astype(bx._array.dtype))
            return g * (above + (1 - above) * _ew.mul(x, ctx.beta).sigmoid()), None, None
        s = _unary.Sigmoid.forward(NO_CONTEXT, bx)  # in [0, 1] (or nan where bx is): finite for _select
        return g * _select(_mask(np.greater, bx, ctx.threshold), 1, s), None, None


def softplus(input, beta: float = 1.0, threshold: float = 20.0):  # noqa: A002
    _check_tensor("softplus", input)
    return Softplus.apply(input, beta, threshold)


class Mish(Primitive):
    """y = x·tanh(softplus(x));  dy/dx = tanh(sp) + x·(1 − tanh²(sp))·σ(x)

    The derivative is computed in forward (while x is intact), so ``inplace=True`` is safe.
    create_graph=True: the same formula from x as recorded ops (input_on_graph)."""

    one_tensor_input = True

    @staticmethod
    def forward(ctx, x, inplace=False):
        x = to_float(x)
        # softplus(x) = log1p(eˣ) as PyTorch computes it (np.logaddexp is ~20× slower); above x = 20
        # tanh of it rounds to 1.0 in float32 and float64 alike, so x is clamped there (e⁸⁹ would
        # overflow float32)
        t = np.exp(np.minimum(x, 20))
        np.log1p(t, out=t)
        np.tanh(t, out=t)
        if ctx.needs_input_grad:
            ctx.slope = t + x * (1 - t * t) * _unary.Sigmoid.forward(NO_CONTEXT, x)
            ctx.save_for_backward(*keep_input(ctx, x, inplace))
        return (x * t).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        if isinstance(g, Tensor):
            x = input_on_graph(ctx)
            t = Softplus.apply(x, 1.0, 20.0).tanh()
            return g * (t + x * (1 - t * t) * x.sigmoid()), None
        return g * ctx.slope, None


def mish(input, inplace: bool = False):  # noqa: A002
    _check_tensor("mish", input)
    return _maybe_inplace(input, Mish.apply(input, inplace), inplace)




# --- softmax (the op itself: glassgrad/ops/softmax.py) -----------------------------------------------
def _softmax_dim(name: str, ndim: int, stacklevel: int) -> int:
    warnings.warn(f"Implicit dimension choice for {name} has been deprecated. Change the call to "
                  "include dim=X as an argument.", stacklevel=stacklevel)
    return 0 if ndim in (0, 1, 3) else 1


def _softmax_impl(fn, name: str, input, dim, dtype, stacklevel: int):  # noqa: A002
    _check_tensor(name, input)
    if dim is None:  # F.softmax's old implicit-dim rule, with PyTorch's deprecation warning
        dim = _softmax_dim(name, input.dim(), stacklevel)
    return fn(input, dim, dtype=dtype)


def softmax(input, dim=None, _stacklevel: int = 3, dtype=None):  # noqa: A002
    """exp(x) / Σ exp(x) along ``dim``: each slice becomes probabilities."""
    return _softmax_impl(_softmax, "softmax", input, dim, dtype, _stacklevel)


def log_softmax(input, dim=None, _stacklevel: int = 3, dtype=None):  # noqa: A002
    """log(softmax(x)) computed stably as x − logsumexp(x)."""
    return _softmax_impl(_log_softmax, "log_softmax", input, dim, dtype, _stacklevel)


def softmin(input, dim=None, _stacklevel: int = 3, dtype=None):  # noqa: A002
    return softmax(_unary.neg(input), dim, _stacklevel + 1, dtype)


# --- dropout: y = x·m, m = 0 (probability p) or 1/(1 − p); a multiplication, so grad_x = g·m ------------
def _dropout_mask(shape, p: float, dtype) -> np.ndarray:
    """PyTorch's mask from the global generator: after manual_seed(s), the same zeros as PyTorch's."""
    return sampling.dropout_mask(sampling.default_generator, shape, p, dtype)


def _check_p(p) -> None:
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")


def dropout(input, p: float = 0.5, training: bool = True, inplace: bool = False):  # noqa: A002
    """Zero each element with probability p and scale the rest by 1/(1 − p), so the expected value is
    unchanged; the identity when ``training`` is False."""
    _check_tensor("dropout", input)
    _check_p(p)
    if not training or p == 0.0:
        return input
    mask = _dropout_mask(input._array.shape, p, input._array.dtype)
    return _maybe_inplace(input, _ew.mul(input, Tensor._wrap(mask)), inplace)


def _feature_dropout(input, p, training, inplace, min_dim: int, name: str):  # noqa: A002
    _check_tensor(name, input)
    _check_p(p)
    if not training or p == 0.0:
        return input
    shape = input._array.shape
    if min_dim is not None and input.dim() == min_dim:  # unbatched (C, L): one mask value per channel
        mask_shape = shape[:1] + (1,) * (len(shape) - 1)
    else:
        mask_shape = shape[:2] + (1,) * (len(shape) - 2)
    mask = _dropout_mask(mask_shape, p, input._array.dtype)
    return _maybe_inplace(input, _ew.mul(input, Tensor._wrap(mask)), inplace)


def dropout1d(input, p: float = 0.5, training: bool = True, inplace: bool = False):  # noqa: A002
    """Zero whole channels of (N, C, L) input."""
    return _feature_dropout(input, p, training, inplace, 2, "dropout1d")


def dropout2d(input, p: float = 0.5, training: bool = True, inplace: bool = False):  # noqa: A002
    """Zero whole channels (feature maps) of (N, C, H, W) input.

    A 3-D input is read as (N, C, L), one mask value per (sample, channel), as PyTorch still reads it
    (with the same warning): so the masks, and the random numbers drawn, stay PyTorch's."""
    if isinstance(input, Tensor) and input.dim() == 3:
        warnings.warn("dropout2d: Received a 3D input to dropout2d and assuming that channel-wise 1D dropout "
                      "behavior is desired - input is interpreted as shape (N, C, L), where C is the channel dim. "
                      "This behavior will change in a future release to interpret the input as one without a "
                      "batch dimension, i.e. shape (C, H, W). To maintain the 1D channel-wise dropout behavior, "
                      "please switch to using dropout1d instead.", stacklevel=2)
    return _feature_dropout(input, p, training, inplace, None, "dropout2d")


def dropout3d(input, p: float = 0.5, training: bool = True, inplace: bool = False):  # noqa: A002
    """Zero whole channels (3-D feature maps) of (N, C, D, H, W) or unbatched (C, D, H, W) input.

    Unbatched input gets a batch dim of 1 and loses it after, as in PyTorch (grad_fn SqueezeBackward1)."""
    _check_tensor("dropout3d", input)
    if input.dim() not in (4, 5):
        warnings.warn(f"dropout3d: Received a {input.dim()}-D input to dropout3d, which is deprecated and will "
                      "result in an error in a future release. To retain the behavior and silence this warning, "
                      "please use dropout instead. Note that dropout3d exists to provide channel-wise dropout on "
                      "inputs with 3 spatial dimensions, a channel dimension, and an optional batch dimension "
                      "(i.e. 4D or 5D inputs).", stacklevel=2)
    if input.dim() == 5:
        return _feature_dropout(input, p, training, inplace, None, "dropout3d")
    out = _feature_dropout(input.unsqueeze(0), p, training, False, None, "dropout3d").squeeze(0)
    return _maybe_inplace(input, out, inplace)  # (a new view even in eval mode, as PyTorch's)


# --- alpha dropout: dropout that keeps SELU's mean 0 and variance 1 ------------------------------------------
# A dropped unit is set to SELU's negative saturation value −λα (≈ −1.7581) instead of 0, then an affine map
# a·x + b restores mean 0 and variance 1: a = 1/√((α'²p + 1)(1 − p)), b = a·α'·p for kept units and
# −a·α'(1 − p) for dropped ones (α' = λα). So y = x·(a·m) + b(m), m ~ Bernoulli(1 − p); grad_x = g·a·m.
_ALPHA_PRIME = 1.7580993408473766


def _alpha_dropout(input, p, training, inplace, feature: bool, name: str):  # noqa: A002
    _check_tensor(name, input)
    _check_p(p)
    if not training or p == 0.0 or input.numel() == 0:
        return input
    if feature and input.dim() < 2:
        raise RuntimeError("Feature dropout requires at least 2 dimensions in the input")
    dtype = input._array.dtype
    if p == 1.0:
        return _maybe_inplace(input, _ew.mul(input, Tensor._wrap(np.zeros((), dtype))), inplace)
    shape = input._array.shape
    mask_shape = shape[:2] + (1,) * (len(shape) - 2) if feature else shape
    noise = sampling.bernoulli_scalar(sampling.default_generator, sampling.Blank(mask_shape, dtype), 1.0 - p)
    a = 1.0 / math.sqrt((_ALPHA_PRIME ** 2 * p + 1) * (1 - p))
    b = (noise - dtype.type(1)) * dtype.type(_ALPHA_PRIME * a) + dtype.type(_ALPHA_PRIME * a * p)
    noise = noise * dtype.type(a)
    out = _ew.add(_ew.mul(input, Tensor._wrap(noise)), Tensor._wrap(b.astype(dtype, copy=False)))
    return _maybe_inplace(input, out, inplace)


def alpha_dropout(input, p: float = 0.5, training: bool = False, inplace: bool = False):  # noqa: A002
    """Dropout for SELU networks: dropped units become −λα, then an affine map keeps mean and variance."""
    return _alpha_dropout(input, p, training, inplace, False, "alpha_dropout")


def feature_alpha_dropout(input, p: float = 0.5, training: bool = False, inplace: bool = False):  # noqa: A002
    """Alpha dropout of whole channels (dim 1)."""
    return _alpha_dropout(input, p, training, inplace, True, "feature_alpha_dropout")
