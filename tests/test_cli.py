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

from cookiesession import SecureCookieSessionInterface, validate_config
from cookiesession.cli import main

KEY = "cli-test-key"


def signed_with(key):
    """The signing serializer the middleware uses for *key*."""

    class App:
        config = validate_config({"SECRET_KEY": key})

    return SecureCookieSessionInterface().get_signing_serializer(App())


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
        pytest.param(
            ["decode", "--unverified", "abc"], "not a session cookie", id="parts"
        ),
        pytest.param(
            ["decode", "--unverified", "!!.a.b"], "not a session cookie", id="chars"
        ),
        pytest.param(
            ["decode", "--unverified", "bm90.a.b"], "cannot be decoded", id="payload"
        ),
        pytest.param(
            ["decode", "", "--secret-key", "k"], "No cookie given", id="empty"
        ),
        pytest.param(
            ["decode", "garbage", "--secret-key", "k"],
            "not a session cookie",
            id="garbage",
        ),
        pytest.param(
            ["decode", "bm90.YQ.Yg", "--secret-key", "k"],
            "does not verify with any of the 1",
            id="well-formed-unverified",
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
    assert "did you mean X_SESSION_COOKIE_SECURE?" in err


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

    serializer = signed_with("k")
    code, _, err = cli("decode", serializer.dumps([1]), "--secret-key", "k")
    assert code == 1
    assert "not a session (not a JSON object" in err
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
    code, _, err = cli("decode", "--unverified", "e30.AAAAAAAAAAAAAA.sig")
    assert code == 0
    assert "issued: unknown" in err


def test_decode_accepts_exactly_what_the_middleware_accepts(cli):

    value = signed_with("k").dumps({"a": 1})
    assert cli("decode", value, "--secret-key", "k")[0] == 0
    code, _, err = cli("decode", value + "!!", "--secret-key", "k")
    assert code == 1
    assert "not a session cookie" in err


def test_decode_empty_standard_input(cli, monkeypatch):
    import io

    monkeypatch.setattr("sys.stdin", io.StringIO("\n"))
    code, _, err = cli("decode", "--secret-key", "k")
    assert code == 1
    assert "No cookie given" in err


def test_version(cli):

    with pytest.raises(SystemExit) as info:
        cli("--version")
    assert info.value.code == 0


def test_subcommand_usage_on_subcommand_errors(cli, capsys):
    with pytest.raises(SystemExit) as info:
        main(["keygen", "--bytes", "8"])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert "usage: cookiesession keygen" in err
    assert "at least 16" in err


def test_keygen_export(cli):
    code, out, _ = cli("keygen", "--export", "--prefix", "MYAPP")
    assert code == 0
    assert out.startswith("export MYAPP_SECRET_KEY=")
    assert len(out.strip().split("=", 1)[1]) == 64


def test_a_failing_config_file_shows_no_source(cli, tmp_path):
    conf = tmp_path / "conf.py"
    conf.write_text('SECRET_KEY = "hunter2-do-not-show"\nDEBUG = Tru\n')
    code, out, err = cli("config", "--pyfile", str(conf))
    assert code == 1
    assert err.startswith("error: ")
    assert "line 2" in err
    assert "NameError" in err
    assert "hunter2" not in out + err
    assert "Traceback" not in err
    conf.write_text('SECRET_KEY = "hunter2-do-not-show"\nDEBUG = (\n')
    code, out, err = cli("config", "--pyfile", str(conf))
    assert code == 1
    assert "syntax error" in err
    assert "hunter2" not in out + err


def test_secrets_dir(cli, tmp_path):
    (tmp_path / "secret_key").write_text("from-a-secret\n")
    (tmp_path / "secret_key_fallbacks").write_text("old one\nold two\n")
    code, out, _ = cli("config", "--secrets-dir", str(tmp_path), "--show-secrets")
    assert code == 0
    assert "SECRET_KEY = 'from-a-secret'" in out
    assert "SECRET_KEY_FALLBACKS = ('old one', 'old two')" in out


def test_a_closed_pipe_ends_quietly():
    """``cookiesession config | head -1``: the reader is gone."""
    code = (
        "import os, sys\n"
        "read, write = os.pipe()\n"
        "os.close(read)\n"
        "os.dup2(write, 1)\n"
        "from cookiesession.cli import main\n"
        "sys.exit(main(['config']))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False
    )
    assert result.stderr == ""
    assert result.returncode == 1


def test_warnings_are_shown_once_per_kind():
    from cookiesession.cli.commands import _once

    shown = []
    show = _once(lambda message, *args, **kwargs: shown.append(str(message)))
    for size in (5000, 5001, 5002):
        show(UserWarning(f"The session cookie 'session' is {size} bytes"), None)
    show(UserWarning("Something else"), None)
    assert shown == ["The session cookie 'session' is 5000 bytes", "Something else"]


def test_decode_shows_tagged_values(cli):

    serializer = signed_with("k")
    value = serializer.dumps({"t": (1, 2), "b": b"hi", "l": [1]})
    code, out, _ = cli("decode", f"Cookie: session={value}", "--secret-key", "k")
    assert code == 0
    assert json.loads(out) == {
        "t": {"(tuple)": [1, 2]},
        "b": {"(bytes, base64)": "aGk="},
        "l": [1],
    }
