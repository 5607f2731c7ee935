"""Beaker's session methods (``save()``, ``delete()``, ``invalidate()``,
``id``) on cookie sessions, encrypted ones and a store, through the
middleware: code written for Beaker runs unchanged."""

from __future__ import annotations

import json

import pytest
import webob
from webtest import TestApp

from cookiesession import NullSession, Session, SessionMiddleware, get_session
from tests.helpers import KEY


def beaker_app(environ, start_response):
    """Written as for Beaker: nested changes, then ``save()``."""
    request = webob.Request(environ)
    session = get_session(environ)
    if request.path == "/add":
        session.setdefault("cart", [])
        session["cart"].append(request.params["item"])  # unseen until save()
        session.save()
    elif request.path == "/nested":
        session["cart"].append("unsaved")  # no save(): not written
    elif request.path == "/delete":
        session.delete()
    elif request.path == "/invalidate":
        session.invalidate()
        session["user"] = "bob"
        session.save()
    # Encrypted sessions keep "_created" among their data: not shown here.
    data = {key: value for key, value in session.items() if key[0] != "_"}
    body = json.dumps({"data": data, "id": session.id}).encode()
    start_response("200 OK", [("Content-Type", "application/json")])
    return [body]


def interfaces():
    yield pytest.param(None, id="signed")
    yield pytest.param("encrypted", id="encrypted")
    yield pytest.param("sql", id="sql")


@pytest.fixture(params=interfaces())
def browser(request, tmp_path):
    interface = None
    if request.param == "encrypted":
        pytest.importorskip("cryptography")
        from cookiesession.crypto import EncryptedCookieSessionInterface

        interface = EncryptedCookieSessionInterface()
    elif request.param == "sql":
        pytest.importorskip("sqlalchemy")
        from cookiesession.sql import SqlSessionInterface

        interface = SqlSessionInterface.from_url(
            f"sqlite:///{tmp_path / 's.db'}", user_key="user"
        )
        interface.create_table()
    app = SessionMiddleware(
        beaker_app, {"SECRET_KEY": KEY}, session_interface=interface
    )
    return TestApp(app)


def test_save_writes_a_nested_change(browser):
    browser.get("/add?item=tea")
    browser.get("/add?item=milk")
    assert browser.get("/").json["data"] == {"cart": ["tea", "milk"]}
    browser.get("/nested")
    assert browser.get("/").json["data"] == {"cart": ["tea", "milk"]}


def test_delete_ends_the_session_and_deletes_the_cookie(browser):
    browser.get("/add?item=tea")
    old = browser.cookies["session"]
    response = browser.get("/delete")
    assert "Max-Age=0" in response.headers["Set-Cookie"]
    assert "session" not in browser.cookies
    browser.set_cookie("session", old)  # the old cookie, replayed
    stored = browser.app.session_interface.server_side
    # A stored session ends at once; a cookie holds its own data.
    expected = {} if stored else {"cart": ["tea"]}
    assert browser.get("/").json["data"] == expected


def test_invalidate_starts_a_new_session(browser):
    browser.get("/add?item=tea")
    before = browser.get("/").json["id"]
    assert browser.get("/invalidate").json["data"] == {"user": "bob"}
    after = browser.get("/").json
    assert after["data"] == {"user": "bob"}
    if browser.app.session_interface.server_side:
        assert before is not None
        assert after["id"] not in (None, before)
    else:
        assert before is None
        assert after["id"] is None


def test_id_is_the_device_list_handle(tmp_path):
    pytest.importorskip("sqlalchemy")
    from cookiesession.sql import SqlSessionInterface

    interface = SqlSessionInterface.from_url(
        f"sqlite:///{tmp_path / 's.db'}", user_key="user"
    )
    interface.create_table()
    browser = TestApp(
        SessionMiddleware(beaker_app, {"SECRET_KEY": KEY}, session_interface=interface)
    )
    browser.get("/invalidate")
    handle = browser.get("/").json["id"]
    [listed] = interface.list_sessions("bob")
    assert listed["handle"] == handle


def test_a_new_session_has_no_id_and_save_marks_it():
    session = Session()
    assert session.id is None
    session.save()
    assert session.modified
    assert session.accessed


def test_the_null_session_refuses_save_delete_and_invalidate():
    session = NullSession()
    for method in (session.save, session.delete, session.invalidate):
        with pytest.raises(RuntimeError, match="SECRET_KEY"):
            method()
