"""The attack catalogue, and property tests of the cookie parser, the
session round trip and the environment loader."""

from __future__ import annotations

import hashlib
import os
import string
import time
from datetime import datetime, timezone

import pytest
import webob
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from itsdangerous import URLSafeTimedSerializer
from itsdangerous.encoding import base64_encode, int_to_bytes
from markupsafe import Markup

from cookiesession import Config, SessionMiddleware, get_session
from cookiesession.serializer import TaggedJSONSerializer
from tests.helpers import HMACCounter, examples

KEY = "security-test-key"
NOW = 1_800_000_000


def recording_app(seen):
    def app(environ, start_response):
        request = webob.Request(environ)
        session = get_session(environ)
        seen["data"], seen["new"] = dict(session), session.new
        if request.path == "/store":
            session.update(seen.pop("store"))
        elif request.path == "/logout":
            session.clear()
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"ok"]

    return app


def make(seen, **config):
    return SessionMiddleware(recording_app(seen), {"SECRET_KEY": KEY, **config})


def serializer(key=KEY, salt="cookie-session", derivation="hmac", digest=hashlib.sha1):
    return URLSafeTimedSerializer(
        key,
        salt=salt,
        serializer=TaggedJSONSerializer(),
        signer_kwargs={"key_derivation": derivation, "digest_method": digest},
    )


def get(mw, cookie, path="/"):
    headers = {"Cookie": cookie} if cookie is not None else {}
    return webob.Request.blank(path, headers=headers).get_response(mw)


def set_cookie_value(response):
    for header in response.headers.getall("Set-Cookie"):
        if header.startswith("session="):
            return header.split(";")[0].removeprefix("session=")
    return None


def swap_payloads(a, b):
    return a.split(".", 1)[0] + "." + b.split(".", 1)[1]


def push_timestamp(value):
    payload, _, signature = value.rsplit(".", 2)
    later = int(time.time()) + 10**6
    forged = base64_encode(int_to_bytes(later)).decode()
    return f"{payload}.{forged}.{signature}"


ANN = {"user": "ann", "role": "user"}
ADMIN = {"user": "root", "role": "admin"}

# (id, how the attacker builds the cookie) -> every one must give an empty,
# new session and a 200.
FORGERIES = [
    pytest.param(lambda: serializer("guessed-key").dumps(ADMIN), id="other-key"),
    pytest.param(
        # Both cookies are genuine; their parts cannot be recombined.
        lambda: swap_payloads(serializer().dumps(ADMIN), serializer().dumps(ANN)),
        id="payload-swap",
    ),
    pytest.param(
        lambda: push_timestamp(serializer().dumps(ANN)), id="timestamp-pushed"
    ),
    pytest.param(
        lambda: serializer(digest=hashlib.sha256).dumps(ADMIN), id="sha256-signed"
    ),
    pytest.param(
        lambda: serializer(derivation="none").dumps(ADMIN), id="no-derivation"
    ),
    pytest.param(lambda: serializer(derivation="concat").dumps(ADMIN), id="concat"),
    pytest.param(lambda: serializer(salt="other-salt").dumps(ADMIN), id="other-salt"),
    pytest.param(lambda: serializer().dumps(ADMIN) + "=" * 2, id="padding-added"),
    pytest.param(lambda: "A" * 60_000, id="oversize-60KB"),
    pytest.param(lambda: serializer().dumps(ADMIN)[:-1], id="truncated-signature"),
]


@pytest.mark.parametrize("forge", FORGERIES)
def test_forged_cookies_are_rejected(forge):
    seen = {}
    response = get(make(seen), "session=" + forge())
    assert response.status_int == 200
    assert seen == {"data": {}, "new": True}


def test_replay_after_logout_works_until_expiry(monkeypatch):
    """The documented limit of stateless cookies: a copied cookie verifies
    until it is older than PERMANENT_SESSION_LIFETIME, logout or not."""
    now = [float(NOW)]
    monkeypatch.setattr(time, "time", lambda: now[0])
    seen = {}
    mw = make(seen, PERMANENT_SESSION_LIFETIME=3600)
    seen["store"] = ANN
    copied = set_cookie_value(get(mw, None, "/store"))
    logout = get(mw, "session=" + copied, "/logout")
    assert "Max-Age=0" in logout.headers["Set-Cookie"]
    get(mw, "session=" + copied)
    assert seen["data"] == ANN  # replayed
    now[0] += 3601
    get(mw, "session=" + copied)
    assert seen["data"] == {}  # expired


@pytest.mark.parametrize(
    "value",
    [
        "x\r\nSet-Cookie: admin=1",
        "x\nLocation: http://evil.example/",
        "\x00\x7f\u2028;,=\"'",
    ],
)
def test_header_injection_through_session_values(value):
    seen = {"store": {"name": value}}
    response = get(make(seen), None, "/store")
    for _, header in response.headerlist:
        assert "\r" not in header
        assert "\n" not in header
        assert "\x00" not in header
    assert [n for n, _ in response.headerlist].count("Set-Cookie") == 1
    assert not any(
        h.startswith("admin=") for h in response.headers.getall("Set-Cookie")
    )
    follow = {}
    get(make(follow), "session=" + set_cookie_value(response))
    assert follow["data"] == {"name": value}


@pytest.mark.parametrize(
    "data",
    [
        {" t": [1, 2]},
        {" di": {" t__": 1}},
        {"x": {" b": "not base64 !"}},
        {"x": {" d": "yesterday"}},
        {"x": {" u": "not-a-uuid"}},
    ],
)
def test_tag_shaped_values_round_trip_as_data(data):
    seen = {"store": data}
    response = get(make(seen), None, "/store")
    follow = {}
    get(make(follow), "session=" + set_cookie_value(response))
    assert follow["data"] == data


@pytest.mark.parametrize(
    ("depth", "loads"),
    [
        pytest.param(100, True, id="deep-but-fine"),
        pytest.param(1_000, False, id="bomb-1k"),
        pytest.param(100_000, False, id="bomb-100k"),
    ],
)
def test_json_bomb_is_rejected_quietly(depth, loads):
    """A payload nested too deeply for the parser, even one signed with the
    real key, gives an empty session; no RecursionError escapes. Ordinary
    nesting still loads."""
    signer = serializer().make_signer()
    bomb = ('{"a":' + "[" * depth + "]" * depth + "}").encode()
    cookie = signer.sign(base64_encode(bomb)).decode()
    seen = {}
    assert get(make(seen), "session=" + cookie).status_int == 200
    assert seen["new"] is not loads
    assert ("a" in seen["data"]) is loads


def test_deep_value_on_save_is_a_clear_error():
    nested: list = []
    for _ in range(100_000):
        nested = [nested]
    seen = {"store": {"deep": nested}}
    with pytest.raises(TypeError, match="'deep'.*nested too deeply"):
        get(make(seen), None, "/store")


# -- properties ------------------------------------------------------------

# What a WSGI server puts in the environ: text decoded as latin-1.
wsgi_text = st.text(max_size=300).map(
    lambda s: s.encode("utf-8", "surrogatepass").decode("latin-1")
)


@settings(max_examples=300, deadline=None)
@given(header=wsgi_text)
def test_any_format_set_cookie_is_harmless(header):
    seen = {}
    response = get(make(seen), header)
    assert response.status_int == 200
    assert seen == {"data": {}, "new": True}


@settings(max_examples=300, deadline=None)
@given(value=wsgi_text, prefix=st.sampled_from(["", "a=b; ", 'x="; ']))
def test_any_session_cookie_value_is_harmless(value, prefix):
    seen = {}
    response = get(make(seen), f"{prefix}session={value}")
    assert response.status_int == 200
    assert seen == {"data": {}, "new": True}


@settings(max_examples=200, deadline=None)
@given(
    st.binary(max_size=200).map(lambda b: b.decode("latin-1")),
)
def test_mutated_genuine_cookie_never_crashes(junk):
    genuine = serializer().dumps(ANN)
    seen = {}
    for cookie in (genuine + junk, junk + genuine, genuine[:40] + junk + genuine[40:]):
        assert get(make(seen), "session=" + cookie).status_int == 200
        assert seen["data"] in ({}, ANN)


keys = st.text(max_size=8)
leaves = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**63)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20)
    | st.binary(max_size=20)
    | st.uuids()
    | st.datetimes(min_value=datetime(1970, 1, 2), max_value=datetime(9000, 1, 1)).map(
        lambda d: d.replace(microsecond=0, tzinfo=timezone.utc)
    )
    | st.text(max_size=10).map(Markup)
)
session_values = st.recursive(
    leaves,
    lambda children: (
        st.lists(children, max_size=4)
        | st.lists(children, max_size=4).map(tuple)
        | st.dictionaries(keys, children, max_size=4)
    ),
    max_leaves=25,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(keys, session_values, min_size=1, max_size=6))
def test_session_data_round_trips_exactly(data):
    seen = {"store": data}
    response = get(make(seen), None, "/store")
    follow = {}
    get(make(follow), "session=" + set_cookie_value(response))
    assert follow["data"] == data
    assert _types(follow["data"]) == _types(data)


def _types(value):
    if isinstance(value, dict):
        return {k: _types(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return (type(value), [_types(v) for v in value])
    return type(value)


env_names = st.text(
    alphabet=string.ascii_letters + string.digits + "_", min_size=1, max_size=12
)
env_values = st.text(max_size=30).filter(lambda s: "\x00" not in s) | st.sampled_from(
    ["1", "true", "{}", '{"a": 1}', "[1]", "null", '"s"']
)


@settings(max_examples=150, deadline=None)
@given(st.dictionaries(env_names, env_values, max_size=6))
def test_prefixed_env_loads_or_raises_value_error(env):
    with pytest.MonkeyPatch.context() as mp:
        for key in [k for k in os.environ if k.startswith("FUZZ_")]:
            mp.delenv(key)
        for name, value in env.items():
            mp.setenv(
                f"FUZZ_{name}",
                value.encode("utf-8", "surrogatepass").decode("utf-8", "replace"),
            )
        config = Config(defaults={"PRESET": 1})
        before = dict(config)
        try:
            config.from_prefixed_env("FUZZ")
        except ValueError as error:
            message = str(error)
        else:
            message = ""
        if message:
            assert "is not a dict" in message
            assert dict(config) == before
        else:
            for name in env:  # every variable reached its place
                *parents, tail = name.split("__")
                node = config
                for part in parents:
                    node = node[part]
                assert tail in node


# -- Bounded work and memory (0.2) ------------------------------------------


def flood(values):
    return "; ".join(f"session={value}" for value in values)


@pytest.mark.parametrize("fallbacks", [0, 3])
def test_duplicate_value_flooding_is_bounded(monkeypatch, fallbacks):
    """An 8 KB header of 682 values costs at most 3 x (1 + fallbacks) HMACs,
    and each value signed with another guessed key tests nothing more."""
    counter = HMACCounter(monkeypatch)
    keys = [f"old-{i}" for i in range(fallbacks)]
    seen = {}
    mw = make(seen, SECRET_KEY_FALLBACKS=keys)
    guesses = [serializer(f"guess-{i}").dumps(ADMIN) for i in range(682)]
    response = get(mw, flood(guesses))
    assert response.status_int == 200
    assert seen["new"] is True
    assert counter.count <= 3 * (1 + fallbacks)


def test_the_right_key_in_the_fourth_value_is_not_tried(monkeypatch):
    seen = {}
    values = [serializer("wrong").dumps(ADMIN)] * 3 + [serializer().dumps(ADMIN)]
    get(make(seen), flood(values))
    assert seen["data"] == {}
    get(make(seen), flood(values[1:]))
    assert seen["data"] == ADMIN


def test_a_dot_value_does_not_make_untouched_routes_verify(monkeypatch):
    counter = HMACCounter(monkeypatch)

    def untouched(environ, start_response):
        start_response("200 OK", [])
        return [b""]

    mw = SessionMiddleware(untouched, {"SECRET_KEY": KEY})
    get(mw, flood(["." + "A" * 100 + ".x.y"] * 50))
    assert counter.count == 0


def test_memory_stays_flat_under_unique_large_headers():
    """A flood of unique 64 KB headers leaves nothing behind: no cache
    holds a header."""
    import tracemalloc

    def untouched(environ, start_response):
        start_response("200 OK", [])
        return [b""]

    mw = SessionMiddleware(untouched, {"SECRET_KEY": KEY})
    sign = serializer().dumps

    def hit(i):
        header = f"session={sign({'_permanent': True, 'n': i})}; pad={'x' * 65536}{i}"
        environ = webob.Request.blank("/", headers={"Cookie": header}).environ
        mw(environ, lambda *args: None)

    for i in range(200):  # warm up: memos and caches at their working size
        hit(i)
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    for i in range(200, 3200):
        hit(i)
    grown = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    assert grown < 1024 * 1024  # 3,000 headers of 64 KB would be 192 MB


def test_runtime_config_mutation_is_refused():
    seen = {}
    mw = make(seen)
    for key, value in [("SECRET_KEY_FALLBACKS", "oldkey"), ("SECRET_KEY", "")]:
        with pytest.raises(TypeError, match="cannot be changed in place"):
            mw.config[key] = value
    # A one-character "key" never verifies.
    forged = serializer("o").dumps(ADMIN)
    get(mw, "session=" + forged)
    assert seen["data"] == {}


@pytest.mark.parametrize(
    ("config", "message"),
    [
        pytest.param({"SESSION_COOKIE_NAME": "__Host-s"}, "SECURE", id="host-secure"),
        pytest.param(
            {
                "SESSION_COOKIE_NAME": "__Host-s",
                "SESSION_COOKIE_SECURE": True,
                "SESSION_COOKIE_DOMAIN": "example.org",
            },
            "no SESSION_COOKIE_DOMAIN",
            id="host-domain",
        ),
        pytest.param(
            {
                "SESSION_COOKIE_NAME": "__host-s",
                "SESSION_COOKIE_SECURE": True,
                "SESSION_COOKIE_PATH": "/app",
            },
            "the path '/'",
            id="host-path",
        ),
        pytest.param(
            {"SESSION_COOKIE_NAME": "__Secure-s"}, "SECURE", id="secure-prefix"
        ),
    ],
)
def test_cookie_prefix_misuse_fails_at_build_time(config, message):
    with pytest.raises(ValueError, match=message):
        make({}, **config)


def test_cookie_prefixes_with_the_right_attributes_work():
    for name in ("__Host-s", "__Secure-s"):
        seen = {"store": {"a": 1}}
        mw = make(seen, SESSION_COOKIE_NAME=name, SESSION_COOKIE_SECURE=True)
        response = get(mw, None, "/store")
        assert response.headers["Set-Cookie"].startswith(f"{name}=")


@pytest.mark.parametrize(
    "lifetime",
    [
        pytest.param(3e11, id="3e11-seconds"),
        pytest.param(1e20, id="1e20-seconds"),
        pytest.param("inf", id="inf"),
        pytest.param(datetime.max - datetime.min, id="timedelta-max"),
    ],
)
def test_overflowing_durations_fail_at_build_time(lifetime):
    with pytest.raises(ValueError, match="PERMANENT_SESSION_LIFETIME"):
        make({}, PERMANENT_SESSION_LIFETIME=lifetime)


def test_the_longest_lifetime_accepted_still_saves():
    from datetime import timedelta

    seen = {"store": {"_permanent": True}}
    with pytest.warns(UserWarning, match="400 days"):
        mw = make(seen, PERMANENT_SESSION_LIFETIME=timedelta(days=365 * 999))
    response = get(mw, None, "/store")
    assert "Max-Age=31504" in response.headers["Set-Cookie"]


_NEAR_VALID = [
    serializer().dumps(ANN),
    serializer("guess").dumps(ADMIN),
    "." + "A" * 40,
]
# Each value whole, cut short and with a stray character: drawn from one
# list, which hypothesis draws far faster than mapped strategies.
_near_valid = st.sampled_from(
    [form for v in _NEAR_VALID for form in (v, v[:-1], v + "!")]
)
# Built once: the examples exercise the cookie parser, not the set-up.
_FLOODED = [
    make({}, SECRET_KEY_FALLBACKS=[f"old-{i}" for i in range(fallbacks)])
    for fallbacks in range(3)
]


def _call(app, cookie):
    """The status of one request, called as a WSGI server would."""
    environ = {"REQUEST_METHOD": "GET", "PATH_INFO": "/", "HTTP_COOKIE": cookie}
    status = []
    body = app(environ, lambda s, h, exc_info=None: status.append(s))
    b"".join(body)
    return status[0]


# 10,000 headers in all, a third per number of fallback keys: three tests of
# a few seconds rather than one that takes a quarter of the suite.
@pytest.mark.parametrize("fallbacks", [0, 1, 2])
@settings(
    max_examples=examples(10_000) // 3 + 1,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(
    st.lists(
        _near_valid | st.text(alphabet=string.ascii_letters + '._-=;" ', max_size=24),
        max_size=16,  # well past the 3 values tried
    ),
)
def test_any_cookie_header_is_bounded_and_harmless(fallbacks, values):
    """Arbitrary headers, many same-name values and values near validity:
    never an exception, never more HMACs than the bound."""
    from cookiesession.wire.signed import KeyedHMAC

    count = [0]
    real = KeyedHMAC.get_signature

    def counting(algorithm, key, value):
        count[0] += 1
        return real(algorithm, key, value)

    KeyedHMAC.get_signature = counting
    try:
        status = _call(_FLOODED[fallbacks], flood(values))
    finally:
        KeyedHMAC.get_signature = real
    assert status == "200 OK"
    assert count[0] <= 3 * (1 + fallbacks)
