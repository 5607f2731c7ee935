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


def writing_app(environ, start_response):
    """Shows the session's user; ``/as/NAME`` logs NAME in."""
    session = get_session(environ)
    path = environ["PATH_INFO"]
    if path.startswith("/as/"):
        session["user"] = path[4:]
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [f"user: {session.get('user')}".encode()]


@pytest.mark.parametrize(
    ("extra_environ", "settings"),
    [
        pytest.param({}, {}, id="default-host"),
        pytest.param({"HTTP_HOST": "example.com:8080"}, {}, id="dotted-host"),
        pytest.param(
            {"HTTP_HOST": "www.example.com"},
            {"SESSION_COOKIE_DOMAIN": "example.com"},
            id="cookie-domain",
        ),
        pytest.param({}, {"SESSION_COOKIE_PATH": "/"}, id="cookie-path"),
    ],
)
def test_webtest_keeps_one_cookie_and_the_apps_writes_win(extra_environ, settings):
    """0.2 filed the block's cookie under another domain than the app's, so
    the app's later writes were shadowed by it."""
    config = {**CONFIG, **settings}
    client = TestApp(
        make_middleware(writing_app, **config), extra_environ=extra_environ
    )
    with session_transaction(client, config) as session:
        session["user"] = "ann"
    assert client.get("/").text == "user: ann"
    assert client.get("/as/bob").text == "user: bob"
    assert client.get("/").text == "user: bob"
    with session_transaction(client, config) as session:
        assert session["user"] == "bob"
        session["user"] = "cy"
    assert client.get("/").text == "user: cy"
    assert [c.name for c in client.cookiejar] == ["session"]


@pytest.mark.parametrize("flask_client", [False, True])
def test_werkzeug_keeps_one_cookie_and_the_apps_writes_win(flask_client):
    if flask_client:
        flask_app = flask.Flask(__name__)
        flask_app.wsgi_app = make_middleware(writing_app)
        client = flask_app.test_client()
    else:
        client = Client(make_middleware(writing_app))
    with session_transaction(client, CONFIG) as session:
        session["user"] = "ann"
    assert client.get("/as/bob").get_data(as_text=True) == "user: bob"
    assert client.get("/").get_data(as_text=True) == "user: bob"
    with session_transaction(client, CONFIG) as session:
        assert session["user"] == "bob"
    assert [c.key for c in client._cookies.values()] == ["session"]


def test_falcons_test_client():
    """Falcon's client keeps no cookies: the session cookie becomes a
    default header, beside the test's own headers and cookies."""
    import falcon
    import falcon.testing

    class Profile:
        def on_get(self, req, resp):
            resp.text = f"user: {get_session(req.env).get('user')}"

    falcon_app = falcon.App()
    falcon_app.add_route("/", Profile())
    client = falcon.testing.TestClient(
        make_middleware(falcon_app),
        headers={"X-Test": "1", "Cookie": "theme=dark"},
    )
    with session_transaction(client, CONFIG) as session:
        assert session == {}
        session["user"] = "ann"
    assert client.simulate_get("/").text == "user: ann"
    with session_transaction(client, CONFIG) as session:
        assert session == {"user": "ann"}
        session["user"] = "bob"
    result = client.simulate_get("/")
    assert result.text == "user: bob"
    assert "Set-Cookie" not in result.headers  # the cookie is valid as sent
    with session_transaction(client, CONFIG) as session:
        session.clear()
    assert client.simulate_get("/").text == "user: None"
    assert client._default_headers == {"X-Test": "1", "Cookie": "theme=dark"}


def test_an_unknown_client_is_a_type_error():
    with pytest.raises(TypeError, match="not object"):
        session_transaction(object(), CONFIG)
