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
import time
import typing as t
import warnings
from datetime import datetime

from ._extras import requires

with requires("cookiesession.flask", "Flask", "flask"):
    import flask
    from flask.sessions import SessionInterface as FlaskSessionInterface
    from flask.sessions import SessionMixin

import webob

from .sessions import (
    SecureCookieSessionInterface,
    Session,
    SessionInterface,
    open_request_session,
    require_sync,
    save_request_session,
)
from .sessions.lazy import LazySession, marked_accessed
from .settings import DEFAULT_CONFIG, ReadOnlyConfig, validate_config
from .wire.cookies import ResponseHeaders

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
_FLASK_CLASSES: dict[type, type] = {}


class _Settings:
    """What a cookiesession interface needs of the app: its settings."""

    __slots__ = ("config",)

    def __init__(self, config: ReadOnlyConfig) -> None:
        self.config = config


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
            interface.session_class = _flask_class(interface.session_class)
        #: The cookiesession interface.
        self.interface = interface
        self._seen: tuple[tuple[t.Any, ...], _Settings] | None = None
        self._keys: tuple[str, ...] = tuple(DEFAULT_CONFIG)

    def settings(self, app: flask.Flask) -> _Settings:
        """The validated settings of ``app.config``, validated again when
        one of them changes (Flask's tests set ``secret_key`` late)."""
        config = app.config
        fingerprint = tuple(map(config.get, self._keys))
        seen = self._seen
        if seen is not None and seen[0] == fingerprint:
            return seen[1]
        mine = {key: config[key] for key in self._keys if key in config}
        for key in config:
            others = key in _OTHERS or key in _FLASK_SESSION
            if key.startswith("SESSION_") and key not in mine and not others:
                mine[key] = config[key]  # a near miss warns
        if mine.get("SECRET_KEY_FALLBACKS") is None:
            mine.pop("SECRET_KEY_FALLBACKS", None)  # Flask's default: none
        settings = _Settings(validate_config(mine))
        self._keys = tuple(dict.fromkeys([*DEFAULT_CONFIG, *mine]))
        self._seen = (tuple(map(config.get, self._keys)), settings)
        return settings

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
        recorder = _Recorder(response)
        save_request_session(self.interface, self.settings(app), session, recorder)
        recorder.replay(response)


class _Recorder(ResponseHeaders):
    """The response as the core sees it (its headers copied), recording
    the cookies it sets, so they are written with werkzeug's own
    ``set_cookie``: Flask's header shapes, ``Expires`` without
    ``Max-Age``."""

    def __init__(self, response: flask.Response) -> None:
        super().__init__(response.headers.to_wsgi_list())
        # (name, value, attributes); a deletion (ResponseHeaders makes it
        # through set_cookie) is an empty value with max_age 0.
        self.cookies: list[tuple[str, str, dict[str, t.Any]]] = []

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
        attrs: dict[str, t.Any] = {
            "path": path,
            "domain": domain,
            "secure": secure,
            "httponly": httponly,
            "samesite": samesite,
            "partitioned": partitioned,
        }
        super().set_cookie(name, value, max_age=max_age, expires=expires, **attrs)
        self.cookies.append((name, value, {**attrs, "max_age": max_age}))

    def replay(self, response: flask.Response) -> None:
        for name, value, attrs in self.cookies:
            max_age = attrs.pop("max_age", None)
            if value == "" and max_age == 0:
                response.delete_cookie(name, **attrs)
            else:
                expires = None if max_age is None else int(time.time()) + max_age
                response.set_cookie(name, value, expires=expires, **attrs)
        if "cookie" in (item.strip().lower() for item in self.vary or ()):
            response.vary.add("Cookie")
        if "Cache-Control" not in response.headers:
            for key, value in self.headerlist:
                if key.lower() == "cache-control":
                    response.headers["Cache-Control"] = value
                    break


def _flask_class(cls: type[Session]) -> type[Session]:
    flask_class = _FLASK_CLASSES.get(cls)
    if flask_class is None:
        flask_class = _FLASK_CLASSES[cls] = type(
            f"Flask{cls.__name__}", (cls, SessionMixin), {"__slots__": ()}
        )
    return flask_class
