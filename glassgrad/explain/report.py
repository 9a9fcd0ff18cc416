"""The ``glassgrad demo`` report: train a small network on two moons and show everything, in one file.

Part IV's finale, read last. ``train(...)`` trains an ``nn.Sequential`` (Tensor engine, ``optim.SGD``,
mini-batches from ``utils.data.DataLoader``) on the two-moons data, keeping snapshots of the decision
boundary, the loss and accuracy of every epoch, and — through ``explain.step`` — every number of the
very first training step. ``write_report(...)`` then writes ONE self-contained ``report.html``: no
network needed to open it (images are ``data:`` URIs, styles and scripts are inline). Its sections:

1. the decision boundary over the epochs, with a slider;
2. loss and accuracy curves;
3. one sample's computation graph, with explain's step-through player (``Graph.to_html``, embedded);
4. the first training step with every number (``explain.step``);
5. a gradient check of the network's loss (``explain.gradcheck_report``).

matplotlib draws the pictures (``pip install glassgrad[viz]``), off-screen with the Agg canvas.
"""

from __future__ import annotations

import base64
import html
import io
import time
from dataclasses import dataclass, field

import numpy as np

import glassgrad
import glassgrad.nn.functional as F
from glassgrad import nn
from glassgrad.datasets import moons
from glassgrad.explain.gradcheck_report import agg_figure, gradcheck_report
from glassgrad.explain.graph import graph, record
from glassgrad.explain.render_html import frame_height
from glassgrad.explain.step import step
from glassgrad.explain.style import short
from glassgrad.utils.data import DataLoader, TensorDataset

__all__ = ["DemoRun", "snapshot_epochs", "train", "write_report"]


@dataclass
class DemoRun:
    """What training kept: data, model, per-epoch history, boundary snapshots, the first step."""

    X: np.ndarray
    y: np.ndarray
    model: object
    hidden: int
    lr: float
    batch_size: int
    history: list = field(default_factory=list)      # (epoch, loss, accuracy), epoch 1..N
    snapshots: list = field(default_factory=list)    # (epoch, grid scores), epoch 0 = untrained
    grid: tuple = ()                                 # (xx, yy) of the snapshots
    first_step: object = None                        # explain.step's TrainingStep
    seconds: float = 0.0

    @property
    def accuracy(self) -> float:
        return self.history[-1][2] if self.history else float("nan")


def snapshot_epochs(epochs: int, count: int = 9) -> list:
    """Which epochs get a decision-boundary picture: 0 (untrained), the end, and evenly spaced epochs
    between, so that the slider's positions map evenly to epochs."""
    return [int(e) for e in np.unique(np.round(np.linspace(0, epochs, num=max(count, 2))).astype(int))]


def _model(hidden: int):
    return nn.Sequential(nn.Linear(2, hidden), nn.Tanh(), nn.Linear(hidden, hidden), nn.Tanh(),
                         nn.Linear(hidden, 1))


def _grid(X: np.ndarray, resolution: int):
    x0, x1 = X[:, 0].min() - 0.5, X[:, 0].max() + 0.5
    y0, y1 = X[:, 1].min() - 0.5, X[:, 1].max() + 0.5
    return np.meshgrid(np.linspace(x0, x1, resolution), np.linspace(y0, y1, resolution))


def _scores(model, points: np.ndarray) -> np.ndarray:
    with glassgrad.no_grad():
        return model(glassgrad.tensor(points, dtype=glassgrad.float32))._array[:, 0].astype(np.float64)


def train(epochs: int = 60, *, n: int = 200, hidden: int = 8, lr: float = 0.3, batch_size: int = 16,
          seed: int = 0, resolution: int = 60, on_epoch=None) -> DemoRun:
    """Train ``Linear(2,h)–Tanh–Linear(h,h)–Tanh–Linear(h,1)`` with BCE-with-logits and plain SGD.

    The first mini-batch's step runs through ``explain.step`` with the training optimizer (so it is a
    real step of training, recorded number by number). ``on_epoch(epoch, loss, accuracy)`` after each
    epoch (the progress bar).
    """
    if epochs < 1:
        raise ValueError("epochs must be at least 1")
    start = time.perf_counter()
    X, y = moons(n, noise=0.1, seed=seed)
    glassgrad.manual_seed(seed)
    model = _model(hidden)
    loss_fn = nn.BCEWithLogitsLoss()
    opt = glassgrad.optim.SGD(model.parameters(), lr=lr)
    Xt = glassgrad.tensor(X, dtype=glassgrad.float32)
    yt = glassgrad.tensor(y[:, None], dtype=glassgrad.float32)
    loader = DataLoader(TensorDataset(Xt, yt), batch_size=batch_size, shuffle=True,
                        generator=glassgrad.Generator().manual_seed(seed))
    xx, yy = _grid(X, resolution)
    points = np.c_[xx.ravel(), yy.ravel()]
    run = DemoRun(X, y, model, hidden, lr, batch_size, grid=(xx, yy))
    wanted = set(snapshot_epochs(epochs))
    run.snapshots.append((0, _scores(model, points).reshape(xx.shape)))
    for epoch in range(1, epochs + 1):
        total, count = 0.0, 0
        for xb, yb in loader:
            if run.first_step is None:  # the very first step, every number kept
                run.first_step = step(model, xb, yb, loss_fn, lr, optimizer=opt)
                total += run.first_step.loss * len(xb)
            else:
                loss = loss_fn(model(xb), yb)
                opt.zero_grad()
                loss.backward()
                opt.step()
                total += loss.item() * len(xb)
            count += len(xb)
        accuracy = float(((_scores(model, X) > 0) == (y > 0)).mean())
        run.history.append((epoch, total / count, accuracy))
        if epoch in wanted:
            run.snapshots.append((epoch, _scores(model, points).reshape(xx.shape)))
        if on_epoch is not None:
            on_epoch(epoch, total / count, accuracy)
    run.first_step.rule = "w ← w − lr · ∂L/∂w"  # plain SGD: the optimizer's step is exactly this
    run.seconds = time.perf_counter() - start
    return run


# ---- pictures ----


def _figure(size=(5, 4)):
    return agg_figure(size, dpi=90)


def _png(fig) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()


def _uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def boundary_png(run: DemoRun, scores: np.ndarray, title: str) -> bytes:
    """The plane coloured by the model's prediction, the 0.5-probability line, the data on top."""
    fig = _figure()
    ax = fig.add_subplot(1, 1, 1)
    xx, yy = run.grid
    from matplotlib.colors import ListedColormap  # matplotlib is optional: imported when drawing

    # imshow, not contourf: a picture per snapshot must be cheap (the report draws several)
    ax.imshow(scores > 0, origin="lower", extent=(xx.min(), xx.max(), yy.min(), yy.max()),
              cmap=ListedColormap(["#fde68a", "#bfdbfe"]), vmin=0, vmax=1, aspect="auto",
              interpolation="nearest")
    if scores.min() < 0 < scores.max():
        ax.contour(xx, yy, scores, levels=[0.0], colors="#0f172a", linewidths=1)
    ax.scatter(run.X[:, 0], run.X[:, 1], c=np.where(run.y > 0, "#2563eb", "#d97706"), s=14,
               edgecolors="k", linewidths=0.4)
    ax.set_title(title, fontsize=10)
    ax.set_xticks([])
    ax.set_yticks([])
    fig.subplots_adjust(left=0.02, right=0.98, bottom=0.02, top=0.92)
    return _png(fig)


def curves_png(run: DemoRun) -> bytes:
    fig = _figure((6, 3.6))
    ax = fig.add_subplot(1, 1, 1)
    epochs = [h[0] for h in run.history]
    ax.plot(epochs, [h[1] for h in run.history], color="#2563eb", label="loss (BCE)")
    ax.set_yscale("log")
    ax.set_xlabel("epoch")
    ax.set_ylabel("loss", color="#2563eb")
    ax2 = ax.twinx()
    ax2.plot(epochs, [h[2] for h in run.history], color="#d97706", label="accuracy")
    ax2.set_ylim(0, 1.05)
    ax2.set_ylabel("training accuracy", color="#d97706")
    ax.set_title("loss and accuracy per epoch", fontsize=10)
    fig.tight_layout()
    return _png(fig)


# ---- the sample graph and the gradient check ----


def sample_graph_html(run: DemoRun, index: int = 0) -> tuple:
    """One sample through the trained model, recorded, backward, drawn with explain's player:
    (the page, the height its frame needs)."""
    x = glassgrad.tensor(run.X[index:index + 1], dtype=glassgrad.float32)
    y = glassgrad.tensor(run.y[index:index + 1, None], dtype=glassgrad.float32)
    with record(run.model):
        loss = nn.BCEWithLogitsLoss()(run.model(x), y)
    loss.backward(retain_graph=True)  # the trace asks each rule for its contributions
    g = graph(loss, model=run.model)
    page = g.to_html(title=f"data point #{index}: x = ({run.X[index, 0]:.3f}, {run.X[index, 1]:.3f}), "
                           f"label {int(run.y[index])}")
    run.model.zero_grad()  # this backward was for the picture only
    return page, frame_height(page)


def gradient_check(run: DemoRun, samples: int = 8):
    """The loss of the network on a few samples, as a function of its parameters, in float64."""
    params = [(name, glassgrad.tensor(p._array.astype(np.float64), requires_grad=True))
              for name, p in run.model.named_parameters()]
    xb = glassgrad.tensor(run.X[:samples], dtype=glassgrad.float64)
    yb = glassgrad.tensor(run.y[:samples, None], dtype=glassgrad.float64)

    def loss(w0, b0, w2, b2, w4, b4):
        h = F.linear(xb, w0, b0).tanh()
        h = F.linear(h, w2, b2).tanh()
        return F.binary_cross_entropy_with_logits(F.linear(h, w4, b4), yb)

    return gradcheck_report(loss, [p for _, p in params], names=[n for n, _ in params])


# ---- the page ----

_CSS = """
body { font-family: system-ui, sans-serif; color: #0f172a; margin: 0; background: #f8fafc; }
main { max-width: 1100px; margin: 0 auto; padding: 1em 1.5em 3em; }
section { background: white; border: 1px solid #e2e8f0; border-radius: 10px; padding: 1em 1.4em;
          margin: 1.2em 0; overflow-x: auto; }
h1 { margin: 0.6em 0 0.2em; } h2 { margin-top: 0.2em; }
.summary span { display: inline-block; margin-right: 1.5em; }
img { max-width: 100%; height: auto; }
.boundary img { display: block; }
.boundary img[hidden] { display: none; }
.gg-frame { width: 100%; border: 1px solid #e2e8f0; border-radius: 8px; }
.gg-step svg { max-width: 100%; height: auto; }
.gg-scroll { overflow-x: auto; }
.gg-scroll.gg-overflows { box-shadow: inset -14px 0 10px -10px #64748b66; }
.gg-scroll-cue { display: none; color: #64748b; font-size: 0.8em; }
.gg-overflows + .gg-scroll-cue { display: block; }
@media (max-width: 600px) { main { padding: 0.5em 0.6em 2em; } section { padding: 0.8em 0.8em; } }
.gradcheck table, .gg-step table { border-collapse: collapse; font-size: 0.85em; }
.gradcheck td, .gradcheck th { border: 1px solid #e2e8f0; padding: 2px 8px; text-align: right; }
"""

_SLIDER_JS = """
(function () {
  var slider = document.getElementById('epoch-slider');
  var frames = document.querySelectorAll('.boundary [data-epoch]');
  var label = document.getElementById('epoch-label');
  function show(k) {
    frames.forEach(function (f, i) { f.hidden = (i !== k); });
    label.textContent = 'epoch ' + frames[k].getAttribute('data-epoch');
  }
  slider.addEventListener('input', function () { show(Number(slider.value)); });
  show(Number(slider.value));
  // a table or drawing wider than a phone scrolls inside its box, with a shadow and a word saying so
  function cue() {
    document.querySelectorAll('.gg-scroll').forEach(function (box) {
      box.classList.toggle('gg-overflows', box.scrollWidth > box.clientWidth + 1);
    });
  }
  window.addEventListener('resize', cue);
  cue();
})();
"""


def _e(s) -> str:
    return html.escape(str(s), quote=True)


def _index_of(X: np.ndarray, row) -> int:
    """Which training point a batch row is (the loader shuffled; the batch holds float32 copies)."""
    hits = np.flatnonzero((X.astype(np.float32) == np.asarray(row, np.float32)).all(axis=1))
    return int(hits[0])


def write_report(run: DemoRun, path, *, sample: int = 0) -> str:
    """Write the self-contained report to ``path``; returns the HTML text."""
    frames = "".join(
        f"<img data-epoch='{e}' alt='decision boundary at epoch {e}'"
        f"{' hidden' if k < len(run.snapshots) - 1 else ''} "
        f"src='{_uri(boundary_png(run, s, 'untrained' if e == 0 else f'after epoch {e}'))}'>"
        for k, (e, s) in enumerate(run.snapshots))
    last = len(run.snapshots) - 1
    player, player_height = sample_graph_html(run, sample)
    first = _index_of(run.X, run.first_step.x[0])
    check = gradient_check(run)
    epochs, final_loss, acc = run.history[-1]
    h = run.hidden
    arch = f"Linear(2, {h}) → Tanh → Linear({h}, {h}) → Tanh → Linear({h}, 1)"
    page = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>glassgrad demo: two moons</title><style>{_CSS}</style></head>
<body><main>
<h1>glassgrad demo: a network learns two moons</h1>
<p class="summary"><span>{_e(arch)}</span><span>{len(run.X)} points</span>
<span>SGD, lr {run.lr}, batches of {run.batch_size}</span><span>{epochs} epochs in {run.seconds:.1f} s</span>
<span>final loss <b>{short(final_loss)}</b></span><span>accuracy <b>{acc:.0%}</b></span></p>

<section id="boundary" class="boundary"><h2>1. The decision boundary over the epochs</h2>
<p>Drag the slider: the line where the network's output crosses 0 (probability ½) bends around the moons.</p>
<label><input type="range" id="epoch-slider" min="0" max="{last}" value="{last}" step="1">
<span id="epoch-label"></span></label>
<div>{frames}</div></section>

<section id="curves"><h2>2. Loss and accuracy</h2>
<img alt="loss and accuracy curves" src="{_uri(curves_png(run))}"></section>

<section id="graph"><h2>3. One data point's computation graph, step by step</h2>
<p>Data point #{sample} of the training set through the trained network: every node's value and
gradient. Use the player's buttons or the arrow keys to walk forward through the operations, then
backward through the chain rule.</p>
<iframe class="gg-frame" title="computation graph player" sandbox="allow-scripts" style="height:{player_height}px"
srcdoc="{html.escape(player, quote=True)}"></iframe></section>

<section id="step"><h2>4. The first training step, every number</h2>
<p>The first mini-batch ({run.first_step.x.shape[0]} samples, shuffled; the diagram follows its first
sample, data point #{first} of the training set), before any learning: each layer's weighted sums and
activations, the loss, every gradient, and each update.</p>
<div class="gg-scroll">{run.first_step.to_html()}</div><p class="gg-scroll-cue">→ scroll sideways for the rest</p></section>

<section id="gradcheck"><h2>5. Gradient check</h2>
<p>backward's gradient of the loss (on {min(8, len(run.X))} samples, float64) against central differences, for every
parameter; the plot shows why the step h must be neither too big (truncation) nor too small (round-off).</p>
<div class="gg-scroll">{check.to_html()}</div><p class="gg-scroll-cue">→ scroll sideways for the rest</p></section>
<footer>made with glassgrad — everything in this page is in this one file.</footer>
</main>
<script>{_SLIDER_JS}</script>
</body></html>
"""
    with open(path, "w", encoding="utf-8") as f:
        f.write(page)
    return page
