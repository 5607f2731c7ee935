"""The cookie headers: formatting ``Set-Cookie``, finding a cookie in a raw
``Cookie`` header, and merging ``Vary``. No session logic lives here."""

from __future__ import annotations

import re
import typing as t
from datetime import datetime
from email.utils import formatdate

__all__ = [
    "ResponseLike",
    "add_vary_cookie",
    "find_cookie_values",
    "format_set_cookie",
    "has_unsafe",
]

_UNSAFE = re.compile(r"[\x00-\x1f\x7f;]")
_UNSAFE_BYTES = bytes(range(0x20)) + b"\x7f;"


class ResponseLike(t.Protocol):
    """What a session interface needs of a response: a
    :class:`webob.Response` or a
    :class:`~cookiesession.middleware.ResponseHeaders`."""

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
    if not any(name.lower() == "vary" for name, _ in headers):
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
