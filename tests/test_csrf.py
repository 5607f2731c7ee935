"""CSRF tokens: one token for Pyramid, Bottle and bare WSGI apps."""

from __future__ import annotations

import bottle
import pytest
import webob
from pyramid.config import Configurator
from pyramid.response import Response
from webtest import TestApp

from cookiesession import (
    CSRFMiddleware,
    Session,
    check_csrf_token,
    csrf_token,
    get_session,
)
from cookiesession.bottle import SessionPlugin
from tests.helpers import KEY, make_middleware


def test_token_is_made_once_and_checked():
    session = Session()
    token = csrf_token(session)
    assert len(token) == 40
    assert csrf_token(session) == token
    assert session["_csrft_"] == token
    assert check_csrf_token(session, token)


@pytest.mark.parametrize("given", [None, "", "x" * 40, "short"])
def test_bad_tokens_fail(given):
    session = Session()
    csrf_token(session)
    assert not check_csrf_token(session, given)


def test_no_token_in_the_session_fails_and_makes_none():
    session = Session()
    assert not check_csrf_token(session, "anything")
    assert "_csrft_" not in session


def wsgi_app():
    def app(environ, start_response):
        request = webob.Request(environ)
        session = get_session(environ)
        if request.method == "POST":
            body = f"posted {request.POST.get('item')}"
        else:
            body = csrf_token(session)
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [body.encode()]

    return make_middleware(CSRFMiddleware(app))


def bottle_app():
    app = bottle.Bottle()
    app.install(SessionPlugin({"SECRET_KEY": KEY}, require_csrf=True))

    @app.route("/", method=["GET", "POST"])
    def index(session):
        if bottle.request.method == "POST":
            return f"posted {bottle.request.forms.get('item')}"
        return csrf_token(session)

    return app


@pytest.mark.parametrize("make", [wsgi_app, bottle_app], ids=["wsgi", "bottle"])
def test_unsafe_methods_need_the_token(make):
    client = TestApp(make())
    token = client.get("/").text
    assert client.post("/", {"item": "a"}, status=403).status_int == 403
    bad = {"item": "a", "csrf_token": "0" * 40}
    assert client.post("/", bad, status=403).status_int == 403
    ok = client.post("/", {"item": "a", "csrf_token": token})
    assert ok.text == "posted a"  # the app still reads the form
    headers = {"X-CSRF-Token": token}
    assert client.post("/", {"item": "b"}, headers=headers).text == "posted b"
    assert client.get("/").text == token  # safe methods pass


def test_a_pyramid_token_is_valid_in_a_wsgi_app():
    with Configurator(settings={"cookiesession.secret_key": KEY}) as config:
        config.include("cookiesession.pyramid")
        config.add_route("token", "/token")
        config.add_view(
            lambda request: Response(request.session.get_csrf_token()),
            route_name="token",
        )
        pyramid = TestApp(config.make_wsgi_app())
    token = pyramid.get("/token").text
    wsgi = TestApp(wsgi_app())
    wsgi.set_cookie("session", pyramid.cookies["session"])
    assert wsgi.post("/", {"item": "x", "csrf_token": token}).text == "posted x"
    assert wsgi.get("/").text == token
