"""nn.functional against torch.nn.functional in float64: every forward value and input gradient."""

import sys
import warnings
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

sys.path.insert(0, str(Path(__file__).parent))
from nn_helpers import as_np, compare  # noqa: E402

import glassgrad  # noqa: E402
import glassgrad.nn.functional as F  # noqa: E402

rng = np.random.default_rng(0)


def randn(*shape):
    return rng.standard_normal(shape) * 2


ACTIVATIONS = [
    ("relu", lambda x: F.relu(x), lambda x: TF.relu(x)),
    ("leaky_relu", lambda x: F.leaky_relu(x, 0.2), lambda x: TF.leaky_relu(x, 0.2)),
    ("elu", lambda x: F.elu(x, 1.3), lambda x: TF.elu(x, 1.3)),
    ("gelu", lambda x: F.gelu(x), lambda x: TF.gelu(x)),
    ("gelu_tanh", lambda x: F.gelu(x, approximate="tanh"), lambda x: TF.gelu(x, approximate="tanh")),
    ("silu", lambda x: F.silu(x), lambda x: TF.silu(x)),
    ("mish", lambda x: F.mish(x), lambda x: TF.mish(x)),
    ("softplus", lambda x: F.softplus(x, 2.0, 3.0), lambda x: TF.softplus(x, 2.0, 3.0)),
    ("tanh", lambda x: F.tanh(x), lambda x: torch.tanh(x)),
    ("sigmoid", lambda x: F.sigmoid(x), lambda x: torch.sigmoid(x)),
    ("hardtanh", lambda x: F.hardtanh(x, -0.5, 1.5), lambda x: TF.hardtanh(x, -0.5, 1.5)),
    ("relu6", lambda x: F.relu6(x * 4), lambda x: TF.relu6(x * 4)),
    ("softmax0", lambda x: F.softmax(x, 0), lambda x: TF.softmax(x, 0)),
    ("softmax-1", lambda x: F.softmax(x, dim=-1), lambda x: TF.softmax(x, dim=-1)),
    ("log_softmax", lambda x: F.log_softmax(x, 1), lambda x: TF.log_softmax(x, 1)),
    ("softmin", lambda x: F.softmin(x, 1), lambda x: TF.softmin(x, 1)),
]


@pytest.mark.parametrize("name,g_fn,t_fn", ACTIVATIONS, ids=[a[0] for a in ACTIVATIONS])
def test_activation_matches_torch(name, g_fn, t_fn):
    x = randn(4, 5, 3)
    x[0, 0, 0] = 0.0  # the kink of the piecewise ones
    x[1, 1, 1] = 25.0  # far tails
    x[1, 1, 2] = -25.0
    compare(g_fn, t_fn, x)


def test_activations_keep_float32():
    x = glassgrad.randn(3, 4)
    for fn in (F.gelu, F.silu, F.elu, F.mish, F.softplus, F.leaky_relu, F.relu):
        assert fn(x).dtype == glassgrad.float32


@pytest.mark.parametrize("fn", ["relu", "leaky_relu", "elu", "silu", "hardtanh"])
def test_inplace_activations_write_into_the_input(fn):
    x = randn(3, 4)
    g_in, t_in = glassgrad.tensor(x), torch.tensor(x)
    g_out = getattr(F, fn)(g_in, inplace=True)
    t_out = getattr(TF, fn)(t_in, inplace=True)
    assert g_out is g_in
    np.testing.assert_allclose(as_np(g_in), as_np(t_in))
    # gradient through an in-place activation applied to a non-leaf
    a = glassgrad.tensor(x, requires_grad=True)
    ta = torch.tensor(x, requires_grad=True)
    getattr(F, fn)(a * 1.0, inplace=True).sum().backward()
    getattr(TF, fn)(ta * 1.0, inplace=True).sum().backward()
    np.testing.assert_allclose(as_np(a.grad), as_np(ta.grad))


def test_softmax_without_dim_warns_and_picks_torchs_dim():
    x = randn(2, 3)
    with pytest.warns(UserWarning, match="Implicit dimension choice for softmax"):
        out = F.softmax(glassgrad.tensor(x))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = TF.softmax(torch.tensor(x))
    np.testing.assert_allclose(as_np(out), as_np(ref))


def test_softmax_dtype_argument_and_second_derivative():
    x = randn(3, 4).astype(np.float32)
    assert F.softmax(glassgrad.tensor(x), 1, dtype=glassgrad.float64).dtype == glassgrad.float64
    # d²/dx² through log_softmax and softmax, vs torch
    for g_fn, t_fn in ((F.log_softmax, TF.log_softmax), (F.softmax, TF.softmax)):
        xd = randn(2, 3)
        gx = glassgrad.tensor(xd, requires_grad=True)
        tx = torch.tensor(xd, requires_grad=True)
        w = randn(2, 3)
        gy = (g_fn(gx, 1) * glassgrad.tensor(w)).sum()
        ty = (t_fn(tx, 1) * torch.tensor(w)).sum()
        (gg,) = glassgrad.autograd.grad(gy, gx, create_graph=True)
        (tg,) = torch.autograd.grad(ty, tx, create_graph=True)
        (gg * gg).sum().backward()
        (tg * tg).sum().backward()
        np.testing.assert_allclose(as_np(gx.grad), as_np(tx.grad), rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("x_shape", [(5, 3), (2, 4, 3), (3,)])
@pytest.mark.parametrize("bias", [True, False])
def test_linear_matches_torch(x_shape, bias):
    x, w, b = randn(*x_shape), randn(4, 3), randn(4)
    if bias:
        compare(F.linear, TF.linear, x, w, b)
    else:
        compare(lambda x, w: F.linear(x, w), lambda x, w: TF.linear(x, w), x, w)


def test_linear_double_backward_matches_torch():
    x, w, b = randn(5, 3), randn(4, 3), randn(4)
    gx, gw, gb = (glassgrad.tensor(a, requires_grad=True) for a in (x, w, b))
    tx, tw, tb = (torch.tensor(a, requires_grad=True) for a in (x, w, b))
    gy = F.tanh(F.linear(gx, gw, gb)).sum()
    ty = torch.tanh(TF.linear(tx, tw, tb)).sum()
    g1 = glassgrad.autograd.grad(gy, [gx, gw], create_graph=True)
    t1 = torch.autograd.grad(ty, [tx, tw], create_graph=True)
    (g1[0].sum() + (g1[1] * g1[1]).sum()).backward()
    (t1[0].sum() + (t1[1] * t1[1]).sum()).backward()
    for g, t in ((gx, tx), (gw, tw), (gb, tb)):
        np.testing.assert_allclose(as_np(g.grad), as_np(t.grad), rtol=1e-9, atol=1e-12)


def test_linear_errors_name_both_shapes_and_dtypes():
    with pytest.raises(RuntimeError, match=r"mat1 and mat2 shapes cannot be multiplied \(2x3 and 5x4\)"):
        F.linear(glassgrad.randn(2, 3), glassgrad.randn(4, 5))
    with pytest.raises(RuntimeError, match="mat1 and mat2 must have the same dtype, but got Double and Float"):
        F.linear(glassgrad.randn(2, 3, dtype=glassgrad.float64), glassgrad.randn(4, 3))


def test_dropout_statistics_scaling_and_reproducibility():
    x = glassgrad.ones(200, 500, dtype=glassgrad.float64)
    glassgrad.manual_seed(3)
    a = F.dropout(x, 0.3)
    glassgrad.manual_seed(3)
    b = F.dropout(x, 0.3)
    np.testing.assert_array_equal(as_np(a), as_np(b))
    vals = np.unique(as_np(a))
    np.testing.assert_allclose(vals, [0.0, 1 / 0.7])
    assert abs((as_np(a) == 0).mean() - 0.3) < 0.01
    assert F.dropout(x, 0.3, training=False) is x
    assert (as_np(F.dropout(x, 1.0)) == 0).all()
    with pytest.raises(ValueError, match="dropout probability has to be between 0 and 1, but got 1.5"):
        F.dropout(x, 1.5)
    # gradient uses the same mask
    w = glassgrad.ones(4, 6, requires_grad=True)
    y = F.dropout(w, 0.5)
    y.sum().backward()
    np.testing.assert_array_equal(as_np(w.grad), as_np(y.detach()))


def test_dropout2d_zeroes_whole_channels():
    glassgrad.manual_seed(0)
    y = as_np(F.dropout2d(glassgrad.ones(8, 16, 3, 3), 0.5))
    per_channel = y.reshape(8, 16, 9)
    assert ((per_channel == 0).all(-1) | (per_channel == 2).all(-1)).all()


def test_one_hot():
    out = F.one_hot(glassgrad.tensor([[0, 2], [1, 3]]))
    ref = TF.one_hot(torch.tensor([[0, 2], [1, 3]]))
    np.testing.assert_array_equal(as_np(out), as_np(ref))
    assert out.dtype == glassgrad.int64
    assert F.one_hot(glassgrad.tensor([1]), 5).shape == (1, 5)
    for bad, msg in ((glassgrad.tensor([1.0]), "only applicable to index tensor of type LongTensor"),
                     (glassgrad.tensor([-1]), "Class values must be non-negative"),
                     (glassgrad.tensor([2]), "Class values must be smaller than num_classes")):
        with pytest.raises(RuntimeError, match=msg):
            F.one_hot(bad, 2)


@pytest.mark.parametrize("pad", [(1, 2), (0, 1, 2, 0), (1, 1, 1, 1, 1, 1), (-1, 2, 1, -1)])
def test_constant_pad_matches_torch(pad):
    compare(lambda x: F.pad(x, pad, value=0.5), lambda x: TF.pad(x, pad, value=0.5), randn(2, 3, 4))


@pytest.mark.parametrize("mode", ["reflect", "replicate", "circular"])
@pytest.mark.parametrize("pad", [(1, 2), (2, 1, 1, 2)])
def test_index_pad_modes_match_torch(mode, pad):
    x = randn(2, 3, 5) if len(pad) == 2 else randn(2, 3, 4, 5)
    compare(lambda x: F.pad(x, pad, mode=mode), lambda x: TF.pad(x, pad, mode=mode), x)


def test_pad_errors():
    with pytest.raises(RuntimeError, match="Padding length must be divisible by 2"):
        F.pad(glassgrad.randn(3), (1,))
    with pytest.raises(RuntimeError, match="Padding length should be less than or equal to two times"):
        F.pad(glassgrad.randn(3), (1, 1, 1, 1))
    with pytest.raises(NotImplementedError, match="Padding size 2 is not supported for 4D input tensor"):
        F.pad(glassgrad.randn(1, 2, 3, 4), (1, 1), mode="reflect")
    with pytest.raises(RuntimeError, match="Padding size should be less than the corresponding input"):
        F.pad(glassgrad.randn(1, 2, 3), (3, 0), mode="reflect")


@pytest.mark.parametrize("shape,normalized", [((4, 5), (5,)), ((2, 3, 4), (3, 4))])
@pytest.mark.parametrize("affine", [True, False])
def test_layer_norm_matches_torch(shape, normalized, affine):
    x = randn(*shape) + 3
    if affine:
        compare(lambda x, w, b: F.layer_norm(x, normalized, w, b, 1e-5),
                lambda x, w, b: TF.layer_norm(x, normalized, w, b, 1e-5),
                x, randn(*normalized), randn(*normalized))
    else:
        compare(lambda x: F.layer_norm(x, normalized), lambda x: TF.layer_norm(x, normalized), x)


def test_layer_norm_shape_error():
    with pytest.raises(RuntimeError, match=r"Given normalized_shape=\[5\], expected input with shape "
                                           r"\[\*, 5\], but got input of size\[2, 3\]"):
        F.layer_norm(glassgrad.randn(2, 3), (5,))


@pytest.mark.parametrize("shape", [(6, 3), (4, 3, 5), (2, 3, 4, 4)])
@pytest.mark.parametrize("training", [True, False])
def test_batch_norm_matches_torch(shape, training):
    x = randn(*shape) + 1
    rm, rv = randn(3), np.abs(randn(3)) + 0.5
    g_rm, g_rv = glassgrad.tensor(rm), glassgrad.tensor(rv)
    t_rm, t_rv = torch.tensor(rm), torch.tensor(rv)
    compare(lambda x, w, b: F.batch_norm(x, g_rm, g_rv, w, b, training, 0.2, 1e-4),
            lambda x, w, b: TF.batch_norm(x, t_rm, t_rv, w, b, training, 0.2, 1e-4),
            x, randn(3), randn(3))
    np.testing.assert_allclose(as_np(g_rm), as_np(t_rm), rtol=1e-12)
    np.testing.assert_allclose(as_np(g_rv), as_np(t_rv), rtol=1e-12)


def test_batch_norm_needs_more_than_one_value_per_channel():
    with pytest.raises(ValueError, match="Expected more than 1 value per channel when training"):
        F.batch_norm(glassgrad.randn(1, 3), None, None, training=True)


@pytest.mark.parametrize("p,dim", [(2.0, 1), (1.0, 0), (3.0, -1)])
def test_normalize_matches_torch(p, dim):
    x = randn(3, 4)
    x[0] = 0.0  # an all-zero row: eps keeps it finite, the gradient stays finite
    compare(lambda x: F.normalize(x, p, dim), lambda x: TF.normalize(x, p, dim), x)


def test_embedding_matches_torch_with_padding_and_repeats():
    idx = np.array([[0, 2, 2], [1, 0, 3]])
    w = randn(5, 4)
    gw = glassgrad.tensor(w, requires_grad=True)
    tw = torch.tensor(w, requires_grad=True)
    go = F.embedding(glassgrad.tensor(idx), gw, padding_idx=0)
    to = TF.embedding(torch.tensor(idx), tw, padding_idx=0)
    np.testing.assert_allclose(as_np(go), as_np(to))
    u = randn(2, 3, 4)
    (go * glassgrad.tensor(u)).sum().backward()
    (to * torch.tensor(u)).sum().backward()
    np.testing.assert_allclose(as_np(gw.grad), as_np(tw.grad))
    with pytest.raises(IndexError, match="index out of range in self"):
        F.embedding(glassgrad.tensor([7]), gw)
    with pytest.raises(RuntimeError, match="Expected tensor for argument #1 'indices'"):
        F.embedding(glassgrad.tensor([1.0]), gw)
