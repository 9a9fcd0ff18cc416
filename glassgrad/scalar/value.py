"""Value: one number, the operation that made it, and the derivatives that lead back to its inputs.

This is where glassgrad begins (Part I). A ``Value`` wraps a Python float. Every arithmetic operation on
Values returns a new Value that remembers

- ``parents``: the Values it was computed from, in order;
- ``local_grads``: the derivative of this node with respect to each parent, as plain numbers,
  worked out at the moment the operation ran;
- ``op``: a short name of the operation, for display.

``backward()`` then needs nothing but the chain rule: walk the nodes from the output back to the inputs
and, for every edge, add ``local × upstream`` to the parent's ``grad``.

It is micrograd's ``Value`` (same surface, same numbers) with one change of design. micrograd stores, on
each node, a ``_backward`` closure that captures the node and its children. Those closures make
reference cycles (node → closure → node), so every graph becomes garbage that only Python's cyclic
garbage collector can free, and the collector spends most of a training step walking them. Here each
node stores its local derivatives as numbers: no closure, no cycle, a graph is freed the instant the
last reference to its output goes, and a node is a third the size. See ``benchmarks/bench_scalar.py``.

Choices that differ from PyTorch, on purpose:

- ``log``/``sqrt`` of a number ≤ 0, ``0 ** negative``, a negative number to a fractional power, and
  division by zero *raise* (``ValueError``/``ZeroDivisionError``) naming the operation and the number.
  PyTorch returns ``nan`` or ``inf`` there and lets it flow on silently until the loss is ``nan`` a
  thousand steps later; for a learner one clear error at the cause is worth more.
- ``exp``, ``**`` and ``/`` whose result or derivative does not fit in a float raise ``OverflowError``
  naming the operation (Python's ``math`` module raises there too). ``+``, ``-``, ``*`` and ``dot`` — the
  hot path — follow IEEE arithmetic as Python floats do, so a product of huge numbers still gives ``inf``.
- ``data`` must be a real number: ``int``, ``float``, numpy's integer and floating scalars, ``Fraction``.
  It is stored as a ``float``. ``bool`` is refused (``TypeError``): ``True`` has no derivative, and a
  bool where a number belongs is nearly always a bug (a comparison passed by mistake).
"""

from __future__ import annotations

import math
import numbers
from operator import attrgetter

from glassgrad._html import value_card
from glassgrad.graph import topological_order

__all__ = ["Value", "as_value", "dot", "sum_values"]

_parents = attrgetter("parents")


def _to_float(data) -> float:
    """``data`` as a float, or TypeError naming its type if it is not a real number."""
    if isinstance(data, numbers.Real) and not isinstance(data, bool):
        return float(data)
    if type(data).__name__ == "bool_":  # numpy's bool, which numbers.Real does not claim either
        raise TypeError("Value data must be a real number, got numpy.bool_ (a bool has no derivative)")
    raise TypeError(f"Value data must be a real number (int or float), got {type(data).__name__}: {data!r}")


def _too_large(what: str) -> OverflowError:
    return OverflowError(f"{what}: the result or its derivative is too large for a float")


class Value:
    """A scalar in a computation graph: ``data``, ``grad`` and how it was computed."""

    # __slots__: no per-node __dict__, so a node is a few machine words rather than a dictionary.
    __slots__ = ("data", "grad", "parents", "local_grads", "op", "label")

    def __init__(self, data, parents=(), local_grads=(), op="", label=""):
        # Ops pass floats, so the common case costs one type test.
        self.data = data if type(data) is float else _to_float(data)
        self.grad = 0.0
        self.parents = parents  # tuple of Values, in argument order
        self.local_grads = local_grads  # ∂self/∂parent, one float per parent
        self.op = op
        self.label = label

    # ---- arithmetic: each op states its value and its local derivatives ----

    def __add__(self, other):
        """out = a + b;  ∂out/∂a = 1,  ∂out/∂b = 1"""
        other = other if type(other) is Value else as_value(other)
        return Value(self.data + other.data, (self, other), (1.0, 1.0), "+")

    def __mul__(self, other):
        """out = a·b;  ∂out/∂a = b,  ∂out/∂b = a"""
        other = other if type(other) is Value else as_value(other)
        return Value(self.data * other.data, (self, other), (other.data, self.data), "*")

    def __sub__(self, other):
        """out = a − b;  ∂out/∂a = 1,  ∂out/∂b = −1"""
        other = other if type(other) is Value else as_value(other)
        return Value(self.data - other.data, (self, other), (1.0, -1.0), "-")

    def __truediv__(self, other):
        """out = a / b;  ∂out/∂a = 1/b,  ∂out/∂b = −a/b²"""
        other = other if type(other) is Value else as_value(other)
        b = other.data
        if b == 0.0:
            raise ZeroDivisionError(f"Value division: {self.data!r} / 0 (PyTorch would give inf or nan)")
        out = self.data / b
        local_b = -out / b  # −a/b² as −(a/b)/b: b·b can underflow to 0 where b is a fine divisor
        if math.isinf(local_b):  # (also when out itself overflowed)
            raise _too_large(f"division: {self.data!r} / {b!r}")
        return Value(out, (self, other), (1.0 / b, local_b), "/")

    def __neg__(self):
        """out = −a;  ∂out/∂a = −1"""
        return Value(-self.data, (self,), (-1.0,), "neg")

    def __pow__(self, other):
        """out = aⁿ;  ∂out/∂a = n·aⁿ⁻¹  (and with a Value exponent, ∂out/∂n = aⁿ·ln a)"""
        if isinstance(other, Value):
            return self._pow_value(other)
        n = _to_float(other)
        a = self.data
        if a == 0.0 and n < 0.0:
            raise ValueError(f"pow: {a!r} ** {other!r} is undefined (division by zero; PyTorch gives inf)")
        if a < 0.0 and not n.is_integer():
            raise ValueError(f"pow: {a!r} ** {other!r} is not a real number (PyTorch gives nan)")
        if a == 0.0 and 0.0 < n < 1.0:
            raise ValueError(f"pow: the derivative of x ** {other!r} at x = 0 is infinite")
        try:
            out = a**n
            local = n * a ** (n - 1.0) if n != 0.0 else 0.0
        except OverflowError:
            raise _too_large(f"pow: {a!r} ** {other!r}") from None
        return Value(out, (self,), (local,), f"**{other}")

    def _pow_value(self, other: Value) -> Value:
        """out = aᵇ with b a Value;  ∂out/∂a = b·aᵇ⁻¹,  ∂out/∂b = aᵇ·ln a  (needs a > 0 for ln a)"""
        a, b = self.data, other.data
        if a <= 0.0:
            raise ValueError(
                f"pow: {a!r} ** Value needs a positive base, since ∂(aᵇ)/∂b = aᵇ·ln a (PyTorch gives nan)"
            )
        try:
            out = a**b
            local_a = b * a ** (b - 1.0)
        except OverflowError:
            raise _too_large(f"pow: {a!r} ** {b!r}") from None
        return Value(out, (self, other), (local_a, out * math.log(a)), "**")

    # number ∘ Value: Python calls these when the left operand is a plain number
    def __radd__(self, other):  # other + self
        return as_value(other) + self

    def __rmul__(self, other):  # other * self
        return as_value(other) * self

    def __rsub__(self, other):  # other - self
        return as_value(other) - self

    def __rtruediv__(self, other):  # other / self
        return as_value(other) / self

    def __rpow__(self, other):  # other ** self, e.g. 2 ** x
        return as_value(other) ** self

    # ---- functions of one Value ----

    def relu(self):
        """out = max(0, a);  ∂out/∂a = 1 if a > 0 else 0"""
        a = self.data
        return Value(a if a > 0.0 else 0.0, (self,), (1.0 if a > 0.0 else 0.0,), "ReLU")

    def leaky_relu(self, slope=0.01):
        """out = a if a > 0 else slope·a;  ∂out/∂a = 1 if a > 0 else slope"""
        a = self.data
        return Value(a if a > 0.0 else slope * a, (self,), (1.0 if a > 0.0 else slope,), "leaky_relu")

    def tanh(self):
        """out = tanh a;  ∂out/∂a = 1 − out²"""
        t = math.tanh(self.data)
        return Value(t, (self,), (1.0 - t * t,), "tanh")

    def sigmoid(self):
        """out = σ(a) = 1/(1 + e⁻ᵃ);  ∂out/∂a = out·(1 − out)"""
        a = self.data
        # Two branches so that exp never sees a large positive argument (no overflow for any a).
        if a >= 0.0:
            s = 1.0 / (1.0 + math.exp(-a))
        else:
            e = math.exp(a)
            s = e / (1.0 + e)
        return Value(s, (self,), (s * (1.0 - s),), "sigmoid")

    def exp(self):
        """out = eᵃ;  ∂out/∂a = out"""
        try:
            e = math.exp(self.data)
        except OverflowError:
            raise OverflowError(f"exp: exp({self.data!r}) is too large for a float") from None
        return Value(e, (self,), (e,), "exp")

    def log(self):
        """out = ln a;  ∂out/∂a = 1/a  (a > 0)"""
        a = self.data
        if a <= 0.0:
            raise ValueError(f"log: log({a!r}) is undefined, it needs a > 0 (PyTorch gives nan or -inf)")
        return Value(math.log(a), (self,), (1.0 / a,), "log")

    def sqrt(self):
        """out = √a;  ∂out/∂a = 1/(2√a)  (a > 0: at 0 the derivative is infinite)"""
        a = self.data
        if a <= 0.0:
            raise ValueError(f"sqrt: sqrt({a!r}) needs a > 0 (PyTorch gives nan; at 0 an infinite gradient)")
        r = math.sqrt(a)
        return Value(r, (self,), (0.5 / r,), "sqrt")

    def abs(self):
        """out = |a|;  ∂out/∂a = sign(a), taken as 0 at a = 0 (as PyTorch does)"""
        a = self.data
        return Value(abs(a), (self,), (1.0 if a > 0.0 else -1.0 if a < 0.0 else 0.0,), "abs")

    __abs__ = abs

    # ---- backpropagation ----

    def backward(self):
        """Fill ``grad`` of every node this one depends on with ∂self/∂node.

        Leaves (Values made by you, with no parents) *accumulate*: a second backward adds to their
        ``grad``, as PyTorch's leaf tensors do; call ``zero_grad`` between steps. Interior nodes are reset
        first, so they show the latest backward only and a second backward never double-counts.
        """
        topo = topological_order(self, _parents)
        for node in topo:
            if node.parents:
                node.grad = 0.0
        self.grad += 1.0  # ∂self/∂self
        for node in reversed(topo):
            upstream = node.grad
            for parent, local in zip(node.parents, node.local_grads):
                parent.grad += local * upstream  # the chain rule, summed over every path

    # ---- display and micrograd's names ----

    def __repr__(self):
        label = f", label={self.label!r}" if self.label else ""
        return f"Value(data={self.data}, grad={self.grad}{label})"

    def _repr_html_(self) -> str:
        """What a notebook shows: a small card, data in blue and grad in red (``explain.graph(v)``
        draws the whole graph)."""
        return value_card(self.label, self.op, self.data, self.grad, len(self.parents))

    @property
    def _prev(self):
        """micrograd's name: the set of parents (tools written for micrograd, like draw_dot, read it)."""
        return set(self.parents)

    @property
    def _op(self):
        """micrograd's name for ``op``."""
        return self.op


def as_value(x) -> Value:
    """``x`` itself if it is a Value, else a new constant Value holding it."""
    return x if isinstance(x, Value) else Value(x)


# ---- n-ary nodes: one node where a chain of binary ones would make many ----


def dot(xs, ys) -> Value:
    """out = Σᵢ xᵢ·yᵢ;  ∂out/∂xᵢ = yᵢ,  ∂out/∂yᵢ = xᵢ.

    A neuron's weighted sum as *one* node instead of 2n − 1 (n products and n − 1 sums): the same
    derivatives, a fraction of the objects. Plain numbers in ``xs`` or ``ys`` are constants: they take
    part in the sum but are not parents.
    """
    if len(xs) != len(ys):
        raise ValueError(f"dot: lengths differ ({len(xs)} and {len(ys)})")
    total = 0.0
    parents, local_grads = [], []
    for x, y in zip(xs, ys):
        x_is_value, y_is_value = isinstance(x, Value), isinstance(y, Value)
        xd = x.data if x_is_value else _to_float(x)
        yd = y.data if y_is_value else _to_float(y)
        total += xd * yd
        if x_is_value:
            parents.append(x)
            local_grads.append(yd)
        if y_is_value:
            parents.append(y)
            local_grads.append(xd)
    return Value(total, tuple(parents), tuple(local_grads), "dot")


def sum_values(values) -> Value:
    """out = Σᵢ vᵢ;  ∂out/∂vᵢ = 1.  One node for a long sum (a loss over a batch, say)."""
    values = [as_value(v) for v in values]
    return Value(sum(v.data for v in values), tuple(values), (1.0,) * len(values), "sum")
