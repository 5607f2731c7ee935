"""Signed-cookie sessions for any WSGI application.

Wrap the application, then get the session of the current request from its
environ::

    from cookiesession import SessionMiddleware, get_session

    def app(environ, start_response):
        session = get_session(environ)
        session["visits"] = session.get("visits", 0) + 1
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [f"visit {session['visits']}".encode()]

    app = SessionMiddleware(app, {"SECRET_KEY": "change me"})

The session is loaded on first use, so a request that never asks for it
pays nothing for it. The cookie is written, refreshed or deleted when the
application calls ``start_response``: changes made to the session after that
(while the body is being sent) are not saved. The body itself is passed
through untouched, never buffered.

Pyramid and Bottle have native integrations (:mod:`cookiesession.pyramid`,
:mod:`cookiesession.bottle`); use those there instead.
"""

from __future__ import annotations

import typing as t
from collections.abc import Iterable, Mapping
from functools import partial

import webob

from ._cookies import ResponseHeaders
from .sessions import SecureCookieSessionInterface, Session, SessionInterface
from .settings import validate_config

if t.TYPE_CHECKING:
    from _typeshed import OptExcInfo
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

__all__ = ["ResponseHeaders", "SessionMiddleware", "get_session"]

# What the environ holds: [the middleware], then [the session].
_Cell = list[t.Any]

#: The environ key the session is stored under, unless told otherwise.
ENVIRON_KEY = "cookiesession.session"


class SessionMiddleware:
    """Give a WSGI application a signed-cookie session.

    :param app: The WSGI application to wrap.
    :param config: A :class:`~cookiesession.Config` or any mapping with the
        session settings (``SECRET_KEY`` and the ``SESSION_*`` keys); missing
        keys take their defaults. It is validated here: a bad value raises
        :exc:`ValueError` or :exc:`TypeError` naming the key.
    :param session_interface: How sessions are stored. Defaults to a
        :class:`~cookiesession.SecureCookieSessionInterface`.
    :param environ_key: Where in the environ the session is kept; pass the
        same key to :func:`get_session`.

    .. versionadded:: 0.1
    """

    def __init__(
        self,
        app: WSGIApplication,
        config: Mapping[str, t.Any] | None = None,
        *,
        session_interface: SessionInterface | None = None,
        environ_key: str = ENVIRON_KEY,
    ) -> None:
        self.app = app
        #: The validated settings, defaults included.
        self.config: dict[str, t.Any] = validate_config(config)
        #: Loads and saves sessions; replace it to store them differently.
        self.session_interface: SessionInterface = (
            SecureCookieSessionInterface()
            if session_interface is None
            else session_interface
        )
        self.environ_key = environ_key

    def __call__(
        self, environ: WSGIEnvironment, start_response: StartResponse
    ) -> Iterable[bytes]:
        # One cell per request: the middleware until get_session() opens the
        # session, then the session. Frameworks that copy the environ copy
        # the reference to the cell, so every copy sees the same session.
        cell: _Cell = [self]
        environ[self.environ_key] = cell
        return self.app(
            environ, partial(self._save_and_start, environ, cell, start_response)
        )

    def _open(self, environ: WSGIEnvironment, cell: _Cell) -> Session:
        interface = self.session_interface
        session = interface.open_session(self, webob.Request(environ))
        if session is None:
            session = interface.make_null_session(self)
        cell[0] = session
        return session

    def _save_and_start(
        self,
        environ: WSGIEnvironment,
        cell: _Cell,
        start_response: StartResponse,
        status: str,
        headers: list[tuple[str, str]],
        exc_info: OptExcInfo | None = None,
        /,
    ) -> t.Callable[[bytes], object]:
        interface = self.session_interface
        session = cell[0]
        if session is self:  # never used
            if not interface.needs_refresh(self, environ):
                return start_response(status, headers, exc_info)
            session = self._open(environ, cell)
        if not interface.is_null_session(session):
            response = ResponseHeaders(list(headers))
            interface.save_session(self, session, response)
            headers = response.headerlist
        return start_response(status, headers, exc_info)


def get_session(environ: WSGIEnvironment, key: str = ENVIRON_KEY) -> Session:
    """The session of the current request, loading it on first use.

    :param environ: The WSGI environ of the request.
    :param key: The middleware's ``environ_key``.
    :raises KeyError: If the request did not pass through a
        :class:`SessionMiddleware` using *key*.

    .. versionadded:: 0.1
    """
    try:
        value = environ[key]
    except KeyError:
        raise KeyError(
            f"No session in the WSGI environ under {key!r}: wrap the"
            " application in cookiesession.SessionMiddleware, with the same"
            " environ_key."
        ) from None
    if isinstance(value, Session):  # put there by hand
        session = value
    else:
        session = value[0]
        if isinstance(session, SessionMiddleware):
            session = session._open(environ, value)
    session.accessed = True
    return session
