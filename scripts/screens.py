"""``make screens``: screenshots of every page glassgrad draws, at a desktop and a phone width.

Writes ``glassgrad-demo/screens/{report,explain,explain-tensor,studio}-{1280x800,390x844}.png`` so anyone
can look at what a learner sees without a browser of their own: the demo report (trained for a few
epochs), explain's player for a scalar neuron and for a small tensor network (on the finished graph),
and the studio (served on 127.0.0.1 for the occasion). Uses Debian's chromium through playwright, as
the browser tests do.
"""

from __future__ import annotations

import argparse
import os
import pathlib
import sys

from playwright.sync_api import sync_playwright

import glassgrad
from glassgrad import Value, explain, nn
from glassgrad.explain.report import train, write_report
from glassgrad.studio.server import running

SIZES = [(1280, 800), (390, 844)]
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking"]


def neuron_page() -> str:
    x1, x2 = Value(2.0, label="x1"), Value(0.0, label="x2")
    w1, w2 = Value(-3.0, label="w1"), Value(1.0, label="w2")
    b = Value(6.8813735870195432, label="b")
    o = (x1 * w1 + x2 * w2 + b).tanh()
    o.label = "o"
    o.backward()
    return explain.graph(o).to_html(start="end")


def tensor_page() -> str:
    glassgrad.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 16), nn.Tanh(), nn.Linear(16, 1))
    with explain.record(model):
        loss = (model(glassgrad.randn(2, 4)) ** 2).mean()
    loss.backward()
    return explain.graph(loss).to_html(start="end")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="glassgrad-demo/screens", help="folder for the PNGs")
    args = parser.parse_args(argv)
    out = pathlib.Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    pages = out / "pages"
    pages.mkdir(exist_ok=True)
    write_report(train(6, seed=0), pages / "report.html")
    (pages / "explain.html").write_text(neuron_page(), encoding="utf-8")
    (pages / "explain-tensor.html").write_text(tensor_page(), encoding="utf-8")
    executable = CHROMIUM if os.path.exists(CHROMIUM) else None
    written = []
    with sync_playwright() as p, running() as studio_url:
        browser = p.chromium.launch(executable_path=executable, args=ARGS)
        targets = [("report", (pages / "report.html").resolve().as_uri()),
                   ("explain", (pages / "explain.html").resolve().as_uri()),
                   ("explain-tensor", (pages / "explain-tensor.html").resolve().as_uri()),
                   ("studio", studio_url)]
        for name, url in targets:
            for w, h in SIZES:
                page = browser.new_page(viewport={"width": w, "height": h})
                page.goto(url)
                page.wait_for_timeout(1500 if name == "studio" else 300)
                path = out / f"{name}-{w}x{h}.png"
                page.screenshot(path=str(path), full_page=True)
                sideways = page.evaluate("document.documentElement.scrollWidth") > w
                written.append(f"{path}{'  (scrolls sideways!)' if sideways else ''}")
                page.close()
        browser.close()
    print("\n".join(written))
    return 0


if __name__ == "__main__":
    sys.exit(main())
