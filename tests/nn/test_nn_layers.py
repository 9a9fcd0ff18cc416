"""Layers vs torch.nn (weights copied across, float64), default initialisation statistics against
PyTorch's formulas, and gradient clipping."""

import math
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn as tnn

sys.path.insert(0, str(Path(__file__).parent))
from nn_helpers import as_np, compare, copy_weights  # noqa: E402

import glassgrad  # noqa: E402
from glassgrad import nn  # noqa: E402
from glassgrad.nn import init  # noqa: E402

rng = np.random.default_rng(2)


def pair(name, *args, **kwargs):
    g, t = getattr(nn, name)(*args, **kwargs).double(), getattr(tnn, name)(*args, **kwargs).double()
    copy_weights(g, t)
    return g, t


def check_module(g, t, x, train=True):
    """Same output and the same input and parameter gradients."""
    g.train(train), t.train(train)
    gx = glassgrad.tensor(x, requires_grad=True)
    tx = torch.tensor(x, requires_grad=True)
    go, to = g(gx), t(tx)
    np.testing.assert_allclose(as_np(go), as_np(to), rtol=1e-10, atol=1e-12)
    u = rng.standard_normal(to.shape)
    (go * glassgrad.tensor(u)).sum().backward()
    (to * torch.tensor(u)).sum().backward()
    np.testing.assert_allclose(as_np(gx.grad), as_np(tx.grad), rtol=1e-9, atol=1e-12)
    for (n, p), (_, q) in zip(g.named_parameters(), t.named_parameters()):
        np.testing.assert_allclose(as_np(p.grad), as_np(q.grad), rtol=1e-9, atol=1e-12, err_msg=n)


@pytest.mark.parametrize("bias", [True, False])
def test_linear_matches_torch(bias):
    g, t = pair("Linear", 5, 3, bias=bias)
    check_module(g, t, rng.standard_normal((7, 5)))
    check_module(g, t, rng.standard_normal((2, 4, 5)))


def test_linear_wrong_in_features_names_both_shapes():
    with pytest.raises(RuntimeError, match=r"mat1 and mat2 shapes cannot be multiplied \(2x3 and 5x4\)"):
        nn.Linear(5, 4)(glassgrad.randn(2, 3))


@pytest.mark.parametrize("name,args", [
    ("ReLU", ()), ("LeakyReLU", (0.1,)), ("ELU", (0.5,)), ("GELU", ()), ("GELU", ("tanh",)), ("SiLU", ()),
    ("Mish", ()), ("Tanh", ()), ("Sigmoid", ()), ("Softmax", (1,)), ("LogSoftmax", (1,)), ("Softmin", (1,)),
    ("Softplus", (2.0,)), ("Hardtanh", (-0.5, 0.5)), ("ReLU6", ()), ("Identity", ()), ("Flatten", ()),
    ("Flatten", (0, 1)), ("Unflatten", (1, (2, 3))), ("Dropout", (0.4,)),
])
def test_parameterless_layers_match_torch(name, args):
    g, t = pair(name, *args)
    x = rng.standard_normal((4, 6, 2)) * 3
    check_module(g, t, x, train=(name != "Dropout"))


@pytest.mark.parametrize("name,shape", [("BatchNorm1d", (8, 3)), ("BatchNorm1d", (4, 3, 5)),
                                        ("BatchNorm2d", (4, 3, 2, 5))])
@pytest.mark.parametrize("momentum,affine,track", [(0.1, True, True), (None, True, True),
                                                   (0.3, False, True), (0.1, True, False)])
def test_batchnorm_training_steps_then_eval_match_torch(name, shape, momentum, affine, track):
    g, t = pair(name, 3, momentum=momentum, affine=affine, track_running_stats=track)
    for _ in range(3):
        check_module(g, t, rng.standard_normal(shape) * 2 + 1, train=True)
    check_module(g, t, rng.standard_normal(shape), train=False)
    for (k, a), (_, b) in zip(g.state_dict().items(), t.state_dict().items()):
        np.testing.assert_allclose(as_np(a), as_np(b), rtol=1e-12, err_msg=k)


def test_batchnorm_input_dimension_errors():
    with pytest.raises(ValueError, match=r"expected 2D or 3D input \(got 4D input\)"):
        nn.BatchNorm1d(3)(glassgrad.randn(2, 3, 4, 5))
    with pytest.raises(ValueError, match=r"expected 4D input \(got 3D input\)"):
        nn.BatchNorm2d(3)(glassgrad.randn(2, 3, 4))
    with pytest.raises(RuntimeError, match="running_mean should contain 4 elements not 3"):
        nn.BatchNorm2d(3)(glassgrad.randn(2, 4, 4, 4))


@pytest.mark.parametrize("shape,normalized", [((4, 6), 6), ((2, 3, 4), (3, 4))])
@pytest.mark.parametrize("affine,bias", [(True, True), (True, False), (False, True)])
def test_layernorm_matches_torch(shape, normalized, affine, bias):
    g, t = pair("LayerNorm", normalized, elementwise_affine=affine, bias=bias)
    if affine:  # make the affine parameters non-trivial
        with torch.no_grad():
            t.weight.normal_()
        copy_weights(g, t)
    check_module(g, t, rng.standard_normal(shape) * 3 + 2)


def test_embedding_matches_torch_and_padding_row_stays_zero():
    g, t = pair("Embedding", 6, 3, padding_idx=2)
    assert (as_np(nn.Embedding(6, 3, padding_idx=-1).weight.detach())[5] == 0).all()
    idx = np.array([[1, 2, 2, 5], [0, 1, 2, 3]])
    go, to = g(glassgrad.tensor(idx)), t(torch.tensor(idx))
    np.testing.assert_allclose(as_np(go), as_np(to))
    go.sum().backward(), to.sum().backward()
    np.testing.assert_allclose(as_np(g.weight.grad), as_np(t.weight.grad))
    assert (as_np(g.weight.grad)[2] == 0).all()
    e = nn.Embedding.from_pretrained(glassgrad.tensor([[1.0, 2.0], [3.0, 4.0]]))
    assert not e.weight.requires_grad and as_np(e(glassgrad.tensor([1]))).tolist() == [[3.0, 4.0]]


def test_bilinear_matches_torch():
    g, t = pair("Bilinear", 3, 4, 2)
    x1, x2 = rng.standard_normal((5, 3)), rng.standard_normal((5, 4))
    compare(lambda a, b: g(a, b), lambda a, b: t(a, b), x1, x2)


# --- default initialisation ------------------------------------------------------------------------
def test_linear_default_init_bounds_and_spread():
    glassgrad.manual_seed(0)
    m = nn.Linear(400, 300)
    bound = 1 / math.sqrt(400)  # kaiming_uniform_(a=√5) gives exactly 1/√fan_in
    w, b = as_np(m.weight.detach()), as_np(m.bias.detach())
    assert m.weight.dtype == glassgrad.float32 and m.weight.requires_grad
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.99 * bound
    assert abs(w.std() - bound / math.sqrt(3)) < 0.01 * bound  # U(−a, a) has std a/√3
    assert abs(w.mean()) < 0.01 * bound
    assert np.abs(b).max() <= bound and np.abs(b).max() > 0.9 * bound
    assert nn.Linear(3, 2, dtype=glassgrad.float64).weight.dtype == glassgrad.float64


def test_manual_seed_reproduces_initial_weights():
    glassgrad.manual_seed(7)
    a = nn.Linear(4, 4)
    glassgrad.manual_seed(7)
    b = nn.Linear(4, 4)
    np.testing.assert_array_equal(as_np(a.weight.detach()), as_np(b.weight.detach()))


@pytest.mark.parametrize("fn,kwargs,expected_std", [
    ("xavier_uniform_", {"gain": 2.0}, 2.0 * math.sqrt(2 / (200 + 300))),
    ("xavier_normal_", {}, math.sqrt(2 / (200 + 300))),
    ("kaiming_uniform_", {"nonlinearity": "relu"}, math.sqrt(2) / math.sqrt(300)),
    ("kaiming_normal_", {"mode": "fan_out", "nonlinearity": "relu"}, math.sqrt(2) / math.sqrt(200)),
    ("kaiming_normal_", {"a": 0.2}, math.sqrt(2 / 1.04) / math.sqrt(300)),
    ("normal_", {"std": 0.3}, 0.3), ("uniform_", {"a": -1, "b": 1}, 1 / math.sqrt(3)),
    ("trunc_normal_", {"std": 1.0}, 0.8796),  # the std of N(0,1) truncated to [−2, 2]
])
def test_init_functions_have_the_formula_spread(fn, kwargs, expected_std):
    w = glassgrad.zeros(200, 300, dtype=glassgrad.float64)
    glassgrad.manual_seed(1)
    out = getattr(init, fn)(w, **kwargs)
    assert out is w and w._version > 0
    assert abs(as_np(w).std() - expected_std) < 0.02 * expected_std
    if "uniform" in fn:
        a = math.sqrt(3) * expected_std
        assert np.abs(as_np(w)).max() <= a


def test_calculate_gain_and_fans_match_torch():
    for nl, p in [("linear", None), ("sigmoid", None), ("tanh", None), ("relu", None), ("leaky_relu", None),
                  ("leaky_relu", 0.3), ("selu", None), ("conv2d", None)]:
        assert init.calculate_gain(nl, p) == pytest.approx(tnn.init.calculate_gain(nl, p), rel=1e-15)
    with pytest.raises(ValueError, match="Unsupported nonlinearity foo"):
        init.calculate_gain("foo")
    w = glassgrad.zeros(8, 3, 5, 5)
    assert init._calculate_fan_in_and_fan_out(w) == tnn.init._calculate_fan_in_and_fan_out(torch.zeros(8, 3, 5, 5))
    with pytest.raises(ValueError, match="fewer than 2 dimensions"):
        init.xavier_uniform_(glassgrad.zeros(3))


def test_init_small_helpers_and_no_graph():
    w = nn.Parameter(glassgrad.zeros(3, 3))
    init.eye_(w)
    np.testing.assert_array_equal(as_np(w.detach()), np.eye(3))
    init.constant_(w, 0.5), init.ones_(w), init.zeros_(w)
    assert (as_np(w.detach()) == 0).all() and w.grad_fn is None and w.is_leaf
    q = glassgrad.zeros(4, 6, dtype=glassgrad.float64)
    init.orthogonal_(q)
    np.testing.assert_allclose(as_np(q) @ as_np(q).T, np.eye(4), atol=1e-12)


# --- gradient clipping ------------------------------------------------------------------------------
@pytest.mark.parametrize("norm_type", [2.0, 1.0, math.inf])
def test_clip_grad_norm_matches_torch(norm_type):
    grads = [rng.standard_normal((3, 4)), rng.standard_normal(5)]
    gp = [glassgrad.zeros(*g.shape, dtype=glassgrad.float64, requires_grad=True) for g in grads]
    tp = [torch.zeros(*g.shape, dtype=torch.float64, requires_grad=True) for g in grads]
    for p, q, g in zip(gp, tp, grads):
        p.grad, q.grad = glassgrad.tensor(g), torch.tensor(g)
    total_g = nn.utils.clip_grad_norm_(gp, 0.5, norm_type)
    total_t = tnn.utils.clip_grad_norm_(tp, 0.5, norm_type)
    assert float(total_g) == pytest.approx(float(total_t), rel=1e-12)
    for p, q in zip(gp, tp):
        np.testing.assert_allclose(as_np(p.grad), as_np(q.grad), rtol=1e-12)
    nn.utils.clip_grad_value_(gp, 0.01)
    tnn.utils.clip_grad_value_(tp, 0.01)
    for p, q in zip(gp, tp):
        np.testing.assert_allclose(as_np(p.grad), as_np(q.grad), rtol=1e-12)
    v = nn.utils.parameters_to_vector(gp)
    assert v.shape == (17,)
