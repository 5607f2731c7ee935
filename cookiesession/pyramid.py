"""Pyramid integration: ``request.session`` in a signed cookie, compatible
with Flask's, implementing Pyramid's ``ISession``.

.. code-block:: python

    config.include("cookiesession.pyramid")

reads the ``cookiesession.*`` settings (``cookiesession.secret_key``,
``cookiesession.session_cookie_secure``, ..., the lowercased session keys)
and registers the session factory. Strings from the .ini file are coerced;
``cookiesession.secret_key_fallbacks`` is split on whitespace, one key per
line. A bad value, or no secret key, fails start-up with a
:class:`~pyramid.exceptions.ConfigurationError` naming the setting.

Sessions are loaded when a view first uses ``request.session`` and saved by
a response callback, so exception responses Pyramid renders carry the cookie
too. Flash messages are stored under ``"_flashes"`` as Flask stores them, so
a message flashed here is shown by Flask's ``get_flashed_messages()``.
"""

from __future__ import annotations

import secrets
import time
import typing as t
from collections.abc import Mapping

from pyramid.exceptions import ConfigurationError
from pyramid.interfaces import ISession
from zope.interface import implementer

from .sessions import SecureCookieSessionInterface, Session, SessionInterface
from .settings import DEFAULT_CONFIG, validate_config

if t.TYPE_CHECKING:
    from pyramid.config import Configurator
    from pyramid.request import Request
    from pyramid.response import Response

__all__ = ["CookieSessionFactory", "PyramidSession", "includeme"]

#: The prefix of this package's settings in a Pyramid .ini file.
SETTINGS_PREFIX = "cookiesession."
_CSRF_KEY = "_csrft_"
_DEFAULT_QUEUE = "message"


@implementer(ISession)
class PyramidSession(Session):
    """A :class:`~cookiesession.Session` with Pyramid's ``ISession`` API.

    .. versionadded:: 0.1
    """

    __slots__ = ("created",)

    def __init__(
        self, initial: Mapping[str, t.Any] | None = None, *, new: bool = False
    ) -> None:
        super().__init__(initial, new=new)
        created = self._data.get("_created")
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

    def _flashes(self) -> list[t.Any]:
        self.accessed = True
        flashes = self._data.get("_flashes")
        return flashes if isinstance(flashes, list) else []

    def flash(self, msg: t.Any, queue: str = "", allow_duplicate: bool = True) -> None:
        """Add *msg* to the end of a flash queue.

        :param msg: The message; anything the session can store.
        :param queue: The queue (Flask's "category"); ``""`` is Flask's
            default ``"message"``.
        :param allow_duplicate: If false, a message already in the queue is
            not added again.
        """
        entry = (queue or _DEFAULT_QUEUE, msg)
        flashes = self._flashes()
        if not allow_duplicate and any(tuple(e) == entry for e in flashes):
            return
        self["_flashes"] = [*flashes, entry]

    def peek_flash(self, queue: str = "") -> list[t.Any]:
        """The messages in a queue, left in place."""
        name = queue or _DEFAULT_QUEUE
        return [e[1] for e in self._flashes() if e[0] == name]

    def pop_flash(self, queue: str = "") -> list[t.Any]:
        """The messages in a queue, removed from the session."""
        name = queue or _DEFAULT_QUEUE
        flashes = self._flashes()
        messages = [e[1] for e in flashes if e[0] == name]
        if messages:
            rest = [e for e in flashes if e[0] != name]
            if rest:
                self["_flashes"] = rest
            else:
                del self["_flashes"]
        return messages

    def new_csrf_token(self) -> str:
        """Store and return a new CSRF token."""
        token = secrets.token_hex(20)
        self[_CSRF_KEY] = token
        return token

    def get_csrf_token(self) -> str:
        """The session's CSRF token, made on first use."""
        token = self.get(_CSRF_KEY)
        return token if isinstance(token, str) and token else self.new_csrf_token()


class _PyramidInterface(SecureCookieSessionInterface):
    session_class = PyramidSession


class CookieSessionFactory:
    """A Pyramid session factory: ``config.set_session_factory(
    CookieSessionFactory(settings))``.

    :param config: The session settings, with the keys of
        :data:`~cookiesession.DEFAULT_CONFIG` (``SECRET_KEY``, ...).
    :param session_interface: How sessions are stored; its ``session_class``
        must provide ``ISession``. Defaults to signed cookies of
        :class:`PyramidSession`.
    :raises pyramid.exceptions.ConfigurationError: If no ``SECRET_KEY`` is
        set; :exc:`ValueError` or :exc:`TypeError` for a bad setting.

    .. versionadded:: 0.1
    """

    def __init__(
        self,
        config: Mapping[str, t.Any],
        *,
        session_interface: SessionInterface | None = None,
    ) -> None:
        #: The validated settings.
        self.config = validate_config(config)
        if self.config["SECRET_KEY"] is None:
            raise ConfigurationError(
                "cookiesession needs a secret key: set cookiesession.secret_key"
                " in the .ini file (or SECRET_KEY in the config given to"
                " CookieSessionFactory). 'cookiesession keygen' prints one."
            )
        #: Loads and saves the sessions.
        self.session_interface = session_interface or _PyramidInterface()

    def __call__(self, request: Request) -> Session:
        interface = self.session_interface
        session = interface.open_session(self, request)
        if session is None:  # pragma: no cover - a key is required above
            session = interface.make_null_session(self)
        request.add_response_callback(
            lambda request, response: self._save(session, response)
        )
        return session

    def _save(self, session: Session, response: Response) -> None:
        data = session._data
        if isinstance(session, PyramidSession) and data and session.modified:
            data.setdefault("_created", session.created)
        self.session_interface.save_session(self, session, response)


def settings_to_config(settings: Mapping[str, t.Any]) -> dict[str, t.Any]:
    """The ``cookiesession.*`` entries of Pyramid settings, as session keys:
    ``cookiesession.secret_key`` becomes ``SECRET_KEY``. A string
    ``cookiesession.secret_key_fallbacks`` is split on whitespace, the .ini
    way of writing a list (one key per line).

    .. versionadded:: 0.1
    """
    config = {
        key[len(SETTINGS_PREFIX) :].upper(): value
        for key, value in settings.items()
        if key.startswith(SETTINGS_PREFIX)
    }
    fallbacks = config.get("SECRET_KEY_FALLBACKS")
    if isinstance(fallbacks, str):
        config["SECRET_KEY_FALLBACKS"] = fallbacks.split()
    return config


def includeme(config: Configurator) -> None:
    """Register the session factory from the ``cookiesession.*`` settings.

    .. versionadded:: 0.1
    """
    session_config = settings_to_config(config.get_settings())
    try:
        factory = CookieSessionFactory(session_config)
    except (TypeError, ValueError) as e:
        message = str(e)
        for key in DEFAULT_CONFIG:
            message = message.replace(
                f"'{key}'", f"'{SETTINGS_PREFIX}{key.lower()}'", 1
            )
        raise ConfigurationError(message) from e
    config.set_session_factory(factory)
