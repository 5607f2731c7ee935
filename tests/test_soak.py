"""A concurrency soak through a real threaded server: 16 clients x 200
requests, reads and writes interleaved, each seeing only its own data."""

from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor

import requests
import webob

from cookiesession import SessionMiddleware, get_session

CLIENTS = 16
REQUESTS = 200
TIME_LIMIT = 45.0  # seconds; the run stops early rather than hang


def app(environ, start_response):
    request = webob.Request(environ)
    session = get_session(environ)
    if request.path == "/write":
        session["owner"] = request.params["owner"]
        session.setdefault("log", []).append(int(request.params["n"]))
        session["log"] = session["log"][-20:]  # keep the cookie small
        session["count"] = session.get("count", 0) + 1
    body = json.dumps({"owner": session.get("owner"), "count": session.get("count", 0)})
    start_response("200 OK", [("Content-Type", "application/json")])
    return [body.encode()]


def test_soak(serve):
    base = serve(SessionMiddleware(app, {"SECRET_KEY": "soak-key"}), threads=16)
    deadline = time.monotonic() + TIME_LIMIT
    started = time.monotonic()

    def client(index):
        owner = f"client-{index}"
        writes = errors = done = 0
        with requests.Session() as http:
            for n in range(REQUESTS):
                if time.monotonic() > deadline:
                    break
                if n % 3 == 2:
                    reply = http.get(base + "/read", timeout=10).json()
                else:
                    reply = http.get(
                        base + "/write", params={"owner": owner, "n": n}, timeout=10
                    ).json()
                    writes += 1
                done += 1
                if reply != {"owner": owner, "count": writes}:
                    errors += 1
        return done, errors

    with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
        results = list(pool.map(client, range(CLIENTS)))
    elapsed = time.monotonic() - started
    total = sum(done for done, _ in results)
    errors = sum(err for _, err in results)
    print(f"soak: {total} requests, {errors} errors, {elapsed:.1f} s")
    assert errors == 0
    assert total == CLIENTS * REQUESTS, f"stopped at the time limit after {total}"
