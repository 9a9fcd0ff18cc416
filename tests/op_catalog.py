"""The one catalog of differentiable ops that drives the parity tests (DESIGN.md §5).

Each ``OpSpec`` names an op, says how glassgrad and PyTorch compute it, and where its inputs may be drawn
from. A test draws inputs from ``domain``, runs both functions, and compares the output and the gradient
of every input; another checks the same gradients against central differences.

The inputs of an op are its ``arity`` differentiable inputs (Values / tensors with requires_grad),
followed by ``consts`` plain Python numbers. ``domain`` has one hypothesis strategy per input, in that
order. ``smooth_at(*inputs)`` (where given) says whether the op is differentiable there: finite differences
are meaningless at a kink such as relu's 0, so they skip such points (the PyTorch comparison does not).

Part III adds its own list (say ``TENSOR_OPS``, whose domains also draw shapes) beside ``SCALAR_OPS``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import torch
import torch.nn.functional as F
from hypothesis import strategies as st

from glassgrad.scalar import dot, hinge, l2_penalty, mae, mse, sum_values


@dataclass(frozen=True)
class OpSpec:
    name: str
    arity: int  # differentiable inputs
    glassgrad_fn: Callable
    torch_fn: Callable
    domain: tuple  # one hypothesis strategy per input: the differentiable ones, then the constants
    consts: int = 0  # trailing inputs passed as plain numbers
    smooth_at: Callable | None = None  # None: differentiable everywhere in the domain

    def __post_init__(self):
        assert len(self.domain) == self.arity + self.consts, self.name


def real(lo: float, hi: float):
    """Finite floats in [lo, hi] (no subnormals: they only test the hardware)."""
    return st.floats(lo, hi, allow_nan=False, allow_infinity=False, allow_subnormal=False)


def away_from_zero(limit: float = 10.0, gap: float = 0.1):
    return st.one_of(real(gap, limit), real(-limit, -gap))


ANY = real(-10.0, 10.0)
WIDE = real(-50.0, 50.0)
POSITIVE = real(1e-3, 1e3)
BASE = real(0.1, 10.0)
EXPONENT = real(-3.0, 3.0)
NONZERO = away_from_zero()
SIGN = st.sampled_from([-1.0, 1.0])
KINK = 1e-4  # how far from a kink a finite difference with h = 1e-6 is safe


def _stack(xs):
    return torch.stack(list(xs))


def _away(*xs):
    return all(abs(x) > KINK for x in xs)


SCALAR_OPS = [
    # binary, both differentiable
    OpSpec("add", 2, lambda a, b: a + b, lambda a, b: a + b, (ANY, ANY)),
    OpSpec("sub", 2, lambda a, b: a - b, lambda a, b: a - b, (ANY, ANY)),
    OpSpec("mul", 2, lambda a, b: a * b, lambda a, b: a * b, (ANY, ANY)),
    OpSpec("div", 2, lambda a, b: a / b, lambda a, b: a / b, (ANY, NONZERO)),
    OpSpec("pow_value", 2, lambda a, b: a**b, lambda a, b: a**b, (BASE, EXPONENT)),
    # a Value and a number, on either side
    OpSpec("add_const", 1, lambda a, c: a + c, lambda a, c: a + c, (ANY, ANY), consts=1),
    OpSpec("radd_const", 1, lambda a, c: c + a, lambda a, c: c + a, (ANY, ANY), consts=1),
    OpSpec("sub_const", 1, lambda a, c: a - c, lambda a, c: a - c, (ANY, ANY), consts=1),
    OpSpec("rsub_const", 1, lambda a, c: c - a, lambda a, c: c - a, (ANY, ANY), consts=1),
    OpSpec("mul_const", 1, lambda a, c: a * c, lambda a, c: a * c, (ANY, ANY), consts=1),
    OpSpec("rmul_const", 1, lambda a, c: c * a, lambda a, c: c * a, (ANY, ANY), consts=1),
    OpSpec("div_const", 1, lambda a, c: a / c, lambda a, c: a / c, (ANY, NONZERO), consts=1),
    OpSpec("rdiv_const", 1, lambda a, c: c / a, lambda a, c: c / a, (NONZERO, ANY), consts=1),
    OpSpec("pow_const", 1, lambda a, c: a**c, lambda a, c: a**c, (BASE, EXPONENT), consts=1),
    OpSpec("pow_int", 1, lambda a, n: a**n, lambda a, n: a**n, (NONZERO, st.integers(-3, 4)), consts=1),
    OpSpec("rpow_const", 1, lambda a, c: c**a, lambda a, c: c**a, (EXPONENT, BASE), consts=1),
    # unary
    OpSpec("neg", 1, lambda a: -a, lambda a: -a, (ANY,)),
    OpSpec("relu", 1, lambda a: a.relu(), torch.relu, (ANY,), smooth_at=_away),
    OpSpec("leaky_relu", 1, lambda a: a.leaky_relu(), lambda a: F.leaky_relu(a, 0.01), (ANY,), smooth_at=_away),
    OpSpec("leaky_relu_0.2", 1, lambda a: a.leaky_relu(0.2), lambda a: F.leaky_relu(a, 0.2), (ANY,), smooth_at=_away),
    OpSpec("tanh", 1, lambda a: a.tanh(), torch.tanh, (ANY,)),
    OpSpec("sigmoid", 1, lambda a: a.sigmoid(), torch.sigmoid, (WIDE,)),
    OpSpec("exp", 1, lambda a: a.exp(), torch.exp, (real(-20.0, 20.0),)),
    OpSpec("log", 1, lambda a: a.log(), torch.log, (POSITIVE,)),
    OpSpec("sqrt", 1, lambda a: a.sqrt(), torch.sqrt, (POSITIVE,)),
    OpSpec("abs", 1, lambda a: a.abs(), torch.abs, (ANY,), smooth_at=_away),
    OpSpec("abs_builtin", 1, lambda a: abs(a), torch.abs, (ANY,), smooth_at=_away),
    # n-ary nodes
    OpSpec(
        "dot", 6, lambda a, b, c, d, e, f: dot([a, b, c], [d, e, f]),
        lambda a, b, c, d, e, f: torch.dot(_stack([a, b, c]), _stack([d, e, f])), (ANY,) * 6,
    ),
    OpSpec(
        "dot_const", 2, lambda a, b, c, d: dot([a, b], [c, d]),
        lambda a, b, c, d: a * c + b * d, (ANY,) * 4, consts=2,
    ),
    OpSpec("sum_values", 4, lambda *v: sum_values(v), lambda *v: _stack(v).sum(), (ANY,) * 4),
    # losses: one node each, with the derivative written out
    OpSpec(
        "mse", 4, lambda p1, p2, t1, t2: mse([p1, p2], [t1, t2]),
        lambda p1, p2, t1, t2: F.mse_loss(_stack([p1, p2]), _stack([t1, t2])), (ANY,) * 4,
    ),
    OpSpec(
        "mae", 4, lambda p1, p2, t1, t2: mae([p1, p2], [t1, t2]),
        lambda p1, p2, t1, t2: F.l1_loss(_stack([p1, p2]), _stack([t1, t2])), (ANY,) * 4,
        smooth_at=lambda p1, p2, t1, t2: _away(p1 - t1, p2 - t2),
    ),
    OpSpec(
        "hinge", 4, lambda s1, s2, y1, y2: hinge([s1, s2], [y1, y2]),
        lambda s1, s2, y1, y2: torch.relu(1 - _stack([y1, y2]) * _stack([s1, s2])).mean(),
        (ANY, ANY, SIGN, SIGN), smooth_at=lambda s1, s2, y1, y2: _away(1 - y1 * s1, 1 - y2 * s2),
    ),
    OpSpec(
        "hinge_const_labels", 2, lambda s1, s2, y1, y2: hinge([s1, s2], [y1, y2]),
        lambda s1, s2, y1, y2: torch.relu(1 - torch.tensor([y1, y2], dtype=torch.float64) * _stack([s1, s2])).mean(),
        (ANY, ANY, SIGN, SIGN), consts=2, smooth_at=lambda s1, s2, y1, y2: _away(1 - y1 * s1, 1 - y2 * s2),
    ),
    OpSpec(
        "l2_penalty", 3, lambda a, b, c, alpha: l2_penalty([a, b, c], alpha),
        lambda a, b, c, alpha: alpha * (_stack([a, b, c]) ** 2).sum(), (ANY, ANY, ANY, real(0.0, 1.0)), consts=1,
    ),
]
