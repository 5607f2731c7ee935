"""Quart: ``quart.session`` backed by any cookiesession interface.

.. code-block:: python

    from cookiesession.quart import CookieSession

    CookieSession(app)  # or CookieSession().init_app(app)
    CookieSession(app, session_interface=AsyncRedisSessionInterface(client))

Quart reads ``quart.session`` through its own (async)
``app.session_interface``, not through ``scope["session"]``, so the ASGI
middleware cannot serve it: this driver is Quart's session interface. It
works as :mod:`cookiesession.flask` does: settings from ``app.config``
(validated at :meth:`CookieSession.init_app` and again when changed),
Flask's header shapes, a cookie session read on first use. An async store
is loaded when Quart opens the session, only for a cookie whose signature
verifies. Websocket sessions are read-only.
"""

from __future__ import annotations

import copy
import typing as t
import warnings

from ._extras import requires

with requires("cookiesession.quart", "Quart", "quart"):
    import quart
    from quart.sessions import SessionInterface as QuartSessionInterface
    from quart.sessions import SessionMixin

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
from .sessions.hosted import HostSettings, Recorder, with_mixin
from .sessions.lazy import state_of

__all__ = ["CookieSession", "QuartSessionAdapter"]


class CookieSession:
    """Use a cookiesession interface for ``quart.session``.

    :param app: The Quart app; or call :meth:`init_app` later.
    :param session_interface: Signed cookies by default; encrypted cookies
        or an async store
        (:class:`~cookiesession.redis.AsyncRedisSessionInterface`). A sync
        store or a custom ``open_session`` raises :exc:`TypeError`.

    .. versionadded:: 0.3
    """

    def __init__(
        self,
        app: quart.Quart | None = None,
        *,
        session_interface: SessionInterface | None = None,
    ) -> None:
        #: The cookiesession interface behind ``quart.session``.
        self.session_interface = require_async_ready(
            session_interface or SecureCookieSessionInterface(), "cookiesession.quart"
        )
        if app is not None:
            self.init_app(app)

    def init_app(self, app: quart.Quart) -> None:
        """Validate the session settings of ``app.config`` and set
        ``app.session_interface``.

        :raises cookiesession.InvalidSetting: For a bad setting, naming it.
        """
        adapter = QuartSessionAdapter(self.session_interface)
        adapter.settings(app)  # validated now: a bad value fails start-up
        app.session_interface = adapter  # type: ignore[assignment]
        app.extensions["cookiesession"] = self


class QuartSessionAdapter(QuartSessionInterface):
    """Quart's ``SessionInterface``, delegating to a cookiesession one.

    .. versionadded:: 0.3
    """

    def __init__(self, interface: SessionInterface) -> None:
        if not issubclass(interface.session_class, SessionMixin):
            interface = copy.copy(interface)  # the one given stays unchanged
            interface.session_class = with_mixin(
                interface.session_class, SessionMixin, "Quart"
            )
        #: The cookiesession interface.
        self.interface = interface
        self._async = bool(getattr(interface, "is_async", False))
        self._settings = HostSettings({"SESSION_PROTECTION"})

    def settings(self, app: quart.Quart) -> t.Any:
        """The validated settings of ``app.config``."""
        return self._settings.of(app.config)

    async def open_session(
        self, app: quart.Quart, request: t.Any
    ) -> SessionMixin | None:
        """The session; ``None`` (Quart's null session) when a built-in
        interface has no secret key."""
        settings = self.settings(app)
        interface = self.interface
        if interface.needs_secret_key and not settings.config["SECRET_KEY"]:
            return None
        header = "; ".join(request.headers.getlist("Cookie"))
        if self._async:
            opened = await interface.open_async(settings, header)  # type: ignore[attr-defined]
            return t.cast(SessionMixin, opened)
        lazy = open_request_session(interface, settings, header, no_request)
        return t.cast(SessionMixin, lazy)

    async def save_session(
        self, app: quart.Quart, session: SessionMixin, response: t.Any
    ) -> None:
        """Save by cookiesession's rules, in Quart's header shapes; a
        websocket's session is never saved."""
        if response is None or not hasattr(response, "set_cookie"):
            _warn_if_changed(session)
            return
        settings = self.settings(app)
        recorder = Recorder(response)
        if self._async:
            save = self.interface.save_async  # type: ignore[attr-defined]
            recorder = await save(settings, loaded(session), recorder)
        else:
            save_request_session(self.interface, settings, session, recorder)
        recorder.replay(response)


def _warn_if_changed(session: t.Any) -> None:
    lazy: t.Any = session
    opened = not (type(lazy) is LazySession and type(state_of(lazy)) is tuple)
    if opened and loaded(session).modified:
        warnings.warn(
            "A websocket's session changed; the change is not saved.",
            RuntimeWarning,
            stacklevel=2,
        )
