"""``utils.data.distributed`` — ``DistributedSampler``, as ``torch.utils.data.distributed``.

Part III, ``utils/data/``, beside ``sampler.py``. In data-parallel training each of ``num_replicas``
processes trains on its own share of every epoch: the sampler shuffles the indices with a seed all
processes agree on (``seed + epoch``; call ``set_epoch`` each epoch for a new order), pads them by
repeating from the start until they divide evenly (or, with ``drop_last``, cuts the tail), and hands
process ``rank`` every ``num_replicas``-th index starting at ``rank``.

glassgrad runs in one process: ``num_replicas`` and ``rank`` default to 1 and 0 (PyTorch asks the
initialised process group, which glassgrad never has), so the sampler is a seeded shuffle of the
whole dataset. Given explicitly, they split the indices exactly as PyTorch does, which shows what each
process would see.
"""

from __future__ import annotations

import math

from glassgrad import creation
from glassgrad.random import Generator
from glassgrad.utils.data.sampler import Sampler

__all__ = ["DistributedSampler"]


class DistributedSampler(Sampler):
    """The share of the dataset's indices that process ``rank`` of ``num_replicas`` trains on."""

    def __init__(self, dataset, num_replicas: int | None = None, rank: int | None = None,
                 shuffle: bool = True, seed: int = 0, drop_last: bool = False) -> None:
        if num_replicas is None:
            num_replicas = 1  # a single process (PyTorch: the process group's world size)
        if rank is None:
            rank = 0          # ... and it is process 0 (PyTorch: the process group's rank)
        if rank >= num_replicas or rank < 0:
            raise ValueError(f"Invalid rank {rank}, rank should be in the interval [0, {num_replicas - 1}]")
        self.dataset = dataset
        self.num_replicas = num_replicas
        self.rank = rank
        self.epoch = 0
        self.drop_last = drop_last
        if self.drop_last and len(self.dataset) % self.num_replicas != 0:
            # the largest length that divides evenly, so every process gets as many samples
            self.num_samples = math.ceil((len(self.dataset) - self.num_replicas) / self.num_replicas)
        else:
            self.num_samples = math.ceil(len(self.dataset) / self.num_replicas)
        self.total_size = self.num_samples * self.num_replicas
        self.shuffle = shuffle
        self.seed = seed

    def __iter__(self):
        if self.shuffle:  # every process draws the same permutation: the seed is shared
            g = Generator().manual_seed(self.seed + self.epoch)
            indices = creation.randperm(len(self.dataset), generator=g)._array.tolist()
        else:
            indices = list(range(len(self.dataset)))
        if not self.drop_last:  # pad by repeating from the start until it divides evenly
            padding_size = self.total_size - len(indices)
            if padding_size <= len(indices):
                indices += indices[:padding_size]
            else:
                indices += (indices * math.ceil(padding_size / len(indices)))[:padding_size]
        else:
            indices = indices[:self.total_size]
        if len(indices) != self.total_size:
            raise AssertionError(f"Number of indices ({len(indices)}) does not match total_size "
                                 f"({self.total_size})")
        indices = indices[self.rank:self.total_size:self.num_replicas]
        if len(indices) != self.num_samples:
            raise AssertionError(f"Number of subsampled indices ({len(indices)}) does not match "
                                 f"num_samples ({self.num_samples})")
        return iter(indices)

    def __len__(self) -> int:
        return self.num_samples

    def set_epoch(self, epoch: int) -> None:
        """Use ``epoch`` in the seed: with ``shuffle=True``, a new order each epoch (the same in every
        process)."""
        self.epoch = epoch
