"""Lesson 2 — a gradient is a vector of partial derivatives.

d = a·b + c has three inputs, so it has three slopes: nudge one input, hold the other two still, and see
how fast d moves. Those three numbers, side by side, are the gradient ∇d = (∂d/∂a, ∂d/∂b, ∂d/∂c).

For d = a·b + c they are easy to read off:  ∂d/∂a = b,  ∂d/∂b = a,  ∂d/∂c = 1.
At micrograd's numbers a = 2, b = −3, c = 10 that is (−3, 2, 1): raising a *lowers* d (b is negative),
raising b raises d twice as fast as raising c does.

The gradient also points where d climbs fastest: of all steps of the same small length, the one along
∇d changes d the most, by length·|∇d|. Gradient descent steps the other way.

Run: python examples/lessons/02_gradient.py [--quick] [--out DIR]
"""

from __future__ import annotations

import math

from glassgrad import Value

from _lesson import run, table


def d_of(a, b, c):
    return a * b + c


def main(quick: bool = False, out=None) -> dict:
    a, b, c = 2.0, -3.0, 10.0
    h = 0.0001
    d0 = d_of(a, b, c)
    print(f"a = {a}, b = {b}, c = {c}:  d = a·b + c = {d0}")
    print(f"nudge one input by h = {h} and measure (d(nudged) − d) / h:")
    print()
    nudged = {
        "a": d_of(a + h, b, c),
        "b": d_of(a, b + h, c),
        "c": d_of(a, b, c + h),
    }
    exact = {"a": b, "b": a, "c": 1.0}
    formula = {"a": "b", "b": "a", "c": "1"}
    numerical = {name: (d1 - d0) / h for name, d1 in nudged.items()}
    rows = [(name, d1, numerical[name], f"{formula[name]} = {exact[name]:g}") for name, d1 in nudged.items()]
    print(table(["input", "d after nudge", "slope", "exact ∂d/∂input"], rows, ["", ".6f", ".6f", ""]))

    # The same three numbers from backpropagation: one backward() fills all of them at once.
    va, vb, vc = Value(a, label="a"), Value(b, label="b"), Value(c, label="c")
    vd = va * vb + vc
    vd.backward()
    backward = {"a": va.grad, "b": vb.grad, "c": vc.grad}
    print()
    print(f"Value.backward():  a.grad = {va.grad},  b.grad = {vb.grad},  c.grad = {vc.grad}")
    print(f"gradient ∇d = ({va.grad:g}, {vb.grad:g}, {vc.grad:g})  — one backward pass, however many inputs")

    # Steepest ascent: steps of length 0.01 in a few directions.
    grad = [backward["a"], backward["b"], backward["c"]]
    norm = math.sqrt(sum(g * g for g in grad))
    step = 0.01
    directions = {
        "along a only": (1.0, 0.0, 0.0),
        "along b only": (0.0, 1.0, 0.0),
        "along c only": (0.0, 0.0, 1.0),
        "along ∇d": tuple(g / norm for g in grad),
        "against ∇d": tuple(-g / norm for g in grad),
    }
    changes = {}
    for name, (ua, ub, uc) in directions.items():
        changes[name] = d_of(a + step * ua, b + step * ub, c + step * uc) - d0
    print()
    print(f"a step of length {step} in different directions (|∇d| = √14 = {norm:.6f}):")
    print(table(["direction", "change in d"], list(changes.items()), ["", "+.6f"]))
    print(f"along ∇d, d rises by ≈ {step}·|∇d| = {step * norm:.6f}:"
          " more than any other direction of that length")

    return {"d": d0, "numerical": numerical, "exact": exact, "backward": backward,
            "grad_norm": norm, "changes": changes, "step": step}


if __name__ == "__main__":
    run(main, __doc__)
