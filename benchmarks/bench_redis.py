"""Redis sessions, side by side on one redis-server: cookiesession's
RedisSessionInterface and Flask-Session's, and cookiesession's own signed
cookies for scale. Cost per request over the bare app (µs) and Redis round
trips per request, in one run.

    python benchmarks/bench_redis.py [--iterations N] [--repeat N]

Starts its own redis-server (persistence off) on a unix socket in a
temporary folder; needs ``redis-server`` installed.
"""

from __future__ import annotations

import argparse
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
    KEY,
    SMALL,
    bare_app,
    call,
    interface_apps,
    session_cookie,
    timed,
)

import cookiesession
from cookiesession.redis import RedisSessionInterface

SCENARIOS = ["read", "write", "new"]


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


def flask_session(client: redis.Redis) -> Callable[[str], Callable[..., Any]]:
    import flask
    from flask_session import Session

    def make(scenario: str) -> Callable[..., Any]:
        app = flask.Flask(f"bench_{scenario}")
        app.config.update(SECRET_KEY=KEY, SESSION_TYPE="redis", SESSION_REDIS=client)
        Session(app)

        @app.route("/")
        def index() -> str:
            session = flask.session
            if scenario in ("login", "new"):
                session.update(SMALL)
            elif scenario == "write":
                session["counter"] = session.get("counter", 0) + 1
            else:
                assert session.get("user") == "ann"
            return "ok"

        return app.wsgi_app

    return make


#: The implementations compared, in the tables' order.
IMPLEMENTATION_NAMES = (
    "cookiesession Redis",
    "Flask-Session Redis",
    "cookiesession signed",
)


def measure(
    iterations: int, repeat: int
) -> tuple[dict[Any, float], dict[Any, int], int]:
    """Session cost (µs over the bare app) and round trips, by
    (implementation, scenario), and the keys left in Redis."""
    with redis_server() as socket:
        client = CountingRedis(unix_socket_path=socket)
        implementations = {
            IMPLEMENTATION_NAMES[0]: interface_apps(RedisSessionInterface(client)),
            IMPLEMENTATION_NAMES[1]: flask_session(client),
            IMPLEMENTATION_NAMES[2]: interface_apps(
                cookiesession.SecureCookieSessionInterface()
            ),
        }
        calls: dict[tuple[str, str], Callable[[], Any]] = {}
        trips: dict[tuple[str, str], int] = {}
        for name, make in implementations.items():
            _, headers = call(make("login"), None)
            cookie = session_cookie(headers, "session")
            assert cookie is not None, name
            for scenario in SCENARIOS:
                app = make(scenario)
                sent = None if scenario == "new" else cookie
                CountingRedis.round_trips = 0
                call(app, sent)
                trips[name, scenario] = CountingRedis.round_trips
                calls[name, scenario] = lambda app=app, sent=sent: call(app, sent)
        bare = lambda: call(bare_app, None)  # noqa: E731
        for operation in calls.values():
            timed(operation, min(iterations, 200))
        samples: dict[Any, list[float]] = {key: [] for key in [*calls, "bare"]}
        for _ in range(repeat):
            samples["bare"].append(timed(bare, iterations))
            for key, operation in calls.items():
                samples[key].append(timed(operation, iterations))
        base = statistics.median(samples["bare"])
        cost = {
            k: statistics.median(v) - base for k, v in samples.items() if k != "bare"
        }
        keys_after = client.dbsize()
    return cost, trips, keys_after


def rows(iterations: int, repeat: int) -> list[dict[str, Any]]:
    """This benchmark's rows for ``run_all.py``: each Redis interface's
    session cost and round trips, as a ratio to Flask-Session's."""
    cost, trips, _ = measure(iterations, repeat)
    return [
        {
            "benchmark": "redis",
            "scenario": scenario,
            "implementation": name,
            "cost_us": round(cost[name, scenario], 2),
            "reference": "Flask-Session Redis",
            "ratio": round(
                cost[name, scenario] / cost["Flask-Session Redis", scenario], 3
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
    cost, trips, keys_after = measure(args.iterations, args.repeat)
    implementations = IMPLEMENTATION_NAMES
    print("Session cost over the bare app (µs), round trips per request:\n")
    print("| scenario | " + " | ".join(implementations) + " |")
    print("|---" * (len(implementations) + 1) + "|")
    for scenario in SCENARIOS:
        cells = [
            f"{cost[name, scenario]:.1f} µs, {trips[name, scenario]} trip(s)"
            for name in implementations
        ]
        print(f"| {scenario} | " + " | ".join(cells) + " |")
    ours_vs_theirs = [
        cost["cookiesession Redis", s] / cost["Flask-Session Redis", s]
        for s in SCENARIOS
    ]
    print(
        "\ncookiesession Redis / Flask-Session Redis: "
        + ", ".join(
            f"{s} {r:.2f}x" for s, r in zip(SCENARIOS, ours_vs_theirs, strict=True)
        )
    )
    print(f"Keys in Redis after the run: {keys_after}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
