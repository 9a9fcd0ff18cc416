"""Sessions of the studio: one per browser tab, each with its own validated configuration and its own run.

Read this after ``config.py`` (the choices and their checks) and ``trainer.py`` (which trains one
session), and before ``app.py`` (which routes requests to sessions). A session holds a configuration that
``config.validate_config`` has already passed, the ``trainer.Run`` built from it, whether it plays and at
what speed (steps per second, or None for as fast as the worker can), and the pages listening.

The store keeps at most ``MAX_SESSIONS`` sessions, and at most ``per_client`` of them for one client (the
address a request comes from). Making one more may close an *idle* session to make room, never one in
use: a session is idle when no page watches it and either the last page watching it has left (closed or
reloaded) or nobody has used it for ``IDLE_AFTER_SECONDS``. Among idle sessions the least recently used
goes first; a client at its cap loses its own idle sessions only. When nothing is idle the new session is
refused (``SessionsFull``): a flood of new sessions cannot push out one that is watched or in use.

Each session's memory is bounded too: the data sets are a few hundred points, the network at most 6 × 8
neurons, and the loss history a fixed number of points.
"""

from __future__ import annotations

import secrets
import threading
import time

from glassgrad.studio.config import MAX_SESSIONS
from glassgrad.studio.trainer import Run

__all__ = ["Session", "SessionStore", "SessionsFull", "IDLE_AFTER_SECONDS"]

IDLE_AFTER_SECONDS = 60.0  # a session nobody watches or uses for this long may make room for a new one


class SessionsFull(Exception):
    """No room for a new session without closing one in use; ``status`` is the HTTP answer (429 or 503)."""

    def __init__(self, message: str, status: int):
        super().__init__(message)
        self.status = status


class Session:
    """One tab's state: its configuration, its run (``trainer.Run``), and the pages listening to it."""

    def __init__(self, sid: str, config: dict, client: str = "local", clock=time.monotonic):
        self.id = sid
        self.config = config
        self.client = client
        self.run = Run(config)
        self.running = False
        self.speed = None  # steps per second while playing; None: as fast as the worker can
        self.next_step_at = None  # at a set speed, when the next step is due (time.monotonic)
        self.listeners: set = set()  # (event loop, asyncio.Queue) pairs, one per open WebSocket
        self._clock = clock
        self.last_active = clock()
        self.left = False  # the last page watching it has gone: idle now, whatever last_active says
        self.last_sent = 0.0
        self.dirty = True  # the page has not seen the latest numbers yet
        self.closed = False

    def touch(self) -> None:
        self.last_active = self._clock()
        self.left = False

    def watch(self, listener) -> None:
        self.listeners.add(listener)
        self.touch()

    def unwatch(self, listener) -> None:
        self.listeners.discard(listener)
        if not self.listeners:
            self.left = True

    def is_idle(self, now: float, idle_after: float) -> bool:
        return not self.listeners and (self.left or now - self.last_active >= idle_after)


class SessionStore:
    """At most ``capacity`` sessions, ``per_client`` per client, by id. Every method is thread-safe.

    The studio listens on 127.0.0.1, so every tab and script on this computer is one client and
    ``per_client`` defaults to ``capacity``; the idle-only rule is what keeps a flood from evicting.
    """

    def __init__(self, capacity: int = MAX_SESSIONS, per_client: int | None = None,
                 idle_after: float = IDLE_AFTER_SECONDS, clock=time.monotonic):
        self.capacity = capacity
        self.per_client = capacity if per_client is None else per_client
        self.idle_after = idle_after
        self.clock = clock
        self._sessions: dict[str, Session] = {}
        self._lock = threading.Lock()

    def create(self, config: dict, client: str = "local") -> tuple[Session, Session | None]:
        """A new session; also returns the idle session closed to make room, or None.

        Raises ``SessionsFull`` when making room would close a session that is watched or in use.
        """
        with self._lock:
            self._room_for(client)  # refuse before building anything
        session = Session(secrets.token_hex(8), config, client, self.clock)  # allocates: outside the lock
        with self._lock:
            evicted = self._room_for(client)
            if evicted is not None:
                del self._sessions[evicted.id]
                evicted.closed = True
                evicted.running = False
            self._sessions[session.id] = session
        return session, evicted

    def _room_for(self, client: str) -> Session | None:
        """The session to close so ``client`` may have one more (None: no need); raises if none may go."""
        own = [s for s in self._sessions.values() if s.client == client]
        if len(own) >= self.per_client:
            victim = self._idlest(own)
            if victim is None:
                raise SessionsFull(f"this client already has {len(own)} sessions in use (the limit is "
                                   f"{self.per_client}); close a tab or wait a minute", 429)
            return victim
        if len(self._sessions) >= self.capacity:
            victim = self._idlest(self._sessions.values())
            if victim is None:
                raise SessionsFull(f"the studio has {len(self._sessions)} sessions in use (the limit); "
                                   f"close a tab or wait a minute", 503)
            return victim
        return None

    def _idlest(self, sessions) -> Session | None:
        """Among idle sessions, the one whose page left, else the one unused the longest."""
        now = self.clock()
        idle = [s for s in sessions if s.is_idle(now, self.idle_after)]
        return min(idle, key=lambda s: (not s.left, s.last_active)) if idle else None

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
