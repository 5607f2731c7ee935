"""The demo app: driven as a real ``cookiesession demo`` process, and
in-process through WebTest for every branch."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time

import pytest
import requests
from webtest import TestApp

from cookiesession.demo import make_demo_app


class DemoProcess:
    """A ``cookiesession demo`` process whose output goes to files, so a
    full pipe can never block it, however long the test takes."""

    def __init__(self, folder) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith("FLASK_")}
        env["PYTHONUNBUFFERED"] = "1"
        self.out, self.err = folder / "stdout.txt", folder / "stderr.txt"
        with self.out.open("w") as out, self.err.open("w") as err:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "cookiesession", "demo", "--port", "0"],
                stdout=out,
                stderr=err,
                text=True,
                env=env,
                # Ctrl-C must reach it even when this suite runs as a
                # background job, whose children inherit SIGINT ignored
                # (Python then installs no KeyboardInterrupt handler).
                preexec_fn=_default_sigint,
            )

    def url(self) -> str:
        """The address the demo prints once it serves (polled, not timed)."""
        prefix = "Serving the cookiesession demo on "
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            line = self.stdout().partition("\n")[0]
            if line.startswith(prefix) and line.endswith("/"):
                return line.removeprefix(prefix)
            assert self.process.poll() is None, self.stderr()
            time.sleep(0.05)
        raise AssertionError("the demo did not start: " + self.stderr())

    def stdout(self) -> str:
        return self.out.read_text()

    def stderr(self) -> str:
        return self.err.read_text()

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def _default_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@pytest.fixture
def demo_process(tmp_path):
    demo = DemoProcess(tmp_path)
    try:
        yield demo, demo.url()
    finally:
        demo.stop()


def token_in(page: str) -> str:
    """The CSRF token every form of the demo carries."""
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def test_demo_process_flow(demo_process):
    process, url = demo_process
    client = requests.Session()
    page = client.get(url)
    assert page.status_code == 200
    assert 'action="/login"' in page.text
    assert page.headers["Cache-Control"] == "no-store"
    token = token_in(page.text)

    login = {"name": "Ann", "csrf_token": token}
    response = client.post(url + "login", data=login, allow_redirects=False)
    assert response.status_code == 303
    header = response.headers["Set-Cookie"]
    assert header.startswith("session=")
    for attribute in ("HttpOnly", "Path=/", "SameSite=Lax"):
        assert attribute in header
    assert "Expires" not in header  # not remembered: a browser-session cookie
    assert response.headers["Vary"] == "Cookie"
    page = client.get(url)
    assert '<strong id="user">Ann</strong>' in page.text
    assert "Welcome, Ann." in page.text

    token = token_in(page.text)
    for item in ("apple", "pear"):
        client.post(url + "cart", data={"item": item, "csrf_token": token})
    page = client.get(url)
    assert '<ul id="cart"><li>apple</li><li>pear</li></ul>' in page.text
    assert "&quot;cart&quot;: [" in page.text
    assert "cookie is" in page.text

    response = client.post(url + "logout", data={"csrf_token": token})
    assert "You are logged out." in response.text
    assert 'action="/login"' in response.text
    assert client.post(url + "theme", data={"theme": "dark"}).status_code == 403
    process.stop()
    assert "using a random key" in process.stderr()


def test_demo_stops_cleanly_on_ctrl_c(demo_process):
    process, url = demo_process
    assert requests.get(url, timeout=10).status_code == 200
    process.process.send_signal(signal.SIGINT)
    assert process.process.wait(timeout=60) == 0
    assert "Stopped." in process.stdout()
    assert "Traceback" not in process.stderr()


class Browser:
    """A WebTest client that posts the demo's forms as a browser does: with
    the CSRF token of the page it last saw."""

    def __init__(self, app) -> None:
        self.client = TestApp(app)

    def get(self, path="/", **kwargs):
        return self.client.get(path, **kwargs)

    def post(self, path, data=None, **kwargs):
        token = token_in(self.client.get("/").text)
        return self.client.post(path, {**(data or {}), "csrf_token": token}, **kwargs)


def browser(config=None, **kwargs):
    return Browser(make_demo_app(config or {"SECRET_KEY": "demo-test"}, **kwargs))


@pytest.fixture
def demo():
    return browser()


def test_remember_me_makes_the_session_permanent(demo):
    response = demo.post("/login", {"name": "Bob", "remember": "1"})
    assert "Max-Age=2678400" in response.headers["Set-Cookie"]
    assert "remembered for 31 days" in demo.get("/").text


def test_login_starts_a_new_session(demo):
    demo.post("/login", {"name": "Ann"})
    demo.post("/cart", {"item": "apple"})
    demo.post("/login", {"name": "Bob"})
    page = demo.get("/").text
    assert "apple" not in page
    assert "The cart is empty." in page


def test_theme(demo):
    demo.post("/theme", {"theme": "dark"})
    page = demo.get("/").text
    assert 'value="dark" checked' in page
    assert "background: #1d1d1f" in page


def test_html_is_escaped(demo):
    demo.post("/login", {"name": "<script>x</script>"})
    page = demo.get("/").text
    assert "<script>x" not in page
    assert "&lt;script&gt;" in page


@pytest.mark.parametrize(
    ("path", "data", "message"),
    [
        pytest.param("/login", {"name": ""}, "Enter a name", id="empty-name"),
        pytest.param("/login", {"name": "x" * 41}, "Enter a name", id="long-name"),
        pytest.param("/cart", {"item": " "}, "Enter an item", id="blank-item"),
        pytest.param("/theme", {"theme": "neon"}, "Choose light or dark", id="theme"),
    ],
)
def test_bad_form_input(demo, path, data, message):
    demo.get("/")  # the token is in the session before the post
    response = demo.post(path, data, status=400)
    assert message in response.text
    assert "Set-Cookie" not in response.headers


def test_not_found(demo):
    demo.get("/nope", status=404)
    demo.post("/nope", status=404)
    demo.get("/devices", status=404)  # signed cookies: no device list


def test_every_form_needs_the_csrf_token(demo):
    demo.post("/login", {"name": "Ann"})
    for path, data in (("/theme", {"theme": "dark"}), ("/logout", {})):
        response = demo.client.post(path, data, status=403)
        assert "CSRF token" in response.text
        forged = demo.client.post(path, {**data, "csrf_token": "x" * 40}, status=403)
        assert "Set-Cookie" not in forged.headers
    page = demo.get("/").text
    assert 'id="user">Ann' in page
    assert 'value="light" checked' in page


def test_flash_messages_on_login_and_logout(demo):
    page = demo.post("/login", {"name": "Ann"}).follow().text
    assert '<p class="flash">Welcome, Ann.</p>' in page
    assert "Welcome" not in demo.get("/").text  # shown once
    page = demo.post("/logout").follow().text
    assert "You are logged out. Your theme stays." in page
    assert 'id="flashes"' not in demo.get("/").text


def login(client, name="ann"):
    return client.post("/login", {"name": name}).follow()


def test_a_full_cart_says_so():
    client = browser({"SECRET_KEY": "k"})
    login(client)
    import secrets

    for _ in range(200):
        item = secrets.token_hex(20)  # random: zlib cannot shrink it
        response = client.post("/cart", {"item": item}, expect_errors=True)
        if response.status_int == 400:
            break
        response.follow()
    else:
        pytest.fail("the cart never filled up")
    assert "The cart is full" in response.text
    assert "over the 4093-byte limit" in response.text
    assert item not in client.get("/").text  # refused, and what fits was kept


def test_logout_keeps_the_theme():
    client = browser({"SECRET_KEY": "k"})
    login(client)
    client.post("/theme", {"theme": "dark"}).follow()
    client.post("/cart", {"item": "tea"}).follow()
    page = client.post("/logout").follow().text
    assert 'value="dark" checked' in page
    assert 'id="user"' not in page
    assert "tea" not in page


def test_what_the_browser_sees_beside_what_the_session_holds(demo):
    assert (
        "No session cookie yet"
        in TestApp(make_demo_app({"SECRET_KEY": "k"})).get("/").text
    )
    demo.post("/login", {"name": "Ann"}).follow()  # the welcome shown
    value = demo.client.cookies["session"]  # what the next request sends
    page = demo.get("/").text
    assert "signed, not encrypted" in page
    assert "cookiesession decode --unverified" in page
    signed, _, signature = value.rpartition(".")
    assert signature not in page  # never a replayable cookie in the page
    assert signed in page  # the payload and the timestamp are
    assert "The first part reads:" in page
    assert "&quot;user&quot;:&quot;Ann&quot;" in page  # the JSON, compact
    assert '<pre id="session">' in page
    assert f"cookie is {len(value)} bytes" in page


def test_encrypted_cookies_are_shown_sealed():
    pytest.importorskip("cryptography")
    from cookiesession.crypto import EncryptedCookieSessionInterface

    client = browser(session_interface=EncryptedCookieSessionInterface())
    client.post("/login", {"name": "Ann"})
    page = client.get("/").text
    cookie = page.split('<pre id="cookie">')[1].split("</pre>")[0]
    assert "Ann" not in cookie
    assert client.client.cookies["session"] not in page
    assert "encrypted" in page
    assert "Ann" in page.split('<pre id="session">')[1]


def test_the_timeouts_and_how_long_is_left(clock):
    config = {
        "SECRET_KEY": "k",
        "SESSION_IDLE_TIMEOUT": "2m",
        "SESSION_ABSOLUTE_TIMEOUT": "10m",
    }
    assert "No timeouts are set" in browser().get("/").text
    client = browser(config)
    login(client)
    page = client.get("/").text
    assert "Idle timeout: 2 min." in page
    assert "<strong>10 min left</strong>" in page
    for _ in range(4):  # active: each request restarts the idle timeout
        clock.advance(90)
        assert 'id="user"' in client.get("/").text
    assert "<strong>4 min left</strong>" in client.get("/").text
    clock.advance(121)  # idle for longer than 2 minutes: the session ends
    assert 'id="user"' not in client.get("/").text


def test_the_absolute_timeout_ends_an_active_session(clock):
    client = browser({"SECRET_KEY": "k", "SESSION_ABSOLUTE_TIMEOUT": "5m"})
    login(client)
    for _ in range(5):
        clock.advance(59)
        assert 'id="user"' in client.get("/").text
    clock.advance(10)
    assert 'id="user"' not in client.get("/").text


def test_without_a_secret_key_the_page_shows_and_login_is_refused():
    with pytest.warns(UserWarning, match="No SECRET_KEY"):
        client = Browser(make_demo_app({}))
    assert 'action="/login"' in client.get("/").text
    client.client.post("/login", {"name": "Ann"}, status=403)


AGENTS = {
    "laptop": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/131.0",
    "phone": "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0) Version/17.0 Safari/604.1",
    "tablet": "Mozilla/5.0 (Android 14; Tablet; rv:133.0) Gecko Firefox/133.0",
}


def test_your_devices_on_a_store(tmp_path):
    pytest.importorskip("sqlalchemy")
    from cookiesession.sql import SqlSessionInterface

    store = SqlSessionInterface.from_url(
        f"sqlite:///{tmp_path / 'demo.db'}", user_key="user", device_key="device"
    )
    store.create_table()
    app = make_demo_app({"SECRET_KEY": "k"}, session_interface=store)
    clients = {}
    for name, agent in AGENTS.items():
        clients[name] = client = Browser(app)
        client.client.extra_environ["HTTP_USER_AGENT"] = agent
        assert "Your devices</a>" not in client.get("/").text.split("</nav>")[0]
        assert "Log in to see" in client.get("/devices").text
        login(client, "ann")
    laptop, phone, tablet = clients.values()
    page = laptop.get("/devices").text
    for device in ("Chrome on Linux", "Safari on iPhone", "Firefox on Android"):
        assert device in page
    assert page.count("Sign out that device") == 2
    assert "<strong>this device</strong>" in page
    assert "The session lives <strong>on the server</strong>" in laptop.get("/").text

    [handle] = [
        s["handle"] for s in store.list_sessions("ann") if "iPhone" in s["device"]
    ]
    page = laptop.post("/devices/revoke", {"handle": handle}).follow().text
    assert "Signed out that device." in page
    assert "iPhone" not in page
    assert 'id="user"' not in phone.get("/").text
    assert 'id="user"' in tablet.get("/").text

    page = laptop.post("/devices/others").follow().text
    assert "Signed out everywhere else: 1 other session ended." in page
    assert 'id="user"' not in tablet.get("/").text
    assert 'id="user"' in laptop.get("/").text
    assert [s["current"] for s in store.list_sessions("ann")] == [False]


def test_a_devices_post_of_someone_logged_out_changes_nothing(tmp_path):
    pytest.importorskip("sqlalchemy")
    from cookiesession.sql import SqlSessionInterface

    store = SqlSessionInterface.from_url(
        f"sqlite:///{tmp_path / 'demo.db'}", user_key="user", device_key="device"
    )
    store.create_table()
    client = Browser(make_demo_app({"SECRET_KEY": "k"}, session_interface=store))
    client.post("/devices/others", status=404)


def test_the_cli_takes_the_demo_flags_and_refuses_a_bad_timeout(capsys):
    from cookiesession.cli import main
    from cookiesession.cli.parser import parser

    args = parser().parse_args(
        ["demo", "--idle", "2m", "--absolute", "1h", "--encrypted"]
    )
    assert (args.idle, args.absolute, args.encrypted) == ("2m", "1h", True)
    with pytest.raises(SystemExit):
        parser().parse_args(["demo", "--encrypted", "--sql", "sqlite://"])
    assert main(["demo", "--idle", "soon", "--port", "0"]) == 1
    assert "SESSION_IDLE_TIMEOUT" in capsys.readouterr().err
