"""`glassgrad demo` trains and writes its two pictures."""

import pytest

from glassgrad.cli import main

PNG = b"\x89PNG\r\n\x1a\n"


def test_demo_writes_both_pngs_and_reports_accuracy(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    pytest.importorskip("rich")
    out = tmp_path / "demo"
    assert main(["demo", "--steps", "3", "--out", str(out), "--seed", "1"]) == 0
    for name in ("decision_boundary.png", "loss.png"):
        assert (out / name).read_bytes().startswith(PNG)
    printed = capsys.readouterr().out
    assert str(out / "decision_boundary.png") in printed and "final accuracy" in printed


def test_demo_refuses_zero_steps(tmp_path):
    with pytest.raises(SystemExit):
        main(["demo", "--steps", "0", "--out", str(tmp_path)])


def test_no_command_prints_help(capsys):
    assert main([]) == 2
    assert "demo" in capsys.readouterr().out
