"""The SQL store on SQLite files: the store rules through the middleware,
statements per request, expiry and purge, a missing table, two processes
on one file, and a database that goes away."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

import pytest
import webob
from webtest import TestApp

sa = pytest.importorskip("sqlalchemy")

from cookiesession import SessionMiddleware, SessionStoreError, get_session  # noqa: E402
from cookiesession.sql import SqlSessionInterface  # noqa: E402
from tests.helpers import KEY, demo_post, get, sign  # noqa: E402
from tests.postgres_server import PostgresServer  # noqa: E402


def app(environ, start_response):
    request = webob.Request(environ)
    path = request.path
    if path == "/untouched":
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b""]
    session = get_session(environ)
    if path == "/login":
        session["user"] = request.params["user"]
    elif path == "/set":
        session.update(request.params)
    elif path == "/form":
        session.setdefault("csrf", "token")
    elif path == "/regenerate":
        session.regenerate()
    elif path == "/logout":
        session.clear()
    body = (
        b"" if path in ("/untouched", "/form") else json.dumps(dict(session)).encode()
    )
    start_response("200 OK", [("Content-Type", "application/json")])
    return [body]


@pytest.fixture(scope="session")
def postgres():
    folder = Path(tempfile.mkdtemp(prefix="cookiesession-pg-"))
    server = PostgresServer(folder)
    yield server
    server.stop()
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request, tmp_path):
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'sessions.db'}"
    else:
        url = request.getfixturevalue("postgres").url
    interface = SqlSessionInterface.from_url(url, user_key="user", device_key="device")
    interface.create_table()
    yield interface
    interface.metadata.drop_all(interface.engine)
    interface.engine.dispose()


def make(interface):
    return SessionMiddleware(app, {"SECRET_KEY": KEY}, session_interface=interface)


class Statements:
    def __init__(self, engine):
        self.count = 0
        sa.event.listen(engine, "before_cursor_execute", self._count)

    def _count(self, *args):
        self.count += 1


def rows(interface):
    with interface.engine.connect() as connection:
        return connection.execute(
            sa.select(sa.func.count()).select_from(interface.table)
        ).scalar()


def test_login_read_write_logout(store):
    browser = TestApp(make(store))
    browser.get("/login?user=ann")
    assert browser.get("/show").json == {"user": "ann"}
    browser.get("/set?cart=tea")
    assert browser.get("/show").json == {"user": "ann", "cart": "tea"}
    browser.get("/logout")
    assert browser.get("/show").json == {}
    assert store.list_sessions("ann") == []


def test_statements_per_request(store):
    browser = TestApp(make(store))
    browser.get("/login?user=ann")
    browser.get("/show")  # ends the probation
    statements = Statements(store.engine)
    browser.get("/untouched")
    assert statements.count == 0
    browser.get("/show")
    assert statements.count == 1  # one SELECT
    cookie = browser.cookies["session"]
    for forged in ("garbage", cookie[:-2] + "xx"):
        statements.count = 0
        TestApp(make(store)).get("/show", headers={"Cookie": f"session={forged}"})
        assert statements.count == 0


def test_fixation_regenerate_and_revoke_user(store):
    mw = make(store)
    browser = TestApp(mw)
    browser.get("/set?cart=tea")
    planted = browser.cookies["session"]
    browser.get("/login?user=ann")  # a change of user: a new id
    assert browser.cookies["session"] != planted
    other = TestApp(mw)
    other.set_cookie("session", planted)
    assert other.get("/show").json == {}
    second = TestApp(mw)
    second.get("/login?user=ann")
    assert len(store.list_sessions("ann")) == 2
    assert store.revoke_user("ann") == 2
    assert browser.get("/show").json == {}


def test_bots_leave_nothing_after_the_probation_and_a_purge(store, clock):
    mw = make(store)
    for _ in range(200):
        TestApp(mw).get("/form")
    assert rows(store) == 200
    clock.advance(3601)
    assert store.purge(limit=150) == 150
    assert store.purge() == 50
    assert rows(store) == 0


def test_an_expired_row_never_loads(store, clock):
    browser = TestApp(make(store))
    browser.get("/login?user=ann")
    clock.advance(3601)  # the probation passed
    assert browser.get("/show").json == {}


def test_a_missing_table_names_create_table(tmp_path):
    interface = SqlSessionInterface.from_url(f"sqlite:///{tmp_path / 'empty.db'}")
    with pytest.raises(SessionStoreError, match="create_table"):
        TestApp(make(interface)).get("/login?user=ann")


def test_a_table_dropped_mid_test_raises(store):
    browser = TestApp(make(store))
    browser.get("/login?user=ann")
    store.table.drop(store.engine)
    with pytest.raises(SessionStoreError, match="create_table"):
        browser.get("/show")
    store.table.create(store.engine)


def test_a_postgresql_server_that_stops_raises(caplog):
    folder = Path(tempfile.mkdtemp(prefix="cookiesession-pg-"))
    server = PostgresServer(folder)
    try:
        interface = SqlSessionInterface.from_url(server.url)
        interface.create_table()
        browser = TestApp(make(interface))
        browser.get("/login?user=ann")
        assert browser.get("/show").json == {"user": "ann"}
        interface.engine.dispose()
        server.stop()
        with pytest.raises(SessionStoreError, match="failed to load a session"):
            browser.get("/show")
        assert "ann" not in caplog.text
    finally:
        server.stop()
        shutil.rmtree(folder, ignore_errors=True)


def test_two_processes_share_one_file(store, tmp_path):
    """Another process saves to the same database while this one does."""
    url = store.engine.url.render_as_string(hide_password=False)
    script = textwrap.dedent(f"""
        import webob
        from webtest import TestApp
        from cookiesession import SessionMiddleware, get_session
        from cookiesession.sql import SqlSessionInterface

        def app(environ, start_response):
            get_session(environ)["n"] = get_session(environ).get("n", 0) + 1
            start_response("200 OK", [])
            return [b""]

        store = SqlSessionInterface.from_url({url!r})
        store.create_table()
        browser = TestApp(SessionMiddleware(app, {{"SECRET_KEY": {KEY!r}}},
                                             session_interface=store))
        for _ in range(100):
            browser.get("/")
    """)
    with open(tmp_path / "child.log", "wb") as log:
        child = subprocess.Popen([sys.executable, "-c", script], stdout=log, stderr=log)
        browser = TestApp(make(store))
        for i in range(100):
            browser.get(f"/set?n{i}=1")
        assert child.wait(timeout=120) == 0, (tmp_path / "child.log").read_text()
    assert len(browser.get("/show").json) == 100


def test_concurrent_saves_of_one_session_lose_nothing(store, serve):
    """20 requests of one session at once through a real server, each
    setting its own key: every key is kept."""
    import threading

    import requests

    url = serve(make(store), threads=8)
    first = requests.get(f"{url}/set?start=1")
    cookies = {"session": first.cookies["session"]}
    requests.get(f"{url}/show", cookies=cookies)  # ends the probation
    errors = []

    def set_key(i):
        try:
            requests.get(
                f"{url}/set?k{i}=1", cookies=cookies, timeout=60
            ).raise_for_status()
        except Exception as e:
            errors.append(e)

    threads = [threading.Thread(target=set_key, args=(i,)) for i in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    shown = requests.get(f"{url}/show", cookies=cookies).json()
    assert {f"k{i}" for i in range(20)} <= set(shown)


@pytest.fixture(params=["sqlite", "postgresql"])
def async_url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'sessions.db'}"
    return request.getfixturevalue("postgres").url


@pytest.mark.anyio
async def test_the_async_store_under_asgi_shares_rows_with_the_sync_one(async_url):
    """Log in over ASGI, read and revoke over WSGI on the same database."""
    import httpx
    from starlette.applications import Starlette
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    from cookiesession.asgi import SessionMiddleware as ASGISessionMiddleware
    from cookiesession.sql import AsyncSqlSessionInterface

    async def login(request):
        request.session["user"] = "ann"
        return JSONResponse(dict(request.session))

    async def show(request):
        return JSONResponse(dict(request.session))

    interface = AsyncSqlSessionInterface.from_url(async_url, user_key="user")
    await interface.create_table()
    sync = SqlSessionInterface.from_url(
        async_url.replace("+aiosqlite", ""), user_key="user"
    )
    routes = [Route("/login", login), Route("/show", show)]
    asgi = ASGISessionMiddleware(
        Starlette(routes=routes), {"SECRET_KEY": KEY}, session_interface=interface
    )
    transport = httpx.ASGITransport(asgi)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
            await http.get("/login")
            value = http.cookies["session"]
            wsgi = TestApp(make(sync))
            wsgi.set_cookie("session", value)
            assert wsgi.get("/show").json == {"user": "ann"}
            assert [s["current"] for s in await interface.list_sessions("ann")] == [
                False
            ]
            assert sync.revoke_user("ann") == 1
            assert (await http.get("/show")).json() == {}
            await http.get("/login")
            assert await interface.revoke_user("ann") == 1
            assert await interface.purge() == 0
    finally:
        await interface.engine.dispose()
        sync.metadata.drop_all(sync.engine)
        sync.engine.dispose()


@pytest.fixture
def anyio_backend():
    return "asyncio"


def test_the_sessions_command(store, clock, tmp_path, capsys):
    """create-table, list, revoke and purge with --sql and --ini; purge and
    create-table refuse Redis (exit 2)."""
    from cookiesession.cli import main

    url = store.engine.url.render_as_string(hide_password=False)
    store.metadata.drop_all(store.engine)
    assert main(["sessions", "create-table", "--sql", url]) == 0
    assert "created cookiesession_sessions" in capsys.readouterr().out
    mw = make(store)
    TestApp(mw).get("/login?user=ann")
    for _ in range(3):
        TestApp(mw).get("/form")  # bots: on probation
    ini = tmp_path / "app.ini"
    ini.write_text(
        "[app:main]\nuse = egg:myapp\n"
        f"cookiesession.secret_key = {KEY}\ncookiesession.sql_url = {url}\n"
    )
    assert main(["sessions", "list", "ann", "--ini", str(ini)]) == 0
    assert "created" in capsys.readouterr().out
    clock.advance(3601)
    assert main(["sessions", "purge", "--sql", url, "--limit", "2"]) == 0
    assert "purged 4 expired session(s)" in capsys.readouterr().out
    assert rows(store) == 0
    assert main(["sessions", "purge", "--redis", "redis://127.0.0.1:1"]) == 2
    assert main(["sessions", "list", "--sql", url]) == 2
    capsys.readouterr()


def test_an_ini_with_two_stores_is_refused(tmp_path):
    from cookiesession.settings.ini import store_choice

    with pytest.raises(ValueError, match="redis_url and cookiesession.sql_url"):
        store_choice({"REDIS_URL": "redis://x", "SQL_URL": "sqlite://"})
    kind, kwargs = store_choice(
        {"SQL_URL": "sqlite://", "TABLE_NAME": "s", "USER_KEY": "u"}
    )
    assert (kind, kwargs) == (
        "sql",
        {
            "url": "sqlite://",
            "accept_signed": False,
            "table_name": "s",
            "user_key": "u",
        },
    )


def test_a_request_with_a_regenerated_id_gets_nothing_and_saves_nothing(store):
    mw = make(store)
    browser = TestApp(mw)
    browser.get("/set?cart=tea")
    old = "session=" + browser.cookies["session"]
    browser.get("/regenerate")
    assert get(mw, "/show", old).json == {}
    with pytest.warns(RuntimeWarning, match="a login replaced moments ago"):
        response = get(mw, "/set?cart=coffee", old)
    assert "Set-Cookie" not in response.headers
    assert browser.get("/show").json == {"cart": "tea"}


def test_devices_listed_and_signed_out_one_by_one(store, clock):
    mw = make(store)
    laptop, phone, other = TestApp(mw), TestApp(mw), TestApp(mw)
    laptop.get("/set?user=ann&device=Firefox")
    clock.advance(60)
    phone.get("/set?user=ann&device=Safari")
    other.get("/login?user=bob")
    devices = store.list_sessions("ann")
    assert [d["device"] for d in devices] == ["Firefox", "Safari"]
    (bob,) = store.list_sessions("bob")
    assert store.revoke_session("ann", bob["handle"]) is False  # not hers
    assert store.revoke_session("ann", devices[0]["handle"]) is True
    assert laptop.get("/show").json == {}
    assert phone.get("/show").json["user"] == "ann"
    assert other.get("/show").json["user"] == "bob"


def test_a_signed_cookie_is_taken_over_once_and_revocation_holds(store):
    store.accept_signed = True
    mw = make(store)
    signed = "session=" + sign({"user": "ann"})
    for _ in range(5):
        assert get(mw, "/show", signed).json == {"user": "ann"}
    assert rows(store) == 2  # the session, and the record of the take-over
    assert store.revoke_user("ann") == 1
    assert get(mw, "/show", signed).json == {}


def test_a_save_is_one_transaction(store):
    browser = TestApp(make(store))
    browser.get("/login?user=ann")
    browser.get("/show")
    writes = []

    def begin(connection):
        writes.append(connection.get_execution_options().get("cookiesession_write"))

    sa.event.listen(store.engine, "begin", begin)
    browser.get("/set?cart=tea")
    assert writes.count(True) == 1  # the load reads; the save is one transaction


def test_inside_flask_with_session_transaction(store):
    import flask

    from cookiesession.flask import CookieSession

    app = flask.Flask(__name__)
    app.secret_key = KEY
    CookieSession(app, session_interface=store)

    @app.route("/me")
    def me():
        return flask.jsonify(dict(flask.session))

    client = app.test_client()
    with client.session_transaction() as session:
        session["user"] = "ann"
    assert client.get("/me").json == {"user": "ann"}
    assert len(store.list_sessions("ann")) == 1


@pytest.mark.parametrize("dialect", ["sqlite", "postgresql"])
def test_the_documented_ddl_is_what_create_table_runs(dialect):
    from importlib import import_module

    from sqlalchemy.schema import CreateIndex, CreateTable

    from cookiesession.stores.sql import make_tables

    compiled = import_module(f"sqlalchemy.dialects.{dialect}").dialect()
    docs = (Path(__file__).parent.parent / "docs" / "sql.rst").read_text()
    docs = " ".join(docs.split())
    for table in make_tables(sa.MetaData(), "cookiesession_sessions"):
        statements = [CreateTable(table), *map(CreateIndex, table.indexes)]
        for statement in statements:
            text = " ".join(str(statement.compile(dialect=compiled)).split())
            assert text.replace(", )", " )") in docs.replace(", )", " )")


def test_the_demo_on_sql_gives_a_new_id_at_login(store):
    from cookiesession.demo import make_demo_app

    demo = make_demo_app({"SECRET_KEY": KEY}, session_interface=store)
    browser = TestApp(demo)
    demo_post(browser, "/cart", {"item": "tea"})
    before = "session=" + browser.cookies["session"].strip('"')
    demo_post(browser, "/login", {"name": "ann"})
    assert "session=" + browser.cookies["session"].strip('"') != before
    assert "ann" in browser.get("/").text
    # The old id, replayed within the grace period: an empty session whose
    # writes (the page's CSRF token) are dropped, with a warning.
    with pytest.warns(RuntimeWarning, match="replaced moments ago"):
        page = TestApp(demo).get("/", headers={"Cookie": before}).text
    assert "ann" not in page


def test_purge_every_runs_a_bounded_purge_from_the_app(tmp_path, clock):
    interface = SqlSessionInterface.from_url(
        f"sqlite:///{tmp_path / 's.db'}", purge_every=3
    )
    interface.create_table()
    mw = make(interface)
    TestApp(mw).get("/form")
    TestApp(mw).get("/form")
    clock.advance(3601)  # both are past their probation
    TestApp(mw).get("/form")  # the third save purges
    assert rows(interface) == 1
    with pytest.raises(ValueError, match="purge_every"):
        SqlSessionInterface(interface.engine, purge_every=0)


def test_a_save_in_flight_never_revives_a_revoked_session(store, clock):
    """A request that loaded the session before it was revoked (or before
    it expired) saves after: nothing comes back, the cookie is deleted."""
    mw = make(store)
    browser = TestApp(mw)
    browser.get("/login?user=ann")
    browser.get("/show")
    cookie = "session=" + browser.cookies["session"]
    request = webob.Request.blank("/", headers={"Cookie": cookie})
    in_flight = store.open_session(mw, request)
    assert in_flight["user"] == "ann"
    assert store.revoke_user("ann") == 1
    in_flight["cart"] = "tea"
    response = webob.Response()
    store.save_session(mw, in_flight, response)
    assert response.headers["Set-Cookie"].startswith("session=; ")
    assert rows(store) == 0
    # An expired row met by a save is deleted, not brought back.
    browser.get("/login?user=bob")
    browser.get("/show")
    cookie = "session=" + browser.cookies["session"]
    request = webob.Request.blank("/", headers={"Cookie": cookie})
    in_flight = store.open_session(mw, request)
    clock.advance(32 * 86400)  # past PERMANENT_SESSION_LIFETIME's TTL
    in_flight["cart"] = "tea"
    store.save_session(mw, in_flight, webob.Response())
    assert rows(store) == 0
