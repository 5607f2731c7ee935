from __future__ import annotations

import warnings
from datetime import timedelta

import flask
import pytest

from cookiesession import DEFAULT_CONFIG, Config, validate_config


def test_defaults_match_flask():
    """Every default is Flask's, but SameSite: Lax here, unset in Flask."""
    flask_defaults = flask.Flask.default_config
    for key, value in DEFAULT_CONFIG.items():
        if key == "SESSION_CLOCK_LEEWAY":  # the one setting on by default
            assert value == timedelta(seconds=60)
            continue
        if key == "SESSION_PERMANENT":  # Flask-Session's key, off
            assert value is False
            continue
        if key not in flask_defaults:  # 0.2's timeouts; off by default
            assert value is None, key
            continue
        if key == "SESSION_COOKIE_SAMESITE":
            assert (flask_defaults[key], value) == (None, "Lax")
            continue
        assert flask_defaults[key] == value, key


def test_defaults_are_read_only():
    with pytest.raises(TypeError):
        DEFAULT_CONFIG["SECRET_KEY"] = "x"  # type: ignore[index]


def test_validate_fills_defaults_and_keeps_other_keys():
    out = validate_config({"SECRET_KEY": b"k", "DEBUG": True})
    assert out["SECRET_KEY"] == b"k"
    assert out["DEBUG"] is True
    assert out["SESSION_COOKIE_NAME"] == "session"
    assert out["SECRET_KEY_FALLBACKS"] == ()
    assert out["PERMANENT_SESSION_LIFETIME"] == timedelta(days=31)
    assert validate_config()["SECRET_KEY"] is None


@pytest.mark.parametrize(
    ("key", "given", "expected"),
    [
        pytest.param("SESSION_COOKIE_SECURE", "true", True, id="bool-true"),
        pytest.param("SESSION_COOKIE_SECURE", " Yes ", True, id="bool-yes"),
        pytest.param("SESSION_COOKIE_SECURE", "ON", True, id="bool-on"),
        pytest.param("SESSION_COOKIE_SECURE", "1", True, id="bool-1-str"),
        pytest.param("SESSION_COOKIE_SECURE", 1, True, id="bool-1-int"),
        pytest.param("SESSION_COOKIE_HTTPONLY", "False", False, id="bool-false"),
        pytest.param("SESSION_COOKIE_HTTPONLY", "no", False, id="bool-no"),
        pytest.param("SESSION_COOKIE_HTTPONLY", "off", False, id="bool-off"),
        pytest.param("SESSION_COOKIE_HTTPONLY", 0, False, id="bool-0"),
        pytest.param("SESSION_REFRESH_EACH_REQUEST", "0", False, id="refresh"),
        pytest.param("SESSION_COOKIE_SAMESITE", "strict", "Strict", id="ss-strict"),
        pytest.param("SESSION_COOKIE_SAMESITE", "LAX", "Lax", id="ss-lax"),
        pytest.param("SESSION_COOKIE_SAMESITE", None, None, id="ss-omit"),
        pytest.param("SESSION_COOKIE_SAMESITE", "", None, id="ss-empty"),
        pytest.param(
            "PERMANENT_SESSION_LIFETIME", 60, timedelta(seconds=60), id="life-int"
        ),
        pytest.param(
            "PERMANENT_SESSION_LIFETIME", "90.5", timedelta(seconds=90.5), id="life-str"
        ),
        pytest.param(
            "PERMANENT_SESSION_LIFETIME",
            timedelta(hours=1),
            timedelta(hours=1),
            id="life-td",
        ),
        pytest.param("MAX_COOKIE_SIZE", "0", 0, id="size-off"),
        pytest.param("MAX_COOKIE_SIZE", 8000, 8000, id="size"),
        pytest.param("SESSION_COOKIE_DOMAIN", "example.org", "example.org", id="dom"),
        pytest.param("SESSION_COOKIE_DOMAIN", "", None, id="dom-empty"),
        pytest.param("SESSION_COOKIE_PATH", "/app", "/app", id="path"),
        pytest.param("SECRET_KEY", "", None, id="key-empty"),
        pytest.param("SECRET_KEY_FALLBACKS", "old", ("old",), id="fb-one"),
        pytest.param("SECRET_KEY_FALLBACKS", ["a", b"b"], ("a", b"b"), id="fb-list"),
    ],
)
def test_coercion(key, given, expected):
    config = {"SECRET_KEY": "k", "SESSION_COOKIE_SECURE": True, key: given}
    assert validate_config(config)[key] == expected


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        pytest.param("correct horse battery", ("correct horse battery",), id="one"),
        pytest.param("old1\nold2\n", ("old1", "old2"), id="lines"),
        pytest.param("a b\r\n\nc", ("a b", "c"), id="crlf-blank"),
        pytest.param(b"x\ny", (b"x", b"y"), id="bytes"),
    ],
)
def test_a_fallback_string_is_one_key_per_line(given, expected):
    """One rule everywhere: .ini files, env vars and secrets files."""
    config = {"SECRET_KEY": "k", "SECRET_KEY_FALLBACKS": given}
    assert validate_config(config)["SECRET_KEY_FALLBACKS"] == expected


@pytest.mark.parametrize(
    ("key", "given", "exc", "accepted"),
    [
        pytest.param("SESSION_COOKIE_SAMESITE", "Lenient", ValueError, "'Strict'"),
        pytest.param("SESSION_COOKIE_SAMESITE", 5, TypeError, "'Lax'", id="ss-int"),
        pytest.param("SESSION_COOKIE_SAMESITE", ["Lax"], TypeError, "'Lax'", id="ss-l"),
        pytest.param("SESSION_COOKIE_SECURE", "maybe", ValueError, "true/false"),
        pytest.param("SESSION_COOKIE_SECURE", 2, ValueError, "yes/no", id="bool-2"),
        pytest.param("SESSION_COOKIE_HTTPONLY", None, TypeError, "bool"),
        pytest.param("PERMANENT_SESSION_LIFETIME", -5, ValueError, "greater than"),
        pytest.param("PERMANENT_SESSION_LIFETIME", 0, ValueError, "greater than"),
        pytest.param(
            "PERMANENT_SESSION_LIFETIME", timedelta(-1), ValueError, "greater than"
        ),
        pytest.param("PERMANENT_SESSION_LIFETIME", "soon", ValueError, "seconds"),
        pytest.param("PERMANENT_SESSION_LIFETIME", [1], TypeError, "seconds"),
        pytest.param("PERMANENT_SESSION_LIFETIME", "inf", ValueError, "finite"),
        pytest.param("PERMANENT_SESSION_LIFETIME", "nan", ValueError, "finite"),
        pytest.param("PERMANENT_SESSION_LIFETIME", 1e20, ValueError, "1000 years"),
        pytest.param("PERMANENT_SESSION_LIFETIME", 3e11, ValueError, "1000 years"),
        pytest.param(
            "PERMANENT_SESSION_LIFETIME",
            timedelta(days=999999999),
            ValueError,
            "1000 years",
            id="life-huge-td",
        ),
        pytest.param("MAX_COOKIE_SIZE", "big", ValueError, "bytes", id="size-word"),
        pytest.param("MAX_COOKIE_SIZE", "inf", ValueError, "bytes", id="size-inf"),
        pytest.param("PERMANENT_SESSION_LIFETIME", True, TypeError, "seconds"),
        pytest.param("MAX_COOKIE_SIZE", -1, ValueError, "whole number"),
        pytest.param("MAX_COOKIE_SIZE", 1.5, ValueError, "whole number"),
        pytest.param("SESSION_COOKIE_NAME", "my session", ValueError, "cookie name"),
        pytest.param("SESSION_COOKIE_NAME", "", ValueError, "cookie name"),
        pytest.param("SESSION_COOKIE_NAME", "a;b", ValueError, "cookie name"),
        pytest.param("SESSION_COOKIE_NAME", None, TypeError, "cookie name"),
        pytest.param("SESSION_COOKIE_NAME", 123, TypeError, "cookie name", id="n-int"),
        pytest.param("SESSION_COOKIE_NAME", ["s"], TypeError, "cookie name", id="n-l"),
        pytest.param("SESSION_IDLE_TIMEOUT", [60], TypeError, "duration", id="d-l"),
        pytest.param("SESSION_COOKIE_PATH", "/a; Secure", ValueError, "';'"),
        pytest.param("SESSION_COOKIE_DOMAIN", "a.org\r\nX: y", ValueError, "control"),
        pytest.param("SESSION_COOKIE_DOMAIN", 5, TypeError, "None or an ASCII string"),
        pytest.param("APPLICATION_ROOT", "/a b", ValueError, "whitespace"),
        pytest.param("SESSION_COOKIE_PATH", "/café", ValueError, "ASCII"),
        pytest.param("SECRET_KEY", 1234, TypeError, "str or bytes"),
        pytest.param("SECRET_KEY_FALLBACKS", 5, TypeError, "list"),
        pytest.param("SECRET_KEY_FALLBACKS", ["ok", 5], TypeError, "list"),
        pytest.param("SECRET_KEY_FALLBACKS", ["ok", ""], TypeError, "non-empty"),
    ],
)
def test_bad_values(key, given, exc, accepted):
    config = {"SECRET_KEY": "k", key: given}
    with pytest.raises(exc) as info:
        validate_config(config)
    message = str(info.value)
    assert repr(key) in message
    assert accepted in message


def test_env_secret_key_parsed_as_number(tmp_path, monkeypatch):
    monkeypatch.setenv("FLASK_SECRET_KEY", "1234567890")
    config = Config(tmp_path)
    config.from_prefixed_env()
    with pytest.raises(TypeError) as info:
        validate_config(config)
    message = str(info.value)
    assert "1234567890" not in message
    assert "FLASK_SECRET_KEY" in message
    assert "parsed as JSON into int" in message
    assert "quote the value" in message


def test_bad_value_names_source(tmp_path, monkeypatch):
    monkeypatch.setenv("FLASK_SESSION_COOKIE_SAMESITE", "Lenient")
    config = Config(tmp_path)
    config.from_prefixed_env()
    with pytest.raises(ValueError, match="environment variable FLASK_SESSION_COOKIE"):
        validate_config(config)


def test_secret_never_in_error():
    with pytest.raises(TypeError) as info:
        validate_config({"SECRET_KEY": "k", "SECRET_KEY_FALLBACKS": ["hunter2", 3]})
    assert "hunter2" not in str(info.value)
    assert "'***'" in str(info.value)


@pytest.mark.parametrize(
    ("key", "suggestion"),
    [
        pytest.param("SESSION_COOKIE_SECUR", "SESSION_COOKIE_SECURE", id="typo"),
        pytest.param("SECRET_KEYS", "SECRET_KEY", id="plural"),
        pytest.param("secret_key", "SECRET_KEY", id="lowercase"),
        pytest.param("PERMANENT_SESSION_LIFETIM", "PERMANENT_SESSION_LIFETIME", id="p"),
        pytest.param("MAX_COOKIE_SIZ", "MAX_COOKIE_SIZE", id="near-miss"),
    ],
)
def test_unknown_key_warns_with_suggestion(key, suggestion):
    with pytest.warns(UserWarning, match=f"did you mean {suggestion}\\?"):
        validate_config({"SECRET_KEY": "k", key: True})


def test_unknown_session_key_without_suggestion_warns():
    with pytest.warns(UserWarning, match="not a session setting"):
        validate_config({"SECRET_KEY": "k", "SESSION_TYPE": "redis"})


def test_unrelated_keys_do_not_warn():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        validate_config({"SECRET_KEY": "k", "DEBUG": True, "DATABASE_URL": "x", 3: 4})


def test_fallbacks_without_key_warn():
    with pytest.warns(UserWarning, match="SECRET_KEY_FALLBACKS is set but"):
        out = validate_config({"SECRET_KEY_FALLBACKS": ["old"]})
    assert out["SECRET_KEY"] is None


@pytest.mark.parametrize(
    ("config", "match"),
    [
        pytest.param({"SESSION_COOKIE_SAMESITE": "none"}, "SAMESITE='None'", id="ss"),
        pytest.param({"SESSION_COOKIE_PARTITIONED": True}, "PARTITIONED", id="part"),
    ],
)
def test_insecure_cookie_attribute_warns(config, match):
    with pytest.warns(UserWarning, match=match):
        validate_config({"SECRET_KEY": "k", **config})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        validate_config({"SECRET_KEY": "k", "SESSION_COOKIE_SECURE": True, **config})


def test_invalid_setting_carries_key_and_source(monkeypatch):
    from cookiesession import InvalidSetting

    monkeypatch.setenv("MYAPP_SESSION_COOKIE_SAMESITE", "Lenient")
    config = Config()
    config.from_prefixed_env("MYAPP")
    with pytest.raises(InvalidSetting) as info:
        validate_config(config)
    error = info.value
    assert isinstance(error, ValueError)
    assert error.key == "SESSION_COOKIE_SAMESITE"
    assert error.source == "environment variable MYAPP_SESSION_COOKIE_SAMESITE"
    assert error.shown == "'Lenient'"
    with pytest.raises(InvalidSetting) as info:
        validate_config({"MAX_COOKIE_SIZE": [1]})
    assert isinstance(info.value, TypeError)
    assert info.value.source is None


def test_fallbacks_from_a_kubernetes_secret_rotate(tmp_path):
    """A secret file 'secret_key_fallbacks' holding 'old1\\nold2' is two keys."""
    (tmp_path / "secret_key").write_text("new\n")
    (tmp_path / "secret_key_fallbacks").write_text("old1\nold2\n")
    config = Config(tmp_path)
    config.from_secrets_dir(".")
    assert validate_config(config)["SECRET_KEY_FALLBACKS"] == ("old1", "old2")


def test_leading_dot_of_the_domain_is_dropped():
    out = validate_config({"SECRET_KEY": "k", "SESSION_COOKIE_DOMAIN": ".example.com"})
    assert out["SESSION_COOKIE_DOMAIN"] == "example.com"


def test_over_400_days_warns():
    with pytest.warns(UserWarning, match="400 days") as caught:
        validate_config({"SECRET_KEY": "k", "PERMANENT_SESSION_LIFETIME": 86400 * 500})
    assert caught[0].filename == __file__


def test_no_secret_key_warning_names_the_prefix_in_use(monkeypatch):
    from cookiesession import SessionMiddleware

    monkeypatch.setenv("MYAPP_SESSION_COOKIE_SECURE", "true")
    config = Config()
    config.from_prefixed_env("MYAPP")
    with pytest.warns(UserWarning, match="MYAPP_SECRET_KEY") as caught:
        SessionMiddleware(lambda e, s: [], config)
    assert "FLASK" not in str(caught[0].message)
    assert caught[0].filename == __file__


def test_one_exception_root_with_the_source_as_fields(monkeypatch):
    import cookiesession
    from cookiesession import Config

    for name in (
        "InvalidSetting",
        "InvalidSettingValue",
        "InvalidSettingType",
        "SessionStoreError",
    ):
        assert issubclass(
            getattr(cookiesession, name), cookiesession.CookieSessionError
        )
    assert issubclass(cookiesession.InvalidSettingValue, ValueError)
    assert issubclass(cookiesession.InvalidSettingType, TypeError)
    monkeypatch.setenv("FLASK_SESSION_COOKIE_SECURE", '"maybe"')
    config = Config()
    config.from_prefixed_env()
    with pytest.raises(cookiesession.InvalidSettingValue) as info:
        cookiesession.validate_config(config)
    assert info.value.origin.kind == "environment"
    assert info.value.origin.name == "FLASK_SESSION_COOKIE_SECURE"
    assert info.value.source == "environment variable FLASK_SESSION_COOKIE_SECURE"
