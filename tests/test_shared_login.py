"""A Flask app, a Pyramid app and a Bottle app behind one WSGI dispatcher,
with one SECRET_KEY, share a login cookie and flash messages."""

from __future__ import annotations

import bottle
import flask
import pytest
from pyramid.config import Configurator
from pyramid.response import Response
from webtest import TestApp
from werkzeug.middleware.dispatcher import DispatcherMiddleware

from cookiesession.bottle import SessionPlugin

KEY = "one-key-for-all"


def flask_app():
    app = flask.Flask(__name__)
    app.secret_key = KEY

    @app.route("/login/<user>")
    def login(user):
        flask.session["user"] = user
        flask.flash(f"hello from flask, {user}")
        return "ok"

    @app.route("/whoami")
    def whoami():
        return {
            "user": flask.session.get("user"),
            "flashes": flask.get_flashed_messages(),
        }

    return app


def pyramid_app():
    with Configurator(settings={"cookiesession.secret_key": KEY}) as config:
        config.include("cookiesession.pyramid")

        def login(request):
            user = request.matchdict["user"]
            request.session["user"] = user
            request.session.flash(f"hello from pyramid, {user}")
            return Response("ok")

        def whoami(request):
            return Response(
                json_body={
                    "user": request.session.get("user"),
                    "flashes": request.session.pop_flash(),
                }
            )

        config.add_route("login", "/login/{user}")
        config.add_view(login, route_name="login")
        config.add_route("whoami", "/whoami")
        config.add_view(whoami, route_name="whoami")
        return config.make_wsgi_app()


def bottle_app():
    app = bottle.Bottle()
    app.install(SessionPlugin({"SECRET_KEY": KEY}))

    @app.route("/login/<user>")
    def login(user, session):
        session["user"] = user
        return "ok"

    @app.route("/whoami")
    def whoami(session):
        return {"user": session.get("user"), "flashes": []}

    return app


@pytest.fixture
def client():
    root = DispatcherMiddleware(
        flask_app(), {"/pyramid": pyramid_app(), "/bottle": bottle_app()}
    )
    return TestApp(root)


PREFIXES = {"flask": "", "pyramid": "/pyramid", "bottle": "/bottle"}


@pytest.mark.parametrize("login_via", list(PREFIXES))
def test_login_through_one_is_seen_by_the_others(client, login_via):
    client.get(f"{PREFIXES[login_via]}/login/ann-{login_via}")
    for name, prefix in PREFIXES.items():
        if name == login_via:
            continue
        assert client.get(f"{prefix}/whoami").json["user"] == f"ann-{login_via}"


def test_flash_crosses_between_flask_and_pyramid(client):
    client.get("/pyramid/login/bob")
    assert client.get("/whoami").json["flashes"] == ["hello from pyramid, bob"]
    client.get("/login/bob")
    assert client.get("/pyramid/whoami").json["flashes"] == ["hello from flask, bob"]
