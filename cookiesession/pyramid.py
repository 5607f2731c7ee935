"""Pyramid integration: ``request.session`` in a signed cookie, compatible
with Flask's, implementing Pyramid's ``ISession``.

.. code-block:: python

    config.include("cookiesession.pyramid")

reads the ``cookiesession.*`` settings (``cookiesession.secret_key``,
``cookiesession.session_cookie_secure``, ..., the lowercased session keys)
and registers the session factory. Strings from the .ini file are coerced;
``cookiesession.secret_key_fallbacks`` holds one key per line.
``cookiesession.env_prefix = MYAPP`` also loads ``MYAPP_*`` environment
variables and ``cookiesession.secrets_dir = PATH`` a secrets mount; later
sources win (.ini, then the secrets folder, then the environment). A bad
value, or no secret key, fails start-up with a
:class:`~pyramid.exceptions.ConfigurationError` naming the setting as it was
written.

Sessions are read when a view first uses ``request.session`` and saved by
a response callback, so exception responses Pyramid renders carry the cookie
too. Flash messages are stored under ``"_flashes"`` as Flask stores them, so
a message flashed here is shown by Flask's ``get_flashed_messages()``.
"""

from __future__ import annotations

import copy
import time
import typing as t
from collections.abc import Mapping

from ._extras import requires

with requires("cookiesession.pyramid", "Pyramid", "pyramid"):
    from pyramid.exceptions import ConfigurationError
    from pyramid.interfaces import ICSRFStoragePolicy, ISession
    from zope.interface import implementer

import webob

from .config import Config
from .csrf import check_csrf_token, new_csrf_token, unmasked_csrf_token
from .flash import add_flash, flashes, take_flashes
from .sessions import (
    SecureCookieSessionInterface,
    Session,
    SessionInterface,
    is_opened,
    loaded,
    open_request_session,
    require_sync,
    save_request_session,
)
from .settings import InvalidSetting, validate_config
from .settings.ini import SETTINGS_PREFIX, read_settings, spell_for, store_choice
from .wire.cookies import ResponseHeaders

if t.TYPE_CHECKING:
    from pyramid.config import Configurator
    from pyramid.request import Request
    from pyramid.response import Response

__all__ = [
    "CookieSessionFactory",
    "PyramidSession",
    "PyramidSessionMixin",
    "SessionCSRFStoragePolicy",
    "includeme",
    "settings_to_config",
]

_DEFAULT_QUEUE = "message"


@implementer(ISession)
class PyramidSessionMixin:
    """Pyramid's ``ISession`` API for any :class:`~cookiesession.Session`
    class (``created`` is kept in the instance's ``__dict__``).

    .. versionadded:: 0.2
    """

    created: int
    new: bool
    accessed: bool
    modified: bool
    data: Mapping[str, t.Any]
    get: t.Callable[..., t.Any]
    clear: t.Callable[[], None]
    __setitem__: t.Callable[[str, t.Any], None]
    __delitem__: t.Callable[[str], None]

    def __init__(
        self, initial: Mapping[str, t.Any] | None = None, *, new: bool = False
    ) -> None:
        super().__init__(initial, new=new)  # type: ignore[call-arg]
        created = self.data.get("_created")
        #: When the session was created, in seconds since the epoch; kept in
        #: the cookie as ``"_created"``.
        self.created: int = created if isinstance(created, int) else int(time.time())

    def invalidate(self) -> None:
        """Drop everything: the cookie is deleted on this response, unless
        the session is used again, which starts a new one."""
        self.clear()
        self.new = True
        self.created = int(time.time())

    def changed(self) -> None:
        """Mark the session as changed, after changing a nested value."""
        self.accessed = self.modified = True

    def flash(self, msg: t.Any, queue: str = "", allow_duplicate: bool = True) -> None:
        """Add *msg* to the end of a flash queue.

        :param msg: The message; anything the session can store.
        :param queue: The queue (Flask's "category"); ``""`` is Flask's
            default ``"message"``.
        :param allow_duplicate: If false, a message already in the queue is
            not added again.
        """
        add_flash(
            self,  # type: ignore[arg-type]
            msg,
            queue or _DEFAULT_QUEUE,
            allow_duplicate=allow_duplicate,
        )

    def peek_flash(self, queue: str = "") -> list[t.Any]:
        """The messages in a queue, left in place."""
        name = queue or _DEFAULT_QUEUE
        return [m for kind, m in flashes(self) if kind == name]  # type: ignore[arg-type]

    def pop_flash(self, queue: str = "") -> list[t.Any]:
        """The messages in a queue, removed from the session."""
        return take_flashes(self, queue or _DEFAULT_QUEUE)  # type: ignore[arg-type]

    def new_csrf_token(self) -> str:
        """Store and return a new CSRF token
        (:func:`cookiesession.csrf.new_csrf_token`)."""
        return new_csrf_token(self)  # type: ignore[arg-type]

    def get_csrf_token(self) -> str:
        """The session's CSRF token, unmasked (Pyramid's API), made on
        first use (:func:`cookiesession.csrf.unmasked_csrf_token`)."""
        return unmasked_csrf_token(self)  # type: ignore[arg-type]


class PyramidSession(PyramidSessionMixin, Session):
    """A :class:`~cookiesession.Session` with Pyramid's ``ISession`` API.

    .. versionadded:: 0.1
    """


class _PyramidInterface(SecureCookieSessionInterface):
    session_class = PyramidSession


class CookieSessionFactory:
    """A Pyramid session factory: ``config.set_session_factory(
    CookieSessionFactory(settings))``.

    :param config: The session settings, with the keys of
        :data:`~cookiesession.DEFAULT_CONFIG` (``SECRET_KEY``, ...): a
        :class:`~cookiesession.Config` (errors then say where a value came
        from) or any mapping.
    :param session_interface: How sessions are stored. Defaults to signed
        cookies. Sessions provide ``ISession`` whatever the interface.
    :raises pyramid.exceptions.ConfigurationError: If no ``SECRET_KEY`` is
        set; :exc:`~cookiesession.InvalidSetting` for a bad setting.

    .. versionadded:: 0.1
    """

    def __init__(
        self,
        config: Mapping[str, t.Any],
        *,
        session_interface: SessionInterface | None = None,
    ) -> None:
        #: The validated settings, read-only.
        self.config = validate_config(config, spell=spell_for(config))
        interface = require_sync(
            session_interface or _PyramidInterface(), "cookiesession.pyramid"
        )
        if interface.needs_secret_key and self.config["SECRET_KEY"] is None:
            raise ConfigurationError(
                "cookiesession needs a secret key: set cookiesession.secret_key"
                " in the .ini file (or SECRET_KEY in the config given to"
                " CookieSessionFactory). 'cookiesession keygen' prints one."
            )
        if not issubclass(interface.session_class, PyramidSessionMixin):
            # Pyramid needs ISession: give any interface's sessions its API,
            # on a copy, so the interface given (which may serve a
            # middleware too) is never changed.
            interface = copy.copy(interface)
            interface.session_class = _pyramid_class(interface.session_class)
        #: Loads and saves the sessions.
        self.session_interface = interface

    def __call__(self, request: Request) -> Session:
        session = open_request_session(
            self.session_interface,
            self,
            request.environ.get("HTTP_COOKIE", ""),
            webob.Request,
            # A copy: the environ and its session never refer to each other.
            request.environ.copy() if self.session_interface.wants_request else None,
        )
        request.add_response_callback(
            lambda request, response: self._save(session, response, request)
        )
        return session

    def _save(self, session: Session, response: Response, request: Request) -> None:
        if is_opened(session):  # an unused session stays unread
            real = loaded(session)
            if (
                isinstance(real, PyramidSessionMixin)
                and real.modified
                and real.data
                and "_created" not in real.data
            ):
                real["_created"] = real.created
        save_request_session(
            self.session_interface, self, session, ResponseHeaders(response.headerlist)
        )


_PYRAMID_CLASSES: dict[type[Session], type[Session]] = {}


def _pyramid_class(cls: type[Session]) -> type[Session]:
    pyramid_class = _PYRAMID_CLASSES.get(cls)
    if pyramid_class is None:
        pyramid_class = _PYRAMID_CLASSES[cls] = type(
            f"Pyramid{cls.__name__}",
            (PyramidSessionMixin, cls),
            {"__slots__": ("created",)},
        )
    return pyramid_class


def settings_to_config(settings: Mapping[str, t.Any]) -> Config:
    """The ``cookiesession.*`` entries of Pyramid settings, as a
    :class:`~cookiesession.Config` of session keys:
    ``cookiesession.secret_key`` becomes ``SECRET_KEY``, and its source
    names the .ini key. ``cookiesession.secrets_dir`` and
    ``cookiesession.env_prefix`` add a secrets mount and prefixed
    environment variables over them, in that order; ``cookiesession.redis_url``
    (with ``redis_key_prefix`` and ``redis_user_key``) stores the sessions in
    Redis.

    .. versionadded:: 0.1
    .. versionchanged:: 0.2
        Returns a :class:`~cookiesession.Config`; fallback keys are one per
        line (a passphrase with spaces is one key); ``secrets_dir`` and
        ``env_prefix``.
    """
    return read_settings(settings)[0]


def _interface_from(options: Mapping[str, t.Any]) -> SessionInterface | None:
    """The interface ``cookiesession.encrypted``, ``cookiesession.redis_url``
    or ``cookiesession.sql_url`` (with ``key_prefix`` or ``table_name``,
    ``user_key``, ``device_key``, ``accept_signed``) choose; ``None`` for
    signed cookies."""
    kind, kwargs = store_choice(options)
    if kind == "encrypted":
        from .crypto import EncryptedCookieSessionInterface

        return EncryptedCookieSessionInterface(**kwargs)
    if kind == "redis":
        from .redis import RedisSessionInterface

        return RedisSessionInterface.from_url(**kwargs)
    if kind == "sql":
        from .sql import SqlSessionInterface

        return SqlSessionInterface.from_url(**kwargs)
    return None


@implementer(ICSRFStoragePolicy)
class SessionCSRFStoragePolicy:
    """Pyramid's CSRF storage on the session's token, accepting it
    unmasked and under every mask :func:`cookiesession.csrf_token` hands
    out, so Pyramid's ``check_csrf_token`` and ``require_csrf`` accept
    both. :func:`includeme` registers it.

    .. versionadded:: 0.3
    """

    def new_csrf_token(self, request: Request) -> str:
        return new_csrf_token(request.session)

    def get_csrf_token(self, request: Request) -> str:
        return unmasked_csrf_token(request.session)

    def check_csrf_token(self, request: Request, supplied_token: str) -> bool:
        return check_csrf_token(request.session, supplied_token)


def includeme(config: Configurator) -> None:
    """Register the session factory from the ``cookiesession.*`` settings.

    .. versionadded:: 0.1
    """
    try:
        session_config, options = read_settings(config.get_settings())
        factory = CookieSessionFactory(
            session_config, session_interface=_interface_from(options)
        )
    except InvalidSetting as e:
        where = e.source or f".ini setting {SETTINGS_PREFIX + e.key.lower()!r}"
        raise ConfigurationError(
            f"Invalid session setting ({where}): {e.shown}. {e.expected}{e.hint}"
        ) from e
    except (OSError, ValueError) as e:
        raise ConfigurationError(f"cookiesession: {e}") from e
    config.set_session_factory(factory)
    config.set_csrf_storage_policy(SessionCSRFStoragePolicy())
