"""The demo app: driven as a real ``cookiesession demo`` process, and
in-process through WebTest for every branch."""

from __future__ import annotations

import os
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


def test_demo_process_flow(demo_process):
    process, url = demo_process
    client = requests.Session()
    page = client.get(url)
    assert page.status_code == 200
    assert 'action="/login"' in page.text

    response = client.post(url + "login", data={"name": "Ann"}, allow_redirects=False)
    assert response.status_code == 303
    header = response.headers["Set-Cookie"]
    assert header.startswith("session=")
    for attribute in ("HttpOnly", "Path=/", "SameSite=Lax"):
        assert attribute in header
    assert "Expires" not in header  # not remembered: a browser-session cookie
    assert response.headers["Vary"] == "Cookie"
    page = client.get(url)
    assert '<strong id="user">Ann</strong>' in page.text

    for item in ("apple", "pear"):
        client.post(url + "cart", data={"item": item})
    page = client.get(url)
    assert '<ul id="cart"><li>apple</li><li>pear</li></ul>' in page.text
    assert "&quot;cart&quot;: [" in page.text
    assert "cookie is" in page.text

    response = client.post(url + "logout", allow_redirects=False)
    assert "Max-Age=0" in response.headers["Set-Cookie"]
    assert len(client.cookies) == 0
    assert 'action="/login"' in client.get(url).text
    process.stop()
    assert "using a random key" in process.stderr()


def test_demo_stops_cleanly_on_ctrl_c(demo_process):
    process, url = demo_process
    assert requests.get(url, timeout=10).status_code == 200
    process.process.send_signal(signal.SIGINT)
    assert process.process.wait(timeout=60) == 0
    assert "Stopped." in process.stdout()
    assert "Traceback" not in process.stderr()


@pytest.fixture
def demo():
    return TestApp(make_demo_app({"SECRET_KEY": "demo-test"}))


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
    response = demo.post(path, data, status=400)
    assert message in response.text
    assert "Set-Cookie" not in response.headers


def test_not_found(demo):
    demo.get("/nope", status=404)
    demo.post("/nope", status=404)


def login(client, name="ann"):
    return client.post("/login", {"name": name}).follow()


def test_a_full_cart_says_so():
    client = TestApp(make_demo_app({"SECRET_KEY": "k"}))
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
    client = TestApp(make_demo_app({"SECRET_KEY": "k"}))
    login(client)
    client.post("/theme", {"theme": "dark"}).follow()
    client.post("/cart", {"item": "tea"}).follow()
    page = client.post("/logout").follow().text
    assert 'value="dark" checked' in page
    assert 'id="user"' not in page
    assert "tea" not in page


def test_the_page_says_the_session_is_signed_not_encrypted():
    page = TestApp(make_demo_app({"SECRET_KEY": "k"})).get("/").text
    assert "signed, not encrypted" in page
    assert "cookiesession decode --unverified" in page
