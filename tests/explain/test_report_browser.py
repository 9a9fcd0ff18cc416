"""The demo's report.html in real headless Chromium (Debian's, through playwright): it loads with no
console error and no network request, the epoch slider swaps the boundary picture, and the embedded
graph player steps forward and backward."""

import pytest

from glassgrad.explain.report import train, write_report


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    pytest.importorskip("matplotlib")
    path = tmp_path_factory.mktemp("report") / "report.html"
    run = train(3, seed=1)
    write_report(run, path)
    return path, run


def test_report_in_chromium(report, browser):
    path, run = report
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    try:
        errors = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("request", lambda r: errors.append(f"network request {r.url}")
                if not r.url.startswith(("file:", "data:", "about:")) else None)
        page.goto(path.as_uri())

        frames = page.locator(".boundary img")
        assert frames.count() == len(run.snapshots) == 4

        def visible():
            return [frames.nth(i).is_visible() for i in range(frames.count())]

        assert visible() == [False, False, False, True]  # the trained model first
        assert page.locator("#epoch-label").inner_text() == "epoch 3"
        page.locator("#epoch-slider").fill("0")
        assert visible() == [True, False, False, False]
        assert page.locator("#epoch-label").inner_text() == "epoch 0"

        player = page.frame_locator("iframe.gg-frame")
        index = player.locator('[data-testid="step-index"]')
        total = int(index.inner_text().split("/")[1])
        assert index.inner_text().startswith("0 /") and total > 10
        player.locator('[data-testid="next"]').click()
        assert index.inner_text() == f"1 / {total}"
        assert "=" in player.locator('[data-testid="formula"]').inner_text()
        player.locator('[data-testid="last"]').click()
        assert index.inner_text() == f"{total} / {total}"
        assert "∂" in player.locator('[data-testid="formula"]').inner_text()  # ends on a backward step

        assert page.locator("#step svg.gg-network").is_visible()
        assert page.locator("#step .gg-neuron").count() == 8 + 8 + 1
        assert page.locator("#gradcheck img").is_visible()
        assert errors == []
    finally:
        page.close()


@pytest.mark.parametrize("size", [(1280, 800), (390, 844)], ids=["desktop", "phone"])
def test_report_fits_the_width_and_names_its_samples(report, browser, size):
    path, run = report
    page = browser.new_page(viewport={"width": size[0], "height": size[1]})
    try:
        page.goto(path.as_uri())
        assert page.evaluate("document.documentElement.scrollWidth") <= size[0]  # never sideways
        # every picture fits its section
        too_wide = page.evaluate("""() => [...document.querySelectorAll('section img, section iframe')]
            .filter(e => e.getBoundingClientRect().right > e.closest('section').getBoundingClientRect().right + 1)
            .map(e => e.alt || e.title)""")
        assert too_wide == []
        # whatever is wider than its box scrolls inside it and says so
        for box in page.locator(".gg-scroll").all():
            overflows = box.evaluate("b => b.scrollWidth > b.clientWidth + 1")
            assert overflows == box.evaluate("b => b.classList.contains('gg-overflows')")
            cue = box.evaluate("b => getComputedStyle(b.nextElementSibling).display")
            assert (cue != "none") == overflows
        # sections 3 and 4 say which data point each one follows, and they are different words
        graph_text = page.locator("#graph p").first.inner_text()
        step_text = page.locator("#step p").first.inner_text()
        assert "Data point #0 of the training set" in graph_text
        first = step_text.split("data point #")[1].split()[0]
        row = run.first_step.x[0]
        assert abs(run.X[int(first)] - row).max() < 1e-6
        # the player's frame is as tall as its content needs, not a fixed 760 px
        height = page.evaluate("document.querySelector('iframe.gg-frame').getBoundingClientRect().height")
        assert 300 < height < 1400
    finally:
        page.close()
