"""Shape ops: reshape/view, transpose/permute, squeeze/unsqueeze, expand, flip, roll, tril, diagonal ...

Part III, after the reductions (``reduce.py`` and its neighbours); ``joining.py`` (cat, stack, split and
basic slicing) comes next. These move numbers around without changing them, so each backward moves the
gradient back the same way: reshape's backward reshapes, transpose's transposes back, expand's sums
over the copies (like broadcasting).

Many of these return *views*: tensors that share the input's memory (``is_view = True``), and so its
version counter — change the base in place and a backward that saved the view will refuse to run.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from glassgrad import dtypes
from glassgrad.autograd.function import Primitive
from glassgrad.ops._util import normalize_dims, torch_keywords, unbroadcast
from glassgrad.tensor import Size, Tensor

__all__ = [
    "reshape", "view", "flatten", "ravel", "unflatten", "squeeze", "unsqueeze", "permute", "transpose",
    "swapaxes", "swapdims", "t", "adjoint", "expand", "expand_as", "broadcast_to", "broadcast_shapes",
    "broadcast_tensors", "flip", "fliplr",
    "flipud", "roll", "movedim", "moveaxis", "tril", "triu", "diagonal", "diag",
]


def _size_args(shape) -> tuple:
    """reshape(2, 3), reshape((2, 3)) and reshape([2, 3]) all mean the same."""
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    if all(type(s) is int for s in shape):  # the common case, without the slower ABC checks below
        return shape
    for s in shape:
        if not isinstance(s, numbers.Integral):
            if isinstance(s, Tensor) and s._array.ndim == 0 and s._array.dtype.kind in "iu":
                continue
            raise TypeError(f"shape must be a sequence of ints, got {type(s).__name__} {s!r}")
    return tuple(int(s) for s in shape)


def _dim_incl_end(dim: int, ndim: int) -> int:
    """A dim for a *new* axis (unsqueeze, stack): valid range is [-ndim-1, ndim]."""
    if not -ndim - 1 <= dim <= ndim:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-ndim - 1}, {ndim}], "
                         f"but got {dim})")
    return dim % (ndim + 1)


# --- the primitives ---------------------------------------------------------------------------------
# PyTorch names the node of a reshape after how it was done: a view of the same memory (ViewBackward0),
# a copy (UnsafeViewBackward0), squeeze/unsqueeze (SqueezeBackward0/1/2, UnsqueezeBackward0). The
# numbers move the same way in all of them: one class, and subclasses that only set the name.
class Reshape(Primitive):
    """out = x with a new shape (same elements, same order);  grad_x = g reshaped back"""

    one_tensor_input = True  # the other arguments are options (see Function)
    node_name = "ViewBackward0"
    is_view = True

    @staticmethod
    def forward(ctx, x, shape):
        ctx.shape = x.shape
        return x.reshape(shape)

    @staticmethod
    def backward(ctx, g):
        return np.reshape(g, ctx.shape), None


class UnsafeView(Reshape):
    """A reshape that has to copy (the memory layout allows no view): a new tensor, not a view."""

    is_view = False


class Squeeze(Reshape):  # squeeze(x): every size-1 dim
    pass


class SqueezeDim(Reshape):  # squeeze(x, dim)
    node_name = "SqueezeBackward1"


class SqueezeDims(Reshape):  # squeeze(x, (dims...))
    node_name = "SqueezeBackward2"


class Unsqueeze(Reshape):
    pass


class View(Reshape):
    """Reshape that refuses to copy: ``view`` must share memory with its input, as in PyTorch."""

    @staticmethod
    def forward(ctx, x, shape):
        ctx.shape = x.shape
        try:
            return x.reshape(shape, copy=False)
        except ValueError:
            raise RuntimeError("view size is not compatible with input tensor's size and stride (at "
                               "least one dimension spans across two contiguous subspaces). Use "
                               ".reshape(...) instead.") from None


class Permute(Primitive):
    """out = x with its axes reordered;  grad_x = g with the inverse order"""

    one_tensor_input = True  # the other arguments are options (see Function)
    is_view = True

    @staticmethod
    def forward(ctx, x, dims):
        ctx.inverse = tuple(np.argsort(dims))
        return np.transpose(x, dims)

    @staticmethod
    def backward(ctx, g):
        return np.transpose(g, ctx.inverse), None


class Transpose(Permute):  # transpose(x, d0, d1): PyTorch's node is TransposeBackward0
    pass


class T(Permute):  # x.t(): TBackward0
    pass


class Expand(Primitive):
    """out = x broadcast to a bigger shape (no copy);  grad_x = g summed over the copies"""

    one_tensor_input = True  # the other arguments are options (see Function)
    is_view = True

    @staticmethod
    def forward(ctx, x, shape):
        ctx.shape = x.shape
        return np.broadcast_to(x, shape)

    @staticmethod
    def backward(ctx, g):
        return unbroadcast(g, ctx.shape), None


class Flip(Primitive):
    """out = x reversed along ``dims`` (a copy, as in PyTorch);  grad_x = g flipped back"""

    one_tensor_input = True  # the other arguments are options (see Function)

    @staticmethod
    def forward(ctx, x, dims):
        ctx.dims = dims
        return np.flip(x, dims).copy()

    @staticmethod
    def backward(ctx, g):
        return np.flip(g, ctx.dims), None


class Roll(Primitive):
    """out = x shifted cyclically by ``shifts`` along ``dims``;  grad_x = g shifted back"""

    one_tensor_input = True  # the other arguments are options (see Function)

    @staticmethod
    def forward(ctx, x, shifts, dims):
        ctx.shifts, ctx.dims = shifts, dims
        return np.roll(x, shifts, dims)

    @staticmethod
    def backward(ctx, g):
        back = -ctx.shifts if isinstance(ctx.shifts, int) else tuple(-s for s in ctx.shifts)
        return np.roll(g, back, ctx.dims), None, None


class _Triangle(Primitive):
    """out = x with the entries on one side of diagonal k zeroed (tril: above it, triu: below it);
    grad_x = the same triangle of g (the zeroed entries had no effect on out)"""

    numpy_fn = None  # np.tril or np.triu

    @classmethod
    def forward(cls, ctx, x, k):
        ctx.k = k
        return cls.numpy_fn(x, k)

    @classmethod
    def backward(cls, ctx, g):
        return cls.numpy_fn(g, ctx.k), None


class Tril(_Triangle):
    numpy_fn = staticmethod(np.tril)


class Triu(_Triangle):
    numpy_fn = staticmethod(np.triu)


class Diagonal(Primitive):
    """out = the diagonal (offset k) of the (dim1, dim2) planes, as a last axis: a view.
    grad_x = zeros with g written back on that diagonal"""

    is_view = True

    @staticmethod
    def forward(ctx, x, offset, dim1, dim2):
        ctx.shape, ctx.args = x.shape, (offset, dim1, dim2)
        out = np.diagonal(x, offset, dim1, dim2)
        if x.flags.writeable:  # numpy hands out a read-only view; it is safe to write through it
            out.flags.writeable = True
        return out

    @staticmethod
    def backward(ctx, g):
        if type(g) is np.ndarray:
            out = np.zeros(ctx.shape, g.dtype)
            d = np.diagonal(out, *ctx.args)
            d.flags.writeable = True
            d[...] = g
            return out, None, None, None
        return DiagonalBackward.apply(g, ctx.shape, *ctx.args), None, None, None


class DiagonalCopy(Diagonal):
    """diag(matrix): the diagonal as a new tensor (PyTorch's node: DiagonalBackward0_copy)."""

    node_name = "DiagonalBackward0_copy"
    is_view = False

    @staticmethod
    def forward(ctx, x, offset, dim1, dim2):
        ctx.shape, ctx.args = x.shape, (offset, dim1, dim2)
        return np.diagonal(x, offset, dim1, dim2).copy()


class DiagonalBackward(Primitive):
    """out = zeros(shape) with g on a diagonal (Diagonal's backward as an op);  grad_g = its diagonal"""

    @staticmethod
    def forward(ctx, g, shape, offset, dim1, dim2):
        ctx.args = (offset, dim1, dim2)
        out = np.zeros(shape, g.dtype)
        d = np.diagonal(out, offset, dim1, dim2)
        d.flags.writeable = True
        d[...] = g
        return out

    @staticmethod
    def backward(ctx, gg):
        return np.diagonal(gg, *ctx.args), None, None, None, None


class DiagEmbed(Primitive):
    """out = the vector x laid on diagonal k of a square matrix;  grad_x = that diagonal of g"""

    @staticmethod
    def forward(ctx, x, k):
        ctx.k = k
        return np.diag(x, k)

    @staticmethod
    def backward(ctx, g):
        return np.diagonal(g, ctx.k), None


# --- reshaping ----------------------------------------------------------------------------------------
def _infer_shape(shape: tuple, n: int) -> tuple:
    """Check a requested shape against ``n`` elements and fill in a -1, with PyTorch's errors."""
    for i, s in enumerate(shape):
        if s < -1:
            raise RuntimeError(f"invalid shape dimension {s} at index {i} of shape {list(shape)}")
    if shape.count(-1) > 1:
        raise RuntimeError("only one dimension can be inferred")
    known = math.prod(s for s in shape if s != -1)
    if -1 in shape:
        if known == 0:
            raise RuntimeError(f"cannot reshape tensor of {n} elements into shape {list(shape)} because "
                               "the unspecified dimension size -1 can be any value and is ambiguous")
        if n % known == 0:
            return tuple(n // known if s == -1 else s for s in shape)
    elif known == n:
        return shape
    raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {n}")


def _reshape(input, shape: tuple):  # noqa: A002
    """A view when numpy can make one (ViewBackward0), else a copy (UnsafeViewBackward0), as PyTorch."""
    x = input._array
    if x.flags.c_contiguous:
        return Reshape.apply(input, shape)
    try:
        x.reshape(shape, copy=False)
    except ValueError:
        return UnsafeView.apply(input, shape)
    return Reshape.apply(input, shape)


def reshape(input, *shape):  # noqa: A002
    """Same elements (row-major order), new shape; one dimension may be -1 (inferred).
    A view when numpy can make one, else a copy — as in PyTorch."""
    shape = _size_args(shape)
    if math.prod(shape) != input._array.size or min(shape, default=0) < 0:
        shape = _infer_shape(shape, input._array.size)
    return _reshape(input, shape)


def view(input, *shape):  # noqa: A002
    """Like reshape but always a view: refuses (RuntimeError) when the memory layout needs a copy.
    ``x.view(dtype)`` reinterprets the bytes, as in PyTorch (not differentiable)."""
    if len(shape) == 1 and isinstance(shape[0], (dtypes.dtype, type, np.dtype)):
        t = Tensor._wrap(input._array.view(dtypes.to_dtype(shape[0]).numpy))
        t._vc, t._base = input._vc, input._base if input._base is not None else input
        return t
    shape = _size_args(shape)
    if math.prod(shape) != input._array.size or min(shape, default=0) < 0:
        shape = _infer_shape(shape, input._array.size)
    return View.apply(input, shape)


def flatten(input, start_dim: int = 0, end_dim: int = -1):  # noqa: A002
    """Merge dims start_dim..end_dim into one (a 0-d tensor becomes shape (1,))."""
    shape = input._array.shape
    if not shape:
        return Reshape.apply(input, (1,))
    start, end = input._dim(start_dim), input._dim(end_dim)
    if start > end:
        raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
    if start == end:
        return input
    return _reshape(input, shape[:start] + (math.prod(shape[start:end + 1]),) + shape[end + 1:])


def ravel(input):  # noqa: A002
    """The elements as a 1-d tensor (PyTorch: contiguous() then view(-1), so its node is a view's)."""
    return Reshape.apply(input, (input._array.size,))


def unflatten(input, dim: int, sizes):  # noqa: A002
    """Split dimension ``dim`` into ``sizes`` (one entry may be -1)."""
    sizes = _size_args((sizes,))
    shape = input._array.shape
    d = input._dim(dim)
    if not sizes:
        raise RuntimeError("unflatten: sizes must be non-empty")
    known = math.prod(s for s in sizes if s != -1)
    n = shape[d]
    if sizes.count(-1) > 1 or (-1 in sizes and (known == 0 or n % known)) or (
            -1 not in sizes and known != n):
        raise RuntimeError(f"unflatten: Provided sizes {list(sizes)} don't multiply up to the size of "
                           f"dim {dim} ({n}) in the input tensor")
    sizes = tuple(n // known if s == -1 else s for s in sizes)
    return Reshape.apply(input, shape[:d] + sizes + shape[d + 1:])


@torch_keywords
def squeeze(input, dim=None):  # noqa: A002
    """Drop size-1 dimensions (all, or those in ``dim``); naming a dim whose size isn't 1 is a no-op."""
    shape = input._array.shape
    if dim is None:
        return Squeeze.apply(input, tuple(s for s in shape if s != 1))
    one = isinstance(dim, numbers.Integral)
    dims = (input._dim(dim),) if one else normalize_dims(dim, len(shape))
    new = tuple(s for i, s in enumerate(shape) if not (s == 1 and i in dims))
    return (SqueezeDim if one else SqueezeDims).apply(input, new)


@torch_keywords
def unsqueeze(input, dim: int):  # noqa: A002
    """Insert a size-1 dimension at ``dim`` (counted in the *output*, so -1 appends)."""
    shape = input._array.shape
    d = _dim_incl_end(dim, len(shape))
    return Unsqueeze.apply(input, shape[:d] + (1,) + shape[d:])


# --- reordering axes --------------------------------------------------------------------------------
def permute(input, *dims):  # noqa: A002
    """Reorder the axes: output axis i is input axis dims[i]."""
    dims = _size_args(dims)
    ndim = input._array.ndim
    if len(dims) != ndim:
        raise RuntimeError(f"permute(sparse_coo): number of dimensions in the tensor input does not "
                           f"match the length of the desired ordering of dimensions i.e. input.dim() = "
                           f"{ndim} is not equal to len(dims) = {len(dims)}")
    dims = tuple(input._dim(d) for d in dims)
    if len(set(dims)) != ndim:
        raise RuntimeError("permute(): duplicate dims are not allowed.")
    return Permute.apply(input, dims)


def transpose(input, dim0: int, dim1: int):  # noqa: A002
    """Swap two dimensions (a view)."""
    ndim = input._array.ndim
    d0, d1 = input._dim(dim0), input._dim(dim1)
    dims = list(range(ndim))
    if ndim:
        dims[d0], dims[d1] = dims[d1], dims[d0]
    return Transpose.apply(input, tuple(dims))


swapaxes = swapdims = transpose


def t(input):  # noqa: A002
    """Transpose a matrix; 0-d and 1-d tensors come back as they are."""
    if input._array.ndim > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {input.dim()}D")
    return T.apply(input, (1, 0) if input._array.ndim == 2 else tuple(range(input._array.ndim)))


def _mT(input):  # noqa: A002, N802
    if input._array.ndim < 2:
        raise RuntimeError(f"tensor.mT is only supported on matrices or batches of matrices. Got "
                           f"{input._array.ndim}-D tensor.")
    return transpose(input, -2, -1)


adjoint = _mT  # real tensors: the adjoint is the transpose of the last two dims


def movedim(input, source, destination):  # noqa: A002
    """Move the axes in ``source`` to the positions ``destination``; the others keep their order."""
    src = (source,) if isinstance(source, numbers.Integral) else tuple(source)
    dst = (destination,) if isinstance(destination, numbers.Integral) else tuple(destination)
    if len(src) != len(dst):
        raise RuntimeError(f"movedim: Invalid source or destination dims: source ({list(src)} dims) "
                           f"should contain the same number of dims as destination ({list(dst)} dims)")
    ndim = input._array.ndim
    src, dst = [input._dim(d) for d in src], [input._dim(d) for d in dst]
    for name, ds, given in (("source", src, source), ("destination", dst, destination)):
        if len(set(ds)) != len(ds):
            raise RuntimeError(f"movedim: repeated dim in `{name}` ({list(given)})")
    rest = iter(d for d in range(ndim) if d not in src)
    where = dict(zip(dst, src))
    return Permute.apply(input, tuple(where[i] if i in where else next(rest) for i in range(ndim)))


moveaxis = movedim


# --- broadcasting -----------------------------------------------------------------------------------
def expand(input, *sizes):  # noqa: A002
    """Broadcast to ``sizes`` without copying; -1 keeps a dimension."""
    sizes = _size_args(sizes)
    shape = input._array.shape
    if len(sizes) < len(shape):
        raise RuntimeError(f"expand(size={list(sizes)}): the number of sizes provided ({len(sizes)}) "
                           f"must be greater or equal to the number of dimensions in the tensor "
                           f"({len(shape)})")
    lead = len(sizes) - len(shape)
    target = tuple(shape[i - lead] if s == -1 and i >= lead else s for i, s in enumerate(sizes))
    for i, n in enumerate(shape):
        if n != 1 and n != target[lead + i]:
            raise RuntimeError(f"The expanded size of the tensor ({target[lead + i]}) must match the "
                               f"existing size ({n}) at non-singleton dimension {lead + i}.  Target "
                               f"sizes: {list(sizes)}.  Tensor sizes: {list(shape)}")
    if any(s < 0 for s in target):
        raise RuntimeError(f"expand: the size -1 is only allowed for an existing dimension; got "
                           f"{list(sizes)} for a tensor of shape {list(shape)}")
    return Expand.apply(input, target)


def expand_as(input, other):  # noqa: A002
    return expand(input, other._array.shape)


def broadcast_to(input, size):  # noqa: A002
    return expand(input, size)


def broadcast_shapes(*shapes) -> Size:
    """The shape the given shapes broadcast to: right-aligned, each dimension equal or 1."""
    result: list = []
    for index, shape in enumerate(shapes):
        shape = (shape,) if isinstance(shape, numbers.Integral) else tuple(shape)
        if len(shape) > len(result):
            result = [1] * (len(shape) - len(result)) + result
        for k in range(1, len(shape) + 1):
            if shape[-k] != 1 and result[-k] not in (1, shape[-k]):
                raise RuntimeError(f"Attempting to broadcast a dimension of length {shape[-k]} at -{k}! Mismatching "
                                   f"argument at index {index} had {shape}; but expected shape should be "
                                   f"broadcastable to {result}")
            if shape[-k] != 1:
                result[-k] = shape[-k]
    return Size(result)


def broadcast_tensors(*tensors):
    """Every tensor expanded (a view, no copy) to the shape they broadcast to together."""
    result: tuple = ()
    for t in tensors:
        shape = tuple(t._array.shape)
        width = max(len(shape), len(result))
        a, b = (1,) * (width - len(result)) + result, (1,) * (width - len(shape)) + shape
        for dim, (x, y) in enumerate(zip(a, b)):
            if x != y and x != 1 and y != 1:
                raise RuntimeError(f"The size of tensor a ({x}) must match the size of tensor b ({y}) at "
                                   f"non-singleton dimension {dim}")
        result = tuple(x if y == 1 else y for x, y in zip(a, b))
    return tuple(expand(t, result) for t in tensors)


# --- reversing, rolling, triangles, diagonals -----------------------------------------------------
def _dims_arg(dims) -> tuple:
    return (dims,) if isinstance(dims, numbers.Integral) else tuple(dims)


def flip(input, dims, *more):  # noqa: A002
    """Reverse the order of elements along ``dims`` (``x.flip(0, 1)`` and ``x.flip((0, 1))`` alike)."""
    dims = _dims_arg(dims) + more
    for d in dims:
        input._dim(d)
    axes = normalize_dims(dims, input._array.ndim) if input._array.ndim else ()
    return Flip.apply(input, axes)


def fliplr(input):  # noqa: A002
    if input._array.ndim < 2:
        raise RuntimeError("Input must be >= 2-d.")
    return flip(input, 1)


def flipud(input):  # noqa: A002
    if input._array.ndim < 1:
        raise RuntimeError("Input must be >= 1-d.")
    return flip(input, 0)


def roll(input, shifts, dims=None):  # noqa: A002
    """Shift elements cyclically; with no ``dims`` the tensor is rolled as if flattened."""
    if dims is None:
        if not isinstance(shifts, numbers.Integral) and len(shifts) != 1:
            raise RuntimeError(f"shifts and dimensions must align. shifts: {len(shifts)}, dims:0")
        return Roll.apply(input, int(_dims_arg(shifts)[0]), None)
    shifts, dims = _dims_arg(shifts), _dims_arg(dims)
    if len(shifts) != len(dims):
        raise RuntimeError(f"shifts and dimensions must align. shifts: {len(shifts)}, dims:{len(dims)}")
    return Roll.apply(input, tuple(int(s) for s in shifts), tuple(input._dim(d) for d in dims))


def _matrix_op(name: str, fn, input, diagonal):  # noqa: A002
    if input._array.ndim < 2:
        raise RuntimeError(f"{name}: input tensor must have at least 2 dimensions")
    return fn.apply(input, int(diagonal))


def tril(input, diagonal: int = 0):  # noqa: A002
    """Keep the lower triangle (entries on and below diagonal k) of the last two dims."""
    return _matrix_op("tril", Tril, input, diagonal)


def triu(input, diagonal: int = 0):  # noqa: A002
    """Keep the upper triangle (entries on and above diagonal k) of the last two dims."""
    return _matrix_op("triu", Triu, input, diagonal)


def diagonal(input, offset: int = 0, dim1: int = 0, dim2: int = 1):  # noqa: A002
    """The diagonal of each (dim1, dim2) plane, appended as the last dimension (a view)."""
    d1, d2 = input._dim(dim1), input._dim(dim2)
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    return Diagonal.apply(input, int(offset), d1, d2)


def diag(input, diagonal: int = 0):  # noqa: A002
    """1-d input: a square matrix with it on diagonal k.  2-d input: a copy of diagonal k."""
    ndim = input._array.ndim
    if ndim == 1:
        return DiagEmbed.apply(input, int(diagonal))
    if ndim == 2:
        return DiagonalCopy.apply(input, int(diagonal), 0, 1)
    raise RuntimeError(f"diag(): Supports 1D or 2D tensors. Got {ndim}D")


def _T(input):  # noqa: N802
    return Permute.apply(input, tuple(reversed(range(input._array.ndim))))


def _H(input):  # noqa: N802
    """x.H: the conjugate transpose of a matrix (real tensors: x.transpose(0, 1))."""
    return transpose(input, 0, 1) if input._array.ndim == 2 else _T(input)


TENSOR_METHODS = {
    "reshape": reshape, "view": view, "flatten": flatten, "ravel": ravel, "unflatten": unflatten,
    "squeeze": squeeze, "unsqueeze": unsqueeze, "permute": permute, "transpose": transpose,
    "swapaxes": swapaxes, "swapdims": swapdims, "t": t, "adjoint": adjoint, "T": property(_T),
    "mT": property(_mT), "H": property(_H), "mH": property(_mT),
    "view_as": lambda self, other: view(self, other._array.shape),
    "reshape_as": lambda self, other: reshape(self, other._array.shape),
    "expand": expand, "expand_as": expand_as, "broadcast_to": broadcast_to, "flip": flip, "fliplr": fliplr,
    "flipud": flipud, "roll": roll, "movedim": movedim, "moveaxis": moveaxis, "tril": tril, "triu": triu,
    "diagonal": diagonal, "diag": diag,
}

# numpy -> glassgrad, so backward formulas written in numpy also run on Tensors (create_graph=True)
NUMPY = {
    np.shape: lambda a: a.shape, np.ndim: lambda a: a.ndim, np.size: lambda a: a.numel(),
    np.reshape: lambda a, shape=None, **kw: reshape(a, shape if shape is not None else kw["newshape"]),
    np.transpose: lambda a, axes=None: permute(a, axes if axes is not None else
                                               tuple(reversed(range(a.ndim)))),
    np.swapaxes: lambda a, axis1, axis2: transpose(a, axis1, axis2),
    np.moveaxis: lambda a, source, destination: movedim(a, source, destination),
    np.broadcast_to: lambda a, shape: expand(a, shape),
    np.squeeze: lambda a, axis=None: squeeze(a, axis),
    np.expand_dims: lambda a, axis: unsqueeze(a, axis),
    np.flip: lambda m, axis=None: flip(m, tuple(range(m.ndim)) if axis is None else axis),
    np.roll: lambda a, shift, axis=None: roll(a, shift, axis),
    np.tril: lambda m, k=0: tril(m, k), np.triu: lambda m, k=0: triu(m, k),
    np.diagonal: lambda a, offset=0, axis1=0, axis2=1: diagonal(a, offset, axis1, axis2),
    np.diag: lambda v, k=0: diag(v, k),
}
