"""Flask itself: ``flask.session`` backed by any cookiesession interface.

.. code-block:: python

    from cookiesession.flask import CookieSession

    CookieSession(app)  # or CookieSession().init_app(app)
    CookieSession(app, session_interface=RedisSessionInterface(client))

Settings come from ``app.config``: Flask's own keys (with Flask's defaults,
so ``SESSION_COOKIE_SAMESITE`` is unset unless configured) and the timeouts
and other keys of :doc:`/lifetimes`. They are validated at
:meth:`CookieSession.init_app`, and again when one of them (or
``secret_key``) changes later. With the signed interface and default
settings every ``Set-Cookie`` and ``Vary`` header is byte-identical to
Flask's own, so switching it on logs nobody out. ``flask.session`` is read
on first use: a request that never touches it (a static file) costs no
signature check and no store call.
"""

from __future__ import annotations

import copy
import typing as t
import warnings

from ._extras import requires

with requires("cookiesession.flask", "Flask", "flask"):
    import flask
    from flask.sessions import SessionInterface as FlaskSessionInterface
    from flask.sessions import SessionMixin

import webob

from .sessions import (
    SecureCookieSessionInterface,
    SessionInterface,
    open_request_session,
    require_sync,
    save_request_session,
)
from .sessions.hosted import HostSettings, Recorder, with_mixin
from .sessions.lazy import LazySession, marked_accessed

__all__ = ["CookieSession", "FlaskSessionAdapter"]

# Keys of other extensions that share the SESSION_ prefix: never a typo of
# ours. Flask-Session's warn once, pointing to the migration table.
_OTHERS = frozenset({"SESSION_PROTECTION"})
_FLASK_SESSION = frozenset(
    {
        "SESSION_TYPE",
        "SESSION_REDIS",
        "SESSION_KEY_PREFIX",
        "SESSION_USE_SIGNER",
        "SESSION_ID_LENGTH",
        "SESSION_SERIALIZATION_FORMAT",
        "SESSION_CLEANUP_N_REQUESTS",
        "SESSION_MEMCACHED",
        "SESSION_FILE_DIR",
        "SESSION_FILE_THRESHOLD",
        "SESSION_FILE_MODE",
        "SESSION_CACHELIB",
        "SESSION_MONGODB",
        "SESSION_MONGODB_DB",
        "SESSION_MONGODB_COLLECT",
        "SESSION_SQLALCHEMY",
        "SESSION_SQLALCHEMY_TABLE",
        "SESSION_SQLALCHEMY_SEQUENCE",
        "SESSION_SQLALCHEMY_SCHEMA",
        "SESSION_SQLALCHEMY_BIND_KEY",
        "SESSION_DYNAMODB",
        "SESSION_DYNAMODB_TABLE",
    }
)


class CookieSession:
    """Use a cookiesession interface for ``flask.session``.

    :param app: The Flask app; or call :meth:`init_app` later.
    :param session_interface: Signed cookies by default; encrypted, Redis,
        or a custom interface written for the middleware work the same.

    .. versionadded:: 0.3
    """

    def __init__(
        self,
        app: flask.Flask | None = None,
        *,
        session_interface: SessionInterface | None = None,
    ) -> None:
        #: The cookiesession interface behind ``flask.session``.
        self.session_interface = require_sync(
            session_interface or SecureCookieSessionInterface(), "cookiesession.flask"
        )
        if app is not None:
            self.init_app(app)

    def init_app(self, app: flask.Flask) -> None:
        """Validate the session settings of ``app.config`` and set
        ``app.session_interface``.

        :raises cookiesession.InvalidSetting: For a bad setting, naming it.
        """
        adapter = FlaskSessionAdapter(self.session_interface)
        adapter.settings(app)  # validated now: a bad value fails start-up
        app.session_interface = adapter
        app.extensions["cookiesession"] = self
        found = sorted(_FLASK_SESSION.intersection(app.config))
        if found:
            warnings.warn(
                f"{', '.join(found)}: Flask-Session settings, which cookiesession"
                " does not read; the Flask page of the docs maps each to its"
                " equivalent.",
                UserWarning,
                stacklevel=2,
            )


class FlaskSessionAdapter(FlaskSessionInterface):
    """Flask's ``SessionInterface``, delegating to a cookiesession one.

    .. versionadded:: 0.3
    """

    def __init__(self, interface: SessionInterface) -> None:
        if not issubclass(interface.session_class, SessionMixin):
            # Flask's session API on the interface's sessions, on a copy,
            # so the interface given (which may serve a middleware too) is
            # never changed.
            interface = copy.copy(interface)
            interface.session_class = with_mixin(
                interface.session_class, SessionMixin, "Flask"
            )
        #: The cookiesession interface.
        self.interface = interface
        self._settings = HostSettings(_OTHERS | _FLASK_SESSION)

    def settings(self, app: flask.Flask) -> t.Any:
        """The validated settings of ``app.config``, validated again when
        one of them changes (Flask's tests set ``secret_key`` late)."""
        return self._settings.of(app.config)

    def open_session(
        self, app: flask.Flask, request: flask.Request
    ) -> SessionMixin | None:
        """The session, read on first use; ``None`` (Flask's null
        session) when a built-in interface has no secret key."""
        settings = self.settings(app)
        interface = self.interface
        if interface.needs_secret_key and not settings.config["SECRET_KEY"]:
            return None
        environ = request.environ
        lazy = open_request_session(
            interface,
            settings,
            environ.get("HTTP_COOKIE", ""),
            webob.Request,
            environ,
        )
        return t.cast(SessionMixin, lazy)

    def save_session(
        self, app: flask.Flask, session: SessionMixin, response: flask.Response
    ) -> None:
        """Save by cookiesession's rules, in Flask's header shapes."""
        lazy: t.Any = session
        if type(lazy) is LazySession and marked_accessed(lazy):
            response.vary.add("Cookie")  # as Flask's own interface does
        recorder = Recorder(response)
        save_request_session(self.interface, self.settings(app), session, recorder)
        recorder.replay(response)
