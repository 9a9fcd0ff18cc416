"""Code written for micrograd runs unchanged on glassgrad and gives the same numbers (to 1e-12).

micrograd==0.1.0 (the PyPI release) is the reference: its Value has + - * / **number, unary -, relu.
"""

import math
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

micrograd_engine = pytest.importorskip("micrograd.engine")
micrograd_nn = pytest.importorskip("micrograd.nn")

from glassgrad.scalar import MLP, Value  # noqa: E402


def same(a, b, rel=1e-12):
    return math.isclose(a, b, rel_tol=rel, abs_tol=1e-12)


def sanity_check(Value):
    """micrograd's own test_sanity_check, verbatim apart from returning the numbers."""
    x = Value(-4.0)
    z = 2 * x + 2 + x
    q = z.relu() + z * x
    h = (z * z).relu()
    y = h + q + q * x
    y.backward()
    return y.data, x.grad


def more_ops(Value):
    """micrograd's own test_more_ops."""
    a = Value(-4.0)
    b = Value(2.0)
    c = a + b
    d = a * b + b**3
    c += c + 1
    c += 1 + c + (-a)
    d += d * 2 + (b + a).relu()
    d += 3 * d + (b - a).relu()
    e = c - d
    f = e**2
    g = f / 2.0
    g += 10.0 / f
    g.backward()
    return g.data, a.grad, b.grad


@pytest.mark.parametrize("program", [sanity_check, more_ops])
def test_micrographs_own_tests_give_the_same_numbers(program):
    ours = program(Value)
    theirs = program(micrograd_engine.Value)
    assert all(same(o, t) for o, t in zip(ours, theirs)), (ours, theirs)


# A random program over micrograd's ops: (op, use the newest node?, index, index, constant)
OPS = ["+", "-", "*", "/", "c+", "c-", "c*", "c/", "+c", "-c", "*c", "/c", "**", "neg", "relu"]
step = st.tuples(st.sampled_from(OPS), st.booleans(), st.integers(0, 999), st.integers(0, 999),
                 st.floats(-3, 3, allow_nan=False, allow_subnormal=False))


def run(Value, leaf_data, program):
    leaves = [Value(x) for x in leaf_data]
    nodes = list(leaves)
    for op, newest, i, j, c in program:
        a = nodes[-1] if newest else nodes[i % len(nodes)]
        b = nodes[j % len(nodes)]
        if op in ("/", "c/") and abs((b if op == "/" else a).data) < 1e-3:
            op = "*"  # stay away from division by ~0 (and by micrograd's **-1)
        if op == "/c" and abs(c) < 1e-3:
            op = "*c"
        if abs(a.data) > 1e4 and op in ("*", "**", "c*", "*c"):
            op = "relu"  # keep numbers in range
        out = {
            "+": lambda: a + b, "-": lambda: a - b, "*": lambda: a * b, "/": lambda: a / b,
            "c+": lambda: c + a, "c-": lambda: c - a, "c*": lambda: c * a, "c/": lambda: c / a,
            "+c": lambda: a + c, "-c": lambda: a - c, "*c": lambda: a * c, "/c": lambda: a / c,
            "**": lambda: a**2, "neg": lambda: -a, "relu": lambda: a.relu(),
        }[op]()
        nodes.append(out)
    root = nodes[-1]
    root.backward()
    return [root.data] + [leaf.grad for leaf in leaves]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.floats(-2, 2, allow_subnormal=False), min_size=1, max_size=3), st.lists(step, min_size=1, max_size=25))
def test_random_micrograd_programs_give_the_same_numbers(leaf_data, program):
    ours = run(Value, leaf_data, program)
    theirs = run(micrograd_engine.Value, leaf_data, program)
    # micrograd computes a/b as a·b⁻¹ (one rounding more), so compare relative to the numbers' scale
    scale = max(1.0, *map(abs, theirs))
    assert all(math.isclose(o, t, rel_tol=1e-12, abs_tol=1e-12 * scale) for o, t in zip(ours, theirs)), (ours, theirs)


def test_mlp_draws_micrographs_weights_and_computes_its_numbers():
    """Seeded the same way, glassgrad's MLP starts from micrograd's weights and agrees on a step."""
    random.seed(1337)
    theirs = micrograd_nn.MLP(2, [16, 16, 1])
    random.seed(1337)
    ours = MLP(2, [16, 16, 1])
    assert [p.data for p in ours.parameters()] == [p.data for p in theirs.parameters()]
    assert repr(ours) == repr(theirs)

    points = [[0.3, -1.2], [1.5, 0.4], [-0.7, 0.9]]
    for model, V in ((ours, Value), (theirs, micrograd_engine.Value)):
        scores = [model([V(a), V(b)]) for a, b in points]
        loss = sum((1 + -y * s).relu() for y, s in zip([1, -1, 1], scores)) * (1.0 / 3)
        loss = loss + 1e-4 * sum(p * p for p in model.parameters())
        model.zero_grad()
        loss.backward()
        model.result = [loss.data] + [p.grad for p in model.parameters()]
    assert all(same(o, t, rel=1e-12) for o, t in zip(ours.result, theirs.result))
