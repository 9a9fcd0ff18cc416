"""The step view: one sample through the network, every number, in Part I's scalar engine.

The studio trains with tensors (Part III), where a layer is one matrix product and the numbers of a single
neuron are out of sight. To show them, this module copies the network's current weights into a scalar
``MLP`` (``glassgrad.scalar``, Part I) and runs ONE sample through it: forward, the loss, ``backward()``,
and the update the session's own optimizer would make with that gradient. For that last step a copy of the
optimizer (the same class, its state loaded from ``state_dict()``: momentum buffers, Adam's moments and
step count) is handed copies of the parameters and the sample's gradients, and steps; the update shown is
before − after, so SGD with momentum, Adam and RMSprop show what they really do, not ``lr·∂L/∂w``.

Names: layer ℓ is the layer whose weights are ``Wℓ`` and bias ``bℓ`` (1-based, the output layer last);
its neuron j is row j of ``Wℓ`` (0-based, as PyTorch indexes ``weight[j, i]``). So ``layer1.neuron0``
owns ``W1[0, :]`` and ``b1[0]``; ``glassgrad.explain`` names a scalar MLP's neurons the same way. ``glassgrad.explain`` reads the Value graph: ``explain.trace`` narrates it step by step, and ``explain.graph(...).to_svg()`` draws a neuron
opened into its operations. Nothing here computes a derivative of its own; it reads what ``backward()``
left on the Values.

Read this after ``trainer.py`` (it reads a ``Run``'s weights under its ``ENGINE_LOCK``) and ``sessions.py``;
``app.py`` serves it.
"""

from __future__ import annotations


import numpy as np

import glassgrad
from glassgrad import explain, nn
from glassgrad.explain import style
from glassgrad.scalar import MLP, Value, hinge, l2_penalty, mae, mse, sum_values
from glassgrad.studio.trainer import ENGINE_LOCK

__all__ = ["Sample", "sample_step", "neuron_svg", "unit_name"]

MAX_STEPS = 4000  # a 6 × 8 network has about 1,500 chain-rule steps; this only guards the message size
UPDATE_RULES = {
    "sgd": "w ← w − lr·∂L/∂w",
    "momentum": "v ← 0.9·v + ∂L/∂w;  w ← w − lr·v",
    "adam": "m ← β₁m + (1−β₁)g;  v ← β₂v + (1−β₂)g²;  w ← w − lr·m̂/(√v̂ + ε)",
    "rmsprop": "v ← αv + (1−α)g²;  w ← w − lr·g/(√v + ε)",
}


def unit_name(layer: int, neuron: int) -> str:
    """A neuron's name; ``layer`` 1-based (the layer of ``W{layer}``), ``neuron`` 0-based (its row)."""
    return f"layer{layer}.neuron{neuron}"



class Sample:
    """The scalar copy of a network, with one sample's forward and backward pass done."""

    def __init__(self, run, split: str, index: int):
        with ENGINE_LOCK:  # the worker updates the weights in place: copy them in one piece
            weights, biases = run.weights(exact=True)
            x = [float(v) for v in run.inputs[index if split == "train" else run.n_train + index]]
            target = run.y[index if split == "train" else run.n_train + index]
            config = dict(run.config)
            self._optimizer_copy(run)
        self.split, self.index, self.config = split, index, config
        self.kind, self.classes = run.kind, run.classes
        self.lr = config["lr"]
        sizes = [len(x)] + list(config["hidden"]) + [len(weights[-1])]
        self.mlp = MLP(sizes[0], sizes[1:], activation=config["activation"], seed=0)
        for li, (layer, W, b) in enumerate(zip(self.mlp.layers, weights, biases)):
            for j, neuron in enumerate(layer.neurons):
                for i, w in enumerate(neuron.w):
                    w.data, w.label = W[j][i], f"W{li + 1}[{j},{i}]"
                neuron.b.data, neuron.b.label = b[j], f"b{li + 1}[{j}]"
        self.inputs = [Value(v, label=name) for v, name in zip(x, config["features"])]
        self.target = float(target)
        # forward, one neuron at a time (so each neuron's pre-activation z and output a can be shown)
        self.units = []  # (name, layer index, neuron index, neuron, z, a)
        h = self.inputs
        for li, layer in enumerate(self.mlp.layers):
            outs = []
            for j, neuron in enumerate(layer.neurons):
                a = neuron(h)
                z = a if a.op == "+" else a.parents[0]  # dot(w, x) + b, then the activation, if any
                self.units.append((unit_name(li + 1, j), li, j, neuron, z, a))
                outs.append(a)
            h = outs
        self.scores = h
        self.data_loss = self._loss(h)
        self.data_loss.label = "data loss"
        penalty = self._penalty()
        self.loss = self.data_loss + penalty if penalty is not None else self.data_loss
        self.loss.label = "L"
        self.loss.backward()
        self.after = self._real_update()

    def _optimizer_copy(self, run):
        """A copy of the run's optimizer over float64 copies of its parameters (call under ENGINE_LOCK)."""
        self.params = [nn.Parameter(glassgrad.tensor(p._array.astype(np.float64)))
                       for p in run.model.parameters()]
        self.optimizer = type(run.optimizer)(self.params, lr=run.config["lr"])
        self.optimizer.load_state_dict(run.optimizer.state_dict())  # copies the state, casts it

    def _real_update(self) -> dict:
        """Each parameter Value -> its value after the copied optimizer's step with this sample's gradient."""
        scalars = []  # in model.parameters() order: each Linear's weight (row by row), then its bias
        for layer in self.mlp.layers:
            scalars.append([[w for w in n.w] for n in layer.neurons])
            scalars.append([n.b for n in layer.neurons])
        with ENGINE_LOCK:
            for p, values in zip(self.params, scalars):
                grad = np.array([[v.grad for v in row] for row in values] if isinstance(values[0], list)
                                else [v.grad for v in values], dtype=np.float64)
                p.grad = glassgrad.tensor(grad)
            self.optimizer.step()
        after = {}
        for p, values in zip(self.params, scalars):
            flat = [v for row in values for v in row] if isinstance(values[0], list) else values
            for v, new in zip(flat, p._array.ravel().tolist()):
                after[id(v)] = new
        return after

    def _loss(self, s):
        """The same loss the tensor training uses, for one sample, as Value operations."""
        loss = self.config["loss"]
        if self.kind == "regression":
            return (mse if loss == "mse" else mae)(s[0], Value(self.target, label="y"))
        if self.kind == "multiclass":
            k = int(self.target)
            if loss == "cross_entropy":  # log Σ exp(s_i − m) + m − s_y, m = max s (a constant: it cancels)
                m = Value(max(v.data for v in s), label="max s")
                return sum_values([(v - m).exp() for v in s]).log() + m - s[k]
            return mse(s, [1.0 if i == k else 0.0 for i in range(len(s))])  # one-hot targets
        if loss == "cross_entropy":  # BCE with logits, stable: max(s, 0) − s·y + log(1 + e^−|s|)
            y, one = Value(self.target, label="y"), Value(1.0, label="1")
            return s[0].relu() - s[0] * y + ((-s[0].abs()).exp() + one).log()
        t = Value(2 * self.target - 1, label="y±1")  # targets −1/+1
        return mse(s[0], t) if loss == "mse" else hinge(s[0], t)

    def _penalty(self):
        c = self.config
        if c["regularization"] == "none" or c["reg_rate"] == 0:
            return None
        weights = [w for layer in self.mlp.layers for n in layer.neurons for w in n.w]
        if c["regularization"] == "l2":
            return l2_penalty(weights, c["reg_rate"])
        # R = α Σ|w|;  ∂R/∂w = α·sign(w): one node, as l2_penalty is
        total = c["reg_rate"] * sum(abs(w.data) for w in weights)
        signs = [c["reg_rate"] * (1.0 if w.data > 0 else -1.0 if w.data < 0 else 0.0) for w in weights]
        return Value(total, tuple(weights), tuple(signs), "l1")

    # ---- what the page gets ----

    def graph(self):
        return explain.graph(self.loss, model=self.mlp)

    def to_dict(self) -> dict:
        g = self.graph()
        unit_of = {n.id: (n.group if n.group else ("input" if n.ref in self.inputs else "loss"))
                   for n in g.nodes}
        steps = self._steps(g, unit_of)
        units = []
        for name, li, j, neuron, z, a in self.units:
            units.append({
                "id": name, "layer": li, "index": j,
                "z": z.data, "a": a.data, "grad_z": z.grad, "grad_a": a.grad,
                "params": [self._param(p) for p in list(neuron.w) + [neuron.b]],
            })
        return {
            "split": self.split, "index": self.index, "lr": self.lr,
            "optimizer": self.config["optimizer"], "update_rule": UPDATE_RULES[self.config["optimizer"]],
            "features": list(self.config["features"]),
            "x": [v.data for v in self.inputs],
            "x_grad": [v.grad for v in self.inputs],
            "target": self.target,
            "loss": self.loss.data, "data_loss": self.data_loss.data,
            "units": units,
            "steps": steps[:MAX_STEPS],
            "truncated": len(steps) > MAX_STEPS,
            "colors": {"value": style.VALUE, "grad": style.GRAD, "local": style.LOCAL,
                       "active": style.ACTIVE, "leaf": style.LEAF_FILL},
        }

    def _steps(self, g, unit_of) -> list[dict]:
        """explain.trace's forward and backward steps (with the neuron each belongs to), then the update."""
        trace = getattr(explain, "trace", None)
        out = []
        if trace is not None:
            for st in trace(self.loss, graph=g):
                node = st.target or st.node
                phase = st.phase
                unit = unit_of.get(node, "loss")
                if phase == "forward" and unit == "loss":
                    phase = "loss"
                out.append({"phase": phase, "unit": unit, "node": node, "text": st.text or str(st),
                            "formula": st.math or st.formula or ""})
        else:  # explain.trace not available: the same two sweeps read straight from the graph model
            out = _plain_trace(g, unit_of)
        for name, li, j, neuron, z, a in self.units:
            for p in list(neuron.w) + [neuron.b]:
                after = self.after[id(p)]
                if self.config["optimizer"] == "sgd":
                    how = f"{self.lr:g} · {style.short(p.grad)}"
                else:
                    how = f"{style.short(p.data - after)}  ({self.config['optimizer']}'s step for ∂L/∂w = {style.short(p.grad)})"
                out.append({"phase": "update", "unit": name, "node": p.label,
                            "formula": UPDATE_RULES[self.config["optimizer"]],
                            "text": f"{p.label} ← {style.short(p.data)} − {how} = {style.short(after)}"})
        return out

    def _param(self, p):
        after = self.after[id(p)]
        return {"name": p.label, "value": p.data, "grad": p.grad, "update": p.data - after, "after": after}


def _label(n):
    return n.label


def _plain_trace(g, unit_of) -> list[dict]:
    s = style.short
    steps = []
    for n in g.nodes:
        if n.kind != "op":
            continue
        args = ", ".join(s(g.node(e.src).value) for e in g.inputs(n.id))
        phase = "loss" if unit_of[n.id] == "loss" else "forward"
        steps.append({"phase": phase, "unit": unit_of[n.id], "node": n.id, "formula": n.formula,
                      "text": f"{_label(n)} = {n.op}({args}) = {s(n.value)}"})
    seen = set()
    for n in reversed(g.nodes):
        for e in g.inputs(n.id):
            src = g.node(e.src)
            if src.label in ("",) or e.local_grad is None:
                continue
            contribution = e.local_grad * n.grad
            sign = "+=" if src.id in seen else "="
            seen.add(src.id)
            steps.append({"phase": "backward", "unit": unit_of[src.id], "node": src.id,
                          "formula": "∂L/∂in += ∂L/∂out · ∂out/∂in",
                          "text": f"∂L/∂{src.label} {sign} ∂L/∂{n.label} · ∂{n.label}/∂{src.label} = "
                                  f"{s(n.grad)} · {s(e.local_grad)} = {s(contribution)}"})
    return steps


def sample_step(run, split: str, index: int) -> dict:
    return Sample(run, split, index).to_dict()


def neuron_svg(run, split: str, index: int, unit: str) -> str:
    """The network's graph for one sample with every neuron folded but ``unit``, which is drawn open."""
    sample = Sample(run, split, index)
    names = {u[0] for u in sample.units}
    if unit not in names:
        raise KeyError(unit)
    return sample.graph().to_svg(collapse=True, expanded=[unit], frame=unit)
