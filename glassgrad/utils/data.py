"""``glassgrad.utils.data`` — datasets, samplers and the DataLoader, as ``torch.utils.data``.

Part III, after ``nn`` and ``optim``: how samples reach the model. Three small ideas stack up:

1. A **Dataset** answers two questions: how many samples (``len(ds)``) and what is sample ``i``
   (``ds[i]``). ``TensorDataset(X, y)`` is the common one: sample ``i`` is ``(X[i], y[i])``.
2. A **Sampler** says in which order to visit the indices: ``SequentialSampler`` (0, 1, 2, ...),
   ``RandomSampler`` (a fresh permutation every epoch); ``BatchSampler`` groups them into lists.
3. The **DataLoader** asks the batch sampler for a list of indices, fetches those samples and
   ``collate``\\ s them into one batch: a list of ``(x, y)`` pairs becomes ``(stack(xs), stack(ys))``.

Randomness comes from glassgrad's generators (``glassgrad.manual_seed(0)`` makes every shuffle and split
reproducible), so the orders differ from PyTorch's for the same seed, as all glassgrad random numbers do.
``num_workers > 0`` is accepted but the samples are loaded in this process (numpy releases no work to
overlap here, and the results are the same).
"""

from __future__ import annotations

import bisect
import collections.abc
import copy
import itertools
import math
import numbers
import warnings

import numpy as np

from glassgrad import creation
from glassgrad.creation import default_generator
from glassgrad.ops.joining import stack
from glassgrad.tensor import Tensor

__all__ = [
    "Dataset", "IterableDataset", "TensorDataset", "Subset", "ConcatDataset", "ChainDataset",
    "random_split", "Sampler", "SequentialSampler", "RandomSampler", "SubsetRandomSampler",
    "BatchSampler", "DataLoader", "default_collate", "default_convert", "get_worker_info",
]


# --- datasets ----------------------------------------------------------------------------------------
class Dataset:
    """A map-style dataset: subclasses define ``__getitem__(i)`` and (usually) ``__len__``."""

    def __getitem__(self, index):
        raise NotImplementedError("Subclasses of Dataset should implement __getitem__.")

    def __add__(self, other: "Dataset") -> "ConcatDataset":
        return ConcatDataset([self, other])


class IterableDataset(Dataset):
    """A stream of samples: subclasses define ``__iter__``; the DataLoader batches what it yields."""

    def __iter__(self):
        raise NotImplementedError("Subclasses of IterableDataset should implement __iter__.")

    def __add__(self, other: "Dataset") -> "ChainDataset":
        return ChainDataset([self, other])


class TensorDataset(Dataset):
    """Sample ``i`` is ``(t[i] for t in tensors)``; every tensor has the same first dimension."""

    def __init__(self, *tensors: Tensor) -> None:
        for t in tensors:
            if not isinstance(t, Tensor):
                raise TypeError(f"TensorDataset expects tensors, got {type(t).__name__}")
        if any(tensors[0].size(0) != t.size(0) for t in tensors):
            raise AssertionError("Size mismatch between tensors")
        self.tensors = tensors

    def __getitem__(self, index):
        return tuple(t[index] for t in self.tensors)

    def __len__(self) -> int:
        return self.tensors[0].size(0)


class Subset(Dataset):
    """The samples of ``dataset`` at ``indices`` (in that order)."""

    def __init__(self, dataset: Dataset, indices) -> None:
        self.dataset = dataset
        self.indices = indices

    def __getitem__(self, idx):
        if isinstance(idx, list):
            return self.dataset[[self.indices[i] for i in idx]]
        return self.dataset[self.indices[idx]]

    def __getitems__(self, indices: list) -> list:
        if callable(getattr(self.dataset, "__getitems__", None)):
            return self.dataset.__getitems__([self.indices[i] for i in indices])
        return [self.dataset[self.indices[i]] for i in indices]

    def __len__(self) -> int:
        return len(self.indices)


class ConcatDataset(Dataset):
    """Several datasets one after another: index ``i`` is found by bisecting the cumulative sizes."""

    @staticmethod
    def cumsum(sequence) -> list:
        r, s = [], 0
        for e in sequence:
            s += len(e)
            r.append(s)
        return r

    def __init__(self, datasets) -> None:
        self.datasets = list(datasets)
        if len(self.datasets) == 0:
            raise AssertionError("datasets should not be an empty iterable")
        for d in self.datasets:
            if isinstance(d, IterableDataset):
                raise AssertionError("ConcatDataset does not support IterableDataset")
        self.cumulative_sizes = self.cumsum(self.datasets)

    def __len__(self) -> int:
        return self.cumulative_sizes[-1]

    def __getitem__(self, idx):
        if idx < 0:
            if -idx > len(self):
                raise ValueError("absolute value of index should not exceed dataset length")
            idx = len(self) + idx
        dataset_idx = bisect.bisect_right(self.cumulative_sizes, idx)
        sample_idx = idx if dataset_idx == 0 else idx - self.cumulative_sizes[dataset_idx - 1]
        return self.datasets[dataset_idx][sample_idx]


class ChainDataset(IterableDataset):
    """Several iterable datasets, one stream after another."""

    def __init__(self, datasets) -> None:
        self.datasets = datasets

    def __iter__(self):
        for d in self.datasets:
            if not isinstance(d, IterableDataset):
                raise AssertionError("ChainDataset only supports IterableDataset")
            yield from d

    def __len__(self) -> int:
        return sum(len(d) for d in self.datasets)


def random_split(dataset, lengths, generator=default_generator) -> list:
    """Split ``dataset`` into non-overlapping random ``Subset``\\ s of the given lengths.

    ``lengths`` are counts summing to ``len(dataset)``, or fractions summing to 1: each split gets
    ``floor(frac · n)`` samples and the remainder is dealt out one at a time from the first split on.
    """
    lengths = list(lengths)
    total = sum(lengths)
    n = len(dataset)
    if math.isclose(total, 1) and total <= 1:
        subset_lengths = []
        for i, frac in enumerate(lengths):
            if frac < 0 or frac > 1:
                raise ValueError(f"Fraction at index {i} is not between 0 and 1")
            subset_lengths.append(math.floor(n * frac))
        for i in range(n - sum(subset_lengths)):  # round-robin remainder, as PyTorch
            subset_lengths[i % len(subset_lengths)] += 1
        lengths = subset_lengths
        for i, length in enumerate(lengths):
            if length == 0:
                warnings.warn(f"Length of split at index {i} is 0. This might result in an empty dataset.",
                              stacklevel=2)
    if sum(lengths) != n:
        raise ValueError("Sum of input lengths does not equal the length of the input dataset!")
    for i, length in enumerate(lengths):
        # PyTorch silently makes odd splits from negative counts; a clear error is kinder.
        if not isinstance(length, numbers.Integral) or length < 0:
            raise ValueError(f"random_split: length at index {i} must be a non-negative int or a "
                             f"fraction, got {length!r}")
    indices = creation.randperm(n, generator=generator)._array.tolist()
    offsets = itertools.accumulate(lengths)
    return [Subset(dataset, indices[end - length:end]) for end, length in zip(offsets, lengths)]


# --- samplers ----------------------------------------------------------------------------------------
class Sampler:
    """An iterable of indices (or of lists of indices, for a batch sampler)."""

    def __init__(self, data_source=None) -> None:
        pass

    def __iter__(self):
        raise NotImplementedError


class SequentialSampler(Sampler):
    """0, 1, ..., len(data_source) - 1."""

    def __init__(self, data_source) -> None:
        self.data_source = data_source

    def _index_array(self) -> np.ndarray:
        return np.arange(len(self.data_source))

    def __iter__(self):
        return iter(range(len(self.data_source)))

    def __len__(self) -> int:
        return len(self.data_source)


class RandomSampler(Sampler):
    """A fresh random permutation of the indices each time it is iterated (or draws with replacement).

    ``generator=None`` uses glassgrad's global generator, so ``glassgrad.manual_seed`` fixes the order.
    """

    def __init__(self, data_source, replacement: bool = False, num_samples: int | None = None,
                 generator=None) -> None:
        self.data_source = data_source
        self.replacement = replacement
        self._num_samples = num_samples
        self.generator = generator
        if not isinstance(self.replacement, bool):
            raise TypeError(f"replacement should be a boolean value, but got replacement={self.replacement}")
        if not isinstance(self.num_samples, int) or isinstance(self.num_samples, bool) \
                or self.num_samples <= 0:
            raise ValueError(f"num_samples should be a positive integer value, but got "
                             f"num_samples={self.num_samples}")

    @property
    def num_samples(self) -> int:
        return len(self.data_source) if self._num_samples is None else self._num_samples

    def _index_array(self) -> np.ndarray:
        n, k = len(self.data_source), self.num_samples
        rng = (self.generator or default_generator)._rng
        if self.replacement:
            return rng.integers(0, n, size=k)
        # whole permutations, then part of one more, as PyTorch does when num_samples > n
        parts = [rng.permutation(n) for _ in range(k // n)]
        if k % n:
            parts.append(rng.permutation(n)[:k % n])
        return np.concatenate(parts) if len(parts) != 1 else parts[0]

    def __iter__(self):
        return iter(self._index_array().tolist())

    def __len__(self) -> int:
        return self.num_samples


class SubsetRandomSampler(Sampler):
    """The given indices, in a fresh random order each epoch."""

    def __init__(self, indices, generator=None) -> None:
        self.indices = indices
        self.generator = generator

    def __iter__(self):
        order = (self.generator or default_generator)._rng.permutation(len(self.indices))
        return (self.indices[i] for i in order.tolist())

    def __len__(self) -> int:
        return len(self.indices)


def _has_index_array(sampler) -> bool:
    """True when ``sampler`` is one of ours, unchanged, so its order is available as one numpy array
    (the same numbers its ``__iter__`` would yield, from the same random draws)."""
    cls = type(sampler)
    return any(cls.__iter__ is base.__iter__ and cls._index_array is base._index_array
               for base in (SequentialSampler, RandomSampler))


class BatchSampler(Sampler):
    """Group the indices of ``sampler`` into lists of ``batch_size`` (the last one shorter unless
    ``drop_last``)."""

    def __init__(self, sampler, batch_size: int, drop_last: bool) -> None:
        if not isinstance(batch_size, int) or isinstance(batch_size, bool) or batch_size <= 0:
            raise ValueError("batch_size should be a positive integer value, but got "
                             f"batch_size={batch_size}")
        if not isinstance(drop_last, bool):
            raise ValueError(f"drop_last should be a boolean value, but got drop_last={drop_last}")
        self.sampler = sampler
        self.batch_size = batch_size
        self.drop_last = drop_last

    def _index_batches(self):
        """The batches as numpy index arrays, when the sampler can give its order as one array."""
        order = self.sampler._index_array()
        stop = len(order) - len(order) % self.batch_size if self.drop_last else len(order)
        return (order[i:i + self.batch_size] for i in range(0, stop, self.batch_size))

    def __iter__(self):
        if _has_index_array(self.sampler):
            return (b.tolist() for b in self._index_batches())
        return self._iter_python()

    def _iter_python(self):
        it = iter(self.sampler)
        while batch := list(itertools.islice(it, self.batch_size)):
            if self.drop_last and len(batch) < self.batch_size:
                return
            yield batch

    def __len__(self) -> int:
        if self.drop_last:
            return len(self.sampler) // self.batch_size
        return (len(self.sampler) + self.batch_size - 1) // self.batch_size


# --- collation ---------------------------------------------------------------------------------------
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


def get_worker_info():
    """``None``: glassgrad loads every batch in the main process."""
    return None


# --- the loader --------------------------------------------------------------------------------------
class DataLoader:
    """Iterate over ``dataset`` in batches, as ``torch.utils.data.DataLoader``.

    Each epoch (each ``for batch in loader``) the batch sampler hands out lists of indices —
    ``shuffle=True`` draws a new permutation from ``generator`` (default: glassgrad's global one) —
    and each list of samples is merged by ``collate_fn`` (default: ``default_collate``). ``len(loader)``
    is the number of batches: ``ceil(n / batch_size)``, or ``floor`` with ``drop_last=True``.

    ``num_workers``, ``pin_memory``, ``timeout``, ``prefetch_factor`` and ``persistent_workers`` are
    checked as PyTorch checks them and otherwise have no effect: batches are made in this process.
    """

    _FROZEN = ("batch_size", "batch_sampler", "sampler", "drop_last", "dataset", "persistent_workers")

    def __init__(self, dataset, batch_size: int | None = 1, shuffle: bool | None = None, sampler=None,
                 batch_sampler=None, num_workers: int = 0, collate_fn=None, pin_memory: bool = False,
                 drop_last: bool = False, timeout: float = 0, worker_init_fn=None,
                 multiprocessing_context=None, generator=None, *, prefetch_factor: int | None = None,
                 persistent_workers: bool = False, pin_memory_device: str = "", in_order: bool = True
                 ) -> None:
        if num_workers < 0:
            raise ValueError("num_workers option should be non-negative; use num_workers=0 to disable "
                             "multiprocessing.")
        if timeout < 0:
            raise ValueError("timeout option should be non-negative")
        if num_workers == 0 and prefetch_factor is not None:
            raise ValueError("prefetch_factor option could only be specified in multiprocessing.let "
                             "num_workers > 0 to enable multiprocessing, otherwise set prefetch_factor "
                             "to None.")
        if prefetch_factor is not None and prefetch_factor < 0:
            raise ValueError("prefetch_factor option should be non-negative")
        if persistent_workers and num_workers == 0:
            raise ValueError("persistent_workers option needs num_workers > 0")
        iterable = isinstance(dataset, IterableDataset)
        if iterable:
            if isinstance(shuffle, bool) and shuffle:
                raise ValueError(f"DataLoader with IterableDataset: expected unspecified shuffle option, "
                                 f"but got shuffle={shuffle}")
            if sampler is not None:
                raise ValueError(f"DataLoader with IterableDataset: expected unspecified sampler option, "
                                 f"but got sampler={sampler}")
            if batch_sampler is not None:
                raise ValueError(f"DataLoader with IterableDataset: expected unspecified batch_sampler "
                                 f"option, but got batch_sampler={batch_sampler}")
        else:
            shuffle = bool(shuffle)
        if sampler is not None and shuffle:
            raise ValueError("sampler option is mutually exclusive with shuffle")
        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError("batch_sampler option is mutually exclusive with batch_size, shuffle, "
                                 "sampler, and drop_last")
            batch_size, drop_last = None, False
        elif batch_size is None and drop_last:
            raise ValueError("batch_size=None option disables auto-batching and is mutually exclusive "
                             "with drop_last")
        if sampler is None and not iterable:
            sampler = RandomSampler(dataset, generator=generator) if shuffle else SequentialSampler(dataset)
        if batch_size is not None and batch_sampler is None:
            # an iterable dataset has no indices; the BatchSampler here only checks the arguments
            batch_sampler = BatchSampler(sampler if sampler is not None else [], batch_size, drop_last)
        if collate_fn is None:
            collate_fn = default_collate if (batch_size is not None or batch_sampler is not None) \
                else default_convert
        self.dataset = dataset
        self.batch_size = batch_size
        self.drop_last = drop_last
        self.sampler = sampler
        self.batch_sampler = batch_sampler if not iterable else None
        self.num_workers = num_workers
        self.collate_fn = collate_fn
        self.pin_memory = pin_memory
        self.pin_memory_device = pin_memory_device
        self.timeout = timeout
        self.worker_init_fn = worker_init_fn
        self.multiprocessing_context = multiprocessing_context
        self.generator = generator
        self.prefetch_factor = prefetch_factor
        self.persistent_workers = persistent_workers
        self.in_order = in_order
        self._initialized = True

    def __setattr__(self, name, value) -> None:
        if getattr(self, "_initialized", False) and name in self._FROZEN:
            raise ValueError(f"{name} attribute should not be set after {type(self).__name__} is "
                             "initialized")
        object.__setattr__(self, name, value)

    @property
    def _auto_collation(self) -> bool:
        return self.batch_sampler is not None or (isinstance(self.dataset, IterableDataset)
                                                  and self.batch_size is not None)

    @property
    def _index_sampler(self):
        return self.batch_sampler if self._auto_collation else self.sampler

    def __len__(self) -> int:
        if isinstance(self.dataset, IterableDataset):
            length = len(self.dataset)
            if self.batch_size is not None:
                length = length // self.batch_size if self.drop_last else math.ceil(length / self.batch_size)
            return length
        return len(self._index_sampler)

    def __iter__(self) -> "_LoaderIter":
        return _LoaderIter(self, self._batches())

    # Each epoch is one generator; the three cases are PyTorch's fetchers.
    def _batches(self):
        if isinstance(self.dataset, IterableDataset):
            yield from self._iterable_batches()
        elif not self._auto_collation:
            for index in self.sampler:
                yield self.collate_fn(self.dataset[index])
        elif self._fast_tensor_path():
            yield from self._tensor_batches()
        else:
            getitems = getattr(self.dataset, "__getitems__", None)
            for indices in self.batch_sampler:
                samples = getitems(indices) if callable(getitems) else [self.dataset[i] for i in indices]
                yield self.collate_fn(samples)

    def _iterable_batches(self):
        if self.batch_size is None:
            for sample in self.dataset:
                yield self.collate_fn(sample)
            return
        it = iter(self.dataset)
        while batch := list(itertools.islice(it, self.batch_size)):
            if self.drop_last and len(batch) < self.batch_size:
                return
            yield self.collate_fn(batch)

    def _fast_tensor_path(self) -> bool:
        """A plain TensorDataset, default collation and our own samplers: one fancy index per tensor
        per batch gives exactly what indexing each sample and stacking would, without the Python loop."""
        ds = self.dataset
        return (type(ds) is TensorDataset and self.collate_fn is default_collate
                and type(self.batch_sampler) is BatchSampler and _has_index_array(self.batch_sampler.sampler)
                and not any(t._requires_grad for t in ds.tensors))  # then indexing records a graph

    def _tensor_batches(self):
        arrays = [t._array for t in self.dataset.tensors]
        for idx in self.batch_sampler._index_batches():
            yield [Tensor._wrap(a[idx]) for a in arrays]


class _LoaderIter:
    """One pass over a DataLoader: ``next(it)`` gives the next batch, ``len(it)`` the batch count."""

    def __init__(self, loader: DataLoader, batches) -> None:
        self._loader = loader
        self._batches = batches

    def __iter__(self) -> "_LoaderIter":
        return self

    def __next__(self):
        return next(self._batches)

    def __len__(self) -> int:
        return len(self._loader)
