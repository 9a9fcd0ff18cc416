"""The fused products of BLAS, as PyTorch's: ``addmm``, ``addmv``, ``addr``, ``baddbmm``, ``addbmm``
(out = β·input + α·product), ``addcmul`` / ``addcdiv`` (out = input + value·t1·t2 or t1/t2), and the
small products built on matmul: ``inner``, ``vdot``, ``trace``, ``chain_matmul`` / ``linalg.multi_dot``.

Part III, ops/ reading order: ... linalg, statistics, building, **blas**, decompositions ...
(ops/__init__.py lists them all). Every fused product is one rule,

    out = β·input + α·P(m1, m2),  ∂L/∂input = β·g (summed back over broadcasting),
    ∂L/∂m1 = α·∂P/∂m1ᵀ g,  ∂L/∂m2 = α·∂P/∂m2ᵀ g,

so one class holds it and each product says only how to multiply and how to send g back to each
factor. With β = 0 the input is not read at all, so a nan in it does not reach the result (PyTorch's
rule: β = 0 means "ignore", not "multiply by zero").
"""

from __future__ import annotations

import warnings

import numpy as np

from glassgrad.autograd.function import Primitive
from glassgrad.dtypes import TORCH_NAMES, result_type
from glassgrad.ops._util import check_shapes, torch_keywords, unbroadcast
from glassgrad.ops.inplace import inplace
from glassgrad.ops.linalg import mm
from glassgrad.ops.shape import reshape
from glassgrad.tensor import Tensor

__all__ = ["addmm", "addmv", "addr", "baddbmm", "addbmm", "addcmul", "addcdiv", "inner", "vdot", "trace",
           "chain_matmul", "multi_dot", "bilinear"]


def _mT(a):  # noqa: N802
    """The transpose of the last two dims, for numpy arrays and Tensors (create_graph=True) alike."""
    return a.mT if isinstance(a, Tensor) else np.swapaxes(a, -1, -2)


def _dtype_name(array) -> str:
    return TORCH_NAMES[array.dtype.name].capitalize() if array.dtype.name in TORCH_NAMES else array.dtype.name


# --- out = β·input + α·P(m1, m2) -----------------------------------------------------------------------
class _ScaledProduct(Primitive):
    """out = β·input + α·P(m1, m2);  ∂L/∂input = β·g,  ∂L/∂m1 = α·grad_m1(g),  ∂L/∂m2 = α·grad_m2(g)

    Subclasses give ``product(m1, m2)`` and the two gradients of the product (numpy that also runs on
    Tensors, so the backward is recorded under create_graph=True)."""

    @staticmethod
    def product(m1, m2):
        raise NotImplementedError

    @staticmethod
    def grad_m1(g, m1, m2):
        raise NotImplementedError

    @staticmethod
    def grad_m2(g, m1, m2):
        raise NotImplementedError

    @classmethod
    def forward(cls, ctx, inp, m1, m2, beta, alpha):
        ctx.save_for_backward(m1, m2)
        ctx.input_shape, ctx.beta, ctx.alpha = inp.shape, beta, alpha
        out = cls.product(m1, m2)
        if alpha != 1:
            out = out * alpha
        if beta != 0:
            out = out + (inp if beta == 1 else beta * inp)
        return np.broadcast_to(out, out.shape).astype(m1.dtype, copy=False)

    @classmethod
    def backward(cls, ctx, g):
        m1, m2 = ctx.saved_tensors
        need_in, need_1, need_2 = ctx.needs_input_grad[:3]
        alpha = ctx.alpha
        g_in = unbroadcast(g * ctx.beta, ctx.input_shape) if need_in else None
        g_1 = cls.grad_m1(g, m1, m2) * alpha if need_1 else None
        g_2 = cls.grad_m2(g, m1, m2) * alpha if need_2 else None
        return g_in, g_1, g_2, None, None


class Addmm(_ScaledProduct):
    """P = m1 @ m2 (matrices);  ∂P: g @ m2ᵀ, m1ᵀ @ g"""

    node_name = "AddmmBackward0"
    product = staticmethod(lambda m1, m2: m1 @ m2)
    grad_m1 = staticmethod(lambda g, m1, m2: g @ _mT(m2))
    grad_m2 = staticmethod(lambda g, m1, m2: _mT(m1) @ g)


class Addmv(_ScaledProduct):
    """P = M v;  ∂P: g vᵀ (an outer product), Mᵀ g"""

    node_name = "AddmvBackward0"
    product = staticmethod(lambda m, v: m @ v)
    grad_m1 = staticmethod(lambda g, m, v: g[:, None] * v[None, :])
    grad_m2 = staticmethod(lambda g, m, v: _mT(m) @ g)


class Addr(_ScaledProduct):
    """P = v1 v2ᵀ (the outer product);  ∂P: g v2, gᵀ v1"""

    node_name = "AddrBackward0"
    product = staticmethod(lambda v1, v2: v1[:, None] * v2[None, :])
    grad_m1 = staticmethod(lambda g, v1, v2: g @ v2)
    grad_m2 = staticmethod(lambda g, v1, v2: _mT(g) @ v1)


class Baddbmm(_ScaledProduct):
    """P[i] = b1[i] @ b2[i] (a batch);  ∂P: g[i] @ b2[i]ᵀ, b1[i]ᵀ @ g[i]"""

    node_name = "BaddbmmBackward0"
    product = staticmethod(lambda b1, b2: b1 @ b2)
    grad_m1 = staticmethod(lambda g, b1, b2: g @ _mT(b2))
    grad_m2 = staticmethod(lambda g, b1, b2: _mT(b1) @ g)


class Addbmm(_ScaledProduct):
    """P = Σᵢ b1[i] @ b2[i] (the batch summed into one matrix);  ∂P: g @ b2[i]ᵀ, b1[i]ᵀ @ g for each i"""

    node_name = "AddbmmBackward0"
    product = staticmethod(lambda b1, b2: (b1 @ b2).sum(0))
    grad_m1 = staticmethod(lambda g, b1, b2: g @ _mT(b2))
    grad_m2 = staticmethod(lambda g, b1, b2: _mT(b1) @ g)


def _check_tensor(op: str, name: str, position: int, t) -> None:
    if not isinstance(t, Tensor):
        raise TypeError(f"{op}(): argument '{name}' (position {position}) must be Tensor, not {type(t).__name__}")


def _check_dims(op: str, name: str, t: Tensor, ndim: int, what: str) -> None:
    if t._array.ndim != ndim:
        raise RuntimeError(f"{op}: {name} must be a {what}, got {t._array.ndim}-D tensor")


def _check_dtypes(first: str, a, second: str, b) -> None:
    if a._array.dtype != b._array.dtype:
        raise RuntimeError(f"{first} and {second} must have the same dtype, but got {_dtype_name(a._array)} "
                           f"and {_dtype_name(b._array)}")


def _expand_input(inp: Tensor, shape: tuple) -> None:
    """PyTorch expands ``input`` to the product's shape (never the other way round)."""
    s = inp._array.shape
    if len(s) > len(shape) or any(n != 1 and n != m for n, m in zip(s[::-1], shape[::-1])):
        dim = next((len(shape) - 1 - i for i, (n, m) in enumerate(zip(s[::-1], shape[::-1])) if n not in (1, m)),
                   0)
        raise RuntimeError(f"The expanded size of the tensor ({shape[dim] if dim < len(shape) else 1}) must match "
                           f"the existing size ({s[dim - len(shape) + len(s)]}) at non-singleton dimension "
                           f"{dim}.  Target sizes: {list(shape)}.  Tensor sizes: {list(s)}")


def _scaled(op, inp, m1, m2, beta, alpha, shape):
    _expand_input(inp, shape)
    if inp._array.dtype != m1._array.dtype:
        _check_dtypes("self", inp, "mat2", m2)
    return op.apply(inp, m1, m2, beta, alpha)


@torch_keywords(out="same")
def addmm(input, mat1, mat2, *, beta=1, alpha=1):  # noqa: A002
    """β·input + α·(mat1 @ mat2), input broadcast to the product's shape."""
    for i, (name, t) in enumerate((("input", input), ("mat1", mat1), ("mat2", mat2))):
        _check_tensor("addmm", name, i + 1, t)
    if mat1._array.ndim != 2:
        raise RuntimeError(f"mat1 must be a matrix, got {mat1._array.ndim}-D tensor")
    if mat2._array.ndim != 2:
        raise RuntimeError(f"mat2 must be a matrix, got {mat2._array.ndim}-D tensor")
    _check_dtypes("mat1", mat1, "mat2", mat2)
    (n, k), (k2, p) = mat1._array.shape, mat2._array.shape
    if k != k2:
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({n}x{k} and {k2}x{p})")
    return _scaled(Addmm, input, mat1, mat2, beta, alpha, (n, p))


@torch_keywords(out="same")
def addmv(input, mat, vec, *, beta=1, alpha=1):  # noqa: A002
    """β·input + α·(mat @ vec)."""
    for i, (name, t) in enumerate((("input", input), ("mat", mat), ("vec", vec))):
        _check_tensor("addmv", name, i + 1, t)
    if mat._array.ndim != 2 or vec._array.ndim != 1:
        raise RuntimeError(f"vector + matrix @ vector expected, got {input._array.ndim}, {mat._array.ndim}, "
                           f"{vec._array.ndim}")
    (n, k), (k2,) = mat._array.shape, vec._array.shape
    if k != k2 or input._array.ndim > 1 or input._array.size not in (1, n):
        shape = "x".join(map(str, input._array.shape))
        raise RuntimeError(f"size mismatch, got input ({shape}), mat ({n}x{k}), vec ({k2})")
    _check_dtypes("mat", mat, "vec", vec)
    return _scaled(Addmv, input, mat, vec, beta, alpha, (n,))


@torch_keywords(out="same")
def addr(input, vec1, vec2, *, beta=1, alpha=1):  # noqa: A002
    """β·input + α·(vec1 ⊗ vec2), the outer product."""
    for i, (name, t) in enumerate((("input", input), ("vec1", vec1), ("vec2", vec2))):
        _check_tensor("addr", name, i + 1, t)
    for name, t in (("vec1", vec1), ("vec2", vec2)):
        if t._array.ndim != 1:
            raise RuntimeError(f"addr: Expected 1-D argument {name}, but got {t._array.ndim}-D")
    _check_dtypes("vec1", vec1, "vec2", vec2)
    return _scaled(Addr, input, vec1, vec2, beta, alpha, (vec1._array.shape[0], vec2._array.shape[0]))


def _check_batches(op: str, b1: Tensor, b2: Tensor) -> tuple:
    for name, t in (("batch1", b1), ("batch2", b2)):
        if t._array.ndim != 3:
            raise RuntimeError(f"{name} must be a 3D tensor")
    (b, n, k), (b_, k_, p) = b1._array.shape, b2._array.shape
    if (b_, k_) != (b, k):
        raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: [{b}, {k}] but "
                           f"got: [{b_}, {k_}].")
    _check_dtypes("batch1", b1, "batch2", b2)
    return b, n, p


@torch_keywords(out="same")
def baddbmm(input, batch1, batch2, *, beta=1, alpha=1):  # noqa: A002
    """β·input + α·(batch1[i] @ batch2[i]) for each i."""
    for i, (name, t) in enumerate((("input", input), ("batch1", batch1), ("batch2", batch2))):
        _check_tensor("baddbmm", name, i + 1, t)
    return _scaled(Baddbmm, input, batch1, batch2, beta, alpha, _check_batches("baddbmm", batch1, batch2))


@torch_keywords(out="same")
def addbmm(input, batch1, batch2, *, beta=1, alpha=1):  # noqa: A002
    """β·input + α·Σᵢ batch1[i] @ batch2[i]: the batch of products summed into one matrix."""
    for i, (name, t) in enumerate((("input", input), ("batch1", batch1), ("batch2", batch2))):
        _check_tensor("addbmm", name, i + 1, t)
    _, n, p = _check_batches("addbmm", batch1, batch2)
    return _scaled(Addbmm, input, batch1, batch2, beta, alpha, (n, p))


# --- out = input + value·t1·t2 and input + value·t1/t2 ----------------------------------------------------
class Addcmul(Primitive):
    """out = input + v·t1·t2;  ∂L/∂input = g,  ∂L/∂t1 = v·g·t2,  ∂L/∂t2 = v·g·t1 (each summed back over
    broadcasting)"""

    @staticmethod
    def forward(ctx, inp, t1, t2, value):
        ctx.save_for_backward(t1, t2)
        ctx.shapes, ctx.value = (inp.shape, t1.shape, t2.shape), value
        return inp + value * (t1 * t2) if value != 1 else inp + t1 * t2

    @staticmethod
    def backward(ctx, g):
        t1, t2 = ctx.saved_tensors
        s_in, s1, s2 = ctx.shapes
        v = ctx.value
        return unbroadcast(g, s_in), unbroadcast(g * t2 * v, s1), unbroadcast(g * t1 * v, s2), None


class Addcdiv(Primitive):
    """out = input + v·t1/t2;  ∂L/∂input = g,  ∂L/∂t1 = v·g/t2,  ∂L/∂t2 = -v·g·t1/t2² (each summed back
    over broadcasting)"""

    @staticmethod
    def forward(ctx, inp, t1, t2, value):
        ctx.save_for_backward(t1, t2)
        ctx.shapes, ctx.value = (inp.shape, t1.shape, t2.shape), value
        return inp + value * (t1 / t2)

    @staticmethod
    def backward(ctx, g):
        t1, t2 = ctx.saved_tensors
        s_in, s1, s2 = ctx.shapes
        v = ctx.value
        return (unbroadcast(g, s_in), unbroadcast(g * v / t2, s1), unbroadcast(-g * v * t1 / (t2 * t2), s2),
                None)


def _three(op: str, input, tensor1, tensor2):  # noqa: A002
    """The three operands cast to their common dtype (PyTorch's type promotion)."""
    for i, (name, t) in enumerate((("input", input), ("tensor1", tensor1), ("tensor2", tensor2))):
        _check_tensor(op, name, i + 1, t)
    check_shapes(op, tensor1._array.shape, tensor2._array.shape)
    check_shapes(op, input._array.shape, np.broadcast_shapes(tensor1._array.shape, tensor2._array.shape))
    a, b = input._array, tensor1._array
    first = np.empty((0,) * max(a.ndim, b.ndim), dtype=result_type(a, b))  # stands for a ⊕ b: its dtype, its ndim
    dtype = result_type(first, tensor2._array)
    return [t if t._array.dtype == dtype else t.to(_torch_dtype(dtype)) for t in (input, tensor1, tensor2)]


def _torch_dtype(np_dtype):
    return Tensor._wrap(np.zeros((), dtype=np_dtype)).dtype


@torch_keywords(out="cast")
def addcmul(input, tensor1, tensor2, *, value=1):  # noqa: A002
    """input + value·tensor1·tensor2, broadcast together."""
    return Addcmul.apply(*_three("addcmul", input, tensor1, tensor2), value)


@torch_keywords(out="cast")
def addcdiv(input, tensor1, tensor2, *, value=1):  # noqa: A002
    """input + value·tensor1/tensor2, broadcast together (a true division; integer tensors are refused)."""
    inp, t1, t2 = _three("addcdiv", input, tensor1, tensor2)
    if tensor1._array.dtype.kind in "iub" and tensor2._array.dtype.kind in "iub":
        raise RuntimeError("Integer division with addcdiv is no longer supported, and in a future  release "
                           "addcdiv will perform a true division of tensor1 and tensor2. The historic addcdiv "
                           "behavior can be implemented as (input + value * torch.trunc(tensor1 / tensor2))."
                           "to(input.dtype) for integer inputs and as (input + value * tensor1 / tensor2) for "
                           "float inputs. The future addcdiv behavior is just the latter implementation: "
                           "(input + value * tensor1 / tensor2), for all dtypes.")
    return Addcdiv.apply(inp, t1, t2, value)


# --- products built on matmul ---------------------------------------------------------------------------------
def inner(input, other, *, out=None):  # noqa: A002
    """Σ over the last dim of both: input[..., k]·other[..., k]; with a 0-d operand, the product.
    The result's shape is input.shape[:-1] + other.shape[:-1]."""
    _refuse_out(out, "inner")
    _check_tensor("inner", "input", 1, input)
    _check_tensor("inner", "other", 2, other)
    a, b = input._array, other._array
    if a.ndim == 0 or b.ndim == 0:
        return input * other
    if a.shape[-1] != b.shape[-1]:
        raise RuntimeError(f"inner() the last dimension must match on both input tensors but got shapes "
                           f"{list(a.shape)} and {list(b.shape)}")
    rows = input.reshape(-1, a.shape[-1])
    cols = other.reshape(-1, b.shape[-1])
    return reshape(mm(rows, cols.mT), a.shape[:-1] + b.shape[:-1])


class Vdot(Primitive):
    """out = Σᵢ aᵢ bᵢ (real tensors: conjugating changes nothing);  ∂L/∂a = g·b,  ∂L/∂b = g·a"""

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return np.asarray(np.dot(a, b))

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        return g * b, g * a


def vdot(input, other, *, out=None):  # noqa: A002
    """The dot product of two 1-D tensors, the first conjugated (for glassgrad's real dtypes: ``dot``)."""
    _refuse_out(out, "vdot")
    _check_tensor("vdot", "input", 1, input)
    _check_tensor("vdot", "other", 2, other)
    a, b = input._array, other._array
    if a.ndim != 1 or b.ndim != 1:
        raise RuntimeError(f"1D tensors expected, but got {a.ndim}D and {b.ndim}D tensors")
    if a.dtype != b.dtype:
        raise RuntimeError(f"vdot : expected both vectors to have same dtype, but found {_dtype_name(a)} and "
                           f"{_dtype_name(b)}")
    if a.shape[0] != b.shape[0]:
        raise RuntimeError(f"inconsistent tensor size, expected tensor [{a.shape[0]}] and src [{b.shape[0]}] "
                           f"to have the same number of elements, but got {a.shape[0]} and {b.shape[0]} "
                           "elements respectively")
    return Vdot.apply(input, other)


class Trace(Primitive):
    """out = Σᵢ A[i, i];  ∂L/∂A = g·I (the identity, A's shape)"""

    @staticmethod
    def forward(ctx, a):
        ctx.shape, ctx.dtype = a.shape, a.dtype
        out = np.trace(a)
        return np.asarray(out, dtype=np.int64 if a.dtype.kind in "iub" else a.dtype)

    @staticmethod
    def backward(ctx, g):
        return g * np.eye(*ctx.shape, dtype=ctx.dtype)


def trace(input):  # noqa: A002
    """The sum of a matrix's diagonal (integer inputs sum into int64, as PyTorch's)."""
    _check_tensor("trace", "input", 1, input)
    if input._array.ndim != 2:
        raise RuntimeError(f"trace: expected a matrix, but got tensor with dim {input._array.ndim}")
    return Trace.apply(input)


def _order(shapes: list) -> list:
    """The cheapest way to parenthesise a chain of matrices (rows, cols): split[i][j] is where the best
    product of matrices i..j splits (the textbook dynamic programme over chain lengths)."""
    n = len(shapes)
    dims = [shapes[0][0]] + [s[1] for s in shapes]
    cost = [[0] * n for _ in range(n)]
    split = [[0] * n for _ in range(n)]
    for length in range(1, n):
        for i in range(n - length):
            j = i + length
            cost[i][j] = float("inf")
            for k in range(i, j):
                c = cost[i][k] + cost[k + 1][j] + dims[i] * dims[k + 1] * dims[j + 1]
                if c < cost[i][j]:
                    cost[i][j], split[i][j] = c, k
    return split


def _chain(tensors: list, split: list, i: int, j: int):
    if i == j:
        return tensors[i]
    k = split[i][j]
    return mm(_chain(tensors, split, i, k), _chain(tensors, split, k + 1, j))


def multi_dot(tensors, *, out=None):
    """``torch.linalg.multi_dot``: the product of two or more matrices, multiplied in the cheapest order;
    the first may be a 1-D row vector and the last a 1-D column vector (removed from the result again)."""
    _refuse_out(out, "multi_dot")
    tensors = list(tensors)
    if len(tensors) < 2:
        raise RuntimeError(f"multi_dot(): expected at least 2 tensors but got {len(tensors)}")
    first, last = tensors[0]._array.ndim, tensors[-1]._array.ndim
    if first not in (1, 2):
        raise RuntimeError(f"multi_dot(): the first tensor must be 1D or 2D but got {first}D")
    if last not in (1, 2):
        raise RuntimeError(f"multi_dot(): the last tensor must be 1D or 2D but got {last}D")
    for i, t in enumerate(tensors[1:-1], 1):
        if t._array.ndim != 2:
            raise RuntimeError(f"multi_dot(): tensor {i} must be 2D but got {t._array.ndim}D")
    dtype = tensors[0]._array.dtype
    for t in tensors:
        if t._array.dtype != dtype:
            raise RuntimeError(f"multi_dot(): all tensors must have be the same dtype but tensor 0 is "
                               f"{_dtype_name(tensors[0]._array)} and tensor {tensors.index(t)} "
                               f"{_dtype_name(t._array)}")
    mats = list(tensors)
    if first == 1:
        mats[0] = mats[0].unsqueeze(0)
    if last == 1:
        mats[-1] = mats[-1].unsqueeze(-1)
    for i in range(len(mats) - 1):
        if mats[i]._array.shape[1] != mats[i + 1]._array.shape[0]:
            raise RuntimeError(f"multi_dot(): tensors {i} and {i + 1} with shapes {tuple(mats[i]._array.shape)} "
                               f"and {tuple(mats[i + 1]._array.shape)} cannot be multiplied")
    result = _chain(mats, _order([m._array.shape for m in mats]), 0, len(mats) - 1)
    shape = (() if first == 1 else result._array.shape[:1]) + (() if last == 1 else result._array.shape[1:])
    return reshape(result, shape)


def bilinear(input1, input2, weight, bias=None):
    """y[..., o] = Σ_ij input1[..., i]·weight[o, i, j]·input2[..., j] (+ bias[o]): nn.Bilinear's map, as
    one matrix product (input1 @ weight laid out as (in1, out·in2)) then a weighted sum over in2."""
    for i, (name, t) in enumerate((("input1", input1), ("input2", input2), ("weight", weight))):
        _check_tensor("bilinear", name, i + 1, t)
    x1, x2, w = input1._array, input2._array, weight._array
    if x1.ndim != x2.ndim:
        raise RuntimeError(f"bilinear(): input dimensions do not match: got {x1.ndim} and {x2.ndim}")
    if x1.shape[:-1] != x2.shape[:-1]:
        raise RuntimeError(f"bilinear(): input batch dimensions do not match: got {list(x1.shape)} and "
                           f"{list(x2.shape)}")
    if w.ndim != 3 or x1.shape[-1] != w.shape[1] or x2.shape[-1] != w.shape[2]:
        raise RuntimeError(f"bilinear(): input sizes {list(x1.shape)}, {list(x2.shape)} do not match weight "
                           f"size {list(w.shape)}")
    out, in1, in2 = w.shape
    left = mm(input1.reshape(-1, in1), weight.permute(1, 0, 2).reshape(in1, out * in2))  # (N, out·in2)
    y = (left.reshape(-1, out, in2) * input2.reshape(-1, 1, in2)).sum(-1)
    y = reshape(y, x1.shape[:-1] + (out,))
    return y + bias if bias is not None else y


_CHAIN_WARNED = [False]


def chain_matmul(*matrices, out=None):
    """The product of two or more matrices (deprecated in PyTorch for ``torch.linalg.multi_dot``)."""
    _refuse_out(out, "chain_matmul")
    if not _CHAIN_WARNED[0]:
        _CHAIN_WARNED[0] = True
        warnings.warn("torch.chain_matmul is deprecated and will be removed in a future PyTorch release. Use "
                      "torch.linalg.multi_dot instead, which accepts a list of two or more tensors rather than "
                      "multiple parameters.", UserWarning, stacklevel=2)
    if len(matrices) == 1:
        return matrices[0].clone()
    for i, m in enumerate(matrices):
        if m._array.ndim != 2:
            raise RuntimeError(f"Tensor dimension is {m._array.ndim}, expected 2 instead.")
    return multi_dot(matrices)


TENSOR_METHODS = {
    "addmm": addmm, "addmv": addmv, "addr": addr, "baddbmm": baddbmm, "addbmm": addbmm,
    "addcmul": addcmul, "addcdiv": addcdiv, "inner": inner, "vdot": vdot, "trace": trace,
    "addmm_": inplace(addmm), "addmv_": inplace(addmv), "addr_": inplace(addr), "baddbmm_": inplace(baddbmm),
    "addbmm_": inplace(addbmm), "addcmul_": inplace(addcmul), "addcdiv_": inplace(addcdiv),
}


def _refuse_out(out, name: str) -> None:
    """``out=`` is not written here: refuse it plainly rather than ignore it (the result is returned)."""
    if out is not None:
        raise NotImplementedError(f"{name}(): glassgrad does not take out= here; use the returned tensor")
