"""Flask itself, side by side: the same Flask app with Flask's own session
interface, with ``CookieSession(app)`` on the signed, encrypted and Redis
interfaces, and with Flask-Session on the same redis-server. Cost per
request over the same Flask app receiving no cookie and never touching its
session (µs; the best of a few blocks, the bare app timed beside each
cell), in shuffled rounds, with the HMACs and Redis round trips of
one request, in one run.

    python benchmarks/bench_flask.py [--iterations N] [--repeat N]

Scenarios: ``untouched`` (a valid cookie; the view ignores the session),
``read`` (one key), ``write`` (one key changed), ``new`` (no cookie; one key
set) and ``static`` (a static file, with a valid cookie). Sessions are not
permanent, as Flask's are by default. Starts its own redis-server; needs
``redis-server`` installed.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))

import flask
import report
from bench_redis import CountingRedis, redis_server
from bench_sessions import KEY, SMALL, base_environ, session_cookie, timed
from itsdangerous.signer import HMACAlgorithm

from cookiesession.crypto import EncryptedCookieSessionInterface
from cookiesession.flask import CookieSession
from cookiesession.redis import RedisSessionInterface
from cookiesession.wire.signed import KeyedHMAC

#: The implementations compared, in the table's order; the first is the
#: reference of the ratios.
NAMES = (
    "Flask",
    "cookiesession signed",
    "cookiesession encrypted",
    "cookiesession Redis",
    "Flask-Session Redis",
)
SCENARIOS = ("untouched", "read", "write", "new", "static")
#: Blocks of *iterations* requests timed per cell and round; the best counts.
BLOCKS = 5
#: The pairs judged: (ours, theirs).
PAIRS = (
    ("cookiesession signed", "Flask"),
    ("cookiesession Redis", "Flask-Session Redis"),
)


class Counter:
    """Counts HMACs (Flask's through itsdangerous, ours through its keyed
    copy of the same algorithm)."""

    hmacs = 0
    installed = False

    @classmethod
    def install(cls) -> None:
        if cls.installed:  # once per process: a second wrap counts twice
            return
        cls.installed = True
        for algorithm in (HMACAlgorithm, KeyedHMAC):
            real = algorithm.get_signature

            def counting(self: Any, key: bytes, value: bytes, real: Any = real) -> Any:
                cls.hmacs += 1
                return real(self, key, value)

            algorithm.get_signature = counting  # type: ignore[method-assign]


def flask_app(setup: Callable[[flask.Flask], None] | None, static: str) -> Any:
    """The one app every implementation serves; *setup* installs sessions."""
    app = flask.Flask("bench_flask", static_folder=static, static_url_path="/static")
    app.config.update(SECRET_KEY=KEY)
    if setup is not None:
        setup(app)

    @app.route("/<scenario>")
    def view(scenario: str) -> str:
        session = flask.session
        if scenario in ("login", "new"):
            session.update(SMALL)
        elif scenario == "write":
            session["counter"] = session.get("counter", 0) + 1
        elif scenario == "read":
            assert session.get("user") == "ann"
        return "ok"

    return app.wsgi_app


def flask_session(client: Any) -> Callable[[flask.Flask], None]:
    from flask_session import Session

    def setup(app: flask.Flask) -> None:
        # Not permanent, as the others' sessions: Flask-Session's default
        # (permanent) would re-send every cookie.
        app.config.update(
            SESSION_TYPE="redis", SESSION_REDIS=client, SESSION_PERMANENT=False
        )
        Session(app)

    return setup


def on(interface: Any) -> Callable[[flask.Flask], None]:
    return lambda app: CookieSession(app, session_interface=interface)


def request(app: Any, path: str, cookie: str | None) -> list[tuple[str, str]]:
    environ = base_environ(cookie)
    environ["PATH_INFO"] = path
    captured: list[Any] = []

    def start_response(status: str, headers: Any, exc_info: Any = None) -> Any:
        captured[:] = [status, headers]
        return lambda data: None

    result = app(environ, start_response)
    for _ in result:
        pass
    getattr(result, "close", lambda: None)()
    assert captured[0].startswith("200"), (path, captured[0])
    return captured[1]


def measure(
    iterations: int, repeat: int
) -> tuple[dict[Any, list[float]], dict[Any, tuple[int, int]]]:
    """Cost samples (µs over the bare request) and (HMACs, round trips) of
    one request, by (implementation, scenario)."""
    Counter.install()
    with redis_server() as socket, tempfile.TemporaryDirectory() as static:
        Path(static, "app.css").write_text("body { color: #222 }\n")
        client = CountingRedis(unix_socket_path=socket, socket_timeout=5)
        setups = {
            NAMES[0]: None,
            NAMES[1]: on(None),
            NAMES[2]: on(EncryptedCookieSessionInterface()),
            NAMES[3]: on(RedisSessionInterface(client)),
            NAMES[4]: flask_session(client),
        }
        bare_app = flask_app(None, static)
        calls: dict[tuple[str, str], Callable[[], Any]] = {}
        work: dict[tuple[str, str], tuple[int, int]] = {}
        for name, setup in setups.items():
            app = flask_app(setup, static)
            cookie = session_cookie(request(app, "/login", None), "session")
            assert cookie is not None, name
            for scenario in SCENARIOS:
                path = "/static/app.css" if scenario == "static" else f"/{scenario}"
                sent = None if scenario == "new" else cookie
                request(app, path, sent)  # a first use ends the probation
                Counter.hmacs = CountingRedis.round_trips = 0
                headers = request(app, path, sent)
                writes = session_cookie(headers, "session") is not None
                assert writes == (scenario in ("write", "new")), (name, scenario)
                work[name, scenario] = (Counter.hmacs, CountingRedis.round_trips)
                calls[name, scenario] = lambda a=app, p=path, c=sent: request(a, p, c)
        bares = {
            "/": lambda: request(bare_app, "/untouched", None),
            "static": lambda: request(bare_app, "/static/app.css", None),
        }
        for operation in [*calls.values(), *bares.values()]:
            timed(operation, min(iterations, 200))
        order = [*calls]
        samples: dict[Any, list[float]] = {key: [] for key in order}
        for round_ in range(repeat):
            random.Random(round_).shuffle(order)
            for key in order:
                # The bare app timed right before each cell, and the best of
                # a few blocks of each: a noisy machine inflates some blocks,
                # never deflates one.
                bare = bares["static" if key[1] == "static" else "/"]
                base = min(timed(bare, iterations) for _ in range(BLOCKS))
                cost = min(timed(calls[key], iterations) for _ in range(BLOCKS))
                samples[key].append(cost - base)
    return samples, work


def rows(iterations: int, repeat: int) -> list[dict[str, Any]]:
    """This benchmark's rows for ``run_all.py``, as ratios to Flask's own."""
    samples, work = measure(iterations, repeat)
    return report.rows("flask", samples, work, NAMES, SCENARIOS)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--iterations", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    samples, work = measure(args.iterations, args.repeat)
    report.print_report(
        "the same Flask app without a session", samples, work, NAMES, SCENARIOS, PAIRS
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
