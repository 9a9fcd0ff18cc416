"""Neuron, Layer, MLP, the losses and sgd_step: the shapes, the conventions, and learning."""

import math
import random

import pytest

from glassgrad.datasets import moons
from glassgrad.scalar import MLP, Layer, Module, Neuron, Value, hinge, l2_penalty, mae, mse, sgd_step


def test_mlp_has_the_right_parameters():
    model = MLP(2, [16, 16, 1], seed=0)
    assert len(model.parameters()) == (2 * 16 + 16) + (16 * 16 + 16) + (16 + 1)
    assert all(isinstance(p, Value) and not p.parents for p in model.parameters())
    assert all(-1 <= w.data <= 1 for n in model.layers[0].neurons for w in n.w)
    assert all(n.b.data == 0.0 for layer in model.layers for n in layer.neurons)


def test_reprs_read_like_micrographs():
    assert repr(Neuron(3, "tanh")) == "TanhNeuron(3)"
    assert repr(Layer(2, 2)) == "Layer of [ReLUNeuron(2), ReLUNeuron(2)]"
    assert repr(MLP(2, [2, 1], seed=0)) == "MLP of [Layer of [ReLUNeuron(2), ReLUNeuron(2)], Layer of [LinearNeuron(2)]]"


def test_hidden_layers_use_the_activation_and_the_last_is_linear():
    model = MLP(3, [4, 4, 2], activation="tanh", seed=0)
    kinds = [{n.activation for n in layer.neurons} for layer in model.layers]
    assert kinds == [{"tanh"}, {"tanh"}, {"linear"}]


def test_unknown_activation_is_refused():
    with pytest.raises(ValueError, match="relu"):
        Neuron(2, "swish")


def test_call_convention_numbers_or_values_in_value_or_list_out():
    model = MLP(2, [3, 1], seed=0)
    out = model([1.0, -2.0])
    assert isinstance(out, Value)  # one output: the Value itself
    assert model([Value(1.0), Value(-2.0)]).data == out.data
    assert len(MLP(2, [3, 2], seed=0)([1.0, 2.0])) == 2


def test_a_neuron_computes_its_formula():
    n = Neuron(2, "tanh", rng=random.Random(0))
    n.w[0].data, n.w[1].data, n.b.data = 0.5, -1.0, 0.25
    assert n([2.0, 3.0]).data == pytest.approx(math.tanh(0.5 * 2 - 3 + 0.25))
    linear = Neuron(2, "linear")
    linear.w[0].data, linear.w[1].data = 2.0, 3.0
    assert linear([1.0, 1.0]).data == 5.0


def test_wrong_number_of_inputs_is_an_error():
    with pytest.raises(ValueError, match="lengths"):
        Neuron(3)([1.0, 2.0])


def test_seed_makes_initialisation_reproducible():
    first = [p.data for p in MLP(2, [4, 1], seed=7).parameters()]
    again = [p.data for p in MLP(2, [4, 1], seed=7).parameters()]
    other = [p.data for p in MLP(2, [4, 1], seed=8).parameters()]
    assert first == again and first != other


def test_zero_grad_resets_every_parameter():
    model = MLP(2, [3, 1], seed=0)
    model([1.0, 2.0]).backward()
    assert any(p.grad != 0 for p in model.parameters())
    model.zero_grad()
    assert all(p.grad == 0.0 for p in model.parameters())
    assert Module().parameters() == []


def test_losses_by_hand():
    assert mse([Value(1.0), Value(3.0)], [0.0, 1.0]).data == (1 + 4) / 2
    assert mae([Value(1.0), Value(-3.0)], [0.0, 1.0]).data == (1 + 4) / 2
    assert hinge([Value(2.0), Value(0.5), Value(0.5)], [1, 1, -1]).data == (0 + 0.5 + 1.5) / 3
    assert l2_penalty([Value(1.0), Value(-2.0)], 0.5).data == 0.5 * 5
    assert mse(Value(3.0), 1.0).data == 4.0  # one prediction, one target


def test_loss_gradients_flow_to_predictions_not_to_number_targets():
    p = Value(3.0)
    loss = mse([p], [1.0])
    loss.backward()
    assert p.grad == 2 * (3.0 - 1.0)
    assert loss.parents == (p,)


def test_loss_lengths_must_match():
    with pytest.raises(ValueError, match="2 predictions but 1 targets"):
        mse([Value(1.0), Value(2.0)], [1.0])
    with pytest.raises(ValueError, match="no predictions"):
        hinge([], [])


def test_sgd_step_moves_against_the_gradient():
    w = Value(1.0)
    w.grad = 0.5
    sgd_step([w], lr=0.1)
    assert w.data == pytest.approx(0.95)


def test_the_scalar_mlp_learns_the_moons():
    """micrograd's demo, as a test: hinge loss + L2, decaying learning rate."""
    X, y = moons(100, noise=0.1, seed=0)
    inputs, labels = X.tolist(), [float(2 * t - 1) for t in y]
    model = MLP(2, [16, 16, 1], seed=0)
    for k in range(50):  # the demo takes 100 steps; this seed is at 100% by step 40
        scores = [model(x) for x in inputs]
        loss = hinge(scores, labels) + l2_penalty(model.parameters(), 1e-4)
        model.zero_grad()
        loss.backward()
        sgd_step(model.parameters(), lr=1.0 - 0.9 * k / 100)
    accuracy = sum((model(x).data > 0) == (t > 0) for x, t in zip(inputs, labels)) / len(labels)
    assert accuracy >= 0.97
