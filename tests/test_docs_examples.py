"""Every example app in docs/examples runs as the docs show it."""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path

import pytest
from webtest import TestApp

EXAMPLES = Path(__file__).parent.parent / "docs" / "examples"


def load(name):
    spec = importlib.util.spec_from_file_location(
        f"example_{name}", EXAMPLES / f"{name}.py"
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize(
    ("name", "attribute"),
    [
        pytest.param("wsgi_app", "application", id="wsgi"),
        pytest.param("flask_app", "app", id="flask"),
        pytest.param("falcon_app", "application", id="falcon"),
        pytest.param("quick_flask", "app", id="quick-flask"),
        pytest.param("quick_bottle", "app", id="quick-bottle"),
        pytest.param("quick_pyramid", "main", id="quick-pyramid"),
    ],
)
def test_visit_counters(name, attribute, monkeypatch):
    monkeypatch.delenv("FLASK_SECRET_KEY", raising=False)
    app = getattr(load(name), attribute)
    client = TestApp(app() if name == "quick_pyramid" else app)
    assert client.get("/").text == "Visit number 1"
    response = client.get("/")
    assert response.text == "Visit number 2"
    assert response.headers["Vary"] == "Cookie"


def test_custom_interface_example():
    client = TestApp(load("custom_interface").application)
    response = client.get("/?user=ann", headers={"X-Session": "garbage"})
    assert response.text == "user: ann"
    assert "Set-Cookie" not in response.headers
    token = response.headers["X-Session"]
    response = client.get("/", headers={"X-Session": token})
    assert response.text == "user: ann"
    assert "X-Session" not in response.headers
    # A browser uses the cookie.
    client.get("/?user=bob")
    assert client.get("/").text == "user: bob"


def test_pyramid_example():
    client = TestApp(load("pyramid_app").main())
    page = client.get("/").text
    token = re.search(r'name="csrf_token" value="(\w+)"', page).group(1)
    client.post("/login", {"name": "ann"}, status=400)  # no CSRF token
    page = client.post("/login", {"name": "ann", "csrf_token": token}).follow().text
    assert "Logged in as ann." in page
    assert "Hello, ann." in page
    token = re.search(r'name="csrf_token" value="(\w+)"', page).group(1)
    page = client.post("/logout", {"csrf_token": token}).follow().text
    assert "Logged out." in page
    assert "Log in" in page


def test_bottle_example():
    client = TestApp(load("bottle_app").app)
    page = client.get("/").text
    token = re.search(r'name="csrf_token" value="(\w+)"', page).group(1)
    client.post("/login", {"name": "ann"}, status=403)  # no CSRF token
    page = client.post("/login", {"name": "ann", "csrf_token": token}).follow().text
    assert "Logged in as ann." in page
    assert "Hello, ann." in page
    # The login started a new session, and so a new token.
    token = re.search(r'name="csrf_token" value="(\w+)"', page).group(1)
    page = client.post("/logout", {"csrf_token": token}).follow().text
    assert "Logged out." in page
    assert "Log in" in page


SCRIPT = "<script>alert(document.domain)</script>"


def _post_name(client, path, field="name"):
    page = client.get("/").text
    found = re.search(r'name="csrf_token" value="(\w+)"', page)
    form = {field: SCRIPT, **({"csrf_token": found.group(1)} if found else {})}
    return client.post(path, form).follow()


@pytest.mark.parametrize(
    ("name", "make"),
    [
        pytest.param("pyramid_app", lambda m: m.main(), id="pyramid"),
        pytest.param("bottle_app", lambda m: m.app, id="bottle"),
    ],
)
def test_every_example_escapes_what_users_send(name, make):
    """A name posted as a script comes back as text, never as markup."""
    response = _post_name(TestApp(make(load(name))), "/login")
    assert SCRIPT not in response.text
    assert "&lt;script&gt;" in response.text


@pytest.mark.parametrize(
    ("name", "path"),
    [
        pytest.param("logout_everywhere", "/login?name=", id="logout-everywhere"),
        pytest.param("custom_interface", "/?user=", id="custom-interface"),
    ],
)
def test_plain_text_examples_are_not_html(name, path):
    """Examples that echo input answer text/plain, which no browser runs."""
    from urllib.parse import quote

    response = TestApp(load(name).application).get(path + quote(SCRIPT))
    assert response.content_type == "text/plain"


def test_logout_everywhere_example():
    """Two devices log in; one logs out everywhere; the other is out too."""
    module = load("logout_everywhere")
    laptop, phone = TestApp(module.application), TestApp(module.application)
    assert laptop.get("/login?name=ann").text == "user: ann"
    assert phone.get("/login?name=ann").text == "user: ann"
    stolen = laptop.cookies["session"]
    assert laptop.get("/logout-everywhere").text == "user: None"
    assert phone.get("/").text == "user: None"
    thief = TestApp(module.application)
    thief.set_cookie("session", stolen)
    assert thief.get("/").text == "user: None"
    assert phone.get("/login?name=ann").text == "user: ann"  # a new generation
    assert phone.get("/").text == "user: ann"


def test_count_events_example():
    module = load("count_events")
    from cookiesession import SessionMiddleware, get_session

    def app(environ, start_response):
        get_session(environ).get("x")
        start_response("200 OK", [])
        return [b""]

    mw = SessionMiddleware(app, {"SECRET_KEY": "k"}, session_interface=module.interface)
    TestApp(mw).get("/", headers={"Cookie": "session=nonsense"})
    assert module.counts == {"invalid:malformed": 1}


def test_count_events_with_prometheus():
    from prometheus_client import REGISTRY

    module = load("count_events")
    hook = module.prometheus_hook()
    hook("expired", {"reason": "idle"})
    hook("reissued", {})
    labels = {"event": "expired", "reason": "idle"}
    assert REGISTRY.get_sample_value("cookiesession_events_total", labels) == 1


@pytest.mark.parametrize("kind", ["signed", "encrypted", "redis"])
def test_flask_extension_example(kind, request):
    from cookiesession.crypto import EncryptedCookieSessionInterface
    from cookiesession.redis import RedisSessionInterface

    interface = {
        "signed": lambda: None,
        "encrypted": EncryptedCookieSessionInterface,
        "redis": lambda: RedisSessionInterface(
            request.getfixturevalue("redis_client"), user_key="user"
        ),
    }[kind]()
    client = TestApp(load("flask_extension").create_app(interface))
    response = client.get("/")
    assert response.text == "Hello, stranger."
    assert "Set-Cookie" not in response.headers  # an untouched session
    assert client.post("/login", {"user": "ann"}).follow().text == (
        "Hello, ann. Welcome!"
    )
    assert client.get("/").text == "Hello, ann."
    client.post("/logout").follow()
    assert client.get("/").text == "Hello, stranger."


def test_flask_extension_example_store_down(tmp_path, caplog):
    """The recipe turns a store failure into a 503, on load and on save."""
    from cookiesession.redis import RedisSessionInterface
    from tests.helpers import RedisServer

    server = RedisServer(tmp_path)
    client = TestApp(
        load("flask_extension").create_app(RedisSessionInterface(server.client()))
    )
    assert client.post("/login", {"user": "ann"}).follow().text == (
        "Hello, ann. Welcome!"
    )
    server.stop()
    for response in (client.get("/", status=503), client.post("/logout", status=503)):
        assert response.text == "Sessions are unavailable; please retry shortly."
    assert "ann" not in caplog.text


def test_asgi_example(monkeypatch):
    from starlette.testclient import TestClient

    monkeypatch.delenv("FLASK_SECRET_KEY", raising=False)
    with TestClient(load("asgi_app").app) as http:
        assert http.get("/").json() == {"user": None}
        assert http.post("/login", json={"user": "ann"}).json() == {"user": "ann"}
        assert http.get("/").json() == {"user": "ann"}
        http.post("/cart?item=tea")
        assert http.post("/cart?item=jam").json() == {"cart": ["tea", "jam"]}
        response = http.get("/static/app.css")
        assert "set-cookie" not in response.headers
        assert "vary" not in response.headers


def test_beaker_example():
    client = TestApp(load("beaker_app").application)
    client.get("/add?item=tea")
    assert client.get("/add?item=milk").text == "cart: tea, milk"
    assert client.get("/").text == "cart: tea, milk"
    assert client.get("/logout").text == "cart: "
    assert "session" not in client.cookies


@pytest.mark.parametrize("name", ["quick_starlette", "quick_fastapi"])
def test_asgi_visit_counters(name):
    import anyio
    import httpx

    async def visit_twice():
        transport = httpx.ASGITransport(load(name).app)
        async with httpx.AsyncClient(transport=transport, base_url="http://x") as c:
            assert (await c.get("/")).text == "Visit number 1"
            response = await c.get("/")
            assert response.text == "Visit number 2"
            assert response.headers["Vary"] == "Cookie"

    anyio.run(visit_twice)
