"""Part IV — seeing it: the graph, every value and gradient, each chain-rule step, drawn and narrated.

Reading order: ``graph.py`` (one model of a computation graph, read from a Value or a Tensor, with
``record()`` for tensor values), ``style.py`` (the colour language), ``layout.py`` (where the boxes go,
in pure Python), ``render_svg.py`` / ``render_html.py`` / ``render.py`` (SVG, the step-through HTML
player, DOT and terminal tables), then ``trace.py`` (the chain rule narrated step by step),
``gradcheck_report.py`` and ``step.py`` (one training step, every number).

    from glassgrad import Value
    from glassgrad import explain
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    c = a * b; c.label = "c"
    c.backward()
    g = explain.graph(c)
    open("c.html", "w").write(g.to_html())   # a self-contained page with a step-through player

Nothing in the engines imports this package: it only reads what they recorded.
"""

from __future__ import annotations

from glassgrad.explain.graph import Edge, Graph, GroupBox, Node, graph, record
from glassgrad.explain.trace import Step, trace
from glassgrad.explain.gradcheck_report import GradcheckVisual, gradcheck_report
from glassgrad.explain.step import TrainingStep, step
from glassgrad.explain.parse import ExpressionError, evaluate

__all__ = ["graph", "record", "trace", "gradcheck_report", "step", "evaluate", "Graph", "Node", "Edge",
           "GroupBox", "Step", "TrainingStep", "GradcheckVisual", "ExpressionError"]
