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

``environ["cookiesession.session"]`` *is* the session, a mapping that reads
its cookie on first use: a request that never uses it pays nothing for it,
and code written for Beaker's ``environ["beaker.session"]`` works with it.
The cookie is written, refreshed or deleted when the application calls
``start_response``: changes made to the session after that (while the body
is being sent) are not saved. The body itself is passed through untouched,
never buffered.

When the application's own response already sets the session cookie (a
Flask app inside, logging the user out), the middleware writes nothing over
it.

Pyramid and Bottle have native integrations (:mod:`cookiesession.pyramid`,
:mod:`cookiesession.bottle`); use those there instead.
"""

from __future__ import annotations

import time
import typing as t
from collections.abc import Iterable, Mapping
from datetime import datetime
from functools import partial

from ._cookies import format_set_cookie, has_unsafe
from .sessions import (
    SecureCookieSessionInterface,
    Session,
    SessionInterface,
    ensure_opened,
    is_opened,
    open_request_session,
    save_request_session,
)
from .settings import ReadOnlyConfig, validate_config, warn_if_no_secret_key

if t.TYPE_CHECKING:
    from _typeshed import OptExcInfo
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

__all__ = ["ENVIRON_KEY", "ResponseHeaders", "SessionMiddleware", "get_session"]

#: The environ key the session is stored under, unless told otherwise.
ENVIRON_KEY = "cookiesession.session"


class SessionMiddleware:
    """Give a WSGI application a signed-cookie session.

    :param app: The WSGI application to wrap.
    :param config: A :class:`~cookiesession.Config` or any mapping with the
        session settings (``SECRET_KEY`` and the ``SESSION_*`` keys); missing
        keys take their defaults. It is validated here: a bad value raises
        :exc:`~cookiesession.InvalidSetting` (a :exc:`ValueError` or
        :exc:`TypeError`) naming the key.
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
        #: The validated settings, defaults included, read-only.
        self.config: ReadOnlyConfig = validate_config(config)
        warn_if_no_secret_key(self.config, config)
        #: Loads and saves sessions; replace it to store them differently.
        self.session_interface: SessionInterface = (
            SecureCookieSessionInterface()
            if session_interface is None
            else session_interface
        )
        self.environ_key = environ_key

    def reconfigure(self, config: Mapping[str, t.Any]) -> None:
        """Validate *config* and, only if it is valid, use it from the next
        request on.

        :param config: The complete new settings, as for the constructor.

        .. versionadded:: 0.2
        """
        self.config = validate_config(config)

    def __call__(
        self, environ: WSGIEnvironment, start_response: StartResponse
    ) -> Iterable[bytes]:
        interface = self.session_interface
        session = open_request_session(interface, self, environ)
        environ[self.environ_key] = session
        return self.app(
            environ,
            partial(self._save_and_start, environ, session, start_response),
        )

    def _save_and_start(
        self,
        environ: WSGIEnvironment,
        session: Session,
        start_response: StartResponse,
        status: str,
        headers: list[tuple[str, str]],
        exc_info: OptExcInfo | None = None,
        /,
    ) -> t.Callable[[bytes], object]:
        interface = self.session_interface
        if not is_opened(session):
            # The common case, kept short: a request that never used its
            # session and needs no refresh costs one check.
            if not interface.needs_refresh(self, environ):
                return start_response(status, headers, exc_info)
            ensure_opened(session)
        response = ResponseHeaders(list(headers))
        save_request_session(interface, self, session, response, environ)
        return start_response(status, response.headerlist, exc_info)


def get_session(environ: WSGIEnvironment, environ_key: str = ENVIRON_KEY) -> Session:
    """The session of the current request: ``environ[environ_key]``, loaded
    now. Getting it counts as using it (the response varies on ``Cookie``).

    :param environ: The WSGI environ of the request.
    :param environ_key: The middleware's ``environ_key``.
    :raises KeyError: If the request did not pass through a
        :class:`~cookiesession.SessionMiddleware` using *environ_key*.

    .. versionadded:: 0.1
    .. versionchanged:: 0.2
        The *key* parameter is now *environ_key*.
    """
    try:
        session: Session = environ[environ_key]
    except KeyError:
        raise KeyError(
            f"No session in the WSGI environ under {environ_key!r}: wrap the"
            " application in cookiesession.SessionMiddleware, with the same"
            " environ_key."
        ) from None
    ensure_opened(session).accessed = True
    return session


class ResponseHeaders:
    """A header list with the parts of :class:`webob.Response` that a
    :class:`~cookiesession.SessionInterface` uses (``headerlist``,
    ``vary``, ``set_cookie``, ``delete_cookie``), without building a whole
    response object on every request.

    :param headerlist: The ``(name, value)`` pairs, changed in place.

    .. versionadded:: 0.1
    """

    __slots__ = ("headerlist",)

    def __init__(self, headerlist: list[tuple[str, str]]) -> None:
        self.headerlist = headerlist

    @property
    def vary(self) -> tuple[str, ...] | None:
        """The ``Vary`` values, from every ``Vary`` header; setting it
        leaves exactly one ``Vary`` header."""
        values = [
            item.strip()
            for name, value in self.headerlist
            if name.lower() == "vary"
            for item in value.split(",")
            if item.strip()
        ]
        return tuple(values) or None

    @vary.setter
    def vary(self, value: Iterable[str] | None) -> None:
        headers = self.headerlist
        if any(name.lower() == "vary" for name, _ in headers):
            headers[:] = [h for h in headers if h[0].lower() != "vary"]
        if value:
            self.headerlist.append(("Vary", ", ".join(value)))

    def set_cookie(
        self,
        name: str,
        value: str = "",
        max_age: int | None = None,
        path: str = "/",
        domain: str | None = None,
        secure: bool = False,
        httponly: bool = False,
        samesite: str | None = None,
        expires: float | datetime | None = None,
        partitioned: bool = False,
    ) -> None:
        """Add a ``Set-Cookie`` header, as :meth:`webob.Response.set_cookie`
        does: with *max_age* and no *expires*, ``Expires`` is now plus
        *max_age* (the epoch for ``max_age=0``, which deletes the cookie);
        *expires* is a datetime or a Unix timestamp.

        :raises ValueError: If the name, value, path or domain holds a
            control character or ``;``, which would break the header or add
            attributes to it.
        """
        if has_unsafe(f"{name}{value}{path or ''}{domain or ''}"):
            raise ValueError(
                f"Cookie {name!r}: a control character or ';' cannot be"
                " sent in a Set-Cookie header; encode the value first."
            )
        if expires is None and max_age is not None:
            expires = time.time() + max_age if max_age > 0 else 0
        header = format_set_cookie(
            name,
            value,
            max_age=max_age,
            expires=expires,
            path=path,
            domain=domain,
            secure=secure,
            httponly=httponly,
            samesite=samesite,
            partitioned=partitioned,
        )
        self.headerlist.append(("Set-Cookie", header))

    def delete_cookie(
        self,
        name: str,
        path: str = "/",
        domain: str | None = None,
        secure: bool = False,
        httponly: bool = False,
        samesite: str | None = None,
        partitioned: bool = False,
    ) -> None:
        """Add a ``Set-Cookie`` header that makes the browser drop *name*."""
        self.set_cookie(
            name,
            "",
            max_age=0,
            path=path,
            domain=domain,
            secure=secure,
            httponly=httponly,
            samesite=samesite,
            partitioned=partitioned,
        )
