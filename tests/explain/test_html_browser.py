"""The HTML player in real headless Chromium (Debian's, through playwright): the stepper advances, the
active node changes, predict-then-reveal compares the guess, groups expand, and no console error."""

import re
from pathlib import Path

import pytest

from glassgrad import Value
from glassgrad import explain

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def _open(browser, html: str, name: str):
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.html"
    path.write_text(html, encoding="utf-8")
    page = browser.new_page(viewport={"width": 1200, "height": 800})
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("request", lambda r: errors.append(f"network request {r.url}")
            if not r.url.startswith(("file:", "data:", "about:")) else None)
    page.goto(path.as_uri())
    return page, errors


def _t(page, testid):
    return page.locator(f'[data-testid="{testid}"]')


def _active(page):
    return page.eval_on_selector_all(".gg-view:not([hidden]) .gg-node.gg-active, "
                                     ".gg-view:not([hidden]) .gg-group.gg-active",
                                     "els => els.map(e => e.getAttribute('data-id'))")


def test_stepper_predict_and_keys(browser):
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    c = a * b
    c.label = "c"
    d = c + a
    d.label = "d"
    L = d.tanh()
    L.label = "L"
    L.backward()
    g = explain.graph(L)
    page, errors = _open(browser, g.to_html(), "explain_player")
    n = page.evaluate("JSON.parse(document.getElementById('gg-data').textContent).steps.length")
    assert _t(page, "step-index").inner_text() == f"0 / {n}"
    seen, formulas = [], []
    for k in range(1, 4):
        _t(page, "next").click()
        assert _t(page, "step-index").inner_text() == f"{k} / {n}"
        formulas.append(_t(page, "formula").inner_text())
        seen.append(_active(page))
    assert len(set(formulas)) == 3 and all("=" in f for f in formulas)
    # forward in topological order: c, d, L become active in turn, values appear as computed
    ids = {nd.label: nd.id for nd in g.nodes}
    assert [s[0] for s in seen] == [ids["c"], ids["d"], ids["L"]]
    assert "-6.0000" in formulas[0]
    c_val = page.locator(f'.gg-view:not([hidden]) [data-id="{ids["c"]}"] .gg-val').text_content()
    assert "-6.0000" in c_val
    _t(page, "prev").click()
    assert _t(page, "step-index").inner_text() == f"2 / {n}"
    # keys: j / → forward, k / ← back, End / Home
    page.keyboard.press("ArrowRight")
    page.keyboard.press("j")
    assert _t(page, "step-index").inner_text() == f"4 / {n}"
    page.keyboard.press("k")
    assert _t(page, "step-index").inner_text() == f"3 / {n}"
    page.keyboard.press("End")
    assert _t(page, "step-index").inner_text() == f"{n} / {n}"
    page.keyboard.press("Home")
    assert _t(page, "step-index").inner_text() == f"0 / {n}"

    # predict, then reveal: the result is hidden until the guess is in
    _t(page, "predict-toggle").check()
    page.keyboard.press("ArrowRight")  # step 1: c = a · b
    assert _t(page, "formula").inner_text().rstrip().endswith("?")
    c_val = page.locator(f'.gg-view:not([hidden]) [data-id="{ids["c"]}"] .gg-val').text_content()
    assert "?" in c_val
    _t(page, "predict-input").fill("-6")
    _t(page, "reveal").click()
    assert "right" in _t(page, "verdict").inner_text()
    assert "-6.0000" in _t(page, "formula").inner_text()
    _t(page, "next").click()  # step 2: d = c + a = -4; a wrong guess is told so
    _t(page, "predict-input").fill("3")
    _t(page, "predict-input").press("Enter")
    verdict = _t(page, "verdict").inner_text()
    assert "you said 3" in verdict and "-4.0000" in verdict
    # play runs on its own, space pauses
    _t(page, "play").click()
    page.wait_for_function("document.querySelector('[data-testid=\"step-index\"]').textContent"
                           ".startsWith('3 /')", timeout=5000)
    page.keyboard.press(" ")
    page.keyboard.press("End")
    page.screenshot(path=str(ARTIFACTS / "explain_player.png"), full_page=True)
    assert errors == []
    page.close()


def test_groups_expand_and_collapse(browser, scalar_mlp_loss):
    m, loss = scalar_mlp_loss(n=2)
    loss.backward()
    g = explain.graph(loss, model=m)
    page, errors = _open(browser, g.to_html(), "explain_groups")
    visible = lambda: page.eval_on_selector(".gg-view:not([hidden])", "e => e.getAttribute('data-view')")
    assert visible() == "collapsed"
    for _ in range(3):
        _t(page, "next").click()
    active = _active(page)
    assert len(active) == 1 and active[0].startswith("g")  # the step's node is inside a folded neuron
    page.locator('.gg-view:not([hidden]) .gg-group[data-group="layer1.neuron0"]').click()
    assert re.fullmatch(r"g\d+", visible())
    n_nodes = page.locator(".gg-view:not([hidden]) .gg-node").count()
    assert n_nodes == 1 + len(g.groups()["layer1.neuron0"])
    page.locator(".gg-view:not([hidden]) .gg-frame-label").click()
    assert visible() == "collapsed"
    _t(page, "expand-all").click()
    assert visible() == "all"
    assert page.locator(".gg-view:not([hidden]) .gg-node").count() == len(g.nodes)
    page.locator(f'.gg-view:not([hidden]) .gg-node[data-id="{g.root}"]').click()
    assert "value: " in _t(page, "details").inner_text()
    page.screenshot(path=str(ARTIFACTS / "explain_groups.png"), full_page=True)
    assert errors == []
    page.close()


def test_tensor_page_before_backward(browser):
    import glassgrad
    glassgrad.manual_seed(0)
    w = glassgrad.randn(3, 2, requires_grad=True)
    with explain.record():
        y = (glassgrad.randn(4, 3) @ w).tanh().sum()
    page, errors = _open(browser, explain.graph(y).to_html(), "explain_tensor_nograd")
    assert "no gradients yet: call backward()" in _t(page, "no-grads").inner_text()
    page.keyboard.press("End")
    n = page.evaluate("JSON.parse(document.getElementById('gg-data').textContent).steps.length")
    assert _t(page, "step-index").inner_text() == f"{n} / {n}" and n == 3  # forward only: mm, tanh, sum
    assert errors == []
    page.close()
