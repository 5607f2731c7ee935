"""Tools shared by the test modules (fixtures live in conftest.py): a
controlled clock, signing a cookie, building a middleware, reading
Set-Cookie, the three WSGI drivers running one contract, counting HMACs, and
a real redis-server."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import bottle
import pytest
import webob
from hypothesis import settings as hypothesis_settings
from pyramid.config import Configurator
from pyramid.response import Response

from cookiesession import SecureCookieSessionInterface, SessionMiddleware, get_session
from cookiesession.bottle import SessionPlugin

#: The time the ``clock`` fixture starts at.
NOW = 1_800_000_000
#: The secret key the helpers use unless told otherwise.
KEY = "test-secret-key"


def examples(budget: int) -> int:
    """*budget* examples under the default hypothesis profile, scaled by the
    profile in use (``--hypothesis-profile=long`` runs twenty times more)."""
    return max(1, budget * hypothesis_settings.default.max_examples // 100)


class Clock:
    """``time.time()`` under the test's control."""

    def __init__(self) -> None:
        self.now = float(NOW)

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


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


# Each operation takes the session and returns the JSON to show.
OPS = {
    "untouched": None,
    "ignored": lambda s: "ignored",  # the session is at hand, never used
    "show": lambda s: {k: v for k, v in s.items() if not k.startswith("_")},
    "set": lambda s: s.update(user="ann") or "set",
    "permanent": lambda s: (
        (s.update(user="ann"), setattr(s, "permanent", True)) and "permanent"
    ),
    "clear": lambda s: s.clear() or "cleared",
    "login": lambda s: (s.update(user="ann"), s.mark_authenticated()) and "in",
    "regenerate": lambda s: s.regenerate() or "regenerated",
    "sudo": lambda s: s.authenticated_within(300),
}


def _run(op, session):
    return json.dumps(OPS[op](session) if session is not None else "untouched")


def wsgi_driver(**config):
    def app(environ, start_response):
        op = environ["PATH_INFO"].strip("/")
        if op == "untouched":
            session = None
        elif op == "ignored":
            session = environ["cookiesession.session"]
        else:
            session = get_session(environ)
        body = _run(op, session).encode()
        start_response("200 OK", [("Content-Type", "application/json")])
        return [body]

    return make_middleware(app, **config)


def pyramid_driver(**config):
    settings = {"cookiesession.secret_key": KEY}
    settings.update({f"cookiesession.{k.lower()}": v for k, v in config.items()})
    with Configurator(settings=settings) as configurator:
        configurator.include("cookiesession.pyramid")
        for op in OPS:

            def view(request, op=op):
                session = None if op == "untouched" else request.session
                return Response(
                    _run(op, session), content_type="application/json", charset="utf-8"
                )

            configurator.add_route(op, f"/{op}")
            configurator.add_view(view, route_name=op)
        return configurator.make_wsgi_app()


def bottle_driver(**config):
    app = bottle.Bottle()
    app.install(SessionPlugin({"SECRET_KEY": KEY, **config}))

    app.route("/untouched", callback=lambda: _bottle_run("untouched"))
    for op in OPS:
        if op != "untouched":
            app.route(
                f"/{op}", callback=lambda session, op=op: _bottle_run(op, session)
            )
    return app


def _bottle_run(op, session=None):
    # Module level: Bottle looks for the callback's arguments inside the
    # closures of a route callback.
    bottle.response.content_type = "application/json"
    return _run(op, session)


class HMACCounter:
    """Counts HMAC computations: the unit of verification work."""

    def __init__(self, monkeypatch):
        from cookiesession.wire.signed import KeyedHMAC

        self.count = 0
        real = KeyedHMAC.get_signature

        def counting(algorithm, key, value):
            self.count += 1
            return real(algorithm, key, value)

        monkeypatch.setattr(KeyedHMAC, "get_signature", counting)


def with_interface(driver, interface, settings=None):
    """A Pyramid or Bottle app of the contract, on *interface*."""
    settings = settings or {"SECRET_KEY": KEY}
    from pyramid.config import Configurator

    from cookiesession.bottle import SessionPlugin
    from cookiesession.pyramid import CookieSessionFactory

    if driver is bottle_driver:
        app = bottle_driver()
        for plugin in list(app.plugins):
            if isinstance(plugin, SessionPlugin):
                app.uninstall(plugin)
        app.install(SessionPlugin(settings, session_interface=interface))
        return app
    wsgi = pyramid_driver()
    registry = wsgi.registry
    with Configurator(registry=registry) as config:
        config.set_session_factory(
            CookieSessionFactory(settings, session_interface=interface)
        )
    return wsgi


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


def demo_post(client, path, data=None, **kwargs):
    """Post a form of the demo app as a browser does: with the CSRF token
    of the page (every form carries it)."""
    import re

    page = client.get("/").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    return client.post(path, {**(data or {}), "csrf_token": token}, **kwargs)
