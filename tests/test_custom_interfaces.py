"""A custom session interface, the extension point Flask users know: its
own session class, no secret key, under every WSGI driver (DESIGN §4)."""

from __future__ import annotations

import secrets
import warnings

import bottle
import pytest
import webob
from pyramid.config import Configurator
from pyramid.interfaces import ISession
from pyramid.response import Response
from webtest import TestApp
from zope.interface.verify import verifyObject

from cookiesession import SessionInterface, SessionMiddleware, get_session
from cookiesession.bottle import SessionPlugin
from cookiesession.pyramid import CookieSessionFactory
from tests.helpers import KEY

STORE: dict[str, dict] = {}


class DictSession(dict):
    """Flask's usual pattern: a dict subclass with SessionMixin's flags."""

    def __init__(self, initial=None, sid=None, new=False):
        super().__init__(initial or {})
        self.sid, self.new, self.modified, self.accessed = sid, new, False, False
        self.permanent = False

    def __setitem__(self, key, value):
        super().__setitem__(key, value)
        self.modified = True

    def shout(self):
        return f"session {self.sid}"


class MemoryInterface(SessionInterface):
    """A server-side interface that needs no secret key."""

    session_class = DictSession

    def __init__(self):
        self.opened = 0
        self.saved = []

    def open_session(self, app, request):
        assert isinstance(request, webob.Request)
        self.opened += 1
        sid = request.cookies.get("sid")
        if sid in STORE:
            return DictSession(STORE[sid], sid=sid)
        return DictSession(sid=secrets.token_hex(8), new=True)

    def save_session(self, app, session, response):
        self.saved.append(session)
        if session.modified:
            STORE[session.sid] = dict(session)
            response.set_cookie("sid", session.sid, path="/")


def wsgi_app(environ, start_response):
    session = environ["cookiesession.session"]
    assert isinstance(session, DictSession)  # before its first use
    assert session.shout().startswith("session ")  # its own method
    session["visits"] = session.get("visits", 0) + 1
    assert get_session(environ) is session
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [str(session["visits"]).encode()]


@pytest.mark.parametrize(
    "key", [pytest.param(KEY, id="key"), pytest.param(None, id="no-key")]
)
def test_middleware_uses_the_interfaces_own_class(key):
    interface = MemoryInterface()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no "sessions are disabled" warning
        app = SessionMiddleware(
            wsgi_app, {"SECRET_KEY": key}, session_interface=interface
        )
    client = TestApp(app)
    assert client.get("/").text == "1"
    assert client.get("/").text == "2"
    assert interface.opened == 2  # once per request
    assert all(type(s) is DictSession for s in interface.saved)  # the real object


def test_untouched_custom_session_is_never_opened():
    """Unless a refresh may be due: the base rule asks whenever
    SESSION_REFRESH_EACH_REQUEST is on (override needs_refresh_for)."""
    interface = MemoryInterface()

    def untouched(environ, start_response):
        start_response("200 OK", [])
        return [b""]

    config = {"SESSION_REFRESH_EACH_REQUEST": False}
    client = TestApp(SessionMiddleware(untouched, config, session_interface=interface))
    client.get("/")
    assert interface.opened == 0


def test_bottle_without_a_key_calls_the_custom_interface():
    interface = MemoryInterface()
    app = bottle.Bottle()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        app.install(SessionPlugin({}, session_interface=interface))

    @app.route("/")
    def index(session):
        assert isinstance(session, DictSession)
        session["n"] = session.get("n", 0) + 1
        return str(session["n"])

    client = TestApp(app)
    assert client.get("/").text == "1"
    assert client.get("/").text == "2"


def pyramid_app(view, **settings):
    with Configurator(settings=settings) as config:
        config.set_session_factory(CookieSessionFactory({"SECRET_KEY": KEY}))
        config.add_route("view", "/")
        config.add_view(view, route_name="view")
        return config.make_wsgi_app()


def test_pyramid_isession_on_a_session_never_used():
    """Pyramid's own check, on a session no view has touched yet."""
    seen = []

    def view(request):
        session = request.session
        verifyObject(ISession, session)
        seen.append(session.created)
        return Response("ok")

    TestApp(pyramid_app(view)).get("/")
    assert isinstance(seen[0], int)


def test_pyramid_changed_on_an_unused_session_writes():
    def view(request):
        request.session.changed()
        return Response("ok")

    response = TestApp(pyramid_app(view)).get("/")
    # An empty session that changed: the cookie is deleted, so a header is
    # written (the change was seen).
    assert any(h.startswith("session=") for h in response.headers.getall("Set-Cookie"))


def test_pyramid_custom_interface_without_a_key():
    interface = MemoryInterface()
    factory = CookieSessionFactory({}, session_interface=interface)
    assert interface.session_class is DictSession  # the given object unchanged

    def view(request):
        request.session["n"] = request.session.get("n", 0) + 1
        return Response(str(request.session["n"]))

    with Configurator() as config:
        config.set_session_factory(factory)
        config.add_route("view", "/")
        config.add_view(view, route_name="view")
        client = TestApp(config.make_wsgi_app())
    assert client.get("/").text == "1"
    assert client.get("/").text == "2"


def test_a_02_needs_refresh_override_still_works_with_a_warning():
    from cookiesession import SecureCookieSessionInterface

    class Old(SecureCookieSessionInterface):
        def needs_refresh(self, app, environ):
            self.asked = environ["HTTP_COOKIE"]
            return False

    interface = Old()

    def untouched(environ, start_response):
        start_response("200 OK", [])
        return [b""]

    app = SessionMiddleware(untouched, {"SECRET_KEY": KEY}, session_interface=interface)
    with pytest.warns(DeprecationWarning, match="needs_refresh_for"):
        webob.Request.blank("/", headers={"Cookie": "a=b"}).get_response(app)
    assert interface.asked == "a=b"
