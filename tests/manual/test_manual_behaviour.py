"""How glassgrad.manual behaves: the update stays out of backward, bad input is named, numpy alone."""

from __future__ import annotations

import ast
from pathlib import Path

import numpy as np
import pytest
import torch

import glassgrad.manual
from glassgrad.manual import (
    Convolutional, Dense, MaxPool, Reshape, Softmax, Tanh, backward, mse, mse_prime, predict, sgd_step, train,
)
from glassgrad.manual import losses


class UpdateInsideBackwardDense(Dense):
    """The classic bug, on purpose: the weights are stepped inside backward, *before* ∂E/∂X is computed."""

    learning_rate = 0.5

    def backward(self, output_gradient):
        g = self._output_gradient(output_gradient)
        self.weights_gradient = g.T @ self.input
        self.bias_gradient = g.sum(axis=0)
        self.weights -= self.learning_rate * self.weights_gradient
        self.bias -= self.learning_rate * self.bias_gradient
        return g @ self.weights  # uses the new weights: not the ones the forward pass used


def _torch_gradients(first, second, x, y):
    """∂E/∂W of both Dense layers of Dense–Tanh–Dense under MSE, by PyTorch, at the given (pre-update) weights."""
    w1, b1, w2, b2 = (torch.tensor(a, requires_grad=True) for a in (first[0], first[1], second[0], second[1]))
    out = torch.nn.functional.linear(torch.tanh(torch.nn.functional.linear(torch.tensor(x), w1, b1)), w2, b2)
    torch.nn.functional.mse_loss(out, torch.tensor(y)).backward()
    return w1.grad.numpy(), w2.grad.numpy()


def test_backward_leaves_parameters_unchanged_and_sgd_step_applies_them_afterwards():
    rng = np.random.default_rng(0)
    layer = Dense(4, 3, seed=0)
    weights_before, bias_before = layer.weights.copy(), layer.bias.copy()
    x, g = rng.normal(size=(5, 4)), rng.normal(size=(5, 3))
    layer.forward(x)
    input_gradient = layer.backward(g)
    np.testing.assert_array_equal(layer.weights, weights_before)
    np.testing.assert_array_equal(layer.bias, bias_before)
    np.testing.assert_allclose(input_gradient, g @ weights_before)  # computed with the forward's weights
    sgd_step([layer], learning_rate=0.5)
    np.testing.assert_allclose(layer.weights, weights_before - 0.5 * (g.T @ x))
    np.testing.assert_allclose(layer.bias, bias_before - 0.5 * g.sum(axis=0))


def test_ours_is_immune_to_updating_inside_backward_and_the_buggy_variant_is_not():
    rng = np.random.default_rng(1)
    x, y = rng.normal(size=(6, 3)), rng.normal(size=(6, 2))
    first, second = Dense(3, 4, seed=1), Dense(4, 2, seed=2)
    start = [(first.weights.copy(), first.bias.copy()), (second.weights.copy(), second.bias.copy())]
    expected_first, expected_second = _torch_gradients(*start, x, y)

    # Ours: backward over the whole network, then one step. Gradients are those at the pre-update weights.
    network = [first, Tanh(), second]
    output = predict(network, x)
    backward(network, mse_prime(output, y))
    np.testing.assert_allclose(second.weights_gradient, expected_second, rtol=1e-10)
    np.testing.assert_allclose(first.weights_gradient, expected_first, rtol=1e-10)

    # The bug: the last layer updates itself before handing ∂E/∂X down, so the first layer gets a gradient
    # computed with weights the forward pass never used.
    buggy_second = UpdateInsideBackwardDense(4, 2, seed=2)
    first_again = Dense(3, 4, seed=1)
    buggy = [first_again, Tanh(), buggy_second]
    output = predict(buggy, x)
    backward(buggy, mse_prime(output, y))
    np.testing.assert_allclose(buggy_second.weights_gradient, expected_second, rtol=1e-10)  # its own is right...
    assert not np.allclose(first_again.weights_gradient, expected_first, rtol=1e-3)  # ...the one below is wrong

    # The same thing one layer at a time: the input gradient must be G·W with the forward pass's W.
    g = np.random.default_rng(2).normal(size=(6, 2))
    for layer, immune in [(Dense(4, 2, seed=2), True), (UpdateInsideBackwardDense(4, 2, seed=2), False)]:
        weights_used_in_forward = layer.weights.copy()
        layer.forward(np.tanh(x @ start[0][0].T + start[0][1]))
        input_gradient = layer.backward(g)
        assert np.allclose(input_gradient, g @ weights_used_in_forward) == immune


def test_one_full_batch_epoch_equals_one_torch_sgd_step():
    rng = np.random.default_rng(2)
    x, y = rng.normal(size=(8, 3)), rng.normal(size=(8, 1))
    network = [Dense(3, 5, seed=3), Tanh(), Dense(5, 1, seed=4)]
    model = torch.nn.Sequential(torch.nn.Linear(3, 5), torch.nn.Tanh(), torch.nn.Linear(5, 1)).double()
    with torch.no_grad():
        for ours, theirs in zip([network[0], network[2]], [model[0], model[2]]):
            theirs.weight.copy_(torch.tensor(ours.weights))
            theirs.bias.copy_(torch.tensor(ours.bias))
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    loss = torch.nn.functional.mse_loss(model(torch.tensor(x)), torch.tensor(y))
    loss.backward()
    optimizer.step()

    history = train(network, mse, mse_prime, x, y, epochs=1, learning_rate=0.1)
    assert history[0] == pytest.approx(loss.item(), rel=1e-12)
    for ours, theirs in zip([network[0], network[2]], [model[0], model[2]]):
        np.testing.assert_allclose(ours.weights, theirs.weight.detach().numpy(), rtol=1e-12)
        np.testing.assert_allclose(ours.bias, theirs.bias.detach().numpy(), rtol=1e-12)


def test_training_is_reproducible_from_seeds():
    rng = np.random.default_rng(3)
    x, y = rng.normal(size=(20, 2)), rng.normal(size=(20, 1))

    def run():
        network = [Dense(2, 4, seed=5), Tanh(), Dense(4, 1, rng=np.random.default_rng(6))]
        return train(network, mse, mse_prime, x, y, epochs=5, learning_rate=0.05, batch_size=3, seed=7)

    assert run() == run()
    assert Dense(2, 4, seed=5).weights.tolist() == Dense(2, 4, seed=5).weights.tolist()
    assert Dense(2, 4, seed=5).weights.tolist() != Dense(2, 4, seed=6).weights.tolist()


def test_parameters_are_shaped_like_pytorch():
    dense, conv = Dense(7, 3, seed=0), Convolutional(2, 5, (3, 4), seed=0)
    assert dense.weights.shape == torch.nn.Linear(7, 3).weight.shape and dense.bias.shape == (3,)
    assert conv.weights.shape == torch.nn.Conv2d(2, 5, (3, 4)).weight.shape and conv.bias.shape == (5,)
    assert all(np.all(np.abs(p) <= 1 / np.sqrt(7)) for p in dense.parameters())


# ---- bad input is named, not a numpy traceback ----------------------------------------------------------

@pytest.mark.parametrize("make, bad_input, words", [
    (lambda: Dense(3, 2, seed=0), np.zeros((4, 5)), ["3 input features", "(4, 5)", "(2, 3)"]),
    (lambda: Dense(3, 2, seed=0), np.zeros(3), ["2 axes", "(3,)"]),
    (lambda: Convolutional(3, 2, 3, seed=0), np.zeros((1, 1, 5, 5)), ["3 input channels", "(1, 1, 5, 5)"]),
    (lambda: Convolutional(1, 2, 3, seed=0), np.zeros((5, 5)), ["4 axes", "(5, 5)"]),
    (lambda: Convolutional(1, 2, 4, seed=0), np.zeros((1, 1, 3, 9)), ["4×4", "(1, 1, 3, 9)"]),
    (lambda: MaxPool(2), np.zeros((1, 2, 3)), ["4 axes", "(1, 2, 3)"]),
    (lambda: Reshape((2, 3), (6,)), np.zeros((4, 3, 2)), ["(2, 3)", "(4, 3, 2)"]),
])
def test_forward_rejects_bad_shapes_by_name(make, bad_input, words):
    with pytest.raises(ValueError) as error:
        make().forward(bad_input)
    for word in words:
        assert word in str(error.value)


def test_backward_rejects_a_gradient_of_the_wrong_shape_naming_both():
    layer = Dense(3, 2, seed=0)
    layer.forward(np.zeros((4, 3)))
    with pytest.raises(ValueError, match=r"\(4, 3\).*\(4, 2\)"):
        layer.backward(np.zeros((4, 3)))
    softmax = Softmax()
    softmax.forward(np.zeros((4, 6)))
    with pytest.raises(ValueError, match=r"\(4, 5\).*\(4, 6\)"):
        softmax.backward(np.zeros((4, 5)))


@pytest.mark.parametrize("layer", [Dense(2, 2, seed=0), Convolutional(1, 1, 1, seed=0), MaxPool(2), Tanh(),
                                   Softmax(), Reshape((4,), (2, 2))], ids=repr)
def test_backward_before_forward_says_so(layer):
    with pytest.raises(RuntimeError, match="before forward"):
        layer.backward(np.zeros((1, 2)))


def test_construction_errors_are_named():
    with pytest.raises(ValueError, match="cannot turn"):
        Reshape((2, 3), (5,))
    with pytest.raises(ValueError, match="either rng= or seed="):
        Dense(2, 2, rng=np.random.default_rng(0), seed=0)
    with pytest.raises(TypeError, match="numpy Generator"):
        Dense(2, 2, rng=0)
    with pytest.raises(ValueError, match="positive"):
        Convolutional(1, 0, 3)
    with pytest.raises(ValueError, match=r"int or \(height, width\), got \(3, 3, 3\)"):
        Convolutional(1, 1, (3, 3, 3))


@pytest.mark.parametrize("loss", [losses.mse, losses.mse_prime, losses.binary_cross_entropy,
                                  losses.binary_cross_entropy_prime, losses.binary_cross_entropy_with_logits])
def test_losses_name_both_shapes(loss):
    with pytest.raises(ValueError, match=r"\(4, 1\).*\(4,\)"):
        loss(np.zeros((4, 1)), np.zeros(4))


def test_softmax_cross_entropy_rejects_bad_targets():
    with pytest.raises(ValueError, match=r"class indices must lie in \[0, 3\)"):
        losses.softmax_cross_entropy(np.zeros((2, 3)), np.array([0, 3]))
    with pytest.raises(ValueError, match=r"got shape \(2, 4\)"):
        losses.softmax_cross_entropy(np.zeros((2, 3)), np.zeros((2, 4)))


def test_train_rejects_mismatched_samples():
    with pytest.raises(ValueError, match=r"\(4, 2\).*\(3, 1\)"):
        train([Dense(2, 1, seed=0)], mse, mse_prime, np.zeros((4, 2)), np.zeros((3, 1)), epochs=1)


# ---- numpy only ----------------------------------------------------------------------------------------

def test_manual_imports_nothing_but_numpy_and_itself():
    package = Path(glassgrad.manual.__file__).parent
    for source in sorted(package.glob("*.py")):
        for node in ast.walk(ast.parse(source.read_text())):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                if node.level > 0:  # a relative import stays inside glassgrad.manual
                    continue
                names = [node.module]
            else:
                continue
            for name in names:
                root = name.split(".")[0]
                assert root in {"numpy", "__future__", "typing"}, f"{source.name} imports {name}"
