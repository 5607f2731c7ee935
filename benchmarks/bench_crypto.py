"""Encrypted cookies, side by side: cookiesession's AES-256-GCM cookies,
its signed cookies, and Beaker's encrypted cookie sessions; read and write
costs in one run, and how much session fits in a 4 KB cookie.

    python benchmarks/bench_crypto.py [--iterations N] [--repeat N]
"""

from __future__ import annotations

import argparse
import secrets
import statistics
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))

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
from cookiesession.crypto import EncryptedCookieSessionInterface
from cookiesession.wire.cookies import format_set_cookie

SCENARIOS = ["bare", "read", "write"]


def beaker(scenario: str) -> Callable[..., Any]:
    from beaker.middleware import SessionMiddleware

    if scenario == "bare":
        return bare_app

    def inner(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        if scenario != "bare":
            session = environ["beaker.session"]
            if scenario == "login":
                session.update(SMALL)
                session.save()
            elif scenario == "write":
                session["counter"] = session.get("counter", 0) + 1
                session.save()
            else:
                assert session.get("user") == "ann"
        return bare_app(environ, start_response)

    return SessionMiddleware(
        inner,
        {
            "session.type": "cookie",
            "session.key": "session",
            "session.validate_key": KEY,
            "session.encrypt_key": KEY,
            "session.data_serializer": "json",
            "session.httponly": True,
        },
    )


def login_cookie(make: Callable[[str], Callable[..., Any]]) -> str:
    """A real session cookie holding SMALL, made by the implementation."""
    _, headers = call(make("login"), None)
    cookie = session_cookie(headers, "session")
    assert cookie is not None
    return cookie


IMPLEMENTATIONS: dict[str, Callable[[str], Callable[..., Any]]] = {
    "signed": interface_apps(cookiesession.SecureCookieSessionInterface()),
    "encrypted": interface_apps(EncryptedCookieSessionInterface()),
    "Beaker encrypted": beaker,
}


def fits(interface: Any, text: Callable[[int], str], limit: int = 4093) -> int:
    """The longest string *text(n)* whose session cookie header fits."""

    class App:
        config = cookiesession.validate_config({"SECRET_KEY": KEY})

    def size(n: int) -> int:
        value = interface.encode_session(App, {"data": text(n)})
        return len(format_set_cookie("session", value, path="/", httponly=True))

    low, high = 0, len(_PROSE)
    while low < high:
        middle = (low + high + 1) // 2
        if size(middle) <= limit:
            low = middle
        else:
            high = middle - 1
    return low


def random_text(n: int) -> str:
    """Random URL-safe characters: about as incompressible as JSON text
    gets (ids, tokens)."""
    return secrets.token_urlsafe(n)[:n]


def _make_prose() -> str:
    import random

    vocabulary = (
        "session user cart item order price total name email address city"
        " street number account theme light dark language english french"
        " preference notification message unread last login time zone date"
    )
    words = vocabulary.split(" ")
    rng = random.Random(4093)
    return " ".join(rng.choice(words) for _ in range(40_000))


_PROSE = _make_prose()


def prose(n: int) -> str:
    """Words from a small vocabulary, in random order: compressible as
    ordinary session data is."""
    return _PROSE[:n]


def measure(
    iterations: int, repeat: int
) -> tuple[dict[tuple[str, str], float], dict[str, int]]:
    """Median µs per request by (implementation, scenario), and each
    implementation's cookie size."""
    calls = {}
    sizes = {}
    for name, make in IMPLEMENTATIONS.items():
        cookie = login_cookie(make)
        sizes[name] = len(cookie)
        for scenario in SCENARIOS:
            app = make(scenario)
            call(app, cookie)  # the read asserts what it finds
            calls[name, scenario] = lambda app=app, cookie=cookie: call(app, cookie)
    for operation in calls.values():
        timed(operation, min(iterations, 200))
    samples: dict[tuple[str, str], list[float]] = {key: [] for key in calls}
    for _ in range(repeat):
        for key, operation in calls.items():
            samples[key].append(timed(operation, iterations))
    return {key: statistics.median(runs) for key, runs in samples.items()}, sizes


def rows(iterations: int, repeat: int) -> list[dict[str, Any]]:
    """This benchmark's rows for ``run_all.py``: encrypted cookies and
    Beaker's against signed cookies."""
    median, _ = measure(iterations, repeat)
    out = []
    for scenario in SCENARIOS[1:]:
        signed = median["signed", scenario] - median["signed", "bare"]
        for name in IMPLEMENTATIONS:
            cost = median[name, scenario] - median[name, "bare"]
            out.append(
                {
                    "benchmark": "crypto",
                    "scenario": scenario,
                    "implementation": name,
                    "cost_us": round(cost, 2),
                    "reference": "signed",
                    "ratio": round(cost / signed, 3),
                }
            )
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--iterations", type=int, default=3000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    median, sizes = measure(args.iterations, args.repeat)
    print("Session cost over the bare app (µs), and the ratio to signed:\n")
    print("| scenario | " + " | ".join(IMPLEMENTATIONS) + " |")
    print("|---" * (len(IMPLEMENTATIONS) + 1) + "|")
    for scenario in SCENARIOS[1:]:
        cells = []
        signed = median["signed", scenario] - median["signed", "bare"]
        for name in IMPLEMENTATIONS:
            cost = median[name, scenario] - median[name, "bare"]
            cells.append(f"{cost:.2f} ({cost / signed:.2f}x)")
        print(f"| {scenario} | " + " | ".join(cells) + " |")
    print("\nCookie size for the same small session (bytes, name=value):\n")
    for name, size in sizes.items():
        print(f"- {name}: {size}")
    print("\nSession text that fits in a 4,093-byte Set-Cookie header:\n")
    print("| cookie | random text | prose |")
    print("|---|---|---|")
    kinds = {
        "signed (zlib when shorter, as Flask)": (
            cookiesession.SecureCookieSessionInterface()
        ),
        "encrypted": EncryptedCookieSessionInterface(),
        "encrypted, compress=True": EncryptedCookieSessionInterface(compress=True),
    }
    for label, interface in kinds.items():
        print(
            f"| {label} | {fits(interface, random_text)} | {fits(interface, prose)} |"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
