"""AsyncRedisSessionInterface under the ASGI middleware, against the real
redis-server the suite starts (and a Cluster and Sentinel in
test_redis_cluster.py): loaded before the app only for a cookie whose
signature verifies, the store shared with the sync interface of a WSGI app,
and a Flask app under waitress and a FastAPI app under uvicorn sharing one
login."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
import redis
import redis.asyncio
from starlette.applications import Starlette
from starlette.responses import JSONResponse, PlainTextResponse
from starlette.routing import Route
from webtest import TestApp

from cookiesession import SessionMiddleware, SessionStoreError, get_session
from cookiesession.asgi import SessionMiddleware as ASGISessionMiddleware
from cookiesession.redis import AsyncRedisSessionInterface, RedisSessionInterface
from tests.helpers import KEY, HMACCounter

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend():
    return "asyncio"


class CountingAsyncRedis(redis.asyncio.Redis):
    """A real asyncio client that counts round trips."""

    round_trips = 0

    async def execute_command(self, *args, **options):
        CountingAsyncRedis.round_trips += 1
        return await super().execute_command(*args, **options)

    def pipeline(self, transaction=True, shard_hint=None):
        pipe = super().pipeline(transaction, shard_hint)
        real = pipe.execute

        async def execute(raise_on_error=True):
            CountingAsyncRedis.round_trips += 1
            return await real(raise_on_error)

        pipe.execute = execute
        return pipe


@pytest.fixture
async def async_client(redis_server, redis_client):
    client = CountingAsyncRedis(unix_socket_path=redis_server.socket, socket_timeout=5)
    yield client
    await client.aclose()


async def login(request):
    request.session["user"] = request.query_params["user"]
    request.session["device"] = "phone"
    return PlainTextResponse("ok")


async def show(request):
    return JSONResponse(dict(request.session))


async def untouched(request):
    return PlainTextResponse("untouched")


async def logout(request):
    request.session.clear()
    return PlainTextResponse("bye")


def asgi_app(interface):
    routes = [
        Route(f"/{view.__name__}", view) for view in (login, show, untouched, logout)
    ]
    return ASGISessionMiddleware(
        Starlette(routes=routes), {"SECRET_KEY": KEY}, session_interface=interface
    )


def client(app):
    return httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://test")


def wsgi_show(environ, start_response):
    session = get_session(environ)
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [str(session.get("user")).encode()]


async def test_work_per_request(async_client, monkeypatch):
    interface = AsyncRedisSessionInterface(async_client, user_key="user")
    async with client(asgi_app(interface)) as http:
        await http.get("/login?user=ann")
        await http.get("/show")  # the cookie came back: probation ends
        cookie = http.cookies["session"]
        counter = HMACCounter(monkeypatch)
        cases = {
            "": (0, 0),
            "garbage": (0, 0),
            cookie[:-2] + "xx": (1, 0),
            cookie: (1, 1),
        }
        for value, (hmacs, trips) in cases.items():
            http.cookies.clear()
            if value:
                http.cookies.set("session", value)
            counter.count = CountingAsyncRedis.round_trips = 0
            response = await http.get("/untouched")
            assert (counter.count, CountingAsyncRedis.round_trips) == (hmacs, trips)
            assert "set-cookie" not in response.headers


async def test_shared_with_a_wsgi_app_either_side_revokes(async_client, redis_client):
    on_asgi = AsyncRedisSessionInterface(async_client, user_key="user")
    on_wsgi = RedisSessionInterface(redis_client, user_key="user")
    wsgi = TestApp(
        SessionMiddleware(wsgi_show, {"SECRET_KEY": KEY}, session_interface=on_wsgi)
    )
    async with client(asgi_app(on_asgi)) as http:
        await http.get("/login?user=ann")
        wsgi.set_cookie("session", http.cookies["session"])
        assert wsgi.get("/").text == "ann"
        assert len(on_wsgi.list_sessions("ann")) == 1
        sessions = await on_asgi.list_sessions("ann")
        assert [s["device"] for s in sessions] == [None]
        assert on_wsgi.revoke_user("ann") == 1  # the WSGI side logs ann out
        assert (await http.get("/show")).json() == {}
        await http.get("/login?user=bob")
        wsgi.set_cookie("session", http.cookies["session"])
        assert await on_asgi.revoke_user("bob") == 1  # and the ASGI side
        assert wsgi.get("/").text == "None"


async def test_login_gives_a_new_id_and_logout_ends_it(async_client, redis_client):
    interface = AsyncRedisSessionInterface(async_client, user_key="user")
    async with client(asgi_app(interface)) as http:
        await http.get("/login?user=ann")
        planted = http.cookies["session"]
        await http.get("/login?user=bob")  # a change of user: a new id
        assert http.cookies["session"] != planted
        http.cookies.clear()
        http.cookies.set("session", planted)
        assert (await http.get("/show")).json() == {}
        http.cookies.clear()
        await http.get("/login?user=cy")
        current = http.cookies["session"]
        await http.get("/logout")
        http.cookies.clear()
        http.cookies.set("session", current)
        assert (await http.get("/show")).json() == {}
    assert await interface.list_sessions("cy") == []


async def test_a_store_that_fails_raises(tmp_path):
    from tests.helpers import RedisServer

    server = RedisServer(tmp_path)
    client_ = redis.asyncio.Redis(
        unix_socket_path=server.socket, socket_timeout=0.5, socket_connect_timeout=0.5
    )
    interface = AsyncRedisSessionInterface(client_)
    async with client(asgi_app(interface)) as http:
        await http.get("/login?user=ann")
        server.stop()
        with pytest.raises(SessionStoreError, match="failed to load a session"):
            await http.get("/show")
    await client_.aclose()


def test_called_synchronously_it_says_how_to_use_it(redis_server):
    client_ = redis.asyncio.Redis(
        unix_socket_path=redis_server.socket, socket_timeout=5
    )
    interface = AsyncRedisSessionInterface(client_)
    with pytest.raises(TypeError, match="works with cookiesession.asgi"):
        SessionMiddleware(wsgi_show, {"SECRET_KEY": KEY}, session_interface=interface)


def _free_port():
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    return port


@pytest.fixture
def uvicorn_app(redis_server, tmp_path):
    """tests/asgi_server_app.py under a real uvicorn process on loopback,
    its output in a file."""
    import requests

    port = _free_port()
    root = Path(__file__).parent.parent
    env = {**os.environ, "COOKIESESSION_TEST_REDIS": redis_server.socket}
    command = [
        sys.executable, "-m", "uvicorn", "tests.asgi_server_app:app",
        "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning",
    ]  # fmt: skip
    with open(tmp_path / "uvicorn.log", "wb") as log:
        process = subprocess.Popen(command, cwd=root, env=env, stdout=log, stderr=log)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                requests.get(f"{url}/me", timeout=5)
                break
            except requests.ConnectionError:
                assert process.poll() is None, (tmp_path / "uvicorn.log").read_text()
                assert time.monotonic() < deadline, "uvicorn did not start"
                time.sleep(0.05)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_flask_under_waitress_and_fastapi_under_uvicorn_share_a_login(
    serve, redis_client, uvicorn_app
):
    import flask
    import requests

    from cookiesession.flask import CookieSession

    flask_app = flask.Flask(__name__)
    flask_app.secret_key = KEY
    wsgi_interface = RedisSessionInterface(redis_client, user_key="user")
    CookieSession(flask_app, session_interface=wsgi_interface)

    @flask_app.get("/login")
    def flask_login():
        flask.session["user"] = flask.request.args["user"]
        return "ok"

    @flask_app.get("/me")
    def flask_me():
        return str(flask.session.get("user"))

    flask_url, api_url = serve(flask_app), uvicorn_app
    browser = requests.Session()
    browser.get(f"{flask_url}/login?user=ann")
    assert browser.get(f"{api_url}/me").json() == {"user": "ann"}
    assert browser.get(f"{api_url}/cart").json() == {"cart": "tea"}
    assert browser.get(f"{flask_url}/me").text == "ann"
    assert wsgi_interface.revoke_user("ann") == 1  # revoked on the WSGI side
    assert browser.get(f"{api_url}/me").json() == {"user": None}


def test_session_transaction_with_httpx_against_a_live_server(
    uvicorn_app, redis_server
):
    """httpx.Client against the live uvicorn: the transaction's store
    session is the one the server reads."""
    import asyncio

    from cookiesession.testing import session_transaction

    async def log_in(http):
        store = redis.asyncio.Redis(
            unix_socket_path=redis_server.socket, socket_timeout=5
        )
        interface = AsyncRedisSessionInterface(store, user_key="user")
        async with session_transaction(
            http, {"SECRET_KEY": KEY}, session_interface=interface
        ) as session:
            session["user"] = "dee"
        await store.aclose()

    with httpx.Client(base_url=uvicorn_app) as http:
        asyncio.run(log_in(http))
        assert http.get("/me").json() == {"user": "dee"}


async def test_session_transaction_with_an_async_store(async_client):
    from cookiesession.testing import session_cookie, session_transaction

    interface = AsyncRedisSessionInterface(async_client, user_key="user")
    config = {"SECRET_KEY": KEY}
    async with client(asgi_app(interface)) as http:
        async with session_transaction(http, config, session_interface=interface) as s:
            s["user"] = "ann"
        assert (await http.get("/show")).json() == {"user": "ann"}
        assert len(await interface.list_sessions("ann")) == 1
        with (
            pytest.raises(TypeError, match="async with"),
            session_transaction(http, config, session_interface=interface),
        ):
            pass
    with pytest.raises(TypeError, match="async with"):
        session_cookie(config, {"user": "ann"}, session_interface=interface)
