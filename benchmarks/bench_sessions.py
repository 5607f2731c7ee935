"""Session cost, side by side: cookiesession and the peers, in one process.

Each implementation serves a trivial WSGI app returning "ok", called
directly with a fresh environ per request (no network). Scenarios:

    bare       the app without sessions (the baseline each cost is over)
    untouched  a valid session cookie comes in; the app ignores the session
    read       read one key of a small session
    write      change one key of a small session (the cookie is re-sent)
    new        no cookie; set one key (a cookie is made)
    big_read   read one key of a ~2.4 KB session

The floor is itsdangerous' URLSafeTimedSerializer, built once: ``loads``
(read, big_read), ``loads`` + ``dumps`` (write), ``dumps`` (new).

Every implementation is checked before it is timed: its cookie comes from a
real first request through it; Set-Cookie must be sent exactly for write and
new; the value read must be right; a tampered cookie must be rejected.

    python benchmarks/bench_sessions.py [--json] [--iterations N] [--repeat R]
                                        [--baseline DIR]

``--baseline DIR`` also times the package found in ``DIR/cookiesession``
(another checkout, e.g. the previous release) in the same run, as
"baseline", and prints the change of each cost as a ratio to the floor.
"""

from __future__ import annotations

import argparse
import importlib.util
import io
import json
import platform
import statistics
import sys
import time
import warnings
from collections.abc import Callable
from typing import Any

warnings.filterwarnings("ignore", category=DeprecationWarning)

import itsdangerous  # noqa: E402

import cookiesession  # noqa: E402

KEY = "benchmark-secret-key-0123456789abcdef"
SMALL = {"user": "ann", "csrf": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b"}
BIG = {
    "user": "ann",
    "items": [
        {"id": i, "name": f"item number {i}", "qty": i % 7, "note": "x" * (i % 9)}
        for i in range(40)
    ],
}
SCENARIOS = ["bare", "untouched", "read", "write", "new", "big_read"]
SESSION_SCENARIOS = SCENARIOS[1:]
WRITES = {"write", "new"}

WSGIApp = Callable[..., Any]


def base_environ(cookie: str | None) -> dict[str, Any]:
    environ = {
        "REQUEST_METHOD": "GET",
        "SCRIPT_NAME": "",
        "PATH_INFO": "/",
        "QUERY_STRING": "",
        "SERVER_NAME": "localhost",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": "localhost",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(b""),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
    }
    if cookie:
        environ["HTTP_COOKIE"] = cookie
    return environ


def call(app: WSGIApp, cookie: str | None) -> tuple[str, list[tuple[str, str]]]:
    """One request; returns the status and headers, the body consumed."""
    captured: list[Any] = []

    def start_response(status: str, headers: list[tuple[str, str]], exc_info=None):
        captured[:] = [status, headers]
        return lambda data: None

    result = app(base_environ(cookie), start_response)
    try:
        for _ in result:
            pass
    finally:
        close = getattr(result, "close", None)
        if close is not None:
            close()
    return captured[0], captured[1]


def session_cookie(headers: list[tuple[str, str]], name: str) -> str | None:
    for key, value in headers:
        value = value.strip()
        if key.lower() == "set-cookie" and value.startswith(name + "="):
            return value.split(";", 1)[0]
    return None


class Implementation:
    """Builds the app of each scenario; ``seen`` records what it read."""

    name = ""
    cookie_name = "session"
    resends_on_read = False

    def __init__(self) -> None:
        self.seen: dict[str, Any] = {}

    def app(self, scenario: str, payload: dict[str, Any] | None = None) -> WSGIApp:
        raise NotImplementedError

    def make_cookie(self, payload: dict[str, Any]) -> str:
        """A cookie made by a real first request through the implementation."""
        _, headers = call(self.app("new", payload), None)
        cookie = session_cookie(headers, self.cookie_name)
        if cookie is None:
            raise AssertionError(f"{self.name}: the first request set no cookie")
        return cookie


def _ok(start_response: Callable[..., Any]) -> list[bytes]:
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"ok"]


def bare_app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
    return _ok(start_response)


def interface_apps(interface: Any) -> Callable[[str], WSGIApp]:
    """Apps by scenario on one cookiesession session interface, for the
    benchmarks of the other interfaces: ``bare``, ``login`` and ``new``
    (store SMALL), ``write`` (one key), anything else reads ``user``."""

    def make(scenario: str) -> WSGIApp:
        if scenario == "bare":
            return bare_app

        def inner(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
            session = cookiesession.get_session(environ)
            if scenario in ("login", "new"):
                session.update(SMALL)
            elif scenario == "write":
                session["counter"] = session.get("counter", 0) + 1
            else:
                assert session.get("user") == "ann"
            return _ok(start_response)

        return cookiesession.SessionMiddleware(
            inner, {"SECRET_KEY": KEY}, session_interface=interface
        )

    return make


class CookieSession(Implementation):
    name = "cookiesession"
    package: Any = cookiesession

    def app(self, scenario: str, payload: dict[str, Any] | None = None) -> WSGIApp:
        if scenario == "bare":
            return bare_app
        get_session = self.package.get_session
        seen = self.seen

        def inner(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
            if scenario in ("read", "big_read"):
                seen["user"] = get_session(environ).get("user")
            elif scenario == "write":
                get_session(environ)["counter"] = 1
            elif scenario == "new":
                get_session(environ).update(payload or SMALL)
            return _ok(start_response)

        return self.package.SessionMiddleware(inner, {"SECRET_KEY": KEY})


def load_baseline(directory: str) -> Any:
    """The ``cookiesession`` package of another checkout, imported under a
    private name so that both versions live in this one process (the
    package uses relative imports only)."""
    init = f"{directory}/cookiesession/__init__.py"
    spec = importlib.util.spec_from_file_location(
        "cookiesession_baseline", init, submodule_search_locations=[]
    )
    if spec is None or spec.loader is None:
        raise SystemExit(f"no package at {init}")
    assert spec.submodule_search_locations is not None
    spec.submodule_search_locations.append(f"{directory}/cookiesession")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


class Baseline(CookieSession):
    """The same app on the package loaded by ``--baseline``."""

    name = "baseline"


class Flask(Implementation):
    name = "Flask"

    def app(self, scenario: str, payload: dict[str, Any] | None = None) -> WSGIApp:
        import flask

        app = flask.Flask("bench")
        app.secret_key = KEY
        seen = self.seen

        @app.route("/")
        def index() -> str:
            session = flask.session
            if scenario in ("read", "big_read"):
                seen["user"] = session.get("user")
            elif scenario == "write":
                session["counter"] = 1
            elif scenario == "new":
                session.update(payload or SMALL)
            return "ok"

        return app.wsgi_app


class Beaker(Implementation):
    name = "Beaker"
    # Beaker's cookie sessions re-sign and re-send the cookie whenever the
    # session is loaded; its read numbers include that work.
    resends_on_read = True

    def app(self, scenario: str, payload: dict[str, Any] | None = None) -> WSGIApp:
        if scenario == "bare":
            return bare_app
        from beaker.middleware import SessionMiddleware

        seen = self.seen

        def inner(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
            if scenario in ("read", "big_read"):
                seen["user"] = environ["beaker.session"].get("user")
            elif scenario in WRITES:
                session = environ["beaker.session"]
                if scenario == "write":
                    session["counter"] = 1
                else:
                    session.update(payload or SMALL)
                session.save()
            return _ok(start_response)

        return SessionMiddleware(
            inner,
            {
                "session.type": "cookie",
                "session.key": "session",
                "session.validate_key": KEY,
                "session.data_serializer": "json",
                "session.httponly": True,
            },
        )


class Pyramid(Implementation):
    name = "Pyramid"

    def app(self, scenario: str, payload: dict[str, Any] | None = None) -> WSGIApp:
        from pyramid.config import Configurator
        from pyramid.response import Response
        from pyramid.session import SignedCookieSessionFactory

        seen = self.seen

        def view(request: Any) -> Any:
            if scenario in ("read", "big_read"):
                seen["user"] = request.session.get("user")
            elif scenario == "write":
                request.session["counter"] = 1
            elif scenario == "new":
                request.session.update(payload or SMALL)
            return Response("ok", content_type="text/plain")

        with Configurator() as config:
            if scenario != "bare":
                config.set_session_factory(
                    # reissue_time=None: re-send only when changed, as the
                    # others do (0 re-sends whenever a second has passed).
                    SignedCookieSessionFactory(
                        KEY, cookie_name="session", reissue_time=None
                    )
                )
            config.add_view(view)
            return config.make_wsgi_app()


class Bottle(Implementation):
    name = "Bottle"

    def app(self, scenario: str, payload: dict[str, Any] | None = None) -> WSGIApp:
        import bottle

        app = bottle.Bottle()
        seen = self.seen

        @app.route("/")
        def index() -> str:
            if scenario == "bare":
                return "ok"
            if scenario == "untouched":
                return "ok"
            data = bottle.request.get_cookie("session", secret=KEY)
            if scenario in ("read", "big_read"):
                seen["user"] = data.get("user") if isinstance(data, dict) else None
            elif scenario in WRITES:
                data = dict(payload or SMALL) if scenario == "new" else dict(data or {})
                data["counter"] = 1
                bottle.response.set_cookie("session", data, secret=KEY, httponly=True)
            return "ok"

        return app


class Floor(Implementation):
    """itsdangerous alone, built once: no WSGI, no session object."""

    name = "floor"

    def __init__(self) -> None:
        super().__init__()
        self.serializer = itsdangerous.URLSafeTimedSerializer(
            KEY, salt="cookie-session"
        )

    def make_cookie(self, payload: dict[str, Any]) -> str:
        return "session=" + self.serializer.dumps(payload)

    def operation(self, scenario: str, cookie: str | None) -> Callable[[], Any]:
        s = self.serializer
        value = cookie.split("=", 1)[1] if cookie else ""
        seen = self.seen
        if scenario in ("read", "big_read"):

            def read() -> None:
                try:
                    seen["user"] = s.loads(value, max_age=2678400).get("user")
                except itsdangerous.BadData:
                    seen["user"] = None

            return read
        if scenario == "write":

            def write() -> None:
                data = s.loads(value, max_age=2678400)
                data["counter"] = 1
                s.dumps(data)

            return write
        if scenario == "new":
            return lambda: s.dumps(SMALL)
        return lambda: None


PEERS: list[type[Implementation]] = [CookieSession, Flask, Beaker, Pyramid, Bottle]


def tamper(cookie: str) -> str:
    name, _, value = cookie.partition("=")
    middle = len(value) // 2
    flipped = "A" if value[middle] != "A" else "B"
    return f"{name}={value[:middle]}{flipped}{value[middle + 1 :]}"


def prepare(impl: Implementation) -> dict[str, tuple[Callable[[], Any], str | None]]:
    """Check the implementation in every scenario; return the timed calls."""
    small = impl.make_cookie(SMALL)
    big = impl.make_cookie(BIG)
    calls: dict[str, tuple[Callable[[], Any], str | None]] = {}
    for scenario in SCENARIOS:
        cookie = {"bare": None, "new": None, "big_read": big}.get(scenario, small)
        if isinstance(impl, Floor):
            operation = impl.operation(scenario, cookie)
            impl.seen.clear()
            operation()
            if scenario in ("read", "big_read"):
                assert impl.seen["user"] == "ann", (impl.name, scenario)
                impl.operation(scenario, tamper(cookie or ""))()
                assert impl.seen["user"] is None, (impl.name, scenario, "tampered")
            calls[scenario] = (operation, cookie)
            continue
        app = impl.app(scenario)
        impl.seen.clear()
        status, headers = call(app, cookie)
        assert status.startswith("200"), (impl.name, scenario, status)
        sent = session_cookie(headers, impl.cookie_name) is not None
        expected = scenario in WRITES or (
            impl.resends_on_read and scenario in ("read", "big_read")
        )
        assert sent == expected, (impl.name, scenario, "Set-Cookie", sent)
        if scenario in ("read", "big_read"):
            assert impl.seen.get("user") == "ann", (impl.name, scenario, impl.seen)
            impl.seen.clear()
            call(app, tamper(cookie or ""))
            assert impl.seen.get("user") is None, (impl.name, scenario, "tampered")
        calls[scenario] = (lambda app=app, cookie=cookie: call(app, cookie), cookie)
    return calls


def timed(operation: Callable[[], Any], iterations: int) -> float:
    """Mean µs per call over *iterations* calls."""
    start = time.perf_counter_ns()
    for _ in range(iterations):
        operation()
    return (time.perf_counter_ns() - start) / iterations / 1000


def run(
    iterations: int, repeat: int, baseline: Any = None
) -> dict[str, dict[str, float]]:
    """Median µs per request of each implementation in each scenario.

    The runs are interleaved (every implementation and scenario once per
    round), so a slow spell of the machine hits them all alike instead of
    whichever happened to be running."""
    impls = [Floor(), *(cls() for cls in PEERS)]
    if baseline is not None:
        impls.insert(2, Baseline())
        impls[2].package = baseline
    calls = {impl.name: prepare(impl) for impl in impls}
    samples: dict[tuple[str, str], list[float]] = {}
    for name, by_scenario in calls.items():
        for scenario, (operation, _) in by_scenario.items():
            timed(operation, min(iterations, 200))  # warm up
            samples[name, scenario] = []
    for _ in range(repeat):
        for (name, scenario), runs in samples.items():
            runs.append(timed(calls[name][scenario][0], iterations))
    results: dict[str, dict[str, float]] = {name: {} for name in calls}
    for (name, scenario), runs in samples.items():
        results[name][scenario] = statistics.median(runs)
    return results


def costs(results: dict[str, dict[str, float]]) -> dict[str, dict[str, float]]:
    """Each scenario minus the implementation's own bare app."""
    out = {}
    for name, times in results.items():
        bare = 0.0 if name == "floor" else times["bare"]
        out[name] = {s: times[s] - bare for s in SESSION_SCENARIOS}
    return out


def targets(cost: dict[str, dict[str, float]]) -> list[tuple[str, bool]]:
    ours, floor = cost["cookiesession"], cost["floor"]
    # An untouched request has no floor of its own: the design bounds it by
    # a tenth of the floor's read (one signature check and decode).
    untouched = ours["untouched"] / floor["read"]
    checks = [
        (
            f"untouched <= 0.1x floor read ({untouched:.2f}x)",
            untouched <= 0.1,
        )
    ]
    for scenario, limit in [
        ("read", 1.0),
        ("write", 1.0),
        ("new", 1.0),
        ("big_read", 1.5),
    ]:
        ratio = ours[scenario] / floor[scenario]
        checks.append((f"{scenario} <= {limit}x floor ({ratio:.2f}x)", ratio <= limit))
    for peer in (p.name for p in PEERS[1:]):
        slower = [s for s in SESSION_SCENARIOS if ours[s] >= cost[peer][s]]
        checks.append((f"faster than {peer} in every scenario", not slower))
    return checks


def against_baseline(cost: dict[str, dict[str, float]]) -> dict[str, tuple[float, ...]]:
    """Per scenario: the baseline's and our cost as ratios to the floor, and
    the change. Untouched has no floor of its own: it is over the floor's
    read (one signature check), as the design's target is."""
    out = {}
    for scenario in SESSION_SCENARIOS:
        floor = cost["floor"]["read" if scenario == "untouched" else scenario]
        before = cost["baseline"][scenario] / floor
        after = cost["cookiesession"][scenario] / floor
        out[scenario] = (before, after, after / before - 1)
    return out


def markdown(results: dict[str, dict[str, float]]) -> str:
    cost = costs(results)
    names = list(results)
    lines = ["Time per request (µs, median):", ""]
    lines.append("| scenario | " + " | ".join(names) + " |")
    lines.append("|---" * (len(names) + 1) + "|")
    for scenario in SCENARIOS:
        row = [f"{results[n][scenario]:.2f}" for n in names]
        lines.append(f"| {scenario} | " + " | ".join(row) + " |")
    lines += [
        "",
        "Session cost (scenario - bare, µs) and cookiesession's ratio to each:",
        "",
    ]
    others = [n for n in names if n != "cookiesession"]
    lines.append(
        "| scenario | cookiesession | "
        + " | ".join(f"{n} (ratio)" for n in others)
        + " |"
    )
    lines.append("|---" * (len(others) + 2) + "|")
    ours = cost["cookiesession"]
    for scenario in SESSION_SCENARIOS:
        cells = []
        for n in others:
            theirs = cost[n][scenario]
            # A cost within noise of zero has no meaningful ratio.
            ratio = f"{ours[scenario] / theirs:.2f}x" if theirs > 0.05 else "n/a"
            cells.append(f"{theirs:.2f} ({ratio})")
        lines.append(
            f"| {scenario} | {ours[scenario]:.2f} | " + " | ".join(cells) + " |"
        )
    if "baseline" in cost:
        lines += [
            "",
            "Against the baseline (cost / floor; untouched over the floor's read):",
            "",
            "| scenario | baseline | cookiesession | change |",
            "|---|---|---|---|",
        ]
        for scenario, (before, after, change) in against_baseline(cost).items():
            lines.append(
                f"| {scenario} | {before:.3f}x | {after:.3f}x | {change:+.1%} |"
            )
    lines += ["", "Targets:", ""]
    lines += [f"- [{'x' if ok else ' '}] {text}" for text, ok in targets(cost)]
    return "\n".join(lines)


def rows(iterations: int, repeat: int) -> list[dict[str, Any]]:
    """This benchmark's rows for ``run_all.py``: each implementation's
    session cost per scenario, as a ratio to the itsdangerous floor."""
    cost = costs(run(iterations, repeat))
    floor = cost["floor"]
    return [
        {
            "benchmark": "sessions",
            "scenario": scenario,
            "implementation": name,
            "cost_us": round(value, 2),
            "reference": "floor read" if scenario == "untouched" else "floor",
            "ratio": round(
                value / floor["read" if scenario == "untouched" else scenario], 3
            ),
        }
        for name, by_scenario in cost.items()
        if name != "floor"
        for scenario, value in by_scenario.items()
    ]


def machine() -> str:
    return (
        f"{platform.python_implementation()} {platform.python_version()},"
        f" {platform.machine()}, {platform.system()} {platform.release()}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iterations", type=int, default=3000)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--json", action="store_true", help="print JSON")
    parser.add_argument(
        "--baseline",
        metavar="DIR",
        help="also time DIR/cookiesession (another checkout) in the same run",
    )
    args = parser.parse_args(argv)
    baseline = load_baseline(args.baseline) if args.baseline else None
    results = run(args.iterations, args.repeat, baseline)
    if args.json:
        cost = costs(results)
        print(
            json.dumps(
                {
                    "machine": machine(),
                    "iterations": args.iterations,
                    "repeat": args.repeat,
                    "us_per_request": results,
                    "session_cost_us": cost,
                    "targets": dict(targets(cost)),
                    "against_baseline": (
                        against_baseline(cost) if baseline is not None else None
                    ),
                },
                indent=2,
            )
        )
    else:
        print(f"Machine: {machine()}; {args.iterations} requests x {args.repeat} runs.")
        print()
        print(markdown(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
