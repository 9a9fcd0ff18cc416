"""What the studio's server tests share: a TestClient that speaks as a script does (the custom header a
cross-site form cannot send, instead of the page's Origin), and a new session from a configuration.

pytest puts this folder on ``sys.path`` for the tests in it, so they import this module directly.
"""

from __future__ import annotations

import contextlib

from starlette.testclient import TestClient

from glassgrad.studio import app as studio_app

SCRIPT = {"X-Glassgrad-Studio": "1"}  # what a script sends instead of the page's Origin


@contextlib.contextmanager
def script_client():
    """A TestClient for a fresh studio app, sending the script header on every request."""
    with TestClient(studio_app.create_app(), raise_server_exceptions=False, headers=SCRIPT) as c:
        yield c


def new_session(client, **config):
    """Create a session with these configuration fields; its id."""
    r = client.post("/api/session", json={"config": config})
    assert r.status_code == 201, r.text
    return r.json()["session"]
