"""Sessions for any ASGI application: Starlette, FastAPI, Litestar or raw
ASGI, with the cookies of the WSGI middleware and of Flask.

.. code-block:: python

    from cookiesession.asgi import SessionMiddleware

    app = SessionMiddleware(app, {"SECRET_KEY": "change me"}, exclude=("/static",))

``scope["session"]`` is the session, so ``request.session`` works in
Starlette and FastAPI (``async def`` and ``def`` endpoints alike). A cookie
session (signed or encrypted) is read on first use: a request that never
touches it checks no signature. A store session
(:class:`~cookiesession.redis.AsyncRedisSessionInterface`) is loaded before
the application runs, since ``request.session`` cannot await, but only when
a cookie whose signature verifies came in. The cookie is written when the
application sends ``http.response.start``, by the rules of the WSGI
middleware; a session changed after that (while a streamed body is sent)
is not saved, with a :exc:`RuntimeWarning`. ``websocket`` scopes get the
session read-only. Paths under an ``exclude`` prefix get no session at all.

The session is a mapping, not a ``dict``: pass ``dict(request.session)``
to ``JSONResponse``.
"""

from __future__ import annotations

import dataclasses
import typing as t
import warnings
from collections.abc import Awaitable, Callable, Iterable, Mapping, MutableMapping

from .sessions import (
    LazySession,
    SecureCookieSessionInterface,
    SessionInterface,
    loaded,
    no_request,
    open_request_session,
    require_async_ready,
    save_request_session,
)
from .sessions.lazy import state_of
from .sessions.outcomes import UntouchedCheck
from .settings import ReadOnlyConfig, validate_config, warn_if_no_secret_key
from .wire.cookies import ResponseHeaders

__all__ = ["SessionMiddleware"]

Scope = MutableMapping[str, t.Any]
Message = MutableMapping[str, t.Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


class SessionMiddleware:
    """Give an ASGI application a session, in ``scope["session"]``.

    :param app: The ASGI 3 application to wrap.
    :param config: A :class:`~cookiesession.Config` or any mapping with the
        session settings, validated here as by the WSGI middleware.
    :param session_interface: A cookie interface
        (:class:`~cookiesession.SecureCookieSessionInterface`, the default,
        or :class:`~cookiesession.crypto.EncryptedCookieSessionInterface`)
        or an async store
        (:class:`~cookiesession.redis.AsyncRedisSessionInterface`). A sync
        store or a custom interface raises :exc:`TypeError`.
    :param exclude: Path prefixes that get no session, matched on segment
        boundaries: ``"/static"`` covers ``/static`` and ``/static/app.css``,
        not ``/statics``.

    .. versionadded:: 0.3
    """

    def __init__(
        self,
        app: ASGIApp,
        config: Mapping[str, t.Any] | None = None,
        *,
        session_interface: SessionInterface | None = None,
        exclude: Iterable[str] = (),
    ) -> None:
        self.app = app
        #: The validated settings, defaults included, read-only.
        self.config: ReadOnlyConfig = validate_config(config)
        interface = require_async_ready(
            session_interface or SecureCookieSessionInterface(), "cookiesession.asgi"
        )
        #: Loads and saves sessions.
        self.session_interface: SessionInterface = interface
        if interface.needs_secret_key:
            warn_if_no_secret_key(self.config, config)
        if isinstance(exclude, str):
            raise TypeError("exclude= takes a tuple of path prefixes, not a string.")
        self.exclude = tuple(prefix.rstrip("/") for prefix in exclude)
        self._store = bool(getattr(interface, "is_async", False))
        # How the interface judges an untouched request, learnt once per
        # interface and settings (either may be replaced).
        self._learnt: tuple[SessionInterface, ReadOnlyConfig, UntouchedCheck] | None = (
            None
        )

    def _excluded(self, path: str) -> bool:
        for prefix in self.exclude:
            if path == prefix or path.startswith(prefix + "/") or not prefix:
                return True
        return False

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind not in ("http", "websocket") or self._excluded(scope.get("path", "")):
            return await self.app(scope, receive, send)
        header = _cookie_header(scope.get("headers", ()))
        interface = self.session_interface
        if self._store:
            opened = await interface.open_async(self, header)  # type: ignore[attr-defined]
            session: t.Any = opened
        else:
            session = open_request_session(interface, self, header, no_request)
        scope["session"] = session
        if kind == "websocket":
            await self.app(scope, receive, send)
            if _modified(session):
                _warn(scope, "in a websocket")
            return
        started = False

        async def send_with_session(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                current = _adopt(session, scope.get("session"))
                message = await self._save(current, message)
                if _modified(current):
                    # Saved: from here a change is one that cannot be.
                    loaded(current).modified = False
            await send(message)

        await self.app(scope, receive, send_with_session)
        if started and _modified(session):
            _warn(scope, "after the response started")

    async def _save(self, session: t.Any, message: Message) -> Message:
        interface = self.session_interface
        state = state_of(session) if type(session) is LazySession else None
        if type(state) is tuple:
            # Never used: only a refresh due makes it open (the WSGI rule).
            learnt = self._learnt
            if (
                learnt is None
                or learnt[0] is not interface
                or learnt[1] is not self.config
            ):
                learnt = self._learnt = (
                    interface,
                    self.config,
                    interface.untouched_check(self),
                )
            check = learnt[2]
            header = state[2]
            refresh = check.known(hash(header))
            if refresh is None:
                refresh = check.judge(header)
            if not refresh:
                return message
        raw = list(message["headers"])
        before = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in raw]
        response = ResponseHeaders(list(before))
        if self._store:
            save = interface.save_async  # type: ignore[attr-defined]
            response = await save(self, session, response)
        else:
            save_request_session(interface, self, loaded(session), response)
        after = response.headerlist
        kept = len(before)
        if after[:kept] == before:  # the usual case: headers only added
            raw += [
                (k.lower().encode("latin-1"), v.encode("latin-1"))
                for k, v in after[kept:]
            ]
        else:  # merged (a Vary header): every header again
            raw = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in after]
        return {**message, "headers": raw}


def _cookie_header(headers: Iterable[tuple[bytes, bytes]]) -> str:
    # HTTP/2 may split the Cookie header; RFC 9113 joins the parts with "; ".
    values = [value for name, value in headers if name == b"cookie"]
    if not values:
        return ""
    return b"; ".join(values).decode("latin-1")


def _adopt(session: t.Any, current: t.Any) -> t.Any:
    """The session to save when the app replaced ``scope["session"]``
    (Litestar's ``set_session`` and ``clear_session``): a mapping's data
    (a dataclass's or a pydantic model's fields), or nothing for ``None``
    or Litestar's ``Empty``; changed keys only, so a store keeps its id."""
    if current is session:
        return session
    if current is None or type(current).__name__ == "_EmptyEnum":  # Litestar's
        session.clear()
        return session
    if dataclasses.is_dataclass(current) and not isinstance(current, type):
        data = dataclasses.asdict(current)
    elif hasattr(current, "model_dump"):
        data = current.model_dump(mode="json")
    else:
        data = dict(current)
    for key in [key for key in session if key not in data]:
        del session[key]
    for key, value in data.items():
        if key not in session or session[key] != value:
            session[key] = value
    return session


def _modified(session: t.Any) -> bool:
    """Whether *session* was opened and changed (never opening it)."""
    if type(session) is LazySession and type(state_of(session)) is tuple:
        return False
    return bool(loaded(session).modified)


def _warn(scope: Scope, when: str) -> None:
    warnings.warn(
        f"The session of {scope.get('path', '')!r} changed {when}; the change"
        " is not saved.",
        RuntimeWarning,
        stacklevel=2,
    )
