"""The settings the sessions read and their defaults, and the read-only
mapping validation returns."""

from __future__ import annotations

import typing as t
from collections.abc import Mapping
from datetime import timedelta
from types import MappingProxyType

from ..config import mask_value

__all__ = [
    "DEFAULT_CONFIG",
    "TIMEOUTS",
    "ReadOnlyConfig",
    "cookie_attributes_of",
    "durations_in_seconds",
]

#: The session settings and their defaults, as Flask has them.
DEFAULT_CONFIG: Mapping[str, t.Any] = MappingProxyType(
    {
        "SECRET_KEY": None,
        "SECRET_KEY_FALLBACKS": None,
        "APPLICATION_ROOT": "/",
        "SESSION_COOKIE_NAME": "session",
        "SESSION_COOKIE_DOMAIN": None,
        "SESSION_COOKIE_PATH": None,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SECURE": False,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_PARTITIONED": False,
        "PERMANENT_SESSION_LIFETIME": timedelta(days=31),
        "SESSION_REFRESH_EACH_REQUEST": True,
        "MAX_COOKIE_SIZE": 4093,
        "SESSION_IDLE_TIMEOUT": None,
        "SESSION_ABSOLUTE_TIMEOUT": None,
        "SESSION_REFRESH_AFTER": None,
        "SESSION_CLOCK_LEEWAY": timedelta(seconds=60),
        "SESSION_PERMANENT": False,
    }
)


#: The durations of 0.2 that are off (``None``) by default.
TIMEOUTS = (
    "SESSION_IDLE_TIMEOUT",
    "SESSION_ABSOLUTE_TIMEOUT",
    "SESSION_REFRESH_AFTER",
)


def durations_in_seconds(config: Mapping[str, t.Any]) -> dict[str, float | None]:
    """The durations of validated settings in seconds (``None`` when off)."""
    return {
        key: None if config.get(key) is None else config[key].total_seconds()
        for key in ("PERMANENT_SESSION_LIFETIME", "SESSION_CLOCK_LEEWAY", *TIMEOUTS)
    }


def cookie_attributes_of(config: Mapping[str, t.Any]) -> dict[str, t.Any]:
    """The ``set_cookie`` keyword arguments that validated settings give the
    session cookie."""
    return {
        "path": config["SESSION_COOKIE_PATH"] or config["APPLICATION_ROOT"],
        "domain": config["SESSION_COOKIE_DOMAIN"],
        "secure": config["SESSION_COOKIE_SECURE"],
        "httponly": config["SESSION_COOKIE_HTTPONLY"],
        "samesite": config["SESSION_COOKIE_SAMESITE"],
        "partitioned": config["SESSION_COOKIE_PARTITIONED"],
    }


class ReadOnlyConfig(dict[str, t.Any]):
    """The validated settings: a dict that refuses changes, and whose
    ``repr`` masks secrets. Build the middleware again (or call its
    ``reconfigure()``) to change them.

    .. versionadded:: 0.2
    """

    def __init__(self, values: Mapping[str, t.Any]) -> None:
        super().__init__(values)
        # Derived once here because every request reads them.
        #: The durations in seconds (``None`` when off).
        self.seconds: Mapping[str, float | None] = MappingProxyType(
            durations_in_seconds(self)
        )
        #: The ``set_cookie`` keyword arguments of the session cookie.
        self.cookie_attributes: MappingProxyType[str, t.Any] = MappingProxyType(
            cookie_attributes_of(self)
        )

    def __repr__(self) -> str:
        items = ", ".join(f"{k!r}: {mask_value(k, v)}" for k, v in self.items())
        return f"<{type(self).__name__} {{{items}}}>"

    def _refuse(self, *args: t.Any, **kwargs: t.Any) -> t.NoReturn:
        raise TypeError(
            "The session settings are validated once and cannot be changed in"
            " place; build the middleware again or call its reconfigure()."
        )

    __setitem__ = __delitem__ = clear = pop = popitem = _refuse
    setdefault = update = __ior__ = _refuse
