from __future__ import annotations

import json
import sys
from datetime import timedelta

import pytest
import webob
from webtest import TestApp

from cookiesession import (
    Config,
    SecureCookieSessionInterface,
    Session,
    SessionInterface,
    SessionMiddleware,
    get_session,
)
from cookiesession.middleware import ResponseHeaders
from cookiesession.wire.cookies import format_set_cookie
from cookiesession.wire.signed import KeyedHMAC
from tests.helpers import KEY, cookie_of, get, make_middleware, set_cookies, sign


def session_app(environ, start_response):
    """Runs the ``op`` query parameter against the session and shows it."""
    request = webob.Request(environ)
    op = request.params.get("op", "show")
    status = "200 OK"
    headers = [("Content-Type", "application/json")]
    if op == "untouched":
        start_response(status, headers)
        return [b"untouched"]
    session = get_session(environ)
    if op == "set":
        for key, value in request.params.items():
            if key != "op":
                session[key] = value
    elif op == "permanent":
        session.permanent = True
        session["user"] = "ann"
    elif op == "clear":
        session.clear()
    elif op == "append":
        session.setdefault("cart", []).append(request.params["item"])
        session.modified = True
    elif op == "redirect":
        session["flash"] = "moved"
        status = "302 Found"
        headers.append(("Location", "/"))
    elif op == "teapot":
        session["tea"] = "yes"
        status = "418 I'm a teapot"
        headers.append(("Set-Cookie", "other=1; Path=/"))
        headers.append(("Vary", "Accept-Encoding"))
    body = json.dumps({k: session[k] for k in session if k != "_permanent"})
    start_response(status, headers)
    return [body.encode()]


def make(app=session_app, **config):
    return make_middleware(app, **config)


request = get


def test_round_trip_set_read_modify_clear():
    client = TestApp(make())
    assert client.get("/").json == {}
    assert client.get("/?op=set&user=ann").json == {"user": "ann"}
    assert client.get("/").json == {"user": "ann"}
    client.get("/?op=append&item=apple")
    assert client.get("/?op=append&item=pear").json == {
        "cart": ["apple", "pear"],
        "user": "ann",
    }
    response = client.get("/?op=clear")
    assert response.json == {}
    assert client.cookies == {}
    assert client.get("/").json == {}


def test_exact_delete_format_set_cookie():
    cookie = "session=" + sign({"user": "ann"})
    response = request(
        make(
            SESSION_COOKIE_DOMAIN="example.org",
            SESSION_COOKIE_PATH="/app",
            SESSION_COOKIE_SECURE=True,
            SESSION_COOKIE_PARTITIONED=True,
            SESSION_COOKIE_SAMESITE="None",
        ),
        "/?op=clear",
        cookie,
    )
    assert response.headers.getall("Set-Cookie") == [
        "session=; Domain=example.org; Expires=Thu, 01 Jan 1970 00:00:00 GMT;"
        " Max-Age=0; Secure; HttpOnly; Path=/app; SameSite=None; Partitioned"
    ]
    assert response.headers["Vary"] == "Cookie"


def test_clearing_an_empty_session_deletes_without_cookie():
    response = request(make(), "/?op=clear")
    assert "Max-Age=0" in response.headers["Set-Cookie"]


def test_untouched_request_has_no_set_cookie_and_no_vary():
    cookie = "session=" + sign({"user": "ann"})
    for format_set_cookie_value in (None, cookie):
        response = request(make(), "/?op=untouched", format_set_cookie_value)
        assert "Set-Cookie" not in response.headers
        assert "Vary" not in response.headers


READS = [
    pytest.param(lambda s: s["user"], id="getitem"),
    pytest.param(lambda s: s.get("user"), id="get"),
    pytest.param(lambda s: "user" in s, id="in"),
    pytest.param(len, id="len"),
    pytest.param(bool, id="bool"),
    pytest.param(lambda s: list(iter(s)), id="iter"),
    pytest.param(lambda s: list(s.keys()), id="keys"),
    pytest.param(lambda s: list(s.items()), id="items"),
    pytest.param(lambda s: list(s.values()), id="values"),
    pytest.param(lambda s: None, id="get_session-alone"),
]


@pytest.mark.parametrize("read", READS)
def test_every_read_adds_vary_and_no_cookie(read):
    def app(environ, start_response):
        read(get_session(environ))
        start_response("200 OK", [("Vary", "Accept-Encoding")])
        return [b""]

    response = request(make(app), cookie="session=" + sign({"user": "ann"}))
    assert response.headers.getall("Vary") == ["Accept-Encoding, Cookie"]
    assert "Set-Cookie" not in response.headers


def test_redirect_other_status_and_existing_headers_kept():
    response = request(make(), "/?op=redirect")
    assert response.status_int == 302
    assert response.headers["Location"].endswith("/")
    assert cookie_of(response) is not None

    response = request(make(), "/?op=teapot")
    assert response.status_int == 418
    assert "other=1; Path=/" in response.headers.getall("Set-Cookie")
    assert cookie_of(response) is not None
    assert response.headers.getall("Vary") == ["Accept-Encoding, Cookie"]


def test_cookie_attributes_from_settings(clock):
    mw = make(
        SESSION_COOKIE_NAME="sid",
        SESSION_COOKIE_DOMAIN=".example.org",
        SESSION_COOKIE_PATH="/shop",
        SESSION_COOKIE_HTTPONLY=False,
        SESSION_COOKIE_SECURE=True,
        SESSION_COOKIE_SAMESITE="strict",
        SESSION_COOKIE_PARTITIONED=True,
    )
    header = request(mw, "/?op=set&a=1").headers["Set-Cookie"]
    value = header.split(";")[0].removeprefix("sid=")
    assert header == (
        f"sid={value}; Domain=example.org; Secure; Path=/shop; SameSite=Strict;"
        " Partitioned"
    )


def test_samesite_omitted_and_path_from_application_root():
    mw = make(SESSION_COOKIE_SAMESITE=None, APPLICATION_ROOT="/root")
    header = request(mw, "/?op=set&a=1").headers["Set-Cookie"]
    assert "SameSite" not in header
    assert header.endswith("; HttpOnly; Path=/root")


def test_non_permanent_cookie_is_a_browser_session_cookie():
    header = request(make(), "/?op=set&a=1").headers["Set-Cookie"]
    assert "Expires" not in header
    assert "Max-Age" not in header


def test_permanent_expires_and_max_age(clock):
    mw = make(PERMANENT_SESSION_LIFETIME=timedelta(days=2))
    header = request(mw, "/?op=permanent").headers["Set-Cookie"]
    assert "; Expires=Sun, 17 Jan 2027 08:00:00 GMT; Max-Age=172800;" in header


@pytest.mark.parametrize("refresh", [True, False])
def test_permanent_refresh(clock, refresh):
    mw = make(SESSION_REFRESH_EACH_REQUEST=refresh)
    first = cookie_of(request(mw, "/?op=permanent"))
    clock.advance(60)
    for op in ("show", "untouched"):
        response = request(mw, f"/?op={op}", first)
        refreshed = cookie_of(response)
        if refresh:
            assert refreshed is not None
            assert refreshed != first
            assert "Expires=Mon, 15 Feb 2027 08:01:00 GMT" in str(response.headers)
        else:
            assert refreshed is None


def test_key_rotation_reissues_with_current_key():
    old_cookie = "session=" + sign({"user": "ann"}, key="old-key")
    mw = make(SECRET_KEY="new-key", SECRET_KEY_FALLBACKS=["old-key"])
    response = request(mw, "/", old_cookie)
    assert response.json == {"user": "ann"}
    reissued = cookie_of(response)
    assert reissued is not None
    # Signed with the new key alone now.
    only_new = make(SECRET_KEY="new-key")
    assert request(only_new, "/", reissued).json == {"user": "ann"}
    # And not re-issued again.
    assert cookie_of(request(mw, "/", reissued)) is None


def _expired():
    return "session=" + sign({"user": "ann"})


BAD_COOKIES = [
    pytest.param(lambda good: good[:-3] + "abc", id="tampered-signature"),
    pytest.param(lambda good: good.replace("session=ey", "session=ez"), id="tampered"),
    pytest.param(lambda good: good[: len(good) // 2], id="truncated"),
    pytest.param(lambda good: "session=", id="empty"),
    pytest.param(lambda good: "session", id="no-equals"),
    pytest.param(lambda good: good + "é", id="non-ascii"),
    pytest.param(lambda good: good + "!", id="stray-character"),
    pytest.param(lambda good: "session=ÿü€.x.y", id="non-ascii-only"),
    pytest.param(lambda good: "session=" + "A" * 10_000, id="10KB"),
    pytest.param(lambda good: "session=" + sign([1, 2]), id="signed-list"),
    pytest.param(lambda good: "session=" + sign("text"), id="signed-string"),
    pytest.param(lambda good: "session=" + sign((1, 2)), id="signed-tuple"),
    pytest.param(lambda good: "session=" + sign({"a": 1}, "other"), id="other-key"),
    pytest.param(lambda good: "session=...", id="dots"),
    pytest.param(lambda good: 'session="', id="lone-quote"),
]


@pytest.mark.parametrize("make_cookie", BAD_COOKIES)
def test_bad_cookies_give_an_empty_new_session(make_cookie):
    seen = {}

    def app(environ, start_response):
        session = get_session(environ)
        seen["new"], seen["data"] = session.new, dict(session)
        start_response("200 OK", [])
        return [b"ok"]

    good = "session=" + sign({"user": "ann"})
    response = request(make(app), cookie=make_cookie(good))
    assert response.status_int == 200
    assert seen == {"new": True, "data": {}}


def test_undecodable_payload_with_valid_signature():
    mw = make()
    serializer = mw.session_interface.get_signing_serializer(mw)
    signer = serializer.make_signer()
    for payload in (b"!!notbase64", b"bm90IGpzb24", b".eJzLSM3JyQcABiwCFQ"):
        cookie = "session=" + signer.sign(payload).decode()
        response = request(mw, "/", cookie)
        assert response.status_int == 200
        assert response.json == {}


def test_expired_and_future_dated(clock):
    mw = make(PERMANENT_SESSION_LIFETIME=60)
    cookie = "session=" + sign({"user": "ann"})
    clock.advance(61)
    assert request(mw, "/", cookie).json == {}
    future = "session=" + sign({"user": "bob"})
    clock.advance(-30)  # 30 s ahead: within the default leeway of 60 s
    assert request(mw, "/", future).json == {"user": "bob"}
    clock.advance(-31)  # 61 s ahead: invalid, and the cookie is kept
    response = request(mw, "/", future)
    assert response.json == {}
    assert set_cookies(response) == []


@pytest.mark.parametrize("skew", [0.05, 0.2, 1, 30, 60])
@pytest.mark.parametrize("secure", [False, True], ids=["signed", "encrypted"])
def test_a_login_on_a_server_whose_clock_is_ahead_is_kept(clock, skew, secure):
    """Two servers behind one balancer, the first `skew` seconds ahead: the
    login lands on it, the redirect 20 ms later on the other."""
    from cookiesession.crypto import EncryptedCookieSessionInterface

    def server():
        interface = EncryptedCookieSessionInterface() if secure else None
        return SessionMiddleware(
            session_app, {"SECRET_KEY": KEY}, session_interface=interface
        )

    ahead, behind = server(), server()
    lost = 0
    for n in range(20):
        clock.advance(n * 0.037)  # where in the second each login falls
        clock.advance(skew)
        cookie = cookie_of(request(ahead, "/?op=set&user=ann"))
        clock.advance(-skew + 0.02)
        response = request(behind, "/", cookie)
        lost += response.json.get("user") != "ann"
        assert set_cookies(response) == []
    assert lost == 0


def test_leeway_zero_restores_the_exact_rule(clock):
    mw = make(SESSION_CLOCK_LEEWAY=0)
    future = "session=" + sign({"user": "bob"})
    clock.advance(-1)
    assert request(mw, "/", future).json == {}


def test_malformed_unrelated_cookie_does_not_hide_ours():
    cookie = 'bad="unterminated; ;=; x=\x7f; session=' + sign({"user": "ann"})
    assert request(make(), "/", cookie).json == {"user": "ann"}


def test_duplicate_cookies_first_valid_wins():
    bad = "session=" + sign({"user": "eve"}, key="wrong")
    first = "session=" + sign({"user": "ann"})
    second = "session=" + sign({"user": "bob"})
    assert request(make(), "/", f"{bad}; {first}; {second}").json == {"user": "ann"}


def test_no_secret_key_reads_empty_and_writes_raise():
    with pytest.warns(UserWarning, match="No SECRET_KEY is set") as caught:
        mw = SessionMiddleware(session_app)
    assert caught[0].filename == __file__  # points at the line that built it
    assert "FLASK" not in str(caught[0].message)
    response = request(mw, "/", "session=" + sign({"user": "ann"}))
    assert response.json == {}
    assert "Set-Cookie" not in response.headers
    with pytest.raises(RuntimeError, match="^The session is unavailable because"):
        request(mw, "/?op=set&a=1")


def test_unserializable_value_raises_before_headers_are_sent():
    def app(environ, start_response):
        get_session(environ)["tags"] = {"a", "b"}
        start_response("200 OK", [])
        return [b""]

    calls = []
    with pytest.raises(TypeError, match="'tags'"):
        make(app)(webob.Request.blank("/").environ, lambda *a: calls.append(a))
    assert calls == []


def test_body_is_not_buffered():
    chunks_made = []

    def body():
        for i in range(3):
            chunks_made.append(i)
            yield b"chunk"

    def app(environ, start_response):
        get_session(environ)["a"] = 1
        start_response("200 OK", [])
        return body()

    environ = webob.Request.blank("/").environ
    result = make(app)(environ, lambda status, headers, exc_info=None: None)
    assert chunks_made == []
    assert next(iter(result)) == b"chunk"
    assert chunks_made == [0]


def test_exc_info_is_passed_through():
    def app(environ, start_response):
        get_session(environ)["a"] = 1
        try:
            raise ValueError("boom")
        except ValueError:
            start_response("500 Internal Server Error", [], sys.exc_info())
        return [b"error"]

    seen = {}

    def start_response(status, headers, exc_info=None):
        seen.update(status=status, headers=headers, exc_info=exc_info)

    make(app)(webob.Request.blank("/").environ, start_response)
    assert seen["status"].startswith("500")
    assert seen["exc_info"][0] is ValueError
    assert any(name == "Set-Cookie" for name, _ in seen["headers"])


def test_laziness_no_hmac_when_untouched(monkeypatch):
    cookie = "session=" + sign({"user": "ann"})
    permanent = "session=" + sign({"_permanent": True, "user": "ann"})
    calls = []
    real_signature = KeyedHMAC.get_signature

    def counting_signature(self, key, value):
        calls.append(value)
        return real_signature(self, key, value)

    monkeypatch.setattr(KeyedHMAC, "get_signature", counting_signature)
    mw = make()
    request(mw, "/?op=untouched", cookie)
    assert calls == []
    request(mw, "/?op=show", cookie)
    assert calls  # proves the counter sees verification
    calls.clear()
    response = request(mw, "/?op=untouched", permanent)
    assert calls  # a permanent session is verified to be refreshed
    assert cookie_of(response) is not None


def test_session_used_through_a_copied_environ_is_saved():
    """Frameworks may copy the environ; the session is still saved."""

    def app(environ, start_response):
        get_session(environ.copy())["user"] = "ann"
        start_response("200 OK", [])
        return [b""]

    assert cookie_of(request(make(app))) is not None


def test_get_session_twice_is_the_same_session():
    seen = []

    def app(environ, start_response):
        seen.extend([get_session(environ), get_session(environ)])
        start_response("200 OK", [])
        return [b""]

    request(make(app))
    assert seen[0] is seen[1]


def test_get_session_outside_middleware():
    with pytest.raises(KeyError, match="wrap the application"):
        get_session({})


def test_custom_environ_key_and_stored_session():
    def app(environ, start_response):
        get_session(environ, "my.session")["a"] = 1
        start_response("200 OK", [])
        return [b""]

    mw = make(app, SESSION_COOKIE_NAME="s2")
    mw.environ_key = "my.session"
    assert cookie_of(request(mw), "s2") is not None
    environ = {"k": Session({"a": 1})}
    assert get_session(environ, "k")["a"] == 1


def test_config_is_validated_and_kept():
    config = Config()
    config.update(SECRET_KEY=b"bytes-key", SESSION_COOKIE_SECURE="yes")
    mw = SessionMiddleware(session_app, config)
    assert mw.config["SECRET_KEY"] == b"bytes-key"
    assert mw.config["SESSION_COOKIE_SECURE"] is True
    with pytest.raises(ValueError, match="SESSION_COOKIE_SAMESITE"):
        SessionMiddleware(session_app, {"SESSION_COOKIE_SAMESITE": "sometimes"})


class HeaderSession(SessionInterface):
    """Keeps the session in an ``X-Session`` request header, and sends it
    back in a plain cookie: shows the interface with ``set_cookie``."""

    def open_session(self, app, request):
        raw = request.headers.get("X-Session")
        if raw == "none":
            return None
        return Session(json.loads(raw) if raw else None, new=raw is None)

    def save_session(self, app, session, response):
        if session.modified:
            response.set_cookie(
                "plain",
                json.dumps(dict(session)).replace('"', "'"),
                path=self.get_cookie_path(app),
                httponly=True,
                samesite=self.get_cookie_samesite(app),
            )
        if session.accessed:
            response.vary = (*(response.vary or ()), "X-Session")
        if not session:
            response.delete_cookie("plain")


def test_custom_session_interface():
    mw = make()
    mw.session_interface = HeaderSession()
    response = webob.Request.blank(
        "/?op=set&b=2", headers={"X-Session": '{"a": 1}'}
    ).get_response(mw)
    assert response.json == {"a": 1, "b": "2"}
    assert response.headers["Set-Cookie"] == (
        "plain={'a': 1, 'b': '2'}; HttpOnly; Path=/; SameSite=Lax"
    )
    assert response.headers["Vary"] == "X-Session"
    response = webob.Request.blank("/?op=clear").get_response(mw)
    assert "Max-Age=0" in response.headers["Set-Cookie"]


@pytest.mark.parametrize(
    "value",
    [
        pytest.param("a\r\nSet-Cookie: x=1", id="crlf"),
        pytest.param("a; Domain=evil.example", id="semicolon"),
        pytest.param("nul\x00", id="nul"),
        pytest.param("del\x7f", id="del"),
        pytest.param("caf\u00e9\nSet-Cookie: x=1", id="non-ascii-newline"),
        pytest.param("\u00e9; Domain=evil.example", id="non-ascii-semicolon"),
    ],
)
def test_set_cookie_refuses_header_injection(value):
    headers = ResponseHeaders([])
    with pytest.raises(ValueError, match="control character or ';'"):
        headers.set_cookie("c", value)
    with pytest.raises(ValueError, match="control character or ';'"):
        headers.set_cookie("c", "ok", path=value)
    assert headers.headerlist == []


@pytest.mark.parametrize("value", ["caf\u00e9", "~!@#$%^&*()+={}[]|:<>?,/ x"])
def test_set_cookie_accepts_other_characters(value):
    """Only control characters and ';' are refused, ASCII or not."""
    headers = ResponseHeaders([])
    headers.set_cookie("c", value)
    assert headers.headerlist == [("Set-Cookie", f"c={value}; Path=/")]


def test_open_session_none_means_null_session():
    mw = make()
    mw.session_interface = HeaderSession()
    response = webob.Request.blank("/", headers={"X-Session": "none"}).get_response(mw)
    assert response.json == {}
    assert "Vary" not in response.headers


def test_base_interface_refreshes_untouched_when_asked():
    class Counting(HeaderSession):
        opened = 0

        def open_session(self, app, request):
            Counting.opened += 1
            return super().open_session(app, request)

    for refresh, opened in ((True, 1), (False, 0)):
        Counting.opened = 0
        mw = make(SESSION_REFRESH_EACH_REQUEST=refresh)
        mw.session_interface = Counting()
        request(mw, "/?op=untouched")
        assert Counting.opened == opened


def test_secure_interface_is_default():
    assert isinstance(make().session_interface, SecureCookieSessionInterface)
    assert format_set_cookie("a", "b") == "a=b; Path=/"


# -- 0.2: the session itself in the environ, one writer per cookie ---------


def test_environ_holds_the_session_itself():
    """Code written for Beaker's environ["beaker.session"] works."""

    def app(environ, start_response):
        session = environ["cookiesession.session"]
        assert isinstance(session, Session)
        session["x"] = session.get("x", 0) + 1
        body = str(session["x"]).encode()
        start_response("200 OK", [])
        return [body]

    client = TestApp(make(app))
    assert client.get("/").body == b"1"
    assert client.get("/").body == b"2"


def test_putting_the_session_in_the_environ_reads_no_cookie(monkeypatch):
    calls = []
    monkeypatch.setattr(
        SecureCookieSessionInterface,
        "open_session",
        lambda *args: calls.append(args) or Session(),
    )

    def app(environ, start_response):
        assert environ["cookiesession.session"] is not None
        start_response("200 OK", [])
        return [b""]

    request(make(app), "/", "session=" + sign({"a": 1}))
    assert calls == []


def test_flask_logout_inside_is_not_undone_by_the_outer_refresh(clock):
    """A Flask app under the middleware, one cookie name: Flask's logout
    (session.clear()) is the only Set-Cookie the browser gets."""
    import flask

    inner = flask.Flask(__name__)
    inner.secret_key = KEY

    @inner.route("/logout")
    def logout():
        flask.session.clear()
        return "bye"

    cookie = "session=" + sign({"_permanent": True, "user": "ann"})
    response = request(make(inner.wsgi_app), "/logout", cookie)
    headers = response.headers.getall("Set-Cookie")
    assert len(headers) == 1
    assert headers[0].startswith("session=;")
    assert "Expires=Thu, 01 Jan 1970" in headers[0]


def test_inner_set_cookie_wins_and_a_lost_change_is_logged(caplog):
    def app(environ, start_response):
        get_session(environ)["mine"] = 1
        start_response("200 OK", [("Set-Cookie", "session=inner; Path=/")])
        return [b""]

    response = request(make(app))
    assert response.headers.getall("Set-Cookie") == ["session=inner; Path=/"]
    assert "already sets the session cookie 'session'" in caplog.text
    assert response.headers["Vary"] == "Cookie"


def test_nested_middlewares_with_one_cookie_name():
    def app(environ, start_response):
        environ["inner.session"].clear()  # the inner one logs out
        start_response("200 OK", [])
        return [b""]

    inner = SessionMiddleware(app, {"SECRET_KEY": KEY}, environ_key="inner.session")
    outer = make(inner)
    cookie = "session=" + sign({"_permanent": True, "user": "ann"})
    headers = request(outer, "/", cookie).headers.getall("Set-Cookie")
    assert len(headers) == 1
    assert "Max-Age=0" in headers[0]


@pytest.mark.parametrize(
    ("app_headers", "expected"),
    [
        pytest.param([], "private", id="added"),
        pytest.param([("Cache-Control", "no-store")], "no-store", id="kept"),
    ],
)
def test_cache_control_private_when_a_cookie_is_set(app_headers, expected):
    def app(environ, start_response):
        get_session(environ)["a"] = 1
        start_response("200 OK", list(app_headers))
        return [b""]

    response = request(make(app))
    assert response.headers.getall("Cache-Control") == [expected]


def test_no_cache_control_without_a_cookie():
    response = request(make(), "/?op=show")
    assert "Cache-Control" not in response.headers


def test_a_subclass_cannot_inject_attributes_through_a_getter():
    class Evil(SecureCookieSessionInterface):
        def get_cookie_path(self, app):
            return "/x; Domain=evil.example"

    mw = make()
    mw.session_interface = Evil()
    with pytest.raises(ValueError, match="control character or ';'"):
        request(mw, "/?op=set&a=1")


def test_config_is_read_only_with_a_masked_repr():
    mw = make(SECRET_KEY_FALLBACKS=["old-secret"])
    with pytest.raises(TypeError, match="reconfigure"):
        mw.config["SECRET_KEY_FALLBACKS"] = "oldkey"
    with pytest.raises(TypeError):
        mw.config.update(SECRET_KEY="x")
    assert KEY not in repr(mw.config)
    assert "old-secret" not in repr(mw.config)


def test_reconfigure_validates_and_swaps():
    mw = make()
    with pytest.raises(ValueError, match="SESSION_COOKIE_SAMESITE"):
        mw.reconfigure({"SECRET_KEY": KEY, "SESSION_COOKIE_SAMESITE": "Lenient"})
    assert mw.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    mw.reconfigure({"SECRET_KEY": KEY, "SESSION_COOKIE_NAME": "sid"})
    assert cookie_of(request(mw, "/?op=set&a=1"), "sid") is not None


def test_untouched_judgement_follows_reconfigure(clock):
    permanent = "session=" + sign({"_permanent": True, "user": "ann"})
    mw = make(SESSION_REFRESH_EACH_REQUEST=False)
    assert cookie_of(request(mw, "/?op=untouched", permanent)) is None
    mw.reconfigure({"SECRET_KEY": KEY, "SESSION_REFRESH_EACH_REQUEST": True})
    assert cookie_of(request(mw, "/?op=untouched", permanent)) is not None
    mw.reconfigure({"SECRET_KEY": KEY, "SESSION_REFRESH_AFTER": 3600})
    assert cookie_of(request(mw, "/?op=untouched", permanent)) is None
    clock.advance(3601)
    assert cookie_of(request(mw, "/?op=untouched", permanent)) is not None


def test_untouched_memo_is_bounded_and_keeps_no_header():
    check = SecureCookieSessionInterface().untouched_check(make())
    memo = check.judge.__self__
    permanent = "session=" + sign({"_permanent": True})
    padding = "; other=" + "x" * 5000
    assert check.known(hash(permanent + padding)) is None
    assert check.judge(permanent + padding) is True
    assert check.known(hash(permanent + padding)) is True
    assert check.judge("session=" + sign({"n": 0}) + padding) is False
    assert all(type(key) is int for key in memo)  # hashes, never headers
    for n in range(3000):
        assert check.judge(f"session={sign({'n': n})}") is False
        assert len(memo) <= 1024
    assert check.judge("") is False


def test_untouched_judgement_of_a_subclass_is_asked():
    asked = []

    class Always(SecureCookieSessionInterface):
        def needs_refresh_for(self, app, cookie_header):
            asked.append(cookie_header)
            return False

    cookie = "session=" + sign({"_permanent": True, "user": "ann"})
    mw = SessionMiddleware(session_app, {"SECRET_KEY": KEY}, session_interface=Always())
    assert cookie_of(request(mw, "/?op=untouched", cookie)) is None
    assert asked == [cookie]


def test_session_permanent_makes_new_sessions_permanent(clock):
    mw = make(SESSION_PERMANENT=True)
    assert set_cookies(request(mw, "/?op=show")) == []  # nothing to save
    header = set_cookies(request(mw, "/?op=set&user=ann"))[0]
    assert "Expires=" in header
    off = make(SESSION_PERMANENT="false")
    assert "Expires=" not in set_cookies(request(off, "/?op=set&user=ann"))[0]


@pytest.mark.parametrize(
    ("value", "seconds"),
    [("90", 90), ("90s", 90), (" 15m ", 900), ("8h", 28800), ("30D", 2592000)],
)
def test_duration_strings(value, seconds):
    config = make(SESSION_IDLE_TIMEOUT=value).config
    assert config["SESSION_IDLE_TIMEOUT"] == timedelta(seconds=seconds)


@pytest.mark.parametrize("value", ["15 m", "m", "15mm", "fortnight", "nans", "5w"])
def test_bad_duration_strings_show_the_forms(value):
    from cookiesession import InvalidSettingValue

    with pytest.raises(InvalidSettingValue, match='"15m"') as raised:
        make(SESSION_IDLE_TIMEOUT=value)
    assert raised.value.key == "SESSION_IDLE_TIMEOUT"


@pytest.mark.parametrize("value", [[1], (1,), {"s": 1}])
def test_a_container_is_never_a_duration(value):
    from cookiesession import InvalidSettingType

    with pytest.raises(InvalidSettingType):
        make(SESSION_IDLE_TIMEOUT=value)


def test_an_absolute_timeout_shorter_than_the_idle_one_warns():
    with pytest.warns(UserWarning, match="idle timeout can never apply"):
        make(SESSION_IDLE_TIMEOUT="1h", SESSION_ABSOLUTE_TIMEOUT="30m")


def test_reconfigure_without_a_key_warns_as_the_constructor_does():
    mw = make()
    with pytest.warns(UserWarning, match="No SECRET_KEY is set"):
        mw.reconfigure({"SECRET_KEY": None})
