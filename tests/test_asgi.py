"""The ASGI middleware with Starlette, FastAPI and raw ASGI apps, through
httpx's ASGI transport: lazy cookie sessions, the save on
``http.response.start``, ``exclude=``, streaming and websockets, and cookies
byte-identical to the WSGI middleware's."""

from __future__ import annotations

import fastapi
import httpx
import pytest
import webob
from fastapi import Request
from starlette.applications import Starlette
from starlette.responses import JSONResponse, PlainTextResponse, StreamingResponse
from starlette.routing import Route, WebSocketRoute
from starlette.testclient import TestClient

from cookiesession import SecureCookieSessionInterface, SessionMiddleware, get_session
from cookiesession.asgi import SessionMiddleware as ASGISessionMiddleware
from cookiesession.crypto import EncryptedCookieSessionInterface
from tests.helpers import KEY, HMACCounter, sign

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend():
    return "asyncio"


async def login(request):
    request.session["user"] = request.query_params.get("user", "ann")
    return PlainTextResponse("ok")


async def show(request):
    return JSONResponse(dict(request.session))


async def untouched(request):
    return PlainTextResponse("untouched")


async def clear(request):
    request.session.clear()
    return PlainTextResponse("cleared")


async def own_cookie(request):
    response = PlainTextResponse("own")
    response.set_cookie("theme", "dark")
    response.set_cookie("session", "", max_age=0)  # the app logs out itself
    request.session["ignored"] = True
    return response


async def stream(request):
    async def body():
        yield b"first "
        request.session["late"] = True  # after the response started
        yield b"second"

    return StreamingResponse(body())


async def socket(websocket):
    await websocket.accept()
    await websocket.send_text(websocket.session.get("user", "nobody"))
    websocket.session["touched"] = True
    await websocket.close()


def starlette_app(**options):
    routes = [
        Route(f"/{view.__name__}", view)
        for view in (login, show, untouched, clear, own_cookie, stream)
    ]
    routes.append(Route("/static/app.css", untouched))
    routes.append(Route("/statics", show))
    routes.append(WebSocketRoute("/socket", socket))
    options.setdefault("config", {"SECRET_KEY": KEY})
    return ASGISessionMiddleware(Starlette(routes=routes), **options)


def client(app):
    return httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://test")


@pytest.mark.parametrize(
    "interface",
    [
        pytest.param(None, id="signed"),
        pytest.param(EncryptedCookieSessionInterface(), id="encrypted"),
    ],
)
async def test_login_then_read(interface):
    async with client(starlette_app(session_interface=interface)) as http:
        response = await http.get("/login")
        assert response.headers["vary"] == "Cookie"
        assert response.headers["cache-control"] == "private"
        assert (await http.get("/show")).json()["user"] == "ann"
        response = await http.get("/clear")
        assert response.headers["set-cookie"].startswith("session=; ")
        assert (await http.get("/show")).json().get("user") is None


async def test_untouched_requests_check_no_signature(monkeypatch):
    counter = HMACCounter(monkeypatch)
    async with client(starlette_app()) as http:
        http.cookies.set("session", sign({"user": "ann"}))
        counter.count = 0
        response = await http.get("/untouched")
        assert counter.count == 0
        assert "set-cookie" not in response.headers
        assert "vary" not in response.headers
        await http.get("/show")
        assert counter.count == 1


async def test_same_cookie_as_the_wsgi_middleware(clock):
    def wsgi(environ, start_response):
        get_session(environ)["user"] = "ann"
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"ok"]

    wsgi_app = SessionMiddleware(wsgi, {"SECRET_KEY": KEY})
    expected = webob.Request.blank("/").get_response(wsgi_app).headers["Set-Cookie"]
    async with client(starlette_app()) as http:
        response = await http.get("/login")
    assert response.headers["set-cookie"] == expected
    # And the WSGI middleware reads the ASGI one's cookie.
    cookie = expected.split(";")[0]

    def reader(environ, start_response):
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [get_session(environ)["user"].encode()]

    request = webob.Request.blank("/", headers={"Cookie": cookie})
    assert (
        request.get_response(SessionMiddleware(reader, {"SECRET_KEY": KEY})).text
        == "ann"
    )


async def test_excluded_paths_get_no_session(monkeypatch):
    cookie = sign({"user": "ann"})
    counter = HMACCounter(monkeypatch)
    seen = []

    async def raw(scope, receive, send):
        seen.append("session" in scope)
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    app = ASGISessionMiddleware(
        raw, {"SECRET_KEY": KEY}, exclude=("/static/", "/health")
    )
    async with client(app) as http:
        http.cookies.set("session", cookie)
        for path in ("/static", "/static/app.css", "/health", "/statics", "/healthz"):
            await http.get(path)
    assert seen == [False, False, False, True, True]
    assert counter.count == 0


async def test_the_apps_own_cookies_are_kept_and_win():
    async with client(starlette_app()) as http:
        http.cookies.set("session", sign({"user": "ann"}))
        response = await http.get("/own_cookie")
    cookies = response.headers.get_list("set-cookie")
    assert [c.split("=")[0] for c in cookies] == ["theme", "session"]
    assert cookies[1].startswith('session=""')  # the app's own, untouched


async def test_a_change_while_streaming_warns_and_is_not_saved():
    async with client(starlette_app()) as http:
        with pytest.warns(RuntimeWarning, match="'/stream' changed after the response"):
            response = await http.get("/stream")
    assert response.text == "first second"
    assert "set-cookie" not in response.headers


def test_websockets_read_the_session_and_never_save_it():
    app = starlette_app()
    with TestClient(app) as http:
        http.cookies.set("session", sign({"user": "ann"}))
        warns = pytest.warns(RuntimeWarning, match="'/socket' changed in a websocket")
        with warns, http.websocket_connect("/socket") as ws:
            assert ws.receive_text() == "ann"


def test_starlettes_test_client():
    with TestClient(starlette_app()) as http:
        http.get("/login?user=bob")
        assert http.get("/show").json() == {"user": "bob"}


async def test_replaced_scope_session_is_saved():
    """Litestar's set_session/clear_session replace scope["session"]."""

    def replacing(value):
        async def raw(scope, receive, send):
            scope["session"] = value
            await send({"type": "http.response.start", "status": 200, "headers": []})
            await send({"type": "http.response.body", "body": b""})

        return ASGISessionMiddleware(raw, {"SECRET_KEY": KEY})

    async with client(replacing({"user": "cy"})) as http:
        cookie = (await http.get("/")).headers["set-cookie"].split(";")[0]
    async with client(starlette_app()) as http:
        http.cookies.set("session", cookie.partition("=")[2])
        assert (await http.get("/show")).json() == {"user": "cy"}
    async with client(replacing(None)) as http:
        http.cookies.set("session", cookie.partition("=")[2])
        assert (await http.get("/")).headers["set-cookie"].startswith("session=; ")


async def test_non_http_scopes_pass_through():
    seen = []

    async def raw(scope, receive, send):
        seen.append(dict(scope))

    app = ASGISessionMiddleware(raw, {"SECRET_KEY": KEY})
    await app({"type": "lifespan"}, None, None)
    assert seen == [{"type": "lifespan"}]


async def test_fastapi_async_and_def_endpoints():
    api = fastapi.FastAPI()

    @api.get("/login")
    async def do_login(request: Request):
        request.session["user"] = "ann"
        return {"ok": True}

    @api.get("/me")
    def me(request: Request):
        return dict(request.session)

    async with client(ASGISessionMiddleware(api, {"SECRET_KEY": KEY})) as http:
        await http.get("/login")
        assert (await http.get("/me")).json() == {"user": "ann"}


class CustomInterface(SecureCookieSessionInterface):
    def open_session(self, app, request):
        return super().open_session(app, request)


@pytest.mark.parametrize(
    ("interface", "message"),
    [
        pytest.param(CustomInterface(), "needs a WSGI request", id="custom"),
        pytest.param("sync-redis", "AsyncRedisSessionInterface", id="sync-store"),
    ],
)
def test_interfaces_it_cannot_drive(interface, message, redis_client):
    if interface == "sync-redis":
        from cookiesession.redis import RedisSessionInterface

        interface = RedisSessionInterface(redis_client)
    with pytest.raises(TypeError, match=message):
        ASGISessionMiddleware(
            untouched, {"SECRET_KEY": KEY}, session_interface=interface
        )


def test_bad_exclude():
    with pytest.raises(TypeError, match="tuple of path prefixes"):
        ASGISessionMiddleware(untouched, {"SECRET_KEY": KEY}, exclude="/static")


async def test_the_wsgi_middleware_called_as_asgi():
    app = SessionMiddleware(lambda environ, start_response: [], {"SECRET_KEY": KEY})
    with pytest.raises(TypeError, match="cookiesession.asgi.SessionMiddleware"):
        app({"type": "http"}, None, None)
    with pytest.raises(TypeError, match="cookiesession.asgi.SessionMiddleware"):
        app({"type": "http"})  # ASGI 2's first call


@pytest.mark.parametrize(
    "interface",
    [
        pytest.param(None, id="signed"),
        pytest.param(EncryptedCookieSessionInterface(), id="encrypted"),
    ],
)
async def test_session_transaction_with_httpx(interface):
    from cookiesession.testing import session_transaction

    config = {"SECRET_KEY": KEY}
    async with client(starlette_app(session_interface=interface)) as http:
        await http.get("/login?user=ann")  # a cookie filed by the app
        async with session_transaction(http, config, session_interface=interface) as s:
            assert s["user"] == "ann"
            s["user"] = "bob"
        assert (await http.get("/show")).json()["user"] == "bob"
        with session_transaction(http, config, session_interface=interface) as s:
            s.clear()
        assert "session" not in http.cookies
        assert (await http.get("/show")).json().get("user") is None


def test_session_transaction_with_starlettes_test_client():
    from cookiesession.testing import session_cookie, session_transaction

    config = {"SECRET_KEY": KEY}
    with TestClient(starlette_app()) as http:
        with session_transaction(http, config) as session:
            session["user"] = "cy"
        assert http.get("/show").json() == {"user": "cy"}
        http.get("/login?user=dee")  # the app's later write wins
        with session_transaction(http, config) as session:
            assert session == {"user": "dee"}
        http.cookies.clear()
        http.cookies.set("session", session_cookie(config, {"user": "eve"}))
        assert http.get("/show").json() == {"user": "eve"}


async def test_idle_and_absolute_timeouts(clock):
    config = {
        "SECRET_KEY": KEY,
        "SESSION_IDLE_TIMEOUT": "10m",
        "SESSION_ABSOLUTE_TIMEOUT": "1h",
    }
    async with client(starlette_app(config=config)) as http:
        await http.get("/login")
        clock.advance(9 * 60)
        assert (await http.get("/show")).json()["user"] == "ann"  # activity
        clock.advance(9 * 60)
        response = await http.get("/show")
        assert response.json()["user"] == "ann"
        clock.advance(11 * 60)
        response = await http.get("/show")
        assert response.json().get("user") is None  # idle: ended
        assert response.headers["set-cookie"].startswith("session=; ")
        await http.get("/login")
        for _ in range(7):
            clock.advance(9 * 60)
            response = await http.get("/show")
        assert response.json().get("user") is None  # 63 minutes: absolute


async def test_getting_request_session_opens_nothing(monkeypatch):
    """Starlette's request.session asks the session for mark_accessed."""
    cookie = sign({"user": "ann"})
    counter = HMACCounter(monkeypatch)

    async def fetch_only(request):
        request.session  # noqa: B018
        return PlainTextResponse("ok")

    app = ASGISessionMiddleware(
        Starlette(routes=[Route("/", fetch_only)]), {"SECRET_KEY": KEY}
    )
    async with client(app) as http:
        http.cookies.set("session", cookie)
        response = await http.get("/")
    assert counter.count == 0
    assert "set-cookie" not in response.headers
