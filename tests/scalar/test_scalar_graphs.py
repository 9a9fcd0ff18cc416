"""Random expression graphs, built by hypothesis, agree with PyTorch to 1e-9 relative.

A program is a list of steps; each step applies an op to earlier nodes (so nodes get reused), often to the
node just made (so graphs nest deeply), and constants sit on either side. The program runs on glassgrad
first, which also records what it actually did: an op whose input is outside its domain is replaced by
tanh, and a node that grew past 1e6 is squashed by a tanh. PyTorch then replays that exact record, and
the output and every leaf's gradient must agree.
"""

import math

import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

from glassgrad.scalar import Value

UNARY = {
    "neg": (lambda a: -a, lambda a: -a),
    "relu": (lambda a: a.relu(), torch.relu),
    "leaky_relu": (lambda a: a.leaky_relu(0.1), lambda a: F.leaky_relu(a, 0.1)),
    "tanh": (lambda a: a.tanh(), torch.tanh),
    "sigmoid": (lambda a: a.sigmoid(), torch.sigmoid),
    "exp": (lambda a: a.exp(), torch.exp),
    "log": (lambda a: a.log(), torch.log),
    "sqrt": (lambda a: a.sqrt(), torch.sqrt),
    "abs": (lambda a: a.abs(), torch.abs),
}
BINARY = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a / b,
    "pow": lambda a, b: a**b,
}
CONST = {  # c is a plain number, on the left or the right
    "c+": lambda a, c: c + a, "+c": lambda a, c: a + c,
    "c-": lambda a, c: c - a, "-c": lambda a, c: a - c,
    "c*": lambda a, c: c * a, "*c": lambda a, c: a * c,
    "c/": lambda a, c: c / a, "/c": lambda a, c: a / c,
    "**n": lambda a, c: a ** round(c), "c**": lambda a, c: abs(c) ** a,
}


def allowed(op, a, b=None, c=None):
    """Is the op inside its domain (and far enough from trouble) at these input values?"""
    if op == "exp":
        return a < 30
    if op in ("log", "sqrt"):
        return a > 1e-3
    if op == "div":
        return abs(b) > 1e-3
    if op == "pow":
        return a > 1e-3 and abs(b) < 4 and abs(b * math.log(a)) < 30
    if op == "c/":
        return abs(a) > 1e-3
    if op == "/c":
        return abs(c) > 1e-3
    if op == "**n":
        return abs(a) > 1e-3 or round(c) >= 1
    if op == "c**":
        return abs(c) > 0.1 and abs(a * math.log(abs(c))) < 30
    return True


step = st.tuples(
    st.sampled_from(sorted(UNARY) + sorted(BINARY) + sorted(CONST)),
    st.booleans(),  # True: use the newest node as the first input (deep nesting)
    st.integers(0, 10**6),  # otherwise this one (mod the number of nodes): reuse
    st.integers(0, 10**6),  # the second input of a binary op
    st.floats(-3, 3, allow_nan=False, allow_subnormal=False),  # the constant
)


def programs(min_steps, max_steps):
    leaf_data = st.lists(st.floats(-2, 2, allow_subnormal=False), min_size=1, max_size=4)
    return st.tuples(leaf_data, st.lists(step, min_size=min_steps, max_size=max_steps))


def run_glassgrad(leaf_data, program):
    """Run on Values; return the leaves, the output and the record of what was done."""
    leaves = [Value(x) for x in leaf_data]
    nodes, record = list(leaves), []

    def emit(op, i, j=None, c=None):
        a = nodes[i]
        if op in UNARY:
            out = UNARY[op][0](a)
        elif op in BINARY:
            out = BINARY[op](a, nodes[j])
        else:
            out = CONST[op](a, c)
        nodes.append(out)
        record.append((op, i, j, c))

    for op, newest, i, j, c in program:
        i = len(nodes) - 1 if newest else i % len(nodes)
        j = j % len(nodes)
        b = nodes[j].data
        if not allowed(op, nodes[i].data, b, c):
            op = "tanh"
        emit(op, i, j, c)
        if abs(nodes[-1].data) > 1e6:
            emit("tanh", len(nodes) - 1)
    out = sum(nodes[len(leaves):])  # every node made reaches the output
    out.backward()
    return leaves, out, record


def replay_torch(leaf_data, record):
    leaves = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in leaf_data]
    nodes = list(leaves)
    for op, i, j, c in record:
        a = nodes[i]
        if op in UNARY:
            nodes.append(UNARY[op][1](a))
        elif op in BINARY:
            nodes.append(BINARY[op](a, nodes[j]))
        else:
            nodes.append(CONST[op](a, c))
    out = sum(nodes[len(leaves):])
    out.backward()
    return leaves, out


def agree(a, b):
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)


def check_against_pytorch(program):
    leaf_data, steps = program
    leaves, out, record = run_glassgrad(leaf_data, steps)
    t_leaves, t_out = replay_torch(leaf_data, record)
    assert agree(out.data, t_out.item()), (out.data, t_out.item(), record)
    for k, (leaf, t_leaf) in enumerate(zip(leaves, t_leaves)):
        want = 0.0 if t_leaf.grad is None else t_leaf.grad.item()
        assert agree(leaf.grad, want), f"leaf {k}: {leaf.grad!r} vs PyTorch {want!r}; record {record}"


@settings(max_examples=300, deadline=None)
@given(programs(1, 30))
def test_random_graphs_match_pytorch(program):
    check_against_pytorch(program)


@settings(max_examples=60, deadline=None)
@given(programs(40, 120))
def test_deep_random_graphs_match_pytorch(program):
    check_against_pytorch(program)
