"""The ``meta`` device: tensors with a shape and a dtype but no numbers.

Part III, beside devices.py. PyTorch's ``meta`` tensors answer "what shape comes out?" without
computing anything: ``torch.rand(1024, 3, 2**16, 2**16, device="meta")`` costs nothing, a convolution of
it gives the output's shape at once, and ``with torch.device("meta"): model = Net()`` builds a model
whose parameters take no memory, ready for ``load_state_dict(..., assign=True)``.

glassgrad's tensors hold numpy arrays, so a meta tensor holds a ``MetaArray``: a numpy array whose every
stride is 0, a view of one single zero, so it has any shape and uses 8 bytes. numpy's two override hooks
make every computation on it shape-only:

- ``__array_ufunc__`` (``+``, ``exp``, ``matmul``, ``sum``, ``cumsum`` ...): the result's dtype comes from
  the same ufunc applied to 0-d stand-ins, its shape from the broadcasting (or reduction) rule; writes
  into an ``out=`` meta array change nothing.
- ``__array_function__`` (``concatenate``, ``einsum``, ``pad`` ...) and the methods that would copy
  (``reshape``, ``astype``, ``copy``, fancy indexing): done on the stride-0 zeros themselves, then the
  answer is turned back into a ``MetaArray``. This costs memory the size of the answer, so it is fine
  for shapes a program would really use, and for the huge shapes meta exists for, the common layers
  (matmul, elementwise, reductions, windows of a convolution or pooling) never get here.

Reading numbers out of a meta tensor (``item``, ``bool``, ``tolist``, ``numpy``, ``.to("cpu")``) raises
PyTorch's errors; inside an op, a check on the numbers (``if (x < 0).any()``) reads zeros and passes. One simplification: PyTorch refuses to mix a meta tensor with a CPU tensor; glassgrad lets the
result be meta.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

__all__ = ["MetaArray", "meta_array", "SEEN", "as_meta"]

# [True] once this process has made a meta array: until then Function.apply skips looking for one
SEEN = [False]


class MetaArray(np.ndarray):
    """A numpy array with a shape and a dtype but no numbers (every stride 0): see the module docstring."""

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        out = kwargs.pop("out", None)
        if out is not None:  # writing into a meta array: nothing to write
            outs = out if isinstance(out, tuple) else (out,)
            return outs[0] if len(outs) == 1 else outs
        if method == "at":
            return None
        if method == "__call__":
            return _call(ufunc, inputs, kwargs)
        if method in ("reduce", "accumulate"):
            return _reduce(ufunc, method, inputs[0], **kwargs)
        if method == "outer":
            a, b = (np.shape(x) for x in inputs)
            dtype = getattr(ufunc, "outer")(*(_stand_in(x) for x in inputs), **kwargs).dtype
            return meta_array(a + b, dtype)
        return _on_zeros(getattr(ufunc, method), inputs, kwargs)

    def __array_function__(self, func, types, args, kwargs):
        if func in _DATA_DEPENDENT:
            raise _NO_NONZERO
        if func is np.copyto:
            if isinstance(args[0], MetaArray):  # copying into a meta array: nothing to copy
                return None
            raise NotImplementedError("Cannot copy out of meta tensor; no data!")
        return _on_zeros(func, args, kwargs)

    # the methods that would copy or read numbers
    def reshape(self, *shape, order="C", copy=None):
        if len(shape) == 1 and not isinstance(shape[0], numbers.Integral):
            shape = tuple(shape[0])
        return meta_array(_reshaped(self.shape, shape), self.dtype)

    def astype(self, dtype, *args, **kwargs):
        return meta_array(self.shape, np.dtype(dtype))

    def copy(self, order="C"):
        return meta_array(self.shape, self.dtype)

    def ravel(self, order="C"):
        return meta_array((self.size,), self.dtype)

    flatten = ravel

    def __getitem__(self, index):
        keys = index if isinstance(index, tuple) else (index,)
        if any(isinstance(k, np.ndarray) and k.dtype == bool for k in keys):
            raise _NO_NONZERO  # how many elements a mask picks depends on numbers a meta tensor lacks
        return _as_meta(np.asarray(self.view(np.ndarray)[_plain(index)]))

    def __setitem__(self, index, value):
        return None

    def fill(self, value):
        return None

    def item(self, *args):
        raise RuntimeError("Tensor.item() cannot be called on meta tensors")

    def tolist(self):
        raise NotImplementedError("Cannot copy out of meta tensor; no data!")

    # Inside an op, a check on the numbers (``if (x < 0).any(): raise ...``) reads a meta array as
    # zeros: no numbers, nothing to complain about. A program asking a meta *tensor* for a number gets
    # PyTorch's error (Tensor.__bool__, item()).
    def __bool__(self):
        return False

    def __float__(self):
        return 0.0

    def __int__(self):
        return 0

    __index__ = __int__

    def __repr__(self) -> str:
        return f"MetaArray(shape={self.shape}, dtype={self.dtype})"

    __str__ = __repr__


# PyTorch's words when a result's shape depends on the numbers (a boolean mask, nonzero)
_NO_NONZERO = NotImplementedError(
    "The register_meta function for torch.nonzero() raises unimplemented by default, as a correct "
    "data-independent implementation does not exist. This implementation returns a fake value, assuming all "
    "elements of the tensor are non-zero. To enable this registration, please set "
    "'torch.fx.experimental._config.meta_nonzero_assume_all_nonzero' to True.")
_DATA_DEPENDENT = {np.nonzero, np.flatnonzero, np.argwhere, np.unique, np.extract}


def meta_array(shape, dtype) -> MetaArray:
    """A ``MetaArray`` of this shape and dtype: a stride-0 view of one zero (8 bytes, any shape)."""
    SEEN[0] = True
    return np.broadcast_to(np.zeros((), dtype), tuple(shape)).view(MetaArray)


def as_meta(x):
    """x's arrays (x may be an array, a numpy number, or a tuple or list of them) as meta arrays."""
    return _as_meta(x)


def _as_meta(x):
    if isinstance(x, (np.ndarray, np.generic)):
        return meta_array(x.shape, x.dtype)
    if isinstance(x, (tuple, list)):
        return type(x)(_as_meta(v) for v in x)
    return x


def _plain(x):
    """Meta arrays inside arguments, as plain stride-0 zero arrays numpy can compute with."""
    if isinstance(x, MetaArray):
        return x.view(np.ndarray)
    if isinstance(x, (tuple, list)):
        return type(x)(_plain(v) for v in x)
    return x


def _stand_in(x):
    """A 0-d array of x's dtype (for working out a result dtype); Python numbers stay as they are, so
    numpy's rules for them (NEP 50) apply unchanged."""
    if isinstance(x, np.ndarray):
        return np.zeros((), x.dtype)
    return x


def _call(ufunc, inputs, kwargs):
    shapes = [np.shape(x) for x in inputs if isinstance(x, np.ndarray)]
    if ufunc.signature is None:
        shape = np.broadcast_shapes(*shapes)
        with np.errstate(all="ignore"):  # log(0) of a stand-in zero: only its dtype is wanted
            result = ufunc(*(_stand_in(x) for x in inputs), **kwargs)
    elif ufunc is np.matmul:
        shape = _matmul_shape(*(np.shape(x) for x in inputs))
        result = ufunc(*(np.zeros((1,) * max(np.ndim(x), 1), x.dtype) if isinstance(x, np.ndarray) else x
                         for x in inputs), **kwargs)
    else:
        return _on_zeros(ufunc, inputs, kwargs)
    if isinstance(result, tuple):
        return tuple(meta_array(shape, r.dtype) for r in result)
    return meta_array(shape, np.asarray(result).dtype)


def _matmul_shape(a: tuple, b: tuple) -> tuple:
    if not a or not b:
        raise ValueError("matmul: Input operand does not have enough dimensions")
    a2 = (1,) + a if len(a) == 1 else a
    b2 = b + (1,) if len(b) == 1 else b
    if a2[-1] != b2[-2]:
        raise ValueError(f"matmul: Input operand 1 has a mismatch in its core dimension 0 ({b2[-2]} is "
                         f"different from {a2[-1]})")
    shape = np.broadcast_shapes(a2[:-2], b2[:-2]) + (a2[-2], b2[-1])
    if len(a) == 1:
        shape = shape[:-2] + shape[-1:]
    if len(b) == 1:
        shape = shape[:-1]
    return shape


def _reduce(ufunc, method, a, axis=0, dtype=None, keepdims=False, **kwargs):
    kwargs.pop("initial", None), kwargs.pop("where", None)
    shape = np.shape(a)
    stand_in = np.zeros((1,) * len(shape), a.dtype)
    if method == "accumulate":
        return meta_array(shape, ufunc.accumulate(stand_in, axis=axis, dtype=dtype).dtype)
    n = len(shape)
    if axis is None:
        axes = set(range(n))
    else:
        axes = {int(a_) % max(n, 1) for a_ in (axis if isinstance(axis, (tuple, list)) else (axis,))}
    result_dtype = ufunc.reduce(stand_in, axis=None, dtype=dtype).dtype
    kept = tuple(1 if i in axes else d for i, d in enumerate(shape)) if keepdims else \
        tuple(d for i, d in enumerate(shape) if i not in axes)
    return meta_array(kept, result_dtype)


def _reshaped(shape: tuple, new: tuple) -> tuple:
    size = math.prod(shape)
    new = tuple(int(d) for d in new)
    if new.count(-1) > 1:
        raise ValueError("can only specify one unknown dimension")
    if -1 in new:
        known = math.prod(d for d in new if d != -1)
        if known == 0 or size % known:
            raise ValueError(f"cannot reshape array of size {size} into shape {new}")
        new = tuple(size // known if d == -1 else d for d in new)
    if math.prod(new) != size:
        raise ValueError(f"cannot reshape array of size {size} into shape {new}")
    return new


def _on_zeros(func, args, kwargs):
    """Anything else: computed on the stride-0 zeros, its answer turned back into meta arrays."""
    try:
        with np.errstate(all="ignore"):
            result = func(*_plain(args), **_plain(kwargs))
    except MemoryError:
        raise NotImplementedError(f"glassgrad: {getattr(func, '__name__', func)} on a meta tensor this large "
                                  "has no shape-only rule yet (it would compute on zeros of that size)") from None
    return _as_meta(result)
