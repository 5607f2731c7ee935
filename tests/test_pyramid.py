"""The Pyramid integration, with real Pyramid apps through WebTest."""

from __future__ import annotations

import time

import pytest
from pyramid.config import Configurator
from pyramid.exceptions import ConfigurationError
from pyramid.httpexceptions import HTTPForbidden, HTTPFound
from pyramid.interfaces import ISession
from pyramid.response import Response
from webtest import TestApp
from zope.interface.verify import verifyObject

from cookiesession.pyramid import (
    CookieSessionFactory,
    PyramidSession,
    settings_to_config,
)

SETTINGS = {"cookiesession.secret_key": "pyramid-secret"}


def make_app(settings=None, csrf=False):
    with Configurator(settings={**SETTINGS, **(settings or {})}) as config:
        config.include("cookiesession.pyramid")
        if csrf:
            config.set_default_csrf_options(require_csrf=True)

        def show(request):
            data = {k: v for k, v in request.session.items() if not k.startswith("_")}
            return Response(json_body=data)

        def login(request):
            request.session["user"] = request.params["user"]
            request.session.flash(f"Welcome, {request.params['user']}!")
            request.session.flash("debug note", queue="debug")
            raise HTTPFound("/messages")

        def messages(request):
            return Response(
                json_body={
                    "peek-debug": request.session.peek_flash("debug"),
                    "messages": request.session.pop_flash(),
                    "debug": request.session.pop_flash("debug"),
                    "again": request.session.pop_flash(),
                }
            )

        def logout(request):
            request.session.invalidate()
            return Response("bye")

        def nested(request):
            request.session.setdefault("cart", [])
            request.session["cart"].append(request.params["item"])
            if request.params.get("changed"):
                request.session.changed()
            return Response("ok")

        def info(request):
            session = request.session
            return Response(json_body={"new": session.new, "created": session.created})

        def forbidden(request):
            request.session["denied"] = True
            raise HTTPForbidden()

        def token(request):
            return Response(request.session.get_csrf_token())

        def submit(request):
            return Response("accepted")

        def untouched(request):
            return Response("untouched")

        for name, view in [
            ("show", show),
            ("login", login),
            ("messages", messages),
            ("logout", logout),
            ("nested", nested),
            ("info", info),
            ("forbidden", forbidden),
            ("token", token),
            ("submit", submit),
            ("untouched", untouched),
        ]:
            config.add_route(name, f"/{name}")
            config.add_view(view, route_name=name)
        return config.make_wsgi_app()


@pytest.fixture
def client():
    return TestApp(make_app())


def test_set_read_clear(client):
    client.get("/login?user=ann")
    assert client.get("/show").json == {"user": "ann"}
    response = client.get("/logout")
    assert "Max-Age=0" in response.headers["Set-Cookie"]
    assert client.get("/show").json == {}


def test_flash_queues_across_a_redirect(client):
    response = client.get("/login?user=ann")
    assert response.status_int == 302
    assert "session=" in response.headers["Set-Cookie"]
    assert response.follow().json == {
        "peek-debug": ["debug note"],
        "messages": ["Welcome, ann!"],
        "debug": ["debug note"],
        "again": [],
    }
    assert client.get("/messages").json["messages"] == []


def test_flash_without_duplicates():
    session = PyramidSession()
    session.flash("hi")
    session.flash("hi", allow_duplicate=False)
    session.flash("hi", queue="other", allow_duplicate=False)
    assert session.peek_flash() == ["hi"]
    assert session.pop_flash("other") == ["hi"]
    assert session.pop_flash("none") == []
    assert session["_flashes"] == [("message", "hi")]


def test_session_provides_isession():
    assert verifyObject(ISession, PyramidSession())


def test_new_and_created_survive_requests(client, monkeypatch):
    first = client.get("/info").json
    assert first["new"] is True
    client.get("/login?user=ann")
    created = client.get("/info").json
    assert created["new"] is False
    real_time = time.time
    monkeypatch.setattr(time, "time", lambda: real_time() + 100)
    client.get("/nested?item=x")
    assert client.get("/info").json == created


def test_invalidate_then_reuse_starts_a_new_session():
    session = PyramidSession({"user": "ann", "_created": 5})
    assert session.created == 5
    session.invalidate()
    assert session.new
    assert dict(session) == {}
    assert session.created > 5


def test_changed_persists_nested_mutation(client):
    client.get("/nested?item=a")
    client.get("/nested?item=b")  # not marked changed: lost
    assert client.get("/show").json == {"cart": ["a"]}
    client.get("/nested?item=c&changed=1")
    assert client.get("/show").json == {"cart": ["a", "c"]}


def test_exception_response_carries_the_cookie(client):
    response = client.get("/forbidden", status=403)
    assert "session=" in response.headers["Set-Cookie"]
    assert response.headers["Vary"] == "Cookie"


def test_untouched_view_has_no_cookie_and_no_vary(client):
    client.get("/login?user=ann")
    response = client.get("/untouched")
    assert "Set-Cookie" not in response.headers
    assert "Vary" not in response.headers


def test_csrf_accepted_with_token_and_rejected_without():
    client = TestApp(make_app(csrf=True))
    token = client.get("/token").text
    assert client.post("/submit", {"csrf_token": token}).text == "accepted"
    client.post("/submit", {"csrf_token": "wrong"}, status=400)
    client.post("/submit", status=400)
    assert client.get("/token").text == token
    session = PyramidSession()
    assert session.new_csrf_token() != session.new_csrf_token()


def test_settings_are_coerced():
    app = make_app(
        {
            "cookiesession.session_cookie_secure": "true",
            "cookiesession.session_cookie_httponly": "off",
            "cookiesession.session_cookie_samesite": "strict",
            "cookiesession.permanent_session_lifetime": "3600",
            "cookiesession.session_cookie_name": "pyr",
            "cookiesession.secret_key_fallbacks": "old-one\n old-two",
        }
    )
    header = TestApp(app).get("/login?user=ann").headers["Set-Cookie"]
    assert header.startswith("pyr=")
    assert "; Secure" in header
    assert "HttpOnly" not in header
    assert "SameSite=Strict" in header


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        pytest.param(
            {"cookiesession.secret_key": ""}, "needs a secret key", id="nokey"
        ),
        pytest.param(
            {"cookiesession.session_cookie_samesite": "sometimes"},
            "'cookiesession.session_cookie_samesite'",
            id="samesite",
        ),
        pytest.param(
            {"cookiesession.permanent_session_lifetime": "-1"},
            "'cookiesession.permanent_session_lifetime'",
            id="lifetime",
        ),
        pytest.param(
            {"cookiesession.session_cookie_secure": "perhaps"},
            "'cookiesession.session_cookie_secure'",
            id="bool",
        ),
    ],
)
def test_bad_settings_fail_start_up(settings, message):
    with pytest.raises(ConfigurationError, match=message):
        make_app(settings)


def test_ini_fallbacks_are_one_per_line():
    """A passphrase with spaces is one key; lines are keys."""
    config = settings_to_config(
        {
            "cookiesession.secret_key_fallbacks": "correct horse battery\nold",
            "cookiesession.secret_key": "k",
            "other.setting": "x",
        }
    )
    assert dict(config) == {
        "SECRET_KEY_FALLBACKS": "correct horse battery\nold",
        "SECRET_KEY": "k",
    }
    factory = CookieSessionFactory(config)
    assert factory.config["SECRET_KEY_FALLBACKS"] == ("correct horse battery", "old")


def test_misspelt_setting_warns():
    with pytest.warns(
        UserWarning,
        match="'cookiesession.session_cookie_secur': did you mean"
        " cookiesession.session_cookie_secure",
    ):
        make_app({"cookiesession.session_cookie_secur": "true"})


def test_factory_by_hand():
    with Configurator() as config:
        config.set_session_factory(CookieSessionFactory({"SECRET_KEY": "by-hand"}))

        def view(request):
            request.session["n"] = request.session.get("n", 0) + 1
            return Response(str(request.session["n"]))

        config.add_route("n", "/")
        config.add_view(view, route_name="n")
        client = TestApp(config.make_wsgi_app())
    client.get("/")
    assert client.get("/").text == "2"
    with pytest.raises(ConfigurationError):
        CookieSessionFactory({})


def test_env_prefix_and_secrets_dir(tmp_path, monkeypatch):
    """Later sources win: .ini, then the secrets folder, then the env."""
    (tmp_path / "secret_key").write_text("from-the-secret-file\n")
    (tmp_path / "session_cookie_name").write_text("from_secret\n")
    monkeypatch.setenv("MYAPP_SESSION_COOKIE_NAME", '"from_env"')
    config = settings_to_config(
        {
            "cookiesession.secret_key": "from-ini",
            "cookiesession.session_cookie_name": "from_ini",
            "cookiesession.session_cookie_httponly": "false",
            "cookiesession.secrets_dir": str(tmp_path),
            "cookiesession.env_prefix": "MYAPP",
        }
    )
    factory = CookieSessionFactory(config)
    assert factory.config["SECRET_KEY"] == "from-the-secret-file"
    assert factory.config["SESSION_COOKIE_NAME"] == "from_env"
    assert factory.config["SESSION_COOKIE_HTTPONLY"] is False


def test_a_config_object_is_accepted():
    from cookiesession import Config

    config = Config()
    config.from_mapping(SECRET_KEY="k", SESSION_COOKIE_NAME="sid")
    with Configurator() as configurator:
        configurator.set_session_factory(CookieSessionFactory(config))
        configurator.add_route("set", "/set")
        configurator.add_view(
            lambda request: request.session.update(a=1) or Response("ok"),
            route_name="set",
        )
        app = configurator.make_wsgi_app()
    assert TestApp(app).get("/set").headers["Set-Cookie"].startswith("sid=")


@pytest.mark.parametrize(
    ("env", "written"),
    [
        pytest.param(
            {"MYAPP_SESSION_COOKIE_SAMESITE": "Lenient"},
            "environment variable MYAPP_SESSION_COOKIE_SAMESITE",
            id="env",
        ),
    ],
)
def test_errors_name_the_setting_as_written(monkeypatch, env, written):
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    settings = {**SETTINGS, "cookiesession.env_prefix": "MYAPP"}
    with pytest.raises(ConfigurationError, match=written):
        make_app(settings)
    with pytest.raises(
        ConfigurationError, match="'cookiesession.session_cookie_samesite'"
    ):
        make_app({"cookiesession.session_cookie_samesite": "Lenient"})


def test_warnings_name_an_env_var_as_written(monkeypatch):
    monkeypatch.setenv("MYAPP_SESSION_COOKIE_SECUR", "true")
    with pytest.warns(
        UserWarning,
        match="'MYAPP_SESSION_COOKIE_SECUR': did you mean MYAPP_SESSION_COOKIE_SECURE",
    ):
        make_app({"cookiesession.env_prefix": "MYAPP"})


def test_warnings_name_a_secret_file_as_written(tmp_path):
    (tmp_path / "session_cookie_secur").write_text("true\n")
    with pytest.warns(UserWarning, match="Unknown setting") as caught:
        make_app({"cookiesession.secrets_dir": str(tmp_path)})
    message = str(caught[0].message)
    assert "session_cookie_secur (file " in message
    assert str(tmp_path / "session_cookie_secur") in message
    assert "did you mean session_cookie_secure?" in message


def test_flash_and_csrf_are_the_helpers():
    """Pyramid's flash queues and CSRF token are cookiesession's helpers:
    one token, one layout, one rotation."""
    from pyramid.config import Configurator
    from pyramid.response import Response
    from webtest import TestApp

    import cookiesession
    from cookiesession.pyramid import CookieSessionFactory

    seen = {}

    def view(request):
        session = request.session
        token = session.get_csrf_token()
        masked = cookiesession.csrf_token(session)
        seen["same"] = cookiesession.check_csrf_token(session, masked)
        seen["checks"] = cookiesession.check_csrf_token(session, token)
        rotated = session.new_csrf_token()
        seen["rotated"] = (
            rotated != token
            and not cookiesession.check_csrf_token(session, masked)
            and cookiesession.check_csrf_token(
                session, cookiesession.csrf_token(session)
            )
        )
        session.flash("once", allow_duplicate=False)
        session.flash("once", allow_duplicate=False)
        cookiesession.flash(session, "warned", "warning")
        seen["peek"] = session.peek_flash()
        seen["warnings"] = session.pop_flash("warning")
        seen["left"] = cookiesession.get_flashed_messages(session, with_categories=True)
        return Response("ok")

    with Configurator() as config:
        config.set_session_factory(CookieSessionFactory({"SECRET_KEY": "k" * 32}))
        config.add_route("view", "/")
        config.add_view(view, route_name="view")
        TestApp(config.make_wsgi_app()).get("/")
    assert seen == {
        "same": True,
        "checks": True,
        "rotated": True,
        "peek": ["once"],
        "warnings": ["warned"],
        "left": [("message", "once")],
    }


def test_an_ini_file_can_choose_encrypted_cookies():
    client = TestApp(make_app({"cookiesession.encrypted": "true"}))
    client.get("/login?user=ann")
    value = client.cookies["session"]
    assert "." not in value  # sealed, not signed
    assert client.get("/show").json == {"user": "ann"}
    signed = TestApp(make_app())
    signed.set_cookie("session", value)
    assert signed.get("/show").json == {}  # not readable as a signed cookie


@pytest.mark.parametrize(
    "key", ["cookiesession.encrypt", "cookiesession.redis", "cookiesession.frobnicate"]
)
def test_an_unknown_ini_key_warns(key):
    with pytest.warns(UserWarning, match=f"Unknown .ini setting '{key}'"):
        make_app({key: "true"})


def test_two_stores_in_one_ini_file_name_both():
    from pyramid.exceptions import ConfigurationError

    with pytest.raises(ConfigurationError, match="encrypted and .*redis_url"):
        make_app(
            {"cookiesession.encrypted": "yes", "cookiesession.redis_url": "redis://x"}
        )
    with pytest.raises(ConfigurationError, match="expected true or false"):
        make_app({"cookiesession.encrypted": "perhaps"})
