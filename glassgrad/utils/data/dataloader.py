"""``utils.data.dataloader`` — the DataLoader, as ``torch.utils.data.dataloader``.

Part III, the last file of ``utils/data/``: the **DataLoader** asks its batch sampler (``sampler.py``)
for a list of indices, fetches those samples from the dataset (``dataset.py``) and ``collate``\\ s them
into one batch (``_utils/collate.py``): a list of ``(x, y)`` pairs becomes ``(stack(xs), stack(ys))``.
``num_workers > 0`` is accepted but the samples are loaded in this process (numpy releases no work to
overlap here, and the results are the same).
"""

from __future__ import annotations

import itertools
import math

import numpy as np

from glassgrad import sampling
from glassgrad.tensor import Tensor
from glassgrad.utils.data._utils.collate import default_collate, default_convert
from glassgrad.utils.data.dataset import IterableDataset, TensorDataset
from glassgrad.utils.data.sampler import BatchSampler, RandomSampler, SequentialSampler, _has_index_chunks

__all__ = ["DataLoader", "get_worker_info", "default_collate", "default_convert"]


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
                and type(self.batch_sampler) is BatchSampler and _has_index_chunks(self.batch_sampler.sampler)
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
        # PyTorch draws each pass's base seed (for worker processes) from the loader's generator as the
        # pass begins, even with no workers; drawing it too keeps the global stream in step with PyTorch's.
        generator = sampling.generator_or_default(loader.generator)
        self._base_seed = int(sampling.random_full(generator, np.empty((), np.int64)))

    def __iter__(self) -> "_LoaderIter":
        return self

    def __next__(self):
        return next(self._batches)

    def __len__(self) -> int:
        return len(self._loader)
