"""cookiesession.quart behind ``quart.session``, with Quart's test client:
a cookie session read on first use, an async store, Flask's cookies, and
read-only websockets."""

from __future__ import annotations

import pytest

quart = pytest.importorskip("quart")

from cookiesession.quart import CookieSession  # noqa: E402
from cookiesession.redis import AsyncRedisSessionInterface  # noqa: E402
from tests.helpers import KEY, HMACCounter, sign  # noqa: E402

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend():
    return "asyncio"


def make_app(interface=None):
    app = quart.Quart(__name__)
    app.secret_key = KEY
    CookieSession(app, session_interface=interface)

    @app.route("/login")
    async def login():
        quart.session["user"] = quart.request.args.get("user", "ann")
        return "ok"

    @app.route("/show")
    async def show():
        return dict(quart.session)

    @app.route("/untouched")
    async def untouched():
        return "untouched"

    @app.websocket("/socket")
    async def socket():
        await quart.websocket.send(quart.session.get("user", "nobody"))
        quart.session["touched"] = True

    return app


async def test_login_and_read_with_a_flask_cookie(monkeypatch):
    client = make_app().test_client()
    await client.get("/login")
    assert await (await client.get("/show")).get_json() == {"user": "ann"}
    # A cookie made by Flask's format loads, and an untouched request
    # checks no signature.
    client = make_app().test_client()
    client.set_cookie("localhost", "session", sign({"user": "bob"}))
    counter = HMACCounter(monkeypatch)
    response = await client.get("/untouched")
    assert counter.count == 0
    assert "Set-Cookie" not in response.headers
    assert await (await client.get("/show")).get_json() == {"user": "bob"}


async def test_an_async_store(redis_server, redis_client):
    import redis.asyncio

    async_client = redis.asyncio.Redis(
        unix_socket_path=redis_server.socket, socket_timeout=5
    )
    interface = AsyncRedisSessionInterface(async_client, user_key="user")
    client = make_app(interface).test_client()
    await client.get("/login?user=ann")
    assert await (await client.get("/show")).get_json() == {"user": "ann"}
    assert len(await interface.list_sessions("ann")) == 1
    assert await interface.revoke_user("ann") == 1
    assert await (await client.get("/show")).get_json() == {}
    await async_client.aclose()


async def test_websocket_sessions_are_read_only():
    client = make_app().test_client()
    await client.get("/login?user=cy")
    with pytest.warns(RuntimeWarning, match="websocket"):
        async with client.websocket("/socket") as ws:
            assert await ws.receive() == "cy"


def test_a_sync_store_is_refused(redis_client):
    from cookiesession.redis import RedisSessionInterface

    with pytest.raises(TypeError, match="AsyncRedisSessionInterface"):
        CookieSession(session_interface=RedisSessionInterface(redis_client))
