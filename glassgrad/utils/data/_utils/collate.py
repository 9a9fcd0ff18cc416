"""``utils.data._utils.collate`` — a list of samples becomes one batch, as PyTorch's module of that name.

Part III, ``utils/data/``, read after the samplers: the DataLoader hands ``collate_fn`` the samples of
one batch (a list of ``(x, y)`` pairs, say) and gets back the batch (``(stack(xs), stack(ys))``).
``default_collate`` is that function; ``default_convert`` is its counterpart without batching. PyTorch
keeps them here (programs import ``torch.utils.data._utils.collate.default_collate``) and re-exports
them from ``torch.utils.data``.
"""

from __future__ import annotations

import collections.abc
import copy

import numpy as np

from glassgrad import creation
from glassgrad.ops.joining import stack
from glassgrad.tensor import Tensor

__all__ = ["default_collate", "default_convert"]

_COLLATE_ERROR = ("default_collate: batch must contain tensors, numpy arrays, numbers, dicts or lists; "
                  "found {}")


def _numpy_to_tensor(a: np.ndarray) -> Tensor:
    if a.dtype.kind in "OSUV":  # strings and Python objects have no tensor form
        raise TypeError(_COLLATE_ERROR.format(a.dtype))
    return creation.from_numpy(a)


def default_collate(batch):
    """Turn a list of samples into one batch, recursively, as PyTorch's ``default_collate``.

    tensors → ``stack(batch)`` (a new leading batch dimension); numpy arrays → tensors, then stacked;
    Python floats → float64 tensor, ints → int64, bools → bool; numpy scalars → a tensor of their
    dtype; strings → the list as is; a dict → a dict of collated values per key; a tuple or list of
    fields → one collated batch per field (``[(x0, y0), (x1, y1)]`` → ``[stack(x0, x1), stack(y0, y1)]``).
    """
    elem = batch[0]
    if isinstance(elem, Tensor):
        return stack(batch, 0)
    if isinstance(elem, np.ndarray):
        return default_collate([_numpy_to_tensor(b) for b in batch])
    if isinstance(elem, (np.bool_, np.number)):
        return _numpy_to_tensor(np.array(batch))
    if isinstance(elem, float):
        return creation.tensor(batch, dtype="float64")
    if isinstance(elem, int):  # bool too: a list of bools becomes a bool tensor
        return creation.tensor(batch)
    if isinstance(elem, (str, bytes)):
        return batch
    if isinstance(elem, collections.abc.Mapping):
        collated = {key: default_collate([d[key] for d in batch]) for key in elem}
        try:  # keep the mapping's own type (OrderedDict, ...) when it can be copied
            if isinstance(elem, collections.abc.MutableMapping):
                clone = copy.copy(elem)
                clone.update(collated)
                return clone
            return type(elem)(collated)
        except TypeError:
            return collated
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):  # namedtuple
        return type(elem)(*(default_collate(s) for s in zip(*batch)))
    if isinstance(elem, collections.abc.Sequence):
        size = len(elem)
        if any(len(e) != size for e in batch):
            raise RuntimeError("each element in list of batch should be of equal size")
        transposed = [default_collate(samples) for samples in zip(*batch)]  # tuples, as PyTorch
        if isinstance(elem, tuple):
            return transposed
        try:
            return type(elem)(transposed)
        except TypeError:
            return transposed
    raise TypeError(_COLLATE_ERROR.format(type(elem)))


def default_convert(data):
    """Without batching (``batch_size=None``): numpy arrays become tensors, containers recursively."""
    if isinstance(data, np.ndarray) and data.dtype.kind not in "OSUV":
        return creation.from_numpy(data)
    if isinstance(data, collections.abc.Mapping):
        converted = {k: default_convert(v) for k, v in data.items()}
        try:
            return type(data)(converted)
        except TypeError:
            return converted
    if isinstance(data, tuple) and hasattr(data, "_fields"):
        return type(data)(*(default_convert(d) for d in data))
    if isinstance(data, (list, tuple)):
        return type(data)(default_convert(d) for d in data)
    return data
