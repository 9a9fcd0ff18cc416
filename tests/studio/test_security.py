"""No other web site can drive the studio through the user's browser, and no request makes it answer 500.

A cross-site page can send a POST (a form, or ``fetch`` with ``mode: "no-cors"``) with an ``Origin`` that is
not the studio's and a content type among text/plain, multipart/form-data, x-www-form-urlencoded; it
cannot set a custom header or ``Content-Type: application/json`` without a CORS preflight, which the
studio never grants. Each check below sends what such a page (or a clumsy script) would, and then checks
that nothing changed. The fuzzer at the end sends hostile requests to a real server (uvicorn) for a
bounded time and asserts that every one gets a 4xx/2xx JSON answer on a connection that stays open.
"""

from __future__ import annotations

import json
import random
import time

import pytest

pytest.importorskip("starlette")
httpx = pytest.importorskip("httpx")
pytest.importorskip("uvicorn")

from starlette.testclient import TestClient  # noqa: E402
from starlette.websockets import WebSocketDisconnect  # noqa: E402

from glassgrad.studio import app as studio_app  # noqa: E402
from glassgrad.studio.server import running  # noqa: E402
from glassgrad.studio.sessions import SessionStore  # noqa: E402

SCRIPT = {"X-Glassgrad-Studio": "1"}
OWN = "http://testserver"  # the studio's origin as starlette's TestClient reaches it


@pytest.fixture
def client():
    with TestClient(studio_app.create_app(), raise_server_exceptions=False) as c:
        yield c


def new_session(client) -> str:
    r = client.post("/api/session", json={"config": {}}, headers=SCRIPT)
    assert r.status_code == 201, r.text
    return r.json()["session"]


def commands(sid: str) -> list[tuple[str, dict]]:
    """Every state-changing route, with a body it would accept."""
    return [("/api/session", {"config": {}}), (f"/api/session/{sid}/config", {"hidden": [2]}),
            (f"/api/session/{sid}/play", {}), (f"/api/session/{sid}/pause", {}),
            (f"/api/session/{sid}/step", {"steps": 3}), (f"/api/session/{sid}/reset", {})]


FOREIGN_ORIGINS = [
    "http://evil.example",
    "http://testserver:8080",  # the same host, another port: another origin
    "https://testserver",  # another scheme
    "http://testserver.evil.example",
    "null",  # sandboxed iframes, file:// pages
    "http://testserver:99999",
    "http://[::1",
    "http://user@testserver",
    "http://testserver/path",
    "",
]


@pytest.mark.parametrize("origin", FOREIGN_ORIGINS)
def test_a_command_from_another_origin_is_refused_and_changes_nothing(client, origin):
    sid = new_session(client)
    before = client.get(f"/api/session/{sid}/state").json()
    for path, body in commands(sid):
        # even with the custom header and a JSON body: a foreign Origin is never the studio's page
        r = client.post(path, json=body, headers={"Origin": origin, **SCRIPT})
        assert r.status_code == 403, (path, r.text)
        assert "origin" in r.json()["error"] and "refused" in r.json()["error"]
    after = client.get(f"/api/session/{sid}/state").json()
    assert after == before
    assert len(client.app.state.store) == 1


def test_a_command_from_the_studios_own_page_is_accepted(client):
    r = client.post("/api/session", json={"config": {}}, headers={"Origin": OWN})
    assert r.status_code == 201, r.text
    sid = r.json()["session"]
    for path, body in commands(sid):
        r = client.post(path, json=body, headers={"Origin": OWN})
        assert r.status_code in (200, 201), (path, r.text)
    assert client.post(f"/api/session/{sid}/step", json={"steps": 2},
                       headers={"Origin": "http://testserver:80"}).status_code == 200  # the default port


def test_a_command_without_origin_needs_the_custom_header(client):
    sid = new_session(client)
    for path, body in commands(sid):
        r = client.post(path, json=body)
        assert r.status_code == 403 and "X-Glassgrad-Studio" in r.json()["error"], path
    assert client.get(f"/api/session/{sid}/state").json()["step"] == 0
    assert len(client.app.state.store) == 1


@pytest.mark.parametrize("content_type", [None, "text/plain", "application/x-www-form-urlencoded",
                                          "multipart/form-data; boundary=x", "application/jsonx", "json"])
@pytest.mark.parametrize("body", [b"", b"{}"])
def test_a_command_must_be_json_even_when_empty(client, content_type, body):
    sid = new_session(client)
    headers = {"Origin": OWN, **({"Content-Type": content_type} if content_type else {})}
    for path, _ in commands(sid):
        r = client.post(path, content=body, headers=headers)
        assert r.status_code == 415 and "application/json" in r.json()["error"], (path, r.text)
    assert client.get(f"/api/session/{sid}/state").json()["running"] is False
    assert len(client.app.state.store) == 1


def test_an_empty_json_command_is_an_empty_object(client):
    sid = new_session(client)
    r = client.post(f"/api/session/{sid}/play", content=b"",
                    headers={"Origin": OWN, "Content-Type": "application/json; charset=utf-8"})
    assert r.status_code == 200 and r.json() == {"running": True}
    client.post(f"/api/session/{sid}/pause", json={}, headers=SCRIPT)


def test_questions_need_no_header(client):
    """GET changes nothing, so the page's plain GETs and a script's need nothing special."""
    sid = new_session(client)
    assert client.get(f"/api/session/{sid}/state").status_code == 200
    assert client.get("/api/options", headers={"Origin": OWN}).status_code == 200


@pytest.mark.parametrize("origin", ["http://evil.example", "http://testserver:8080", "https://testserver",
                                    "null"])
def test_a_stream_for_another_origin_is_refused(client, origin):
    sid = new_session(client)
    with pytest.raises(WebSocketDisconnect) as closed:
        with client.websocket_connect(f"/api/session/{sid}/ws", headers={"Origin": origin}) as ws:
            ws.receive_text()
    assert closed.value.code == 4403


def test_a_stream_for_the_studios_own_page_opens(client):
    sid = new_session(client)
    with client.websocket_connect(f"/api/session/{sid}/ws", headers={"Origin": OWN}) as ws:
        assert json.loads(ws.receive_text())["type"] == "layout"
        assert json.loads(ws.receive_text())["type"] == "state"


@pytest.mark.parametrize("field", ["lr", "noise", "split", "reg_rate"])
def test_a_huge_json_integer_is_a_400_not_an_overflow(client, field):
    r = client.post("/api/session", content=b'{"config": {"%s": 1%s}}' % (field.encode(), b"0" * 400),
                    headers={"Content-Type": "application/json", **SCRIPT})
    assert r.status_code == 400 and r.json()["error"].startswith(f"{field} must be"), r.text


# ---- query integers ----

BAD_INTEGERS = ["--5", "-5", "+5", " 5", "5 ", "²", "٣", "５", "5.0", "1e3", "0x10", "", "1_000", "9" * 13,
                "5\x00", "Infinity"]


@pytest.mark.parametrize("text", BAD_INTEGERS)
def test_query_integers_are_ascii_digits_or_400(client, text):
    sid = new_session(client)
    for path, name in ((f"/api/session/{sid}/sample", "index"), (f"/api/session/{sid}/neuron", "index"),
                       (f"/api/session/{sid}/code", "steps")):
        r = client.get(path, params={name: text, "unit": "layer1.neuron0"})
        assert r.status_code == 400, (path, text, r.text)
        assert r.json()["error"].startswith(f"{name} must be an integer written with the digits 0-9"), r.text


def test_a_good_query_integer_still_works(client):
    sid = new_session(client)
    assert client.get(f"/api/session/{sid}/sample", params={"index": "007"}).json()["index"] == 7
    assert client.get(f"/api/session/{sid}/code", params={"steps": "30"}).status_code == 200


# ---- a flood of new sessions ----


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def test_a_flood_of_new_sessions_closes_nothing_in_use():
    """A watched session and a recently used one survive a flood of new sessions from one client."""
    clock = Clock()
    store = SessionStore(capacity=8, idle_after=60, clock=clock)
    with TestClient(studio_app.create_app(store), raise_server_exceptions=False, headers=SCRIPT) as c:
        watched, used = new_session(c), new_session(c)
        with c.websocket_connect(f"/api/session/{watched}/ws") as ws:
            ws.receive_text()
            ws.receive_text()
            clock.now += 30
            c.get(f"/api/session/{used}/state")
            answers = []
            for _ in range(40):
                answers.append(c.post("/api/session", json={"config": {}}).status_code)
                clock.now += 0.5  # 20 s of flood: the used session is never 60 s idle
            assert answers[:6] == [201] * 6  # room for six more
            assert set(answers[6:]) == {429}
            assert len(store) == 8
            for sid in (watched, used):
                assert c.get(f"/api/session/{sid}/state").status_code == 200


def test_a_client_at_its_cap_closes_only_its_own_idle_sessions():
    clock = Clock()
    store = SessionStore(capacity=6, per_client=3, idle_after=60, clock=clock)
    app = studio_app.create_app(store)
    with TestClient(app, raise_server_exceptions=False, headers=SCRIPT, client=("10.0.0.1", 1)) as user, \
            TestClient(app, raise_server_exceptions=False, headers=SCRIPT, client=("10.0.0.2", 1)) as flood:
        mine = [new_session(user) for _ in range(2)]
        clock.now += 1000  # the user's two sessions are idle now
        first = [new_session(flood) for _ in range(3)]
        r = flood.post("/api/session", json={"config": {}})  # at its cap, none of its own idle: refused,
        assert r.status_code == 429 and "limit is 3" in r.json()["error"]  # though the user's are idle
        clock.now += 1000  # the flood's first three are idle now
        for _ in range(3):
            assert flood.post("/api/session", json={"config": {}}).status_code == 201
        # the flood replaced its own idle sessions and never the user's
        assert all(user.get(f"/api/session/{sid}/state").status_code == 200 for sid in mine)
        assert all(flood.get(f"/api/session/{sid}/state").status_code == 404 for sid in first)
        assert len(store) == 5


# ---- the request fuzzer, against a real server ----

PATHS = ["/", "/api/options", "/api/session", "/api/session/{sid}", "/api/session/{sid}/config",
         "/api/session/{sid}/play", "/api/session/{sid}/pause", "/api/session/{sid}/step",
         "/api/session/{sid}/reset", "/api/session/{sid}/state", "/api/session/{sid}/sample",
         "/api/session/{sid}/neuron", "/api/session/{sid}/code", "/api/session/{sid}/speed",
         "/api/session/nope/state",
         "/api/session/%00/state", "/api/session/{sid}/state/..", "/static/api.js", "/static/../app.py",
         "/api/session/" + "x" * 2000]
METHODS = ["GET"] * 6 + ["POST"] * 5 + ["PUT", "DELETE", "PATCH", "OPTIONS", "HEAD"]
HOSTILE_TEXT = ["%", "'\"<>", "\u202e", "a" * 500, "\x00", "../"]
QUERY_VALUES = {
    "index": BAD_INTEGERS + ["0", "1", "139", "140", "007"],
    "steps": BAD_INTEGERS + ["0", "1", "100000", "100001"],
    "split": ["train", "train", "test", "valid"] + HOSTILE_TEXT,
    "unit": ["layer1.neuron0", "layer0.neuron0", "layer9.neuron9", "output.neuron0"] + HOSTILE_TEXT,
}
BODIES = [b"", b"{}", b"null", b"[]", b'{"config": {}}', b'{"steps": 1e999}', b'{"steps": -1}',
          b'{"steps": "5"}', b'{"hidden": [1, 2, 3, 4, 5, 6, 7]}', b'{"lr": NaN}', b'{"dataset": null}',
          b"\xff\xfe", b"[" * 3000, b'{"config": {"hidden": [' + b"9" * 400 + b"]}}", b"x" * 20_000,
          b'{"a": 1, "a": 2}', b'{"config": {"seed": 1e308}}', b'{"batch_size": true}', b'{"lr": 1' + b"0" * 400 + b"}",
          b'{"config": {"noise": -1' + b"0" * 400 + b"}}", b'{"steps_per_second": 1e999}',
          b'{"steps_per_second": null}', b'{"steps_per_second": 0.5}', b'{"steps_per_second": [1]}',
          b'{"features": ["x1", {}]}', b'{"features": []}', b'{"features": "x1"}', b'{"config": {"features": [null]}}']
HEADER_VALUES = {
    "Origin": [None, "http://127.0.0.1:{port}", "http://localhost:{port}", "http://evil.example", "null",
               "http://127.0.0.1", "http://[::1", "http://127.0.0.1:{port}/x"],
    "Content-Type": [None, "application/json", "text/plain", "application/json; charset=latin-1",
                     "multipart/form-data", "application/json\u00a0"],
    "X-Glassgrad-Studio": [None, "1", ""],
}


def test_fuzzed_requests_never_get_500_nor_a_dropped_connection():
    rng = random.Random(15)
    budget_s, max_requests = 25.0, 600
    with running() as url:
        port = int(url.rstrip("/").rsplit(":", 1)[1])
        with httpx.Client(base_url=url.rstrip("/"), timeout=30) as http:
            sid = http.post("/api/session", json={"config": {}}, headers=SCRIPT).json()["session"]
            deadline, sent, statuses = time.monotonic() + budget_s, 0, set()
            while sent < max_requests and time.monotonic() < deadline:
                method, path = rng.choice(METHODS), rng.choice(PATHS).format(sid=sid)
                query = {name: rng.choice(values) for name, values in QUERY_VALUES.items() if rng.random() < 0.7}
                headers = {}
                for name, values in HEADER_VALUES.items():
                    value = rng.choice(values)
                    if value is not None:
                        headers[name] = value.format(port=port).encode("utf-8")
                body = rng.choice(BODIES) if method not in ("GET", "HEAD") else b""
                try:
                    r = http.request(method, path, params=query, headers=headers, content=body)
                except httpx.TransportError as e:  # a dropped connection
                    pytest.fail(f"{method} {path} {query} {headers} {body[:60]!r}: connection dropped: {e!r}")
                assert r.status_code < 500, (method, path, query, headers, body[:60], r.text[:300])
                if method != "HEAD" and path.startswith("/api/"):
                    assert "application/json" in r.headers.get("content-type", ""), (method, path, r.text[:200])
                    if r.status_code >= 400:
                        assert r.json()["error"], (method, path)
                sent += 1
                statuses.add(r.status_code)
                if method == "POST" and r.status_code in (200, 201) and "play" in path:
                    http.post(f"/api/session/{sid}/pause", json={}, headers=SCRIPT)
            assert sent >= 100  # the bound is generous: a slow machine still sends this many
            assert {200, 400, 403, 415} <= statuses  # the fuzzer reached the routes, not only the guard
            assert http.get("/api/options").status_code == 200
