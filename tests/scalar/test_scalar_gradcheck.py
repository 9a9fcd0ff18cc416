"""Finite differences: derivative, numerical_grad and the gradcheck report."""

import math

import pytest

from glassgrad.scalar.gradcheck import derivative, gradcheck, numerical_grad
from glassgrad.scalar import Value


def test_derivative_of_a_plain_function():
    assert derivative(lambda x: x**3, 2.0) == pytest.approx(12.0, rel=1e-8)
    assert derivative(math.sin, 1.0, method="forward") == pytest.approx(math.cos(1.0), rel=1e-5)


def test_central_differences_are_more_accurate_than_forward():
    exact = math.exp(1.0)
    central = abs(derivative(math.exp, 1.0, h=1e-3) - exact)
    forward = abs(derivative(math.exp, 1.0, h=1e-3, method="forward") - exact)
    assert central < forward / 100  # error ~h² against ~h


def test_derivative_accepts_functions_of_values():
    assert derivative(lambda v: Value(v).tanh(), 0.0) == pytest.approx(1.0)
    assert derivative(lambda x: x * x, Value(3.0)) == pytest.approx(6.0)


def test_derivative_rejects_an_unknown_method():
    with pytest.raises(ValueError, match="central"):
        derivative(math.exp, 0.0, method="backward")


def test_numerical_grad_matches_backward_and_restores_the_data():
    a, b = Value(1.5), Value(-0.5)
    numeric = numerical_grad(lambda a, b: (a * b).exp() + a, [a, b])
    out = (a * b).exp() + a
    out.backward()
    assert numeric == pytest.approx([a.grad, b.grad], rel=1e-7)
    assert (a.data, b.data) == (1.5, -0.5)


def test_gradcheck_passes_on_correct_derivatives():
    report = gradcheck(lambda x, y: (x * y + x.sigmoid()) / y.exp(), [0.3, Value(1.2, label="y")])
    assert report.ok and bool(report)
    assert [e.name for e in report.entries] == ["x0", "y"]
    assert all(e.abs_error < 1e-7 for e in report.entries)
    assert "passed" in str(report)


def wrong_square(x):
    """x² with a deliberately wrong local derivative (x instead of 2x)."""
    return Value(x.data**2, (x,), (x.data,), "bad_square")


def test_gradcheck_reports_a_wrong_derivative():
    report = gradcheck(lambda x, y: wrong_square(x) + y, [3.0, 1.0])
    assert not report.ok and not report
    bad, good = report.entries
    assert bad.analytic == 3.0 and bad.numeric == pytest.approx(6.0)
    assert bad.rel_error == pytest.approx(0.5, rel=1e-6) and not bad.ok
    assert good.ok
    text = str(report)
    assert "FAILED" in text and "mismatch" in text and repr(report) == text


def test_gradcheck_leaves_inputs_alone_and_needs_a_value():
    x = Value(2.0)
    gradcheck(lambda v: v * v, [x])
    assert x.grad == 0.0 and x.data == 2.0
    with pytest.raises(TypeError, match="must return a Value"):
        gradcheck(lambda v: 1.0, [x])
