"""glassgrad.utils.data against torch.utils.data: batches, collation, samplers, splits and errors."""

import collections
import warnings

import numpy as np
import pytest
import torch
import torch.utils.data as tud
from hypothesis import given, settings
from hypothesis import strategies as st

import glassgrad as gg
from glassgrad.utils import data as gd


def same(ours, theirs):
    """Structure, types, dtypes and values of a glassgrad batch equal a torch batch."""
    if isinstance(theirs, torch.Tensor):
        assert isinstance(ours, gg.Tensor), type(ours)
        assert str(ours.dtype).split(".")[1] == str(theirs.dtype).split(".")[1]
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    elif isinstance(theirs, dict):
        assert type(ours) is type(theirs) and list(ours) == list(theirs)
        for k in theirs:
            same(ours[k], theirs[k])
    elif isinstance(theirs, (list, tuple)):
        assert type(ours) is type(theirs) and len(ours) == len(theirs)
        for a, b in zip(ours, theirs):
            same(a, b)
    else:
        assert ours == theirs


def as_torch(x):
    return torch.from_numpy(x.numpy().copy()) if isinstance(x, gg.Tensor) else x


# --- default_collate -----------------------------------------------------------------------------------
SAMPLES = {
    "floats": [1.0, 2.5, -3.0],
    "ints": [1, 2, 3],
    "bools": [True, False, True],
    "strings": ["a", "bb", "c"],
    "numpy float32 scalars": [np.float32(1.5), np.float32(2)],
    "numpy float64 scalars": [np.float64(1.5), np.float64(2)],
    "numpy int32 scalars": [np.int32(1), np.int32(7)],
    "numpy arrays": [np.arange(3.0), np.ones(3)],
    "numpy int arrays": [np.arange(4).reshape(2, 2), np.ones((2, 2), dtype=np.int64)],
    "tuples": [(1, "a", 2.0), (2, "b", 3.0)],
    "lists": [[1, 2], [3, 4]],
    "dicts": [{"x": 1.0, "y": [1, 2]}, {"x": 2.0, "y": [3, 4]}],
    "ordered dicts": [collections.OrderedDict(a=1, b=2.0), collections.OrderedDict(a=3, b=4.0)],
    "nested": [{"img": (np.zeros(2), 1)}, {"img": (np.ones(2), 0)}],
}


@pytest.mark.parametrize("name", SAMPLES)
def test_default_collate_matches_torch(name):
    batch = SAMPLES[name]
    same(gd.default_collate(batch), tud.default_collate(batch))


def test_default_collate_tensors_stack_like_torch():
    xs = [np.random.default_rng(i).standard_normal((2, 3)).astype(np.float32) for i in range(4)]
    ours = gd.default_collate([(gg.tensor(x), gg.tensor(i)) for i, x in enumerate(xs)])
    theirs = tud.default_collate([(torch.tensor(x), torch.tensor(i)) for i, x in enumerate(xs)])
    same(ours, theirs)
    assert ours[0].shape == (4, 2, 3)


def test_default_collate_namedtuple():
    Point = collections.namedtuple("Point", "x y")
    ours = gd.default_collate([Point(1, 2.0), Point(3, 4.0)])
    assert type(ours) is Point
    same(list(ours), list(tud.default_collate([Point(1, 2.0), Point(3, 4.0)])))


@pytest.mark.parametrize("batch, error", [
    ([object(), object()], TypeError),
    ([None, None], TypeError),
    ([[1, 2], [3]], RuntimeError),
    ([np.array(["a"]), np.array(["b"])], TypeError),
])
def test_default_collate_errors_like_torch(batch, error):
    with pytest.raises(error) as theirs:
        tud.default_collate(batch)
    with pytest.raises(error) as ours:
        gd.default_collate(batch)
    assert str(ours.value) == str(theirs.value)


def test_default_collate_unequal_tensors():
    with pytest.raises(RuntimeError, match="stack expects each tensor to be equal size"):
        gd.default_collate([gg.zeros(2), gg.zeros(3)])


# --- datasets ------------------------------------------------------------------------------------------
def test_tensor_dataset_indexing_and_size_mismatch():
    X, y = gg.arange(12.0).reshape(6, 2), gg.arange(6)
    ds = gd.TensorDataset(X, y)
    assert len(ds) == 6
    x2, y2 = ds[2]
    assert x2.tolist() == [4.0, 5.0] and y2.item() == 2
    with pytest.raises(AssertionError, match="Size mismatch between tensors"):
        gd.TensorDataset(gg.zeros(3), gg.zeros(4))
    with pytest.raises(AssertionError, match="Size mismatch between tensors"):
        tud.TensorDataset(torch.zeros(3), torch.zeros(4))


def test_subset_concat_and_add():
    a, b = gd.TensorDataset(gg.arange(3)), gd.TensorDataset(gg.arange(10, 14))
    c = a + b
    assert isinstance(c, gd.ConcatDataset) and len(c) == 7 and c.cumulative_sizes == [3, 7]
    assert [c[i][0].item() for i in range(7)] == [0, 1, 2, 10, 11, 12, 13]
    assert c[-1][0].item() == 13
    with pytest.raises(ValueError, match="absolute value of index"):
        c[-8]
    s = gd.Subset(c, [6, 0, 3])
    assert len(s) == 3 and [s[i][0].item() for i in range(3)] == [13, 0, 10]
    with pytest.raises(AssertionError, match="empty iterable"):
        gd.ConcatDataset([])


def test_dataset_base_and_iterable_dataset():
    with pytest.raises(NotImplementedError):
        gd.Dataset()[0]

    class Stream(gd.IterableDataset):
        def __init__(self, n):
            self.n = n

        def __iter__(self):
            return iter(range(self.n))

        def __len__(self):
            return self.n

    loader = gd.DataLoader(Stream(7), batch_size=3)
    assert [b.tolist() for b in loader] == [[0, 1, 2], [3, 4, 5], [6]] and len(loader) == 3
    loader = gd.DataLoader(Stream(7), batch_size=3, drop_last=True)
    assert [b.tolist() for b in loader] == [[0, 1, 2], [3, 4, 5]] and len(loader) == 2
    assert list(gd.DataLoader(Stream(2) + Stream(2), batch_size=None)) == [0, 1, 0, 1]
    with pytest.raises(ValueError, match="expected unspecified shuffle option"):
        gd.DataLoader(Stream(3), shuffle=True)
    with pytest.raises(AssertionError, match="does not support IterableDataset"):
        gd.ConcatDataset([Stream(1)])


# --- random_split --------------------------------------------------------------------------------------
@settings(max_examples=30, deadline=None)
@given(n=st.integers(0, 60), fracs=st.lists(st.integers(1, 9), min_size=1, max_size=5))
def test_random_split_fraction_sizes_match_torch(n, fracs):
    lengths = [f / sum(fracs) for f in fracs]
    if not (abs(sum(lengths) - 1) < 1e-9 and sum(lengths) <= 1):
        return  # float rounding made them not sum to one: torch treats them as counts (and fails)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ours = gd.random_split(range(n), lengths)
        theirs = tud.random_split(range(n), lengths)
    assert [len(s) for s in ours] == [len(s) for s in theirs]
    flat = [i for s in ours for i in s]
    assert sorted(flat) == list(range(n))  # disjoint and covering


def test_random_split_counts_and_reproducibility():
    gen = gg.Generator().manual_seed(7)
    a = [list(s) for s in gd.random_split(range(10), [3, 7], generator=gen)]
    b = [list(s) for s in gd.random_split(range(10), [3, 7], generator=gg.Generator().manual_seed(7))]
    assert a == b and [len(s) for s in a] == [3, 7] and sorted(a[0] + a[1]) == list(range(10))
    gg.manual_seed(3)
    c = [list(s) for s in gd.random_split(range(10), [5, 5])]
    gg.manual_seed(3)
    assert c == [list(s) for s in gd.random_split(range(10), [5, 5])]
    assert [len(s) for s in gd.random_split(range(10), [0.3, 0.3, 0.4])] == [3, 3, 4]
    assert [len(s) for s in gd.random_split(range(10), [0.33, 0.33, 0.34])] == [4, 3, 3]
    with pytest.warns(UserWarning, match="Length of split at index 2 is 0"):
        gd.random_split(range(10), [0.5, 0.5, 0.0])


@pytest.mark.parametrize("lengths", [[1, 2], [0.5, 0.6], [5, 6], [1.5, -0.5]])
def test_random_split_errors_like_torch(lengths):
    with pytest.raises(ValueError) as theirs:
        tud.random_split(range(10), lengths)
    with pytest.raises(ValueError) as ours:
        gd.random_split(range(10), lengths)
    assert str(ours.value) == str(theirs.value)


def test_random_split_negative_count_is_an_error():
    with pytest.raises(ValueError, match="non-negative"):
        gd.random_split(range(10), [-1, 11])


# --- samplers ------------------------------------------------------------------------------------------
def test_samplers():
    assert list(gd.SequentialSampler(range(4))) == [0, 1, 2, 3]
    gg.manual_seed(0)
    r = list(gd.RandomSampler(range(10)))
    assert sorted(r) == list(range(10))
    gg.manual_seed(0)
    assert list(gd.RandomSampler(range(10))) == r
    long = list(gd.RandomSampler(range(4), num_samples=10))
    assert len(long) == 10 and sorted(long[:4]) == [0, 1, 2, 3] and sorted(long[4:8]) == [0, 1, 2, 3]
    rep = list(gd.RandomSampler(range(3), replacement=True, num_samples=50))
    assert len(rep) == 50 and set(rep) <= {0, 1, 2}
    sub = list(gd.SubsetRandomSampler([5, 7, 9]))
    assert sorted(sub) == [5, 7, 9]
    for drop_last in (False, True):
        ours = list(gd.BatchSampler(gd.SequentialSampler(range(10)), 3, drop_last))
        theirs = list(tud.BatchSampler(tud.SequentialSampler(range(10)), 3, drop_last))
        assert ours == theirs
        assert list(gd.BatchSampler(iter(range(10)), 3, drop_last)) == theirs  # any iterable
        assert len(gd.BatchSampler(range(10), 3, drop_last)) == len(theirs)


@pytest.mark.parametrize("make", [
    lambda m: m.RandomSampler(range(3), replacement=1),
    lambda m: m.RandomSampler(range(3), num_samples=0),
    lambda m: m.BatchSampler(range(3), 0, False),
    lambda m: m.BatchSampler(range(3), 2, 1),
])
def test_sampler_errors_like_torch(make):
    with pytest.raises((TypeError, ValueError)) as theirs:
        make(tud)
    with pytest.raises(type(theirs.value)) as ours:
        make(gd)
    assert str(ours.value) == str(theirs.value)


# --- DataLoader ----------------------------------------------------------------------------------------
def data(n=23, seed=0):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n, 4)).astype(np.float32), rng.integers(0, 5, n)


@pytest.mark.parametrize("batch_size, drop_last", [(1, False), (5, False), (5, True), (23, False),
                                                   (30, True)])
def test_loader_sequential_batches_match_torch(batch_size, drop_last):
    X, y = data()
    ours = gd.DataLoader(gd.TensorDataset(gg.tensor(X), gg.tensor(y)), batch_size=batch_size,
                         drop_last=drop_last)
    theirs = tud.DataLoader(tud.TensorDataset(torch.tensor(X), torch.tensor(y)), batch_size=batch_size,
                            drop_last=drop_last)
    assert len(ours) == len(theirs)
    ob, tb = list(ours), list(theirs)
    assert len(ob) == len(tb)
    for a, b in zip(ob, tb):
        same(a, b)


def test_loader_general_datasets_match_torch():
    samples = [{"x": np.full(2, i, dtype=np.float32), "label": i, "name": f"s{i}", "w": i / 2}
               for i in range(7)]
    for a, b in zip(gd.DataLoader(samples, batch_size=3), tud.DataLoader(samples, batch_size=3)):
        same(a, b)
    assert [x.tolist() for x in gd.DataLoader(range(5), batch_size=2)] == [[0, 1], [2, 3], [4]]
    ours = list(gd.DataLoader(range(3), batch_size=None))
    assert ours == [0, 1, 2] == list(tud.DataLoader(range(3), batch_size=None))


def test_loader_shuffle_covers_everything_and_reshuffles():
    X, y = data(40)
    gg.manual_seed(0)
    loader = gd.DataLoader(gd.TensorDataset(gg.tensor(X), gg.tensor(np.arange(40))), batch_size=8,
                           shuffle=True)
    e1 = [i for _, idx in loader for i in idx.tolist()]
    e2 = [i for _, idx in loader for i in idx.tolist()]
    assert sorted(e1) == sorted(e2) == list(range(40))
    assert e1 != e2  # a fresh permutation each epoch
    gg.manual_seed(0)
    assert [i for _, idx in loader for i in idx.tolist()] == e1  # manual_seed reproduces the order
    g1 = gd.DataLoader(range(40), batch_size=8, shuffle=True, generator=gg.Generator().manual_seed(5))
    g2 = gd.DataLoader(range(40), batch_size=8, shuffle=True, generator=gg.Generator().manual_seed(5))
    gg.manual_seed(1)  # the explicit generator ignores the global one
    assert [b.tolist() for b in g1] == [b.tolist() for b in g2]


@pytest.mark.parametrize("shuffle", [False, True])
@pytest.mark.parametrize("drop_last", [False, True])
def test_fast_tensor_path_equals_general_path(shuffle, drop_last):
    """The TensorDataset shortcut gives the very batches per-sample indexing + stack gives."""
    X, y = data(29)
    tensors = (gg.tensor(X), gg.tensor(y), gg.tensor(X[:, :1].astype(np.float64)))

    class Slow(gd.TensorDataset):  # a subclass with its own __getitem__ takes the general path
        def __getitem__(self, i):
            return tuple(t[i] for t in self.tensors)

    runs = []
    for cls in (gd.TensorDataset, Slow):
        loader = gd.DataLoader(cls(*tensors), batch_size=4, shuffle=shuffle, drop_last=drop_last,
                               generator=gg.Generator().manual_seed(11))
        assert loader._fast_tensor_path() == (cls is gd.TensorDataset)
        runs.append([b for _ in range(2) for b in loader])
    fast, slow = runs
    assert len(fast) == len(slow)
    for a, b in zip(fast, slow):
        assert type(a) is type(b) is list
        for s, t in zip(a, b):
            assert s.dtype == t.dtype and s.shape == t.shape and not s.requires_grad
            np.testing.assert_array_equal(s.numpy(), t.numpy())


def test_loader_with_grad_tensors_keeps_the_graph():
    w = gg.randn(6, 2, requires_grad=True)
    (batch,) = next(iter(gd.DataLoader(gd.TensorDataset(w), batch_size=6)))
    batch.sum().backward()
    np.testing.assert_array_equal(w.grad.numpy(), np.ones((6, 2)))


def test_loader_samplers_collate_fn_and_len():
    loader = gd.DataLoader(range(10), batch_sampler=gd.BatchSampler(range(10), 4, False))
    assert [b.tolist() for b in loader] == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]] and len(loader) == 3
    loader = gd.DataLoader(range(10), sampler=[9, 8, 7], batch_size=2, collate_fn=lambda b: sum(b))
    assert list(loader) == [17, 7] and len(loader) == 2
    it = iter(gd.DataLoader(range(10), batch_size=4, num_workers=2))
    assert len(it) == 3 and next(it).tolist() == [0, 1, 2, 3]


@pytest.mark.parametrize("kwargs", [
    dict(batch_size=0), dict(batch_size=-1), dict(batch_size=1.5), dict(shuffle=True, sampler=[1, 2]),
    dict(batch_sampler=[[1]], batch_size=2), dict(num_workers=-1), dict(batch_size=None, drop_last=True),
    dict(timeout=-1), dict(prefetch_factor=2), dict(persistent_workers=True), dict(drop_last=1),
])
def test_loader_errors_like_torch(kwargs):
    with pytest.raises(ValueError) as theirs:
        tud.DataLoader(range(10), **kwargs)
    with pytest.raises(ValueError) as ours:
        gd.DataLoader(range(10), **kwargs)
    assert str(ours.value) == str(theirs.value)


def test_loader_attributes_are_frozen_like_torch():
    loader = gd.DataLoader(range(3))
    with pytest.raises(ValueError, match="batch_size attribute should not be set after DataLoader"):
        loader.batch_size = 2
    loader.collate_fn = list  # not one of the frozen ones


# --- module paths, lazy sampling, weighted and distributed samplers ------------------------------------
def test_submodules_at_pytorchs_paths():
    import importlib

    import glassgrad.utils.data._utils.collate as gcollate
    import torch.utils.data._utils.collate as tcollate
    for sub in ("dataset", "sampler", "dataloader", "distributed"):
        ours = importlib.import_module(f"glassgrad.utils.data.{sub}")
        theirs = importlib.import_module(f"torch.utils.data.{sub}")
        mine = set(ours.__all__)
        assert mine <= set(theirs.__all__) | {"DistributedSampler"}, sub
        for name in ours.__all__:
            assert getattr(gd, name) is getattr(ours, name)  # one class, reachable both ways
    assert {"Dataset", "TensorDataset", "Subset", "ConcatDataset", "random_split"} <= set(gd.dataset.__all__)
    assert gd.dataloader.DataLoader is gd.DataLoader and gd.sampler.RandomSampler is gd.RandomSampler
    assert gcollate.default_collate is gd.default_collate
    assert tcollate.default_collate is tud.default_collate  # the path PyTorch programs import


def test_random_sampler_with_replacement_draws_lazily():
    """makemore's InfiniteDataLoader: 10¹⁰ samples, of which only the first few batches are drawn."""
    ds = gd.TensorDataset(gg.arange(10))
    sampler = gd.RandomSampler(ds, replacement=True, num_samples=int(1e10))
    theirs = tud.RandomSampler(tud.TensorDataset(torch.arange(10)), replacement=True, num_samples=int(1e10))
    assert len(sampler) == len(theirs) == 10 ** 10
    loader = gd.DataLoader(ds, sampler=sampler, batch_size=4)
    assert len(loader) == len(tud.DataLoader(theirs.data_source, sampler=theirs, batch_size=4)) == 25 * 10 ** 8
    it = iter(loader)
    batches = [next(it)[0] for _ in range(20)]
    assert all(tuple(b.shape) == (4,) for b in batches)
    assert set(gg.cat(batches).tolist()) <= set(range(10))
    indices = iter(sampler)
    assert len([next(indices) for _ in range(100)]) == 100


def test_random_sampler_epochs_and_chunks():
    gg.manual_seed(0)
    epoch1, epoch2 = list(gd.RandomSampler(range(10))), None
    gg.manual_seed(0)
    s = gd.RandomSampler(range(10))
    assert list(s) == epoch1
    epoch2 = list(s)
    assert sorted(epoch2) == list(range(10)) and epoch2 != epoch1  # each epoch a fresh permutation
    # a fixed generator gives the same as drawing 32 at a time from it
    g = gg.Generator().manual_seed(3)
    drawn = list(gd.RandomSampler(range(7), replacement=True, num_samples=70, generator=g))
    g2 = gg.Generator().manual_seed(3)
    expect = [gg.randint(0, 7, (32,), generator=g2).tolist() for _ in range(2)]
    expect.append(gg.randint(0, 7, (6,), generator=g2).tolist())
    assert drawn == [i for chunk in expect for i in chunk]
    # batches cut across chunks: the batch sampler's numpy path yields what iterating does
    for num_samples, batch, drop in ((70, 5, False), (70, 32, True), (33, 40, False), (9, 4, True)):
        s = gd.RandomSampler(range(7), replacement=True, num_samples=num_samples,
                             generator=gg.Generator().manual_seed(1))
        fast = list(gd.BatchSampler(s, batch, drop))
        s.generator = gg.Generator().manual_seed(1)
        slow = list(gd.BatchSampler(s, batch, drop)._iter_python())
        assert fast == slow
        assert len(fast) == len(gd.BatchSampler(s, batch, drop))


def test_weighted_random_sampler():
    gg.manual_seed(0)
    draws = list(gd.WeightedRandomSampler([0.0, 1.0, 3.0], 4000))
    assert len(draws) == 4000 and set(draws) == {1, 2}
    assert abs(draws.count(2) / 4000 - 0.75) < 0.05
    once = list(gd.WeightedRandomSampler([1.0, 2.0, 3.0, 4.0], 4, replacement=False))
    assert sorted(once) == [0, 1, 2, 3]
    assert len(gd.WeightedRandomSampler([1, 2], 7)) == len(tud.WeightedRandomSampler([1, 2], 7)) == 7
    assert gd.WeightedRandomSampler([1, 2], 3).weights.dtype == gg.float64


@pytest.mark.parametrize("make", [
    lambda m: m.WeightedRandomSampler([1.0, 2.0], 0),
    lambda m: m.WeightedRandomSampler([1.0, 2.0], True),
    lambda m: m.WeightedRandomSampler([1.0, 2.0], 2, replacement=1),
    lambda m: m.WeightedRandomSampler([[1.0, 2.0]], 2),
    lambda m: m.DistributedSampler(range(5), num_replicas=2, rank=2),
    lambda m: m.DistributedSampler(range(5), num_replicas=2, rank=-1),
])
def test_new_sampler_errors_like_torch(make):
    with pytest.raises((TypeError, ValueError)) as theirs:
        make(tud)
    with pytest.raises(type(theirs.value)) as ours:
        make(gd)
    assert str(ours.value) == str(theirs.value)


@pytest.mark.parametrize("n,replicas,drop_last", [(10, 3, False), (10, 3, True), (2, 5, False),
                                                  (12, 4, False), (12, 4, True), (7, 1, False)])
def test_distributed_sampler_splits_like_torch(n, replicas, drop_last):
    ours_all, theirs_all = [], []
    for rank in range(replicas):
        ours = gd.DistributedSampler(range(n), num_replicas=replicas, rank=rank, shuffle=False,
                                     drop_last=drop_last)
        theirs = tud.DistributedSampler(range(n), num_replicas=replicas, rank=rank, shuffle=False,
                                        drop_last=drop_last)
        assert list(ours) == list(theirs) and len(ours) == len(theirs)
        assert (ours.num_samples, ours.total_size) == (theirs.num_samples, theirs.total_size)
        shuffling = gd.DistributedSampler(range(n), num_replicas=replicas, rank=rank, drop_last=drop_last)
        shuffling.set_epoch(3)
        ours_all += list(shuffling)
        theirs_shuffling = tud.DistributedSampler(range(n), num_replicas=replicas, rank=rank,
                                                  drop_last=drop_last)
        theirs_shuffling.set_epoch(3)
        theirs_all += list(theirs_shuffling)
    # shuffled: every rank draws the same permutation (seed + epoch), so together the ranks cover the
    # same indices, as many times each, as PyTorch's ranks do (the order is glassgrad's own)
    # (with drop_last each permutation cuts off a different tail)
    assert len(ours_all) == len(theirs_all)
    if not drop_last:
        assert set(ours_all) == set(theirs_all) == set(range(n))


def test_distributed_sampler_is_single_process_by_default():
    s = gd.DistributedSampler(range(6), seed=5)
    assert (s.num_replicas, s.rank, len(s)) == (1, 0, 6)
    first = list(s)
    assert sorted(first) == list(range(6)) and list(s) == first  # the same order until set_epoch
    s.set_epoch(1)
    assert sorted(list(s)) == list(range(6))
    assert list(gd.DistributedSampler(range(6), shuffle=False)) == list(range(6))


def test_stack_dataset_like_torch():
    X, y = data(6)
    for lib, m in ((gg, gd), (torch, tud)):
        a, b = m.TensorDataset(lib.tensor(X)), lib.tensor(y)
        tup, dic = m.StackDataset(a, b), m.StackDataset(x=a, y=b)
        assert len(tup) == len(dic) == 6
        assert isinstance(tup[2], tuple) and len(tup[2]) == 2 and set(dic[2]) == {"x", "y"}
    ours = list(gd.DataLoader(gd.StackDataset(x=gg.tensor(X), y=gg.tensor(y)), batch_size=4))
    theirs = list(tud.DataLoader(tud.StackDataset(x=torch.tensor(X), y=torch.tensor(y)), batch_size=4))
    for o, t in zip(ours, theirs):
        assert o.keys() == t.keys()
        for k in o:
            np.testing.assert_array_equal(o[k].numpy(), t[k].numpy())
    for args, kwargs in (((), {}), ((range(2),), {"b": range(2)}), ((range(2), range(3)), {})):
        with pytest.raises(ValueError) as theirs_err:
            tud.StackDataset(*args, **kwargs)
        with pytest.raises(ValueError) as ours_err:
            gd.StackDataset(*args, **kwargs)
        assert str(ours_err.value) == str(theirs_err.value)
