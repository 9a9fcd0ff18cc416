"""Making tensors: ``tensor``, ``zeros``, ``ones``, ``arange``, ``randn``, ... and the random generator.

Part III. Same names, arguments and defaults as PyTorch: floats become float32 unless told otherwise,
Python ints become int64, and every function takes ``dtype=`` and ``requires_grad=``. Random numbers
come from one global generator (``manual_seed(s)`` resets it: same seed, same numbers) or from a
``Generator`` you pass. They are numpy's PCG64 streams, so they differ from PyTorch's numbers for the
same seed; the distributions are the same.
"""

from __future__ import annotations

import builtins
import numbers

import numpy as np

from glassgrad import dtypes
from glassgrad.tensor import Tensor, to_array

__all__ = [
    "tensor", "as_tensor", "from_numpy", "zeros", "ones", "full", "empty", "zeros_like", "ones_like",
    "full_like", "empty_like", "rand_like", "randn_like", "randint_like", "arange", "linspace", "eye",
    "rand", "randn", "randint", "randperm", "normal", "bernoulli", "multinomial", "manual_seed", "seed",
    "initial_seed", "Generator", "default_generator", "get_rng_state", "set_rng_state",
]


def _new(array: np.ndarray, requires_grad: bool) -> Tensor:
    t = Tensor._wrap(array)
    if requires_grad:
        t.requires_grad_(True)  # checks the dtype is floating point
    return t


def tensor(data, *, dtype=None, device=None, requires_grad: bool = False, pin_memory: bool = False
           ) -> Tensor:
    """A new tensor holding a copy of ``data`` (nested lists, numbers, numpy arrays or tensors)."""
    _check_device(device)
    array = to_array(data, dtype)
    if array is data or (isinstance(data, Tensor) and array is data._array) or not array.flags.owndata:
        array = array.copy()
    return _new(array, requires_grad)


def as_tensor(data, dtype=None, device=None) -> Tensor:
    """Like ``tensor`` but shares memory with a numpy array or tensor when no conversion is needed."""
    _check_device(device)
    if isinstance(data, Tensor) and (dtype is None or dtypes.to_dtype(dtype) == data.dtype):
        return data
    return _new(to_array(data, dtype), False)


def from_numpy(array: np.ndarray) -> Tensor:
    """A tensor sharing memory with ``array``: changing one changes the other."""
    if not isinstance(array, np.ndarray):
        raise TypeError(f"expected np.ndarray (got {type(array).__name__})")
    dtypes.from_numpy_dtype(array.dtype)
    return Tensor._wrap(array)


def _check_device(device) -> None:
    if device is not None and str(device) != "cpu":
        raise RuntimeError(f"glassgrad runs on the CPU only; device {device!r} is not available")


def _shape(size) -> tuple:
    """Accept zeros(2, 3), zeros((2, 3)), zeros([2, 3]) and zeros(Size)."""
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


def zeros(*size, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    _check_device(device)
    return _new(np.zeros(_shape(size), _float_dtype(dtype)), requires_grad)


def ones(*size, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    _check_device(device)
    return _new(np.ones(_shape(size), _float_dtype(dtype)), requires_grad)


def empty(*size, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """Uninitialised in PyTorch; zeros here (reading garbage memory teaches nothing)."""
    return zeros(*size, dtype=dtype, device=device, requires_grad=requires_grad)


def full(size, fill_value, *, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    _check_device(device)
    if dtype is None:  # PyTorch infers the dtype from the fill value
        dtype = (dtypes.bool if isinstance(fill_value, builtins.bool) else
                 dtypes.int64 if isinstance(fill_value, numbers.Integral) else None)
    return _new(np.full(_shape((size,)), fill_value, _float_dtype(dtype)), requires_grad)


def _like(t: Tensor, dtype) -> np.dtype:
    if not isinstance(t, Tensor):
        raise TypeError(f"expected a Tensor, got {type(t).__name__}")
    return dtypes.to_dtype(dtype).numpy if dtype is not None else t._array.dtype


def zeros_like(input: Tensor, *, dtype=None, device=None, requires_grad: bool = False) -> Tensor:  # noqa: A002
    return _new(np.zeros(input._array.shape, _like(input, dtype)), requires_grad)


def ones_like(input: Tensor, *, dtype=None, device=None, requires_grad: bool = False) -> Tensor:  # noqa: A002
    return _new(np.ones(input._array.shape, _like(input, dtype)), requires_grad)


def empty_like(input: Tensor, *, dtype=None, device=None, requires_grad: bool = False) -> Tensor:  # noqa: A002
    return zeros_like(input, dtype=dtype, requires_grad=requires_grad)


def full_like(input: Tensor, fill_value, *, dtype=None, device=None, requires_grad: bool = False  # noqa: A002
              ) -> Tensor:
    return _new(np.full(input._array.shape, fill_value, _like(input, dtype)), requires_grad)


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


def linspace(start, end, steps: int, *, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    _check_device(device)
    if steps < 0:
        raise RuntimeError("number of steps must be non-negative")
    return _new(np.linspace(start, end, steps).astype(_float_dtype(dtype)), requires_grad)


def eye(n: int, m: int | None = None, *, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    _check_device(device)
    return _new(np.eye(n, m, dtype=_float_dtype(dtype)), requires_grad)


# --- random numbers ----------------------------------------------------------------------------------
class Generator:
    """A source of random numbers, as ``torch.Generator``: ``g = Generator().manual_seed(0)``."""

    def __init__(self, device="cpu") -> None:
        _check_device(device)
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


def rand(*size, generator=None, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """Uniform on [0, 1)."""
    _check_device(device)
    return _new(_rng(generator).random(_shape(size)).astype(_float_dtype(dtype)), requires_grad)


def randn(*size, generator=None, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """Standard normal."""
    _check_device(device)
    return _new(_rng(generator).standard_normal(_shape(size)).astype(_float_dtype(dtype)), requires_grad)


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
    return rand(*input.shape, dtype=dtype or input.dtype, requires_grad=requires_grad)


def randn_like(input: Tensor, *, dtype=None, requires_grad: bool = False) -> Tensor:  # noqa: A002
    return randn(*input.shape, dtype=dtype or input.dtype, requires_grad=requires_grad)


def randint_like(input: Tensor, low, high=None, *, dtype=None) -> Tensor:  # noqa: A002
    return randint(low, high, tuple(input.shape), dtype=dtype or input.dtype)


def normal(mean, std, size=None, *, generator=None) -> Tensor:
    """Samples from N(mean, std²); mean and std may be numbers or tensors (broadcast)."""
    m = mean._array if isinstance(mean, Tensor) else mean
    s = std._array if isinstance(std, Tensor) else std
    shape = _shape((size,)) if size is not None else np.broadcast_shapes(np.shape(m), np.shape(s))
    sample = _rng(generator).normal(m, s, shape)
    dtype = next((t._array.dtype for t in (mean, std) if isinstance(t, Tensor)),
                 dtypes.get_default_dtype().numpy)
    return Tensor._wrap(np.asarray(sample, dtype=dtype))


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

