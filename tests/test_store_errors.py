"""A store that fails (its table dropped under it, on a real SQLite file)
answers 503 with Retry-After in every framework, as docs/store_errors.rst
shows: a failure to load (a valid cookie, the store gone) and a failure to
save (a new session written, the store gone)."""

from __future__ import annotations

import pytest
from starlette.requests import Request
from webtest import TestApp

from cookiesession import SessionMiddleware, SessionStoreError, get_session
from tests.helpers import KEY
from tests.test_docs_examples import EXAMPLES, load

sa = pytest.importorskip("sqlalchemy")

from cookiesession.sql import SqlSessionInterface  # noqa: E402


@pytest.fixture(autouse=True)
def examples_importable(monkeypatch):
    monkeypatch.syspath_prepend(str(EXAMPLES))


@pytest.fixture
def url(tmp_path):
    return f"sqlite:///{tmp_path / 'sessions.db'}"


def store(url):
    interface = SqlSessionInterface.from_url(url)
    interface.create_table()
    return interface


def break_store(url):
    """The store goes away: its table is dropped under the running app."""
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        connection.exec_driver_sql("DROP TABLE cookiesession_sessions")
    engine.dispose()


def check_503(browser, url):
    """Log in, break the store, then: a load that fails, a save that fails."""
    assert browser.get("/").text.endswith("1")
    break_store(url)
    loading = browser.get("/", status=503, expect_errors=True)
    assert loading.headers["Retry-After"] == "5"
    assert "unavailable" in loading.text
    browser.reset()  # no cookie: a new session, whose save fails
    saving = browser.get("/", status=503, expect_errors=True)
    assert saving.headers["Retry-After"] == "5"
    assert "Set-Cookie" not in saving.headers


def visits(environ, start_response):
    session = get_session(environ)
    session["visits"] = session.get("visits", 0) + 1
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [f"Visit number {session['visits']}".encode()]


def test_bare_wsgi(url):
    wrap = load("store_errors_wsgi").unavailable_on_store_errors
    app = SessionMiddleware(visits, {"SECRET_KEY": KEY}, session_interface=store(url))
    check_503(TestApp(wrap(app)), url)


def test_falcon(url):
    pytest.importorskip("falcon")
    check_503(TestApp(load("store_errors_falcon").make_app(store(url))), url)


def test_pyramid_exception_view_and_wrapper(url):
    store(url).engine.dispose()
    settings = {"cookiesession.secret_key": KEY, "cookiesession.sql_url": url}
    browser = TestApp(load("store_errors_pyramid").main(**settings))
    browser.get("/")
    assert browser.get("/").status_int == 200
    break_store(url)
    loading = browser.get("/", status=503)
    # The load failed inside the view: Pyramid's exception view answered.
    assert loading.text.startswith("Sessions are unavailable for a moment")
    assert loading.content_type == "text/html"  # not the wrapper's text/plain
    browser.reset()
    saving = browser.get("/", status=503)  # after the view: the wrapper
    assert saving.headers["Retry-After"] == "5"


def test_bottle(url):
    browser = TestApp(load("store_errors_bottle").make_app(store(url)))
    check_503(browser, url)


def test_bottle_keeps_its_500_page_for_other_errors():
    app = load("store_errors_bottle").make_app()

    @app.get("/boom")
    def boom(session):
        raise LookupError("not a store error")

    response = TestApp(app).get("/boom", status=500, expect_errors=True)
    assert "Internal Server Error" in response.text


@pytest.mark.parametrize("framework", ["starlette", "fastapi"])
def test_starlette_and_fastapi(tmp_path, framework):
    import anyio
    import httpx
    from starlette.responses import PlainTextResponse

    from cookiesession.asgi import SessionMiddleware as ASGISessionMiddleware
    from cookiesession.sql import AsyncSqlSessionInterface

    wrapper = load("store_errors_asgi").UnavailableOnStoreErrors
    url = f"sqlite+aiosqlite:///{tmp_path / 'sessions.db'}"

    async def visit(request: Request):
        request.session["visits"] = request.session.get("visits", 0) + 1
        return PlainTextResponse(f"Visit number {request.session['visits']}")

    if framework == "fastapi":
        from fastapi import FastAPI

        app = FastAPI()
        app.add_api_route("/", visit)
    else:
        from starlette.applications import Starlette
        from starlette.routing import Route

        app = Starlette(routes=[Route("/", visit)])

    async def run():
        interface = AsyncSqlSessionInterface.from_url(url)
        await interface.create_table()
        events = []
        interface.event_hook = lambda event, details: events.append(event)
        app.add_middleware(
            ASGISessionMiddleware,
            config={"SECRET_KEY": KEY},
            session_interface=interface,
        )
        app.add_middleware(wrapper)  # added last: it runs outside
        transport = httpx.ASGITransport(app)
        try:
            async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
                assert (await c.get("/")).text == "Visit number 1"
                break_store(url.replace("+aiosqlite", ""))
                loading = await c.get("/")
                assert loading.status_code == 503
                assert loading.headers["Retry-After"] == "5"
                c.cookies.clear()
                saving = await c.get("/")
                assert saving.status_code == 503
                assert "set-cookie" not in saving.headers
                assert events == ["store_error", "store_error"]  # load, save
        finally:
            await interface.engine.dispose()

    anyio.run(run)


def test_each_failure_is_a_store_error_event(url):
    interface = store(url)
    events = []
    interface.event_hook = lambda event, details: events.append((event, details))
    browser = TestApp(
        SessionMiddleware(visits, {"SECRET_KEY": KEY}, session_interface=interface)
    )
    browser.get("/")
    assert events == []
    break_store(url)
    with pytest.raises(SessionStoreError, match="failed to load"):
        browser.get("/")
    browser.reset()
    with pytest.raises(SessionStoreError, match="failed to save"):
        browser.get("/")
    assert events == [
        ("store_error", {"operation": "load a session", "error": "OperationalError"}),
        ("store_error", {"operation": "save a session", "error": "OperationalError"}),
    ]
