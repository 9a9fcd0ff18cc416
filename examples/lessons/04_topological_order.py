"""Lesson 4 — why gradients add up, and why backward needs topological order.

Two rules make backpropagation correct on any graph, not just a chain:

1. **A node used twice gets the sum of both gradients.** If b = a + a, nudging a by h moves b by 2h, so
   ∂b/∂a = 2: one contribution of 1 along each edge. Code that *assigns* a gradient (``a.grad = ...``)
   instead of *adding* it (``a.grad += ...``) keeps only the last edge and gets 1. That was micrograd's
   first bug, fixed on camera.
2. **A node may pass its gradient on only once it has received all of it.** If y feeds both z and the
   output, y's gradient is the sum from both; a walk that visits y before z has reported in sends down
   an incomplete gradient. Reverse topological order (every node after all the nodes that use it)
   guarantees that never happens; a naive depth-first or breadth-first walk from the output does not.

Run: python examples/lessons/04_topological_order.py [--quick] [--out DIR]
"""

from __future__ import annotations

import math

from glassgrad import Value
from glassgrad.scalar.gradcheck import numerical_grad
from glassgrad.graph import topological_order

from _lesson import run, table


def backward_assigning(out: Value) -> None:
    """A *wrong* backward: in topological order, but ``=`` instead of ``+=`` (the last edge wins)."""
    order = topological_order(out, lambda v: v.parents)
    for node in order:
        node.grad = 0.0
    out.grad = 1.0
    for node in reversed(order):
        for parent, local in zip(node.parents, node.local_grads):
            parent.grad = local * node.grad


def backward_in_order(out: Value, order: list) -> None:
    """Adds ``local × upstream`` into each parent's grad (rule 1 kept), visiting nodes in ``order``."""
    for node in order:
        node.grad = 0.0
    out.grad = 1.0
    for node in order:
        for parent, local in zip(node.parents, node.local_grads):
            parent.grad += local * node.grad


def depth_first_preorder(out: Value) -> list:
    """Visit a node, then its parents, depth first: a tempting but *wrong* order for backward."""
    order, seen, stack = [], set(), [out]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        order.append(node)
        stack.extend(reversed(node.parents))
    return order


def breadth_first(out: Value) -> list:
    """Visit the output, then everything one step away, then two steps...: also *wrong* for backward."""
    order, seen, i = [out], {id(out)}, 0
    while i < len(order):
        for parent in order[i].parents:
            if id(parent) not in seen:
                seen.add(id(parent))
                order.append(parent)
        i += 1
    return order


def rule_one() -> dict:
    print("Rule 1: a node used twice gets the SUM of its gradients")
    results = {}
    for name, build in [("b = a + a", lambda a: a + a), ("b = a · a", lambda a: a * a)]:
        a = Value(3.0, label="a")
        b = build(a)
        b.backward()
        right = a.grad
        a2 = Value(3.0, label="a")
        backward_assigning(build(a2))
        wrong = a2.grad
        numeric = numerical_grad(lambda v: build(v), [Value(3.0)])[0]
        results[name] = {"backward": right, "assigning": wrong, "numerical": numeric}
    # Karpathy's example: both a and b feed two nodes.
    a, b = Value(-2.0, label="a"), Value(3.0, label="b")
    d, e = a * b, a + b
    f = d * e
    f.backward()
    good = (a.grad, b.grad)
    a2, b2 = Value(-2.0), Value(3.0)
    backward_assigning((a2 * b2) * (a2 + b2))
    bad = (a2.grad, b2.grad)
    na, nb = numerical_grad(lambda x, y: (x * y) * (x + y), [Value(-2.0), Value(3.0)])
    results["f = (a·b)·(a + b), ∂f/∂a"] = {"backward": good[0], "assigning": bad[0], "numerical": na}
    results["f = (a·b)·(a + b), ∂f/∂b"] = {"backward": good[1], "assigning": bad[1], "numerical": nb}
    rows = [(k, r["numerical"], r["backward"], r["assigning"]) for k, r in results.items()]
    print(table(["at a = 3 (or a = −2, b = 3)", "numerical", "grad +=", "grad = (bug)"], rows,
                ["", ".6f", ".6f", ".6f"]))
    print("'+=' agrees with the numerical slope everywhere; '=' loses every path but the last one walked.")
    return results


def rule_two() -> dict:
    print("Rule 2: visit a node only after every node that uses it")
    print("  x = 0.5,  y = 3x,  z = exp(y),  out = y + z       (y feeds z AND out)")
    print(f"  exact: ∂out/∂x = 3 + 3·e^(3x) = {3 + 3 * math.exp(1.5):.6f}")

    def build():
        x = Value(0.5, label="x")
        y = x * 3
        y.label = "y"
        z = y.exp()
        z.label = "z"
        out = y + z
        out.label = "out"
        return x, out

    results = {}
    orders = {
        "reverse topological": lambda out: list(reversed(topological_order(out, lambda v: v.parents))),
        "depth-first preorder": depth_first_preorder,
        "breadth-first": breadth_first,
    }
    rows = []
    for name, make_order in orders.items():
        x, out = build()
        order = make_order(out)
        backward_in_order(out, order)
        results[name] = x.grad
        rows.append((name, " → ".join(v.label or format(v.data, "g") for v in order), x.grad))
    print(table(["order", "nodes visited", "x.grad"], rows, ["", "", ".6f"]))
    print("  The wrong orders visit y before z has added its share (3·e^1.5 ≈ 13.45) to y.grad,")
    print("  so y hands x only its share from out (1·3 = 3).")
    results["exact"] = 3 + 3 * math.exp(1.5)
    return results


def main(quick: bool = False, out=None) -> dict:
    one = rule_one()
    print()
    two = rule_two()
    return {"used_twice": one, "orders": two}


if __name__ == "__main__":
    run(main, __doc__)
