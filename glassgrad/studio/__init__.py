"""Part IV's studio: a page in your browser that trains a small network live and shows every number.

    glassgrad studio [--port N] [--no-browser]      (or: python -m glassgrad.studio)

Pick a data set, build a network (up to 6 layers of 8 neurons), press play, and watch the decision
boundary, each neuron's picture of the input plane, the weights and the loss move. Pause, and follow one
sample forward, through the loss, backward and into the update, one chain-rule step at a time with its
numbers; open a neuron into its operations; read the same network as glassgrad and as PyTorch code.

Reading order: ``trainer.py`` (the training loop, taken apart into steps), ``sessions.py`` (one session
per tab, every request checked), ``stepview.py`` (one sample in the scalar engine, narrated by
``glassgrad.explain``), ``codegen.py`` (the code view), ``app.py`` (the routes and the WebSocket), and
``static/`` (the page: plain JavaScript modules, SVG and canvas, nothing fetched from the internet).

It needs the ``studio`` extra: ``pip install glassgrad[studio]`` (starlette and uvicorn). The server
listens on 127.0.0.1 only: the studio is for the person at this computer.
"""

from __future__ import annotations

import argparse
import contextlib
import socket
import sys
import threading
import time

__all__ = ["serve", "main", "running"]

LOCAL_HOSTS = ("127.0.0.1", "localhost")


def _need():
    try:
        import starlette  # noqa: F401
        import uvicorn  # noqa: F401
    except ImportError as e:
        raise SystemExit("glassgrad studio needs starlette and uvicorn: pip install glassgrad[studio]") from e


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


def _server(sock):
    import uvicorn

    from glassgrad.studio.app import create_app

    config = uvicorn.Config(create_app(), log_level="warning", ws_max_size=65536, lifespan="on")
    return uvicorn.Server(config)


def serve(port: int = 0, open_browser: bool = True, host: str = "127.0.0.1") -> None:
    """Run the studio until Ctrl-C: bind 127.0.0.1:``port`` (0: a free port), print the URL, open it."""
    _need()
    sock = _bind(host, port)
    url = f"http://127.0.0.1:{sock.getsockname()[1]}/"
    server = _server(sock)
    print(f"glassgrad studio: {url}  (Ctrl-C to stop)", flush=True)
    if open_browser:
        import webbrowser

        threading.Timer(0.5, webbrowser.open, args=(url,)).start()
    server.run(sockets=[sock])


@contextlib.contextmanager
def running(port: int = 0):
    """The studio served from a background thread for as long as the ``with`` block: yields its URL.

    For tests and notebooks: ``with running() as url: ...``.
    """
    _need()
    sock = _bind("127.0.0.1", port)
    url = f"http://127.0.0.1:{sock.getsockname()[1]}/"
    server = _server(sock)
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


def main(argv=None) -> int:
    """``glassgrad studio [--port N] [--no-browser]``."""
    parser = argparse.ArgumentParser(prog="glassgrad studio",
                                     description="Open the glassgrad studio: train a small network live "
                                                 "in your browser and see every number.")
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (default: 0, any free port)")
    parser.add_argument("--no-browser", action="store_true", help="print the URL without opening a browser")
    args = parser.parse_args(argv)
    try:
        serve(port=args.port, open_browser=not args.no_browser)
    except (ValueError, OSError) as e:
        print(f"glassgrad studio: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        pass
    return 0
