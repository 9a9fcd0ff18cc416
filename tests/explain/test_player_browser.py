"""The graph player at a desktop (1280×800) and a phone (390×844) width, in real headless Chromium:
the page never scrolls sideways, every text lies inside its node's box, the drawing opens fitted to
its panel, each step scrolls the active node into the panel's view, zoom works, and a notebook's
player opens on the finished graph with no "?" left."""

import html as html_lib
import re
from pathlib import Path

import pytest

import glassgrad
from glassgrad import Value, explain, nn

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
SIZES = [(1280, 800), (390, 844)]


def _scalar_graph():
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    c = a * b + a
    c.label = "c"
    L = c.tanh()
    L.label = "L"
    L.backward()
    return explain.graph(L)


def _tensor_graph():
    glassgrad.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 16), nn.Tanh(), nn.Linear(16, 1))
    x = glassgrad.randn(2, 4)
    with explain.record(model):
        loss = (model(x) ** 2).mean()
    loss.backward()
    return explain.graph(loss)


def _open(browser, page_html: str, name: str, size):
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.html"
    path.write_text(page_html, encoding="utf-8")
    page = browser.new_page(viewport={"width": size[0], "height": size[1]})
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(path.as_uri())
    return page, errors


_TEXT_OUTSIDE = """() => {
  const bad = [];
  document.querySelectorAll('.gg-view:not([hidden]) .gg-node').forEach(g => {
    const box = g.querySelector('rect').getBoundingClientRect();
    g.querySelectorAll('text, image').forEach(t => {
      const r = t.getBoundingClientRect();
      if (r.width === 0) return;
      if (r.left < box.left - 0.5 || r.right > box.right + 0.5 || r.top < box.top - 0.5 || r.bottom > box.bottom + 0.5)
        bad.push(g.getAttribute('data-label') + ': ' + t.textContent);
    });
  });
  return bad;
}"""

_ACTIVE_IN_PANEL = """() => {
  const panel = document.querySelector('[data-testid="graph-panel"]').getBoundingClientRect();
  const el = document.querySelector('.gg-view:not([hidden]) .gg-node.gg-active, .gg-view:not([hidden]) .gg-group.gg-active');
  if (!el) return null;
  const r = el.getBoundingClientRect();
  const cx = (r.left + r.right) / 2, cy = (r.top + r.bottom) / 2;
  return cx >= panel.left && cx <= panel.right && cy >= panel.top && cy <= panel.bottom;
}"""


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("engine", ["scalar", "tensor"])
def test_player_fits_and_follows(browser, engine, size):
    g = _scalar_graph() if engine == "scalar" else _tensor_graph()
    page, errors = _open(browser, g.to_html(), f"player_{engine}_{size[0]}", size)
    assert page.evaluate("document.documentElement.scrollWidth") <= size[0]  # never sideways
    assert page.evaluate(_TEXT_OUTSIDE) == []
    # opened fitted: the drawing is no wider than its panel
    fits = page.evaluate("""() => {
      const p = document.querySelector('[data-testid="graph-panel"]');
      const s = p.querySelector('.gg-view:not([hidden]) svg');
      return s.getBoundingClientRect().width <= p.clientWidth + 1;
    }""")
    assert fits
    n = page.evaluate("JSON.parse(document.getElementById('gg-data').textContent).steps.length")
    # zoomed in past 100%, each step still brings its active node into the panel's view
    fitted = int(page.locator('[data-testid="zoom-level"]').inner_text().rstrip("%"))
    for _ in range(30):
        page.locator('[data-testid="zoom-in"]').click()
        level = int(page.locator('[data-testid="zoom-level"]').inner_text().rstrip("%"))
        if level >= 150:
            break
    assert level >= 150 and level > fitted
    for k in range(n):
        page.keyboard.press("ArrowRight")
        assert page.evaluate(_ACTIVE_IN_PANEL) is True, f"step {k + 1}: the active node is out of view"
    page.locator('[data-testid="zoom-fit"]').click()
    assert int(page.locator('[data-testid="zoom-level"]').inner_text().rstrip("%")) < level
    assert errors == []
    page.close()


def test_tensor_nodes_show_their_numbers(browser):
    g = _tensor_graph()
    page, errors = _open(browser, g.to_html(start="end"), "player_tensor_numbers", (1280, 800))
    by_label = {n.label: n for n in g.nodes}
    assert {"0.weight", "0.bias", "2.weight", "2.bias"} <= set(by_label)  # named from the module tree
    w = by_label["0.weight"]  # 16×4 = 64 numbers: drawn as a table, every number
    cells = page.eval_on_selector_all(
        f'.gg-view:not([hidden]) [data-id="{w.id}"] .gg-pic-val text', "els => els.map(e => e.textContent)")
    assert cells == [f"{v:.3g}" for v in w.value.reshape(-1).tolist()]  # three significant digits, in order
    assert "?" not in page.locator(".gg-view:not([hidden])").text_content()
    assert errors == []
    page.close()


def test_notebook_output_opens_on_the_finished_graph(browser):
    g = _scalar_graph()
    frame_html = g._repr_html_()
    src = html_lib.unescape(re.search(r'srcdoc="(.*?)" style', frame_html, re.S).group(1))
    height = int(re.search(r"height:(\d+)px", frame_html).group(1))
    assert 300 <= height <= 1400
    page, errors = _open(browser, src, "player_notebook", (1000, 800))
    n = page.evaluate("JSON.parse(document.getElementById('gg-data').textContent).steps.length")
    assert page.locator('[data-testid="step-index"]').inner_text() == f"{n} / {n}"
    texts = page.locator(".gg-view:not([hidden]) .gg-nodes").text_content()
    assert "?" not in texts
    for node in g.nodes:  # every value and gradient, as micrograd's draw_dot shows them
        el = page.locator(f'.gg-view:not([hidden]) [data-id="{node.id}"]')
        assert f"{node.value:.4f}" in el.text_content() and f"{node.grad:.4f}" in el.text_content()
    page.locator('[data-testid="first"]').click()  # the player is one click away
    assert page.locator('[data-testid="step-index"]').inner_text() == f"0 / {n}"
    assert errors == []
    page.close()
