"""The command line reads what the application reads: ``--dotenv`` and
``--ini`` files, one "no secret key" message, and one definition of a
well-formed cookie shared with the middleware."""

from __future__ import annotations

import sys

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cookiesession import SecureCookieSessionInterface
from cookiesession.cli import main
from cookiesession.crypto import EncryptedCookieSessionInterface
from cookiesession.sessions import Rejected
from cookiesession.testing import session_cookie
from tests.helpers import KEY
from tests.helpers import _App as App

NO_KEY = (
    "error: No secret key: pass --secret-key, set MYAPP_SECRET_KEY, or use"
    " --pyfile, --secrets-dir, --dotenv or --ini."
)


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch):
    import os

    for name in list(os.environ):
        if name.startswith(("FLASK_", "MYAPP_")):
            monkeypatch.delenv(name)


@pytest.mark.parametrize(
    "argv",
    [
        pytest.param(["sign", "{}"], id="sign"),
        pytest.param(["decode", "a.b.c"], id="decode"),
        pytest.param(["decode", "AAAA", "--encrypted"], id="decode-encrypted"),
    ],
)
def test_one_no_key_message_naming_the_prefix(argv, capsys):
    """0.2 told ``sign --prefix MYAPP`` to set FLASK_SECRET_KEY, and worded
    the message three ways."""
    assert main([*argv, "--prefix", "MYAPP"]) == 1
    assert capsys.readouterr().err.startswith(NO_KEY)


CHARACTERS = "AB._-x0"


@given(st.text(CHARACTERS, max_size=12))
def test_decode_accepts_exactly_what_the_middleware_accepts(value):
    """A value is "not a session cookie" to ``decode`` exactly when the
    interface refuses it unverified as malformed."""
    import contextlib
    import io

    verdict = SecureCookieSessionInterface().verify(App({"SECRET_KEY": KEY}), value)
    err, stdin = io.StringIO(), io.StringIO(value)  # "-" as an argument is stdin
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        sys_stdin, sys.stdin = sys.stdin, stdin
        try:
            code = main(["decode", "--secret-key", KEY])
        finally:
            sys.stdin = sys_stdin
    assert code == 1
    refused = "not a session cookie" in err.getvalue() or "No cookie" in err.getvalue()
    assert refused == (verdict == Rejected("invalid", "malformed"))


@pytest.mark.parametrize("value", ["a.b.c.d", "a..b", "...", ".a.b.c.d"])
def test_shapes_the_middleware_verifies_are_not_refused_unseen(value, capsys):
    """0.2's ``decode`` called these "not a session cookie", while the
    middleware checked their signature."""
    assert main(["decode", value, "--secret-key", KEY]) == 1
    assert "does not verify" in capsys.readouterr().err


def write(path, text):
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_dotenv_gives_the_apps_key_and_lifetimes(tmp_path, capsys, clock):
    dotenv = write(
        tmp_path / ".env",
        f'MYAPP_SECRET_KEY="{KEY}"\nMYAPP_SESSION_IDLE_TIMEOUT=600\nOTHER=1\n',
    )
    value = session_cookie({"SECRET_KEY": KEY}, {"user": "ann"})
    assert main(["decode", value, "--dotenv", dotenv, "--prefix", "MYAPP"]) == 0
    captured = capsys.readouterr()
    assert "expires: in 600 seconds (SESSION_IDLE_TIMEOUT)" in captured.err
    assert '"user": "ann"' in captured.out
    assert main(["config", "--dotenv", dotenv, "--prefix", "MYAPP"]) == 0
    out = capsys.readouterr().out
    shown = "SESSION_IDLE_TIMEOUT = 600 seconds (0:10:00)"
    assert f"{shown}  (file '{dotenv}' line 2)" in out
    assert KEY not in out


def test_the_environment_wins_over_the_dotenv_file(tmp_path, capsys, monkeypatch):
    dotenv = write(tmp_path / ".env", "FLASK_SESSION_COOKIE_NAME=from_file\n")
    monkeypatch.setenv("FLASK_SESSION_COOKIE_NAME", '"from_env"')
    assert main(["config", "--dotenv", dotenv]) == 0
    assert "SESSION_COOKIE_NAME = 'from_env'" in capsys.readouterr().out


INI = """\
[DEFAULT]
shared = %(here)s/secrets

[app:main]
use = egg:myapp
cookiesession.secret_key = {key}
cookiesession.session_idle_timeout = 15m
cookiesession.session_cookie_name = ini_session

[app:admin]
use = egg:myapp
cookiesession.secret_key = {key}
cookiesession.encrypted = true
"""


def test_ini_gives_the_apps_settings_with_their_source(tmp_path, capsys, clock):
    ini = write(tmp_path / "production.ini", INI.format(key=KEY))
    value = session_cookie({"SECRET_KEY": KEY}, {"user": "ann"})
    header = f"ini_session={value}; session=other"
    assert main(["decode", header, "--ini", ini]) == 0
    assert "expires: in 900 seconds (SESSION_IDLE_TIMEOUT)" in capsys.readouterr().err
    assert main(["config", "--ini", ini]) == 0
    out = capsys.readouterr().out
    assert (
        "SESSION_IDLE_TIMEOUT = 900 seconds (0:15:00)"
        f"  (.ini setting 'cookiesession.session_idle_timeout' in '{ini}')"
    ) in out


def test_ini_section_by_name_chooses_encrypted_cookies(tmp_path, capsys, clock):
    ini = write(tmp_path / "production.ini", INI.format(key=KEY))
    value = session_cookie(
        {"SECRET_KEY": KEY},
        {"user": "ann"},
        session_interface=EncryptedCookieSessionInterface(),
    )
    assert main(["decode", value, "--ini", ini + "#admin"]) == 0
    captured = capsys.readouterr()
    assert "opened with the current SECRET_KEY" in captured.err
    assert '"user": "ann"' in captured.out


def test_ini_here_is_the_files_folder(tmp_path, capsys):
    (tmp_path / "secrets").mkdir()
    (tmp_path / "secrets" / "SECRET_KEY").write_text(KEY + "\n")
    ini = write(
        tmp_path / "app.ini",
        "[app:main]\ncookiesession.secrets_dir = %(here)s/secrets\n",
    )
    assert main(["config", "--ini", ini, "--show-secrets"]) == 0
    assert f"SECRET_KEY = '{KEY}'" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("text", "spec", "message"),
    [
        pytest.param("[app:main]\n", "#nope", "no [app:nope] section", id="section"),
        pytest.param("no section\n", "", "cannot be read as an .ini file", id="syntax"),
        pytest.param(
            "[app:main]\ncookiesession.session_idle_timeout = soon\n",
            "",
            "'cookiesession.session_idle_timeout'",
            id="bad-value",
        ),
        pytest.param(
            "[app:main]\ncookiesession.encrypted = maybe\n",
            "",
            "expected true or false",
            id="bad-flag",
        ),
    ],
)
def test_a_bad_ini_file_is_an_error(tmp_path, capsys, text, spec, message):
    ini = write(tmp_path / "app.ini", text)
    assert main(["config", "--ini", ini + spec]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: ")
    assert message in err


def test_a_missing_file_is_an_error(tmp_path, capsys):
    assert main(["config", "--ini", str(tmp_path / "none.ini")]) == 1
    assert "error: " in capsys.readouterr().err
    assert main(["config", "--dotenv", str(tmp_path / "none.env")]) == 1
    assert "error: " in capsys.readouterr().err


def test_an_unknown_ini_key_warns_in_the_ini_spelling(tmp_path, capsys):
    ini = write(
        tmp_path / "app.ini",
        "[app:main]\ncookiesession.secret_kye = x\ncookiesession.colour = red\n",
    )
    assert main(["config", "--ini", ini]) == 0
    err = capsys.readouterr().err
    assert "'cookiesession.secret_kye': did you mean cookiesession.secret_key?" in err
    assert "warning: Unknown .ini setting 'cookiesession.colour'" in err


def test_sessions_needs_a_store(tmp_path, capsys):
    with pytest.raises(SystemExit) as exit:
        main(["sessions", "list", "ann"])
    assert exit.value.code == 2
    ini = write(tmp_path / "app.ini", INI.format(key=KEY))
    assert main(["sessions", "list", "ann", "--ini", ini]) == 1
    assert "sets neither cookiesession.redis_url nor" in capsys.readouterr().err
