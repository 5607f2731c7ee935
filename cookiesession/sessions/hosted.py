"""What the drivers for Flask-shaped hosts share (Flask and Quart): the
settings followed in the app's own ``config``, the session class with the
host's session mixin, and the response as the core sees it, replayed with
the host's own ``set_cookie`` so the header shapes are the host's.

Nothing here imports a framework: the host's objects are used by their
werkzeug-style methods alone.
"""

from __future__ import annotations

import time
import typing as t
from collections.abc import Collection, Mapping
from datetime import datetime

from ..settings import DEFAULT_CONFIG, ReadOnlyConfig, validate_config
from ..wire.cookies import ResponseHeaders
from .session import Session

__all__ = ["HostSettings", "Recorder", "with_mixin"]

_MIXED: dict[tuple[type, type], type] = {}


class _Settings:
    """What a cookiesession interface needs of the app: its settings."""

    __slots__ = ("config",)

    def __init__(self, config: ReadOnlyConfig) -> None:
        self.config = config


class HostSettings:
    """The validated session settings of a host app's ``config``,
    validated again when one of them changes (Flask's tests set
    ``secret_key`` late).

    :param ignored: ``SESSION_`` keys of other extensions, never taken for
        a near miss of ours.

    .. versionadded:: 0.3
    """

    def __init__(self, ignored: Collection[str] = ()) -> None:
        self._ignored = ignored
        self._seen: tuple[tuple[t.Any, ...], _Settings] | None = None
        self._keys: tuple[str, ...] = tuple(DEFAULT_CONFIG)

    def of(self, config: Mapping[str, t.Any]) -> _Settings:
        """An app-like object with the validated settings of *config*."""
        fingerprint = tuple(map(config.get, self._keys))
        seen = self._seen
        if seen is not None and seen[0] == fingerprint:
            return seen[1]
        mine = {key: config[key] for key in self._keys if key in config}
        for key in config:
            ignored = key in self._ignored
            if key.startswith("SESSION_") and key not in mine and not ignored:
                mine[key] = config[key]  # a near miss warns
        if mine.get("SECRET_KEY_FALLBACKS") is None:
            mine.pop("SECRET_KEY_FALLBACKS", None)  # Flask's default: none
        settings = _Settings(validate_config(mine))
        self._keys = tuple(dict.fromkeys([*DEFAULT_CONFIG, *mine]))
        self._seen = (tuple(map(config.get, self._keys)), settings)
        return settings


class Recorder(ResponseHeaders):
    """The response as the core sees it (its headers copied), recording
    the cookies it sets, so that :meth:`replay` writes them with the host's
    own ``set_cookie``: its header shapes (Flask's ``Expires`` without
    ``Max-Age``).

    .. versionadded:: 0.3
    """

    def __init__(self, response: t.Any) -> None:
        super().__init__(response.headers.to_wsgi_list())
        # (name, value, attributes); a deletion (ResponseHeaders makes it
        # through set_cookie) is an empty value with max_age 0.
        self.cookies: list[tuple[str, str, dict[str, t.Any]]] = []

    def fork(self) -> Recorder:
        trial = t.cast(Recorder, super().fork())
        trial.cookies = list(self.cookies)
        return trial

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

    def replay(self, response: t.Any) -> None:
        """Write what was recorded into the host's *response*."""
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


def with_mixin(cls: type[Session], mixin: type, prefix: str) -> type[Session]:
    """*cls* with the host's session *mixin* (made once per pair).

    .. versionadded:: 0.3
    """
    mixed = _MIXED.get((cls, mixin))
    if mixed is None:
        mixed = _MIXED[cls, mixin] = type(
            f"{prefix}{cls.__name__}", (cls, mixin), {"__slots__": ()}
        )
    return mixed
