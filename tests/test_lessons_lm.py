"""Lessons 11–16 (examples/lessons/1[1-6]_*.py), the language-model lessons: every number they claim.

As tests/test_lessons.py does for lessons 1–10: each lesson runs once in quick mode, and its numbers are
held against an independent numpy computation, against PyTorch (the ``*_torch.py`` twins, same seed:
glassgrad's random numbers are PyTorch's), or against the behaviour the lesson describes. Each page in
docs/lessons/ shows what its lesson prints; a fresh run is compared with it, and the page's code runs.
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

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
LESSONS = ROOT / "examples" / "lessons"
DOCS = ROOT / "docs" / "lessons"
sys.path.insert(0, str(LESSONS))  # the lessons import their shared helper, _lesson.py

pytest.importorskip("names", reason="the language-model lessons read the census names of the `names` package")


def load(stem: str):
    """Import examples/lessons/<stem>.py as a module (its name starts with a digit, so not by import)."""
    spec = importlib.util.spec_from_file_location(f"lesson_{stem}", LESSONS / f"{stem}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@functools.lru_cache(maxsize=None)
def run_lesson(stem: str, quick: bool = True):
    """(the dict main returns, what it printed); each lesson runs once per mode for the whole file."""
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        result = load(stem).main(quick=quick)
    return result, buffer.getvalue()


def census_names() -> list[str]:
    """The names, read here independently of the lessons' loader: first column, lower case, a–z only."""
    import names  # imported here: pytest.importorskip above has already checked it is installed

    folder = Path(names.__file__).parent
    words = {line.split()[0].lower() for f in ("dist.female.first", "dist.male.first")
             for line in (folder / f).read_text().splitlines() if line.strip()}
    return sorted(w for w in words if re.fullmatch(r"[a-z]+", w))


def bigram_arrays(words):
    chars = "." + "abcdefghijklmnopqrstuvwxyz"
    xs, ys = [], []
    for w in words:
        s = "." + w + "."
        xs += [chars.index(c) for c in s[:-1]]
        ys += [chars.index(c) for c in s[1:]]
    return np.array(xs), np.array(ys)


# ---- 11. counting is a model ----

def test_11_counts_and_nll_equal_an_independent_numpy_count():
    r, _ = run_lesson("11_bigrams")
    words = census_names()
    xs, ys = bigram_arrays(words)
    counts = np.zeros((27, 27), dtype=np.int64)
    np.add.at(counts, (xs, ys), 1)
    assert r["words"] == len(words) > 5000
    assert r["bigrams"] == len(xs) == counts.sum()
    np.testing.assert_array_equal(r["counts"], counts)
    chars = "." + "abcdefghijklmnopqrstuvwxyz"
    top = sorted(((counts[a, b], chars[a] + chars[b]) for a in range(27) for b in range(27)), reverse=True)[:6]
    assert [n for _, n in r["top"]] == [n for n, _ in top]
    P = (counts + 1) / (counts + 1).sum(1, keepdims=True)
    nll = -np.log(P[xs, ys]).mean()
    assert r["count_nll"] == pytest.approx(nll, rel=1e-5)
    assert nll < math.log(27)
    # a linear layer on one-hot input with W = ln P is the counting model
    assert r["exact_as_network"] == pytest.approx(nll, rel=1e-5)


def test_11_gradient_descent_walks_to_the_counting_loss_but_not_below_the_best_possible():
    r, _ = run_lesson("11_bigrams")
    losses = r["losses"]
    assert len(losses) == r["steps"]
    assert losses[0] > math.log(27) > 3.0 > losses[-1]
    assert all(b < a for a, b in zip(losses, losses[1:]))
    assert 0 < losses[-1] - r["count_nll"] < 0.05
    # no bigram model can score below the unsmoothed counts (the maximum-likelihood one)
    xs, ys = bigram_arrays(census_names())
    counts = np.zeros((27, 27))
    np.add.at(counts, (xs, ys), 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        best = -np.log((counts / counts.sum(1, keepdims=True))[xs, ys]).mean()
    assert best < r["count_nll"] < losses[-1]
    assert r["first_letters"].sum() == pytest.approx(1.0, abs=1e-5) and r["first_letters"][0] < 0.01 < 1 / 27  # "" is no name
    assert all(re.fullmatch(r"[a-z]*", s) for s in r["samples"] + r["samples_nn"])


def test_11_twin_gives_the_same_samples_and_losses():
    pytest.importorskip("torch")
    ours, theirs = run_lesson("11_bigrams")[0], run_lesson("11_bigrams_torch")[0]
    np.testing.assert_array_equal(ours["counts"], theirs["counts"])
    assert ours["samples"] == theirs["samples"] and ours["samples_nn"] == theirs["samples_nn"]
    assert ours["count_nll"] == pytest.approx(theirs["count_nll"], rel=1e-6)
    np.testing.assert_allclose(ours["losses"], theirs["losses"], rtol=1e-5)   # float32 rounding
    assert run_lesson("11_bigrams")[1] == run_lesson("11_bigrams_torch")[1]  # every printed line


# ---- the pages ----

def _numbers_match(expected: str, actual: str) -> bool:
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


def _page(stem):
    return DOCS / f"{stem[:2]}-{stem[3:].replace('_', '-')}.md"


LM_LESSONS = [p.stem for p in sorted(LESSONS.glob("1[1-6]_*.py")) if not p.stem.endswith("_torch")]
LM_PAGES = sorted(DOCS.glob("1[1-6]-*.md"))


@pytest.mark.parametrize("stem", LM_LESSONS)
def test_each_page_shows_the_output_of_a_real_run(stem):
    """The ```text blocks after "## What it prints" are what the lesson (then its twin) prints when run."""
    twin = LESSONS / f"{stem}_torch.py"
    if twin.exists():
        pytest.importorskip("torch")
    section = _page(stem).read_text().split("## What it prints", 1)[1].split("\n## ", 1)[0]
    shown = re.findall(r"```text\n(.*?)```", section, flags=re.S)
    quick = "--quick" in section.split("```")[0]
    runs = [(stem, quick)] + ([(twin.stem, quick)] if twin.exists() else [])
    assert len(shown) == len(runs)
    for text, (name, mode) in zip(shown, runs):
        printed = run_lesson(name, mode)[1]
        assert _numbers_match(text, printed), f"{_page(stem).name} no longer shows what {name} prints:\n{printed}"


@pytest.mark.parametrize("page", LM_PAGES, ids=[p.stem for p in LM_PAGES])
def test_each_pages_python_blocks_run(page, capsys):
    blocks = re.findall(r"```python\n(.*?)```", page.read_text(), flags=re.S)
    for i, block in enumerate(blocks):
        if "import torch" in block and not importlib.util.find_spec("torch"):
            continue
        exec(compile(block, f"{page.name} block {i}", "exec"), {"__name__": "docs"})
