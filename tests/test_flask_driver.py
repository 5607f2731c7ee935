"""cookiesession inside Flask: ``CookieSession(app)`` behind
``flask.session``, byte-identical to Flask's own cookies by default, lazy,
with every interface and the Flask ecosystem."""

from __future__ import annotations

import datetime as dt

import flask
import pytest
from webtest import TestApp

from cookiesession import (
    InvalidSetting,
    SessionMiddleware,
    SessionStoreError,
    get_session,
)
from cookiesession.crypto import EncryptedCookieSessionInterface
from cookiesession.flask import CookieSession
from cookiesession.redis import RedisSessionInterface
from tests.helpers import KEY, HMACCounter

pytestmark = pytest.mark.filterwarnings("error")


def make_app(use=True, interface=None, **config):
    app = flask.Flask(__name__)
    app.secret_key = KEY
    app.testing = True
    app.config.update(config)

    @app.route("/set")
    def set_():
        flask.session["user"] = flask.request.args.get("user", "ann")
        return "ok"

    @app.route("/permanent")
    def permanent():
        flask.session.permanent = True
        flask.session["user"] = "ann"
        return "ok"

    @app.route("/show")
    def show():
        return flask.jsonify(dict(flask.session))

    @app.route("/clear")
    def clear():
        flask.session.clear()
        return "ok"

    @app.route("/untouched")
    def untouched():
        return "untouched"

    if use:
        CookieSession(app, session_interface=interface)
    return app


@pytest.fixture
def fixed_time(clock, monkeypatch):
    """Flask reads datetime.now() for a permanent cookie's expiry."""

    class Frozen(dt.datetime):
        @classmethod
        def now(cls, tz=None):
            return dt.datetime.fromtimestamp(clock.now, tz)

    monkeypatch.setattr("flask.sessions.datetime", Frozen)
    return clock


def headers(app, path, cookie=None):
    client = app.test_client()
    if cookie:
        client.set_cookie("session", cookie)
    response = client.get(path)
    return response.headers.getlist("Set-Cookie"), response.headers.get("Vary")


@pytest.mark.parametrize("path", ["/set", "/permanent", "/clear", "/untouched"])
@pytest.mark.parametrize(
    "config",
    [
        pytest.param({}, id="defaults"),
        pytest.param({"SECRET_KEY_FALLBACKS": ["old"]}, id="fallbacks"),
        pytest.param(
            {"SESSION_COOKIE_SAMESITE": "Lax", "SESSION_COOKIE_SECURE": True},
            id="attributes",
        ),
    ],
)
def test_headers_are_byte_identical_to_flasks(fixed_time, path, config):
    cookie = flask_cookie({"user": "bob"}) if path == "/clear" else None
    ours = headers(make_app(True, **config), path, cookie)
    theirs = headers(make_app(False, **config), path, cookie)
    assert ours == theirs


def flask_cookie(data):
    app = make_app(False)
    with app.test_request_context():
        return app.session_interface.get_signing_serializer(app).dumps(data)


def test_cache_control_is_the_one_header_added(fixed_time):
    response = make_app().test_client().get("/set")
    assert response.headers["Cache-Control"] == "private"
    assert "Cache-Control" not in make_app(False).test_client().get("/set").headers


def test_cookies_cross_between_flask_cookiesession_and_the_middleware():
    plain, ours = make_app(False).test_client(), make_app().test_client()
    plain.get("/set?user=ann")
    value = plain.get_cookie("session").value
    ours.set_cookie("session", value)
    assert ours.get("/show").json == {"user": "ann"}
    ours.get("/set?user=bob")

    def wsgi(environ, start_response):
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [get_session(environ)["user"].encode()]

    middleware = TestApp(SessionMiddleware(wsgi, {"SECRET_KEY": KEY}))
    middleware.set_cookie("session", ours.get_cookie("session").value)
    assert middleware.get("/").text == "bob"


def test_untouched_and_static_requests_check_nothing(monkeypatch):
    app = make_app(static_folder=None)
    client = app.test_client()
    client.get("/set")
    counter = HMACCounter(monkeypatch)
    client.get("/untouched")
    client.get("/static/missing.css")
    assert counter.count == 0
    assert client.get("/show").json == {"user": "ann"}
    assert counter.count == 1


def test_untouched_requests_make_no_store_call(redis_client):
    from tests.test_redis import Counting

    counting = Counting(redis_client)
    app = make_app(interface=RedisSessionInterface(counting))
    client = app.test_client()
    client.get("/set")
    client.get("/show")
    counting.round_trips = 0
    for _ in range(5):
        client.get("/untouched")
    assert counting.round_trips == 0


def test_a_permanent_session_is_refreshed_on_every_request_as_flask_does(clock):
    client = make_app().test_client()
    client.get("/permanent")
    assert client.get("/untouched").headers.getlist("Set-Cookie")
    quiet = make_app(SESSION_REFRESH_AFTER=60).test_client()
    quiet.get("/permanent")
    assert not quiet.get("/untouched").headers.getlist("Set-Cookie")


def test_settings_set_late_are_followed_and_checked():
    app = make_app()
    app.secret_key = None
    assert app.test_client().get("/untouched").text == "untouched"
    with pytest.raises(RuntimeError, match="no secret key"):
        app.test_client().get("/set")
    app.secret_key = KEY
    client = app.test_client()
    client.get("/set")
    assert client.get("/show").json == {"user": "ann"}
    app.config["SESSION_IDLE_TIMEOUT"] = "soon"
    with pytest.raises(InvalidSetting, match="SESSION_IDLE_TIMEOUT"):
        client.get("/show")


def test_bad_settings_fail_at_init_app():
    app = flask.Flask(__name__)
    app.config["SESSION_ABSOLUTE_TIMEOUT"] = -5
    with pytest.raises(InvalidSetting, match="SESSION_ABSOLUTE_TIMEOUT"):
        CookieSession(app)


def test_which_keys_warn():
    app = flask.Flask(__name__)
    app.config.update(SESSION_PROTECTION="strong", SESSION_IDLE_TIMOUT=60)
    with pytest.warns(UserWarning, match="SESSION_IDLE_TIMEOUT") as caught:
        CookieSession(app)
    assert len(caught) == 1
    app = flask.Flask(__name__)
    app.config.update(SESSION_TYPE="redis", SESSION_USE_SIGNER=True)
    with pytest.warns(UserWarning, match="SESSION_TYPE, SESSION_USE_SIGNER"):
        CookieSession(app)


def test_timeouts_and_recent_authentication_through_flask_session(clock):
    app = make_app(SESSION_IDLE_TIMEOUT=600)

    @app.route("/login")
    def login():
        flask.session.regenerate()
        flask.session["user"] = "ann"
        flask.session.mark_authenticated()
        return "ok"

    @app.route("/sudo")
    def sudo():
        return str(flask.session.authenticated_within(300))

    client = app.test_client()
    client.get("/login")
    clock.advance(200)
    assert client.get("/sudo").text == "True"
    clock.advance(400)
    assert client.get("/sudo").text == "False"
    clock.advance(601)
    assert client.get("/show").json == {}


@pytest.mark.parametrize("kind", ["signed", "encrypted", "redis"])
def test_every_interface_with_flash_and_session_transaction(kind, request):
    interface = {
        "signed": lambda: None,
        "encrypted": EncryptedCookieSessionInterface,
        "redis": lambda: RedisSessionInterface(request.getfixturevalue("redis_client")),
    }[kind]()
    app = make_app(interface=interface)

    @app.route("/flash")
    def flash():
        flask.flash("saved", "info")
        return "ok"

    @app.route("/messages")
    def messages():
        return flask.jsonify(flask.get_flashed_messages(with_categories=True))

    client = app.test_client()
    client.get("/flash")
    assert client.get("/messages").json == [["info", "saved"]]
    with client.session_transaction() as session:
        session["user"] = "cy"
    shown = client.get("/show").json
    shown.pop("_created", None)  # the encrypted interface seals it inside
    assert shown == {"user": "cy"}
    client.get("/set?user=dee")
    with client.session_transaction() as session:
        assert session["user"] == "dee"


def test_a_custom_interface_gets_a_webob_request_and_a_response_like():
    import webob

    from cookiesession import SecureCookieSessionInterface

    seen = []

    class Custom(SecureCookieSessionInterface):
        def open_session(self, app, request):
            seen.append(type(request))
            return super().open_session(app, request)

        def save_session(self, app, session, response):
            seen.append(callable(response.set_cookie) and hasattr(response, "vary"))
            super().save_session(app, session, response)

    client = make_app(interface=Custom()).test_client()
    client.get("/set")
    assert client.get("/show").json == {"user": "ann"}
    assert seen[:2] == [webob.Request, True]


def test_redis_down_is_a_store_error_the_app_can_answer(tmp_path):
    """A load fails inside the view: the app's error handler answers. A
    save fails after it, where Flask answers 500 itself."""
    import redis
    from redis.backoff import NoBackoff
    from redis.retry import Retry

    from tests.test_redis import _id_cookie

    dead = redis.Redis(
        unix_socket_path=str(tmp_path / "none.sock"),
        socket_timeout=1,
        retry=Retry(NoBackoff(), 0),
    )
    app = make_app(interface=RedisSessionInterface(dead))
    app.testing = False

    @app.errorhandler(SessionStoreError)
    def unavailable(error):
        return "Sessions are unavailable, try again shortly.", 503

    client = app.test_client()
    client.set_cookie("session", _id_cookie("s" * 43, False))
    assert client.get("/show").status_code == 503
    client.delete_cookie("session")
    assert client.get("/set").status_code == 500


def test_flask_login_flows():
    import flask_login

    app = make_app()
    manager = flask_login.LoginManager(app)

    class User(flask_login.UserMixin):
        def __init__(self, user_id):
            self.id = user_id

    manager.user_loader(User)

    @app.route("/login")
    def login():
        flask_login.login_user(User("ann"), remember=True)
        return "ok"

    @app.route("/me")
    def me():
        user_id = getattr(flask_login.current_user, "id", None)  # loads the user
        return f"{user_id} {flask.session.get('_fresh')}"

    @app.route("/logout")
    def logout():
        flask_login.logout_user()
        return "ok"

    client = app.test_client()
    response = client.get("/login")
    assert any(
        c.startswith("remember_token=") for c in response.headers.getlist("Set-Cookie")
    )
    assert client.get("/me").text == "ann True"
    client.delete_cookie("session")  # the session gone: remember-me logs in again
    assert client.get("/me").text == "ann False"
    client.get("/logout")
    assert client.get("/me").text == "None None"


def test_flask_wtf_csrf():
    import flask_wtf
    from flask_wtf.csrf import generate_csrf

    app = make_app(WTF_CSRF_ENABLED=True)
    flask_wtf.CSRFProtect(app)

    @app.route("/form", methods=["GET", "POST"])
    def form():
        return generate_csrf() if flask.request.method == "GET" else "posted"

    client = app.test_client()
    token = client.get("/form").text
    assert client.post("/form").status_code == 400
    assert client.post("/form", data={"csrf_token": token}).text == "posted"
