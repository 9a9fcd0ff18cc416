"""DOT text and terminal tables for a graph, and the plain-text form ``str(graph)`` prints.

Part IV, read after render_svg.py. DOT is for people who have graphviz (``dot -Tpng``): nodes keep the
colour language (value blue, gradient red, local derivative green on the edges) and groups become
clusters. The tables use rich when it is installed (``table()``, ``steps_table()``); ``plain_text`` needs
nothing.
"""

from __future__ import annotations

from dataclasses import asdict, is_dataclass

from glassgrad.explain import style
from glassgrad.explain.graph import Graph
from glassgrad.explain.render_svg import NO_GRADS, summary
from glassgrad.explain.trace import trace

__all__ = ["to_dot", "node_table", "steps_table", "plain_text", "graph_steps"]


# ---- DOT ----


def _html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _quoted(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def to_dot(g: Graph) -> str:
    """Graphviz DOT source: ``dot -Tsvg graph.dot`` draws it (the SVG renderer needs no graphviz)."""
    lines = ["digraph glassgrad {", "  rankdir=LR;",
             '  node [shape=box, style="rounded,filled", fillcolor="white", fontname="monospace", '
             "fontsize=11];",
             '  edge [fontname="monospace", fontsize=9];']
    if not g.has_grads:
        lines.append(f"  labelloc=t; label={_quoted(NO_GRADS)}; fontcolor={_quoted(style.GRAD)};")
    clusters = g.groups()
    in_cluster = {m for members in clusters.values() for m in members}
    for k, (name, members) in enumerate(clusters.items()):
        lines.append(f"  subgraph cluster_{k} {{")
        lines.append(f'    label={_quoted(name)}; style="dashed"; color={_quoted(style.MUTED)};')
        lines += ["    " + _dot_node(g, g.node(m)) for m in members]
        lines.append("  }")
    lines += ["  " + _dot_node(g, n) for n in g.nodes if n.id not in in_cluster]
    for e in g.edges:
        attrs = ""
        if e.local_grad is not None:
            attrs = f" [label={_quoted(style.short(e.local_grad))}, fontcolor={_quoted(style.LOCAL)}]"
        elif e.rule is not None:
            attrs = f" [tooltip={_quoted(e.rule)}]"
        lines.append(f"  {e.src} -> {e.dst}{attrs};")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _dot_node(g: Graph, n) -> str:
    rows = [f"<b>{_html(n.label)}</b>" + (f" {_html(n.op)}" if n.op and n.op != n.label else "")]
    if n.shape is not None:
        rows.append(f'<font color="{style.MUTED}">{_html(str(tuple(n.shape)))} {n.dtype}</font>')
    if n.value is not None:
        rows.append(f'<font color="{style.VALUE}">data {_html(summary(n.value))}</font>')
    if g.has_grads and n.grad is not None:
        rows.append(f'<font color="{style.GRAD}">grad {_html(summary(n.grad))}</font>')
    fill = style.LEAF_FILL if n.kind == "leaf" else style.OP_FILL
    return f'{n.id} [label=<{"<br/>".join(rows)}>, fillcolor={_quoted(fill)}];'


# ---- steps ----


def graph_steps(g: Graph) -> list:
    """The steps of ``g`` as dicts, from ``explain.trace`` (which reads this very graph model)."""
    return [asdict(s) if is_dataclass(s) else dict(s) for s in trace(g)]


# ---- terminal ----


def _cells(g: Graph, n) -> list:
    cells = [n.id, n.label, n.op or "·"]
    if g.engine == "tensor":
        cells += [str(tuple(n.shape)), n.dtype or ""]
    cells.append(summary(n.value) if n.value is not None else "not recorded")
    cells.append(summary(n.grad) if (g.has_grads and n.grad is not None) else "—")
    return cells


def _headers(g: Graph) -> list:
    return ["id", "node", "op"] + (["shape", "dtype"] if g.engine == "tensor" else []) + ["value", "grad"]


def node_table(g: Graph):
    """A rich Table: one row per node, value in blue, gradient in red."""
    from rich.table import Table

    t = Table(title=f"glassgrad graph ({g.engine}, {len(g.nodes)} nodes)",
              caption=None if g.has_grads else NO_GRADS, caption_style=style.GRAD)
    for h in _headers(g):
        t.add_column(h, justify="right" if h in ("value", "grad") else "left",
                     style=style.RICH["value"] if h == "value" else
                     style.RICH["grad"] if h == "grad" else None)
    for n in g.nodes:
        t.add_row(*_cells(g, n))
    return t


def steps_table(g: Graph, steps: list | None = None):
    """A rich Table of the backward steps: ∂L/∂input += ∂L/∂node · local derivative."""
    from rich.table import Table

    steps = graph_steps(g) if steps is None else steps
    t = Table(title="backward steps", caption=None if g.has_grads else NO_GRADS,
              caption_style=style.GRAD)
    for h in ("#", "node", "gets", "step"):
        t.add_column(h)
    k = 0
    for s in steps:
        if s["phase"] != "backward":
            continue
        k += 1
        t.add_row(str(k), g.node(s["node"]).label, g.node(s["target"]).label, s["text"],
                  style=style.RICH["active"] if s.get("accumulates") else None)
    return t


def plain_text(g: Graph) -> str:
    """The node table as aligned plain text (no rich needed): what ``str(graph)`` gives."""
    rows = [_headers(g)] + [_cells(g, n) for n in g.nodes]
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    out = [f"glassgrad graph ({g.engine}, {len(g.nodes)} nodes, {len(g.edges)} edges)"]
    for k, r in enumerate(rows):
        out.append("  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip())
        if k == 0:
            out.append("  ".join("-" * w for w in widths))
    if not g.has_grads:
        out.append(NO_GRADS)
    return "\n".join(out)


# Graph's methods from this file, attached by explain/__init__.py: ``g.to_dot()``, ``g.table()`` (also
# what rich prints for a Graph), ``g.steps_table()`` and ``str(g)``.
GRAPH_METHODS = {"to_dot": to_dot, "table": node_table, "__rich__": node_table,
                 "steps_table": steps_table, "__str__": plain_text}
