"""The layered layout: boxes never overlap, every edge points forward, the same graph gives the same
picture. Checked on hypothesis-drawn random DAGs and on real computation graphs."""

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from glassgrad import Value
from glassgrad import explain
from glassgrad.explain.layout import _crossings, layered_layout


@st.composite
def dags(draw):
    """A random DAG: nodes 0..n-1 in a hidden order, edges only from earlier to later (repeats allowed)."""
    n = draw(st.integers(1, 24))
    pairs = st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)).filter(lambda p: p[0] < p[1])
    edges = draw(st.lists(pairs, max_size=40)) if n > 1 else []
    names = [f"v{k}" for k in range(n)]
    shuffled = draw(st.permutations(names))  # the layout must not rely on the input order
    return shuffled, [(names[a], names[b]) for a, b in edges]


def _overlap(a, b) -> bool:
    return a.x < b.x + b.w and b.x < a.x + a.w and a.y < b.y + b.h and b.y < a.y + a.h


def check(lay, edges, direction="LR"):
    boxes = list(lay.boxes.values())
    for i, a in enumerate(boxes):
        assert a.x >= 0 and a.y >= 0 and a.x + a.w <= lay.width + 1e-9 and a.y + a.h <= lay.height + 1e-9
        for b in boxes[i + 1:]:
            assert not _overlap(a, b), (a, b)
    assert len(lay.edges) == len(edges)
    for (s, d), (ls, ld, pts) in zip(edges, lay.edges):
        assert (ls, ld) == (s, d)
        src, dst = lay.boxes[s], lay.boxes[d]
        if direction == "LR":
            assert src.x + src.w <= dst.x, "an edge must point right"
            xs = [p[0] for p in pts]
        else:
            assert src.y + src.h <= dst.y, "an edge must point down"
            xs = [p[1] for p in pts]
        assert xs == sorted(xs), "an edge's route never turns back"
        # a route passes no box except at its two ends
        for p in pts[1:-1]:
            for b in boxes:
                assert not (b.x < p[0] < b.x + b.w and b.y < p[1] < b.y + b.h)


@settings(max_examples=40, deadline=None)
@given(dags(), st.sampled_from(["LR", "TB"]))
def test_random_dags(dag, direction):
    ids, edges = dag
    lay = layered_layout(ids, edges, direction=direction)
    check(lay, edges, direction)
    again = layered_layout(ids, edges, direction=direction)
    assert again == lay  # deterministic


@settings(max_examples=25, deadline=None)
@given(dags())
def test_sweeps_never_add_crossings(dag):
    ids, edges = dag
    assert layered_layout(ids, edges, sweeps=8).crossings <= layered_layout(ids, edges, sweeps=0).crossings


def test_crossing_count_by_hand():
    succ = {"a": ["y"], "b": ["x"], "x": [], "y": []}
    assert _crossings(["a", "b"], ["x", "y"], succ) == 1
    assert _crossings(["a", "b"], ["y", "x"], succ) == 0
    # the sweeps find the crossing-free order of this "X"
    lay = layered_layout(["a", "b", "x", "y"], [("a", "y"), ("b", "x")])
    assert lay.crossings == 0


def test_longest_path_layers_and_leaves_next_to_their_user():
    # a -> b -> c -> d, and a leaf e used only by d: e sits right before d, not at the far left
    lay = layered_layout("abcde", [("a", "b"), ("b", "c"), ("c", "d"), ("e", "d")])
    assert [lay.boxes[k].layer for k in "abcde"] == [0, 1, 2, 3, 2]


def test_cycles_and_unknown_ids_are_refused():
    with pytest.raises(ValueError, match="cycle"):
        layered_layout(["a", "b"], [("a", "b"), ("b", "a")])
    with pytest.raises(ValueError, match="unknown node"):
        layered_layout(["a"], [("a", "z")])
    with pytest.raises(ValueError, match="direction"):
        layered_layout(["a"], [], direction="RL")


@pytest.mark.parametrize("collapse", [False, True])
def test_real_graphs(collapse, scalar_mlp_loss):
    m, loss = scalar_mlp_loss()
    loss.backward()
    g = explain.graph(loss, model=m)
    items, vedges = g.view(collapse=collapse)
    ids, edges = [it.id for it in items], [(s, d) for s, d, _ in vedges]
    check(layered_layout(ids, edges), edges)
    # a chain of shared subexpressions, with a node used many times
    rng = random.Random(3)
    vs = [Value(rng.uniform(-1, 1), label=f"x{i}") for i in range(4)]
    for _ in range(30):
        a, b = rng.sample(vs, 2)
        vs.append(a * b + a if rng.random() < 0.5 else (a - b).tanh())
    g = explain.graph(vs[-1])
    ids, edges = [n.id for n in g.nodes], [(e.src, e.dst) for e in g.edges]
    check(layered_layout(ids, edges), edges)
