"""The Redis store's 0.3 fixes, each against a real redis-server:
fixation-safe logins, regenerate races and failures, bots, the per-user
index, one take-over per signed cookie, bounded work, device lists."""

from __future__ import annotations

import json
import warnings

import pytest
import webob
from webtest import TestApp

from cookiesession import SessionMiddleware, SessionStoreError, csrf_token, get_session
from cookiesession.redis import RedisSessionInterface
from cookiesession.stores.plan import user_index_of
from tests.helpers import (
    KEY,
    HMACCounter,
    RedisServer,
    cookie_of,
    demo_post,
    flask_cookie,
    get,
)

pytestmark = pytest.mark.filterwarnings("error::UserWarning")


def app(environ, start_response):
    """/login?user=U clears then logs in (the Flask docs' pattern);
    /as?user=U only sets the user (Flask-Login's login_user); /show reads;
    /form renders a CSRF token; /regenerate; /logout clears."""
    request = webob.Request(environ)
    session = get_session(environ)
    path = request.path
    if path == "/login":
        session.clear()
        session["user"] = request.params["user"]
        session["device"] = request.headers.get("User-Agent", "?")
    elif path == "/as":
        session["user"] = request.params["user"]
    elif path == "/form":
        csrf_token(session)
    elif path == "/regenerate":
        session.regenerate()
    elif path == "/logout":
        session.clear()
    elif path == "/set":
        session.update(request.params)
    body = json.dumps({k: v for k, v in session.items() if not k.startswith("_")})
    start_response("200 OK", [("Content-Type", "application/json")])
    return [body.encode()]


def make(client, **kwargs):
    config = {"SECRET_KEY": KEY, **kwargs.pop("config", {})}
    interface = RedisSessionInterface(client, **kwargs)
    return SessionMiddleware(app, config, session_interface=interface)


def load(mw, cookie):
    request = webob.Request.blank("/", headers={"Cookie": cookie})
    return mw.session_interface.open_session(mw, request)


def session_keys(client):
    return [k for k in client.keys("session:*") if b":user:" not in k]


# -- Fixation -----------------------------------------------------------------


@pytest.mark.parametrize("login", ["/login?user=ann", "/as?user=ann"])
def test_a_planted_id_is_never_logged_in(redis_client, login):
    """The attacker's id (from a page with a CSRF token) is planted in the
    victim's browser; the victim logs in with clear() or, as Flask-Login
    does, by setting the user only. 0.2 logged the planted id in."""
    mw = make(redis_client, user_key="user")
    attacker = TestApp(mw)
    attacker.get("/form")
    planted = cookie_of(attacker.get("/show"))  # the id cookie (re-issued)
    planted = planted or "session=" + attacker.cookies["session"].strip('"')
    victim = TestApp(mw)
    for cookie in attacker.cookiejar:  # the very cookie, planted
        victim.cookiejar.set_cookie(cookie)
    response = victim.get(login)
    assert cookie_of(response) != planted
    assert victim.get("/show").json["user"] == "ann"
    assert get(mw, "/show", planted).json == {}


def test_pyramid_invalidate_is_fixation_safe(redis_client):
    from pyramid.config import Configurator

    from cookiesession.pyramid import CookieSessionFactory

    interface = RedisSessionInterface(redis_client)

    def login(request):
        request.session.invalidate()
        request.session["user"] = "ann"
        return request.response

    def show(request):
        from pyramid.response import Response

        return Response(json=dict(request.session))

    with Configurator() as config:
        config.set_session_factory(
            CookieSessionFactory({"SECRET_KEY": KEY}, session_interface=interface)
        )
        config.add_route("login", "/login")
        config.add_route("set", "/set")
        config.add_route("show", "/show")
        config.add_view(login, route_name="login")
        config.add_view(show, route_name="show")
        config.add_view(
            lambda request: request.session.update(x=1) or request.response,
            route_name="set",
        )
        wsgi = config.make_wsgi_app()
    client = TestApp(wsgi)
    client.get("/set")
    before = client.cookies["session"]
    client.get("/login")
    assert client.cookies["session"] != before
    stale = TestApp(wsgi)
    stale.set_cookie("session", before.strip('"'))
    assert stale.get("/show").json == {}


# -- Regenerate races and failures --------------------------------------------


def test_a_request_in_flight_with_the_old_id_never_replaces_the_new_cookie(
    redis_client,
):
    """A parallel XHR loaded the session before the login and saves after
    it: 0.2 sent a deletion that logged the user out."""
    mw = make(redis_client)
    client = TestApp(mw)
    client.get("/set?cart=tea")
    old = "session=" + client.cookies["session"].strip('"')
    in_flight = load(mw, old)
    client.get("/login?user=ann")
    in_flight["cart"] = "coffee"
    response = webob.Response()
    mw.session_interface.save_session(mw, in_flight, response)
    assert "Set-Cookie" not in response.headers
    assert client.get("/show").json == {"user": "ann", "device": "?"}


def test_a_later_request_with_the_old_id_gets_nothing_and_saves_nothing(
    redis_client,
):
    mw = make(redis_client)
    client = TestApp(mw)
    client.get("/set?cart=tea")
    old = "session=" + client.cookies["session"].strip('"')
    client.get("/regenerate")
    assert get(mw, "/show", old).json == {}
    with pytest.warns(RuntimeWarning, match="a login replaced moments ago"):
        response = get(mw, "/set?cart=coffee", old)
    assert "Set-Cookie" not in response.headers
    assert client.get("/show").json == {"cart": "tea"}


@pytest.fixture
def full_redis(tmp_path):
    """A redis-server of its own, full: maxmemory reached, noeviction."""
    server = RedisServer(tmp_path)
    client = server.client()
    client.config_set("maxmemory-policy", "noeviction")
    yield server, client
    client.close()
    server.stop()


def fill(client):
    """Past maxmemory: every write that may grow memory is refused, while
    deletions are still allowed (what 0.2's regenerate tripped on)."""
    client.config_set("maxmemory", 1)
    with pytest.raises(Exception, match="maxmemory"):
        client.set("one-more", "x")
    assert client.delete("nothing") == 0  # allowed


def test_a_failed_regenerate_changes_nothing(full_redis):
    """0.2 wrote the new session (refused: out of memory) and deleted the
    old one (allowed) in one pipeline: 1 key became 0."""
    _, client = full_redis
    mw = make(client)
    browser = TestApp(mw)
    browser.get("/set?cart=tea")
    browser.get("/show")
    cookie = "session=" + browser.cookies["session"].strip('"')
    fill(client)
    with pytest.raises(SessionStoreError, match="maxmemory"):
        get(mw, "/regenerate", cookie)
    client.config_set("maxmemory", 0)
    assert get(mw, "/show", cookie).json == {"cart": "tea"}
    assert len(session_keys(client)) == 1


def test_a_failed_save_keeps_the_session(full_redis):
    _, client = full_redis
    mw = make(client)
    browser = TestApp(mw)
    browser.get("/set?cart=tea")
    browser.get("/show")
    fill(client)
    with pytest.raises(SessionStoreError):
        browser.get("/set?theme=" + "d" * 300_000)
    client.config_set("maxmemory", 0)
    assert browser.get("/show").json == {"cart": "tea"}


# -- Bots ---------------------------------------------------------------------


def test_bot_gets_leave_nothing_after_the_probation(redis_client):
    """10,000 GETs of a page with a CSRF token, none returning its cookie:
    0.2 kept each session 31 days (about 2 GB a day at 1,000 requests/s).
    Now each is kept for new_session_ttl (1 hour by default), and a browser
    that sends its cookie back ends the probation."""
    mw = make(redis_client)
    environ = {"REQUEST_METHOD": "GET", "PATH_INFO": "/form", "SERVER_NAME": "x"}
    for _ in range(10_000):
        list(mw({**environ, "SERVER_PORT": "80", "wsgi.url_scheme": "http"}, _ignore))
    keys = session_keys(redis_client)
    assert len(keys) == 10_000
    pipe = redis_client.pipeline()
    for key in keys:
        pipe.pttl(key)
    assert max(pipe.execute()) <= 3_600_000
    browser = TestApp(mw)
    browser.get("/form")
    browser.get("/show")
    (promoted,) = set(session_keys(redis_client)) - set(keys)
    assert redis_client.ttl(promoted) > 30 * 86400
    assert not redis_client.hexists(promoted, "m:probation")


def _ignore(status, headers, exc_info=None):
    return lambda data: None


def test_the_probation_is_a_duration(redis_client):
    mw = make(redis_client, new_session_ttl="2m")
    TestApp(mw).get("/form")
    (key,) = session_keys(redis_client)
    assert 110 <= redis_client.ttl(key) <= 120


# -- The per-user index ---------------------------------------------------------


def test_revoke_user_reaches_a_session_near_its_limit(redis_client, clock):
    """0.2 set the index's TTL to the last saved session's: one near its
    absolute limit shortened it to 1 s, and revoke_user then found 0."""
    mw = make(redis_client, user_key="user", config={"SESSION_ABSOLUTE_TIMEOUT": 3600})
    laptop = TestApp(mw)
    laptop.get("/login?user=ann")
    laptop.get("/show")
    clock.advance(3598)
    phone = TestApp(mw)
    phone.get("/login?user=ann")
    laptop.get("/set?x=1")  # saved with 2 s left
    index = user_index_of("session:", "ann")
    assert redis_client.pttl(index) > 3_500_000
    assert mw.session_interface.revoke_user("ann") == 2


def test_the_index_follows_a_change_of_user(redis_client):
    mw = make(redis_client, user_key="user")
    browser = TestApp(mw)
    browser.get("/as?user=alice")
    browser.get("/show")
    browser.get("/as?user=bob")
    interface = mw.session_interface
    assert interface.list_sessions("alice") == []
    assert len(interface.list_sessions("bob")) == 1
    assert interface.revoke_user("alice") == 0
    assert browser.get("/show").json == {"user": "bob"}


def test_a_corrupt_index_entry_is_a_store_error(redis_client):
    mw = make(redis_client, user_key="user")
    TestApp(mw).get("/as?user=ann")
    index = user_index_of("session:", "ann")
    redis_client.hset(index, "session:x", "{not json")
    with pytest.raises(SessionStoreError, match="corrupt index entry"):
        mw.session_interface.list_sessions("ann")
    assert mw.session_interface.revoke_user("ann") == 1


# -- Device lists ----------------------------------------------------------------


def test_devices_listed_and_signed_out_one_by_one(redis_client, clock):
    mw = make(redis_client, user_key="user", device_key="device")
    laptop, phone, other = TestApp(mw), TestApp(mw), TestApp(mw)
    laptop.get("/login?user=ann", headers={"User-Agent": "Firefox on Linux"})
    clock.advance(60)
    phone.get("/login?user=ann", headers={"User-Agent": "Safari on iOS"})
    other.get("/login?user=bob")
    interface = mw.session_interface
    current = load(mw, "session=" + phone.cookies["session"].strip('"'))
    devices = interface.list_sessions("ann", current=current)
    assert [(d["device"], d["current"]) for d in devices] == [
        ("Firefox on Linux", False),
        ("Safari on iOS", True),
    ]
    assert devices[1]["handle"] == current.handle == current.id
    handle = devices[0]["handle"]
    cookies = "".join(c.value for c in laptop.cookiejar)
    assert handle not in cookies
    assert handle not in str(redis_client.keys("*"))
    (bob,) = interface.list_sessions("bob")
    assert interface.revoke_session("ann", bob["handle"]) is False  # not hers
    assert other.get("/show").json["user"] == "bob"
    assert interface.revoke_session("ann", handle) is True
    assert laptop.get("/show").json == {}
    assert phone.get("/show").json["user"] == "ann"
    assert len(interface.list_sessions("ann")) == 1


# -- Taking over signed cookies ----------------------------------------------------


def test_a_signed_cookie_is_taken_over_once_and_revocation_holds(redis_client):
    """0.2 minted a new stored session for each of 20 replays, and served
    the replay again after revoke_user."""
    mw = make(redis_client, user_key="user", accept_signed=True)
    signed = flask_cookie({"user": "ann"})
    events = []
    mw.session_interface.event_hook = lambda e, d: events.append(e)
    for _ in range(20):
        assert get(mw, "/show", signed).json == {"user": "ann"}
    assert len(session_keys(redis_client)) == 2  # the session, the record
    assert events.count("taken_over") == 20
    assert mw.session_interface.revoke_user("ann") == 1
    for _ in range(20):
        assert get(mw, "/show", signed).json == {}


def test_a_taken_over_cookie_is_checked_like_a_signed_one(redis_client):
    events = []
    mw = make(
        redis_client,
        accept_signed=True,
        validator=lambda data: data.get("user") != "mallory",
        event_hook=lambda e, d: events.append(e),
    )
    for _ in range(20):
        assert get(mw, "/show", flask_cookie({"user": "mallory"})).json == {}
    assert events == ["revoked"] * 20
    assert session_keys(redis_client) == []


def test_accept_signed_stays_within_the_hmac_bound(redis_client, monkeypatch):
    """Three cookie values, two fallback keys: at most 3 x (1 + 2) HMACs
    (0.2: 18, each value verified as an id and as a signed cookie)."""
    config = {"SECRET_KEY_FALLBACKS": ["old-1", "old-2"]}
    mw = make(redis_client, accept_signed=True, config=config)
    forged = flask_cookie({"user": "ann"}, key="wrong").partition("=")[2]
    header = "; ".join(f"session={forged}" for _ in range(3))
    counter = HMACCounter(monkeypatch)
    assert get(mw, "/show", header).json == {}
    assert counter.count == 9


# -- The client ---------------------------------------------------------------------


def test_a_client_without_a_socket_timeout_warns_once_built(redis_server):
    import redis

    # redis-py 8 defaults to 5 s; older versions and other clients to none.
    bare = redis.Redis(unix_socket_path=redis_server.socket, socket_timeout=None)
    with pytest.warns(UserWarning, match="no socket_timeout"):
        RedisSessionInterface(bare)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        RedisSessionInterface(redis_server.client())
        RedisSessionInterface.from_url(f"unix://{redis_server.socket}")


def test_saves_send_scripts_by_sha_and_deletes_plainly(redis_client):
    """No EVAL on the request path: EVALSHA, loaded once; DEL for a revoke."""
    redis_client.script_flush()
    redis_client.config_resetstat()
    mw = make(redis_client)
    browser = TestApp(mw)
    for i in range(5):
        browser.get(f"/set?n={i}")
    mw.session_interface.revoke(load(mw, "session=" + browser.cookies["session"]))
    stats = redis_client.info("commandstats")
    assert "cmdstat_eval" not in stats
    assert stats["cmdstat_evalsha"]["calls"] >= 5
    assert stats["cmdstat_script|load"]["calls"] == 1
    assert stats["cmdstat_del"]["calls"] == 1


def test_a_client_not_allowed_eval_works(redis_server, redis_client):
    redis_client.acl_setuser(
        "app",
        enabled=True,
        passwords=["+app-password"],
        keys=["*"],
        commands=["+@all", "-eval", "-eval_ro"],
    )
    try:
        client = redis_server.client(username="app", password="app-password")
        with pytest.raises(Exception, match="NOPERM|no permissions"):
            client.eval("return 1", 0)
        client.script_flush()
        browser = TestApp(make(client, user_key="user"))
        browser.get("/login?user=ann")
        browser.get("/regenerate")
        assert browser.get("/show").json == {"user": "ann", "device": "?"}
    finally:
        redis_client.acl_deluser("app")


def test_a_hash_tag_prefix_keeps_every_key_in_one_slot(redis_client):
    from redis.crc import key_slot

    mw = make(redis_client, key_prefix="{sess}:", user_key="user")
    browser = TestApp(mw)
    browser.get("/login?user=ann")
    browser.get("/regenerate")
    keys = redis_client.keys("*")
    assert len(keys) == 3  # the session, the tombstone, the index
    assert {key_slot(k) for k in keys} == {key_slot(b"sess")}
    assert browser.get("/show").json["user"] == "ann"


def test_the_demo_on_redis_gives_a_new_id_at_login(redis_client):
    from cookiesession.demo import make_demo_app

    interface = RedisSessionInterface(redis_client)
    demo = make_demo_app({"SECRET_KEY": KEY}, session_interface=interface)
    browser = TestApp(demo)
    demo_post(browser, "/cart", {"item": "tea"})
    before = "session=" + browser.cookies["session"].strip('"')
    demo_post(browser, "/login", {"name": "ann"})
    assert "session=" + browser.cookies["session"].strip('"') != before
    assert "ann" in browser.get("/").text
    # The old id, replayed within the grace period: an empty session whose
    # writes (the page's CSRF token) are dropped, with a warning.
    with pytest.warns(RuntimeWarning, match="replaced moments ago"):
        page = TestApp(demo).get("/", headers={"Cookie": before}).text
    assert "ann" not in page
