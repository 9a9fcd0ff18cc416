"""`glassgrad explain` at its edges: an expression that starts with "-", output files that cannot be
written (refused before any work), inf/nan results (a warning naming the step), --at values in
non-ASCII digits, --at names the expression does not use, mistyped functions, a sum of 1,000 terms."""

import math
import sys

import pytest

import glassgrad.cli as cli
import glassgrad.explain.parse as parse_mod
from glassgrad.cli import expression_after_dashes, main
from glassgrad.explain.style import short


@pytest.fixture
def plain(monkeypatch):
    """Print plain text (no rich tables): lines are not wrapped, and big tables print fast."""
    monkeypatch.setitem(sys.modules, "rich.console", None)


def _steps(out: str) -> list:
    """The narrated steps of a plain run: "   forward  text" / "  backward  text" lines."""
    return [line.split(None, 1)[1] for line in out.splitlines()
            if line.strip().startswith(("forward ", "backward "))]


# ---- an expression that starts with "-" ----

@pytest.mark.parametrize("argv", [
    ["explain", "-x", "--at", "x=2"],
    ["explain", "--at", "x=2", "-x"],
    ["explain", "--at=x=2", "-x"],
    ["explain", "-x", "--at=x=2", "--svg", "{svg}"],
    ["explain", "--", "-x", "--at", "x=2"],   # the old spelling still works
])
def test_an_expression_starting_with_minus_is_read_as_the_expression(argv, plain, capsys, tmp_path):
    """Issue 15, finding 7: argparse read "-x" as an unknown option unless "--" came first."""
    argv = [a.replace("{svg}", str(tmp_path / "g.svg")) for a in argv]
    if argv[1] == "--":  # "--" before options: argparse then reads "--at" as an expression too
        argv = ["explain", "--at", "x=2", "--", "-x"]
    assert main(argv) == 0
    steps = _steps(capsys.readouterr().out)
    assert steps[0] == "out = −x = −(2.0000) = -2.0000"
    assert steps[-1] == "∂f/∂x = ∂f/∂out · −1 = 1.0000 · -1.0000 = -1.0000"


@pytest.mark.parametrize("expression,value", [("-tanh(x)", -math.tanh(2.0)), ("--x", 2.0),
                                              ("-1 + x", 1.0), ("- x*3", -6.0)])
def test_other_leading_minus_expressions(expression, value, plain, capsys):
    assert main(["explain", expression, "--at", "x=2"]) == 0
    steps = _steps(capsys.readouterr().out)
    forward = [s for s in steps if not s.startswith("∂")]
    assert forward[-1].endswith(f"= {short(value)}") and any(s.startswith("∂f/∂x =") for s in steps)


def test_moving_a_leading_minus_keeps_options_and_help():
    assert expression_after_dashes(["explain", "-x", "--at", "x=1"]) == ["explain", "--at", "x=1", "--", "-x"]
    assert expression_after_dashes(["explain", "--svg", "-g.svg", "x"]) == ["explain", "--svg", "-g.svg", "x"]
    assert expression_after_dashes(["explain", "--a", "x=1", "-x"]) == ["explain", "--a", "x=1", "--", "-x"]
    assert expression_after_dashes(["demo", "-x"]) == ["demo", "-x"]
    with pytest.raises(SystemExit) as info:
        main(["explain", "-h"])
    assert info.value.code == 0


# ---- output files that cannot be written: one line, status 2, before any work ----

@pytest.mark.parametrize("flag", ["--svg", "--html", "--dot"])
@pytest.mark.parametrize("where", ["folder", "missing folder", "under a file"])
def test_an_unwritable_output_is_refused_before_any_work(flag, where, tmp_path, capsys, monkeypatch):
    """Issue 15, finding 4: a folder or a path in a missing folder ended in a traceback after the run."""
    (tmp_path / "file.txt").write_text("keep")
    path = {"folder": tmp_path, "missing folder": tmp_path / "no" / "g.out",
            "under a file": tmp_path / "file.txt" / "g.out"}[where]
    built = []
    real = parse_mod.evaluate
    monkeypatch.setattr(parse_mod, "evaluate", lambda *a, **k: built.append(1) or real(*a, **k))
    assert main(["explain", "tanh(x)", "--at", "x=1", flag, str(path)]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and not built  # no table, no steps, nothing evaluated
    lines = captured.err.splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"glassgrad explain: cannot write {flag} {path}: ")
    assert "Traceback" not in captured.err
    assert (tmp_path / "file.txt").read_text() == "keep"


def test_an_output_error_comes_before_an_expression_error(tmp_path, capsys):
    assert main(["explain", "x +", "--at", "x=1", "--svg", str(tmp_path)]) == 2
    assert "cannot write --svg" in capsys.readouterr().err


def test_a_write_that_fails_anyway_is_one_line_and_status_2(tmp_path, capsys, monkeypatch, plain):
    def refuse(*a, **k):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(cli, "open", refuse, raising=False)
    assert main(["explain", "x*2", "--at", "x=1", "--dot", str(tmp_path / "g.dot")]) == 2
    err = capsys.readouterr().err.splitlines()
    assert err == [f"glassgrad explain: cannot write --dot {tmp_path / 'g.dot'}: Permission denied"]


# ---- inf and nan: printed, with a warning naming the step where they first appeared ----

@pytest.mark.parametrize("expression,at,kinds", [
    ("x*1e200*1e200", "x=1", ["value", "gradient"]),     # the value overflows, then ∂f/∂x
    ("1e200*(1e200*x)", "x=1e-300", ["gradient"]),       # the value is 1e100; its gradient is inf
    ("x*1e200*1e200 - x*1e200*1e200", "x=1", ["value", "gradient"]),  # inf − inf = nan
])
def test_non_finite_results_are_printed_with_a_warning_naming_the_step(expression, at, kinds, plain,
                                                                       capsys):
    """Issue 15, finding 7: inf/nan results were printed with exit 0 and no word."""
    assert main(["explain", expression, "--at", at]) == 0
    captured = capsys.readouterr()
    steps = _steps(captured.out)
    warnings = [line for line in captured.err.splitlines() if "not a finite number" in line]
    assert [w.split(" is ")[0].split()[-1] for w in warnings] == kinds
    for w in warnings:
        k = int(w.split("at step ")[1].split(":")[0])
        phase = "forward" if "a value" in w else "backward"
        assert w.endswith(steps[k - 1])  # the step's own text
        bad = [i for i, line in enumerate(captured.out.splitlines()) if line.strip().startswith(phase)
               and line.rstrip().endswith(("inf", "nan"))]
        assert bad and steps.index(captured.out.splitlines()[bad[0]].split(None, 1)[1]) == k - 1


def test_finite_results_get_no_warning(plain, capsys):
    assert main(["explain", "tanh(x)*3", "--at", "x=1"]) == 0
    assert capsys.readouterr().err == ""


# ---- --at ----

@pytest.mark.parametrize("number", ["\uff11", "\u0663", "1_0"])
def test_at_refuses_non_ascii_digits(number, capsys):
    """Issue 15, finding 7: `--at x=１` (fullwidth 1) was read as 1."""
    assert main(["explain", "x*2", "--at", f"x={number}"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("glassgrad explain: the value of x must be a number written in ASCII digits")


def test_at_warns_about_a_name_the_expression_does_not_use(plain, capsys):
    assert main(["explain", "x*w", "--at", "x=1,w=2,w3=5,bias=0"]) == 0
    err = capsys.readouterr().err.splitlines()
    assert err == ["glassgrad explain: warning: --at gives w3, bias, which the expression does not use"]


def test_a_mistyped_function_gets_did_you_mean(capsys):
    assert main(["explain", "tahn(x)", "--at", "x=1"]) == 2
    assert "unknown function 'tahn' (did you mean `tanh`?)" in capsys.readouterr().err


def test_the_chain_rule_text_names_the_local_factor_and_the_output_is_out(plain, capsys):
    """Issue 14: "∂f/∂add2 = ∂f/∂f · ∂f/∂add2" repeated the symbol; "∂tanh/∂tanh" named the op."""
    assert main(["explain", "tanh(x1*w1 + x2*w2 + b)", "--at", "x1=2,x2=0,w1=-3,w2=1,b=6.88"]) == 0
    out = capsys.readouterr().out
    local = 1 - math.tanh(0.88) ** 2
    assert f"∂f/∂add2 = ∂f/∂out · (1 − tanh²(add2)) = 1.0000 · {local:.4f} = {local:.4f}" in _steps(out)
    assert "∂tanh" not in out and "∂f/∂f" not in out


# ---- a long flat sum ----

def test_a_sum_of_1000_terms_is_explained(plain, capsys):
    """Issue 15, finding 7: more than 64 terms were refused as "nested more than 64 levels"."""
    assert main(["explain", " + ".join(["x"] * 1000), "--at", "x=1.5"]) == 0
    out = capsys.readouterr().out
    steps = _steps(out)
    assert steps[998] == f"out = add998 + x = {1.5 * 999:.4f} + 1.5000 = {1.5 * 1000:.4f}"
    assert steps[-1].endswith("(running total 1000.0000)")
    assert len(steps) == 999 + 1 + 2 * 999  # 999 additions; the seed; two edges each


def test_repeated_at_options_add_up(plain, capsys):
    """``--at x=2 --at y=3`` gives both values (the second --at must not silently drop the first);
    a name given in two of them is refused as twice."""
    assert main(["explain", "x*y", "--at", "x=2", "--at", "y=3"]) == 0
    steps = _steps(capsys.readouterr().out)
    assert steps[0] == "out = x · y = 2.0000 · 3.0000 = 6.0000"
    assert main(["explain", "x*y", "--at", "x=2", "--at", "x=3,y=1"]) == 2
    assert "x is given twice in --at" in capsys.readouterr().err
