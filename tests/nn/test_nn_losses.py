"""Every loss, every reduction and option, against torch.nn.functional in float64 (values and
gradients), plus the loss classes and PyTorch's errors for bad input."""

import sys
import warnings
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn as tnn
import torch.nn.functional as TF

sys.path.insert(0, str(Path(__file__).parent))
from nn_helpers import as_np, compare  # noqa: E402

import glassgrad  # noqa: E402
from glassgrad import nn  # noqa: E402
import glassgrad.nn.functional as F  # noqa: E402

rng = np.random.default_rng(1)
REDUCTIONS = ["mean", "sum", "none"]


def lib_tensor(lib, a):
    return glassgrad.tensor(a) if lib is F else torch.tensor(a)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name,kw", [("mse_loss", {}), ("l1_loss", {}), ("smooth_l1_loss", {"beta": 0.7}),
                                     ("smooth_l1_loss", {"beta": 0.0}), ("huber_loss", {"delta": 0.8})])
def test_pointwise_losses(name, kw, reduction):
    x, t = rng.standard_normal((4, 5)), rng.standard_normal((4, 5))
    t[0, 0] = x[0, 0]  # d = 0 exactly
    compare(lambda a, b: getattr(F, name)(a, b, reduction=reduction, **kw),
            lambda a, b: getattr(TF, name)(a, b, reduction=reduction, **kw), x, t)


def test_mse_with_weight_and_broadcast_warning():
    x, t, w = rng.standard_normal((3, 4)), rng.standard_normal((3, 4)), rng.random((3, 4))
    for red in REDUCTIONS:  # huber's weighted mean is mean(w·ℓ), the others' Σ w·ℓ / Σ w
        for name in ("mse_loss", "l1_loss", "huber_loss"):
            compare(lambda a, b: getattr(F, name)(a, b, reduction=red, weight=glassgrad.tensor(w)),
                    lambda a, b: getattr(TF, name)(a, b, reduction=red, weight=torch.tensor(w)), x, t)
    with pytest.warns(UserWarning, match="Using a target size .* that is different to the input size"):
        out = F.mse_loss(glassgrad.tensor(x), glassgrad.tensor(t[:1]))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = TF.mse_loss(torch.tensor(x), torch.tensor(t[:1]))
    np.testing.assert_allclose(as_np(out), as_np(ref))
    with pytest.warns(UserWarning), pytest.raises(
            RuntimeError, match=r"The size of tensor a \(3\) must match the size of tensor b \(4\) at "
                                r"non-singleton dimension 0"):
        F.mse_loss(glassgrad.randn(3), glassgrad.randn(4))


CE_CASES = [
    ({}, (6, 4)), ({"label_smoothing": 0.2}, (6, 4)), ({"ignore_index": 1}, (6, 4)),
    ({"weight": "w"}, (6, 4)), ({"weight": "w", "ignore_index": 2, "label_smoothing": 0.1}, (6, 4)),
    ({}, (3, 4, 2, 5)), ({"weight": "w", "label_smoothing": 0.3, "ignore_index": 0}, (3, 4, 5)), ({}, (4,)),
]


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("kw,shape", CE_CASES)
def test_cross_entropy_with_class_indices(kw, shape, reduction):
    x = rng.standard_normal(shape) * 3
    n_cls = shape[1] if len(shape) > 1 else shape[0]
    t_shape = shape[:1] + shape[2:] if len(shape) > 1 else ()
    target = rng.integers(0, n_cls, t_shape)
    w = rng.random(n_cls) + 0.5

    def call(lib, fn):
        def f(a):
            kws = {k: (lib_tensor(lib, w) if v == "w" else v) for k, v in kw.items()}
            return fn(a, lib_tensor(lib, target), reduction=reduction, **kws)
        return f

    compare(call(F, F.cross_entropy), call(TF, TF.cross_entropy), x)
    logp = as_np(TF.log_softmax(torch.tensor(x), 0 if len(shape) == 1 else 1))
    if not kw.get("label_smoothing"):
        compare(call(F, F.nll_loss), call(TF, TF.nll_loss), logp)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("smoothing,weighted", [(0.0, False), (0.25, False), (0.1, True)])
def test_cross_entropy_with_class_probabilities(reduction, smoothing, weighted):
    x = rng.standard_normal((5, 3, 2))
    p = rng.random((5, 3, 2))
    p /= p.sum(1, keepdims=True)
    w = rng.random(3) + 0.5
    kw_g = {"weight": glassgrad.tensor(w)} if weighted else {}
    kw_t = {"weight": torch.tensor(w)} if weighted else {}
    compare(lambda a, b: F.cross_entropy(a, b, reduction=reduction, label_smoothing=smoothing, **kw_g),
            lambda a, b: TF.cross_entropy(a, b, reduction=reduction, label_smoothing=smoothing, **kw_t),
            x, p)  # gradient with respect to the target probabilities too


def test_cross_entropy_gradient_is_softmax_minus_onehot_over_n():
    z = glassgrad.tensor([[1.0, 2.0, 0.5], [0.0, 0.0, 3.0]], dtype=glassgrad.float64, requires_grad=True)
    F.cross_entropy(z, glassgrad.tensor([1, 2])).backward()
    s = np.exp(as_np(z.detach()))
    s /= s.sum(1, keepdims=True)
    expected = (s - np.eye(3)[[1, 2]]) / 2
    np.testing.assert_allclose(as_np(z.grad), expected, rtol=1e-14)
    assert type(z.grad_fn).__name__ if z.grad_fn else True


def test_cross_entropy_errors_match_torch():
    cases = [
        (lambda m: (m.randn(3, 5), m.tensor([1.0, 2.0, 3.0])), RuntimeError),
        (lambda m: (m.randn(3, 5), m.tensor([1, 2, 3], dtype=m.int32)), RuntimeError),
        (lambda m: (m.randn(3, 5), m.tensor([1, 2])), ValueError),
        (lambda m: (m.randn(3, 5), m.tensor([1, 2, 7])), IndexError),
        (lambda m: (m.randn(3, 5), m.randint(0, 5, (3, 5))), RuntimeError),
        (lambda m: (m.randn(3, 5), m.randint(0, 5, (3, 4))), RuntimeError),
    ]
    for make, err in cases:
        msgs = []
        for mod, fn in ((glassgrad, F.cross_entropy), (torch, TF.cross_entropy)):
            with pytest.raises(err) as e:
                fn(*make(mod))
            msgs.append(str(e.value))
        assert msgs[0] == msgs[1]
    with pytest.raises(ValueError, match="avg is not a valid value for reduction"):
        F.cross_entropy(glassgrad.randn(2, 3), glassgrad.tensor([0, 1]), reduction="avg")


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted", [False, True])
def test_binary_cross_entropy(reduction, weighted):
    x = rng.random((4, 3))
    x[0, 0], x[0, 1] = 0.0, 1.0  # logs clamped at -100, as in torch
    t = rng.random((4, 3))
    w = rng.random(3)
    kw_g = {"weight": glassgrad.tensor(w)} if weighted else {}
    kw_t = {"weight": torch.tensor(w)} if weighted else {}
    compare(lambda a, b: F.binary_cross_entropy(a, b, reduction=reduction, **kw_g),
            lambda a, b: TF.binary_cross_entropy(a, b, reduction=reduction, **kw_t), x, t,
            grad=[False, True])
    x[0, 0], x[0, 1] = 0.3, 0.9
    compare(lambda a, b: F.binary_cross_entropy(a, b, reduction=reduction, **kw_g),
            lambda a, b: TF.binary_cross_entropy(a, b, reduction=reduction, **kw_t), x, t)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted,pos", [(False, False), (True, False), (False, True), (True, True)])
def test_binary_cross_entropy_with_logits(reduction, weighted, pos):
    z = rng.standard_normal((4, 3)) * 5
    z[0, 0], z[0, 1] = 80.0, -80.0  # stable at extreme logits
    t = rng.random((4, 3))
    w, pw = rng.random((4, 1)), rng.random(3) * 3
    kg = {"weight": glassgrad.tensor(w)} if weighted else {}
    kt = {"weight": torch.tensor(w)} if weighted else {}
    if pos:
        kg["pos_weight"], kt["pos_weight"] = glassgrad.tensor(pw), torch.tensor(pw)
    compare(lambda a, b: F.binary_cross_entropy_with_logits(a, b, reduction=reduction, **kg),
            lambda a, b: TF.binary_cross_entropy_with_logits(a, b, reduction=reduction, **kt), z, t)


def test_binary_losses_errors_match_torch():
    for fn_g, fn_t, make in (
            (F.binary_cross_entropy, TF.binary_cross_entropy, lambda m: (m.rand(3), m.rand(3, 1))),
            (F.binary_cross_entropy, TF.binary_cross_entropy, lambda m: (m.rand(3) + 1, m.rand(3))),
            (F.binary_cross_entropy_with_logits, TF.binary_cross_entropy_with_logits,
             lambda m: (m.rand(3), m.rand(3, 1)))):
        msgs = []
        for mod, fn in ((glassgrad, fn_g), (torch, fn_t)):
            with pytest.raises((ValueError, RuntimeError)) as e:
                fn(*make(mod))
            msgs.append((type(e.value), str(e.value).replace("torch", "glassgrad")))
        assert msgs[0] == (msgs[1][0], msgs[1][1])


@pytest.mark.parametrize("name,kwargs,kind", [
    ("MSELoss", {}, "reg"), ("L1Loss", {"reduction": "sum"}, "reg"), ("SmoothL1Loss", {"beta": 0.5}, "reg"),
    ("HuberLoss", {"delta": 0.5, "reduction": "none"}, "reg"),
    ("CrossEntropyLoss", {"label_smoothing": 0.1, "weight": "w"}, "cls"),
    ("NLLLoss", {"ignore_index": 0}, "cls"), ("BCELoss", {}, "prob"),
    ("BCEWithLogitsLoss", {"pos_weight": "w"}, "logit"),
])
def test_loss_modules_match_torch(name, kwargs, kind):
    w = rng.random(3) + 0.5

    def make(lib, mod):
        kw = {k: (mod.tensor(w) if v == "w" else v) for k, v in kwargs.items()}
        return getattr(lib, name)(**kw)

    g_loss, t_loss = make(nn, glassgrad), make(tnn, torch)
    assert list(g_loss.state_dict()) == list(t_loss.state_dict())
    x = rng.standard_normal((6, 3))
    if kind == "cls":
        t = rng.integers(0, 3, 6)
        compare(lambda a: g_loss(a, glassgrad.tensor(t)), lambda a: t_loss(a, torch.tensor(t)), x)
    else:
        if kind == "prob":
            x = rng.random((6, 3))
        t = rng.random((6, 3))
        compare(g_loss, t_loss, x, t)
