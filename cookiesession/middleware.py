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

import typing as t
from collections.abc import Iterable, Mapping
from functools import partial

import webob

from .sessions import (
    LazySession,
    SecureCookieSessionInterface,
    Session,
    SessionInterface,
    loaded,
    require_sync,
    save_request_session,
)
from .sessions.lazy import arm, state_of
from .sessions.outcomes import UntouchedCheck
from .settings import ReadOnlyConfig, validate_config, warn_if_no_secret_key
from .wire.cookies import ResponseHeaders

if t.TYPE_CHECKING:
    from _typeshed import OptExcInfo
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

_new = object.__new__
_Learnt = tuple[SessionInterface, ReadOnlyConfig, bool, UntouchedCheck]

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
        #: Loads and saves sessions; replace it to store them differently.
        self.session_interface: SessionInterface = (
            SecureCookieSessionInterface()
            if session_interface is None
            else require_sync(session_interface, "cookiesession.SessionMiddleware")
        )
        if self.session_interface.needs_secret_key:
            warn_if_no_secret_key(self.config, config)
        self.environ_key = environ_key
        # What the interface needs of every request, learnt once per
        # interface and settings (either may be replaced): whether its
        # open_session wants the request, and how it judges an untouched
        # request.
        self._learnt: _Learnt | None = None
        self._start = self._save_and_start  # bound once, not per request

    def _learn(self, interface: SessionInterface) -> _Learnt:
        self._learnt = (
            interface,
            self.config,
            interface.wants_request,
            interface.untouched_check(self),
        )
        return self._learnt

    def reconfigure(self, config: Mapping[str, t.Any]) -> None:
        """Validate *config* and, only if it is valid, use it from the next
        request on.

        :param config: The complete new settings, as for the constructor.

        .. versionadded:: 0.2
        .. versionchanged:: 0.3
            Warns, as the constructor does, when the new settings have no
            ``SECRET_KEY``.
        """
        validated = validate_config(config)
        if self.session_interface.needs_secret_key:
            warn_if_no_secret_key(validated, config)
        self.config = validated

    def __call__(
        self,
        environ: WSGIEnvironment,
        start_response: StartResponse | None = None,
        *asgi: t.Any,
    ) -> Iterable[bytes]:
        if asgi or start_response is None:
            raise TypeError(
                "cookiesession.SessionMiddleware is WSGI middleware, called here"
                " as an ASGI app: use cookiesession.asgi.SessionMiddleware."
            )
        interface = self.session_interface
        learnt = self._learnt
        if learnt is None or learnt[0] is not interface or learnt[1] is not self.config:
            learnt = self._learn(interface)
        session = _new(LazySession)
        arm(
            session,
            (
                interface,
                self,
                environ.get("HTTP_COOKIE", ""),
                webob.Request,
                # A copy, so the environ and its session never refer to each
                # other (the environ is then freed without the cyclic GC).
                environ.copy() if learnt[2] else None,
            ),
        )
        environ[self.environ_key] = session
        return self.app(environ, partial(self._start, session, learnt, start_response))

    def _save_and_start(
        self,
        session: LazySession,
        learnt: _Learnt,
        start_response: StartResponse,
        status: str,
        headers: list[tuple[str, str]],
        exc_info: OptExcInfo | None = None,
        /,
    ) -> t.Callable[[bytes], object]:
        interface = learnt[0]
        state = state_of(session)
        if type(state) is tuple:
            # The common case, kept short: a request that never used its
            # session and needs no refresh costs a lookup or one check.
            check = learnt[3]
            header = state[2]
            refresh = check.known(hash(header))
            if refresh is None:
                refresh = check.judge(header)
            if not refresh:
                return start_response(status, headers, exc_info)
        response = ResponseHeaders(list(headers))
        save_request_session(interface, self, loaded(session), response)
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
    loaded(session).accessed = True
    return session
