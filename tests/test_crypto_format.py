"""Format 2 of encrypted cookies (0.3): a key per cookie, canonical base64
only, one clock read per seal, and 0.2's format read and re-sealed."""

from __future__ import annotations

import json
import string

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from cookiesession import get_session
from cookiesession.crypto import EncryptedCookieSessionInterface
from cookiesession.testing import load_session, session_cookie
from cookiesession.wire import sealed
from cookiesession.wire.signed import b64decode, b64encode
from tests.helpers import KEY, NOW, cookie_of, get, make_middleware

CONFIG = {"SECRET_KEY": KEY}
ALPHABET = string.ascii_letters + string.digits + "-_"


def seal(data, **kwargs):
    interface = EncryptedCookieSessionInterface(**kwargs)
    return session_cookie(CONFIG, data, session_interface=interface)


def open_(value, **kwargs):
    interface = EncryptedCookieSessionInterface(**kwargs)
    return load_session(CONFIG, value, session_interface=interface)


def app(environ, start_response):
    session = get_session(environ)
    body = json.dumps({k: v for k, v in session.items() if k != "_created"})
    start_response("200 OK", [("Content-Type", "application/json")])
    return [body.encode()]


def middleware(events, **kwargs):
    mw = make_middleware(app, **CONFIG)
    mw.session_interface = EncryptedCookieSessionInterface(
        event_hook=lambda event, details: events.append((event, details)), **kwargs
    )
    return mw


def test_the_documented_format_opens_with_an_independent_implementation():
    """HKDF-SHA256 with the documented info and the cookie's salt, a zero
    nonce, and the header and cookie name as associated data."""
    raw = b64decode(seal({"user": "ann"}).encode())
    header, salt, body = raw[:9], raw[9:25], raw[25:]
    assert header[0] == 2
    key = HKDF(
        algorithm=hashes.SHA256(),
        length=32,
        salt=None,
        info=b"cookiesession encrypted session v2 " + salt,
    ).derive(KEY.encode())
    plain = AESGCM(key).decrypt(bytes(12), body, header + b"session")
    assert plain[:1] == b"j"
    assert json.loads(plain[1:])["user"] == "ann"


def test_every_cookie_has_its_own_key(clock):
    """The same session sealed twice in the same second: different salts,
    so different keys; no salt repeats over many seals."""
    salts = {b64decode(seal({"a": 1}).encode())[9:25] for _ in range(2000)}
    assert len(salts) == 2000
    one, two = (b64decode(seal({"a": 1}).encode()) for _ in range(2))
    assert one[:9] == two[:9]  # same version and issue time
    assert one[25:] != two[25:]


def test_a_0_2_cookie_is_read_and_resealed_keeping_its_creation(clock):
    old = seal({"user": "ann"}, format_version=1)
    created = open_(old)["_created"]
    clock.advance(120)
    events = []
    response = get(middleware(events), "/", "session=" + old)
    assert response.json == {"user": "ann"}
    new = cookie_of(response).partition("=")[2]
    assert b64decode(new.encode())[0] == 2
    assert open_(new)["_created"] == created
    assert ("taken_over", {}) in events


def test_format_version_1_keeps_writing_the_0_2_format(clock):
    """The first step of a rolling upgrade: 0.3 servers write format 1
    (which 0.2 servers open) and read both without re-sealing."""
    value = seal({"user": "ann"}, format_version=1)
    assert b64decode(value.encode())[0] == 1
    events = []
    mw = middleware(events, format_version=1)
    assert get(mw, "/", "session=" + value).json == {"user": "ann"}
    response = get(mw, "/", "session=" + seal({"user": "bob"}))
    assert response.json == {"user": "bob"}
    assert "Set-Cookie" not in response.headers  # format 2 is not downgraded
    assert events == []


@pytest.mark.parametrize("version", [0, 3, "2"])
def test_an_unknown_format_version_is_refused(version):
    with pytest.raises(ValueError, match=r"format_version must be one of \(1, 2\)"):
        EncryptedCookieSessionInterface(format_version=version)


@pytest.mark.parametrize("format_version", [1, 2])
def test_no_one_character_change_opens(format_version):
    """Every cookie string differing in one character from a valid one fails
    to open: base64 has one spelling (0.2 opened 15 of 7,434)."""
    value = seal({"user": "ann"}, format_version=format_version)
    opened = 0
    for position in range(len(value)):
        for char in ALPHABET:
            if char == value[position]:
                continue
            changed = value[:position] + char + value[position + 1 :]
            try:
                open_(changed)
            except ValueError:
                continue
            opened += 1
    assert opened == 0


def test_a_non_canonical_spelling_is_malformed():
    """Same bytes, other spelling: the unused low bits of the last character
    set. The value decodes to the real bytes, yet is refused unopened."""
    for name in ("ann", "anna", "annie"):  # one of three lengths has spare bits
        value = seal({"user": name})
        raw = b64decode(value.encode())
        if len(raw) % 3:
            break
    last = ALPHABET.index(value[-1])
    changed = value[:-1] + ALPHABET[last ^ 1]  # the lowest bit is spare
    assert b64decode(changed.encode()) == raw
    assert b64encode(raw).decode() == value
    assert sealed.unseal([KEY], changed, b"session") == "malformed"
    assert not isinstance(sealed.unseal([KEY], value, b"session"), str)


def test_one_clock_read_per_seal(monkeypatch):
    """The issue time and ``_created`` are one reading, even when the clock
    ticks over a second between two."""
    readings = iter([NOW + 0.999, NOW + 1.001, NOW + 2.5])
    monkeypatch.setattr("time.time", lambda: next(readings))
    value = seal({"user": "ann"})
    issued = int.from_bytes(b64decode(value.encode())[1:9], "big")
    monkeypatch.setattr("time.time", lambda: NOW + 3)
    assert open_(value)["_created"] == issued == NOW


def test_an_unstorable_value_names_its_key():
    with pytest.raises(TypeError, match="'basket'.*set is not JSON serializable"):
        seal({"user": "ann", "basket": {1, 2}})
