"""cookiesession.testing: make, read and change sessions in tests."""

from __future__ import annotations

import flask
import pytest
import webob
from webtest import TestApp
from werkzeug.test import Client

from cookiesession import Config, get_session
from cookiesession.testing import load_session, session_cookie, session_transaction
from tests.helpers import KEY, make_middleware

CONFIG = {"SECRET_KEY": KEY}


def app(environ, start_response):
    session = get_session(environ)
    body = f"user: {session.get('user')}".encode()
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [body]


def test_session_cookie_and_load_session_round_trip():
    value = session_cookie(CONFIG, {"user": "ann", "pair": (1, 2)})
    assert load_session(CONFIG, value) == {"user": "ann", "pair": (1, 2)}
    client = TestApp(make_middleware(app))
    client.set_cookie("session", value)
    assert client.get("/").text == "user: ann"


@pytest.mark.parametrize("value", ["", "garbage", "a.b.c"])
def test_load_session_raises_on_an_invalid_cookie(value):
    with pytest.raises(ValueError, match="invalid"):
        load_session(CONFIG, value)


def test_load_session_applies_the_timeouts(clock):
    config = {**CONFIG, "SESSION_IDLE_TIMEOUT": 60}
    value = session_cookie(config, {"user": "ann"})
    clock.advance(61)
    with pytest.raises(ValueError, match="expired"):
        load_session(config, value)


def test_session_transaction_with_webtest():
    client = TestApp(make_middleware(app))
    with session_transaction(client, CONFIG) as session:
        assert session == {}
        session["user"] = "ann"
    assert client.get("/").text == "user: ann"
    with session_transaction(client, CONFIG) as session:
        assert session == {"user": "ann"}
        session.clear()
    assert "session" not in client.cookies
    assert client.get("/").text == "user: None"


def test_session_transaction_with_werkzeugs_client():
    client = Client(make_middleware(app))
    with session_transaction(client, Config(defaults=CONFIG)) as session:
        session["user"] = "bob"
    assert client.get("/").get_data(as_text=True) == "user: bob"
    with session_transaction(client, CONFIG) as session:
        session.clear()
    assert client.get_cookie("session") is None


def test_session_transaction_with_a_flask_client():
    """Flask's own test client, with a Flask app sharing the cookie."""
    flask_app = flask.Flask(__name__)
    flask_app.secret_key = KEY

    @flask_app.route("/")
    def index():
        return f"user: {flask.session.get('user')}"

    client = flask_app.test_client()
    with session_transaction(client, CONFIG) as session:
        session["user"] = "cy"
    assert client.get("/").get_data(as_text=True) == "user: cy"


def test_a_tampered_cookie_gives_an_empty_session():
    client = TestApp(make_middleware(app))
    client.set_cookie("session", "tampered.value.here")
    with session_transaction(client, CONFIG) as session:
        assert session == {}
    request = webob.Request.blank("/")
    assert request.get_response(make_middleware(app)).text == "user: None"
