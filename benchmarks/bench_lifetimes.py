"""What the 0.2 lifetimes cost: read, write and refresh with the timeouts off
and on, and Set-Cookie headers per 1,000 requests of a permanent session.

    python benchmarks/bench_lifetimes.py [--iterations N] [--repeat N]

All configurations run interleaved in one process; compare the ratios, not
the microseconds, on a noisy machine. The target (DESIGN §9): with
SESSION_REFRESH_AFTER set, a read with the timeouts on costs at most 1.1x
the read with them off.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))

from bench_sessions import KEY, bare_app, call, session_cookie, timed

import cookiesession

CONFIGS: dict[str, dict[str, Any]] = {
    "off": {},
    "idle+absolute": {"SESSION_IDLE_TIMEOUT": 1800, "SESSION_ABSOLUTE_TIMEOUT": 28800},
    "idle+absolute+refresh_after": {
        "SESSION_IDLE_TIMEOUT": 1800,
        "SESSION_ABSOLUTE_TIMEOUT": 28800,
        "SESSION_REFRESH_AFTER": 300,
    },
}
SCENARIOS = ["bare", "read", "write", "refresh"]


def app_for(scenario: str) -> Callable[..., Any]:
    get_session = cookiesession.get_session

    def inner(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        if scenario == "bare":
            return bare_app(environ, start_response)
        session = get_session(environ)
        if scenario == "write":
            session["n"] = session.get("n", 0) + 1
        else:
            session.get("user")
        return bare_app(environ, start_response)

    return inner


def prepare(config: dict[str, Any], scenario: str) -> Callable[[], Any]:
    settings = {"SECRET_KEY": KEY, **config}
    login = cookiesession.SessionMiddleware(app_for("write"), settings)
    # "refresh": a permanent session whose cookie must be re-issued.
    first = {"user": "ann", "_permanent": scenario == "refresh"}
    serializer = login.session_interface.get_signing_serializer(login)
    assert serializer is not None
    cookie = "session=" + serializer.dumps(first)
    if scenario == "refresh":
        settings = {**settings, "SESSION_REFRESH_AFTER": None}
    mw = cookiesession.SessionMiddleware(app_for(scenario), settings)
    _, headers = call(mw, cookie)
    sent = session_cookie(headers, "session") is not None
    expected = scenario in ("write", "refresh") or (
        scenario == "read"
        and "SESSION_IDLE_TIMEOUT" in config
        and "SESSION_REFRESH_AFTER" not in config
    )
    assert sent == expected, (config, scenario, sent)
    return lambda: call(mw, cookie)


def set_cookies_per_1000(refresh_after: int | None) -> int:
    """A permanent session read 1,000 times, one second apart."""
    now = [1_800_000_000.0]
    real = time.time
    time.time = lambda: now[0]
    try:
        settings = {"SECRET_KEY": KEY, "SESSION_REFRESH_AFTER": refresh_after}
        mw = cookiesession.SessionMiddleware(app_for("read"), settings)
        serializer = mw.session_interface.get_signing_serializer(mw)
        assert serializer is not None
        cookie = "session=" + serializer.dumps({"user": "ann", "_permanent": True})
        sent = 0
        for _ in range(1000):
            now[0] += 1
            _, headers = call(mw, cookie)
            new = session_cookie(headers, "session")
            if new is not None:
                sent += 1
                cookie = new
        return sent
    finally:
        time.time = real


def measure(iterations: int, repeat: int) -> dict[tuple[str, str], float]:
    """Median µs per request, by (config, scenario), interleaved."""
    calls = {
        (name, scenario): prepare(config, scenario)
        for name, config in CONFIGS.items()
        for scenario in SCENARIOS
    }
    samples: dict[tuple[str, str], list[float]] = {key: [] for key in calls}
    for operation in calls.values():
        timed(operation, min(iterations, 200))
    for _ in range(repeat):
        for key, operation in calls.items():
            samples[key].append(timed(operation, iterations))
    return {key: statistics.median(runs) for key, runs in samples.items()}


def rows(iterations: int, repeat: int) -> list[dict[str, Any]]:
    """This benchmark's rows for ``run_all.py``: each lifetime setting's
    session cost, as a ratio to the same scenario with them off."""
    median = measure(iterations, repeat)
    out = []
    for scenario in SCENARIOS[1:]:
        off = median["off", scenario] - median["off", "bare"]
        for name in CONFIGS:
            cost = median[name, scenario] - median[name, "bare"]
            out.append(
                {
                    "benchmark": "lifetimes",
                    "scenario": scenario,
                    "implementation": f"cookiesession, {name}",
                    "cost_us": round(cost, 2),
                    "reference": "timeouts off",
                    "ratio": round(cost / off, 3) if off > 0 else None,
                }
            )
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--iterations", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args(argv)
    median = measure(args.iterations, args.repeat)
    print("Session cost over the bare app (µs), and the ratio to 'off':\n")
    print("| scenario | " + " | ".join(CONFIGS) + " |")
    print("|---" * (len(CONFIGS) + 1) + "|")
    for scenario in SCENARIOS[1:]:
        cells = []
        for name in CONFIGS:
            cost = median[name, scenario] - median[name, "bare"]
            off = median["off", scenario] - median["off", "bare"]
            cells.append(
                f"{cost:.2f} ({cost / off:.2f}x)" if off > 0 else f"{cost:.2f}"
            )
        print(f"| {scenario} | " + " | ".join(cells) + " |")
    print("\nSet-Cookie headers per 1,000 reads of a permanent session, 1 s apart:\n")
    print(f"- SESSION_REFRESH_AFTER unset: {set_cookies_per_1000(None)}")
    print(f"- SESSION_REFRESH_AFTER = 60 s: {set_cookies_per_1000(60)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
