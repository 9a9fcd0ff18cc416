"""RNN, LSTM, GRU, their cells and ``nn.utils.rnn`` against PyTorch.

Each model starts from PyTorch's own initial weights (copied through numpy into ``load_state_dict``),
then the outputs, the final states and the gradient of every parameter, of the input and of the initial
state are compared, in float64, for every combination of the options; reprs, parameter names and shapes,
the initialisation bound and PyTorch's error messages too.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import glassgrad
import glassgrad.nn as nn
from glassgrad.nn.utils import rnn as rnn_utils

KINDS = {  # name -> (glassgrad class, torch class, extra constructor arguments)
    "rnn_tanh": (nn.RNN, torch.nn.RNN, {}),
    "rnn_relu": (nn.RNN, torch.nn.RNN, {"nonlinearity": "relu"}),
    "lstm": (nn.LSTM, torch.nn.LSTM, {}),
    "lstm_proj": (nn.LSTM, torch.nn.LSTM, {"proj_size": 2}),
    "gru": (nn.GRU, torch.nn.GRU, {}),
}
IN, HID, T, B = 3, 4, 5, 3


def twins(kind: str, seed: int = 0, **kwargs):
    """A torch model and a glassgrad model with the same (torch's) initial weights, both float64."""
    g_cls, t_cls, extra = KINDS[kind]
    torch.manual_seed(seed)
    t_model = t_cls(IN, HID, **extra, **kwargs).double()
    g_model = g_cls(IN, HID, **extra, **kwargs).double()
    g_model.load_state_dict({k: glassgrad.tensor(v.detach().numpy()) for k, v in t_model.state_dict().items()})
    return g_model, t_model


def pair(array: np.ndarray, requires_grad: bool = True):
    return (glassgrad.tensor(array, requires_grad=requires_grad),
            torch.tensor(array, requires_grad=requires_grad))


def close(g, t, tol: float = 1e-10) -> None:
    assert tuple(g.shape) == tuple(t.shape)
    np.testing.assert_allclose(g._array if isinstance(g, glassgrad.Tensor) else g.numpy(),
                               t.detach().numpy(), rtol=tol, atol=tol)


def loss_of(outputs, lib, rng_seed: int = 1):
    """Σ out·u over every output tensor, u fixed random: a loss that reaches every output element."""
    rng = np.random.default_rng(rng_seed)
    total = 0
    for o in outputs:
        u = rng.standard_normal(tuple(o.shape))
        total = total + (o * lib.tensor(u)).sum()
    return total


def flat(hidden):
    return list(hidden) if isinstance(hidden, tuple) else [hidden]


def compare_grads(g_model, t_model, tol: float = 1e-9) -> None:
    t_params = dict(t_model.named_parameters())
    g_params = dict(g_model.named_parameters())
    assert list(g_params) == list(t_params)
    for name, tp in t_params.items():
        close(g_params[name].grad, tp.grad, tol)


@pytest.mark.parametrize("kind", list(KINDS))
@pytest.mark.parametrize("num_layers,bidirectional,batch_first,unbatched,given_h0",
                         list(itertools.product([1, 2], [False, True], [False, True], [False, True],
                                                [False, True])))
def test_forward_and_every_gradient_match_torch(kind, num_layers, bidirectional, batch_first, unbatched,
                                                given_h0):
    g_model, t_model = twins(kind, num_layers=num_layers, bidirectional=bidirectional,
                             batch_first=batch_first)
    rng = np.random.default_rng(0)
    shape = (T, IN) if unbatched else ((B, T, IN) if batch_first else (T, B, IN))
    gx, tx = pair(rng.standard_normal(shape))
    g_args, t_args = [gx], [tx]
    if given_h0:
        d = 2 if bidirectional else 1
        h_out = 2 if kind == "lstm_proj" else HID
        lead = (num_layers * d,) if unbatched else (num_layers * d, B)
        gh, th = pair(rng.standard_normal(lead + (h_out,)))
        if kind.startswith("lstm"):
            gc, tc = pair(rng.standard_normal(lead + (HID,)))
            g_args.append((gh, gc))
            t_args.append((th, tc))
        else:
            g_args.append(gh)
            t_args.append(th)
    g_out, g_hidden = g_model(*g_args)
    t_out, t_hidden = t_model(*t_args)
    assert isinstance(g_hidden, tuple) == isinstance(t_hidden, tuple)
    close(g_out, t_out)
    for g, t in zip(flat(g_hidden), flat(t_hidden)):
        close(g, t)
    loss_of([g_out] + flat(g_hidden), glassgrad).backward()
    loss_of([t_out] + flat(t_hidden), torch).backward()
    compare_grads(g_model, t_model)
    close(gx.grad, tx.grad, 1e-9)
    if given_h0:
        for g, t in zip(flat(g_args[1]), flat(t_args[1])):
            close(g.grad, t.grad, 1e-9)


@pytest.mark.parametrize("kind", list(KINDS))
@pytest.mark.parametrize("bidirectional", [False, True])
@pytest.mark.parametrize("enforce_sorted", [False, True])
@pytest.mark.parametrize("given_h0", [False, True])
def test_packed_sequence_input_matches_torch(kind, bidirectional, enforce_sorted, given_h0):
    g_model, t_model = twins(kind, num_layers=2, bidirectional=bidirectional, batch_first=True)
    lengths = [5, 3, 2, 1] if enforce_sorted else [2, 5, 1, 3]
    rng = np.random.default_rng(3)
    gx, tx = pair(rng.standard_normal((4, T, IN)))
    g_h0, t_h0 = [], []
    if given_h0:  # given in the caller's order: the RNN sorts it with the batch and unsorts h_n
        lead = (2 * (2 if bidirectional else 1), 4)
        states = [pair(rng.standard_normal(lead + (2 if kind == "lstm_proj" else HID,)))]
        if kind.startswith("lstm"):
            states.append(pair(rng.standard_normal(lead + (HID,))))
        g_h0 = [tuple(s[0] for s in states) if len(states) == 2 else states[0][0]]
        t_h0 = [tuple(s[1] for s in states) if len(states) == 2 else states[0][1]]
    g_packed = rnn_utils.pack_padded_sequence(gx, lengths, batch_first=True, enforce_sorted=enforce_sorted)
    t_packed = torch.nn.utils.rnn.pack_padded_sequence(tx, lengths, batch_first=True,
                                                       enforce_sorted=enforce_sorted)
    close(g_packed.data, t_packed.data)
    close(g_packed.batch_sizes, t_packed.batch_sizes)
    g_out, g_hidden = g_model(g_packed, *g_h0)
    t_out, t_hidden = t_model(t_packed, *t_h0)
    assert isinstance(g_out, rnn_utils.PackedSequence)
    close(g_out.data, t_out.data)
    for g, t in zip(flat(g_hidden), flat(t_hidden)):
        close(g, t)
    g_pad, g_len = rnn_utils.pad_packed_sequence(g_out, batch_first=True, padding_value=-1.0)
    t_pad, t_len = torch.nn.utils.rnn.pad_packed_sequence(t_out, batch_first=True, padding_value=-1.0)
    close(g_pad, t_pad)
    assert g_len.tolist() == t_len.tolist() and g_len.dtype == glassgrad.int64
    loss_of([g_pad] + flat(g_hidden), glassgrad).backward()
    loss_of([t_pad] + flat(t_hidden), torch).backward()
    compare_grads(g_model, t_model)
    close(gx.grad, tx.grad, 1e-9)
    for g, t in zip(flat(g_h0[0]) if given_h0 else [], flat(t_h0[0]) if given_h0 else []):
        close(g.grad, t.grad, 1e-9)


@settings(max_examples=15, deadline=None)
@given(kind=st.sampled_from(list(KINDS)), steps=st.integers(1, 4), batch=st.integers(1, 3),
       input_size=st.integers(1, 4), hidden=st.integers(3, 5), num_layers=st.integers(1, 3),
       bidirectional=st.booleans(), bias=st.booleans())
def test_drawn_sizes_match_torch(kind, steps, batch, input_size, hidden, num_layers, bidirectional, bias):
    g_cls, t_cls, extra = KINDS[kind]
    torch.manual_seed(0)
    t_model = t_cls(input_size, hidden, num_layers, **extra, bias=bias, bidirectional=bidirectional).double()
    g_model = g_cls(input_size, hidden, num_layers, **extra, bias=bias, bidirectional=bidirectional).double()
    g_model.load_state_dict({k: glassgrad.tensor(v.detach().numpy()) for k, v in t_model.state_dict().items()})
    gx, tx = pair(np.random.default_rng(steps).standard_normal((steps, batch, input_size)))
    g_out, g_hidden = g_model(gx)
    t_out, t_hidden = t_model(tx)
    close(g_out, t_out)
    loss_of([g_out] + flat(g_hidden), glassgrad).backward()
    loss_of([t_out] + flat(t_hidden), torch).backward()
    compare_grads(g_model, t_model)
    close(gx.grad, tx.grad, 1e-9)


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("padding_side", ["right", "left"])
def test_pad_sequence_and_its_gradient(batch_first, padding_side):
    rng = np.random.default_rng(4)
    arrays = [rng.standard_normal((n, 2)) for n in (3, 5, 1)]
    gs, ts = zip(*(pair(a) for a in arrays))
    g = rnn_utils.pad_sequence(list(gs), batch_first=batch_first, padding_value=7.0,
                               padding_side=padding_side)
    t = torch.nn.utils.rnn.pad_sequence(list(ts), batch_first=batch_first, padding_value=7.0,
                                        padding_side=padding_side)
    close(g, t)
    loss_of([g], glassgrad).backward()
    loss_of([t], torch).backward()
    for a, b in zip(gs, ts):
        close(a.grad, b.grad)


def test_pack_sequence_unpack_and_unpad_round_trip():
    rng = np.random.default_rng(5)
    arrays = [rng.standard_normal((n, 2)) for n in (2, 4, 3)]
    g = rnn_utils.pack_sequence([glassgrad.tensor(a) for a in arrays], enforce_sorted=False)
    t = torch.nn.utils.rnn.pack_sequence([torch.tensor(a) for a in arrays], enforce_sorted=False)
    close(g.data, t.data)
    assert g.sorted_indices.tolist() == t.sorted_indices.tolist()
    assert g.unsorted_indices.tolist() == t.unsorted_indices.tolist()
    for a, b in zip(rnn_utils.unpack_sequence(g), arrays):
        np.testing.assert_array_equal(a._array, b)
    padded = rnn_utils.pad_sequence([glassgrad.tensor(a) for a in arrays])
    for a, b in zip(rnn_utils.unpad_sequence(padded, glassgrad.tensor([2, 4, 3])), arrays):
        np.testing.assert_array_equal(a._array, b)
    padded, lengths = rnn_utils.pad_packed_sequence(g, total_length=6)
    assert tuple(padded.shape) == (6, 3, 2) and lengths.tolist() == [2, 4, 3]


def test_packing_errors_are_torchs():
    x = glassgrad.zeros(3, 2, 1)
    with pytest.raises(RuntimeError, match="must be sorted in decreasing order"):
        rnn_utils.pack_padded_sequence(x, [1, 3])
    with pytest.raises(RuntimeError, match="Length of all samples has to be greater than 0"):
        rnn_utils.pack_padded_sequence(x, [3, 0])
    packed = rnn_utils.pack_padded_sequence(x, [3, 2])
    with pytest.raises(ValueError, match="Expected total_length to be at least"):
        rnn_utils.pad_packed_sequence(packed, total_length=2)


CELLS = {
    "rnn_tanh": (nn.RNNCell, torch.nn.RNNCell, {}),
    "rnn_relu": (nn.RNNCell, torch.nn.RNNCell, {"nonlinearity": "relu"}),
    "lstm": (nn.LSTMCell, torch.nn.LSTMCell, {}),
    "gru": (nn.GRUCell, torch.nn.GRUCell, {}),
}


@pytest.mark.parametrize("kind", list(CELLS))
@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("unbatched", [False, True])
@pytest.mark.parametrize("given_h", [False, True])
def test_cells_match_torch(kind, bias, unbatched, given_h):
    g_cls, t_cls, extra = CELLS[kind]
    torch.manual_seed(1)
    t_cell = t_cls(IN, HID, bias=bias, **extra).double()
    g_cell = g_cls(IN, HID, bias=bias, **extra).double()
    g_cell.load_state_dict({k: glassgrad.tensor(v.detach().numpy()) for k, v in t_cell.state_dict().items()})
    rng = np.random.default_rng(2)
    lead = () if unbatched else (B,)
    gx, tx = pair(rng.standard_normal(lead + (IN,)))
    g_args, t_args = [gx], [tx]
    if given_h:
        states = [pair(rng.standard_normal(lead + (HID,))) for _ in range(2 if kind == "lstm" else 1)]
        g_args.append(tuple(s[0] for s in states) if kind == "lstm" else states[0][0])
        t_args.append(tuple(s[1] for s in states) if kind == "lstm" else states[0][1])
    g_out, t_out = flat(g_cell(*g_args)), flat(t_cell(*t_args))
    for g, t in zip(g_out, t_out):
        close(g, t)
    loss_of(g_out, glassgrad).backward()
    loss_of(t_out, torch).backward()
    compare_grads(g_cell, t_cell)
    close(gx.grad, tx.grad)


REPRS = [
    ("RNN", dict()), ("RNN", dict(nonlinearity="relu", bias=False)), ("GRU", dict(num_layers=3)),
    ("LSTM", dict(num_layers=2, bidirectional=True, batch_first=True, dropout=0.5)),
    ("LSTM", dict(proj_size=2)), ("RNNCell", dict(nonlinearity="relu", bias=False)), ("LSTMCell", dict()),
    ("GRUCell", dict(bias=False)),
]


@pytest.mark.parametrize("name,kwargs", REPRS)
def test_repr_names_shapes_and_init_match_torch(name, kwargs):
    g_model, t_model = getattr(nn, name)(IN, HID, **kwargs), getattr(torch.nn, name)(IN, HID, **kwargs)
    assert repr(g_model) == repr(t_model)
    assert [(n, tuple(p.shape)) for n, p in g_model.named_parameters()] == \
        [(n, tuple(p.shape)) for n, p in t_model.named_parameters()]
    bound = 1 / math.sqrt(HID)
    values = np.concatenate([p._array.ravel() for p in g_model.parameters()])
    assert values.min() >= -bound and values.max() <= bound
    assert values.min() < -bound / 2 and values.max() > bound / 2  # spread over the interval, not all 0


def test_sequential_wrapper_reprs_and_all_weights():
    g = nn.Sequential(nn.LSTM(IN, HID, 2), nn.Linear(HID, 1))
    t = torch.nn.Sequential(torch.nn.LSTM(IN, HID, 2), torch.nn.Linear(HID, 1))
    assert repr(g) == repr(t)
    lstm = g[0]
    assert [[tuple(p.shape) for p in ws] for ws in lstm.all_weights] == \
        [[tuple(p.shape) for p in ws] for ws in t[0].all_weights]
    lstm.flatten_parameters()  # a no-op, as on the CPU in PyTorch


def test_dropout_between_layers_only_in_training():
    g_model, t_model = twins("lstm", num_layers=2, dropout=0.5)
    x = np.random.default_rng(0).standard_normal((T, B, IN))
    g_model.eval()
    t_model.eval()
    close(g_model(glassgrad.tensor(x))[0], t_model(torch.tensor(x))[0])
    g_model.train()
    glassgrad.manual_seed(0)
    a = g_model(glassgrad.tensor(x))[0]
    glassgrad.manual_seed(1)
    b = g_model(glassgrad.tensor(x))[0]
    assert not np.allclose(a._array, b._array)  # a fresh mask each call between the two layers


def test_errors_are_torchs():
    with pytest.raises(ValueError, match="proj_size argument is only supported for LSTM"):
        nn.GRU(3, 4, proj_size=1)
    with pytest.raises(ValueError, match="Unknown nonlinearity 'gelu'"):
        nn.RNN(3, 4, nonlinearity="gelu")
    with pytest.raises(ValueError, match="proj_size has to be smaller than hidden_size"):
        nn.LSTM(3, 4, proj_size=4)
    with pytest.raises(ValueError, match="dropout should be a number in range"):
        nn.LSTM(3, 4, dropout=2)
    with pytest.warns(UserWarning, match="non-zero dropout expects num_layers greater than 1"):
        nn.LSTM(3, 4, dropout=0.2)
    with pytest.raises(ValueError, match="LSTM: Expected input to be 2D or 3D, got 4D instead"):
        nn.LSTM(3, 4)(glassgrad.zeros(1, 2, 3, 3))
    with pytest.raises(ValueError, match="RNN: Expected input to be 2D or 3D, got 1D tensor instead"):
        nn.RNN(3, 4)(glassgrad.zeros(3))
    with pytest.raises(RuntimeError, match="input.size\\(-1\\) must be equal to input_size. Expected 3, got 2"):
        nn.GRU(3, 4)(glassgrad.zeros(5, 2, 2))
    with pytest.raises(RuntimeError, match=r"Expected hidden size \(1, 2, 4\), got \[1, 3, 4\]"):
        nn.GRU(3, 4)(glassgrad.zeros(5, 2, 3), glassgrad.zeros(1, 3, 4))
    with pytest.raises(RuntimeError, match="For batched 3-D input, hx and cx should also be 3-D"):
        nn.LSTM(3, 4)(glassgrad.zeros(5, 2, 3), (glassgrad.zeros(2, 4), glassgrad.zeros(2, 4)))
    with pytest.raises(ValueError, match=r"RNN input dtype \(\w+\.float64\) does not match weight dtype"):
        nn.RNN(3, 4)(glassgrad.zeros(5, 2, 3, dtype=glassgrad.float64))
    with pytest.raises(ValueError, match="LSTMCell: Expected input to be 1D or 2D, got 3D instead"):
        nn.LSTMCell(3, 4)(glassgrad.zeros(1, 2, 3))


@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("bidirectional", [False, True])
def test_lstm_second_derivatives_match_torch(bias, bidirectional):
    """The LSTM layer is one node; with create_graph its backward is differentiable again."""
    g_model, t_model = twins("lstm", seed=3, bias=bias, bidirectional=bidirectional)
    x = np.random.default_rng(4).standard_normal((T, B, IN))
    gx, tx = pair(x)
    grads = []
    for model, xx, lib in ((g_model, gx, glassgrad), (t_model, tx, torch)):
        out, _ = model(xx)
        loss = loss_of([out], lib)
        (dx,) = lib.autograd.grad(loss, xx, create_graph=True)
        (dx * dx).sum().backward()
        grads.append(xx.grad)
    close(grads[0], grads[1], 1e-9)
    compare_grads(g_model, t_model, 1e-9)


@pytest.mark.parametrize("frozen", ["bias_ih_l0", "bias_hh_l0"])
def test_lstm_with_one_bias_frozen_matches_torch(frozen):
    g_model, t_model = twins("lstm", seed=5, num_layers=2, bidirectional=True)
    for model in (g_model, t_model):
        dict(model.named_parameters())[frozen].requires_grad_(False)
    x = np.random.default_rng(6).standard_normal((T, B, IN))
    gx, tx = pair(x)
    for model, xx, lib in ((g_model, gx, glassgrad), (t_model, tx, torch)):
        out, (h, c) = model(xx)
        loss_of([out, h, c], lib).backward()
    close(gx.grad, tx.grad, 1e-9)
    t_params = {n: p for n, p in t_model.named_parameters() if p.requires_grad}
    for name, p in g_model.named_parameters():
        if name in t_params:
            close(p.grad, t_params[name].grad, 1e-9)
        else:
            assert p.grad is None
