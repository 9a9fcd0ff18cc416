"""Saved tensors by PyTorch's names (grad_fn._saved_self ...) and autograd.graph.saved_tensors_hooks /
save_on_cpu, each behaviour run on glassgrad and on PyTorch and compared."""

import numpy as np
import pytest
import torch

import glassgrad

BOTH = pytest.mark.parametrize("T", [glassgrad, torch], ids=["glassgrad", "torch"])


@BOTH
def test_saved_inputs_are_the_tensors_themselves(T):
    a = T.randn(5, requires_grad=True)
    b = T.ones(5, requires_grad=True)
    y = a * b
    assert y.grad_fn._saved_self is a and y.grad_fn._saved_other is b
    z = y * y
    assert z.grad_fn._saved_self is y


@BOTH
def test_saved_result_is_a_new_tensor_on_the_node(T):
    a = T.randn(5, requires_grad=True)
    y = T.exp(a)
    saved = y.grad_fn._saved_result
    assert saved.equal(y) and saved is not y
    assert saved.grad_fn is y.grad_fn and saved.requires_grad


def test_saved_names_match_pytorch_for_common_ops():
    cases = [("sin", lambda T, a: T.sin(a), "_saved_self"), ("tanh", lambda T, a: T.tanh(a), "_saved_result"),
             ("sigmoid", lambda T, a: T.sigmoid(a), "_saved_result"), ("log", lambda T, a: T.log(a), "_saved_self"),
             ("div", lambda T, a: a / (a + 1), "_saved_other"), ("pow", lambda T, a: a.pow(3), "_saved_self")]
    x = np.random.default_rng(0).uniform(0.5, 2, 4)
    for name, f, attribute in cases:
        ours = f(glassgrad, glassgrad.tensor(x, requires_grad=True)).grad_fn
        theirs = f(torch, torch.tensor(x, requires_grad=True)).grad_fn
        np.testing.assert_allclose(getattr(ours, attribute).detach().numpy(),
                                   getattr(theirs, attribute).detach().numpy(), err_msg=name)


@BOTH
def test_pow_saves_its_exponent_as_a_number(T):
    y = T.randn(3, requires_grad=True).pow(2)
    assert y.grad_fn._saved_exponent == 2 and type(y.grad_fn._saved_exponent) is int


@BOTH
def test_unknown_saved_name_is_an_attribute_error(T):
    y = T.randn(3, requires_grad=True).exp()
    with pytest.raises(AttributeError, match="_saved_self"):
        y.grad_fn._saved_self


@BOTH
def test_saved_values_are_freed_by_backward(T):
    y = T.randn(3, requires_grad=True).exp()
    y.sum().backward()
    with pytest.raises(RuntimeError, match="Trying to backward through the graph a second time"):
        y.grad_fn._saved_result


def _events(T):
    """Run the tutorial's packing example; return what pack and unpack saw, in order."""
    seen = []
    a = T.ones(3, requires_grad=True)
    b = T.ones(3, requires_grad=True) * 2

    def pack(x):
        seen.append(("pack", x.tolist(), x.grad_fn is not None, T.is_grad_enabled()))
        return x

    def unpack(x):
        seen.append(("unpack", x.tolist()))
        return x

    with T.autograd.graph.saved_tensors_hooks(pack, unpack):
        y = a * b
        z = (a / b).exp()
    y.sum().backward(retain_graph=True)  # b's own node is shared with z's graph
    z.sum().backward()
    return seen


def test_pack_and_unpack_run_in_pytorchs_order():
    assert _events(glassgrad) == _events(torch)


@BOTH
def test_hooks_change_what_backward_reads(T):
    x = T.randn(5, requires_grad=True, dtype=T.float64)
    with T.autograd.graph.saved_tensors_hooks(lambda t: t * 4, lambda t: t / 4):
        y = T.pow(x, 2)
    y.sum().backward()
    assert T.allclose(x.grad, 2 * x)
    x.grad = None
    with T.autograd.graph.saved_tensors_hooks(lambda t: t * 4, lambda t: t):  # a wrong unpack shows
        y = T.pow(x, 2)
    y.sum().backward()
    assert T.allclose(x.grad, 8 * x)


@BOTH
def test_pack_may_return_any_object(T):
    storage = []

    def pack(t):
        storage.append(t)
        return len(storage) - 1

    x = T.randn(5, requires_grad=True)
    with T.autograd.graph.saved_tensors_hooks(pack, lambda i: storage[i]):
        y = x * x
    y.sum().backward()
    assert x.grad.equal(2 * x)


@BOTH
def test_unpack_must_return_a_tensor(T):
    with T.autograd.graph.saved_tensors_hooks(lambda t: t, lambda t: 3):
        y = T.randn(3, requires_grad=True).exp()
    with pytest.raises(TypeError, match="unpack_hook expected to be a Tensor but got result of type int"):
        y.sum().backward()


@BOTH
def test_hooks_nest_innermost_wins(T):
    seen = []
    a, b = T.randn(2, requires_grad=True), T.randn(2, requires_grad=True)
    with T.autograd.graph.saved_tensors_hooks(lambda t: seen.append("outer") or t, lambda t: t):
        with T.autograd.graph.saved_tensors_hooks(lambda t: seen.append("inner") or t, lambda t: t):
            a * b
        a * b
    assert seen == ["inner", "inner", "outer", "outer"]


@BOTH
def test_unpack_runs_at_each_access(T):
    calls = []
    with T.autograd.graph.saved_tensors_hooks(lambda t: t, lambda t: calls.append(1) or t):
        y = T.ones(3, requires_grad=True).pow(2)
    y.grad_fn._saved_self
    y.grad_fn._saved_self
    assert len(calls) == 2


@BOTH
def test_custom_function_save_for_backward_is_packed(T):
    seen = []

    class Double(T.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * 2

        @staticmethod
        def backward(ctx, g):
            x, = ctx.saved_tensors
            return g * 2 + 0 * x

    a = T.randn(3, requires_grad=True)
    with T.autograd.graph.saved_tensors_hooks(lambda t: seen.append(t is a) or t,
                                              lambda t: seen.append("unpack") or t):
        y = Double.apply(a)
    y.sum().backward()
    assert seen == [True, "unpack"]
    assert a.grad.tolist() == [2.0, 2.0, 2.0]


@BOTH
def test_save_on_cpu_gives_the_same_gradients(T):
    T.manual_seed(0)
    w = T.randn(5, requires_grad=True)
    x = T.randn(5)
    with T.autograd.graph.save_on_cpu(pin_memory=True):
        loss = (w * x).sin().sum()
    loss.backward()
    assert T.allclose(w.grad, (w * x).cos().detach() * x)


@BOTH
def test_disable_saved_tensors_hooks(T):
    with T.autograd.graph.disable_saved_tensors_hooks("no hooks here"):
        with pytest.raises(RuntimeError, match="no hooks here"):
            with T.autograd.graph.saved_tensors_hooks(lambda t: t, lambda t: t):
                pass
    with T.autograd.graph.saved_tensors_hooks(lambda t: t, lambda t: t):  # allowed again after
        pass


@BOTH
def test_raw_saved_tensor_register_hooks(T):
    calls = []
    x = T.randn(3, requires_grad=True, dtype=T.float64)
    y = x.pow(2)
    y.grad_fn._raw_saved_self.register_hooks(lambda t: calls.append("pack") or t * 3,
                                             lambda t: calls.append("unpack") or t / 3)
    y.sum().backward()
    assert calls == ["pack", "unpack"]
    assert T.allclose(x.grad, 2 * x)


@BOTH
def test_packed_tensor_changed_in_place_is_not_checked(T):
    # the hook's copy is what backward reads, so PyTorch skips the version check
    a = T.randn(3, requires_grad=True)
    b = a * 1
    with T.autograd.graph.saved_tensors_hooks(lambda t: t.clone(), lambda t: t):
        y = b.sin()
    old = b.detach().clone()
    b.add_(1)
    y.sum().backward()
    assert T.allclose(a.grad, old.cos())


NAMED_OPS = {
    "mul": lambda T, a, b: a * b, "div": lambda T, a, b: a / b, "mm": lambda T, a, b: a @ b.T,
    "exp": lambda T, a, b: a.exp(), "sin": lambda T, a, b: a.sin(), "tanh": lambda T, a, b: a.tanh(),
    "sigmoid": lambda T, a, b: a.sigmoid(), "relu": lambda T, a, b: a.relu(),
    "log": lambda T, a, b: (a.abs() + 1).log(), "sqrt": lambda T, a, b: (a.abs() + 1).sqrt(),
    "pow number": lambda T, a, b: a ** 2, "mul number": lambda T, a, b: a * 2,
    "mul float": lambda T, a, b: a * 2.5, "maximum": lambda T, a, b: T.maximum(a, b),
    "where": lambda T, a, b: T.where(a > 0, a, b), "softmax": lambda T, a, b: T.softmax(a, 1),
    "log_softmax": lambda T, a, b: T.log_softmax(a, 1), "linear": lambda T, a, b: T.nn.functional.linear(a, b),
    "linear with bias": lambda T, a, b: T.nn.functional.linear(a, b, b[:, 0]), "abs": lambda T, a, b: a.abs(),
    "clamp": lambda T, a, b: a.clamp(-0.5, 0.5), "gelu": lambda T, a, b: T.nn.functional.gelu(a),
    "lerp": lambda T, a, b: T.lerp(a, b, 0.3), "rsqrt": lambda T, a, b: (a.abs() + 1).rsqrt(),
}


@pytest.mark.parametrize("name", NAMED_OPS)
def test_every_saved_name_pytorch_shows_has_its_value(name):
    rng = np.random.default_rng(1)
    x, y = rng.standard_normal((3, 4)), rng.standard_normal((3, 4))
    theirs = NAMED_OPS[name](torch, torch.tensor(x, requires_grad=True), torch.tensor(y, requires_grad=True)).grad_fn
    ours = NAMED_OPS[name](glassgrad, glassgrad.tensor(x, requires_grad=True),
                           glassgrad.tensor(y, requires_grad=True)).grad_fn
    assert ours.name() == theirs.name()
    names = [n for n in dir(theirs) if n.startswith("_saved_") and not n.endswith(("_sizes", "_strides"))]
    for attribute in names:
        expected, got = getattr(theirs, attribute), getattr(ours, attribute)
        if isinstance(expected, torch.Tensor):
            assert isinstance(got, glassgrad.Tensor), attribute
            np.testing.assert_allclose(got.detach().numpy(), expected.detach().numpy(), err_msg=attribute)
            assert got.dtype.name == str(expected.dtype).split(".")[1], attribute
        elif attribute != "_saved_dim":  # PyTorch shows a negative dim as its uint64 wrap-around
            assert got == expected, attribute


def _second_derivative_through_hooks(T):
    x = T.tensor([0.5, 1.5, -2.0], requires_grad=True, dtype=T.float64)
    with T.autograd.graph.saved_tensors_hooks(lambda t: t * 2, lambda t: t / 2):
        y = (x ** 3).exp() * x
        g, = T.autograd.grad(y.sum(), x, create_graph=True)
    g.sum().backward()
    return g.detach().numpy(), x.grad.numpy()


def test_create_graph_reads_unpacked_tensors_in_their_place_in_the_graph():
    for ours, theirs in zip(_second_derivative_through_hooks(glassgrad), _second_derivative_through_hooks(torch)):
        np.testing.assert_allclose(ours, theirs, rtol=1e-12)
