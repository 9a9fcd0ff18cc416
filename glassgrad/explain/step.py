"""One training step of a small network, every number from the input to the weight update.

Part IV, read after ``step_render.py``. ``step(model, x, y, loss_fn, lr)`` runs one step of gradient
descent on a small network and keeps everything a learner needs to redo it by hand:

1. forward, layer by layer: each neuron's weighted sum z = Σᵢ wᵢ·xᵢ + b and its activation a = f(z);
2. the loss L = loss_fn(output, y);
3. backward: ∂L/∂a and ∂L/∂z of every neuron, and ∂L/∂w, ∂L/∂b of every parameter;
4. the update, really performed, as an optimizer does it: w ← w − lr · ∂L/∂w, before and after.

Two kinds of network are read:

- a scalar ``MLP`` (``glassgrad.scalar.nn``, Part I) on one sample (a list of numbers); its numbers come
  from the very Values its neurons computed, and the update is ``sgd_step``;
- an ``nn.Sequential`` of ``Linear`` layers, each optionally followed by one activation (``ReLU``,
  ``Tanh``, ``Sigmoid``, ``LeakyReLU``, ``Identity``), on a batch of Tensors; its numbers come from
  the layers' own outputs and ``.grad``s (``retain_grad`` for ∂L/∂z, ∂L/∂a), and the update is
  ``optim.SGD(model.parameters(), lr).step()``.

The result, a ``TrainingStep``, is plain data; ``to_html()`` draws the network (neurons as circles with
their values and gradients, edges coloured by the weight's sign and as thick as its size) with the
tables, and ``tables()`` gives rich terminal tables — see ``step_render.py``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from glassgrad.creation import tensor
from glassgrad.explain import step_render
from glassgrad.nn import Linear, Sequential
from glassgrad.optim import SGD
from glassgrad.scalar.nn import MLP, sgd_step
from glassgrad.scalar.value import Value
from glassgrad.tensor import Tensor

__all__ = ["LayerStep", "ParamUpdate", "TrainingStep", "step"]


@dataclass
class LayerStep:
    """One layer (a Linear and its activation): arrays, batch first; weights are (out, in) as PyTorch's.

    ``z``: weighted sums; ``a``: activations; ``grad_z``/``grad_a``: ∂L/∂z, ∂L/∂a;
    ``weight``/``bias``: before the update; ``grad_weight``/``grad_bias``: ∂L/∂W, ∂L/∂b;
    ``new_weight``/``new_bias``: after it.
    """

    name: str
    activation: str
    inputs: np.ndarray
    weight: np.ndarray
    bias: np.ndarray
    z: np.ndarray
    a: np.ndarray
    grad_z: np.ndarray | None = None
    grad_a: np.ndarray | None = None
    grad_weight: np.ndarray | None = None
    grad_bias: np.ndarray | None = None
    new_weight: np.ndarray | None = None
    new_bias: np.ndarray | None = None


@dataclass
class ParamUpdate:
    """``after = before − lr · grad`` for one parameter (a float, or an array for a tensor)."""

    name: str
    before: object
    grad: object
    after: object


@dataclass
class TrainingStep:
    """Everything one step did. ``x``/``y``/``output``: batch-first arrays; ``loss``: a float."""

    engine: str
    lr: float
    x: np.ndarray
    y: np.ndarray
    layers: list
    output: np.ndarray
    loss: float
    loss_name: str
    updates: list = field(default_factory=list)
    rule: str = "w ← w − lr · ∂L/∂w"

    def to_html(self, *, full: bool = False, sample: int = 0) -> str:
        return step_render.to_html(self, full=full, sample=sample)

    def _repr_html_(self) -> str:
        return self.to_html()

    def tables(self, sample: int = 0) -> list:
        return step_render.tables(self, sample=sample)

    def __rich__(self):
        from rich.console import Group  # rich is optional: only this method needs it
        return Group(*self.tables())

    def __str__(self) -> str:
        return step_render.to_text(self)


# ---- the step ----


def step(model, x, y, loss_fn, lr: float, *, optimizer=None) -> TrainingStep:
    """Run one training step of ``model`` on ``(x, y)`` and report every number.

    ``loss_fn(output, y)`` returns the loss (a Value, or a one-element Tensor). ``lr``: the learning
    rate of the plain gradient-descent update. ``optimizer`` (tensor models only): step with it
    instead (the report then shows its before/after, whatever its rule). The model IS updated.
    """
    if not isinstance(lr, (int, float)) or isinstance(lr, bool) or not lr >= 0:
        raise ValueError(f"step: lr must be a non-negative number, got {lr!r}")
    if isinstance(model, MLP):
        if optimizer is not None:
            raise ValueError("step: a scalar MLP is updated by sgd_step; optimizer= is for nn models")
        return _scalar_step(model, x, y, loss_fn, float(lr))
    if isinstance(model, Sequential):
        return _tensor_step(model, x, y, loss_fn, float(lr), optimizer)
    raise TypeError("step: model must be a glassgrad.scalar.nn.MLP or an nn.Sequential of Linear and "
                    f"activation layers, got {type(model).__name__}")


_SCALAR_ACT = {"relu": "relu", "tanh": "tanh", "sigmoid": "sigmoid", "leaky_relu": "leaky_relu",
               "linear": "linear"}


def _scalar_step(model, x, y, loss_fn, lr: float) -> TrainingStep:
    sample = [v.data if isinstance(v, Value) else float(v) for v in x]
    if len(sample) != len(model.layers[0].neurons[0].w):
        raise ValueError(f"step: the MLP takes {len(model.layers[0].neurons[0].w)} inputs, "
                         f"x has {len(sample)} (one sample: a list of numbers)")
    h: list = list(sample)
    per_layer = []  # (layer, inputs, z Values, a Values)
    for layer in model.layers:
        zs, acts = [], []
        for neuron in layer.neurons:
            a = neuron(h)  # the neuron's own forward; z is read back from its graph
            z = a.parents[0] if neuron._apply is not None else a
            zs.append(z)
            acts.append(a)
        per_layer.append((layer, h, zs, acts))
        h = acts
    out = h if len(h) > 1 else h[0]
    loss = loss_fn(out, y)
    if not isinstance(loss, Value):
        raise TypeError(f"step: loss_fn must return a Value, got {type(loss).__name__}")
    model.zero_grad()
    loss.backward()
    params = model.parameters()
    before = [p.data for p in params]
    sgd_step(params, lr)  # Part I's update, exactly what training does

    layers, updates = [], []
    for li, (layer, inputs, zs, acts) in enumerate(per_layer):
        neurons = layer.neurons
        W = np.array([[w.data for w in n.w] for n in neurons])  # already updated: the "after" values
        layers.append(LayerStep(
            f"layer{li + 1}", _SCALAR_ACT[neurons[0].activation],
            np.array([[v.data if isinstance(v, Value) else float(v) for v in inputs]]),
            np.zeros_like(W), np.zeros(len(neurons)),
            np.array([[z.data for z in zs]]), np.array([[a.data for a in acts]]),
            np.array([[z.grad for z in zs]]), np.array([[a.grad for a in acts]]),
            np.array([[w.grad for w in n.w] for n in neurons]), np.array([n.b.grad for n in neurons]),
            W, np.array([n.b.data for n in neurons])))
        for j, n in enumerate(neurons):
            for i, w in enumerate(n.w):
                updates.append(ParamUpdate(f"layer{li + 1}.neuron{j}.w{i}", None, w.grad, w.data))
            updates.append(ParamUpdate(f"layer{li + 1}.neuron{j}.b", None, n.b.grad, n.b.data))
    for u, b in zip(updates, before):  # parameters() lists them in this same order
        u.before = b
    _fill_before(layers, updates)  # the weights the forward pass used
    targets = np.atleast_1d(np.array([t.data if isinstance(t, Value) else float(t)
                                      for t in (y if isinstance(y, (list, tuple)) else [y])]))
    return TrainingStep("scalar", lr, np.array([sample]), targets[None, :],
                        layers, np.array([[a.data for a in (h if isinstance(h, list) else [h])]]),
                        loss.data, getattr(loss_fn, "__name__", "loss"), updates)


def _fill_before(layers, updates) -> None:
    """Copy the scalar parameters' before-values into each layer's weight/bias arrays."""
    by_name = {u.name: u.before for u in updates}
    for li, lay in enumerate(layers):
        nout, nin = lay.new_weight.shape
        lay.weight = np.array([[by_name[f"{lay.name}.neuron{j}.w{i}"] for i in range(nin)]
                               for j in range(nout)])
        lay.bias = np.array([by_name[f"{lay.name}.neuron{j}.b"] for j in range(nout)])


# ---- tensors ----

_TENSOR_ACT = {"ReLU": "relu", "Tanh": "tanh", "Sigmoid": "sigmoid", "LeakyReLU": "leaky_relu",
               "Identity": "linear"}


def _blocks(model) -> list:
    """[(name, Linear, activation module or None)] from a Sequential, or a clear error."""
    mods = list(model.named_children())
    blocks, i = [], 0
    while i < len(mods):
        name, m = mods[i]
        if not isinstance(m, Linear):
            raise TypeError(f"step: expected a Linear layer at position {name} of the Sequential, got "
                            f"{type(m).__name__} (supported: Linear, each optionally followed by one of "
                            f"{', '.join(_TENSOR_ACT)})")
        act = None
        if i + 1 < len(mods) and type(mods[i + 1][1]).__name__ in _TENSOR_ACT:
            act = mods[i + 1][1]
            i += 1
        blocks.append((name, m, act))
        i += 1
    if not blocks:
        raise TypeError("step: the Sequential has no layers")
    return blocks


def _tensor_step(model, x, y, loss_fn, lr: float, optimizer) -> TrainingStep:
    if not isinstance(x, Tensor):
        x = tensor(np.asarray(x, dtype=np.float32))
    if x.dim() == 1:
        x = x.unsqueeze(0)
    blocks = _blocks(model)
    h = x
    kept = []  # (name, linear, act, input, z, a)
    for name, linear, act in blocks:
        z = linear(h)
        a = act(z) if act is not None else z
        if z.requires_grad:
            z.retain_grad()
        if a is not z and a.requires_grad:
            a.retain_grad()
        kept.append((name, linear, act, h, z, a))
        h = a
    loss = loss_fn(h, y)
    if not isinstance(loss, Tensor) or loss.numel() != 1:
        raise TypeError("step: loss_fn must return a one-element Tensor")
    before = {n: p._array.copy() for n, p in model.named_parameters()}
    model.zero_grad()
    loss.backward()
    grads = {n: (p.grad._array.copy() if p.grad is not None else np.zeros_like(p._array))
             for n, p in model.named_parameters()}
    opt = optimizer if optimizer is not None else SGD(model.parameters(), lr=lr)
    opt.step()
    after = {n: p._array.copy() for n, p in model.named_parameters()}

    layers = []
    for name, linear, act, inp, z, a in kept:
        w, b = f"{name}.weight", f"{name}.bias"
        nout = linear.out_features
        layers.append(LayerStep(
            name, _TENSOR_ACT[type(act).__name__] if act is not None else "linear",
            inp._array.copy(), before[w], before[b] if b in before else np.zeros(nout),
            z._array.copy(), a._array.copy(),
            z.grad._array.copy() if z.grad is not None else None,
            a.grad._array.copy() if a.grad is not None else None,
            grads[w], grads[b] if b in grads else np.zeros(nout),
            after[w], after[b] if b in after else np.zeros(nout)))
    updates = [ParamUpdate(n, before[n], grads[n], after[n]) for n in before]
    rule = "w ← w − lr · ∂L/∂w" if optimizer is None else f"{type(optimizer).__name__}.step()"
    y_arr = y._array if isinstance(y, Tensor) else np.asarray(y)
    return TrainingStep("tensor", lr, x._array.copy(), np.array(y_arr, copy=True), layers,
                        h._array.copy(), float(loss._array.reshape(())),
                        _loss_name(loss_fn), updates, rule)


def _loss_name(loss_fn) -> str:
    return getattr(loss_fn, "__name__", None) or type(loss_fn).__name__
