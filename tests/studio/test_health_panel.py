"""The studio's health panel: explain.health watching the session's own network, live.

The numbers a session reports are checked three ways: against ``explain.health`` itself, run here on a
network rebuilt from the weights the state route reports and fed the very batch the session trains on
next; against a tanh layer's std and saturated fraction and the output's gradient computed by hand in
numpy; and the update-to-data ratio against std(ΔW) / std(W) from two state snapshots, one step apart.
In chromium the panel shows one row per layer, at a desktop's and a phone's width.
"""

from __future__ import annotations

import json
import math
import urllib.request
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("starlette")
pytest.importorskip("httpx")


import glassgrad  # noqa: E402
from glassgrad import explain, nn, optim  # noqa: E402
from glassgrad.nn import functional as F  # noqa: E402
from glassgrad.studio import trainer  # noqa: E402
from glassgrad.studio.config import DEFAULTS  # noqa: E402
from glassgrad.studio.trainer import Run, make_data, make_inputs  # noqa: E402

from studio_client import new_session, script_client  # noqa: E402

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
# lr 3 for 200 steps: tanh units saturate (neither none nor all of them), so the fraction is a real check
CONFIG = {"lr": 3.0, "hidden": [4, 4]}
WARMUP = 200  # then step 201 is a watched one (1, 11, 21, ...)


@pytest.fixture
def client():
    with script_client() as c:
        yield c


def step(client, sid, n):
    r = client.post(f"/api/session/{sid}/step", json={"steps": n})
    assert r.status_code == 200, r.text
    return r.json()["state"]


def watched_step(client):
    """A session trained WARMUP steps, /state before and after the next (watched) step."""
    assert WARMUP % trainer.HEALTH_EVERY == 0
    sid = new_session(client, **CONFIG)
    step(client, sid, WARMUP)
    before = client.get(f"/api/session/{sid}/state").json()
    streamed = step(client, sid, 1)
    after = client.get(f"/api/session/{sid}/state").json()
    assert after["health"]["step"] == before["step"] + 1 == WARMUP + 1
    return sid, before, after, streamed


def rebuilt(state):
    """An nn.Sequential of the session's shape holding exactly the weights ``state`` reports."""
    layers = []
    for k, (W, b) in enumerate(zip(state["weights"], state["biases"])):
        lin = nn.Linear(len(W[0]), len(W))
        with glassgrad.no_grad():
            lin.weight.copy_(glassgrad.tensor(np.array(W, dtype=np.float32)))
            lin.bias.copy_(glassgrad.tensor(np.array(b, dtype=np.float32)))
        layers.append(lin)
        if k < len(state["weights"]) - 1:
            layers.append(nn.Tanh())
    return nn.Sequential(*layers)


def batch(state):
    config = state["config"]
    X, y = make_data(config)
    idx = np.array(state["next_batch"])
    return make_inputs(X, config["features"])[idx].astype(np.float32), y[idx].astype(np.float32)


def test_the_session_reports_explain_healths_own_numbers_for_the_same_model_and_batch(client):
    sid, before, after, _ = watched_step(client)
    model = rebuilt(before)
    h = explain.health(model, bins=trainer.HEALTH_BINS)
    x, t = batch(before)
    out = model(glassgrad.tensor(x))
    F.binary_cross_entropy_with_logits(out.squeeze(1), glassgrad.tensor(t)).backward()
    optim.SGD(model.parameters(), lr=CONFIG["lr"]).step()
    ratios = h.step()
    reported = after["health"]
    assert [layer["name"] for layer in reported["layers"]] == list(h.layers) == ["0", "1", "2", "3", "4"]
    assert [layer["label"] for layer in reported["layers"]] == [
        "layer1 Linear", "layer1 Tanh", "layer2 Linear", "layer2 Tanh", "layer3 Linear"]
    for layer in reported["layers"]:
        ours = h.layers[layer["name"]]
        for which in ("activation", "gradient"):
            got, want = layer[which], getattr(ours, which)
            assert got["mean"] == pytest.approx(want.mean, rel=1e-5, abs=1e-9)
            assert got["std"] == pytest.approx(want.std, rel=1e-5)
            assert got["counts"] == want.counts.tolist()
            assert [got["lo"], got["hi"]] == pytest.approx([want.edges[0], want.edges[-1]], rel=1e-5)
            if which == "activation" and layer["kind"] == "Tanh":
                assert got["saturated"] == want.saturated
            else:
                assert got["saturated"] is None
    assert reported["weights"] == ["W1", "W2", "W3"]
    last = reported["ratios"][-1]
    assert last[0] == WARMUP + 1
    assert last[1:] == pytest.approx([ratios["0.weight"], ratios["2.weight"], ratios["4.weight"]], rel=1e-5)


def test_a_tanh_layers_std_and_saturation_and_the_output_gradient_by_hand(client):
    sid, before, after, _ = watched_step(client)
    x, t = batch(before)
    W1, b1 = np.array(before["weights"][0]), np.array(before["biases"][0])
    a = np.tanh(x.astype(np.float64) @ W1.T + b1)                     # layer 1's tanh output
    n = a.size
    std = math.sqrt(((a - a.mean()) ** 2).sum() / (n - 1))            # Bessel's correction, as Tensor.std()
    saturated = np.count_nonzero(np.abs(a) > 0.97) / n
    assert 0 < saturated < 1                                           # the check can tell right from wrong
    tanh1 = after["health"]["layers"][1]
    assert tanh1["label"] == "layer1 Tanh"
    assert tanh1["activation"]["std"] == pytest.approx(std, rel=1e-5)
    assert tanh1["activation"]["saturated"] == saturated
    # the network's output z: ∂/∂z of mean BCE-with-logits is (σ(z) − t) / batch
    W2, b2 = np.array(before["weights"][1]), np.array(before["biases"][1])
    W3, b3 = np.array(before["weights"][2]), np.array(before["biases"][2])
    z = (np.tanh(a @ W2.T + b2) @ W3.T + b3)[:, 0]
    g = (1 / (1 + np.exp(-z)) - t) / len(t)
    out = after["health"]["layers"][4]["gradient"]
    assert out["mean"] == pytest.approx(g.mean(), rel=1e-4, abs=1e-8)
    assert out["std"] == pytest.approx(g.std(ddof=1), rel=1e-4)


def test_the_update_to_data_ratio_is_std_of_the_change_over_std_of_the_weights(client):
    sid, before, after, streamed = watched_step(client)
    last = after["health"]["ratios"][-1]
    for k in range(3):
        W0, W1 = np.array(before["weights"][k]), np.array(after["weights"][k])
        assert last[1 + k] == pytest.approx((W1 - W0).std(ddof=1) / W1.std(ddof=1), rel=1e-9)
    assert -5 < math.log10(last[1]) < 0
    # the stream carries the same numbers, rounded to 4 significant digits
    sent = streamed["health"]
    assert sent["step"] == WARMUP + 1
    assert sent["ratios"][-1] == pytest.approx(last, rel=1e-3)
    assert sent["layers"][1]["activation"]["std"] == pytest.approx(
        after["health"]["layers"][1]["activation"]["std"], rel=1e-3)
    json.dumps(sent, allow_nan=False)  # JSON the page can read


def test_only_every_nth_step_is_watched_and_the_history_stays_bounded(monkeypatch):
    monkeypatch.setattr(trainer, "HEALTH_HISTORY", 4)
    run = Run({**DEFAULTS, "hidden": [3]})
    assert run.health_report()["step"] is None
    assert all(layer["activation"] is None for layer in run.health_report()["layers"])
    run.train_step()
    assert run.health_report()["step"] == 1
    for _ in range(trainer.HEALTH_EVERY - 1):
        run.train_step()
    assert run.health_report()["step"] == 1        # steps 2..10 are not watched
    run.evaluate()
    run.pictures()                                 # forward passes outside training are never counted
    assert run.health_report(exact=True)["layers"][0]["activation"]["counts"] == \
        run.health[1].layers["0"].activation.counts.tolist()
    assert sum(run.health_report()["layers"][0]["activation"]["counts"]) == DEFAULTS["batch_size"] * 3
    for _ in range(8 * trainer.HEALTH_EVERY):      # to step 90: 11, 21, 31, 41 (thinned: 1, 21, 41), 61, 81
        run.train_step()
    report = run.health_report()
    steps = [row[0] for row in report["ratios"]]
    assert steps == [1, 41, 81]                  # thinned twice: every other point, and half as often since
    assert report["every"] == 4 * trainer.HEALTH_EVERY and report["step"] == 81
    assert all(len(m._forward_hooks) == 0 for m in run.model.modules())     # the hooks came off


def test_a_diverging_network_keeps_training_unwatched():
    run = Run({**DEFAULTS, "lr": 10.0, "loss": "mse", "hidden": [8, 8, 8], "activation": "relu"})
    with np.errstate(all="ignore"):
        for _ in range(60):
            run.train_step()
    assert run.diverged and run.step == 60
    report = run.health_report()
    json.dumps(report, allow_nan=False)
    assert report["step"] is not None and report["step"] < 60


# ---- in chromium ----

def by(testid: str) -> str:
    return f'[data-testid="{testid}"]'


@pytest.fixture(scope="module")
def server():
    pytest.importorskip("uvicorn")
    from glassgrad.studio.server import running

    with running() as url:
        yield url


@pytest.mark.browser
@pytest.mark.parametrize("size", [(1280, 800), (390, 844)], ids=lambda s: f"{s[0]}x{s[1]}")
def test_the_panel_shows_one_row_per_layer_in_chromium(browser, server, size):
    context = browser.new_context(viewport={"width": size[0], "height": size[1]})
    page = context.new_page()
    page.set_default_timeout(15_000)
    problems = []
    page.on("console", lambda m: problems.append(m.text) if m.type in ("error", "warning") else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.goto(server + "?hidden=3,5,2")
    page.wait_for_selector(f'{by("status")}:text("live")')
    sid = page.evaluate("() => document.body.dataset.session")
    page.click(by("step"))
    page.wait_for_function(f"() => document.querySelector('{by('epoch')}').textContent === '1'")
    page.wait_for_function(f"() => document.querySelector('{by('health-ratios')}').dataset.points === '1'")
    rows = page.locator(f'{by("health-layers")} .health-row')
    assert rows.count() == 7                                   # 3 × (Linear, Tanh) and the output Linear
    with urllib.request.urlopen(f"{server}api/session/{sid}/state", timeout=10) as r:
        exact = json.load(r)["health"]
    assert [rows.nth(i).get_attribute("data-label") for i in range(7)] == [l["label"] for l in exact["layers"]]
    shown = float(page.get_attribute(f'{by("health-layer-1")} .health-cell.act', "data-std"))
    assert shown == pytest.approx(exact["layers"][1]["activation"]["std"], rel=1e-3)
    assert page.get_attribute(by("health-layer-1"), "data-saturated") != ""     # a tanh layer
    assert page.get_attribute(by("health-layer-0"), "data-saturated") == ""     # a Linear layer
    assert page.locator(f'{by("health-legend")} span').all_text_contents() == ["W1", "W2", "W3", "W4"]
    page.click(by("step"))
    page.wait_for_function(f"() => document.querySelector('{by('epoch')}').textContent === '2'")
    assert page.get_attribute(by("health-ratios"), "data-points") == "1"       # step 2 is not watched
    page.evaluate("() => window.scrollTo(0, document.querySelector('[data-testid=health]').offsetTop)")
    width = page.evaluate("() => Math.max(document.documentElement.scrollWidth, document.body.scrollWidth)")
    assert width <= size[0]
    beyond = page.evaluate("""() => [...document.querySelectorAll('[data-testid=health] *')]
        .filter(e => e.getBoundingClientRect().right > innerWidth + 0.5).map(e => e.className)""")
    assert beyond == []
    ARTIFACTS.mkdir(exist_ok=True)
    page.locator(by("health")).screenshot(path=str(ARTIFACTS / f"studio-health-{size[0]}.png"))
    context.close()
    assert problems == [], problems
