"""Encrypted cookies: AES-256-GCM with HKDF-derived keys, bound to the
cookie name and format version, rotatable, and migrating from signed."""

from __future__ import annotations

from datetime import datetime, timezone
from uuid import UUID

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from markupsafe import Markup
from webtest import TestApp

from cookiesession import get_session
from cookiesession.crypto import EncryptedCookieSessionInterface
from cookiesession.testing import load_session, session_cookie
from cookiesession.wire import sealed
from cookiesession.wire.signed import b64decode, b64encode
from tests.helpers import (
    KEY,
    NOW,
    bottle_driver,
    cookie_of,
    get,
    make_middleware,
    pyramid_driver,
    sign,
    with_interface,
    wsgi_driver,
)

CONFIG = {"SECRET_KEY": KEY}
SECRET = "the-secret-balance-is-42"


def encrypted(**kwargs):
    return EncryptedCookieSessionInterface(**kwargs)


def seal(data, config=CONFIG, **kwargs):
    return session_cookie(config, data, session_interface=encrypted(**kwargs))


def open_(value, config=CONFIG, **kwargs):
    return load_session(config, value, session_interface=encrypted(**kwargs))


def app(environ, start_response):
    session = get_session(environ)
    if environ["PATH_INFO"] == "/set":
        session["user"] = "ann"
    body = repr({k: v for k, v in session.items() if k != "_created"}).encode()
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [body]


def middleware(events=None, **kwargs):
    mw = make_middleware(app)
    mw.session_interface = encrypted(event_hook=events, **kwargs)
    return mw


EVERY_TYPE = {
    "str": "text ünï",
    "int": 7,
    "float": 1.5,
    "bool": True,
    "none": None,
    "list": [1, [2]],
    "tuple": (1, (2, "x")),
    "bytes": b"\x00\xff",
    "datetime": datetime(2026, 11, 24, 8, 30, tzinfo=timezone.utc),
    "uuid": UUID(int=5),
    "markup": Markup("<b>x</b>"),
    "tag-like": {" t": "not a tuple"},
}


@pytest.mark.parametrize("compress", [False, True])
def test_round_trip_of_every_tagged_type(compress):
    data = open_(seal(EVERY_TYPE, compress=compress))
    created = data.pop("_created")
    assert isinstance(created, int)
    assert data == EVERY_TYPE
    assert {k: type(v) for k, v in data.items()} == {
        k: type(v) for k, v in EVERY_TYPE.items()
    }


def test_no_plaintext_in_the_cookie():
    # Needles long enough that random ciphertext never holds one by chance
    # (a three-letter one turns up in about one cookie in a few thousand).
    value = seal({"account_balance": SECRET, "user_name": "ann-the-tester"})
    raw = b64decode(value.encode())
    for needle in (SECRET, "account_balance", "ann-the-tester", "user_name"):
        assert needle not in value
        assert needle.encode() not in raw
    assert "." not in value  # not the signed format


def test_a_fresh_nonce_every_time():
    assert seal({"a": 1}) != seal({"a": 1})


def test_flask_cannot_read_it():
    import flask
    from flask.sessions import SecureCookieSessionInterface as Flask

    flask_app = flask.Flask(__name__)
    flask_app.secret_key = KEY
    serializer = Flask().get_signing_serializer(flask_app)
    from itsdangerous import BadSignature

    with pytest.raises(BadSignature):
        serializer.loads(seal({"a": 1}))


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_every_changed_byte_is_rejected(data):
    value = seal({"user": "ann", "role": "admin"})
    raw = bytearray(b64decode(value.encode()))
    position = data.draw(st.integers(0, len(raw) - 1))
    raw[position] ^= data.draw(st.integers(1, 255))
    with pytest.raises(ValueError, match="invalid"):
        open_(b64encode(bytes(raw)).decode())


class CountingCipher:
    """Counts decryptions through the real cipher."""

    def __init__(self, monkeypatch):
        self.calls = 0
        real = sealed.cipher

        def counting(*args):
            cipher = real(*args)
            counter = self

            class Wrapper:
                def encrypt(self, *args):
                    return cipher.encrypt(*args)

                def decrypt(self, *args):
                    counter.calls += 1
                    return cipher.decrypt(*args)

            return Wrapper()

        monkeypatch.setattr(sealed, "cipher", counting)


def _with_version(value, version):
    raw = bytearray(b64decode(value.encode()))
    raw[0] = version
    return b64encode(bytes(raw)).decode()


@pytest.mark.parametrize(
    "forge",
    [
        pytest.param(lambda: seal({"a": 1}, {"SECRET_KEY": "other"}), id="other-key"),
        pytest.param(
            lambda: seal({"a": 1}, {**CONFIG, "SESSION_COOKIE_NAME": "other"}),
            id="other-name",
        ),
        pytest.param(lambda: _with_version(seal({"a": 1}), 1), id="other-version"),
        pytest.param(lambda: seal({"a": 1})[:-4] + "AAAA", id="changed-tag"),
    ],
)
def test_every_forgery_fails_the_same_way(monkeypatch, forge):
    """Another key, name or version and a changed byte all fail as one
    failed authentication: the same decryptions, the same event."""
    value = forge()
    counter = CountingCipher(monkeypatch)
    events = []
    config = {**CONFIG, "SECRET_KEY_FALLBACKS": ["old-1", "old-2"]}
    mw = make_middleware(app, **config)
    mw.session_interface = encrypted(event_hook=lambda e, d: events.append((e, d)))
    assert get(mw, "/", "session=" + value).text == "{}"
    assert counter.calls == 3  # the current key and both fallbacks
    assert events == [("invalid", {"reason": "signature"})]


@pytest.mark.parametrize(
    "value",
    [
        pytest.param("", id="empty"),
        pytest.param("AAAA", id="truncated"),
        pytest.param("not base64 !", id="characters"),
        pytest.param(sign({"a": 1}), id="signed-without-accept"),
    ],
)
def test_malformed_values_are_new_sessions(value):
    with pytest.raises(ValueError, match="invalid"):
        open_(value)
    assert get(middleware(), "/", "session=" + value).text == "{}"


def test_replay_past_the_lifetime_expires(clock):
    value = seal({"a": 1}, {**CONFIG, "PERMANENT_SESSION_LIFETIME": 60})
    clock.advance(60)
    assert open_(value, {**CONFIG, "PERMANENT_SESSION_LIFETIME": 60})["a"] == 1
    clock.advance(1)
    with pytest.raises(ValueError, match="expired"):
        open_(value, {**CONFIG, "PERMANENT_SESSION_LIFETIME": 60})


def test_timeouts_apply(clock):
    config = {**CONFIG, "SESSION_IDLE_TIMEOUT": 60, "SESSION_ABSOLUTE_TIMEOUT": 100}
    value = seal({"a": 1}, config)
    clock.advance(61)
    with pytest.raises(ValueError, match=r"expired \(idle\)"):
        open_(value, config)


def test_rotation_reseals_with_the_current_key_keeping_created(clock):
    old = seal({"user": "ann"}, {"SECRET_KEY": "old-key"})
    clock.advance(100)
    events = []
    mw = make_middleware(app, SECRET_KEY_FALLBACKS=["old-key"])
    mw.session_interface = encrypted(event_hook=lambda e, d: events.append((e, d)))
    response = get(mw, "/", "session=" + old)
    assert response.text == "{'user': 'ann'}"
    assert ("fallback_key", {"index": 0}) in events
    resealed = cookie_of(response).partition("=")[2]
    data = open_(resealed)  # the current key alone opens it
    assert data["_created"] == NOW


def test_migration_from_signed_cookies():
    signed = "session=" + sign({"user": "ann"})
    assert get(middleware(), "/", signed).text == "{}"  # off by default
    response = get(middleware(accept_signed=True), "/", signed)
    assert response.text == "{'user': 'ann'}"
    value = cookie_of(response).partition("=")[2]
    assert "." not in value  # re-issued encrypted
    assert open_(value)["user"] == "ann"
    tampered = "session=" + sign({"user": "ann"})[:-2] + "xx"
    assert get(middleware(accept_signed=True), "/", tampered).text == "{}"


def test_laziness_counts_decryptions(monkeypatch):
    counter = CountingCipher(monkeypatch)
    value = "session=" + seal({"user": "ann"})

    def untouched(environ, start_response):
        start_response("200 OK", [])
        return [b""]

    mw = make_middleware(untouched, SESSION_REFRESH_EACH_REQUEST=False)
    mw.session_interface = encrypted()
    get(mw, "/", value)
    assert counter.calls == 0
    get(middleware(), "/", value)
    assert counter.calls == 1


def test_untouched_decrypts_only_when_a_refresh_may_be_due(monkeypatch, clock):
    counter = CountingCipher(monkeypatch)

    def untouched(environ, start_response):
        start_response("200 OK", [])
        return [b""]

    value = "session=" + seal({"user": "ann", "_permanent": True})
    mw = make_middleware(untouched, SESSION_REFRESH_AFTER=60)
    mw.session_interface = encrypted()
    clock.advance(60)
    assert "Set-Cookie" not in get(mw, "/", value).headers
    assert counter.calls == 0
    clock.advance(1)
    assert "Set-Cookie" in get(mw, "/", value).headers  # permanent: refreshed
    assert counter.calls == 1


def test_size_guard_counts_the_sealed_size():
    import secrets

    big = {"blob": secrets.token_hex(1600)}
    with pytest.warns(UserWarning, match="over the 4093-byte limit") as caught:
        get(_store(big), "/")
    assert caught[0].filename == __file__  # the app's line, not the package's


def _store(data):
    def inner(environ, start_response):
        get_session(environ).update(data)
        start_response("200 OK", [])
        return [b""]

    mw = make_middleware(inner)
    mw.session_interface = encrypted()
    return mw


@pytest.mark.parametrize("driver", [wsgi_driver, pyramid_driver, bottle_driver])
def test_every_integration(driver):
    wsgi = driver()
    interface = encrypted()
    if hasattr(wsgi, "session_interface"):
        wsgi.session_interface = interface
    else:  # Pyramid and Bottle: rebuild with the interface
        wsgi = with_interface(driver, interface)
    client = TestApp(wsgi)
    response = client.get("/set")
    assert response.headers["Cache-Control"] == "private"
    value = cookie_of(response).partition("=")[2]
    assert b'"user"' not in b64decode(value.encode())  # sealed, not signed
    assert "." not in value
    assert client.get("/show").json == {"user": "ann"}


def test_cli_decode_encrypted(capsys):
    from cookiesession.cli import main

    value = seal({"user": "ann"})
    assert main(["decode", value, "--encrypted", "--secret-key", KEY]) == 0
    captured = capsys.readouterr()
    assert '"user": "ann"' in captured.out
    assert "opened with the current SECRET_KEY" in captured.err
    assert main(["decode", value, "--encrypted", "--secret-key", "other"]) == 1
    assert "does not open" in capsys.readouterr().err
    assert main(["decode", sign({"a": 1}), "--encrypted", "--secret-key", KEY]) == 1
    assert "not an encrypted session cookie" in capsys.readouterr().err


def test_the_0_2_format_opens_with_an_independent_implementation():
    """Format 1: HKDF-SHA256 with the documented info, AES-256-GCM, and the
    header and cookie name as associated data."""
    import json

    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    raw = b64decode(seal({"user": "ann"}, format_version=1).encode())
    header, nonce, sealed = raw[:9], raw[9:21], raw[21:]
    assert header[0] == 1
    key = HKDF(
        algorithm=hashes.SHA256(),
        length=32,
        salt=None,
        info=b"cookiesession encrypted session v1",
    ).derive(KEY.encode())
    plain = AESGCM(key).decrypt(nonce, sealed, header + b"session")
    assert plain[:1] == b"j"
    assert json.loads(plain[1:])["user"] == "ann"


def test_compression_only_when_shorter():
    small = {"a": 1}  # zlib would only add its header
    assert len(seal(small, compress=True)) == len(seal(small))
    compressible = {"blob": "abc" * 300}
    assert len(seal(compressible, compress=True)) < len(seal(compressible)) / 4
    assert open_(seal(compressible, compress=True))["blob"] == "abc" * 300


def test_cipher_cache_is_bounded():
    """The derived ciphers live in an lru_cache of 64 keys."""
    for i in range(100):
        sealed.cipher(f"key-{i}")
        sealed.cipher(f"key-{i}", b"salt" * 4)
    assert sealed._derived_v1.cache_info().currsize <= 64
    assert sealed._extracted.cache_info().currsize <= 64


def test_untouched_without_a_cookie_or_with_refresh_off(monkeypatch):
    interface = encrypted()
    mw = make_middleware(app)
    assert not interface.needs_refresh(mw, {})
    assert not interface.needs_refresh(mw, {"HTTP_COOKIE": "other=1"})
    value = "session=" + seal({"a": 1})
    assert interface.needs_refresh(mw, {"HTTP_COOKIE": value})
    off = make_middleware(app, SESSION_REFRESH_EACH_REQUEST=False)
    assert not interface.needs_refresh(off, {"HTTP_COOKIE": value})
    after = make_middleware(app, SESSION_REFRESH_AFTER=60)
    assert interface.needs_refresh(after, {"HTTP_COOKIE": "session=A"})  # unreadable


def test_accept_signed_with_a_bad_signed_cookie_is_invalid():
    events = []
    mw = middleware(accept_signed=True)
    mw.session_interface.event_hook = lambda e, d: events.append((e, d))
    assert get(mw, "/", "session=" + sign({"a": 1}, "other")).text == "{}"
    assert events == [("invalid", {"reason": "signature"})]


def test_an_undecodable_sealed_payload_is_invalid(monkeypatch):
    value = seal({"a": 1})
    monkeypatch.setattr(
        EncryptedCookieSessionInterface,
        "serializer",
        type("Broken", (), {"loads": staticmethod(lambda text: [1])})(),
    )
    with pytest.raises(ValueError, match=r"invalid \(payload\)"):
        open_(value)


def test_validator_and_revocation():
    value = seal({"user": "ann"})
    with pytest.raises(ValueError, match="revoked"):
        open_(value, validator=lambda data: False)


def test_cli_decode_encrypted_errors(capsys, clock):
    from cookiesession.cli import main

    value = seal({"user": "ann"})
    assert main(["decode", value, "--encrypted", "--unverified"]) == 1
    assert "cannot be read without its key" in capsys.readouterr().err
    assert main(["decode", value, "--encrypted"]) == 1
    assert "No secret key" in capsys.readouterr().err
    clock.advance(31 * 86400 + 1)
    assert main(["decode", value, "--encrypted", "--secret-key", KEY]) == 1
    assert "has expired" in capsys.readouterr().err
