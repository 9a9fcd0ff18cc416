"""Sessions of the studio: one per browser tab, each with its own validated configuration and its own run.

Read this after ``config.py`` (the choices and their checks) and ``trainer.py`` (which trains one
session), and before ``app.py`` (which routes requests to sessions). A session holds a configuration that
``config.validate_config`` has already passed, the ``trainer.Run`` built from it, and the pages listening.

The store keeps at most ``MAX_SESSIONS`` sessions; making one more evicts the one idle the longest
(preferring sessions no page is watching). Each session's memory is bounded too: the data sets are a few
hundred points, the network at most 6 × 8 neurons, and the loss history a fixed number of points.
"""

from __future__ import annotations

import secrets
import threading
import time

from glassgrad.studio.config import MAX_SESSIONS
from glassgrad.studio.trainer import Run

__all__ = ["Session", "SessionStore"]


class Session:
    """One tab's state: its configuration, its run (``trainer.Run``), and the pages listening to it."""

    def __init__(self, sid: str, config: dict):
        self.id = sid
        self.config = config
        self.run = Run(config)
        self.running = False
        self.listeners: set = set()  # (event loop, asyncio.Queue) pairs, one per open WebSocket
        self.last_active = time.monotonic()
        self.last_sent = 0.0
        self.dirty = True  # the page has not seen the latest numbers yet
        self.closed = False

    def touch(self) -> None:
        self.last_active = time.monotonic()


class SessionStore:
    """At most ``capacity`` sessions, by id. Every method is safe to call from any thread."""

    def __init__(self, capacity: int = MAX_SESSIONS):
        self.capacity = capacity
        self._sessions: dict[str, Session] = {}
        self._lock = threading.Lock()

    def create(self, config: dict) -> tuple[Session, Session | None]:
        """A new session; also returns the session evicted to make room, or None."""
        sid = secrets.token_hex(8)
        session = Session(sid, config)  # built outside the lock: it trains nothing yet, but allocates
        evicted = None
        with self._lock:
            if len(self._sessions) >= self.capacity:
                # the idle one nobody watches goes first; among equals, the one idle the longest
                evicted = min(self._sessions.values(), key=lambda s: (bool(s.listeners), s.last_active))
                del self._sessions[evicted.id]
                evicted.closed = True
                evicted.running = False
            self._sessions[sid] = session
        return session, evicted

    def get(self, sid) -> Session | None:
        if not isinstance(sid, str):
            return None
        with self._lock:
            return self._sessions.get(sid)

    def all(self) -> list[Session]:
        with self._lock:
            return list(self._sessions.values())

    def __len__(self) -> int:
        with self._lock:
            return len(self._sessions)
