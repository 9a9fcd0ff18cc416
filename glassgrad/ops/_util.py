"""Helpers every op family shares: undoing broadcasting, PyTorch's dtype promotion, dim checks, index
normalisation, and the keyword forms PyTorch accepts on every call (``axis=``/``keepdims=``, ``out=``:
``torch_keywords`` at the end of the file).

Part III. ``unbroadcast`` is the one idea here worth a learner's minute: when ``a`` of shape (3,) is
added to ``b`` of shape (2, 3), numpy silently copies ``a`` into both rows. Each copy passes gradient
back, so ∂L/∂a is the *sum* of the upstream gradient over the copied axes.
"""

from __future__ import annotations

import functools
import inspect
import numbers

import numpy as np

from glassgrad.creation import refuse_out_with_grad, write_out
from glassgrad.dtypes import TORCH_NAMES, get_default_dtype, result_type
from glassgrad.tensor import Tensor


def unbroadcast(g, shape: tuple):
    """Sum ``g`` over the axes broadcasting added or stretched, so it has ``shape`` again."""
    if g.shape == shape:
        return g
    extra = len(g.shape) - len(shape)
    axes = tuple(range(extra)) + tuple(
        extra + i for i, n in enumerate(shape) if n == 1 and g.shape[extra + i] != 1)
    if axes:
        g = np.sum(g, axis=axes, keepdims=True)
    return np.reshape(g, shape)


def promote(a, b):
    """Cast two operands (arrays or Python numbers) to the dtype PyTorch gives their result."""
    if type(a) is np.ndarray:
        if type(b) is np.ndarray and a.dtype == b.dtype or type(b) is float and a.dtype.kind == "f" \
                or type(b) is int and a.dtype.kind in "iu":
            return a, b  # the common cases, answered without result_type: same dtype; x * 0.5; i + 64
        if isinstance(b, np.generic):  # a numpy scalar counts as the Python number it holds (operand())
            b = b.item()
        dtype = result_type(a, b)
    elif isinstance(b, np.ndarray):
        dtype = result_type(b, a)
    elif isinstance(a, np.ndarray):  # an ndarray subclass: a meta array (meta.py)
        dtype = result_type(a, b)
    else:
        raise TypeError(f"expected at least one Tensor, got {type(a).__name__} and {type(b).__name__}")
    if isinstance(a, np.ndarray) and a.dtype != dtype:
        a = a.astype(dtype)
    if isinstance(b, np.ndarray) and b.dtype != dtype:
        b = b.astype(dtype)
    return a, b


def to_float(a):
    """Integer and bool arrays become the default float dtype (true division, exp, log ...)."""
    if isinstance(a, np.ndarray) and a.dtype.kind != "f":
        return a.astype(get_default_dtype().numpy)
    return a


def check_broadcast(op: str, a, b) -> None:
    """Raise PyTorch's error, naming both sizes and the dimension, when two operands can't broadcast."""
    check_shapes(op, np.shape(a), np.shape(b))


def check_shapes(op: str, sa: tuple, sb: tuple) -> None:
    """check_broadcast for two shapes."""
    ndim = max(len(sa), len(sb))
    for dim in range(ndim - 1, -1, -1):  # PyTorch reports the last mismatching dimension
        na = sa[dim - ndim + len(sa)] if dim - ndim + len(sa) >= 0 else 1
        nb = sb[dim - ndim + len(sb)] if dim - ndim + len(sb) >= 0 else 1
        if na != nb and na != 1 and nb != 1:
            raise RuntimeError(f"The size of tensor a ({na}) must match the size of tensor b ({nb}) at "
                               f"non-singleton dimension {dim} (shapes {list(sa)} and {list(sb)})")


def operand(x, name: str = "other"):
    """A Tensor stays a Tensor; a Python number or bool stays a number; anything else is an error.

    A numpy scalar (``np.sqrt(d_k)`` is an ``np.float64``) becomes the Python number it holds: PyTorch
    treats it as one, so ``x / np.sqrt(64)`` keeps float32 (numpy itself would widen to float64).
    """
    if isinstance(x, Tensor):
        return x
    if isinstance(x, (numbers.Number, np.bool_)) and not isinstance(x, complex):
        return x.item() if isinstance(x, np.generic) else x
    if isinstance(x, np.ndarray):
        return Tensor._wrap(x)
    raise TypeError(f"{name} must be a Tensor or a number, got {type(x).__name__}")


def normalize_dims(dim, ndim: int) -> tuple | None:
    """``dim`` (None, int or tuple of ints, possibly negative) as a sorted tuple of axes, or None."""
    if dim is None:
        return None
    dims = (dim,) if isinstance(dim, numbers.Integral) else tuple(dim)
    n = max(ndim, 1)
    out = []
    for d in dims:
        if not isinstance(d, numbers.Integral):
            raise TypeError(f"dim must be an int or a tuple of ints, got {type(d).__name__}")
        if not -n <= d < n:
            raise IndexError(f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], "
                             f"but got {d})")
        out.append(d % n if ndim > 0 else 0)
    for i, d in enumerate(out):
        if d in out[:i]:
            raise RuntimeError(f"dim {d} appears multiple times in the list of dims")
    return tuple(sorted(out))


def normalize_index(k):
    """One element of an index key, with Python's ``range`` made an int64 array; anything else unchanged.

    PyTorch's indexing treats ``x[range(n), y]`` as ``x[torch.arange(n), y]`` (an advanced index);
    numpy would not accept a range inside a tuple key, so the indexing code turns it into an array
    here and handles it like a list. Lists, tuples and arrays pass through as they are.
    """
    if type(k) is range:
        return np.arange(k.start, k.stop, k.step, dtype=np.int64)
    return k


# --- keyword forms PyTorch's argument parser accepts: axis=/keepdims= (numpy's names) and out= ----------
_NUMPY_NAMES = (("axis", "dim"), ("keepdims", "keepdim"))
_C_NAMES = {"float32": "float", "float64": "double", "int64": "long int", "int32": "int", "int16": "short int",
            "int8": "signed char", "uint8": "unsigned char", "bool": "bool", "float16": "c10::Half"}


def _check_out_dtype(rule: str, out: Tensor, result: np.ndarray) -> None:
    """PyTorch's rules for out's dtype: "cast" (the result must cast to it without changing kind:
    float into int is refused; "cat" is the same with cat's message), "same" (matmul, softmax ...:
    exactly the result's dtype; "where" with where's message), "any" (sum, prod, cumsum compute in
    out's dtype)."""
    have, want = out._array.dtype, result.dtype
    if rule == "where" and have != want:
        raise RuntimeError(f"Expected out type to be {TORCH_NAMES[want.name]} but got {TORCH_NAMES[have.name]}")
    if rule == "same" and have != want:
        raise RuntimeError(f"Expected out tensor to have dtype {_C_NAMES.get(want.name, want.name)}, but "
                           f"got {_C_NAMES.get(have.name, have.name)} instead")
    if rule in ("cast", "cat") and not np.can_cast(want, have, casting="same_kind"):
        if rule == "cat":
            raise TypeError(f"torch.cat(): input types can't be cast to the desired output type "
                            f"{TORCH_NAMES[have.name]}")
        raise RuntimeError(f"result type {TORCH_NAMES[want.name]} can't be cast to the desired output "
                           f"type {TORCH_NAMES[have.name]}")


def torch_keywords(fn=None, *, out: str | None = None, name: str | None = None):
    """Give a function the keyword forms PyTorch's argument parser accepts beyond its signature:

    * ``axis=`` for ``dim=`` and ``keepdims=`` for ``keepdim=`` (numpy's names), on any function with
      a ``dim``/``keepdim`` parameter; giving both names is PyTorch's TypeError;
    * with ``out=`` set to a dtype rule ("cast", "same", "any" ...: see ``_check_out_dtype``),
      ``out=tensor``: the result is written into that tensor, which is returned. Refused while the
      graph is being recorded and anything requires grad, as in PyTorch (out= is never recorded).

    Used as ``@torch_keywords`` or ``@torch_keywords(out="cast")``. Without keywords a call costs one
    extra Python frame.
    """
    if fn is None:
        return functools.partial(torch_keywords, out=out, name=name)
    op = name or fn.__name__
    params = list(inspect.signature(fn).parameters)
    aliases = tuple((alias, real, params.index(real)) for alias, real in _NUMPY_NAMES if real in params)

    @functools.wraps(fn)
    def call(*args, **kwargs):
        if kwargs:
            for alias, real, position in aliases:
                if alias in kwargs:
                    if real in kwargs or len(args) > position:
                        raise TypeError(f"{op}() got an unexpected keyword argument '{alias}'")
                    kwargs[real] = kwargs.pop(alias)
            if out is not None and "out" in kwargs:
                target = kwargs.pop("out")
                if target is not None:
                    return _call_into(fn, op, out, target, args, kwargs)
        return fn(*args, **kwargs)
    return call


def _call_into(fn, op: str, rule: str, target, args: tuple, kwargs: dict):
    """``fn(*args, **kwargs)`` written into ``target`` (a tensor, or a tuple of them for (values,
    indices) results)."""
    inputs = [a for arg in (*args, *kwargs.values())
              for a in (arg if isinstance(arg, (list, tuple)) else (arg,))]
    targets = target if isinstance(target, tuple) else (target,)
    for t in targets:
        refuse_out_with_grad(op, t, inputs)
    result = fn(*args, **kwargs)
    if not isinstance(target, tuple):
        _check_out_dtype(rule, target, result._array)
        return write_out(target, result._array, op, stacklevel=4)  # the warning points at the caller
    for t, r in zip(targets, result):
        _check_out_dtype(rule, t, r._array)
        write_out(t, r._array, op, stacklevel=4)
    return type(result)(*targets)
