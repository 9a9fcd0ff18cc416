"""``glassgrad.utils.data`` — datasets, samplers and the DataLoader, as ``torch.utils.data``.

Part III, after ``nn`` and ``optim``: how samples reach the model. The files, in reading order (each
at PyTorch's module path, so ``import torch.utils.data.dataloader`` finds it under ``run-as-torch``):

    dataset.py           Dataset, TensorDataset, Subset, ConcatDataset, random_split, IterableDataset
    sampler.py           SequentialSampler, RandomSampler (lazy), BatchSampler, WeightedRandomSampler
    distributed.py       DistributedSampler: one process's share of each epoch
    _utils/collate.py    default_collate: a list of samples → one batch
    dataloader.py        DataLoader: sampler → indices → samples → collate → batch

Randomness comes from glassgrad's generators (``glassgrad.manual_seed(0)`` makes every shuffle and split
reproducible), and the orders are PyTorch's for the same seed, as all glassgrad random numbers are.
"""

from glassgrad.utils.data import _utils  # noqa: F401  (torch.utils.data._utils.collate)
from glassgrad.utils.data.dataloader import (DataLoader, default_collate, default_convert,
                                             get_worker_info)
from glassgrad.utils.data.dataset import (ChainDataset, ConcatDataset, Dataset, IterableDataset,
                                          StackDataset, Subset, TensorDataset, random_split)
from glassgrad.utils.data.distributed import DistributedSampler
from glassgrad.utils.data.sampler import (BatchSampler, RandomSampler, Sampler, SequentialSampler,
                                          SubsetRandomSampler, WeightedRandomSampler)

__all__ = [
    "Dataset", "IterableDataset", "TensorDataset", "StackDataset", "Subset", "ConcatDataset", "ChainDataset",
    "random_split", "Sampler", "SequentialSampler", "RandomSampler", "SubsetRandomSampler",
    "WeightedRandomSampler", "BatchSampler", "DistributedSampler", "DataLoader", "default_collate",
    "default_convert", "get_worker_info",
]
