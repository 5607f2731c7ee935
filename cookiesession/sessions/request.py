"""The per-request open and save that every driver calls (the WSGI
middleware, Pyramid, Bottle): one path, so "open lazily, save unless null,
one writer per cookie" is written once.

Neither function sees an environ: the driver gives the raw ``Cookie``
header, a way to build its request object for a Flask-style
``open_session`` (used only by a custom interface), and a response-like
object.
"""

from __future__ import annotations

import logging
import typing as t
from collections.abc import Callable

from ..wire.cookies import ResponseLike, add_vary_cookie
from .interface import SessionInterface
from .lazy import LazySession, loaded, unopened_header
from .outcomes import AppLike
from .session import Session

__all__ = [
    "no_request",
    "open_request_session",
    "require_async_ready",
    "require_sync",
    "save_request_session",
]

logger = logging.getLogger("cookiesession")


def open_request_session(
    interface: SessionInterface,
    app: AppLike,
    cookie_header: str,
    make_request: Callable[[t.Any], t.Any],
    source: t.Any = None,
) -> Session:
    """The session of one request, opened on first use: nothing is read
    before. *make_request(source)* builds the request object a custom
    interface's ``open_session(app, request)`` receives; it is called only
    then.

    .. versionadded:: 0.2
    .. versionchanged:: 0.3
        Takes the ``Cookie`` header and a request factory, not an environ;
        a custom interface is called without a ``SECRET_KEY`` too.
    """
    # Typed as the Session it stands for: isinstance() agrees (lazy.py).
    lazy = LazySession((interface, app, cookie_header, make_request, source))
    return t.cast(Session, lazy)


def save_request_session(
    interface: SessionInterface,
    app: AppLike,
    session: t.Any,
    response: ResponseLike,
) -> None:
    """Save the session of one request into *response*, unless it is null.

    An unused session is opened only when the interface says a refresh is
    due. When the response already sets the session cookie (an inner
    application or middleware wrote it: a logout, say), nothing more is
    written: one writer per cookie. A response that sets or deletes the
    cookie and has no ``Cache-Control`` gets ``Cache-Control: private``.

    .. versionadded:: 0.2
    .. versionchanged:: 0.3
        No environ: the lazy session knows its ``Cookie`` header.
    """
    if type(session) is LazySession:
        header = unopened_header(session)
        if header is not None and not interface.untouched_needs_refresh(app, header):
            return  # the common case: never used, no refresh due
        session = loaded(session)
    if interface.is_null_session(session):
        return
    name = interface.get_cookie_name(app)
    headers = response.headerlist
    sets_cookie, has_cache_control = _cookie_headers(headers, name)
    if sets_cookie:
        if session.modified:
            logger.warning(
                "The response already sets the session cookie %r, so the"
                " session changed in this request is not saved over it.",
                name,
            )
        if session.accessed:
            add_vary_cookie(response)
        return
    before = len(headers)
    interface.save_session(app, session, response)
    if not has_cache_control:
        # The save appends what it writes: only that needs a look, unless
        # the list did not grow (merging Vary headers can shorten it).
        added = headers[before:] if len(headers) > before else headers
        sets_cookie, has_cache_control = _cookie_headers(added, name)
        if sets_cookie and not has_cache_control:
            # A shared cache must never hand one user's session to another.
            headers.append(("Cache-Control", "private"))


def _cookie_headers(headers: list[tuple[str, str]], name: str) -> tuple[bool, bool]:
    """Whether *headers* set the cookie *name*, and hold a Cache-Control."""
    prefix = name + "="
    sets_cookie = has_cache_control = False
    for key, value in headers:
        lowered = key.lower()
        if lowered == "set-cookie" and value.lstrip().startswith(prefix):
            sets_cookie = True
        elif lowered == "cache-control":
            has_cache_control = True
    return sets_cookie, has_cache_control


def require_sync(interface: SessionInterface, driver: str) -> SessionInterface:
    """*interface*, unless it is an async one (which only
    ``cookiesession.asgi`` can drive): then a :exc:`TypeError` naming its
    sync twin.

    .. versionadded:: 0.3
    """
    if getattr(interface, "is_async", False):
        name = type(interface).__name__
        raise TypeError(
            f"{name} is async: it works with cookiesession.asgi.SessionMiddleware."
            f" Under {driver} use {name.removeprefix('Async')} instead."
        )
    return interface


def require_async_ready(interface: SessionInterface, driver: str) -> SessionInterface:
    """*interface*, if an async driver can run it: a cookie interface that
    reads only the ``Cookie`` header, or an async store. A sync store or
    an ``open_session(app, request)`` of its own (which expects a WSGI
    request) is a :exc:`TypeError` that says what to use instead.

    .. versionadded:: 0.3
    """
    name = type(interface).__name__
    if getattr(interface, "is_async", False):
        return interface
    if getattr(interface, "server_side", False):
        raise TypeError(
            f"{name} is a sync store: under {driver} use its async twin"
            " (cookiesession.redis.AsyncRedisSessionInterface or"
            " cookiesession.sql.AsyncSqlSessionInterface)."
        )
    if interface.wants_request:
        raise TypeError(
            f"{name} overrides open_session(app, request), which needs a WSGI"
            f" request: {driver} takes the built-in cookie interfaces and the"
            " async stores."
        )
    return interface


def no_request(source: t.Any) -> None:
    """The request factory of drivers whose interfaces read no request
    object (only the ``Cookie`` header).

    .. versionadded:: 0.3
    """
    return None
