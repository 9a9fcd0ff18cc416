"""What every lesson shares: the command line, tables of numbers, and optional pictures.

Each lesson is a script with a ``main(quick=False, out=None) -> dict``: it prints its numbers as it goes
and returns the ones it claims, so ``tests/test_lessons.py`` can check every claim. ``run(main)`` is the
script form: ``python examples/lessons/NN_name.py [--quick] [--out DIR]``. Pictures are drawn only when
matplotlib is installed and an ``--out`` folder is in play (the command line always gives one: a fresh
temporary folder unless you name one).
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import os
import tempfile


def table(headers, rows, formats=None) -> str:
    """Rows of numbers as an aligned text table; ``formats`` are format specs per column ("" = str)."""
    formats = formats or [""] * len(headers)
    cells = [[format(v, f) if f and not isinstance(v, str) else str(v) for v, f in zip(row, formats)] for row in rows]
    widths = [max(len(str(h)), *(len(r[i]) for r in cells)) for i, h in enumerate(headers)]
    # Numbers line up on the right, words on the left.
    left = [not f for f in formats]

    def line(items):
        return "  ".join(s.ljust(w) if lj else s.rjust(w) for s, w, lj in zip(map(str, items), widths, left)).rstrip()

    return "\n".join([line(headers), line("-" * w for w in widths), *(line(r) for r in cells)])


def figure(out, name, ncols: int = 1, size=(6, 4)):
    """A (figure, axes) pair to draw on, or (None, None) when there is nowhere to save it or no matplotlib."""
    if out is None:
        return None, None
    try:
        import matplotlib

        matplotlib.use("Agg")  # files only, never a window
        import matplotlib.pyplot as plt
    except ImportError:
        return None, None
    fig, ax = plt.subplots(1, ncols, figsize=size)
    fig._lesson_path = os.path.join(out, name)
    return fig, ax


def save(fig) -> str | None:
    """Save a figure from ``figure`` to its PNG, close it, and say where it went."""
    if fig is None:
        return None
    import matplotlib.pyplot as plt

    fig.tight_layout()
    fig.savefig(fig._lesson_path, dpi=100)
    plt.close(fig)
    print(f"(picture: {fig._lesson_path})")
    return fig._lesson_path


def run(main, description: str) -> dict:
    """The script form of a lesson: parse ``--quick`` and ``--out``, say where pictures will go, then
    call ``main``."""
    parser = argparse.ArgumentParser(description=description.strip().splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes, fewer steps (as the tests run it)")
    parser.add_argument("--out", default=None, help="folder for the PNG pictures (default: a new temporary one)")
    args = parser.parse_args()
    out = args.out or tempfile.mkdtemp(prefix="glassgrad-lesson-")
    os.makedirs(out, exist_ok=True)
    if importlib.util.find_spec("matplotlib") is None:
        print("(no pictures: matplotlib is missing; pip install -e '.[viz]' adds it)")
    elif args.out is None:
        print(f"(pictures go to {out}; --out DIR puts them in a folder of your choice)")
    return main(quick=args.quick, out=out)


def require_torch():
    """PyTorch, for a lesson's twin, or a one-line way to get it: glassgrad's dev extra installs
    PyTorch's CPU build (``pip install -e '.[dev]'``)."""
    try:
        return importlib.import_module("torch")
    except ModuleNotFoundError:
        raise SystemExit("This is a PyTorch twin: it needs PyTorch. Install it with glassgrad's dev extra, "
                         "pip install -e '.[dev]' (PyTorch's CPU build), or pip install torch.") from None
