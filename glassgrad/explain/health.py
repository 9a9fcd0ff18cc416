"""A network's health: per-layer activation and gradient statistics, and update-to-data ratios over steps.

A deep network trains well when every layer passes on signals of a sensible size, forward and backward,
and when each step changes each weight by a small, steady fraction of itself. ``health(model)`` watches
that through hooks any ``nn.Module`` has — glassgrad's or PyTorch's:

- a forward hook on each watched layer records its output ``a``:  mean, std (PyTorch's ``a.std()``,
  with Bessel's correction), a histogram, and for ``Tanh`` layers the fraction saturated,
  ``mean(|a| > saturation)`` — units whose local derivative 1 − a² is almost 0, so almost no gradient
  flows back through them;
- the same hook puts a tensor hook on that output (``a.register_hook``), which receives ∂loss/∂a during
  ``backward()``: the gradient's mean, std and histogram;
- ``step()``, called after each ``optimizer.step()``, compares every parameter with its value at the
  previous call:  ratio = std(p_new − p_old) / std(p_new).  Around 1e-3 is healthy (Karpathy's rule of
  thumb); far below, the layer barely learns; far above, it thrashes.

    h = explain.health(model)           # hooks on every layer without children (or pass layers=)
    loss = loss_fn(model(x), y); loss.backward(); optimizer.step(); h.step()
    h.table()                           # text; `rich.print(h)` draws a rich table; notebooks show HTML
    h.save("health.png")                # or .svg: histograms and the ratio curves

Where it sits: ``explain`` reads the engines through their public surface; this file reads only hooks,
``named_modules``, ``named_parameters`` and numpy copies of tensors, so it imports no engine module.
"""

from __future__ import annotations

import html
import io
import math
from dataclasses import dataclass, field

import numpy as np

SATURATION = 0.97   # |tanh| above this: derivative 1 − a² below 0.06


class Drawing:
    """What the instruments (``Health`` here, ``AttentionMap`` in attention.py) share: ``save`` and
    ``to_svg``, both from the instrument's own ``figure()`` (matplotlib)."""

    def save(self, path) -> str:
        """Draw ``figure()`` into ``path``; its suffix (.png, .svg, .pdf) picks the format."""
        self.figure().savefig(path, dpi=100)
        return str(path)

    def to_svg(self) -> str:
        """The figure as SVG text."""
        buffer = io.StringIO()
        self.figure().savefig(buffer, format="svg")
        return buffer.getvalue()


@dataclass
class Stats:
    """Summary of one tensor: mean, std (Bessel-corrected, as ``Tensor.std()``), histogram, saturation."""
    mean: float
    std: float
    counts: np.ndarray
    edges: np.ndarray
    saturated: float | None = None   # fraction with |x| > saturation; only for tanh layers

    @classmethod
    def of(cls, values: np.ndarray, bins: int, saturation: float | None = None) -> "Stats":
        values = np.asarray(values, dtype=np.float64).ravel()
        if values.size == 0:
            raise ValueError("health: a layer produced an empty tensor; there is nothing to summarise")
        std = float(values.std(ddof=1)) if values.size > 1 else math.nan
        finite = values[np.isfinite(values)]  # a diverging layer still gets its histogram (of what is finite)
        counts, edges = np.histogram(finite, bins=bins, range=None if finite.size else (0.0, 1.0))
        sat = None if saturation is None else float(np.mean(np.abs(values) > saturation))
        return cls(float(values.mean()), std, counts, edges, sat)


@dataclass
class Layer:
    """What one watched layer showed last time: its output (forward) and the gradient at it (backward)."""
    name: str
    kind: str                        # the module's class name: "Tanh", "Linear", ...
    activation: Stats | None = None
    gradient: Stats | None = None


@dataclass
class Health(Drawing):
    """Statistics collected by ``health(model)``; see the module docstring for what each number means."""
    model: object
    layers: dict[str, Layer]
    bins: int = 50
    saturation: float = SATURATION
    ratios: dict[str, list[float]] = field(default_factory=dict)   # parameter name -> one ratio per step
    _handles: list = field(default_factory=list, repr=False)
    _previous: dict[str, np.ndarray] = field(default_factory=dict, repr=False)

    # --- collecting ---------------------------------------------------------------------------------
    def step(self) -> dict[str, float]:
        """After ``optimizer.step()``: ratio = std(p_new − p_old) / std(p_new) for each parameter.

        Only weight matrices and tables (ndim ≥ 2) are watched: a bias or a norm gain is too few numbers
        for a meaningful std. The first call after ``health(model)`` compares with the weights as they
        were then. Returns this step's ratios by parameter name (also appended to ``self.ratios``).
        """
        now = {}
        for name, p in self.model.named_parameters():
            if p.ndim < 2:
                continue
            data = _numpy(p)
            if name in self._previous:
                scale = data.std(ddof=1) if data.size > 1 else 0.0
                if data.size < 2:  # a 1×1 weight has no spread to compare with
                    ratio = math.nan
                else:
                    ratio = float((data - self._previous[name]).std(ddof=1) / scale) if scale > 0 else math.inf
                self.ratios.setdefault(name, []).append(ratio)
                now[name] = ratio
            self._previous[name] = data.copy()
        return now

    def remove(self) -> None:
        """Take every hook off the model (the numbers collected so far stay)."""
        for handle in self._handles:
            handle.remove()
        self._handles.clear()

    # --- reading ------------------------------------------------------------------------------------
    def rows(self) -> list[tuple]:
        """(layer, kind, act mean, act std, saturated %, grad mean, grad std), one per watched layer."""
        out = []
        for layer in self.layers.values():
            a, g = layer.activation, layer.gradient
            out.append((layer.name, layer.kind,
                        a.mean if a else math.nan, a.std if a else math.nan,
                        100 * a.saturated if a and a.saturated is not None else math.nan,
                        g.mean if g else math.nan, g.std if g else math.nan))
        return out

    HEADERS = ("layer", "kind", "act mean", "act std", "saturated %", "grad mean", "grad std")

    def table(self) -> str:
        """The rows as an aligned text table (``nan`` where nothing was seen, or no saturation applies)."""
        cells = [[str(r[0]), r[1], _fmt(r[2]), _fmt(r[3]), _percent(r[4]), _fmt(r[5]), _fmt(r[6])]
                 for r in self.rows()]
        widths = [max(len(h), *(len(c[i]) for c in cells)) if cells else len(h) for i, h in enumerate(self.HEADERS)]
        lines = ["  ".join(h.ljust(w) if i < 2 else h.rjust(w) for i, (h, w) in enumerate(zip(self.HEADERS, widths)))]
        for c in cells:
            lines.append("  ".join(s.ljust(w) if i < 2 else s.rjust(w) for i, (s, w) in enumerate(zip(c, widths))))
        ratio_lines = [f"update/data  {name}: {values[-1]:.2e} (log10 {math.log10(values[-1]):+.2f})"
                       for name, values in self.ratios.items() if values and values[-1] > 0]
        return "\n".join(lines + ratio_lines)

    __str__ = table

    def __rich__(self):
        """A rich Table: ``rich.print(h)`` or ``console.print(h)`` in a terminal."""
        from rich.table import Table  # rich is optional: only this method needs it

        t = Table(title="network health (last forward and backward)")
        for i, h in enumerate(self.HEADERS):
            t.add_column(h, justify="left" if i < 2 else "right")
        for r in self.rows():
            sat = r[4]
            t.add_row(str(r[0]), r[1], *(_fmt(v) for v in r[2:4]),
                      f"[red]{_percent(sat)}[/red]" if sat > 5 else _percent(sat), *(_fmt(v) for v in r[5:]))
        return t

    def figure(self):
        """A matplotlib Figure: activation histograms, gradient histograms, update-to-data ratios (log10)."""
        from matplotlib.figure import Figure  # matplotlib is optional: only drawing needs it

        fig = Figure(figsize=(15, 4))
        ax_a, ax_g, ax_r = fig.subplots(1, 3)
        for ax, which, title in ((ax_a, "activation", "activations"), (ax_g, "gradient", "gradients")):
            for layer in self.layers.values():
                s = getattr(layer, which)
                if s is None:
                    continue
                centres = (s.edges[:-1] + s.edges[1:]) / 2
                label = f"{layer.name} ({layer.kind})"
                if s.saturated is not None and which == "activation":
                    label += f" sat {100 * s.saturated:.1f}%"
                ax.plot(centres, s.counts, label=label)
            ax.set_title(f"{title} per layer")
            ax.legend(fontsize=7)
        for name, values in self.ratios.items():
            ax_r.plot([math.log10(v) if v > 0 else math.nan for v in values], label=name)
        if self.ratios:
            ax_r.axhline(-3, color="k", linestyle="--", linewidth=1)
            ax_r.legend(fontsize=7)
        ax_r.set_title("update / data (log10) per step; dashed: 1e-3")
        ax_r.set_xlabel("step")
        fig.tight_layout()
        return fig

    def _repr_html_(self) -> str:
        """Jupyter's inline display: the table, then the figure as SVG (just the table without matplotlib)."""
        head = "".join(f"<th>{html.escape(h)}</th>" for h in self.HEADERS)
        body = "".join("<tr>" + "".join(f"<td>{html.escape(_percent(v) if i == 4 else _fmt(v) if i > 1 else str(v))}"
                                        f"</td>" for i, v in enumerate(r)) + "</tr>" for r in self.rows())
        page = f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
        try:
            return page + self.to_svg()
        except ImportError:
            return page


def health(model, layers=None, *, bins: int = 50, saturation: float = SATURATION) -> Health:
    """Watch ``model`` (any ``nn.Module``, glassgrad's or PyTorch's): hooks on its layers, and a Health.

    ``layers`` picks what to watch: ``None`` for every module without children; a tuple of module
    classes (``(nn.Tanh,)``); or a list of names from ``model.named_modules()``.
    """
    if not hasattr(model, "named_modules") or not hasattr(model, "named_parameters"):
        raise TypeError(f"health() needs an nn.Module (with named_modules and named_parameters), "
                        f"got {type(model).__name__}")
    if not isinstance(bins, int) or bins < 1:
        raise ValueError(f"health(): bins must be a positive int, got {bins!r}")
    modules = dict(model.named_modules())
    if layers is None:
        chosen = [(n, m) for n, m in modules.items() if not any(True for _ in m.children())]
    elif isinstance(layers, tuple) and all(isinstance(c, type) for c in layers):
        chosen = [(n, m) for n, m in modules.items() if isinstance(m, layers)]
    else:
        missing = [n for n in layers if n not in modules]
        if missing:
            raise ValueError(f"health(): no layer named {missing[0]!r} in the model; "
                             f"its layers are {[n for n in modules if n]}")
        chosen = [(n, modules[n]) for n in layers]
    h = Health(model, {n: Layer(n, type(m).__name__) for n, m in chosen}, bins, saturation)
    for name, module in chosen:
        h._handles.append(module.register_forward_hook(_watcher(h, h.layers[name])))
    h.step()  # the weights as they are now: the first ratio compares with them
    return h


def _watcher(h: Health, layer: Layer):
    """The forward hook for one layer: summarise its output, and ask for the gradient at it."""
    is_tanh = layer.kind == "Tanh"

    def hook(module, args, output):
        if not hasattr(output, "detach"):
            return None  # a layer returning a tuple or None: nothing to summarise
        layer.activation = Stats.of(_numpy(output), h.bins, h.saturation if is_tanh else None)
        if getattr(output, "requires_grad", False):
            def on_grad(grad):
                layer.gradient = Stats.of(_numpy(grad), h.bins)
            output.register_hook(on_grad)
        return None

    return hook


def _numpy(t) -> np.ndarray:
    """A numpy copy of a glassgrad or PyTorch tensor (detached, on the CPU)."""
    t = t.detach()
    if hasattr(t, "cpu"):
        t = t.cpu()
    return np.array(t.numpy(), dtype=np.float64)


def _fmt(v: float) -> str:
    return "nan" if v != v else f"{v:+.4f}" if abs(v) >= 1e-3 or v == 0 else f"{v:+.2e}"


def _percent(v: float) -> str:
    return "nan" if v != v else f"{v:.1f}"
