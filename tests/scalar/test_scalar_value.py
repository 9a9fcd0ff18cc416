"""How a Value behaves: what a node records, how gradients accumulate, and what it refuses."""

import gc
import math
from fractions import Fraction

import numpy as np
import pytest

from glassgrad.scalar import Value


# ---- what a node records ----

def test_a_node_records_op_parents_and_local_derivatives_as_numbers():
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    c = a * b
    assert c.data == -6.0 and c.op == "*"
    assert c.parents[0] is a and c.parents[1] is b  # ordered, as the op was written
    assert c.local_grads == (-3.0, 2.0)  # ∂c/∂a = b, ∂c/∂b = a
    assert all(type(g) is float for g in c.local_grads)
    assert a.parents == () and a.local_grads == () and a.op == ""


def test_no_closures_no_dict():
    """Local derivatives are numbers on the node; a node has slots, not a dict, and no _backward."""
    v = Value(1.0) * 2
    assert not hasattr(v, "__dict__")
    assert not hasattr(v, "_backward")


def test_a_graph_makes_no_reference_cycles():
    """micrograd's _backward closures make every graph a cycle only the garbage collector can free."""
    from micrograd.engine import Value as MicroValue

    def garbage_left_by(cls):
        gc.collect()
        gc.disable()
        try:
            x = cls(0.5)
            y = x
            for _ in range(100):
                y = (y * x + 1.0).relu()
            y.backward()
            del x, y
            return gc.collect()  # objects only the cycle collector could free
        finally:
            gc.enable()

    assert garbage_left_by(Value) == 0
    assert garbage_left_by(MicroValue) > 0  # the test can tell the difference


def test_repr_and_label():
    assert repr(Value(2.0)) == "Value(data=2.0, grad=0.0)"
    assert repr(Value(2.0, label="w")) == "Value(data=2.0, grad=0.0, label='w')"


def test_identity_equality_and_hashing():
    """== is identity, so nodes go in sets and dicts even when their numbers are equal."""
    a, b = Value(1.0), Value(1.0)
    assert a != b and a == a
    assert len({a, b}) == 2


def test_micrograd_names_prev_and_op():
    a, b = Value(1.0), Value(2.0)
    c = a + b
    assert c._prev == {a, b} and c._op == "+"


def test_numbers_on_either_side():
    a = Value(3.0)
    assert (a + 1).data == 4.0 and (1 + a).data == 4.0
    assert (a - 1).data == 2.0 and (1 - a).data == -2.0
    assert (a * 2).data == 6.0 and (2 * a).data == 6.0
    assert (a / 2).data == 1.5 and (6 / a).data == 2.0
    assert (a**2).data == 9.0 and (2**a).data == 8.0
    assert (-a).data == -3.0


def test_value_to_a_value_power():
    a, b = Value(2.0), Value(3.0)
    c = a**b
    c.backward()
    assert c.data == 8.0
    assert a.grad == pytest.approx(3 * 2.0**2)  # b·a^(b−1)
    assert b.grad == pytest.approx(8.0 * math.log(2.0))  # a^b·ln a


# ---- gradients ----

def test_chain_rule_on_a_small_expression():
    x = Value(-2.0)
    y = (x * x + 3 * x).tanh()
    y.backward()
    assert x.grad == pytest.approx((1 - math.tanh(-2.0) ** 2) * (2 * -2.0 + 3))


def test_node_used_twice_gets_the_sum_over_both_paths():
    a = Value(3.0)
    b = a + a  # b = 2a
    c = b * b  # c = 4a², dc/da = 8a
    c.backward()
    assert b.grad == 2 * b.data
    assert a.grad == 8 * 3.0


def test_leaves_accumulate_across_backward_calls():
    a, b = Value(2.0), Value(5.0)
    c = a * b
    c.backward()
    c.backward()
    assert a.grad == 2 * 5.0 and b.grad == 2 * 2.0  # like PyTorch's leaf tensors


def test_interior_nodes_show_the_latest_backward_only():
    """A second backward adds to leaves once more, and never double-counts through interior nodes."""
    from micrograd.engine import Value as MicroValue

    def twice(cls):
        a = cls(3.0)
        c = a * 4.0
        d = c * 2.0
        d.backward()
        d.backward()
        return a.grad, c.grad

    assert twice(Value) == (16.0, 2.0)  # a: 8 + 8; c: the latest backward's 2
    assert twice(MicroValue) == (24.0, 4.0)  # micrograd: c's stale 2 is added again, a gets 8 + 16


def test_a_leaf_root_accumulates_too():
    a = Value(1.0)
    a.backward()
    a.backward()
    assert a.grad == 2.0


def test_zero_grad_resets_leaves():
    a = Value(2.0)
    (a * a).backward()
    a.grad = 0.0
    (a * a).backward()
    assert a.grad == 4.0


def test_backward_through_a_shared_subgraph_shows_the_latest_root():
    a = Value(2.0)
    c = a * 3.0
    d, e = c * 5.0, c * 7.0
    d.backward()
    assert c.grad == 5.0
    e.backward()
    assert c.grad == 7.0 and a.grad == 15.0 + 21.0


def test_a_100000_deep_chain():
    x = Value(0.5)
    y = x
    for _ in range(100_000):
        y = y + x
    y.backward()  # micrograd's recursive topological sort stops at ~1,000
    assert x.grad == 100_001.0


def test_a_graph_of_a_million_nodes():
    xs = [Value(float(i % 7)) for i in range(1000)]
    y = xs[0]
    for i in range(1, 999_000):
        y = y + xs[i % 1000]
    y.backward()
    assert sum(x.grad for x in xs) == 999_000  # every add passes 1 down to one leaf
    assert xs[1].grad == 999


# ---- what it refuses, and says why ----

@pytest.mark.parametrize("bad", ["1.0", None, [1.0], 1j, object()])
def test_data_must_be_a_real_number(bad):
    with pytest.raises(TypeError, match=type(bad).__name__):
        Value(bad)


@pytest.mark.parametrize("bad", [True, np.bool_(False)])
def test_bools_are_refused(bad):
    with pytest.raises(TypeError, match="bool"):
        Value(bad)


def test_bad_operand_is_a_type_error_too():
    with pytest.raises(TypeError, match="str"):
        Value(1.0) + "2"
    with pytest.raises(TypeError, match="NoneType"):
        None * Value(1.0)


@pytest.mark.parametrize("x", [3, 2.5, np.float32(1.5), np.float64(-1.0), np.int64(4), Fraction(1, 4)])
def test_ints_floats_numpy_scalars_are_accepted_and_stored_as_float(x):
    v = Value(x)
    assert type(v.data) is float and v.data == float(x)


@pytest.mark.parametrize(
    "make, op, number",
    [
        (lambda: Value(0.0).log(), "log", "0.0"),
        (lambda: Value(-1.5).log(), "log", "-1.5"),
        (lambda: Value(0.0).sqrt(), "sqrt", "0.0"),
        (lambda: Value(-4.0).sqrt(), "sqrt", "-4.0"),
        (lambda: Value(0.0) ** -1, "pow", "0.0"),
        (lambda: Value(0.0) ** -0.5, "pow", "0.0"),
        (lambda: Value(-8.0) ** (1 / 3), "pow", "-8.0"),
        (lambda: Value(0.0) ** 0.5, "pow", "infinite"),
        (lambda: Value(-2.0) ** Value(2.0), "pow", "-2.0"),
        (lambda: 0 ** Value(-1.0), "pow", "0.0"),
    ],
)
def test_outside_the_domain_is_a_value_error_naming_op_and_number(make, op, number):
    with pytest.raises(ValueError) as info:
        make()
    assert op in str(info.value) and number in str(info.value)


def test_division_by_zero_names_the_op():
    with pytest.raises(ZeroDivisionError, match="division"):
        Value(1.0) / 0
    with pytest.raises(ZeroDivisionError, match="division"):
        1 / Value(0.0)


def test_overflow_names_the_op():
    with pytest.raises(OverflowError, match="exp"):
        Value(1000.0).exp()
    with pytest.raises(OverflowError, match="pow"):
        Value(10.0) ** 400
    with pytest.raises(OverflowError, match="pow"):
        Value(10.0) ** Value(400.0)


@pytest.mark.parametrize("x", [-1000.0, -40.0, 0.0, 40.0, 1000.0])
def test_saturating_functions_stay_finite(x):
    for f in (Value.sigmoid, Value.tanh):
        v = Value(x)
        out = f(v)
        out.backward()
        assert math.isfinite(out.data) and math.isfinite(v.grad), (f.__name__, x)


def test_near_the_domain_edges_numbers_stay_finite():
    """Close to (not at) the edges, every op gives a finite number and a finite gradient..."""
    cases = [lambda v: v.log(), lambda v: v.sqrt(), lambda v: v**-2, lambda v: v**0.5, lambda v: 1 / v]
    for f in cases:
        v = Value(1e-100)
        out = f(v)
        out.backward()
        assert math.isfinite(out.data) and math.isfinite(v.grad)


def test_past_the_float_range_it_raises_instead_of_returning_inf():
    """...and where the result or its derivative leaves the float range, an error says so."""
    with pytest.raises(OverflowError, match="pow"):
        Value(1e-200) ** -2  # the value, 1e400, does not fit
    with pytest.raises(OverflowError, match="derivative"):
        Value(1e-300) ** -0.5  # the value, 1e150, fits; the derivative, −0.5e450, does not
    with pytest.raises(OverflowError, match="division"):
        Value(1.0) / Value(1e-170)  # the value fits; ∂/∂b = −1e340 does not
