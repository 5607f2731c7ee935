"""Idle and absolute timeouts, throttled refresh, revocation and events
(DESIGN §10), at their boundaries, with the clock under control."""

from __future__ import annotations

import json
import logging
from datetime import timedelta

import pytest
from webtest import TestApp

from cookiesession import SecureCookieSessionInterface, SessionMiddleware, get_session
from tests.helpers import (
    KEY,
    NOW,
    bottle_driver,
    cookie_of,
    get,
    make_middleware,
    pyramid_driver,
    set_cookies,
    sign,
    wsgi_driver,
)

IDLE, ABSOLUTE, AFTER = 600, 3600, 60


def app(environ, start_response):
    """``/`` reads the session; ``/set`` and ``/permanent`` write;
    ``/untouched`` ignores it."""
    path = environ["PATH_INFO"]
    if path != "/untouched":
        session = get_session(environ)
        if path == "/set":
            session["user"] = "ann"
        elif path == "/permanent":
            session.update(user="ann", _permanent=True)
        body = repr(sorted(k for k in session if not k.startswith("_"))).encode()
    else:
        body = b"untouched"
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [body]


class Events:
    """Collects what the event hook is told."""

    def __init__(self):
        self.seen = []

    def __call__(self, event, details):
        self.seen.append((event, details))


def make(events=None, validator=None, **config):
    mw = make_middleware(app, **config)
    mw.session_interface = SecureCookieSessionInterface(
        validator=validator, event_hook=events
    )
    return mw


def stamp_of(response):
    value = cookie_of(response).partition("=")[2]
    from cookiesession.wire.signed import peek_timestamp

    return peek_timestamp(value)


@pytest.mark.parametrize(
    ("age", "valid"),
    [
        pytest.param(IDLE - 1, True, id="a-second-before"),
        pytest.param(IDLE, True, id="at-the-limit"),
        pytest.param(IDLE + 1, False, id="a-second-after"),
    ],
)
def test_idle_timeout_boundary(clock, age, valid):
    events = Events()
    mw = make(events, SESSION_IDLE_TIMEOUT=IDLE)
    cookie = "session=" + sign({"user": "ann"})
    clock.advance(age)
    response = get(mw, "/", cookie)
    if valid:
        assert response.text == "['user']"
        assert stamp_of(response) == NOW + age  # used: re-issued, timer reset
        assert events.seen == [("reissued", {})]
    else:
        assert response.text == "[]"
        assert "Max-Age=0" in set_cookies(response)[0]  # the stale cookie goes
        assert events.seen == [("expired", {"reason": "idle"})]


def test_an_active_user_is_not_logged_out_by_the_idle_timeout(clock):
    client = TestApp(make(SESSION_IDLE_TIMEOUT=IDLE))
    client.get("/set")
    for _ in range(10):  # 10 x 500 s: far past the idle limit in total
        clock.advance(500)
        assert client.get("/").text == "['user']"


@pytest.mark.parametrize(
    ("age", "reissued"),
    [
        pytest.param(AFTER - 1, False, id="younger"),
        pytest.param(AFTER, False, id="exactly-as-old"),  # "older than" is strict
        pytest.param(AFTER + 1, True, id="older"),
    ],
)
def test_refresh_after_throttles_reissue(clock, age, reissued):
    mw = make(SESSION_IDLE_TIMEOUT=IDLE, SESSION_REFRESH_AFTER=AFTER)
    cookie = "session=" + sign({"user": "ann"})
    clock.advance(age)
    response = get(mw, "/", cookie)
    assert bool(set_cookies(response)) is reissued


@pytest.mark.parametrize(
    ("age", "valid"),
    [
        pytest.param(ABSOLUTE - 1, True, id="a-second-before"),
        pytest.param(ABSOLUTE, True, id="at-the-limit"),
        pytest.param(ABSOLUTE + 1, False, id="a-second-after"),
    ],
)
def test_absolute_timeout_boundary_however_active(clock, age, valid):
    events = Events()
    mw = make(events, SESSION_IDLE_TIMEOUT=IDLE, SESSION_ABSOLUTE_TIMEOUT=ABSOLUTE)
    clock.advance(age)
    cookie = "session=" + sign({"user": "ann", "_created": NOW})  # fresh cookie
    assert (get(mw, "/", cookie).text == "['user']") is valid
    if not valid:
        assert events.seen[0] == ("expired", {"reason": "absolute"})


def test_created_is_written_only_with_an_absolute_timeout(clock):
    from cookiesession.wire.signed import b64decode

    def payload(response):
        value = cookie_of(response).partition("=")[2]
        return b64decode(value.split(".")[0].encode())

    assert b"_created" not in payload(get(make(), "/set"))
    response = get(make(SESSION_ABSOLUTE_TIMEOUT=ABSOLUTE), "/set")
    assert f'"_created":{NOW}'.encode() in payload(response)


def test_a_flask_cookie_counts_from_its_signature_and_gets_created(clock):
    from tests.helpers import flask_cookie as make_flask_cookie

    flask_cookie = make_flask_cookie({"user": "ann"})
    assert "_created" not in flask_cookie
    mw = make(SESSION_ABSOLUTE_TIMEOUT=ABSOLUTE)
    clock.advance(ABSOLUTE - 10)
    response = get(mw, "/set", flask_cookie)  # a write adds _created = its stamp
    client = TestApp(mw)
    client.set_cookie("session", cookie_of(response).partition("=")[2])
    clock.advance(20)  # past the absolute limit counted from Flask's stamp
    assert client.get("/").text == "[]"


def test_flask_reads_cookies_made_with_the_timeouts_on(clock):
    import flask

    flask_app = flask.Flask(__name__)
    flask_app.secret_key = KEY

    @flask_app.route("/")
    def show():
        return dict(flask.session)

    mw = make(SESSION_IDLE_TIMEOUT=IDLE, SESSION_ABSOLUTE_TIMEOUT=ABSOLUTE)
    cookie = cookie_of(get(mw, "/set"))
    client = TestApp(flask_app)
    client.set_cookie("session", cookie.partition("=")[2])
    assert client.get("/").json == {"user": "ann", "_created": NOW}


@pytest.mark.parametrize(
    "created",
    [
        pytest.param(NOW + 61, id="future beyond the leeway"),
        pytest.param("1800000000", id="string"),
        pytest.param(True, id="bool"),
        pytest.param(1.5, id="float"),
    ],
)
def test_a_bad_created_is_an_invalid_session(clock, created):
    events = Events()
    cookie = "session=" + sign({"user": "ann", "_created": created})
    response = get(make(events, SESSION_ABSOLUTE_TIMEOUT=ABSOLUTE), "/", cookie)
    assert response.text == "[]"
    assert events.seen == [("invalid", {"reason": "payload"})]


def test_a_forged_timestamp_is_an_invalid_session(clock):
    events = Events()
    value = sign({"user": "ann"})
    payload, _, signature = value.rsplit(".", 2)
    forged = f"{payload}.AAAAAA.{signature}"
    response = get(make(events, SESSION_IDLE_TIMEOUT=IDLE), "/", "session=" + forged)
    assert response.text == "[]"
    assert events.seen == [("invalid", {"reason": "signature"})]


def test_validator_revokes(clock):
    generations = {"ann": 2}
    events = Events()

    def validator(data):
        return data.get("generation") == generations.get(data.get("user"))

    mw = make(events, validator)
    old = "session=" + sign({"user": "ann", "generation": 1})
    response = get(mw, "/", old)
    assert response.text == "[]"
    assert "Max-Age=0" in set_cookies(response)[0]
    assert events.seen == [("revoked", {})]
    current = "session=" + sign({"user": "ann", "generation": 2})
    assert get(mw, "/", current).text == "['generation', 'user']"


def test_a_validator_that_raises_revokes_and_is_logged(caplog):
    def validator(data):
        raise RuntimeError("database down")

    response = get(make(validator=validator), "/", "session=" + sign({"a": 1}))
    assert response.text == "[]"
    assert "The session validator raised" in caplog.text


def test_untouched_young_cookie_costs_no_signature_check(clock, monkeypatch):
    from cookiesession.wire.signed import KeyedHMAC

    calls = []
    real = KeyedHMAC.get_signature
    monkeypatch.setattr(
        KeyedHMAC,
        "get_signature",
        lambda self, key, value: calls.append(1) or real(self, key, value),
    )
    mw = make(SESSION_REFRESH_AFTER=AFTER)
    cookie = "session=" + sign({"_permanent": True, "user": "ann"})
    calls.clear()
    clock.advance(AFTER)
    assert set_cookies(get(mw, "/untouched", cookie)) == []
    assert calls == []
    clock.advance(1)
    assert set_cookies(get(mw, "/untouched", cookie))  # refreshed now
    assert calls


def test_untouched_requests_are_no_activity_under_an_idle_timeout(clock):
    """An image or a health check must not keep a session alive."""
    mw = make(SESSION_IDLE_TIMEOUT=IDLE)
    cookie = "session=" + sign({"_permanent": True, "user": "ann"})
    for _ in range(3):
        clock.advance(IDLE // 2)
        assert set_cookies(get(mw, "/untouched", cookie)) == []
    assert get(mw, "/", cookie).text == "[]"  # idle since it was issued


def test_set_cookie_headers_per_1000_requests(clock):
    """A permanent session read 1,000 times, a second apart."""
    counts = {}
    for after in (None, AFTER):
        client = TestApp(make(SESSION_REFRESH_AFTER=after))
        client.get("/permanent")
        sent = 0
        for _ in range(1000):
            clock.advance(1)
            sent += bool(set_cookies(client.get("/")))
        counts[after] = sent
    assert counts == {None: 1000, AFTER: 1000 // AFTER}


@pytest.mark.parametrize(
    ("config", "key"),
    [
        pytest.param(
            {"SESSION_IDLE_TIMEOUT": 60, "SESSION_REFRESH_AFTER": 60},
            "SESSION_REFRESH_AFTER",
            id="refresh-not-shorter-than-idle",
        ),
        pytest.param(
            {"PERMANENT_SESSION_LIFETIME": 60, "SESSION_REFRESH_AFTER": 120},
            "SESSION_REFRESH_AFTER",
            id="refresh-not-shorter-than-lifetime",
        ),
        pytest.param({"SESSION_IDLE_TIMEOUT": 0}, "SESSION_IDLE_TIMEOUT", id="zero"),
        pytest.param(
            {"SESSION_ABSOLUTE_TIMEOUT": "-5"}, "SESSION_ABSOLUTE_TIMEOUT", id="neg"
        ),
        pytest.param({"SESSION_IDLE_TIMEOUT": "nan"}, "SESSION_IDLE_TIMEOUT", id="nan"),
        pytest.param(
            {"SESSION_ABSOLUTE_TIMEOUT": [1]}, "SESSION_ABSOLUTE_TIMEOUT", id="list"
        ),
    ],
)
def test_bad_durations_fail_at_build_time(config, key):
    with pytest.raises((ValueError, TypeError), match=key):
        make(**config)


@pytest.mark.parametrize("driver", [wsgi_driver, pyramid_driver, bottle_driver])
def test_every_integration_honours_the_timeouts(clock, driver):
    wsgi = driver(SESSION_IDLE_TIMEOUT=IDLE, SESSION_ABSOLUTE_TIMEOUT=ABSOLUTE)
    client = TestApp(wsgi)
    client.get("/set")
    clock.advance(IDLE - 1)
    assert client.get("/show").json == {"user": "ann"}  # re-issued on use
    clock.advance(IDLE - 1)
    assert client.get("/show").json == {"user": "ann"}
    clock.advance(IDLE + 1)
    response = client.get("/show")
    assert response.json == {}
    clock.advance(-3 * IDLE)
    client.get("/set")
    for _ in range(ABSOLUTE // 500 + 1):
        clock.advance(500)
        last = client.get("/show").json
    assert last == {}  # the absolute limit, however active


def test_events_and_logs_never_hold_secrets(clock, caplog):
    """Cookies, session values and keys stay out of event details and logs."""
    caplog.set_level(logging.DEBUG)
    events = Events()
    secret_value = "private-value-123"
    mw = make(
        events,
        SESSION_IDLE_TIMEOUT=IDLE,
        SECRET_KEY_FALLBACKS=["old-key-xyz"],
        MAX_COOKIE_SIZE=100,
    )
    cookies = [
        sign({"user": secret_value}),
        sign({"user": secret_value}, "old-key-xyz"),
        sign({"user": secret_value})[:-3] + "abc",
        "garbage",
    ]

    def run():
        for cookie in cookies:
            get(mw, "/", "session=" + cookie)
        clock.advance(IDLE + 1)
        get(mw, "/", "session=" + cookies[0])

    with pytest.warns(UserWarning, match="over the 100-byte"):
        run()
    seen = {event for event, _ in events.seen}
    assert seen == {"reissued", "fallback_key", "invalid", "expired", "oversize"}
    text = repr(events.seen) + caplog.text
    for forbidden in [secret_value, KEY, "old-key-xyz", *cookies]:
        assert forbidden not in text
    assert ("fallback_key", {"index": 0}) in events.seen
    assert any(
        e == "oversize" and d["limit"] == 100 and d["size"] > 100
        for e, d in events.seen
    )


@pytest.mark.parametrize("index", [0, 1, 2])
def test_each_fallback_key_is_reported_by_its_index(index):
    """Every key is tried (newest first), and the event names the index in
    SECRET_KEY_FALLBACKS of the one that verified."""
    events = Events()
    fallbacks = ["old-key-0", "old-key-1", "old-key-2"]
    mw = make(events, SECRET_KEY_FALLBACKS=fallbacks)
    response = get(mw, "/", "session=" + sign({"user": "ann"}, fallbacks[index]))
    assert response.text == "['user']"
    assert events.seen == [("fallback_key", {"index": index})]
    reissued = cookie_of(response).partition("=")[2]
    assert get(make(), "/", "session=" + reissued).text == "['user']"


def test_a_hook_that_raises_is_logged_and_ignored(caplog):
    def hook(event, details):
        raise RuntimeError("metrics down")

    response = get(make(hook), "/", "session=garbage")
    assert response.status_int == 200
    assert "event hook raised" in caplog.text


def test_settings_off_keep_flasks_bytes(clock):
    """With no timeout set, the cookie is exactly what Flask writes."""
    import flask

    flask_app = flask.Flask(__name__)
    flask_app.secret_key = KEY

    @flask_app.route("/set")
    def set_user():
        flask.session["user"] = "ann"
        return "ok"

    ours = cookie_of(get(make(), "/set"))
    theirs = cookie_of(TestApp(flask_app).get("/set"))
    assert ours == theirs


def test_timedelta_settings(clock):
    mw = make(SESSION_IDLE_TIMEOUT=timedelta(minutes=10))
    clock.advance(0)
    cookie = "session=" + sign({"user": "ann"})
    clock.advance(601)
    assert get(mw, "/", cookie).text == "[]"


def test_cli_decode_shows_created_and_the_first_limit(clock, capsys, monkeypatch):
    from cookiesession.cli import main

    value = sign({"user": "ann", "_created": NOW - 100})
    clock.advance(50)
    assert main(["decode", value, "--secret-key", KEY]) == 0
    err = capsys.readouterr().err
    assert "(150 seconds ago)" in err  # _created
    assert "expires: in 2678350 seconds (PERMANENT_SESSION_LIFETIME)" in err
    monkeypatch.setenv("FLASK_SESSION_IDLE_TIMEOUT", "600")
    assert main(["decode", value, "--secret-key", KEY]) == 0
    err = capsys.readouterr().err
    assert "expires: in 550 seconds (SESSION_IDLE_TIMEOUT)" in err
    clock.advance(551)
    assert main(["decode", value, "--secret-key", KEY]) == 1
    assert "SESSION_IDLE_TIMEOUT" in capsys.readouterr().err


# When a stale cookie is deleted, if the application writes nothing: one
# rule for every interface.
def _stale_cases():
    return [
        pytest.param("lifetime", False, id="lifetime-kept"),
        pytest.param("idle", True, id="idle-deleted"),
        pytest.param("absolute", True, id="absolute-deleted"),
        pytest.param("revoked", True, id="revoked-deleted"),
        pytest.param("future", False, id="future-kept"),
        pytest.param("signature", False, id="bad-signature-kept"),
    ]


@pytest.mark.parametrize(("case", "deleted"), _stale_cases())
@pytest.mark.parametrize("encrypted", [False, True], ids=["signed", "encrypted"])
def test_which_stale_cookies_are_deleted(clock, case, deleted, encrypted):
    from cookiesession.crypto import EncryptedCookieSessionInterface

    config = {
        "SECRET_KEY": KEY,
        "PERMANENT_SESSION_LIFETIME": 1000,
        "SESSION_IDLE_TIMEOUT": 600 if case == "idle" else None,
        "SESSION_ABSOLUTE_TIMEOUT": 600 if case == "absolute" else None,
    }
    kind = (
        EncryptedCookieSessionInterface if encrypted else SecureCookieSessionInterface
    )
    validator = (lambda data: False) if case == "revoked" else None

    def app(environ, start_response):
        session = get_session(environ)
        if environ["PATH_INFO"] == "/login":
            session["user"] = "ann"
        body = json.dumps({"user": session.get("user")}).encode()
        start_response("200 OK", [("Content-Type", "application/json")])
        return [body]

    def server():
        return SessionMiddleware(
            app, config, session_interface=kind(validator=validator)
        )

    if case == "future":
        clock.advance(120)
    cookie = cookie_of(get(server(), "/login"))
    if case == "signature":
        cookie = cookie[:-3] + ("AAA" if cookie[-3:] != "AAA" else "BBB")
    clock.advance({"lifetime": 1001, "idle": 601, "absolute": 601}.get(case, 0))
    if case == "future":
        clock.advance(-120)
    response = get(server(), "/", cookie)
    assert response.json.get("user") is None
    sent = response.headers.getall("Set-Cookie")
    assert bool(sent) is deleted
    if deleted:
        assert "Max-Age=0" in sent[0]


@pytest.mark.parametrize("encrypted", [False, True], ids=["signed", "encrypted"])
def test_a_validator_that_raises_is_not_a_revocation(encrypted):
    """One database blip must not log everyone out for good."""
    from cookiesession.crypto import EncryptedCookieSessionInterface

    down = [False]
    events = []

    def validator(data):
        if down[0]:
            raise ConnectionError("the database is away")
        return True

    kind = (
        EncryptedCookieSessionInterface if encrypted else SecureCookieSessionInterface
    )
    interface = kind(validator=validator, event_hook=lambda e, d: events.append((e, d)))

    def app(environ, start_response):
        session = get_session(environ)
        if environ["PATH_INFO"] == "/login":
            session["user"] = "ann"
        if environ["PATH_INFO"] == "/write":
            session["cart"] = ["apple"]
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [str(session.get("user")).encode()]

    mw = SessionMiddleware(app, {"SECRET_KEY": KEY}, session_interface=interface)
    cookie = cookie_of(get(mw, "/login"))
    down[0] = True
    response = get(mw, "/", cookie)
    assert response.text == "None"  # that request's session is empty
    assert set_cookies(response) == []  # the cookie is kept
    assert events[-1] == ("validator_error", {"error": "ConnectionError"})
    with pytest.warns(RuntimeWarning, match="not saved"):
        response = get(mw, "/write", cookie)
    assert set_cookies(response) == []  # its writes are not saved
    down[0] = False
    assert get(mw, "/", cookie).text == "ann"  # still logged in
