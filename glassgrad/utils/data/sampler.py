"""``utils.data.sampler`` — in which order to visit a dataset, as ``torch.utils.data.sampler``.

Part III, ``utils/data/``, after ``dataset.py``. A **Sampler** is an iterable of indices:
``SequentialSampler`` gives 0, 1, 2, ...; ``RandomSampler`` a fresh permutation every epoch (or draws
with replacement); ``WeightedRandomSampler`` draws index i with probability ∝ weights[i];
``BatchSampler`` groups any sampler's indices into lists, one list per batch.

Indices are drawn lazily, a chunk at a time, as PyTorch draws them: ``RandomSampler(ds,
replacement=True, num_samples=10**10)`` (an "infinite" loader) costs 32 indices of memory at a time,
not 10¹⁰. Without a ``generator`` a RandomSampler takes one seed from glassgrad's global generator per
epoch and draws from a generator of its own, as PyTorch does, so ``glassgrad.manual_seed`` fixes every
order (the orders differ from PyTorch's, as all glassgrad random numbers do).

Our own samplers also hand out their indices as numpy chunks (``_index_chunks``), which the
DataLoader's fast path for ``TensorDataset`` uses to fetch a whole batch with one fancy index.
"""

from __future__ import annotations

import itertools

import numpy as np

from glassgrad import creation, dtypes, sampling
from glassgrad.random import Generator, default_generator

__all__ = ["BatchSampler", "RandomSampler", "Sampler", "SequentialSampler", "SubsetRandomSampler",
           "WeightedRandomSampler"]

_CHUNK = 32  # indices drawn at a time with replacement (PyTorch's number)


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

    def _index_chunks(self):
        yield np.arange(len(self.data_source))

    def __iter__(self):
        return iter(range(len(self.data_source)))

    def __len__(self) -> int:
        return len(self.data_source)


class RandomSampler(Sampler):
    """A fresh random permutation of the indices each time it is iterated (or draws with replacement).

    ``num_samples`` (default ``len(data_source)``) indices per epoch: with replacement, drawn uniformly
    32 at a time; without, whole permutations one after another and part of one more when
    ``num_samples > len(data_source)``. ``len(sampler)`` is ``num_samples``.
    """

    def __init__(self, data_source, replacement: bool = False, num_samples: int | None = None,
                 generator=None) -> None:
        self.data_source = data_source
        self.replacement = replacement
        self._num_samples = num_samples
        self.generator = generator
        if not isinstance(self.replacement, bool):
            raise TypeError(f"replacement should be a boolean value, but got replacement={self.replacement}")
        if not isinstance(self.num_samples, int) or self.num_samples <= 0:
            raise ValueError(f"num_samples should be a positive integer value, but got "
                             f"num_samples={self.num_samples}")

    @property
    def num_samples(self) -> int:
        # the dataset's size may change between epochs
        return len(self.data_source) if self._num_samples is None else self._num_samples

    def _epoch_generator(self):
        if self.generator is not None:
            return self.generator
        # PyTorch: int(torch.empty((), dtype=torch.int64).random_().item()), from the global generator
        seed = int(sampling.random_full(default_generator, np.empty((), np.int64)))
        return Generator().manual_seed(seed)

    def _index_chunks(self):
        """The epoch's indices as numpy arrays, drawn only when asked for (a generator)."""
        n = len(self.data_source)
        generator = self._epoch_generator()
        if self.replacement:
            for _ in range(self.num_samples // _CHUNK):
                yield creation.randint(0, n, (_CHUNK,), generator=generator)._array
            yield creation.randint(0, n, (self.num_samples % _CHUNK,), generator=generator)._array
        else:
            for _ in range(self.num_samples // n):
                yield creation.randperm(n, generator=generator)._array
            yield creation.randperm(n, generator=generator)._array[:self.num_samples % n]

    def __iter__(self):
        for chunk in self._index_chunks():
            yield from chunk.tolist()

    def __len__(self) -> int:
        return self.num_samples


class SubsetRandomSampler(Sampler):
    """The given indices, in a fresh random order each epoch."""

    def __init__(self, indices, generator=None) -> None:
        self.indices = indices
        self.generator = generator

    def __iter__(self):
        order = creation.randperm(len(self.indices), generator=self.generator)._array
        return (self.indices[i] for i in order.tolist())

    def __len__(self) -> int:
        return len(self.indices)


class WeightedRandomSampler(Sampler):
    """``num_samples`` indices drawn with P(i) = weights[i] / Σ weights (``multinomial``), with
    replacement unless ``replacement=False`` (then each index at most once)."""

    def __init__(self, weights, num_samples: int, replacement: bool = True, generator=None) -> None:
        if not isinstance(num_samples, int) or isinstance(num_samples, bool) or num_samples <= 0:
            raise ValueError(f"num_samples should be a positive integer value, but got "
                             f"num_samples={num_samples}")
        if not isinstance(replacement, bool):
            raise ValueError(f"replacement should be a boolean value, but got replacement={replacement}")
        weights_tensor = creation.as_tensor(weights, dtype=dtypes.float64)
        if len(weights_tensor.shape) != 1:
            raise ValueError("weights should be a 1d sequence but given weights have shape "
                             f"{tuple(weights_tensor.shape)}")
        self.weights = weights_tensor
        self.num_samples = num_samples
        self.replacement = replacement
        self.generator = generator

    def __iter__(self):
        drawn = creation.multinomial(self.weights, self.num_samples, self.replacement,
                                     generator=self.generator)
        yield from drawn._array.tolist()

    def __len__(self) -> int:
        return self.num_samples


def _has_index_chunks(sampler) -> bool:
    """True when ``sampler`` is one of ours, unchanged, so its order is available as numpy chunks
    (the same numbers its ``__iter__`` would yield, from the same random draws)."""
    cls = type(sampler)
    return any(cls.__iter__ is base.__iter__ and cls._index_chunks is base._index_chunks
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
        """The batches as numpy index arrays, cut from the sampler's chunks as they are drawn."""
        pending: list[np.ndarray] = []
        have = 0
        for chunk in self.sampler._index_chunks():
            pending.append(chunk)
            have += len(chunk)
            if have < self.batch_size:
                continue
            order = np.concatenate(pending) if len(pending) > 1 else pending[0]
            stop = have - have % self.batch_size
            yield from (order[i:i + self.batch_size] for i in range(0, stop, self.batch_size))
            pending, have = [order[stop:]], have - stop
        if have and not self.drop_last:
            yield np.concatenate(pending)

    def __iter__(self):
        if _has_index_chunks(self.sampler):
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
