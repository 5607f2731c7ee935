"""The middleware behind a real server (waitress) with a real HTTP client."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

import requests
import webob

from cookiesession import SessionMiddleware, get_session


def counter_app(environ, start_response):
    request = webob.Request(environ)
    session = get_session(environ)
    if request.path == "/login":
        session.clear()
        session["user"] = request.params["user"]
        session.permanent = request.params.get("remember") == "1"
        start_response("303 See Other", [("Location", "/whoami")])
        return [b""]
    if request.path == "/logout":
        session.clear()
    elif request.path == "/incr":
        session["n"] = session.get("n", 0) + 1
    body = json.dumps({"user": session.get("user"), "n": session.get("n", 0)})
    start_response("200 OK", [("Content-Type", "application/json")])
    return [body.encode()]


def make_app():
    return SessionMiddleware(counter_app, {"SECRET_KEY": "e2e-secret"})


def test_login_flow_through_a_real_server(serve):
    base = serve(make_app())
    client = requests.Session()
    assert client.get(base + "/whoami").json() == {"user": None, "n": 0}
    response = client.get(base + "/login?user=ann&remember=1", allow_redirects=False)
    assert response.status_code == 303
    raw = response.headers["Set-Cookie"]
    for attribute in ("HttpOnly", "SameSite=Lax", "Max-Age=2678400"):
        assert attribute in raw
    assert response.headers["Vary"] == "Cookie"
    cookie = next(iter(client.cookies))
    assert cookie.name == "session"
    assert cookie.expires is not None
    assert client.get(base + "/whoami").json() == {"user": "ann", "n": 0}
    client.get(base + "/incr")
    assert client.get(base + "/incr").json() == {"user": "ann", "n": 2}
    response = client.get(base + "/logout")
    assert "Max-Age=0" in response.headers["Set-Cookie"]
    assert len(client.cookies) == 0
    assert client.get(base + "/whoami").json() == {"user": None, "n": 0}


def test_tampered_cookie_through_a_real_server(serve):
    base = serve(make_app())
    response = requests.get(base + "/whoami", headers={"Cookie": "session=x.y.z"})
    assert response.status_code == 200
    assert response.json() == {"user": None, "n": 0}


def test_concurrent_clients_each_see_their_own_count(serve):
    base = serve(make_app(), threads=8)

    def client(index: int) -> tuple[int, int]:
        with requests.Session() as http:
            http.get(f"{base}/login?user=u{index}", allow_redirects=False)
            last = None
            for _ in range(50):
                last = http.get(base + "/incr").json()
                assert last["user"] == f"u{index}"
            return index, last["n"]

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = dict(pool.map(client, range(8)))
    assert results == dict.fromkeys(range(8), 50)
