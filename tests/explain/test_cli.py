"""The command line, run in-process: `glassgrad explain` (tables, steps, files; hostile text refused),
`glassgrad demo` (one self-contained report.html with every section), `glassgrad run-as-torch`."""

import re
import sys
import xml.etree.ElementTree as ET

import pytest

import glassgrad
from glassgrad.cli import main

PNG = b"\x89PNG\r\n\x1a\n"
EXAMPLE = ["explain", "tanh(x1*w1 + x2*w2 + b)", "--at", "x1=2,x2=0,w1=-3,w2=1,b=6.88"]


def test_explain_prints_the_table_and_the_steps_and_writes_files(tmp_path, capsys):
    pytest.importorskip("rich")
    svg, html, dot = tmp_path / "g.svg", tmp_path / "g.html", tmp_path / "g.dot"
    assert main(EXAMPLE + ["--svg", str(svg), "--html", str(html), "--dot", str(dot)]) == 0
    out = capsys.readouterr().out
    for text in ("0.7064", "mul1 = x1 · w1 = 2.0000 · -3.0000 = -6.0000",
                 "∂f/∂x1 = ∂f/∂mul1 · w1 = 0.5010 · -3.0000 = -1.5029"):
        assert text in out
    root = ET.fromstring(svg.read_text())
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert "1.0019" in svg.read_text() or "1.00193" in svg.read_text()  # ∂f/∂w1 is drawn
    page = html.read_text()
    assert page.startswith("<!doctype html>") and 'id="gg-data"' in page
    assert not re.search(r"""(src|href)\s*=\s*["']https?://""", page)
    assert dot.read_text().startswith("digraph") and "x1" in dot.read_text()


def test_explain_without_rich_prints_plain_text(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "rich.console", None)
    assert main(EXAMPLE) == 0
    out = capsys.readouterr().out
    assert "forward  mul1 = x1 · w1" in out and "backward  ∂f/∂w1" in out


@pytest.mark.parametrize("expression,at,words", [
    ("__import__('os').system('touch pwned')", "x=1", "attribute access"),
    ("x.__class__", "x=1", "attribute access"),
    ("x + y", "x=1", "unknown name 'y'; valid names: x"),
    ("x +", "x=1", "ends too soon"),
    ("9**9**9", "", "exponent"),
    ("x * 2", "", "--at x=..."),
    ("x", "x=1,x=2", "twice"),
    ("(" * 5000 + "x" + ")" * 5000, "x=1", "characters long"),
])
def test_explain_refuses_bad_input_with_a_pointed_error(expression, at, words, tmp_path, capsys,
                                                        monkeypatch):
    monkeypatch.chdir(tmp_path)
    svg = tmp_path / "g.svg"
    assert main(["explain", expression, "--at", at, "--svg", str(svg)]) == 2
    err = capsys.readouterr().err
    assert words in err and err.startswith("glassgrad explain: ")
    assert not svg.exists() and list(tmp_path.iterdir()) == []


def test_explain_error_caret_points_at_the_column(capsys):
    assert main(["explain", "x1 * w1 % 2", "--at", "x1=1,w1=2"]) == 2
    lines = capsys.readouterr().err.rstrip("\n").splitlines()
    assert lines[-2].strip() == "x1 * w1 % 2"
    assert lines[-1].index("^") == lines[-2].index("%")


def test_demo_writes_one_self_contained_report(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    pytest.importorskip("rich")
    out = tmp_path / "demo"
    assert main(["demo", "--epochs", "3", "--out", str(out), "--seed", "2"]) == 0
    printed = capsys.readouterr().out
    report = out / "report.html"
    assert str(report) in printed and "final accuracy" in printed
    for name in ("decision_boundary.png", "loss.png"):
        assert (out / name).read_bytes().startswith(PNG)
    page = report.read_text(encoding="utf-8")
    for section in ('id="boundary"', 'id="curves"', 'id="graph"', 'id="step"', 'id="gradcheck"'):
        assert section in page
    assert not re.search(r"""(src|href)\s*=\s*["']?https?://""", page)  # nothing fetched
    assert "<link" not in page and not re.search(r"<script[^>]*\ssrc=", page)
    # boundary snapshots: untrained and after each of the 3 epochs, each an inline PNG
    assert len(re.findall(r"<img data-epoch='(\d+)'", page)) == 4
    assert page.count("src='data:image/png;base64,") >= 4
    assert "srcdoc=" in page and "gg-data" in page       # the sample's player, embedded
    assert "class='gg-step'" in page and "gg-network" in page   # the first step, every number
    assert "Gradient check <b>passed</b>" in page


def test_demo_open_uses_the_browser_when_there_is_one(tmp_path, monkeypatch, capsys):
    pytest.importorskip("matplotlib")
    import webbrowser

    opened = []
    monkeypatch.setattr(webbrowser, "get", lambda *a: object())
    monkeypatch.setattr(webbrowser, "open", lambda url, *a, **k: opened.append(url) or True)
    assert main(["demo", "--epochs", "1", "--out", str(tmp_path), "--open"]) == 0
    assert opened == [(tmp_path / "report.html").resolve().as_uri()]

    def no_browser(*a):
        raise webbrowser.Error("none")

    monkeypatch.setattr(webbrowser, "get", no_browser)
    assert main(["demo", "--epochs", "1", "--out", str(tmp_path), "--open"]) == 0
    assert "no browser found" in capsys.readouterr().out


def test_demo_scalar_engine_still_runs_micrograds_demo(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    assert main(["demo", "--engine", "scalar", "--steps", "2", "--out", str(tmp_path)]) == 0
    assert (tmp_path / "decision_boundary.png").read_bytes().startswith(PNG)
    assert not (tmp_path / "report.html").exists()


def test_run_as_torch(tmp_path, monkeypatch, capsys):
    from glassgrad import as_torch

    for name in as_torch.MODULES:  # restored after the test: the script swaps torch for glassgrad
        if name in sys.modules:
            monkeypatch.setitem(sys.modules, name, sys.modules[name])
        else:
            monkeypatch.delitem(sys.modules, name, raising=False)
    monkeypatch.setattr(sys, "argv", list(sys.argv))
    # install() also adds a finder, puts the script's folder on sys.path and prints "torch." in reprs
    monkeypatch.setattr(sys, "meta_path", list(sys.meta_path))
    monkeypatch.setattr(sys, "path", list(sys.path))
    monkeypatch.setattr(glassgrad.dtypes, "SHOWN_AS", glassgrad.dtypes.SHOWN_AS)
    monkeypatch.setattr(glassgrad.Tensor, "__module__", glassgrad.Tensor.__module__)
    for cls in vars(glassgrad.return_types).values():
        monkeypatch.setattr(cls, "__module__", cls.__module__)
    script = tmp_path / "script.py"
    script.write_text("import sys\nimport torch\nimport torch.nn as nn\n"
                      "x = torch.tensor([1.0, 2.0], requires_grad=True)\n(x * x).sum().backward()\n"
                      "print(torch.__name__, x.grad.tolist(), isinstance(nn.Linear(2, 1), nn.Module), sys.argv[1:])\n"
                      "print(type(x), type(torch.max(x, 0)).__module__, torch.tensor([123456.0, 1.0]))\n")
    assert main(["run-as-torch", str(script), "--flag", "7"]) == 0
    # what the same script prints on PyTorch
    assert capsys.readouterr().out.strip() == ("glassgrad [2.0, 4.0] True ['--flag', '7']\n"
                                               "<class 'torch.Tensor'> torch.return_types "
                                               "tensor([1.2346e+05, 1.0000e+00])")
    assert main(["run-as-torch", str(tmp_path / "missing.py")]) == 2


def test_help_lists_the_commands(capsys):
    assert main([]) == 2
    out = capsys.readouterr().out
    assert "demo" in out and "explain" in out and "run-as-torch" in out
