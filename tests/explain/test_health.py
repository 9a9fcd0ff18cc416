"""explain.health: per-layer statistics and update-to-data ratios, checked against hand-computed numbers.

Each statistic is recomputed here from the very tensors the model produced (forward outputs via a
separate plain forward, gradients via retain_grad), so a wrong hook, a wrong std or a wrong ratio fails.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import glassgrad
from glassgrad import nn
from glassgrad.explain.health import Stats, health


def _tiny(lib, seed=0):
    lib.manual_seed(seed)
    return lib.nn.Sequential(lib.nn.Linear(3, 5), lib.nn.Tanh(), lib.nn.Linear(5, 2))


def test_stats_by_hand():
    s = Stats.of(np.array([1.0, 2.0, 3.0, 4.0]), bins=2, saturation=2.5)
    assert s.mean == 2.5
    assert s.std == pytest.approx(math.sqrt((1.5**2 + 0.5**2 + 0.5**2 + 1.5**2) / 3))  # Bessel: n − 1
    assert s.saturated == 0.5                                  # 3 and 4 exceed 2.5
    assert s.counts.tolist() == [2, 2] and s.edges.tolist() == [1.0, 2.5, 4.0]


def test_activation_and_gradient_stats_equal_the_layers_own_tensors():
    model = _tiny(glassgrad)
    h = health(model, bins=7)
    x = glassgrad.tensor([[0.5, -1.0, 2.0], [3.0, 0.1, -0.2], [-2.0, 2.0, 1.0], [0.0, 0.3, -4.0]])
    z = model[0](x); z.retain_grad()
    a = model[1](z); a.retain_grad()
    out = model[2](a); out.retain_grad()
    (out ** 2).sum().backward()
    # health saw the same forward (its hooks ran in those calls) and the same backward
    a_np, za_np = a.detach().numpy(), z.detach().numpy()
    assert h.layers["1"].activation.mean == pytest.approx(a_np.mean())
    assert h.layers["1"].activation.std == pytest.approx(a_np.std(ddof=1))
    assert h.layers["1"].activation.saturated == pytest.approx(np.mean(np.abs(a_np) > 0.97))
    assert h.layers["0"].activation.saturated is None               # only tanh layers saturate
    assert h.layers["0"].activation.std == pytest.approx(za_np.std(ddof=1))
    assert h.layers["1"].gradient.mean == pytest.approx(a.grad.numpy().mean())
    assert h.layers["1"].gradient.std == pytest.approx(a.grad.numpy().std(ddof=1))
    assert h.layers["2"].gradient.mean == pytest.approx((2 * out.detach().numpy()).mean())  # ∂Σout²/∂out = 2·out
    counts, _ = np.histogram(a_np, bins=7)
    assert h.layers["1"].activation.counts.tolist() == counts.tolist()


def test_saturation_counts_units_beyond_the_threshold():
    model = nn.Sequential(nn.Tanh())
    h = health(model, saturation=0.9)
    model(glassgrad.tensor([0.0, 1.0, 2.0, 3.0, -3.0]))   # tanh: 0, .76, .96, .995, −.995
    assert h.layers["0"].activation.saturated == pytest.approx(3 / 5)


def test_update_to_data_ratio_is_the_std_of_the_change_over_the_std_of_the_weights():
    model = _tiny(glassgrad)
    h = health(model)
    w0 = model[0].weight.detach().numpy().copy()
    opt = glassgrad.optim.SGD(model.parameters(), lr=0.1)
    loss = model(glassgrad.ones(2, 3)).sum()
    loss.backward()
    grad = model[0].weight.grad.numpy().copy()
    opt.step()
    ratios = h.step()
    w1 = w0 - 0.1 * grad
    assert set(ratios) == {"0.weight", "2.weight"}               # matrices only, not biases
    assert ratios["0.weight"] == pytest.approx((w1 - w0).std(ddof=1) / w1.std(ddof=1), rel=1e-5)
    assert h.ratios["0.weight"] == [ratios["0.weight"]]
    assert h.step()["0.weight"] == 0.0                           # no update since: no change


def test_glassgrad_and_pytorch_modules_give_the_same_numbers():
    torch = pytest.importorskip("torch")
    reports = []
    for lib in (glassgrad, torch):
        model = _tiny(lib)                                   # same seed: the same weights
        h = health(model)
        lib.manual_seed(1)
        x = lib.randn(8, 3)
        model(x).pow(2).mean().backward()
        reports.append(h.rows())
    for ours, theirs in zip(*reports):
        assert ours[:2] == theirs[:2]
        np.testing.assert_allclose(ours[2:], theirs[2:], rtol=1e-4, atol=1e-7)


def test_layers_can_be_chosen_by_class_or_name_and_hooks_come_off():
    model = _tiny(glassgrad)
    assert list(health(model, (nn.Tanh,)).layers) == ["1"]
    h = health(model, ["0", "2"])
    assert list(h.layers) == ["0", "2"]
    h.remove()
    model(glassgrad.ones(1, 3))
    assert h.layers["0"].activation is None
    with pytest.raises(ValueError, match="no layer named 'nope'"):
        health(model, ["nope"])
    with pytest.raises(TypeError, match="nn.Module"):
        health([1, 2])
    with pytest.raises(ValueError, match="bins"):
        health(model, bins=0)


def test_renders_table_rich_html_png_and_svg(tmp_path):
    model = _tiny(glassgrad)
    h = health(model)
    model(glassgrad.ones(4, 3)).sum().backward()
    text = h.table()
    assert "Tanh" in text and "saturated %" in text
    html = h._repr_html_()
    assert html.startswith("<table>") and "<svg" in html
    pytest.importorskip("matplotlib")
    assert (tmp_path / "h.png").exists() is False
    h.save(tmp_path / "h.png")
    assert (tmp_path / "h.png").stat().st_size > 1000
    assert h.to_svg().lstrip().startswith("<?xml")
    rich = pytest.importorskip("rich.console")
    console = rich.Console(record=True, width=120)
    console.print(h)
    assert "act std" in console.export_text()


def test_a_diverging_layer_is_still_summarised():
    """inf and nan in a layer's output: the hook must not stop training (that is when the learner needs
    the instrument); the histogram counts the finite values and the mean says the truth (nan)."""
    model = nn.Sequential(nn.Linear(2, 3), nn.Tanh(), nn.Linear(3, 1))
    h = health(model)
    with glassgrad.no_grad():
        model[0].weight[0, 0] = float("inf")
    x = glassgrad.tensor([[1.0, 0.0], [-1.0, 0.0], [0.0, 1.0]])
    model(x).sum().backward()
    stats = next(iter(h.layers.values())).activation  # the first Linear's output
    assert stats.counts.sum() == 6  # 9 outputs, 3 of them ±inf
    assert not np.isfinite(stats.mean)
    h.remove()
