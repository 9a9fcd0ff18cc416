"""``glassgrad.random``: the random generator, as ``torch.random`` — PyTorch's own stream, number for number.

Part III. A ``Generator`` is the Mersenne Twister (mt19937) that PyTorch's CPU uses: 624 32-bit words of
state, seeded from one integer the classic way (``init_genrand``), giving one 32-bit word at a time. Every
random number glassgrad makes starts from those words, and ``sampling.py`` turns them into uniforms,
normals, permutations, ... with PyTorch's recipes. So after ``manual_seed(s)`` glassgrad and PyTorch print
the same numbers: ``Generator().manual_seed(2147483647)`` then ``rand(3, generator=g)`` gives
``tensor([0.7081, 0.3542, 0.1054])`` on both.

The words come from numpy's own MT19937 bit generator (the same algorithm, in C, with no Python loop):
we only hand it the seeded state and read its ``random_raw`` output. PyTorch's generator also remembers
one spare normal sample (Box–Muller makes two at a time); we keep it too, so the stream stays in step.

``get_state()`` is PyTorch's 5056-byte layout (a uint8 tensor): a state saved by either library can be
loaded by the other with ``set_state``.

Names and errors are PyTorch's: ``manual_seed``, ``seed``, ``initial_seed``, ``get_rng_state``,
``set_rng_state``, ``fork_rng``, ``default_generator``.
"""

from __future__ import annotations

import contextlib
import numbers
import secrets

import numpy as np

from glassgrad import dtypes
from glassgrad.devices import check_generator_device, device as _device
from glassgrad.tensor import Tensor

__all__ = ["Generator", "default_generator", "manual_seed", "seed", "initial_seed", "get_rng_state",
           "set_rng_state", "fork_rng"]

DEFAULT_SEED = 67280421310721   # what a new torch.Generator() starts from
STATE_WORDS = 624               # mt19937's state: 624 32-bit words

# PyTorch's CPUGeneratorImplState, byte for byte (its C struct, with the compiler's padding made explicit)
STATE_LAYOUT = np.dtype([
    ("the_initial_seed", "<u8"), ("left", "<i4"), ("seeded", "<i4"), ("next", "<u8"),
    ("state", "<u8", (STATE_WORDS,)),
    ("normal_x", "<f8"), ("normal_y", "<f8"), ("normal_rho", "<f8"), ("normal_is_valid", "<i4"),
    ("_pad", "<i4"), ("next_float_normal_sample", "<f4"), ("is_next_float_normal_sample_valid", "u1"),
    ("_pad2", "u1", (3,)),
])
assert STATE_LAYOUT.itemsize == 5056


def seeded_words(seed: int) -> np.ndarray:
    """mt19937's ``init_genrand``: word 0 is the seed's low 32 bits, word j = 1812433253·(w ^ w>>30) + j.

    numpy's legacy RandomState seeds with exactly this recipe; we read its state rather than loop here."""
    return np.random.RandomState(seed & 0xFFFF_FFFF).get_state()[1].astype(np.uint32)


class Generator:
    """A source of random numbers, as ``torch.Generator``: ``g = Generator().manual_seed(0)``.

    The state is the mt19937 engine (numpy's ``MT19937`` holding PyTorch's words), the seed it started
    from, and the spare normal sample Box–Muller left behind."""

    def __init__(self, device="cpu") -> None:
        check_generator_device(device)
        self.device = _device("cpu")
        self._bits = np.random.MT19937()
        self._draw = np.random.Generator(self._bits)  # for its uint32 output: one word per number
        self.manual_seed(DEFAULT_SEED)

    # --- seeding ----------------------------------------------------------------------------------
    def manual_seed(self, seed) -> "Generator":
        """Start over from ``seed``: any int in [-2⁶³, 2⁶⁴) (a negative one wraps to 64 bits)."""
        if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
            raise RuntimeError(f"manual_seed expected a long, but got {type(seed).__name__}")
        seed = int(seed)
        if not -2 ** 63 <= seed < 2 ** 64:
            raise ValueError("Overflow when unpacking long long")
        self._seed = seed & 0xFFFF_FFFF_FFFF_FFFF
        self._load_words(seeded_words(self._seed), pos=STATE_WORDS, fresh=True)
        self.next_double_normal = None   # Box–Muller's spare sample (PyTorch's next_double_normal_sample)
        self.next_float_normal = None    # its float twin: no CPU kernel sets it, but a loaded state may
        return self

    def seed(self) -> int:
        """Seed from the operating system's entropy and return that seed."""
        value = secrets.randbits(64)
        self.manual_seed(value)
        return value

    def initial_seed(self) -> int:
        return self._seed

    def _load_words(self, words: np.ndarray, pos: int, fresh: bool) -> None:
        self._bits.state = {"bit_generator": "MT19937", "state": {"key": words, "pos": pos}}
        self._fresh = fresh  # seeded and nothing drawn yet (PyTorch writes next=0 then, 624 later)

    # --- the raw stream ---------------------------------------------------------------------------
    def words(self, n: int) -> np.ndarray:
        """The next ``n`` 32-bit outputs (PyTorch's ``random()``), as a fresh uint32 array.

        (numpy's full-range uint32 integers are the engine's words themselves, one each, in order.)"""
        if n <= 0:
            return np.zeros(0, np.uint32)
        self._fresh = False
        return self._draw.integers(0, 1 << 32, size=n, dtype=np.uint32)

    def words64(self, n: int) -> np.ndarray:
        """The next ``n`` 64-bit outputs (PyTorch's ``random64()``): two words, the first one high."""
        w = self.words(2 * n)
        return (w[0::2].astype(np.uint64) << np.uint64(32)) | w[1::2]

    # --- state ------------------------------------------------------------------------------------
    def get_state(self) -> Tensor:
        """The whole state as PyTorch's 5056-byte ``CPUGeneratorImplState`` (a uint8 tensor)."""
        inner = self._bits.state["state"]
        record = np.zeros((), STATE_LAYOUT)
        record["the_initial_seed"] = self._seed
        pos = int(inner["pos"])
        record["left"] = STATE_WORDS + 1 - pos
        record["seeded"] = 1
        record["next"] = 0 if self._fresh else pos
        record["state"] = inner["key"].astype(np.uint64)
        if self.next_double_normal is not None:
            record["normal_is_valid"] = 1
            record["normal_y"] = self.next_double_normal
        if self.next_float_normal is not None:
            record["is_next_float_normal_sample_valid"] = 1
            record["next_float_normal_sample"] = self.next_float_normal
        return Tensor._wrap(np.frombuffer(record.tobytes(), np.uint8).copy())

    def set_state(self, new_state) -> "Generator":
        """Load a state from ``get_state`` (glassgrad's or PyTorch's: the bytes are the same)."""
        array = getattr(new_state, "_array", None)
        if array is None and type(new_state).__module__.startswith("torch"):
            array = new_state.numpy()  # a real PyTorch ByteTensor, in a process that has both
        if array is None or array.dtype != np.uint8:
            raise TypeError("RNG state must be a torch.ByteTensor")
        if array.size != STATE_LAYOUT.itemsize:
            raise RuntimeError(f"Expected a CPUGeneratorImplState of size {STATE_LAYOUT.itemsize} but found "
                               f"the input RNG state size to be {array.size}")
        record = np.frombuffer(np.ascontiguousarray(array).reshape(-1).tobytes(), STATE_LAYOUT)[0]
        left, nxt = int(record["left"]), int(record["next"])
        if not (record["seeded"] and 0 < left <= STATE_WORDS and nxt <= STATE_WORDS):
            raise RuntimeError("Invalid mt19937 state")
        self._seed = int(record["the_initial_seed"])
        # PyTorch draws word `next` after `left` reaches 0 and regenerates; numpy's `pos` is that index
        self._load_words((record["state"] & 0xFFFF_FFFF).astype(np.uint32), pos=STATE_WORDS + 1 - left,
                         fresh=nxt == 0 and left == 1)
        self.next_double_normal = float(record["normal_y"]) if record["normal_is_valid"] else None
        self.next_float_normal = (float(record["next_float_normal_sample"])
                                  if record["is_next_float_normal_sample_valid"] else None)
        return self

    def clone_state(self) -> "Generator":
        """A new generator in this one's state (the two then draw the same numbers independently)."""
        return Generator().set_state(self.get_state())

    def __deepcopy__(self, memo) -> "Generator":
        return self.clone_state()

    def get_offset(self) -> int:
        raise RuntimeError("CPU Generator does not use offset")

    def set_offset(self, offset: int) -> None:
        raise RuntimeError("CPU Generator does not use offset")

    def __repr__(self) -> str:
        where = "torch._C" if dtypes.SHOWN_AS == "torch" else "glassgrad"  # PyTorch's class is torch._C's
        return f"<{where}.Generator object at {id(self):#x}>"


# The global generator every function uses unless given one. PyTorch seeds it from the operating system
# when the process starts (so unseeded runs differ); manual_seed makes a run repeatable.
default_generator = Generator()
default_generator.seed()


def manual_seed(seed) -> Generator:
    """Reset the global generator: the same seed gives the same numbers (a float is cut to an int)."""
    return default_generator.manual_seed(int(seed) if isinstance(seed, float) else seed)


def seed() -> int:
    """Seed the global generator from the operating system's entropy; returns the seed."""
    return default_generator.seed()


def initial_seed() -> int:
    return default_generator.initial_seed()


def get_rng_state() -> Tensor:
    """The global generator's state (a uint8 tensor; ``set_rng_state`` puts it back)."""
    return default_generator.get_state()


def set_rng_state(new_state) -> None:
    default_generator.set_state(new_state)


@contextlib.contextmanager
def fork_rng(devices=None, enabled: bool = True, _caller: str = "fork_rng", _devices_kw: str = "devices",
             device_type: str = "cuda"):
    """``with fork_rng():`` — random numbers drawn inside do not change the global stream outside."""
    if not enabled:
        yield
        return
    saved = get_rng_state()
    try:
        yield
    finally:
        set_rng_state(saved)
