"""The ``glassgrad`` command.

    glassgrad demo [--out DIR] [--steps N] [--seed S]

Each subcommand is one ``add_<name>(subparsers)`` function that declares its arguments and one
``run_<name>(args)`` function that does the work; ``main`` only dispatches. To add a subcommand, write
the pair and list ``add_<name>`` in ``COMMANDS``.
"""

from __future__ import annotations

import argparse
import os
import sys

__all__ = ["main"]


def _need(module: str, extra: str):
    try:
        return __import__(module, fromlist=["_"])
    except ImportError as e:
        package = module.split(".")[0]
        raise SystemExit(f"glassgrad: this command needs {package}: pip install glassgrad[{extra}]") from e


# ---- glassgrad demo ----


def add_demo(subparsers) -> None:
    p = subparsers.add_parser(
        "demo",
        help="train a scalar MLP on the two-moons data and draw what it learned",
        description="Train MLP(2, [16, 16, 1]) on 100 noisy moons with the hinge loss (micrograd's demo), "
        "then write a decision-boundary plot and a loss curve.",
    )
    p.add_argument("--out", default="glassgrad-demo", help="folder for the PNGs (default: glassgrad-demo)")
    p.add_argument("--steps", type=int, default=100, help="training steps (default: 100)")
    p.add_argument("--seed", type=int, default=0, help="seed for the data and the initial weights")
    p.set_defaults(run=run_demo)


def train_moons(steps: int = 100, seed: int = 0, on_step=None):
    """micrograd's demo: hinge loss + 1e-4 L2, learning rate 1.0 − 0.9·k/100. Returns (model, X, y, history).

    ``on_step(k, loss, accuracy)`` is called after every step; ``history`` is the list of (loss, accuracy).
    """
    from glassgrad.datasets import moons
    from glassgrad.scalar.nn import MLP, hinge, l2_penalty, sgd_step

    X, y = moons(100, noise=0.1, seed=seed)
    y = y * 2 - 1  # labels −1 / +1 for the hinge loss
    inputs = X.tolist()
    labels = [float(v) for v in y]
    model = MLP(2, [16, 16, 1], seed=seed)
    history = []
    for k in range(steps):
        scores = [model(x) for x in inputs]
        loss = hinge(scores, labels) + l2_penalty(model.parameters(), 1e-4)
        accuracy = sum((s.data > 0) == (t > 0) for s, t in zip(scores, labels)) / len(labels)
        model.zero_grad()
        loss.backward()
        sgd_step(model.parameters(), lr=1.0 - 0.9 * k / 100)
        history.append((loss.data, accuracy))
        if on_step:
            on_step(k, loss.data, accuracy)
    return model, X, y, history


def final_accuracy(model, X, y) -> float:
    return sum((model(list(x)).data > 0) == (t > 0) for x, t in zip(X, y)) / len(y)


def plot_decision_boundary(model, X, y, path, resolution: int = 80) -> None:
    """Colour the plane by the sign of the model's score, and draw the data on top."""
    import numpy as np
    import matplotlib.pyplot as plt

    x_min, x_max = X[:, 0].min() - 0.5, X[:, 0].max() + 0.5
    y_min, y_max = X[:, 1].min() - 0.5, X[:, 1].max() + 0.5
    xx, yy = np.meshgrid(np.linspace(x_min, x_max, resolution), np.linspace(y_min, y_max, resolution))
    scores = np.array([model([a, b]).data for a, b in zip(xx.ravel(), yy.ravel())]).reshape(xx.shape)
    fig, ax = plt.subplots(figsize=(6, 5))
    ax.contourf(xx, yy, scores > 0, cmap="Spectral", alpha=0.8)
    ax.contour(xx, yy, scores, levels=[0.0], colors="k", linewidths=1)
    ax.scatter(X[:, 0], X[:, 1], c=y, s=40, cmap="Spectral", edgecolors="k")
    ax.set_title("decision boundary of MLP(2, [16, 16, 1])")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def plot_loss(history, path) -> None:
    import matplotlib.pyplot as plt

    fig, ax1 = plt.subplots(figsize=(6, 4))
    ax1.plot([h[0] for h in history], color="tab:blue")
    ax1.set_xlabel("step")
    ax1.set_ylabel("loss (hinge + L2)", color="tab:blue")
    ax2 = ax1.twinx()
    ax2.plot([h[1] for h in history], color="tab:orange")
    ax2.set_ylabel("training accuracy", color="tab:orange")
    ax2.set_ylim(0, 1.05)
    ax1.set_title("training")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def run_demo(args) -> int:
    matplotlib = _need("matplotlib", "viz")
    matplotlib.use("Agg")  # files only, no window
    progress_mod = _need("rich.progress", "viz")
    if args.steps < 1:
        raise SystemExit("glassgrad demo: --steps must be at least 1")

    with progress_mod.Progress(
        progress_mod.TextColumn("training"),
        progress_mod.BarColumn(),
        progress_mod.MofNCompleteColumn(),
        progress_mod.TextColumn("{task.description}"),
        progress_mod.TimeElapsedColumn(),
    ) as progress:
        task = progress.add_task("", total=args.steps)

        def on_step(k, loss, accuracy):
            progress.update(task, advance=1, description=f"loss {loss:.4f}  accuracy {accuracy:.0%}")

        model, X, y, history = train_moons(args.steps, args.seed, on_step)

    os.makedirs(args.out, exist_ok=True)
    boundary = os.path.join(args.out, "decision_boundary.png")
    curve = os.path.join(args.out, "loss.png")
    plot_decision_boundary(model, X, y, boundary)
    plot_loss(history, curve)
    print(f"decision boundary: {boundary}")
    print(f"loss curve:        {curve}")
    print(f"final accuracy:    {final_accuracy(model, X, y):.0%}")
    return 0


# ---- dispatch ----

COMMANDS = [add_demo]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="glassgrad", description="An autograd engine you can see through.")
    subparsers = parser.add_subparsers(dest="command", metavar="command")
    for add in COMMANDS:
        add(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "run", None):
        parser.print_help()
        return 2
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
