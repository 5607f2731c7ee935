"""A pytest plugin that runs Starlette's own session tests with
cookiesession's ASGI middleware in place of Starlette's.

``starlette.middleware.sessions.SessionMiddleware`` becomes a
:class:`cookiesession.asgi.SessionMiddleware` that takes Starlette's
parameters. Run it from the root of Starlette's source distribution, with
this folder on ``sys.path``::

    python -m pytest -p cookiesession_starlette tests/middleware/test_session.py

Two adaptations, each what a user moving over does:

- ``JSONResponse`` gets ``dict(request.session)`` where the tests pass the
  session itself (cookiesession's session is a mapping, not a ``dict``),
  without the ``"_permanent"`` flag that Flask's format keeps in a
  permanent session's data (Starlette's ``max_age`` makes sessions
  permanent).
- The tests listed in :data:`DESELECTED` cannot pass by design; each says
  why.

The plugin reports how many requests went through cookiesession and fails
the run if none did.
"""

from __future__ import annotations

import typing as t
import warnings
from collections.abc import Mapping

import pytest
import starlette.middleware.sessions
import starlette.responses

with warnings.catch_warnings():
    # WebOb 1.8 imports ``cgi``, deprecated on Python 3.11 and 3.12;
    # Starlette's suite turns every warning into an error.
    warnings.simplefilter("ignore", DeprecationWarning)
    from cookiesession import Session
    from cookiesession.asgi import SessionMiddleware

#: Tests that cannot pass by design, with the reason.
DESELECTED = {
    "test_partitioned_session": "attribute names are WebOb's: 'Partitioned'",
    "test_session_cookie_subpath": "attribute names are WebOb's: 'Path='",
    "test_domain_cookie": "attribute names are WebOb's: 'Domain='",
    "test_session_expires": "a lifetime must be positive (max_age=-1)",
    "test_session_zero_max_age": "a lifetime must be positive (max_age=0)",
}

_served = 0


class StarletteShaped(SessionMiddleware):
    """cookiesession's ASGI middleware with Starlette's signature."""

    def __init__(
        self,
        app: t.Any,
        secret_key: str,
        session_cookie: str = "session",
        max_age: int | None = 14 * 24 * 60 * 60,
        path: str = "/",
        same_site: str = "lax",
        https_only: bool = False,
        domain: str | None = None,
        partitioned: bool = False,
    ) -> None:
        config: dict[str, t.Any] = {
            "SECRET_KEY": str(secret_key),
            "SESSION_COOKIE_NAME": session_cookie,
            "SESSION_COOKIE_PATH": path,
            "SESSION_COOKIE_SAMESITE": same_site.capitalize(),
            "SESSION_COOKIE_SECURE": https_only,
            "SESSION_COOKIE_DOMAIN": domain,
            "SESSION_COOKIE_PARTITIONED": partitioned,
        }
        if max_age is not None:
            config["SESSION_PERMANENT"] = True
            config["PERMANENT_SESSION_LIFETIME"] = max_age
            # Starlette re-sends the cookie only when the session changes.
            config["SESSION_REFRESH_EACH_REQUEST"] = False
        super().__init__(app, config)

    async def __call__(self, scope: t.Any, receive: t.Any, send: t.Any) -> None:
        global _served
        if scope["type"] == "http":
            _served += 1
        await super().__call__(scope, receive, send)


def _plain(content: t.Any) -> t.Any:
    if isinstance(content, Session):
        # Flask's format keeps a permanent session's flag in its data.
        return {k: _plain(v) for k, v in content.items() if k != "_permanent"}
    if isinstance(content, Mapping):
        return {key: _plain(value) for key, value in content.items()}
    return content


_render = starlette.responses.JSONResponse.render


def _render_plain(self: t.Any, content: t.Any) -> bytes:
    return _render(self, _plain(content))


def pytest_configure(config: pytest.Config) -> None:
    starlette.middleware.sessions.SessionMiddleware = StarletteShaped  # type: ignore[misc]
    starlette.responses.JSONResponse.render = _render_plain  # type: ignore[method-assign]


def pytest_collection_modifyitems(config: pytest.Config, items: list[t.Any]) -> None:
    kept, dropped = [], []
    for item in items:
        (dropped if item.originalname in DESELECTED else kept).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


def pytest_terminal_summary(terminalreporter: t.Any) -> None:
    terminalreporter.write_line(f"cookiesession served {_served} requests")
    for name, reason in DESELECTED.items():
        terminalreporter.write_line(f"deselected {name}: {reason}")


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if _served == 0 and session.testscollected:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
