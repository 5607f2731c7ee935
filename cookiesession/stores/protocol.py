"""What a store backend does: execute a save plan and answer a few reads.
Every rule of server-side sessions lives in
:class:`~cookiesession.stores.base.StoreSessionInterface` instead."""

from __future__ import annotations

import typing as t
from collections.abc import Mapping

from .plan import SavePlan

__all__ = ["Store"]


class Store(t.Protocol):
    """What a backend does; every other rule is the interface's. Each method
    may raise its client's exceptions: the interface turns them into
    :exc:`~cookiesession.SessionStoreError`.

    .. versionadded:: 0.3
    """

    def load(self, key: str) -> Mapping[t.Any, t.Any]:
        """The fields stored under *key*; empty if there are none."""

    def save(self, plan: SavePlan) -> int:
        """Execute *plan*: 1 when saved; 0 when the session was gone
        (revoked or expired) and 2 when it was regenerated or ended
        meanwhile, in both cases with nothing of this save left behind."""

    def retire(self, key: str, grace_ms: int) -> bool:
        """Replace a live session by a tombstone for *grace_ms* (delete it
        when 0); whether it was live."""

    def delete(self, key: str) -> bool:
        """Delete *key*; whether it existed."""

    def index(self, index: str) -> Mapping[t.Any, t.Any]:
        """A user's index: session keys to their JSON entries."""

    def alive(self, keys: list[str]) -> list[bool]:
        """Whether each of *keys* still exists."""

    def unindex(self, index: str, keys: list[str]) -> None:
        """Remove *keys* from *index*."""

    def delete_all(self, index: str, keys: list[str], keep: bool = False) -> int:
        """Delete *keys* and *index* (with *keep*, only their entries in
        it); how many of *keys* were live sessions."""
