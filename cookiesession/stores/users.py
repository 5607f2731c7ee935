"""A user's sessions: listed (a "Your devices" page), ended one by one
("sign out that device") or all at once, through the per-user index a
store interface keeps when it has a ``user_key``."""

from __future__ import annotations

import json
import typing as t
from collections.abc import Callable

from ..exceptions import SessionStoreError
from ..sessions import Session
from .plan import handle_of, text, user_index_of
from .protocol import Store
from .session import ServerSession

__all__ = ["UserSessions"]


class UserSessions:
    """The user-level operations of a store interface.

    .. versionadded:: 0.3
    """

    store: Store
    key_prefix: str
    _call: Callable[[str, Callable[[], t.Any]], t.Any]

    def revoke(self, session: Session) -> None:
        """End *session* now: its id stops loading on every device."""
        key = t.cast(ServerSession, session).key
        if key is not None:
            self._call("delete a session", lambda: self.store.delete(key))

    def _entries(self, user_id: t.Any) -> tuple[str, dict[str, dict[str, t.Any]]]:
        index = user_index_of(self.key_prefix, user_id)
        raw = self._call("list sessions", lambda: self.store.index(index))
        try:
            entries = {text(k): json.loads(text(v)) for k, v in raw.items()}
            for entry in entries.values():
                int(entry["created"]), int(entry["used"])
        except (ValueError, TypeError, KeyError) as e:
            raise SessionStoreError(
                "The session store holds a corrupt index entry for this user"
                f" ({type(e).__name__}); revoke_user() removes it."
            ) from e
        return index, entries

    def list_sessions(
        self, user_id: t.Any, *, current: Session | None = None
    ) -> list[dict[str, t.Any]]:
        """The live sessions of a user, oldest first, as dicts with
        ``created`` and ``last_used`` (seconds since the epoch), ``device``
        (the value under ``device_key`` when the session was saved, or
        ``None``), ``current`` (whether it is *current*, the session of
        the request asking) and ``handle`` (for :meth:`revoke_session`;
        neither the id nor the key). Needs ``user_key``. Index entries
        whose session is gone are removed.

        .. versionchanged:: 0.3
            ``device``, ``current`` and ``handle``.
        """
        index, entries = self._entries(user_id)
        if not entries:
            return []
        keys = list(entries)
        live = self._call("list sessions", lambda: self.store.alive(keys))
        alive = dict(zip(keys, live, strict=True))
        gone = [key for key, is_live in alive.items() if not is_live]
        if gone:
            self._call("list sessions", lambda: self.store.unindex(index, gone))
        mine = getattr(current, "key", None)
        sessions = [
            {
                "created": int(meta["created"]),
                "last_used": int(meta["used"]),
                "device": meta.get("device"),
                "current": key == mine,
                "handle": handle_of(key),
            }
            for key, meta in entries.items()
            if alive[key]
        ]
        return sorted(sessions, key=lambda s: s["created"])

    def revoke_session(self, user_id: t.Any, handle: str) -> bool:
        """End the session of *user_id* named by *handle* (from
        :meth:`list_sessions`): "sign out that device". A handle of another
        user's session does nothing. Returns whether a live session ended.

        .. versionadded:: 0.3
        """
        index, entries = self._entries(user_id)
        keys = [key for key in entries if handle_of(key) == handle]
        if not keys:
            return False
        revoke = lambda: self.store.delete_all(index, keys, keep=True)  # noqa: E731
        return bool(self._call("revoke", revoke))

    def revoke_user(self, user_id: t.Any) -> int:
        """End every session of a user (needs ``user_key``); returns how
        many were live."""
        index = user_index_of(self.key_prefix, user_id)
        raw = self._call("revoke", lambda: self.store.index(index))
        keys = [text(k) for k in raw]
        return t.cast(
            int, self._call("revoke", lambda: self.store.delete_all(index, keys))
        )
