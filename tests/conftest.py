"""Fixtures shared by the test modules; the plain helpers are in
``tests/helpers.py``."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator

import pytest
import waitress
from hypothesis import HealthCheck, settings

from tests.helpers import Clock, RedisServer

# The default profile is what CI runs; "long" searches twenty times longer.
settings.register_profile(
    "default",
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "long",
    max_examples=2000,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile("default")


@pytest.fixture
def clock(monkeypatch) -> Clock:
    """Freeze ``time.time()`` at :data:`NOW`; ``clock.advance(s)`` moves it."""
    fixed = Clock()
    monkeypatch.setattr(time, "time", fixed)
    return fixed


@pytest.fixture
def serve() -> Iterator[Callable[..., str]]:
    """Serve a WSGI app with waitress on 127.0.0.1 and an ephemeral port;
    returns its base URL. Every server is closed after the test."""
    servers = []

    def start(app, threads: int = 8) -> str:
        # poll() reports a socket closed under it (POLLNVAL) where select()
        # raises EBADF in the server thread.
        server = waitress.create_server(
            app,
            host="127.0.0.1",
            port=0,
            threads=threads,
            ident="test",
            asyncore_use_poll=True,
        )
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        servers.append((server, thread))
        return f"http://127.0.0.1:{server.effective_port}"

    yield start
    for server, thread in servers:
        # Stop the loop before closing its sockets: closing under a running
        # select() raises EBADF in the server thread.
        server.task_dispatcher.shutdown()
        server.close()
        thread.join(timeout=5)


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path_factory.mktemp("redis"))
    yield server
    server.stop()


@pytest.fixture
def redis_client(redis_server):
    """A client of the shared test server, emptied before the test."""
    client = redis_server.client()
    client.flushall()
    yield client
    client.close()
