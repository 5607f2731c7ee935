"""Helpers for testing applications that use cookiesession: make a session
cookie, read one, and change the session of a test client, as Flask's
``client.session_transaction()`` does, for any WSGI app.

Every helper takes the session settings (a mapping or a
:class:`~cookiesession.Config`, as given to the middleware) and an optional
``session_interface=``, so apps on the encrypted or Redis interfaces test
the same way as apps on signed cookies.
"""

from __future__ import annotations

import contextlib
import typing as t
from collections.abc import Iterator, Mapping

from .sessions import SecureCookieSessionInterface, SessionInterface
from .settings import ReadOnlyConfig, validate_config

__all__ = ["load_session", "session_cookie", "session_transaction"]


class _App:
    """What a session interface needs of an application: its settings."""

    def __init__(self, config: Mapping[str, t.Any]) -> None:
        self.config: ReadOnlyConfig = validate_config(config)


def _interface(interface: SessionInterface | None) -> SessionInterface:
    return SecureCookieSessionInterface() if interface is None else interface


def session_cookie(
    config: Mapping[str, t.Any],
    data: Mapping[str, t.Any],
    *,
    session_interface: SessionInterface | None = None,
) -> str:
    """A valid session cookie value holding *data*, made now.

    :param config: The session settings.
    :param data: The session.
    :param session_interface: The interface of the app under test; signed
        cookies by default.

    .. versionadded:: 0.2
    """
    return _interface(session_interface).encode_session(_App(config), data)


def load_session(
    config: Mapping[str, t.Any],
    value: str,
    *,
    session_interface: SessionInterface | None = None,
) -> dict[str, t.Any]:
    """The session a cookie value holds.

    :raises ValueError: If the value is invalid, expired or revoked.

    .. versionadded:: 0.2
    """
    return _interface(session_interface).decode_session(_App(config), value)


@contextlib.contextmanager
def session_transaction(
    client: t.Any,
    config: Mapping[str, t.Any],
    *,
    session_interface: SessionInterface | None = None,
) -> Iterator[dict[str, t.Any]]:
    """Change the session of a test client::

        with session_transaction(client, config) as session:
            session["user_id"] = 1
        client.get("/profile")  # logged in

    Yields the client's current session as a dict (empty without a valid
    cookie) and, on exit, stores it back in the client's cookie jar (an
    emptied session removes the cookie).

    :param client: WebTest's ``TestApp``, or werkzeug's (Flask's) test
        ``Client``.
    :param config: The session settings of the app under test.
    :param session_interface: Its session interface; signed cookies by
        default.

    .. versionadded:: 0.2
    """
    app = _App(config)
    interface = _interface(session_interface)
    name = interface.get_cookie_name(app)
    jar = _Jar(client, name, interface.get_cookie_domain(app))
    value = jar.get()
    session: dict[str, t.Any] = {}
    if value:
        with contextlib.suppress(ValueError):
            session = interface.decode_session(app, value)
    yield session
    if session:
        jar.set(interface.encode_session(app, session))
    else:
        jar.delete()


class _Jar:
    """The session cookie in a WebTest or werkzeug client's cookie jar."""

    def __init__(self, client: t.Any, name: str, domain: str | None) -> None:
        self.client = client
        self.name = name
        self.werkzeug = hasattr(client, "get_cookie")
        self.domain = domain or "localhost"

    def get(self) -> str | None:
        if self.werkzeug:
            cookie = self.client.get_cookie(self.name, domain=self.domain)
            return None if cookie is None else t.cast(str, cookie.value)
        value = self.client.cookies.get(self.name)
        # WebTest keeps values quoted, as it sends them; browsers strip them.
        return None if value is None else t.cast(str, value).strip('"')

    def set(self, value: str) -> None:
        if self.werkzeug:
            self.client.set_cookie(self.name, value, domain=self.domain)
        else:
            self.client.set_cookie(self.name, value)

    def delete(self) -> None:
        if self.werkzeug:
            self.client.delete_cookie(self.name, domain=self.domain)
            return
        jar = self.client.cookiejar
        for cookie in list(jar):
            if cookie.name == self.name:
                jar.clear(cookie.domain, cookie.path, cookie.name)
