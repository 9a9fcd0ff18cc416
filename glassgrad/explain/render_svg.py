"""The graph as SVG: one box per node (value in blue, gradient in red), local derivatives in green.

Part IV, read after layout.py. Every box carries the engine's numbers as attributes, so a test, a
script or the HTML player can read them back exactly:

- node ``<g>``: ``data-id``, ``data-label``, ``data-op``, ``data-kind``, ``data-value`` and ``data-grad``
  (``repr`` of the float for scalars, so ``float(attr)`` is the engine's number bit for bit; for tensors
  the numbers as a JSON list when there are at most 16, else a summary; ``data-shape``/``data-dtype``);
- edge ``<g>``: ``data-src``, ``data-dst``, ``data-index``, and ``data-local-grad`` (scalar engine) or
  ``data-rule`` (tensor engine);
- a collapsed group: ``data-group``, ``data-count`` and ``data-members``.

Before ``backward()`` the drawing says "no gradients yet: call backward()" rather than drawing zeros.
"""

from __future__ import annotations

import json
import math
from xml.sax.saxutils import escape, quoteattr

import numpy as np

from glassgrad.explain import style
from glassgrad.explain.graph import Graph, GroupBox
from glassgrad.explain.layout import layered_layout

__all__ = ["to_svg", "NO_GRADS", "value_attr", "summary"]

NO_GRADS = "no gradients yet: call backward()"
_MAX_LISTED = 16  # tensors up to this many numbers list them all in data-value


def value_attr(x) -> str:
    """The exact numbers for a ``data-*`` attribute ("" when there are none)."""
    if x is None:
        return ""
    if isinstance(x, np.ndarray):
        if x.size <= _MAX_LISTED:
            return json.dumps(_finite_list(x.tolist()))
        return f"shape={list(x.shape)} " + summary(x)
    return style.exact(x)


def _finite_list(v):
    if isinstance(v, list):
        return [_finite_list(u) for u in v]
    if isinstance(v, float) and not math.isfinite(v):
        return repr(v)
    return v


def summary(x) -> str:
    """A few characters that describe a value: the number, a short list, or mean and range."""
    if x is None:
        return ""
    if not isinstance(x, np.ndarray):
        return style.short(x)
    if x.size == 1:
        return style.short(x.reshape(()).item())
    if x.size <= 3 and x.ndim == 1:
        return "[" + ", ".join(f"{v:.4g}" for v in x.tolist()) + "]"
    if x.size == 0:
        return "[]"
    if x.dtype.kind == "b":
        return f"{int(x.sum())} of {x.size} true"
    flat = x.astype(np.float64, copy=False)
    return f"μ {flat.mean():.3g} [{flat.min():.3g}, {flat.max():.3g}]"


def _clip(text: str, n: int) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


_CSS = f"""
.gg-node rect {{ stroke: {style.EDGE}; stroke-width: 1.2; }}
.gg-node.leaf rect {{ fill: {style.LEAF_FILL}; }}
.gg-node.op rect {{ fill: {style.OP_FILL}; }}
.gg-group rect {{ fill: {style.GROUP_FILL}; stroke: {style.EDGE}; stroke-dasharray: 5 3; }}
.gg-label {{ fill: {style.TEXT}; font-weight: 600; }}
.gg-op {{ fill: {style.MUTED}; }}
.gg-val {{ fill: {style.VALUE}; }}
.gg-grad {{ fill: {style.GRAD}; }}
.gg-meta {{ fill: {style.MUTED}; }}
.gg-edge path {{ fill: none; stroke: {style.EDGE}; stroke-width: 1.3; }}
.gg-local {{ fill: {style.LOCAL}; font-size: 10px; paint-order: stroke; stroke: #fff; stroke-width: 3px; }}
.gg-note {{ fill: {style.GRAD}; font-style: italic; }}
.gg-frame {{ fill: none; stroke: {style.MUTED}; stroke-dasharray: 4 3; }}
"""


def to_svg(g: Graph, *, collapse: bool | None = None, expanded=None, direction: str = "LR",
           id_prefix: str = "gg", frame: str | None = None) -> str:
    """The graph as a standalone SVG document (a string).

    ``collapse``/``expanded``: fold groups into boxes (default: ``g.grouped``) except those expanded.
    ``direction``: "LR" (inputs left) or "TB" (inputs on top). ``frame``: a group name to outline.
    """
    items, vedges = g.view(expanded=expanded, collapse=collapse)
    tensor = g.engine == "tensor"
    w, h = (240.0, 80.0) if tensor else (150.0, 62.0)
    note = not g.has_grads
    top = (26.0 if note else 0.0) + (22.0 if frame is not None else 0.0)
    lay = layered_layout([it.id for it in items], [(s, d) for s, d, _ in vedges], size=(w, h),
                         direction=direction, top=top, layer_gap=80.0 if not tensor else 70.0)
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{lay.width:.0f}" height="{lay.height:.0f}" '
           f'viewBox="0 0 {lay.width:.0f} {lay.height:.0f}" font-family="ui-monospace, Menlo, Consolas, '
           f'monospace" font-size="12" data-engine="{g.engine}" data-has-grads="{str(g.has_grads).lower()}">',
           f"<style>{_CSS}</style>",
           f'<defs><marker id="{id_prefix}-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="8" '
           f'markerHeight="8" markerUnits="userSpaceOnUse" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" '
           f'fill="{style.EDGE}"/></marker></defs>']
    if note:
        out.append(f'<text class="gg-note" x="16" y="18">{NO_GRADS}</text>')
    if frame is not None:
        out.append(_frame(g, lay, frame))
    out.append('<g class="gg-edges">')
    for (s, d, e), (_, _, pts) in zip(vedges, lay.edges):
        out.append(_edge(s, d, e, pts, id_prefix, direction))
    out.append("</g>")
    out.append('<g class="gg-nodes">')
    for it in items:
        box = lay.boxes[it.id]
        if isinstance(it, GroupBox):
            out.append(_group(it, box))
        else:
            out.append(_node(g, it, box, tensor))
    out.append("</g></svg>")
    return "\n".join(out)


def _path(pts, direction: str) -> str:
    """A smooth curve through the points, leaving and entering along the flow direction."""
    (x0, y0), rest = pts[0], pts[1:]
    d = [f"M{x0:.1f},{y0:.1f}"]
    px, py = x0, y0
    for x, y in rest:
        if direction == "LR":
            mx = (px + x) / 2.0
            d.append(f"C{mx:.1f},{py:.1f} {mx:.1f},{y:.1f} {x:.1f},{y:.1f}")
        else:
            my = (py + y) / 2.0
            d.append(f"C{px:.1f},{my:.1f} {x:.1f},{my:.1f} {x:.1f},{y:.1f}")
        px, py = x, y
    return " ".join(d)


def _edge(s, d, e, pts, id_prefix: str, direction: str) -> str:
    attrs = f'data-src="{s}" data-dst="{d}"'
    label = ""
    if e is not None:
        attrs += f' data-index="{e.index}"'
        if e.local_grad is not None:
            attrs += f' data-local-grad="{style.exact(e.local_grad)}"'
            (ax, ay), (bx, by) = pts[-2], pts[-1]
            lx, ly = ax + 0.55 * (bx - ax), ay + 0.55 * (by - ay) - 4.0
            label = (f'<text class="gg-local" x="{lx:.1f}" y="{ly:.1f}" text-anchor="middle">'
                     f"{escape(style.short(e.local_grad))}</text>")
        if e.rule is not None:
            attrs += f" data-rule={quoteattr(e.rule)}"
    return (f'<g class="gg-edge" {attrs}><path d="{_path(pts, direction)}" '
            f'marker-end="url(#{id_prefix}-arrow)"/>{label}</g>')


def _texts(x: float, y: float, w: float, lines) -> str:
    out = []
    for k, (cls, text) in enumerate(lines):
        out.append(f'<text class="{cls}" x="{x + 8:.1f}" y="{y + 17 + 15 * k:.1f}">{text}</text>')
    return "".join(out)


def _num(value_text: str) -> str:
    """A number inside a line, in its own tspan so the player can hide it until its step."""
    return f'<tspan class="gg-num" data-text={quoteattr(value_text)}>{escape(value_text)}</tspan>'


def _node(g: Graph, n, box, tensor: bool) -> str:
    chars = int((box.w - 14) / 7.3)  # monospace 12px: about 7.2px a character
    head = escape(_clip(n.label + (f"  {n.op}" if n.op and n.op != n.label else ""), chars))
    lines = [("gg-label", head)]
    if tensor:
        shape = "(" + ", ".join(str(s) for s in n.shape) + (",)" if len(n.shape) == 1 else ")")
        lines.append(("gg-meta", escape(f"{shape} {n.dtype}")))
    val = summary(n.value) if n.value is not None else "not recorded"
    lines.append(("gg-val", "data " + _num(val)))
    if g.has_grads:
        grad = summary(n.grad) if n.grad is not None else "—"
        lines.append(("gg-grad", "grad " + _num(grad)))
    attrs = (f'data-id="{n.id}" data-label={quoteattr(n.label)} data-op={quoteattr(n.op)} '
             f'data-kind="{n.kind}" data-value={quoteattr(value_attr(n.value))} '
             f"data-grad={quoteattr(value_attr(n.grad) if g.has_grads else '')}")
    if tensor:
        attrs += f' data-shape="{",".join(str(s) for s in n.shape)}" data-dtype="{n.dtype}"'
    if n.group is not None:
        attrs += f" data-group={quoteattr(n.group)}"
    tip = escape(n.label + (f" = {n.op}(…)" if n.op else "") + (f"\n{n.formula}" if n.formula else ""))
    return (f'<g class="gg-node {n.kind}" {attrs}><title>{tip}</title>'
            f'<rect x="{box.x:.1f}" y="{box.y:.1f}" width="{box.w:.0f}" height="{box.h:.0f}" rx="7"/>'
            f"{_texts(box.x, box.y, box.w, lines)}</g>")


def _group(b: GroupBox, box) -> str:
    lines = [("gg-label", escape(_clip(b.label, int((box.w - 14) / 7.3)))),
             ("gg-meta", f"{len(b.members)} nodes"),
             ("gg-meta", "click to expand")]
    return (f'<g class="gg-group" data-group={quoteattr(b.label)} data-id="{b.id}" '
            f'data-count="{len(b.members)}" data-members="{" ".join(b.members)}">'
            f"<title>{escape(b.label)}: {len(b.members)} nodes</title>"
            f'<rect x="{box.x:.1f}" y="{box.y:.1f}" width="{box.w:.0f}" height="{box.h:.0f}" rx="7"/>'
            f"{_texts(box.x, box.y, box.w, lines)}</g>")


def _frame(g: Graph, lay, name: str) -> str:
    """A dashed outline around an expanded group's boxes, with a label that collapses it."""
    members = [m for m in g.groups().get(name, ()) if m in lay.boxes]
    if not members:
        return ""
    bs = [lay.boxes[m] for m in members]
    x0, y0 = min(b.x for b in bs) - 8, min(b.y for b in bs) - 20
    x1, y1 = max(b.x + b.w for b in bs) + 8, max(b.y + b.h for b in bs) + 8
    return (f'<g class="gg-frame-group" data-frame={quoteattr(name)}>'
            f'<rect class="gg-frame" x="{x0:.1f}" y="{y0:.1f}" width="{x1 - x0:.1f}" '
            f'height="{y1 - y0:.1f}" rx="9"/><text class="gg-frame-label gg-meta" x="{x0 + 6:.1f}" '
            f'y="{y0 + 13:.1f}">⊟ {escape(name)} (click to collapse)</text></g>')


# Graph's methods from this file; explain/__init__.py attaches them to Graph (graph.py can't import
# this file: this file builds on it). ``_repr_svg_`` is what Jupyter shows for a Graph without HTML.
GRAPH_METHODS = {"to_svg": to_svg, "_repr_svg_": to_svg}
