"""Starting the studio: bind 127.0.0.1, run ``app.py``'s application under uvicorn, open the browser.

Read this last in ``studio/``: it imports ``app.py`` and starts it. ``glassgrad studio`` (``cli.py``) and
``python -m glassgrad.studio`` load this module when they run, so ``import glassgrad.studio`` alone needs
neither starlette nor uvicorn; this module does (``pip install glassgrad[studio]``).

- ``serve(port)``: until Ctrl-C, printing the URL (port 0, the default, picks a free one);
- ``running(port)``: a ``with`` block's worth of studio on a background thread, yielding its URL (for the
  browser tests and notebooks).

The server listens on 127.0.0.1 only: the studio runs code for whoever connects, so it is for the person at
this computer.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
import webbrowser

import uvicorn

from glassgrad.studio.app import create_app

__all__ = ["serve", "running"]

LOCAL_HOSTS = ("127.0.0.1", "localhost")


def _bind(host: str, port: int) -> socket.socket:
    if host not in LOCAL_HOSTS:
        raise ValueError(f"the studio binds 127.0.0.1 only (it runs code for whoever connects); got host {host!r}")
    if isinstance(port, bool) or not isinstance(port, int) or not 0 <= port <= 65535:
        raise ValueError(f"port must be an integer from 0 (any free port) to 65535, got {port!r}")
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(("127.0.0.1", port))
    except OSError as e:
        sock.close()
        raise OSError(f"cannot listen on 127.0.0.1:{port}: {e.strerror} (try --port 0 for any free port)") from e
    return sock


def _server() -> uvicorn.Server:
    config = uvicorn.Config(create_app(), log_level="warning", ws_max_size=65536, lifespan="on")
    return uvicorn.Server(config)


def serve(port: int = 0, open_browser: bool = True, host: str = "127.0.0.1") -> None:
    """Run the studio until Ctrl-C: bind 127.0.0.1:``port`` (0: a free port), print the URL, open it."""
    sock = _bind(host, port)
    url = f"http://127.0.0.1:{sock.getsockname()[1]}/"
    server = _server()
    print(f"glassgrad studio: {url}  (Ctrl-C to stop)", flush=True)
    if open_browser:
        threading.Timer(0.5, webbrowser.open, args=(url,)).start()
    server.run(sockets=[sock])


@contextlib.contextmanager
def running(port: int = 0):
    """The studio served from a background thread for as long as the ``with`` block: yields its URL.

    For tests and notebooks: ``with running() as url: ...``.
    """
    sock = _bind("127.0.0.1", port)
    url = f"http://127.0.0.1:{sock.getsockname()[1]}/"
    server = _server()
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the studio server did not start")
        time.sleep(0.02)
    try:
        yield url
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()
