"""Flash messages: Flask's semantics and layout, across frameworks."""

from __future__ import annotations

import warnings

import bottle
import flask
import pytest
import webob
from pyramid.config import Configurator
from pyramid.response import Response
from webtest import TestApp

from cookiesession import (
    NullSession,
    Session,
    flash,
    get_flashed_messages,
    get_session,
)
from cookiesession.bottle import SessionPlugin
from tests.helpers import KEY, cookie_of, get, make_middleware


def test_flask_semantics_in_one_request():
    session = Session()
    flash(session, "saved")
    flash(session, "careful", "warning")
    assert session["_flashes"] == [("message", "saved"), ("warning", "careful")]
    assert get_flashed_messages(session) == ["saved", "careful"]
    assert "_flashes" not in session  # taken out of the session
    # Later calls in the same request see the same list.
    assert get_flashed_messages(session, with_categories=True) == [
        ("message", "saved"),
        ("warning", "careful"),
    ]


def test_a_category_filter_removes_the_others_too():
    """Flask's rule: filtering still takes every message out."""
    session = Session()
    flash(session, "a")
    flash(session, "b", "error")
    assert get_flashed_messages(session, category_filter=["error"]) == ["b"]
    assert "_flashes" not in session
    assert get_flashed_messages(Session(), category_filter=["error"]) == []


def test_no_messages_marks_nothing_modified():
    session = Session({"user": "ann"})
    assert get_flashed_messages(session) == []
    assert not session.modified


def test_null_session_refuses_to_flash():
    with pytest.raises(RuntimeError, match="no secret key"):
        flash(NullSession(), "x")
    assert get_flashed_messages(NullSession()) == []


def wsgi_app():
    def app(environ, start_response):
        request = webob.Request(environ)
        session = get_session(environ)
        if request.path == "/flash":
            flash(session, "from wsgi", "info")
            body = "ok"
        else:
            body = repr(get_flashed_messages(session, with_categories=True))
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [body.encode()]

    return make_middleware(app)


def flask_app():
    app = flask.Flask(__name__)
    app.secret_key = KEY

    @app.route("/flash")
    def do_flash():
        flask.flash("from flask", "info")
        return "ok"

    @app.route("/show")
    def show():
        return repr(flask.get_flashed_messages(with_categories=True))

    return app


def pyramid_app():
    with Configurator(settings={"cookiesession.secret_key": KEY}) as config:
        config.include("cookiesession.pyramid")

        def do_flash(request):
            request.session.flash("from pyramid", "info")
            return Response("ok")

        def show(request):
            return Response(repr(get_flashed_messages(request.session, True)))

        config.add_route("flash", "/flash")
        config.add_view(do_flash, route_name="flash")
        config.add_route("show", "/show")
        config.add_view(show, route_name="show")
        return config.make_wsgi_app()


def bottle_app():
    app = bottle.Bottle()
    app.install(SessionPlugin({"SECRET_KEY": KEY}))

    @app.route("/flash")
    def do_flash(session):
        flash(session, "from bottle", "info")
        return "ok"

    @app.route("/show")
    def show(session):
        return repr(get_flashed_messages(session, with_categories=True))

    return app


APPS = {
    "wsgi": wsgi_app,
    "flask": flask_app,
    "pyramid": pyramid_app,
    "bottle": bottle_app,
}


@pytest.mark.parametrize("shower", list(APPS))
@pytest.mark.parametrize("flasher", list(APPS))
def test_a_message_flashed_by_one_is_shown_by_another(flasher, shower):
    source, target = TestApp(APPS[flasher]()), TestApp(APPS[shower]())
    source.get("/flash")
    cookie = "session=" + source.cookies["session"]
    shown = target.get("/show", headers={"Cookie": cookie})
    assert shown.text == f"[('info', 'from {flasher}')]"
    after = cookie_of(shown)  # the session without the message (or deleted)
    headers = {"Cookie": after} if after and after != "session=" else {}
    assert target.get("/show", headers=headers).text == "[]"  # shown once


def test_unread_messages_are_capped_with_one_warning():
    session = Session()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for n in range(100):
            flash(session, f"m{n}")
    with pytest.warns(UserWarning, match="1 unread flash message") as caught:
        flash(session, "m100")
    assert len(caught) == 1
    messages = get_flashed_messages(Session(dict(session.items())))
    assert len(messages) == 100
    assert messages[0] == "m1"
    assert messages[-1] == "m100"


def test_268_unread_messages_keep_the_cookie_under_4_kb():
    app = make_middleware(_flashing_app)
    cookie = None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for _ in range(268):
            response = get(app, "/", cookie)
            cookie = cookie_of(response) or cookie
    assert len(cookie) < 4096
    assert len(response.headers["Set-Cookie"]) < 4093


def test_one_message_larger_than_the_cap_is_kept_alone():
    session = Session()
    flash(session, "x" * 5000)
    with pytest.warns(UserWarning, match="dropped"):
        flash(session, "y" * 5000)
    assert [m[:1] for m in get_flashed_messages(session)] == ["y"]


def _flashing_app(environ, start_response):
    flash(get_session(environ), "Saved, and never shown.")
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"ok"]
