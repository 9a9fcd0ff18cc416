"""Making tensors: ``tensor``, ``zeros``, ``ones``, ``arange``, ``randn``, ... and the random generator.

Part III. Same names, arguments and defaults as PyTorch: floats become float32 unless told otherwise,
Python ints become int64, and every function takes ``dtype=`` and ``requires_grad=``. Random numbers
come from one global generator (``manual_seed(s)`` resets it: same seed, same numbers) or from a
``Generator`` you pass. They are numpy's PCG64 streams, so they differ from PyTorch's numbers for the
same seed; the distributions are the same.

Also here, because they make tensors: ``out=`` (writing a result into a given tensor; the factories and
the ops share ``write_out``), ``Tensor.new_zeros`` and its kin, and the legacy typed constructors
(``FloatTensor(2, 3)``, ``LongTensor([1, 2])``).
"""

from __future__ import annotations

import builtins
import functools
import numbers
import warnings

import numpy as np

from glassgrad import dtypes
from glassgrad.autograd.grad_mode import GRAD_MODE
from glassgrad.devices import check_device_available, check_generator_device, default_device
from glassgrad.tensor import Size, Tensor, to_array

__all__ = [
    "tensor", "as_tensor", "from_numpy", "zeros", "ones", "full", "empty", "zeros_like", "ones_like",
    "full_like", "empty_like", "rand_like", "randn_like", "randint_like", "arange", "linspace", "eye",
    "rand", "randn", "randint", "randperm", "normal", "bernoulli", "multinomial", "manual_seed", "seed",
    "initial_seed", "Generator", "default_generator", "get_rng_state", "set_rng_state",
    "FloatTensor", "DoubleTensor", "HalfTensor", "LongTensor", "IntTensor", "ShortTensor", "CharTensor",
    "ByteTensor", "BoolTensor", "write_out", "refuse_out_with_grad",
]


def _new(array: np.ndarray, requires_grad: bool) -> Tensor:
    t = Tensor._wrap(array)
    if requires_grad:
        t.requires_grad_(True)  # checks the dtype is floating point
    return t


def tensor(data, *, dtype=None, device=None, requires_grad: bool = False, pin_memory: bool = False
           ) -> Tensor:
    """A new tensor holding a copy of ``data`` (nested lists, numbers, numpy arrays or tensors)."""
    _check_device(device, copying=True)
    array = to_array(data, dtype)
    if array is data or (isinstance(data, Tensor) and array is data._array) or not array.flags.owndata:
        array = array.copy()
    return _new(array, requires_grad)


def as_tensor(data, dtype=None, device=None) -> Tensor:
    """Like ``tensor`` but shares memory with a numpy array or tensor when no conversion is needed."""
    _check_device(device, copying=True)
    if isinstance(data, Tensor) and (dtype is None or dtypes.to_dtype(dtype) == data.dtype):
        return data
    return _new(to_array(data, dtype), False)


def from_numpy(array: np.ndarray) -> Tensor:
    """A tensor sharing memory with ``array``: changing one changes the other."""
    if not isinstance(array, np.ndarray):
        raise TypeError(f"expected np.ndarray (got {type(array).__name__})")
    dtypes.from_numpy_dtype(array.dtype)
    return Tensor._wrap(array)


def _check_device(device, copying: bool = False) -> None:
    """A factory's ``device=``: None means the default device (``set_default_device``, ``with device``).
    Any device but the CPU raises what PyTorch built without it raises (devices.py)."""
    if device is None:
        device = default_device()
        if device is None:
            return
    check_device_available(device, copying)


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
        return factory
    return decorate


@_factory_out("zeros")
def zeros(*sizes, size=None, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    _check_device(device)
    return _new(np.zeros(_shape(sizes, size, "zeros"), _float_dtype(dtype)), requires_grad)


@_factory_out("ones")
def ones(*sizes, size=None, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    _check_device(device)
    return _new(np.ones(_shape(sizes, size, "ones"), _float_dtype(dtype)), requires_grad)


@_factory_out("empty")
def empty(*sizes, size=None, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """Uninitialised in PyTorch; zeros here (reading garbage memory teaches nothing)."""
    _check_device(device)
    return _new(np.zeros(_shape(sizes, size, "empty"), _float_dtype(dtype)), requires_grad)


@_factory_out("full")
def full(size, fill_value, *, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    _check_device(device)
    if dtype is None:  # PyTorch infers the dtype from the fill value
        dtype = (dtypes.bool if isinstance(fill_value, builtins.bool) else
                 dtypes.int64 if isinstance(fill_value, numbers.Integral) else None)
    return _new(np.full(_shape((size,)), fill_value, _float_dtype(dtype)), requires_grad)


def _like(t: Tensor, dtype, device=None) -> np.dtype:
    if device is not None:  # without device=, the input's device (the CPU), not the default device
        check_device_available(device)
    if not isinstance(t, Tensor):
        raise TypeError(f"expected a Tensor, got {type(t).__name__}")
    return dtypes.to_dtype(dtype).numpy if dtype is not None else t._array.dtype


def zeros_like(input: Tensor, *, dtype=None, device=None, requires_grad: bool = False) -> Tensor:  # noqa: A002
    return _new(np.zeros(input._array.shape, _like(input, dtype, device)), requires_grad)


def ones_like(input: Tensor, *, dtype=None, device=None, requires_grad: bool = False) -> Tensor:  # noqa: A002
    return _new(np.ones(input._array.shape, _like(input, dtype, device)), requires_grad)


def empty_like(input: Tensor, *, dtype=None, device=None, requires_grad: bool = False) -> Tensor:  # noqa: A002
    return zeros_like(input, dtype=dtype, device=device, requires_grad=requires_grad)


def full_like(input: Tensor, fill_value, *, dtype=None, device=None, requires_grad: bool = False  # noqa: A002
              ) -> Tensor:
    return _new(np.full(input._array.shape, fill_value, _like(input, dtype, device)), requires_grad)


@_factory_out("arange")
def arange(start, end=None, step=1, *, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """``arange(5)`` is 0..4; integers unless any of start/end/step is a float."""
    _check_device(device)
    if end is None:
        start, end = 0, start
    if step == 0:
        raise RuntimeError("step must be nonzero")
    if dtype is None:
        is_int = builtins.all(isinstance(v, numbers.Integral) for v in (start, end, step))
        dtype = dtypes.int64 if is_int else dtypes.get_default_dtype()
    return _new(np.arange(start, end, step).astype(dtypes.to_dtype(dtype).numpy), requires_grad)


@_factory_out("linspace")
def linspace(start, end, steps: int, *, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    _check_device(device)
    if steps < 0:
        raise RuntimeError("number of steps must be non-negative")
    return _new(np.linspace(start, end, steps).astype(_float_dtype(dtype)), requires_grad)


@_factory_out("eye")
def eye(n: int, m: int | None = None, *, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    _check_device(device)
    return _new(np.eye(n, m, dtype=_float_dtype(dtype)), requires_grad)


# --- random numbers ----------------------------------------------------------------------------------
class Generator:
    """A source of random numbers, as ``torch.Generator``: ``g = Generator().manual_seed(0)``."""

    def __init__(self, device="cpu") -> None:
        check_generator_device(device)
        self._seed = 67280421310721  # PyTorch's default initial seed
        self._rng = np.random.default_rng(self._seed)

    def manual_seed(self, seed: int) -> "Generator":
        if not isinstance(seed, numbers.Integral):
            raise TypeError(f"manual_seed expected an int, got {type(seed).__name__}")
        self._seed = builtins.int(seed)
        self._rng = np.random.default_rng(self._seed & 0xFFFF_FFFF_FFFF_FFFF)
        return self

    def seed(self) -> int:
        self.manual_seed(builtins.int(np.random.SeedSequence().entropy) & 0xFFFF_FFFF_FFFF_FFFF)
        return self._seed

    def initial_seed(self) -> int:
        return self._seed

    def get_state(self) -> dict:
        return self._rng.bit_generator.state

    def set_state(self, state: dict) -> None:
        self._rng.bit_generator.state = state


default_generator = Generator()


def manual_seed(seed: int) -> Generator:
    """Reset the global generator: the same seed gives the same numbers."""
    return default_generator.manual_seed(seed)


def seed() -> int:
    return default_generator.seed()


def initial_seed() -> int:
    return default_generator.initial_seed()


def get_rng_state() -> dict:
    return default_generator.get_state()


def set_rng_state(state: dict) -> None:
    default_generator.set_state(state)


def _rng(generator: Generator | None) -> np.random.Generator:
    return (generator or default_generator)._rng


@_factory_out("rand")
def rand(*sizes, size=None, generator=None, dtype=None, device=None, requires_grad: bool = False
         ) -> Tensor:
    """Uniform on [0, 1)."""
    _check_device(device)
    shape = _shape(sizes, size, "rand")
    return _new(_rng(generator).random(shape).astype(_float_dtype(dtype)), requires_grad)


@_factory_out("randn")
def randn(*sizes, size=None, generator=None, dtype=None, device=None, requires_grad: bool = False
          ) -> Tensor:
    """Standard normal."""
    _check_device(device)
    shape = _shape(sizes, size, "randn")
    return _new(_rng(generator).standard_normal(shape).astype(_float_dtype(dtype)), requires_grad)


@_factory_out("randint")
def randint(low, high=None, size=None, *, generator=None, dtype=None, device=None,
            requires_grad: bool = False) -> Tensor:
    """Integers in [low, high): ``randint(10, (3,))`` or ``randint(2, 10, (3,))``."""
    _check_device(device)
    if size is None:
        if high is None or not isinstance(high, (tuple, list)):
            raise TypeError("randint() missing required argument 'size' (a tuple of ints)")
        low, high, size = 0, low, high
    elif high is None:
        low, high = 0, low
    if high <= low:
        raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={low} >= to={high}")
    dtype = dtypes.to_dtype(dtype).numpy if dtype is not None else np.int64
    return _new(_rng(generator).integers(low, high, _shape((size,))).astype(dtype), requires_grad)


def randperm(n: int, *, generator=None, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """A random permutation of 0..n-1."""
    _check_device(device)
    dtype = dtypes.to_dtype(dtype).numpy if dtype is not None else np.int64
    return _new(_rng(generator).permutation(n).astype(dtype), requires_grad)


def rand_like(input: Tensor, *, dtype=None, requires_grad: bool = False) -> Tensor:  # noqa: A002
    return rand(*input.shape, dtype=dtype or input.dtype, device="cpu", requires_grad=requires_grad)


def randn_like(input: Tensor, *, dtype=None, requires_grad: bool = False) -> Tensor:  # noqa: A002
    return randn(*input.shape, dtype=dtype or input.dtype, device="cpu", requires_grad=requires_grad)


def randint_like(input: Tensor, low, high=None, *, dtype=None) -> Tensor:  # noqa: A002
    return randint(low, high, tuple(input.shape), dtype=dtype or input.dtype, device="cpu")


@_factory_out("normal")
def normal(mean, std=1.0, size=None, *, generator=None, dtype=None, device=None,
           requires_grad: bool = False) -> Tensor:
    """Samples from N(mean, std²); mean and std may be numbers or tensors (broadcast).

    ``normal(0., 1., size)`` with numbers takes ``dtype=`` and ``requires_grad=`` like the other
    factories; with a tensor mean or std the result has that tensor's dtype."""
    _check_device(device)
    m = mean._array if isinstance(mean, Tensor) else mean
    s = std._array if isinstance(std, Tensor) else std
    shape = _shape((size,)) if size is not None else np.broadcast_shapes(np.shape(m), np.shape(s))
    sample = _rng(generator).normal(m, s, shape)
    if dtype is None:
        dtype = next((t._array.dtype for t in (mean, std) if isinstance(t, Tensor)),
                     dtypes.get_default_dtype().numpy)
    else:
        dtype = dtypes.to_dtype(dtype).numpy
    return _new(np.asarray(sample, dtype=dtype), requires_grad)


def bernoulli(input: Tensor, p=None, *, generator=None) -> Tensor:  # noqa: A002
    """1 with probability ``input`` (or ``p``), else 0, elementwise."""
    prob = p if p is not None else input._array
    sample = _rng(generator).random(input._array.shape) < prob
    return Tensor._wrap(sample.astype(input._array.dtype))


def multinomial(input: Tensor, num_samples: int, replacement: bool = False, *,  # noqa: A002
                generator=None) -> Tensor:
    """Indices drawn with probabilities proportional to the rows of ``input``."""
    probs = np.atleast_2d(input._array.astype(np.float64))
    if (probs < 0).any() or not np.isfinite(probs).all():
        raise RuntimeError("probability tensor contains either `inf`, `nan` or element < 0")
    rng = _rng(generator)
    rows = [rng.choice(probs.shape[1], num_samples, replace=replacement, p=row / row.sum())
            for row in probs]
    out = np.array(rows, dtype=np.int64)
    return Tensor._wrap(out if input._array.ndim == 2 else out[0])



# --- Tensor.new_*: a new tensor with this tensor's dtype (and device) ---------------------------------
def new_tensor(self, data, *, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """``x.new_tensor(data)``: ``tensor(data)`` in x's dtype unless ``dtype`` says otherwise."""
    if isinstance(data, Tensor):
        warnings.warn("To copy construct from a tensor, it is recommended to use sourceTensor.detach()"
                      ".clone() or sourceTensor.detach().clone().requires_grad_(True), rather than "
                      "tensor.new_tensor(sourceTensor).", UserWarning, stacklevel=2)
    return tensor(data, dtype=dtype or self.dtype, device=device, requires_grad=requires_grad)


def new_zeros(self, *sizes, size=None, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """``x.new_zeros(2, 3)``: zeros of that shape in x's dtype."""
    return zeros(_shape(sizes, size, "new_zeros"), dtype=dtype or self.dtype, device=device,
                 requires_grad=requires_grad)


def new_ones(self, *sizes, size=None, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """``x.new_ones(2, 3)``: ones of that shape in x's dtype."""
    return ones(_shape(sizes, size, "new_ones"), dtype=dtype or self.dtype, device=device,
                requires_grad=requires_grad)


def new_empty(self, *sizes, size=None, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """``x.new_empty(2, 3)``: uninitialised in PyTorch, zeros here (as ``empty``)."""
    return empty(_shape(sizes, size, "new_empty"), dtype=dtype or self.dtype, device=device,
                 requires_grad=requires_grad)


def new_full(self, size, fill_value, *, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """``x.new_full(size, v)``: ``v`` everywhere, in x's dtype (a float fill is truncated for ints)."""
    return full(size, fill_value, dtype=dtype or self.dtype, device=device, requires_grad=requires_grad)


# creation sits above tensor.py, so it attaches its Tensor methods itself (as ops/__init__ does for ops)
TENSOR_METHODS = {"new_tensor": new_tensor, "new_zeros": new_zeros, "new_ones": new_ones,
                  "new_empty": new_empty, "new_full": new_full}
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
