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
        name: str = app.config["SESSION_COOKIE_NAME"]
        return name

    def get_cookie_domain(self, app: AppLike) -> str | None:
        """``SESSION_COOKIE_DOMAIN``; ``None`` makes a host-only cookie."""
        domain: str | None = app.config["SESSION_COOKIE_DOMAIN"]
        return domain

    def get_cookie_path(self, app: AppLike) -> str:
        """``SESSION_COOKIE_PATH``, or ``APPLICATION_ROOT`` when unset."""
        config = app.config
        path: str = config["SESSION_COOKIE_PATH"] or config["APPLICATION_ROOT"]
        return path

    def get_cookie_httponly(self, app: AppLike) -> bool:
        """``SESSION_COOKIE_HTTPONLY``."""
        httponly: bool = app.config["SESSION_COOKIE_HTTPONLY"]
        return httponly

    def get_cookie_secure(self, app: AppLike) -> bool:
        """``SESSION_COOKIE_SECURE``."""
        secure: bool = app.config["SESSION_COOKIE_SECURE"]
        return secure

    def get_cookie_samesite(self, app: AppLike) -> str | None:
        """``SESSION_COOKIE_SAMESITE``; ``None`` omits the attribute."""
        samesite: str | None = app.config["SESSION_COOKIE_SAMESITE"]
        return samesite

    def get_cookie_partitioned(self, app: AppLike) -> bool:
        """``SESSION_COOKIE_PARTITIONED``."""
        partitioned: bool = app.config["SESSION_COOKIE_PARTITIONED"]
        return partitioned

    def cookie_attributes(self, app: AppLike) -> dict[str, t.Any]:
        """The ``set_cookie``/``delete_cookie`` keyword arguments from the
        ``get_cookie_*`` methods.

        .. versionadded:: 0.2
        """
        plain = _PLAIN.get(type(self))
        if plain is None:
            plain = _plain_getters(type(self))
        if plain:
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
    """Whether *cls* overrides none of the cookie attribute getters,
    remembered per class."""
    plain = _PLAIN[cls] = all(
        getattr(cls, name) is getattr(CookieSettings, name) for name in _GETTERS
    )
    return plain


# One answer per interface class, for the life of the process.
_PLAIN: dict[type, bool] = {}
