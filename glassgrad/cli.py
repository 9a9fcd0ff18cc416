"""The ``glassgrad`` command.

    glassgrad demo [--out DIR] [--epochs N] [--seed S] [--open] [--engine tensor|scalar]
    glassgrad explain "tanh(x1*w1 + x2*w2 + b)" --at x1=2,x2=0,w1=-3,w2=1,b=6.88 [--svg F] [--html F] [--dot F]
    glassgrad run-as-torch SCRIPT [ARGS...]

Each subcommand is one ``add_<name>(subparsers)`` function that declares its arguments and one
``run_<name>(args)`` function that does the work; ``main`` only dispatches. To add a subcommand, write
the pair and list ``add_<name>`` in ``COMMANDS``.

This file sits on top of the package: it reads every part and no part reads it.
"""

# Why some imports sit inside functions: each ``run_<name>`` loads its own subcommand's modules when that
# subcommand runs, so ``glassgrad --help`` stays fast and a missing optional extra (matplotlib and rich,
# starlette and uvicorn) stops only the command that needs it. Every other import is here at the top.

from __future__ import annotations

import argparse
import math
import os
import sys
import webbrowser
from pathlib import Path

import numpy as np

from glassgrad.datasets import moons
from glassgrad.scalar.nn import MLP, hinge, l2_penalty, sgd_step

__all__ = ["main"]


def _missing_extra(error: ImportError, extra: str) -> SystemExit:
    """What to raise when a subcommand's import failed: how to install the extra that has the package.

    A glassgrad module that fails to import is a bug, not a missing extra: its own error is raised again.
    """
    package = (error.name or "").split(".")[0]
    if package in ("", "glassgrad"):
        raise error
    return SystemExit(f"glassgrad: this command needs {package}: pip install glassgrad[{extra}]")


# ---- glassgrad demo ----


def add_demo(subparsers) -> None:
    p = subparsers.add_parser(
        "demo",
        help="train a network on two moons and write a report with every number",
        description="Train Linear(2,8)-Tanh-Linear(8,8)-Tanh-Linear(8,1) on 200 noisy moons (Tensor "
        "engine, SGD) and write one self-contained report.html: the decision boundary over the epochs, "
        "loss and accuracy, one sample's graph with a step-through player, the first training step with "
        "every number, and a gradient check. --engine scalar runs micrograd's demo instead "
        "(MLP(2, [16, 16, 1]) of Values, hinge loss) and draws its two pictures.",
    )
    p.add_argument("--out", default="glassgrad-demo", help="folder for the outputs (default: glassgrad-demo)")
    p.add_argument("--epochs", "--steps", dest="steps", type=int, default=None,
                   help="epochs of training (default: 60; scalar engine: steps, default 100)")
    p.add_argument("--seed", type=int, default=0, help="seed for the data and the initial weights")
    p.add_argument("--engine", choices=["tensor", "scalar"], default="tensor",
                   help="tensor: the full report (default); scalar: micrograd's demo on Values")
    p.add_argument("--open", action="store_true", help="open report.html in a browser when one is available")
    p.set_defaults(run=run_demo)


def train_moons(steps: int = 100, seed: int = 0, on_step=None):
    """micrograd's demo: hinge loss + 1e-4 L2, learning rate 1.0 − 0.9·k/100. Returns (model, X, y, history).

    ``on_step(k, loss, accuracy)`` is called after every step; ``history`` is the list of (loss, accuracy).
    """
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


def plot_decision_boundary(plt, model, X, y, path, resolution: int = 80) -> None:
    """Colour the plane by the sign of the model's score, and draw the data on top (``plt``: pyplot)."""
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


def plot_loss(plt, history, path) -> None:
    """The loss and the training accuracy, step by step (``plt``: pyplot)."""
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


def _progress(progress_mod):
    return progress_mod.Progress(
        progress_mod.TextColumn("training"),
        progress_mod.BarColumn(),
        progress_mod.MofNCompleteColumn(),
        progress_mod.TextColumn("{task.description}"),
        progress_mod.TimeElapsedColumn(),
    )


def run_demo(args) -> int:
    try:  # this subcommand's modules: the viz extra (matplotlib, rich) and the tensor engine's report
        import matplotlib.pyplot as plt
        import rich.progress

        from glassgrad.explain import report as report_mod
    except ImportError as e:
        raise _missing_extra(e, "viz") from e
    plt.switch_backend("Agg")  # files only, no window
    if args.steps is not None and args.steps < 1:
        raise SystemExit("glassgrad demo: --epochs must be at least 1")
    if args.engine == "scalar":
        return _scalar_demo(args, rich.progress, plt)
    return _tensor_demo(args, rich.progress, report_mod)


def _tensor_demo(args, progress_mod, report_mod) -> int:
    epochs = args.steps or 60
    with _progress(progress_mod) as progress:
        task = progress.add_task("", total=epochs)

        def on_epoch(epoch, loss, accuracy):
            progress.update(task, advance=1, description=f"loss {loss:.4f}  accuracy {accuracy:.0%}")

        run = report_mod.train(epochs, seed=args.seed, on_epoch=on_epoch)

    os.makedirs(args.out, exist_ok=True)
    report = os.path.abspath(os.path.join(args.out, "report.html"))
    report_mod.write_report(run, report)
    boundary = os.path.join(args.out, "decision_boundary.png")
    curve = os.path.join(args.out, "loss.png")
    with open(boundary, "wb") as f:
        f.write(report_mod.boundary_png(run, run.snapshots[-1][1], f"after epoch {run.snapshots[-1][0]}"))
    with open(curve, "wb") as f:
        f.write(report_mod.curves_png(run))
    print(f"report:            {report}")
    print(f"decision boundary: {boundary}")
    print(f"loss curve:        {curve}")
    print(f"final accuracy:    {run.accuracy:.0%}")
    if args.open:
        _open_in_browser(report)
    return 0


def _open_in_browser(path: str) -> bool:
    """Open ``path`` in the user's browser if there is one; say so if not."""
    try:
        webbrowser.get()
    except webbrowser.Error:
        print("no browser found: open the report yourself")
        return False
    return bool(webbrowser.open(Path(path).as_uri()))


def _scalar_demo(args, progress_mod, plt) -> int:
    steps = args.steps or 100
    with _progress(progress_mod) as progress:
        task = progress.add_task("", total=steps)

        def on_step(k, loss, accuracy):
            progress.update(task, advance=1, description=f"loss {loss:.4f}  accuracy {accuracy:.0%}")

        model, X, y, history = train_moons(steps, args.seed, on_step)

    os.makedirs(args.out, exist_ok=True)
    boundary = os.path.join(args.out, "decision_boundary.png")
    curve = os.path.join(args.out, "loss.png")
    plot_decision_boundary(plt, model, X, y, boundary)
    plot_loss(plt, history, curve)
    print(f"decision boundary: {boundary}")
    print(f"loss curve:        {curve}")
    print(f"final accuracy:    {final_accuracy(model, X, y):.0%}")
    return 0


# ---- glassgrad explain ----


def add_explain(subparsers) -> None:
    p = subparsers.add_parser(
        "explain",
        help="draw an expression's graph and narrate its forward and backward pass",
        description="Parse EXPRESSION (numbers, variables, + - * / **, and tanh exp log relu sigmoid "
        "sqrt abs leaky_relu; never eval), build it from Values at the point given by --at, run "
        "backward, and print the node table and every chain-rule step.",
    )
    p.add_argument("expression", help='e.g. "tanh(x1*w1 + x2*w2 + b)"; one that starts with "-" works too')
    p.add_argument("--at", action="append", default=[], metavar="NAME=NUMBER,...",
                   help="the variables' values, e.g. x1=2,w1=-3 (repeat --at to add more)")
    p.add_argument("--svg", metavar="FILE", help="write the graph as SVG")
    p.add_argument("--html", metavar="FILE", help="write a self-contained page with a step-through player")
    p.add_argument("--dot", metavar="FILE", help="write the graph as graphviz DOT text")
    p.set_defaults(run=run_explain)


EXPLAIN_OPTIONS = ("--at", "--svg", "--html", "--dot", "--help")  # each but --help takes a value


def expression_after_dashes(argv: list) -> list:
    """``explain -x --at x=1`` -> ``explain --at x=1 -- -x``: an expression that starts with "-".

    argparse reads any word that starts with "-" as an option, so ``-x`` or ``-tanh(x)`` would be refused
    as unknown options. A word in the expression's place that is not one of explain's own options (nor
    an abbreviation of one, nor ``-h``) moves after a ``--``, where argparse reads it as the expression.
    """
    if not argv or argv[0] != "explain" or "--" in argv:
        return argv
    kept, moved, expects_value = [argv[0]], [], False
    for word in argv[1:]:
        if expects_value or not word.startswith("-") or word in ("-", "-h"):
            kept.append(word)
            expects_value = False
            continue
        name = word.split("=", 1)[0]
        known = [o for o in EXPLAIN_OPTIONS if o.startswith(name)] if name.startswith("--") else []
        if known:
            kept.append(word)
            expects_value = "=" not in word and "--help" not in known
        else:
            moved.append(word)
    return kept + ["--"] + moved if moved else argv


def _unwritable(path: str) -> str | None:
    """Why ``path`` cannot be written as an output file, or None when it looks writable."""
    if os.path.isdir(path):
        return "it is a folder, not a file"
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        return f"its folder {folder} does not exist"
    if os.path.exists(path) and not os.access(path, os.W_OK):
        return "it is not writable"
    if not os.path.exists(path) and not os.access(folder, os.W_OK | os.X_OK):
        return f"its folder {folder} is not writable"
    return None


def _first_non_finite(steps):
    """(position from 1, step) of the first forward and of the first backward step whose number is inf
    or nan (None where there is none): where a non-finite result first appeared."""
    found = {"forward": None, "backward": None}
    for k, s in enumerate(steps, 1):
        if found[s.phase] is None and isinstance(s.result, float) and not math.isfinite(s.result):
            found[s.phase] = (k, s)
    return found["forward"], found["backward"]


def run_explain(args) -> int:
    # this subcommand's modules: glassgrad.explain, and rich for tables when it is installed
    from glassgrad.explain import graph, trace
    from glassgrad.explain.parse import ExpressionError, evaluate, parse, parse_assignments
    from glassgrad.explain.style import RICH

    try:
        import rich.console
        import rich.table
    except ImportError:  # without rich (the viz extra) the same text is printed plain
        rich = None

    outputs = [(flag, path) for flag, path in (("--svg", args.svg), ("--html", args.html),
                                               ("--dot", args.dot)) if path]
    for flag, path in outputs:  # before any work: a bad path must not cost a whole run
        problem = _unwritable(path)
        if problem:
            print(f"glassgrad explain: cannot write {flag} {path}: {problem}", file=sys.stderr)
            return 2
    try:
        values = parse_assignments(",".join(args.at))  # repeated --at options add up
        if not values:  # no --at: say which values are needed rather than "unknown name"
            needed = parse(args.expression).names
            if needed:
                example = ",".join(f"{n}=..." for n in needed)
                raise ExpressionError(f"give the variables' values: --at {example}")
        expr = parse(args.expression, values.keys())
        root = evaluate(expr, values)
    except ExpressionError as e:
        print(f"glassgrad explain: {e}", file=sys.stderr)
        return 2
    unused = [name for name in values if name not in expr.names]
    if unused:
        print(f"glassgrad explain: warning: --at gives {', '.join(unused)}, which the expression does "
              "not use", file=sys.stderr)
    if root.parents and not root.label:
        root.label = "out"  # the output's name; the steps then read ∂f/∂out, ∂f/∂x
    root.backward()
    g = graph(root)
    steps = trace(g)
    if rich is None:
        _print_plain(g, steps)
    else:
        _print_rich(g, steps, rich.console.Console(), rich.table.Table, RICH)
    for k, step in filter(None, _first_non_finite(steps)):
        what = "a value" if step.phase == "forward" else "a gradient"
        print(f"glassgrad explain: warning: {what} is {step.result} (not a finite number); it first "
              f"appears at step {k}: {step.text}", file=sys.stderr)
    drawings = {"--svg": g.to_svg, "--html": lambda: g.to_html(steps=steps), "--dot": g.to_dot}
    for flag, path in outputs:
        try:
            with open(path, "w", encoding="utf-8") as f:
                f.write(drawings[flag]())
        except OSError as e:
            print(f"glassgrad explain: cannot write {flag} {path}: {e.strerror or e}", file=sys.stderr)
            return 2
        print(f"wrote {path}")
    return 0


def _print_plain(g, steps) -> None:
    """The node table and the narrated steps as plain text."""
    print(str(g))
    print()
    for s in steps:
        print(f"{s.phase:>8}  {s.text}")


def _print_rich(g, steps, console, Table, RICH) -> None:
    """The node table and the narrated steps as rich tables (``RICH``: the explain style's colours)."""
    console.print(g.table())
    t = Table(title="the chain rule, step by step")
    t.add_column("#", justify="right")
    t.add_column("phase")
    t.add_column("step")
    for k, s in enumerate(steps, 1):
        style = RICH["value"] if s.phase == "forward" else RICH["active"] if s.accumulates else RICH["grad"]
        t.add_row(str(k), s.phase, s.text, style=style)
    console.print(t)


# ---- glassgrad run-as-torch ----


def add_run_as_torch(subparsers) -> None:
    p = subparsers.add_parser(
        "run-as-torch",
        help="run a PyTorch script with glassgrad standing in for torch",
        description="Run SCRIPT as __main__ with every `import torch` (and torch.nn, torch.optim, "
        "torch.utils.data ...) answered by glassgrad. Arguments after SCRIPT go to the script.",
    )
    p.add_argument("script", help="a Python file written for PyTorch")
    p.add_argument("args", nargs=argparse.REMAINDER, help="the script's own arguments")
    p.set_defaults(run=run_run_as_torch)


def run_run_as_torch(args) -> int:
    from glassgrad.as_torch import run  # this subcommand's module

    if not os.path.isfile(args.script):
        print(f"glassgrad run-as-torch: no such file: {args.script}", file=sys.stderr)
        return 2
    run(args.script, args.args)
    return 0


# ---- glassgrad studio ----


def add_studio(subparsers) -> None:
    p = subparsers.add_parser(
        "studio",
        help="open the local web studio: build a network, train it live, step through one sample",
        description="Serve the studio on 127.0.0.1 (only) and open it in the browser.",
    )
    p.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (default: 0, any free port)")
    p.add_argument("--no-browser", action="store_true", help="print the URL without opening a browser")
    p.set_defaults(run=run_studio)


def run_studio(args) -> int:
    try:  # this subcommand's module, which needs the studio extra (starlette, uvicorn)
        from glassgrad.studio import server
    except ImportError as e:
        raise _missing_extra(e, "studio") from e
    try:
        server.serve(port=args.port, open_browser=not args.no_browser)
    except (ValueError, OSError) as e:
        print(f"glassgrad studio: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        pass
    return 0


# ---- dispatch ----

COMMANDS = [add_demo, add_explain, add_run_as_torch, add_studio]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="glassgrad", description="An autograd engine you can see through.")
    subparsers = parser.add_subparsers(dest="command", metavar="command")
    for add in COMMANDS:
        add(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(expression_after_dashes(sys.argv[1:] if argv is None else list(argv)))
    if not getattr(args, "run", None):
        parser.print_help()
        return 2
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
