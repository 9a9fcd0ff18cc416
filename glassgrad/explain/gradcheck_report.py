"""Gradient check, visible: backward's gradient beside a finite difference, and why h matters.

Part IV, read after ``glassgrad/scalar/gradcheck.py`` (Part I) and ``glassgrad/autograd/gradcheck.py``
(Part III): it computes nothing of its own, it asks them. ``gradcheck_report(f, inputs)`` gives, for
every input, the analytic gradient (what ``backward`` gives) and the central difference
(f(x + h) − f(x − h)) / 2h, with their absolute and relative errors — for Values (Part I's ``gradcheck``
and ``numerical_grad``) and for Tensors (the engine's ``get_analytical_jacobian``,
``get_numerical_jacobian`` and ``jacobian_column``) alike — and draws, for one input, the error
against h on log-log axes:

- for large h the difference quotient is wrong because f is not a straight line: *truncation* error,
  falling like h² for the central difference (like h for the forward one);
- for tiny h, f(x + h) and f(x − h) agree in almost all their digits and the subtraction keeps only the
  noise: *round-off* error, growing like ε/h (ε ≈ 2.2e-16, a float64's resolution).

The best h sits where the two meet, near ε^(1/3) ≈ 1e-5 for the central difference; the default h=1e-6
is close. The plot needs matplotlib (``pip install glassgrad[viz]``), drawn off-screen (Agg) to PNG bytes,
a file, or a ``data:`` URI for a self-contained HTML page; tables print as text or as a rich Table.
"""

from __future__ import annotations

import base64
import io
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from glassgrad.autograd.gradcheck import (get_analytical_jacobian, get_numerical_jacobian,
                                          jacobian_column)
from glassgrad.autograd.grad_mode import no_grad
from glassgrad.explain.style import GRAD, LOCAL, VALUE, short
from glassgrad.scalar.gradcheck import GradcheckEntry, GradcheckReport, gradcheck, numerical_grad
from glassgrad.scalar.value import Value
from glassgrad.tensor import Tensor

__all__ = ["GradcheckVisual", "agg_figure", "error_vs_h", "gradcheck_report"]


@dataclass(repr=False)
class GradcheckVisual(GradcheckReport):
    """Part I's ``GradcheckReport`` (one ``GradcheckEntry`` per input, ``ok``, ``bool()``), with the
    error-against-h curve of one input.

    For a tensor input, an entry's ``analytic`` and ``numeric`` are arrays of the input's shape and its
    errors the largest over the elements. ``curve``: rows of (h, central-difference error,
    forward-difference error) for ``curve_input``.
    """

    engine: str = "scalar"
    h: float = 1e-6
    curve_input: str = ""
    curve: list = field(default_factory=list)

    # ---- text ----

    def __str__(self) -> str:
        head = (f"gradient check {'passed' if self.ok else 'FAILED'}: central differences, h={self.h:g} "
                f"(atol={self.atol:g}, rtol={self.rtol:g})")
        rows = [f"  {'input':<10} {'analytic':>14} {'numeric':>14} {'abs error':>10} {'rel error':>10}"]
        for e in self.entries:
            rows.append(f"  {e.name:<10} {_brief(e.analytic):>14} {_brief(e.numeric):>14} "
                        f"{e.abs_error:>10.2e} {e.rel_error:>10.2e}{'' if e.ok else '  <-- mismatch'}")
        return "\n".join([head, *rows])

    __repr__ = __str__

    def table(self):
        """A rich Table of the same rows (analytic in the gradient colour, numeric beside it)."""
        from rich.table import Table

        t = Table(title=f"gradient check (central differences, h={self.h:g})")
        for name, style in (("input", None), ("analytic", GRAD), ("numeric", LOCAL), ("abs error", None),
                            ("rel error", None), ("", None)):
            t.add_column(name, style=style, justify="left" if name == "input" else "right")
        for e in self.entries:
            t.add_row(e.name, _brief(e.analytic), _brief(e.numeric), f"{e.abs_error:.2e}",
                      f"{e.rel_error:.2e}", "ok" if e.ok else "[bold red]MISMATCH[/]")
        return t

    def __rich__(self):
        return self.table()

    # ---- the plot ----

    def figure(self):
        """The error-against-h plot as a matplotlib Figure (drawn with the Agg canvas, no window)."""
        fig = agg_figure((6, 4), dpi=100)
        ax = fig.add_subplot(1, 1, 1)
        hs = np.array([r[0] for r in self.curve])
        floor = 1e-18  # an exact zero has no place on a log axis
        central = np.maximum([r[1] for r in self.curve], floor)
        forward = np.maximum([r[2] for r in self.curve], floor)
        ax.loglog(hs, central, "o-", color=VALUE, markersize=3, label="central difference")
        ax.loglog(hs, forward, "s-", color=GRAD, markersize=3, alpha=0.6, label="forward difference")
        eps = np.finfo(np.float64).eps
        ax.loglog(hs, eps / hs, ":", color="#64748b", label="round-off ~ ε/h")
        ax.axvline(self.h, color=LOCAL, linestyle="--", linewidth=1, label=f"h used = {self.h:g}")
        ax.set_xlabel("step h")
        ax.set_ylabel("|numeric − analytic|")
        ax.set_title(f"error against h for {self.curve_input}: truncation (right) vs round-off (left)",
                     fontsize=9)
        ax.legend(fontsize=8)
        ax.grid(True, which="major", alpha=0.3)
        fig.tight_layout()
        return fig

    def png(self) -> bytes:
        """The plot as PNG bytes."""
        buf = io.BytesIO()
        self.figure().savefig(buf, format="png")
        return buf.getvalue()

    def save_plot(self, path) -> None:
        with open(path, "wb") as f:
            f.write(self.png())

    def data_uri(self) -> str:
        """``data:image/png;base64,...``: the plot inline in an HTML page, no file next to it."""
        return "data:image/png;base64," + base64.b64encode(self.png()).decode("ascii")

    def to_html(self, plot: bool = True) -> str:
        """An HTML fragment: the table, and the plot as an inline image."""
        rows = "".join(
            f"<tr><td>{_esc(e.name)}</td><td style='color:{GRAD}'>{_esc(_brief(e.analytic))}</td>"
            f"<td style='color:{LOCAL}'>{_esc(_brief(e.numeric))}</td><td>{e.abs_error:.2e}</td>"
            f"<td>{e.rel_error:.2e}</td><td>{'ok' if e.ok else '<b>MISMATCH</b>'}</td></tr>"
            for e in self.entries)
        img = (f"<img alt='error against h' src='{self.data_uri()}'>" if plot and self.curve else "")
        verdict = "passed" if self.ok else "FAILED"
        return (f"<div class='gradcheck'><p>Gradient check <b>{verdict}</b>: central differences with "
                f"h = {self.h:g} (atol {self.atol:g}, rtol {self.rtol:g}).</p>"
                "<table><tr><th>input</th><th>analytic (backward)</th><th>numeric</th><th>abs error</th>"
                f"<th>rel error</th><th></th></tr>{rows}</table>{img}</div>")


def _esc(s: str) -> str:
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _brief(x) -> str:
    if isinstance(x, np.ndarray):
        if x.size == 1:
            return short(x.item())
        return f"{x.shape} max|·| {short(np.abs(x).max())}"
    return short(x)


def agg_figure(figsize=(6, 4), dpi: int = 100):
    """A matplotlib Figure on the off-screen Agg canvas: no window, no display needed.

    matplotlib is optional (``pip install glassgrad[viz]``), so it is imported here, when a picture is
    asked for, and ``import glassgrad.explain`` works without it.
    """
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError as e:
        raise ImportError("the gradient-check plot needs matplotlib: pip install glassgrad[viz]") from e
    fig = Figure(figsize=figsize, dpi=dpi)
    FigureCanvasAgg(fig)
    return fig


# ---- the check ----


def gradcheck_report(f: Callable, inputs: Sequence, *, h: float = 1e-6, atol: float = 1e-5,
                     rtol: float = 1e-4, plot_input: int = 0, plot_element: int = 0,
                     hs: Sequence[float] | None = None, names: Sequence[str] | None = None
                     ) -> GradcheckVisual:
    """Analytic vs central-difference gradient of ``f(*inputs)`` for every input, and error against h.

    ``inputs``: numbers / Values (``f`` returns a Value), or Tensors (``f`` returns a one-element
    Tensor; use float64 — float32's round-off swamps any finite difference). Nothing of yours is
    modified: fresh leaves are made. ``plot_input`` / ``plot_element``: which input (and which element
    of it, flat index) gets the error-against-h curve; ``hs`` the steps to try (default
    10⁻¹⁴ … 10⁻¹).
    An input agrees when |analytic − numeric| ≤ atol + rtol·|numeric| everywhere.
    """
    inputs = list(inputs)
    if not inputs:
        raise ValueError("gradcheck_report: no inputs")
    hs = list(hs) if hs is not None else list(np.logspace(-14, -1, 40))
    if not 0 <= plot_input < len(inputs):
        raise IndexError(f"gradcheck_report: plot_input={plot_input} but there are {len(inputs)} inputs")
    if any(isinstance(x, Tensor) for x in inputs):
        return _tensor_report(f, inputs, h, atol, rtol, plot_input, plot_element, hs, names)
    return _value_report(f, inputs, h, atol, rtol, plot_input, hs, names)


def _value_report(f, inputs, h, atol, rtol, plot_input, hs, names) -> GradcheckVisual:
    if names is not None:
        inputs = [Value(x.data if isinstance(x, Value) else x, label=n) for x, n in zip(inputs, names)]
    base = gradcheck(f, inputs, h=h, atol=atol, rtol=rtol)  # Part I's check: the numbers in the table
    leaves = [Value(x.data if isinstance(x, Value) else float(x)) for x in inputs]
    analytic = base.entries[plot_input].analytic
    curve = []
    for step in hs:
        central = _one_numeric(f, leaves, plot_input, step, "central")
        forward = _one_numeric(f, leaves, plot_input, step, "forward")
        curve.append((float(step), float(abs(central - analytic)), float(abs(forward - analytic))))
    return GradcheckVisual(base.entries, atol, rtol, "scalar", h, base.entries[plot_input].name, curve)


def _one_numeric(f, leaves, i, step, method) -> float:
    """Part I's ``numerical_grad`` for input i alone, at one step h."""
    try:
        return numerical_grad(lambda _: f(*leaves), [leaves[i]], step, method)[0]
    except (ValueError, OverflowError, ZeroDivisionError):
        return math.nan  # a step that leaves f's domain (log near 0, say): no point on the curve


def _tensor_report(f, inputs, h, atol, rtol, plot_input, plot_element, hs, names) -> GradcheckVisual:
    leaves = []
    for x in inputs:
        if not isinstance(x, Tensor):
            raise TypeError("gradcheck_report: mix of Tensors and other inputs; pass all Tensors")
        leaves.append(x.detach().clone().requires_grad_(x.requires_grad or x.is_floating_point()))
    out = f(*leaves)
    if not isinstance(out, Tensor) or out.numel() != 1:
        raise ValueError("gradcheck_report: f must return a one-element Tensor (a loss); got "
                         f"{type(out).__name__}{'' if not isinstance(out, Tensor) else tuple(out.shape)}")
    # The engine's two Jacobians, one row each (f has one output): J[i][0] is 1 × (elements of input i).
    analytical = get_analytical_jacobian(f, leaves)
    with no_grad():
        numerical = get_numerical_jacobian(f, leaves, eps=h)
    names = list(names) if names is not None else [f"input{i}" for i in range(len(leaves))]
    differentiable = [(i, leaf) for i, leaf in enumerate(leaves) if leaf.requires_grad]
    entries = []
    for (i, leaf), a_rows, n_rows in zip(differentiable, analytical, numerical):
        analytic = a_rows[0].reshape(leaf._array.shape).astype(leaf._array.dtype)
        numeric = n_rows[0].reshape(leaf._array.shape)
        abs_err = np.abs(analytic - numeric)
        scale = np.maximum(np.abs(analytic), np.abs(numeric))
        rel = np.where(scale > 0, abs_err / np.where(scale > 0, scale, 1), 0.0)
        ok = bool(np.all(abs_err <= atol + rtol * np.abs(numeric)) and np.all(np.isfinite(analytic)))
        entries.append(GradcheckEntry(names[i], analytic, numeric, float(abs_err.max(initial=0.0)),
                                      float(rel.max(initial=0.0)), ok))
    leaf = leaves[plot_input]
    if not leaf.requires_grad:
        raise ValueError(f"gradcheck_report: input {plot_input} got no gradient to plot")
    if not 0 <= plot_element < leaf._array.size:
        raise IndexError(f"gradcheck_report: plot_element={plot_element} but input {plot_input} has "
                         f"{leaf._array.size} elements")
    analytic = float(next(e.analytic for (i, _), e in zip(differentiable, entries)
                          if i == plot_input).flat[plot_element])
    index = np.unravel_index(plot_element, leaf._array.shape)
    curve = []
    with no_grad():
        for step in hs:
            c = jacobian_column(f, leaves, leaf, index, step, "central")[0][0]
            fw = jacobian_column(f, leaves, leaf, index, step, "forward")[0][0]
            curve.append((float(step), float(abs(c - analytic)), float(abs(fw - analytic))))
    label = names[plot_input] + (f"[{plot_element}]" if leaf._array.size > 1 else "")
    return GradcheckVisual(entries, atol, rtol, "tensor", h, label, curve)


def error_vs_h(report: GradcheckVisual) -> tuple:
    """(hs, central errors, forward errors) as numpy arrays: the plot's data."""
    a = np.array(report.curve, dtype=np.float64).reshape(-1, 3)
    return a[:, 0], a[:, 1], a[:, 2]
