"""The studio's layout and Playground controls in a real browser (Debian's chromium via playwright), at a
desktop (1280×800) and a phone (390×844): no sideways scrolling, a header that holds still while
training, the speed control, input features, the step view's real optimizer update, reload keeping the
run, and the neuron panel that opens only when asked. Numbers are checked against the server's exact
state and the generated script; no timing is asserted beyond "fewer"."""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

pytest.importorskip("uvicorn")

from glassgrad.studio.server import running  # noqa: E402

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
TIMEOUT = 15_000
SIZES = [(1280, 800), (390, 844)]


@pytest.fixture(scope="module")
def server():
    with running() as url:
        yield url


def new_page(browser, size=(1280, 800)):
    context = browser.new_context(viewport={"width": size[0], "height": size[1]})
    pg = context.new_page()
    pg.set_default_timeout(TIMEOUT)
    pg.problems = []
    pg.on("console", lambda m: pg.problems.append(f"console {m.type}: {m.text}")
          if m.type in ("error", "warning") else None)
    pg.on("pageerror", lambda e: pg.problems.append(f"page error: {e}"))
    return context, pg


@pytest.fixture(params=SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def sized(browser, request):
    context, pg = new_page(browser, request.param)
    yield pg
    context.close()
    assert pg.problems == [], pg.problems


@pytest.fixture
def page(browser):
    context, pg = new_page(browser)
    yield pg
    context.close()
    assert pg.problems == [], pg.problems


def by(testid: str) -> str:
    return f'[data-testid="{testid}"]'


def open_studio(page, server, query=""):
    page.goto(server + query)
    page.wait_for_selector(f'{by("status")}:text("live")')
    page.wait_for_function("() => document.body.dataset.session !== undefined")
    return page.evaluate("() => document.body.dataset.session")


def get(server, path):
    with urllib.request.urlopen(f"{server}{path}", timeout=10) as r:
        return json.load(r)


def step_count(page) -> int:
    return int(page.text_content(by("epoch")))


def scroll_width(page) -> int:
    return page.evaluate("() => Math.max(document.documentElement.scrollWidth, document.body.scrollWidth)")


def test_the_document_never_scrolls_sideways(sized, server):
    page = sized
    width = page.viewport_size["width"]
    open_studio(page, server, "?hidden=8,8,8,8,8,8")  # the widest network the studio draws
    assert scroll_width(page) <= width
    page.click(by("play"))
    page.wait_for_function(f"() => Number(document.querySelector('{by('epoch')}').textContent) > 50")
    page.click(by("pause"))
    page.click(by("sv-load"))
    page.wait_for_selector(by("sv-unit-layer6.neuron7"))
    page.click(by("sv-last"))
    page.click(by("sv-unit-layer3.neuron2"))
    page.wait_for_selector(f'{by("sv-graph")} svg')
    assert scroll_width(page) <= width
    page.click('[data-tab="codeview"]')
    page.wait_for_function(f"() => document.querySelector('{by('code-glassgrad')}').textContent.length > 0")
    assert scroll_width(page) <= width
    # nothing on the page lies beyond the right edge, but for drawings inside their own scrolling panel
    beyond = page.evaluate("""() => [...document.querySelectorAll('body *')]
        .filter(e => e.getBoundingClientRect().right > innerWidth + 0.5 && e.getClientRects().length
                && !e.closest('.net, .sv-diagram, .sv-graph, pre'))
        .map(e => e.tagName + ' ' + (e.dataset.testid || e.className))""")
    assert beyond == []
    ARTIFACTS.mkdir(exist_ok=True)
    page.click('[data-tab="stepview"]')
    page.screenshot(path=str(ARTIFACTS / f"studio-layout-{width}.png"), full_page=True)


def test_the_header_does_not_move_while_training(sized, server):
    page = sized
    open_studio(page, server)
    boxes = "() => [...document.querySelectorAll('.topbar, .topbar > *, .counters > div')].map(e => { " \
            "const r = e.getBoundingClientRect(); return [r.x, r.y, r.width, r.height]; })"
    before = page.evaluate(boxes)
    page.click(by("play"))
    seen = set()
    for _ in range(12):  # the numbers change from "0" / "–" to many digits, the boxes must not
        page.wait_for_timeout(150)
        seen.add(page.text_content(by("loss")))
        assert page.evaluate(boxes) == before
    page.click(by("pause"))
    assert len(seen) > 2  # it did train while we looked
    assert page.evaluate(boxes) == before


def test_the_speed_control_slows_training(page, server):
    open_studio(page, server)
    page.select_option(by("speed"), "1")
    page.wait_for_function("() => location.search.includes('speed=1')")
    page.click(by("play"))
    page.wait_for_timeout(2500)
    page.click(by("pause"))
    page.wait_for_timeout(200)
    slow = step_count(page)
    page.select_option(by("speed"), "max")
    page.wait_for_function("() => !location.search.includes('speed=')")
    page.click(by("reset"))
    page.wait_for_function(f"() => document.querySelector('{by('epoch')}').textContent === '0'")
    page.click(by("play"))
    page.wait_for_timeout(2500)
    page.click(by("pause"))
    page.wait_for_timeout(200)
    fast = step_count(page)
    assert 1 <= slow < fast


def test_a_feature_changes_the_inputs_and_the_script_still_matches(page, server):
    sid = open_studio(page, server, "?dataset=circles&hidden=3")
    assert page.locator(".neuron.input").count() == 2
    page.click(by("feature-x1^2"))
    page.wait_for_function("() => location.search.includes('features=x1%2Cx2%2Cx1%5E2')")
    page.click(by("feature-x1"))
    page.wait_for_function("() => location.search.includes('features=x2%2Cx1%5E2')")
    assert page.locator(".neuron.input").count() == 2
    assert page.get_attribute(".neuron.input >> nth=1", "data-feature") == "x1^2"
    assert "on" in page.get_attribute(by("feature-x1^2"), "class")
    assert get(server, f"api/session/{sid}/state")["config"]["features"] == ["x2", "x1^2"]
    for _ in range(3):
        page.click(by("step"))
    page.wait_for_function(f"() => document.querySelector('{by('epoch')}').textContent === '3'")
    code = get(server, f"api/session/{sid}/code?steps=3")["glassgrad"]
    assert "X = np.stack([X[:, 1], X[:, 0] ** 2], axis=1)" in code
    namespace = {}
    exec(compile(code, "<studio glassgrad code>", "exec"), namespace)
    assert namespace["train_loss"] == get(server, f"api/session/{sid}/state")["metrics"]["train_loss"]


@pytest.mark.parametrize("optimizer", ["momentum", "adam"])
def test_the_step_views_update_is_what_the_optimizer_does(page, server, optimizer):
    sid = open_studio(page, server, f"?optimizer={optimizer}&batch_size=1&lr=0.03&hidden=2")
    for k in range(1, 4):
        page.click(by("step"))
        page.wait_for_function(f"() => document.querySelector('{by('epoch')}').textContent === '{k}'")
    before = get(server, f"api/session/{sid}/state")
    (index,) = before["next_batch"]  # the one sample the next step trains on
    page.fill(by("sv-index"), str(index))
    page.click(by("sv-load"))
    page.wait_for_selector(by("sv-unit-layer1.neuron1"))
    page.click(by("sv-last"))
    page.click(by("sv-unit-layer1.neuron1"))
    shown = [float(page.get_attribute(by(f"sv-param-{name}"), "data-update"))
             for name in ("W1[1,0]", "W1[1,1]", "b1[1]")]
    page.click(by("step"))
    page.wait_for_function(f"() => document.querySelector('{by('epoch')}').textContent === '4'")
    after = get(server, f"api/session/{sid}/state")
    applied = [before["weights"][0][1][0] - after["weights"][0][1][0],
               before["weights"][0][1][1] - after["weights"][0][1][1],
               before["biases"][0][1] - after["biases"][0][1]]
    assert shown == pytest.approx(applied, rel=2e-3, abs=1e-7)


def test_reload_keeps_the_step_count(page, server):
    sid = open_studio(page, server, "?dataset=xor&seed=3")
    for k in range(1, 6):
        page.click(by("step"))
        page.wait_for_function(f"() => document.querySelector('{by('epoch')}').textContent === '{k}'")
    page.reload()
    page.wait_for_selector(f'{by("status")}:text("live")')
    page.wait_for_function(f"() => document.querySelector('{by('epoch')}').textContent === '5'")
    assert page.evaluate("() => document.body.dataset.session") == sid  # the live session, reattached
    # the session gone (here: a stale id in the tab's storage): a new one, trained again to step 5
    weights = get(server, f"api/session/{sid}/state")["weights"]
    page.evaluate("() => { const s = JSON.parse(sessionStorage.getItem('glassgrad-studio')); "
                  "s.sid = 'gone'; sessionStorage.setItem('glassgrad-studio', JSON.stringify(s)); }")
    page.reload()
    page.wait_for_selector(f'{by("status")}:text("live")')
    page.wait_for_function(f"() => document.querySelector('{by('epoch')}').textContent === '5'")
    new = page.evaluate("() => document.body.dataset.session")
    assert new != sid
    assert get(server, f"api/session/{new}/state")["weights"] == weights  # same seed, same steps, same run
    page.problems[:] = [p for p in page.problems if "404" not in p]  # the lookup of 'gone' is logged


def test_the_neuron_panel_opens_only_when_asked_and_covers_nothing(page, server):
    open_studio(page, server)
    page.click(by("sv-load"))
    page.wait_for_selector(by("sv-loss"))
    page.click(by("sv-last"))
    assert page.is_hidden(by("sv-side"))
    page.click(by("sv-unit-layer2.neuron0"))
    assert page.is_visible(by("sv-side"))
    assert page.text_content(by("sv-unit-name")) == "layer2.neuron0"
    side, loss = page.locator(by("sv-side")).bounding_box(), page.locator(by("sv-loss")).bounding_box()
    overlap_x = min(side["x"] + side["width"], loss["x"] + loss["width"]) - max(side["x"], loss["x"])
    overlap_y = min(side["y"] + side["height"], loss["y"] + loss["height"]) - max(side["y"], loss["y"])
    assert overlap_x <= 0 or overlap_y <= 0
    page.click(by("sv-close"))
    assert page.is_hidden(by("sv-side"))


def test_hovering_a_neuron_shows_it_large_and_labels_are_clear(page, server):
    open_studio(page, server)
    page.wait_for_function(f"() => document.querySelector('{by('loss')}').textContent !== '–'")
    assert page.get_attribute(by("boundary"), "data-showing") == "output"
    page.hover(by("neuron-layer1.neuron2"))
    assert page.get_attribute(by("boundary"), "data-showing") == "layer1.neuron2"
    assert "layer1.neuron2" in page.text_content(by("plot-caption"))
    page.hover(by("dataset"))
    assert page.get_attribute(by("boundary"), "data-showing") == "output"
    assert "row 2 of W1" in page.get_attribute(by("neuron-layer1.neuron2"), "title")  # one naming scheme
    assert page.text_content(".hyper label:has([data-testid='reg-rate'])").strip().lower().startswith("reg. rate")
    assert [t.strip() for t in page.locator(f'{by("axis-x")} span').all_text_contents()] == ["-1", "-0.5", "0", "0.5", "1"]
    page.click(by("thumb-spiral"))
    page.wait_for_function("() => location.search.includes('dataset=spiral')")
    assert page.input_value(by("dataset")) == "spiral"
