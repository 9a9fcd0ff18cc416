"""explain/gradcheck_report.py: the table's numbers are backward's and the central differences'; the
curve shows truncation error falling with h and round-off error rising as h shrinks; the plot is a PNG."""

import base64
import math
import sys

import numpy as np
import pytest

import glassgrad
from glassgrad import Value
from glassgrad.autograd.gradcheck import get_analytical_jacobian, get_numerical_jacobian, jacobian_column
from glassgrad.explain.gradcheck_report import error_vs_h, gradcheck_report
from glassgrad.scalar.gradcheck import GradcheckReport, gradcheck

PNG = b"\x89PNG\r\n\x1a\n"
torch = pytest.importorskip("torch")


def f_scalar(a, b):
    return (a * b).tanh() + a.exp()


def test_value_report_numbers():
    r = gradcheck_report(f_scalar, [0.3, Value(-1.2)], names=["a", "b"])
    assert r.ok and bool(r) and r.engine == "scalar"
    a, b = 0.3, -1.2
    t = math.tanh(a * b)
    expected = [(1 - t * t) * b + math.exp(a), (1 - t * t) * a]
    for e, want in zip(r.entries, expected):
        assert e.analytic == pytest.approx(want, rel=1e-14)
        assert e.numeric == pytest.approx(want, rel=1e-8)
        assert e.abs_error == abs(e.analytic - e.numeric)
    assert [e.name for e in r.entries] == ["a", "b"]
    text = str(r)
    assert "passed" in text and "a " in text and f"{r.entries[0].abs_error:.2e}" in text


def test_the_curve_shows_truncation_and_round_off():
    r = gradcheck_report(f_scalar, [0.3, -1.2])
    hs, central, forward = error_vs_h(r)
    assert hs[0] == pytest.approx(1e-14) and hs[-1] == pytest.approx(1e-1)
    big = hs > 1e-3           # truncation: error falls as h falls, faster for central (h²) than forward (h)
    assert np.all(np.diff(central[big]) > 0) and np.all(np.diff(forward[big]) > 0)
    slope_c = np.polyfit(np.log10(hs[big]), np.log10(central[big]), 1)[0]
    slope_f = np.polyfit(np.log10(hs[big]), np.log10(forward[big]), 1)[0]
    assert slope_c == pytest.approx(2.0, abs=0.2) and slope_f == pytest.approx(1.0, abs=0.2)
    tiny = hs < 1e-10          # round-off: the smallest h is far worse than the best h
    assert central[tiny].min() > 100 * central.min()
    assert central[0] > central[np.argmin(np.abs(hs - 1e-5))]


def test_plot_outputs(tmp_path):
    pytest.importorskip("matplotlib")
    r = gradcheck_report(f_scalar, [0.3, -1.2])
    png = r.png()
    assert png.startswith(PNG)
    path = tmp_path / "gc.png"
    r.save_plot(path)
    assert path.read_bytes().startswith(PNG)
    uri = r.data_uri()
    assert uri.startswith("data:image/png;base64,") and base64.b64decode(uri.split(",", 1)[1]).startswith(PNG)
    html = r.to_html()
    assert "<table>" in html and "data:image/png;base64," in html and "http" not in html


def test_rich_table():
    pytest.importorskip("rich")
    from rich.console import Console

    r = gradcheck_report(f_scalar, [0.3, -1.2])
    console = Console(record=True, width=120)
    console.print(r)
    out = console.export_text()
    assert "analytic" in out and "0.2929" in out


def test_a_wrong_gradient_is_reported():
    def bad(a):  # a node whose recorded local derivative is wrong by a factor 2
        return Value(a.data ** 2, (a,), (4.0 * a.data,), "bad_square")

    r = gradcheck_report(bad, [1.5])
    assert not r.ok and "FAILED" in str(r) and "mismatch" in str(r)
    assert r.entries[0].analytic == 6.0 and r.entries[0].numeric == pytest.approx(3.0, rel=1e-8)


def test_tensor_report_against_torch():
    xa = np.array([[0.1, 0.2, -0.4], [0.3, -0.5, 0.9]])
    wa = np.array([0.5, -1.0, 0.25])
    x = glassgrad.tensor(xa, dtype=glassgrad.float64)
    w = glassgrad.tensor(wa, dtype=glassgrad.float64, requires_grad=True)

    def f(x, w):
        return ((x @ w).tanh() ** 2).sum()

    r = gradcheck_report(f, [x, w], names=["x", "w"], plot_input=1, plot_element=2)
    assert r.ok and r.engine == "tensor" and r.curve_input == "w[2]"
    assert x.grad is None and w.grad is None  # the caller's tensors are untouched
    tx = torch.tensor(xa, requires_grad=True)
    tw = torch.tensor(wa, requires_grad=True)
    ((tx @ tw).tanh() ** 2).sum().backward()
    np.testing.assert_allclose(r.entries[0].analytic, tx.grad.numpy(), rtol=1e-13)
    np.testing.assert_allclose(r.entries[1].analytic, tw.grad.numpy(), rtol=1e-13)
    np.testing.assert_allclose(r.entries[1].numeric, tw.grad.numpy(), rtol=1e-7)
    hs, central, _ = error_vs_h(r)
    assert central[-1] > central[np.argmin(np.abs(hs - 1e-5))]


def test_bad_arguments():
    with pytest.raises(ValueError, match="no inputs"):
        gradcheck_report(f_scalar, [])
    with pytest.raises(IndexError, match="plot_input"):
        gradcheck_report(f_scalar, [0.1, 0.2], plot_input=2)
    with pytest.raises(ValueError, match="one-element"):
        gradcheck_report(lambda x: x * 2, [glassgrad.tensor([1.0, 2.0], dtype=glassgrad.float64)])


def test_missing_matplotlib_names_the_extra(monkeypatch):
    r = gradcheck_report(f_scalar, [0.3, -1.2])
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)
    monkeypatch.setitem(sys.modules, "matplotlib.backends.backend_agg", None)
    with pytest.raises(ImportError, match=r"pip install glassgrad\[viz\]"):
        r.png()


def test_the_numbers_are_the_engines_own_checks():
    r = gradcheck_report(f_scalar, [0.3, -1.2], h=1e-5)
    assert isinstance(r, GradcheckReport)
    assert r.entries == gradcheck(f_scalar, [0.3, -1.2], h=1e-5).entries  # Part I's rows, as they are

    w = glassgrad.tensor([0.5, -1.0, 0.25], dtype=glassgrad.float64, requires_grad=True)

    def f(w):
        return (w.tanh() * w).sum()

    r = gradcheck_report(f, [w], h=1e-5, hs=[1e-3], plot_element=1)
    np.testing.assert_array_equal(r.entries[0].numeric, get_numerical_jacobian(f, [w], 1e-5)[0][0][0])
    np.testing.assert_array_equal(r.entries[0].analytic, get_analytical_jacobian(f, [w])[0][0][0])
    central = jacobian_column(f, [w], w, (1,), 1e-3, "central")[0][0]
    forward = jacobian_column(f, [w], w, (1,), 1e-3, "forward")[0][0]
    analytic = r.entries[0].analytic[1]
    assert r.curve == [(1e-3, abs(central - analytic), abs(forward - analytic))]
    t = torch.tensor([0.5, -1.0, 0.25], dtype=torch.float64)
    assert forward == pytest.approx(float(t[1].tanh() + t[1] * (1 - t[1].tanh() ** 2)), rel=1e-2)
