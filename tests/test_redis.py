"""Server-side sessions against a real redis-server the tests start."""

from __future__ import annotations

import hashlib
import json
import pickle
import threading

import pytest
import requests
import webob
from webtest import TestApp

from cookiesession import SessionMiddleware, SessionStoreError, get_session
from cookiesession.redis import RedisSessionInterface
from cookiesession.stores.plan import user_index_of
from cookiesession.wire.signed import b64decode
from tests.helpers import (
    KEY,
    RedisServer,
    bottle_driver,
    cookie_of,
    demo_post,
    get,
    pyramid_driver,
    set_cookies,
    sign,
    wsgi_driver,
)


class Counting:
    """Wraps a client and counts round trips: single commands and pipeline
    executions."""

    def __init__(self, client):
        self.client = client
        self.round_trips = 0

    def __getattr__(self, name):
        attribute = getattr(self.client, name)
        if name in ("register_script", "connection_pool"):
            return attribute  # no I/O
        if name == "pipeline":

            def pipeline(*args, **kwargs):
                pipe = attribute(*args, **kwargs)
                real = pipe.execute

                def execute(*a, **k):
                    self.round_trips += 1
                    return real(*a, **k)

                pipe.execute = execute
                return pipe

            return pipeline
        if callable(attribute):

            def command(*args, **kwargs):
                self.round_trips += 1
                return attribute(*args, **kwargs)

            return command
        return attribute


def app(environ, start_response):
    """/set?k=v writes; /show reads; /untouched ignores the session;
    /clear empties it; /regenerate regenerates it."""
    request = webob.Request(environ)
    path = request.path
    if path != "/untouched":
        session = get_session(environ)
        if path == "/set":
            session.update(request.params)
        elif path == "/clear":
            session.clear()
        elif path == "/regenerate":
            session.regenerate()
        elif path == "/permanent":
            session.permanent = True
        body = json.dumps({k: v for k, v in session.items() if k != "_permanent"})
    else:
        body = "untouched"
    start_response("200 OK", [("Content-Type", "application/json")])
    return [body.encode()]


def make(client, **kwargs):
    config = kwargs.pop("config", {})
    interface = RedisSessionInterface(client, **kwargs)
    return SessionMiddleware(
        app, {"SECRET_KEY": KEY, **config}, session_interface=interface
    )


def cookie_header(client):
    """The ``Cookie`` header that sends *client*'s session cookie."""
    return "session=" + client.cookies["session"].strip('"')


def load(mw, cookie):
    """The session *cookie* opens, straight from the interface."""
    request = webob.Request.blank("/", headers={"Cookie": cookie})
    return mw.session_interface.open_session(mw, request)


def test_round_trip_and_an_opaque_id(redis_client):
    client = TestApp(make(redis_client))
    # A value long enough that a random id never holds it by chance.
    response = client.get("/set?user=ann-the-tester&cart=tea")
    value = cookie_of(response).partition("=")[2]
    assert "ann-the-tester" not in value
    assert client.get("/show").json == {"user": "ann-the-tester", "cart": "tea"}
    keys = redis_client.keys("*")
    assert len(keys) == 1
    sid, permanent = json.loads(b64decode(value.split(".")[0].encode()))
    assert len(sid) >= 43  # 32 random bytes
    assert permanent is False
    assert keys[0].decode() == "session:" + hashlib.sha256(sid.encode()).hexdigest()
    assert sid.encode() not in keys[0]


def test_values_are_tagged_json_never_pickle(redis_client):
    client = TestApp(make(redis_client))
    client.get("/set?user=ann")
    (key,) = redis_client.keys("*")
    stored = redis_client.hgetall(key)
    assert stored[b"d:user"] == b'"ann"'
    assert set(stored) == {b"d:user", b"m:created", b"m:used", b"m:probation"}


def test_nothing_is_stored_for_untouched_or_unmodified_sessions(redis_client):
    mw = make(redis_client)
    for path in ("/untouched", "/show"):
        for _ in range(1000):
            response = get(mw, path)
            assert set_cookies(response) == []
    assert redis_client.dbsize() == 0


def test_emptying_deletes_the_session_and_the_cookie(redis_client):
    """What is left is a tombstone for the grace: no data, and the old id
    loads as nothing."""
    client = TestApp(make(redis_client))
    client.get("/set?user=ann")
    response = client.get("/clear")
    assert "Max-Age=0" in set_cookies(response)[0]
    (key,) = redis_client.keys("*")
    assert redis_client.hgetall(key) == {b"m:tomb": b"1"}
    assert 0 < redis_client.ttl(key) <= 30


def test_round_trips(redis_client):
    TestApp(make(redis_client)).get("/set?user=warm")  # the scripts loaded
    counting = Counting(redis_client)
    client = TestApp(make(counting))
    client.get("/set?user=ann")
    assert counting.round_trips == 1  # one save
    counting.round_trips = 0
    client.get("/untouched")
    assert counting.round_trips == 0
    client.get("/show")
    assert counting.round_trips == 2  # one load; the probation ends: one save
    counting.round_trips = 0
    client.get("/show")
    assert counting.round_trips == 1  # one load, no save
    counting.round_trips = 0
    client.get("/set?cart=tea")
    assert counting.round_trips == 2  # one load, one save


def test_only_changed_keys_are_written(redis_client):
    """Two interleaved requests of one session change different keys; both
    changes persist."""
    mw = make(redis_client)
    client = TestApp(mw)
    client.get("/set?user=ann")
    cookie = cookie_header(client)
    interface = mw.session_interface

    first = load(mw, cookie)
    second = load(mw, cookie)
    first["cart"] = "tea"
    second["theme"] = "dark"
    for session in (first, second):
        interface.save_session(mw, session, webob.Response())
    assert client.get("/show").json == {"user": "ann", "cart": "tea", "theme": "dark"}


def test_a_revoke_in_flight_is_not_undone(redis_client):
    mw = make(redis_client, user_key="user")
    client = TestApp(mw)
    client.get("/set?user=ann")
    cookie = cookie_header(client)
    interface = mw.session_interface
    in_flight = load(mw, cookie)
    assert interface.revoke_user("ann") == 1
    in_flight["cart"] = "tea"
    response = webob.Response()
    interface.save_session(mw, in_flight, response)
    assert "Max-Age=0" in response.headers["Set-Cookie"]
    assert redis_client.dbsize() == 0  # not brought back, index gone too
    assert client.get("/show").json == {}


def test_regenerate(redis_client):
    mw = make(redis_client)
    client = TestApp(mw)
    client.get("/set?user=ann")
    old = client.cookies["session"]
    client.get("/regenerate")
    new = client.cookies["session"]
    assert new != old
    assert client.get("/show").json == {"user": "ann"}
    stale = TestApp(mw)
    stale.set_cookie("session", old.strip('"'))
    assert stale.get("/show").json == {}
    assert redis_client.dbsize() == 2  # the new session, the old id's tombstone


def test_regenerate_after_a_revoke_does_not_revive(redis_client):
    mw = make(redis_client, user_key="user")
    client = TestApp(mw)
    client.get("/set?user=ann")
    cookie = cookie_header(client)
    interface = mw.session_interface
    session = load(mw, cookie)
    interface.revoke_user("ann")
    session.regenerate()
    interface.save_session(mw, session, webob.Response())
    assert redis_client.dbsize() == 0


def test_revoke_list_and_dangling_index_entries(redis_client, clock):
    mw = make(redis_client, user_key="user")
    laptop, phone = TestApp(mw), TestApp(mw)
    laptop.get("/set?user=ann")
    clock.advance(10)
    phone.get("/set?user=ann")
    interface = mw.session_interface
    sessions = interface.list_sessions("ann")
    assert [s["created"] for s in sessions] == [clock.now - 10, clock.now]
    assert all(
        set(s) == {"created", "last_used", "device", "current", "handle"}
        for s in sessions
    )
    # A session gone without its index entry (a failed save on a cluster).
    session_keys = [k for k in redis_client.keys("session:*") if b"user:" not in k]
    redis_client.delete(session_keys[0])
    assert len(interface.list_sessions("ann")) == 1
    index = user_index_of(interface.key_prefix, "ann")
    assert redis_client.hlen(index) == 1  # the dangling entry was removed
    assert interface.revoke_user("ann") == 1
    assert phone.get("/show").json == {}
    assert redis_client.dbsize() == 0


def test_revoke_one_session(redis_client):
    mw = make(redis_client)
    client = TestApp(mw)
    client.get("/set?user=ann")
    cookie = cookie_header(client)
    interface = mw.session_interface
    session = load(mw, cookie)
    interface.revoke(session)
    assert client.get("/show").json == {}


@pytest.mark.parametrize(
    ("config", "ttl"),
    [
        pytest.param({}, 31 * 86400, id="lifetime"),
        pytest.param({"SESSION_IDLE_TIMEOUT": 600}, 600, id="idle"),
        pytest.param({"SESSION_ABSOLUTE_TIMEOUT": 300}, 300, id="absolute"),
    ],
)
def test_ttl_follows_the_limits(redis_client, config, ttl):
    client = TestApp(make(redis_client, config=config))
    client.get("/set?user=ann")
    client.get("/show")  # the cookie came back: the probation ends
    (key,) = redis_client.keys("*")
    assert ttl - 2 <= redis_client.ttl(key) <= ttl


def test_ttl_follows_the_throttled_reissue(redis_client, clock):
    config = {"SESSION_IDLE_TIMEOUT": 600, "SESSION_REFRESH_AFTER": 60}
    counting = Counting(redis_client)
    client = TestApp(make(counting, config=config))
    client.get("/set?user=ann")
    counting.round_trips = 0
    clock.advance(30)
    client.get("/show")
    assert counting.round_trips == 1  # a load only: no TTL write yet
    clock.advance(31)
    response = client.get("/show")
    assert set_cookies(response)  # re-issued, and the TTL pushed forward
    assert counting.round_trips == 3


def test_idle_and_absolute_limits_on_load(redis_client, clock):
    config = {"SESSION_IDLE_TIMEOUT": 600, "SESSION_ABSOLUTE_TIMEOUT": 1000}
    client = TestApp(make(redis_client, config=config))
    client.get("/set?user=ann")
    clock.advance(500)
    assert client.get("/show").json == {"user": "ann"}
    clock.advance(501)  # 1001 s since creation, however active
    assert client.get("/show").json == {}


@pytest.mark.parametrize(
    ("cookie", "reason", "deleted"),
    [
        pytest.param(lambda: "garbage", "malformed", False, id="malformed"),
        pytest.param(
            lambda: _id_cookie("x" * 43, False)[:-2] + "xx",
            "signature",
            False,
            id="tampered",
        ),
        pytest.param(
            lambda: sign({"user": "ann"}), "signature", False, id="session-cookie"
        ),
        pytest.param(lambda: _id_cookie("short", False), "payload", False, id="short"),
        pytest.param(lambda: _id_cookie("y" * 43, False), "unknown", False, id="gone"),
    ],
)
def test_bad_ids_give_new_sessions_and_events(redis_client, cookie, reason, deleted):
    """No cookie is sent for any of them: a stale id (its session gone)
    included (DESIGN's deletion table)."""
    events = []
    mw = make(redis_client, event_hook=lambda e, d: events.append((e, d)))
    response = get(mw, "/show", "session=" + cookie())
    assert response.json == {}
    assert events == [("invalid", {"reason": reason})]
    assert bool(set_cookies(response)) is deleted
    assert redis_client.dbsize() == 0


def _id_cookie(sid, permanent):
    from cookiesession import validate_config

    class App:
        config = validate_config({"SECRET_KEY": KEY})

    from cookiesession.stores.ids import IdSigner

    return IdSigner().sign(App, [sid, permanent])


def test_a_value_not_written_here_is_never_unpickled(redis_client):
    mw = make(redis_client)
    client = TestApp(mw)
    client.get("/set?user=ann")
    (key,) = redis_client.keys("*")
    evil = pickle.dumps({"user": "root"})
    redis_client.hset(key, "d:user", evil)
    events = []
    mw.session_interface.event_hook = lambda e, d: events.append((e, d))
    assert client.get("/show").json == {}
    assert events == [("invalid", {"reason": "payload"})]
    assert redis_client.hget(key, "d:user") == evil  # not overwritten


def test_redis_unreachable_is_a_clear_error_and_loses_nothing(tmp_path):
    server = RedisServer(tmp_path)
    try:
        redis_client = server.client()
        client = TestApp(make(redis_client))
        client.get("/set?user=ann")
        import os
        import signal

        os.kill(server.process.pid, signal.SIGSTOP)  # the server hangs
        try:
            with pytest.raises(SessionStoreError, match="failed to load"):
                client.get("/show")
        finally:
            os.kill(server.process.pid, signal.SIGCONT)
        assert client.get("/show").json == {"user": "ann"}  # nothing lost
        server.stop()
        with pytest.raises(SessionStoreError, match="failed to load"):
            client.get("/show")
        server.start()  # persistence off: the session is gone, cleanly
        assert client.get("/show").json == {}
        client.get("/set?user=bob")
        assert client.get("/show").json == {"user": "bob"}
    finally:
        server.stop()


def test_a_failed_save_writes_nothing(redis_client, tmp_path):
    server = RedisServer(tmp_path)
    try:
        mw = make(server.client())
        client = TestApp(mw)
        client.get("/set?user=ann")
        session = load(mw, cookie_header(client))
        session["cart"] = "tea"
        server.stop()
        with pytest.raises(SessionStoreError, match="failed to save"):
            mw.session_interface.save_session(mw, session, webob.Response())
    finally:
        server.stop()


def test_over_a_loopback_port(tmp_path):
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = RedisServer(tmp_path, port=port)
    try:
        import redis

        interface = RedisSessionInterface.from_url(f"redis://127.0.0.1:{port}/0")
        mw = SessionMiddleware(app, {"SECRET_KEY": KEY}, session_interface=interface)
        client = TestApp(mw)
        client.get("/set?user=ann")
        assert client.get("/show").json == {"user": "ann"}
        assert redis.Redis(port=port).dbsize() == 1
    finally:
        server.stop()


def test_accept_signed_takes_a_flask_cookie_over(redis_client):
    from tests.helpers import flask_cookie as make_flask_cookie

    flask_cookie = make_flask_cookie({"user": "ann"})
    assert get(make(redis_client), "/show", flask_cookie).json == {}  # off
    response = get(make(redis_client, accept_signed=True), "/show", flask_cookie)
    assert response.json == {"user": "ann"}
    store_cookie = cookie_of(response)
    assert redis_client.dbsize() == 2  # the session, and the taken-over record
    assert get(make(redis_client), "/show", store_cookie).json == {"user": "ann"}


def test_permanent_sessions_refresh_without_a_lookup_to_decide(redis_client, clock):
    counting = Counting(redis_client)
    mw = make(counting)
    client = TestApp(mw)
    client.get("/set?user=ann")
    client.get("/permanent")
    counting.round_trips = 0
    response = client.get("/untouched")
    assert set_cookies(response)  # refreshed
    assert counting.round_trips == 2  # load and TTL push


@pytest.mark.parametrize("driver", [wsgi_driver, pyramid_driver, bottle_driver])
def test_every_integration(redis_client, driver):
    from tests.helpers import with_interface

    interface = RedisSessionInterface(redis_client)
    wsgi = driver()
    if hasattr(wsgi, "session_interface"):
        wsgi.session_interface = interface
    else:
        wsgi = with_interface(driver, interface)
    client = TestApp(wsgi)
    client.get("/set")
    assert client.get("/show").json == {"user": "ann"}
    assert redis_client.dbsize() == 1


def test_pyramid_redis_url_and_isession(redis_server, redis_client):
    from pyramid.config import Configurator
    from pyramid.interfaces import ISession
    from pyramid.response import Response
    from zope.interface.verify import verifyObject

    settings = {
        "cookiesession.secret_key": KEY,
        "cookiesession.redis_url": f"unix://{redis_server.socket}",
    }
    seen = []
    with Configurator(settings=settings) as config:
        config.include("cookiesession.pyramid")

        def view(request):
            seen.append(request.session)
            request.session["user"] = "ann"
            request.session.flash("hi")
            return Response("ok")

        config.add_route("set", "/set")
        config.add_view(view, route_name="set")
        app = config.make_wsgi_app()
    TestApp(app).get("/set")
    assert verifyObject(ISession, seen[0])
    assert redis_client.dbsize() == 1


def test_soak_no_cross_talk_no_lost_updates(redis_client, serve):
    """16 clients x 200 requests through waitress."""
    url = serve(make(redis_client))
    errors = []

    def user(n):
        http = requests.Session()
        http.get(f"{url}/set", params={"user": f"u{n}"})
        for i in range(199):
            data = http.get(f"{url}/set", params={f"k{i % 5}": str(i)}).json()
            if data.get("user") != f"u{n}" or data.get(f"k{i % 5}") != str(i):
                errors.append((n, i, data))

    threads = [threading.Thread(target=user, args=(n,)) for n in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert redis_client.dbsize() == 16


def test_cli_sessions_list_and_revoke(redis_server, redis_client, capsys, clock):
    from cookiesession.cli import main

    mw = make(redis_client, user_key="user")
    TestApp(mw).get("/set?user=ann")
    TestApp(mw).get("/set?user=ann")
    url = f"unix://{redis_server.socket}"
    assert main(["sessions", "list", "ann", "--redis", url]) == 0
    out = capsys.readouterr().out
    assert out.count("created 2027-01-15 08:00:00 UTC") == 2
    assert main(["sessions", "revoke", "ann", "--redis", url]) == 0
    assert "revoked 2 session(s) of 'ann'" in capsys.readouterr().out
    assert main(["sessions", "list", "ann", "--redis", url]) == 0
    assert "no live sessions" in capsys.readouterr().out
    assert redis_client.dbsize() == 0


def test_cli_sessions_with_redis_down(tmp_path, capsys):
    from cookiesession.cli import main

    code = main(["sessions", "list", "ann", "--redis", f"unix://{tmp_path}/none.sock"])
    assert code == 1
    assert "error: The session store failed" in capsys.readouterr().err


def test_demo_on_redis_shows_the_cookie_holds_an_id(redis_server, redis_client):
    from cookiesession.demo import make_demo_app

    interface = RedisSessionInterface(redis_client)
    client = TestApp(make_demo_app({"SECRET_KEY": KEY}, session_interface=interface))
    page = demo_post(client, "/login", {"name": "annabel-tester"}).follow().text
    assert "lives <strong>on the server</strong>" in page
    assert "annabel-tester" not in client.cookies["session"]
    for i in range(150):  # far past what a cookie could hold
        demo_post(client, "/cart", {"item": f"{i:040d}"})
    assert "0000000149" in client.get("/").text
    assert len(client.cookies["session"]) < 120


def test_testing_helpers_on_redis(redis_client):
    from cookiesession.testing import load_session, session_cookie, session_transaction

    interface = RedisSessionInterface(redis_client)
    config = {"SECRET_KEY": KEY}
    value = session_cookie(config, {"user": "ann"}, session_interface=interface)
    assert load_session(config, value, session_interface=interface) == {"user": "ann"}
    client = TestApp(make(redis_client))
    with session_transaction(client, config, session_interface=interface) as session:
        session["user"] = "bob"
    assert client.get("/show").json == {"user": "bob"}
    redis_client.flushall()
    with pytest.raises(ValueError, match=r"invalid \(unknown\)"):
        load_session(config, value, session_interface=interface)
    with pytest.raises(ValueError, match="invalid"):
        load_session(config, "garbage", session_interface=interface)


def test_an_unstorable_value_names_its_key(redis_client):
    def bad(environ, start_response):
        get_session(environ)["when"] = {1, 2}
        start_response("200 OK", [])
        return [b""]

    mw = SessionMiddleware(
        bad, {"SECRET_KEY": KEY}, session_interface=RedisSessionInterface(redis_client)
    )
    with pytest.raises(TypeError, match="'when'"):
        get(mw, "/")
    assert redis_client.dbsize() == 0


def test_revoking_an_unsaved_session_does_nothing(redis_client):
    from cookiesession.redis import RedisSession

    RedisSessionInterface(redis_client).revoke(RedisSession())
    assert redis_client.dbsize() == 0


def test_refresh_peek_reads_only_the_signed_flag(redis_client, clock):
    mw = make(redis_client, config={"SESSION_REFRESH_AFTER": 60})
    interface = mw.session_interface
    client = TestApp(mw)
    client.get("/set?user=ann")
    client.get("/permanent")
    cookie = cookie_header(client)
    assert not interface.needs_refresh(mw, {"HTTP_COOKIE": cookie})  # young
    clock.advance(60)
    assert not interface.needs_refresh(mw, {"HTTP_COOKIE": cookie})  # not older
    clock.advance(1)
    assert interface.needs_refresh(mw, {"HTTP_COOKIE": cookie})
    assert not interface.needs_refresh(mw, {"HTTP_COOKIE": "session=!!.x.y"})
    assert not interface.needs_refresh(mw, {})
    plain = TestApp(mw)
    plain.get("/set?user=bob")
    value = cookie_header(plain)
    assert not interface.needs_refresh(mw, {"HTTP_COOKIE": value})  # not permanent


def test_a_fallback_key_reissues_the_id_cookie(redis_client):
    events = []
    old = make(redis_client, config={"SECRET_KEY": "old-key"})
    client = TestApp(old)
    client.get("/set?user=ann")
    cookie = cookie_header(client)
    new = make(
        redis_client,
        config={"SECRET_KEY_FALLBACKS": ["old-key"]},
        event_hook=lambda e, d: events.append((e, d)),
    )
    response = get(new, "/show", cookie)
    assert response.json == {"user": "ann"}
    assert ("fallback_key", {"index": 0}) in events
    assert set_cookies(response)  # re-issued with the current key
