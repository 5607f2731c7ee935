"""What the open loop deals in: the app an interface serves, and the two
outcomes of checking one cookie value."""

from __future__ import annotations

import typing as t
from collections.abc import Callable, Mapping

__all__ = ["MAX_COOKIE_VALUES", "AppLike", "Rejected", "Verified"]

#: At most this many values of the session cookie are tried per request, so
#: the HMACs a request can cost (and the key guesses it can test) are bounded.
MAX_COOKIE_VALUES = 3


class AppLike(t.Protocol):
    """What a session interface needs of an application (the middleware or
    an integration): its validated settings.

    .. versionadded:: 0.2
    """

    @property
    def config(self) -> Mapping[str, t.Any]: ...


class Verified(t.NamedTuple):
    """A cookie that passed every check.

    .. versionadded:: 0.2
    """

    #: The session data.
    data: dict[str, t.Any]
    #: When it was issued, in seconds since the epoch.
    issued: int
    #: The index in ``SECRET_KEY_FALLBACKS`` of the key that verified it, or
    #: ``None`` for ``SECRET_KEY``.
    fallback: int | None
    #: Whether it came in another format (``accept_signed``) and is taken
    #: over. Either this or a fallback key re-issues it.
    migrated: bool = False
    #: What a server-side interface keeps of the stored session (its id and
    #: fields as loaded); ``None`` for a cookie.
    state: t.Any = None


class Rejected(t.NamedTuple):
    """A cookie that failed a check: the event to report and its reason.

    .. versionadded:: 0.2
    """

    #: ``"invalid"``, ``"expired"`` or ``"revoked"``.
    event: str
    #: The ``reason`` detail, or ``None``.
    reason: str | None
    #: Whether no further cookie value is tried: a store was asked already,
    #: and one request asks it once.
    final: bool = False
    #: Why the request's (empty) session must not be saved, or ``None``:
    #: its validator raised, or its id was just replaced by a regenerate.
    unsaved: str | None = None


class UntouchedCheck(t.NamedTuple):
    """How a driver judges a request that never used its session: first
    ``known(hash(cookie_header))``, an answer remembered (``None`` when
    there is none), else ``judge(cookie_header)``. Both answer whether the
    session must still be opened and saved (a refresh).

    .. versionadded:: 0.3
    """

    known: Callable[[int], bool | None]
    judge: Callable[[str], bool]


#: ``known`` for an interface that remembers nothing: always ``None``.
_NOTHING: dict[int, bool] = {}
_KNOWS_NOTHING: Callable[[int], bool | None] = _NOTHING.get
