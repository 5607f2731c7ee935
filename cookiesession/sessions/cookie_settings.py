"""Flask's cookie getters: one overridable method per cookie setting, and
the ``set_cookie`` arguments they make together."""

from __future__ import annotations

import typing as t

from ..settings import cookie_attributes_of

if t.TYPE_CHECKING:
    from .outcomes import AppLike

__all__ = ["CookieSettings"]


class CookieSettings:
    """The ``get_cookie_*`` methods of a session interface (Flask's names),
    each reading one setting from ``app.config``; override one to change
    one attribute.

    .. versionadded:: 0.3
    """

    def get_cookie_name(self, app: AppLike) -> str:
        """``SESSION_COOKIE_NAME``."""
        return t.cast(str, app.config["SESSION_COOKIE_NAME"])

    def get_cookie_domain(self, app: AppLike) -> str | None:
        """``SESSION_COOKIE_DOMAIN``; ``None`` makes a host-only cookie."""
        return t.cast("str | None", app.config["SESSION_COOKIE_DOMAIN"])

    def get_cookie_path(self, app: AppLike) -> str:
        """``SESSION_COOKIE_PATH``, or ``APPLICATION_ROOT`` when unset."""
        config = app.config
        return t.cast(str, config["SESSION_COOKIE_PATH"] or config["APPLICATION_ROOT"])

    def get_cookie_httponly(self, app: AppLike) -> bool:
        """``SESSION_COOKIE_HTTPONLY``."""
        return t.cast(bool, app.config["SESSION_COOKIE_HTTPONLY"])

    def get_cookie_secure(self, app: AppLike) -> bool:
        """``SESSION_COOKIE_SECURE``."""
        return t.cast(bool, app.config["SESSION_COOKIE_SECURE"])

    def get_cookie_samesite(self, app: AppLike) -> str | None:
        """``SESSION_COOKIE_SAMESITE``; ``None`` omits the attribute."""
        return t.cast("str | None", app.config["SESSION_COOKIE_SAMESITE"])

    def get_cookie_partitioned(self, app: AppLike) -> bool:
        """``SESSION_COOKIE_PARTITIONED``."""
        return t.cast(bool, app.config["SESSION_COOKIE_PARTITIONED"])

    def cookie_attributes(self, app: AppLike) -> dict[str, t.Any]:
        """The ``set_cookie``/``delete_cookie`` keyword arguments from the
        ``get_cookie_*`` methods.

        .. versionadded:: 0.2
        """
        if _plain_getters(type(self)):
            # No getter overridden: what validation derived from the settings
            # (a copy, since callers add to it), or derived now.
            config = app.config
            derived = getattr(config, "cookie_attributes", None)
            return cookie_attributes_of(config) if derived is None else derived.copy()
        return {
            "path": self.get_cookie_path(app),
            "domain": self.get_cookie_domain(app),
            "secure": self.get_cookie_secure(app),
            "httponly": self.get_cookie_httponly(app),
            "samesite": self.get_cookie_samesite(app),
            "partitioned": self.get_cookie_partitioned(app),
        }


_GETTERS = (
    "get_cookie_path",
    "get_cookie_domain",
    "get_cookie_secure",
    "get_cookie_httponly",
    "get_cookie_samesite",
    "get_cookie_partitioned",
)


def _plain_getters(cls: type) -> bool:
    """Whether *cls* overrides none of the cookie attribute getters."""
    return _PLAIN.get(cls) or _PLAIN.setdefault(
        cls,
        all(getattr(cls, name) is getattr(CookieSettings, name) for name in _GETTERS),
    )


# One answer per interface class, for the life of the process.
_PLAIN: dict[type, bool] = {}
