"""tensordot, kron, block_diag, diag_embed, diagflat, cartesian_prod, combinations, tril/triu_indices,
rot90, h/v/dsplit, row_stack, narrow_copy, Tensor.unfold / as_strided, bucketize, searchsorted, isin,
unique_consecutive and the storage questions (ops/building.py) against PyTorch."""

import numpy as np
import pytest
import torch

import glassgrad as gg

RNG = np.random.default_rng(2)
A, B = RNG.normal(size=(3, 4, 5)), RNG.normal(size=(4, 5, 2))
M, N, V = RNG.normal(size=(2, 3)), RNG.normal(size=(3, 2)), RNG.normal(size=4)
TOL = {np.float64: dict(rtol=1e-10, atol=1e-12), np.float32: dict(rtol=2e-5, atol=1e-5)}


def compare(ours, theirs, *arrays, name=True):
    for dt in (np.float64, np.float32):
        mine = [gg.tensor(a.astype(dt), requires_grad=True) for a in arrays]
        ref = [torch.tensor(a.astype(dt), requires_grad=True) for a in arrays]
        out, expected = ours(*mine), theirs(*ref)
        assert tuple(out.shape) == tuple(expected.shape)
        assert str(out.dtype).split(".")[-1] == str(expected.dtype).split(".")[-1]
        np.testing.assert_allclose(out.detach().numpy(), expected.detach().numpy(), **TOL[dt])
        if name:
            assert out.grad_fn.name() == expected.grad_fn.name()
        weight = RNG.normal(size=tuple(expected.shape)).astype(dt)
        (out * gg.tensor(weight)).sum().backward()
        (expected * torch.tensor(weight)).sum().backward()
        for m, r in zip(mine, ref):
            np.testing.assert_allclose(m.grad.numpy(), r.grad.numpy(), **TOL[dt])


CASES = [
    ("tensordot", lambda m: m.tensordot, (A, B), True),
    ("tensordot lists", lambda m: lambda a, b: m.tensordot(a, b, ([1, 0], [0, 1])), (M, N), True),
    ("tensordot 0", lambda m: lambda a, b: m.tensordot(a, b, 0), (M, V), False),
    ("kron", lambda m: m.kron, (M, N), True), ("kron 3d", lambda m: m.kron, (A, M), True),
    ("block_diag", lambda m: m.block_diag, (M, N, V), True),
    ("diag_embed", lambda m: m.diag_embed, (M,), True),
    ("diag_embed offset", lambda m: lambda x: m.diag_embed(x, 1, 0, 2), (M,), True),
    ("diag_embed negative", lambda m: lambda x: x.diag_embed(-2, 2, 1), (A,), True),
    ("diagflat", lambda m: lambda x: m.diagflat(x, -1), (M,), True),
    ("cartesian_prod", lambda m: m.cartesian_prod, (V, V[:2].copy(), V[:3].copy()), True),
    ("combinations", lambda m: lambda x: m.combinations(x, 3), (V,), True),
    ("combinations repl", lambda m: lambda x: m.combinations(x, 2, with_replacement=True), (V,), True),
    ("unfold", lambda m: lambda x: x.unfold(1, 2, 1), (A,), True),
    ("unfold step", lambda m: lambda x: x.unfold(2, 3, 2), (A,), True),
    ("unfold last", lambda m: lambda x: x.unfold(-1, 5, 3), (A,), True),
    ("as_strided", lambda m: lambda x: x.as_strided((2, 3), (1, 2)), (M,), False),
    ("as_strided offset", lambda m: lambda x: x.as_strided((2, 2), (3, 1), 1), (M,), False),
    ("hsplit", lambda m: lambda x: m.hsplit(x, 2)[1], (A,), True),
    ("vsplit", lambda m: lambda x: m.vsplit(x, [1])[1], (A,), True),
    ("dsplit", lambda m: lambda x: x.dsplit([1, 3])[1], (A,), True),
    ("hsplit 1d", lambda m: lambda x: m.hsplit(x, 2)[0], (V,), True),
    ("row_stack", lambda m: lambda a, b: m.row_stack([a, b]), (M, N.T.copy()), True),
    ("narrow_copy", lambda m: lambda x: x.narrow_copy(1, 1, 2), (A,), True),
    ("narrow_copy negative", lambda m: lambda x: m.narrow_copy(x, -1, -3, 2), (A,), True),
] + [(f"rot90 k={k}", (lambda k: lambda m: lambda x: m.rot90(x, k, [2, 0]))(k), (A,), True) for k in range(-1, 5)]


@pytest.mark.parametrize("fn, arrays, name", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_against_pytorch(fn, arrays, name):
    compare(fn(gg), fn(torch), *arrays, name=name)


@pytest.mark.parametrize("fn, arrays, name", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_without_gradients(fn, arrays, name):
    """The same values when nothing requires grad (the forward then runs without a graph context)."""
    np.testing.assert_allclose(fn(gg)(*[gg.tensor(a) for a in arrays]).numpy(),
                               fn(torch)(*[torch.tensor(a) for a in arrays]).numpy(), rtol=1e-12)


def test_block_diag_mixed_dtypes():
    for module in (gg, torch):
        a, b = module.tensor([[1, 2]]), module.tensor(3.5, requires_grad=True)
        out = module.block_diag(a, b, module.tensor([True, False]))
        (out * module.arange(15.0).reshape(3, 5)).sum().backward()
        assert str(out.dtype).split(".")[-1] == "float32" and b.grad.item() == 7.0
        assert out.tolist() == [[1, 2, 0, 0, 0], [0, 0, 3.5, 0, 0], [0, 0, 0, 1, 0]]


def test_triangle_indices():
    for args in [(4, 3), (4, 3, 1), (3, 5, -1), (0, 3)]:
        np.testing.assert_array_equal(gg.tril_indices(*args).numpy(), torch.tril_indices(*args).numpy())
        np.testing.assert_array_equal(gg.triu_indices(*args).numpy(), torch.triu_indices(*args).numpy())
    assert gg.tril_indices(3, 3, dtype=gg.int32).dtype == gg.int32


def test_bucketize_and_searchsorted():
    bounds, x = [1.0, 3, 5, 7], [[0.0, 1, 3], [6, 7, 9]]
    for right in (False, True):
        for int32 in (False, True):
            mine = gg.bucketize(gg.tensor(x), gg.tensor(bounds), right=right, out_int32=int32)
            ref = torch.bucketize(torch.tensor(x), torch.tensor(bounds), right=right, out_int32=int32)
            np.testing.assert_array_equal(mine.numpy(), ref.numpy())
            assert str(mine.dtype).split(".")[-1] == str(ref.dtype).split(".")[-1]
    seq, values = np.sort(RNG.normal(size=(2, 5)), 1), RNG.normal(size=(2, 3))
    for side in ("left", "right"):
        np.testing.assert_array_equal(gg.searchsorted(gg.tensor(seq), gg.tensor(values), side=side).numpy(),
                                      torch.searchsorted(torch.tensor(seq), torch.tensor(values), side=side).numpy())
    np.testing.assert_array_equal(gg.searchsorted(gg.tensor(bounds), gg.tensor(x), right=True).numpy(),
                                  torch.searchsorted(torch.tensor(bounds), torch.tensor(x), right=True).numpy())
    shuffled = torch.tensor([5.0, 1, 7, 3])
    sorter = torch.argsort(shuffled)
    np.testing.assert_array_equal(
        gg.searchsorted(gg.tensor(shuffled.numpy()), gg.tensor([4.0]), sorter=gg.tensor(sorter.numpy())).numpy(),
        torch.searchsorted(shuffled, torch.tensor([4.0]), sorter=sorter).numpy())


def test_isin_and_unique_consecutive():
    for invert in (False, True):
        np.testing.assert_array_equal(gg.isin(gg.tensor([1, 2, 3, 4]), gg.tensor([2, 4]), invert=invert).numpy(),
                                      torch.isin(torch.tensor([1, 2, 3, 4]), torch.tensor([2, 4]), invert=invert).numpy())
    data = [1, 1, 2, 2, 3, 1, 1, 2]
    for mine, ref in zip(gg.unique_consecutive(gg.tensor(data), return_inverse=True, return_counts=True),
                         torch.unique_consecutive(torch.tensor(data), return_inverse=True, return_counts=True)):
        np.testing.assert_array_equal(mine.numpy(), ref.numpy())
    rows = [[1, 2], [1, 2], [3, 4], [1, 2]]
    for mine, ref in zip(gg.tensor(rows).unique_consecutive(return_counts=True, dim=0),
                         torch.tensor(rows).unique_consecutive(return_counts=True, dim=0)):
        np.testing.assert_array_equal(mine.numpy(), ref.numpy())


def test_storage_questions_and_apply():
    mine, ref = gg.tensor([[1.0, 2.0], [3.0, 4.0]]), torch.tensor([[1.0, 2.0], [3.0, 4.0]])
    assert (mine.nbytes, mine.itemsize) == (ref.nbytes, ref.itemsize)
    assert mine.double().itemsize == ref.double().itemsize
    assert mine.data_ptr() == mine.numpy().ctypes.data
    assert mine.share_memory_() is mine and mine.pin_memory() is mine
    mine.apply_(lambda v: v * 2)
    ref.apply_(lambda v: v * 2)
    mine.map_(gg.tensor([1.0, 10.0]), lambda a, b: a + b)
    ref.map_(torch.tensor([1.0, 10.0]), lambda a, b: a + b)
    np.testing.assert_array_equal(mine.numpy(), ref.numpy())


ERRORS = [lambda m, x: m.rot90(x, 1, [0, 0]), lambda m, x: m.rot90(x, 1, [0]), lambda m, x: m.rot90(x[0, 0]),
          lambda m, x: m.hsplit(x, 3), lambda m, x: m.dsplit(x, 2), lambda m, x: x[0, 0].vsplit(2),
          lambda m, x: x.unfold(0, 5, 1), lambda m, x: x.diag_embed(0, 1, 1),
          lambda m, x: m.tensordot(x, x, ([0], [1])), lambda m, x: m.block_diag(x),
          lambda m, x: m.cartesian_prod(x), lambda m, x: m.combinations(x)]


@pytest.mark.parametrize("call", ERRORS)
def test_errors_as_pytorch(call):
    with pytest.raises(Exception) as theirs:
        call(torch, torch.tensor(A))
    with pytest.raises(Exception) as ours:
        call(gg, gg.tensor(A))
    assert type(ours.value) is type(theirs.value)
    assert str(ours.value) == str(theirs.value)
