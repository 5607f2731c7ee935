"""Helpers for testing applications that use cookiesession: make a session
cookie, read one, and change the session of a test client, as Flask's
``client.session_transaction()`` does, for any WSGI or ASGI app.

Every helper takes the session settings (a mapping or a
:class:`~cookiesession.Config`, as given to the middleware) and an optional
``session_interface=``, so apps on the encrypted or Redis interfaces test
the same way as apps on signed cookies.
"""

from __future__ import annotations

import contextlib
import http.cookiejar
import typing as t
from collections.abc import Mapping

from .sessions import SecureCookieSessionInterface, SessionInterface
from .settings import ReadOnlyConfig, validate_config

__all__ = [
    "SessionTransaction",
    "load_session",
    "session_cookie",
    "session_transaction",
]


class _App:
    """What a session interface needs of an application: its settings."""

    def __init__(self, config: Mapping[str, t.Any]) -> None:
        self.config: ReadOnlyConfig = validate_config(config)


def _interface(interface: SessionInterface | None) -> SessionInterface:
    return SecureCookieSessionInterface() if interface is None else interface


def _sync(interface: SessionInterface | None) -> SessionInterface:
    if getattr(interface, "is_async", False):
        raise TypeError(
            f"{type(interface).__name__} is async: use `async with"
            " session_transaction(client, config, session_interface=...)`."
        )
    return _interface(interface)


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
    return _sync(session_interface).encode_session(_App(config), data)


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
    return _sync(session_interface).decode_session(_App(config), value)


def session_transaction(
    client: t.Any,
    config: Mapping[str, t.Any],
    *,
    session_interface: SessionInterface | None = None,
) -> SessionTransaction:
    """Change the session of a test client::

        with session_transaction(client, config) as session:
            session["user_id"] = 1
        client.get("/profile")  # logged in

        async with session_transaction(async_client, config) as session:
            ...  # the same for httpx.AsyncClient (ASGI), required for an async store

    Yields the client's current session as a dict (empty without a valid
    cookie) and, on exit, stores it back as the client's one session
    cookie (an emptied session removes it). The application's later writes
    replace that cookie, as a browser's would.

    :param client: WebTest's ``TestApp``, werkzeug's (Flask's) test
        ``Client``, Falcon's ``falcon.testing.TestClient``, or an httpx
        client: ``httpx.AsyncClient(transport=httpx.ASGITransport(app))``,
        Starlette's ``TestClient``, or ``httpx.Client`` against a live
        server. Falcon's client keeps no cookies: the session cookie
        becomes one of its default headers, sent with every later
        ``simulate_*()`` call that passes no ``cookies=`` of its own.
    :param config: The session settings of the app under test.
    :param session_interface: Its session interface; signed cookies by
        default. An async store
        (:class:`~cookiesession.redis.AsyncRedisSessionInterface`) needs
        ``async with``.

    .. versionadded:: 0.2
    .. versionchanged:: 0.3
        One cookie in a WebTest jar, whatever its domain; Falcon's client;
        httpx's clients, and ``async with``.
    """
    return SessionTransaction(client, config, _interface(session_interface))


class SessionTransaction:
    """What :func:`session_transaction` returns: a context manager for
    ``with`` and for ``async with``.

    .. versionadded:: 0.3
    """

    def __init__(
        self, client: t.Any, config: Mapping[str, t.Any], interface: SessionInterface
    ) -> None:
        self._app = _App(config)
        self._interface = interface
        self._jar = jar = _jar(client, interface.get_cookie_name(self._app))
        jar.domain = interface.get_cookie_domain(self._app)
        jar.path = interface.get_cookie_path(self._app)
        self._session: dict[str, t.Any] = {}
        self._async = bool(getattr(interface, "is_async", False))

    def __enter__(self) -> dict[str, t.Any]:
        if self._async:
            raise TypeError(
                f"{type(self._interface).__name__} is async: use"
                " `async with session_transaction(...)`."
            )
        value = self._jar.get()
        if value:
            with contextlib.suppress(ValueError):
                self._session = self._interface.decode_session(self._app, value)
        return self._session

    def __exit__(self, error: type[BaseException] | None, *rest: t.Any) -> None:
        if error is None:
            self._store(
                self._interface.encode_session(self._app, self._session)
                if self._session
                else None
            )

    async def __aenter__(self) -> dict[str, t.Any]:
        if not self._async:
            return self.__enter__()
        value = self._jar.get()
        if value:
            with contextlib.suppress(ValueError):
                decode = self._interface.decode_session_async  # type: ignore[attr-defined]
                self._session = await decode(self._app, value)
        return self._session

    async def __aexit__(self, error: type[BaseException] | None, *rest: t.Any) -> None:
        if not self._async:
            return self.__exit__(error)
        if error is None:
            encode = self._interface.encode_session_async  # type: ignore[attr-defined]
            self._store(
                await encode(self._app, self._session) if self._session else None
            )

    def _store(self, value: str | None) -> None:
        if value is None:
            self._jar.delete()
        else:
            self._jar.set(value)


def _jar(client: t.Any, name: str) -> _Jar:
    if hasattr(getattr(client, "cookies", None), "jar"):
        return _HttpxJar(client, name)
    if hasattr(client, "cookiejar"):
        return _WebTestJar(client, name)
    if hasattr(client, "get_cookie"):
        return _WerkzeugJar(client, name)
    if hasattr(client, "simulate_request"):
        return _FalconJar(client, name)
    raise TypeError(
        "session_transaction() works with WebTest's TestApp, werkzeug's or"
        " Flask's test client, Falcon's testing.TestClient and httpx's"
        " clients (Starlette's TestClient), not"
        f" {type(client).__name__}"
    )


class _Jar:
    """The session cookie of one test client."""

    domain: str | None = None
    path: str = "/"

    def __init__(self, client: t.Any, name: str) -> None:
        self.client = client
        self.name = name

    def get(self) -> str | None:
        raise NotImplementedError

    def set(self, value: str) -> None:
        raise NotImplementedError

    def delete(self) -> None:
        raise NotImplementedError


class _WebTestJar(_Jar):
    """WebTest's jar is a :class:`http.cookiejar.CookieJar`. Its own
    ``set_cookie`` files a cookie under another domain than the app's
    responses do, which then shadows them; so the cookie is changed where
    it is, or filed as a response without a ``Domain`` would file it."""

    def _cookies(self) -> list[http.cookiejar.Cookie]:
        return [c for c in self.client.cookiejar if c.name == self.name]

    def get(self) -> str | None:
        cookies = self._cookies()
        # WebTest keeps values quoted, as it sends them; browsers strip them.
        return t.cast(str, cookies[0].value).strip('"') if cookies else None

    def set(self, value: str) -> None:
        self.delete()
        host = self.client.extra_environ.get("HTTP_HOST", "localhost")
        host = host.partition(":")[0]
        domain = self.domain
        self.client.cookiejar.set_cookie(
            http.cookiejar.Cookie(
                version=0,
                name=self.name,
                value=value,
                port=None,
                port_specified=False,
                # As http.cookiejar files a response's cookie.
                domain=("." + domain.lstrip("."))
                if domain
                else (host if "." in host else host + ".local"),
                domain_specified=bool(domain),
                domain_initial_dot=bool(domain),
                path=self.path,
                path_specified=True,
                secure=False,
                expires=None,
                discard=True,
                comment=None,
                comment_url=None,
                rest={},
            )
        )

    def delete(self) -> None:
        for cookie in self._cookies():
            self.client.cookiejar.clear(cookie.domain, cookie.path, cookie.name)


class _WerkzeugJar(_Jar):
    """werkzeug's client files cookies by domain, ``localhost`` unless the
    app sets one."""

    def get(self) -> str | None:
        cookie = self.client.get_cookie(
            self.name, self.domain or "localhost", self.path
        )
        return None if cookie is None else t.cast(str, cookie.value)

    def set(self, value: str) -> None:
        self.client.set_cookie(
            self.name, value, domain=self.domain or "localhost", path=self.path
        )

    def delete(self) -> None:
        self.client.delete_cookie(
            self.name, domain=self.domain or "localhost", path=self.path
        )


class _FalconJar(_Jar):
    """Falcon's client keeps no cookies, only default headers."""

    def _headers(self) -> dict[str, str]:
        return dict(getattr(self.client, "_default_headers", None) or {})

    def _others(self) -> tuple[str | None, list[str]]:
        mine, others = None, []
        header = next(
            (v for k, v in self._headers().items() if k.lower() == "cookie"), ""
        )
        for pair in filter(None, (p.strip() for p in header.split(";"))):
            name, _, value = pair.partition("=")
            if name == self.name:
                mine = value
            else:
                others.append(pair)
        return mine, others

    def _write(self, pairs: list[str]) -> None:
        headers = {k: v for k, v in self._headers().items() if k.lower() != "cookie"}
        if pairs:
            headers["Cookie"] = "; ".join(pairs)
        self.client._default_headers = headers or None

    def get(self) -> str | None:
        return self._others()[0]

    def set(self, value: str) -> None:
        self._write([*self._others()[1], f"{self.name}={value}"])

    def delete(self) -> None:
        self._write(self._others()[1])


class _HttpxJar(_Jar):
    """httpx's cookies (``httpx.Client``, ``httpx.AsyncClient``,
    Starlette's ``TestClient``): one cookie, whatever domain the app's
    responses filed theirs under."""

    def _cookies(self) -> list[http.cookiejar.Cookie]:
        return [c for c in self.client.cookies.jar if c.name == self.name]

    def get(self) -> str | None:
        cookies = self._cookies()
        return t.cast(str, cookies[0].value).strip('"') if cookies else None

    def set(self, value: str) -> None:
        self.delete()
        domain = self.domain
        if not domain:
            # Where http.cookiejar files the app's own cookies, so that they
            # replace this one.
            host = getattr(getattr(self.client, "base_url", None), "host", "") or ""
            domain = host if "." in host or not host else host + ".local"
        self.client.cookies.set(self.name, value, domain=domain, path=self.path)

    def delete(self) -> None:
        for cookie in self._cookies():
            self.client.cookies.jar.clear(cookie.domain, cookie.path, cookie.name)
