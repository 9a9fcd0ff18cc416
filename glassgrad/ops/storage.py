"""Storages: the block of memory under a tensor, as ``x.untyped_storage()`` and ``x.storage()``.

Part III, after building.py's storage questions. A tensor is a *view* — a shape, strides and an offset —
onto a block of bytes, and several tensors can look at one block: ``y = x[1]`` or ``x.view(3, 2)`` share
``x``'s. PyTorch shows the block as a storage object; glassgrad's block is the numpy array at the root of
the tensor's chain of views (``ndarray.base``), so:

    x = torch.arange(6.).reshape(2, 3);  y = x[1]
    y.untyped_storage().data_ptr() == x.untyped_storage().data_ptr()   # True: one block
    y.storage_offset()                                                 # 3 elements into it
    y.untyped_storage().nbytes()                                       # 24: the whole block

``untyped_storage()`` sees bytes; ``storage()`` (PyTorch's deprecated ``TypedStorage``, with its warning)
sees elements of the tensor's dtype. Both are read-only windows here: glassgrad does not swap a tensor's
block (``set_``). ``resize_`` (old code's way to reshape a buffer it refills) gives the tensor the first
elements of its block in the new shape, or a larger block (the new elements zero: PyTorch leaves them
uninitialised) when the old one is too small.
"""

from __future__ import annotations

import warnings

import numpy as np

from glassgrad import devices, dtypes
from glassgrad.ops.building import shared_block
from glassgrad.tensor import Tensor, root_array

__all__ = ["UntypedStorage", "TypedStorage", "is_storage"]


class UntypedStorage:
    """The bytes under a tensor (and under every view that shares them)."""

    def __init__(self, root: np.ndarray) -> None:
        self._root = root
        self._bytes = root.reshape(-1).view(np.uint8) if root.flags.c_contiguous else \
            np.frombuffer(root.tobytes(), np.uint8)

    device = property(lambda self: devices.device("cpu"))

    def data_ptr(self) -> int:
        return self._root.__array_interface__["data"][0]

    def nbytes(self) -> int:
        return self._root.nbytes

    def size(self) -> int:
        return self._root.nbytes

    def __len__(self) -> int:
        return self._root.nbytes

    def element_size(self) -> int:
        return 1

    def __getitem__(self, i):
        return int(self._bytes[i]) if isinstance(i, int) else self._bytes[i].tolist()

    def tolist(self) -> list:
        return self._bytes.tolist()

    def is_shared(self) -> bool:
        return shared_block(self._root) is not None

    def resizable(self) -> bool:
        return not self.is_shared()

    def untyped(self) -> "UntypedStorage":
        return self

    def __repr__(self) -> str:
        lines = "\n".join(f" {b}" for b in self._bytes.tolist()) or " "
        return f"{lines}\n[{dtypes.SHOWN_AS}.storage.UntypedStorage(device=cpu) of size {self.nbytes()}]"


class TypedStorage(UntypedStorage):
    """The same block seen as elements of one dtype (PyTorch's deprecated ``x.storage()``)."""

    def __init__(self, root: np.ndarray, dtype) -> None:
        super().__init__(root)
        self.dtype = dtype
        self._elements = self._bytes[:len(self._bytes) // dtype.itemsize * dtype.itemsize].view(dtype.numpy)

    def size(self) -> int:
        return len(self._elements)

    def __len__(self) -> int:
        return len(self._elements)

    def element_size(self) -> int:
        return self.dtype.itemsize

    def __getitem__(self, i):
        value = self._elements[i]
        return value.item() if isinstance(i, int) else value.tolist()

    def tolist(self) -> list:
        return self._elements.tolist()

    def untyped(self) -> UntypedStorage:
        return UntypedStorage(self._root)

    def __repr__(self) -> str:
        lines = "\n".join(f" {v}" for v in self._elements.tolist()) or " "
        return (f"{lines}\n[{dtypes.SHOWN_AS}.storage.TypedStorage(dtype={self.dtype!r}, device=cpu) of size "
                f"{len(self._elements)}]")


def untyped_storage(self: Tensor) -> UntypedStorage:
    """The bytes under this tensor, shared with every view of the same block."""
    _check_has_numbers(self)
    return UntypedStorage(root_array(self._array))


_WARNED = [False]  # PyTorch warns about TypedStorage once per process


def storage(self: Tensor) -> TypedStorage:
    """The block under this tensor as elements of its dtype (PyTorch's deprecated TypedStorage)."""
    if not _WARNED[0]:
        _WARNED[0] = True
        warnings.warn("TypedStorage is deprecated. It will be removed in the future and UntypedStorage will be the "
                      "only storage class. This should only matter to you if you are using storages directly.  "
                      "To access UntypedStorage directly, use tensor.untyped_storage() instead of tensor.storage()",
                      UserWarning, stacklevel=2)
    _check_has_numbers(self)
    return TypedStorage(root_array(self._array), self.dtype)


def _check_has_numbers(t: Tensor) -> None:
    if type(t._array) is not np.ndarray:
        raise NotImplementedError("Cannot access storage of a meta tensor: it holds a shape and no numbers")


def is_storage(obj) -> bool:
    """True for a storage object (what ``x.untyped_storage()`` or ``x.storage()`` returns), not a tensor."""
    return isinstance(obj, UntypedStorage)


def resize_(self: Tensor, *sizes, memory_format=None) -> Tensor:
    """Give ``self`` the shape ``sizes`` in place: its first ``prod(sizes)`` elements (row-major), zeros
    after the old ones when it grows. A tensor that requires grad can't be resized, as in PyTorch."""
    shape = tuple(sizes[0]) if len(sizes) == 1 and isinstance(sizes[0], (tuple, list)) else sizes
    if not all(isinstance(n, (int, np.integer)) and not isinstance(n, bool) for n in shape):
        raise TypeError(f"resize_(): argument 'size' must be tuple of ints, but got {shape!r}")
    if any(n < 0 for n in shape):
        raise RuntimeError(f"Trying to create tensor with negative dimension {min(shape)}: {list(shape)}")
    if self.requires_grad:
        raise RuntimeError("cannot resize variables that require grad")
    shape = tuple(int(n) for n in shape)
    if shape == self._array.shape:
        return self
    count = int(np.prod(shape))
    if count <= self._array.size and self._array.flags.c_contiguous:  # the same block, seen in the new shape
        self._array = self._array.reshape(-1)[:count].reshape(shape)
    else:
        block = root_array(self._array)  # a tensor shrunk earlier still owns its old elements, as in PyTorch
        same_start = block.flags.c_contiguous and block.dtype == self._array.dtype and \
            block.__array_interface__["data"][0] == self._array.__array_interface__["data"][0]
        source = block.reshape(-1) if same_start and self._array.flags.c_contiguous else self._array.reshape(-1)
        grown = np.zeros(shape, self._array.dtype)
        kept = min(count, source.size)
        grown.reshape(-1)[:kept] = source[:kept]
        self._array = grown
    self._vc[0] += 1
    return self


def resize_as_(self: Tensor, the_template: Tensor, memory_format=None) -> Tensor:
    """``self.resize_(the_template.shape)``."""
    return resize_(self, the_template.shape)


TENSOR_METHODS = {"untyped_storage": untyped_storage, "storage": storage, "resize_": resize_,
                  "resize_as_": resize_as_}
