"""explain/trace.py: every number in every step is the engine's, and the contributions to a node add up
to its gradient — for scalar graphs (exactly) and recorded tensor graphs (against torch too)."""

import json
import math
import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import glassgrad
from glassgrad import Value, explain
from glassgrad.explain.parse import evaluate
from glassgrad.explain.style import short
from glassgrad.explain.trace import Step, format_array, trace
from glassgrad.explain.trace import _name as trace_name
from glassgrad.scalar.nn import MLP, mse

torch = pytest.importorskip("torch")


def _by_ref(g):
    return {n.id: n.ref for n in g.nodes}


def check_scalar_trace(root):
    """Forward numbers = the Values' data; backward numbers = recorded local derivatives and grads;
    each node's running total ends exactly at its grad (same order of additions as Value.backward)."""
    g = explain.graph(root)
    ref = _by_ref(g)
    steps = trace(root)
    forward = [s for s in steps if s.phase == "forward"]
    backward = [s for s in steps if s.phase == "backward"]
    assert [s.node for s in forward] == [n.id for n in g.nodes if n.kind == "op"]
    for s in forward:
        v = ref[s.node]
        assert s.result == v.data == s.numbers["output"]
        assert [s.numbers["inputs"][i] for i in s.inputs] == [p.data for p in v.parents]
        assert short(v.data) in s.text
    assert backward[0].result == root.grad == 1.0
    last_total = {}
    for s in backward[1:]:
        node = ref[s.node]
        index = [e.index for e in g.inputs(s.node) if e.src == s.target]
        assert s.numbers["upstream"] == node.grad
        assert s.numbers["local"] in [node.local_grads[i] for i in index]
        assert s.numbers["contribution"] == s.numbers["local"] * node.grad
        before = last_total.get(s.target)
        assert s.numbers["before"] == before
        assert s.accumulates == (before is not None)
        assert ("+=" in s.text) == s.accumulates
        last_total[s.target] = s.result
        assert short(s.numbers["contribution"]) in s.text
    for nid, total in last_total.items():
        assert total == ref[nid].grad  # bit for bit
    edges_in = sum(len(g.inputs(n.id)) for n in g.nodes)
    assert len(backward) == 1 + edges_in
    return steps


def test_a_product_and_a_fan_out_read_as_written():
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    c = a * b
    c.label = "c"
    L = c * 1.5 + a  # a fans out: used by c and by L's sum
    L.label = "L"
    L.backward()
    steps = check_scalar_trace(L)
    texts = [s.text for s in steps]
    assert "c = a · b = 2.0000 · -3.0000 = -6.0000" in texts
    assert "∂L/∂a = ∂L/∂L · 1 = 1.0000 · 1.0000 = 1.0000" in texts  # a's first path: L = … + a
    acc = [s for s in steps if s.accumulates]
    assert acc[0].text.startswith("∂L/∂a += ∂L/∂c · b = 1.5000 · -3.0000 = -4.5000")
    assert len(acc) == 1 and acc[0].target == next(n.id for n in explain.graph(L).nodes if n.ref is a)
    assert acc[0].text.startswith("∂L/∂a += ") and "running total -3.5000" in acc[0].text
    assert a.grad == -3.5


def test_a_node_used_twice_by_one_op():
    x = Value(3.0, label="x")
    y = x * x
    y.label = "y"
    y.backward()
    steps = check_scalar_trace(y)
    assert [s.accumulates for s in steps if s.phase == "backward"] == [False, False, True]


def test_neuron_and_mlp_traces_use_unique_names():
    o = evaluate("tanh(x1*w1 + x2*w2 + b)", {"x1": 2, "x2": 0, "w1": -3, "w2": 1, "b": 6.88})
    o.backward()
    check_scalar_trace(o)
    model = MLP(2, [3, 2, 1], seed=3)
    loss = mse([model([0.5, -1.5])], [1.0])
    loss.backward()
    steps = check_scalar_trace(loss)
    dot = next(s for s in steps if s.phase == "forward" and "dot" in s.formula.split("=")[0])
    assert "neuron0.w0·0.5000" in dot.text
    targets = [s.text.split(" ")[0] for s in steps if s.phase == "backward"][1:]
    assert "∂f/∂neuron0.w1" in targets and "∂f/∂neuron3.w1" in targets  # the output is "out": ∂f/∂…
    assert not any("∂mse" in s.text for s in steps)


_UNARY = ["tanh", "sigmoid", "relu", "exp"]


@st.composite
def scalar_graphs(draw):
    """Random DAGs on Values with fan-out: each new node picks earlier nodes as operands."""
    xs = [Value(draw(st.floats(-2, 2)), label=f"x{i}") for i in range(draw(st.integers(1, 4)))]
    pool = list(xs)
    for _ in range(draw(st.integers(1, 10))):
        kind = draw(st.sampled_from(["+", "-", "*", "u", "pow", "dot", "sum"]))
        a = draw(st.sampled_from(pool))
        b = draw(st.sampled_from(pool))
        if kind == "u":
            v = getattr(a.tanh() if abs(a.data) > 20 else a, draw(st.sampled_from(_UNARY)))()
        elif kind == "pow":
            v = a.tanh() ** 2
        elif kind == "dot":
            v = glassgrad.scalar.value.dot([a, b, 0.5], [b, 2.0, a])
        elif kind == "sum":
            v = glassgrad.scalar.value.sum_values([a, b, a])
        else:
            v = {"+": a + b, "-": a - b, "*": a * b}[kind]
        pool.append(v)
    root = pool[-1]
    if not root.parents:
        root = root * 1.0
    return root


@settings(max_examples=40, deadline=None)
@given(scalar_graphs())
def test_random_scalar_graphs(root):
    root.backward()
    check_scalar_trace(root)


def test_before_backward_there_are_only_forward_steps():
    a = Value(1.0, label="a")
    y = (a * 2.0).tanh()
    assert all(s.phase == "forward" for s in trace(y))


def test_steps_are_data_and_json_ready():
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    c = a * b
    c.backward()
    steps = trace(c)
    assert all(isinstance(s, Step) and str(s) == s.text for s in steps)
    assert [s.index for s in steps] == list(range(len(steps)))
    json.dumps([s.to_dict() for s in steps])
    assert explain.trace is trace


# ---- tensors ----


def _tensor_case(dtype=np.float64):
    rng = np.random.default_rng(0)
    xa, wa, ba = rng.normal(size=(4, 3)), rng.normal(size=(3, 2)), rng.normal(size=(2,))
    gx = glassgrad.tensor(xa, requires_grad=True)
    gw = glassgrad.tensor(wa, requires_grad=True)
    gb = glassgrad.tensor(ba, requires_grad=True)
    with explain.record():
        h = (gx @ gw + gb).tanh()
        loss = (h * h + h).sum()  # h fans out three ways
    loss.backward(retain_graph=True)
    tx = torch.tensor(xa, requires_grad=True)
    tw = torch.tensor(wa, requires_grad=True)
    tb = torch.tensor(ba, requires_grad=True)
    th = (tx @ tw + tb).tanh()
    th.retain_grad()
    tloss = (th * th + th).sum()
    tloss.backward()
    return loss, (gx, gw, gb), (tx, tw, tb), th


def test_tensor_trace_numbers_are_the_engines_and_torchs():
    loss, leaves, tleaves, th = _tensor_case()
    g = explain.graph(loss)
    steps = trace(loss)
    for s in steps:
        n = g.node(s.node)
        if s.phase == "forward":
            assert s.numbers["output"] is n.value
            assert "shape" in s.text
        elif s.inputs:
            assert s.numbers["upstream"] is n.grad
            assert s.numbers["rule"] == n.ref.name() and s.numbers["rule"] in s.text
    totals = {}
    counts = {}
    for s in steps:
        if s.phase == "backward" and s.inputs:
            totals[s.target] = totals.get(s.target, 0) + s.numbers["contribution"]
            counts[s.target] = counts.get(s.target, 0) + 1
            np.testing.assert_allclose(s.result, totals[s.target], rtol=1e-12)
    for nid, total in totals.items():  # contributions add up to the node's gradient
        np.testing.assert_allclose(total, g.node(nid).grad, rtol=1e-12, atol=1e-15)
    tanh_id = next(n.id for n in g.nodes if n.op == "tanh")
    assert counts[tanh_id] == 3
    np.testing.assert_allclose(g.node(tanh_id).grad, th.grad.numpy(), rtol=1e-12)
    np.testing.assert_allclose(g.node(tanh_id).value, th.detach().numpy(), rtol=1e-12)
    for leaf, tleaf in zip(leaves, tleaves):
        nid = next(n.id for n in g.nodes if n.ref is leaf)
        np.testing.assert_allclose(totals[nid], tleaf.grad.numpy(), rtol=1e-12)


def test_tensor_trace_without_retained_graph_keeps_single_use_totals():
    x = glassgrad.tensor([1.0, -2.0], requires_grad=True)
    with explain.record():
        y = (x * 3.0).exp().sum()
    y.backward()
    steps = [s for s in trace(y) if s.phase == "backward" and s.inputs]
    last = steps[-1]
    np.testing.assert_array_equal(last.numbers["contribution"], x.grad._array)


def test_contributions_follow_next_functions_not_argument_positions():
    # where(cond, a, b): cond (bool) is no input of the derivative, so next_functions lists a and b and
    # the edge into a is entry 0 while a is forward's argument 1
    cond = np.array([True, False, True])
    aa, ba = np.array([0.5, -1.0, 2.0]), np.array([3.0, 0.25, -4.0])
    a = glassgrad.tensor(aa, requires_grad=True)
    b = glassgrad.tensor(ba, requires_grad=True)
    with explain.record():
        loss = (glassgrad.where(glassgrad.tensor(cond), a, b) ** 2).sum()
    loss.backward(retain_graph=True)
    ta, tb = torch.tensor(aa, requires_grad=True), torch.tensor(ba, requires_grad=True)
    (torch.where(torch.tensor(cond), ta, tb) ** 2).sum().backward()
    g = explain.graph(loss)
    got = {s.target: s.numbers["contribution"] for s in trace(g) if s.phase == "backward" and s.inputs}
    for leaf, tleaf in ((a, ta), (b, tb)):
        nid = next(n.id for n in g.nodes if n.ref is leaf)
        np.testing.assert_allclose(got[nid], tleaf.grad.numpy(), rtol=1e-15)


def test_big_tensors_are_summarised():
    a = np.arange(100.0).reshape(10, 10)
    text = format_array(a)
    assert text.startswith("tensor(10, 10)") and "mean 49.5000" in text and "max 99.0000" in text
    assert format_array(np.array([1.0, -2.0])) == "[1.0000, -2.0000]"


# ---- the chain-rule text: the local factor by its formula and value; the output is "out" ----

def test_the_local_factor_is_written_as_its_formula_then_its_value():
    """Issue 14: "∂f/∂add2 = ∂f/∂f · ∂f/∂add2" repeated the symbol; now the factor's formula shows."""
    o = evaluate("tanh(x1*w1 + x2*w2 + b)", {"x1": 2, "x2": 0, "w1": -3, "w2": 1, "b": 6.88})
    o.backward()
    texts = [s.text for s in trace(o)]
    local = 1 - math.tanh(2 * -3 + 0 * 1 + 6.88) ** 2  # tanh′, by hand
    assert f"∂f/∂add2 = ∂f/∂out · (1 − tanh²(add2)) = 1.0000 · {short(local)} = {short(local)}" in texts
    assert f"∂f/∂x1 = ∂f/∂mul1 · w1 = {short(local)} · -3.0000 = {short(-3 * local)}" in texts
    assert f"∂f/∂w1 = ∂f/∂mul1 · x1 = {short(local)} · 2.0000 = {short(2 * local)}" in texts
    for s in trace(o)[1:]:  # no step repeats its own symbol as the factor
        if s.phase == "backward" and s.inputs:
            lhs = s.text.split(" = ")[0].split(" += ")[0]
            assert lhs not in s.text[len(lhs):], s.text


def _as_parse_text(factor: str) -> str | None:
    """A factor formula in the parser's syntax (None for "1 if a > 0 else …", which it cannot read)."""
    if " if " in factor:
        return None
    text = factor.replace("·", "*").replace("−", "-").replace("tanh²(", "tanh2(").replace("²", "**2")
    text = text.replace("σ(", "sigmoid(").replace("ln(", "log(")
    text = re.sub(r"tanh2\(([^)]*)\)", r"tanh(\1)**2", text)
    return re.sub(r"sign\(([^)]*)\)", r"(\1/abs(\1))", text)


def test_every_factor_formula_evaluates_to_the_recorded_local_derivative():
    """The formula is not decoration: read back by the parser at the graph's values, it gives the very
    number the Value recorded, for every kind of scalar operation."""
    x, w = Value(2.0, label="x"), Value(3.0, label="w")
    terms = [x / w, w / x, x ** w, x ** 3, x ** 0.5, x ** -2, x.sigmoid(), x.exp(), x.log(), x.sqrt(),
             (w - x * x).abs(), x.tanh(), -x, x - w, glassgrad.scalar.value.dot([x, w], [w, x]),
             glassgrad.scalar.value.sum_values([x, w, x])]
    for i, t in enumerate(terms):
        t.label = f"t{i}"
    y = glassgrad.scalar.value.sum_values(terms)
    y.label = "y"
    y.backward()
    g = explain.graph(y)
    values = {trace_name(g, n.id): n.value for n in g.nodes}
    checked = 0
    for s in trace(y):
        if s.phase != "backward" or not s.inputs:
            continue
        assert s.factor and s.factor in s.text
        text = _as_parse_text(s.factor[1:-1] if s.factor.startswith("(") else s.factor)
        if text is None:
            continue
        used = {k: v for k, v in values.items() if re.fullmatch(r"[A-Za-z_]\w*", k)}
        assert evaluate(text, used).data == pytest.approx(s.numbers["local"], rel=1e-12), s.text
        checked += 1
    assert checked >= 25


def test_an_unlabelled_output_is_out_never_its_op():
    """Issue 14: an unlabelled output was named after its op ("∂tanh/∂tanh")."""
    x = Value(1.0, label="x")
    y = (x * 2).tanh()
    y.backward()
    texts = [s.text for s in trace(y)]
    assert texts[1].startswith("out = tanh(mul)") and texts[2].startswith("∂f/∂out = 1.0000")
    assert not any("∂tanh" in t for t in texts)
    labelled = (x * 2).tanh()
    labelled.label = "L"
    labelled.backward()
    texts = [s.text for s in trace(labelled)]
    assert texts[1].startswith("L = tanh(mul)") and texts[2].startswith("∂L/∂L = ")
    t = glassgrad.tensor([0.5, -1.0], requires_grad=True)
    with explain.record():
        z = (t * 2).tanh().sum()
    z.backward(retain_graph=True)
    texts = [s.text for s in trace(z)]
    assert any(s.startswith("out = sum(tanh)") for s in texts)
    assert "∂f/∂out = 1.0000   (backward starts at the output)" in texts
    assert not any("∂sum" in s for s in texts)
