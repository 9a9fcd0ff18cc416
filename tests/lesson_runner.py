"""What the lesson tests share (tests/test_lessons.py, test_lessons_lm.py, test_lessons_gpt.py): loading a
lesson script as a module, running it once per mode, comparing what it prints with what its page shows,
and running the page's own text and code blocks.

pytest puts this folder on ``sys.path`` (as for the op catalogs), so the test files import it directly.
"""

from __future__ import annotations

import contextlib
import functools
import importlib.util
import io
import math
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LESSONS = ROOT / "examples" / "lessons"
DOCS = ROOT / "docs" / "lessons"
sys.path.insert(0, str(LESSONS))  # the lessons import their shared helpers, _lesson.py and _names.py


def load(stem: str):
    """Import examples/lessons/<stem>.py as a module (its name starts with a digit, so not by import)."""
    spec = importlib.util.spec_from_file_location(f"lesson_{stem}", LESSONS / f"{stem}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run_lesson(stem: str, quick: bool = True):
    """(the dict main returns, what it printed); each lesson runs once per mode for the whole test run."""
    return _run_lesson(stem, bool(quick))


@functools.lru_cache(maxsize=None)
def _run_lesson(stem: str, quick: bool):
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        result = load(stem).main(quick=quick)
    return result, buffer.getvalue()


def numbers_match(expected: str, actual: str) -> bool:
    """Same words; numbers equal to 6 significant digits (or both tiny: last-bit differences are noise)."""
    e, a = expected.split(), actual.split()
    if len(e) != len(a):
        return False
    for x, y in zip(e, a):
        if x == y:
            continue
        try:
            fx, fy = float(x.strip("[],();'")), float(y.strip("[],();'"))
        except ValueError:
            return False
        if not math.isclose(fx, fy, rel_tol=1e-6, abs_tol=1e-12):
            return False
    return True


def page_of(stem: str) -> Path:
    """docs/lessons/NN-name.md for examples/lessons/NN_name.py."""
    return DOCS / f"{stem[:2]}-{stem[3:].replace('_', '-')}.md"


def check_page_output(stem: str, twin_same_mode: bool = False) -> None:
    """The ```text blocks after "## What it prints" are what the lesson (then its twin) prints when run;
    the lesson in the mode the page says, the twin in full (or, ``twin_same_mode``, the lesson's mode)."""
    twin = LESSONS / f"{stem}_torch.py"
    section = page_of(stem).read_text().split("## What it prints", 1)[1].split("\n## ", 1)[0]
    shown = re.findall(r"```text\n(.*?)```", section, flags=re.S)
    quick = "--quick" in section.split("```")[0]
    runs = [(stem, quick)] + ([(twin.stem, quick and twin_same_mode)] if twin.exists() else [])
    assert len(shown) == len(runs)
    for text, (name, mode) in zip(shown, runs):
        printed = run_lesson(name, mode)[1]
        assert numbers_match(text, printed), f"{page_of(stem).name} no longer shows what {name} prints:\n{printed}"


def run_python_blocks(page: Path) -> None:
    """Every ```python block of a page runs (blocks that import torch only where PyTorch is installed)."""
    blocks = re.findall(r"```python\n(.*?)```", page.read_text(), flags=re.S)
    for i, block in enumerate(blocks):
        if "import torch" in block and not importlib.util.find_spec("torch"):
            continue
        exec(compile(block, f"{page.name} block {i}", "exec"), {"__name__": "docs"})
