"""Redis sessions, side by side on one redis-server: cookiesession's
RedisSessionInterface and Flask-Session's (with and without its refresh on
every request), and cookiesession's own signed cookies for scale. Cost per
request over the same app without sessions (µs; a plain WSGI app for
cookiesession, a plain Flask app for Flask-Session), in shuffled rounds,
and Redis round trips per request, in one run.

    python benchmarks/bench_redis.py [--iterations N] [--repeat N]

Starts its own redis-server (persistence off) on a unix socket in a
temporary folder; needs ``redis-server`` installed.
"""

from __future__ import annotations

import argparse
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))

import redis
from bench_sessions import (
    BIG,
    KEY,
    SMALL,
    bare_app,
    call,
    session_cookie,
    timed,
)

import cookiesession
from cookiesession.redis import RedisSessionInterface


class CountingRedis(redis.Redis):
    """A real client that counts round trips (commands and pipelines)."""

    round_trips = 0

    def execute_command(self, *args: Any, **options: Any) -> Any:
        CountingRedis.round_trips += 1
        return super().execute_command(*args, **options)

    def pipeline(self, transaction: bool = True, shard_hint: Any = None) -> Any:
        pipe = super().pipeline(transaction, shard_hint)
        real = pipe.execute

        def execute(raise_on_error: bool = True) -> Any:
            CountingRedis.round_trips += 1
            return real(raise_on_error)

        pipe.execute = execute  # type: ignore[method-assign]
        return pipe


@contextmanager
def redis_server() -> Iterator[str]:
    executable = shutil.which("redis-server")
    if executable is None:
        raise SystemExit("redis-server is not installed")
    with tempfile.TemporaryDirectory() as folder:
        socket = f"{folder}/redis.sock"
        process = subprocess.Popen(
            [executable, "--port", "0", "--unixsocket", socket, "--save", "",
             "--appendonly", "no", "--dir", folder],
            stdout=subprocess.DEVNULL,
        )  # fmt: skip
        try:
            for _ in range(500):
                try:
                    redis.Redis(unix_socket_path=socket).ping()
                    break
                except redis.exceptions.ConnectionError:
                    time.sleep(0.01)
            yield socket
        finally:
            process.terminate()
            process.wait()


def _scenario(session: Any, scenario: str) -> None:
    """What each scenario does with a session, the same for every app."""
    if scenario == "login":
        session.update(SMALL)
    elif scenario == "big_login":
        session.update(BIG)
    elif scenario == "new":
        session.update(SMALL)
    elif scenario == "write":
        session["counter"] = session.get("counter", 0) + 1
    else:
        assert session.get("user") == "ann"


def ours(interface: Any) -> Callable[[str], Callable[..., Any]]:
    def make(scenario: str) -> Callable[..., Any]:
        if scenario == "bare":
            return bare_app

        def inner(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
            _scenario(cookiesession.get_session(environ), scenario)
            start_response("200 OK", [("Content-Type", "text/plain")])
            return [b"ok"]

        return cookiesession.SessionMiddleware(
            inner, {"SECRET_KEY": KEY}, session_interface=interface
        )

    return make


def flask_session(
    client: redis.Redis, refresh: bool
) -> Callable[[str], Callable[..., Any]]:
    import flask
    from flask_session import Session

    def make(scenario: str) -> Callable[..., Any]:
        app = flask.Flask(f"bench_{scenario}")
        app.config.update(
            SECRET_KEY=KEY,
            SESSION_TYPE="redis",
            SESSION_REDIS=client,
            SESSION_REFRESH_EACH_REQUEST=refresh,
        )
        if scenario != "bare":  # the bare app: Flask alone, the same route
            Session(app)

        @app.route("/")
        def index() -> str:
            if scenario != "bare":
                _scenario(flask.session, scenario)
            return "ok"

        return app.wsgi_app

    return make


#: The implementations compared, in the tables' order.
IMPLEMENTATION_NAMES = (
    "cookiesession Redis",
    "Flask-Session Redis",
    "Flask-Session Redis, refresh off",
    "cookiesession signed",
)
SCENARIOS = ["read", "write", "new", "big_read"]


def measure(
    iterations: int, repeat: int
) -> tuple[dict[Any, list[float]], dict[Any, int], int]:
    """Session cost samples (µs over the bare app, one per shuffled round)
    and round trips, by (implementation, scenario), and the keys left in
    Redis."""
    with redis_server() as socket:
        client = CountingRedis(unix_socket_path=socket)
        implementations = {
            IMPLEMENTATION_NAMES[0]: ours(RedisSessionInterface(client)),
            IMPLEMENTATION_NAMES[1]: flask_session(client, refresh=True),
            IMPLEMENTATION_NAMES[2]: flask_session(client, refresh=False),
            IMPLEMENTATION_NAMES[3]: ours(cookiesession.SecureCookieSessionInterface()),
        }
        calls: dict[tuple[str, str], Callable[[], Any]] = {}
        trips: dict[tuple[str, str], int] = {}
        bares: dict[str, Callable[[], Any]] = {}
        for name, make in implementations.items():
            bare_one = make("bare")
            bares[name] = lambda app=bare_one: call(app, None)
            for scenario in SCENARIOS:
                login = "big_login" if scenario == "big_read" else "login"
                _, headers = call(make(login), None)
                cookie = session_cookie(headers, "session")
                assert cookie is not None, name
                app = make(scenario)
                sent = None if scenario == "new" else cookie
                call(app, sent)  # a first use (ends cookiesession's probation)
                CountingRedis.round_trips = 0
                call(app, sent)
                trips[name, scenario] = CountingRedis.round_trips
                calls[name, scenario] = lambda app=app, sent=sent: call(app, sent)
        for operation in [*calls.values(), *bares.values()]:
            timed(operation, min(iterations, 200))
        order = [*calls]
        samples: dict[Any, list[float]] = {key: [] for key in order}
        shuffle = random.Random(0).shuffle
        for _ in range(repeat):
            shuffle(order)
            base = {name: timed(bare, iterations) for name, bare in bares.items()}
            for key in order:
                samples[key].append(timed(calls[key], iterations) - base[key[0]])
        keys_after = client.dbsize()
    return samples, trips, keys_after


def verdict(ours: list[float], theirs: list[float]) -> str:
    """DESIGN's rule: faster when our median is lower and the two spreads
    do not overlap; otherwise tied (or slower)."""
    if statistics.median(ours) < statistics.median(theirs):
        return "faster" if max(ours) < min(theirs) else "tied"
    return "slower" if min(ours) > max(theirs) else "tied"


def rows(iterations: int, repeat: int) -> list[dict[str, Any]]:
    """This benchmark's rows for ``run_all.py``: each Redis interface's
    session cost and round trips, as a ratio to Flask-Session's."""
    samples, trips, _ = measure(iterations, repeat)
    reference = IMPLEMENTATION_NAMES[1]
    return [
        {
            "benchmark": "redis",
            "scenario": scenario,
            "implementation": name,
            "cost_us": round(statistics.median(samples[name, scenario]), 2),
            "reference": reference,
            "ratio": round(
                statistics.median(samples[name, scenario])
                / statistics.median(samples[reference, scenario]),
                3,
            ),
            "round_trips": trips[name, scenario],
        }
        for name in IMPLEMENTATION_NAMES
        for scenario in SCENARIOS
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--iterations", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    samples, trips, keys_after = measure(args.iterations, args.repeat)
    names = IMPLEMENTATION_NAMES
    print(
        f"Session cost over the bare app (µs: median, min-max of {args.repeat}"
        " shuffled rounds), round trips per request:\n"
    )
    print("| scenario | " + " | ".join(names) + " |")
    print("|---" * (len(names) + 1) + "|")
    for scenario in SCENARIOS:
        cells = []
        for name in names:
            cost = samples[name, scenario]
            cells.append(
                f"{statistics.median(cost):.1f} ({min(cost):.1f}-{max(cost):.1f}),"
                f" {trips[name, scenario]} trip(s)"
            )
        print(f"| {scenario} | " + " | ".join(cells) + " |")
    print()
    for theirs in names[1:3]:
        parts = []
        for scenario in SCENARIOS:
            ours_cost = samples[names[0], scenario]
            their_cost = samples[theirs, scenario]
            ratio = statistics.median(ours_cost) / statistics.median(their_cost)
            parts.append(f"{scenario} {ratio:.2f}x ({verdict(ours_cost, their_cost)})")
        print(f"cookiesession Redis / {theirs}: " + ", ".join(parts))
    print(f"Keys in Redis after the run: {keys_after}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
