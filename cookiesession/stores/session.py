"""The session of a store interface: its id, what was loaded, and the
rules that make logins fixation-safe."""

from __future__ import annotations

import typing as t
from collections.abc import Mapping

from ..sessions import Session
from .plan import handle_of

__all__ = ["ServerSession"]


class ServerSession(Session):
    """A session kept in a store. :meth:`regenerate` and :meth:`clear`
    both end the stored session: the next save gets a new id, and the old
    one stops loading at once.

    .. versionadded:: 0.3
    """

    __slots__ = ("created", "key", "regenerated", "sid", "stored", "taken")

    def __init__(
        self, initial: Mapping[str, t.Any] | None = None, *, new: bool = False
    ) -> None:
        super().__init__(initial, new=new)
        #: The session id (what the cookie carries), or ``None`` before the
        #: first save.
        self.sid: str | None = None
        #: Its store key, or ``None`` before the first save.
        self.key: str | None = None
        #: The fields as loaded, encoded: what a save compares against.
        self.stored: dict[str, str] = {}
        #: When the session was created, in seconds since the epoch.
        self.created: int | None = None
        #: Whether the next save gives the session a new id.
        self.regenerated = False
        #: The record key of the signed cookie this session takes over.
        self.taken: str | None = None

    @property
    def handle(self) -> str | None:
        """The public, non-secret name of the stored session (as in
        ``list_sessions``); ``None`` before the first save."""
        return None if self.key is None else handle_of(self.key)

    @property
    def id(self) -> str | None:
        """Beaker's name for :attr:`handle`."""
        return self.handle

    def regenerate(self) -> None:
        """Give this session a new id on this response, for the same data;
        the old id stops loading at once. Call it at login, so an id seen
        before (session fixation) is worth nothing after. The CSRF token
        rotates, ``"_auth"`` is removed and the absolute timeout counts
        from now, as on every session."""
        super().regenerate()
        self._restart()

    def clear(self) -> None:
        """Empty the session and end the stored one: with anything written
        afterwards (a login), the next save stores a new session under a
        new id; left empty (a logout), its cookie is deleted."""
        super().clear()
        self._restart()

    def _restart(self) -> None:
        if self.sid is not None:
            self.regenerated = True
        self.created = None
