from __future__ import annotations

import secrets
from datetime import datetime, timedelta, timezone

import pytest
import webob

from cookiesession import (
    NullSession,
    SecureCookieSessionInterface,
    Session,
    SessionInterface,
    validate_config,
)
from cookiesession.middleware import ResponseHeaders
from cookiesession.wire.cookies import (
    add_vary_cookie,
    find_cookie_values,
    format_set_cookie,
)
from tests.helpers import NOW, sign


class App:
    """What an interface needs of an app: a validated ``config``."""

    def __init__(self, **config):
        self.config = validate_config({"SECRET_KEY": "k", **config})


# -- Session --------------------------------------------------------------

READS = [
    pytest.param(lambda s: s["a"], id="getitem"),
    pytest.param(lambda s: s.get("a"), id="get"),
    pytest.param(lambda s: "a" in s, id="in"),
    pytest.param(len, id="len"),
    pytest.param(bool, id="bool"),
    pytest.param(list, id="iter"),
    pytest.param(lambda s: s.keys(), id="keys"),
    pytest.param(lambda s: s.items(), id="items"),
    pytest.param(lambda s: s.values(), id="values"),
    pytest.param(lambda s: s.permanent, id="permanent"),
    pytest.param(lambda s: s == {"a": 1}, id="eq"),
    pytest.param(lambda s: s.setdefault("a", 2), id="setdefault-present"),
    pytest.param(lambda s: s.pop("missing", None), id="pop-missing-default"),
]

MUTATORS = [
    pytest.param(lambda s: s.__setitem__("b", 2), id="setitem"),
    pytest.param(lambda s: s.__delitem__("a"), id="delitem"),
    pytest.param(lambda s: s.clear(), id="clear"),
    pytest.param(lambda s: s.pop("a"), id="pop"),
    pytest.param(lambda s: s.pop("a", None), id="pop-default"),
    pytest.param(lambda s: s.popitem(), id="popitem"),
    pytest.param(lambda s: s.setdefault("b", 2), id="setdefault-missing"),
    pytest.param(lambda s: s.update(b=2), id="update"),
    pytest.param(lambda s: s.update(), id="update-empty"),
    pytest.param(lambda s: s.__ior__({"b": 2}), id="ior"),
    pytest.param(lambda s: setattr(s, "permanent", True), id="permanent"),
]


@pytest.mark.parametrize("read", READS)
def test_reads_set_accessed_only(read):
    session = Session({"a": 1})
    assert not session.accessed
    read(session)
    assert session.accessed
    assert not session.modified


@pytest.mark.parametrize("mutate", MUTATORS)
def test_mutators_set_modified(mutate):
    session = Session({"a": 1})
    mutate(session)
    assert session.modified
    assert session.accessed


def test_nested_mutation_is_not_seen():
    session = Session({"cart": [1]})
    session["cart"].append(2)
    assert not session.modified
    session.modified = True
    assert session.modified


def test_session_basics():
    session = Session({"a": 1})
    assert session.new is False
    assert Session(new=True).new is True
    assert repr(session) == "<Session {'a': 1}>"
    assert session == Session({"a": 1})
    assert session != {"a": 2}
    with pytest.raises(KeyError):
        session.pop("missing")
    with pytest.raises(KeyError):
        Session().popitem()
    with pytest.raises(TypeError):
        hash(session)
    session |= {"b": 2}
    assert dict(session) == {"a": 1, "b": 2}


def test_permanent_is_stored_as_flask_does():
    session = Session()
    assert session.permanent is False
    session.permanent = 1  # type: ignore[assignment]
    assert dict(session) == {"_permanent": True}
    assert session.permanent is True


@pytest.mark.parametrize(
    "mutate",
    [*MUTATORS, pytest.param(lambda s: s.pop("a", None), id="pop-noop")],
)
def test_null_session_refuses_every_mutator(mutate):
    session = NullSession()
    with pytest.raises(RuntimeError) as info:
        mutate(session)
    message = str(info.value)
    assert message.startswith(
        "The session is unavailable because no secret key was set."
    )
    assert "SECRET_KEY" in message


def test_null_session_reads_empty():
    session = NullSession()
    assert len(session) == 0
    assert session.get("a") is None
    assert "a" not in session
    assert session.permanent is False


# -- cookie helpers -------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        pytest.param("", [], id="empty"),
        pytest.param("session=a", ["a"], id="one"),
        pytest.param("x=1; session=a; session=b", ["a", "b"], id="duplicates"),
        pytest.param('session="q.v"', ["q.v"], id="quoted"),
        pytest.param("bad;;==;session =a", ["a"], id="malformed-neighbours"),
        pytest.param("mysession=a; session_x=b", [], id="prefix-names"),
    ],
)
def test_find_cookie_values(header, expected):
    assert find_cookie_values(header, "session", 3) == expected


def test_format_set_cookie_every_attribute():
    header = format_set_cookie(
        "s",
        "v",
        max_age=60,
        expires=0,
        path="/p",
        domain="example.org",
        secure=True,
        httponly=True,
        samesite="Strict",
        partitioned=True,
    )
    assert header == (
        "s=v; Domain=example.org; Expires=Thu, 01 Jan 1970 00:00:00 GMT;"
        " Max-Age=60; Secure; HttpOnly; Path=/p; SameSite=Strict; Partitioned"
    )
    stamp = datetime(2026, 1, 1, tzinfo=timezone.utc)
    assert "Expires=Thu, 01 Jan 2026 00:00:00 GMT" in format_set_cookie(
        "s", "v", expires=stamp
    )


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        pytest.param([], [("Vary", "Cookie")], id="none"),
        pytest.param(
            [("Vary", "Accept-Encoding")],
            [("Vary", "Accept-Encoding, Cookie")],
            id="merge",
        ),
        pytest.param([("vary", "cookie")], [("vary", "cookie")], id="present"),
        pytest.param([("Vary", "*")], [("Vary", "*")], id="star"),
        pytest.param(
            [("Vary", "A"), ("X", "1"), ("Vary", "B, ")],
            [("X", "1"), ("Vary", "A, B, Cookie")],
            id="two-headers",
        ),
    ],
)
def test_vary_merging(headers, expected):
    response = ResponseHeaders(list(headers))
    add_vary_cookie(response)
    assert response.headerlist == expected


def test_vary_merging_on_webob_response():
    response = webob.Response(headerlist=[("Vary", "Accept")])
    add_vary_cookie(response)
    add_vary_cookie(response)
    assert response.headers.getall("Vary") == ["Accept, Cookie"]


# -- interfaces -------------------------------------------------------------


def test_base_interface_getters():
    app = App(
        SESSION_COOKIE_NAME="sid",
        SESSION_COOKIE_DOMAIN="example.org",
        APPLICATION_ROOT="/root",
        SESSION_COOKIE_SECURE=True,
        SESSION_COOKIE_SAMESITE="strict",
        SESSION_COOKIE_PARTITIONED=True,
        SESSION_COOKIE_HTTPONLY=False,
    )
    si = SessionInterface()
    assert si.get_cookie_name(app) == "sid"
    assert si.get_cookie_domain(app) == "example.org"
    assert si.get_cookie_path(app) == "/root"
    assert si.get_cookie_secure(app) is True
    assert si.get_cookie_samesite(app) == "Strict"
    assert si.get_cookie_partitioned(app) is True
    assert si.get_cookie_httponly(app) is False
    assert si.needs_refresh(app, {}) is True
    assert isinstance(si.make_null_session(app), NullSession)
    assert si.is_null_session(NullSession())
    assert not si.is_null_session(Session())
    with pytest.raises(NotImplementedError):
        si.open_session(app, webob.Request.blank("/"))
    changed = Session({"user": "ann"})
    changed.modified = True
    with pytest.raises(NotImplementedError):  # the skeleton asks cookie_value
        si.save_session(app, changed, ResponseHeaders([]))


def test_expiration_time(clock):
    si = SessionInterface()
    app = App(PERMANENT_SESSION_LIFETIME=100)
    assert si.get_expiration_time(app, Session()) is None
    expires = si.get_expiration_time(app, Session({"_permanent": True}))
    assert expires == datetime.fromtimestamp(NOW + 100, timezone.utc)


def test_signing_serializer_is_flask_shaped():
    si = SecureCookieSessionInterface()
    assert si.get_signing_serializer(App(SECRET_KEY=None)) is None
    app = App(SECRET_KEY_FALLBACKS=["old"])
    serializer = si.get_signing_serializer(app)
    assert serializer is not None
    assert serializer is si.get_signing_serializer(app)  # built once
    assert serializer.secret_keys == [b"old", b"k"]
    assert serializer.salt == b"cookie-session"
    assert serializer.loads(serializer.dumps({"a": (1,)})) == {"a": (1,)}


def test_signer_caches_derived_key():
    si = SecureCookieSessionInterface()
    serializer = si.get_signing_serializer(App())
    assert serializer is not None
    signer = serializer.make_signer()
    assert signer is serializer.make_signer()
    assert signer.derive_key() is signer.derive_key()
    assert serializer.make_signer("other-salt") is not signer


def _open(app, cookie=None):
    headers = {"Cookie": cookie} if cookie else {}
    request = webob.Request.blank("/", headers=headers)
    return SecureCookieSessionInterface().open_session(app, request)


def _sign(data, key="k", **config):
    return sign(data, key, **config)


def test_open_without_key_is_none():
    assert _open(App(SECRET_KEY=None)) is None


def test_open_new_and_valid():
    app = App()
    session = _open(app)
    assert session is not None
    assert session.new
    assert dict(session) == {}
    session = _open(app, "session=" + _sign({"a": 1}))
    assert session is not None
    assert not session.new
    assert not session.modified
    assert dict(session) == {"a": 1}


def test_fallback_verified_session_is_reissued():
    app = App(SECRET_KEY="new", SECRET_KEY_FALLBACKS=["older", "old"])
    session = _open(app, "session=" + _sign({"a": 1}, key="old"))
    assert session is not None
    assert dict(session) == {"a": 1}
    assert session.modified
    current = _open(app, "session=" + _sign({"a": 1}, key="new"))
    assert current is not None
    assert not current.modified


def test_expiry_enforced_on_every_key(clock):
    app = App(
        SECRET_KEY="new", SECRET_KEY_FALLBACKS="old", PERMANENT_SESSION_LIFETIME=60
    )
    old = _sign({"a": 1}, key="old")
    new = _sign({"a": 1}, key="new")
    clock.advance(61)
    for value in (old, new):
        session = _open(app, "session=" + value)
        assert session is not None
        assert session.new


def test_future_dated_cookie_rejected(clock):
    clock.advance(3600)
    value = _sign({"a": 1})
    clock.advance(-3600)
    session = _open(App(), "session=" + value)
    assert session is not None
    assert session.new


def test_load_cookie():
    si = SecureCookieSessionInterface()
    assert si.load_cookie(App(SECRET_KEY=None), _sign({"a": 1})) is None
    assert si.load_cookie(App(), _sign({"a": 1})) == ({"a": 1}, True)
    assert si.load_cookie(App(), _sign([1])) is None


def _save(app, session, response=None):
    response = response or ResponseHeaders([])
    SecureCookieSessionInterface().save_session(app, session, response)
    return response.headerlist


def test_save_untouched_writes_nothing():
    assert _save(App(), Session({"a": 1})) == []


def test_save_modified(clock):
    session = Session()
    session["a"] = 1
    headers = dict(_save(App(), session))
    value = headers["Set-Cookie"].split(";")[0].removeprefix("session=")
    assert SecureCookieSessionInterface().load_cookie(App(), value) == ({"a": 1}, True)
    assert headers["Set-Cookie"].endswith("; HttpOnly; Path=/; SameSite=Lax")
    assert headers["Vary"] == "Cookie"


def test_save_to_webob_response(clock):
    session = Session()
    session.permanent = True
    response = webob.Response()
    _save(App(PERMANENT_SESSION_LIFETIME=timedelta(hours=1)), session, response)
    cookie = response.headers["Set-Cookie"]
    assert "Max-Age=3600" in cookie
    assert "expires=" in cookie  # webob writes it from Max-Age
    assert response.headers["Vary"] == "Cookie"


def test_save_without_key_writes_nothing():
    class Permissive(SecureCookieSessionInterface):
        def get_signing_serializer(self, app):
            return None

    session = Session()
    session["a"] = 1
    response = ResponseHeaders([])
    Permissive().save_session(App(), session, response)
    assert response.headerlist == [("Vary", "Cookie")]


def test_save_unserializable_names_the_key():
    session = Session({"fine": 1, "bad": {1, 2}})
    session.modified = True
    with pytest.raises(TypeError, match="'bad'.*set is not JSON serializable"):
        _save(App(), session)


def test_save_other_serializer_errors_propagate():
    session = Session({1: "a", "b": 2})  # mixed key types cannot be sorted
    session.modified = True
    with pytest.raises(TypeError):
        _save(App(), session)


def test_oversize_cookie_warns_and_logs(caplog):
    session = Session({"blob": secrets.token_urlsafe(4000)})
    session.modified = True
    with pytest.warns(UserWarning, match=r"is \d+ bytes, over the 4093-byte"):
        headers = dict(_save(App(), session))
    assert "Set-Cookie" in headers  # still sent
    assert "MAX_COOKIE_SIZE" in caplog.text
    session.modified = True
    assert "Set-Cookie" in dict(_save(App(MAX_COOKIE_SIZE=0), session))


def test_peek_permanent():
    si = SecureCookieSessionInterface()
    app = App()

    def needs(value):
        return si.needs_refresh(app, {"HTTP_COOKIE": f"session={value}"})

    assert needs(_sign({"_permanent": True}))
    assert not needs(_sign({"a": 1}))
    assert not needs("!!!.x.y")
    big = {"_permanent": True, "x": "y" * 500}
    assert _sign(big).startswith(".")
    assert needs(_sign(big))  # compressed: inflated to look
    assert not needs(_sign({"x": "y" * 500}))
    assert not needs(".eJyrVqpQslKqHAUjDijVAgBGFe6H.x.y")  # not zlib
    permanent = {"HTTP_COOKIE": "session=" + _sign({"_permanent": True})}
    assert not si.needs_refresh(App(SESSION_REFRESH_EACH_REQUEST=False), permanent)
    assert not si.needs_refresh(app, {})


def test_peek_looks_only_at_the_values_that_would_be_tried():
    si = SecureCookieSessionInterface()
    plain = "session=" + _sign({"a": 1})
    permanent = "session=" + _sign({"_permanent": True})
    header = "; ".join([plain] * 3 + [permanent])
    assert not si.needs_refresh(App(), {"HTTP_COOKIE": header})


def test_subclass_without_super_init_works():
    """Flask allows it, so cookiesession does too."""

    class Quiet(SecureCookieSessionInterface):
        def __init__(self):
            self.note = "no super().__init__()"

    si, app = Quiet(), App()
    request = webob.Request.blank("/", headers={"Cookie": "session=" + _sign({"a": 1})})
    assert dict(si.open_session(app, request).data) == {"a": 1}


def test_data_is_a_read_only_view_that_marks_nothing():
    session = Session({"_permanent": True, "a": 1})
    view = session.data
    assert view["_permanent"] is True
    assert not session.accessed
    assert not session.modified
    with pytest.raises(TypeError):
        view["b"] = 2  # type: ignore[index]


def test_no_module_but_sessions_touches_private_session_state():
    import pathlib

    package = pathlib.Path(__file__).parent.parent / "cookiesession"
    for path in package.glob("*.py"):
        if path.name != "sessions.py":
            assert "._data" not in path.read_text(), path.name


def test_regenerate_keeps_the_data_and_starts_over():
    session = Session(
        {"user": "ann", "_csrft_": "t", "_auth": 1, "_created": 2, "_permanent": True}
    )
    session.regenerate()
    assert dict(session) == {"user": "ann", "_permanent": True}
    assert session.modified


def test_authenticated_within_reads_only_an_int_stamp(clock):
    assert not Session({"_auth": "1"}).authenticated_within(10**9)
    assert not Session({"_auth": True}).authenticated_within(10**9)
    session = Session()
    session.mark_authenticated()
    assert session["_auth"] == int(clock())
    assert session.authenticated_within(0)
    clock.advance(10)
    assert not session.authenticated_within(9)
    assert session.authenticated_within(10)


@pytest.mark.parametrize("cleared", [False, True], ids=["set", "delete"])
def test_partitioned_on_a_real_webob_response(cleared):
    """WebOb 1.8's set_cookie has no partitioned argument."""
    import webob

    from tests.helpers import make_middleware

    app = make_middleware(
        lambda e, s: [], SESSION_COOKIE_PARTITIONED=True, SESSION_COOKIE_SECURE=True
    )
    session = Session({"a": 1})
    if cleared:
        session.clear()
    else:
        session["b"] = 2
    response = webob.Response()
    SecureCookieSessionInterface().save_session(app, session, response)
    (header,) = response.headers.getall("Set-Cookie")
    assert header.startswith("session=")
    assert header.endswith("; Partitioned")
    assert "secure" in header.lower()
