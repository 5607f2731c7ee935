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


def flask_cookie(data: dict[str, Any], key: str = KEY) -> str:
    """``session=value`` as a real Flask app with *key* writes it."""
    import flask
    from webtest import TestApp

    app = flask.Flask(__name__)
    app.secret_key = key

    @app.route("/login")
    def login() -> str:
        flask.session.update(data)
        return "ok"

    cookie = cookie_of(TestApp(app).get("/login"))
    assert cookie is not None
    return cookie


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


class RedisServer:
    """A real redis-server of the test's own, on a unix socket in a
    temporary folder (and a loopback port when asked), persistence off."""

    def __init__(self, folder, port: int = 0) -> None:
        import shutil
        import subprocess

        executable = shutil.which("redis-server")
        if executable is None:
            pytest.skip("redis-server is not installed (apt-get install redis-server)")
        self.folder = folder
        self.socket = str(folder / "redis.sock")
        self.port = port
        self.command = [
            executable,
            "--port", str(port),
            "--bind", "127.0.0.1",
            "--unixsocket", self.socket,
            "--save", "",
            "--appendonly", "no",
            "--dir", str(folder),
        ]  # fmt: skip
        self.process: Any = None
        self._subprocess = subprocess
        self.start()

    def start(self) -> None:
        import redis

        self.process = self._subprocess.Popen(
            self.command,
            stdout=self._subprocess.DEVNULL,
            stderr=self._subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while True:
            try:
                redis.Redis(unix_socket_path=self.socket).ping()
                return
            except redis.exceptions.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.02)

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None

    def client(self, **kwargs: Any) -> Any:
        """A client with a short timeout and no retries: a failure shows."""
        import redis
        from redis.backoff import NoBackoff
        from redis.retry import Retry

        options = {
            "unix_socket_path": self.socket,
            "socket_timeout": 0.5,
            "socket_connect_timeout": 0.5,
            "retry": Retry(NoBackoff(), 0),
            **kwargs,
        }
        return redis.Redis(**options)


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
