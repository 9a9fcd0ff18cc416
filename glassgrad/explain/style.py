"""The one colour language of Part IV, and how numbers are written.

Part IV, read after graph.py; it imports only the base palette (glassgrad/_html.py), and every drawing
and narration uses it. Every picture glassgrad draws — SVG, HTML, the terminal tables, the studio — uses the same colours, so a learner who
has seen one knows them all: a value is blue, a gradient red, a local derivative green, the step being
explained amber, and leaves (inputs and parameters) sit on a light purple.

The number formats live here too, so every renderer writes the same number the same way: ``short`` for
text a person reads (four decimals), ``exact`` for machine-readable attributes (``repr``: it round-trips,
so ``float(exact(x)) == x`` and a test can compare with the engine bit for bit).
"""

from __future__ import annotations

import math

from glassgrad._html import ACTIVE, GRAD, LOCAL, MUTED, VALUE

__all__ = ["VALUE", "GRAD", "LOCAL", "ACTIVE", "LEAF_FILL", "OP_FILL", "GROUP_FILL", "EDGE", "TEXT",
           "MUTED", "RICH", "short", "exact"]

# values (forward) blue, gradients (backward) red, local derivatives (on edges) green, the active step
# amber, and MUTED secondary text: defined in glassgrad/_html.py, whose notebook cards for Value, Tensor and Module speak the same
# language and sit below every engine.
LEAF_FILL = "#ede9fe"  # leaves and parameters: light purple
OP_FILL = "#ffffff"    # computed nodes
GROUP_FILL = "#f1f5f9"  # a collapsed group (module or neuron)
EDGE = "#64748b"       # edges and outlines
TEXT = "#0f172a"       # labels

# The same colours as rich style strings, for terminal tables.
RICH = {"value": f"bold {VALUE}", "grad": f"bold {GRAD}", "local": LOCAL, "active": ACTIVE,
        "muted": MUTED}


def short(x: float) -> str:
    """A float for reading: four decimals, or scientific notation when that would hide it."""
    if x is None:
        return ""
    x = float(x)
    if math.isnan(x) or math.isinf(x):
        return repr(x)
    if x == 0.0 or 1e-3 <= abs(x) < 1e5:
        return f"{x:.4f}"
    return f"{x:.3e}"


def exact(x: float) -> str:
    """A float for machines: ``repr``, which round-trips exactly."""
    return repr(float(x))
