"""The ``cookiesession`` command, run as a real subprocess, and in-process
for the finer cases."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import flask
import pytest

from cookiesession.cli import main

KEY = "cli-test-key"


def run(*args, env=None, stdin=None):
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("FLASK_")}
    full_env.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "cookiesession", *args],
        capture_output=True,
        text=True,
        env=full_env,
        input=stdin,
        timeout=60,
        check=False,
    )


def test_keygen_differs_and_is_long():
    first, second = run("keygen"), run("keygen")
    assert first.returncode == second.returncode == 0
    a, b = first.stdout.strip(), second.stdout.strip()
    assert a != b
    assert len(bytes.fromhex(a)) >= 32


def test_sign_decode_round_trip():
    signed = run("sign", '{"user": "ann", "pair": {" t": [1, 2]}}', "--secret-key", KEY)
    assert signed.returncode == 0, signed.stderr
    cookie = signed.stdout.strip()
    decoded = run("decode", cookie, env={"FLASK_SECRET_KEY": json.dumps(KEY)})
    assert decoded.returncode == 0, decoded.stderr
    assert json.loads(decoded.stdout) == {"user": "ann", "pair": {"(tuple)": [1, 2]}}
    assert "verified with the current SECRET_KEY" in decoded.stderr
    assert "seconds ago" in decoded.stderr
    assert KEY not in decoded.stdout + decoded.stderr


def test_decode_wrong_key_exits_1():
    cookie = run("sign", '{"a": 1}', "--secret-key", KEY).stdout.strip()
    result = run("decode", cookie, "--secret-key", "other-key")
    assert result.returncode == 1
    assert "does not verify" in result.stderr
    assert result.stdout == ""


def test_decode_unverified_is_labelled():
    cookie = run("sign", '{"a": 1}', "--secret-key", KEY).stdout.strip()
    result = run("decode", "--unverified", stdin=f"Cookie: x=1; session={cookie}\n")
    assert result.returncode == 0
    assert "UNVERIFIED" in result.stderr
    assert json.loads(result.stdout) == {"a": 1}


def test_decode_a_real_flask_cookie():
    app = flask.Flask(__name__)
    app.secret_key = KEY

    @app.route("/")
    def index():
        flask.session["user"] = "ann"
        flask.session["when"] = (1, b"x")
        return "ok"

    header = app.test_client().get("/").headers["Set-Cookie"]
    result = run("decode", header.split(";")[0], "--secret-key", KEY)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {
        "user": "ann",
        "when": {"(tuple)": [1, {"(bytes, base64)": "eA=="}]},
    }


def test_config_masks_and_names_sources(tmp_path):
    (tmp_path / "settings.py").write_text("SESSION_COOKIE_SECURE = True\n")
    env = {
        "FLASK_SECRET_KEY": '"hunter2-secret"',
        "FLASK_SESSION_COOKIE_NAME": "sid",
    }
    result = run("config", "--pyfile", str(tmp_path / "settings.py"), env=env)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "hunter2" not in out
    assert "SECRET_KEY = '***'  (environment variable FLASK_SECRET_KEY)" in out
    assert "SESSION_COOKIE_NAME = 'sid'  (environment variable" in out
    assert (
        f"SESSION_COOKIE_SECURE = True  (file {str(tmp_path / 'settings.py')!r})" in out
    )
    assert "SESSION_COOKIE_SAMESITE = 'Lax'  (defaults)" in out
    assert "PERMANENT_SESSION_LIFETIME = 2678400 seconds" in out
    shown = run("config", "--show-secrets", env=env)
    assert "SECRET_KEY = 'hunter2-secret'" in shown.stdout


@pytest.mark.parametrize(
    "args",
    [
        pytest.param([], id="no-command"),
        pytest.param(["nope"], id="unknown-command"),
        pytest.param(["sign"], id="missing-argument"),
        pytest.param(["keygen", "--bytes", "4"], id="too-few-bytes"),
        pytest.param(["demo", "--port", "x"], id="bad-port"),
    ],
)
def test_usage_errors_exit_2(args):
    result = run(*args)
    assert result.returncode == 2
    assert "usage:" in result.stderr


@pytest.mark.parametrize("command", ["demo", "decode", "sign", "keygen", "config"])
def test_help_on_every_command(command):
    result = run(command, "--help")
    assert result.returncode == 0
    assert f"cookiesession {command}" in result.stdout


# In-process, for the finer cases.


@pytest.fixture
def cli(monkeypatch, capsys):
    for key in list(os.environ):
        if key.startswith("FLASK_"):
            monkeypatch.delenv(key)

    def call(*args):
        code = main(list(args))
        out, err = capsys.readouterr()
        return code, out, err

    return call


@pytest.mark.parametrize(
    ("args", "message"),
    [
        pytest.param(["sign", "{", "--secret-key", "k"], "not valid JSON", id="json"),
        pytest.param(["sign", "[1]", "--secret-key", "k"], "JSON object", id="list"),
        pytest.param(["sign", "{}"], "No secret key", id="sign-no-key"),
        pytest.param(["decode", "a.b.c"], "No secret key", id="decode-no-key"),
        pytest.param(
            ["decode", "x=1", "--secret-key", "k"], "No 'session' cookie", id="header"
        ),
        pytest.param(["decode", "--unverified", "abc"], "three parts", id="parts"),
        pytest.param(
            ["decode", "--unverified", "!!.a.b"], "cannot be decoded", id="payload"
        ),
        pytest.param(["config", "--pyfile", "/nonexistent.py"], "Unable", id="pyfile"),
    ],
)
def test_bad_input_exits_1(cli, args, message):
    code, _, err = cli(*args)
    assert code == 1
    assert message in err


def test_bad_setting_exits_1(cli, monkeypatch):
    monkeypatch.setenv("FLASK_SECRET_KEY", "1234567890")
    code, _, err = cli("config")
    assert code == 1
    assert "quote the value" in err
    assert "1234567890" not in err


def test_setting_warnings_are_printed(cli):
    code, _, err = cli("config", "--prefix", "X")
    assert code == 0
    os.environ["X_SESSION_COOKIE_SECUR"] = "1"
    try:
        code, _, err = cli("config", "--prefix", "X")
    finally:
        del os.environ["X_SESSION_COOKIE_SECUR"]
    assert "did you mean SESSION_COOKIE_SECURE?" in err


def test_decode_fallback_and_expiry(cli, monkeypatch):
    _, cookie, _ = cli("sign", '{"a": 1}', "--secret-key", "old")
    cookie = cookie.strip()
    monkeypatch.setenv("FLASK_SECRET_KEY", '"new"')
    monkeypatch.setenv("FLASK_SECRET_KEY_FALLBACKS", '["older", "old"]')
    code, _, err = cli("decode", cookie)
    assert code == 0
    assert "verified with the fallback #1" in err
    real_time = time.time
    monkeypatch.setattr(time, "time", lambda: real_time() + 40 * 86400)
    code, _, err = cli("decode", cookie)
    assert code == 1
    assert "has expired" in err


def test_decode_non_object_and_odd_values(cli):
    from cookiesession import SecureCookieSessionInterface

    serializer = SecureCookieSessionInterface()._make_serializer(["k"])
    code, _, err = cli("decode", serializer.dumps([1]), "--secret-key", "k")
    assert code == 1
    assert "not an object" in err
    from datetime import datetime, timezone
    from uuid import UUID

    from markupsafe import Markup

    value = serializer.dumps(
        {
            "d": datetime(2026, 1, 1, tzinfo=timezone.utc),
            "u": UUID(int=1),
            "m": Markup("<b>"),
        }
    )
    code, out, _ = cli("decode", value, "--secret-key", "k")
    assert json.loads(out) == {
        "d": {"(datetime)": "2026-01-01T00:00:00+00:00"},
        "u": {"(UUID)": "00000000-0000-0000-0000-000000000001"},
        "m": "<b>",
    }
    code, _, err = cli("decode", "--unverified", "e30.!!!.sig")
    assert code == 0
    assert "issued: unknown" in err
