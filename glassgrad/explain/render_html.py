"""The graph as one self-contained HTML page with a step-through player.

Part IV, read after render.py. The page needs no network: the SVG, the stylesheet and the player
script (static/player.css, static/player.js, plain JS) are inlined, and the model (``Graph.to_dict()``)
and the steps are embedded as JSON, so a saved file opens anywhere. The player walks forward in
topological order, then backward, highlighting the active node and edge and showing the step's formula
with its numbers; "predict, then reveal" hides each result until the learner has guessed it.

Big graphs fold into groups (modules, neurons); each group's box expands on click. The page holds one
pre-drawn SVG per state (all folded, each group opened alone, everything open), so the layout stays
the pure-Python one and no layout code runs in the browser.
"""

from __future__ import annotations

import html
import json
import math
from dataclasses import asdict, is_dataclass
from pathlib import Path

import numpy as np

from glassgrad.explain.graph import Graph, GroupBox
from glassgrad.explain.render import graph_steps
from glassgrad.explain.render_svg import NO_GRADS, to_svg

__all__ = ["to_html", "notebook_html", "frame_height", "json_ready"]

_STATIC = Path(__file__).parent / "static"
_MAX_GROUP_VIEWS = 30  # beyond this many groups, a click opens everything (keeps the file small)


def json_ready(x):
    """Plain JSON: arrays as lists, numpy scalars as numbers, NaN/±inf as strings (JSON has none)."""
    if is_dataclass(x) and not isinstance(x, type):
        x = asdict(x)
    if isinstance(x, dict):
        return {str(k): json_ready(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [json_ready(v) for v in x]
    if isinstance(x, np.ndarray):
        return json_ready(x.tolist())
    if isinstance(x, np.generic):
        return json_ready(x.item())
    if isinstance(x, float) and not math.isfinite(x):
        return repr(x)
    if x is None or isinstance(x, (bool, int, float, str)):
        return x
    return str(x)


def _views(g: Graph, direction: str) -> list:
    """(name, svg) for every state the page can show; the first is shown at start."""
    if not g.grouped:
        return [("full", to_svg(g, direction=direction, id_prefix="v0"))]
    items, _ = g.view()
    boxes = [it for it in items if isinstance(it, GroupBox)]
    if not boxes:
        return [("full", to_svg(g, direction=direction, id_prefix="v0"))]
    views = [("collapsed", to_svg(g, direction=direction, id_prefix="vc"))]
    if len(boxes) <= _MAX_GROUP_VIEWS:
        for b in boxes:
            views.append((b.id, to_svg(g, expanded={b.label}, direction=direction, id_prefix=f"v{b.id}",
                                       frame=b.label)))
    views.append(("all", to_svg(g, collapse=False, direction=direction, id_prefix="va")))
    return views


def _script_json(data) -> str:
    # "<" escaped so no string in the data can close the <script> element
    return json.dumps(json_ready(data), ensure_ascii=False, allow_nan=False).replace("<", "\\u003c")


def to_html(g: Graph, steps: list | None = None, *, title: str | None = None,
            direction: str = "LR", start: str = "begin") -> str:
    """A complete HTML document: legend, player controls, the graph, and the embedded data.

    ``steps``: dicts with the fields of ``explain.trace``'s Step (phase, node, target, inputs,
    formula, numbers, result, accumulates, text); by default they come from ``explain.trace``.
    ``start``: "begin" opens before the first step (values appear as they are computed); "end" opens
    on the finished graph, every value and gradient shown, like micrograd's ``draw_dot``.
    """
    if start not in ("begin", "end"):
        raise ValueError(f"to_html: start must be 'begin' or 'end', got {start!r}")
    if steps is None:
        steps = graph_steps(g)
    steps = [asdict(s) if is_dataclass(s) else dict(s) for s in steps]
    title = title or f"glassgrad: {g.node(g.root).label} ({g.engine} graph, {len(g.nodes)} nodes)"
    views = _views(g, direction)
    view_html = "\n".join(
        f'<div class="gg-view" data-view="{name}"{"" if k == 0 else " hidden"}>{svg}</div>'
        for k, (name, svg) in enumerate(views))
    expand = ('<button data-testid="expand-all" title="open or fold every group">expand all</button>'
              if len(views) > 1 else "")
    note = "" if g.has_grads else f'<p class="gg-nograd" data-testid="no-grads">{NO_GRADS}</p>'
    data = {"graph": g.to_dict(), "steps": steps, "views": {name: True for name, _ in views},
            "start": start}
    css = (_STATIC / "player.css").read_text(encoding="utf-8")
    js = (_STATIC / "player.js").read_text(encoding="utf-8")
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(title)}</title>
<style>{css}</style></head>
<body><main id="gg-app">
<header class="gg-head"><h1>{html.escape(title)}</h1>
<div class="gg-legend"><span class="gg-k-val">value</span><span class="gg-k-grad">gradient</span><span
class="gg-k-local">local derivative</span><span class="gg-k-active">active step</span><span
class="gg-k-leaf">leaf / parameter</span></div></header>
{note}
<section class="gg-player">
<div class="gg-controls">
<button data-testid="first" title="Home">« start</button>
<button data-testid="prev" title="← or k">◀ prev</button>
<button data-testid="play" title="space">▶ play</button>
<button data-testid="next" title="→ or j">next ▶</button>
<button data-testid="last" title="End">end »</button>
<span class="gg-index" data-testid="step-index">{0 if start == "begin" else len(steps)} / {len(steps)}</span>
<span class="gg-phase" data-testid="phase"></span>
{expand}
<label class="gg-predict-toggle"><input type="checkbox" data-testid="predict-toggle"> predict, then reveal</label>
</div>
<div class="gg-formula" data-testid="formula"></div>
<div class="gg-rule" data-testid="rule"></div>
<div class="gg-predict" hidden><label><span class="gg-ask">your answer</span> <input data-testid="predict-input" type="text"
inputmode="decimal" autocomplete="off"></label><button data-testid="reveal">reveal</button>
<span class="gg-verdict" data-testid="verdict"></span></div>
</section>
<section class="gg-graph-wrap">
<div class="gg-zoom"><button data-testid="zoom-out" title="zoom out (-)">−</button><span
data-testid="zoom-level" class="gg-zoom-level">100%</span><button data-testid="zoom-in" title="zoom in (+)">+</button><button
data-testid="zoom-fit" title="fit the drawing to the panel (0)">fit</button></div>
<div class="gg-graph" data-testid="graph-panel">
{view_html}
</div></section>
<pre class="gg-details" data-testid="details">Click a node to see all its numbers.</pre>
<footer>keys: → or j next · ← or k back · Home / End · space play/pause · click a group to open it ·
made with glassgrad</footer>
</main>
<script type="application/json" id="gg-data">{_script_json(data)}</script>
<script>{js}</script>
</body></html>
"""


def notebook_html(g: Graph) -> str:
    """For Jupyter: the player page in an iframe (its script runs apart from the notebook's), opened
    on the finished graph (« start to step through), as tall as its content.

    The iframe cannot ask the notebook for its width, so its height is worked out here for a typical
    output width (~960 px): the controls, plus the drawing scaled to that width (at most 100%).
    """
    page = to_html(g, start="end")
    return (f'<iframe srcdoc="{html.escape(page, quote=True)}" style="width:100%;height:{frame_height(page)}px;'
            f'border:1px solid #e2e8f0;border-radius:8px" sandbox="allow-scripts"></iframe>')


def frame_height(page: str, width: float = 960.0) -> int:
    """How tall an iframe holding ``page`` (a ``to_html`` page) should be at about ``width`` px: the
    controls, plus the drawing fitted to that width (at most 100%), plus the details box. The drawing's
    size is its first view's own viewBox, read from the page (nothing is drawn twice)."""
    box = page[page.index('viewBox="') + 9:].split('"')[0].split()
    w, h = float(box[2]), float(box[3])
    scale = min(1.0, (width - 40.0) / max(w, 1.0))
    return int(min(260 + h * scale + 120, 1400))


# Graph's methods from this file, attached by explain/__init__.py: ``g.to_html()``, and the player in
# a notebook cell (``_repr_html_``, which Jupyter prefers to the SVG).
GRAPH_METHODS = {"to_html": to_html, "_repr_html_": notebook_html}
