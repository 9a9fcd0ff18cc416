"""Every op in the catalog agrees with PyTorch (float64) and with central differences.

For each op, hypothesis draws inputs in the op's domain; the forward value and the gradient of every
differentiable input must match PyTorch's autograd, and the gradients must match finite differences.
"""

import math

import pytest
import torch
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from glassgrad.scalar.gradcheck import numerical_grad
from glassgrad.scalar import Value
from op_catalog import SCALAR_OPS

OPS = {spec.name: spec for spec in SCALAR_OPS}


def close(a: float, b: float, rel: float = 1e-12, abs_: float = 1e-14) -> bool:
    return math.isclose(a, b, rel_tol=rel, abs_tol=abs_)


def draw_inputs(data, spec):
    args = [data.draw(strategy, label=f"input {i}") for i, strategy in enumerate(spec.domain)]
    return args[: spec.arity], args[spec.arity:]


def run_glassgrad(spec, xs, consts):
    leaves = [Value(x) for x in xs]
    out = spec.glassgrad_fn(*leaves, *consts)
    out.backward()
    return out.data, [leaf.grad for leaf in leaves]


def run_torch(spec, xs, consts):
    leaves = [torch.tensor(float(x), dtype=torch.float64, requires_grad=True) for x in xs]
    out = spec.torch_fn(*leaves, *consts)
    out.backward()
    return out.item(), [0.0 if leaf.grad is None else leaf.grad.item() for leaf in leaves]


@pytest.mark.parametrize("name", OPS)
@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_matches_pytorch(name, data):
    spec = OPS[name]
    xs, consts = draw_inputs(data, spec)
    out, grads = run_glassgrad(spec, xs, consts)
    want_out, want_grads = run_torch(spec, xs, consts)
    assert close(out, want_out), f"{name}{tuple(xs + consts)}: forward {out!r}, PyTorch {want_out!r}"
    for i, (g, want) in enumerate(zip(grads, want_grads)):
        assert close(g, want, abs_=1e-12), f"{name}{tuple(xs + consts)}: grad of input {i} {g!r}, PyTorch {want!r}"


@pytest.mark.parametrize("name", OPS)
@settings(max_examples=30, deadline=None)
@given(data=st.data())
def test_matches_central_differences(name, data):
    spec = OPS[name]
    xs, consts = draw_inputs(data, spec)
    if spec.smooth_at is not None:
        assume(spec.smooth_at(*xs, *consts))
    _, grads = run_glassgrad(spec, xs, consts)
    leaves = [Value(x) for x in xs]
    numeric = numerical_grad(lambda *vs: spec.glassgrad_fn(*vs, *consts), leaves)
    for i, (g, n) in enumerate(zip(grads, numeric)):
        assert math.isclose(g, n, rel_tol=1e-5, abs_tol=1e-5), f"{name}{tuple(xs + consts)}: input {i}: {g} vs {n}"


def test_catalog_covers_every_value_op():
    """A new method on Value must be added to the catalog, or it goes untested."""
    ops = {"__add__", "__radd__", "__sub__", "__rsub__", "__mul__", "__rmul__", "__truediv__",
           "__rtruediv__", "__pow__", "__rpow__", "__neg__", "__abs__"}
    public = {n for n in vars(Value) if not n.startswith("_") and callable(getattr(Value, n))} - {"backward"}
    assert public <= set(OPS), f"methods missing from the catalog: {public - set(OPS)}"
    assert ops <= {n for n in vars(Value)}
