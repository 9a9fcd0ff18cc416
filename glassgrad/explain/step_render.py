"""Drawing one training step (``explain.step``): a network diagram in SVG, HTML and rich tables, text.

Part IV, read after ``gradcheck_report.py`` and before ``step.py``, whose ``TrainingStep`` draws itself
with this file (its fields are described there). The diagram puts the inputs on the left, one column per
layer, the loss on the right. Each neuron is a circle with its activation a (blue) inside, its weighted
sum z under it, and ∂L/∂a (red) under that. Each edge is one weight: teal when positive, orange when
negative, as thick as its size relative to the largest weight; hovering shows w before and after the
update and ∂L/∂w. Every number is also an exact ``data-*`` attribute (``repr``), so tests compare them
with the engine.
"""

from __future__ import annotations

import html

import numpy as np

from glassgrad.explain.style import (
    EDGE,
    GRAD,
    LEAF_FILL,
    LOCAL,
    MUTED,
    RICH,
    TEXT,
    VALUE,
    exact,
    short,
)

__all__ = ["NEGATIVE", "POSITIVE", "tables", "title", "to_html", "to_svg", "to_text"]

POSITIVE = "#0891b2"  # a positive weight's edge (teal)
NEGATIVE = "#ea580c"  # a negative weight's edge (orange)
_R = 24               # neuron radius
_DX, _DY = 190, 78    # column and row spacing
_FOLD_ROWS = 40       # tables longer than this fold into <details>

_CSS = f"""
.gg-step {{ font-family: system-ui, sans-serif; color: {TEXT}; }}
.gg-step table {{ border-collapse: collapse; margin: 0.4em 0 1em; font-size: 0.85em; }}
.gg-step th, .gg-step td {{ border: 1px solid #e2e8f0; padding: 2px 8px; text-align: right; }}
.gg-step th {{ background: #f8fafc; }}
.gg-step td.name {{ text-align: left; font-family: ui-monospace, monospace; }}
.gg-step .v {{ color: {VALUE}; }} .gg-step .g {{ color: {GRAD}; }} .gg-step .l {{ color: {LOCAL}; }}
.gg-step .muted {{ color: {MUTED}; }}
.gg-step svg text {{ font-family: ui-monospace, monospace; }}
"""


def _e(s) -> str:
    return html.escape(str(s), quote=True)


def _row(x: np.ndarray | None, sample: int):
    return None if x is None else np.asarray(x)[sample]


# ---- the diagram ----


def to_svg(ts, sample: int = 0) -> str:
    """The network as SVG: circles with values and gradients, edges by weight sign and size."""
    sizes = [ts.layers[0].weight.shape[1]] + [lay.weight.shape[0] for lay in ts.layers]
    tallest = max(sizes)
    width = _DX * (len(sizes) + 1) + 60
    height = _DY * tallest + 70
    wmax = max(float(np.abs(lay.weight).max(initial=0.0)) for lay in ts.layers) or 1.0

    def pos(col: int, k: int, n: int):
        return 50 + col * _DX, 45 + (tallest - n) * _DY / 2 + k * _DY

    out = [(f'<svg xmlns="http://www.w3.org/2000/svg" class="gg-network" width="{width}" '
            f'height="{height}" viewBox="0 0 {width} {height}" role="img" '
            f'aria-label="the network, one training step">')]
    # edges first, so circles sit on top
    for li, lay in enumerate(ts.layers):
        nout, nin = lay.weight.shape
        for j in range(nout):
            for i in range(nin):
                w, g, new = lay.weight[j, i], lay.grad_weight[j, i], lay.new_weight[j, i]
                (x1, y1), (x2, y2) = pos(li, i, nin), pos(li + 1, j, nout)
                colour = POSITIVE if w >= 0 else NEGATIVE
                width_px = 0.6 + 4.4 * abs(w) / wmax
                tip = (f"{lay.name} w[{j},{i}] = {short(w)} → {short(new)}   ∂L/∂w = {short(g)}")
                out.append(
                    f'<line class="gg-edge" x1="{x1 + _R}" y1="{y1:.1f}" x2="{x2 - _R}" y2="{y2:.1f}" '
                    f'stroke="{colour}" stroke-width="{width_px:.2f}" stroke-opacity="0.75" '
                    f'data-layer="{_e(lay.name)}" data-i="{i}" data-j="{j}" data-weight="{exact(w)}" '
                    f'data-grad="{exact(g)}" data-new="{exact(new)}"><title>{_e(tip)}</title></line>')
    last = len(ts.layers)
    lx, ly = pos(last + 1, 0, 1)
    nout_last = ts.layers[-1].weight.shape[0]
    for j in range(nout_last):
        x1, y1 = pos(last, j, nout_last)
        out.append(f'<line x1="{x1 + _R}" y1="{y1:.1f}" x2="{lx - _R}" y2="{ly:.1f}" stroke="{EDGE}" '
                   f'stroke-dasharray="4 3"/>')
    # inputs
    x = np.asarray(ts.layers[0].inputs)[sample]
    for i, v in enumerate(x):
        cx, cy = pos(0, i, len(x))
        out.append(f'<g class="gg-input" data-i="{i}" data-value="{exact(v)}">'
                   f'<circle cx="{cx}" cy="{cy:.1f}" r="{_R}" fill="{LEAF_FILL}" stroke="{EDGE}"/>'
                   f'{_text(cx, cy + 4, short(v), VALUE, 10)}{_text(cx, cy - _R - 5, f"x{i}", MUTED, 10)}'
                   f'<title>input x{i} = {_e(short(v))}</title></g>')
    # neurons
    for li, lay in enumerate(ts.layers):
        z, a = _row(lay.z, sample), _row(lay.a, sample)
        ga, gz = _row(lay.grad_a, sample), _row(lay.grad_z, sample)
        for j in range(len(z)):
            cx, cy = pos(li + 1, j, len(z))
            ga_j = "" if ga is None else f' data-grad-a="{exact(ga[j])}"'
            gz_j = "" if gz is None else f' data-grad-z="{exact(gz[j])}"'
            tip = (f"{lay.name} neuron {j}: z = {short(z[j])}, a = {lay.activation}(z) = {short(a[j])}"
                   + ("" if ga is None else f", ∂L/∂a = {short(ga[j])}, ∂L/∂z = {short(gz[j])}"))
            out.append(
                f'<g class="gg-neuron" data-layer="{_e(lay.name)}" data-j="{j}" data-z="{exact(z[j])}" '
                f'data-a="{exact(a[j])}"{ga_j}{gz_j}>'
                f'<circle cx="{cx}" cy="{cy:.1f}" r="{_R}" fill="white" stroke="{TEXT}"/>'
                f'{_text(cx, cy + 4, short(a[j]), VALUE, 10)}'
                f'{_text(cx, cy + _R + 11, "z " + short(z[j]), MUTED, 9)}'
                + ("" if ga is None else _text(cx, cy + _R + 22, "∂a " + short(ga[j]), GRAD, 9))
                + f'<title>{_e(tip)}</title></g>')
        cx, _ = pos(li + 1, 0, 1)
        out.append(_text(cx, 18, f"{title(lay)} ({lay.activation})", TEXT, 11))
    out.append(f'<g class="gg-loss" data-loss="{exact(ts.loss)}">'
               f'<circle cx="{lx}" cy="{ly:.1f}" r="{_R + 4}" fill="#fff7ed" stroke="{GRAD}"/>'
               f'{_text(lx, ly - 2, "L", TEXT, 11)}{_text(lx, ly + 11, short(ts.loss), VALUE, 9)}'
               f'<title>loss {_e(ts.loss_name)} = {_e(short(ts.loss))}</title></g>')
    # legend
    lx0 = 12
    out.append(f'<g class="gg-legend" font-size="10">'
               f'<line x1="{lx0}" y1="{height - 14}" x2="{lx0 + 24}" y2="{height - 14}" stroke="{POSITIVE}" '
               f'stroke-width="3"/>{_text(lx0 + 60, height - 10, "w > 0", TEXT, 10)}'
               f'<line x1="{lx0 + 100}" y1="{height - 14}" x2="{lx0 + 124}" y2="{height - 14}" '
               f'stroke="{NEGATIVE}" stroke-width="3"/>{_text(lx0 + 160, height - 10, "w < 0", TEXT, 10)}'
               + _text(lx0 + 330, height - 10, "thickness ∝ |w|; blue = value, red = gradient", MUTED, 10) +
               '</g>')
    out.append("</svg>")
    return "".join(out)


def _text(x, y, s, colour, size) -> str:
    return (f'<text x="{x}" y="{y:.1f}" text-anchor="middle" font-size="{size}" fill="{colour}">'
            f'{_e(s)}</text>')


# ---- tables, as rows of cells (shared by HTML, rich and text) ----


def _neuron_rows(lay, sample: int) -> list:
    z, a = _row(lay.z, sample), _row(lay.a, sample)
    ga, gz = _row(lay.grad_a, sample), _row(lay.grad_z, sample)
    x = _row(lay.inputs, sample)
    rows = []
    for j in range(len(z)):
        w, b = lay.weight[j], lay.bias[j]
        if len(w) <= 4:
            terms = " + ".join(f"{_p(w[i])}·{_p(x[i])}" for i in range(len(w)))
            formula = f"{terms} + {short(b)}"
        else:
            formula = f"Σ of {len(w)} products + {short(b)}"
        rows.append([f"{lay.name}[{j}]", formula, short(z[j]), short(a[j]),
                     "" if ga is None else short(ga[j]), "" if gz is None else short(gz[j]),
                     short(lay.grad_bias[j])])
    return rows


def _p(v) -> str:
    """A number inside a product: negative ones in parentheses, ``0.5·(-2.0000)``."""
    return short(v) if v >= 0 else f"({short(v)})"


def title(lay) -> str:
    """"layer1" for a scalar MLP's layer (the one holding W1); "layer 0" for the Sequential's module named "0"."""
    return lay.name if lay.name.startswith("layer") else f"layer {lay.name}"


_NEURON_HEAD = ["neuron", "z = Σ w·x + b", "z", "a = f(z)", "∂L/∂a", "∂L/∂z", "∂L/∂b"]
_UPDATE_HEAD = ["parameter", "before", "∂L/∂w", "lr · ∂L/∂w", "after"]


def _update_rows(ts) -> list:
    rows = []
    w_name, b_name = ("weight", "bias") if ts.engine == "tensor" else ("w", "b")
    for lay in ts.layers:
        nout, nin = lay.weight.shape
        for j in range(nout):
            for i in range(nin):
                g = lay.grad_weight[j, i]
                rows.append([f"{lay.name}.{w_name}[{j},{i}]", short(lay.weight[j, i]), short(g),
                             short(ts.lr * g), short(lay.new_weight[j, i])])
            g = lay.grad_bias[j]
            rows.append([f"{lay.name}.{b_name}[{j}]", short(lay.bias[j]), short(g), short(ts.lr * g),
                         short(lay.new_bias[j])])
    return rows


def _loss_line(ts, sample: int) -> str:
    out = ", ".join(short(v) for v in np.ravel(ts.output[sample]))
    y = np.asarray(ts.y)
    target = ", ".join(short(v) for v in np.ravel(y[sample] if y.ndim and len(y) == len(ts.output) else y))
    batch = "" if len(ts.output) == 1 else f" (over the batch of {len(ts.output)}; sample {sample} shown)"
    return f"L = {ts.loss_name}(output [{out}], target [{target}]) = {short(ts.loss)}{batch}"


# ---- HTML ----


def _html_table(head, rows, classes) -> str:
    th = "".join(f"<th>{_e(h)}</th>" for h in head)
    body = "".join("<tr>" + "".join(f"<td class='{c}'>{_e(v)}</td>" for v, c in zip(r, classes)) + "</tr>"
                   for r in rows)
    table = f"<table><tr>{th}</tr>{body}</table>"
    if len(rows) > _FOLD_ROWS:
        return f"<details><summary>{len(rows)} rows</summary>{table}</details>"
    return table


def to_html(ts, *, full: bool = False, sample: int = 0) -> str:
    """The step as HTML: the diagram, the forward/backward table per layer, the loss and the updates.

    ``full``: a whole page (``<!doctype html>``…); otherwise a fragment to embed (styles included).
    """
    parts = [f"<style>{_CSS}</style><div class='gg-step'>",
             (f"<p>One step of gradient descent, learning rate <b>{_e(ts.lr)}</b>: forward, loss, "
              f"backward, then <code>{_e(ts.rule)}</code> for every parameter.</p>"),
             to_svg(ts, sample)]
    for lay in ts.layers:
        parts.append(f"<h4>{_e(title(lay))}: z = W·x + b, a = {_e(lay.activation)}(z)</h4>")
        parts.append(_html_table(_NEURON_HEAD, _neuron_rows(lay, sample),
                                 ["name", "", "v", "v", "g", "g", "g"]))
    parts.append(f"<h4>loss</h4><p class='v'>{_e(_loss_line(ts, sample))}</p>")
    parts.append(f"<h4>update: {_e(ts.rule)}, lr = {_e(ts.lr)}</h4>")
    parts.append(_html_table(_UPDATE_HEAD, _update_rows(ts), ["name", "v", "g", "l", "v"]))
    parts.append("</div>")
    body = "".join(parts)
    if not full:
        return body
    return ("<!doctype html><html><head><meta charset='utf-8'><title>glassgrad: one training step</title>"
            f"</head><body>{body}</body></html>")


# ---- rich and text ----


def tables(ts, sample: int = 0) -> list:
    """rich Tables: one per layer (neurons), one for the updates; the loss as the caption of the last."""
    from rich.table import Table

    out = []
    styles = [None, None, RICH["value"], RICH["value"], RICH["grad"], RICH["grad"], RICH["grad"]]
    for lay in ts.layers:
        t = Table(title=f"{title(lay)}: z = W·x + b, a = {lay.activation}(z)")
        for h, s in zip(_NEURON_HEAD, styles):
            t.add_column(h, style=s, justify="left" if h == "neuron" else "right")
        for r in _neuron_rows(lay, sample):
            t.add_row(*r)
        out.append(t)
    t = Table(title=f"update: {ts.rule}, lr = {ts.lr}", caption=_loss_line(ts, sample))
    for h, s in zip(_UPDATE_HEAD, [None, RICH["value"], RICH["grad"], RICH["local"], RICH["value"]]):
        t.add_column(h, style=s, justify="left" if h == "parameter" else "right")
    for r in _update_rows(ts):
        t.add_row(*r)
    out.append(t)
    return out


def to_text(ts, sample: int = 0) -> str:
    lines = [f"one training step ({ts.engine} engine), lr = {ts.lr}"]
    for lay in ts.layers:
        lines.append(f"{title(lay)} ({lay.activation}):")
        for r in _neuron_rows(lay, sample):
            lines.append(f"  {r[0]}: z = {r[1]} = {r[2]}, a = {r[3]}"
                         + (f", ∂L/∂a = {r[4]}, ∂L/∂z = {r[5]}" if r[4] else ""))
    lines.append(_loss_line(ts, sample))
    lines.append(f"update {ts.rule}:")
    for r in _update_rows(ts):
        lines.append(f"  {r[0]}: {r[1]} − {ts.lr}·{r[2]} = {r[4]}")
    return "\n".join(lines)
