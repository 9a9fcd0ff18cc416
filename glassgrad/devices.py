"""Where a tensor lives: ``torch.device``, the default device, and what happens on a device glassgrad lacks.

Part III, read beside ``tensor.py`` (which imports ``device`` from here). glassgrad computes with numpy
on the CPU, so every tensor lives on ``cpu`` (or on ``meta``: a shape and a dtype without numbers,
meta.py). PyTorch programs still *name* other devices
(``device = "cuda" if torch.cuda.is_available() else "cpu"``), so this module behaves exactly as a
CPU-only build of PyTorch does on a machine without a GPU:

- ``device("cuda")``, ``device("mps")``, ``device("cuda:1")`` construct: a device is only a name;
- *using* one (``zeros(2, device="cuda")``, ``x.to("cuda")``, ``x.cuda()``) raises PyTorch's own error
  for a build without it: ``AssertionError: Torch not compiled with CUDA enabled`` for CUDA;
- ``set_default_device`` and ``with device(...):`` choose where factory functions put new tensors
  when no ``device=`` is given; naming ``cuda`` there is allowed, the factories then refuse.

``meta`` works as in PyTorch: ``zeros(2**40, device="meta")`` and ``with device("meta"): Net()`` make
tensors that know their shape and dtype and hold no numbers (meta.py).
"""

from __future__ import annotations

import re
import threading

__all__ = ["device", "set_default_device", "get_default_device", "default_device",
           "check_device_available", "check_generator_device", "accelerator_unavailable"]

# The device types PyTorch's parser knows, in the order its error message lists them.
DEVICE_TYPES = ("cpu", "cuda", "ipu", "xpu", "mkldnn", "opengl", "opencl", "ideep", "hip", "ve", "fpga",
                "maia", "xla", "lazy", "vulkan", "mps", "meta", "hpu", "mtia", "privateuseone")
_DEVICE_STRING = re.compile(r"([A-Za-z_]+)(?::(0|[1-9][0-9]*))?")


def accelerator_unavailable() -> RuntimeError:
    """PyTorch's error for an integer device (``device(0)``, ``x.to(0)``) when there is no accelerator."""
    return RuntimeError("Cannot access accelerator device when none is available.")


class device:  # noqa: N801 - PyTorch's name
    """A device name, as ``torch.device``: ``device("cpu")``, ``device("cuda", 1)``, ``device("cuda:1")``.

    Constructing any device PyTorch knows succeeds (it is only a name); glassgrad's tensors all live on
    ``cpu``, and creating or moving a tensor elsewhere raises what PyTorch without that device raises.
    Two devices are equal when type and index are ("cpu" and "cpu:0" differ, and a device never equals
    a string), as in PyTorch. ``with device("cpu"):`` makes it the default device inside the block."""

    __slots__ = ("type", "index", "_previous")

    def __init__(self, type, index=None) -> None:  # noqa: A002 - PyTorch's argument name
        if isinstance(type, device):
            type, index = type.type, type.index if index is None else index
        elif isinstance(type, int) and not isinstance(type, bool):
            if type < 0:
                raise RuntimeError("Device index must not be negative")
            raise accelerator_unavailable()
        elif not isinstance(type, str):
            name = "NoneType" if type is None else builtins_type(type).__name__
            raise TypeError(f"device() received an invalid combination of arguments - got ({name}), but "
                            f"expected one of:\n * (torch.device device)\n      didn't match because some "
                            f"of the arguments have invalid types: (!{name}!)\n * (str type, int index = -1)\n")
        else:
            type, parsed = _parse(type, index)
            index = parsed if index is None else index
        if index is not None:
            if isinstance(index, bool) or not isinstance(index, int):
                raise TypeError(f"device(): argument 'index' (position 2) must be int, not "
                                f"{builtins_type(index).__name__}")
            if index < 0:
                raise RuntimeError("Device index must not be negative")
        object.__setattr__(self, "type", type)
        object.__setattr__(self, "index", index)
        object.__setattr__(self, "_previous", [])

    def __setattr__(self, name, value):
        raise AttributeError(f"attribute '{name}' of 'torch.device' objects is not writable")

    def __repr__(self) -> str:
        index = "" if self.index is None else f", index={self.index}"
        return f"device(type='{self.type}'{index})"

    def __str__(self) -> str:
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __eq__(self, other):
        if not isinstance(other, device):
            return NotImplemented  # PyTorch: device("cpu") == "cpu" is False
        return self.type == other.type and self.index == other.index

    def __hash__(self) -> int:
        return hash((self.type, self.index))

    def __reduce__(self):
        return (device, (self.type, self.index))

    def __enter__(self) -> "device":
        """``with device("cpu"):`` — factory functions without ``device=`` put tensors here."""
        self._previous.append(getattr(_DEFAULT, "device", None))
        _DEFAULT.device = self
        return self

    def __exit__(self, *exc) -> None:
        _DEFAULT.device = self._previous.pop()


builtins_type = type  # `type` is shadowed inside device.__init__ by PyTorch's argument name


def _parse(text: str, index) -> tuple[str, int | None]:
    """``"cuda:1"`` -> ("cuda", 1), with PyTorch's errors for strings it does not accept."""
    if not text:
        raise RuntimeError("Device string must not be empty")
    match = _DEVICE_STRING.fullmatch(text)
    if match is None:
        raise RuntimeError(f"Invalid device string: '{text}'")
    if match[1] not in DEVICE_TYPES:
        raise RuntimeError(f"Expected one of {', '.join(DEVICE_TYPES)} device type at start of device "
                           f"string: {text}")
    if match[2] is not None and index is not None:
        raise RuntimeError(f"type (string) must not include an index because index was passed "
                           f"explicitly: {text}")
    return match[1], None if match[2] is None else int(match[2])


# --- the default device: set_default_device and `with device(...)` -------------------------------------
# Per thread, as PyTorch's (torch/__init__.py keeps it in a threading.local).
_DEFAULT = threading.local()
_CPU = device("cpu")


def set_default_device(device) -> None:  # noqa: A002 - PyTorch's argument name
    """Factory functions called without ``device=`` put their tensors on ``device`` (None: the CPU).

    As in PyTorch, any device name is accepted here; a factory then refuses one glassgrad lacks."""
    _DEFAULT.device = None if device is None else _as_device(device)


def get_default_device() -> device:
    """Where factory functions put new tensors: ``device(type='cpu')`` unless changed.

    PyTorch answers a device without an index by creating an empty tensor there, so for ``cuda`` it
    raises ``Torch not compiled with CUDA enabled``; glassgrad does the same."""
    current = getattr(_DEFAULT, "device", None)
    if current is None:
        return _CPU
    if current.index is not None:
        return current
    check_device_available(current)
    return _CPU if current.type == "cpu" else current


def default_device() -> device | None:
    """The default device set by ``set_default_device``/``with device(...)``, or None for the CPU."""
    return getattr(_DEFAULT, "device", None)


def _as_device(d) -> device:
    return d if isinstance(d, device) else device(d)


# --- using a device glassgrad does not have --------------------------------------------------------------
# PyTorch's own messages for a CPU-only build. "copying" is data that exists (torch.tensor(data),
# x.to(...)); otherwise a factory allocates (zeros, randn ...), which fails one step later for most types.
_NOT_COMPILED = {"cuda": "Torch not compiled with CUDA enabled", "xpu": "Torch not compiled with XPU enabled",
                 "mtia": "Torch not compiled with MTIA enabled. Ensure you have `import "
                         "mtia.host_runtime.torch_mtia.dynamic_library` in your python src file and include "
                         "`//mtia/host_runtime/torch_mtia:torch_mtia` as your target dependency!"}
_BACKEND_NAMES = {"mps": "MPS", "hip": "HIP", "ipu": "IPU", "xla": "XLA", "vulkan": "Vulkan", "lazy": "Lazy",
                  "maia": "MAIA", "ve": "VE", "fpga": "FPGA"}


def check_device_available(d, copying: bool = False) -> None:
    """Raise what PyTorch built for the CPU only raises when a tensor is put on device ``d``.

    ``cpu`` (any index) passes. CUDA: ``AssertionError: Torch not compiled with CUDA enabled``; MPS and
    the others: PyTorch's RuntimeError/NotImplementedError. ``meta`` passes: it exists (meta.py)."""
    if d == "cpu" or d is _CPU:  # the common case, without parsing
        return
    if isinstance(d, int) and not isinstance(d, bool):
        raise accelerator_unavailable()
    d = _as_device(d)
    kind = d.type
    if kind == "cpu":
        return
    if kind in _NOT_COMPILED:
        raise AssertionError(_NOT_COMPILED[kind])
    if kind == "meta":
        return
    if kind in _BACKEND_NAMES and (kind == "lazy" or not copying):
        raise NotImplementedError(
            f"Could not run 'aten::empty.memory_format' with arguments from the '{_BACKEND_NAMES[kind]}' "
            "backend. This could be because the operator doesn't exist for this backend, or was omitted "
            "during the selective/custom build process (if using custom build).")
    raise RuntimeError(f"PyTorch is not linked with support for {kind} devices")


def check_generator_device(d) -> None:
    """``Generator(device=...)``: PyTorch's errors for a generator on a device it was built without."""
    d = _as_device(d)
    if d.type == "cpu":
        return
    if d.type == "cuda":
        raise RuntimeError(
            "Cannot get CUDA generator without ATen_cuda library. PyTorch splits its backend into two shared "
            "libraries: a CPU library and a CUDA library; this error has occurred because you are trying to "
            "use some CUDA functionality, but the CUDA library has not been loaded by the dynamic linker for "
            "some reason.  The CUDA library MUST be loaded, EVEN IF you don't directly use any symbols from "
            "the CUDA library! One common culprit is a lack of -Wl,--no-as-needed in your link arguments; many "
            "dynamic linkers will delete dynamic library dependencies if you don't depend on any of their "
            "symbols.  You can check if this has occurred by using ldd on your binary to see if there is a "
            "dependency on *_cuda.so library.")
    if d.type == "mps":
        raise RuntimeError("Cannot execute getNewGenerator() without MPS backend.")
    raise RuntimeError(f"{d.type.upper()} device type not an accelerator.")
