"""What the test folders share: one headless browser and the small scalar networks several tests draw.

pytest puts this folder on ``sys.path``, so tests import the op catalogs (``op_catalog``,
``op_catalog_tensor``) directly. The fixtures here:

- ``browser``: one headless Chromium per test module — Debian's ``/usr/bin/chromium`` driven by
  playwright through ``executable_path`` (never ``playwright install``). A test that asks for it is
  skipped, with the reason, when either is missing, and is marked ``browser`` (``-m "not browser"``).
- ``scalar_mlp_loss``: ``make(seed=0, n=3)`` builds ``MLP(3, [4, 4, 1])`` and its mse loss over the
  first ``n`` (at most 4) of four fixed samples; backward is left to the test.
- ``plain_functions``: every test starts and ends with glassgrad's plain functions (a test that installs
  the ``__torch_function__`` dispatch — a Tensor subclass, ``glassgrad.fx``, ``vmap`` — takes it down
  after itself), so no test runs slower or differently because of where it fell in the run.
- ``scalar_mlp_from_weights``: ``make(weights, biases, activation)`` rebuilds a scalar ``MLP`` with
  exactly these numbers (``weights[l][j][i]``: layer l, neuron j, input i), e.g. the ones a studio
  session reports, so a test can recompute what the page shows in the scalar engine.
"""

from __future__ import annotations

import os

import pytest

from glassgrad import overrides
from glassgrad.scalar import MLP, mse

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-background-networking"]

SAMPLES = [[2.0, 3.0, -1.0], [3.0, -1.0, 0.5], [0.5, 1.0, 1.0], [1.0, 1.0, -1.0]]
TARGETS = [1.0, -1.0, -1.0, 1.0]


@pytest.fixture(autouse=True)
def plain_functions():
    if overrides._STATE.installed:  # importing glassgrad.fx at collection installs it
        overrides.disable()
    yield
    if overrides._STATE.installed:
        overrides.disable()


@pytest.fixture(scope="module")
def browser():
    """One Chromium for a test module; each test opens (and closes) its own pages or contexts.

    While it lives, playwright's sync API keeps its event loop marked as running in the main thread, so
    a test must not call ``asyncio.run`` there nor start a second ``sync_playwright()``: a browser test
    takes this fixture. It lives for one module, not the session, so that state ends with the module
    that asked for it. (Servers in their own threads, like starlette's TestClient, are unaffected.)
    """
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"{CHROMIUM} is missing (Debian's chromium package: `make test` installs it via "
                    "scripts/browser-deps.sh)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    with sync_api.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def pytest_collection_modifyitems(items):
    for item in items:
        if "browser" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.browser)


@pytest.fixture
def scalar_mlp_loss():
    """``make(seed=0, n=3) -> (model, loss)``: MLP(3, [4, 4, 1]); loss = mean squared error over n samples."""
    def make(seed: int = 0, n: int = 3):
        model = MLP(3, [4, 4, 1], seed=seed)
        loss = mse([model(x) for x in SAMPLES[:n]], TARGETS[:n])
        return model, loss

    return make


@pytest.fixture
def scalar_mlp_from_weights():
    """``make(weights, biases, activation) -> MLP`` holding exactly these weights and biases."""
    def make(weights, biases, activation: str = "relu") -> MLP:
        sizes = [len(weights[0][0])] + [len(w) for w in weights]
        model = MLP(sizes[0], sizes[1:], activation=activation, seed=0)
        for layer, w, b in zip(model.layers, weights, biases):
            for j, neuron in enumerate(layer.neurons):
                for i, wi in enumerate(neuron.w):
                    wi.data = w[j][i]
                neuron.b.data = b[j]
        return model

    return make
