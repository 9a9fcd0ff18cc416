"""Lesson 3 — the expression graph and the chain rule: one neuron, backpropagated three ways.

A neuron: o = tanh(x1·w1 + x2·w2 + b). With micrograd's numbers x1 = 2, x2 = 0, w1 = −3, w2 = 1 and
b = 6.8813735870195432 (chosen so that n = 0.8813735870… and o = tanh(n) = 1/√2 exactly), the forward
pass builds a graph of six operations. The backward pass visits it from o back to the inputs, and at
every node multiplies the gradient arriving from above by that node's *local* derivative:

    ∂o/∂o = 1
    ∂o/∂n = 1 − tanh²(n) = 1 − o² = 0.5                       (tanh′)
    ∂o/∂b = ∂o/∂n · ∂n/∂b = 0.5 · 1                           (+ passes the gradient through)
    ∂o/∂(x1w1) = ∂o/∂(x2w2) = 0.5                             (+ again)
    ∂o/∂w1 = ∂o/∂(x1w1) · x1 = 0.5 · 2 = 1        (× swaps: the local derivative is the other factor)
    ∂o/∂x1 = ∂o/∂(x1w1) · w1 = 0.5 · −3 = −1.5

Three ways to get these numbers, which must agree: by hand (below, line by line), by Value.backward(),
and by PyTorch (03_neuron_torch.py prints the same numbers). A fourth: the same neuron with tanh written
out as (e²ⁿ − 1)/(e²ⁿ + 1) — a bigger graph, the same derivatives.

Run: python examples/lessons/03_neuron.py [--quick] [--out DIR]
"""

from __future__ import annotations

import math

from glassgrad import Value

from _lesson import run, table

X1, X2, W1, W2, B = 2.0, 0.0, -3.0, 1.0, 6.8813735870195432
NAMES = ["x1", "w1", "x2", "w2", "b"]


def by_hand() -> dict:
    """The forward pass, then the chain rule applied one node at a time, printed as it goes."""
    x1w1 = X1 * W1
    x2w2 = X2 * W2
    s = x1w1 + x2w2
    n = s + B
    o = math.tanh(n)
    print("forward:")
    print(f"  x1·w1 = {x1w1}    x2·w2 = {x2w2}    x1·w1 + x2·w2 = {s}")
    print(f"  n = x1·w1 + x2·w2 + b = {n!r}")
    print(f"  o = tanh(n) = {o!r}")
    print("backward, by hand (gradient from above × local derivative):")
    do = 1.0
    dn = do * (1 - o**2)
    print(f"  ∂o/∂n    = 1 − o²            = {dn!r}")
    ds, db = dn * 1.0, dn * 1.0
    print(f"  ∂o/∂b    = ∂o/∂n · 1         = {db!r}")
    dx1w1, dx2w2 = ds * 1.0, ds * 1.0
    print(f"  ∂o/∂x1w1 = ∂o/∂x2w2 = ∂o/∂n = {dx1w1!r}")
    dx1, dw1 = dx1w1 * W1, dx1w1 * X1
    dx2, dw2 = dx2w2 * W2, dx2w2 * X2
    print(f"  ∂o/∂x1   = ∂o/∂x1w1 · w1     = {dx1!r}")
    print(f"  ∂o/∂w1   = ∂o/∂x1w1 · x1     = {dw1!r}")
    print(f"  ∂o/∂x2   = ∂o/∂x2w2 · w2     = {dx2!r}")
    print(f"  ∂o/∂w2   = ∂o/∂x2w2 · x2     = {dw2!r}   (x2 = 0: w2 had no effect, so no gradient)")
    return {"o": o, "x1": dx1, "w1": dw1, "x2": dx2, "w2": dw2, "b": db}


def with_values(tanh_from_exp: bool = False) -> dict:
    """The same neuron as a graph of Values; one backward() fills every .grad."""
    x1, x2 = Value(X1, label="x1"), Value(X2, label="x2")
    w1, w2 = Value(W1, label="w1"), Value(W2, label="w2")
    b = Value(B, label="b")
    n = x1 * w1 + x2 * w2 + b
    if tanh_from_exp:
        e = (2 * n).exp()
        o = (e - 1) / (e + 1)
    else:
        o = n.tanh()
    o.backward()
    return {"o": o.data, "x1": x1.grad, "w1": w1.grad, "x2": x2.grad, "w2": w2.grad, "b": b.grad}


def main(quick: bool = False, out=None) -> dict:
    hand = by_hand()
    values = with_values()
    from_exp = with_values(tanh_from_exp=True)
    print()
    rows = [(k, hand[k], values[k], from_exp[k]) for k in ["o"] + NAMES]
    print(table(["", "by hand", "Value.backward()", "tanh via exp"], rows, ["", ".17g", ".17g", ".17g"]))
    worst = max(abs(hand[k] - values[k]) for k in hand)
    worst_exp = max(abs(hand[k] - from_exp[k]) for k in hand)
    print(f"largest difference, by hand vs Value: {worst:.1e};  vs tanh via exp: {worst_exp:.1e}")
    print("PyTorch's numbers: python examples/lessons/03_neuron_torch.py")
    return {"by_hand": hand, "value": values, "tanh_via_exp": from_exp}


if __name__ == "__main__":
    run(main, __doc__)
