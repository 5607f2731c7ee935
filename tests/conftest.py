"""Tools shared by the test modules: a controlled clock, signing a cookie,
building a middleware, reading Set-Cookie, and a waitress server."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import waitress
import webob

from cookiesession import SecureCookieSessionInterface, SessionMiddleware

#: The time the ``clock`` fixture starts at.
NOW = 1_800_000_000
#: The secret key the helpers use unless told otherwise.
KEY = "test-secret-key"


class Clock:
    """``time.time()`` under the test's control."""

    def __init__(self) -> None:
        self.now = float(NOW)

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock(monkeypatch) -> Clock:
    """Freeze ``time.time()`` at :data:`NOW`; ``clock.advance(s)`` moves it."""
    fixed = Clock()
    monkeypatch.setattr(time, "time", fixed)
    return fixed


class _App:
    def __init__(self, config: dict[str, Any]) -> None:
        from cookiesession import validate_config

        self.config = validate_config(config)


def sign(data: dict[str, Any], key: str = KEY, **config: Any) -> str:
    """A session cookie value for *data*, signed now with *key*."""
    app = _App({"SECRET_KEY": key, **config})
    serializer = SecureCookieSessionInterface().get_signing_serializer(app)
    assert serializer is not None
    return serializer.dumps(data)


def make_middleware(app: Callable[..., Any], **config: Any) -> SessionMiddleware:
    """A middleware with :data:`KEY` and *config* around *app*."""
    return SessionMiddleware(app, {"SECRET_KEY": KEY, **config})


def get(app: Callable[..., Any], path: str = "/", cookie: str | None = None) -> Any:
    """One request through *app*, with an optional ``Cookie`` header."""
    headers = {"Cookie": cookie} if cookie is not None else {}
    return webob.Request.blank(path, headers=headers).get_response(app)


def set_cookies(response: Any, name: str = "session") -> list[str]:
    """The response's ``Set-Cookie`` headers for the cookie *name*."""
    return [
        header
        for header in response.headers.getall("Set-Cookie")
        if header.startswith(name + "=")
    ]


def cookie_of(response: Any, name: str = "session") -> str | None:
    """``name=value`` of the first ``Set-Cookie`` for *name*, or None."""
    headers = set_cookies(response, name)
    return headers[0].split(";")[0] if headers else None


@pytest.fixture
def serve() -> Iterator[Callable[..., str]]:
    """Serve a WSGI app with waitress on 127.0.0.1 and an ephemeral port;
    returns its base URL. Every server is closed after the test."""
    servers = []

    def start(app, threads: int = 8) -> str:
        server = waitress.create_server(
            app, host="127.0.0.1", port=0, threads=threads, ident="test"
        )
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        servers.append((server, thread))
        return f"http://127.0.0.1:{server.effective_port}"

    yield start
    for server, thread in servers:
        server.close()
        thread.join(timeout=5)
