"""A neural network made of Values: Neuron, Layer, MLP, the losses, and one step of gradient descent.

Read this after ``value.py``. A neuron is a weighted sum of its inputs plus a bias, passed through a
nonlinearity; a layer is a list of neurons that see the same inputs; an MLP is layers in a row. Training
is: compute a loss, ``zero_grad()``, ``loss.backward()``, then nudge every parameter against its gradient
(``sgd_step``). That is all of deep learning's loop, at the size of one number.

The call convention is micrograd's: a network takes a list of Values (or numbers) and returns a list of
Values, or the Value itself when there is one output. Seeded the same way (``random.seed(s)`` before
building, no ``seed=``), ``MLP`` draws the very same initial weights as micrograd's.

PyTorch equivalent: ``torch.nn.Linear`` + activation layers in an ``nn.Sequential``, ``nn.MSELoss``,
``nn.L1Loss``, ``nn.HingeEmbeddingLoss``'s cousin (here the SVM max-margin loss), ``torch.optim.SGD``.
"""

from __future__ import annotations

import random

from glassgrad.scalar.value import Value, dot

__all__ = ["Module", "Neuron", "Layer", "MLP", "mse", "mae", "hinge", "l2_penalty", "sgd_step"]

# activation name -> (the Value method that applies it, or None for linear; the name in reprs)
ACTIVATIONS = {
    "relu": (Value.relu, "ReLU"),
    "tanh": (Value.tanh, "Tanh"),
    "sigmoid": (Value.sigmoid, "Sigmoid"),
    "leaky_relu": (Value.leaky_relu, "LeakyReLU"),
    "linear": (None, "Linear"),
}


class Module:
    """Anything with parameters: ``parameters()`` lists them, ``zero_grad()`` resets their gradients."""

    def parameters(self) -> list[Value]:
        return []

    def zero_grad(self) -> None:
        for p in self.parameters():
            p.grad = 0.0


class Neuron(Module):
    """out = activation(Σᵢ wᵢ·xᵢ + b), with wᵢ drawn uniformly from [−1, 1] and b = 0."""

    def __init__(self, nin: int, activation: str = "relu", rng=None):
        if activation not in ACTIVATIONS:
            raise ValueError(f"unknown activation {activation!r}; choose one of {', '.join(ACTIVATIONS)}")
        rng = rng or random  # the random module itself, as micrograd does, unless given a generator
        self.w = [Value(rng.uniform(-1, 1), label=f"w{i}") for i in range(nin)]
        self.b = Value(0.0, label="b")
        self.activation = activation
        self._apply = ACTIVATIONS[activation][0]

    def __call__(self, x):
        # dot: the weighted sum as one node (see value.dot); numbers in x are constants.
        act = dot(self.w, x) + self.b
        return self._apply(act) if self._apply else act

    def parameters(self):
        return self.w + [self.b]

    def __repr__(self):
        return f"{ACTIVATIONS[self.activation][1]}Neuron({len(self.w)})"


class Layer(Module):
    """``nout`` neurons side by side, each seeing all ``nin`` inputs."""

    def __init__(self, nin: int, nout: int, activation: str = "relu", rng=None):
        self.neurons = [Neuron(nin, activation, rng) for _ in range(nout)]

    def __call__(self, x):
        out = [n(x) for n in self.neurons]
        return out[0] if len(out) == 1 else out

    def parameters(self):
        return [p for n in self.neurons for p in n.parameters()]

    def __repr__(self):
        return f"Layer of [{', '.join(str(n) for n in self.neurons)}]"


class MLP(Module):
    """A multi-layer perceptron: ``MLP(2, [16, 16, 1])`` is 2 inputs → 16 → 16 → 1 output.

    Every layer but the last applies ``activation``; the last is linear (its outputs are scores), as in
    micrograd. ``seed`` makes the initial weights reproducible without touching the global ``random``.
    """

    def __init__(self, nin: int, nouts: list[int], activation: str = "relu", seed: int | None = None):
        rng = random.Random(seed) if seed is not None else None
        sizes = [nin] + list(nouts)
        self.layers = [
            Layer(sizes[i], sizes[i + 1], activation if i != len(nouts) - 1 else "linear", rng)
            for i in range(len(nouts))
        ]

    def __call__(self, x):
        for layer in self.layers:
            x = layer(x)
        return x

    def parameters(self):
        return [p for layer in self.layers for p in layer.parameters()]

    def __repr__(self):
        return f"MLP of [{', '.join(str(layer) for layer in self.layers)}]"


# ---- losses: each one node whose derivative is written out, because the derivative is the lesson ----


def _data(x) -> float:
    return x.data if isinstance(x, Value) else float(x)


def _as_lists(preds, targets, name):
    """Accept one prediction and target, or two equally long sequences of them."""
    if not isinstance(preds, (list, tuple)):
        preds, targets = [preds], [targets]
    if len(preds) != len(targets):
        raise ValueError(f"{name}: {len(preds)} predictions but {len(targets)} targets")
    if not preds:
        raise ValueError(f"{name}: no predictions")
    return preds, targets


def _loss_node(total, edges, op) -> Value:
    """A Value with ``total`` as data and one edge per (node, local derivative); numbers are constants."""
    edges = [(x, d) for x, d in edges if isinstance(x, Value)]
    return Value(total, tuple(x for x, _ in edges), tuple(d for _, d in edges), op)


def mse(preds, targets) -> Value:
    """L = (1/n) Σᵢ (pᵢ − tᵢ)²;  ∂L/∂pᵢ = 2(pᵢ − tᵢ)/n,  ∂L/∂tᵢ = −2(pᵢ − tᵢ)/n"""
    preds, targets = _as_lists(preds, targets, "mse")
    n = len(preds)
    total, edges = 0.0, []
    for p, t in zip(preds, targets):
        d = _data(p) - _data(t)
        total += d * d
        edges += [(p, 2.0 * d / n), (t, -2.0 * d / n)]
    return _loss_node(total / n, edges, "mse")


def mae(preds, targets) -> Value:
    """L = (1/n) Σᵢ |pᵢ − tᵢ|;  ∂L/∂pᵢ = sign(pᵢ − tᵢ)/n (0 where equal),  ∂L/∂tᵢ = −sign(pᵢ − tᵢ)/n"""
    preds, targets = _as_lists(preds, targets, "mae")
    n = len(preds)
    total, edges = 0.0, []
    for p, t in zip(preds, targets):
        d = _data(p) - _data(t)
        sign = 1.0 if d > 0.0 else -1.0 if d < 0.0 else 0.0
        total += abs(d)
        edges += [(p, sign / n), (t, -sign / n)]
    return _loss_node(total / n, edges, "mae")


def hinge(scores, labels) -> Value:
    """The SVM max-margin loss, labels ±1:  L = (1/n) Σᵢ max(0, 1 − yᵢ·sᵢ);
    where the margin is violated (1 − yᵢsᵢ > 0): ∂L/∂sᵢ = −yᵢ/n, ∂L/∂yᵢ = −sᵢ/n; elsewhere 0."""
    scores, labels = _as_lists(scores, labels, "hinge")
    n = len(scores)
    total, edges = 0.0, []
    for s, y in zip(scores, labels):
        sd, yd = _data(s), _data(y)
        margin = 1.0 - yd * sd
        active = 1.0 if margin > 0.0 else 0.0  # every score stays an edge, with derivative 0 if inactive
        total += margin * active
        edges += [(s, -active * yd / n), (y, -active * sd / n)]
    return _loss_node(total / n, edges, "hinge")


def l2_penalty(params, alpha: float = 1e-4) -> Value:
    """Weight decay: R = α Σ p²;  ∂R/∂p = 2αp.  Add it to the data loss."""
    params = list(params)
    total = alpha * sum(p.data * p.data for p in params)
    return _loss_node(total, [(p, 2.0 * alpha * p.data) for p in params], "l2")


def sgd_step(params, lr: float) -> None:
    """One step of gradient descent: p ← p − lr·∂L/∂p for every parameter."""
    for p in params:
        p.data -= lr * p.grad
