"""The studio's web server: routes, the WebSocket stream, and the checks every request passes.

Read this after ``sessions.py``, ``stepview.py`` and ``codegen.py``, whose work it serves; ``server.py``
runs it. The page (``static/``) talks to the server in two ways:

- HTTP, for commands and questions: make a session, change its configuration, play, pause, step, reset,
  set the training speed, look at one sample step by step, read the generated code. Each answer is JSON; a bad request is a 4xx
  whose body is ``{"error": "<what is wrong>"}``, never a traceback.
- A WebSocket per session, for what changes by itself while training: the layout once (data points,
  the network's shape), then a small state message up to 20 times a second (loss, accuracy, weights, the
  decision boundary as bytes, each neuron's thumbnail).

Every request passes ``_Guard`` first, so no other web site can drive the studio through the user's
browser: the ``Host`` must be this machine (against DNS rebinding); a request that changes anything (any
method but GET/HEAD) must come from the studio's own page (an ``Origin`` equal to the studio's scheme,
host and port; or no ``Origin`` and the ``X-Glassgrad-Studio`` header, which a cross-site form cannot
send) and must say ``Content-Type: application/json`` even with an empty body; a WebSocket's ``Origin``,
when sent, must be the studio's own too.

The event loop never runs glassgrad: training happens in ``trainer.Worker``'s thread, and the other work
(building a network, one sample's step view) in ``asyncio.to_thread``, both under ``ENGINE_LOCK``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
import re
from pathlib import Path
from urllib.parse import urlsplit

import numpy as np

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles
from starlette.websockets import WebSocket, WebSocketDisconnect

from glassgrad.studio import codegen, stepview
from glassgrad.studio.config import (CLASSES, DEFAULTS, FEATURES, LOSSES_FOR, MAX_BODY_BYTES, MAX_LAYERS,
                                     MAX_NEURONS, MAX_SESSIONS, MAX_SPEED, OPTIONS, ValidationError,
                                     features_for, kind_of, validate_config)
from glassgrad.studio.sessions import SessionsFull, SessionStore
from glassgrad.studio.trainer import ENGINE_LOCK, Run, Worker, make_data

__all__ = ["create_app", "STATIC", "CLIENT_HEADER"]

STATIC = Path(__file__).parent / "static"
ALLOWED_HOSTS = {"127.0.0.1", "localhost", "testserver"}  # testserver: starlette's TestClient
MAX_STEPS_PER_REQUEST = 1000
CLIENT_HEADER = "X-Glassgrad-Studio"  # a custom header: a cross-site form cannot send it, a script can
SAFE_METHODS = ("GET", "HEAD")  # the only methods that change nothing
DEFAULT_PORTS = {"http": 80, "https": 443}
ASCII_INTEGER = re.compile(r"[0-9]{1,12}")


class BadRequest(Exception):
    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.status = status


def _clean(x):
    """JSON-safe: NaN and infinity (a diverged run) become null."""
    if isinstance(x, float):
        return x if math.isfinite(x) else None
    if isinstance(x, dict):
        return {k: _clean(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_clean(v) for v in x]
    return x


def _json(data, status: int = 200) -> JSONResponse:
    return JSONResponse(_clean(data), status_code=status, headers={"Cache-Control": "no-store"})


async def _body(request: Request) -> dict:
    """The request's JSON object (or {} when empty), read no further than MAX_BODY_BYTES."""
    length = request.headers.get("content-length")
    if length is not None and (ASCII_INTEGER.fullmatch(length) is None or int(length) > MAX_BODY_BYTES):
        raise BadRequest(f"request body too large (the limit is {MAX_BODY_BYTES} bytes)", 413)
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise BadRequest(f"request body too large (the limit is {MAX_BODY_BYTES} bytes)", 413)
        chunks.append(chunk)
    raw = b"".join(chunks)
    if not raw.strip():
        return {}  # the content type was checked already, by _Guard
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError) as e:
        raise BadRequest(f"malformed JSON: {str(e)[:120]}") from None
    if not isinstance(data, dict):
        raise BadRequest(f"the request body must be a JSON object, got {type(data).__name__}")
    return data


def _only(data: dict, allowed: tuple) -> None:
    unknown = sorted(set(data) - set(allowed))
    if unknown:
        fields = ", ".join(allowed) if allowed else "none"
        raise BadRequest(f"unknown field {unknown[0][:40]!r}; this request takes: {fields}")


def _int_param(value, name, lo, hi) -> int:
    """An integer in [lo, hi] from a JSON body (a number, not a bool)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise BadRequest(f"{name} must be an integer, got {type(value).__name__}")
    if not lo <= value <= hi:
        raise BadRequest(f"{name} must be between {lo} and {hi}, got {value}")
    return value


def _query_int(request: Request, name: str, default: int, lo: int, hi: int) -> int:
    """The query parameter ``name`` as an integer in [lo, hi]: ASCII digits only (no sign, no spaces,
    no '²' or '١' that ``str.isdigit`` would pass), at most 12 of them."""
    text = request.query_params.get(name)
    if text is None:
        return _int_param(default, name, lo, hi)
    if ASCII_INTEGER.fullmatch(text) is None:
        raise BadRequest(f"{name} must be an integer written with the digits 0-9, got {text[:20]!r}")
    return _int_param(int(text), name, lo, hi)


def _session(request: Request):
    session = request.app.state.store.get(request.path_params["sid"])
    if session is None:
        raise BadRequest("no such session (it may have been closed to make room); reload the page", 404)
    session.touch()
    return session


def _sample_args(request: Request, session):
    q = request.query_params
    split = q.get("split", "train")
    if split not in ("train", "test"):
        raise BadRequest(f"split must be 'train' or 'test', got {split[:20]!r}")
    run = session.run
    n = run.n_train if split == "train" else len(run.X) - run.n_train
    if n == 0:
        raise BadRequest(f"the {split} split is empty")
    index = _query_int(request, "index", 0, 0, n - 1)
    return run, split, index


# ---- routes ----


async def index(request: Request):
    return FileResponse(STATIC / "index.html", headers={"Cache-Control": "no-store"})


def _previews() -> dict:
    """Each data set at the default noise and seed, rounded: the page draws them as small thumbnails."""
    previews = {}
    for name in OPTIONS["dataset"]:
        X, y = make_data({**DEFAULTS, "dataset": name})  # noise and seed only: no validation needed
        if X.shape[1] == 1:  # regression: (x, y) with y scaled into the picture like a second coordinate
            X = np.stack([X[:, 0], y / np.abs(y).max()], axis=1)
            y = np.zeros(len(y), dtype=np.int64)
        previews[name] = {"x": np.round(X, 2).tolist(), "y": [int(v) for v in y]}
    return previews


_PREVIEWS: dict = {}


async def options(request: Request):
    if not _PREVIEWS:
        _PREVIEWS.update(await asyncio.to_thread(_previews))
    return _json({
        "features": {name: list(features_for(name)) for name in OPTIONS["dataset"]},
        "feature_names": list(FEATURES),
        "previews": _PREVIEWS,
        "max_speed": MAX_SPEED,
        "options": OPTIONS, "defaults": DEFAULTS, "losses_for": LOSSES_FOR, "classes": CLASSES,
        "kinds": {name: kind_of(name) for name in OPTIONS["dataset"]},
        "limits": {"layers": MAX_LAYERS, "neurons": MAX_NEURONS, "noise": [0, 0.5], "split": [0.1, 0.9],
                   "lr": [0, 10], "batch_size": [1, 500], "reg_rate": [0, 1], "sessions": MAX_SESSIONS},
    })


async def create_session(request: Request):
    data = await _body(request)
    _only(data, ("config",))
    config = validate_config(data.get("config", {}))
    store = request.app.state.store
    client = request.client.host if request.client is not None else "local"
    try:
        session, evicted = await asyncio.to_thread(store.create, config, client)
    except SessionsFull as e:
        raise BadRequest(str(e), e.status) from None
    if evicted is not None:
        request.app.state.close_listeners(evicted)
    layout = await asyncio.to_thread(_locked, session.run.layout)
    return _json({"session": session.id, "layout": layout}, 201)


def _locked(fn, *args):
    with ENGINE_LOCK:
        return fn(*args)


async def get_session(request: Request):
    session = _session(request)
    layout, state = await asyncio.to_thread(_locked, lambda: (session.run.layout(), session.run.snapshot()))
    return _json({"session": session.id, "running": session.running, "speed": session.speed,
                  "layout": layout, "state": state})


async def rebuild(request: Request, session, config) -> dict:
    def build():
        run = Run(config)  # takes ENGINE_LOCK itself while it touches the engine
        with ENGINE_LOCK:
            session.run = run
            session.config = config
            session.dirty = True
            layout, state = run.layout(), run.snapshot()
        return layout, state

    layout, state = await asyncio.to_thread(build)
    request.app.state.send(session, layout)
    request.app.state.send(session, state)
    return {"session": session.id, "running": session.running, "layout": layout, "state": state}


async def set_config(request: Request):
    session = _session(request)
    data = await _body(request)
    config = validate_config(data, base=session.config)
    return _json(await rebuild(request, session, config))


async def reset(request: Request):
    session = _session(request)
    _only(await _body(request), ())
    return _json(await rebuild(request, session, session.config))


async def play(request: Request):
    session = _session(request)
    _only(await _body(request), ())
    session.next_step_at = None  # at a set speed, the first step is due now
    session.running = True
    request.app.state.worker.wake.set()
    return _json({"running": True})


async def speed(request: Request):
    """``{"steps_per_second": n}`` trains at most n steps a second while playing (1 to MAX_SPEED);
    ``null`` trains as fast as the worker can. Takes effect at once, playing or not."""
    session = _session(request)
    data = await _body(request)
    _only(data, ("steps_per_second",))
    if "steps_per_second" not in data:
        raise BadRequest("send steps_per_second: a number of steps per second, or null for full speed")
    value = data["steps_per_second"]
    if value is not None:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise BadRequest(f"steps_per_second must be a number or null, got {type(value).__name__}")
        if not 1 <= value <= MAX_SPEED:
            raise BadRequest(f"steps_per_second must be between 1 and {MAX_SPEED} (or null), got {value:g}")
        value = float(value)
    session.speed = value
    session.next_step_at = None
    return _json({"steps_per_second": value})


async def pause(request: Request):
    session = _session(request)
    _only(await _body(request), ())
    session.running = False
    with ENGINE_LOCK:  # wait for the chunk in progress, so the answer is the final count
        step = session.run.step
    return _json({"running": False, "step": step})


async def step(request: Request):
    session = _session(request)
    data = await _body(request)
    _only(data, ("steps",))
    n = _int_param(data.get("steps", 1), "steps", 1, MAX_STEPS_PER_REQUEST)
    session.running = False

    def work():
        with ENGINE_LOCK:
            for _ in range(n):
                session.run.train_step()
            session.dirty = True
            return session.run.snapshot()

    state = await asyncio.to_thread(work)
    request.app.state.send(session, state)
    return _json({"running": False, "state": state})


async def state(request: Request):
    """Everything at full precision, for tests and scripts: exact weights, metrics, history."""
    session = _session(request)

    def read():
        run = session.run
        W, b = run.weights(exact=True)
        return {"session": session.id, "running": session.running, "config": run.config,
                "version": run.version, "step": run.step, "epoch": run.epoch, "weights": W, "biases": b,
                "speed": session.speed, "next_batch": run.next_batch(),
                "metrics": run.evaluate(), "history": run.history, "health": run.health_report(exact=True),
                "n_train": run.n_train, "n_test": len(run.X) - run.n_train}

    return _json(await asyncio.to_thread(_locked, read))


async def sample(request: Request):
    session = _session(request)
    run, split, index = _sample_args(request, session)
    return _json(await asyncio.to_thread(stepview.sample_step, run, split, index))


async def neuron(request: Request):
    session = _session(request)
    run, split, index = _sample_args(request, session)
    unit = request.query_params.get("unit", "")
    try:
        svg = await asyncio.to_thread(stepview.neuron_svg, run, split, index, unit[:40])
    except KeyError:
        raise BadRequest(f"no neuron {unit[:40]!r} in this network (names look like 'layer1.neuron0': "
                         "layer 1 is the one whose weights are W1, neuron 0 its first row)", 404) from None
    return _json({"unit": unit, "svg": svg})


async def code(request: Request):
    session = _session(request)
    steps = _query_int(request, "steps", 200, 1, 100_000)
    config = session.config
    return _json({"glassgrad": codegen.glassgrad_code(config, steps),
                  "pytorch": codegen.pytorch_code(config, steps)})


# ---- the stream ----


async def stream(websocket: WebSocket):
    store = websocket.app.state.store
    session = store.get(websocket.path_params["sid"])
    await websocket.accept()
    if session is None:
        await websocket.send_text(json.dumps({"type": "error", "message": "no such session; reload the page"}))
        await websocket.close(code=4404)
        return
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue = asyncio.Queue(maxsize=8)
    listener = (loop, queue)

    def first():
        with ENGINE_LOCK:
            return json.dumps(_clean(session.run.layout())), json.dumps(_clean(session.run.snapshot()))

    layout, snap = await asyncio.to_thread(first)
    await websocket.send_text(layout)
    await websocket.send_text(snap)
    session.watch(listener)
    if session.closed:  # closed to make room while this page was connecting: tell it, as the others were
        websocket.app.state.close_listeners(session)

    async def send():
        while True:
            text = await queue.get()
            if text is None:
                await websocket.close(code=4000)
                return
            await websocket.send_text(text)

    sender = asyncio.create_task(send())
    try:
        while True:
            message = await websocket.receive()
            if message["type"] == "websocket.disconnect":
                break
            session.touch()  # the page pings; nothing it sends is acted on (commands go over HTTP)
    except (WebSocketDisconnect, RuntimeError):
        pass
    finally:
        session.unwatch(listener)  # the last page gone: the session is idle and may make room
        sender.cancel()


def _offer(queue: asyncio.Queue, text) -> None:
    """Put, dropping the oldest message when a slow page has fallen behind (the newest is what counts)."""
    if queue.full():
        try:
            queue.get_nowait()
        except asyncio.QueueEmpty:
            pass
    queue.put_nowait(text)


# ---- the application ----


async def _bad_request(request, exc: BadRequest):
    return _json({"error": str(exc)}, exc.status)


async def _validation(request, exc: ValidationError):
    return _json({"error": str(exc)}, 400)


async def _http(request, exc: HTTPException):
    return _json({"error": exc.detail}, exc.status_code)


async def _internal(request, exc: Exception):
    return _json({"error": f"internal error: {type(exc).__name__}: {str(exc)[:200]}"}, 500)


def _origin_of(scope) -> tuple:
    """The studio's own origin as this request reached it: (scheme, host, port); ws counts as http."""
    scheme = {"ws": "http", "wss": "https"}.get(scope["scheme"], scope["scheme"])
    host = dict(scope["headers"]).get(b"host", b"").decode("latin-1")
    return scheme, *_host_and_port(f"//{host}", scheme)


def _host_and_port(url: str, scheme: str) -> tuple:
    """(host, port) of ``url``, the scheme's default port when none is written; (None, None) if malformed."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:  # a port that is not a number or out of range, a broken [IPv6] bracket
        return None, None
    return parts.hostname, port if port is not None else DEFAULT_PORTS.get(scheme)


def _same_origin(origin: str, scope) -> bool:
    """``Origin`` names exactly the studio: the same scheme, host and port (``null`` never does)."""
    try:
        parts = urlsplit(origin)
    except ValueError:
        return False
    if parts.scheme not in DEFAULT_PORTS or parts.path or parts.query or parts.username is not None:
        return False
    return (parts.scheme, *_host_and_port(origin, parts.scheme)) == _origin_of(scope)


def _refusal(scope) -> tuple[int, str] | None:
    """Why this request may not go on (status, message), or None. See the module's docstring."""
    headers = dict(scope["headers"])
    host = headers.get(b"host", b"").decode("latin-1")
    if _host_and_port(f"//{host}", "http")[0] not in ALLOWED_HOSTS:
        return 400, f"host {host[:60]!r} refused: the studio serves 127.0.0.1 only"
    origin = headers.get(b"origin")
    if origin is not None and not _same_origin(origin.decode("latin-1"), scope):
        return 403, (f"origin {origin.decode('latin-1')[:60]!r} refused: only the studio's own page "
                     "may send commands")
    if scope["type"] == "websocket" or scope["method"] in SAFE_METHODS:
        return None
    if origin is None and CLIENT_HEADER.lower().encode() not in headers:
        return 403, f"a request without Origin must send the {CLIENT_HEADER} header (any value)"
    content_type = headers.get(b"content-type", b"").decode("latin-1").split(";")[0].strip().lower()
    if content_type != "application/json":
        return 415, "send commands as JSON (Content-Type: application/json), even with an empty body"
    return None


class _Guard:
    """Refuse, before any route runs, what the module docstring lists: a foreign Host, a foreign
    Origin, a command without a same-origin Origin or the custom header, a command that is not JSON."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] in ("http", "websocket"):
            refusal = _refusal(scope)
            if refusal is not None:
                status, message = refusal
                if scope["type"] == "http":
                    await _json({"error": message}, status)(scope, receive, send)
                else:
                    await send({"type": "websocket.close", "code": 4000 + status})
                return
        await self.app(scope, receive, send)


def create_app(store: SessionStore | None = None) -> Starlette:
    """The studio as an ASGI app; its worker thread starts and stops with the app's lifespan."""
    store = store if store is not None else SessionStore()

    def publish(session, text) -> None:
        for loop, queue in list(session.listeners):
            try:
                loop.call_soon_threadsafe(_offer, queue, text)
            except RuntimeError:  # that page's loop is closed
                session.unwatch((loop, queue))

    def send(session, message) -> None:
        publish(session, json.dumps(_clean(message)))

    def close_listeners(session) -> None:
        publish(session, json.dumps({"type": "error", "message": "this session was closed to make room for "
                                                                  "a newer one; reload the page"}))
        publish(session, None)

    def lifespan(app):
        @contextlib.asynccontextmanager
        async def span(_app):
            worker = Worker(store, publish)
            app.state.worker = worker
            worker.start()
            try:
                yield
            finally:
                worker.stop()
                await asyncio.to_thread(worker.join, 2.0)

        return span

    sid = "{sid:str}"
    routes = [
        Route("/", index),
        Route("/api/options", options),
        Route("/api/session", create_session, methods=["POST"]),
        Route(f"/api/session/{sid}", get_session),
        Route(f"/api/session/{sid}/config", set_config, methods=["POST"]),
        Route(f"/api/session/{sid}/play", play, methods=["POST"]),
        Route(f"/api/session/{sid}/pause", pause, methods=["POST"]),
        Route(f"/api/session/{sid}/step", step, methods=["POST"]),
        Route(f"/api/session/{sid}/speed", speed, methods=["POST"]),
        Route(f"/api/session/{sid}/reset", reset, methods=["POST"]),
        Route(f"/api/session/{sid}/state", state),
        Route(f"/api/session/{sid}/sample", sample),
        Route(f"/api/session/{sid}/neuron", neuron),
        Route(f"/api/session/{sid}/code", code),
        WebSocketRoute(f"/api/session/{sid}/ws", stream),
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
    ]
    app = Starlette(
        routes=routes,
        exception_handlers={BadRequest: _bad_request, ValidationError: _validation, HTTPException: _http,
                            Exception: _internal},
    )
    app.router.lifespan_context = lifespan(app)
    app.state.store = store
    app.state.send = send
    app.state.close_listeners = close_listeners
    return _Wrapped(app)


class _Wrapped(_Guard):
    """The app behind the guard, still answering ``.state`` like the Starlette app inside."""

    @property
    def state(self):
        return self.app.state

    @property
    def router(self):
        return self.app.router
