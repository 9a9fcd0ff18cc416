"""explain/report.py (the demo report's parts) and docs/part4-trace.md (its code runs, its printed trace
is what the code prints)."""

import contextlib
import io
import re
from pathlib import Path

import numpy as np
import pytest

import glassgrad
from glassgrad.explain.report import _model, snapshot_epochs, train

DOC = Path(__file__).resolve().parents[2] / "docs" / "part4-trace.md"


def test_snapshot_epochs():
    epochs = snapshot_epochs(60)
    assert epochs[0] == 0 and epochs[-1] == 60 and len(epochs) == 9
    gaps = np.diff(epochs)
    assert gaps.max() - gaps.min() <= 1  # the slider's positions are evenly spaced in epochs
    assert snapshot_epochs(1) == [0, 1]
    assert snapshot_epochs(3) == [0, 1, 2, 3]


def test_the_first_step_is_a_real_training_step():
    run = train(2, seed=5, n=64, hidden=4)
    assert [h[0] for h in run.history] == [1, 2] and 0 <= run.accuracy <= 1
    glassgrad.manual_seed(5)
    fresh = _model(4)  # the same initial weights the run started from
    ts = run.first_step
    assert ts.rule == "w ← w − lr · ∂L/∂w" and ts.lr == run.lr and len(ts.x) == run.batch_size
    for (name, p), u in zip(fresh.named_parameters(), ts.updates):
        assert u.name == name
        np.testing.assert_array_equal(u.before, p._array)
        np.testing.assert_allclose(u.after, u.before - run.lr * u.grad, rtol=1e-6, atol=1e-7)
    # the loss it reports is the BCE of its own output
    out, y = ts.output.astype(np.float64), ts.y.astype(np.float64)
    bce = np.mean(np.maximum(out, 0) - out * y + np.log1p(np.exp(-np.abs(out))))
    assert ts.loss == pytest.approx(bce, rel=1e-5)
    # the snapshots are the model's scores on the grid: the last one is the trained model's
    xx, yy = run.grid
    with glassgrad.no_grad():
        scores = run.model(glassgrad.tensor(np.c_[xx.ravel(), yy.ravel()], dtype=glassgrad.float32))
    np.testing.assert_allclose(run.snapshots[-1][1].ravel(), scores._array[:, 0], rtol=1e-6)


def test_doc_code_runs_and_its_printed_trace_is_true(tmp_path, monkeypatch):
    pytest.importorskip("matplotlib")
    monkeypatch.chdir(tmp_path)
    text = DOC.read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", text, re.DOTALL)
    printed = re.findall(r"```text\n(.*?)```", text, re.DOTALL)
    assert len(blocks) == 3
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(blocks[0], str(DOC), "exec"), {})  # noqa: S102 - our own documentation's code
    assert out.getvalue() == printed[0]
    for block in blocks[1:]:
        with contextlib.redirect_stdout(io.StringIO()):
            exec(compile(block, str(DOC), "exec"), {})  # noqa: S102
    assert (tmp_path / "gradcheck.png").exists() and (tmp_path / "step.html").exists()
