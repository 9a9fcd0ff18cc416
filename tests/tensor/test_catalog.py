"""Every tensor op in the catalog (tests/op_catalog_tensor.py) against PyTorch and central differences.

For each op, hypothesis draws shapes (broadcasting pairs for binary ops), the op's keyword arguments and
values inside its domain; then:

- forward: the same dtype, shape and numbers as PyTorch (float32: 1e-5 relative, float64: 1e-10);
- backward: the gradient of Σ w·out (fixed random weights w) w.r.t. every input, as PyTorch's;
- gradcheck: glassgrad's analytic Jacobian against central differences in float64;
- gradgradcheck: second derivatives (create_graph=True), for every differentiable op but the few in
  NO_DOUBLE_BACKWARD, which must refuse with the engine's own words rather than return wrong numbers.

An op or method glassgrad lacks fails here: the catalog is the list of what glassgrad must offer.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from op_catalog_tensor import BOTH_FORMS, FUNCTION_ONLY, METHOD_ONLY, TENSOR_OPS, rng_for

import glassgrad
from glassgrad.autograd import gradcheck, gradgradcheck

TOLERANCE = {"float32": 1e-5, "float64": 1e-10}
SETTINGS = settings(max_examples=20, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
IDS = [s.name for s in TENSOR_OPS]

# Ops whose backward is not itself differentiable: create_graph=True through them raises the engine's
# NotImplementedError naming the backward node (op name -> that node's name).
NO_DOUBLE_BACKWARD: dict = {}  # every op in the catalog differentiates twice, as in PyTorch


def _outputs(result) -> tuple:
    return tuple(result) if isinstance(result, (tuple, list)) else (result,)


def _to_numpy(t) -> np.ndarray:
    return t.detach().numpy() if isinstance(t, torch.Tensor) else np.asarray(t.detach()._array)


def assert_same(ours, theirs, rtol: float, what: str) -> None:
    """Same dtype and shape; numbers within rtol of the reference, relative to its largest magnitude."""
    a, b = _to_numpy(ours), _to_numpy(theirs)
    assert a.dtype == b.dtype, f"{what}: dtype {a.dtype} vs PyTorch's {b.dtype}"
    assert a.shape == b.shape, f"{what}: shape {a.shape} vs PyTorch's {b.shape}"
    if a.dtype.kind in "biu":
        np.testing.assert_array_equal(a, b, err_msg=what)
        return
    finite = np.abs(b[np.isfinite(b)])
    scale = float(finite.max()) if finite.size else 0.0
    np.testing.assert_allclose(a, b, rtol=rtol, atol=rtol * max(1.0, scale), equal_nan=True, err_msg=what)


def _draw(spec, data):
    shapes = data.draw(spec.shapes, label="shapes")
    params = data.draw(spec.params(shapes), label="params") if spec.params else {}
    arrays = [data.draw(hnp.arrays(np.float64, s, elements=d.elements()), label=f"input {i}")
              for i, (s, d) in enumerate(zip(shapes, spec.domain))]
    return shapes, params, arrays


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("spec", TENSOR_OPS, ids=IDS)
def test_forward_and_backward_match_pytorch(spec, dtype):
    rtol = TOLERANCE[dtype]

    @SETTINGS
    @given(data=st.data())
    def check(data):
        _, params, arrays = _draw(spec, data)
        if spec.parity_needs_smooth:
            assume(spec.smooth_at(*arrays, **params))
        arrays = [a.astype(dtype) for a in arrays]
        ours = [glassgrad.tensor(a, requires_grad=spec.differentiable) for a in arrays]
        theirs = [torch.tensor(a, requires_grad=spec.differentiable) for a in arrays]
        out_ours = _outputs(spec.glassgrad_fn(*ours, **params))
        out_theirs = _outputs(spec.torch_fn(*theirs, **params))
        assert len(out_ours) == len(out_theirs), f"{len(out_ours)} outputs vs PyTorch's {len(out_theirs)}"
        for k, (o, t) in enumerate(zip(out_ours, out_theirs)):
            assert_same(o, t, rtol, f"{spec.name} output {k}")
            assert isinstance(o, glassgrad.Tensor)
        if not spec.differentiable:
            return
        graded = [k for k, t in enumerate(out_theirs) if t.requires_grad]
        if not graded:
            return
        for k in graded:
            assert out_ours[k].requires_grad, f"{spec.name} output {k} should require grad, as PyTorch's"
        loss_ours = loss_theirs = 0
        for k in graded:
            w = rng_for("weights", spec.name, k, tuple(out_theirs[k].shape)).uniform(
                0.5, 1.5, tuple(out_theirs[k].shape)).astype(dtype)
            loss_ours = loss_ours + (out_ours[k] * glassgrad.tensor(w)).sum()
            loss_theirs = loss_theirs + (out_theirs[k] * torch.tensor(w)).sum()
        g_ours = glassgrad.autograd.grad(loss_ours, ours, allow_unused=True)
        g_theirs = torch.autograd.grad(loss_theirs, theirs, allow_unused=True)
        for i, (g, t, x) in enumerate(zip(g_ours, g_theirs, theirs)):
            t = torch.zeros_like(x) if t is None else t
            g = glassgrad.zeros_like(ours[i]) if g is None else g
            assert_same(g, t, rtol, f"{spec.name} gradient of input {i}")

    check()


DIFFERENTIABLE = [s for s in TENSOR_OPS if s.differentiable]


def _smooth_inputs(spec, data):
    shapes = data.draw(spec.shapes, label="shapes")
    params = data.draw(spec.params(shapes), label="params") if spec.params else {}
    seed = data.draw(st.integers(0, 2**32 - 1), label="seed")
    rng = np.random.default_rng(seed)
    arrays = [d.sample(rng, s) for s, d in zip(shapes, spec.domain)]
    if spec.smooth_at is not None:
        assume(spec.smooth_at(*arrays, **params))
    return params, [glassgrad.tensor(a, dtype=glassgrad.float64, requires_grad=True) for a in arrays]


@pytest.mark.parametrize("spec", DIFFERENTIABLE, ids=[s.name for s in DIFFERENTIABLE])
def test_gradcheck(spec):
    @settings(SETTINGS, max_examples=10)
    @given(data=st.data())
    def check(data):
        params, inputs = _smooth_inputs(spec, data)
        assert gradcheck(lambda *xs: spec.glassgrad_fn(*xs, **params), inputs)

    check()


@pytest.mark.parametrize("spec", DIFFERENTIABLE, ids=[s.name for s in DIFFERENTIABLE])
def test_gradgradcheck(spec):
    """Second derivatives (create_graph=True) against central differences of the first."""
    @settings(SETTINGS, max_examples=4)
    @given(data=st.data())
    def check(data):
        params, inputs = _smooth_inputs(spec, data)
        assert gradgradcheck(lambda *xs: spec.glassgrad_fn(*xs, **params), inputs)

    if spec.name not in NO_DOUBLE_BACKWARD:
        check()
        return
    node = NO_DOUBLE_BACKWARD[spec.name]
    with pytest.raises(NotImplementedError, match=rf"create_graph=True: the backward of {node} is not itself "
                                                  "differentiable"):
        check()
    pytest.skip(f"{node} refuses create_graph=True, as documented in NO_DOUBLE_BACKWARD")


@pytest.mark.parametrize("name", BOTH_FORMS)
def test_function_and_method_forms_exist(name):
    """What PyTorch offers as torch.X and Tensor.X, glassgrad offers as glassgrad.X and Tensor.X."""
    missing = [f for f, ok in ((f"glassgrad.{name}", hasattr(glassgrad, name)),
                               (f"Tensor.{name}", hasattr(glassgrad.Tensor, name))) if not ok]
    assert not missing, f"glassgrad lacks {', '.join(missing)}"


@pytest.mark.parametrize("name", METHOD_ONLY)
def test_tensor_methods_exist(name):
    assert hasattr(glassgrad.Tensor, name), f"glassgrad lacks Tensor.{name}"


@pytest.mark.parametrize("name", FUNCTION_ONLY)
def test_functions_exist(name):
    assert hasattr(glassgrad, name), f"glassgrad lacks glassgrad.{name}"
