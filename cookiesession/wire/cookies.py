"""The cookie headers: formatting ``Set-Cookie``, finding a cookie in a raw
``Cookie`` header, and merging ``Vary``. No session logic lives here."""

from __future__ import annotations

import copy
import re
import time
import typing as t
from collections.abc import Iterable
from datetime import datetime
from email.utils import formatdate

__all__ = [
    "ResponseHeaders",
    "ResponseLike",
    "add_vary_cookie",
    "find_cookie_values",
    "format_set_cookie",
    "has_unsafe",
    "set_cookie",
]

_UNSAFE = re.compile(r"[\x00-\x1f\x7f;]")
_UNSAFE_BYTES = bytes(range(0x20)) + b"\x7f;"


class ResponseLike(t.Protocol):
    """What a session interface needs of a response: a
    :class:`webob.Response` or a
    :class:`ResponseHeaders`."""

    headerlist: list[tuple[str, str]]

    @property
    def vary(self) -> tuple[str, ...] | None: ...

    @vary.setter
    def vary(self, value: tuple[str, ...]) -> None: ...

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
    ) -> object: ...

    def delete_cookie(
        self, name: str, path: str = "/", domain: str | None = None
    ) -> object: ...


def set_cookie(response: ResponseLike, name: str, value: str, **attrs: t.Any) -> None:
    """``response.set_cookie(name, value, **attrs)``, with ``Partitioned``
    added by hand for a response whose ``set_cookie`` does not know it
    (``webob.Response`` of WebOb 1.8, the declared minimum)."""
    if not attrs.get("partitioned"):
        attrs.pop("partitioned", None)
        response.set_cookie(name, value, **attrs)
        return
    try:
        response.set_cookie(name, value, **attrs)
        return
    except TypeError:
        del attrs["partitioned"]
    response.set_cookie(name, value, **attrs)
    headers = response.headerlist
    prefix = f"{name}="
    for index in range(len(headers) - 1, -1, -1):
        header, text = headers[index]
        if header.lower() == "set-cookie" and text.startswith(prefix):
            headers[index] = (header, text + "; Partitioned")
            break


def has_unsafe(text: str) -> bool:
    """Whether *text* holds a control character or ``;``, which would break
    a ``Set-Cookie`` header or add attributes to it."""
    if text.isascii():
        # One C pass that deletes them: a few times faster than a regular
        # expression over a cookie value of some hundred characters.
        raw = text.encode("ascii")
        return len(raw.translate(None, _UNSAFE_BYTES)) != len(raw)
    return _UNSAFE.search(text) is not None


def format_set_cookie(
    name: str,
    value: str,
    *,
    max_age: int | None = None,
    expires: float | datetime | None = None,
    path: str | None = "/",
    domain: str | None = None,
    secure: bool = False,
    httponly: bool = False,
    samesite: str | None = None,
    partitioned: bool = False,
) -> str:
    """The value of a ``Set-Cookie`` header.

    The name, path and domain are checked when the settings are validated,
    and session values are URL-safe base64, so nothing here needs quoting.
    """
    parts = [f"{name}={value}"]
    if domain:
        parts.append(f"Domain={domain}")
    if expires is not None:
        if isinstance(expires, datetime):
            expires = expires.timestamp()
        parts.append(f"Expires={formatdate(expires, usegmt=True)}")
    if max_age is not None:
        parts.append(f"Max-Age={max_age}")
    if secure:
        parts.append("Secure")
    if httponly:
        parts.append("HttpOnly")
    if path:
        parts.append(f"Path={path}")
    if samesite:
        parts.append(f"SameSite={samesite}")
    if partitioned:
        parts.append("Partitioned")
    return "; ".join(parts)


def add_vary_cookie(response: ResponseLike) -> None:
    """Add ``Cookie`` to the response's ``Vary``, once."""
    headers = response.headerlist
    for name, _ in headers:  # a loop, not any(): no generator per header
        if name.lower() == "vary":
            break
    else:
        headers.append(("Vary", "Cookie"))  # the common case: no Vary yet
        return
    current = response.vary or ()
    for item in current:
        if item.strip().lower() in ("cookie", "*"):
            return
    response.vary = (*current, "Cookie")


def find_cookie_values(header: str, name: str, limit: int) -> list[str]:
    """The first *limit* values of the cookie *name* in a request's raw
    ``Cookie`` header, in order. Other cookies are not parsed, so a
    malformed one cannot hide ours, and the work stops at *limit* values
    however long the header is."""
    if name not in header:
        return []
    if ";" not in header and header.startswith(name + "=") and '"' not in header:
        return [header[len(name) + 1 :].strip()]  # the common case: one cookie
    values: list[str] = []
    start = 0
    while len(values) < limit:
        end = header.find(";", start)
        part = header[start:] if end < 0 else header[start:end]
        key, sep, value = part.partition("=")
        if sep and key.strip() == name:
            value = value.strip()
            if len(value) > 1 and value[0] == value[-1] == '"':
                value = value[1:-1]
            values.append(value)
        if end < 0:
            break
        start = end + 1
    return values


class ResponseHeaders:
    """A header list with the parts of :class:`webob.Response` that a
    session interface uses (``headerlist``,
    ``vary``, ``set_cookie``, ``delete_cookie``), without building a whole
    response object on every request.

    :param headerlist: The ``(name, value)`` pairs, changed in place.

    .. versionadded:: 0.1
    """

    __slots__ = ("headerlist",)

    def __init__(self, headerlist: list[tuple[str, str]]) -> None:
        self.headerlist = headerlist

    def fork(self) -> ResponseHeaders:
        """A copy to write a trial into; this one is left unchanged.

        .. versionadded:: 0.3
        """
        trial = copy.copy(self)
        trial.headerlist = list(self.headerlist)
        return trial

    @property
    def vary(self) -> tuple[str, ...] | None:
        """The ``Vary`` values, from every ``Vary`` header; setting it
        leaves exactly one ``Vary`` header."""
        values = [
            item.strip()
            for name, value in self.headerlist
            if name.lower() == "vary"
            for item in value.split(",")
            if item.strip()
        ]
        return tuple(values) or None

    @vary.setter
    def vary(self, value: Iterable[str] | None) -> None:
        headers = self.headerlist
        if any(name.lower() == "vary" for name, _ in headers):
            headers[:] = [h for h in headers if h[0].lower() != "vary"]
        if value:
            self.headerlist.append(("Vary", ", ".join(value)))

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
        """Add a ``Set-Cookie`` header, as :meth:`webob.Response.set_cookie`
        does: with *max_age* and no *expires*, ``Expires`` is now plus
        *max_age* (the epoch for ``max_age=0``, which deletes the cookie);
        *expires* is a datetime or a Unix timestamp.

        :raises ValueError: If the name, value, path or domain holds a
            control character or ``;``, which would break the header or add
            attributes to it.
        """
        if has_unsafe(f"{name}{value}{path or ''}{domain or ''}"):
            raise ValueError(
                f"Cookie {name!r}: a control character or ';' cannot be"
                " sent in a Set-Cookie header; encode the value first."
            )
        if expires is None and max_age is not None:
            expires = time.time() + max_age if max_age > 0 else 0
        header = format_set_cookie(
            name,
            value,
            max_age=max_age,
            expires=expires,
            path=path,
            domain=domain,
            secure=secure,
            httponly=httponly,
            samesite=samesite,
            partitioned=partitioned,
        )
        self.headerlist.append(("Set-Cookie", header))

    def delete_cookie(
        self,
        name: str,
        path: str = "/",
        domain: str | None = None,
        secure: bool = False,
        httponly: bool = False,
        samesite: str | None = None,
        partitioned: bool = False,
    ) -> None:
        """Add a ``Set-Cookie`` header that makes the browser drop *name*."""
        self.set_cookie(
            name,
            "",
            max_age=0,
            path=path,
            domain=domain,
            secure=secure,
            httponly=httponly,
            samesite=samesite,
            partitioned=partitioned,
        )
