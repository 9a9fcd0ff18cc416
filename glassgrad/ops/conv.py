"""Convolution: conv2d, conv1d and conv_transpose2d (pooling, which reuses these windows, is in pool.py).

Part III, the last op family (after linalg.py). A convolution is a matrix product in disguise:
*im2col* copies every kernel-sized window of the (padded) input into one column of a matrix

    cols[(c, i, j), (n, y, x)] = x_pad[n, c, y·s + i·d, x·s + j·d]

so that ``out[n, o, y, x] = Σ_(c,i,j) W[o, (c, i, j)] · cols[(c, i, j), (n, y, x)] + b[o]``: one BLAS
matmul for the whole batch. Backward is the same product read the other way round:

    ∂L/∂W    = G @ colsᵀ         (G[o, (n, y, x)] = ∂L/∂out)
    ∂L/∂cols = Wᵀ @ G,           then *col2im* adds each column back onto the window it came from
    ∂L/∂b[o] = Σ_(n,y,x) G[o, (n, y, x)]

The copies in and out of the window layout loop over the kernel offsets (i, j) — kh·kw strided numpy
copies — never over pixels or samples. (Winograd's F(2×2, 3×3), 2.25× fewer multiplications for a
3×3 stride-1 convolution, measured 1.04–2.4× slower forward + backward in numpy at the CNN benchmark's
shapes: its tile transforms are strided passes over the data, and its 16 products have only C rows.)
Pooling (pool.py) uses the same windows: a max (whose gradient goes to the first maximum of each
window, as PyTorch's does) or a mean.

Shapes follow PyTorch: inputs are (N, C, H, W) or unbatched (C, H, W); 1-d forms (N, C, L) reuse the 2-d
code with H = 1. A grouped convolution (``groups=G``: ResNeXt, depthwise) is G independent convolutions
side by side — group g's C/G input channels to its O/G output channels — each through the same im2col. Options (stride, padding, dilation, kernel_size) are an int or a tuple, and the error
for a bad argument is PyTorch's own.
"""

from __future__ import annotations

import numbers

import numpy as np

from glassgrad.autograd.function import Primitive, autocast_hook
from glassgrad.dtypes import TORCH_NAMES, is_float
from glassgrad.creation import zeros
from glassgrad.ops.joining import cat
from glassgrad.ops.shape import SqueezeDim, Unsqueeze
from glassgrad.tensor import Tensor

__all__ = ["conv2d", "conv1d", "conv_transpose2d", "conv_transpose1d"]

# A convolution without a bias still has three inputs in PyTorch's graph (its next_functions end with
# None): this empty tensor stands in for the bias that was left out.
_NO_BIAS = Tensor._wrap(np.zeros(0, np.float32))

# conv2d's batch goes through in slices whose im2col matrix is about this size (at least one sample):
# small enough to stay in cache, large enough for full-speed matmuls.
_SLICE_BYTES = 1 << 20

# conv2d's matmuls sum their inner dimension in blocks (see _matmul_in_blocks): forward's W @ cols over
# C·kh·kw in blocks of 128, backward's Wᵀ @ G over the output channels in blocks of 64.
_FORWARD_BLOCK, _BACKWARD_BLOCK = 128, 64


# --- argument handling ---------------------------------------------------------------------------------
def _tuple(value, n: int, name: str, what: str = "convolution dimensions") -> tuple:
    """An int or a sequence of n ints as an n-tuple (PyTorch's error for a wrong length)."""
    if isinstance(value, numbers.Integral):
        return (int(value),) * n
    value = tuple(value)
    if len(value) == 1:
        value = value * n
    if len(value) != n or not all(isinstance(v, numbers.Integral) for v in value):
        raise RuntimeError(f"expected {name} to be a single integer value or a list of {n} values to "
                           f"match the {what}, but got {name}={list(value)}")
    return tuple(int(v) for v in value)


def _shape(a) -> str:
    return str(list(a.shape))


def _pad_view(x: np.ndarray, pads: tuple, value=0) -> np.ndarray:
    """x (N, C, H, W) with (top, bottom, left, right) rows/columns of ``value`` around it."""
    top, bottom, left, right = pads
    if not (top or bottom or left or right):
        return x
    n, c, h, w = x.shape
    out = np.full((n, c, h + top + bottom, w + left + right), value, dtype=x.dtype)
    out[:, :, top:top + h, left:left + w] = x
    return out


def _window(a: np.ndarray, i0: int, j0: int, oh: int, ow: int, sh: int, sw: int) -> np.ndarray:
    """The strided view a[..., i0 + y·sh, j0 + x·sw] for y < oh, x < ow (one kernel offset)."""
    return a[..., i0:i0 + sh * (oh - 1) + 1:sh, j0:j0 + sw * (ow - 1) + 1:sw]


# --- convolution ---------------------------------------------------------------------------------------
class Conv2d(Primitive):
    """out[n,o,y,x] = b[o] + Σ_(c,i,j) W[o,c,i,j] · x_pad[n, c, y·s_h + i·d_h, x·s_w + j·d_w]

    With G groups, W is (O, C/G, kh, kw) and output channel o reads only its group's input channels:
    c runs over g·C/G ... (g+1)·C/G − 1 for g = o // (O/G). Forward and backward below then run once per
    group on those channels (G = 1: the whole tensors).

    Backward, with G = ∂L/∂out and cols the im2col matrix of forward:
    ∂L/∂W = G @ colsᵀ;  ∂L/∂b = Σ_(n,y,x) G;  ∂L/∂x = col2im(Wᵀ @ G) (each window's gradient added back
    where the window was read, then the padding cut off).

    A large batch goes through in slices of samples (_ConvGeometry.parts), each with its own ~1 MB
    cols: the products are the same per slice (∂L/∂W summed over them), but the copies stay in cache
    and cols is never held from forward to backward — backward rebuilds each slice's cols from the
    saved input. Kept whole, cols is kh·kw times the input's size: most of a CNN's peak memory.
    (Keeping every slice's cols when all of them are small — under 32 MB — measured slower, not
    faster: 1.15–1.5× the CNN step at C = 8 and 32, the fresh memory for each slice costing more than
    the copies it saves.)
    W @ cols and Wᵀ @ G add up their inner dimension in blocks (_matmul_in_blocks): as accurate in float32
    as PyTorch's convolution, where one long BLAS chain was up to 2x less.
    """

    node_name = "ConvolutionBackward0"  # PyTorch's one node for every convolution
    differentiable_backward = True  # create_graph: _backward_as_ops, the same gradients as recorded ops

    @staticmethod
    def forward(ctx, x, w, b, stride, pads, dilation, shape4, groups=1):
        x_in, w_in, w_shape = x, w, w.shape
        x = x.reshape(shape4[0])
        w = w.reshape(shape4[1])
        o, c, kh, kw = w.shape  # c: input channels per group
        og = o // groups  # output channels per group
        geo = _ConvGeometry((x.shape[0], c) + x.shape[2:], (kh, kw), stride, pads, dilation)
        w2 = w.reshape(o, c * kh * kw)
        out = np.empty((geo.n, o, geo.oh, geo.ow), dtype=np.result_type(x, w))
        for g in range(groups):
            xg, wg = x[:, g * c:(g + 1) * c], w2[g * og:(g + 1) * og]
            for part in geo.parts():
                cols = geo.im2col(xg[part])  # (C·kh·kw, n·OH·OW): every window of these samples a column
                prod = _matmul_in_blocks(wg, cols, _FORWARD_BLOCK)  # the slice's product
                if b is not _NO_BIAS._array:
                    prod += b[g * og:(g + 1) * og].reshape(og, 1)
                out[part, g * og:(g + 1) * og] = geo.grid_to_output(prod, og)
        if ctx.needs_input_grad:
            whole = part == slice(None) and groups == 1  # one slice: its cols is all of them, keep it
            ctx.save_for_backward(x_in, cols if whole and ctx.needs_input_grad[1] else None, w2, w_in)
            ctx.geometry = (x_in.shape, w_shape, geo, groups)
        if len(shape4) == 3:  # an unbatched or 1-d call: give back the shape it asked for
            out = out.reshape(shape4[2])
        return out

    @staticmethod
    def meta_output(x, w, b, stride, pads, dilation, shape4, groups=1):
        """On the meta device (glassgrad/meta.py): the output's shape and dtype, nothing computed, so
        ``conv(torch.rand(1024, 3, 2**16, 2**16, device="meta"))`` answers at once."""
        o, c, kh, kw = shape4[1]
        geo = _ConvGeometry((shape4[0][0], c) + tuple(shape4[0][2:]), (kh, kw), stride, pads, dilation)
        return (shape4[2] if len(shape4) == 3 else (geo.n, o, geo.oh, geo.ow)), np.result_type(x, w)

    @staticmethod
    def backward(ctx, g):
        if isinstance(g, Tensor):  # create_graph=True: the gradients as recorded ops, so they differentiate
            return _backward_as_ops(ctx, g)
        x, cols, w2, _ = ctx.saved_tensors
        in_shape, w_shape, geo, groups = ctx.geometry
        need_x, need_w, need_b = ctx.needs_input_grad[:3]
        o, c = w2.shape[0], geo.c  # c: input channels per group
        og = o // groups
        x = x.reshape(geo.n, c * groups, geo.h, geo.w)
        g = g.reshape(geo.n, o, geo.oh, geo.ow)
        grad_x = np.empty(x.shape, dtype=g.dtype) if need_x else None
        grad_w = np.zeros(w2.shape, dtype=g.dtype) if need_w else None
        for k in range(groups):
            xk, wk, ck, ok = x[:, k * c:(k + 1) * c], w2[k * og:(k + 1) * og], slice(k * c, (k + 1) * c), \
                slice(k * og, (k + 1) * og)
            for part in geo.parts():
                g2 = geo.output_to_grid(g[part, ok], og)  # G as (O, n·OH·OW), matching cols
                if need_w:
                    grad_w[ok] += g2 @ (geo.im2col(xk[part]) if cols is None else cols).T
                if need_x:
                    grad_x[part, ck] = geo.col2im(_matmul_in_blocks(wk.T, g2, _BACKWARD_BLOCK))
        grad_b = g.sum(axis=(0, 2, 3)) if need_b else None
        if need_x:
            grad_x = grad_x.reshape(in_shape)
        if need_w:
            grad_w = grad_w.reshape(w_shape)
        return grad_x, grad_w, grad_b, None, None, None, None, None


def _backward_as_ops(ctx, g: Tensor) -> tuple:
    """Conv2d's gradients written with convolutions themselves, for second derivatives (WGAN-GP's gradient
    penalty, MAML, neural tangent kernels):

        ∂L/∂x = conv_transpose2d(G, W), sized to the padded input, the padding then cut off
        ∂L/∂W = conv2d(x_padᵀ, Gᵀ) with stride and dilation swapped (batch and channels exchanged:
                each weight is a correlation of the input with the output gradient over the batch)
        ∂L/∂b = Σ_(n,y,x) G
    """
    x, _, _, w = ctx.saved_tensors
    in_shape, w_shape, geo, groups = ctx.geometry
    need_x, need_w, need_b = ctx.needs_input_grad[:3]
    o, c, kh, kw = w_shape[0], geo.c, geo.kh, geo.kw  # (conv1d's (O, C, k) is (O, C, 1, k) here)
    og = o // groups
    top, bottom, left, right = geo.pads
    x4, w4 = x.reshape(geo.n, c * groups, geo.h, geo.w), w.reshape(o, c, kh, kw)
    g4 = g.reshape(geo.n, o, geo.oh, geo.ow)
    stride, dilation = (geo.sh, geo.sw), (geo.dh, geo.dw)
    grad_x = grad_w = grad_b = None
    if need_x:
        reach = ((geo.oh - 1) * geo.sh + geo.dh * (kh - 1) + 1, (geo.ow - 1) * geo.sw + geo.dw * (kw - 1) + 1)
        extra = (geo.hp - reach[0], geo.wp - reach[1])  # rows and columns no window reached
        parts = [conv_transpose2d(g4[:, k * og:(k + 1) * og], w4[k * og:(k + 1) * og], stride=stride,
                                  output_padding=extra, dilation=dilation) for k in range(groups)]
        gx = parts[0] if groups == 1 else cat(parts, 1)
        grad_x = gx[:, :, top:top + geo.h, left:left + geo.w].contiguous().reshape(in_shape)
    if need_w:
        symmetric = top == bottom and left == right
        parts = []
        for k in range(groups):
            xk = x4[:, k * c:(k + 1) * c]
            if not symmetric:  # pad by hand (the 'same' padding of an even kernel is uneven)
                xk = _zero_padded(xk, geo.pads)
            wk = conv2d(xk.transpose(0, 1), g4[:, k * og:(k + 1) * og].transpose(0, 1), stride=dilation,
                        padding=(top, left) if symmetric else 0, dilation=stride)
            parts.append(wk[:, :, :kh, :kw].transpose(0, 1))
        grad_w = (parts[0] if groups == 1 else cat(parts, 0)).reshape(w_shape)
    if need_b:
        grad_b = g4.sum(dim=(0, 2, 3))
    return grad_x, grad_w, grad_b, None, None, None, None, None


class LinearBackward(Primitive):
    """The backward of an op that is linear in one input, y = A·x, recorded as an op of its own for
    second derivatives (create_graph=True):

        out = Aᵀ·g                  (the op's own numpy backward, on g's numbers)
        ∂L/∂g = A·gg                (the op's ``linear_map(node, gg)``: its forward again, as recorded ops)

    Pooling, pixel shuffles and embedding lookups are such ops: their ∂/∂x does not depend on x (the
    max pool's winners are fixed by the forward), so ∂²y/∂x² = 0 and Aᵀ·g is linear in g — this node is
    the whole second-order story. The original op's node is kept (``ctx.node``) for both directions.
    """

    node_name = "LinearBackward"

    @staticmethod
    def forward(ctx, g, node, position):
        ctx.node, ctx.position = node, position
        diff_mode, node._diff_mode = node._diff_mode, False  # read what forward saved as arrays
        try:
            return node.function.backward(node, g)[position]
        finally:
            node._diff_mode = diff_mode

    @staticmethod
    def backward(ctx, gg):
        if isinstance(gg, Tensor):  # create_graph again: A·gg recorded, so it differentiates too
            return ctx.node.function.linear_map(ctx.node, gg), None, None
        return ctx.node.function.linear_map(ctx.node, Tensor._wrap(gg))._array, None, None


def linear_backward(node, g: Tensor, position: int = 0) -> Tensor:
    """Aᵀ·g as one recorded op (LinearBackward), for the backward of an op linear in input ``position``."""
    return LinearBackward.apply(g, node, position)


def _zero_padded(x: Tensor, pads: tuple) -> Tensor:
    """x (N, C, H, W) with zero rows and columns added (top, bottom, left, right), as recorded ops."""
    top, bottom, left, right = pads
    n, c, h, w = x.shape
    rows = [t for t in (zeros(n, c, top, w, dtype=x.dtype), x, zeros(n, c, bottom, w, dtype=x.dtype)) if t.shape[2]]
    x = cat(rows, 2)
    h = x.shape[2]
    cols = [t for t in (zeros(n, c, h, left, dtype=x.dtype), x, zeros(n, c, h, right, dtype=x.dtype)) if t.shape[3]]
    return cat(cols, 3)


def _matmul_in_blocks(a, b, block):
    """a @ b with the inner dimension summed in blocks: Σ_k a[:, k:k+block] @ b[k:k+block].

    OpenBLAS's sgemm adds all K products of an element in one float32 chain, PyTorch's convolution in
    blocks, and the long chain's rounding error grows with K. Measured against float64 (rms, ResNet-18's
    shapes), one chain was 1.2-1.4x PyTorch's error for out = W @ cols and 1.7-2.2x for ∂L/∂cols = Wᵀ @ G
    at O = 256 and 512 on 2x2 and 1x1 maps (where most of ∂L/∂x is one such sum); the blocks bring both
    to 0.45-1.2x (tests/test_drift_resnet.py). Smaller forward blocks were worse on 1x1 maps, where a
    block of (c, i, j) rows holds only block/9 non-padding products and the many partial sums then add
    up in one chain of their own. The cost, one more small product and add per block on a slice's
    cache-sized cols: 0-5% of the CNN benchmark's step (CPU time, C = 32 and 64), ~3% of a ResNet-18
    step, about the noise of the shared machine it was measured on.
    """
    out = a[:, :block] @ b[:block]
    for start in range(block, a.shape[1], block):
        out += a[:, start:start + block] @ b[start:start + block]
    return out


class _ConvGeometry:
    """Where each window of a convolution reads, and the copies into and out of the im2col layout.

    cols has the layout (C, kh, kw, N, OH, OW): for one kernel offset (i, j) its block is one strided
    copy of the padded input, so im2col and col2im loop over kh·kw offsets, never over pixels. The
    padded input is first laid out as (C, N, Hp, Wp), contiguous, so that each of those copies reads
    whole rows in memory order (reading through a transposed (N, C) view instead was 1.5–2× slower).

    Exactly OH·OW columns per image: an earlier "flat" trick (one contiguous slice per offset, computing
    Wp columns per row and dropping the Wp − OW wrapped-around ones) made the copies long but every
    matmul 7% (28×28, padding 1) to 14% (14×14) larger; with the contiguous padded buffer the exact
    copies are as fast as the flat ones, so the matmuls no longer pay for garbage columns.
    """

    def __init__(self, shape, kernel, stride, pads, dilation):
        self.n, self.c, self.h, self.w = shape
        self.kh, self.kw = kernel
        self.sh, self.sw = stride
        self.dh, self.dw = dilation
        self.pads = pads
        top, bottom, left, right = pads
        self.hp, self.wp = self.h + top + bottom, self.w + left + right
        self.oh = (self.hp - self.dh * (self.kh - 1) - 1) // self.sh + 1
        self.ow = (self.wp - self.dw * (self.kw - 1) - 1) // self.sw + 1

    def parts(self):
        """Slices of the batch whose cols are about _SLICE_BYTES each (the whole batch: slice(None))."""
        per_sample = self.c * self.kh * self.kw * self.oh * self.ow * 4
        step = max(1, _SLICE_BYTES // per_sample)
        if step >= self.n:
            return [slice(None)]
        return [slice(start, start + step) for start in range(0, self.n, step)]

    def _offsets(self):
        for i in range(self.kh):
            for j in range(self.kw):
                yield i, j

    def _padded(self, x):
        """x (N, C, H, W) as a contiguous zero-padded (C, N, Hp, Wp) array: one transposing copy."""
        top, _, left, _ = self.pads
        if x.shape[2:] == (self.hp, self.wp):  # no padding: the transposing copy alone
            return np.ascontiguousarray(x.transpose(1, 0, 2, 3))
        buf = np.zeros((self.c, x.shape[0], self.hp, self.wp), dtype=x.dtype)
        buf[:, :, top:top + self.h, left:left + self.w] = x.transpose(1, 0, 2, 3)
        return buf

    def im2col(self, x):
        """x (n, C, H, W) -> cols (C·kh·kw, n·OH·OW): every window a column (n: any number of samples)."""
        n, c, oh, ow = x.shape[0], self.c, self.oh, self.ow
        xp = self._padded(x)
        cols = np.empty((c, self.kh, self.kw, n, oh, ow), dtype=x.dtype)
        for i, j in self._offsets():
            cols[:, i, j] = _window(xp, i * self.dh, j * self.dw, oh, ow, self.sh, self.sw)
        return cols.reshape(c * self.kh * self.kw, n * oh * ow)

    def grid_to_output(self, out, o):
        """(O, n·OH·OW) product -> (n, O, OH, OW) view."""
        return out.reshape(o, -1, self.oh, self.ow).transpose(1, 0, 2, 3)

    def output_to_grid(self, g, o):
        """∂L/∂out (n, O, OH, OW) -> (O, n·OH·OW), matching the columns of cols."""
        g = g.reshape(-1, o, self.oh, self.ow).transpose(1, 0, 2, 3)
        return g.reshape(o, -1)

    def col2im(self, dcols):
        """Add each window's gradient back where it was read; cut the padding off. (N, C, H, W) view.

        kh·kw strided additions into one buffer. (Measured against the one-pass alternative, an
        im2col of the padded output gradient against flipped weights: that was slower, 60–91 ms
        against 54–72 ms at C = 32/64, batch 128, since its column matrix has O rather than C rows.)
        """
        c, oh, ow = self.c, self.oh, self.ow
        n = dcols.size // (c * self.kh * self.kw * oh * ow)
        top, _, left, _ = self.pads
        dcols = dcols.reshape(c, self.kh, self.kw, n, oh, ow)
        gxp = np.zeros((c, n, self.hp, self.wp), dtype=dcols.dtype)
        for i, j in self._offsets():
            _window(gxp, i * self.dh, j * self.dw, oh, ow, self.sh, self.sw)[...] += dcols[:, i, j]
        return gxp[:, :, top:top + self.h, left:left + self.w].transpose(1, 0, 2, 3)


def _check_conv(name: str, input, weight, bias, dims: int, groups):
    """Validate a conv call's tensors as PyTorch does; returns (batched, input shape as N,C,*)."""
    for arg, t in (("input", input), ("weight", weight)):
        if not isinstance(t, Tensor):
            raise TypeError(f"{name}(): argument '{arg}' (position {1 if arg == 'input' else 2}) must be "
                            f"Tensor, not {type(t).__name__}")
    if bias is not None and not isinstance(bias, Tensor):
        raise TypeError(f"{name}(): argument 'bias' (position 3) must be Tensor, not "
                        f"{type(bias).__name__}")
    x, w = input._array, weight._array
    if x.ndim not in (dims + 1, dims + 2):
        raise RuntimeError(f"Expected {dims + 1}D (unbatched) or {dims + 2}D (batched) input to {name}, "
                           f"but got input of size: {_shape(x)}")
    if w.ndim != dims + 2:
        raise RuntimeError(f"Expected {dims + 2}D weight for {name} (out_channels, in_channels, "
                           f"{'kernel' if dims == 1 else 'kH, kW'}), but got weight of size {_shape(w)}")
    batched = x.ndim == dims + 2
    shape = x.shape if batched else (1,) + x.shape
    autocasting = autocast_hook() is not None  # autocast casts input, weight and bias alike
    if x.dtype != w.dtype and not autocasting:
        if not is_float(x.dtype) or not is_float(w.dtype):
            raise RuntimeError(f"expected scalar type {TORCH_NAMES.get(x.dtype.name, x.dtype.name)} but "
                               f"found {TORCH_NAMES.get(w.dtype.name, w.dtype.name)}")
        raise RuntimeError(f"Input type (torch.{TORCH_NAMES.get(x.dtype.name)}Tensor) and weight type "
                           f"(torch.{TORCH_NAMES.get(w.dtype.name)}Tensor) should be the same")
    if x.dtype.kind == "b":
        raise NotImplementedError("\"slow_conv2d_cpu\" not implemented for 'Bool'")
    if bias is not None:
        b = bias._array
        if b.shape != (w.shape[0],):
            raise RuntimeError(f"Given weight of size {_shape(w)}, expected bias to be 1-dimensional with "
                               f"{w.shape[0]} elements, but got bias of size {_shape(b)} instead")
        if b.dtype != x.dtype and not autocasting:
            names = {"float64": "double", "float32": "float", "float16": "half"}
            raise RuntimeError(f"Input type ({names.get(x.dtype.name, x.dtype.name)}) and bias type "
                               f"({names.get(b.dtype.name, b.dtype.name)}) should be the same")
    if isinstance(groups, bool) or not isinstance(groups, numbers.Integral):
        raise TypeError(f"{name}() received an invalid combination of arguments - got groups="
                        f"{type(groups).__name__}, but expected int groups = 1")
    if groups <= 0:
        raise RuntimeError("non-positive groups is not supported")
    if w.shape[0] % groups != 0:
        raise RuntimeError(f"Given groups={groups}, expected weight to be divisible by {groups} at dimension 0, "
                           f"but got weight of size [{_shape(w)}] instead")
    if shape[1] != w.shape[1] * groups:
        raise RuntimeError(f"Given groups={groups}, weight of size {_shape(w)}, expected input{list(shape)} to "
                           f"have {w.shape[1] * groups} channels, but got {shape[1]} channels instead")
    return batched, shape


def _conv(name: str, input, weight, bias, stride, padding, dilation, groups, dims: int):
    """conv1d/conv2d: check everything, turn the options into 2-d form and call the Conv2d Function.
    An unbatched input gets a batch of one around the convolution, as in PyTorch."""
    batched, shape = _check_conv(name, input, weight, bias, dims, groups)
    if not batched:
        input = Unsqueeze.apply(input, shape)  # noqa: A001
    stride = _tuple(stride, dims, "stride")
    dilation = _tuple(dilation, dims, "dilation")
    if min(stride) <= 0:
        raise RuntimeError("non-positive stride is not supported")
    if min(dilation) <= 0:
        raise RuntimeError("non-positive dilation is not supported")
    kernel = weight._array.shape[2:]
    if isinstance(padding, str):
        if padding == "valid":
            padding = (0,) * dims
        elif padding == "same":
            if any(s != 1 for s in stride):
                raise RuntimeError("padding='same' is not supported for strided convolutions")
            # PyTorch pads d·(k-1) in total; an odd total puts the extra row/column on the far side.
            total = [d * (k - 1) for d, k in zip(dilation, kernel)]
            pairs = [(t // 2, t - t // 2) for t in total]
            padding = None
        else:
            raise RuntimeError(f"Invalid padding string: '{padding}'")
    if padding is not None:
        padding = _tuple(padding, dims, "padding")
        if min(padding) < 0:
            raise RuntimeError("negative padding is not supported")
        pairs = [(p, p) for p in padding]
    spatial = shape[2:]
    padded = [s + a + b for s, (a, b) in zip(spatial, pairs)]
    effective = [d * (k - 1) + 1 for d, k in zip(dilation, kernel)]
    if any(p < e for p, e in zip(padded, effective)):
        join = " x ".join
        raise RuntimeError(f"Calculated padded input size per channel: ({join(map(str, padded))}). "
                           f"Kernel size: ({join(map(str, effective))}). Kernel size can't be greater "
                           "than actual input size")
    if dims == 1:  # a 1-d convolution is a 2-d one over a height of 1
        stride, dilation, pairs = (1,) + stride, (1,) + dilation, [(0, 0)] + pairs
        x4 = (shape[0], shape[1], 1, shape[2])
        w4 = weight._array.shape[:2] + (1,) + kernel
    else:
        x4, w4 = shape, weight._array.shape
    pads = pairs[0] + pairs[1]
    out_spatial = [(p - e) // s + 1 for p, e, s in zip(padded, effective, stride[-dims:])]
    out_shape = (shape[0], weight._array.shape[0]) + tuple(out_spatial)
    shape4 = (x4, w4) if dims == 2 else (x4, w4, out_shape)
    out = Conv2d.apply(input, weight, _NO_BIAS if bias is None else bias, stride, pads, dilation, shape4,
                       int(groups))
    return out if batched else SqueezeDim.apply(out, out_shape[1:])


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):  # noqa: A002
    """2-d cross-correlation, as ``torch.nn.functional.conv2d``.

    input (N, C, H, W) or (C, H, W); weight (O, C/groups, kH, kW); bias (O,) or None. padding is an int, a pair,
    ``"valid"`` (none) or ``"same"`` (output as large as the input; stride must be 1). Output size per
    axis: ⌊(H + 2p − d·(k − 1) − 1) / s⌋ + 1. The math and the gradients: see the Conv2d Function.
    """
    return _conv("conv2d", input, weight, bias, stride, padding, dilation, groups, 2)


def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):  # noqa: A002
    """1-d cross-correlation, as ``torch.nn.functional.conv1d``: input (N, C, L) or (C, L), weight
    (O, C, k). out[n,o,t] = b[o] + Σ_(c,i) W[o,c,i] · x_pad[n, c, t·s + i·d] — a conv2d with height 1."""
    return _conv("conv1d", input, weight, bias, stride, padding, dilation, groups, 1)


# --- transposed convolution ----------------------------------------------------------------------------
class ConvTranspose2d(Primitive):
    """The transposed convolution is conv2d's input-gradient used as a layer: each input pixel stamps a
    weighted copy of the kernel onto the output (stride apart), overlapping stamps adding up.

        cols = W2ᵀ @ X      (W2 = W as (C_in, C_out·kh·kw);  X = x as (C_in, N·H·W))
        out  = col2im(cols) + b,   output size (H − 1)·s − 2p + d·(k − 1) + output_padding + 1

    That is exactly conv2d's ∂L/∂x formula, so backward is conv2d's forward and weight gradient:
    ∂L/∂x = W2 @ im2col(G) (a conv2d of G with W);  ∂L/∂W2 = X @ im2col(G)ᵀ;  ∂L/∂b = Σ_(n,y,x) G.
    The geometry (windows, padding) is that of the conv2d whose input has the
    output's size — _ConvGeometry, read the other way round.
    """

    node_name = "ConvolutionBackward0"  # PyTorch's one node for every convolution, transposed too
    differentiable_backward = True  # create_graph: _transposed_backward_as_ops

    @staticmethod
    def forward(ctx, x, w, b, stride, pads, dilation, out_shape):
        c_in, c_out, kh, kw = w.shape
        x_shape, x_in = x.shape, x
        geo = _ConvGeometry(out_shape, (kh, kw), stride, pads, dilation)
        w2 = w.reshape(c_in, c_out * kh * kw)
        if (geo.oh, geo.ow) != x.shape[2:]:
            # output_padding ≥ stride (allowed when dilation is larger) adds rows no input pixel reaches:
            # conv2d's view of the output has one more window there; give it a zero input pixel.
            grown = np.zeros(x.shape[:2] + (geo.oh, geo.ow), dtype=x.dtype)
            grown[:, :, :x.shape[2], :x.shape[3]] = x
            x = grown
        xg = geo.output_to_grid(x, c_in)  # x read as conv2d's output gradient: (C_in, N·rows·cols)
        out = geo.col2im(w2.T @ xg)
        if b is not _NO_BIAS._array:
            out = out + b.reshape(1, c_out, 1, 1)
        if ctx.needs_input_grad:  # x and w themselves only for second derivatives
            ctx.save_for_backward(xg if ctx.needs_input_grad[1] else None, w2, x_in, w)
            ctx.geometry = (x_shape, w.shape, geo)
            ctx.options = (stride, pads, dilation)
        return np.ascontiguousarray(out)

    @staticmethod
    def backward(ctx, g):
        if isinstance(g, Tensor):  # create_graph=True: the gradients as recorded convolutions
            return _transposed_backward_as_ops(ctx, g)
        xg, w2, _, _ = ctx.saved_tensors
        x_shape, w_shape, geo = ctx.geometry
        need_x, need_w, need_b = ctx.needs_input_grad[:3]
        cols = geo.im2col(np.ascontiguousarray(g))  # G's windows, one column per input pixel
        grad_x = grad_w = grad_b = None
        if need_x:
            grad_x = geo.grid_to_output(w2 @ cols, w2.shape[0])[:, :, :x_shape[2], :x_shape[3]]
            grad_x = np.ascontiguousarray(grad_x)
        if need_w:
            grad_w = (xg @ cols.T).reshape(w_shape)
        if need_b:
            grad_b = g.sum(axis=(0, 2, 3))
        return grad_x, grad_w, grad_b, None, None, None, None


class ConvTranspose1d(ConvTranspose2d):
    """conv_transpose2d over a height of 1: x (N, C_in, L) read as (N, C_in, 1, L) and W (C_in, C_out, k)
    as (C_in, C_out, 1, k); the same math and gradients, PyTorch's one node."""

    node_name = "ConvolutionBackward0"

    @staticmethod
    def forward(ctx, x, w, b, stride, pads, dilation, out_shape):
        out = ConvTranspose2d.forward(ctx, x[:, :, None, :], w[:, :, None, :], b, stride, pads, dilation,
                                      out_shape)
        if ctx.needs_input_grad:  # the 1-d x and w themselves, so create_graph finds them on the graph
            ctx.save_for_backward(*ctx._saved[:2], x, w)
        return out[:, :, 0, :]

    @staticmethod
    def backward(ctx, g):
        grad_x, grad_w, grad_b, *rest = ConvTranspose2d.backward(ctx, g[:, :, None, :])
        return (None if grad_x is None else grad_x[:, :, 0, :],
                None if grad_w is None else grad_w[:, :, 0, :], grad_b, *rest)


def _transposed_backward_as_ops(ctx, g: Tensor) -> tuple:
    """ConvTranspose2d's gradients written with conv2d, for second derivatives:

        ∂L/∂x = conv2d(G, W) with the same stride, padding and dilation (the transposed convolution's
                adjoint), cut to x's size (output_padding's extra rows reach no input pixel)
        ∂L/∂W = conv2d(Gᵀ, xᵀ) with stride and dilation swapped (batch and channels exchanged), cut to
                the kernel's size
        ∂L/∂b = Σ_(n,y,x) G
    """
    _, _, x, w = ctx.saved_tensors
    stride, pads, dilation = ctx.options
    need_x, need_w, need_b = ctx.needs_input_grad[:3]
    if x.dim() == 3:  # conv_transpose1d (g arrives as (N, C, 1, L)): the 2-d formulas over a height of 1
        x, w = x.unsqueeze(2), w.unsqueeze(2)
    g4 = g
    padding = (pads[0], pads[2])
    grad_x = grad_w = grad_b = None
    if need_x:
        gx = conv2d(g4, w, stride=stride, padding=padding, dilation=dilation)
        grad_x = gx[:, :, :x.shape[2], :x.shape[3]]
    if need_w:
        kh, kw = w.shape[2:]
        gw = conv2d(g4.transpose(0, 1), x.transpose(0, 1), stride=dilation, padding=padding, dilation=stride)
        grad_w = gw[:, :, :kh, :kw].transpose(0, 1)
    if need_b:
        grad_b = g4.sum(dim=(0, 2, 3))
    return grad_x, grad_w, grad_b, None, None, None, None  # (1-d: ConvTranspose1d takes row 0 of each)


def _conv_transpose(name: str, input, weight, bias, stride, padding, output_padding, groups,  # noqa: A002
                    dilation, dims: int):
    """conv_transpose1d/2d: check everything as PyTorch does, then call the Function (1-d: the 2-d
    one over a height of 1)."""
    for arg, t, pos in (("input", input, 1), ("weight", weight, 2)):
        if not isinstance(t, Tensor):
            raise TypeError(f"{name}(): argument '{arg}' (position {pos}) must be Tensor, not "
                            f"{type(t).__name__}")
    x, w = input._array, weight._array
    if x.ndim not in (dims + 1, dims + 2):
        raise RuntimeError(f"Expected {dims + 1}D (unbatched) or {dims + 2}D (batched) input to {name}, "
                           f"but got input of size: {_shape(x)}")
    if w.ndim < 3:
        raise RuntimeError("weight should have at least three dimensions")
    if w.ndim != dims + 2:
        raise RuntimeError(f"weight should have at least three dimensions, but got weight of size "
                           f"{_shape(w)}")
    if x.dtype != w.dtype:
        raise RuntimeError(f"Input type (torch.{TORCH_NAMES.get(x.dtype.name)}Tensor) and weight type "
                           f"(torch.{TORCH_NAMES.get(w.dtype.name)}Tensor) should be the same")
    if groups != 1:
        raise NotImplementedError(f"{name}: groups={groups} is not supported by glassgrad "
                                  "(groups=1 only)")
    batched = x.ndim == dims + 2
    shape = x.shape if batched else (1,) + x.shape
    if shape[1] != w.shape[0]:
        raise RuntimeError(f"Given transposed=1, weight of size {_shape(w)}, expected input{list(shape)} "
                           f"to have {w.shape[0]} channels, but got {shape[1]} channels instead")
    if bias is not None and tuple(bias._array.shape) != (w.shape[1],):
        raise RuntimeError(f"Given transposed=1, weight of size {_shape(w)}, expected bias to be "
                           f"1-dimensional with {w.shape[1]} elements, but got bias of size "
                           f"{_shape(bias._array)} instead")
    stride = _tuple(stride, dims, "stride")
    padding = _tuple(padding, dims, "padding")
    output_padding = _tuple(output_padding, dims, "output_padding")
    dilation = _tuple(dilation, dims, "dilation")
    if min(stride) <= 0:
        raise RuntimeError("non-positive stride is not supported")
    if min(dilation) <= 0:
        raise RuntimeError("non-positive dilation is not supported")
    if min(padding) < 0:
        raise RuntimeError("negative padding is not supported")
    if dims == 1:  # the 2-d geometry with a height of 1
        stride, padding, output_padding, dilation = ((1,) + stride, (0,) + padding, (0,) + output_padding,
                                                     (1,) + dilation)
    if any(op >= max(s, d) for op, s, d in zip(output_padding, stride, dilation)):
        raise RuntimeError("output padding must be smaller than either stride or dilation, but got "
                           f"output_padding_height: {output_padding[0]} output_padding_width: "
                           f"{output_padding[1]} stride_height: {stride[0]} stride_width: {stride[1]} "
                           f"dilation_height: {dilation[0]} dilation_width: {dilation[1]}")
    kernel = w.shape[2:] if dims == 2 else (1,) + w.shape[2:]
    spatial = shape[2:] if dims == 2 else (1,) + shape[2:]
    out_hw = tuple((size - 1) * s - 2 * p + d * (k - 1) + op + 1
                   for size, s, p, d, k, op in zip(spatial, stride, padding, dilation, kernel,
                                                   output_padding))
    if min(out_hw) <= 0:
        raise RuntimeError(f"Given input size per channel: ({spatial[0]} x {spatial[1]}). Calculated output "
                           f"size per channel: ({out_hw[0]} x {out_hw[1]}). Output size is too small")
    if not batched:
        input = Unsqueeze.apply(input, shape)  # noqa: A001
    out_shape = (shape[0], w.shape[1]) + out_hw
    pads = (padding[0], padding[0], padding[1], padding[1])
    function = ConvTranspose2d if dims == 2 else ConvTranspose1d
    out = function.apply(input, weight, _NO_BIAS if bias is None else bias, stride, pads, dilation,
                         out_shape)
    final = out_shape[1:] if dims == 2 else out_shape[1:2] + out_hw[1:]
    return out if batched else SqueezeDim.apply(out, final)


def conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0,  # noqa: A002
                     groups=1, dilation=1):
    """2-d transposed convolution ("deconvolution"), as ``torch.nn.functional.conv_transpose2d``.

    input (N, C_in, H, W) or (C_in, H, W); weight (C_in, C_out, kH, kW); bias (C_out,) or None. Output
    size per axis: (H − 1)·s − 2p + d·(k − 1) + output_padding + 1 — conv2d with the same options maps
    that size back to H. The math and the gradients: see the ConvTranspose2d Function.
    """
    return _conv_transpose("conv_transpose2d", input, weight, bias, stride, padding, output_padding, groups,
                           dilation, 2)


def conv_transpose1d(input, weight, bias=None, stride=1, padding=0, output_padding=0,  # noqa: A002
                     groups=1, dilation=1):
    """1-d transposed convolution over (N, C_in, L) or (C_in, L), weight (C_in, C_out, k), as
    ``torch.nn.functional.conv_transpose1d``: conv_transpose2d over a height of 1. Output length
    (L − 1)·s − 2p + d·(k − 1) + output_padding + 1."""
    return _conv_transpose("conv_transpose1d", input, weight, bias, stride, padding, output_padding, groups,
                           dilation, 1)


TENSOR_METHODS: dict = {}
NUMPY: dict = {}
