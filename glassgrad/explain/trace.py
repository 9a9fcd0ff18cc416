"""The chain rule, narrated: every forward and backward step of a graph, with its numbers.

Part IV, read after ``graph.py`` and ``style.py``. ``trace(root)`` turns the graph model into a list of
``Step`` records:

- forward steps, in topological order, one per operation:  ``c = a · b = 2.0000 · -3.0000 = -6.0000``
- backward steps, in reverse order, one per edge: the upstream gradient times the local derivative —
  written as its formula, then its number — is this edge's *contribution* to the input's gradient:
  ``∂L/∂a = ∂L/∂c · b = 1.5000 · -3.0000 = -4.5000``, ``∂f/∂z = ∂f/∂out · (1 − tanh²(z)) = 0.5000``.
  Where a node feeds several others (fan-out), its gradient is a sum; the second and later
  contributions say ``+=`` and give the running total, so the last one ends at the node's ``grad``.

The output is called by its label, or ``out`` when it has none (never after its operation), and the
quantity differentiated is that name — or ``f`` when the output is ``out``, so the steps read ``∂f/∂x``.

Every number comes from the graph model — values and gradients the engine stored, local derivatives the
Value recorded — so the trace cannot disagree with the engine: it never derives anything of its own.
For tensor graphs (run the forward inside ``explain.record()``), a backward step names the
vector-Jacobian product rule (``MulBackward0``) and the shapes, and its contribution is what that very
rule returns when handed the node's gradient (available while the graph's saved tensors are, i.e. after
``backward(retain_graph=True)``; otherwise an input used once still shows its total).

A ``Step`` is plain data (a dataclass, ``asdict``-able; ``to_dict()`` is JSON-ready) with ``text``
holding its narration; the HTML player and the studio read the same records.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from glassgrad.autograd.function import call_backward
from glassgrad.autograd.grad_mode import no_grad
from glassgrad.explain.graph import Graph
from glassgrad.explain.graph import graph as read_graph
from glassgrad.explain.style import short

__all__ = ["Step", "format_array", "format_number", "steps", "trace"]

SMALL = 12  # tensors with at most this many elements are written out in full; bigger ones summarised


@dataclass
class Step:
    """One step of the narration.

    ``phase``: "forward" or "backward". ``node``: the node whose operation this step applies.
    ``target``: the node whose value (forward) or gradient (backward) changes. ``inputs``: node ids the
    step reads. ``formula``: the step in symbols. ``numbers``: every number in it, by role (forward:
    ``inputs`` {id: value}, ``output``; backward: ``upstream``, ``local`` (scalar) or ``rule``
    (tensor), ``contribution``, ``before``, ``total``). ``result``: the new value or running gradient
    total. ``accumulates``: True when this adds a second (or later) contribution to the target's
    gradient. ``text``: the narration, numbers filled in.
    """

    phase: str
    node: str
    target: str
    inputs: list
    formula: str
    numbers: dict
    result: object
    accumulates: bool = False
    text: str = ""
    index: int = 0
    math: str = ""  # the operation's own math (its docstring's first line), for a caption
    factor: str = ""  # scalar backward steps: the local derivative ∂node/∂target by its formula

    def __str__(self) -> str:
        return self.text

    def to_dict(self) -> dict:
        """``asdict`` with arrays as nested lists: ready for ``json.dumps``."""
        return _plain(asdict(self))


def _plain(x):
    if isinstance(x, dict):
        return {str(k): _plain(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_plain(v) for v in x]
    if isinstance(x, np.ndarray):
        return x.tolist()
    if isinstance(x, np.generic):
        return x.item()
    return x


# ---- numbers in text ----


def format_number(x) -> str:
    """A number or array as the narration writes it (``style.short``; arrays in full when small)."""
    if x is None:
        return "?"
    if isinstance(x, np.ndarray):
        return format_array(x)
    return short(x)


def format_array(a: np.ndarray) -> str:
    """Small arrays in full (``[1.0000, -2.0000]``); big ones as shape and statistics."""
    a = np.asarray(a)
    if a.ndim == 0:
        return short(a.item())
    if a.size <= SMALL:
        return _nested(a.tolist())
    f = a.astype(np.float64, copy=False)
    return (f"tensor{tuple(a.shape)}(mean {short(f.mean())}, min {short(f.min())}, "
            f"max {short(f.max())})")


def _nested(x) -> str:
    if isinstance(x, list):
        return "[" + ", ".join(_nested(v) for v in x) + "]"
    return short(x)


# ---- the steps ----


def trace(root, *, graph=None, max_terms: int = 6) -> list:
    """Every step of the forward and backward pass that computed ``root`` (a Value, a Tensor or a Graph).

    ``graph``: an already built ``Graph`` of ``root`` (else ``explain.graph(root)`` is called).
    ``max_terms``: how many operands a long sum or dot product writes out before "…" (the numbers
    dict always has them all). Backward steps are included once a backward pass has run.
    """
    g = root if isinstance(root, Graph) else graph if graph is not None else read_graph(root)
    out = list(_forward(g, max_terms))
    if g.has_grads:
        out += _backward(g)
    for i, s in enumerate(out):
        s.index = i
    return out


steps = trace  # the name the HTML player and studio use for "the steps of a graph"


OUTPUT = "out"  # what an unlabelled output is called (never after its operation: not "∂tanh/∂tanh")


def _output_label(g) -> str:
    """The root's own label (a Value's ``label``), else ``OUTPUT``: the graph derives op names."""
    root = g.node(g.root)
    own = getattr(root.ref, "label", "") if g.engine == "scalar" else ""
    return own if isinstance(own, str) and own else OUTPUT


def _name(g, nid: str) -> str:
    """The node's label, made unique: a label shared by several nodes (every neuron has a "w0" and a
    "b") gets its group ("layer1.neuron0.w0") or, failing that, its id ("w0_n3")."""
    names = getattr(g, "_trace_names", None)
    if names is None:
        labels = {n.id: n.label for n in g.nodes}
        labels[g.root] = _output_label(g)
        counts: dict = {}
        for label in labels.values():
            counts[label] = counts.get(label, 0) + 1
        names = {}
        for n in g.nodes:
            label = labels[n.id] or n.id
            if counts.get(labels[n.id], 0) > 1:
                label = f"{n.group}.{label}" if n.group else f"{label}_{n.id}"
            names[n.id] = label
        if len(set(names.values())) < len(names):  # groups did not separate them all
            names = {n.id: (f"{labels[n.id]}_{n.id}" if counts.get(labels[n.id], 0) > 1
                            else labels[n.id] or n.id) for n in g.nodes}
        g._trace_names = names
    return names[nid]


def _differentiated(g) -> str:
    """The symbol on top of every ∂: the output's name, or ``f`` for an output called ``out``."""
    name = _name(g, g.root)
    return "f" if name == OUTPUT else name


def _forward(g, max_terms: int):
    for n in g.nodes:
        if n.kind == "leaf":
            continue
        ins = g.inputs(n.id)
        ids = [e.src for e in ins]
        values = {e.src: g.node(e.src).value for e in ins}
        if g.engine == "scalar":
            symbolic, filled = _scalar_forward(g, n, ins, max_terms)
        else:
            args = ", ".join(_name(g, i) for i in ids)
            symbolic = f"{_name(g, n.id)} = {n.op}({args})"
            filled = f"{n.op}({', '.join(format_number(values[i]) for i in ids)})"
            if any(v is None for v in values.values()):
                filled = ""
        numbers = {"inputs": values, "output": n.value}
        if n.value is None:
            text = f"{symbolic}   (value not recorded: run the forward pass inside explain.record())"
        else:
            shape = f"   shape {tuple(n.shape)}" if n.shape is not None else ""
            text = f"{symbolic} = {filled + ' = ' if filled else ''}{format_number(n.value)}{shape}"
        yield Step("forward", n.id, n.id, ids, symbolic, numbers, n.value, False, text, math=n.formula)


_INFIX = {"+": "+", "-": "−", "*": "·", "/": "/"}
_FUNCS = {"tanh": "tanh", "exp": "exp", "log": "log", "sqrt": "sqrt", "abs": "abs", "ReLU": "relu",
          "sigmoid": "σ", "leaky_relu": "leaky_relu"}


def _scalar_forward(g, n, ins, max_terms: int):
    """(symbolic, filled-in) for one scalar op, e.g. ("c = a · b", "2.0000 · -3.0000")."""
    out = _name(g, n.id)
    names = [_name(g, e.src) for e in ins]
    nums = [short(g.node(e.src).value) for e in ins]
    op = n.op
    if op in _INFIX and len(ins) == 2:
        sym = f" {_INFIX[op]} "
        return f"{out} = {sym.join(names)}", sym.join(nums)
    if op == "neg" and len(ins) == 1:
        return f"{out} = −{names[0]}", f"−({nums[0]})"
    if op in _FUNCS and len(ins) == 1:
        f = _FUNCS[op]
        return f"{out} = {f}({names[0]})", f"{f}({nums[0]})"
    if op.startswith("**"):
        if len(ins) == 1:
            exponent = op[2:]
            exponent = exponent.removesuffix(".0")
            return f"{out} = {names[0]} ** {exponent}", f"{nums[0]} ** {exponent}"
        return f"{out} = {names[0]} ** {names[1]}", f"{nums[0]} ** {nums[1]}"
    if op == "dot":
        pairs = _dot_pairs(g, ins, n.value)
        if pairs is not None:
            terms_sym = [f"{a}·{b}" for a, b, _, _, _ in pairs]
            terms_num = [f"{x}·{y}" for _, _, x, y, _ in pairs]
            return (f"{out} = {_ellipsis(terms_sym, ' + ', max_terms)}",
                    _ellipsis(terms_num, " + ", max_terms))
    if op == "sum":
        return f"{out} = {_ellipsis(names, ' + ', max_terms)}", _ellipsis(nums, " + ", max_terms)
    return (f"{out} = {op}({_ellipsis(names, ', ', max_terms)})",
            f"{op}({_ellipsis(nums, ', ', max_terms)})")


def _ellipsis(items: list, sep: str, max_terms: int) -> str:
    if len(items) <= max_terms:
        return sep.join(items)
    return sep.join(items[:max_terms - 1]) + f"{sep}… ({len(items) - max_terms + 1} more)"


def _dot_pairs(g, ins, value):
    """The products of a ``dot`` node, read back from its edges.

    A dot's parents are its Value operands; a plain-number operand is not a parent, and its number is
    the other operand's local derivative. Two Values multiplied together appear as two neighbouring
    edges, each one's local derivative being the other's value. Returns (name, name, num, num, edges)
    per product (``edges``: 2 for two Values, 1 for a Value and a number), or None if the reading does
    not add up to the node's value (then the generic form is used).
    """
    pairs, i = [], 0
    while i < len(ins):
        a = g.node(ins[i].src)
        if i + 1 < len(ins):
            b = g.node(ins[i + 1].src)
            if ins[i].local_grad == b.value and ins[i + 1].local_grad == a.value:
                pairs.append((_name(g, a.id), _name(g, b.id), short(a.value), short(b.value), 2,
                              a.value * b.value))
                i += 2
                continue
        c = ins[i].local_grad
        pairs.append((_name(g, a.id), short(c), short(a.value), short(c), 1, a.value * c))
        i += 1
    total = sum(p[5] for p in pairs)
    if abs(total - value) > 1e-9 * max(1.0, abs(value)):
        return None
    return [p[:5] for p in pairs]


def _backward(g):
    root = g.node(g.root)
    L, out = _differentiated(g), _name(g, root.id)
    seed = root.grad
    yield Step("backward", root.id, root.id, [], f"∂{L}/∂{out} = 1", {"total": seed}, seed, False,
               f"∂{L}/∂{out} = {format_number(seed)}   (backward starts at the output)")
    totals: dict = {}
    counts: dict = {}
    for n in reversed(g.nodes):
        ins = g.inputs(n.id)
        if not ins:
            continue
        if g.engine == "tensor":
            contributions = _tensor_contributions(g, n, ins)
        else:
            factors = _local_factors(g, n, ins)
        for e in ins:
            src = g.node(e.src)
            a, c = _name(g, src.id), _name(g, n.id)
            before = totals.get(e.src)
            k = counts[e.src] = counts.get(e.src, 0) + 1
            accumulates = k > 1
            eq = "+=" if accumulates else "="
            upstream = n.grad
            if g.engine == "scalar":
                local = e.local_grad
                contribution = local * upstream if upstream is not None else None
                factor = factors[e.index]
                symbolic = f"∂{L}/∂{a} {eq} ∂{L}/∂{c} · {factor}"
                filled = f"{short(upstream)} · {short(local)} = {short(contribution)}"
                numbers = {"upstream": upstream, "local": local, "contribution": contribution}
            else:
                factor = ""
                contribution = contributions[e.index]
                if contribution is None and len(g.outputs(e.src)) == 1:
                    contribution = src.grad  # the only contribution is the whole gradient
                symbolic = f"∂{L}/∂{a} {eq} {e.rule}(∂{L}/∂{c})"
                shapes = f"{tuple(e.dst_shape)} → {tuple(e.src_shape)}"
                shown = format_number(contribution) if contribution is not None else "(not kept)"
                filled = f"{shapes}: {shown}"
                numbers = {"upstream": upstream, "rule": e.rule, "contribution": contribution}
            if contribution is None:
                total = None
            elif before is None:
                total = contribution
            else:
                total = before + contribution
            totals[e.src] = total
            numbers["before"] = before
            numbers["total"] = total
            text = f"{symbolic} = {filled}"
            if accumulates:
                text += f"   (running total {format_number(total)})"
            yield Step("backward", n.id, e.src, [n.id], symbolic, numbers, total, accumulates, text,
                       math=n.formula, factor=factor)


# The local derivative ∂c/∂a of each scalar op, as a formula in the names of its inputs (a, b) and
# output (c); ``i`` is the input's position. The same formulas as the Value methods' docstrings.
_FACTORS = {
    "+": lambda a, b, c, i: "1",
    "sum": lambda a, b, c, i: "1",
    "-": lambda a, b, c, i: "1" if i == 0 else "−1",
    "neg": lambda a, b, c, i: "−1",
    "*": lambda a, b, c, i: b if i == 0 else a,
    "/": lambda a, b, c, i: f"1/{b}" if i == 0 else f"−{a}/{b}²",
    "tanh": lambda a, b, c, i: f"1 − tanh²({a})",
    "sigmoid": lambda a, b, c, i: f"σ({a})·(1 − σ({a}))",
    "exp": lambda a, b, c, i: f"exp({a})",
    "log": lambda a, b, c, i: f"1/{a}",
    "sqrt": lambda a, b, c, i: f"1/(2·sqrt({a}))",
    "abs": lambda a, b, c, i: f"sign({a})",
    "ReLU": lambda a, b, c, i: f"1 if {a} > 0 else 0",
    "leaky_relu": lambda a, b, c, i: f"1 if {a} > 0 else slope",
    "**": lambda a, b, c, i: f"{b}·{a}**({b} − 1)" if i == 0 else f"{a}**{b}·ln({a})",
}


def _local_factors(g, n, ins) -> dict:
    """{input index: ∂n/∂input written as a formula} for a scalar node, e.g. "1 − tanh²(add2)" or "w1".

    For a product the factor is the *other* operand; in a ``dot`` the partner read from its edges
    (a plain number where the partner was one). An op without a formula here keeps ``∂c/∂a``.
    """
    c = _name(g, n.id)
    names = [_name(g, e.src) for e in ins]
    a, b = names[0], names[-1]  # the formulas' first and second input (one input: both are it)
    op = n.op
    partners = _dot_partners(g, ins, n.value) if op == "dot" else None
    out = {}
    for k, e in enumerate(ins):
        if op in _FACTORS and (len(ins) <= 2 or op == "sum"):
            factor = _FACTORS[op](a, b, c, e.index)
        elif op.startswith("**") and len(ins) == 1:  # a constant exponent: n·aⁿ⁻¹
            n_text = op[2:].removesuffix(".0")
            lower = f"{float(n_text) - 1:g}"
            factor = f"{n_text}·{a}" if lower == "1" else f"{n_text}·{a}**{lower}"
        elif partners is not None:
            factor = partners[k]
        else:
            factor = f"∂{c}/∂{names[k]}"
        out[e.index] = f"({factor})" if " " in factor else factor
    return out


def _dot_partners(g, ins, value):
    """For each edge of a ``dot`` node, what it was multiplied by: the partner's name, or the number
    (as ``_dot_pairs`` reads them); None when the reading does not add up."""
    pairs = _dot_pairs(g, ins, value)
    if pairs is None:
        return None
    partners = []
    for a, b, _, _, edges in pairs:
        partners += [b, a] if edges == 2 else [b]
    return partners


def _tensor_contributions(g, n, ins) -> dict:
    """{input index: the array n's VJP rule sends there}, asking the engine's own backward.

    ``call_backward`` answers one gradient per argument of the operation's forward; an edge's index
    counts ``next_functions`` entries, and ``input_positions()`` says which argument each entry is.
    Needs the node's saved tensors (a ``backward(retain_graph=True)``); without them, None per input.
    """
    out = {e.index: None for e in ins}
    node = n.ref
    if n.grad is None or node is None or not hasattr(node, "function"):
        return out
    try:
        with no_grad():
            grads = call_backward(node, np.asarray(n.grad), create_graph=False)
    except RuntimeError:  # saved tensors freed by a backward without retain_graph
        return out
    positions = node.input_positions()
    for e in ins:
        gi = grads[positions[e.index]]
        if gi is not None:
            gi = getattr(gi, "_array", gi)
            out[e.index] = np.asarray(gi, dtype=g.node(e.src).value.dtype
                                      if isinstance(g.node(e.src).value, np.ndarray) else None)
    return out


def explain_text(root, **kw) -> str:
    """All steps as text, one per line (what ``glassgrad explain`` prints without rich)."""
    return "\n".join(s.text for s in trace(root, **kw))


__all__.append("explain_text")
