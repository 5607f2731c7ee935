"""The Bottle plugin, with a real Bottle app through WebTest."""

from __future__ import annotations

import bottle
import pytest
from webtest import TestApp

from cookiesession.bottle import SessionPlugin


def make_app(**config):
    app = bottle.Bottle()
    app.install(SessionPlugin({"SECRET_KEY": "bottle-secret", **config}))

    @app.route("/show")
    def show(session):
        return {k: v for k, v in session.items() if k != "_permanent"}

    @app.route("/set/<key>/<value>")
    def set_value(key, value, session):
        session[key] = value
        return "ok"

    @app.route("/login")
    def login(session):
        session["user"] = "ann"
        bottle.redirect("/show")

    @app.route("/denied")
    def denied(session):
        session["denied"] = True
        bottle.abort(403, "no")

    @app.route("/raised")
    def raised(session):
        session["raised"] = True
        raise bottle.HTTPResponse("made", status=201, headers={"Vary": "Accept"})

    @app.route("/returned")
    def returned(session):
        session["returned"] = True
        return bottle.HTTPResponse("made", status=202)

    @app.route("/clear")
    def clear(session):
        session.clear()
        return "cleared"

    @app.route("/plain")
    def plain():
        return "no session"

    @app.route("/vary")
    def vary(session):
        bottle.response.set_header("Vary", "Accept-Encoding")
        return session.get("user", "")

    return app


@pytest.fixture
def client():
    return TestApp(make_app())


def test_set_read_clear(client):
    client.get("/set/user/ann")
    assert client.get("/show").json == {"user": "ann"}
    response = client.get("/clear")
    assert "Max-Age=0" in response.headers["Set-Cookie"]
    assert client.get("/show").json == {}


def test_redirect_carries_the_cookie(client):
    response = client.get("/login")
    assert response.status_int in (302, 303)  # 302 for HTTP/1.0 clients
    assert "session=" in response.headers["Set-Cookie"]
    assert response.headers["Vary"] == "Cookie"
    assert response.follow().json == {"user": "ann"}


def test_abort_carries_the_cookie(client):
    response = client.get("/denied", status=403)
    assert "session=" in response.headers["Set-Cookie"]
    assert client.get("/show").json == {"denied": True}


def test_raised_and_returned_http_responses(client):
    response = client.get("/raised", status=201)
    assert "session=" in response.headers["Set-Cookie"]
    assert response.headers["Vary"] == "Accept, Cookie"
    response = client.get("/returned", status=202)
    assert "session=" in response.headers["Set-Cookie"]
    assert client.get("/show").json == {"raised": True, "returned": True}


def test_vary_is_merged(client):
    response = client.get("/vary")
    assert response.headers.getall("Vary") == ["Accept-Encoding, Cookie"]


def test_routes_without_the_keyword_are_untouched(client):
    client.get("/set/user/ann")
    response = client.get("/plain")
    assert response.text == "no session"
    assert "Set-Cookie" not in response.headers
    assert "Vary" not in response.headers


def test_tampered_cookie_is_an_empty_session(client):
    client.set_cookie("session", "eyJ1c2VyIjoiZXZlIn0.AAAA.forged")
    assert client.get("/show").json == {}


def test_custom_keyword_and_duplicate_plugin():
    app = bottle.Bottle()
    app.install(SessionPlugin({"SECRET_KEY": "k"}, keyword="sess"))

    @app.route("/")
    def index(sess):
        sess["x"] = 1
        return "ok"

    assert "session=" in TestApp(app).get("/").headers["Set-Cookie"]
    with pytest.raises(bottle.PluginError, match="'sess'"):
        app.install(SessionPlugin({"SECRET_KEY": "k"}, keyword="sess"))


def test_no_secret_key():
    with pytest.warns(UserWarning, match="No SECRET_KEY is set"):
        app = make_app(SECRET_KEY=None)
    app.catchall = False  # let the error reach the test instead of a 500 page
    client = TestApp(app)
    assert client.get("/show").json == {}
    with pytest.raises(RuntimeError, match="no secret key"):
        client.get("/set/a/b")
