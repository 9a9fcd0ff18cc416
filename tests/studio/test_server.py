"""The studio's server: every route, bad input, session isolation and caps (starlette's TestClient).

The numbers are checked against independent computations: a fresh ``Run`` trained the same number of
steps (the same seed must give the same weights bit for bit, whatever other sessions did meanwhile), the
scalar engine run by hand on the weights the state route reports, and the generated scripts executed.
"""

from __future__ import annotations

import base64
import json
import subprocess
import sys
import time
import urllib.request

import pytest

pytest.importorskip("starlette")
pytest.importorskip("httpx")
pytest.importorskip("uvicorn")

from starlette.testclient import TestClient  # noqa: E402
from starlette.websockets import WebSocketDisconnect  # noqa: E402

from glassgrad.cli import main  # noqa: E402
from glassgrad.scalar import Value  # noqa: E402
from glassgrad.studio import app as studio_app  # noqa: E402
from glassgrad.studio import codegen, trainer  # noqa: E402
from glassgrad.studio.config import DEFAULTS, validate_config  # noqa: E402
from glassgrad.studio.server import running, serve  # noqa: E402
from glassgrad.studio.sessions import SessionStore  # noqa: E402
from glassgrad.studio.trainer import Run  # noqa: E402

from studio_client import SCRIPT, new_session, script_client  # noqa: E402


@pytest.fixture
def client():
    with script_client() as c:
        yield c


def wait_until(predicate, timeout=20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return False


def reference(config: dict, steps: int) -> Run:
    run = Run(validate_config(config))
    for _ in range(steps):
        run.train_step()
    return run


# ---- pages and options ----


def test_index_and_static_files(client):
    r = client.get("/")
    assert r.status_code == 200 and 'data-testid="play"' in r.text
    for name in ("app.js", "api.js", "plots.js", "network.js", "stepview.js", "style.css"):
        assert client.get(f"/static/{name}").status_code == 200, name
    assert client.get("/static/nope.js").status_code == 404


def test_no_file_fetches_anything_from_the_internet():
    for path in studio_app.STATIC.iterdir():
        text = path.read_text()
        assert "http://" not in text.replace("http://www.w3.org", "") and "https://" not in text, path.name


def test_options(client):
    d = client.get("/api/options").json()
    assert set(d["options"]["dataset"]) == {"moons", "circles", "xor", "spiral", "blobs", "quadratic"}
    assert d["defaults"] == DEFAULTS
    assert d["limits"]["layers"] == 6 and d["limits"]["neurons"] == 8
    assert d["kinds"]["quadratic"] == "regression" and d["kinds"]["spiral"] == "multiclass"


# ---- making sessions, and what they refuse ----


def test_create_session_returns_the_layout(client):
    r = client.post("/api/session", json={"config": {"dataset": "spiral", "hidden": [3]}})
    assert r.status_code == 201
    layout = r.json()["layout"]
    assert layout["sizes"] == [2, 3, 3] and layout["kind"] == "multiclass"
    assert len(layout["points"]["x"]) == 300 and layout["n_train"] == 210
    assert layout["config"]["dataset"] == "spiral" and layout["config"]["lr"] == DEFAULTS["lr"]


@pytest.mark.parametrize("config, words", [
    ({"dataset": "mnist"}, "unknown dataset"),
    ({"noise": 0.6}, "noise must be in [0, 0.5]"),
    ({"noise": "lots"}, "noise must be a number"),
    ({"split": 0.95}, "split"),
    ({"hidden": [4] * 7}, "at most 6 hidden layers"),
    ({"hidden": [9]}, "hidden[0] must be between 1 and 8"),
    ({"hidden": [0]}, "hidden[0]"),
    ({"hidden": "4,4"}, "hidden must be a list"),
    ({"hidden": [2.5]}, "hidden[0] must be an integer"),
    ({"lr": 0}, "lr must be in (0, 10]"),
    ({"lr": 11}, "lr must be in (0, 10]"),
    ({"lr": True}, "lr must be a number, got bool"),
    ({"batch_size": 0}, "batch_size must be between 1 and 500"),
    ({"batch_size": 501}, "batch_size"),
    ({"activation": "gelu"}, "unknown activation"),
    ({"loss": "kl"}, "unknown loss"),
    ({"optimizer": "lbfgs"}, "unknown optimizer"),
    ({"regularization": "dropout"}, "unknown regularization"),
    ({"reg_rate": -0.1}, "reg_rate"),
    ({"seed": -1}, "seed"),
    ({"seed": 2**40}, "seed"),
    ({"dataset": "quadratic", "loss": "cross_entropy"}, "does not fit the regression"),
    ({"dataset": "spiral", "loss": "hinge"}, "does not fit the multiclass"),
    ({"colour": "red"}, "unknown field 'colour'"),
])
def test_bad_configurations_are_refused_with_a_message(client, config, words):
    r = client.post("/api/session", json={"config": config})
    assert r.status_code == 400
    assert words in r.json()["error"]
    assert "Traceback" not in r.text


@pytest.mark.parametrize("body, status, words", [
    (b"{not json", 400, "malformed JSON"),
    (b"[1, 2]", 400, "must be a JSON object"),
    (b'"moons"', 400, "must be a JSON object"),
    (b'{"config": {"lr": NaN}}', 400, "finite"),
    (b'{"config": [1]}', 400, "must be a JSON object"),
    (b'{"config": {}, "extra": 1}', 400, "unknown field 'extra'"),
    (b"[" * 100_000 + b"]" * 100_000, 413, "too large"),
    (b'{"config": {"hidden": [' + b"1," * 20_000 + b"1]}}", 413, "too large"),
    (b"[" * 5000 + b"]" * 5000, 400, ""),
])
def test_malformed_requests_get_a_4xx_and_the_server_lives_on(client, body, status, words):
    r = client.post("/api/session", content=body, headers={"Content-Type": "application/json"})
    assert r.status_code == status, r.text
    assert words in r.json()["error"]
    assert client.get("/api/options").status_code == 200


def test_a_body_must_say_it_is_json(client):
    r = client.post("/api/session", content=b"config=1", headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert r.status_code == 415 and "JSON" in r.json()["error"]


def test_unknown_session_and_wrong_method(client):
    for path in ("/api/session/nope/state", "/api/session/nope/sample", "/api/session/nope/code"):
        r = client.get(path)
        assert r.status_code == 404 and "no such session" in r.json()["error"]
    assert client.post("/api/session/nope/play", json={}).status_code == 404
    r = client.get("/api/session")
    assert r.status_code == 405 and "error" in r.json()


def test_requests_for_another_host_are_refused(client):
    r = client.get("/api/options", headers={"Host": "evil.example:80"})
    assert r.status_code == 400 and "127.0.0.1" in r.json()["error"]


# ---- commands ----


def test_step_runs_the_same_steps_as_a_fresh_run(client):
    sid = new_session(client, dataset="circles", hidden=[3, 2], optimizer="adam", lr=0.05)
    r = client.post(f"/api/session/{sid}/step", json={"steps": 7})
    assert r.status_code == 200
    state = r.json()["state"]
    assert state["step"] == 7
    ref = reference({"dataset": "circles", "hidden": [3, 2], "optimizer": "adam", "lr": 0.05}, 7)
    assert state["train_loss"] == ref.metrics["train_loss"]
    exact = client.get(f"/api/session/{sid}/state").json()
    assert exact["weights"] == ref.weights(exact=True)[0] and exact["biases"] == ref.weights(exact=True)[1]
    assert exact["step"] == 7 and exact["n_train"] + exact["n_test"] == 200


@pytest.mark.parametrize("body, words", [
    ({"steps": 0}, "between 1 and 1000"), ({"steps": 10**6}, "between 1 and 1000"),
    ({"steps": "3"}, "integer"), ({"steps": 1.5}, "integer"), ({"count": 1}, "unknown field 'count'"),
])
def test_step_checks_its_argument(client, body, words):
    sid = new_session(client)
    r = client.post(f"/api/session/{sid}/step", json=body)
    assert r.status_code == 400 and words in r.json()["error"]


def test_play_trains_in_the_background_and_pause_stops_it(client):
    sid = new_session(client)
    assert client.post(f"/api/session/{sid}/play", json={}).json() == {"running": True}
    assert wait_until(lambda: client.get(f"/api/session/{sid}/state").json()["step"] > 20)
    # the event loop still answers while the worker trains
    assert client.get("/api/options").status_code == 200
    stopped = client.post(f"/api/session/{sid}/pause", json={}).json()
    assert stopped["running"] is False
    time.sleep(0.2)
    s = client.get(f"/api/session/{sid}/state").json()
    assert s["step"] == stopped["step"] and s["running"] is False
    history = s["history"]
    assert history[0][0] == 0 and history[-1][1] < history[0][1]  # the loss went down


def test_reset_gives_back_the_same_start(client):
    sid = new_session(client, seed=5)
    first = client.get(f"/api/session/{sid}/state").json()
    client.post(f"/api/session/{sid}/step", json={"steps": 20})
    r = client.post(f"/api/session/{sid}/reset", json={})
    assert r.status_code == 200 and r.json()["state"]["step"] == 0
    again = client.get(f"/api/session/{sid}/state").json()
    assert again["weights"] == first["weights"] and again["biases"] == first["biases"]
    assert again["version"] != first["version"]


def test_config_changes_the_network_and_keeps_the_rest(client):
    sid = new_session(client, lr=0.1)
    r = client.post(f"/api/session/{sid}/config", json={"dataset": "quadratic", "loss": "mse", "hidden": [5]})
    assert r.status_code == 200
    layout = r.json()["layout"]
    assert layout["sizes"] == [1, 5, 1] and layout["kind"] == "regression"
    assert layout["config"]["lr"] == 0.1  # unchanged fields stay
    assert r.json()["state"]["boundary"]["kind"] == "curve"
    bad = client.post(f"/api/session/{sid}/config", json={"loss": "hinge"})
    assert bad.status_code == 400 and "does not fit" in bad.json()["error"]
    assert client.get(f"/api/session/{sid}/state").json()["config"]["loss"] == "mse"  # nothing changed


def test_snapshots_are_small_and_decodable(client):
    sid = new_session(client, dataset="spiral", hidden=[8, 8, 8, 8, 8, 8])
    state = client.post(f"/api/session/{sid}/step", json={"steps": 1}).json()["state"]
    assert len(json.dumps(state)) < 40_000
    assert len(base64.b64decode(state["boundary"]["data"])) == trainer.GRID ** 2
    assert len(state["thumbs"]) == 7 and len(state["thumbs"][0]) == 8
    side = trainer.GRID // trainer.THUMB_EVERY
    assert len(base64.b64decode(state["thumbs"][0][0]["data"])) == side * side


def test_history_is_bounded(monkeypatch):
    monkeypatch.setattr(trainer, "MAX_HISTORY", 10)
    run = reference({}, 60)
    assert len(run.history) <= 10 and run.history[-1][0] <= 60 and run.history[0][0] == 0


# ---- the step view ----


def test_sample_numbers_equal_the_scalar_engine(client, scalar_mlp_from_weights):
    sid = new_session(client, hidden=[3, 2], loss="mse")
    client.post(f"/api/session/{sid}/step", json={"steps": 15})
    state = client.get(f"/api/session/{sid}/state").json()
    d = client.get(f"/api/session/{sid}/sample?split=test&index=4").json()
    mlp = scalar_mlp_from_weights(state["weights"], state["biases"], state["config"]["activation"])
    xs = [Value(v) for v in d["x"]]
    score = mlp(xs)
    t = 2 * d["target"] - 1
    loss = (score - t) ** 2
    loss.backward()
    assert d["loss"] == pytest.approx(loss.data, rel=1e-12, abs=1e-15)
    flat = [u for u in d["units"]]
    neurons = [n for layer in mlp.layers for n in layer.neurons]
    assert len(flat) == len(neurons)
    for u, n in zip(flat, neurons):
        for p, w in zip(u["params"], list(n.w) + [n.b]):
            assert p["value"] == w.data
            assert p["grad"] == pytest.approx(w.grad, rel=1e-9, abs=1e-14)
            assert p["after"] == pytest.approx(w.data - d["lr"] * w.grad, rel=1e-9, abs=1e-14)
    assert [g for g in d["x_grad"]] == pytest.approx([v.grad for v in xs], rel=1e-9, abs=1e-14)
    phases = [s["phase"] for s in d["steps"]]
    assert phases.index("loss") < phases.index("backward") < phases.index("update")
    assert sorted(set(phases)) == ["backward", "forward", "loss", "update"]


@pytest.mark.parametrize("config", [
    {"dataset": "spiral", "regularization": "l1", "reg_rate": 0.01},
    {"dataset": "blobs", "loss": "mse", "activation": "relu"},
    {"dataset": "quadratic", "loss": "mae", "regularization": "l2", "reg_rate": 0.01},
    {"dataset": "xor", "loss": "hinge", "hidden": [], "activation": "linear"},
    {"dataset": "moons", "activation": "sigmoid", "hidden": [2, 2, 2]},
])
def test_the_scalar_loss_equals_the_tensor_loss(client, config):
    """The step view's loss for one sample is the training loss for a batch of that one sample."""
    sid = new_session(client, **config)
    client.post(f"/api/session/{sid}/step", json={"steps": 5})
    session = client.app.state.store.get(sid)
    d = client.get(f"/api/session/{sid}/sample?split=train&index=2").json()
    run = session.run
    with trainer.ENGINE_LOCK:
        out = run.model(run.X_train[2:3])
        loss = run.data_loss(out, run.t_train[2:3])
        reg = run.penalty()
        total = (loss + reg if reg is not None else loss).item()
    assert d["loss"] == pytest.approx(total, rel=2e-5, abs=1e-6)  # float32 training, float64 scalars


@pytest.mark.parametrize("query, status, words", [
    ("split=valid&index=0", 400, "split must be"),
    ("split=train&index=-1", 400, "index must be an integer written with the digits 0-9"),
    ("split=train&index=140", 400, "index must be between 0 and 139"),
    ("split=train&index=x", 400, "integer"),
    ("split=train&index=99999999999999999999", 400, "integer"),
])
def test_sample_checks_its_query(client, query, status, words):
    sid = new_session(client)
    r = client.get(f"/api/session/{sid}/sample?{query}")
    assert r.status_code == status and words in r.json()["error"]


def test_neuron_graph_is_the_explain_svg(client):
    sid = new_session(client, hidden=[2])
    r = client.get(f"/api/session/{sid}/neuron?split=train&index=1&unit=layer1.neuron1")
    assert r.status_code == 200
    svg = r.json()["svg"]
    assert svg.startswith("<svg") and 'data-engine="scalar"' in svg and "W1[1,0]" in svg
    # one naming scheme: layer 1 is W1's, so its neurons are layer1.*, never explain's 0-based layer0.*
    assert "layer1.neuron1" in svg and "layer0." not in svg
    for unit in ("layer5.neuron0", "layer0.neuron1"):
        r = client.get(f"/api/session/{sid}/neuron?split=train&index=1&unit={unit}")
        assert r.status_code == 404 and "no neuron" in r.json()["error"] and "layer1.neuron0" in r.json()["error"]


# ---- the code view ----


@pytest.mark.parametrize("config", [
    {},
    {"dataset": "spiral", "loss": "mse", "optimizer": "rmsprop", "lr": 0.01, "regularization": "l1",
     "reg_rate": 0.001, "hidden": [5, 3], "batch_size": 17},
    {"dataset": "quadratic", "loss": "mae", "activation": "leaky_relu", "optimizer": "momentum", "lr": 0.05,
     "regularization": "l2", "reg_rate": 0.01, "noise": 0.3},
    {"dataset": "circles", "features": ["x1^2", "x2^2", "x1*x2", "sin(x1)", "sin(x2)"], "optimizer": "adam",
     "lr": 0.03},
    {"dataset": "quadratic", "loss": "mse", "features": ["x1", "x1^2", "sin(x1)"], "hidden": [3]},
])
def test_the_glassgrad_code_reproduces_the_session(client, config):
    sid = new_session(client, **config)
    client.post(f"/api/session/{sid}/step", json={"steps": 23})
    code = client.get(f"/api/session/{sid}/code?steps=23").json()["glassgrad"]
    namespace = {}
    exec(compile(code, "<studio glassgrad code>", "exec"), namespace)
    state = client.get(f"/api/session/{sid}/state").json()
    assert namespace["train_loss"] == state["metrics"]["train_loss"]


@pytest.mark.parametrize("config", [
    {"dataset": "circles", "optimizer": "adam", "lr": 0.03, "regularization": "l2"},
    {"dataset": "blobs", "loss": "cross_entropy", "hidden": [6]},
])
def test_the_pytorch_code_runs_with_pytorch(client, config, tmp_path):
    pytest.importorskip("torch")
    sid = new_session(client, **config)
    code = client.get(f"/api/session/{sid}/code?steps=30").json()["pytorch"]
    imports = [line for line in code.splitlines() if line.startswith(("import ", "from "))]
    assert imports and not any("glassgrad" in line for line in imports)  # PyTorch alone
    script = tmp_path / "studio_torch.py"
    script.write_text(code)
    out = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert "after 30 steps: train loss" in out.stdout


def test_code_checks_steps(client):
    sid = new_session(client)
    assert client.get(f"/api/session/{sid}/code?steps=0").status_code == 400
    assert "nn.Linear(2, 4)" in codegen.glassgrad_code(validate_config({}))


# ---- the stream ----


def test_websocket_sends_layout_then_states(client):
    sid = new_session(client)
    with client.websocket_connect(f"/api/session/{sid}/ws") as ws:
        layout = json.loads(ws.receive_text())
        first = json.loads(ws.receive_text())
        assert layout["type"] == "layout" and first["type"] == "state" and first["step"] == 0
        assert first["version"] == layout["version"]
        client.post(f"/api/session/{sid}/play", json={})
        steps = []
        while len(steps) < 3:
            msg = json.loads(ws.receive_text())
            if msg["type"] == "state":
                steps.append(msg["step"])
        client.post(f"/api/session/{sid}/pause", json={})
        assert steps[-1] > 0 and steps == sorted(steps)
        r = client.post(f"/api/session/{sid}/config", json={"hidden": [2]})
        while True:  # the new layout arrives on the stream too
            msg = json.loads(ws.receive_text())
            if msg["type"] == "layout":
                break
        assert msg["sizes"] == [2, 2, 1] and msg["version"] == r.json()["layout"]["version"]


def test_websocket_for_an_unknown_session_says_so(client):
    with client.websocket_connect("/api/session/nope/ws") as ws:
        msg = json.loads(ws.receive_text())
        assert msg["type"] == "error" and "no such session" in msg["message"]


def test_websocket_from_another_site_is_refused(client):
    sid = new_session(client)
    with pytest.raises(WebSocketDisconnect):
        with client.websocket_connect(f"/api/session/{sid}/ws", headers={"Origin": "http://evil.example"}) as ws:
            ws.receive_text()


# ---- isolation and caps ----


def test_two_sessions_train_at_once_without_interfering(client):
    a_config = {"dataset": "moons", "hidden": [4, 4], "optimizer": "sgd", "seed": 1}
    b_config = {"dataset": "spiral", "hidden": [6], "activation": "relu", "optimizer": "adam", "lr": 0.01,
                "regularization": "l2", "seed": 2}
    a, b = new_session(client, **a_config), new_session(client, **b_config)
    client.post(f"/api/session/{a}/play", json={})
    client.post(f"/api/session/{b}/play", json={})
    client.post(f"/api/session/{a}/step", json={"steps": 3})  # a step request in the middle pauses a only
    client.post(f"/api/session/{a}/play", json={})
    assert wait_until(lambda: min(client.get(f"/api/session/{s}/state").json()["step"] for s in (a, b)) > 30)
    client.post(f"/api/session/{a}/pause", json={})
    client.post(f"/api/session/{b}/pause", json={})
    for sid, config in ((a, a_config), (b, b_config)):
        s = client.get(f"/api/session/{sid}/state").json()
        ref = reference(config, s["step"])
        W, bias = ref.weights(exact=True)
        assert s["weights"] == W and s["biases"] == bias, sid  # bit for bit: nothing leaked between them
        # the reference's own .metrics refresh at recorded steps only: evaluate it at this very step
        assert s["metrics"]["train_loss"] == ref.evaluate()["train_loss"]


class Clock:
    """A clock the test moves by hand, for the store's idea of "unused for a while"."""

    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def test_sessions_are_capped_and_only_an_idle_one_goes():
    clock = Clock()
    store = SessionStore(capacity=3, idle_after=60, clock=clock)
    with TestClient(studio_app.create_app(store), raise_server_exceptions=False, headers=SCRIPT) as c:
        sids = [new_session(c) for _ in range(3)]
        clock.now += 100  # all three unused for 100 s: idle, unless watched or used again
        c.get(f"/api/session/{sids[0]}/state")  # used again: not idle
        with c.websocket_connect(f"/api/session/{sids[1]}/ws") as ws:
            ws.receive_text()
            ws.receive_text()  # watched: not idle
            fourth = new_session(c)  # the third, the only idle one, goes
            assert len(store) == 3
            assert c.get(f"/api/session/{sids[2]}/state").status_code == 404
            for sid in (sids[0], sids[1], fourth):
                assert c.get(f"/api/session/{sid}/state").status_code == 200
            r = c.post("/api/session", json={"config": {}})  # nothing idle: refused (one client has all)
            assert r.status_code == 429 and "in use" in r.json()["error"]
            clock.now += 61
            c.get(f"/api/session/{fourth}/state")
            fifth = new_session(c)  # the first is idle again (61 s), the fourth was just used
            assert c.get(f"/api/session/{sids[0]}/state").status_code == 404
            for sid in (sids[1], fourth, fifth):
                assert c.get(f"/api/session/{sid}/state").status_code == 200


def test_a_page_that_leaves_frees_its_session_at_once(client):
    """A reload opens a new session; the old one, watched by nobody now, makes room without waiting."""
    store = client.app.state.store
    store.capacity = 1
    sid = new_session(client)
    with client.websocket_connect(f"/api/session/{sid}/ws") as ws:
        ws.receive_text()
        ws.receive_text()
        assert client.post("/api/session", json={"config": {}}).status_code == 503  # watched: kept
    assert wait_until(lambda: store.get(sid).left)
    new_session(client)
    assert client.get(f"/api/session/{sid}/state").status_code == 404


# ---- the command ----


def test_serve_refuses_other_hosts():
    with pytest.raises(ValueError, match="127.0.0.1 only"):
        serve(host="0.0.0.0", open_browser=False)
    with pytest.raises(ValueError, match="port"):
        serve(port=70000, open_browser=False)


def test_command_help_and_bad_port(capsys):
    with pytest.raises(SystemExit) as e:
        main(["studio", "--help"])
    assert e.value.code == 0 and "--no-browser" in capsys.readouterr().out
    assert main(["studio", "--port", "-5", "--no-browser"]) == 2
    assert "port" in capsys.readouterr().err


def test_python_dash_m_runs():
    out = subprocess.run([sys.executable, "-m", "glassgrad.studio", "--help"], capture_output=True, text=True,
                         timeout=60)
    assert out.returncode == 0 and "--port" in out.stdout


def test_running_serves_on_a_free_port():
    with running() as url:
        assert url.startswith("http://127.0.0.1:")
        with urllib.request.urlopen(url + "api/options", timeout=10) as r:
            assert json.load(r)["limits"]["sessions"] == 8
