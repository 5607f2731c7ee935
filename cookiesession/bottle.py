"""Bottle integration: a plugin that passes the session to the routes that
ask for it.

.. code-block:: python

    import bottle

    from cookiesession.bottle import SessionPlugin

    app = bottle.Bottle()
    app.install(SessionPlugin({"SECRET_KEY": "change me"}))

    @app.route("/")
    def index(session):
        session["visits"] = session.get("visits", 0) + 1
        return f"visit {session['visits']}"

Only routes whose callback takes the keyword argument (``session`` unless
told otherwise) are touched: others read no cookie and get no ``Vary``. The
cookie is written when the route returns, and when it raises or returns an
:class:`~bottle.HTTPResponse` (``redirect()``, ``abort()``, ``HTTPError``).
An unhandled exception is a server error and saves nothing.
"""

from __future__ import annotations

import functools
import typing as t
from collections.abc import Callable, Mapping

from ._extras import requires

with requires("cookiesession.bottle", "Bottle", "bottle"):
    import bottle

import webob

from .csrf import FORM_FIELD, HEADER, check_csrf_token, is_safe_method
from .sessions import (
    SecureCookieSessionInterface,
    Session,
    SessionInterface,
    open_request_session,
    require_sync,
    save_request_session,
)
from .settings import validate_config, warn_if_no_secret_key
from .wire.cookies import ResponseHeaders

__all__ = ["SessionPlugin"]


class SessionPlugin:
    """A Bottle plugin (API 2) giving routes a signed-cookie session.

    :param config: The session settings (``SECRET_KEY`` and the
        ``SESSION_*`` keys), validated here.
    :param keyword: The callback argument that receives the session.
    :param session_interface: How sessions are stored. Defaults to a
        :class:`~cookiesession.SecureCookieSessionInterface`.
    :param require_csrf: Refuse, with ``403``, a request of any method but
        GET, HEAD, OPTIONS and TRACE
        to a route that takes the session unless it carries the session's
        CSRF token (a ``csrf_token`` form field or an ``X-CSRF-Token``
        header; :func:`~cookiesession.csrf_token` makes it).

    .. versionadded:: 0.1
    .. versionchanged:: 0.2
        *require_csrf*.
    """

    name = "cookiesession"
    api = 2

    def __init__(
        self,
        config: Mapping[str, t.Any] | None = None,
        keyword: str = "session",
        *,
        session_interface: SessionInterface | None = None,
        require_csrf: bool = False,
    ) -> None:
        #: The validated settings, read-only.
        self.config = validate_config(config)
        #: The callback argument that receives the session.
        self.keyword = keyword
        #: Loads and saves the sessions.
        self.session_interface = require_sync(
            session_interface or SecureCookieSessionInterface(),
            "cookiesession.bottle",
        )
        if self.session_interface.needs_secret_key:
            warn_if_no_secret_key(self.config, config)
        #: Whether unsafe methods need the session's CSRF token.
        self.require_csrf = require_csrf

    def setup(self, app: bottle.Bottle) -> None:
        """Refuse a second plugin that passes the same keyword."""
        for other in app.plugins:
            if other is not self and getattr(other, "keyword", None) == self.keyword:
                raise bottle.PluginError(
                    f"Another plugin already passes the {self.keyword!r} keyword."
                )

    def apply(self, callback: Callable[..., t.Any], route: bottle.Route) -> t.Any:
        """Wrap the routes that take :attr:`keyword`."""
        if self.keyword not in route.get_callback_args():
            return callback

        @functools.wraps(callback)
        def wrapper(*args: t.Any, **kwargs: t.Any) -> t.Any:
            session = self._open()
            kwargs[self.keyword] = session
            try:
                if self.require_csrf:
                    _check_csrf(session)
                result = callback(*args, **kwargs)
            except bottle.HTTPResponse as response:
                self._save(session, response)
                raise
            # A returned HTTPResponse replaces bottle.response's headers.
            if isinstance(result, bottle.HTTPResponse):
                self._save(session, result)
            else:
                self._save(session, bottle.response)
            return result

        return wrapper

    def _open(self) -> Session:
        environ = bottle.request.environ
        interface = self.session_interface
        return open_request_session(
            interface,
            self,
            environ.get("HTTP_COOKIE", ""),
            webob.Request,
            environ.copy() if interface.wants_request else None,
        )

    def _save(self, session: Session, response: bottle.BaseResponse) -> None:
        # Save into a header list holding what the session logic reads
        # (Vary, Set-Cookie, Cache-Control), then copy back what changed.
        watched = ("vary", "set-cookie", "cache-control")
        before = [h for h in response.headerlist if h[0].lower() in watched]
        headers = ResponseHeaders(list(before))
        save_request_session(self.session_interface, self, session, headers)
        for name, value in headers.headerlist:
            if name == "Vary":
                response.set_header("Vary", value)
            elif (name, value) not in before:
                response.add_header(name, value)


def _check_csrf(session: Session) -> None:
    request = bottle.request
    if is_safe_method(request.method):
        return
    token = request.headers.get(HEADER) or request.forms.get(FORM_FIELD)
    if not check_csrf_token(session, token):
        raise bottle.HTTPError(403, "The CSRF token is missing or does not match.")
