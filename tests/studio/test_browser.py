"""The studio in a real browser: Debian's chromium driven by playwright (never `playwright install`).

One server (uvicorn in a background thread on 127.0.0.1, a free port) for the module and conftest's browser.
The page is driven only through its ``data-testid`` hooks; the numbers it shows are checked against the
scalar engine run here on the weights the server reports. Screenshots go to test-artifacts/.
"""

from __future__ import annotations

import json
import os
import re
import urllib.request
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

pytest.importorskip("uvicorn")

from glassgrad.scalar import MLP, Value  # noqa: E402
from glassgrad.studio.server import running  # noqa: E402

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
TIMEOUT = 15_000  # ms for any one wait


@pytest.fixture(scope="module")
def server():
    with running() as url:
        yield url


@pytest.fixture
def page(browser, server):
    ARTIFACTS.mkdir(exist_ok=True)
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    pg = context.new_page()
    pg.set_default_timeout(TIMEOUT)
    problems = []
    pg.on("console", lambda m: problems.append(f"console {m.type}: {m.text}") if m.type in ("error", "warning") else None)
    pg.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    pg.problems = problems
    yield pg
    context.close()
    assert problems == [], problems


def by(testid: str) -> str:
    return f'[data-testid="{testid}"]'


def open_studio(page, server, query=""):
    page.goto(server + query)
    page.wait_for_selector(f'{by("status")}:text("live")')
    page.wait_for_function("() => document.body.dataset.session !== undefined")
    return page.evaluate("() => document.body.dataset.session")


def number(page, testid) -> float:
    return float(page.text_content(by(testid)))


def server_state(server, sid):
    with urllib.request.urlopen(f"{server}api/session/{sid}/state", timeout=10) as r:
        return json.load(r)


def test_train_pause_and_step(page, server):
    open_studio(page, server)
    page.wait_for_function(f"() => document.querySelector('{by('loss')}').textContent !== '–'")
    assert int(page.text_content(by("epoch"))) == 0
    loss0 = number(page, "loss")
    page.click(by("play"))
    page.wait_for_function(f"() => Number(document.querySelector('{by('epoch')}').textContent) > 300")
    page.wait_for_function(f"() => Number(document.querySelector('{by('loss')}').textContent) < {loss0} * 0.7")
    page.click(by("pause"))
    page.wait_for_timeout(300)  # updates already in flight land
    stopped = int(page.text_content(by("epoch")))
    page.wait_for_timeout(500)
    assert int(page.text_content(by("epoch"))) == stopped  # paused means paused
    assert number(page, "loss") < loss0
    page.click(by("step"))
    page.wait_for_function(f"() => Number(document.querySelector('{by('epoch')}').textContent) === {stopped + 1}")
    page.screenshot(path=str(ARTIFACTS / "studio-trained.png"), full_page=True)


def test_step_view_shows_the_engines_numbers(page, server, scalar_mlp_from_weights):
    sid = open_studio(page, server, "?dataset=xor&hidden=3,2&loss=mse&seed=4")
    page.click(by("step"))
    page.wait_for_function(f"() => document.querySelector('{by('epoch')}').textContent === '1'")
    page.select_option(by("sv-split"), "test")
    page.fill(by("sv-index"), "5")
    page.click(by("sv-load"))
    page.wait_for_selector(by("sv-unit-layer1.neuron0"))
    # before the backward pass no gradient is shown
    assert page.get_attribute(by("sv-unit-layer1.neuron0"), "data-grad") is None
    page.click(by("sv-next"))
    assert page.text_content(by("sv-phase")) == "forward"
    assert re.search(r"= -?\d+\.\d{4}$", page.text_content(by("sv-text")))
    page.click(by("sv-last"))
    assert page.text_content(by("sv-phase")) == "update"

    # the same sample through the scalar engine, by hand, on the server's exact weights
    state = server_state(server, sid)
    with urllib.request.urlopen(f"{server}api/session/{sid}/sample?split=test&index=5", timeout=10) as r:
        sample = json.load(r)
    x, t = sample["x"], 2 * sample["target"] - 1  # mse on xor compares the score with ±1
    mlp = scalar_mlp_from_weights(state["weights"], state["biases"], state["config"]["activation"])
    h = [Value(v) for v in x]
    units = []
    for li, layer in enumerate(mlp.layers):
        outs = [n(h) for n in layer.neurons]
        units += [(f"layer{li + 1}.neuron{j}", a) for j, a in enumerate(outs)]
        h = outs
    loss = (h[0] - t) ** 2
    loss.backward()
    for name, a in units:
        node = by(f"sv-unit-{name}")
        assert float(page.get_attribute(node, "data-value")) == pytest.approx(a.data, rel=1e-12)
        assert float(page.get_attribute(node, "data-grad")) == pytest.approx(a.grad, rel=1e-9, abs=1e-15)
        text = page.text_content(node)
        assert f"a = {a.data:.4f}" in text and f"∂L/∂a = {a.grad:.4f}" in text
    assert float(page.get_attribute(by("sv-loss"), "data-value")) == pytest.approx(loss.data, rel=1e-12)
    # the neuron's parameters: gradients and updates
    page.click(by("sv-unit-layer2.neuron1"))
    neuron = mlp.layers[1].neurons[1]
    for name, p in zip(["W2[1,0]", "W2[1,1]", "W2[1,2]", "b2[1]"], list(neuron.w) + [neuron.b]):
        row = by(f"sv-param-{name}")
        assert float(page.get_attribute(row, "data-grad")) == pytest.approx(p.grad, rel=1e-9, abs=1e-15)
        assert float(page.get_attribute(row, "data-after")) == pytest.approx(p.data - 0.3 * p.grad, rel=1e-9)
    # ... and it opened into its operation graph, drawn by explain's SVG renderer
    page.wait_for_selector(f'{by("sv-graph")} svg[data-engine="scalar"]')
    page.screenshot(path=str(ARTIFACTS / "studio-stepview.png"), full_page=True)


def test_change_data_and_network_then_reload(page, server):
    open_studio(page, server)
    page.select_option(by("dataset"), "circles")
    page.wait_for_function("() => location.search.includes('dataset=circles')")
    page.click(by("add-layer"))
    page.wait_for_function("() => location.search.includes('hidden=4%2C4%2C4')")
    page.select_option(by("learning-rate"), "0.03")
    page.wait_for_function("() => location.search.includes('lr=0.03')")
    page.click(by("add-neuron-0"))
    page.wait_for_function("() => location.search.includes('hidden=5%2C4%2C4')")
    assert page.locator(".neuron:not(.input)").count() == 5 + 4 + 4 + 1
    page.select_option(by("dataset"), "quadratic")  # a regression: the loss follows
    page.wait_for_function("() => location.search.includes('dataset=quadratic')")
    assert page.input_value(by("loss-fn")) == "mse"
    page.select_option(by("dataset"), "spiral")
    page.wait_for_function("() => location.search.includes('dataset=spiral')")
    page.click(by("play"))
    page.wait_for_function(f"() => Number(document.querySelector('{by('epoch')}').textContent) > 20")
    page.click(by("pause"))
    page.wait_for_timeout(300)  # updates already in flight land
    stopped = page.text_content(by("epoch"))
    url = page.url
    page.reload()
    page.wait_for_selector(f'{by("status")}:text("live")')
    assert page.url == url
    assert page.input_value(by("dataset")) == "spiral"
    assert page.input_value(by("learning-rate")) == "0.03"
    assert page.input_value(by("loss-fn")) == "mse"  # kept from the regression: it fits spiral too
    assert page.locator(".neuron:not(.input)").count() == 5 + 4 + 4 + 3
    # a reload comes back to the same run, at the same step (tests/studio/test_browser_layout.py: also
    # when the session is gone)
    page.wait_for_function(f"() => document.querySelector('{by('epoch')}').textContent === '{stopped}'")
    page.click('[data-tab="codeview"]')
    page.wait_for_function(f"() => document.querySelector('{by('code-pytorch')}').textContent.includes('nn.Linear(2, 5)')")
    assert "import glassgrad as torch" in page.text_content(by("code-glassgrad"))
    page.screenshot(path=str(ARTIFACTS / "studio-code.png"), full_page=True)


def test_a_bad_url_is_explained_not_fatal(page, server):
    open_studio(page, server, "?lr=99&dataset=moons")
    assert "lr must be in (0, 10]" in page.text_content(by("error"))
    assert page.input_value(by("learning-rate")) == "0.3"  # the defaults
    page.problems[:] = [p for p in page.problems if "400" not in p]  # the refused request is logged by chromium


def test_two_tabs_have_two_sessions(browser, server):
    context = browser.new_context()
    a, b = context.new_page(), context.new_page()
    sa = open_studio(a, server, "?dataset=moons")
    sb = open_studio(b, server, "?dataset=xor")
    assert sa != sb
    a.click(by("step"))
    a.wait_for_function(f"() => document.querySelector('{by('epoch')}').textContent === '1'")
    assert b.text_content(by("epoch")) == "0"
    assert server_state(server, sb)["config"]["dataset"] == "xor"
    context.close()
