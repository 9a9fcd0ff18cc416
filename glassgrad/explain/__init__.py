"""Part IV — seeing it: the graph, every value and gradient, each chain-rule step, drawn and narrated.

Reading order (each file imports only files before it in this list):

1. ``graph.py`` — one model of a computation graph, read from a Value or a Tensor; ``record()`` keeps
   tensor values and gradients through the engine's public hooks;
2. ``style.py`` — the colour language and how numbers are written;
3. ``trace.py`` — the chain rule narrated, step by step, from the graph model;
4. ``layout.py`` — where the boxes go, in pure Python;
5. ``render_svg.py``, ``render.py``, ``render_html.py`` — SVG; DOT and terminal tables; the
   self-contained step-through HTML player;
6. ``gradcheck_report.py`` — the engines' numerical derivatives beside backward's, drawn;
7. ``step_render.py``, ``step.py`` — one training step, every number (the drawing first: step.py's
   ``TrainingStep`` uses it for its methods);
8. ``parse.py`` — an expression typed on the command line, evaluated into Values;
9. ``report.py`` — the ``glassgrad demo`` report, which uses all of the above;
10. ``health.py``, ``attention.py`` — instruments for any ``nn.Module`` (glassgrad or PyTorch): per-layer
    activation and gradient statistics and update-to-data ratios; attention weights drawn per head.

    from glassgrad import Value
    from glassgrad import explain
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    c = a * b; c.label = "c"
    c.backward()
    g = explain.graph(c)
    open("c.html", "w").write(g.to_html())   # a self-contained page with a step-through player

Nothing in the engines imports this package: it only reads what they recorded. ``Graph``'s drawing
methods live with the renderers (each keeps a ``GRAPH_METHODS`` table), which build on graph.py; they
are attached below, once, as ``ops/__init__.py`` attaches Tensor's methods.
"""

from __future__ import annotations

from glassgrad.explain.graph import Edge, Graph, GroupBox, Node, graph, record
from glassgrad.explain.trace import Step, trace
from glassgrad.explain import render, render_html, render_svg
from glassgrad.explain.gradcheck_report import GradcheckVisual, gradcheck_report
from glassgrad.explain.step import TrainingStep, step
from glassgrad.explain.parse import ExpressionError, evaluate
from glassgrad.explain.health import Health, health
from glassgrad.explain.attention import AttentionMap, attention

for _module in (render_svg, render, render_html):
    for _name, _method in _module.GRAPH_METHODS.items():
        setattr(Graph, _name, _method)

__all__ = ["graph", "record", "trace", "gradcheck_report", "step", "evaluate", "health", "attention", "Graph",
           "Node", "Edge", "GroupBox", "Step", "TrainingStep", "GradcheckVisual", "ExpressionError", "Health",
           "AttentionMap"]
