"""The exceptions of cookiesession: one tree under
:exc:`CookieSessionError`, each carrying its context as attributes, so code
that handles one never reads its message."""

from __future__ import annotations

import typing as t

if t.TYPE_CHECKING:
    from .config import Source

__all__ = [
    "CookieSessionError",
    "InvalidSetting",
    "InvalidSettingType",
    "InvalidSettingValue",
    "SessionStoreError",
]


class CookieSessionError(Exception):
    """The root of every exception cookiesession raises on purpose.

    .. versionadded:: 0.3
    """


class InvalidSetting(CookieSessionError):
    """A session setting that cannot be used. Raised as
    :exc:`InvalidSettingValue` (a :exc:`ValueError`) or
    :exc:`InvalidSettingType` (a :exc:`TypeError`).

    :param key: The setting, as the sessions know it (``SECRET_KEY``).
    :param shown: The value as it may be shown: masked if secret.
    :param source: Where the value came from, as
        :meth:`Config.source_of <cookiesession.Config.source_of>` words it,
        or ``None`` when the config is a plain mapping.
    :param expected: What is accepted, as a sentence.
    :param hint: More advice, or ``""``.
    :param origin: Where the value came from, as a
        :class:`~cookiesession.config.Source` (``None`` for a plain mapping).

    .. versionadded:: 0.2
    .. versionchanged:: 0.3
        A :exc:`CookieSessionError`; *origin*.
    """

    def __init__(
        self,
        key: str,
        shown: str,
        source: str | None,
        expected: str,
        hint: str = "",
        origin: Source | None = None,
    ) -> None:
        #: The setting's key.
        self.key = key
        #: The given value's repr, masked if secret.
        self.shown = shown
        #: Where the value came from, or ``None``.
        self.source = source
        #: What is accepted.
        self.expected = expected
        #: More advice, or ``""``.
        self.hint = hint
        #: Where the value came from, as fields, or ``None``.
        self.origin = origin
        where = f" (from {source})" if source else ""
        super().__init__(
            f"Invalid setting {key!r}: {key} = {shown}{where}. {expected}{hint}"
        )


class InvalidSettingValue(InvalidSetting, ValueError):
    """A value of an accepted type that is not acceptable (``"soon"`` for a
    duration).

    .. versionadded:: 0.2
    """


class InvalidSettingType(InvalidSetting, TypeError):
    """A value of a type never accepted (a list for a number).

    .. versionadded:: 0.2
    """


class SessionStoreError(CookieSessionError):
    """The session store (Redis, a database) failed or could not be
    reached. The client's own exception is the ``__cause__``. Raised instead
    of giving an empty session, which would log the user out and then
    overwrite their data.

    .. versionadded:: 0.2
    .. versionchanged:: 0.3
        A :exc:`CookieSessionError`.
    """
