"""ASGI sessions, side by side: one Starlette app with Starlette's
``SessionMiddleware``, with starsessions (cookie store; Redis store with
autoload) and with cookiesession's ASGI middleware (signed, encrypted,
async Redis). Cost per request over the same app without sessions (µs; the
best of a few blocks, the bare app timed beside each cell), in shuffled
rounds, with the HMACs and Redis round trips of one request, in one run.
Requests are ASGI calls in one event loop (no network).

    python benchmarks/bench_asgi.py [--iterations N] [--repeat N]

Scenarios: ``untouched`` (a valid cookie; the endpoint ignores the
session), ``read`` (one key), ``write`` (one key changed), ``new`` (no
cookie; keys set). Starts its own redis-server; needs ``redis-server``.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))

import redis.asyncio
import report
from bench_flask import BLOCKS, Counter
from bench_redis import redis_server
from bench_sessions import KEY, SMALL
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from cookiesession.asgi import SessionMiddleware
from cookiesession.crypto import EncryptedCookieSessionInterface
from cookiesession.redis import AsyncRedisSessionInterface

NAMES = (
    "Starlette",
    "starsessions cookie",
    "cookiesession signed",
    "cookiesession encrypted",
    "starsessions Redis",
    "cookiesession Redis",
)
SCENARIOS = ("untouched", "read", "write", "new")
PAIRS = (
    ("cookiesession signed", "Starlette"),
    ("cookiesession signed", "starsessions cookie"),
    ("cookiesession Redis", "starsessions Redis"),
)


class CountingRedis(redis.asyncio.Redis):
    """A real asyncio client that counts round trips."""

    round_trips = 0

    async def execute_command(self, *args: Any, **options: Any) -> Any:
        CountingRedis.round_trips += 1
        return await super().execute_command(*args, **options)

    def pipeline(self, transaction: bool = True, shard_hint: Any = None) -> Any:
        pipe = super().pipeline(transaction, shard_hint)
        real = pipe.execute

        async def execute(raise_on_error: bool = True) -> Any:
            CountingRedis.round_trips += 1
            return await real(raise_on_error)

        pipe.execute = execute  # type: ignore[method-assign]
        return pipe


async def view(request: Any) -> PlainTextResponse:
    scenario = request.path_params["scenario"]
    if scenario != "bare":
        session = request.session
        if scenario in ("login", "new"):
            session.update(SMALL)
        elif scenario == "write":
            session["counter"] = session.get("counter", 0) + 1
        elif scenario == "read":
            assert session.get("user") == "ann"
    return PlainTextResponse("ok")


def starlette_app(middleware: list[Middleware] | None = None) -> Any:
    return Starlette(routes=[Route("/{scenario}", view)], middleware=middleware)


def apps(client: Any) -> dict[str, Any]:
    from starlette.middleware.sessions import SessionMiddleware as Starlettes
    from starsessions import CookieStore, SessionAutoloadMiddleware
    from starsessions import SessionMiddleware as Starsessions
    from starsessions.stores.redis import RedisStore

    def starsessions(store: Any) -> Any:
        return starlette_app(
            [
                Middleware(Starsessions, store=store, cookie_https_only=False),
                Middleware(SessionAutoloadMiddleware),
            ]
        )

    def ours(interface: Any = None) -> Any:
        config = {"SECRET_KEY": KEY}
        return SessionMiddleware(starlette_app(), config, session_interface=interface)

    return {
        NAMES[0]: starlette_app([Middleware(Starlettes, secret_key=KEY)]),
        NAMES[1]: starsessions(CookieStore(secret_key=KEY)),
        NAMES[2]: ours(),
        NAMES[3]: ours(EncryptedCookieSessionInterface()),
        NAMES[4]: starsessions(RedisStore(connection=client)),
        NAMES[5]: ours(AsyncRedisSessionInterface(client)),
    }


async def request(app: Any, path: str, cookie: str | None) -> list[tuple[bytes, bytes]]:
    headers = [(b"host", b"bench")]
    if cookie:
        headers.append((b"cookie", cookie.encode("latin-1")))
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": b"",
        "headers": headers,
        "server": ("bench", 80),
        "client": ("127.0.0.1", 1),
    }
    sent: list[Any] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await app(scope, receive, send)
    start = sent[0]
    assert start["status"] == 200, (path, start["status"])
    return list(start["headers"])


def cookie_of(headers: list[tuple[bytes, bytes]]) -> str | None:
    for name, value in headers:
        if name == b"set-cookie" and value.startswith(b"session="):
            pair = value.decode("latin-1").split(";")[0]
            return pair if pair != "session=" else None
    return None


async def timed(operation: Callable[[], Any], iterations: int) -> float:
    """Mean µs per awaited call over *iterations* calls."""
    start = time.perf_counter_ns()
    for _ in range(iterations):
        await operation()
    return (time.perf_counter_ns() - start) / iterations / 1000


async def measure(
    iterations: int, repeat: int, socket: str
) -> tuple[dict[Any, list[float]], dict[Any, tuple[int, int]]]:
    Counter.install()
    client = CountingRedis(unix_socket_path=socket, socket_timeout=5)
    bare = starlette_app()
    calls: dict[tuple[str, str], Callable[[], Any]] = {}
    work: dict[tuple[str, str], tuple[int, int]] = {}
    for name, app in apps(client).items():
        cookie = cookie_of(await request(app, "/login", None))
        assert cookie is not None, name
        for scenario in SCENARIOS:
            sent = None if scenario == "new" else cookie
            path = f"/{scenario}"
            await request(app, path, sent)  # a first use ends probations
            Counter.hmacs = CountingRedis.round_trips = 0
            headers = await request(app, path, sent)
            work[name, scenario] = (Counter.hmacs, CountingRedis.round_trips)
            if scenario in ("write", "new"):  # starsessions re-sends on reads too
                assert cookie_of(headers) is not None, (name, scenario)
            calls[name, scenario] = lambda a=app, p=path, c=sent: request(a, p, c)
    base_call = lambda: request(bare, "/bare", None)  # noqa: E731
    for operation in [*calls.values(), base_call]:
        await timed(operation, min(iterations, 100))
    order = [*calls]
    samples: dict[Any, list[float]] = {key: [] for key in order}
    for round_ in range(repeat):
        random.Random(round_).shuffle(order)
        for key in order:
            base = min([await timed(base_call, iterations) for _ in range(BLOCKS)])
            cost = min([await timed(calls[key], iterations) for _ in range(BLOCKS)])
            samples[key].append(cost - base)
    await client.aclose()
    return samples, work


def run(iterations: int, repeat: int) -> tuple[dict[Any, list[float]], dict[Any, Any]]:
    with redis_server() as socket:
        return asyncio.run(measure(iterations, repeat, socket))


def rows(iterations: int, repeat: int) -> list[dict[str, Any]]:
    """This benchmark's rows for ``run_all.py``, as ratios to Starlette's."""
    samples, work = run(iterations, repeat)
    return report.rows("asgi", samples, work, NAMES, SCENARIOS)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--iterations", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    samples, work = run(args.iterations, args.repeat)
    report.print_report(
        "the same Starlette app without sessions",
        samples,
        work,
        NAMES,
        SCENARIOS,
        PAIRS,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
