"""Linear algebra: matmul (``@``), mm, bmm, mv, dot, outer, einsum, and the vector norms.

Part III, after reduce.py. For C = A @ B, each C[i, j] = Σₖ A[i, k]·B[k, j], so ∂L/∂A = ∂L/∂C @ Bᵀ and
∂L/∂B = Aᵀ @ ∂L/∂C: the same rule as Part II's Dense layer, now for any batch of matrices. ``einsum``
generalises it: the gradient of one operand is another einsum, of the upstream gradient with the
*other* operands, written into that operand's subscripts.
"""

from __future__ import annotations

import numpy as np

from glassgrad.autograd.function import Function
from glassgrad.ops._util import unbroadcast
from glassgrad.dtypes import TORCH_NAMES
from glassgrad.ops.reduce import _array, _axes, _count, _expand_back
from glassgrad.tensor import Tensor

__all__ = ["matmul", "mm", "bmm", "mv", "dot", "outer", "ger", "einsum", "norm"]


class Matmul(Function):
    """out = a @ b (torch.matmul's rules: 1-D operands are promoted, batch dims broadcast);
    grad_a = g @ bᵀ,  grad_b = aᵀ @ g (each summed over broadcast batch dims)"""

    on_arrays = differentiable_backward = True

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return np.matmul(a, b)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        a_shape, b_shape = np.shape(a), np.shape(b)
        if len(a_shape) == 2 and len(b_shape) == 2:  # the common case, kept thin (.T: arrays or Tensors)
            return g @ b.T if need_a else None, a.T @ g if need_b else None
        a2, b2 = a, b
        if len(a_shape) == 1 or len(b_shape) == 1:
            # Forward promoted 1-D operands to matrices; do the same, and restore g's lost axes.
            a2 = np.reshape(a, (1, -1)) if len(a_shape) == 1 else a
            b2 = np.reshape(b, (-1, 1)) if len(b_shape) == 1 else b
            sa, sb = np.shape(a2), np.shape(b2)
            g = np.reshape(g, np.broadcast_shapes(sa[:-2], sb[:-2]) + (sa[-2], sb[-1]))
        grad_a = grad_b = None
        if need_a:
            grad_a = unbroadcast(np.matmul(g, np.swapaxes(b2, -1, -2)), np.shape(a2))
            grad_a = np.reshape(grad_a, a_shape)
        if need_b:
            grad_b = unbroadcast(np.matmul(np.swapaxes(a2, -1, -2), g), np.shape(b2))
            grad_b = np.reshape(grad_b, b_shape)
        return grad_a, grad_b


def _c_name(array) -> str:
    """The dtype as PyTorch's C++ messages spell it (float, double, long int ...)."""
    return {"float32": "float", "float64": "double", "int64": "long int", "float16": "c10::Half"}.get(
        array.dtype.name, array.dtype.name)


def _check_operands(name: str, a, b) -> None:
    for arg, t in (("input", a), ("other", b)):
        if not isinstance(t, Tensor):
            raise TypeError(f"{name}(): argument '{arg}' must be Tensor, not {type(t).__name__}")
    if a._array.dtype != b._array.dtype:
        raise RuntimeError(f"expected m1 and m2 to have the same dtype, but got: {_c_name(a._array)} != "
                           f"{_c_name(b._array)}")
    if a._array.dtype == np.bool_:
        raise NotImplementedError('"addmm_impl_cpu_" not implemented for \'Bool\'')


def _mat(shape: tuple) -> str:
    rows = int(np.prod(shape[:-1])) if len(shape) > 1 else 1
    return f"{rows}x{shape[-1]}"


def matmul(input, other):  # noqa: A002
    """Matrix product with broadcasting over batch dimensions, as ``torch.matmul``:
    1-D @ 1-D is a dot product, a 1-D operand is a row (left) or column (right) vector that is
    removed from the result again, and leading (batch) dims broadcast."""
    if type(input) is Tensor and type(other) is Tensor:  # the fast path: two matrices that fit
        x, y = input._array, other._array
        if x.ndim == 2 and y.ndim == 2 and x.shape[1] == y.shape[0] and x.dtype == y.dtype != np.bool_:
            return Matmul.apply(input, other)
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
            raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({_mat(sa)} and {_mat(sb)})")
    if nb > 2 and na > 1:  # batched: the batch dims must broadcast first
        _broadcast_batch(sa[:-2], sb[:-2])
    if sa[-1] != k_b:
        batch = int(np.prod(np.broadcast_shapes(sa[:-2], sb[:-2])))
        raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: "
                           f"[{batch}, {sa[-1]}] but got: [{batch}, {k_b}].")
    return Matmul.apply(input, other)


def _broadcast_batch(a: tuple, b: tuple) -> None:
    n = max(len(a), len(b))
    a, b = (1,) * (n - len(a)) + tuple(a), (1,) * (n - len(b)) + tuple(b)
    for i, (x, y) in enumerate(zip(a, b)):
        if x != y and x != 1 and y != 1:
            raise RuntimeError(f"The size of tensor a ({x}) must match the size of tensor b ({y}) at "
                               f"non-singleton dimension {i}")


def mm(input, mat2):  # noqa: A002
    """Matrix product of two 2-D tensors (no broadcasting): (n×k) @ (k×m) -> n×m."""
    _check_operands("mm", input, mat2)
    if input._array.ndim != 2:
        raise RuntimeError("self must be a matrix")
    if mat2._array.ndim != 2:
        raise RuntimeError("mat2 must be a matrix")
    sa, sb = input._array.shape, mat2._array.shape
    if sa[1] != sb[0]:
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({sa[0]}x{sa[1]} and "
                           f"{sb[0]}x{sb[1]})")
    return Matmul.apply(input, mat2)


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
    return Matmul.apply(input, mat2)


def mv(input, vec):  # noqa: A002
    """Matrix-vector product: (n×m) @ (m) -> (n)."""
    _check_operands("mv", input, vec)
    sa, sb = input._array.shape, vec._array.shape
    if len(sa) != 2 or len(sb) != 1:
        raise RuntimeError(f"vector + matrix @ vector expected, got 1, {len(sa)}, {len(sb)}")
    if sa[1] != sb[0]:
        raise RuntimeError(f"size mismatch, got input ({sa[0]}), mat ({sa[0]}x{sa[1]}), vec ({sb[0]})")
    return Matmul.apply(input, vec)


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
    return matmul(input, tensor)


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
class Einsum(Function):
    """out = einsum(spec, *operands), e.g. "ij,jk->ik";  the gradient of operand i is the einsum of g
    with the other operands, written into operand i's subscripts:  for "ij,jk->ik",
    grad_a = einsum("ik,jk->ij", g, b) = g @ bᵀ.  A subscript found only in operand i was summed
    away, so its gradient is the same along it (broadcast back)."""

    on_arrays = differentiable_backward = True

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
    subscripts that appear once, in alphabetical order. Not supported: a subscript repeated within one
    operand (diagonals, traces such as "ii->").
    """
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    for i, t in enumerate(operands):
        if not isinstance(t, Tensor):
            raise TypeError(f"einsum(): operand {i} must be a Tensor, not {type(t).__name__}")
    terms, out = _parse(equation.replace(" ", ""), operands)
    dtype = operands[0]._array.dtype
    for t in operands[1:]:
        if t._array.dtype != dtype:
            raise RuntimeError(f"expected scalar type {TORCH_NAMES[dtype.name]} but found "
                               f"{TORCH_NAMES[t._array.dtype.name]}")
    return Einsum.apply((tuple(terms), out), *operands)


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
        if len(set(term)) != len(term):
            raise NotImplementedError(f"einsum(): subscript repeated within operand {i} ('{terms[i]}': a "
                                      "diagonal or trace) is not supported by glassgrad")
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
class VectorNorm(Function):
    """out = (Σ |x|ᵖ)^(1/p);  ∂out/∂xᵢ = sign(xᵢ)·|xᵢ|ᵖ⁻¹ / outᵖ⁻¹  (p = 2: xᵢ/out, taken as 0 at x = 0
    like PyTorch; p = 1: sign(xᵢ); p = ±inf: sign(xᵢ)/k at the k elements where |xᵢ| = out)"""

    on_arrays = differentiable_backward = True

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


def norm(input, p="fro", dim=None, keepdim: bool = False, dtype=None):  # noqa: A002
    """The p-norm of the elements over ``dim`` (all by default): ``p`` = 2 ('fro', the default), 1,
    inf, -inf, 0 or any number. Its gradient at 0 is 0 (PyTorch's convention for the 2-norm)."""
    if dtype is not None:
        input = input.to(dtype)
    if input._array.dtype.kind != "f":
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


def vector_norm(x, ord=2, dim=None, keepdim: bool = False, *, dtype=None):  # noqa: A002
    """``torch.linalg.vector_norm``: the ``ord``-norm of the elements over ``dim`` (all by default)."""
    return norm(x, ord, dim, keepdim, dtype)


def matrix_norm(A, ord="fro", dim=(-2, -1), keepdim: bool = False, *, dtype=None):  # noqa: A002, N803
    """``torch.linalg.matrix_norm`` for ord='fro' (other orders need an SVD: not implemented)."""
    if ord != "fro":
        raise NotImplementedError(f"linalg.matrix_norm: ord={ord!r} is not implemented (only 'fro')")
    if A._array.ndim < 2:
        raise RuntimeError("linalg.matrix_norm: The input tensor A must have at least 2 dimensions.")
    return norm(A, 2, dim, keepdim, dtype)


def linalg_norm(A, ord=None, dim=None, keepdim: bool = False, *, dtype=None):  # noqa: A002, N803
    """``torch.linalg.norm``: with ord=None the 2-norm of all elements (Frobenius for a matrix)."""
    if isinstance(ord, str) or (ord is not None and (A._array.ndim == 2 and dim is None or
                                                      isinstance(dim, (tuple, list)) and len(dim) == 2)):
        return matrix_norm(A, ord, (-2, -1) if dim is None else dim, keepdim, dtype=dtype)
    return norm(A, 2 if ord is None else ord, dim, keepdim, dtype)


TENSOR_METHODS = {"matmul": matmul, "__matmul__": matmul,
                  "__rmatmul__": lambda self, other: matmul(
                      Tensor._wrap(other) if isinstance(other, np.ndarray) else other, self),
                  "mm": mm, "bmm": bmm, "mv": mv, "dot": dot, "outer": outer, "ger": outer, "norm": norm}

NUMPY = {np.matmul: lambda a, b: matmul(*(Tensor._wrap(x) if isinstance(x, np.ndarray) else x
                                          for x in (a, b))), np.einsum: lambda subscripts, *operands, **kw: einsum(subscripts, *operands)}
