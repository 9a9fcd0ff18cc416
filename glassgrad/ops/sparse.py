"""Sparse COO tensors: ``torch.sparse_coo_tensor``, ``to_sparse`` / ``to_dense``, ``coalesce``,
sparse @ dense and sparse @ sparse, ``torch.sparse.sum`` over dims and ``x[i]``, as graph networks (GCN,
GAT) use them.

Part III, after linalg. A sparse COO tensor keeps only its nonzero entries: ``indices``, an int64 array
of shape (sparse dims, nnz) whose column k is the position of entry k, and ``values``, a Tensor whose
row k is that entry. The same position may appear twice (the entries then add up); ``coalesce()`` sums
such duplicates and sorts the positions.

The values are an ordinary Tensor, so autograd needs nothing new: every sparse op is an op on the
values with the indices as constants. For S @ D with S's entries vₖ at (rₖ, cₖ),

    out[r, :] = Σ_{k: rₖ = r} vₖ · D[cₖ, :];   grad_vₖ = g[rₖ, :] · D[cₖ, :],   grad_D[c, :] = Σ_{k: cₖ = c} vₖ · g[rₖ, :]

so the gradient w.r.t. S lives on S's own pattern (PyTorch's sparse gradient), and grad_D = Sᵀ g. The
same holds for A @ B of two sparse matrices (each pair of entries that meet adds vₐ·v_b to one output
entry), for a sum over dims (entries that agree on the dims kept add into one) and for x[i] (the entries
whose coordinate is i). Where PyTorch's gradient is dense — it reaches positions that hold no entry (the
sum(dim) and @ of sparse tensors) — glassgrad cannot hold it and raises, naming the sparse form that
works; where PyTorch has no backward at all (x[i] with a sparse result) it raises PyTorch's error.

Dense operations PyTorch refuses on a sparse tensor are refused here too: the tensor's ``_array`` is
only its shape and dtype, and any numpy call on it raises PyTorch's "Could not run 'aten::...'".
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from glassgrad import dtypes
from glassgrad._format import format_array
from glassgrad.autograd.function import Primitive
from glassgrad.ops.indexing import IndexBackward
from glassgrad.ops.joining import cat
from glassgrad.tensor import Tensor, to_array

__all__ = ["layout", "strided", "sparse_coo", "SparseTensor", "sparse_coo_tensor", "mm", "spmm", "sparse_sum"]

_DEFAULT_DTYPES = ("float32", "int64", "bool")


class layout:  # noqa: N801 - PyTorch's name
    """How a tensor stores its numbers: ``strided`` (dense) or ``sparse_coo``."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return f"{dtypes.SHOWN_AS}.{self.name}"


strided = layout("strided")
sparse_coo = layout("sparse_coo")


def _not_for(backend: str, op: str) -> NotImplementedError:
    return NotImplementedError(
        f"Could not run 'aten::{op}' with arguments from the '{backend}' backend. This could be because "
        "the operator doesn't exist for this backend, or was omitted during the selective/custom build "
        "process (if using custom build).")


class _Dense:
    """What a sparse tensor's ``_array`` is: the dense shape and dtype, and no numbers at all."""

    __slots__ = ("shape", "dtype")

    def __init__(self, shape: tuple, dtype) -> None:
        self.shape, self.dtype = tuple(int(n) for n in shape), np.dtype(dtype)

    ndim = property(lambda self: len(self.shape))
    size = property(lambda self: math.prod(self.shape))
    itemsize = property(lambda self: self.dtype.itemsize)

    def __array__(self, dtype=None, copy=None):
        raise TypeError("can't convert Sparse layout tensor to numpy. Use Tensor.to_dense() first.")

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        raise _not_for("SparseCPU", ufunc.__name__)

    def __array_function__(self, func, types, args, kwargs):
        raise _not_for("SparseCPU", func.__name__)

    def __getattr__(self, name):  # .reshape, .astype, .T ... : dense code met a sparse tensor
        raise _not_for("SparseCPU", name.strip("_"))


# --- the primitives: each works on the values, the indices are constants ---------------------------
class SparseCooTensorWithDimsAndTensors(Primitive):
    """values -> the values of a new sparse tensor (cast to its dtype);  grad = g"""

    @staticmethod
    def forward(ctx, v, dtype):
        return v.astype(dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        return g, None


class ToSparse(Primitive):
    """values = x[nonzero positions];  grad_x = g scattered back into x's shape (zeros elsewhere)"""

    node_name = "ToSparseBackward1"
    differentiable_backward = False

    @staticmethod
    def forward(ctx, x, where):
        ctx.where, ctx.shape = where, x.shape
        return x[where]

    @staticmethod
    def backward(ctx, g):
        out = np.zeros(ctx.shape, g.dtype)
        out[ctx.where] = g
        return out, None


class ToDense(IndexBackward):
    """out = zeros(shape) with values[k] added at indices[:, k] (duplicates add up), which is
    IndexBackward's math;  grad_values[k] = g[indices[:, k]].  Called as (values, shape, indices)."""

    differentiable_backward = False


class Coalesce(IndexBackward):
    """out[u] = Σ_{k: inverse[k] = u} values[k] (duplicates summed): IndexBackward's math with the key
    ``inverse``;  grad_values[k] = g[inverse[k]]"""

    differentiable_backward = False


class SparseAddmm(Primitive):
    """out = S @ D, S (n×m) given by values vₖ at (rₖ, cₖ);  grad_vₖ = g[rₖ]·D[cₖ],  grad_D = Sᵀ g"""

    differentiable_backward = False

    @staticmethod
    def forward(ctx, v, d, rows, cols, n):
        ctx.save_for_backward(v, d)
        ctx.rows, ctx.cols = rows, cols
        out = np.zeros((n, d.shape[1]), np.result_type(v, d))
        np.add.at(out, rows, v[:, None] * d[cols])
        return out

    @staticmethod
    def backward(ctx, g):
        v, d = ctx.saved_tensors
        need_v, need_d = ctx.needs_input_grad[:2]
        rows, cols, grad_d = ctx.rows, ctx.cols, None
        grad_v = np.einsum("nk,nk->n", g[rows], d[cols]) if need_v else None
        if need_d:
            grad_d = np.zeros(d.shape, g.dtype)
            np.add.at(grad_d, cols, v[:, None] * g[rows])
        return grad_v, grad_d, None, None, None


class SparseMm(SparseAddmm):
    """torch.mm / spmm / @ of a sparse and a dense matrix (PyTorch names this node MmBackward0)."""

    node_name = "MmBackward0"


class SparseSparseMatmul(Primitive):
    """out = A @ B, both sparse: each pair of entries that meet (A's column = B's row) adds vₐ·v_b to its
    output position (``inverse`` numbers the positions);  grad_vₐ[i] = Σ_{pairs (i, j)} g[pos]·v_b[j],
    grad_v_b[j] = Σ_{pairs (i, j)} g[pos]·vₐ[i]: (g Bᵀ) and (Aᵀ g) read on each operand's own pattern"""

    differentiable_backward = False

    @staticmethod
    def forward(ctx, va, vb, ia, ib, inverse, n):
        ctx.save_for_backward(va, vb)
        ctx.ia, ctx.ib, ctx.inverse = ia, ib, inverse
        out = np.zeros(n, np.result_type(va, vb))
        np.add.at(out, inverse, va[ia] * vb[ib])
        return out

    @staticmethod
    def backward(ctx, g):
        va, vb = ctx.saved_tensors
        g_pairs = g[ctx.inverse]
        grad_a, grad_b = np.zeros_like(va), np.zeros_like(vb)
        np.add.at(grad_a, ctx.ia, g_pairs * vb[ctx.ib])
        np.add.at(grad_b, ctx.ib, g_pairs * va[ctx.ia])
        return grad_a, grad_b, None, None, None, None


class SparseSparseMm(SparseSparseMatmul):
    """sparse @ sparse through ``@`` / torch.mm: the same product; PyTorch's MmBackward0 then gives A the
    gradient g Bᵀ at *every* position, which a gradient kept on A's pattern cannot hold, so we refuse."""

    node_name = "MmBackward0"

    @staticmethod
    def backward(ctx, g):
        raise NotImplementedError(
            "glassgrad: the gradient of sparse @ sparse through torch.mm or @ is g @ B.T at every position "
            "in PyTorch, not only where A has entries; glassgrad keeps a sparse tensor's gradient on its "
            "own entries. Use torch.sparse.mm(a, b): its gradient is exactly that, in both libraries.")


class SparseSum(Primitive):
    """out[u] = Σ_{k: inverse[k] = u} values[k], each value first summed over the dense ``axes``, then
    reshaped to ``shape``;  grad_values[k] = g[inverse[k]] broadcast back over those axes"""

    node_name = "SparseSumBackward0"
    differentiable_backward = False

    @staticmethod
    def forward(ctx, v, inverse, n, axes, shape, dense_out):
        ctx.v_shape, ctx.inverse, ctx.axes, ctx.dense_out = v.shape, inverse, axes, dense_out
        summed = v.sum(axis=axes, dtype=v.dtype)
        ctx.out_shape = out_shape = (n,) + summed.shape[1:]
        out = np.zeros(out_shape, v.dtype)
        np.add.at(out, inverse, summed)
        return out.reshape(shape)

    @staticmethod
    def backward(ctx, g):
        g = np.expand_dims(g.reshape(ctx.out_shape), ctx.axes)[ctx.inverse]
        return np.broadcast_to(g, ctx.v_shape).copy(), None, None, None, None, None


class SparseSumDim(SparseSum):
    """``x.sum(dim)`` of a sparse x: SparseSum's numbers; PyTorch's SumBackward1 then expands the
    gradient to x's shape, which it refuses for a sparse result and spreads over every position (not only
    x's entries) for a dense one; we refuse both, pointing at torch.sparse.sum."""

    node_name = "SumBackward1"

    @staticmethod
    def backward(ctx, g):
        if not ctx.dense_out:
            raise RuntimeError("expand is unsupported for Sparse tensors")
        raise NotImplementedError("glassgrad: the gradient of sum(dim) of a sparse tensor is dense in "
                                  "PyTorch (every position, not only the entries); use torch.sparse.sum(x, "
                                  "dim), whose gradient stays on x's entries")


class SparseSelect(Primitive):
    """x[i, ...] of a sparse x: the entries at ``mask`` (those whose fixed coordinates match), each value
    indexed by ``value_index`` on its dense dims; with every sparse dim fixed the result is dense, the sum
    of those entries.  grad_values[mask] = g (a dense result), 0 elsewhere"""

    node_name = "SelectBackward0"
    differentiable_backward = False

    @staticmethod
    def forward(ctx, v, mask, value_index, dense_out):
        ctx.v_shape, ctx.mask, ctx.value_index, ctx.dense_out = v.shape, mask, value_index, dense_out
        picked = v[mask][(slice(None),) + value_index]
        return picked.sum(axis=0, dtype=v.dtype) if dense_out else picked

    @staticmethod
    def backward(ctx, g):
        if not ctx.dense_out:  # a sparse gradient: PyTorch has no select_backward for it
            raise _not_for("SparseCPU", "select_backward")
        if not ctx.mask.any():
            raise NotImplementedError("glassgrad: this element of the sparse tensor has no entry, and "
                                      "PyTorch's gradient (dense) would put a 1 where glassgrad keeps none")
        picked = np.zeros((int(ctx.mask.sum()),) + ctx.v_shape[1:], g.dtype)
        picked[(slice(None),) + ctx.value_index] = g
        grad = np.zeros(ctx.v_shape, g.dtype)
        grad[ctx.mask] = picked
        return grad, None, None, None


# --- the tensor ----------------------------------------------------------------------------------
class SparseTensor(Tensor):
    """A Tensor with ``layout == sparse_coo``: int64 ``indices`` (sparse dims × nnz) and ``values``.

    Its autograd state is its values': requires_grad, grad_fn, and a ``grad`` on the same pattern."""

    __slots__ = ("_idx", "_vals", "_coalesced")
    is_sparse = True
    layout = sparse_coo

    def _indices(self) -> Tensor:
        return Tensor._wrap(self._idx)

    def _values(self) -> Tensor:
        return self._vals

    def indices(self) -> Tensor:
        if not self._coalesced:
            raise RuntimeError("Cannot get indices on an uncoalesced tensor, please call .coalesce() first")
        return self._indices()

    def values(self) -> Tensor:
        if not self._coalesced:
            raise RuntimeError("Cannot get values on an uncoalesced tensor, please call .coalesce() first")
        return self._vals

    def _nnz(self) -> int:
        return self._idx.shape[1]

    def sparse_dim(self) -> int:
        return self._idx.shape[0]

    def dense_dim(self) -> int:
        return self._vals._array.ndim - 1

    def is_coalesced(self) -> bool:
        return self._coalesced

    def coalesce(self) -> "SparseTensor":
        """Duplicate positions summed into one entry, positions in row-major order."""
        if self._coalesced:
            return self
        dims = self._array.shape[:self.sparse_dim()]
        keys = np.ravel_multi_index(tuple(self._idx), dims) if self._nnz() else np.zeros(0, np.int64)
        unique, inverse = np.unique(keys, return_inverse=True)
        indices = np.array(np.unravel_index(unique, dims), np.int64).reshape(len(dims), -1)
        values = Coalesce.apply(self._vals, (len(unique),) + self._vals.shape[1:], inverse.reshape(-1))
        return _sparse(indices, values, self._array.shape, True)

    def to_dense(self, dtype=None, *, masked_grad=None) -> Tensor:
        out = ToDense.apply(self._vals, self._array.shape, tuple(self._idx))
        return out if dtype is None else out.to(dtype)

    def to_sparse(self, *args, **kwargs) -> "SparseTensor":
        return self

    def t(self) -> "SparseTensor":
        if self._array.ndim > 2 or self.dense_dim():
            raise RuntimeError(f"t() expects a tensor with <= 2 sparse and 0 dense dimensions, but got "
                               f"{self.sparse_dim()} sparse and {self.dense_dim()} dense dimensions")
        return _sparse(self._idx[::-1].copy(), self._vals, self._array.shape[::-1])

    def _like(self, values: Tensor) -> "SparseTensor":
        return _sparse(self._idx, values, self._array.shape, self._coalesced)

    def to(self, *args, **kwargs) -> "SparseTensor":
        values = self._vals.to(*args, **kwargs)
        return self if values is self._vals else self._like(values)

    def clone(self, *, memory_format=None) -> "SparseTensor":
        return _sparse(self._idx.copy(), self._vals.clone(), self._array.shape, self._coalesced)

    def detach(self) -> "SparseTensor":
        return self._like(self._vals.detach())

    def requires_grad_(self, requires_grad: bool = True) -> "SparseTensor":
        self._vals.requires_grad_(requires_grad)
        self._requires_grad = self._vals._requires_grad
        return self

    @property
    def grad(self):
        """∂L/∂self on self's pattern: the values' gradient at each stored position, once (entries that
        share a position all got that position's gradient)."""
        g = self._vals.grad
        if g is None or self._coalesced:
            return None if g is None else self._like(g)
        dims = self._array.shape[:self.sparse_dim()]
        keys = np.ravel_multi_index(tuple(self._idx), dims) if self._nnz() else np.zeros(0, np.int64)
        _, first = np.unique(keys, return_index=True)
        return _sparse(self._idx[:, first], Tensor._wrap(g._array[first]), self._array.shape, True)

    @grad.setter
    def grad(self, value) -> None:
        self._vals.grad = None if value is None else value.coalesce()._vals

    def sum(self, dim=None, keepdim=False, dtype=None):
        """Every entry summed (a dense 0-d tensor), or over ``dim`` (sparse while a sparse dim is left;
        its gradient is refused, as PyTorch's: use torch.sparse.sum for one)."""
        if dim is None:
            return self._vals.sum(dtype=dtype)
        return sparse_sum(self, dim, dtype, keepdim, SparseSumDim)

    def select(self, dim: int, index: int):
        """The slice at ``index`` along ``dim``: sparse while a sparse dim is left, else dense."""
        dim = _dim(dim, self._array.ndim)
        if not -self._array.shape[dim] <= index < self._array.shape[dim]:
            raise IndexError(f"select(): index {index} out of range for tensor of size "
                             f"{list(self._array.shape)} at dimension {dim}")
        return self[(slice(None),) * dim + (index,)]

    # arithmetic: with numbers, and with sparse tensors of the same shape
    def __mul__(self, other):
        if isinstance(other, Tensor) and (other.is_sparse or other._array.ndim):
            raise NotImplementedError("glassgrad: a sparse tensor multiplies by a number only")
        return self._like(self._vals * other)

    __rmul__ = __mul__

    def __truediv__(self, other):
        return self * (1 / other)

    def __neg__(self):
        return self._like(-self._vals)

    def __add__(self, other):
        if not getattr(other, "is_sparse", False):
            raise RuntimeError("add(sparse, dense) is not supported. Use add(dense, sparse) instead.")
        if other._array.shape != self._array.shape:
            raise RuntimeError(f"add: expected sizes of 'self' and 'other' to match, but "
                               f"{list(self._array.shape)} != {list(other._array.shape)}")
        both = _sparse(np.concatenate([self._idx, other._idx], axis=1),
                       cat((self._vals, other._vals)), self._array.shape)
        return both.coalesce()

    def __sub__(self, other):
        return self + (-other if getattr(other, "is_sparse", False) else other)

    def __radd__(self, other):  # dense + sparse is dense
        return other + self.to_dense()

    def __rsub__(self, other):
        return other - self.to_dense()

    def __matmul__(self, other):
        if getattr(other, "is_sparse", False):
            if other._array.ndim == 1:  # PyTorch's matmul takes a view of the vector, then a batch
                raise _not_for("SparseCPU", "as_strided")
            if other._array.ndim > 2:
                raise RuntimeError("expand is unsupported for Sparse tensors")
            return _sparse_sparse_mm(self, other, SparseSparseMm)
        return _mm(self, other, SparseMm)

    def __rmatmul__(self, other):  # D @ S = (Sᵀ @ Dᵀ)ᵀ
        return _mm(self.t(), other.t(), SparseMm).t()

    mm = matmul = spmm = __matmul__

    # what PyTorch refuses (or glassgrad does not offer) on a sparse tensor
    def numpy(self, *, force: bool = False):
        raise TypeError("can't convert Sparse layout tensor to numpy. Use Tensor.to_dense() first.")

    def tolist(self):
        raise RuntimeError("Cannot access data pointer of Tensor that doesn't have storage")

    def view(self, *shape):
        raise _not_for("SparseCPU", "view")

    def reshape(self, *shape):
        raise RuntimeError("reshape is not implemented for sparse tensors")

    def __getitem__(self, index):
        return _getitem(self, index)

    def __repr__(self) -> str:
        return _format_sparse(self)


def _sparse(indices: np.ndarray, values: Tensor, shape: tuple, coalesced: bool = False) -> SparseTensor:
    """A SparseTensor around these indices and values: its autograd state is the values'."""
    s = SparseTensor.__new__(SparseTensor)
    s._init(_Dense(shape, values._array.dtype), values._requires_grad, values.grad_fn)
    s._idx, s._vals, s._coalesced = indices, values, coalesced
    return s


def _dim(dim, ndim: int) -> int:
    if not isinstance(dim, numbers.Integral) or isinstance(dim, bool):
        raise TypeError(f"dim must be an int or a tuple of ints, not {type(dim).__name__}")
    if not -ndim <= dim < ndim:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-ndim}, {ndim - 1}], but "
                         f"got {dim})")
    return int(dim) % ndim


def _positions(indices: np.ndarray, sizes: tuple) -> np.ndarray:
    """Each entry's position as one number (row-major), so that equal positions are equal numbers."""
    if not indices.shape[1]:
        return np.zeros(0, np.int64)
    return np.ravel_multi_index(tuple(indices), sizes)


def sparse_sum(s: SparseTensor, dim, dtype=None, keepdim: bool = False, primitive=SparseSum) -> Tensor:
    """``torch.sparse.sum(s, dim)`` (and ``s.sum(dim)`` with ``SparseSumDim``): the entries that agree on
    the dims kept are added into one (so the result is coalesced); the values are summed over the dense
    dims in ``dim``. With every sparse dim summed the result is a dense tensor."""
    ndim, sparse_dims = s._array.ndim, s.sparse_dim()
    dims = tuple(dim) if isinstance(dim, (tuple, list)) else (dim,)
    dims = [_dim(d, ndim) for d in dims]
    for d in dims:
        if dims.count(d) > 1:
            raise RuntimeError(f"dim {d} appears multiple times in the list of dims")
    values = s._vals if dtype is None else s._vals.to(dtype)
    shape = s._array.shape
    kept = [d for d in range(sparse_dims) if d not in dims]
    axes = tuple(d - sparse_dims + 1 for d in dims if d >= sparse_dims)
    if not kept:  # every sparse dim summed: a dense result
        shape_out = tuple(1 if d in dims else shape[d] for d in range(ndim) if keepdim or d not in dims)
        return primitive.apply(values, np.zeros(s._nnz(), np.int64), 1, axes, shape_out, True)
    sizes = [shape[d] for d in kept]
    unique, inverse = np.unique(_positions(s._idx[kept], tuple(sizes)), return_inverse=True)
    indices = np.array(np.unravel_index(unique, tuple(sizes)), np.int64).reshape(len(kept), -1)
    dense_shape = [shape[d] for d in range(sparse_dims, ndim) if d not in dims]
    if keepdim:  # PyTorch unsqueezes each summed dim back: a sparse dim (index 0) while it can be one
        for d in sorted(dims):
            if d <= len(sizes):
                indices = np.insert(indices, d, 0, axis=0)
                sizes.insert(d, 1)
            else:
                dense_shape.insert(d - len(sizes), 1)
    summed = primitive.apply(values, inverse.reshape(-1), len(unique), axes,
                             (len(unique),) + tuple(dense_shape), False)
    return _sparse(indices, summed, tuple(sizes + dense_shape), not keepdim)


def _getitem(s: SparseTensor, index):
    """``s[i]``, ``s[i, j]``, ``s[:, j]``: whole dims (``:``) and single positions only, as PyTorch."""
    index = index if isinstance(index, tuple) else (index,)
    ndim, sparse_dims, shape = s._array.ndim, s.sparse_dim(), s._array.shape
    if len(index) > ndim:
        raise IndexError(f"too many indices for tensor of dimension {ndim}")
    fixed = {}
    for d, i in enumerate(index):
        if isinstance(i, slice) and i == slice(None):
            continue
        if isinstance(i, slice):
            raise _not_for("SparseCPU", "as_strided")
        if isinstance(i, (Tensor, list, np.ndarray)):
            raise _not_for("SparseCPU", "index.Tensor")
        if i is Ellipsis:
            raise NotImplementedError("Cannot access storage of SparseTensorImpl")
        if not isinstance(i, numbers.Integral) or isinstance(i, bool):
            raise NotImplementedError(f"glassgrad: indexing a sparse tensor with {i!r} is not supported; "
                                      "call .to_dense() first")
        if not -shape[d] <= i < shape[d]:
            raise IndexError(f"index {i} is out of bounds for dimension {d} with size {shape[d]}")
        fixed[d] = int(i) % shape[d]
    if not fixed:
        raise NotImplementedError("Cannot access storage of SparseTensorImpl")
    mask = np.ones(s._nnz(), bool)
    for d in (d for d in fixed if d < sparse_dims):
        mask &= s._idx[d] == fixed[d]
    value_index = tuple(fixed.get(d, slice(None)) for d in range(sparse_dims, ndim))
    kept = [d for d in range(sparse_dims) if d not in fixed]
    values = SparseSelect.apply(s._vals, mask, value_index, not kept)
    if not kept:
        return values
    dense_shape = tuple(shape[d] for d in range(sparse_dims, ndim) if d not in fixed)
    return _sparse(s._idx[kept][:, mask], values, tuple(shape[d] for d in kept) + dense_shape, s._coalesced)


for _name in ("float", "double", "half", "long", "int", "short", "bool", "byte", "char"):
    setattr(SparseTensor, _name,
            (lambda name: lambda self, memory_format=None: self._like(getattr(self._vals, name)()))(_name))


def _format_sparse(s: SparseTensor) -> str:
    """PyTorch's layout: indices and values as tensors, then size, nnz, dtype, layout, one per line
    only when the line would pass 80 columns (size always starts a new one)."""
    indent = len("tensor(")
    parts = []
    for name, array in (("indices", s._idx), ("values", s._vals._array)):
        prefix = f"{name}=tensor("
        body = format_array(array, prefix=" " * (indent + len(prefix)))
        if array.size == 0:
            body += f", size={tuple(array.shape)}"
        parts.append(prefix + body + ")")
    text = "tensor(" + (",\n" + " " * indent).join(parts)
    suffixes = [f"size={tuple(s._array.shape)}", f"nnz={s._nnz()}"]
    if s._array.dtype.name not in _DEFAULT_DTYPES:
        suffixes.append(f"dtype={dtypes.SHOWN_AS}.{s._array.dtype.name}")
    suffixes.append(f"layout={sparse_coo!r}")
    if s.grad_fn is not None:
        suffixes.append(f"grad_fn=<{s.grad_fn.name()}>")
    elif s._requires_grad:
        suffixes.append("requires_grad=True")
    line = len(text) - text.rfind("\n") + 1
    for i, suffix in enumerate(suffixes):
        if i == 0 or line + len(suffix) + 2 > 80:
            text += ",\n" + " " * indent + suffix
            line = indent + len(suffix)
        else:
            text += ", " + suffix
            line += len(suffix) + 2
    return text + ")"


# --- making sparse tensors, and multiplying them ---------------------------------------------------
def sparse_coo_tensor(indices, values, size=None, *, dtype=None, device=None, pin_memory=False,
                      requires_grad: bool = False, check_invariants=None, is_coalesced=None):
    """A sparse COO tensor with ``values[k]`` at position ``indices[:, k]``, as ``torch.sparse_coo_tensor``.

    ``size`` defaults to the smallest shape that holds every index; positions may repeat (they add up).
    """
    idx = np.asarray(indices._array if isinstance(indices, Tensor) else indices).astype(np.int64)
    if not isinstance(values, Tensor):
        values = Tensor._wrap(to_array(values))
    target = values._array.dtype if dtype is None else dtypes.to_dtype(dtype).numpy
    if idx.ndim != 2:
        raise RuntimeError(f"indices must be sparse_dim x nnz, but got: {list(idx.shape)}")
    if idx.shape[1] != values._array.shape[0]:
        raise RuntimeError(f"indices and values must have same nnz, but got nnz from indices: "
                           f"{idx.shape[1]}, nnz from values: {values._array.shape[0]}")
    dense = values._array.shape[1:]
    if size is None:
        size = tuple(int(n) + 1 for n in idx.max(axis=1)) if idx.shape[1] else (0,) * idx.shape[0]
        size += dense
    size = tuple(int(n) for n in size)
    if len(size) != idx.shape[0] + len(dense):
        raise RuntimeError(f"'len(size) == sparse_dim + dense_dim' is not satisfied: len(size) = "
                           f"{len(size)}, sparse_dim = {idx.shape[0]}, dense_dim = {len(dense)}")
    for d in range(idx.shape[0]):
        if idx.shape[1] and not 0 <= idx[d].min() <= idx[d].max() < size[d]:
            bad = idx[d].max() if idx[d].max() >= size[d] else idx[d].min()
            raise RuntimeError(f"size is inconsistent with indices: for dim {d}, size is {size[d]} but "
                               f"found index {bad}")
    if requires_grad:  # a new leaf: its values are the tensor that collects the gradient
        values = Tensor._wrap(values._array.astype(target), requires_grad=True)
    else:
        values = SparseCooTensorWithDimsAndTensors.apply(values, target)
    return _sparse(idx, values, size, bool(is_coalesced))


def to_sparse(self, *args, layout=None, **kwargs) -> SparseTensor:
    """The nonzero entries of a dense tensor, in row-major order (so already coalesced)."""
    if layout not in (None, sparse_coo):
        raise NotImplementedError(f"glassgrad: to_sparse(layout={layout!r}) is not supported")
    where = np.nonzero(self._array)
    return _sparse(np.array(where, np.int64).reshape(self._array.ndim, -1), ToSparse.apply(self, where),
                   self._array.shape, True)


def _mm(s: SparseTensor, d, primitive) -> Tensor:
    """Sparse (n×m) @ dense (m×p) -> dense (n×p)."""
    if not isinstance(d, Tensor):
        raise TypeError(f"mm(): argument 'mat2' must be Tensor, not {type(d).__name__}")
    if s._array.ndim != 2 or s.dense_dim():
        raise NotImplementedError("glassgrad: only a 2-D sparse matrix multiplies a dense one")
    if d._array.ndim != 2:
        raise IndexError("Dimension out of range (expected to be in range of [-1, 0], but got 1)")
    if s._array.dtype != d._array.dtype:
        raise RuntimeError(f"expected scalar type {dtypes.TORCH_NAMES[s._array.dtype.name]} but found "
                           f"{dtypes.TORCH_NAMES[d._array.dtype.name]}")
    if d._array.shape[0] != s._array.shape[1]:
        raise RuntimeError(f"addmm: Argument #3 (dense): Expected dim 0 size {s._array.shape[1]}, got "
                           f"{d._array.shape[0]}")
    rows, cols = s._idx
    return primitive.apply(s._vals, d, rows, cols, s._array.shape[0])


def _sparse_sparse_mm(a: SparseTensor, b: SparseTensor, primitive) -> SparseTensor:
    """Sparse (n×m) @ sparse (m×p) -> sparse (n×p), coalesced: every entry of A meets the entries of B
    in the row A's column names (B coalesced keeps them together, so two searches find them)."""
    for name, x in (("mat1", a), ("mat2", b)):
        if x._array.ndim != 2:
            raise RuntimeError(f"Expected {name}_.dim() == 2 to be true, but got false.  (Could this error "
                               "message be improved?  If so, please report an enhancement request to "
                               "PyTorch.)")
        if x.dense_dim():
            raise NotImplementedError("glassgrad: sparse @ sparse needs two sparse matrices without "
                                      "dense dims")
    if a._array.dtype != b._array.dtype:
        raise RuntimeError(f"mat1 dtype {dtypes.TORCH_NAMES[a._array.dtype.name]} does not match mat2 dtype "
                           f"{dtypes.TORCH_NAMES[b._array.dtype.name]}")
    (n, m), (m2, p) = a._array.shape, b._array.shape
    if m != m2:
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({n}x{m} and {m2}x{p})")
    a, b = a.coalesce(), b.coalesce()
    a_rows, a_cols = a._idx
    b_rows, b_cols = b._idx
    first, last = np.searchsorted(b_rows, a_cols, "left"), np.searchsorted(b_rows, a_cols, "right")
    counts = last - first
    ia = np.repeat(np.arange(a._nnz()), counts)                       # the pairs (ia[t], ib[t]) that meet
    ib = np.repeat(first - (np.cumsum(counts) - counts), counts) + np.arange(counts.sum())
    keys = a_rows[ia] * p + b_cols[ib]
    unique, inverse = np.unique(keys, return_inverse=True)
    indices = np.array([unique // max(p, 1), unique % max(p, 1)], np.int64).reshape(2, -1)
    values = primitive.apply(a._vals, b._vals, ia, ib, inverse.reshape(-1), len(unique))
    return _sparse(indices, values, (n, p), True)


def mm(mat1, mat2) -> Tensor:
    """``torch.sparse.mm``: sparse @ dense, or sparse @ sparse (a sparse result); a sparse operand's
    gradient stays on its pattern."""
    if not mat1.is_sparse:
        return mat1 @ mat2
    if getattr(mat2, "is_sparse", False):
        return _sparse_sparse_mm(mat1, mat2, SparseSparseMatmul)
    return _mm(mat1, mat2, SparseAddmm)


def spmm(input, mat2) -> Tensor:  # noqa: A002
    """``torch.spmm``: sparse @ dense (dense @ dense works too, as in PyTorch)."""
    return input @ mat2


def _strided_only(name: str, expected: str = "sparse coordinate tensor"):
    def method(self, *args, **kwargs):
        raise RuntimeError(f"{name} expected {expected} layout but got Strided")
    method.__name__ = name
    return method


def _no_cpu_kernel(name: str):
    def method(self, *args, **kwargs):
        raise _not_for("CPU", name)
    method.__name__ = name
    return method


# The dense side: every Tensor answers layout / is_sparse, converts, and refuses the sparse-only calls.
TENSOR_METHODS = {
    "layout": property(lambda self: strided), "is_sparse": property(lambda self: False),
    "to_sparse": to_sparse, "to_dense": lambda self, dtype=None, *, masked_grad=None: (
        self if dtype is None else self.to(dtype)),
    "indices": _strided_only("indices"), "values": _strided_only("values", "sparse tensor"),
    "coalesce": _strided_only("coalesce"), "is_coalesced": _strided_only("is_coalesced"),
    "_indices": _no_cpu_kernel("_indices"), "_values": _no_cpu_kernel("_values"),
    "_nnz": _no_cpu_kernel("_nnz"),
}
