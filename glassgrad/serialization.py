"""``glassgrad.save`` / ``glassgrad.load`` — checkpoints in a format that can't run code.

Part III, after ``optim``: how a trained model leaves the process and comes back. PyTorch's
``torch.save`` pickles, and unpickling a file can run any code its author chose; so glassgrad never
unpickles. A glassgrad file is a zip archive holding

    manifest.json      the saved object as JSON: dicts, lists, tuples, numbers, strings, None, with each
                       tensor replaced by a reference {"$type": "tensor", "index": 3}
    tensors/3.npy      that tensor's numbers, one ``.npy`` file each (numpy's format: a small text
                       header with dtype and shape, then the raw bytes)

Loading reads JSON (data, never code) and ``.npy`` with ``allow_pickle=False``, and checks everything
against everything else before trusting it: entry names, declared sizes against the archive's length,
the manifest's types, each tensor's dtype and shape against its header. Anything wrong raises
``UnsafeOrCorruptFile`` naming what, and nothing else escapes. A round trip is bit-exact: dtype, shape,
every bit of every number, ``requires_grad``, Parameter-ness, and a tensor saved twice loads as one tensor.

Two promises about resources:

- Saving to a path is atomic. The file is written beside the target under a temporary name, flushed and
  fsynced, then renamed over the target (``os.replace``) and the directory fsynced: at every instant the
  path holds the old checkpoint or the new one, whole, even if the process is killed mid-save.
- Loading budgets memory before it allocates. The manifest may be at most 4 MiB; all entries together may
  expand to at most ``max_bytes`` (by default 8x the file's size plus 1 MiB: our own files are stored
  uncompressed, so only a hand-made deflated file gets near it); each array is read straight into its final
  buffer a chunk at a time, so the peak is the tensors plus a constant. (Parsing the manifest's JSON
  costs up to ~35x its size in Python objects: ~140 MB for a 4 MiB manifest of nested empty lists.)

Byte order: arrays come back in the machine's native byte order, as ``torch.load`` returns them; a
big-endian file loads on a little-endian machine with its bytes swapped in place.
"""

from __future__ import annotations

import contextlib
import errno
import io
import json
import math
import os
import pickle  # only for its UnpicklingError, the exception PyTorch's refusals raise
import re
import sys
import types
import secrets
import stat
import struct
import tokenize
import zipfile
import zlib
from collections import OrderedDict

import numpy as np

from glassgrad import devices, dtypes
from glassgrad.nn.module import Module
from glassgrad.nn.parameter import Parameter
from glassgrad.optim.optimizer import Optimizer
from glassgrad.tensor import Size, Tensor

__all__ = ["save", "load", "UnsafeOrCorruptFile", "safe_globals", "add_safe_globals", "get_safe_globals",
           "clear_safe_globals"]

FORMAT = "glassgrad.save"
VERSION = 1
_MANIFEST = "manifest.json"
_TENSOR_NAME = re.compile(r"tensors/(0|[1-9][0-9]{0,8})\.npy")
_MAX_MANIFEST = 4 << 20       # bytes: ~200 a tensor, so ~20,000 tensors; the numbers live in tensors/
_MAX_DEFLATE_RATIO = 1100     # deflate cannot expand more than ~1032x: a larger claim is a lie
_BUDGET_PER_FILE_BYTE = 8     # default max_bytes: 8x the file's size ...
_BUDGET_SLACK = 1 << 20       # ... plus 1 MiB, so a tiny file may still hold a deflated manifest
_MAX_DIMS = 64                # numpy's limit on ndim
_CHUNK = 1 << 20              # arrays are read this many bytes at a time, straight into place
_ALLOWED_KINDS = "biuf"       # bool, signed and unsigned ints, floats: never objects, strings, voids
_DATE = (1980, 1, 1, 0, 0, 0)  # fixed timestamps: the same object always gives the same bytes

PICKLE_MESSAGE = ("this looks like a PyTorch pickle checkpoint; glassgrad never unpickles; export with "
                  "safetensors instead (see glassgrad.interop)")


class UnsafeOrCorruptFile(RuntimeError):
    """The file is not a valid glassgrad checkpoint (truncated, corrupt, or built to do harm)."""


# --- saving ------------------------------------------------------------------------------------------
def save(obj, f, pickle_module=None, pickle_protocol: int = 2, _use_new_zipfile_serialization: bool = True,
         _disable_byteorder_record: bool = False) -> None:
    """Write ``obj`` to ``f`` (a path or a binary file object) in glassgrad's safe format.

    ``obj`` may nest dicts (any order; keys str/int/float/bool/None/tuple), OrderedDicts, lists, tuples,
    ``None``, bools, ints, floats, strings, tensors and Parameters, numpy arrays and scalars, dtypes and
    ``Size``. PyTorch's ``pickle_module``/``pickle_protocol`` arguments are accepted and ignored.
    """
    if pickle_module is not None:
        raise ValueError("glassgrad.save never pickles; pickle_module must be None")
    writer = _Encoder()
    try:
        manifest = {"format": FORMAT, "version": VERSION, "object": writer.encode(obj),
                    "tensors": writer.entries}
    except RecursionError:
        raise ValueError("glassgrad.save: the object is nested too deeply to save") from None
    text = json.dumps(manifest, allow_nan=False, ensure_ascii=False).encode("utf-8")
    if isinstance(f, (str, os.PathLike)):
        _save_atomically(os.fspath(f), text, writer.arrays)
    elif hasattr(f, "write"):
        _write_zip(f, text, writer.arrays)
    else:
        raise TypeError(f"save: f must be a path or a binary file object, got {type(f).__name__}")


def _save_atomically(path: str, manifest: bytes, arrays: list) -> None:
    """Write beside ``path``, then rename over it: at every instant ``path`` holds the old file or the new
    one, whole. A crash mid-save leaves at worst a stray ``.<name>.<random>.tmp`` beside it."""
    target = os.path.realpath(path)  # through a symlink to the file it names, as open(path, "wb") writes
    directory = os.path.dirname(target)
    if not os.path.isdir(directory):
        raise RuntimeError(f"Parent directory {os.path.dirname(path)} does not exist.")  # torch's words
    if os.path.isdir(target):  # before any work, naming the path given (not the temporary file)
        raise IsADirectoryError(errno.EISDIR, "save: the path is a directory, not a file", path)
    temp, fh = _create_temp_beside(target)
    try:
        with fh:
            _write_zip(fh, manifest, arrays)
            fh.flush()
            os.fsync(fh.fileno())  # the bytes are on disk before the name points at them
        with contextlib.suppress(FileNotFoundError):  # overwriting keeps the old file's permissions
            os.chmod(temp, stat.S_IMODE(os.stat(target).st_mode))
        os.replace(temp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise
    _fsync_directory(directory)


def _create_temp_beside(target: str):
    """A new file next to ``target`` (same directory, so the rename is atomic), made with the mode
    ``open(target, "wb")`` would give it (0o666 less the umask)."""
    directory, name = os.path.split(target)
    for _ in range(100):
        temp = os.path.join(directory, f".{name}.{secrets.token_hex(8)}.tmp")
        try:
            fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
        except FileExistsError:
            continue
        return temp, os.fdopen(fd, "wb")
    raise FileExistsError(f"could not create a temporary file beside {target}")


def _fsync_directory(directory: str) -> None:
    """Make the rename itself durable. POSIX only: elsewhere a directory can't be opened this way."""
    if os.name != "posix":
        return
    fd = os.open(directory, os.O_RDONLY)
    try:
        with contextlib.suppress(OSError):  # a few filesystems can't fsync a directory; the rename stands
            os.fsync(fd)
    finally:
        os.close(fd)


def _write_zip(fh, manifest: bytes, arrays: list) -> None:
    with zipfile.ZipFile(fh, "w", compression=zipfile.ZIP_STORED) as zf:
        zf.writestr(zipfile.ZipInfo(_MANIFEST, _DATE), manifest)
        for i, array in enumerate(arrays):
            with zf.open(zipfile.ZipInfo(f"tensors/{i}.npy", _DATE), "w",
                         force_zip64=array.nbytes > (1 << 30)) as out:
                np.lib.format.write_array(out, array, allow_pickle=False)


class _Encoder:
    """Python object -> JSON-able structure; arrays collected in ``arrays``, described in ``entries``."""

    def __init__(self) -> None:
        self.arrays: list[np.ndarray] = []
        self.entries: list[dict] = []
        self._seen: dict[int, int] = {}  # id(tensor) -> index, so a shared tensor is stored once
        self._keep: list = []            # keep saved objects alive so their ids stay unique
        self._objects: dict[int, int] = {}  # id(module or plain object) -> its id in the manifest

    def _array(self, obj, array: np.ndarray, entry: dict) -> dict:
        key = id(obj)
        if key not in self._seen:
            stored_as = None
            if array.dtype == dtypes.BFLOAT16:  # npy has no bfloat16: its 16 bits, stored as uint16
                array, stored_as = array.view(np.uint16), "bfloat16"
            if array.dtype.kind not in _ALLOWED_KINDS or array.dtype.fields is not None:
                raise TypeError(f"glassgrad.save can't store arrays of dtype {array.dtype}: only bool, "
                                "integer and floating-point numbers")
            if not array.dtype.isnative:  # store native byte order, so the file reads back as saved
                array = array.astype(array.dtype.newbyteorder("="))
            if not array.flags.c_contiguous:  # C order on disk, so loading needs no second copy
                array = array.copy(order="C")
            self._seen[key] = len(self.arrays)
            self._keep.append(obj)
            self.arrays.append(array)
            self.entries.append({"dtype": stored_as or array.dtype.str, "shape": list(array.shape), **entry})
        return {"$type": "tensor", "index": self._seen[key]}

    def encode(self, obj):
        if obj is None or isinstance(obj, (bool, str)):
            return obj
        if isinstance(obj, Tensor):
            kind = "parameter" if isinstance(obj, Parameter) else "tensor"
            return self._array(obj, obj._array, {"kind": kind, "requires_grad": obj._requires_grad})
        if isinstance(obj, np.ndarray):
            return self._array(obj, obj, {"kind": "ndarray"})
        if isinstance(obj, (np.bool_, np.number)):
            return self._array(obj, np.asarray(obj), {"kind": "numpy_scalar"})
        if isinstance(obj, int):
            return int(obj)
        if isinstance(obj, float):
            if math.isfinite(obj):
                return float(obj)
            return {"$type": "float", "value": repr(float(obj))}  # 'nan', 'inf', '-inf'
        if isinstance(obj, dtypes.dtype):
            return {"$type": "dtype", "name": obj.name}
        if isinstance(obj, Size):
            return {"$type": "size", "items": [int(s) for s in obj]}
        if isinstance(obj, dict):
            return {"$type": "dict", "ordered": isinstance(obj, OrderedDict),
                    "items": [[self._key(k), self.encode(v)] for k, v in obj.items()]}
        if type(obj) is list:
            return [self.encode(v) for v in obj]
        if type(obj) is tuple:
            return {"$type": "tuple", "items": [self.encode(v) for v in obj]}
        if type(obj) in (set, frozenset):
            return {"$type": "set", "frozen": type(obj) is frozenset, "items": [self.encode(v) for v in obj]}
        if isinstance(obj, devices.device):
            return {"$type": "device", "name": str(obj)}
        if isinstance(obj, (type, types.FunctionType, types.BuiltinFunctionType)):
            return _global_name(obj)
        if isinstance(obj, Optimizer):
            raise TypeError(f"glassgrad.save can't store a whole optimizer ({type(obj).__name__}); save "
                            "its state_dict instead: glassgrad.save(optimizer.state_dict(), f), and to "
                            "load, build the optimizer again and call optimizer.load_state_dict(...)")
        if isinstance(obj, Module) or _is_plain_object(obj):
            return self._object(obj)
        raise TypeError(f"glassgrad.save can't store a {type(obj).__name__}: it saves tensors, numpy "
                        "arrays, dicts, lists, tuples, sets, numbers, strings, None, dtypes, devices, Size, "
                        "and whole nn.Modules (and plain objects they hold) as their class's name plus "
                        "their attributes; nothing that would need pickle")

    def _object(self, obj) -> dict:
        """A whole module (or a plain object it holds, say a config dataclass): its class by name and its
        attributes (``__dict__``), as pickle records it, so loading can rebuild it without running its
        ``__init__``. An object reached twice is stored once; the second time as a reference."""
        key = id(obj)
        if key in self._objects:
            return {"$type": "ref", "id": self._objects[key]}
        self._objects[key] = len(self._objects)
        self._keep.append(obj)
        return {"$type": "object", "id": self._objects[key], "class": _global_name(type(obj)),
                "state": self.encode(dict(vars(obj)))}

    def _key(self, k):
        if k is None or isinstance(k, (bool, int, float, str)) or type(k) is tuple:
            return self.encode(k)
        raise TypeError(f"glassgrad.save can't store a dict key of type {type(k).__name__}")


def _global_name(obj) -> dict:
    """A class or function as pickle names it: the module it lives in and its qualified name. Local
    classes and lambdas have no such name, so they can't be saved (PyTorch can't pickle them either)."""
    module, name = getattr(obj, "__module__", None), getattr(obj, "__qualname__", None)
    if not isinstance(module, str) or not isinstance(name, str) or "<" in name:
        raise TypeError(f"glassgrad.save can't store {obj!r}: only classes and functions defined at the top "
                        "level of a module can be saved, by name (a lambda or a class defined inside a "
                        "function has none)")
    return {"$type": "global", "module": module, "name": name}


def _is_plain_object(obj) -> bool:
    """An instance of an ordinary Python class: all its state in ``__dict__``, no ``__slots__``, and
    nothing that saving by ``__dict__`` would get wrong (``_builds_plainly``)."""
    cls = type(obj)
    if not hasattr(obj, "__dict__") or cls.__module__ == "builtins" or isinstance(obj, type):
        return False
    if any("__slots__" in vars(k) for k in cls.__mro__[:-1]):
        return False
    return _builds_plainly(cls)


def _builds_plainly(cls) -> bool:
    """No custom pickling (``__reduce__``, ``__getstate__``, ``__setstate__``) and no ``__new__`` of its
    own: saving its ``__dict__`` and rebuilding with ``object.__new__`` gives the same object. Saving and
    loading ask the same question."""
    return all(getattr(cls, name, None) is getattr(object, name, None)
               for name in ("__reduce__", "__reduce_ex__", "__getstate__", "__setstate__", "__new__"))


# --- PyTorch's allow-list for weights_only loading ---------------------------------------------------
# A whole module is saved as its class's name and its attributes. torch.load(weights_only=True), the
# default, refuses a class or function that is not on an allow-list; a program adds its own with these.
# glassgrad keeps the same list and the same rule. The list holds the objects themselves, so a name in
# a file is matched against names of objects the program handed over: nothing is looked up or imported.
_SAFE_GLOBALS: list = []


def add_safe_globals(safe_globals: list) -> None:
    """Allow ``torch.load(weights_only=True)`` to rebuild these classes (and refer to these functions).
    An entry may also be ``(obj, "module.Name")``, naming it as the file names it."""
    _SAFE_GLOBALS.extend(safe_globals)


def get_safe_globals() -> list:
    """The allow-list that ``add_safe_globals`` built (a copy)."""
    return list(_SAFE_GLOBALS)


def clear_safe_globals() -> None:
    """Empty the allow-list."""
    _SAFE_GLOBALS.clear()


class safe_globals:  # noqa: N801 -- PyTorch's name for this context manager
    """``with safe_globals([cls, ...]):`` — the allow-list extended inside the block, as PyTorch's."""

    def __init__(self, safe_globals: list) -> None:
        self.safe_globals = safe_globals

    def __enter__(self) -> None:
        self._saved = list(_SAFE_GLOBALS)
        _SAFE_GLOBALS.extend(self.safe_globals)

    def __exit__(self, *exc) -> None:
        _SAFE_GLOBALS[:] = self._saved


def _allowed_by_name() -> dict:
    """The allow-list as {"module.Qualname": object}."""
    named = {}
    for entry in _SAFE_GLOBALS:
        if isinstance(entry, tuple) and len(entry) == 2 and isinstance(entry[1], str):
            named[entry[1]] = entry[0]
        elif hasattr(entry, "__module__") and hasattr(entry, "__qualname__"):
            named[f"{entry.__module__}.{entry.__qualname__}"] = entry
    return named


def _weights_only_refusal(name: str) -> pickle.UnpicklingError:
    """PyTorch's words (2.13) when weights_only=True meets a class that is not allowed."""
    return pickle.UnpicklingError(
        "Weights only load failed. This file can still be loaded, to do so you have two options, do those "
        "steps only if you trust the source of the checkpoint. \n\t(1) In PyTorch 2.6, we changed the "
        "default value of the `weights_only` argument in `torch.load` from `False` to `True`. Re-running "
        "`torch.load` with `weights_only` set to `False` will likely succeed, but it can result in arbitrary "
        "code execution. Do it only if you got the file from a trusted source.\n\t(2) Alternatively, to "
        "load with `weights_only=True` please check the recommended steps in the following error message."
        f"\n\tWeightsUnpickler error: Unsupported global: GLOBAL {name} was not an allowed global by "
        f"default. Please use `torch.serialization.add_safe_globals([{name}])` or the "
        f"`torch.serialization.safe_globals([{name}])` context manager to allowlist this global if you "
        "trust this class/function.\n\nCheck the documentation of torch.load to learn more about types "
        "accepted by default with weights_only https://pytorch.org/docs/stable/generated/torch.load.html."
        "\n(help: glassgrad never runs anything from a file, even with weights_only=False: a class is found by "
        "name among the modules your program has already imported, and rebuilt from its saved attributes)")


# --- loading -----------------------------------------------------------------------------------------
def load(f, map_location=None, pickle_module=None, *, weights_only: bool | None = None,
         mmap: bool | None = None, max_bytes: int | None = None, **pickle_load_args):
    """Read an object written by ``glassgrad.save`` from ``f`` (a path or a binary file object).

    PyTorch's arguments are accepted: ``map_location`` may name the CPU (glassgrad has no other device);
    ``mmap`` changes nothing (arrays are read into memory).

    A whole module saved with ``glassgrad.save(model, f)`` comes back as PyTorch's does: by default
    (``weights_only=True``) only if its classes are on the allow-list (``add_safe_globals``,
    ``with safe_globals([...])``), otherwise ``pickle.UnpicklingError`` with PyTorch's words; with
    ``weights_only=False``, any ``nn.Module`` class the program has already imported. Either way nothing in
    the file runs: classes are never imported, ``__init__`` is never called (the object is made with
    ``object.__new__`` and given its saved attributes), and a function is only referred to if it is
    allowed, is glassgrad's, or lives in the same module as one of the file's module classes.

    ``max_bytes`` (glassgrad's own) caps how many bytes the archive's entries may expand to; by default
    8x the file's size plus 1 MiB. A file that isn't a valid glassgrad checkpoint, or that would expand
    past the cap, raises ``UnsafeOrCorruptFile`` naming what is wrong, before anything large is allocated.
    """
    _check_map_location(map_location)
    if pickle_module is not None:
        raise ValueError("glassgrad.load never unpickles; pickle_module must be None")
    if max_bytes is not None:
        if isinstance(max_bytes, bool) or not isinstance(max_bytes, int):
            raise TypeError(f"load: max_bytes must be an int or None, got {type(max_bytes).__name__}")
        if max_bytes < 0:
            raise ValueError(f"load: max_bytes must be non-negative, got {max_bytes}")
    trust = weights_only is False
    if isinstance(f, (str, os.PathLike)):
        with open(f, "rb") as fh:
            return _load(fh, max_bytes, trust)
    if hasattr(f, "read"):
        if not (hasattr(f, "seek") and f.seekable()):
            f = io.BytesIO(f.read())
        return _load(f, max_bytes, trust)
    raise TypeError(f"load: f must be a path or a binary file object, got {type(f).__name__}")


def _check_map_location(map_location) -> None:
    if map_location is None or callable(map_location) or isinstance(map_location, dict):
        return
    if str(map_location) != "cpu":
        raise RuntimeError(f"glassgrad runs on the CPU only; map_location={map_location!r} is not available")


# What a corrupt archive can make zipfile, zlib, json or numpy raise; load turns each into
# UnsafeOrCorruptFile (a flipped bit in a zip header, say, raises NotImplementedError deep in zipfile).
_CORRUPT = (ValueError, TypeError, KeyError, IndexError, OverflowError, NotImplementedError, EOFError,
            OSError, zlib.error, struct.error, zipfile.BadZipFile, zipfile.LargeZipFile)


def _load(fh, max_bytes: int | None, trust: bool):
    start = fh.tell()
    size = fh.seek(0, io.SEEK_END) - start
    fh.seek(start)
    head = fh.read(64)
    fh.seek(start)
    _refuse_foreign(head)
    if max_bytes is None:
        budget = _Budget(_BUDGET_PER_FILE_BYTE * size + _BUDGET_SLACK,
                         f"{_BUDGET_PER_FILE_BYTE}x the file's {size} bytes plus 1 MiB; pass max_bytes= to "
                         "allow more")
    else:
        budget = _Budget(max_bytes, "max_bytes")
    try:
        return _read_archive(fh, budget, trust)
    except _CORRUPT as e:
        raise UnsafeOrCorruptFile(f"not a valid glassgrad checkpoint (corrupt or truncated: "
                                  f"{type(e).__name__}: {e})") from None


class _Budget:
    """How many bytes the archive's entries may expand to, and where that number came from."""

    def __init__(self, limit: int, source: str) -> None:
        self.limit, self.source = limit, source


def _read_archive(fh, budget: _Budget, trust: bool):
    try:
        zf = zipfile.ZipFile(fh)
    except _CORRUPT as e:
        raise UnsafeOrCorruptFile(f"not a valid glassgrad checkpoint (corrupt or truncated zip: {e})"
                                  ) from None
    with zf:
        infos = _check_entries(zf, fh, budget)
        manifest = _read_manifest(zf, infos)
        reader = _Decoder(zf, infos, manifest["tensors"], trust)
        try:
            return reader.decode(manifest["object"])
        except RecursionError:
            raise UnsafeOrCorruptFile("manifest is nested too deeply") from None


def _refuse_foreign(head: bytes) -> None:
    """Name the common wrong files before treating them as zips: pickles, safetensors, bare .npy."""
    if not head:
        raise UnsafeOrCorruptFile("the file is empty")
    if head[:1] == b"\x80":  # the PROTO opcode that starts every pickle since protocol 2
        raise UnsafeOrCorruptFile(PICKLE_MESSAGE)
    if head[:6] == b"\x93NUMPY":
        raise UnsafeOrCorruptFile("this is a bare .npy file, not a glassgrad checkpoint; read it with "
                                  "numpy.load(path, allow_pickle=False)")
    if len(head) >= 9 and head[8:9] == b"{" and head[:4] != b"PK\x03\x04":
        raise UnsafeOrCorruptFile("this looks like a safetensors file; read it with "
                                  "glassgrad.interop.load_safetensors(path)")


def _check_entries(zf: zipfile.ZipFile, fh, budget: _Budget) -> dict:
    """Every entry must be one we write, declared sizes must fit in the archive and in the memory budget,
    no name twice. zipfile never inflates an entry past its declared size, so checking the declarations
    bounds what reading can allocate."""
    end = fh.seek(0, io.SEEK_END)
    infos = {}
    names = [i.filename for i in zf.infolist()]
    if any(n.endswith(".pkl") or n.endswith("/version") or n == "version" for n in names):
        raise UnsafeOrCorruptFile(PICKLE_MESSAGE)
    for info in zf.infolist():
        name = info.filename
        if name != _MANIFEST and not _TENSOR_NAME.fullmatch(name):
            raise UnsafeOrCorruptFile(f"unexpected entry {name!r} in the archive (a glassgrad checkpoint "
                                      f"holds only {_MANIFEST} and tensors/<n>.npy)")
        if name in infos:
            raise UnsafeOrCorruptFile(f"entry {name!r} appears twice in the archive")
        if info.flag_bits & 0x1:
            raise UnsafeOrCorruptFile(f"entry {name!r} is encrypted")
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise UnsafeOrCorruptFile(f"entry {name!r} uses an unsupported compression method")
        if info.header_offset + info.compress_size > end:
            raise UnsafeOrCorruptFile(f"entry {name!r} claims {info.compress_size} bytes but the file "
                                      "ends before them (truncated?)")
        limit = info.compress_size if info.compress_type == zipfile.ZIP_STORED \
            else info.compress_size * _MAX_DEFLATE_RATIO + 1024
        if info.file_size > limit:
            raise UnsafeOrCorruptFile(f"entry {name!r} claims to expand to {info.file_size} bytes from "
                                      f"{info.compress_size}: impossible (a zip bomb?)")
        infos[name] = info
    if _MANIFEST not in infos:
        raise UnsafeOrCorruptFile(f"not a glassgrad checkpoint: the archive has no {_MANIFEST}")
    total = sum(info.file_size for info in infos.values())
    if total > budget.limit:
        raise UnsafeOrCorruptFile(f"the archive's entries expand to {total} bytes, more than the "
                                  f"{budget.limit} allowed ({budget.source})")
    return infos


def _read_entry(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    try:
        with zf.open(info) as src:
            data = src.read(info.file_size + 1)
    except (*_CORRUPT, RuntimeError) as e:
        raise UnsafeOrCorruptFile(f"entry {info.filename!r} is corrupt: {e}") from None
    if len(data) != info.file_size:
        raise UnsafeOrCorruptFile(f"entry {info.filename!r} is corrupt: size differs from its header")
    return data


def _reject_constant(name: str):
    raise ValueError(f"{name} is not allowed")


def _read_manifest(zf: zipfile.ZipFile, infos: dict) -> dict:
    info = infos[_MANIFEST]
    if info.file_size > _MAX_MANIFEST:
        raise UnsafeOrCorruptFile(f"{_MANIFEST} is {info.file_size} bytes; that is not a manifest")
    try:
        manifest = json.loads(_read_entry(zf, info).decode("utf-8"), parse_constant=_reject_constant)
    except (UnicodeDecodeError, ValueError, RecursionError) as e:
        raise UnsafeOrCorruptFile(f"{_MANIFEST} is not valid JSON: {e}") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise UnsafeOrCorruptFile(f"not a glassgrad checkpoint ({_MANIFEST} has no format={FORMAT!r})")
    if type(manifest.get("version")) is not int or manifest["version"] != VERSION:  # not True, not 1.0
        raise UnsafeOrCorruptFile(f"unsupported glassgrad checkpoint version {manifest.get('version')!r} "
                                  f"(this glassgrad reads version {VERSION})")
    if set(manifest) != {"format", "version", "object", "tensors"} \
            or not isinstance(manifest["tensors"], list):
        raise UnsafeOrCorruptFile(f"{_MANIFEST} has the wrong fields: {sorted(manifest)}")
    return manifest


def _bad(why: str):
    raise UnsafeOrCorruptFile(f"{_MANIFEST} is malformed: {why}")


class _Decoder:
    """JSON structure -> Python objects; tensors read lazily from their .npy entry, each at most once."""

    def __init__(self, zf: zipfile.ZipFile, infos: dict, entries: list, trust: bool = False) -> None:
        self.zf, self.infos, self.entries = zf, infos, entries
        self.loaded: dict[int, object] = {}
        self.trust = trust                  # weights_only=False: Module classes found among sys.modules
        self.allowed = _allowed_by_name()   # the allow-list, by the names files use
        self.objects: dict[int, object] = {}  # manifest id -> the rebuilt object (for "ref" nodes)
        self.home_modules: set[str] = set()   # modules of the file's Module classes: their functions may be named

    def decode(self, node):
        if node is None or isinstance(node, (bool, str, int)):
            return node
        if isinstance(node, float):
            return node
        if isinstance(node, list):
            node[:] = [self.decode(v) for v in node]  # in place: json.loads made this list for us alone
            return node
        if not isinstance(node, dict):
            _bad(f"unexpected value {node!r}")
        kind = node.get("$type")
        if kind == "tensor":
            _fields(node, "index")
            return self.tensor(node["index"])
        if kind == "tuple":
            _fields(node, "items")
            return tuple(self.decode(v) for v in _list(node["items"]))
        if kind == "dict":
            _fields(node, "ordered", "items")
            out = OrderedDict() if node["ordered"] is True else {}
            for pair in _list(node["items"]):
                if not isinstance(pair, list) or len(pair) != 2:
                    _bad("a dict item is not a [key, value] pair")
                key = self.decode(pair[0])
                try:
                    hash(key)
                except TypeError:
                    _bad(f"a dict key of type {type(key).__name__}")
                if isinstance(key, Tensor):
                    _bad("a tensor as a dict key")
                out[key] = self.decode(pair[1])
            return out
        if kind == "float":
            _fields(node, "value")
            if node["value"] not in ("nan", "inf", "-inf"):
                _bad(f"float value {node['value']!r}")
            return float(node["value"])
        if kind == "dtype":
            _fields(node, "name")
            if not isinstance(node["name"], str) or node["name"] not in dtypes._BY_NAME:
                _bad(f"unknown dtype {node['name']!r}")
            return dtypes.to_dtype(node["name"])
        if kind == "size":
            _fields(node, "items")
            items = _list(node["items"])
            if not all(type(s) is int and s >= 0 for s in items):
                _bad("a Size holding something other than non-negative ints")
            return Size(items)
        if kind == "set":
            _fields(node, "frozen", "items")
            if node["frozen"] is True and not self.trust and "builtins.frozenset" not in self.allowed:
                raise _weights_only_refusal("frozenset")  # PyTorch allows set by default, not frozenset
            items = [self.decode(v) for v in _list(node["items"])]
            try:
                return frozenset(items) if node["frozen"] is True else set(items)
            except TypeError:
                _bad("a set holding an unhashable item")
        if kind == "device":
            _fields(node, "name")
            if not isinstance(node["name"], str):
                _bad("a device name that is not a string")
            try:
                return devices.device(node["name"])
            except (RuntimeError, TypeError) as e:
                _bad(f"device {node['name']!r}: {e}")
        if kind == "global":
            return self.global_(node, want_class=False)
        if kind == "object":
            return self.object_(node)
        if kind == "ref":
            _fields(node, "id")
            if type(node["id"]) is not int or node["id"] not in self.objects:
                _bad(f"a reference to object {node['id']!r}, which comes later or not at all")
            return self.objects[node["id"]]
        _bad(f"unknown $type {kind!r}")

    def object_(self, node: dict):
        """A whole module (or plain object): made without ``__init__``, then given its attributes."""
        _fields(node, "id", "class", "state")
        if type(node["id"]) is not int or node["id"] in self.objects:
            _bad(f"object id {node['id']!r} is not a new integer")
        if not isinstance(node["class"], dict) or node["class"].get("$type") != "global":
            _bad("an object whose class is not a class name")
        cls = self.global_(node["class"], want_class=True)
        try:
            obj = object.__new__(cls)
        except TypeError as e:
            _bad(f"{cls.__qualname__} can't be rebuilt from its attributes: {e}")
        self.objects[node["id"]] = obj  # before its state, so a module that refers to itself loads
        state = self.decode(node["state"])
        if not isinstance(state, dict) or not all(isinstance(k, str) for k in state):
            _bad(f"the attributes of a {cls.__qualname__} are not a dict of names")
        vars(obj).update(state)  # straight into __dict__: no __setattr__ of the class runs
        return obj

    def global_(self, node: dict, want_class: bool):
        """The class or function a file names, if it may be used: on the allow-list (always), or with
        ``weights_only=False`` an ``nn.Module`` class (or plain class) from a module already imported, or a
        function of glassgrad or of a module that one of the file's module classes comes from. Nothing is
        ever imported."""
        _fields(node, "module", "name")
        module, name = node["module"], node["name"]
        if not isinstance(module, str) or not isinstance(name, str):
            _bad("a class or function name that is not a string")
        full = f"{module}.{name}"
        if full in self.allowed:
            obj = self.allowed[full]
        elif not self.trust:
            raise _weights_only_refusal(full)
        else:
            obj = _find(module, name)
            if not self._may_use(obj, module):
                raise pickle.UnpicklingError(
                    f"glassgrad.load refuses {full}: with weights_only=False a file may name nn.Module "
                    "classes (and plain classes), and functions of glassgrad or of a module that defines one "
                    "of its module classes; add it with torch.serialization.add_safe_globals([...]) if you "
                    "trust it")
        if want_class:
            if not isinstance(obj, type) or issubclass(obj, type):
                _bad(f"{full} is not a class")
            if issubclass(obj, Module):
                self.home_modules.add(module)
        return obj

    def _may_use(self, obj, module: str) -> bool:
        """weights_only=False's rule. A class with ``__del__`` is never rebuilt: its finalizer would run
        on attributes the file chose (a classic pickle gadget)."""
        own = module == "glassgrad" or module.startswith("glassgrad.") or module in self.home_modules
        if isinstance(obj, type):
            if issubclass(obj, type) or any("__del__" in vars(k) for k in obj.__mro__):
                return False
            if issubclass(obj, Module):
                return True
            return own and _builds_plainly(obj)
        return own and isinstance(obj, (types.FunctionType, types.BuiltinFunctionType))

    def tensor(self, index):
        if type(index) is not int or not 0 <= index < len(self.entries):
            _bad(f"tensor index {index!r} out of range (the manifest lists {len(self.entries)} tensors)")
        if index not in self.loaded:
            self.loaded[index] = self._read_tensor(index)
        return self.loaded[index]

    def _read_tensor(self, index: int):
        entry = self.entries[index]
        if not isinstance(entry, dict):
            _bad(f"tensor entry {index} is not an object")
        kind = entry.get("kind")
        expected = {"tensor": {"dtype", "shape", "kind", "requires_grad"},
                    "parameter": {"dtype", "shape", "kind", "requires_grad"},
                    "ndarray": {"dtype", "shape", "kind"}, "numpy_scalar": {"dtype", "shape", "kind"}}
        if not isinstance(kind, str) or kind not in expected or set(entry) != expected[kind]:
            _bad(f"tensor entry {index} has fields {sorted(entry)} (kind {kind!r})")
        name = f"tensors/{index}.npy"
        if name not in self.infos:
            raise UnsafeOrCorruptFile(f"{_MANIFEST} references {name}, which is not in the archive "
                                      "(truncated or edited file?)")
        array = _read_npy(self.zf, self.infos[name])
        shape = entry["shape"]
        bits = entry["dtype"] == "bfloat16"  # bfloat16's 16 bits, stored as uint16
        if not isinstance(shape, list) or not all(type(d) is int for d in shape) or [*array.shape] != shape \
                or array.dtype.str != ("<u2" if bits else entry["dtype"]):
            raise UnsafeOrCorruptFile(f"{name} holds {array.dtype.str} {list(array.shape)} but "
                                      f"{_MANIFEST} says {entry['dtype']!r} {shape!r}")
        array = _to_native(array)
        if bits:
            if dtypes.BFLOAT16 is None:
                raise UnsafeOrCorruptFile(f"{name} holds bfloat16 numbers: pip install ml_dtypes to load them")
            array = array.view(dtypes.BFLOAT16)
        if kind == "ndarray":
            return array
        if kind == "numpy_scalar":
            if array.ndim != 0:
                _bad(f"numpy scalar entry {index} is not 0-dimensional")
            return array[()]
        if not isinstance(entry["requires_grad"], bool):
            _bad(f"tensor entry {index}: requires_grad must be true or false")
        try:
            dtypes.from_numpy_dtype(array.dtype)
        except TypeError as e:
            raise UnsafeOrCorruptFile(f"{name}: {e}") from None
        if entry["requires_grad"] and not dtypes.is_float(array.dtype):
            _bad(f"tensor entry {index} requires grad but has dtype {array.dtype}")
        if kind == "parameter":
            return Parameter(Tensor._wrap(array), requires_grad=entry["requires_grad"])
        return Tensor._wrap(array, requires_grad=entry["requires_grad"])


def _find(module: str, name: str):
    """``module.name`` among the modules already imported; never imports anything."""
    found = sys.modules.get(module)
    if found is None:
        raise pickle.UnpicklingError(f"glassgrad.load: the file names {module}.{name}, but module {module!r} "
                                     "has not been imported; import it first (glassgrad never imports a "
                                     "module a file names)")
    for part in name.split("."):
        if part.startswith("__") or not part.isidentifier():
            _bad(f"the name {module}.{name}")
        found = getattr(found, part, None)
        if found is None:
            raise pickle.UnpicklingError(f"glassgrad.load: module {module!r} has no {name!r} (the file "
                                         f"names {module}.{name})")
    return found


def _fields(node: dict, *names: str) -> None:
    if set(node) != {"$type", *names}:
        _bad(f"a {node.get('$type')!r} node with fields {sorted(node)}")


def _list(value) -> list:
    return value if isinstance(value, list) else _bad(f"expected a list, got {type(value).__name__}")


def _read_npy(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> np.ndarray:
    """Read one .npy entry: header first, checked, then exactly the bytes it promises, straight into the
    array that is returned (in the file's byte order; ``_to_native`` swaps it)."""
    name = info.filename
    try:
        with zf.open(info) as src:
            version = np.lib.format.read_magic(src)
            if version == (1, 0):
                shape, fortran, dtype = np.lib.format.read_array_header_1_0(src)
            elif version in ((2, 0), (3, 0)):
                shape, fortran, dtype = np.lib.format.read_array_header_2_0(src)
            else:
                raise ValueError(f"unsupported .npy version {version}")
            _check_npy_header(name, shape, dtype)
            count = math.prod(shape)
            nbytes = count * dtype.itemsize
            if src.tell() + nbytes != info.file_size:
                raise UnsafeOrCorruptFile(f"{name}: header promises {nbytes} bytes of data, the entry "
                                          f"holds {info.file_size - src.tell()}")
            flat = np.empty(count, dtype=dtype)
            _read_into(src, memoryview(flat.view(np.uint8)), name)
    except UnsafeOrCorruptFile:
        raise
    except (*_CORRUPT, SyntaxError, tokenize.TokenError, RuntimeError) as e:  # numpy tokenizes the header
        raise UnsafeOrCorruptFile(f"{name} is corrupt or not a valid .npy array: {e}") from None
    array = flat.reshape(shape, order="F" if fortran else "C")
    return array.copy(order="C") if fortran else array  # C order, as every glassgrad array


def _check_npy_header(name: str, shape: tuple, dtype: np.dtype) -> None:
    if dtype.kind not in _ALLOWED_KINDS or dtype.hasobject or dtype.fields is not None \
            or dtype.subdtype is not None:
        raise UnsafeOrCorruptFile(f"{name} has dtype {dtype}; glassgrad checkpoints hold only "
                                  "numeric arrays (never objects, which would need pickle)")
    if len(shape) > _MAX_DIMS:
        raise UnsafeOrCorruptFile(f"{name} has {len(shape)} dimensions; at most {_MAX_DIMS} are possible")
    if any(d < 0 for d in shape):
        raise UnsafeOrCorruptFile(f"{name} has shape {shape}: a size can't be negative")
    if math.prod(d for d in shape if d) * dtype.itemsize > np.iinfo(np.intp).max:
        raise UnsafeOrCorruptFile(f"{name} has shape {shape}: too big for any array")


def _read_into(src, buffer: memoryview, name: str) -> None:
    """Fill ``buffer`` a chunk at a time: the numbers go straight into their final array, never through a
    second full-size copy (reading it whole would briefly hold the tensor twice)."""
    done = 0
    while done < len(buffer):
        chunk = src.read(min(_CHUNK, len(buffer) - done))
        if not chunk:
            raise UnsafeOrCorruptFile(f"{name} is truncated")
        buffer[done:done + len(chunk)] = chunk
        done += len(chunk)


def _to_native(array: np.ndarray) -> np.ndarray:
    """A big-endian array on a little-endian machine (or the reverse): swap its bytes in place, as
    torch.load does, so no second copy is made. The values are unchanged."""
    if array.dtype.isnative:
        return array
    return array.byteswap(inplace=True).view(array.dtype.newbyteorder("="))
