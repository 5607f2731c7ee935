"""Cookies made by a real Flask app load here with the same values and
types, and cookies made here load in Flask."""

from __future__ import annotations

from datetime import datetime, timezone
from uuid import UUID

import flask
import pytest
import webob
from hypothesis import given, settings
from hypothesis import strategies as st
from markupsafe import Markup

from cookiesession import SessionMiddleware, get_session

VALUES = {
    "user": "ann",
    "count": 3,
    "ratio": 0.5,
    "flag": False,
    "nothing": None,
    "pair": (1, "two", (3,)),
    "blob": b"\x00\x01\xfe\xff",
    "when": datetime(2026, 11, 24, 8, 0, 1, tzinfo=timezone.utc),
    "id": UUID("0b3c5e9a-35a5-4d7e-9a41-1b1a8e2c0f11"),
    "html": Markup("<em>hi</em>"),
    "nested": {"a": [1, {"b": (2, b"x")}], " t": "looks like a tag"},
    "unicode": "żółć ✓",
}


def flask_app(**config):
    app = flask.Flask(__name__)
    app.config.update({"SECRET_KEY": "shared-key", **config})
    captured = {}

    @app.route("/write")
    def write():
        flask.session.update(VALUES)
        flask.session.permanent = True
        return "ok"

    @app.route("/read")
    def read():
        captured.clear()
        captured.update(flask.session)
        captured["__permanent"] = flask.session.permanent
        return "ok"

    return app, captured


def our_app(**config):
    captured = {}

    def app(environ, start_response):
        session = get_session(environ)
        if environ["PATH_INFO"] == "/write":
            session.update(VALUES)
            session.permanent = True
        else:
            captured.clear()
            captured.update(session)
            captured["__permanent"] = session.permanent
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"ok"]

    return SessionMiddleware(app, {"SECRET_KEY": "shared-key", **config}), captured


def session_cookie(set_format_set_cookies):
    for header in set_format_set_cookies:
        if header.startswith("session="):
            return header.split(";")[0].removeprefix("session=")
    raise AssertionError("no session cookie")


def assert_same(captured):
    expected = {**VALUES, "_permanent": True, "__permanent": True}
    assert captured == expected
    for key, value in expected.items():
        assert type(captured[key]) is type(value), key
    assert type(captured["nested"]["a"][1]["b"]) is tuple


def flask_write(**config):
    app, _ = flask_app(**config)
    response = app.test_client().get("/write")
    return session_cookie(response.headers.getlist("Set-Cookie"))


def flask_read(cookie, **config):
    app, captured = flask_app(**config)
    client = app.test_client()
    client.set_cookie("session", cookie)
    client.get("/read")
    return captured


def our_write(**config):
    mw, _ = our_app(**config)
    response = webob.Request.blank("/write").get_response(mw)
    return session_cookie(response.headers.getall("Set-Cookie"))


def our_read(cookie, **config):
    mw, captured = our_app(**config)
    response = webob.Request.blank(
        "/read", headers={"Cookie": f"session={cookie}"}
    ).get_response(mw)
    return captured, response


def test_flask_cookie_loads_here():
    captured, _ = our_read(flask_write())
    assert_same(captured)


def test_our_cookie_loads_in_flask():
    assert_same(flask_read(our_write()))


def test_payloads_are_byte_identical():
    """Same data, same key, same second: the same payload part."""
    assert flask_write().split(".")[0] == our_write().split(".")[0]


def test_set_cookie_attributes_match_flask():
    flask_config = {"SESSION_COOKIE_SAMESITE": "Lax", "SESSION_COOKIE_SECURE": True}
    app, _ = flask_app(**flask_config)
    theirs = app.test_client().get("/write").headers["Set-Cookie"]
    mw, _ = our_app(**flask_config)
    ours = webob.Request.blank("/write").get_response(mw).headers["Set-Cookie"]

    def attributes(header):
        return sorted(part.split("=")[0] for part in header.split("; ")[1:] if part)

    # Flask sends Expires alone; a Max-Age beside it wins in browsers that
    # read it, so a wrong client clock cannot end the session early.
    assert attributes(ours) == sorted([*attributes(theirs), "Max-Age"])


@pytest.mark.parametrize(
    ("writer", "reader"),
    [
        pytest.param("flask", "ours", id="flask-old-key-to-ours"),
        pytest.param(
            "ours",
            "flask",
            id="ours-old-key-to-flask",
            marks=pytest.mark.skipif(
                "SECRET_KEY_FALLBACKS" not in flask.Flask.default_config,
                reason="SECRET_KEY_FALLBACKS is Flask 3.1's",
            ),
        ),
    ],
)
def test_fallback_keys_across_implementations(writer, reader):
    old = {"SECRET_KEY": "old-key"}
    rotated = {"SECRET_KEY": "new-key", "SECRET_KEY_FALLBACKS": ["old-key"]}
    cookie = flask_write(**old) if writer == "flask" else our_write(**old)
    if reader == "flask":
        assert_same(flask_read(cookie, **rotated))
        return
    captured, response = our_read(cookie, **rotated)
    assert_same(captured)
    reissued = session_cookie(response.headers.getall("Set-Cookie"))
    # The re-issued cookie is signed with the new key: Flask with only the
    # new key accepts it.
    assert_same(flask_read(reissued, SECRET_KEY="new-key"))


def test_wrong_key_is_rejected_both_ways():
    captured, _ = our_read(flask_write(), SECRET_KEY="other")
    assert captured == {"__permanent": False}
    assert flask_read(our_write(), SECRET_KEY="other") == {"__permanent": False}


def _flask_serializer():
    app = flask.Flask(__name__)
    app.secret_key = "shared-key"
    with app.app_context():
        return app.session_interface.get_signing_serializer(app)


@settings(max_examples=100, deadline=None)
@given(
    st.dictionaries(
        st.text(max_size=8),
        st.recursive(
            st.none()
            | st.booleans()
            | st.integers()
            | st.text(max_size=10)
            | st.binary(max_size=10)
            | st.uuids(),
            lambda children: (
                st.lists(children, max_size=3)
                | st.lists(children, max_size=3).map(tuple)
                | st.dictionaries(st.text(max_size=4), children, max_size=3)
            ),
            max_leaves=15,
        ),
        max_size=5,
    )
)
def test_any_session_crosses_both_ways(data):
    mw, _ = our_app()
    ours = mw.session_interface.get_signing_serializer(mw)
    theirs = _flask_serializer()
    assert theirs.loads(ours.dumps(data)) == data
    assert ours.loads(theirs.dumps(data)) == data
