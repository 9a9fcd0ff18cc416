"""Every hand-written backward in glassgrad.manual equals the reference backends' autograd, and central
differences, on random inputs: input gradients, parameter gradients, and loss derivatives."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from manual_references import REFERENCES, central_difference

from glassgrad import manual
from glassgrad.manual import (
    Convolutional, Dense, MaxPool, ReLU, Reshape, Sigmoid, Softmax, Tanh, cross_correlate,
)

TOLERANCE = dict(rtol=1e-9, atol=1e-11)


@dataclass
class LayerCase:
    name: str
    make: Callable[[], manual.Layer]
    input_shape: tuple
    reference: Callable  # forward(F, x, *parameters) in a reference backend
    parameters: tuple = ()  # attribute names on the layer; their gradients are "<name>_gradient"
    scale: float = 1.0  # spread of the random input
    extra: dict = field(default_factory=dict)


LAYER_CASES = [
    LayerCase("dense", lambda: Dense(5, 3, seed=0), (4, 5), lambda F, x, w, b: F.linear(x, w, b), ("weights", "bias")),
    LayerCase("dense_one_sample", lambda: Dense(1, 1, seed=1), (1, 1), lambda F, x, w, b: F.linear(x, w, b),
              ("weights", "bias")),
    LayerCase("conv_channels_kernels", lambda: Convolutional(3, 4, (3, 2), seed=0), (2, 3, 7, 6),
              lambda F, x, w, b: F.conv2d(x, w, b), ("weights", "bias")),
    LayerCase("conv_kernel_fills_input", lambda: Convolutional(2, 3, 5, seed=2), (3, 2, 5, 5),
              lambda F, x, w, b: F.conv2d(x, w, b), ("weights", "bias")),
    LayerCase("conv_one_channel", lambda: Convolutional(1, 1, 1, seed=3), (2, 1, 4, 3),
              lambda F, x, w, b: F.conv2d(x, w, b), ("weights", "bias")),
    LayerCase("maxpool", lambda: MaxPool(2), (2, 3, 7, 6), lambda F, x: F.max_pool2d(x, 2)),
    LayerCase("maxpool_3", lambda: MaxPool(3), (1, 2, 6, 8), lambda F, x: F.max_pool2d(x, 3)),
    LayerCase("reshape", lambda: Reshape((2, 3, 4), (24,)), (5, 2, 3, 4), lambda F, x: x.reshape(5, 24)),
    LayerCase("tanh", Tanh, (4, 6), lambda F, x: F.tanh(x), scale=2.0),
    LayerCase("sigmoid", Sigmoid, (4, 6), lambda F, x: F.sigmoid(x), scale=3.0),
    LayerCase("sigmoid_large_inputs", Sigmoid, (4, 6), lambda F, x: F.sigmoid(x), scale=300.0),
    LayerCase("relu", ReLU, (3, 2, 5), lambda F, x: F.relu(x)),
    LayerCase("softmax", Softmax, (4, 6), lambda F, x: F.softmax(x, dim=-1), scale=2.0),
    LayerCase("softmax_large_inputs", Softmax, (3, 5), lambda F, x: F.softmax(x, dim=-1), scale=500.0),
]


def run_manual(case: LayerCase, seed: int = 0):
    """Our layer on a random input: (layer, input, output, output_gradient, [∂E/∂input, ∂E/∂params...])."""
    rng = np.random.default_rng(seed)
    layer = case.make()
    x = rng.normal(scale=case.scale, size=case.input_shape)
    output = layer.forward(x)
    output_gradient = rng.normal(size=output.shape)
    input_gradient = layer.backward(output_gradient)
    gradients = [input_gradient] + [getattr(layer, f"{name}_gradient") for name in case.parameters]
    return layer, x, output, output_gradient, gradients


@pytest.mark.parametrize("backend", sorted(REFERENCES))
@pytest.mark.parametrize("case", LAYER_CASES, ids=lambda c: c.name)
def test_layer_matches_reference(case, backend):
    layer, x, output, output_gradient, gradients = run_manual(case)
    parameters = [getattr(layer, name).copy() for name in case.parameters]
    expected_output, expected_gradients = REFERENCES[backend](case.reference, [x, *parameters], [], output_gradient)
    np.testing.assert_allclose(output, expected_output, **TOLERANCE)
    for name, ours, theirs in zip(("input", *case.parameters), gradients, expected_gradients):
        assert ours.shape == theirs.shape, f"{case.name}: ∂E/∂{name} shape {ours.shape} vs {theirs.shape}"
        np.testing.assert_allclose(ours, theirs, **TOLERANCE, err_msg=f"{case.name}: ∂E/∂{name}")


@pytest.mark.parametrize("case", [c for c in LAYER_CASES if c.scale < 100], ids=lambda c: c.name)
def test_layer_matches_central_differences(case):
    layer, x, _, output_gradient, gradients = run_manual(case)
    arrays = [x] + [getattr(layer, name) for name in case.parameters]

    def energy():  # E = Σ output · g, so ∂E/∂output = g
        return float(np.sum(layer.forward(x) * output_gradient))

    for name, array, ours in zip(("input", *case.parameters), arrays, gradients):
        numeric = central_difference(energy, array)
        np.testing.assert_allclose(ours, numeric, rtol=1e-5, atol=1e-7, err_msg=f"{case.name}: ∂E/∂{name}")


def test_softmax_backward_is_the_jacobian_vector_product():
    rng = np.random.default_rng(4)
    x, g = rng.normal(size=(3, 5)), rng.normal(size=(3, 5))
    layer = Softmax()
    layer.forward(x)
    jacobian = Softmax.jacobian(x)  # (3, 5, 5)
    np.testing.assert_allclose(layer.backward(g), np.einsum("ni,nij->nj", g, jacobian), **TOLERANCE)
    for row in range(3):  # and the matrix itself is PyTorch's Jacobian of softmax
        expected = torch.autograd.functional.jacobian(lambda t: torch.softmax(t, dim=-1), torch.tensor(x[row]))
        np.testing.assert_allclose(jacobian[row], expected.numpy(), **TOLERANCE)
    np.testing.assert_allclose(jacobian, jacobian.transpose(0, 2, 1), **TOLERANCE)


@settings(max_examples=30, deadline=None)
@given(n=st.integers(1, 3), c=st.integers(1, 3), k=st.integers(1, 4), kh=st.integers(1, 4), kw=st.integers(1, 4),
       extra_h=st.integers(0, 4), extra_w=st.integers(0, 4), seed=st.integers(0, 2**16))
def test_convolution_matches_conv2d_on_drawn_shapes(n, c, k, kh, kw, extra_h, extra_w, seed):
    case = LayerCase("drawn", lambda: Convolutional(c, k, (kh, kw), seed=seed), (n, c, kh + extra_h, kw + extra_w),
                     lambda F, x, w, b: F.conv2d(x, w, b), ("weights", "bias"))
    for backend in sorted(REFERENCES):
        test_layer_matches_reference(case, backend)


def test_cross_correlate_is_conv2d_without_bias():
    rng = np.random.default_rng(5)
    x, kernels = rng.normal(size=(2, 3, 6, 5)), rng.normal(size=(4, 3, 2, 3))
    expected = torch.nn.functional.conv2d(torch.tensor(x), torch.tensor(kernels)).numpy()
    np.testing.assert_allclose(cross_correlate(x, kernels), expected, **TOLERANCE)


def test_sigmoid_and_softmax_stay_finite_at_extreme_inputs():
    x = np.array([[-1000.0, -50.0, 0.0, 50.0, 1000.0]])
    with np.errstate(over="raise", invalid="raise", divide="raise"):  # no overflow, no nan (underflow to 0 is fine)
        s = manual.sigmoid(x)
        p = manual.softmax(x)
    np.testing.assert_allclose(s, [[0.0, torch.sigmoid(torch.tensor(-50.0, dtype=torch.float64)).item(), 0.5,
                                    torch.sigmoid(torch.tensor(50.0, dtype=torch.float64)).item(), 1.0]])
    np.testing.assert_allclose(p, [[0.0, 0.0, 0.0, 0.0, 1.0]])


# ---- losses -------------------------------------------------------------------------------------------

@dataclass
class LossCase:
    name: str
    loss: Callable
    prime: Callable
    reference: Callable  # forward(F, prediction, target)
    prediction: Callable  # rng -> prediction array
    target: Callable  # rng -> target array


def _probabilities(rng, shape):
    return rng.uniform(0.05, 0.95, size=shape)


def _soft_labels(rng):
    t = rng.uniform(size=(4, 3))
    return t / t.sum(axis=1, keepdims=True)


LOSS_CASES = [
    LossCase("mse", manual.mse, manual.mse_prime, lambda F, p, t: F.mse_loss(p, t),
             lambda r: r.normal(size=(4, 3)), lambda r: r.normal(size=(4, 3))),
    LossCase("binary_cross_entropy", manual.binary_cross_entropy, manual.binary_cross_entropy_prime,
             lambda F, p, t: F.binary_cross_entropy(p, t),
             lambda r: _probabilities(r, (5, 2)), lambda r: r.integers(0, 2, size=(5, 2)).astype(float)),
    LossCase("binary_cross_entropy_soft_targets", manual.binary_cross_entropy, manual.binary_cross_entropy_prime,
             lambda F, p, t: F.binary_cross_entropy(p, t),
             lambda r: _probabilities(r, (6,)), lambda r: _probabilities(r, (6,))),
    LossCase("binary_cross_entropy_with_logits", manual.binary_cross_entropy_with_logits,
             manual.binary_cross_entropy_with_logits_prime, lambda F, z, t: F.binary_cross_entropy_with_logits(z, t),
             lambda r: r.normal(scale=3, size=(5, 2)), lambda r: r.integers(0, 2, size=(5, 2)).astype(float)),
    LossCase("softmax_cross_entropy_indices", manual.softmax_cross_entropy, manual.softmax_cross_entropy_prime,
             lambda F, z, t: F.cross_entropy(z, t),
             lambda r: r.normal(scale=2, size=(5, 4)), lambda r: r.integers(0, 4, size=(5,))),
    LossCase("softmax_cross_entropy_probabilities", manual.softmax_cross_entropy, manual.softmax_cross_entropy_prime,
             lambda F, z, t: F.cross_entropy(z, t),
             lambda r: r.normal(scale=2, size=(4, 3)), _soft_labels),
]


@pytest.mark.parametrize("backend", sorted(REFERENCES))
@pytest.mark.parametrize("case", LOSS_CASES, ids=lambda c: c.name)
def test_loss_matches_reference(case, backend):
    rng = np.random.default_rng(6)
    prediction, target = case.prediction(rng), case.target(rng)
    expected_loss, (expected_prime,) = REFERENCES[backend](case.reference, [prediction], [target], 1.0)
    assert case.loss(prediction, target) == pytest.approx(float(expected_loss), rel=1e-10, abs=1e-12)
    np.testing.assert_allclose(case.prime(prediction, target), expected_prime, **TOLERANCE)


@pytest.mark.parametrize("case", LOSS_CASES, ids=lambda c: c.name)
def test_loss_prime_matches_central_differences(case):
    rng = np.random.default_rng(7)
    prediction, target = case.prediction(rng), case.target(rng)
    numeric = central_difference(lambda: case.loss(prediction, target), prediction)
    np.testing.assert_allclose(case.prime(prediction, target), numeric, rtol=1e-5, atol=1e-8)


def test_binary_cross_entropy_is_finite_at_saturated_probabilities():
    p, t = np.array([0.0, 1.0, 1.0]), np.array([1.0, 0.0, 1.0])
    expected = torch.nn.functional.binary_cross_entropy(torch.tensor(p), torch.tensor(t)).item()
    assert manual.binary_cross_entropy(p, t) == pytest.approx(expected)
    assert np.all(np.isfinite(manual.binary_cross_entropy_prime(p, t)))
