"""One contract, run for each driver: the middleware, the Pyramid factory
and the Bottle plugin open and save sessions through the same path, so they
must behave the same."""

from __future__ import annotations

import pytest
from webtest import TestApp

from cookiesession import SecureCookieSessionInterface
from tests.helpers import (
    KEY,
    HMACCounter,
    bottle_driver,
    cookie_of,
    pyramid_driver,
    set_cookies,
    sign,
    wsgi_driver,
)


@pytest.fixture(params=[wsgi_driver, pyramid_driver, bottle_driver])
def driver(request):
    return request.param


class TestContract:
    def test_round_trip(self, driver):
        client = TestApp(driver())
        assert client.get("/show").json == {}
        client.get("/set")
        assert client.get("/show").json == {"user": "ann"}
        response = client.get("/clear")
        assert "Max-Age=0" in set_cookies(response)[0]
        assert client.get("/show").json == {}

    def test_recent_authentication(self, driver, clock):
        client = TestApp(driver(SESSION_REFRESH_EACH_REQUEST=True))
        assert client.get("/sudo").json is False
        client.get("/login")
        assert client.get("/sudo").json is True
        clock.advance(200)
        client.get("/permanent")  # a write and a re-issue never move the stamp
        clock.advance(101)
        assert client.get("/sudo").json is False
        client.get("/login")
        assert client.get("/sudo").json is True
        client.get("/regenerate")
        assert client.get("/sudo").json is False
        client.get("/login")
        client.get("/clear")
        assert client.get("/sudo").json is False

    def test_a_stamp_from_a_server_slightly_ahead_counts_as_now(self, driver, clock):
        ahead = clock() + 30
        cookie = "session=" + sign({"_auth": int(ahead)})
        client = TestApp(driver())
        assert client.get("/sudo", headers={"Cookie": cookie}).json is True
        far = "session=" + sign({"_auth": int(clock() + 3600)})
        assert client.get("/sudo", headers={"Cookie": far}).json is False

    def test_untouched_sends_nothing(self, driver):
        response = TestApp(driver()).get(
            "/untouched", headers={"Cookie": "session=" + sign({"user": "ann"})}
        )
        assert "Set-Cookie" not in response.headers
        assert "Vary" not in response.headers

    def test_a_session_never_used_costs_no_signature_check(self, driver, monkeypatch):
        cookie = "session=" + sign({"user": "ann"})
        counter = HMACCounter(monkeypatch)
        response = TestApp(driver()).get("/ignored", headers={"Cookie": cookie})
        assert response.json == "ignored"
        assert counter.count == 0
        assert "Set-Cookie" not in response.headers
        assert "Vary" not in response.headers

    def test_a_permanent_session_never_used_is_refreshed(self, driver, clock):
        cookie = "session=" + sign({"user": "ann", "_permanent": True})
        clock.advance(60)
        response = TestApp(driver()).get("/ignored", headers={"Cookie": cookie})
        refreshed = cookie_of(response)
        assert refreshed is not None
        assert refreshed != cookie
        assert "Max-Age=2678400" in set_cookies(response)[0]

    def test_read_varies_without_cookie(self, driver):
        response = TestApp(driver()).get(
            "/show", headers={"Cookie": "session=" + sign({"user": "ann"})}
        )
        assert response.json == {"user": "ann"}
        assert response.headers["Vary"] == "Cookie"
        assert "Set-Cookie" not in response.headers

    def test_write_is_private_and_varies(self, driver):
        response = TestApp(driver()).get("/set")
        assert cookie_of(response) is not None
        assert response.headers["Cache-Control"] == "private"
        assert response.headers["Vary"] == "Cookie"

    def test_fallback_key_is_reissued(self, driver):
        app = driver(SECRET_KEY_FALLBACKS="old-key")
        cookie = "session=" + sign({"user": "ann"}, "old-key")
        response = TestApp(app).get("/show", headers={"Cookie": cookie})
        assert response.json == {"user": "ann"}
        reissued = cookie_of(response).partition("=")[2]
        serializer = SecureCookieSessionInterface().get_signing_serializer(
            type("App", (), {"config": app_config(KEY)})
        )
        assert serializer.loads(reissued)["user"] == "ann"

    def test_tampered_cookie_is_a_new_session(self, driver):
        cookie = "session=" + sign({"user": "ann"})[:-2] + "xx"
        response = TestApp(driver()).get("/show", headers={"Cookie": cookie})
        assert response.json == {}

    def test_permanent_cookie_has_max_age(self, driver):
        response = TestApp(driver()).get("/permanent")
        assert "Max-Age=2678400" in set_cookies(response)[0]


def app_config(key):
    from cookiesession import validate_config

    return validate_config({"SECRET_KEY": key})
