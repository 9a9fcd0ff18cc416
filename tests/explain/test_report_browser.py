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
