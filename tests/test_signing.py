"""The tuned serializer writes and reads exactly what itsdangerous does."""

from __future__ import annotations

import hashlib
import time
from datetime import datetime, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from itsdangerous import (
    BadData,
    BadPayload,
    BadSignature,
    BadTimeSignature,
    SignatureExpired,
    URLSafeTimedSerializer,
)

from cookiesession.serializer import TaggedJSONSerializer
from cookiesession.wire.signed import COMPRESS_MIN, SessionSerializer

KEYS = ["old-key", "current-key"]


def ours(keys=KEYS):
    return SessionSerializer(
        keys, "cookie-session", TaggedJSONSerializer(), "hmac", hashlib.sha1
    )


def reference(keys=KEYS):
    return URLSafeTimedSerializer(
        keys,
        salt="cookie-session",
        serializer=TaggedJSONSerializer(),
        signer_kwargs={"key_derivation": "hmac", "digest_method": hashlib.sha1},
    )


json_data = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=20,
)


@settings(max_examples=60, deadline=None)
@given(st.dictionaries(st.text(max_size=10), json_data, max_size=6))
def test_same_values_both_ways(data):
    assert reference().loads(ours().dumps(data)) == data
    assert ours().loads(reference().dumps(data)) == data


@pytest.mark.parametrize("size", [1, COMPRESS_MIN - 20, COMPRESS_MIN * 4])
def test_identical_output_when_compressed_the_same(size):
    data = {"x": "a" * size}
    mine, theirs = ours().dumps(data), reference().dumps(data)
    if size >= COMPRESS_MIN or not theirs.startswith("."):
        assert mine.split(".")[:-2] == theirs.split(".")[:-2]
    assert reference().loads(mine) == ours().loads(theirs) == data


def test_old_keys_verify():
    value = ours(["old-key"]).dumps({"a": 1})
    assert ours().loads(value) == {"a": 1}
    with pytest.raises(BadSignature):
        ours(["other"]).loads(value)


def test_return_timestamp_and_salt_passthrough(monkeypatch):
    monkeypatch.setattr(time, "time", lambda: 1_800_000_000.5)
    value = ours().dumps({"a": 1})
    data, stamp = ours().loads(value, return_timestamp=True)
    assert data == {"a": 1}
    assert stamp == datetime.fromtimestamp(1_800_000_000, timezone.utc)
    salted = ours().dumps({"a": 1}, salt="other")
    assert ours().loads(salted, salt="other") == {"a": 1}
    with pytest.raises(BadSignature):
        ours().loads(salted)
    assert ours().make_signer("other") is not ours().make_signer()


@pytest.mark.parametrize(
    ("mangle", "error"),
    [
        pytest.param(lambda v: v.replace(".", ""), BadSignature, id="no-dots"),
        pytest.param(lambda v: v.rsplit(".", 1)[0] + ".A", BadSignature, id="bad-b64"),
        pytest.param(lambda v: "", BadSignature, id="empty"),
    ],
)
def test_malformed(mangle, error):
    with pytest.raises(error):
        ours().loads(mangle(ours().dumps({"a": 1})))


def test_signed_but_malformed_inside():
    s = ours()
    signer = s.make_signer()
    with pytest.raises(BadTimeSignature):  # signed, but no timestamp
        s.loads(b"nodot." + signer.get_signature(b"nodot"))
    bad_stamp = b"e30.A"
    with pytest.raises(BadTimeSignature):
        s.loads(bad_stamp + b"." + signer.get_signature(bad_stamp))
    for payload in (b"!!!", b".eJw", b"bm90IGpzb24"):
        value = signer.sign(payload)
        with pytest.raises(BadPayload):
            s.loads(value)


def test_expiry(monkeypatch):
    now = [1_800_000_000.0]
    monkeypatch.setattr(time, "time", lambda: now[0])
    value = ours().dumps({"a": 1})
    now[0] += 10
    assert ours().loads(value, max_age=10) == {"a": 1}
    with pytest.raises(SignatureExpired, match="> 9"):
        ours().loads(value, max_age=9)
    now[0] -= 20
    with pytest.raises(SignatureExpired, match="< 0"):
        ours().loads(value, max_age=100)


def _outcome(serializer, value, max_age=60):
    try:
        return ("ok", serializer.loads(value, max_age=max_age))
    except BadData as e:
        original = getattr(e, "original_error", None)
        return (
            type(e),
            str(e),
            getattr(e, "payload", None),
            getattr(e, "date_signed", None),
            type(original),
        )


def _cases():
    good = reference().dumps({"a": 1})
    payload, stamp, signature = good.rsplit(".", 2)
    signed_bad_json = reference().make_signer().sign(b"bm90IGpzb24").decode()
    return [
        pytest.param(good, id="valid"),
        pytest.param("no-dot-at-all", id="no-dot"),
        pytest.param("a.b", id="one-dot-bad-sig"),
        pytest.param(f"{payload}.{stamp}.{signature[:-2]}xx", id="bad-sig"),
        pytest.param(f"{payload}.{stamp}.!!", id="sig-not-base64"),
        pytest.param(f"{payload}.!!.{signature}", id="stamp-not-base64"),
        pytest.param(f"{payload}.__________.{signature}", id="stamp-huge"),
        pytest.param(f"{payload}x.{stamp}.{signature}", id="payload-changed"),
        pytest.param(signed_bad_json, id="undecodable-payload"),
        pytest.param("." + good, id="not-zlib"),
        pytest.param("", id="empty"),
    ]


@pytest.mark.parametrize("value", _cases())
def test_same_exceptions_as_itsdangerous(value, monkeypatch):
    """Class, message, payload and date_signed are itsdangerous 2.2's."""
    assert _outcome(ours(), value) == _outcome(reference(), value)


@pytest.mark.parametrize(
    "shift", [pytest.param(120, id="expired"), pytest.param(-120, id="future")]
)
def test_expired_and_future_carry_payload_and_date(clock, shift):
    value = reference().dumps({"a": 1})
    clock.advance(shift)
    mine, theirs = _outcome(ours(), value), _outcome(reference(), value)
    assert mine == theirs
    assert mine[0] is SignatureExpired
    assert mine[2] is not None
    assert mine[3] is not None


def test_hash_is_looked_up_when_used(monkeypatch):
    """A FIPS build without SHA-1 can import the package; Flask's rule."""
    import subprocess
    import sys

    code = (
        "import hashlib\n"
        "def refuse(*a, **k): raise ValueError('sha1 disabled')\n"
        "hashlib.sha1 = refuse\n"
        "import cookiesession, cookiesession.sessions\n"
        "print('imported')\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "imported"
