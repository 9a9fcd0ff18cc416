"""One graph model for both engines: what ``explain`` draws, traces and narrates is read from here.

Part IV starts here. ``graph(root)`` walks a computation backwards from its output — a scalar ``Value``
(Part I) or a ``Tensor`` (Part III) — and writes down what the engine recorded, without computing
anything of its own:

- a ``Node`` per operation and per leaf, with its value and gradient, in topological order (inputs
  first, the root last), so node ids ``n0, n1, ...`` are stable for a given graph;
- an ``Edge`` per (input, node) pair, carrying the local derivative ∂node/∂input that the Value stored
  when it was computed (scalar engine), or the name of the backward rule (vector-Jacobian product) that
  will carry the gradient across it (tensor engine).

Tensor graphs keep no intermediate values by default; run the forward pass inside ``record()`` and every
backward node keeps its output and, after ``backward()``, the gradient that reached it. Given a model,
``record(model)`` also notes which module each operation ran in, so a big graph can be folded into one
box per module (scalar MLPs fold into one box per neuron, see ``graph(..., model=mlp)``).

The drawings live next door: layout.py places the boxes, render_svg.py / render_html.py / render.py turn
a ``Graph`` into SVG, HTML, DOT and terminal tables.
"""

from __future__ import annotations

import contextlib
import re
import string
import weakref
from dataclasses import dataclass, field
from operator import attrgetter

import numpy as np

from glassgrad.autograd.function import AccumulateGrad, on_node_created
from glassgrad.graph import topological_order
from glassgrad.scalar import nn as snn
from glassgrad.scalar import value as sv
from glassgrad.scalar.value import Value
from glassgrad.tensor import Tensor

__all__ = ["Node", "Edge", "Graph", "GroupBox", "graph", "record"]


@dataclass
class Node:
    """One box in the picture: a leaf (input or parameter) or the output of one operation."""

    id: str                 # "n0", "n1", ... by position in topological order
    label: str              # the Value's label, a parameter's name, else derived ("a", "tanh", "mul1")
    op: str                 # "" for leaves; scalar: "+", "*", "tanh", "**2"...; tensor: "mul", "mm", "addmm"
    kind: str               # "leaf" | "op"
    value: object           # float (scalar), np.ndarray (tensor), or None if not recorded
    grad: object            # float / np.ndarray, or None when no backward has reached it
    shape: tuple | None     # tensors only
    dtype: str | None       # tensors only
    group: str | None       # module path (tensors) or neuron name (scalar MLPs)
    formula: str            # the op's math, one line, from the op's own docstring
    ref: object = field(default=None, repr=False, compare=False)  # the Value / backward node / leaf tensor


@dataclass
class Edge:
    """``src`` is an input of ``dst``: the forward pass goes src → dst, the gradient comes back."""

    src: str
    dst: str
    index: int                 # position of src among dst's inputs (tensor: its next_functions entry)
    local_grad: float | None   # scalar engine: ∂dst/∂src as the Value recorded it
    rule: str | None           # tensor engine: the backward node's name, e.g. "MulBackward0"
    src_shape: tuple | None
    dst_shape: tuple | None


@dataclass
class GroupBox:
    """A collapsed group in a drawing: one box standing for ``members`` (node ids)."""

    id: str
    label: str
    members: list


class Graph:
    """Nodes in topological order (root last), edges, and whether gradients exist yet.

    The drawings are methods too — ``to_svg()``, ``to_dot()``, ``to_html()``, ``table()``,
    ``steps_table()``, ``str(g)`` and the Jupyter/rich reprs — but they live with their renderers
    (``GRAPH_METHODS`` in render_svg.py, render.py and render_html.py), which build on this module:
    ``explain/__init__.py`` attaches them, as ``ops/__init__.py`` attaches Tensor's methods.
    """

    def __init__(self, engine: str, nodes: list, edges: list, root: str, has_grads: bool,
                 grouped: bool = False) -> None:
        self.engine = engine
        self.nodes = nodes
        self.edges = edges
        self.root = root
        self.has_grads = has_grads
        self.grouped = grouped  # renderers fold groups into single boxes by default
        self.source = None  # the Value / Tensor this graph was read from (set by graph())
        self._by_id = {n.id: n for n in nodes}
        self._in: dict = {n.id: [] for n in nodes}
        self._out: dict = {n.id: [] for n in nodes}
        for e in edges:
            self._in[e.dst].append(e)
            self._out[e.src].append(e)

    # ---- reading ----

    def node(self, id: str) -> Node:
        return self._by_id[id]

    def inputs(self, id: str) -> list:
        """Edges into ``id``, in argument order."""
        return self._in[id]

    def outputs(self, id: str) -> list:
        """Edges out of ``id`` (the nodes that use it)."""
        return self._out[id]

    def groups(self) -> dict:
        """group name -> member ids, in order of first appearance."""
        out: dict = {}
        for n in self.nodes:
            if n.group is not None:
                out.setdefault(n.group, []).append(n.id)
        return out

    def view(self, expanded=None, collapse: bool | None = None):
        """What a drawing shows: ``(items, edges)`` with every collapsed group as one ``GroupBox``.

        ``collapse`` defaults to ``self.grouped``; groups named in ``expanded`` stay open. A group whose
        folding would make the picture cyclic (a module called, left and re-entered) stays open too.
        Edges come back as ``(src, dst, edge_or_None)``: None for edges merged into a group's edge.
        """
        collapse = self.grouped if collapse is None else collapse
        groups = self.groups() if collapse else {}
        expanded = set(expanded or ())
        owner: dict = {}
        boxes = []
        for k, (name, members) in enumerate(groups.items()):
            if name in expanded or len(members) < 2:
                continue
            trial = dict(owner)
            gid = f"g{k}"
            trial.update({m: gid for m in members})
            if _acyclic(self, trial):
                owner = trial
                boxes.append(GroupBox(gid, name, members))
        items = []
        first = {b.members[0]: b for b in boxes}
        for n in self.nodes:  # a group box sits where its first member would
            if n.id in owner:
                if n.id in first:
                    items.append(first[n.id])
                continue
            items.append(n)
        edges, seen = [], set()
        for e in self.edges:
            s, d = owner.get(e.src, e.src), owner.get(e.dst, e.dst)
            if s == d:
                continue  # inside a collapsed group
            if s == e.src and d == e.dst:
                edges.append((s, d, e))
            elif (s, d) not in seen:
                seen.add((s, d))
                edges.append((s, d, None))
        return items, edges

    def __repr__(self) -> str:
        return (f"<Graph engine={self.engine} nodes={len(self.nodes)} edges={len(self.edges)} "
                f"has_grads={self.has_grads}>")

    def to_dict(self) -> dict:
        """JSON-ready: values and gradients as floats or nested lists (NaN/inf stay floats)."""
        return {
            "engine": self.engine, "root": self.root, "has_grads": self.has_grads,
            "grouped": self.grouped,
            "nodes": [{"id": n.id, "label": n.label, "op": n.op, "kind": n.kind,
                       "value": _plain(n.value), "grad": _plain(n.grad),
                       "shape": list(n.shape) if n.shape is not None else None, "dtype": n.dtype,
                       "group": n.group, "formula": n.formula} for n in self.nodes],
            "edges": [{"src": e.src, "dst": e.dst, "index": e.index, "local_grad": e.local_grad,
                       "rule": e.rule,
                       "src_shape": list(e.src_shape) if e.src_shape is not None else None,
                       "dst_shape": list(e.dst_shape) if e.dst_shape is not None else None}
                      for e in self.edges],
        }


def _plain(x):
    if x is None:
        return None
    if isinstance(x, np.ndarray):
        return x.tolist()
    if isinstance(x, np.generic):
        return x.item()
    return float(x)


def _acyclic(g: Graph, owner: dict) -> bool:
    """Is the graph still a DAG once every node in ``owner`` is merged into its group?"""
    succ: dict = {}
    indeg: dict = {}
    for n in g.nodes:
        indeg.setdefault(owner.get(n.id, n.id), 0)
    for e in g.edges:
        s, d = owner.get(e.src, e.src), owner.get(e.dst, e.dst)
        if s != d:
            succ.setdefault(s, []).append(d)
            indeg[d] += 1
    ready = [k for k, v in indeg.items() if v == 0]
    done = 0
    while ready:
        k = ready.pop()
        done += 1
        for d in succ.get(k, ()):
            indeg[d] -= 1
            if indeg[d] == 0:
                ready.append(d)
    return done == len(indeg)


# ---------------------------------------------------------------------------------------------------
# graph(): read either engine


def graph(root, *, group: bool | None = None, max_nodes: int = 60, model=None) -> Graph:
    """The graph that computed ``root`` (a Value, or a Tensor), as the engine recorded it.

    ``group``: fold groups (modules, neurons) into single boxes when drawing. The default, None, folds
    only past ``max_nodes`` nodes. ``model``: a scalar ``MLP``/``Layer``/``Neuron`` names each node's
    neuron ("layer1.neuron0": layer ℓ holds the weights Wℓ, counted from 1; neuron j is row j, from 0); an ``nn.Module`` names leaf tensors by parameter ("0.weight") and puts
    each parameter in its module's group. Tensor ops get their module from ``record(model)``.
    """
    if isinstance(root, Value):
        g = _from_value(root, model)
    elif isinstance(root, Tensor):
        g = _from_tensor(root, model)
    else:
        raise TypeError(f"explain.graph: expected a Value or a Tensor, got {type(root).__name__}")
    g.source = root  # what trace(root) reads
    has_groups = any(n.group is not None for n in g.nodes)
    g.grouped = has_groups and (bool(group) if group is not None else len(g.nodes) > max_nodes)
    return g


# ---- scalar engine ----

_WORDS = {"+": "add", "*": "mul", "-": "sub", "/": "div", "neg": "neg", "ReLU": "relu"}


def _scalar_formula(op: str) -> str:
    """The docstring's first line of the Value method (or function) that makes ``op`` nodes."""
    V = sv.Value
    table = {"+": V.__add__, "*": V.__mul__, "-": V.__sub__, "/": V.__truediv__, "neg": V.__neg__,
             "**": V._pow_value, "ReLU": V.relu, "leaky_relu": V.leaky_relu, "tanh": V.tanh,
             "sigmoid": V.sigmoid, "exp": V.exp, "log": V.log, "sqrt": V.sqrt, "abs": V.abs,
             "dot": sv.dot, "sum": sv.sum_values, "mse": snn.mse, "mae": snn.mae, "hinge": snn.hinge,
             "l2": snn.l2_penalty}
    fn = table.get(op) or (V.__pow__ if op.startswith("**") else None)
    return _first_line(fn.__doc__) if fn is not None else ""


def _first_line(doc) -> str:
    """The docstring's first paragraph as one line: where every op states its math."""
    if not doc or not doc.strip():
        return ""
    paragraph = doc.strip().split("\n\n")[0]
    return " ".join(line.strip() for line in paragraph.splitlines()).rstrip(";").strip()


def _number_label(x: float) -> str:
    return f"{x:g}"


def _from_value(root, model) -> Graph:
    order = topological_order(root, attrgetter("parents"))
    ids = {id(v): f"n{i}" for i, v in enumerate(order)}
    has_grads = root.grad != 0.0  # backward() sets ∂root/∂root = 1; nothing else makes it non-zero
    words = [_WORDS.get(v.op, "pow" if v.op.startswith("**") else v.op) for v in order if v.op]
    counts = {w: words.count(w) for w in set(words)}
    seen: dict = {}
    formulas: dict = {}
    nodes, edges = [], []
    for v in order:
        nid = ids[id(v)]
        if v.op:
            word = _WORDS.get(v.op, "pow" if v.op.startswith("**") else v.op)
            seen[word] = seen.get(word, 0) + 1
            derived = word if counts[word] == 1 else f"{word}{seen[word]}"
            if v.op not in formulas:
                formulas[v.op] = _scalar_formula(v.op)
        else:
            derived = _number_label(v.data)
        nodes.append(Node(nid, v.label or ("out" if v is root and v.parents else derived), v.op, "op" if v.parents else "leaf", v.data,
                          v.grad if has_grads else None, None, None, None,
                          formulas.get(v.op, "") if v.op else "", v))
        for i, (p, local) in enumerate(zip(v.parents, v.local_grads)):
            edges.append(Edge(ids[id(p)], nid, i, float(local), None, None, None))
    g = Graph("scalar", nodes, edges, ids[id(root)], has_grads)
    _neuron_groups(g, order, model)
    return g


_ACT_OPS = {"relu": "ReLU", "tanh": "tanh", "sigmoid": "sigmoid", "leaky_relu": "leaky_relu"}


def _neuron_units(g: Graph, order, model) -> list:
    """(name, parameter Values, bias Value, activation op or None) for every neuron to group by."""
    if model is not None:
        layers = getattr(model, "layers", None)
        if layers is None:
            layers = [model] if hasattr(model, "neurons") else [[model]] if hasattr(model, "w") else None
        if layers is None:
            raise TypeError("explain.graph(model=...): for a Value graph, model must be a scalar MLP, "
                            f"Layer or Neuron (glassgrad.scalar.nn), got {type(model).__name__}")
        units = []
        for li, layer in enumerate(layers):
            neurons = layer.neurons if hasattr(layer, "neurons") else layer
            for j, n in enumerate(neurons):
                units.append((f"layer{li + 1}.neuron{j}", list(n.w) + [n.b], n.b,
                              _ACT_OPS.get(n.activation)))
        return units
    # No model: recognise a Neuron's pattern, dot(w, x) + b, with b a leaf labelled "b".
    units, k = [], 0
    children: dict = {}
    for v in order:
        for p in v.parents:
            children.setdefault(id(p), []).append(v)
    for v in order:
        if v.parents or v.label != "b":
            continue
        for c in children.get(id(v), ()):
            dots = [p for p in c.parents if p.op == "dot"] if c.op == "+" else []
            if dots:
                ws = [p for p in dots[0].parents if not p.parents and p.label.startswith("w")]
                after = children.get(id(c), ())
                act = after[0].op if len(after) == 1 and after[0].op in _ACT_OPS.values() else None
                units.append((f"neuron{k}", ws + [v], v, act))
                k += 1
                break
    return units


def _neuron_groups(g: Graph, order, model) -> None:
    """A node belongs to neuron L.j if it lies between that neuron's parameters and its output."""
    units = _neuron_units(g, order, model)
    if not units:
        return
    node_of = {id(n.ref): n for n in g.nodes}
    children: dict = {}
    for v in order:
        for p in v.parents:
            children.setdefault(id(p), []).append(v)
    for name, params, bias, act in units:
        params = [p for p in params if id(p) in node_of]
        if id(bias) not in node_of:
            continue
        pre = [c for c in children.get(id(bias), ()) if c.op == "+"]
        outs = pre if act is None else [c for p in pre for c in children.get(id(p), ())
                                        if c.op == act and len(c.parents) == 1]
        below = set()  # descendants of the parameters
        stack = list(params)
        while stack:
            v = stack.pop()
            if id(v) not in below:
                below.add(id(v))
                stack.extend(children.get(id(v), ()))
        # walk back from the outputs, staying among the descendants: exactly the nodes in between
        members, stack = set(), [o for o in outs if id(o) in below]
        while stack:
            v = stack.pop()
            if id(v) not in members:
                members.add(id(v))
                stack.extend(p for p in v.parents if id(p) in below)
        for p in params:  # unused parameters still belong to their neuron
            members.add(id(p))
        for m in members:
            n = node_of[m]
            if n.group is None:
                n.group = name


# ---- tensor engine ----


def _op_name(node_name: str) -> str:
    """"MulBackward0" -> "mul", "SumBackward1" -> "sum", "LeakyReluFunctionBackward" -> "leaky_relu"."""
    name = re.sub(r"Backwards?\d*(_copy)?$", "", node_name)
    if name.endswith("Function") and len(name) > len("Function"):
        name = name[: -len("Function")]
    name = re.sub(r"(\d)D", r"\1d", name)  # MaxPool2D -> MaxPool2d, as PyTorch spells the function
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name).lower()


def _letters():
    k = 0
    while True:
        for ch in string.ascii_lowercase:
            yield ch if k == 0 else f"{ch}{k}"
        k += 1


def _from_tensor(root, model) -> Graph:
    params: dict = {}
    if model is not None:
        if not hasattr(model, "named_parameters"):
            raise TypeError("explain.graph(model=...): for a Tensor graph, model must be an nn.Module, "
                            f"got {type(model).__name__}")
        for pname, p in model.named_parameters():
            params[id(p)] = pname
    else:  # the names record(model) saw, for the parameters that are still alive
        params = {key: name for key, (ref, name) in _PARAM_NAMES.items() if ref() is not None}

    if root.grad_fn is None:  # a leaf: one node
        grad = root.grad._array if root.grad is not None else None
        name = params.get(id(root), "a")
        node = Node("n0", name, "", "leaf", root._array, grad, tuple(root._array.shape),
                    root._array.dtype.name, _param_group(name) if id(root) in params else None, "",
                    root)
        return Graph("tensor", [node], [], "n0", grad is not None)

    def kids(n):
        return [c for c, _ in n.next_functions if c is not None]

    order = topological_order(root.grad_fn, kids)
    ids = {n: f"n{i}" for i, n in enumerate(order)}
    ops = [_op_name(n.name()) for n in order if type(n) is not AccumulateGrad]
    counts = {w: ops.count(w) for w in set(ops)}
    seen: dict = {}
    letters = _letters()
    recorded = _recorded(root.grad_fn) is not None
    nodes, edges = [], []
    for n in order:
        nid = ids[n]
        if type(n) is AccumulateGrad:
            t = n.variable
            label = params.get(id(t)) or getattr(t, "name", None) or next(letters)
            group = _param_group(params[id(t)]) if id(t) in params else None
            grad = t.grad._array if t.grad is not None else None
            nodes.append(Node(nid, label, "", "leaf", t._array, grad, tuple(t._array.shape),
                              t._array.dtype.name, group, "", t))
            continue
        op = _op_name(n.name())
        seen[op] = seen.get(op, 0) + 1
        label = op if counts[op] == 1 else f"{op}{seen[op]}"
        if n is root.grad_fn:
            label = "out"  # the output is "out", never named after its op (as trace.py says it)
        kept = _recorded(n)
        if kept is not None:
            value, grad, scope = kept.value, kept.grad, kept.scope
        else:  # not recorded: only the root's value exists (it is the tensor itself)
            value, grad, scope = (root._array if n is root.grad_fn else None), None, None
        nodes.append(Node(nid, label, op, "op", value, grad, tuple(n._shape), n._dtype.name, scope,
                          _first_line(getattr(n.function, "__doc__", "")), n))
        for i, (c, _) in enumerate(n.next_functions):
            if c is not None:
                edges.append(Edge(ids[c], nid, i, None, n.name(), tuple(c._shape), tuple(n._shape)))
    root_id = ids[root.grad_fn]
    if recorded:
        has_grads = nodes[-1].grad is not None
    else:
        has_grads = any(nd.grad is not None for nd in nodes)
    g = Graph("tensor", nodes, edges, root_id, has_grads)
    if not params:  # a leaf joins the module of its users when they all ran in one module
        for nd in g.nodes:
            if nd.kind == "leaf" and nd.group is None:
                scopes = {g.node(e.dst).group for e in g.outputs(nd.id)}
                if len(scopes) == 1 and None not in scopes:
                    nd.group = scopes.pop()
    return g


def _param_group(name: str) -> str | None:
    module = name.rpartition(".")[0]
    return module or None


# ---------------------------------------------------------------------------------------------------
# record(): make a tensor forward pass keep its numbers, through the engine's public hooks


class Recorded:
    """What ``record()`` keeps on one backward node, in ``node.metadata["explain"]``.

    ``value``: the node's output (an array); ``scope``: the innermost module it ran in, or None;
    ``grad``: ∂L/∂output once a backward pass reached the node (an array), else None. The node's
    prehook, ``keep_grad``, fills ``grad`` in: it sees the gradient before the node's backward uses it.
    """

    __slots__ = ("value", "scope", "grad")

    def __init__(self, value, scope) -> None:
        self.value = value
        self.scope = scope
        self.grad = None

    def keep_grad(self, grad_outputs: tuple) -> None:
        """A ``Node.register_prehook`` hook: note the gradient, change nothing."""
        g = grad_outputs[0]
        self.grad = g._array if isinstance(g, Tensor) else g


def _recorded(node) -> Recorded | None:
    return node.metadata.get("explain")


# The modules the forward pass is inside of, innermost last: pushed and popped by the forward hooks that
# record(model) puts on the model's submodules. explain's own state; no engine reads it.
_SCOPE: list = []

# Parameter names ("0.weight") that record(model) saw, so graph(loss) names them without model=:
# id(parameter) -> (weak reference, name). A weak reference, so explain keeps no model alive, and the
# entry leaves with its parameter.
_PARAM_NAMES: dict = {}


def _remember_names(model) -> None:
    for name, p in model.named_parameters():
        key = id(p)
        _PARAM_NAMES[key] = (weakref.ref(p, lambda _, key=key: _PARAM_NAMES.pop(key, None)), name)


def _keep(node, output) -> None:
    """The node-created observer: keep the output's value and scope, and a prehook for the gradient."""
    meta = node.metadata
    if "explain" in meta:  # nested record() blocks: the outer observer got here first
        return
    kept = meta["explain"] = Recorded(output._array, _SCOPE[-1] if _SCOPE else None)
    node.register_prehook(kept.keep_grad)


@contextlib.contextmanager
def record(model=None):
    """Inside this block, every tensor operation keeps its output (and, after backward, its gradient).

    With ``model`` (an ``nn.Module``), each operation also remembers the innermost submodule it ran in
    (its dotted name, as in ``named_modules()``), so ``graph()`` can fold a big graph by module.

    How, with the engine's public surface only: an ``autograd.on_node_created`` observer writes each
    new node's output into ``node.metadata`` and registers a prehook on the node that notes the gradient
    reaching it. Leaving the block removes the observer and the module hooks (the node prehooks stay:
    they only write the node's own metadata), so operations after it keep nothing.
    """
    depth = len(_SCOPE)
    handles = [on_node_created(_keep)]
    try:
        if model is not None and hasattr(model, "named_parameters"):
            _remember_names(model)
        if model is not None and hasattr(model, "named_modules"):
            for name, module in model.named_modules():
                if not name:
                    continue  # the model itself: its own ops belong to no submodule

                def enter(mod, args, _name=name):
                    _SCOPE.append(_name)

                def leave(mod, args, output):
                    if _SCOPE:
                        _SCOPE.pop()

                handles.append(module.register_forward_pre_hook(enter))
                handles.append(module.register_forward_hook(leave))
        yield
    finally:
        del _SCOPE[depth:]  # a forward that raised may have left names behind
        for h in handles:
            h.remove()
