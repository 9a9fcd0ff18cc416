"""Numerical derivatives, to check the analytic ones that backward computes.

A derivative is a limit: f'(x) = lim (f(x + h) − f(x)) / h. Take a small h instead of the limit and you
have a *finite difference*, slow (one or two evaluations of f per input) and approximate, but needing no
calculus at all. That makes it the referee for backprop: if ``backward`` and a finite difference agree on
every input, the derivative code is right.

- ``forward``:  (f(x + h) − f(x)) / h        error shrinks like h
- ``central``:  (f(x + h) − f(x − h)) / 2h   error shrinks like h², so it is the default

Part I, read after ``value.py``. This file checks Values. The report types, ``GradcheckEntry`` and
``GradcheckReport``, carry plain numbers and serve any engine (``explain.gradcheck_report`` builds on
them); tensors have PyTorch's own API in ``glassgrad.autograd.gradcheck``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable, Sequence

from glassgrad.scalar.value import Value

__all__ = ["derivative", "numerical_grad", "gradcheck", "GradcheckEntry", "GradcheckReport"]


def _number(y) -> float:
    return y.data if isinstance(y, Value) else float(y)


def derivative(f: Callable, x, h: float = 1e-6, method: str = "central") -> float:
    """df/dx at ``x`` by finite differences.

    ``f`` takes one number (it may also accept a Value) and returns a number or a Value.
    """
    x = _number(x)
    if method == "central":
        return (_number(f(x + h)) - _number(f(x - h))) / (2 * h)
    if method == "forward":
        return (_number(f(x + h)) - _number(f(x))) / h
    raise ValueError(f"method must be 'central' or 'forward', got {method!r}")


def numerical_grad(
    f: Callable, values: Sequence[Value], h: float = 1e-6, method: str = "central"
) -> list[float]:
    """∂f/∂vᵢ for every Value vᵢ, by nudging ``vᵢ.data`` and calling ``f(*values)`` again.

    Each Value's ``data`` is restored afterwards; no gradient is touched.
    """
    grads = []
    for v in values:
        original = v.data

        def f_of_this_one(t, v=v):
            v.data = t
            return f(*values)

        try:
            grads.append(derivative(f_of_this_one, original, h, method))
        finally:
            v.data = original
    return grads


@dataclass
class GradcheckEntry:
    """One input's two gradients and how far apart they are."""

    name: str
    analytic: float
    numeric: float
    abs_error: float
    rel_error: float
    ok: bool


@dataclass(repr=False)
class GradcheckReport:
    """What ``gradcheck`` found: one entry per input, and ``ok`` if every entry agrees.

    ``bool(report)`` is ``report.ok``, so ``assert gradcheck(f, xs)`` reads as it should.
    """

    entries: list[GradcheckEntry]
    atol: float
    rtol: float

    @property
    def ok(self) -> bool:
        return all(e.ok for e in self.entries)

    def __bool__(self) -> bool:
        return self.ok

    def __str__(self) -> str:
        head = f"gradcheck {'passed' if self.ok else 'FAILED'} (atol={self.atol:g}, rtol={self.rtol:g})"
        rows = [f"  {'input':<8} {'analytic':>14} {'numeric':>14} {'abs error':>10} {'rel error':>10}"]
        for e in self.entries:
            mark = "" if e.ok else "  <-- mismatch"
            numbers = f"{e.analytic:>14.8g} {e.numeric:>14.8g} {e.abs_error:>10.2e} {e.rel_error:>10.2e}"
            rows.append(f"  {e.name:<8} {numbers}{mark}")
        return "\n".join([head, *rows])

    __repr__ = __str__


def gradcheck(
    f: Callable, inputs: Sequence, h: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-4
) -> GradcheckReport:
    """Compare ``backward``'s gradient of ``f(*inputs)`` with central differences, input by input.

    ``inputs`` are numbers or Values (only their data is used: fresh leaf Values are made, so nothing of
    yours is modified). An input agrees when |analytic − numeric| ≤ atol + rtol·|numeric|.
    """
    leaves = [Value(_number(x), label=getattr(x, "label", "") or f"x{i}") for i, x in enumerate(inputs)]
    out = f(*leaves)
    if not isinstance(out, Value):
        raise TypeError(f"gradcheck: f must return a Value, got {type(out).__name__}")
    out.backward()
    numeric = numerical_grad(f, leaves, h)
    entries = []
    for leaf, num in zip(leaves, numeric):
        ana = leaf.grad
        abs_error = abs(ana - num)
        scale = max(abs(ana), abs(num))
        rel_error = abs_error / scale if scale > 0 else 0.0
        ok = abs_error <= atol + rtol * abs(num) and math.isfinite(ana) and math.isfinite(num)
        entries.append(GradcheckEntry(leaf.label, ana, num, abs_error, rel_error, ok))
    return GradcheckReport(entries, atol, rtol)
