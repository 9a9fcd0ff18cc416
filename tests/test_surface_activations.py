"""The activations added for real programs (prelu, selu, celu, glu, hardswish, hardsigmoid, logsigmoid,
softsign, tanhshrink, softshrink, hardshrink, threshold, Softmax2d, rrelu, gumbel_softmax): values,
gradients, grad_fn names, module reprs and errors, each compared with PyTorch."""

import numpy as np
import pytest
import torch

import glassgrad as gg

RNG = np.random.default_rng(0)
X = RNG.standard_normal((2, 4, 3, 3)) * 3
X.flat[:6] = [-3.0, 3.0, 0.5, -0.5, 0.0, 0.1]  # the kinks of hardswish, hardsigmoid, the shrinks
W = RNG.random(4)

CASES = {
    "prelu": lambda F, x, w: F.prelu(x, w),
    "prelu_one_weight": lambda F, x, w: F.prelu(x, w[:1]),
    "selu": lambda F, x, w: F.selu(x),
    "celu": lambda F, x, w: F.celu(x, 0.7),
    "glu": lambda F, x, w: F.glu(x, 1),
    "glu_last": lambda F, x, w: F.glu(x[..., :2]),
    "hardswish": lambda F, x, w: F.hardswish(x),
    "hardsigmoid": lambda F, x, w: F.hardsigmoid(x),
    "logsigmoid": lambda F, x, w: F.logsigmoid(x * 20),
    "softsign": lambda F, x, w: F.softsign(x),
    "tanhshrink": lambda F, x, w: F.tanhshrink(x),
    "softshrink": lambda F, x, w: F.softshrink(x, 0.5),
    "hardshrink": lambda F, x, w: F.hardshrink(x, 0.5),
    "threshold": lambda F, x, w: F.threshold(x, 0.1, 20.0),
    "rrelu_eval": lambda F, x, w: F.rrelu(x),
    "rrelu_train": lambda F, x, w: F.rrelu(x, 0.1, 0.6, training=True),
    "gumbel_softmax": lambda F, x, w: F.gumbel_softmax(x),
    "gumbel_softmax_hard": lambda F, x, w: F.gumbel_softmax(x, 0.5, hard=True, dim=1),
}
GRAD_FN = {"prelu": "PreluKernelBackward0", "prelu_one_weight": "PreluKernelBackward0", "selu": "EluBackward0",
           "celu": "CeluBackward0", "glu": "GluBackward0", "glu_last": "GluBackward0",
           "hardswish": "HardswishBackward0", "hardsigmoid": "HardsigmoidBackward0",
           "logsigmoid": "LogSigmoidBackward0", "softsign": "DivBackward0", "tanhshrink": "SubBackward0",
           "softshrink": "SoftshrinkBackward0", "hardshrink": "HardshrinkBackward0",
           "threshold": "ThresholdBackward0", "rrelu_eval": "RreluWithNoiseBackward0",
           "rrelu_train": "RreluWithNoiseBackward0", "gumbel_softmax": "SoftmaxBackward0",
           "gumbel_softmax_hard": "AddBackward0"}


def _run(lib, fn, dtype, grad_out=None):
    lib.manual_seed(3)  # rrelu and gumbel_softmax draw from the global generator, as PyTorch's
    x = lib.tensor(X.astype(dtype), requires_grad=True)
    w = lib.tensor(W.astype(dtype), requires_grad=True)
    y = fn(lib.nn.functional, x, w)
    g = np.random.default_rng(1).standard_normal(tuple(y.shape)).astype(dtype)
    y.backward(lib.tensor(g))
    return (y.detach().numpy(), x.grad.numpy(), None if w.grad is None else w.grad.numpy(),
            y.grad_fn.name(), str(y.dtype).split(".")[-1])


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", list(CASES))
def test_values_gradients_and_grad_fn_match_pytorch(name, dtype):
    ours, theirs = _run(gg, CASES[name], dtype), _run(torch, CASES[name], dtype)
    tol = dict(rtol=1e-5, atol=1e-6) if dtype == "float32" else dict(rtol=1e-7, atol=1e-12)
    np.testing.assert_allclose(ours[0], theirs[0], **tol)
    np.testing.assert_allclose(ours[1], theirs[1], **tol)
    assert (ours[2] is None) == (theirs[2] is None)
    if ours[2] is not None:  # prelu's weight gradient
        np.testing.assert_allclose(ours[2], theirs[2], **tol)
    assert ours[3] == theirs[3] == GRAD_FN[name]
    assert ours[4] == theirs[4] == dtype


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_rrelu_draws_like_pytorch_and_leaves_the_generator_where_pytorch_does(dtype):
    x = np.linspace(-2, 2, 10001).astype(dtype)
    ys = []
    for lib in (gg, torch):
        lib.manual_seed(11)
        y = lib.nn.functional.rrelu(lib.tensor(x), training=True)
        ys.append((y.numpy(), lib.rand(3).numpy()))
    np.testing.assert_array_equal(ys[0][0], ys[1][0])
    np.testing.assert_array_equal(ys[0][1], ys[1][1])


@pytest.mark.parametrize("name", ["selu", "softsign", "tanhshrink"])
def test_second_derivatives_match_pytorch(name):
    grads = []
    for lib in (gg, torch):
        x = lib.tensor(X[1, 0].astype(np.float64), requires_grad=True)  # (no exact 0: a kink)
        y = CASES[name](lib.nn.functional, x, None).sum()
        (g,) = lib.autograd.grad(y, x, create_graph=True)
        (gg2,) = lib.autograd.grad(g.sum(), x)
        grads.append(gg2.numpy())
    np.testing.assert_allclose(grads[0], grads[1], rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("fn", ["selu", "celu", "hardswish", "hardsigmoid", "rrelu"])
def test_inplace_writes_into_the_input_like_pytorch(fn):
    outs = []
    for lib in (gg, torch):
        x = lib.tensor(X.astype(np.float32)).clone()
        y = getattr(lib.nn.functional, fn)(x, inplace=True)
        outs.append((y is x, x.numpy().copy()))
    assert outs[0][0] and outs[1][0]
    np.testing.assert_allclose(outs[0][1], outs[1][1], rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("fn, args", [("selu", ()), ("celu", (0.8,)), ("hardswish", ()), ("hardsigmoid", ()),
                                      ("threshold", (0.1, 2.0)), ("rrelu", (0.1, 0.3, True)),
                                      ("rrelu", (0.1, 0.3, False))])
def test_inplace_on_an_intermediate_backpropagates_like_pytorch(fn, args):
    outs = []
    for lib in (gg, torch):
        lib.manual_seed(0)
        x = lib.tensor(X.astype(np.float64), requires_grad=True)
        h = x * 1
        y = getattr(lib.nn.functional, fn)(h, *args, inplace=True)
        (y * lib.tensor(X[::-1].copy())).sum().backward()
        outs.append((y is h, y.grad_fn.name(), y.detach().numpy(), x.grad.numpy()))
    assert outs[0][:2] == outs[1][:2]  # the in-place overloads' nodes: EluBackward1, ThresholdBackward1 ...
    np.testing.assert_allclose(outs[0][2], outs[1][2], rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(outs[0][3], outs[1][3], rtol=1e-7, atol=1e-12)


@pytest.mark.parametrize("fn", ["selu_", "celu_", "rrelu_"])
def test_underscore_variants(fn):
    outs = []
    for lib in (gg, torch):
        x = lib.tensor(X.astype(np.float32)).clone()
        getattr(lib.nn.functional, fn)(x)
        outs.append(x.numpy())
    np.testing.assert_allclose(outs[0], outs[1], rtol=1e-6, atol=1e-7)
    xs = [lib.tensor(X.astype(np.float32)).clone() for lib in (gg, torch)]
    gg.nn.functional.threshold_(xs[0], 0.2, -1.0)
    torch.nn.functional.threshold_(xs[1], 0.2, -1.0)
    np.testing.assert_array_equal(xs[0].numpy(), xs[1].numpy())


MODULES = [
    lambda nn: nn.PReLU(), lambda nn: nn.PReLU(4, 0.1), lambda nn: nn.SELU(), lambda nn: nn.SELU(True),
    lambda nn: nn.CELU(), lambda nn: nn.CELU(2.0, True), lambda nn: nn.GLU(), lambda nn: nn.GLU(1),
    lambda nn: nn.Hardswish(), lambda nn: nn.Hardswish(True), lambda nn: nn.Hardsigmoid(),
    lambda nn: nn.LogSigmoid(), lambda nn: nn.Softsign(), lambda nn: nn.Tanhshrink(), lambda nn: nn.Softshrink(),
    lambda nn: nn.Hardshrink(0.3), lambda nn: nn.Threshold(0.1, 20), lambda nn: nn.Threshold(0.1, 2.5, True),
    lambda nn: nn.Softmax2d(), lambda nn: nn.RReLU(), lambda nn: nn.RReLU(0.1, 0.2, True),
]


@pytest.mark.parametrize("make", MODULES)
def test_module_repr_and_output_match_pytorch(make):
    ours, theirs = make(gg.nn), make(torch.nn)
    assert repr(ours) == repr(theirs)
    ours.eval(), theirs.eval()  # (RReLU: the fixed mid slope)
    x = X.astype(np.float32)
    if isinstance(theirs, torch.nn.GLU) and theirs.dim == -1:
        x = x[..., :2]
    np.testing.assert_allclose(ours(gg.tensor(x)).detach().numpy(), theirs(torch.tensor(x)).detach().numpy(),
                               rtol=1e-6, atol=1e-7)


def test_prelu_module_parameter_and_state_dict_match_pytorch():
    ours, theirs = gg.nn.PReLU(4, 0.3), torch.nn.PReLU(4, 0.3)
    assert list(ours.state_dict()) == list(theirs.state_dict()) == ["weight"]
    np.testing.assert_array_equal(ours.weight.detach().numpy(), theirs.weight.detach().numpy())
    assert gg.nn.PReLU(dtype=gg.float64).weight.dtype == gg.float64


def _error(lib, call):
    with pytest.raises(Exception) as info:
        call(lib)
    return type(info.value).__name__, str(info.value)


ERRORS = [
    lambda lib: lib.nn.functional.prelu(lib.zeros(2, 3, 4), lib.zeros(2)),
    lambda lib: lib.nn.functional.prelu(lib.zeros(2, 3, 4), lib.zeros(3, 1)),
    lambda lib: lib.nn.functional.prelu(lib.tensor(1.0), lib.zeros(3)),
    lambda lib: lib.nn.functional.prelu(lib.zeros(2, 3), 3),
    lambda lib: lib.nn.functional.glu(lib.zeros(2, 3), 1),
    lambda lib: lib.nn.functional.glu(lib.tensor(1.0)),
    lambda lib: lib.nn.functional.softshrink(lib.zeros(3), -1.0),
    lambda lib: lib.nn.functional.softshrink(lib.zeros(3, dtype=lib.float64), -0.5),
    lambda lib: lib.nn.functional.celu(lib.zeros(3), 0.0),
    lambda lib: lib.nn.functional.rrelu(lib.zeros(3), 0.5, 0.1, True),
    lambda lib: lib.nn.functional.selu(3),
    lambda lib: lib.nn.Softmax2d()(lib.zeros(3, 4)),
    lambda lib: lib.nn.functional.prelu(lib.zeros(2, 3, dtype=lib.float64), lib.zeros(3)),
    lambda lib: lib.nn.functional.glu(lib.zeros(2, 4), 5),
] + [  # integer and bool inputs: PyTorch's kernels are for floating dtypes (threshold takes integers)
    (lambda lib, name=name, dtype=dtype, extra=extra: getattr(lib.nn.functional, name)(
        lib.arange(-2, 2).reshape(2, 2).to(getattr(lib, dtype)), *extra))
    for name, extra in [("selu", ()), ("celu", ()), ("glu", ()), ("hardswish", ()), ("hardsigmoid", ()),
                        ("logsigmoid", ()), ("softshrink", ()), ("hardshrink", ()), ("rrelu", ()),
                        ("rrelu", (0.1, 0.3, True))]
    for dtype in ("int64", "bool")
] + [
    lambda lib: lib.nn.functional.threshold(lib.zeros(3, dtype=lib.bool), 0, 1),
    lambda lib: lib.nn.functional.prelu(lib.zeros(2, 3, dtype=lib.int64), lib.zeros(3, dtype=lib.int64)),
]


@pytest.mark.parametrize("call", ERRORS)
def test_errors_match_pytorch(call):
    assert _error(gg, call) == _error(torch, call)


TOP_LEVEL = [
    ("selu", ()), ("celu", (0.5,)), ("prelu", "weight"), ("rrelu", ()), ("threshold", (0.2, -1.0)),
    ("hardshrink", (0.4,)), ("pixel_shuffle", (2,)), ("pixel_unshuffle", (1,)), ("channel_shuffle", (2,)),
    ("native_channel_shuffle", (2,)), ("alpha_dropout", (0.5, False)), ("feature_alpha_dropout", (0.5, False)),
]


@pytest.mark.parametrize("name, args", TOP_LEVEL)
def test_top_level_functions_match_pytorch(name, args):
    outs = []
    for lib in (gg, torch):
        x = lib.tensor(X.astype(np.float64), requires_grad=True)
        extra = (lib.tensor(W),) if args == "weight" else args
        y = getattr(lib, name)(x, *extra)
        outs.append((y.detach().numpy(), None if y.grad_fn is None else y.grad_fn.name()))
    np.testing.assert_allclose(outs[0][0], outs[1][0], rtol=1e-12, atol=1e-14)
    if name != "native_channel_shuffle":  # (PyTorch's has no backward: its grad_fn is NotImplemented)
        assert outs[0][1] == outs[1][1]


def test_gumbel_softmax_warns_about_eps_like_pytorch():
    messages = []
    for lib in (gg, torch):
        with pytest.warns(UserWarning) as record:
            lib.nn.functional.gumbel_softmax(lib.zeros(2, 3), eps=1e-5)
        messages.append(str(record[0].message))
    assert messages[0] == messages[1]
