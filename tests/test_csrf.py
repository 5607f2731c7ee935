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
from cookiesession.csrf import unmasked_csrf_token
from tests.helpers import KEY, make_middleware


def test_token_is_made_once_and_masked_on_every_call():
    session = Session()
    token = csrf_token(session)
    assert len(token) == 80
    secret = session["_csrft_"]
    assert len(secret) == 40
    masked = {csrf_token(session) for _ in range(50)}
    assert len(masked) == 50  # no two pages carry the same bytes (BREACH)
    assert session["_csrft_"] == secret
    assert all(check_csrf_token(session, m) for m in masked)
    assert check_csrf_token(session, secret)  # Pyramid's unmasked form
    assert unmasked_csrf_token(session) == secret


def test_a_mask_of_another_token_fails_and_tampering_fails():
    session, other = Session(), Session()
    token = csrf_token(session)
    assert not check_csrf_token(other, token)
    csrf_token(other)
    assert not check_csrf_token(other, token)
    flipped = token[:-1] + ("0" if token[-1] != "0" else "1")
    assert not check_csrf_token(session, flipped)
    assert not check_csrf_token(session, "z" * 80)  # not hex


def test_a_non_hex_stored_token_is_masked_too():
    session = Session({"_csrft_": "legacy token é"})
    token = csrf_token(session)
    assert check_csrf_token(session, token)
    assert check_csrf_token(session, "legacy token é")


@pytest.mark.parametrize(
    "change",
    [
        lambda s: s.clear(),
        lambda s: s.regenerate(),
        lambda s: s.mark_authenticated(),
    ],
    ids=["clear", "regenerate", "mark_authenticated"],
)
def test_the_token_rotates(change):
    session = Session({"user_id": 1})
    token = csrf_token(session)
    change(session)
    assert not check_csrf_token(session, token)
    assert check_csrf_token(session, csrf_token(session))


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
    fresh = client.get("/").text  # safe methods pass, with a fresh mask
    assert fresh != token
    assert client.post("/", {"item": "c", "csrf_token": fresh}).text == "posted c"
    assert client.post("/", {"item": "d", "csrf_token": token}).text == "posted d"


def test_a_pyramid_token_is_valid_in_a_wsgi_app():
    with Configurator(settings={"cookiesession.secret_key": KEY}) as config:
        config.include("cookiesession.pyramid")
        config.add_route("token", "/token")
        config.add_view(
            lambda request: Response(request.session.get_csrf_token()),
            route_name="token",
        )
        config.add_route("check", "/check")
        config.add_view(
            lambda request: Response("ok"), route_name="check", require_csrf=True
        )
        pyramid = TestApp(config.make_wsgi_app())
    token = pyramid.get("/token").text
    wsgi = TestApp(wsgi_app())
    wsgi.set_cookie("session", pyramid.cookies["session"])
    assert wsgi.post("/", {"item": "x", "csrf_token": token}).text == "posted x"
    masked = wsgi.get("/").text
    assert masked != token
    check = pyramid.post("/check", {"csrf_token": masked})
    assert check.text == "ok"  # Pyramid's own check accepts our masks


# The body must reach the application whole after the middleware read a
# form token from it, whatever reads it.
FIFTY_KB = "x" * 50_000


def _bare_app(environ, start_response):
    length = int(environ.get("CONTENT_LENGTH") or 0)
    body = environ["wsgi.input"].read(length)
    get_session(environ)
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [f"{len(body)} {length}".encode()]


def _flask_app():
    import flask

    app = flask.Flask(__name__)

    @app.post("/")
    def index():
        return f"{len(flask.request.form['item'])}"

    return app.wsgi_app


def _falcon_app():
    import falcon

    class Form:
        def on_post(self, req, resp):
            form = req.get_media()
            if isinstance(form, dict):
                resp.text = str(len(form["item"]))
            else:  # multipart: the parts, streamed
                resp.text = next(str(len(p.text)) for p in form if p.name == "item")

    app = falcon.App()
    app.add_route("/", Form())
    return app


def _bottle_form_app():
    app = bottle.Bottle()

    @app.post("/")
    def index():
        return str(len(bottle.request.forms.get("item")))

    return app


def _pyramid_app():
    with Configurator() as config:
        config.add_route("index", "/")
        config.add_view(
            lambda request: Response(str(len(request.POST["item"]))),
            route_name="index",
        )
        return config.make_wsgi_app()


def _with_token(app):
    """A WSGI app whose GET hands out a token and whose POST is *app*."""

    def outer(environ, start_response):
        if environ["REQUEST_METHOD"] == "GET":
            token = csrf_token(get_session(environ))
            start_response("200 OK", [("Content-Type", "text/plain")])
            return [token.encode()]
        return app(environ, start_response)

    return TestApp(make_middleware(CSRFMiddleware(outer)))


@pytest.mark.parametrize(
    "make", [_flask_app, _falcon_app, _bottle_form_app, _pyramid_app]
)
@pytest.mark.parametrize("multipart", [False, True], ids=["urlencoded", "multipart"])
def test_the_framework_reads_the_whole_form(make, multipart):
    client = _with_token(make())
    token = client.get("/").text
    fields = {"item": FIFTY_KB, "csrf_token": token}
    if multipart:
        response = client.post("/", fields, content_type="multipart/form-data")
    else:
        response = client.post("/", fields)
    assert response.text == "50000"


def test_a_bare_app_reads_every_byte():
    client = _with_token(_bare_app)
    token = client.get("/").text
    response = client.post("/", {"item": FIFTY_KB, "csrf_token": token})
    length = int(response.request.environ["CONTENT_LENGTH"])
    assert length > 50_000
    assert response.text == f"{length} {length}"


@pytest.mark.parametrize(
    "method", ["PROPFIND", "MKCOL", "COPY", "MOVE", "LOCK", "QUERY", "BREW", "post"]
)
def test_every_method_but_the_safe_ones_needs_a_token(method):
    app = make_middleware(CSRFMiddleware(_bare_app))
    response = webob.Request.blank("/", method=method).get_response(app)
    assert response.status_int == 403


@pytest.mark.parametrize("method", ["GET", "HEAD", "OPTIONS", "TRACE"])
def test_safe_methods_pass(method):
    seen = []

    def app(environ, start_response):
        seen.append(environ["REQUEST_METHOD"])
        start_response("200 OK", [])
        return [b""]

    TestApp(make_middleware(CSRFMiddleware(app))).request("/", method=method)
    assert seen == [method]


class _Endless:
    """A body stream that counts what is read from it."""

    def __init__(self):
        self.read_bytes = 0

    def read(self, size=-1):
        size = 65536 if size < 0 else size
        self.read_bytes += size
        return b"x" * size


@pytest.mark.parametrize("declared", [True, False], ids=["length", "chunked"])
def test_a_large_form_gets_413_without_an_unbounded_read(declared):
    stream = _Endless()
    environ = webob.Request.blank("/", method="POST").environ
    environ["CONTENT_TYPE"] = "application/x-www-form-urlencoded"
    environ["wsgi.input"] = stream
    if declared:
        environ["CONTENT_LENGTH"] = str(100 * 1024 * 1024)
    else:
        environ.pop("CONTENT_LENGTH", None)
    calls = []
    app = make_middleware(CSRFMiddleware(lambda e, s: calls.append(e) or []))
    response = webob.Request(environ).get_response(app)
    assert response.status_int == 413
    assert calls == []
    assert stream.read_bytes <= 1024 * 1024 + 1
    if declared:
        assert stream.read_bytes == 0


def test_max_form_size_is_the_bound_and_a_header_token_skips_the_read():
    client = _with_token(_bare_app)
    token = client.get("/").text
    small = TestApp(
        make_middleware(CSRFMiddleware(_bare_app, max_form_size=100)),
        cookiejar=client.cookiejar,
    )
    fields = {"item": "x" * 200, "csrf_token": token}
    assert small.post("/", fields, status=413).status_int == 413
    ok = small.post("/", {"item": "x" * 200}, headers={"X-CSRF-Token": token})
    assert ok.status_int == 200
