"""A pytest plugin that runs Flask's own tests with cookiesession behind
``flask.session``.

Every ``flask.Flask`` built while the plugin is active gets
``CookieSession(app)`` (unless its class sets an interface of its own), so
each test's app uses the signed interface
through :class:`cookiesession.flask.FlaskSessionAdapter`. Run it from the
root of Flask's source distribution, with this folder on ``sys.path``::

    python -m pytest -p cookiesession_flask tests/test_basic.py ...

At the end the plugin reports how many sessions cookiesession opened, and
fails the run if it opened none: a run that never reached cookiesession
proves nothing.
"""

from __future__ import annotations

import typing as t
import warnings

import flask
import pytest
from flask.sessions import SecureCookieSessionInterface

with warnings.catch_warnings():
    # WebOb 1.8 imports ``cgi``, deprecated on Python 3.11 and 3.12; Flask's
    # suite turns every warning into an error.
    warnings.simplefilter("ignore", DeprecationWarning)
    from cookiesession.flask import CookieSession, FlaskSessionAdapter

_opened = 0
_flask_init = flask.Flask.__init__
_adapter_open = FlaskSessionAdapter.open_session


def _init(self: flask.Flask, *args: t.Any, **kwargs: t.Any) -> None:
    _flask_init(self, *args, **kwargs)
    # An app class with a session interface of its own keeps it: that test
    # is about Flask's interface, not about flask.session.
    if type(self.session_interface) is SecureCookieSessionInterface:
        CookieSession(self)


def _open(self: FlaskSessionAdapter, *args: t.Any, **kwargs: t.Any) -> t.Any:
    global _opened
    _opened += 1
    return _adapter_open(self, *args, **kwargs)


def pytest_configure(config: pytest.Config) -> None:
    # Flask's conftest names ``_pytest.monkeypatch.notset``, which pytest 9.1
    # renamed; the value is the same sentinel.
    from _pytest import compat, monkeypatch

    if not hasattr(monkeypatch, "notset"):
        monkeypatch.notset = compat.NOTSET  # type: ignore[attr-defined]
    flask.Flask.__init__ = _init  # type: ignore[method-assign]
    FlaskSessionAdapter.open_session = _open  # type: ignore[method-assign]


def pytest_terminal_summary(terminalreporter: t.Any) -> None:
    terminalreporter.write_line(
        f"cookiesession opened {_opened} sessions (Flask {_flask_version()})"
    )


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if _opened == 0 and session.testscollected:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def _flask_version() -> str:
    from importlib.metadata import version

    return version("flask")
