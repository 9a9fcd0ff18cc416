"""glassgrad.autograd.functional against torch.autograd.functional: the same functions, the same inputs, the
same numbers, the same tuple-or-Tensor structure and shapes, the same errors."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.autograd.functional as TF

import glassgrad
import glassgrad.autograd.functional as GF

RNG = np.random.default_rng(0)
X3 = RNG.standard_normal(3)
X23 = RNG.standard_normal((2, 3))
W = RNG.standard_normal((3, 4))


def lib_of(fn_module):
    return glassgrad if fn_module is GF else torch


def run_both(call):
    """``call(lib, F)`` with (glassgrad, its functional) and (torch, its functional)."""
    return call(glassgrad, GF), call(torch, TF)


def assert_same(ours, theirs, tol=1e-10):
    """Same nesting of tuples, same shapes and values (float64 throughout)."""
    if isinstance(theirs, tuple):
        assert isinstance(ours, tuple) and len(ours) == len(theirs), (ours, theirs)
        for a, b in zip(ours, theirs):
            assert_same(a, b, tol)
        return
    assert isinstance(ours, glassgrad.Tensor), type(ours)
    assert tuple(ours.shape) == tuple(theirs.shape)
    np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=tol, atol=tol)


def t(lib, array, requires_grad=False):
    return lib.tensor(np.array(array), requires_grad=requires_grad)


# Functions written once for both libraries: ``lib`` is glassgrad or torch.
FUNCTIONS = {
    "exp_adder": (lambda lib: (lambda x, y: 2 * x.exp() + 3 * y), lambda lib: (t(lib, X3), t(lib, X3[::-1]))),
    "elementwise": (lambda lib: (lambda x: x.sin() * x ** 2), lambda lib: t(lib, X23)),
    "matmul": (lambda lib: (lambda x: (x @ t(lib, W)).tanh()), lambda lib: t(lib, X23)),
    "row_sums": (lambda lib: (lambda x: x.exp().sum(dim=1)), lambda lib: t(lib, X23)),
    "full_reduction": (lambda lib: (lambda x: (x * x).mean()), lambda lib: t(lib, X23)),
    "tuple_out": (lambda lib: (lambda x: (x * 2, x.sum(), (x ** 3)[:2])), lambda lib: t(lib, X3)),
    "tuple_in_out": (lambda lib: (lambda x, y: (x @ y, (x ** 2).sum() * y)),
                     lambda lib: (t(lib, X23), t(lib, W))),
    "one_input_tuple": (lambda lib: (lambda x: x.cos()), lambda lib: (t(lib, X3),)),
}


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
@pytest.mark.parametrize("vectorize", [False, True])
def test_jacobian_matches_pytorch(name, vectorize):
    make_fn, make_inputs = FUNCTIONS[name]
    ours, theirs = run_both(lambda lib, F: F.jacobian(make_fn(lib), make_inputs(lib), vectorize=vectorize))
    assert_same(ours, theirs)


def test_jacobian_shapes_are_output_then_input():
    jac = GF.jacobian(lambda x, y: (x @ y, x.sum()), (glassgrad.ones(2, 3), glassgrad.ones(3, 4)))
    assert [[tuple(j.shape) for j in row] for row in jac] == [[(2, 4, 2, 3), (2, 4, 3, 4)], [(2, 3), (3, 4)]]


def test_the_tutorials_exp_adder():
    """2·eˣ for x, 3 for y, each a diagonal block."""
    x, y = glassgrad.rand(3), glassgrad.rand(3)
    jx, jy = GF.jacobian(lambda a, b: 2 * a.exp() + 3 * b, (x, y))
    np.testing.assert_allclose(jx.numpy(), np.diag(2 * np.exp(x.numpy())), rtol=1e-6)
    np.testing.assert_allclose(jy.numpy(), 3 * np.eye(3))


def test_forward_mode_strategy_gives_the_same_numbers():
    make_fn, make_inputs = FUNCTIONS["matmul"]
    ours, theirs = run_both(lambda lib, F: F.jacobian(make_fn(lib), make_inputs(lib), vectorize=True,
                                                      strategy="forward-mode"))
    assert_same(ours, theirs)


SCALAR_FUNCTIONS = {
    "pow_reducer": (lambda x: (x ** 3).sum(), lambda lib: t(lib, X23)),
    "mixed": (lambda x, y: (x.sin() * y.exp()).sum() + (x * x).sum() * y[0],
              lambda lib: (t(lib, X3), t(lib, X3[::-1]))),
    "matmul_loss": (lambda x: ((x @ x.T).tanh() ** 2).sum(), lambda lib: t(lib, X23)),
}


@pytest.mark.parametrize("name", sorted(SCALAR_FUNCTIONS))
def test_hessian_matches_pytorch(name):
    fn, make_inputs = SCALAR_FUNCTIONS[name]
    ours, theirs = run_both(lambda lib, F: F.hessian(fn, make_inputs(lib)))
    assert_same(ours, theirs)


@pytest.mark.parametrize("name", sorted(SCALAR_FUNCTIONS))
@pytest.mark.parametrize("product", ["vhp", "hvp"])
def test_hessian_vector_products_match_pytorch(name, product):
    fn, make_inputs = SCALAR_FUNCTIONS[name]

    def call(lib, F):
        inputs = make_inputs(lib)
        v = tuple(x.cos() for x in inputs) if isinstance(inputs, tuple) else inputs.cos()
        return getattr(F, product)(fn, inputs, v)

    ours, theirs = run_both(call)
    assert_same(ours, theirs)


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_vjp_and_jvp_match_pytorch(name):
    make_fn, make_inputs = FUNCTIONS[name]

    def vjp(lib, F):
        fn, inputs = make_fn(lib), make_inputs(lib)
        out = fn(*(inputs if isinstance(inputs, tuple) else (inputs,)))
        v = tuple(o.detach().cos() for o in out) if isinstance(out, tuple) else out.detach().cos()
        return F.vjp(fn, inputs, v)

    def jvp(lib, F):
        inputs = make_inputs(lib)
        v = tuple(x.sin() for x in inputs) if isinstance(inputs, tuple) else inputs.sin()
        return F.jvp(make_fn(lib), inputs, v)

    for call in (vjp, jvp):
        ours, theirs = run_both(call)
        assert_same(ours, theirs)


def test_v_may_be_left_out_for_a_single_number():
    ours, theirs = run_both(lambda lib, F: (F.vjp(lambda x: (x ** 2).sum(), t(lib, X3)),
                                            F.jvp(lambda x: x.exp() * 2, t(lib, [0.5])),
                                            F.vhp(lambda x: x.exp().sum(), t(lib, [0.5])),
                                            F.hvp(lambda x: x.exp().sum(), t(lib, [0.5]))))
    assert_same(ours, theirs)


def test_the_tutorials_vjp_of_repeated_doubling():
    def do_some_doubling(x):
        y = x * 2
        while y.data.norm() < 1000:
            y = y * 2
        return y

    ours, theirs = run_both(lambda lib, F: F.vjp(do_some_doubling, t(lib, X3),
                                                 v=t(lib, [0.1, 1.0, 0.0001])))
    assert_same(ours, theirs)


def test_create_graph_lets_a_second_derivative_through():
    """d/dx Σ_ij J_ij for y = x³ (J = diag 3x²) is 6x; the same through hessian's own graph."""
    for lib, F in ((glassgrad, GF), (torch, TF)):
        x = t(lib, X3, requires_grad=True)
        jac = F.jacobian(lambda a: a ** 3, x, create_graph=True)
        assert jac.requires_grad
        jac.sum().backward()
        np.testing.assert_allclose(x.grad.numpy(), 6 * X3, rtol=1e-12)
        _, product = F.vjp(lambda a: (a ** 3).sum(), x, create_graph=True)
        (second,) = (glassgrad if lib is glassgrad else torch).autograd.grad(product.sum(), x)
        np.testing.assert_allclose(second.numpy(), 6 * X3, rtol=1e-12)


def test_results_are_detached_without_create_graph_and_inputs_untouched():
    x = glassgrad.tensor(X3, requires_grad=True)
    jac = GF.jacobian(lambda a: a.exp(), x)
    out, product = GF.vjp(lambda a: a.exp(), x, glassgrad.ones(3))
    assert not jac.requires_grad and not out.requires_grad and not product.requires_grad
    assert x.grad is None


def test_independent_output_gives_zeros_or_strict_refuses():
    ours, theirs = run_both(lambda lib, F: F.jacobian(lambda a, b: a * 2, (t(lib, X3), t(lib, X23))))
    assert_same(ours, theirs)
    assert not ours[1].numpy().any()


def error_of(call):
    try:
        call()
    except Exception as e:  # noqa: BLE001 — the point is to compare whatever each raises
        return type(e), str(e).replace("torch.Size", "Size").replace("glassgrad.Size", "Size")
    return None


BAD_CALLS = {
    "inputs_list": lambda lib, F: F.jacobian(lambda a: a * 2, [t(lib, X3)]),
    "inputs_number": lambda lib, F: F.jacobian(lambda a: a * 2, 3.0),
    "inputs_tuple_with_number": lambda lib, F: F.vjp(lambda a, b: a * 2, (t(lib, X3), 2.0), t(lib, X3)),
    "outputs_list": lambda lib, F: F.jacobian(lambda a: [a * 2], t(lib, X3)),
    "outputs_number": lambda lib, F: F.jvp(lambda a: 3.0, t(lib, X3), t(lib, X3)),
    "strict_constant_output": lambda lib, F: F.jacobian(lambda a: t(lib, X3) * 2, t(lib, X3), strict=True),
    "strict_detached_output": lambda lib, F: F.vjp(lambda a: a.detach() * 2, t(lib, X3), t(lib, X3),
                                                   strict=True),
    "strict_one_input_unused": lambda lib, F: F.jacobian(lambda a, b: a * 2, (t(lib, X3), t(lib, X3)),
                                                         strict=True),
    "strict_vjp_unused": lambda lib, F: F.vjp(lambda a, b: a * 2, (t(lib, X3), t(lib, X3)), t(lib, X3),
                                              strict=True),
    "strict_linear_jacobian_with_graph": lambda lib, F: F.jacobian(lambda a: a * 2, t(lib, X3), strict=True,
                                                                   create_graph=True),
    "strict_linear_hessian": lambda lib, F: F.hessian(lambda a: a.sum(), t(lib, X3), strict=True),
    "strict_linear_vhp": lambda lib, F: F.vhp(lambda a: a.sum(), t(lib, X3), t(lib, X3), strict=True),
    "strict_jvp_unused": lambda lib, F: F.jvp(lambda a, b: a * 2, (t(lib, X3), t(lib, X3)),
                                              (t(lib, X3), t(lib, X3)), strict=True),
    "strict_and_vectorize": lambda lib, F: F.jacobian(lambda a: a * 2, t(lib, X3), strict=True,
                                                      vectorize=True),
    "forward_mode_unvectorized": lambda lib, F: F.jacobian(lambda a: a * 2, t(lib, X3),
                                                           strategy="forward-mode"),
    "forward_mode_strict": lambda lib, F: F.jacobian(lambda a: a * 2, t(lib, X3), strategy="forward-mode",
                                                     vectorize=True, strict=True),
    "forward_mode_create_graph": lambda lib, F: F.jacobian(lambda a: a * 2, t(lib, X3),
                                                           strategy="forward-mode", create_graph=True),
    "unknown_strategy": lambda lib, F: F.jacobian(lambda a: a * 2, t(lib, X3), strategy="sideways"),
    "hessian_vector_output": lambda lib, F: F.hessian(lambda a: a * 2, t(lib, X3)),
    "hessian_tuple_output": lambda lib, F: F.hessian(lambda a: (a.sum(),), t(lib, X3)),
    "hvp_vector_output": lambda lib, F: F.hvp(lambda a: a ** 3, t(lib, X3), t(lib, X3)),
    "vjp_needs_v": lambda lib, F: F.vjp(lambda a: a * 2, t(lib, X3)),
    "jvp_needs_v": lambda lib, F: F.jvp(lambda a: a * 2, t(lib, X3)),
    "vhp_needs_v": lambda lib, F: F.vhp(lambda a: a.sum(), t(lib, X3)),
    "v_wrong_size": lambda lib, F: F.vjp(lambda a: a * 2, t(lib, X3), t(lib, X3[:2])),
    "v_tuple_entry_wrong_size": lambda lib, F: F.jvp(lambda a, b: a * b, (t(lib, X3), t(lib, X3)),
                                                     (t(lib, X3), t(lib, X3[:2]))),
    "v_tuple_wrong_length": lambda lib, F: F.jvp(lambda a, b: a * b, (t(lib, X3), t(lib, X3)),
                                                 (t(lib, X3),)),
    "v_tuple_for_one_output": lambda lib, F: F.vjp(lambda a: a * 2, t(lib, X3), (t(lib, X3), t(lib, X3))),
    "v_list": lambda lib, F: F.vjp(lambda a: a * 2, t(lib, X3), [t(lib, X3)]),
}


@pytest.mark.parametrize("name", sorted(BAD_CALLS))
def test_errors_are_pytorchs(name):
    ours, theirs = run_both(lambda lib, F: error_of(lambda: BAD_CALLS[name](lib, F)))
    assert theirs is not None
    assert ours == theirs


@pytest.mark.parametrize("product", ["hessian", "hvp", "jvp"])
def test_create_graph_through_hessians_and_double_backward_products(product):
    """A third derivative through hessian, and second ones through the double-backward trick."""
    def call(lib, F):
        x = t(lib, X3, requires_grad=True)
        ones = lib.ones(3, dtype=lib.float64)
        if product == "hessian":
            result = F.hessian(lambda v: (v.sin() * v ** 3).sum(), x, create_graph=True)
        elif product == "hvp":
            result = F.hvp(lambda v: (v.exp() * v).sum(), x, ones, create_graph=True)[1]
        else:
            result = F.jvp(lambda v: v.exp() * v, x, ones, create_graph=True)[1]
        assert result.requires_grad
        result.sum().backward()
        return x.grad

    ours, theirs = run_both(call)
    assert_same(ours, theirs)
