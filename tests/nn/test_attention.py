"""Attention against PyTorch: F.scaled_dot_product_attention, nn.MultiheadAttention and the Transformer
layers. Each model is built in both libraries, PyTorch's initial weights are copied into glassgrad
through state_dict (numpy), and the outputs and every parameter's (and input's) gradient are compared;
float64 so the tolerance is tight. Also PyTorch's parameter names, initialisation, reprs and errors."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import glassgrad
import glassgrad.nn as nn
import glassgrad.nn.functional as F

TOL = dict(rtol=1e-9, atol=1e-10)


def arr(shape, seed):
    return np.random.default_rng(seed).standard_normal(shape)


def pair(a, requires_grad=True):
    """The same array as a torch and a glassgrad tensor (float64 stays float64)."""
    return torch.tensor(a, requires_grad=requires_grad), glassgrad.tensor(a, requires_grad=requires_grad)


def copy_weights(tmodel, gmodel):
    """PyTorch's initial weights into the glassgrad twin, by state_dict name (the names must agree)."""
    tstate = {k: v.detach().numpy().copy() for k, v in tmodel.state_dict().items()}
    gkeys = list(gmodel.state_dict().keys())
    assert gkeys == list(tstate.keys())
    gmodel.load_state_dict({k: glassgrad.tensor(v) for k, v in tstate.items()})


def compare_outputs(tout, gout):
    if tout is None:
        assert gout is None
        return
    assert tuple(gout.shape) == tuple(tout.shape)
    np.testing.assert_allclose(gout.detach().numpy(), tout.detach().numpy(), **TOL)


def backward_both(touts, gouts, seed=7):
    """∂(Σ out·u)/∂everything, u random, in both libraries (one u per output)."""
    tl, gl = 0, 0
    for i, (t, g) in enumerate(zip(touts, gouts)):
        if t is None:
            continue
        u = arr(tuple(t.shape), seed + i)
        tl = tl + (t * torch.tensor(u)).sum()
        gl = gl + (g * glassgrad.tensor(u)).sum()
    tl.backward()
    gl.backward()


def compare_grads(tmodel, gmodel, tinputs=(), ginputs=()):
    tparams = dict(tmodel.named_parameters())
    gparams = dict(gmodel.named_parameters())
    assert list(tparams) == list(gparams)
    for name, tp in tparams.items():
        gp = gparams[name]
        if tp.grad is None:
            assert gp.grad is None or not gp.grad.detach().numpy().any(), name
            continue
        np.testing.assert_allclose(gp.grad.numpy(), tp.grad.numpy(), err_msg=name, **TOL)
    for t, g in zip(tinputs, ginputs):
        if t is not None and t.requires_grad:
            np.testing.assert_allclose(g.grad.numpy(), t.grad.numpy(), **TOL)


def twins(tcls, gcls, *args, **kwargs):
    torch.manual_seed(0)
    tm = tcls(*args, **kwargs).double()
    gm = gcls(*args, **kwargs).double()
    copy_weights(tm, gm)
    return tm, gm


# --- F.scaled_dot_product_attention -------------------------------------------------------------------
def _sdpa_both(qs, ks, vs, tmask=None, **kw):
    (tq, gq), (tk, gk), (tv, gv) = pair(arr(qs, 1)), pair(arr(ks, 2)), pair(arr(vs, 3))
    gmask = None if tmask is None else glassgrad.tensor(tmask.numpy())
    to = TF.scaled_dot_product_attention(tq, tk, tv, attn_mask=tmask, **kw)
    go = F.scaled_dot_product_attention(gq, gk, gv, attn_mask=gmask, **kw)
    compare_outputs(to, go)
    backward_both([to], [go])
    for t, g in ((tq, gq), (tk, gk), (tv, gv)):
        np.testing.assert_allclose(g.grad.numpy(), t.grad.numpy(), **TOL)


SDPA_SHAPES = [((2, 3, 4, 8), (2, 3, 5, 8), (2, 3, 5, 6)), ((4, 8), (5, 8), (5, 3)),
               ((3, 1, 8), (3, 6, 8), (3, 6, 8)), ((2, 3, 4, 8), (1, 3, 5, 8), (1, 3, 5, 6))]


@pytest.mark.parametrize("shapes", SDPA_SHAPES)
@pytest.mark.parametrize("is_causal", [False, True])
def test_sdpa_plain_and_causal(shapes, is_causal):
    _sdpa_both(*shapes, is_causal=is_causal)


def test_sdpa_bool_mask_with_a_row_that_sees_nothing():
    m = torch.tensor(arr((4, 5), 4) > -0.3)
    m[1] = False  # PyTorch gives that row 0 (not NaN), and its gradient 0
    _sdpa_both((2, 3, 4, 8), (2, 3, 5, 8), (2, 3, 5, 6), m)
    _sdpa_both((2, 3, 4, 8), (2, 3, 5, 8), (2, 3, 5, 6), m[None, None].expand(2, 3, 4, 5).clone())


def test_sdpa_float_mask_scale_and_gqa():
    _sdpa_both((2, 3, 4, 8), (2, 3, 5, 8), (2, 3, 5, 6), torch.tensor(arr((3, 4, 5), 5)), scale=0.3)
    _sdpa_both((2, 4, 4, 8), (2, 2, 5, 8), (2, 2, 5, 6), enable_gqa=True)


def test_sdpa_errors_and_dropout():
    q = glassgrad.randn(2, 4, 8)
    with pytest.raises(RuntimeError, match="Explicit attn_mask should not be set when is_causal=True"):
        F.scaled_dot_product_attention(q, q, q, attn_mask=glassgrad.ones(4, 4, dtype=glassgrad.bool),
                                       is_causal=True)
    with pytest.raises(RuntimeError, match="Expected attn_mask dtype to be bool or float"):
        F.scaled_dot_product_attention(q, q, q, attn_mask=glassgrad.ones(4, 4, dtype=glassgrad.int64))
    with pytest.raises(RuntimeError, match="but got attn_mask.dtype: double and  query.dtype: float"):
        F.scaled_dot_product_attention(q, q, q, attn_mask=glassgrad.zeros(4, 4, dtype=glassgrad.float64))
    with pytest.raises(TypeError):  # scale is keyword-only
        F.scaled_dot_product_attention(q, q, q, None, 0.0, False, 0.5)
    with pytest.raises(RuntimeError, match="Expected query, key, and value to have the same dtype"):
        F.scaled_dot_product_attention(q, q, q.double())
    # dropout_p = 1 drops every weight: the output is 0; 0 < p < 1 keeps a mix, rescaled by 1/(1 − p)
    assert not F.scaled_dot_product_attention(q, q, q, dropout_p=1.0).detach().numpy().any()
    glassgrad.manual_seed(0)
    v = glassgrad.ones(2, 4, 8)
    out = F.scaled_dot_product_attention(q, q, v, dropout_p=0.5).detach().numpy()
    assert set(np.unique(np.round(out, 5))) - {0.0} and (out <= 2 + 1e-5).all()


# --- nn.MultiheadAttention ------------------------------------------------------------------------------
MHA_CASES = [
    (dict(), dict()),
    (dict(batch_first=True), dict()),
    (dict(kdim=5, vdim=3), dict()),
    (dict(kdim=5, vdim=3, batch_first=True), dict(need_weights=False)),
    (dict(bias=False), dict(need_weights=False)),
    (dict(), dict(average_attn_weights=False)),
]


def _mha_inputs(kw, L=4, S=5, N=3, E=8):
    bf = kw.get("batch_first", False)
    shape = (lambda n, d: (N, n, d)) if bf else (lambda n, d: (n, N, d))
    return (pair(arr(shape(L, E), 1)), pair(arr(shape(S, kw.get("kdim", E)), 2)),
            pair(arr(shape(S, kw.get("vdim", E)), 3)))


@pytest.mark.parametrize("kw,call", MHA_CASES)
def test_mha_matches_torch(kw, call):
    tm, gm = twins(torch.nn.MultiheadAttention, nn.MultiheadAttention, 8, 2, **kw)
    (tq, gq), (tk, gk), (tv, gv) = _mha_inputs(kw)
    to, go = tm(tq, tk, tv, **call), gm(gq, gk, gv, **call)
    for t, g in zip(to, go):
        compare_outputs(t, g)
    backward_both(to, go)
    compare_grads(tm, gm, (tq, tk, tv), (gq, gk, gv))


@pytest.mark.filterwarnings("ignore:Support for mismatched key_padding_mask")
@pytest.mark.parametrize("need_weights", [True, False])
@pytest.mark.parametrize("mask_kind", ["bool", "float", "3d"])
def test_mha_masks(need_weights, mask_kind):
    tm, gm = twins(torch.nn.MultiheadAttention, nn.MultiheadAttention, 8, 2)
    (tq, gq), (tk, gk), (tv, gv) = _mha_inputs({})
    kpm = np.zeros((3, 5), bool)
    kpm[0, -2:] = True
    if mask_kind == "bool":
        mask = arr((4, 5), 6) > 0.5
        mask[:, 0] = False  # every query sees key 0 (an all-hidden row is NaN in torch's weights path)
    elif mask_kind == "float":
        mask = arr((4, 5), 6)
    else:
        mask = arr((6, 4, 5), 6)
    to = tm(tq, tk, tv, key_padding_mask=torch.tensor(kpm), attn_mask=torch.tensor(mask),
            need_weights=need_weights)
    go = gm(gq, gk, gv, key_padding_mask=glassgrad.tensor(kpm), attn_mask=glassgrad.tensor(mask),
            need_weights=need_weights)
    for t, g in zip(to, go):
        compare_outputs(t, g)
    backward_both(to, go)
    compare_grads(tm, gm, (tq, tk, tv), (gq, gk, gv))


def test_mha_unbatched_and_causal_hint():
    tm, gm = twins(torch.nn.MultiheadAttention, nn.MultiheadAttention, 8, 4)
    (tx, gx) = pair(arr((5, 8), 1))
    tmask = torch.nn.Transformer.generate_square_subsequent_mask(5, dtype=torch.float64)
    gmask = nn.Transformer.generate_square_subsequent_mask(5, dtype=glassgrad.float64)
    np.testing.assert_array_equal(gmask.numpy(), tmask.numpy())
    for need_weights in (True, False):
        to = tm(tx, tx, tx, attn_mask=tmask, is_causal=True, need_weights=need_weights)
        go = gm(gx, gx, gx, attn_mask=gmask, is_causal=True, need_weights=need_weights)
        for t, g in zip(to, go):
            compare_outputs(t, g)
    with pytest.raises(RuntimeError, match="Need attn_mask if specifying the is_causal hint"):
        gm(gx, gx, gx, is_causal=True)


def test_mha_names_init_repr_and_errors():
    glassgrad.manual_seed(0)
    m = nn.MultiheadAttention(8, 2)
    t = torch.nn.MultiheadAttention(8, 2)
    assert [n for n, _ in m.named_parameters()] == [n for n, _ in t.named_parameters()]
    assert str(m) == str(t)
    assert not m.in_proj_bias.detach().numpy().any() and not m.out_proj.bias.detach().numpy().any()
    bound = np.sqrt(6 / (8 + 24))  # xavier-uniform on (3E, E)
    w = m.in_proj_weight.detach().numpy()
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.8 * bound
    assert isinstance(m.out_proj, nn.Linear) and type(m.out_proj).__name__ == type(t.out_proj).__name__
    m2, t2 = nn.MultiheadAttention(8, 2, kdim=5, vdim=3), torch.nn.MultiheadAttention(8, 2, kdim=5, vdim=3)
    assert [(n, tuple(p.shape)) for n, p in m2.named_parameters()] == \
        [(n, tuple(p.shape)) for n, p in t2.named_parameters()]
    with pytest.raises(AssertionError, match="embed_dim must be divisible by num_heads"):
        nn.MultiheadAttention(8, 3)
    with pytest.raises(ValueError, match="embed_dim and num_heads must be greater than 0"):
        nn.MultiheadAttention(0, 2)
    with pytest.raises(NotImplementedError, match="add_bias_kv"):
        nn.MultiheadAttention(8, 2, add_bias_kv=True)


def test_mha_dropout_only_in_training():
    glassgrad.manual_seed(0)
    m = nn.MultiheadAttention(8, 2, dropout=0.5)
    x = glassgrad.randn(4, 3, 8)
    m.eval()
    a, b = m(x, x, x)[0], m(x, x, x)[0]
    np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy())
    m.train()
    c = m(x, x, x)[0]
    assert not np.allclose(a.detach().numpy(), c.detach().numpy())


# --- Transformer layers ----------------------------------------------------------------------------------
def _masks(L, N, causal):
    """(src_mask, key_padding_mask) as torch and glassgrad tensors: float causal mask or none; bool kpm."""
    kpm = np.zeros((N, L), bool)
    kpm[0, -2:] = True
    tm = torch.nn.Transformer.generate_square_subsequent_mask(L, dtype=torch.float64) if causal else None
    gmk = None if tm is None else glassgrad.tensor(tm.numpy())
    kpm_f = np.where(kpm, -np.inf, 0.0)  # the same type as the mask: no mixed-type warning
    return (tm, torch.tensor(kpm_f)), (gmk, glassgrad.tensor(kpm_f))


ENCODER_CASES = [dict(), dict(batch_first=True), dict(norm_first=True), dict(activation="gelu", bias=False),
                 dict(norm_first=True, batch_first=True, layer_norm_eps=1e-3)]


@pytest.mark.parametrize("kw", ENCODER_CASES)
@pytest.mark.parametrize("mode", ["train", "eval"])
@pytest.mark.parametrize("causal", [False, True])
def test_encoder_layer_matches_torch(kw, mode, causal):
    L, N, E = 5, 3, 8
    tm, gm = twins(torch.nn.TransformerEncoderLayer, nn.TransformerEncoderLayer, E, 2, 16, dropout=0.0,
                   **kw)
    getattr(tm, mode)()
    getattr(gm, mode)()
    ts, gs = pair(arr((N, L, E) if kw.get("batch_first") else (L, N, E), 1))
    (tmask, tkpm), (gmask, gkpm) = _masks(L, N, causal)
    to = tm(ts, src_mask=tmask, src_key_padding_mask=tkpm)
    go = gm(gs, src_mask=gmask, src_key_padding_mask=gkpm)
    compare_outputs(to, go)
    backward_both([to], [go])
    compare_grads(tm, gm, (ts,), (gs,))


@pytest.mark.parametrize("activation", [lambda x: x.tanh(), "module"])
def test_encoder_layer_callable_activation(activation):
    if activation == "module":
        tact, gact = torch.nn.GELU(approximate="tanh"), nn.GELU(approximate="tanh")
    else:
        tact = gact = activation
    tm, gm = twins(torch.nn.TransformerEncoderLayer, nn.TransformerEncoderLayer, 8, 2, 16, dropout=0.0,
                   activation=tact)
    gm.activation = gact
    ts, gs = pair(arr((4, 2, 8), 1))
    to, go = tm(ts), gm(gs)
    compare_outputs(to, go)
    backward_both([to], [go])
    compare_grads(tm, gm, (ts,), (gs,))
    assert str(gm) == str(tm)


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("norm_first", [False, True])
def test_encoder_stack_matches_torch(batch_first, norm_first):
    L, N, E = 6, 2, 8
    torch.manual_seed(0)
    tlayer = torch.nn.TransformerEncoderLayer(E, 4, 16, dropout=0.0, batch_first=batch_first,
                                              norm_first=norm_first)
    glayer = nn.TransformerEncoderLayer(E, 4, 16, dropout=0.0, batch_first=batch_first,
                                        norm_first=norm_first)
    with warnings.catch_warnings(record=True) as trecord:
        warnings.simplefilter("always")
        tm = torch.nn.TransformerEncoder(tlayer, 3, norm=torch.nn.LayerNorm(E)).double()
    with warnings.catch_warnings(record=True) as grecord:
        warnings.simplefilter("always")
        gm = nn.TransformerEncoder(glayer, 3, norm=nn.LayerNorm(E)).double()
    assert [str(w.message) for w in grecord] == [str(w.message) for w in trecord]
    assert len(trecord) == (0 if batch_first and not norm_first else 1)  # why no nested tensors
    copy_weights(tm, gm)
    ts, gs = pair(arr((N, L, E) if batch_first else (L, N, E), 1))
    (tmask, tkpm), (gmask, gkpm) = _masks(L, N, True)
    to = tm(ts, mask=tmask, src_key_padding_mask=tkpm)
    go = gm(gs, mask=gmask, src_key_padding_mask=gkpm)
    compare_outputs(to, go)
    backward_both([to], [go])
    compare_grads(tm, gm, (ts,), (gs,))
    assert str(gm) == str(tm)


@pytest.mark.parametrize("kw", [dict(), dict(batch_first=True, norm_first=True)])
def test_decoder_layer_and_stack_match_torch(kw):
    T, S, N, E = 4, 5, 2, 8
    tm, gm = twins(torch.nn.TransformerDecoderLayer, nn.TransformerDecoderLayer, E, 2, 16, dropout=0.0,
                   **kw)
    bf = kw.get("batch_first")
    tt, gt = pair(arr((N, T, E) if bf else (T, N, E), 1))
    tmem, gmem = pair(arr((N, S, E) if bf else (S, N, E), 2))
    (tmask, tkpm), (gmask, gkpm) = _masks(T, N, True)
    to = tm(tt, tmem, tgt_mask=tmask, tgt_key_padding_mask=tkpm)
    go = gm(gt, gmem, tgt_mask=gmask, tgt_key_padding_mask=gkpm)
    compare_outputs(to, go)
    backward_both([to], [go])
    compare_grads(tm, gm, (tt, tmem), (gt, gmem))
    assert str(gm) == str(tm)
    torch.manual_seed(0)
    tstack = torch.nn.TransformerDecoder(tm, 2, norm=torch.nn.LayerNorm(E).double())
    gstack = nn.TransformerDecoder(gm, 2, norm=nn.LayerNorm(E).double())
    copy_weights(tstack, gstack)
    tt, gt = pair(arr((N, T, E) if bf else (T, N, E), 3))
    to, go = tstack(tt, tmem, tgt_mask=tmask), gstack(gt, gmem, tgt_mask=gmask)
    compare_outputs(to, go)
    assert str(gstack) == str(tstack)


def test_transformer_matches_torch():
    S, T, N, E = 5, 4, 3, 8
    torch.manual_seed(0)
    kw = dict(d_model=E, nhead=2, num_encoder_layers=2, num_decoder_layers=1, dim_feedforward=16,
              dropout=0.0)
    with pytest.warns(UserWarning):
        tm = torch.nn.Transformer(**kw).double()
    with pytest.warns(UserWarning):
        gm = nn.Transformer(**kw).double()
    # every matrix xavier-uniform: |w| ≤ √(6/(fan_in + fan_out))
    w = gm.encoder.layers[0].linear1.weight.detach().numpy()
    assert np.abs(w).max() <= np.sqrt(6 / (E + 16))
    copy_weights(tm, gm)
    ts, gs = pair(arr((S, N, E), 1))
    tt, gt = pair(arr((T, N, E), 2))
    tmask = tm.generate_square_subsequent_mask(T, dtype=torch.float64)
    gmask = gm.generate_square_subsequent_mask(T, dtype=glassgrad.float64)
    to, go = tm(ts, tt, tgt_mask=tmask), gm(gs, gt, tgt_mask=gmask)
    compare_outputs(to, go)
    backward_both([to], [go])
    compare_grads(tm, gm, (ts, tt), (gs, gt))
    assert str(gm) == str(tm)
    with pytest.raises(RuntimeError, match="the batch number of src and tgt must be equal"):
        gm(gs, glassgrad.randn(T, N + 1, E, dtype=glassgrad.float64))
    with pytest.raises(RuntimeError, match="activation should be relu/gelu, not tanh"):
        nn.TransformerEncoderLayer(8, 2, activation="tanh")


@pytest.mark.parametrize("left_aligned", [True, False])
def test_encoder_inference_path_zeroes_padding(left_aligned):
    """In eval under no_grad with a padding mask, PyTorch runs nested tensors: padding positions are 0."""
    torch.manual_seed(0)
    tlayer = torch.nn.TransformerEncoderLayer(8, 2, 16, batch_first=True)
    glayer = nn.TransformerEncoderLayer(8, 2, 16, batch_first=True)
    tm, gm = torch.nn.TransformerEncoder(tlayer, 2).eval(), nn.TransformerEncoder(glayer, 2).eval()
    copy_weights(tm, gm)
    x = arr((2, 5, 8), 1).astype(np.float32)
    kpm = np.zeros((2, 5), bool)
    kpm[0, -2:] = True
    if not left_aligned:
        kpm[1, 0] = True
    with torch.no_grad():
        to = tm(torch.tensor(x), src_key_padding_mask=torch.tensor(kpm))
    with glassgrad.no_grad():
        go = gm(glassgrad.tensor(x), src_key_padding_mask=glassgrad.tensor(kpm))
    np.testing.assert_allclose(go.numpy(), to.numpy(), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("need_weights", [True, False])
def test_mha_add_zero_attn(need_weights):
    tm, gm = twins(torch.nn.MultiheadAttention, nn.MultiheadAttention, 8, 2, add_zero_attn=True)
    (tq, gq), (tk, gk), (tv, gv) = _mha_inputs({})
    kpm = np.zeros((3, 5), bool)
    kpm[1, :] = True  # a sequence that is all padding still has the zero key to look at
    mask = arr((4, 5), 6)
    to = tm(tq, tk, tv, key_padding_mask=torch.tensor(np.where(kpm, -np.inf, 0.0)),
            attn_mask=torch.tensor(mask), need_weights=need_weights)
    go = gm(gq, gk, gv, key_padding_mask=glassgrad.tensor(np.where(kpm, -np.inf, 0.0)),
            attn_mask=glassgrad.tensor(mask), need_weights=need_weights)
    for t, g in zip(to, go):
        compare_outputs(t, g)
    backward_both(to, go)
    compare_grads(tm, gm, (tq, tk, tv), (gq, gk, gv))
