"""Data types, named as PyTorch names them: ``glassgrad.float32`` (alias ``glassgrad.float``), ...

Part III. Each glassgrad dtype wraps one numpy dtype. Floats default to float32, as in PyTorch, and the
type-promotion rules below are PyTorch's, which differ from numpy's in two places a learner meets:
an integer tensor combined with a Python float becomes float32 (numpy says float64), and a 0-dim tensor
does not widen a bigger tensor of the same kind (``float32 tensor * float64 scalar tensor`` stays float32).

bfloat16 (float32's 8 exponent bits, 7 mantissa bits) lives in the numpy dtype of the ``ml_dtypes``
package (JAX's; ``pip install glassgrad[bf16]``), an optional dependency: without it ``glassgrad.bfloat16``
can be named but no tensor can hold it. ml_dtypes takes a noticeable time to import, so it is imported
the first time bfloat16's numpy dtype is asked for (``bfloat16.numpy``), not with glassgrad. It is a *storage* format: as PyTorch's CPU kernels do, every op
reads bfloat16 as float32, computes in float32 (sums and matmuls accumulate in float32) and rounds its
result to bfloat16 once, to nearest even (``Function.apply``, autograd/function.py, does the widening
and the rounding for every primitive, gradients included). numpy calls its kind ``'V'``, not ``'f'``, so
``is_float(np_dtype)`` below is the question to ask, and the promotion rules rank it with the floats:
bfloat16 with float16 gives float32, with a wider float the wider float, with integers bfloat16.
"""

from __future__ import annotations

import importlib

import numpy as np

__all__ = [
    "dtype", "float16", "half", "float32", "float", "float64", "double", "int8", "uint8", "int16",
    "short", "int32", "int", "int64", "long", "bool", "bfloat16", "get_default_dtype", "set_default_dtype",
    "finfo", "iinfo",
]


# The package name printed in reprs (``glassgrad.float32``, ``glassgrad.Size([2])``). ``glassgrad run-as-torch``
# sets it to "torch", so a PyTorch program prints exactly what it prints on PyTorch.
SHOWN_AS = "glassgrad"


class dtype:  # noqa: N801 - PyTorch's name
    """A tensor element type: ``glassgrad.float32`` and friends. ``.numpy`` is the numpy dtype."""

    __slots__ = ("name", "numpy", "is_floating_point", "is_signed", "itemsize")

    def __init__(self, name: str, np_dtype) -> None:
        self.name = name
        self.numpy = np.dtype(np_dtype)
        self.is_floating_point = self.numpy.kind in "fV"  # "V": bfloat16, the one such dtype here
        self.is_signed = self.numpy.kind in "fiV"
        self.itemsize = self.numpy.itemsize

    def __repr__(self) -> str:
        return f"{SHOWN_AS}.{self.name}"

    def __reduce__(self):  # copy/deepcopy keep the singleton
        return (to_dtype, (self.name,))


float16 = half = dtype("float16", np.float16)
float32 = float = dtype("float32", np.float32)  # noqa: A001 - PyTorch's name
float64 = double = dtype("float64", np.float64)
uint8 = dtype("uint8", np.uint8)
int8 = dtype("int8", np.int8)
int16 = short = dtype("int16", np.int16)
int32 = int = dtype("int32", np.int32)  # noqa: A001
int64 = long = dtype("int64", np.int64)
bool = dtype("bool", np.bool_)  # noqa: A001


class _Bfloat16(dtype):
    """bfloat16, whose numpy dtype comes from ``ml_dtypes``, imported on the first ``.numpy`` (``None``
    when the package is not installed: then programs that only name it for a GPU path run, and making
    a tensor of it is refused by ``to_dtype`` with a clear error)."""

    def __init__(self) -> None:  # noqa: D107 - no numpy dtype until asked
        self.name, self.is_floating_point, self.is_signed, self.itemsize = "bfloat16", True, True, 2

    @property
    def numpy(self):
        return _load_bfloat16()


bfloat16 = _Bfloat16()
# The numpy dtype, for ``array.dtype == BFLOAT16``: until ml_dtypes is imported, a dtype no array has
# (not None: numpy reads ``dtype == None`` as ``dtype == float64``).
BFLOAT16 = np.dtype([("bfloat16 not loaded", "V2")])
_ML_DTYPES: list = []  # the ml_dtypes module once imported (or None: not installed)


def _load_bfloat16():
    """bfloat16's numpy dtype, importing ml_dtypes the first time (None if it is not installed)."""
    global BFLOAT16
    if not _ML_DTYPES:
        try:
            module = importlib.import_module("ml_dtypes")
        except ImportError:
            module = None
        _ML_DTYPES.append(module)
        if module is not None:
            BFLOAT16 = np.dtype(module.bfloat16)
            _BY_NUMPY[BFLOAT16] = bfloat16
    return BFLOAT16 if _ML_DTYPES[0] is not None else None

# Set once the first bfloat16 dtype is asked for (to_dtype, from_numpy_dtype): until then
# ``Function.apply`` skips its bfloat16 check, so programs that never use it pay one flag test an op.
BFLOAT16_SEEN = [False]

_ALL = (float16, float32, float64, uint8, int8, int16, int32, int64, bool, bfloat16)
_BY_NUMPY = {d.numpy: d for d in _ALL if d is not bfloat16}  # bfloat16 joins when ml_dtypes is imported
_BY_NAME = {d.name: d for d in _ALL}
_BY_NAME.update(half=float16, float=float32, double=float64, short=int16, int=int32, long=int64)

_default = [float32]

# PyTorch's C++ names for the scalar types, as its error messages spell them ("expected scalar type Long").
TORCH_NAMES = {"bfloat16": "BFloat16", "float16": "Half", "float32": "Float", "float64": "Double", "uint8": "Byte", "int8": "Char",
               "int16": "Short", "int32": "Int", "int64": "Long", "bool": "Bool"}


def get_default_dtype() -> dtype:
    """The dtype Python floats become: float32 unless changed."""
    return _default[0]


def set_default_dtype(d: dtype) -> None:
    """Make Python floats become ``d`` (float32 or float64), as ``torch.set_default_dtype``."""
    d = to_dtype(d)
    if not d.is_floating_point:
        raise TypeError(f"only floating-point types are supported as the default type, got {d}")
    _default[0] = d


def to_dtype(d) -> dtype:
    """Accept a glassgrad dtype, a numpy dtype or type, a name ('float32') or a Python type."""
    if isinstance(d, dtype):
        if d.numpy is None:
            raise TypeError(f"glassgrad has no {d.name} tensors without the ml_dtypes package (numpy has no "
                            "such type): pip install ml_dtypes (or glassgrad[bf16]), or use float32")
        if d is bfloat16:
            BFLOAT16_SEEN[0] = True
        return d
    if d is builtins_float:
        return _default[0]
    if d is builtins_int:
        return int64
    if d is builtins_bool:
        return bool
    if isinstance(d, str) and d in _BY_NAME:
        return to_dtype(_BY_NAME[d])
    try:
        d = np.dtype(d)
        if d.name == "bfloat16":  # ml_dtypes' own dtype, handed in before glassgrad imported it
            bfloat16.numpy
        return to_dtype(_BY_NUMPY[d])
    except (TypeError, KeyError):
        raise TypeError(f"unsupported dtype {d!r}; use one of {', '.join(sorted(_BY_NAME))}") from None


def from_numpy_dtype(np_dtype) -> dtype:
    """The glassgrad dtype of a numpy array's dtype (raises TypeError for e.g. complex or object)."""
    try:
        d = _BY_NUMPY[np_dtype]
    except KeyError:
        if np_dtype.name == "bfloat16" and bfloat16.numpy == np_dtype:  # made before glassgrad imported ml_dtypes
            return from_numpy_dtype(np_dtype)
        raise TypeError(
            f"can't convert numpy array of type {np_dtype}: glassgrad supports "
            f"{', '.join(d.name for d in _ALL)}") from None
    if d is bfloat16:
        BFLOAT16_SEEN[0] = True
    return d


def is_float(np_dtype: np.dtype) -> builtins_bool:
    """Is this numpy dtype a floating-point one? (``kind == "f"``, or bfloat16, whose kind is "V".)"""
    return np_dtype.kind == "f" or np_dtype == BFLOAT16


class finfo:  # noqa: N801 - PyTorch's name
    """The limits of a floating-point dtype, as ``torch.finfo(torch.float32).eps``: numpy's numbers."""

    def __init__(self, type=None) -> None:  # noqa: A002 - PyTorch's argument name
        d = _default[0] if type is None else type
        if not isinstance(d, dtype):
            raise TypeError(f"finfo(): argument 'type' (position 1) must be torch.dtype, not {_type_name(d)}")
        if not d.is_floating_point or d.name == "bool":
            raise TypeError("torch.finfo() requires a floating point input type. Use torch.iinfo to handle "
                            "'torch.finfo'")
        info = (_ML_DTYPES[0].finfo(d.numpy) if d is bfloat16 else np.finfo(d.numpy)) if d.numpy is not None else None
        if info is None:  # bfloat16 without ml_dtypes: 8 exponent bits as float32, 7 mantissa bits
            self.bits, self.eps, self.max, self.min = 16, 2.0 ** -7, 3.3895313892515355e+38, -3.3895313892515355e+38
            self.tiny = self.smallest_normal = 1.1754943508222875e-38
            self.resolution = 0.01
        else:
            self.bits, self.eps = info.bits, builtins_float(info.eps)
            self.max, self.min = builtins_float(info.max), builtins_float(info.min)
            self.tiny = self.smallest_normal = builtins_float(info.smallest_normal)
            self.resolution = 10.0 ** -builtins_int(info.precision)
        self.dtype = d.name

    def __repr__(self) -> str:
        return (f"finfo(resolution={self.resolution:g}, min={self.min:g}, max={self.max:g}, eps={self.eps:g}, "
                f"smallest_normal={self.smallest_normal:g}, tiny={self.tiny:g}, dtype={self.dtype})")


class iinfo:  # noqa: N801 - PyTorch's name
    """The limits of an integer dtype, as ``torch.iinfo(torch.int64).max``."""

    def __init__(self, type) -> None:  # noqa: A002 - PyTorch's argument name
        if not isinstance(type, dtype):
            raise TypeError(f"iinfo(): argument 'type' (position 1) must be torch.dtype, not {_type_name(type)}")
        if type.is_floating_point or type.numpy is None:
            raise TypeError("torch.iinfo() requires an integer input type. Use torch.finfo to handle "
                            "'torch.iinfo'")
        info = np.iinfo(type.numpy) if type.name != "bool" else None
        self.bits = 8 if info is None else info.bits
        self.min, self.max = (0, 1) if info is None else (builtins_int(info.min), builtins_int(info.max))
        self.dtype = type.name

    def __repr__(self) -> str:
        return f"iinfo(min={self.min:g}, max={self.max:g}, dtype={self.dtype})"


def _type_name(x) -> str:
    return type(x).__name__


import builtins as _builtins  # noqa: E402  (after the names above shadow float/int/bool)

builtins_float, builtins_int, builtins_bool = _builtins.float, _builtins.int, _builtins.bool

# Promotion --------------------------------------------------------------------------------------------
_KIND_RANK = {"b": 0, "u": 1, "i": 1, "f": 2, "V": 2}  # "V": bfloat16


def result_type(a: np.ndarray, b) -> np.dtype:
    """PyTorch's result dtype of a binary op between array ``a`` and ``b`` (array or Python number).

    Categories rank bool < integer < float, and the higher category wins with its own dtype (a Python
    float counts as the default float dtype, a Python int as int64). Within one category, a Python
    number or a 0-dim array never widens a dimensioned operand; two operands alike promote as numpy.
    """
    ka = a.dtype
    if isinstance(b, np.ndarray):
        kb = b.dtype
        if ka == kb:
            return ka
        rank_a, rank_b = _KIND_RANK[ka.kind], _KIND_RANK[kb.kind]
        if rank_a != rank_b:  # a higher category always wins, with its own dtype
            return ka if rank_a > rank_b else kb
        if (a.ndim > 0) == (b.ndim > 0):
            return np.promote_types(ka, kb)
        return ka if a.ndim > 0 else kb  # same category: the dimensioned operand wins
    # b is a Python scalar (a numpy scalar counts as one, as in PyTorch)
    if isinstance(b, np.generic):
        b = b.item()
    if isinstance(b, builtins_bool):
        return ka
    if isinstance(b, builtins_int):
        return ka if ka.kind != "b" else np.dtype(np.int64)
    if isinstance(b, builtins_float):
        return ka if ka.kind == "f" or ka.kind == "V" else _default[0].numpy
    raise TypeError(f"unsupported operand type {type(b).__name__}")
