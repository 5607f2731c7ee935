"""The Redis store on a real Redis Cluster (3 masters, 3 replicas) and
Sentinel, started by the tests, and with valkey-py's client. Skip locally
with ``-m "not cluster and not sentinel"``; CI runs them."""

from __future__ import annotations

import json
import threading

import pytest
import webob
from webtest import TestApp

from cookiesession import SessionMiddleware, SessionStoreError, get_session
from cookiesession.redis import RedisSessionInterface
from cookiesession.stores.plan import user_index_of
from tests.helpers import KEY, get
from tests.redis_topologies import Cluster, Sentinel, wait_for


def app(environ, start_response):
    request = webob.Request(environ)
    session = get_session(environ)
    path = request.path
    if path == "/login":
        session.clear()
        session["user"] = request.params["user"]
    elif path == "/set":
        session.update(request.params)
    elif path == "/regenerate":
        session.regenerate()
    elif path == "/logout":
        session.clear()
    body = json.dumps(dict(session.items()))
    start_response("200 OK", [("Content-Type", "application/json")])
    return [body.encode()]


def make(client, **kwargs):
    interface = RedisSessionInterface(client, **kwargs)
    return SessionMiddleware(app, {"SECRET_KEY": KEY}, session_interface=interface)


def cookie(browser):
    return "session=" + browser.cookies["session"].strip('"')


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    deployment = Cluster(tmp_path_factory.mktemp("cluster"))
    yield deployment
    deployment.stop()


@pytest.fixture
def cluster_client(cluster):
    client = cluster.client()
    for port in cluster.masters():
        cluster.node(port).flushall()
    yield client
    client.close()


@pytest.mark.cluster
def test_logins_on_a_cluster(cluster_client):
    """0.2 could not save at all: redis-py refuses EVAL in a cluster
    pipeline (13 of 13 saves failed)."""
    mw = make(cluster_client, user_key="user")
    browser = TestApp(mw)
    browser.get("/login?user=ann")
    assert browser.get("/show").json == {"user": "ann"}
    before = cookie(browser)
    browser.get("/regenerate")  # the new and old keys: other slots
    assert browser.get("/show").json == {"user": "ann"}
    assert get(mw, "/show", before).json == {}
    browser.get("/set?cart=tea")
    assert browser.get("/show").json == {"user": "ann", "cart": "tea"}
    browser.get("/logout")
    assert browser.get("/show").json == {}


@pytest.mark.cluster
def test_users_and_their_index_in_another_slot(cluster_client):
    mw = make(cluster_client, user_key="user")
    interface = mw.session_interface
    laptop, phone = TestApp(mw), TestApp(mw)
    laptop.get("/login?user=ann")
    phone.get("/login?user=ann")
    index = user_index_of("session:", "ann")
    laptop_key = opened(mw, laptop).key
    assert cluster_client.keyslot(index) != cluster_client.keyslot(laptop_key)
    assert len(interface.list_sessions("ann")) == 2
    interface.revoke(opened(mw, phone))
    assert phone.get("/show").json == {}
    assert len(interface.list_sessions("ann")) == 1
    assert interface.revoke_user("ann") == 1
    assert laptop.get("/show").json == {}


def opened(mw, browser):
    request = webob.Request.blank("/", headers={"Cookie": cookie(browser)})
    session = mw.session_interface.open_session(mw, request)
    assert session["user"]
    return session


@pytest.mark.cluster
def test_concurrent_saves_of_different_keys_lose_nothing(cluster_client, serve):
    import requests

    mw = make(cluster_client)
    base = serve(mw)
    http = requests.Session()
    http.get(f"{base}/set?start=1", timeout=30)
    jar = http.cookies.get_dict()
    errors = []

    def write(name):
        try:
            response = requests.get(f"{base}/set?{name}=1", cookies=jar, timeout=30)
            response.raise_for_status()
        except Exception as e:
            errors.append(e)

    threads = [threading.Thread(target=write, args=(f"k{i}",)) for i in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    shown = requests.get(f"{base}/show", cookies=jar, timeout=30).json()
    assert set(shown) == {"start"} | {f"k{i}" for i in range(16)}


@pytest.mark.cluster
def test_a_hash_tag_prefix_puts_a_deployment_in_one_slot(cluster_client):
    mw = make(cluster_client, key_prefix="{sess}:", user_key="user")
    browser = TestApp(mw)
    browser.get("/login?user=ann")
    browser.get("/regenerate")  # atomic: one slot, one script
    assert browser.get("/show").json == {"user": "ann"}
    slot = cluster_client.keyslot("{sess}:")
    node = cluster_client.get_node_from_key("{sess}:")
    keys = cluster_client.keys(target_nodes=node)
    assert len(keys) == 3
    assert {cluster_client.keyslot(k) for k in keys} == {slot}


@pytest.fixture
def own_cluster(tmp_path):
    deployment = Cluster(tmp_path)
    yield deployment
    deployment.stop()


def _ask_every_master_to_wait(cluster):
    for port in cluster.masters():
        assert cluster.node(port).execute_command("WAIT", 1, 0) >= 1


def _eventually(call):
    """A request during a failover may fail with SessionStoreError; the
    next ones succeed once the client sees the new topology."""
    return wait_for(lambda: _attempt(call), "the session store after the failover")


def _attempt(call):
    try:
        return call() or True
    except SessionStoreError:
        return False


@pytest.mark.cluster
def test_a_manual_failover_and_a_killed_master_lose_nothing(own_cluster):
    client = own_cluster.client()
    mw = make(client, user_key="user")
    browsers = []
    for i in range(60):
        browser = TestApp(mw)
        browser.get(f"/login?user=u{i}")
        browsers.append(browser)
    _ask_every_master_to_wait(own_cluster)
    # A manual failover: a replica takes over, and nothing is lost.
    master = own_cluster.masters()[0]
    replica = own_cluster.replica_of(master)
    own_cluster.node(replica).cluster("failover")
    wait_for(
        lambda: own_cluster.node(replica).info("replication")["role"] == "master",
        "the manual failover",
    )
    wait_for(own_cluster.healthy, "the cluster after the manual failover")
    for i, browser in enumerate(browsers):
        shown = _eventually(lambda browser=browser: browser.get("/show").json)
        assert shown == {"user": f"u{i}"}
    # A killed master: what its replica acknowledged (WAIT 1 0) survives.
    _ask_every_master_to_wait(own_cluster)
    victim = own_cluster.masters()[1]
    own_cluster.nodes[victim].stop()
    wait_for(own_cluster.healthy, "the cluster after a master died")
    for i, browser in enumerate(browsers):
        shown = _eventually(lambda browser=browser: browser.get("/show").json)
        assert shown == {"user": f"u{i}"}
    late = TestApp(mw)
    _eventually(lambda: late.get("/login?user=late"))
    assert late.get("/show").json == {"user": "late"}
    client.close()


@pytest.fixture
def sentinel(tmp_path):
    deployment = Sentinel(tmp_path)
    yield deployment
    deployment.stop()


@pytest.mark.sentinel
def test_a_sentinel_failover_keeps_the_user_logged_in(sentinel):
    client = sentinel.sentinel().master_for(
        Sentinel.name, socket_timeout=5, socket_connect_timeout=5
    )
    mw = make(client, user_key="user")
    browser = TestApp(mw)
    browser.get("/login?user=ann")
    browser.get("/show")
    old_master = sentinel.master_port()
    assert client.execute_command("WAIT", 1, 0) == 1
    # A sentinel refuses (NOGOODSLAVE) until it has seen the replica's INFO.
    wait_for(
        lambda: (
            sentinel.sentinel()
            .sentinels[0]
            .execute_command("SENTINEL", "FAILOVER", Sentinel.name)
        ),
        "a sentinel to accept the failover",
    )
    wait_for(lambda: sentinel.master_port() != old_master, "the Sentinel failover")
    shown = _eventually(lambda: browser.get("/show").json)
    assert shown == {"user": "ann"}
    _eventually(lambda: browser.get("/set?cart=tea"))
    assert browser.get("/show").json == {"user": "ann", "cart": "tea"}
    assert mw.session_interface.revoke_user("ann") == 1


def test_valkey_py_shares_the_store_with_redis_py(redis_server, redis_client):
    import valkey

    client = valkey.Valkey(unix_socket_path=redis_server.socket, socket_timeout=5)
    on_valkey = make(client, user_key="user")
    on_redis = make(redis_client, user_key="user")
    browser = TestApp(on_valkey)
    browser.get("/login?user=ann")
    assert get(on_redis, "/show", cookie(browser)).json == {"user": "ann"}
    browser.get("/regenerate")
    browser.get("/set?cart=tea")
    assert get(on_redis, "/show", cookie(browser)).json == {
        "user": "ann",
        "cart": "tea",
    }
    assert len(on_redis.session_interface.list_sessions("ann")) == 1
    assert on_valkey.session_interface.revoke_user("ann") == 1
    assert browser.get("/show").json == {}
    client.close()


# -- The docs' examples, against the real deployments ---------------------------


def _example(name):
    from tests.test_docs_examples import load

    return load(name)


def _logs_in_and_out(interface):
    mw = SessionMiddleware(app, {"SECRET_KEY": KEY}, session_interface=interface)
    browser = TestApp(mw)
    browser.get("/login?user=ann")
    assert browser.get("/show").json == {"user": "ann"}
    assert len(interface.list_sessions("ann")) == 0  # user_key is user_id here
    browser.get("/logout")
    assert browser.get("/show").json == {}


@pytest.mark.cluster
def test_the_docs_cluster_example(cluster, cluster_client):
    deployments = _example("redis_deployments")
    for prefix in ("session:", "{sess}:"):
        interface = deployments.on_a_cluster("127.0.0.1", cluster.ports[0], prefix)
        _logs_in_and_out(interface)


@pytest.mark.sentinel
def test_the_docs_sentinel_example(sentinel):
    deployments = _example("redis_deployments")
    sentinels = [("127.0.0.1", port) for port in sentinel.sentinel_ports]
    _logs_in_and_out(deployments.on_sentinel(sentinels, Sentinel.name))


def test_the_docs_single_server_and_valkey_examples(redis_server, redis_client):
    deployments = _example("redis_deployments")
    url = f"unix://{redis_server.socket}"
    _logs_in_and_out(deployments.on_one_server(url))
    _logs_in_and_out(deployments.on_valkey(url))


def test_the_docs_devices_page(redis_client):
    client = TestApp(
        _example("devices").make_application(redis_client, {"SECRET_KEY": KEY})
    )
    phone = TestApp(client.app)
    client.get("/login?user=ann", headers={"User-Agent": "Firefox on Linux"})
    phone.get("/login?user=ann", headers={"User-Agent": "Safari on iOS"})
    page = client.get("/devices")
    assert "Firefox on Linux (this device)" in page.text
    assert "Safari on iOS" in page.text
    form = page.forms[0]
    form.submit()
    assert phone.get("/devices").text == "Please log in."
    assert "Safari" not in client.get("/devices").text
    phone.get("/login?user=ann", headers={"User-Agent": "Safari on iOS"})
    forms = client.get("/devices").forms
    forms[len(forms) - 1].submit()  # sign out everywhere else
    assert phone.get("/devices").text == "Please log in."
    assert "this device" in client.get("/devices").text


def _asgi_on(interface):
    from starlette.applications import Starlette
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    from cookiesession.asgi import SessionMiddleware as ASGISessionMiddleware

    async def login(request):
        request.session["user"] = request.query_params["user"]
        return JSONResponse(dict(request.session))

    async def show(request):
        return JSONResponse(dict(request.session))

    routes = [Route("/login", login), Route("/show", show)]
    return ASGISessionMiddleware(
        Starlette(routes=routes), {"SECRET_KEY": KEY}, session_interface=interface
    )


async def _asgi_round(interface, sync_app):
    """Log in through ASGI, read through WSGI, revoke through ASGI."""
    import httpx

    transport = httpx.ASGITransport(_asgi_on(interface))
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
        await http.get("/login?user=ann")
        value = http.cookies["session"]
        assert get(sync_app, "/show", f"session={value}").json == {"user": "ann"}
        assert [s["current"] for s in await interface.list_sessions("ann")] == [False]
        assert await interface.revoke_user("ann") == 1
        assert (await http.get("/show")).json() == {}


@pytest.mark.cluster
def test_the_async_interface_on_a_cluster(cluster, cluster_client):
    import asyncio

    from redis.asyncio.cluster import RedisCluster

    from cookiesession.redis import AsyncRedisSessionInterface

    async def main():
        client = RedisCluster(host="127.0.0.1", port=cluster.ports[0], socket_timeout=5)
        try:
            interface = AsyncRedisSessionInterface(client, user_key="user")
            await _asgi_round(interface, make(cluster_client, user_key="user"))
        finally:
            await client.aclose()

    asyncio.run(main())


@pytest.mark.sentinel
def test_the_async_interface_with_sentinel(sentinel):
    import asyncio

    from redis.asyncio.sentinel import Sentinel as AsyncSentinel

    from cookiesession.redis import AsyncRedisSessionInterface

    sync_master = sentinel.sentinel().master_for(Sentinel.name, socket_timeout=5)

    async def main():
        watchers = AsyncSentinel(
            [("127.0.0.1", port) for port in sentinel.sentinel_ports],
            socket_timeout=5,
            sentinel_kwargs={"socket_timeout": 5},
        )
        master = watchers.master_for(Sentinel.name, socket_timeout=5)
        try:
            interface = AsyncRedisSessionInterface(master, user_key="user")
            await _asgi_round(interface, make(sync_master, user_key="user"))
        finally:
            await master.aclose()
            for watcher in watchers.sentinels:
                await watcher.aclose()

    asyncio.run(main())
