"""torch.finfo / torch.iinfo and torch.broadcast_tensors / broadcast_shapes, against PyTorch.

Found while adding torch.distributions for the corpus' reinforcement-learning programs: PyTorch's own
distributions clamp with ``torch.finfo(dtype).eps`` and line parameters up with ``broadcast_tensors``,
and programs call both directly (``eps = torch.finfo(torch.float32).eps``).
"""

import pytest
import torch

import glassgrad as gg


@pytest.mark.parametrize("name", ["float16", "float32", "float64", "bfloat16"])
def test_finfo_matches_pytorch(name):
    g, t = gg.finfo(getattr(gg, name)), torch.finfo(getattr(torch, name))
    for field in ("bits", "eps", "max", "min", "tiny", "smallest_normal", "resolution"):
        assert getattr(g, field) == getattr(t, field), field
    assert g.dtype == t.dtype


def test_finfo_default_and_repr_match_pytorch():
    assert repr(gg.finfo()) == repr(torch.finfo())


@pytest.mark.parametrize("name", ["uint8", "int8", "int16", "int32", "int64"])
def test_iinfo_matches_pytorch(name):
    g, t = gg.iinfo(getattr(gg, name)), torch.iinfo(getattr(torch, name))
    assert (g.bits, g.min, g.max, g.dtype) == (t.bits, t.min, t.max, t.dtype)
    assert repr(g) == repr(t)


def test_info_errors_match_pytorch():
    for lib in (gg, torch):
        with pytest.raises(TypeError, match="torch.finfo\\(\\) requires a floating point input type"):
            lib.finfo(lib.int64)
        with pytest.raises(TypeError, match="torch.iinfo\\(\\) requires an integer input type"):
            lib.iinfo(lib.float32)
        with pytest.raises(TypeError, match="must be torch.dtype, not str"):
            lib.finfo("float32")


@pytest.mark.parametrize("shapes", [[(2, 1), (3,)], [(4, 1, 3), (2, 1), ()], [(5,)]])
def test_broadcast_tensors_and_shapes_match_pytorch(shapes):
    g_out = gg.broadcast_tensors(*[gg.ones(s) for s in shapes])
    t_out = torch.broadcast_tensors(*[torch.ones(s) for s in shapes])
    assert [tuple(g.shape) for g in g_out] == [tuple(t.shape) for t in t_out]
    assert tuple(gg.broadcast_shapes(*shapes)) == tuple(torch.broadcast_shapes(*shapes))


def test_broadcast_tensors_are_views_and_carry_gradients():
    x = gg.tensor([[1.0], [2.0]], requires_grad=True)
    a, _ = gg.broadcast_tensors(x, gg.ones(3))
    a.sum().backward()
    tx = torch.tensor([[1.0], [2.0]], requires_grad=True)
    ta, _ = torch.broadcast_tensors(tx, torch.ones(3))
    ta.sum().backward()
    assert x.grad.tolist() == tx.grad.tolist()


def test_broadcast_errors_match_pytorch():
    for lib in (gg, torch):
        with pytest.raises(RuntimeError, match=r"The size of tensor a \(2\) must match the size of tensor b \(3\) "
                                               r"at non-singleton dimension 0"):
            lib.broadcast_tensors(lib.ones(2), lib.ones(3))
        with pytest.raises(RuntimeError, match=r"Attempting to broadcast a dimension of length 3 at -1! Mismatching "
                                               r"argument at index 1 had \(3,\); but expected shape should be "
                                               r"broadcastable to \[2\]"):
            lib.broadcast_shapes((2,), (3,))
