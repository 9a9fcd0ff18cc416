"""Normalisation functions: ``batch_norm``, ``layer_norm``, ``group_norm``, ``instance_norm``, ``rms_norm``,
``local_response_norm``, ``normalize`` (as ``torch.nn.functional``).

Part III, nn chapter. Batch and layer normalisation are one formula over different axes:

    x̂ = (x − μ) / √(σ² + ε),   y = γ·x̂ + β        (μ, σ² over the normalised axes; σ² biased)

and their backward is the classic three-term result (m = number of elements averaged over):

    ∂L/∂x = (1/√(σ² + ε)) · (ĝ − mean(ĝ) − x̂·mean(ĝ·x̂)),   ĝ = γ·∂L/∂y
    ∂L/∂γ = Σ ∂L/∂y·x̂,   ∂L/∂β = Σ ∂L/∂y          (sums over the other axes)

batch_norm averages over the batch (and spatial) axes per channel; layer_norm over the last
dimensions of each sample; group_norm over each group of channels (and the spatial axes) of each
sample, with γ and β per channel; instance_norm is batch_norm of each sample on its own (PyTorch views
(N, C, …) as (1, N·C, …)). In eval mode batch_norm uses its running statistics, constants. rms_norm
divides by the root mean square without centring, and local_response_norm by a sum of squares over
neighbouring channels; both are compositions of existing ops, as in PyTorch.
"""

from __future__ import annotations

import numpy as np

from glassgrad.autograd.function import Primitive
from glassgrad.ops import elementwise as _ew
from glassgrad.ops import unary as _unary
from glassgrad.ops.linalg import norm
from glassgrad.ops.pool import avg_pool2d
from glassgrad.ops.reduce import _column_sum, _row_sum, mean as _mean
from glassgrad.ops.shape import expand, reshape
from glassgrad.nn.functional_shape import pad
from glassgrad.tensor import Tensor

__all__ = ["batch_norm", "layer_norm", "group_norm", "instance_norm", "rms_norm", "local_response_norm",
           "normalize"]

# PyTorch's normalisation nodes always have three inputs (input, weight, bias), None for an affine
# parameter left out: this empty tensor stands in for it, so next_functions has PyTorch's length.
_ABSENT = Tensor._wrap(np.zeros(0, np.float32))
_NONE = _ABSENT._array  # what forward receives in its place


_ROW_DTYPES = (np.float32, np.float64)  # _layer_norm_last's; float16 keeps numpy's mean (float32 sums)


def _given(t):
    return _ABSENT if t is None else t


def _channel_sum(a, reduce_axes):
    """``a.sum(axis=reduce_axes)``; for batch_norm's (N, C, *spatial) float arrays summed over every
    axis but C, as accurately as PyTorch's: each sample's rows by a BLAS matrix-vector product with
    ones (blocked, several accumulators), then the N partial sums in float64. numpy's float32 sum over
    (0, 2, 3) was ~10× less accurate on a DCGAN's 64×128×16×16 gradient (7e-7 against PyTorch's 8e-8,
    relative to float64), which a GAN's cancelling gradients amplify (tests/test_drift_batchnorm.py)."""
    if (not isinstance(a, np.ndarray) or a.ndim < 3 or a.dtype not in _ROW_DTYPES
            or tuple(reduce_axes) != (0,) + tuple(range(2, a.ndim))):
        return np.sum(a, axis=reduce_axes)
    n, c = a.shape[:2]
    rows = a.reshape(n, c, -1) @ np.ones(a[0, 0].size, a.dtype)  # (N, C): per sample and channel
    return rows.sum(axis=0, dtype=np.float64).astype(a.dtype)


def _affine_grads(ctx, g, xhat, reduce_axes):
    need_w, need_b = ctx.needs_input_grad[1], ctx.needs_input_grad[2]
    grad_w = _channel_sum(g * xhat, reduce_axes).reshape(ctx.w_shape) if need_w else None
    grad_b = _channel_sum(g, reduce_axes).reshape(ctx.w_shape) if need_b else None
    return grad_w, grad_b


def _scale_and_shift(xhat, w, b, bshape):
    """y = γ·x̂ + β per channel (batch and group norm), either left out when absent."""
    y = _scaled(xhat, w, bshape) if w is not _NONE else xhat.copy()
    if b is not _NONE:
        y += b.reshape(bshape)
    return y


def _scaled(a, w, bshape):
    """γ·a per channel, or a itself without γ (ĝ = γ·∂L/∂y in the backward)."""
    return a * w.reshape(bshape) if w is not _NONE else a


def _normalized_grad(gxh, xhat, rstd, axes):
    return rstd * (gxh - gxh.mean(axis=axes, keepdims=True)
                   - xhat * (gxh * xhat).mean(axis=axes, keepdims=True))


class NativeLayerNorm(Primitive):
    """Layer normalisation over the last k dimensions (see the module docstring for the math)."""

    differentiable_backward = True  # create_graph: _normalized_backward_as_ops, from the saved x

    @staticmethod
    def forward(ctx, x, w, b, k, eps):
        axes = tuple(range(x.ndim - k, x.ndim))
        ctx.axes, ctx.batch_axes = axes, tuple(range(x.ndim - k))
        ctx.w_shape, ctx.eps = x.shape[x.ndim - k:], eps
        if k == 1 and x.size and x.dtype in _ROW_DTYPES:
            y, xhat, rstd = _layer_norm_last(x, w, b, eps)
            ctx.save_for_backward(xhat, rstd, w, x)  # x only for second derivatives, as PyTorch keeps it
            return y
        mu = x.mean(axis=axes, keepdims=True)
        xc = x - mu
        rstd = 1.0 / np.sqrt((xc * xc).mean(axis=axes, keepdims=True) + eps)
        xhat = xc * rstd
        y = xhat * w if w is not _NONE else xhat.copy()
        if b is not _NONE:
            y += b
        ctx.save_for_backward(xhat, rstd, w, x)
        return y

    @staticmethod
    def backward(ctx, g):
        if isinstance(g, Tensor):  # create_graph=True (a gradient penalty, a PINN): as recorded ops
            xhat, rstd, w, x = ctx.saved_tensors
            grad_x, grad_w, grad_b = _normalized_backward_as_ops(ctx, g, x, w, x.shape, ctx.axes,
                                                                 ctx.batch_axes, w)
            return grad_x, grad_w, grad_b, None, None
        xhat, rstd, w, _ = ctx.saved_tensors
        if len(ctx.axes) == 1 and g.size and xhat.dtype in _ROW_DTYPES:
            return (*_layer_norm_last_backward(ctx, g, xhat, rstd, w), None, None)
        grad_x = None
        if ctx.needs_input_grad[0]:
            grad_x = _normalized_grad(g * w if w is not _NONE else g, xhat, rstd, ctx.axes)
        return (grad_x, *_affine_grads(ctx, g, xhat, ctx.batch_axes), None, None)


def _normalized_backward_as_ops(ctx, g: Tensor, x: Tensor, w: Tensor, shape: tuple, axes: tuple,
                                affine_axes: tuple, w_view: Tensor) -> tuple:
    """Layer and group norm's three gradients (module docstring) as differentiable ops on the saved x, so
    they can be differentiated again: x̂ and 1/σ are recomputed from x (they depend on it). ``x`` is
    viewed so that ``axes`` are the normalised ones; ``w_view`` is γ broadcast against the input."""
    centred = x - x.mean(dim=axes, keepdim=True)
    rstd = _unary.rsqrt((centred * centred).mean(dim=axes, keepdim=True) + ctx.eps)
    xhat = centred * rstd
    g_in = g.reshape(x.shape)
    grad_x = grad_w = grad_b = None
    if ctx.needs_input_grad[0]:
        gxh = g_in * w_view if w.numel() > 0 else g_in
        if gxh.shape != x.shape:
            gxh = gxh.reshape(x.shape)
        grad_x = (rstd * (gxh - gxh.mean(dim=axes, keepdim=True)
                          - xhat * (gxh * xhat).mean(dim=axes, keepdim=True))).reshape(shape)
    g_full, xhat_full = g_in.reshape(shape), xhat.reshape(shape)
    if ctx.needs_input_grad[1]:
        grad_w = (g_full * xhat_full).sum(dim=affine_axes).reshape(ctx.w_shape)
    if ctx.needs_input_grad[2]:
        grad_b = g_full.sum(dim=affine_axes).reshape(ctx.w_shape)
    return grad_x, grad_w, grad_b


def _layer_norm_last(x, w, b, eps):
    """(y, x̂, 1/σ) of layer_norm over the last axis, the usual case (a transformer's LayerNorm(C)),
    with the row sums of reduce.py and two fresh buffers instead of six: ~2× faster on 1024 rows."""
    n = x.shape[-1]
    xhat = x - _row_sum(x) / n
    y = np.multiply(xhat, xhat)  # y is scratch until the last lines
    rstd = 1.0 / np.sqrt(_row_sum(y) / n + eps)
    xhat *= rstd
    if w is not _NONE:
        np.multiply(xhat, w, out=y)
    else:
        y[...] = xhat
    if b is not _NONE:
        y += b
    return y, xhat, rstd


def _layer_norm_last_backward(ctx, g, xhat, rstd, w):
    """The three gradients of ``_layer_norm_last`` (module docstring's math) in two fresh buffers, with
    the row sums of reduce.py and the affine sums over all rows as matrix-vector products."""
    n = xhat.shape[-1]
    need_x, need_w, need_b = ctx.needs_input_grad[:3]
    g_xhat = g * xhat
    grad_w = _column_sum(g_xhat.reshape(-1, n)).reshape(ctx.w_shape) if need_w else None
    grad_b = _column_sum(g.reshape(-1, n)).reshape(ctx.w_shape) if need_b else None
    grad_x = None
    if need_x:
        gxh = g * w if w is not _NONE else g.copy()  # ĝ = γ·g, then the result, in place
        np.multiply(gxh, xhat, out=g_xhat)
        mean_gx = _row_sum(g_xhat) / n
        np.multiply(xhat, mean_gx, out=g_xhat)
        gxh -= _row_sum(gxh) / n
        gxh -= g_xhat
        gxh *= rstd
        grad_x = gxh
    return grad_x, grad_w, grad_b


def layer_norm(input, normalized_shape, weight=None, bias=None, eps: float = 1e-5):  # noqa: A002
    """Normalise each sample over its last ``len(normalized_shape)`` dimensions, then scale and shift."""
    if isinstance(normalized_shape, int):
        normalized_shape = (normalized_shape,)
    normalized_shape = tuple(normalized_shape)
    k = len(normalized_shape)
    shape = input._array.shape
    if k == 0 or shape[len(shape) - k:] != normalized_shape or len(shape) < k:
        raise RuntimeError(f"Given normalized_shape={list(normalized_shape)}, expected input with shape "
                           f"[*, {', '.join(str(s) for s in normalized_shape)}], but got input of size"
                           f"{list(shape)}")
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and tuple(t.shape) != normalized_shape:
            raise RuntimeError(f"Expected {name} to be of same shape as normalized_shape, but got {name} "
                               f"of shape {list(t.shape)} and normalized_shape = {list(normalized_shape)}")
    return NativeLayerNorm.apply(input, _given(weight), _given(bias), k, eps)


class NativeBatchNorm(Primitive):
    """Batch normalisation per channel (axis 1) over the batch and spatial axes. Training: batch
    statistics (and the running statistics move towards them, in place); eval: the running ones.
    The running statistics are arrays, not inputs: no gradient flows into them (as in PyTorch)."""

    differentiable_backward = True  # create_graph: _batch_norm_backward_as_ops

    @staticmethod
    def forward(ctx, x, w, b, running_mean, running_var, training, momentum, eps):
        axes = (0,) + tuple(range(2, x.ndim))
        bshape = (1, x.shape[1]) + (1,) * (x.ndim - 2)
        if training:
            n = x.size // x.shape[1]  # elements per channel
            mean = (_channel_sum(x, axes) / n).reshape(bshape)
            xc = x - mean
            var = (_channel_sum(xc * xc, axes) / n).reshape(bshape)
            if running_mean is not None:
                running_mean *= 1 - momentum
                running_mean += momentum * mean.reshape(-1)
                running_var *= 1 - momentum
                running_var += momentum * var.reshape(-1) * (n / (n - 1))  # unbiased, as PyTorch
        else:
            mean = running_mean.reshape(bshape).astype(x.dtype, copy=False)
            var = running_var.reshape(bshape).astype(x.dtype, copy=False)
            xc = x - mean
        rstd = 1.0 / np.sqrt(var + eps)
        xhat = xc * rstd
        y = _scale_and_shift(xhat, w, b, bshape)
        ctx.save_for_backward(xhat, rstd, w, x)  # x (as PyTorch keeps it) only for second derivatives
        ctx.axes, ctx.bshape, ctx.training, ctx.eps = axes, bshape, training, eps
        ctx.w_shape = (x.shape[1],)
        return y

    @staticmethod
    def backward(ctx, g):
        if isinstance(g, Tensor):  # create_graph=True (MAML, a gradient penalty): the same, as recorded ops
            return _batch_norm_backward_as_ops(ctx, g)
        xhat, rstd, w, _ = ctx.saved_tensors
        grad_x = None
        if ctx.needs_input_grad[0]:
            gxh = _scaled(g, w, ctx.bshape)
            # eval: μ and σ are constants, so x̂ is linear in x and only the first term remains
            grad_x = _normalized_grad(gxh, xhat, rstd, ctx.axes) if ctx.training else gxh * rstd
        return (grad_x, *_affine_grads(ctx, g, xhat, ctx.axes), None, None, None, None, None)


def _batch_norm_backward_as_ops(ctx, g: Tensor) -> tuple:
    """NativeBatchNorm's backward written with differentiable ops on the saved input, so it can itself be
    differentiated: x̂ and 1/σ are recomputed from x in training (they depend on it); in eval they are the
    running statistics' constants, and ∂L/∂x = γ·g/σ."""
    xhat_array, rstd_array, w, x = ctx.saved_tensors
    axes, bshape = ctx.axes, ctx.bshape
    if ctx.training:
        centred = x - x.mean(dim=axes, keepdim=True)
        rstd = _unary.rsqrt((centred * centred).mean(dim=axes, keepdim=True) + ctx.eps)
        xhat = centred * rstd
    else:  # 1/σ and μ are the running statistics (constants); x̂ = x/σ + (x̂ − x/σ), linear in x
        rstd = rstd_array.detach()
        xhat = x * rstd + (xhat_array.detach() - x.detach() * rstd)
    has_w = w.numel() > 0
    grad_x = grad_w = grad_b = None
    if ctx.needs_input_grad[0]:
        gxh = g * w.reshape(bshape) if has_w else g
        if ctx.training:
            grad_x = rstd * (gxh - gxh.mean(dim=axes, keepdim=True)
                             - xhat * (gxh * xhat).mean(dim=axes, keepdim=True))
        else:
            grad_x = gxh * rstd
    if ctx.needs_input_grad[1]:
        grad_w = (g * xhat).sum(dim=axes)
    if ctx.needs_input_grad[2]:
        grad_b = g.sum(dim=axes)
    return (grad_x, grad_w, grad_b, None, None, None, None, None)


def batch_norm(input, running_mean, running_var, weight=None, bias=None, training: bool = False,  # noqa: A002
               momentum: float = 0.1, eps: float = 1e-5):
    """Normalise each channel (dim 1) of an (N, C, ...) batch; see ``BatchNorm1d``/``BatchNorm2d``."""
    shape = input._array.shape
    if input._array.ndim < 2:
        raise ValueError(f"Expected 2D or more input (got {input._array.ndim}D input)")
    c = shape[1]
    for name, t in (("running_mean", running_mean), ("running_var", running_var),
                    ("weight", weight), ("bias", bias)):
        if t is not None and t.numel() != c:
            raise RuntimeError(f"{name} should contain {c} elements not {t.numel()}")
    if training and input._array.size // max(c, 1) == 1:
        raise ValueError(f"Expected more than 1 value per channel when training, got input size "
                         f"{input.size()}")
    if not training and (running_mean is None or running_var is None):
        raise RuntimeError("running_mean and running_var must be defined in evaluation mode")
    stats = [None if t is None else t._array for t in (running_mean, running_var)]
    out = NativeBatchNorm.apply(input, _given(weight), _given(bias), *stats, training, momentum, eps)
    if training and running_mean is not None:  # they were updated in place
        running_mean._vc[0] += 1
        running_var._vc[0] += 1
    return out


class NativeGroupNorm(Primitive):
    """Group normalisation: each sample's channels in G groups, each group (with its spatial axes)
    normalised as one layer (see the module docstring), then γ and β per channel."""

    differentiable_backward = True  # create_graph: _normalized_backward_as_ops, from the saved x

    @staticmethod
    def forward(ctx, x, w, b, groups, eps):
        n, c = x.shape[:2]
        xg = x.reshape(n, groups, -1)
        mean = xg.mean(axis=-1, keepdims=True)
        xc = xg - mean
        rstd = 1.0 / np.sqrt((xc * xc).mean(axis=-1, keepdims=True) + eps)
        xhat = (xc * rstd).reshape(x.shape)
        bshape = (1, c) + (1,) * (x.ndim - 2)
        y = _scale_and_shift(xhat, w, b, bshape)
        ctx.save_for_backward(xhat, rstd, w, x)  # x only for second derivatives
        ctx.groups, ctx.bshape, ctx.w_shape, ctx.eps = groups, bshape, (c,), eps
        return y

    @staticmethod
    def backward(ctx, g):
        if isinstance(g, Tensor):  # create_graph=True: as recorded ops on x seen as (N, G, rest)
            _, _, w, x = ctx.saved_tensors
            shape = x.shape
            n = shape[0]
            grouped = x.reshape(n, ctx.groups, -1)
            per_group = w.reshape(ctx.bshape).expand(shape).reshape(n, ctx.groups, -1) if w.numel() else w
            grad_x, grad_w, grad_b = _normalized_backward_as_ops(
                ctx, g, grouped, w, shape, (-1,), (0,) + tuple(range(2, len(shape))), per_group)
            return grad_x, grad_w, grad_b, None, None
        xhat, rstd, w, _ = ctx.saved_tensors
        grad_x = None
        if ctx.needs_input_grad[0]:
            gxh = _scaled(g, w, ctx.bshape)
            n = g.shape[0]
            grad_x = _normalized_grad(gxh.reshape(n, ctx.groups, -1), xhat.reshape(n, ctx.groups, -1), rstd,
                                      -1).reshape(g.shape)
        axes = (0,) + tuple(range(2, g.ndim))
        return (grad_x, *_affine_grads(ctx, g, xhat, axes), None, None)


def group_norm(input, num_groups: int, weight=None, bias=None, eps: float = 1e-5):  # noqa: A002
    """Normalise each of ``num_groups`` groups of channels of each sample; see ``GroupNorm``."""
    shape = input._array.shape
    if input._array.ndim < 2:
        raise RuntimeError(f"Expected at least 2 dimensions for input tensor but received {input._array.ndim}")
    if shape[1] % num_groups:
        raise RuntimeError(f"Expected number of channels in input to be divisible by num_groups, but got "
                           f"input of shape {list(shape)} and num_groups={num_groups}")
    for t in (weight, bias):
        if t is not None and t.numel() != shape[1]:
            raise RuntimeError(f"Expected weight to be a vector of size equal to the number of channels in "
                               f"input, but got weight of shape {list(t.shape)} and input of shape {list(shape)}")
    return NativeGroupNorm.apply(input, _given(weight), _given(bias), num_groups, eps)


def instance_norm(input, running_mean=None, running_var=None, weight=None, bias=None,  # noqa: A002
                  use_input_stats: bool = True, momentum: float = 0.1, eps: float = 1e-5):
    """Normalise each channel of each sample over its spatial axes: PyTorch's way, batch_norm of the
    input viewed as (1, N·C, …), the per-channel settings repeated N times."""
    shape = input._array.shape
    n, c = shape[0], shape[1]
    repeat = [None if t is None else t.repeat(n) for t in (weight, bias, running_mean, running_var)]
    folded = reshape(input, (1, n * c) + shape[2:])
    out = batch_norm(folded, repeat[2], repeat[3], repeat[0], repeat[1], use_input_stats, momentum, eps)
    if running_mean is not None and use_input_stats:  # the average of the N updated copies, as PyTorch
        for stats, updated in ((running_mean, repeat[2]), (running_var, repeat[3])):
            stats._array[...] = updated._array.reshape(n, c).mean(axis=0)
            stats._vc[0] += 1
    return reshape(out, shape)


def rms_norm(input, normalized_shape, weight=None, eps: float | None = None):  # noqa: A002
    """x / √(mean(x²) + ε) over the last dimensions, times γ: PyTorch's composite (ε defaults to the
    dtype's machine epsilon)."""
    if isinstance(normalized_shape, int):
        normalized_shape = (normalized_shape,)
    normalized_shape = tuple(normalized_shape)
    shape = input._array.shape
    if not normalized_shape or shape[len(shape) - len(normalized_shape):] != normalized_shape:
        raise RuntimeError(f"Given normalized_shape={list(normalized_shape)}, expected input with shape "
                           f"[*{', '.join(str(s) for s in normalized_shape)}], but got input of size"
                           f"{list(shape)}")  # (PyTorch's rms_norm writes "[*4]", without layer_norm's comma)
    if eps is None:
        eps = float(np.finfo(input._array.dtype).eps)
    dims = tuple(range(-len(normalized_shape), 0))
    mean_square = _mean(_ew.mul(input, input), dims, keepdim=True)
    out = _ew.mul(input, _unary.rsqrt(_ew.add(mean_square, eps)))
    return out if weight is None else _ew.mul(out, weight)


def local_response_norm(input, size: int, alpha: float = 1e-4, beta: float = 0.75, k: float = 1.0):  # noqa: A002
    """x / (k + α·mean of x² over the ``size`` neighbouring channels)^β: PyTorch's composite, its 3-d
    average pool over channels done as a 2-d pool of the (N, 1, C, rest) view (the same average)."""
    dim = input._array.ndim
    if dim < 3:
        raise ValueError("Expected 3D or higher dimensionality                          input (got "
                         f"{dim} dimensions)")  # PyTorch's words, with the gap its source leaves
    if input._array.size == 0:
        return input
    from_shape = input._array.shape
    div = _ew.mul(input, input)
    div = reshape(div, (from_shape[0], 1, from_shape[1], -1))
    div = pad(div, (0, 0, size // 2, (size - 1) // 2))
    div = reshape(avg_pool2d(div, (size, 1), stride=1), from_shape)
    div = _ew.pow(_ew.add(_ew.mul(div, alpha), k), beta)
    return _ew.div(input, div)


def normalize(input, p: float = 2.0, dim: int = 1, eps: float = 1e-12, out=None):  # noqa: A002
    """x / max(‖x‖ₚ, eps) along ``dim``: each slice scaled to unit p-norm (the norm: ops/linalg.py)."""
    if not isinstance(input, Tensor):
        raise TypeError(f"normalize(): argument 'input' must be Tensor, not {type(input).__name__}")
    n = norm(input, float(p), input._dim(dim), keepdim=True)
    return _ew.div(input, expand(_unary.clamp(n, min=eps), input._array.shape))  # PyTorch's steps
