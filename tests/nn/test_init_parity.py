"""Same seed, same model: every layer's default initialisation and every ``nn.init`` function against
PyTorch's, bit for bit.

``manual_seed(s); layer = nn.X(...)`` must give PyTorch's parameters exactly, in PyTorch's order
(``named_parameters``), and leave the global generator in PyTorch's state — checked by building a
second layer right after, which must match too. ``nn.init`` functions are checked the same way, with the
global generator and with ``generator=``. Normal draws are bit-exact in float64 and within 4 ulp (99%
bit-exact) in float32, like ``randn``; ``orthogonal_`` is close rather than exact (numpy's QR and
LAPACK's as PyTorch calls it round differently) but draws exactly PyTorch's random numbers.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings, strategies as st

import glassgrad as gg

SEEDS = st.integers(0, 2 ** 64 - 1)
few = settings(max_examples=25, deadline=None)


# --- helpers ------------------------------------------------------------------------------------------
def assert_same_state():
    np.testing.assert_array_equal(gg.get_rng_state().numpy(), torch.get_rng_state().numpy())


def assert_same_parameters(ours, theirs):
    """Same names in the same order, same shapes, dtypes and bits."""
    mine, pytorchs = list(ours.named_parameters()), list(theirs.named_parameters())
    assert [name for name, _ in mine] == [name for name, _ in pytorchs]
    for (name, a), (_, b) in zip(mine, pytorchs):
        a, b = a.detach().numpy(), b.detach().numpy()
        assert a.shape == b.shape and a.dtype == b.dtype, name
        np.testing.assert_array_equal(a, b, err_msg=name)
    for (name, a), (_, b) in zip(ours.named_buffers(), theirs.named_buffers()):
        np.testing.assert_array_equal(a.numpy(), b.numpy(), err_msg=name)


def build_both(seed, build, first_input=None):
    """``build(nn)`` twice in each library after the same seed (a lazy layer is fed ``first_input(lib)``);
    both pairs must match and the generators end in step."""
    gg.manual_seed(seed)
    torch.manual_seed(seed)
    pairs = []
    for _ in range(2):
        pair = build(gg.nn), build(torch.nn)
        if first_input is not None:
            pair[0](first_input(gg))
            pair[1](first_input(torch))
        pairs.append(pair)
    for ours, theirs in pairs:
        assert_same_parameters(ours, theirs)
    assert_same_state()


LAYERS = {
    "Linear": lambda nn: nn.Linear(5, 3),
    "Linear(bias=False)": lambda nn: nn.Linear(7, 4, bias=False),
    "Linear(1, 1)": lambda nn: nn.Linear(1, 1),
    "Bilinear": lambda nn: nn.Bilinear(3, 4, 5),
    "Bilinear(bias=False)": lambda nn: nn.Bilinear(2, 2, 3, bias=False),
    "Conv1d": lambda nn: nn.Conv1d(3, 4, 3),
    "Conv1d(groups=2)": lambda nn: nn.Conv1d(4, 6, 3, groups=2),
    "Conv2d": lambda nn: nn.Conv2d(3, 4, (3, 2)),
    "Conv2d(groups=2, bias=False)": lambda nn: nn.Conv2d(4, 6, 3, groups=2, bias=False),
    "Conv2d(depthwise)": lambda nn: nn.Conv2d(4, 8, 5, groups=4, padding=2),
    "ConvTranspose2d": lambda nn: nn.ConvTranspose2d(3, 4, 3),
    "ConvTranspose2d(groups=2)": lambda nn: nn.ConvTranspose2d(4, 6, 3, groups=2, stride=2),
    "ConvTranspose1d": lambda nn: nn.ConvTranspose1d(3, 4, 3),
    "Conv3d": lambda nn: nn.Conv3d(3, 4, (3, 2, 2)),
    "Conv3d(groups=2, bias=False)": lambda nn: nn.Conv3d(4, 6, 2, groups=2, bias=False),
    "Embedding": lambda nn: nn.Embedding(10, 4),
    "Embedding(padding_idx)": lambda nn: nn.Embedding(10, 4, padding_idx=2),
    "Embedding(padding_idx=-1)": lambda nn: nn.Embedding(10, 4, padding_idx=-1),
    "Embedding(max_norm)": lambda nn: nn.Embedding(6, 3, max_norm=1.0),
    "EmbeddingBag": lambda nn: nn.EmbeddingBag(10, 4),
    "EmbeddingBag(padding_idx)": lambda nn: nn.EmbeddingBag(10, 4, mode="sum", padding_idx=3),
    "BatchNorm1d": lambda nn: nn.BatchNorm1d(4),
    "BatchNorm2d(affine=False)": lambda nn: nn.BatchNorm2d(4, affine=False),
    "LayerNorm": lambda nn: nn.LayerNorm(4),
    "LayerNorm((3, 4), bias=False)": lambda nn: nn.LayerNorm((3, 4), bias=False),
    "BatchNorm3d": lambda nn: nn.BatchNorm3d(3),
    "SyncBatchNorm": lambda nn: nn.SyncBatchNorm(3),
    "AdaptiveLogSoftmaxWithLoss": lambda nn: nn.AdaptiveLogSoftmaxWithLoss(16, 10, [4, 8], div_value=2.0),
    "GroupNorm": lambda nn: nn.GroupNorm(2, 4),
    "InstanceNorm1d(affine)": lambda nn: nn.InstanceNorm1d(3, affine=True),
    "InstanceNorm2d(affine, track_running_stats)": lambda nn: nn.InstanceNorm2d(3, affine=True, track_running_stats=True),
    "InstanceNorm3d(affine)": lambda nn: nn.InstanceNorm3d(2, affine=True),
    "RMSNorm": lambda nn: nn.RMSNorm((2, 3)),
    "RNN": lambda nn: nn.RNN(3, 4),
    "RNN(2 layers, bidirectional)": lambda nn: nn.RNN(3, 4, num_layers=2, bidirectional=True),
    "RNN(relu, bias=False)": lambda nn: nn.RNN(3, 4, nonlinearity="relu", bias=False),
    "LSTM(2 layers)": lambda nn: nn.LSTM(3, 4, num_layers=2),
    "LSTM(bidirectional, batch_first)": lambda nn: nn.LSTM(3, 4, bidirectional=True, batch_first=True),
    "LSTM(proj_size)": lambda nn: nn.LSTM(3, 5, proj_size=2, num_layers=2),
    "LSTM(proj_size, bidirectional)": lambda nn: nn.LSTM(3, 5, proj_size=2, bidirectional=True),
    "GRU(2 layers, bidirectional)": lambda nn: nn.GRU(3, 4, num_layers=2, bidirectional=True),
    "GRU(bias=False)": lambda nn: nn.GRU(3, 4, bias=False),
    "RNNCell": lambda nn: nn.RNNCell(3, 4),
    "RNNCell(relu)": lambda nn: nn.RNNCell(3, 4, nonlinearity="relu"),
    "LSTMCell": lambda nn: nn.LSTMCell(3, 4),
    "GRUCell(bias=False)": lambda nn: nn.GRUCell(3, 4, bias=False),
    "MultiheadAttention": lambda nn: nn.MultiheadAttention(8, 2),
    "MultiheadAttention(bias=False)": lambda nn: nn.MultiheadAttention(8, 2, bias=False),
    "MultiheadAttention(kdim, vdim)": lambda nn: nn.MultiheadAttention(8, 2, kdim=5, vdim=6),
    "MultiheadAttention(batch_first)": lambda nn: nn.MultiheadAttention(6, 3, batch_first=True),
    "TransformerEncoderLayer": lambda nn: nn.TransformerEncoderLayer(8, 2, 16),
    "TransformerEncoderLayer(norm_first, gelu)": lambda nn: nn.TransformerEncoderLayer(
        8, 2, 16, norm_first=True, activation="gelu", batch_first=True),
    "TransformerDecoderLayer": lambda nn: nn.TransformerDecoderLayer(8, 2, 16),
    "TransformerDecoderLayer(norm_first, bias=False)": lambda nn: nn.TransformerDecoderLayer(
        8, 2, 16, norm_first=True, bias=False),
    "TransformerEncoder": lambda nn: nn.TransformerEncoder(nn.TransformerEncoderLayer(8, 2, 16), 2,
                                                           norm=nn.LayerNorm(8), enable_nested_tensor=False),
    "TransformerDecoder": lambda nn: nn.TransformerDecoder(nn.TransformerDecoderLayer(8, 2, 16), 2),
    "Transformer": lambda nn: nn.Transformer(8, 2, 1, 1, 16, batch_first=True),
    "Transformer(2 + 2 layers)": lambda nn: nn.Transformer(8, 2, 2, 2, 12),
    "PReLU": lambda nn: nn.PReLU(),
    "PReLU(3, init=0.1)": lambda nn: nn.PReLU(3, 0.1),
    "Sequential MLP": lambda nn: nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 8), nn.ReLU(),
                                               nn.Linear(8, 1)),
    "Sequential CNN": lambda nn: nn.Sequential(nn.Conv2d(1, 4, 3), nn.BatchNorm2d(4), nn.ReLU(),
                                               nn.MaxPool2d(2), nn.Flatten(), nn.Linear(36, 10)),
}


@pytest.mark.filterwarnings("ignore:enable_nested_tensor")
@pytest.mark.parametrize("name", sorted(LAYERS))
@pytest.mark.parametrize("seed", [0, 42, 2 ** 64 - 1])
def test_layer_default_init_is_pytorchs(name, seed):
    build_both(seed, LAYERS[name])


LAZY_LAYERS = {
    "LazyLinear": (lambda nn: nn.LazyLinear(3), lambda lib: lib.ones(2, 5)),
    "LazyLinear(bias=False)": (lambda nn: nn.LazyLinear(4, bias=False), lambda lib: lib.ones(3, 2)),
    "LazyConv1d": (lambda nn: nn.LazyConv1d(3, 2), lambda lib: lib.ones(2, 4, 6)),
    "LazyConv2d": (lambda nn: nn.LazyConv2d(3, 2, groups=1), lambda lib: lib.ones(2, 4, 6, 6)),
    "LazyBatchNorm1d": (lambda nn: nn.LazyBatchNorm1d(), lambda lib: lib.ones(2, 4)),
    "LazyBatchNorm2d": (lambda nn: nn.LazyBatchNorm2d(), lambda lib: lib.ones(2, 4, 3, 3)),
    "LazyBatchNorm3d": (lambda nn: nn.LazyBatchNorm3d(), lambda lib: lib.ones(2, 4, 2, 3, 3)),
    "LazyConv3d": (lambda nn: nn.LazyConv3d(3, 2), lambda lib: lib.ones(1, 2, 3, 4, 4)),
    "LazyConvTranspose1d": (lambda nn: nn.LazyConvTranspose1d(3, 2, stride=2), lambda lib: lib.ones(2, 4, 5)),
    "LazyConvTranspose2d": (lambda nn: nn.LazyConvTranspose2d(4, 3, padding=1), lambda lib: lib.ones(2, 6, 4, 4)),
    "LazyInstanceNorm1d": (lambda nn: nn.LazyInstanceNorm1d(), lambda lib: lib.ones(2, 4, 5)),
    "LazyInstanceNorm2d": (lambda nn: nn.LazyInstanceNorm2d(affine=False), lambda lib: lib.ones(2, 4, 3, 3)),
    "LazyInstanceNorm3d": (lambda nn: nn.LazyInstanceNorm3d(), lambda lib: lib.ones(2, 4, 2, 3, 3)),
}


@pytest.mark.parametrize("name", sorted(LAZY_LAYERS))
@pytest.mark.parametrize("seed", [0, 7])
def test_lazy_layer_init_after_first_forward_is_pytorchs(name, seed):
    build, first_input = LAZY_LAYERS[name]
    build_both(seed, build, first_input)


def test_every_parametrised_layer_is_covered():
    # a layer added to glassgrad.nn with parameters must join LAYERS (or LAZY_LAYERS)
    covered = {name.split("(")[0] for name in list(LAYERS) + list(LAZY_LAYERS)}
    missing = [name for name in gg.nn.__all__ if _has_parameters(name) and name not in covered]
    assert not missing, missing


# the smallest arguments that build each nn class; a class not listed here is built with no arguments
LAYER_ARGUMENTS = {
    "Linear": (2, 2), "Bilinear": (2, 2, 2), "Conv1d": (1, 1, 1), "Conv2d": (1, 1, 1), "ConvTranspose2d": (1, 1, 1),
    "Embedding": (2, 2), "BatchNorm1d": (2,), "BatchNorm2d": (2,), "LayerNorm": (2,),
    "BatchNorm3d": (2,), "SyncBatchNorm": (2,), "AdaptiveLogSoftmaxWithLoss": (4, 4, [2]), "GroupNorm": (1, 2), "InstanceNorm1d": (2,), "InstanceNorm2d": (2,), "InstanceNorm3d": (2,),
    "RMSNorm": (2,), "LocalResponseNorm": (2,), "RNN": (2, 2),
    "LSTM": (2, 2), "GRU": (2, 2), "RNNCell": (2, 2), "LSTMCell": (2, 2), "GRUCell": (2, 2),
    "MultiheadAttention": (2, 1), "TransformerEncoderLayer": (2, 1), "TransformerDecoderLayer": (2, 1),
    "Transformer": (2, 1, 1, 1, 2), "LazyLinear": (2,), "LazyConv1d": (1, 1), "LazyConv2d": (1, 1),
    "Unflatten": (1, (1, 1)), "MaxPool1d": (2,), "MaxPool2d": (2,), "AvgPool1d": (2,), "AvgPool2d": (2,),
    "AdaptiveAvgPool1d": (1,), "AdaptiveAvgPool2d": (1,),
    "ConvTranspose1d": (1, 1, 1), "Conv3d": (1, 1, 1), "Fold": (2, 1), "Unfold": (1,), "AdaptiveMaxPool1d": (1,),
    "AdaptiveMaxPool2d": (1,), "MaxUnpool1d": (2,), "MaxUnpool2d": (2,), "LPPool1d": (2, 2), "LPPool2d": (2, 2),
    "MaxPool3d": (2,), "AvgPool3d": (2,), "AdaptiveAvgPool3d": (1,),
    "Threshold": (0.1, 0.0), "PixelShuffle": (2,), "PixelUnshuffle": (2,), "ChannelShuffle": (2,),
    **{f"{kind}Pad{d}d": (1,) for kind in ("Zero", "Reflection", "Replication", "Circular") for d in (1, 2, 3)},
    **{f"ConstantPad{d}d": (1, 0.0) for d in (1, 2, 3)},
    "EmbeddingBag": (2, 2),
}


def _has_parameters(name: str) -> bool:
    """Whether ``gg.nn.<name>`` builds (from LAYER_ARGUMENTS or no arguments) into a module holding
    parameters of its own (lazy ones count)."""
    cls = getattr(gg.nn, name)
    if not (isinstance(cls, type) and issubclass(cls, gg.nn.Module)) or name in (
            "Module", "Sequential", "ModuleList", "ModuleDict", "ParameterList", "DataParallel", "RNNBase",
            "RNNCellBase", "LazyModuleMixin", "TransformerEncoder", "TransformerDecoder"):
        return False
    try:
        module = cls(*LAYER_ARGUMENTS.get(name, ()))
    except TypeError:
        return True   # needs arguments we did not list: count it, so the test asks for it to be listed
    return len(list(module.parameters())) > 0 or name.startswith("Lazy")


# --- nn.init ------------------------------------------------------------------------------------------
def init_both(seed, fill, shape, dt="float32", use_generator=False, strided=False):
    """``fill(init, tensor, g)`` into an empty tensor of each library after the same seed; returns both
    as numpy and asserts the generator states agree afterwards."""
    tensors = []
    for lib in (gg, torch):
        tensor = lib.zeros(*shape, dtype=getattr(lib, dt))
        if strided:
            tensor = tensor.t()   # a non-contiguous target, filled in its memory order like PyTorch's
        g = lib.Generator().manual_seed(seed) if use_generator else None
        lib.manual_seed(seed)
        out = fill(lib.nn.init, tensor, g)
        assert out is tensor
        tensors.append((tensor.detach().numpy(), g))
    (ours, g_gg), (theirs, g_torch) = tensors
    if use_generator:
        np.testing.assert_array_equal(g_gg.get_state().numpy(), g_torch.get_state().numpy())
    assert_same_state()
    return ours, theirs


def ulps_apart(a, b):
    kind, mask = (np.int32, 0x7FFF_FFFF) if a.dtype == np.float32 else (np.int64, 0x7FFF_FFFF_FFFF_FFFF)
    bits_a, bits_b = a.view(kind).astype(np.int64), b.view(kind).astype(np.int64)
    ordered_a = np.where(bits_a < 0, -(bits_a & mask), bits_a)
    ordered_b = np.where(bits_b < 0, -(bits_b & mask), bits_b)
    return np.abs(ordered_a - ordered_b)


def assert_normal_close(ours, theirs):
    """Normals: float64 bit-exact; float32 within 4 ulp, at least 99% bit-exact (PyTorch's AVX2 kernel)."""
    if ours.dtype == np.float64:
        np.testing.assert_array_equal(ours, theirs)
    else:
        apart = ulps_apart(ours.ravel(), theirs.ravel())
        assert apart.max() <= 4 and (apart == 0).mean() >= 0.99, (apart.max(), (apart == 0).mean())


SHAPES = st.sampled_from([(3, 5), (4, 4), (16, 1), (17, 3), (8, 3, 3), (6, 2, 3, 3), (64, 32), (300, 200)])
DTYPES = st.sampled_from(["float32", "float64"])
NONLINEARITIES = st.sampled_from([("leaky_relu", 0), ("leaky_relu", 0.2), ("leaky_relu", 5 ** 0.5), ("relu", 0),
                                  ("tanh", 0), ("linear", 0), ("sigmoid", 0), ("selu", 0), ("conv2d", 0)])
UNIFORM_FILLS = {
    "uniform_": lambda init, t, g: init.uniform_(t, -0.3, 0.7, generator=g),
    "uniform_(default)": lambda init, t, g: init.uniform_(t, generator=g),
    "xavier_uniform_": lambda init, t, g: init.xavier_uniform_(t, generator=g),
    "xavier_uniform_(gain)": lambda init, t, g: init.xavier_uniform_(t, gain=init.calculate_gain("tanh"),
                                                                     generator=g),
}
NORMAL_FILLS = {
    "normal_": lambda init, t, g: init.normal_(t, 0.5, 2.0, generator=g),
    "normal_(default)": lambda init, t, g: init.normal_(t, generator=g),
    "xavier_normal_": lambda init, t, g: init.xavier_normal_(t, gain=2.0, generator=g),
}


@few
@given(seed=SEEDS, shape=SHAPES, dt=DTYPES, name=st.sampled_from(sorted(UNIFORM_FILLS)), use_gen=st.booleans(),
       strided=st.booleans())
def test_uniform_fills_are_exact(seed, shape, dt, name, use_gen, strided):
    ours, theirs = init_both(seed, UNIFORM_FILLS[name], shape, dt, use_gen, strided and len(shape) == 2)
    np.testing.assert_array_equal(ours, theirs)


@few
@given(seed=SEEDS, shape=SHAPES, dt=DTYPES, name=st.sampled_from(sorted(NORMAL_FILLS)), use_gen=st.booleans(),
       strided=st.booleans())
def test_normal_fills(seed, shape, dt, name, use_gen, strided):
    assert_normal_close(*init_both(seed, NORMAL_FILLS[name], shape, dt, use_gen, strided and len(shape) == 2))


@few
@given(seed=SEEDS, shape=SHAPES, dt=DTYPES, gain=NONLINEARITIES, mode=st.sampled_from(["fan_in", "fan_out"]),
       use_gen=st.booleans())
def test_kaiming_uniform_is_exact(seed, shape, dt, gain, mode, use_gen):
    nonlinearity, a = gain
    np.testing.assert_array_equal(*init_both(seed, lambda init, t, g: init.kaiming_uniform_(
        t, a=a, mode=mode, nonlinearity=nonlinearity, generator=g), shape, dt, use_gen))


@few
@given(seed=SEEDS, shape=SHAPES, dt=DTYPES, gain=NONLINEARITIES, mode=st.sampled_from(["fan_in", "fan_out"]),
       use_gen=st.booleans())
def test_kaiming_normal(seed, shape, dt, gain, mode, use_gen):
    nonlinearity, a = gain
    assert_normal_close(*init_both(seed, lambda init, t, g: init.kaiming_normal_(
        t, a=a, mode=mode, nonlinearity=nonlinearity, generator=g), shape, dt, use_gen))


@few
@given(seed=SEEDS, shape=SHAPES, dt=DTYPES, bounds=st.sampled_from([
    (0.0, 1.0, -2.0, 2.0), (0.0, 0.02, -0.04, 0.04), (1.0, 0.5, 0.0, 3.0), (0.0, 1.0, -1.0, 0.5),  # normals
    (0.0, 1.0, 1.0, 3.0), (0.0, 1.0, -0.2, 0.2), (2.0, 1.0, -1.0, -0.5)]),                          # uniforms
    use_gen=st.booleans(), strided=st.booleans())
def test_trunc_normal_(seed, shape, dt, bounds, use_gen, strided):
    # PyTorch 2.13's rejection samplers, replayed draw for draw: the same values (normals: to float32
    # rounding) and the same number of redraws, so the generator ends in the same state
    mean, std, a, b = bounds
    ours, theirs = init_both(seed, lambda init, t, g: init.trunc_normal_(t, mean, std, a, b, generator=g), shape, dt,
                             use_gen, strided and len(shape) == 2)
    assert ours.min() >= np.float32(a) and ours.max() <= np.float32(b)
    if dt == "float32" and b - a < 2.5 * std:  # the uniform rejection sampler compares log u with a log-density:
        # numpy's float32 log and PyTorch's (Sleef) differ in the last bit for ~20% of inputs, so where log u
        # lands within an ulp of the bound one accept/reject decision can flip (seed 204 on 300x200 found one):
        # that element then holds another accepted draw. Allow one such element in 10,000.
        differ = ours.ravel() != theirs.ravel()
        assert differ.mean() <= 1e-4, differ.sum()
        ours, theirs = ours.ravel()[~differ], theirs.ravel()[~differ]
    assert_normal_close(ours, theirs)


@few
@given(seed=SEEDS, shape=st.sampled_from([(3, 5), (5, 3), (4, 4), (6, 2, 3), (16, 16), (20, 7)]), dt=DTYPES,
       gain=st.sampled_from([1.0, 2 ** 0.5]), use_gen=st.booleans())
def test_orthogonal_close_and_in_step(seed, shape, dt, gain, use_gen):
    # the Gaussian matrix is PyTorch's; LAPACK's QR and ours round differently, so the Q agree closely
    ours, theirs = init_both(seed, lambda init, t, g: init.orthogonal_(t, gain=gain, generator=g), shape, dt, use_gen)
    np.testing.assert_allclose(ours, theirs, rtol=0, atol=1e-5 if dt == "float32" else 1e-12)


@few
@given(seed=SEEDS, shape=st.sampled_from([(3, 5), (10, 4), (16, 17)]), sparsity=st.sampled_from([0.1, 0.5, 0.9]),
       use_gen=st.booleans())
def test_sparse_(seed, shape, sparsity, use_gen):
    assert_normal_close(*init_both(seed, lambda init, t, g: init.sparse_(t, sparsity, std=0.1, generator=g), shape,
                                   "float64", use_gen))


@pytest.mark.parametrize("fill", [
    lambda init, t, g: init.constant_(t, 0.25), lambda init, t, g: init.ones_(t),
    lambda init, t, g: init.zeros_(t), lambda init, t, g: init.eye_(t),
])
def test_deterministic_fills(fill):
    np.testing.assert_array_equal(*init_both(5, fill, (3, 4)))


@pytest.mark.parametrize("shape, groups", [((4, 4, 3), 1), ((6, 4, 3, 3), 2), ((3, 5, 2, 4), 1), ((4, 2, 3, 3, 3), 2)])
def test_dirac_(shape, groups):
    np.testing.assert_array_equal(*init_both(5, lambda init, t, g: init.dirac_(t, groups), shape))


@pytest.mark.parametrize("nonlinearity, param", [("linear", None), ("conv_transpose2d", None), ("sigmoid", None),
                                                 ("tanh", None), ("relu", None), ("leaky_relu", None),
                                                 ("leaky_relu", 0.3), ("selu", None)])
def test_calculate_gain(nonlinearity, param):
    assert gg.nn.init.calculate_gain(nonlinearity, param) == torch.nn.init.calculate_gain(nonlinearity, param)


@pytest.mark.parametrize("call", ["eye_3d", "dirac_2d", "fan_1d", "mode", "gain", "sparse_3d", "orthogonal_1d"])
def test_errors_match_pytorchs(call):
    calls = {
        "eye_3d": lambda lib: lib.nn.init.eye_(lib.zeros(2, 2, 2)),
        "dirac_2d": lambda lib: lib.nn.init.dirac_(lib.zeros(2, 2)),
        "fan_1d": lambda lib: lib.nn.init.xavier_uniform_(lib.zeros(3)),
        "mode": lambda lib: lib.nn.init.kaiming_uniform_(lib.zeros(3, 3), mode="fan_middle"),
        "gain": lambda lib: lib.nn.init.calculate_gain("swish"),
        "sparse_3d": lambda lib: lib.nn.init.sparse_(lib.zeros(2, 2, 2), 0.5),
        "orthogonal_1d": lambda lib: lib.nn.init.orthogonal_(lib.zeros(3)),
    }
    errors = []
    for lib in (gg, torch):
        with pytest.raises(Exception) as info:
            calls[call](lib)
        errors.append((type(info.value), str(info.value)))
    assert errors[0] == errors[1]
