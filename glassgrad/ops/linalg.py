"""Linear algebra: matmul (``@``), mm, bmm, mv, dot, nn.Linear's addmm, outer, einsum, the vector norms.

Part III, after the shape and indexing ops. For C = A @ B, each C[i, j] = Σₖ A[i, k]·B[k, j], so
∂L/∂A = ∂L/∂C @ Bᵀ and ∂L/∂B = Aᵀ @ ∂L/∂C: the same rule as Part II's Dense layer. The primitives are
PyTorch's: ``mm`` (two matrices), ``bmm`` (a batch of them), ``mv`` (matrix·vector), ``dot`` (vector·vector)
and ``addmm`` (nn.Linear's bias + x Wᵀ). ``matmul`` picks one as torch.matmul does, folding batch dims into
rows or reshaping both operands into one batch, so ``(x @ w).grad_fn`` is the node PyTorch would show.
``einsum`` generalises it all: the gradient of one operand is another einsum, of the upstream gradient
with the *other* operands, written into that operand's subscripts.
"""

from __future__ import annotations

import math

import numpy as np

from glassgrad.autograd.function import Primitive, autocast_hook
from glassgrad.dtypes import TORCH_NAMES, is_float
from glassgrad.ops._util import torch_keywords, unbroadcast
from glassgrad.ops.unary import clone
from glassgrad.ops.reduce import _array, _axes, _column_sum, _count, _expand_back
from glassgrad.ops.shape import Expand, SqueezeDim, T, Transpose, UnsafeView, Unsqueeze, _reshape, diagonal
from glassgrad.tensor import Tensor

__all__ = ["matmul", "mm", "bmm", "mv", "dot", "outer", "ger", "einsum", "norm", "dist"]


class Mm(Primitive):
    """out = a @ b for matrices a (n×k), b (k×m);  grad_a = g @ bᵀ,  grad_b = aᵀ @ g"""

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return a @ b

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        return g @ b.T if need_a else None, a.T @ g if need_b else None


class Bmm(Primitive):
    """out[i] = a[i] @ b[i] for batches of matrices;  grad_a[i] = g[i] @ b[i]ᵀ,  grad_b[i] = a[i]ᵀ @ g[i]"""

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return np.matmul(a, b)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        return (np.matmul(g, np.swapaxes(b, -1, -2)) if need_a else None,
                np.matmul(np.swapaxes(a, -1, -2), g) if need_b else None)


class Mv(Primitive):
    """out = A v (A: n×k, v: k);  grad_A = g vᵀ (an outer product),  grad_v = Aᵀ g"""

    @staticmethod
    def forward(ctx, a, v):
        ctx.save_for_backward(a, v)
        return a @ v

    @staticmethod
    def backward(ctx, g):
        a, v = ctx.saved_tensors
        need_a, need_v = ctx.needs_input_grad
        return np.reshape(g, (-1, 1)) * v if need_a else None, a.T @ g if need_v else None


class Dot(Primitive):
    """out = Σᵢ aᵢ bᵢ;  grad_a = g·b,  grad_b = g·a"""

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return np.dot(a, b)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        return g * b if need_a else None, g * a if need_b else None


class Addmm(Primitive):
    """out = bias + x @ Wᵀ: nn.Linear on rows x (n×in), weight W (out×in), bias (out) or (n×out);
    grad_bias = g summed over the rows,  grad_x = g @ W,  grad_W = gᵀ @ x

    PyTorch computes it as addmm(bias, x, W.t()), whose third input is a TBackward0 node of W; here the
    transpose is part of the op, so the third input is W itself (one node fewer per layer)."""

    @staticmethod
    def forward(ctx, bias, x, w):
        ctx.save_for_backward(x, w)
        ctx.bias_shape = bias.shape
        out = x @ w.T
        out += bias  # out is a fresh array: adding in place saves an allocation
        return out

    @staticmethod
    def backward(ctx, g):
        x, w = ctx.saved_tensors
        need_b, need_x, need_w = ctx.needs_input_grad
        grad_b = None
        if need_b:
            grad_b = _bias_sum(g) if len(ctx.bias_shape) == 1 else unbroadcast(g, ctx.bias_shape)
        return grad_b, g @ w if need_x else None, _outer_sum(g, x) if need_w else None


class MmTransposed(Primitive):
    """out = x @ Wᵀ: nn.Linear without a bias;  grad_x = g @ W,  grad_W = gᵀ @ x

    PyTorch: mm(x, W.t()), node MmBackward0 (with a TBackward0 of W as its second input)."""

    node_name = "MmBackward0"

    @staticmethod
    def forward(ctx, x, w):
        ctx.save_for_backward(x, w)
        return x @ w.T

    @staticmethod
    def backward(ctx, g):
        x, w = ctx.saved_tensors
        need_x, need_w = ctx.needs_input_grad
        return g @ w if need_x else None, _outer_sum(g, x) if need_w else None


def _bias_sum(g):
    """g summed over its rows, the bias gradient of a linear layer. With a batch of one row the sum is
    that row plus +0.0 (a sum starts from +0.0, so −0.0 turns into +0.0 as in np.sum and PyTorch):
    ~0.4 µs instead of the reduction's ~1.7 µs at 256 columns."""
    if type(g) is np.ndarray and g.ndim == 2 and g.shape[0] == 1:
        return g[0] + 0.0
    return _column_sum(g)


def _outer_sum(g, x):
    """gᵀ @ x, the weight gradient of a linear layer. With a batch of one row it is an outer product:
    numpy's matmul then skips BLAS for an inner dimension of 1 (~70 µs at 256×256), while the broadcast
    product gives the same numbers (each entry is one product) in ~8 µs."""
    if g.shape[0] == 1 and g.ndim == 2 and x.ndim == 2:
        return g.T * x
    return g.T @ x


class SqueezeResult(SqueezeDim):
    """vector @ matrix removes the row it added (PyTorch squeezes in place: node SqueezeBackward4)."""

    node_name = "SqueezeBackward4"


def _c_name(array) -> str:
    """The dtype as PyTorch's C++ messages spell it (float, double, long int ...)."""
    return {"float32": "float", "float64": "double", "int64": "long int", "float16": "c10::Half"}.get(
        array.dtype.name, array.dtype.name)


def _check_operands(name: str, a, b) -> None:
    for arg, t in (("input", a), ("other", b)):
        if not isinstance(t, Tensor):
            raise TypeError(f"{name}(): argument '{arg}' must be Tensor, not {type(t).__name__}")
    if a._array.dtype != b._array.dtype and autocast_hook() is None:  # autocast casts them alike
        raise RuntimeError(f"expected m1 and m2 to have the same dtype, but got: {_c_name(a._array)} != "
                           f"{_c_name(b._array)}" + dtype_help(a._array.dtype, b._array.dtype))
    if a._array.dtype == np.bool_:
        raise NotImplementedError('"addmm_impl_cpu_" not implemented for \'Bool\'')


def _mat(shape: tuple) -> str:
    rows = int(np.prod(shape[:-1])) if len(shape) > 1 else 1
    return f"{rows}x{shape[-1]}"


# One line of help after PyTorch's own text, for the errors a learner meets first. PyTorch's words stay
# first and unchanged, so code that matches them still does.

def shapes_help(columns: int, rows: int) -> str:
    return (f"\n(help: the first matrix has {columns} columns and the second {rows} rows; they must be equal "
            "— check which dimension is which, or transpose one with .T)")


def dtype_help(a, b) -> str:
    names = {np.dtype(np.float64): "float64", np.dtype(np.float32): "float32"}
    if {np.dtype(a), np.dtype(b)} == set(names):
        return ("\n(help: one side is float64, the other float32: numpy arrays become float64 tensors; call "
                ".float() on the float64 one, or .double() on the model)")
    return f"\n(help: make both {np.dtype(b).name} with .to(), e.g. x.to(torch.{np.dtype(b).name}))"


@torch_keywords(out="same")
def matmul(input, other):  # noqa: A002
    """Matrix product with broadcasting over batch dimensions, as ``torch.matmul``:
    1-D @ 1-D is a dot product, a 1-D operand is a row (left) or column (right) vector that is
    removed from the result again, and leading (batch) dims broadcast."""
    if type(input) is Tensor and type(other) is Tensor:  # the fast path: two matrices that fit
        x, y = input._array, other._array
        if x.ndim == 2 and y.ndim == 2 and x.shape[1] == y.shape[0] and x.dtype == y.dtype != np.bool_:
            return Mm.apply(input, other)
    if getattr(input, "is_sparse", False) or getattr(other, "is_sparse", False):
        return _sparse_operand(input, other)
    _check_operands("matmul", input, other)
    sa, sb = input._array.shape, other._array.shape
    na, nb = len(sa), len(sb)
    if na == 0 or nb == 0:
        raise RuntimeError(f"both arguments to matmul need to be at least 1D, but they are {na}D and "
                           f"{nb}D")
    k_b = sb[0] if nb == 1 else sb[-2]
    if sa[-1] != k_b:
        if na == 1 and nb == 1:
            raise RuntimeError(f"inconsistent tensor size, expected tensor [{sa[0]}] and src [{sb[0]}] to "
                               f"have the same number of elements, but got {sa[0]} and {sb[0]} elements "
                               "respectively")
        if nb == 1:
            raise RuntimeError(f"size mismatch, got input ({_mat(sa)[:-len(str(sa[-1])) - 1]}), mat "
                               f"({_mat(sa)}), vec ({sb[0]})")
        if nb == 2:
            raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({_mat(sa)} and {_mat(sb)})"
                               + shapes_help(sa[-1], k_b))
    if nb > 2 and na > 1:  # batched: the batch dims must broadcast first
        _broadcast_batch(sa[:-2], sb[:-2])
    if sa[-1] != k_b:
        batch = int(np.prod(np.broadcast_shapes(sa[:-2], sb[:-2])))
        raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: "
                           f"[{batch}, {sa[-1]}] but got: [{batch}, {k_b}].")
    return _matmul(input, other)


def _sparse_operand(a, b):
    """A sparse COO operand multiplies itself (glassgrad/ops/sparse.py sits above this file)."""
    return a.__matmul__(b) if getattr(a, "is_sparse", False) else b.__rmatmul__(a)


def _matmul(a, b):
    """torch.matmul's choice of primitive, for operands already checked."""
    na, nb = a._array.ndim, b._array.ndim
    if na == 1 and nb == 1:
        return Dot.apply(a, b)
    if na == 2 and nb == 1:
        return Mv.apply(a, b)
    if na == 1 and nb == 2:  # a row vector: (1×k) @ (k×m), then drop the row again
        row = Mm.apply(Unsqueeze.apply(a, (1,) + a._array.shape), b)
        return SqueezeResult.apply(row, row._array.shape[1:])
    if na == 2 and nb == 2:
        return Mm.apply(a, b)
    if _should_fold(a, b):
        return _folded(a, b)
    return _batched(a, b)


def _should_fold(a, b) -> bool:
    """torch.matmul's rule: a batch of matrices times one matrix (or vector) is a single mm (or mv) on
    the batch folded into rows, when that needs no copy or when the smaller operand needs a gradient."""
    larger = a._array.ndim >= b._array.ndim
    big = a._array if larger else np.swapaxes(b._array, -1, -2)
    if not (big.ndim >= 3 and (b if larger else a)._array.ndim <= 2):
        return False
    if (b if larger else a)._requires_grad:
        return True
    if a._array.ndim == 2:
        return False
    strides, shape = big.strides, big.shape
    return big.size == 0 or all(strides[i] == strides[i + 1] * shape[i + 1] for i in range(big.ndim - 2))


def _folded(a, b):
    """(..., n, k) @ (k, m): the rows of every matrix in the batch, times one matrix. A smaller first
    operand multiplies from the left: a @ b = (bᵀ @ aᵀ)ᵀ, computed that way round."""
    flip = b._array.ndim > a._array.ndim
    if flip:
        big = Transpose.apply(b, _swap_last(b._array.ndim))
        small = T.apply(a, (1, 0)) if a._array.ndim == 2 else a
    else:
        big, small = a, b
    shape = big._array.shape
    rows = _reshape(big, (math.prod(shape[:-1]), shape[-1]))
    if small._array.ndim == 1:
        return UnsafeView.apply(Mv.apply(rows, small), shape[:-1])
    out = UnsafeView.apply(Mm.apply(rows, small), shape[:-1] + small._array.shape[1:])
    if not flip:
        return out
    out = Transpose.apply(out, _swap_last(out._array.ndim))
    return out if out._array.flags.c_contiguous else clone(out)  # PyTorch's .contiguous()


def _swap_last(ndim: int) -> tuple:
    return tuple(range(ndim - 2)) + (ndim - 1, ndim - 2)


def _batched(a, b):
    """Both operands broadcast to one batch of matrices, multiplied by bmm, reshaped to the result."""
    sa, sb = a._array.shape, b._array.shape
    na, nb = len(sa), len(sb)
    if na == 3 and nb == 3 and sa[0] != sb[0]:  # PyTorch drops a batch of one that needs a gradient
        if sa[0] == 1 and a._requires_grad:
            return matmul(SqueezeDim.apply(a, sa[1:]), b)
        if sb[0] == 1 and b._requires_grad:
            return matmul(a, SqueezeDim.apply(b, sb[1:]))
    n, k = (sa[-2] if na > 1 else 1), sa[-1]
    p = sb[-1] if nb > 1 else 1
    batch = np.broadcast_shapes(sa[:-2], sb[:-2] if nb > 1 else ())
    size = math.prod(batch)
    a3 = _as_batch(a, batch + (n, k), (size, n, k))
    if nb == 1:
        b3 = _as_batch(b, batch + (k,), (size, k))
        b3 = Unsqueeze.apply(b3, b3._array.shape + (1,))
    else:
        b3 = _as_batch(b, batch + (k, p), (size, k, p))
    out = Bmm.apply(a3, b3)
    if nb == 1:
        out = SqueezeDim.apply(out, out._array.shape[:-1])
    return UnsafeView.apply(out, batch + ((n,) if na > 1 else ()) + ((p,) if nb > 1 else ()))


def _as_batch(x, full: tuple, batch: tuple):
    """x broadcast to ``full``, then reshaped to ``batch`` (steps that change nothing are skipped)."""
    if x._array.shape != full:
        x = Expand.apply(x, full)
    return x if x._array.shape == batch else _reshape(x, batch)


def _broadcast_batch(a: tuple, b: tuple) -> None:
    n = max(len(a), len(b))
    a, b = (1,) * (n - len(a)) + tuple(a), (1,) * (n - len(b)) + tuple(b)
    for i, (x, y) in enumerate(zip(a, b)):
        if x != y and x != 1 and y != 1:
            raise RuntimeError(f"The size of tensor a ({x}) must match the size of tensor b ({y}) at "
                               f"non-singleton dimension {i}")


@torch_keywords(out="same")
def mm(input, mat2):  # noqa: A002
    """Matrix product of two 2-D tensors (no broadcasting): (n×k) @ (k×m) -> n×m."""
    if getattr(input, "is_sparse", False) or getattr(mat2, "is_sparse", False):
        return _sparse_operand(input, mat2)
    _check_operands("mm", input, mat2)
    if input._array.ndim != 2:
        raise RuntimeError("self must be a matrix")
    if mat2._array.ndim != 2:
        raise RuntimeError("mat2 must be a matrix")
    sa, sb = input._array.shape, mat2._array.shape
    if sa[1] != sb[0]:
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({sa[0]}x{sa[1]} and "
                           f"{sb[0]}x{sb[1]})" + shapes_help(sa[1], sb[0]))
    return Mm.apply(input, mat2)


@torch_keywords(out="same")
def bmm(input, mat2):  # noqa: A002
    """Batched matrix product of two 3-D tensors with the same batch size: (b×n×k) @ (b×k×m)."""
    _check_operands("bmm", input, mat2)
    if input._array.ndim != 3:
        raise RuntimeError("batch1 must be a 3D tensor")
    if mat2._array.ndim != 3:
        raise RuntimeError("batch2 must be a 3D tensor")
    (b, _, k), sb = input._array.shape, mat2._array.shape
    if sb[:2] != (b, k):
        raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: [{b}, {k}] "
                           f"but got: [{sb[0]}, {sb[1]}].")
    return Bmm.apply(input, mat2)


@torch_keywords(out="same")
def mv(input, vec):  # noqa: A002
    """Matrix-vector product: (n×m) @ (m) -> (n)."""
    _check_operands("mv", input, vec)
    sa, sb = input._array.shape, vec._array.shape
    if len(sa) != 2 or len(sb) != 1:
        raise RuntimeError(f"vector + matrix @ vector expected, got 1, {len(sa)}, {len(sb)}")
    if sa[1] != sb[0]:
        raise RuntimeError(f"size mismatch, got input ({sa[0]}), mat ({sa[0]}x{sa[1]}), vec ({sb[0]})")
    return Mv.apply(input, vec)


@torch_keywords(out="same")
def dot(input, tensor):  # noqa: A002
    """Σᵢ aᵢ·bᵢ of two 1-D tensors of the same length."""
    for arg, t in (("input", input), ("tensor", tensor)):
        if not isinstance(t, Tensor):
            raise TypeError(f"dot(): argument '{arg}' must be Tensor, not {type(t).__name__}")
    na, nb = input._array.ndim, tensor._array.ndim
    if na != 1 or nb != 1:
        raise RuntimeError(f"1D tensors expected, but got {na}D and {nb}D tensors")
    if input._array.dtype != tensor._array.dtype:
        raise RuntimeError(f"dot : expected both vectors to have same dtype, but found "
                           f"{TORCH_NAMES[input._array.dtype.name]} and "
                           f"{TORCH_NAMES[tensor._array.dtype.name]}")
    if input._array.dtype == np.bool_:
        raise NotImplementedError('"addmm_impl_cpu_" not implemented for \'Bool\'')
    if input._array.shape != tensor._array.shape:
        raise RuntimeError(f"inconsistent tensor size, expected tensor [{input._array.shape[0]}] and src "
                           f"[{tensor._array.shape[0]}] to have the same number of elements, but got "
                           f"{input._array.shape[0]} and {tensor._array.shape[0]} elements respectively")
    return Dot.apply(input, tensor)


@torch_keywords(out="cast")
def outer(input, vec2):  # noqa: A002
    """out[i, j] = a[i]·b[j] (dtypes promote, as in PyTorch);  grad_a = g @ b,  grad_b = gᵀ @ a"""
    for arg, t in (("self", input), ("vec2", vec2)):
        if not isinstance(t, Tensor):
            raise TypeError(f"outer(): argument '{arg}' must be Tensor, not {type(t).__name__}")
        if t._array.ndim != 1:
            raise RuntimeError(f"outer: Expected 1-D argument {arg}, but got {t._array.ndim}-D")
    return input.reshape(-1, 1) * vec2


ger = outer


# --- einsum ------------------------------------------------------------------------------------------
class Einsum(Primitive):
    """out = einsum(spec, *operands), e.g. "ij,jk->ik";  the gradient of operand i is the einsum of g
    with the other operands, written into operand i's subscripts:  for "ij,jk->ik",
    grad_a = einsum("ik,jk->ij", g, b) = g @ bᵀ.  A subscript found only in operand i was summed
    away, so its gradient is the same along it (broadcast back)."""

    @staticmethod
    def forward(ctx, spec, *operands):
        ctx.save_for_backward(*operands)
        ctx.terms, ctx.out = terms, out = spec
        return _np_einsum(",".join(terms) + "->" + out, operands)

    @staticmethod
    def backward(ctx, g):
        operands = ctx.saved_tensors
        terms, out = ctx.terms, ctx.out
        grads = [None]
        for i, need in enumerate(ctx.needs_input_grad[1:]):
            if not need:
                grads.append(None)
                continue
            term, shape = terms[i], np.shape(operands[i])
            others = [t for j, t in enumerate(terms) if j != i]
            seen = set(out).union(*others)
            keep = "".join(c for c in term if c in seen)
            gi = _np_einsum(",".join([out] + others) + "->" + keep,
                            [g] + [x for j, x in enumerate(operands) if j != i])
            full = tuple(np.shape(gi)[keep.index(c)] if c in keep else 1 for c in term)
            if full != shape:
                gi = np.reshape(gi, full)
                stretched = tuple(a for a, (n, m) in enumerate(zip(full, shape)) if m == 1 and n != 1)
                if stretched:  # operand i was broadcast along these: sum the copies
                    gi = np.sum(gi, axis=stretched, keepdims=True)
                gi = np.broadcast_to(gi, shape)
            grads.append(gi)
        return tuple(grads)


def _np_einsum(subscripts: str, operands):
    if type(operands[0]) is not np.ndarray or any(type(x) is not np.ndarray for x in operands):
        return np.einsum(subscripts, *operands)  # Tensors (create_graph): dispatches to einsum below
    # numpy's optimize=True contracts pairs with BLAS, worth its planning cost only on larger inputs
    big = len(operands) > 2 or sum(x.size for x in operands) > 4096
    return np.einsum(subscripts, *operands, optimize=big)


_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def einsum(equation: str, *operands):
    """Einstein summation, as ``torch.einsum``: ``einsum("ij,jk->ik", a, b)`` is ``a @ b``,
    ``einsum("bi,bi->b", a, b)`` a row-wise dot product, ``einsum("ij->ji", a)`` a transpose.

    Subscripts are letters; ``...`` stands for broadcast dims; without ``->`` the output is the
    subscripts that appear once, in alphabetical order. A subscript repeated within one operand takes
    its diagonal: ``einsum("ii->i", a)`` is ``a.diagonal()``, ``einsum("ii", a)`` the trace.
    """
    if isinstance(equation, Tensor):  # the sublist form: einsum(x, [0, 1], y, [1, 2], [0, 2])
        equation, operands = _sublist_equation((equation, *operands))
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    for i, t in enumerate(operands):
        if not isinstance(t, Tensor):
            raise TypeError(f"einsum(): operand {i} must be a Tensor, not {type(t).__name__}")
    terms, out = _parse(equation.replace(" ", ""), operands)
    operands = list(operands)
    for i, term in enumerate(terms):
        operands[i], terms[i] = _take_diagonals(operands[i], term)
    dtype = operands[0]._array.dtype
    for t in operands[1:]:
        if t._array.dtype != dtype:
            raise RuntimeError(f"expected scalar type {TORCH_NAMES[dtype.name]} but found "
                               f"{TORCH_NAMES[t._array.dtype.name]}")
    return Einsum.apply((tuple(terms), out), *operands)


def _sublist_equation(args: tuple) -> tuple[str, tuple]:
    """``einsum(x, [0, 1], y, [1, 2], [0, 2])`` as ``einsum("ab,bc->ac", x, y)``: subscripts given as
    integers 0-51 (A-Z, then a-z, as PyTorch maps them) and ``...``, an optional last list naming the output."""
    def letters(sublist) -> str:
        if not isinstance(sublist, (list, tuple)):
            raise TypeError(f"einsum(): expected a list of subscripts, got {type(sublist).__name__}")
        out = []
        for s in sublist:
            if s is Ellipsis:
                out.append("...")
            elif isinstance(s, int) and not isinstance(s, bool) and 0 <= s < len(_LETTERS):
                out.append(_LETTERS[s])
            else:
                raise ValueError("einsum(): subscript in subscript list is not within the valid range [0, 52)")
        return "".join(out)
    tensors, sublists = args[0::2], args[1::2]
    output = None
    if len(args) % 2:  # an odd count: the last list is the output's
        tensors, output = tensors[:-1], letters(args[-1])
    equation = ",".join(letters(s) for s in sublists)
    return (equation if output is None else f"{equation}->{output}"), tuple(tensors)


def _take_diagonals(t: Tensor, term: str) -> tuple[Tensor, str]:
    """A subscript repeated within one operand ("ii", "bii", "iji") reads its diagonal: each repeat is
    folded with ``diagonal``, which puts the shared index last (differentiable, so its gradient is the
    diagonal scattered back)."""
    while len(set(term)) != len(term):
        c = next(c for c in term if term.count(c) > 1)
        first = term.index(c)
        second = term.index(c, first + 1)
        t = diagonal(t, 0, first, second)
        term = term[:first] + term[first + 1:second] + term[second + 1:] + c
    return t, term


def _parse(equation: str, operands) -> tuple[list, str]:
    """Explicit subscripts: '...' replaced by letters of its own, the output written out."""
    lhs, arrow, rhs = equation.partition("->")
    terms = lhs.split(",")
    if len(terms) != len(operands):
        more = "more" if len(operands) > len(terms) else "fewer"
        raise RuntimeError(f"einsum(): {more} operands were provided than specified in the equation")
    free = [c for c in _LETTERS if c not in equation]
    n_ell = max([t._array.ndim - len(term) + 3 for term, t in zip(terms, operands) if "..." in term],
                default=0)
    ell = "".join(free[:n_ell])
    sizes: dict = {}
    for i, (term, t) in enumerate(zip(terms, operands)):
        ndim = t._array.ndim
        if "..." in term:
            k = ndim - len(term) + 3
            if k < 0:
                raise RuntimeError(f"einsum(): the number of subscripts in the equation ({len(term) - 3}) "
                                   f"is more than the number of dimensions ({ndim}) for operand {i}")
            term = term.replace("...", ell[n_ell - k:])
        elif len(term) != ndim:
            raise RuntimeError(f"einsum(): the number of subscripts in the equation ({len(term)}) does not "
                               f"match the number of dimensions ({ndim}) for operand {i} and no ellipsis "
                               "was given")
        for c in term:
            if c not in _LETTERS:
                raise RuntimeError(f"einsum(): invalid subscript given at index {equation.index(c)} in the "
                                   f"equation string, subscripts must be in [a-zA-Z]")
        for c in set(term):
            repeated = {n for d, n in zip(term, t._array.shape) if d == c}
            if len(repeated) > 1:
                raise RuntimeError(f"einsum(): subscript {c} is repeated for operand {i} but the sizes don't "
                                   f"match, {' != '.join(str(n) for n in sorted(repeated, reverse=True))}")
        for c, n in zip(term, t._array.shape):
            seen = sizes.setdefault(c, n)
            if n != seen and 1 not in (n, seen):
                raise RuntimeError(f"einsum(): subscript {c} has size {n} for operand {i} which does not "
                                   f"broadcast with previously seen size {seen}")
            if seen == 1:
                sizes[c] = n
        terms[i] = term
    if not arrow:
        once = sorted(c for c in set(lhs) if c in _LETTERS and lhs.count(c) == 1)
        return terms, ell + "".join(once)
    out = rhs.replace("...", ell)
    for c in out:
        if out.count(c) > 1:
            raise RuntimeError(f"einsum(): output subscript {c} appears more than once in the output")
        if c not in sizes:
            raise RuntimeError(f"einsum(): output subscript {c} does not appear in the equation for any "
                               "input operand")
    return terms, out


# --- norms ---------------------------------------------------------------------------------------------
class VectorNorm(Primitive):
    """out = (Σ |x|ᵖ)^(1/p);  ∂out/∂xᵢ = sign(xᵢ)·|xᵢ|ᵖ⁻¹ / outᵖ⁻¹  (p = 2: xᵢ/out, taken as 0 at x = 0
    like PyTorch; p = 1: sign(xᵢ); p = ±inf: sign(xᵢ)/k at the k elements where |xᵢ| = out)"""

    node_name = "LinalgVectorNormBackward0"

    @staticmethod
    def forward(ctx, x, p, axes, keepdim):
        a = np.abs(x)
        if p == 2:
            out = np.sqrt(np.sum(a * a, axis=axes, keepdims=keepdim))
        elif p == 1:
            out = np.sum(a, axis=axes, keepdims=keepdim)
        elif p == np.inf:
            out = np.max(a, axis=axes, keepdims=keepdim)
        elif p == -np.inf:
            out = np.min(a, axis=axes, keepdims=keepdim)
        elif p == 0:
            out = np.sum(a != 0, axis=axes, keepdims=keepdim).astype(x.dtype)
        else:
            with np.errstate(divide="ignore", over="ignore"):
                out = np.sum(a ** p, axis=axes, keepdims=keepdim) ** (1.0 / p)
        out = np.asarray(out, x.dtype)  # an array, not a numpy scalar: create_graph must recognise it
        ctx.save_for_backward(x, out)
        ctx.p, ctx.axes, ctx.keepdim = p, axes, keepdim
        return out

    @staticmethod
    def backward(ctx, g):
        x, out = ctx.saved_tensors
        p, axes, keepdim = ctx.p, ctx.axes, ctx.keepdim
        g = _expand_back(g, x.shape, axes, keepdim)
        if p == 0:
            return g * 0, None, None, None
        if p == 1:
            return g * np.sign(x), None, None, None
        out = _expand_back(out, x.shape, axes, keepdim)
        if p in (np.inf, -np.inf):
            hit = _array(np.abs(x)) == _array(out)
            share = (hit / np.sum(hit, axis=axes, keepdims=True)).astype(_array(x).dtype, copy=False)
            return g * np.sign(x) * share, None, None, None
        safe = np.where(out == 0, np.inf, out)  # 0 where the norm is 0: g/inf = 0
        if p == 2:
            return g * x / safe, None, None, None
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            return g * np.sign(x) * np.abs(x) ** (p - 1) / safe ** (p - 1), None, None, None


@torch_keywords(out="same")
def norm(input, p="fro", dim=None, keepdim: bool = False, dtype=None):  # noqa: A002
    """The p-norm of the elements over ``dim`` (all by default): ``p`` = 2 ('fro', the default), 1,
    inf, -inf, 0 or any number. Its gradient at 0 is 0 (PyTorch's convention for the 2-norm)."""
    if dtype is not None:
        input = input.to(dtype)
    if not is_float(input._array.dtype):
        raise RuntimeError("linalg.vector_norm: Expected a floating point or complex tensor as input. "
                           f"Got {TORCH_NAMES.get(input._array.dtype.name, input.dtype.name)}")
    if p is None or p == "fro":
        if isinstance(dim, (tuple, list)) and len(dim) > 2:
            raise RuntimeError(f"linalg.matrix_norm: dim must be a 2-tuple. Got {' '.join(map(str, dim))}")
        p = 2
    elif isinstance(p, str):
        raise (NotImplementedError("norm(p='nuc') (the nuclear norm needs an SVD) is not implemented")
               if p == "nuc" else RuntimeError(f"linalg.matrix_norm: Order {p} not supported."))
    p = float(p)
    axes = _axes(input, dim)
    if input._array.size == 0 and p < 0 or (p == np.inf and _count(input._array.shape, axes) == 0):
        raise RuntimeError(f"linalg.vector_norm cannot compute the {p:g} norm on an empty tensor "
                           "because the operation does not have an identity")
    return VectorNorm.apply(input, p, axes, keepdim)


def dist(input, other, p=2):  # noqa: A002
    """The p-norm of ``input - other`` (broadcast): ``torch.dist``, a distance between two tensors."""
    return norm(input - other, p)


@torch_keywords(out="same")
def vector_norm(x, ord=2, dim=None, keepdim: bool = False, *, dtype=None):  # noqa: A002
    """``torch.linalg.vector_norm``: the ``ord``-norm of the elements over ``dim`` (all by default)."""
    return norm(x, ord, dim, keepdim, dtype)


@torch_keywords(out="same")
def matrix_norm(A, ord="fro", dim=(-2, -1), keepdim: bool = False, *, dtype=None):  # noqa: A002, N803
    """``torch.linalg.matrix_norm`` for ord='fro' (other orders need an SVD: not implemented)."""
    if ord != "fro":
        raise NotImplementedError(f"linalg.matrix_norm: ord={ord!r} is not implemented (only 'fro')")
    if A._array.ndim < 2:
        raise RuntimeError("linalg.matrix_norm: The input tensor A must have at least 2 dimensions.")
    return norm(A, 2, dim, keepdim, dtype)


@torch_keywords(out="same")
def linalg_norm(A, ord=None, dim=None, keepdim: bool = False, *, dtype=None):  # noqa: A002, N803
    """``torch.linalg.norm``: with ord=None the 2-norm of all elements (Frobenius for a matrix)."""
    if isinstance(ord, str) or (ord is not None and (A._array.ndim == 2 and dim is None or
                                                      isinstance(dim, (tuple, list)) and len(dim) == 2)):
        return matrix_norm(A, ord, (-2, -1) if dim is None else dim, keepdim, dtype=dtype)
    return norm(A, 2 if ord is None else ord, dim, keepdim, dtype)


TENSOR_METHODS = {"matmul": matmul, "__matmul__": matmul.__wrapped__,  # a @ b: no keywords to read
                  "__rmatmul__": lambda self, other: matmul(
                      Tensor._wrap(other) if isinstance(other, np.ndarray) else other, self),
                  "mm": mm, "bmm": bmm, "mv": mv, "dot": dot, "outer": outer, "ger": outer, "norm": norm,
                  "dist": dist}

NUMPY = {np.matmul: lambda a, b: matmul(*(Tensor._wrap(x) if isinstance(x, np.ndarray) else x
                                          for x in (a, b))),
         np.einsum: lambda subscripts, *operands, **kw: einsum(subscripts, *operands)}
