"""Making tensors: ``tensor``, ``zeros``, ``ones``, ``arange``, ``randn``, ... and the random generator.

Part III. Same names, arguments and defaults as PyTorch: floats become float32 unless told otherwise,
Python ints become int64, and every function takes ``dtype=`` and ``requires_grad=``. Random numbers
come from one global generator (``manual_seed(s)`` resets it) or from a ``Generator`` you pass, and they
are PyTorch's own numbers: random.py is its mt19937 generator and sampling.py its recipes, so the same
seed prints the same tensors in both.

Also here, because they make tensors: ``out=`` (writing a result into a given tensor; the factories and
the ops share ``write_out``), ``Tensor.new_zeros`` and its kin, and the legacy typed constructors
(``FloatTensor(2, 3)``, ``LongTensor([1, 2])``).
"""

from __future__ import annotations

import builtins
import functools
import math
import numbers
import warnings

import numpy as np

from glassgrad import dtypes, sampling
from glassgrad.normal_kernels import fma32, fma64
from glassgrad.autograd.grad_mode import GRAD_MODE
from glassgrad.devices import check_device_available, default_device
from glassgrad.memory_formats import check_memory_format, laid_out, preserve_format
from glassgrad.meta import meta_array
from glassgrad.tensor import Size, Tensor, to_array

__all__ = [
    "tensor", "as_tensor", "from_numpy", "zeros", "ones", "full", "empty", "zeros_like", "ones_like",
    "full_like", "empty_like", "rand_like", "randn_like", "randint_like", "arange", "linspace", "logspace",
    "eye", "rand", "randn", "randint", "randperm", "normal", "bernoulli", "multinomial", "range", "asarray",
    "empty_strided", "empty_permuted", "frombuffer", "set_default_tensor_type", "typename", "scalar_tensor",
    "FloatTensor", "DoubleTensor", "HalfTensor", "LongTensor", "IntTensor", "ShortTensor", "CharTensor",
    "ByteTensor", "BoolTensor", "write_out", "refuse_out_with_grad",
]


def _new(array: np.ndarray, requires_grad: bool, meta: bool = False) -> Tensor:
    """The new tensor; with ``meta`` its numbers are dropped (the meta device keeps shape and dtype)."""
    t = Tensor._wrap(meta_array(array.shape, array.dtype) if meta else array)
    if requires_grad:
        t.requires_grad_(True)  # checks the dtype is floating point
    return t


# --- the profiler's hook for ops that are no Function.apply ------------------------------------------
# A factory makes its tensor without an autograd Function, and an in-place fill (x.normal_()) writes into
# one, so Function.apply's profiler hook (autograd/function.py) never sees them. While a profile is open
# (glassgrad.autograd.profiler) ``_call_profiler`` is a callable ``fn(name, run, args)`` that times
# ``run()`` as the event ``name`` and returns its result; otherwise None, which costs one test.
_call_profiler = None


def set_call_profiler(fn) -> None:
    """Install (or with None, remove) the callable that every ``profiled`` op hands its call to."""
    global _call_profiler
    _call_profiler = fn


def profiled(name: str):
    """Decorator: a profile shows each call of the op as one event named ``name`` (``"aten::zeros"``)."""
    def decorate(op):
        @functools.wraps(op)
        def call(*args, **kwargs):
            if _call_profiler is None:
                return op(*args, **kwargs)
            return _call_profiler(name, lambda: op(*args, **kwargs), args)
        return call
    return decorate


@profiled("aten::lift_fresh")
def tensor(data, *, dtype=None, device=None, requires_grad: bool = False, pin_memory: bool = False
           ) -> Tensor:
    """A new tensor holding a copy of ``data`` (nested lists, numbers, numpy arrays or tensors)."""
    meta = _check_device(device, copying=True)
    array = to_array(data, dtype)
    if not meta and (array is data or (isinstance(data, Tensor) and array is data._array)
                     or not array.flags.owndata):
        array = array.copy()
    return _new(array, requires_grad, meta)


@profiled("aten::lift_fresh")
def as_tensor(data, dtype=None, device=None) -> Tensor:
    """Like ``tensor`` but shares memory with a numpy array or tensor when no conversion is needed."""
    meta = _check_device(device, copying=True)
    if isinstance(data, Tensor) and (dtype is None or dtypes.to_dtype(dtype) == data.dtype) \
            and data.is_meta == meta:
        return data
    return _new(to_array(data, dtype), False, meta)


def asarray(obj, *, dtype=None, device=None, copy=None, requires_grad=None) -> Tensor:
    """``obj`` as a tensor, sharing memory with a tensor or numpy array when no conversion is needed
    (``copy=True`` always copies; ``copy=False`` refuses a conversion that would have to copy).

    A tensor keeps its graph unless ``requires_grad=False`` (then a detached alias); left unspecified,
    ``requires_grad`` follows ``obj``'s, with PyTorch's warning when that differs from the old default."""
    meta = _check_device(device, copying=True)
    if isinstance(obj, Tensor) and not meta:
        wanted = dtypes.to_dtype(dtype) if dtype is not None else obj.dtype
        if copy is False and wanted != obj.dtype:
            raise ValueError(f"can't alias tensor with dtype '{obj._array.dtype}' into dtype '{wanted.numpy}'.")
        if wanted != obj.dtype:
            result = obj.to(wanted)
        else:
            result = obj.clone() if copy is True else obj
        if requires_grad is None:
            if obj.requires_grad:
                warnings.warn("torch.asarray: unspecified requires_grad now defaults to obj.requires_grad "
                              "instead of False. Pass requires_grad=False explicitly to get the old behavior "
                              "and silence this warning.", UserWarning, stacklevel=2)
            return result
        if not requires_grad:
            return result.detach() if result.requires_grad else result
        return result if result.requires_grad else result.requires_grad_(True)
    requires_grad = bool(requires_grad)
    if isinstance(obj, np.ndarray) and not meta:
        wanted = dtypes.to_dtype(dtype).numpy if dtype is not None else obj.dtype
        if copy is False and wanted != obj.dtype:
            raise ValueError(f"can't alias tensor with dtype '{obj.dtype}' into dtype '{wanted}'.")
        if copy is not True and wanted == obj.dtype and obj.dtype in _NUMPY_KINDS:
            return _new(obj, requires_grad)
        return _new(obj.astype(wanted), requires_grad)
    return tensor(obj, dtype=dtype, device=device, requires_grad=requires_grad)


_NUMPY_KINDS = {np.dtype(n) for n in ("bool", "uint8", "int8", "int16", "int32", "int64", "float16", "float32",
                                      "float64")}


@profiled("aten::lift_fresh")
def from_numpy(array: np.ndarray) -> Tensor:
    """A tensor sharing memory with ``array``: changing one changes the other."""
    if not isinstance(array, np.ndarray):
        raise TypeError(f"expected np.ndarray (got {type(array).__name__})")
    dtypes.from_numpy_dtype(array.dtype)
    return Tensor._wrap(array)


def _check_device(device, copying: bool = False) -> bool:
    """A factory's ``device=``: None means the default device (``set_default_device``, ``with device``).
    True for the meta device (shape and dtype, no numbers: the factory makes none); any other device but
    the CPU raises what PyTorch built without it raises (devices.py)."""
    if device is None:
        device = default_device()
        if device is None:
            return False
    check_device_available(device, copying)
    return device == "meta" or getattr(device, "type", None) == "meta"


def _shape(size, keyword=None, name: str = "zeros") -> tuple:
    """Accept zeros(2, 3), zeros((2, 3)), zeros([2, 3]), zeros(Size) and zeros(size=(2, 3))."""
    if keyword is not None:
        if size:
            raise TypeError(f"{name}() got multiple values for argument 'size'")
        if not isinstance(keyword, (tuple, list)):
            raise TypeError(f"{name}(): argument 'size' must be tuple of ints, not "
                            f"{type(keyword).__name__}")
        size = (keyword,)
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = tuple(size[0])
    if builtins.any(isinstance(s, Tensor) for s in size):  # a one-element integer tensor counts as an int
        size = tuple(s.__index__() if isinstance(s, Tensor) and s.numel() == 1 and not s.dtype.is_floating_point
                     and s.dtype is not dtypes.bool else s for s in size)
    for s in size:
        if not isinstance(s, numbers.Integral) or isinstance(s, builtins.bool):
            raise TypeError(f"size must be a sequence of ints, got {type(s).__name__} {s!r}")
        if s < 0:
            raise RuntimeError(f"Trying to create tensor with negative dimension {s}: {list(size)}")
    return tuple(builtins.int(s) for s in size)


def _float_dtype(dtype) -> np.dtype:
    return (dtypes.to_dtype(dtype) if dtype is not None else dtypes.get_default_dtype()).numpy


# --- out=: writing a result into a tensor the caller gives --------------------------------------------
# ``torch.zeros(2, 2, out=c)``, ``torch.matmul(a, b, out=c)``: the result is written into c, which is
# returned. The ops (ops/_util.accepts_out) and the factories below share these two functions.
def refuse_out_with_grad(name: str, out: Tensor, inputs=()) -> None:
    """out= is not recorded by autograd, so PyTorch refuses it while grad mode is on and the out tensor
    or an input requires grad."""
    if not isinstance(out, Tensor):
        raise TypeError(f"{name}(): argument 'out' must be Tensor, not {type(out).__name__}")
    if GRAD_MODE.enabled and (out._requires_grad or builtins.any(
            isinstance(t, Tensor) and t._requires_grad for t in inputs)):
        raise RuntimeError(f"{name}(): functions with out=... arguments don't support automatic "
                           "differentiation, but one of the arguments requires grad.")


def write_out(out: Tensor, array, name: str, stacklevel: int = 3) -> Tensor:
    """Make ``out`` hold ``array`` (cast to out's dtype) and return ``out``.

    A shape that differs resizes ``out`` (a new array: views of the old one no longer see it), with
    PyTorch's deprecation warning unless ``out`` had no elements. The version counter moves on, as for
    any in-place change."""
    array = np.asarray(array)
    if out._array.shape != array.shape:
        if out._array.size:
            warnings.warn(f"An output with one or more elements was resized since it had shape "
                          f"{list(out._array.shape)}, which does not match the required output shape "
                          f"{list(array.shape)}. This behavior is deprecated, and in a future PyTorch "
                          "release outputs will not be resized unless they have zero elements. You can "
                          "explicitly reuse an out tensor t by resizing it, inplace, to zero elements "
                          "with t.resize_(0).", UserWarning, stacklevel=stacklevel)
        out._array = array.astype(out._array.dtype)  # always a copy: out never shares an input's memory
    else:
        np.copyto(out._array, array, casting="unsafe")
    out._vc[0] += 1
    return out


def _factory_out(name: str):
    """Give a factory (zeros, rand, arange ...) PyTorch's ``out=``: the numbers are made in out's dtype
    (a ``dtype=`` that differs is an error) and written into it."""
    def decorate(make):
        @functools.wraps(make)
        def factory(*args, out=None, **kwargs):
            if out is None:
                return make(*args, **kwargs)
            refuse_out_with_grad(f"aten::{name}", out)
            dtype = kwargs.get("dtype")
            if dtype is not None and dtypes.to_dtype(dtype).numpy != out._array.dtype:
                raise RuntimeError(f"dtype {dtypes.TORCH_NAMES[dtypes.to_dtype(dtype).name]} does not match "
                                   f"dtype of out parameter ({dtypes.TORCH_NAMES[out.dtype.name]})")
            kwargs["dtype"] = out.dtype
            if kwargs.get("requires_grad"):
                raise RuntimeError(f"aten::{name}(): functions with out=... arguments don't support "
                                   "automatic differentiation, but one of the arguments requires grad.")
            return write_out(out, make(*args, **kwargs)._array, name)
        return profiled(f"aten::{name}")(factory)
    return decorate


@_factory_out("zeros")
def zeros(*sizes, size=None, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    return _filled(0, _shape(sizes, size, "zeros"), _float_dtype(dtype), device, requires_grad)


@_factory_out("ones")
def ones(*sizes, size=None, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    return _filled(1, _shape(sizes, size, "ones"), _float_dtype(dtype), device, requires_grad)


@_factory_out("empty")
def empty(*sizes, size=None, dtype=None, device=None, requires_grad: bool = False, memory_format=None) -> Tensor:
    """Uninitialised in PyTorch; zeros here (reading garbage memory teaches nothing)."""
    result = _filled(0, _shape(sizes, size, "empty"), _float_dtype(dtype), device, requires_grad)
    if memory_format is not None and not result.is_meta:
        check_memory_format(memory_format, "empty")
        if memory_format is preserve_format:
            raise RuntimeError("unsupported memory format Preserve")
        result._array = laid_out(result._array, memory_format)
    return result


def _laid_out_like(result: Tensor, memory_format, input: Tensor, function: str) -> Tensor:  # noqa: A002
    """A ``*_like`` result in the layout asked for; by default (``preserve_format``) in ``input``'s. Only
    4-D and 5-D tensors can be channels-last, so the others skip the check."""
    if memory_format is None and input._array.ndim not in (4, 5) or result.is_meta or input.is_meta:
        return result
    check_memory_format(memory_format, function)
    result._array = laid_out(result._array, memory_format, input._array)
    return result


def empty_strided(size, stride, *, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """A zero tensor of ``size`` laid out with the given ``stride`` (elements apart along each dimension):
    one block just large enough, seen through those strides."""
    shape, strides = _shape((size,), None, "empty_strided"), tuple(stride)
    if len(strides) != len(shape):
        raise RuntimeError("mismatch in length of strides and shape")
    if builtins.any(not isinstance(n, numbers.Integral) or n < 0 for n in strides):
        raise RuntimeError(f"as_strided: Negative strides are not supported at the moment, got strides: "
                           f"{list(strides)}")
    dtype = _float_dtype(dtype)
    extent = 0 if 0 in shape else 1 + builtins.sum((n - 1) * st for n, st in zip(shape, strides))
    block = np.zeros(extent, dtype)
    array = np.lib.stride_tricks.as_strided(block, shape, [st * dtype.itemsize for st in strides])
    return _new(array, requires_grad, _check_device(device))


def empty_permuted(size, physical_layout, *, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """A zero tensor of ``size`` whose dimensions lie in memory in the order ``physical_layout`` (outermost
    first): ``empty_permuted((N, C, H, W), (0, 2, 3, 1))`` is channels-last."""
    shape, layout = _shape((size,), None, "empty_permuted"), tuple(physical_layout)
    if len(shape) != len(layout):
        raise RuntimeError(f"Number of dimensions in size does not match the length of the physical_layout; "
                           f"i.e. len(size) = {len(shape)} is not equal to len(physical_layout) = {len(layout)}")
    if sorted(layout) != list(builtins.range(len(shape))):
        raise RuntimeError("Duplicate dim not allowed")
    block = np.zeros([shape[d] for d in layout], _float_dtype(dtype))
    return _new(block.transpose(np.argsort(layout)), requires_grad, _check_device(device))


def frombuffer(buffer, *, dtype, count: int = -1, offset: int = 0, requires_grad: bool = False) -> Tensor:
    """A 1-D tensor over the bytes of a Python buffer (``bytearray``, ``array.array``, ``memoryview``):
    ``count`` elements of ``dtype`` from byte ``offset`` on, sharing the buffer's memory. A read-only
    buffer (``bytes``) is copied, where PyTorch would share it and warn."""
    try:
        view = memoryview(buffer)
    except TypeError:
        raise ValueError("object does not implement Python buffer protocol.") from None
    itemsize, length = dtypes.to_dtype(dtype).numpy.itemsize, view.nbytes
    if length == 0 or count == 0:
        raise ValueError(f"both buffer length ({length}) and count ({count}) must not be 0")
    if offset < 0 or offset >= length:
        raise ValueError(f"offset ({offset} bytes) must be non-negative and no greater than buffer length "
                         f"({length} bytes) minus 1")
    if count < 0:
        if (length - offset) % itemsize:
            raise ValueError(f"buffer length ({length - offset} bytes) after offset ({offset} bytes) must be a "
                             f"multiple of element size ({itemsize})")
        count = (length - offset) // itemsize
    elif offset + count * itemsize > length:
        raise ValueError(f"requested buffer length ({count} * {itemsize} bytes) after offset ({offset} bytes) "
                         f"must not be greater than actual buffer length ({length} bytes)")
    array = np.frombuffer(view.cast("B"), dtype=dtypes.to_dtype(dtype).numpy, count=count, offset=offset)
    return _new(array if array.flags.writeable else array.copy(), requires_grad)


@_factory_out("full")
def full(size, fill_value, *, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    if dtype is None:  # PyTorch infers the dtype from the fill value
        dtype = (dtypes.bool if isinstance(fill_value, builtins.bool) else
                 dtypes.int64 if isinstance(fill_value, numbers.Integral) else None)
    return _filled(fill_value, _shape((size,)), _float_dtype(dtype), device, requires_grad)


def _filled(value, shape: tuple, dtype: np.dtype, device, requires_grad: bool) -> Tensor:
    """zeros, ones, empty and full: ``value`` everywhere, or no numbers at all on the meta device (so
    ``zeros(2**40, device="meta")`` allocates nothing)."""
    if _check_device(device):
        return _new(meta_array(shape, dtype), requires_grad, meta=True)
    return _new(np.full(shape, value, dtype), requires_grad)


def _like(t: Tensor, dtype, device=None) -> tuple[np.dtype, object]:
    """The dtype and device of a ``*_like`` result: the input's, unless told (not the default device)."""
    if not isinstance(t, Tensor):
        raise TypeError(f"expected a Tensor, got {type(t).__name__}")
    return (dtypes.to_dtype(dtype).numpy if dtype is not None else t._array.dtype,
            t.device if device is None else device)


@profiled("aten::zeros_like")
def zeros_like(input: Tensor, *, dtype=None, device=None, requires_grad: bool = False,  # noqa: A002
               memory_format=None) -> Tensor:
    return _laid_out_like(_filled(0, input._array.shape, *_like(input, dtype, device), requires_grad),
                          memory_format, input, "zeros_like")


@profiled("aten::ones_like")
def ones_like(input: Tensor, *, dtype=None, device=None, requires_grad: bool = False,  # noqa: A002
               memory_format=None) -> Tensor:
    return _laid_out_like(_filled(1, input._array.shape, *_like(input, dtype, device), requires_grad),
                          memory_format, input, "ones_like")


@profiled("aten::empty_like")
def empty_like(input: Tensor, *, dtype=None, device=None, requires_grad: bool = False,  # noqa: A002
               memory_format=None) -> Tensor:
    return zeros_like(input, dtype=dtype, device=device, requires_grad=requires_grad, memory_format=memory_format)


@profiled("aten::full_like")
def full_like(input: Tensor, fill_value, *, dtype=None, device=None, requires_grad: bool = False,  # noqa: A002
              memory_format=None) -> Tensor:
    return _laid_out_like(_filled(fill_value, input._array.shape, *_like(input, dtype, device), requires_grad),
                          memory_format, input, "full_like")


@_factory_out("arange")
def arange(start, end=None, step=1, *, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """``arange(5)`` is 0..4; integers unless any of start/end/step is a float."""
    meta = _check_device(device)
    if end is None:
        start, end = 0, start
    if step == 0:
        raise RuntimeError("step must be nonzero")
    if dtype is None:
        is_int = builtins.all(isinstance(v, numbers.Integral) for v in (start, end, step))
        dtype = dtypes.int64 if is_int else dtypes.get_default_dtype()
    return _new(np.arange(start, end, step).astype(dtypes.to_dtype(dtype).numpy), requires_grad, meta)


def scalar_tensor(s, *, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """A 0-d tensor holding the number ``s``, of the default float dtype unless ``dtype`` says otherwise."""
    if not isinstance(s, numbers.Number) and not (isinstance(s, Tensor) and s.numel() == 1):
        raise TypeError(f"scalar_tensor(): argument 's' (position 1) must be Number, not {type(s).__name__}")
    value = s.item() if isinstance(s, Tensor) else s
    return tensor(value, dtype=dtype if dtype is not None else dtypes.get_default_dtype(), device=device,
                  requires_grad=requires_grad)


def range(start, end, step=1, *, dtype=None, device=None, requires_grad: bool = False) -> Tensor:  # noqa: A001
    """PyTorch's deprecated ``torch.range``: start, start+step, ... up to and *including* end, always of a
    floating dtype by default (``arange`` stops before end). Warns, as PyTorch does."""
    warnings.warn("torch.range is deprecated and will be removed in a future release because its behavior "
                  "is inconsistent with Python's range builtin. Instead, use torch.arange, which produces "
                  "values in [start, end).", UserWarning, stacklevel=2)
    meta = _check_device(device)
    if step == 0:
        raise RuntimeError("step must be nonzero")
    if (end - start) * step < 0:
        raise RuntimeError("upper bound and lower bound inconsistent with step sign")
    count = math.floor((end - start) / step) + 1
    values = start + step * np.arange(count, dtype=np.float64)  # in double, then cast, as PyTorch's kernel
    dtype = dtypes.to_dtype(dtype) if dtype is not None else dtypes.get_default_dtype()
    return _new(values.astype(dtype.numpy), requires_grad, meta)


# --- linspace, to PyTorch's last bit ------------------------------------------------------------------
# PyTorch's CPU kernel (aten/src/ATen/native/cpu/RangeFactoriesKernel.cpp) works in the tensor's dtype:
# step = (end - start) / (steps - 1), then the first half is start + step·i and the second half
# end - step·(steps - 1 - i), so both ends are exact. The compiler fuses each multiply and add into one
# fma (rounded once), which numpy does not have: normal_kernels' exact fma32/fma64 compute it (the same
# ones that replay PyTorch's normal kernels).
def fma(a, b, c, dtype) -> np.ndarray:
    """a·b + c rounded once to ``dtype`` (float32 or float64), elementwise, as C's fma."""
    return fma32(a, b, c) if np.dtype(dtype) == np.float32 else fma64(a, b, c)


def _scalar(value, name: str, function: str):
    """linspace's or logspace's start or end: a number or a 0-d tensor."""
    if isinstance(value, Tensor):
        if value._array.ndim != 0:
            raise RuntimeError(f"{function} only supports 0-dimensional start and end tensors, but got "
                               f"{name} with {value._array.ndim} dimension(s).")
        return value._array.item()
    if not isinstance(value, numbers.Real):
        raise TypeError(f"{function}(): argument '{name}' must be a number or a 0-d Tensor, not "
                        f"{type(value).__name__}")
    return value


def _linspace_values(start, end, steps: int, dtype: np.dtype) -> np.ndarray:
    """PyTorch's linspace kernel: in ``dtype`` for floats, through float64 for integers."""
    if steps <= 1:
        return np.full(steps, start, dtype)
    i = np.arange(steps)
    from_end = i >= steps // 2
    k = np.where(from_end, steps - 1 - i, i)               # the distance to the nearer end, in steps
    if dtype == np.float16 or dtype == dtypes.BFLOAT16:   # c10::Half/BFloat16: each operation rounded
        s, e = dtype.type(start), dtype.type(end)
        step = (e - s) / dtype.type(steps - 1)
        kh = k.astype(dtype)
        return np.where(from_end, e - step * kh, s + step * kh).astype(dtype)
    if dtype.kind == "f":
        s, e = dtype.type(start), dtype.type(end)
        with np.errstate(over="ignore", invalid="ignore"):
            step = (e - s) / dtype.type(steps - 1)
        kf = k.astype(dtype)
        return np.where(from_end, fma(-step, kf, e, dtype), fma(step, kf, s, dtype))
    s, e = builtins.int(start), builtins.int(end)          # integers: truncated, the step a float64
    step = (float(e) - float(s)) / (steps - 1)
    kf = k.astype(np.float64)
    values = np.where(from_end, fma(-step, kf, float(e), np.float64), fma(step, kf, float(s), np.float64))
    return np.trunc(values).astype(dtype)


def _spaced_arguments(name: str, start, end, steps, dtype, device) -> tuple:
    """linspace's and logspace's checks, PyTorch's errors: (start, end, steps, numpy dtype)."""
    _check_device(device)
    start, end = _scalar(start, "start", name), _scalar(end, "end", name)
    if not isinstance(steps, numbers.Integral) or isinstance(steps, builtins.bool):
        raise TypeError(f"{name}(): argument 'steps' must be int, not {type(steps).__name__}")
    if steps < 0:
        raise RuntimeError("number of steps must be non-negative")
    np_dtype = _float_dtype(dtype)
    if np_dtype.kind == "b":
        raise NotImplementedError(f"\"{name}_cpu\" not implemented for 'Bool'")
    return start, end, builtins.int(steps), np_dtype


@_factory_out("linspace")
def linspace(start, end, steps: int, *, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """``steps`` numbers from ``start`` to ``end``, both included, evenly spaced; the same bits as
    PyTorch's CPU kernel (the first half counted up from start, the second down from end)."""
    start, end, steps, np_dtype = _spaced_arguments("linspace", start, end, steps, dtype, device)
    return _new(_linspace_values(start, end, steps, np_dtype), requires_grad, _check_device(device))


@_factory_out("logspace")
def logspace(start, end, steps: int, base: float = 10.0, *, dtype=None, device=None,
             requires_grad: bool = False) -> Tensor:
    """``base`` to the powers of ``linspace(start, end, steps)``: PyTorch's kernel computes the exponents
    in float64 (the first half from start, the second from end, no fused multiply-add there) and C's
    ``pow``, then rounds once to the dtype; ``math.pow`` is that same ``pow``."""
    start, end, steps, np_dtype = _spaced_arguments("logspace", start, end, steps, dtype, device)
    if steps == 1:
        return _new(np.full(1, math.pow(base, float(start)), np_dtype), requires_grad)
    s, e = np_dtype.type(start), np_dtype.type(end)       # the ends in the dtype, their difference too
    step = float(e - s) / (steps - 1)
    half = steps // 2
    powers = [math.pow(base, float(s) + step * i) if i < half else
              math.pow(base, float(e) - step * (steps - i - 1)) for i in builtins.range(steps)]
    values = np.array(powers, np.float64)
    return _new(np.trunc(values).astype(np_dtype) if np_dtype.kind in "iu" else values.astype(np_dtype),
                requires_grad)


@_factory_out("eye")
def eye(n: int, m: int | None = None, *, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    meta = _check_device(device)
    return _new(np.eye(n, m, dtype=_float_dtype(dtype)), requires_grad, meta)


# --- random numbers ----------------------------------------------------------------------------------
# The generator lives in random.py and the recipes in sampling.py; these factories only make the empty
# tensor of the right shape and dtype and ask for its numbers, as PyTorch's do (torch.rand is
# empty(...).uniform_(), torch.randn is empty(...).normal_()).
_NOT_FLOAT = {"rand": "\"check_uniform_bounds\" not implemented for '{dtype}'",
              "randn": "\"normal_kernel_cpu\" not implemented for '{dtype}'"}


def _random_target(name: str, shape: tuple, dtype) -> sampling.Blank:
    """What a random factory makes: floating point (the default dtype unless told)."""
    np_dtype = _float_dtype(dtype)
    if not dtypes.is_float(np_dtype):
        raise RuntimeError(_NOT_FLOAT[name].format(dtype=dtypes.TORCH_NAMES.get(np_dtype.name, np_dtype.name)))
    return sampling.Blank(shape, np_dtype)


@_factory_out("rand")
def rand(*sizes, size=None, generator=None, dtype=None, device=None, requires_grad: bool = False
         ) -> Tensor:
    """Uniform on [0, 1): the low 24 bits of one 32-bit word per float32 (53 of two words per float64)."""
    meta = _check_device(device)
    gen = sampling.generator_or_default(generator)
    target = _random_target("rand", _shape(sizes, size, "rand"), dtype)
    if meta:  # no numbers drawn: the generator does not move, as in PyTorch
        return _new(meta_array(target.shape, target.dtype), requires_grad, meta)
    return _new(sampling.uniform(gen, target), requires_grad)


@_factory_out("randn")
def randn(*sizes, size=None, generator=None, dtype=None, device=None, requires_grad: bool = False
          ) -> Tensor:
    """Standard normal, by Box–Muller: pairs of uniforms become pairs of normals (sampling.normal)."""
    meta = _check_device(device)
    gen = sampling.generator_or_default(generator)
    target = _random_target("randn", _shape(sizes, size, "randn"), dtype)
    if meta:
        return _new(meta_array(target.shape, target.dtype), requires_grad, meta)
    return _new(sampling.normal(gen, target), requires_grad)


@_factory_out("randint")
def randint(low, high=None, size=None, *, generator=None, dtype=None, device=None,
            requires_grad: bool = False) -> Tensor:
    """Integers in [low, high): ``randint(10, (3,))`` or ``randint(2, 10, (3,))``."""
    meta = _check_device(device)
    if size is None:
        if high is None or not isinstance(high, (tuple, list)):
            raise TypeError("randint() missing required argument 'size' (a tuple of ints)")
        low, high, size = 0, low, high
    elif high is None:
        low, high = 0, low
    if high <= low:
        raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={low} >= to={high}")
    target = sampling.Blank(_shape((size,)), dtypes.to_dtype(dtype).numpy if dtype is not None else np.int64)
    if meta:
        return _new(meta_array(target.shape, target.dtype), requires_grad, meta)
    values = sampling.random_from_to(sampling.generator_or_default(generator), target, builtins.int(low),
                                     builtins.int(high))
    return _new(values, requires_grad)


@profiled("aten::randperm")
def randperm(n: int, *, generator=None, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """A random permutation of 0..n-1, by PyTorch's Fisher–Yates shuffle."""
    meta = _check_device(device)
    if not isinstance(n, numbers.Integral) or isinstance(n, builtins.bool):
        raise TypeError(f"randperm(): argument 'n' must be int, not {type(n).__name__}")
    if n < 0:
        raise RuntimeError(f"n must be non-negative, got{n}")
    dtype = dtypes.to_dtype(dtype).numpy if dtype is not None else np.dtype(np.int64)
    if dtype.kind == "f" and n > 2 ** (np.finfo(dtype).nmant + 1):
        raise RuntimeError(f"n cannot be greater than {2 ** (np.finfo(dtype).nmant + 1)} for "
                           f"{dtypes.TORCH_NAMES.get(dtype.name, dtype.name)} type.")
    if meta:
        return _new(meta_array((builtins.int(n),), dtype), requires_grad, meta)
    perm = sampling.randperm(sampling.generator_or_default(generator), builtins.int(n))
    return _new(perm.astype(dtype), requires_grad)


@profiled("aten::rand_like")
def rand_like(input: Tensor, *, dtype=None, requires_grad: bool = False, memory_format=None) -> Tensor:  # noqa: A002
    return _laid_out_like(rand(*input.shape, dtype=dtype or input.dtype, device=input.device,
                               requires_grad=requires_grad), memory_format, input, "rand_like")


@profiled("aten::randn_like")
def randn_like(input: Tensor, *, dtype=None, requires_grad: bool = False, memory_format=None) -> Tensor:  # noqa: A002
    return _laid_out_like(randn(*input.shape, dtype=dtype or input.dtype, device=input.device,
                                requires_grad=requires_grad), memory_format, input, "randn_like")


@profiled("aten::randint_like")
def randint_like(input: Tensor, low, high=None, *, dtype=None, memory_format=None) -> Tensor:  # noqa: A002
    return _laid_out_like(randint(low, high, tuple(input.shape), dtype=dtype or input.dtype, device=input.device),
                          memory_format, input, "randint_like")


def _check_std(std) -> None:
    if isinstance(std, Tensor):
        if std._array.size and (std._array < 0).any():
            raise RuntimeError("normal expects all elements of std >= 0.0")
    elif std < 0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {std}")


@_factory_out("normal")
def normal(mean, std=1.0, size=None, *, generator=None, dtype=None, device=None,
           requires_grad: bool = False) -> Tensor:
    """Samples from N(mean, std²); mean and std may be numbers or tensors (broadcast).

    With a tensor argument PyTorch draws N(0, 1) (N(0, std) for a number std) in that tensor's dtype and
    then multiplies by std and adds mean, two rounded steps, which we repeat. ``normal(0., 1., size)``
    with numbers takes ``dtype=`` and ``requires_grad=`` like the other factories."""
    _check_device(device)
    gen = sampling.generator_or_default(generator)
    _check_std(std)
    if not isinstance(mean, Tensor) and not isinstance(std, Tensor):
        if size is None:
            raise TypeError("normal() missing required argument 'size' when mean and std are numbers")
        target = _random_target("randn", _shape((size,)), dtype)
        if _check_device(device):
            return _new(meta_array(target.shape, target.dtype), requires_grad, meta=True)
        return _new(sampling.normal(gen, target, mean, std), requires_grad)
    m = mean._array if isinstance(mean, Tensor) else None
    s = std._array if isinstance(std, Tensor) else None
    out_dtype = (m if m is not None else s).dtype
    shape = np.broadcast_shapes(*(a.shape for a in (m, s) if a is not None))
    if s is None:                                   # normal(Tensor mean, float std)
        sample = sampling.normal(gen, sampling.Blank(shape, out_dtype), 0.0, std)
    else:                                           # std a tensor: N(0, 1) · std
        sample = sampling.normal(gen, sampling.Blank(shape, out_dtype)) * s.astype(out_dtype, copy=False)
    sample = sample + (m if m is not None else np.asarray(mean, out_dtype))
    return _new(np.asarray(sample, out_dtype), requires_grad)


@profiled("aten::bernoulli")
def bernoulli(input: Tensor, p=None, *, generator=None) -> Tensor:  # noqa: A002
    """1 with probability ``input`` (or the number ``p``), else 0, elementwise, in input's dtype."""
    probs = input._array
    if p is None and probs.dtype.kind != "f":
        raise NotImplementedError(f"\"bernoulli_tensor_cpu_p_\" not implemented for "
                                  f"'{dtypes.TORCH_NAMES.get(probs.dtype.name, probs.dtype.name)}'")
    return Tensor._wrap(sampling.bernoulli(sampling.generator_or_default(generator),
                                           sampling.Blank(probs.shape, probs.dtype), probs if p is None else p))


@profiled("aten::multinomial")
def multinomial(input: Tensor, num_samples: int, replacement: bool = False, *,  # noqa: A002
                generator=None) -> Tensor:
    """Indices drawn with probabilities proportional to the rows of ``input`` (1-d or 2-d)."""
    probs = input._array
    if probs.ndim not in (1, 2):
        raise RuntimeError("prob_dist must be 1 or 2 dim")
    if not dtypes.is_float(probs.dtype):
        raise RuntimeError("multinomial only supports floating-point dtypes for input, got: "
                           f"{dtypes.TORCH_NAMES.get(probs.dtype.name, probs.dtype.name)}")
    if probs.dtype == dtypes.BFLOAT16:  # PyTorch's kernel sums bfloat16 probabilities in float32
        probs = probs.astype(np.float32)
    if num_samples <= 0:
        raise RuntimeError("cannot sample n_sample <= 0 samples")
    if not replacement and num_samples > probs.shape[-1]:
        raise RuntimeError("cannot sample n_sample > prob_dist.size(-1) samples without replacement")
    rows = np.atleast_2d(probs)
    if rows.size:
        if not np.isfinite(rows).all() or (rows < 0).any():
            raise RuntimeError("probability tensor contains either `inf`, `nan` or element < 0")
        if (rows.sum(axis=-1) == 0).any():
            raise RuntimeError("invalid multinomial distribution (sum of probabilities <= 0)")
    out = sampling.multinomial(sampling.generator_or_default(generator), rows, num_samples, replacement)
    return Tensor._wrap(out if probs.ndim == 2 else out[0])


# --- Tensor.new_*: a new tensor with this tensor's dtype (and device) ---------------------------------
@profiled("aten::lift_fresh")
def new_tensor(self, data, *, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """``x.new_tensor(data)``: ``tensor(data)`` in x's dtype unless ``dtype`` says otherwise."""
    if isinstance(data, Tensor):
        warnings.warn("To copy construct from a tensor, it is recommended to use sourceTensor.detach()"
                      ".clone() or sourceTensor.detach().clone().requires_grad_(True), rather than "
                      "tensor.new_tensor(sourceTensor).", UserWarning, stacklevel=2)
    return tensor(data, dtype=dtype or self.dtype, device=self.device if device is None else device, requires_grad=requires_grad)


@profiled("aten::new_zeros")
def new_zeros(self, *sizes, size=None, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """``x.new_zeros(2, 3)``: zeros of that shape in x's dtype."""
    return zeros(_shape(sizes, size, "new_zeros"), dtype=dtype or self.dtype, device=self.device if device is None else device,
                 requires_grad=requires_grad)


@profiled("aten::new_ones")
def new_ones(self, *sizes, size=None, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """``x.new_ones(2, 3)``: ones of that shape in x's dtype."""
    return ones(_shape(sizes, size, "new_ones"), dtype=dtype or self.dtype, device=self.device if device is None else device,
                requires_grad=requires_grad)


@profiled("aten::new_empty")
def new_empty(self, *sizes, size=None, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """``x.new_empty(2, 3)``: uninitialised in PyTorch, zeros here (as ``empty``)."""
    return empty(_shape(sizes, size, "new_empty"), dtype=dtype or self.dtype, device=self.device if device is None else device,
                 requires_grad=requires_grad)


def new_empty_strided(self, size, stride, *, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """``x.new_empty_strided(size, stride)``: ``empty_strided`` in x's dtype."""
    return empty_strided(size, stride, dtype=dtype or self.dtype, device=self.device if device is None else device,
                         requires_grad=requires_grad)


@profiled("aten::new_full")
def new_full(self, size, fill_value, *, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """``x.new_full(size, v)``: ``v`` everywhere, in x's dtype (a float fill is truncated for ints)."""
    return full(size, fill_value, dtype=dtype or self.dtype, device=self.device if device is None else device, requires_grad=requires_grad)


def new(self, *args, device=None) -> Tensor:
    """``x.new(...)``: PyTorch's legacy constructor (``legacy_new`` below) in x's dtype."""
    return legacy_new(self.dtype, args, device)


# creation sits above tensor.py, so it attaches its Tensor methods itself (as ops/__init__ does for ops)
TENSOR_METHODS = {"new": new, "new_tensor": new_tensor, "new_zeros": new_zeros, "new_ones": new_ones,
                  "new_empty": new_empty, "new_full": new_full, "new_empty_strided": new_empty_strided}
for _name, _fn in TENSOR_METHODS.items():
    setattr(Tensor, _name, _fn)


# --- legacy typed constructors: torch.FloatTensor(2, 3), torch.LongTensor([1, 2]) ----------------------
def legacy_new(dtype: dtypes.dtype, args: tuple, device=None, name: str = "new") -> Tensor:
    """PyTorch's old constructors: no argument -> an empty 1-d tensor; ints (or a ``Size``) -> that
    shape (uninitialised in PyTorch, zeros here); a sequence or array -> its numbers in ``dtype``; a
    tensor of the same dtype -> that tensor (shared memory)."""
    _check_device(device)
    if not args:
        return Tensor._wrap(np.zeros((0,), dtype.numpy))
    first = args[0]
    if builtins.all(isinstance(a, numbers.Integral) and not isinstance(a, builtins.bool) for a in args):
        return Tensor._wrap(np.zeros(_shape(args), dtype.numpy))
    if len(args) == 1 and isinstance(first, Size):  # a Size is a shape; any other tuple is data
        return Tensor._wrap(np.zeros(_shape((tuple(first),)), dtype.numpy))
    if len(args) > 1:
        raise TypeError(f"{name}(): expected sizes (ints) or one sequence of data, got "
                        f"{', '.join(type(a).__name__ for a in args)}")
    if isinstance(first, Tensor):
        if first._array.dtype != dtype.numpy:
            raise TypeError(f"expected {dtypes.TORCH_NAMES[dtype.name]} tensor, got "
                            f"{dtypes.TORCH_NAMES[first.dtype.name]} (the legacy constructor does not "
                            "convert; use x.to(dtype))")
        return first.detach()
    if isinstance(first, numbers.Number):
        raise TypeError(f"{name}(): data must be a sequence (got {type(first).__name__})")
    return Tensor._wrap(np.array(to_array(first, dtype.numpy)))


class _LegacyTensorType(type):
    """The type of ``FloatTensor`` and its kin: calling one is ``legacy_new`` with its dtype, and
    ``isinstance(x, FloatTensor)`` asks whether x is a float32 Tensor (PyTorch's ``tensortype``)."""

    def __call__(cls, *args, device=None):
        return legacy_new(cls.dtype, args, device)

    def __instancecheck__(cls, obj) -> bool:
        return isinstance(obj, Tensor) and obj._array.dtype == cls.dtype.numpy

    def __repr__(cls) -> str:
        return f"<class '{dtypes.SHOWN_AS}.{cls.__name__}'>"


def _legacy_type(name: str, dtype: dtypes.dtype):
    return _LegacyTensorType(name, (), {"dtype": dtype, "__module__": "glassgrad",
                                        "__doc__": f"``{name}(...)``: a {dtype.name} tensor, PyTorch's "
                                                   "legacy constructor (prefer ``tensor(data, dtype=)``)."})


FloatTensor = _legacy_type("FloatTensor", dtypes.float32)
DoubleTensor = _legacy_type("DoubleTensor", dtypes.float64)
HalfTensor = _legacy_type("HalfTensor", dtypes.float16)
LongTensor = _legacy_type("LongTensor", dtypes.int64)
IntTensor = _legacy_type("IntTensor", dtypes.int32)
ShortTensor = _legacy_type("ShortTensor", dtypes.int16)
CharTensor = _legacy_type("CharTensor", dtypes.int8)
ByteTensor = _legacy_type("ByteTensor", dtypes.uint8)
BoolTensor = _legacy_type("BoolTensor", dtypes.bool)


_LEGACY_TYPES = {t.__name__: t for t in (FloatTensor, DoubleTensor, HalfTensor, LongTensor, IntTensor, ShortTensor,
                                         CharTensor, ByteTensor, BoolTensor)}


def set_default_tensor_type(t) -> None:
    """PyTorch's deprecated way to set the default floating dtype: ``set_default_tensor_type(torch.DoubleTensor)``
    or its name ``"torch.DoubleTensor"`` is ``set_default_dtype(torch.float64)``. CUDA types fail as on a
    build without CUDA."""
    warnings.warn("torch.set_default_tensor_type() is deprecated as of PyTorch 2.1, please use "
                  "torch.set_default_dtype() and torch.set_default_device() as alternatives.",
                  UserWarning, stacklevel=2)
    if isinstance(t, str):
        prefix, _, name = t.rpartition(".")
        if prefix.endswith("cuda"):
            raise TypeError(f"type {t} not available. Torch not compiled with CUDA enabled.")
        if prefix not in ("torch", "glassgrad") or name not in _LEGACY_TYPES:
            raise TypeError(f"invalid type: '{t}'")
        t = _LEGACY_TYPES[name]
    if not isinstance(t, _LegacyTensorType):
        raise TypeError("invalid type object: only floating-point types are supported as the default type")
    if not t.dtype.is_floating_point:
        raise TypeError("only floating-point types are supported as the default type")
    dtypes.set_default_dtype(t.dtype)


def typename(obj) -> str:
    """The name of ``obj``'s type as PyTorch writes it: ``"torch.FloatTensor"`` for a float32 tensor, else
    the module and qualified name of the class (``"int"`` for builtins)."""
    if isinstance(obj, Tensor):
        return obj.type()
    module = getattr(obj, "__module__", "") or ""
    if hasattr(obj, "__qualname__"):
        qualname = obj.__qualname__
    elif hasattr(obj, "__name__"):
        qualname = obj.__name__
    else:
        module, qualname = obj.__class__.__module__, obj.__class__.__qualname__
    return qualname if module in ("", "builtins") else f"{module}.{qualname}"
