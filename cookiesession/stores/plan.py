"""The server-side rules that need no server: keys, the stored layout, and
the save plan, computed without I/O so that a sync and an async backend
execute the same plan.

A stored session is a hash of fields: one ``d:<key>`` field per top-level
session key (its value in Flask's tagged JSON, never pickle) and the
metadata fields ``m:created`` and ``m:used`` (seconds since the epoch).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import typing as t
from collections.abc import Mapping

__all__ = [
    "DATA_PREFIX",
    "META_CREATED",
    "META_USED",
    "MIN_ID_LENGTH",
    "MIN_TTL_MS",
    "Loaded",
    "SavePlan",
    "decode_fields",
    "key_of",
    "plan_save",
    "text",
    "user_index_of",
]

#: The field-name prefix of a session key: data and metadata never collide.
DATA_PREFIX = "d:"
#: The field holding the creation time.
META_CREATED = "m:created"
#: The field holding the last write time.
META_USED = "m:used"
#: The length of ``secrets.token_urlsafe(32)``: an id cookie naming a
#: shorter id was not made here.
MIN_ID_LENGTH = 43
#: The shortest TTL a save sets: a session about to expire still gets one
#: second, so the save that refreshed it is not lost to rounding.
MIN_TTL_MS = 1000


def key_of(prefix: str, sid: str) -> str:
    """The store key of a session id: never the id itself, so a copy of the
    store or its keys cannot be replayed as cookies."""
    return prefix + hashlib.sha256(sid.encode()).hexdigest()


def user_index_of(prefix: str, user_id: t.Any) -> str:
    """The key of a user's index of sessions."""
    return f"{prefix}user:{hashlib.sha256(str(user_id).encode()).hexdigest()}"


class Loaded(t.NamedTuple):
    """A session as loaded from the store."""

    #: The session data, decoded.
    data: dict[str, t.Any]
    #: The fields as loaded, encoded: what a save compares against.
    fields: dict[str, str]
    #: When the session was created, in seconds since the epoch.
    created: int


@dataclasses.dataclass(frozen=True)
class SavePlan:
    """What one save does, for a backend to execute atomically per key.

    The session key is written only if it still exists (``create`` is
    false) or in any case (``create``), with ``set_fields`` set,
    ``delete_fields`` removed and the TTL set; the user's index entry first
    (on a cluster it may live in another slot, so a failure leaves at most
    a dangling entry, never a session the index misses); the replaced
    session's key last. If the write does not apply (revoked, expired or
    regenerated meanwhile), the backend undoes what it added.
    """

    #: The new or existing session id.
    sid: str
    #: Its store key.
    key: str
    #: Whether the key is created (a new or regenerated session).
    create: bool
    #: The TTL, in milliseconds.
    ttl_ms: int
    #: Fields to set.
    set_fields: Mapping[str, str]
    #: Fields to delete.
    delete_fields: tuple[str, ...]
    #: The user's index key, when the session has a user.
    index: str | None
    #: The index entry's value (JSON: created and used times).
    index_entry: str
    #: The store key of the session this one replaces (a regenerate).
    replaces: str | None
    #: The creation time the saved session has.
    created: int


def plan_save(
    *,
    prefix: str,
    sid: str | None,
    new_sid: str,
    fields: Mapping[str, str],
    stored: Mapping[str, str],
    created: int | None,
    regenerated: bool,
    user: t.Any,
    now: int,
    ttl_ms: int,
) -> SavePlan:
    """The plan that saves a session whose encoded *fields* are given:
    only what changed against *stored*, unless the session is new or
    regenerated (then everything, under *new_sid*)."""
    created = created or now
    fresh = sid is None or regenerated
    if fresh:
        changed = {**fields, META_CREATED: str(created), META_USED: str(now)}
        removed: tuple[str, ...] = ()
        target = new_sid
    else:
        changed = {k: v for k, v in fields.items() if stored.get(k) != v}
        changed[META_USED] = str(now)
        removed = tuple(
            k for k in stored if k.startswith(DATA_PREFIX) and k not in fields
        )
        target = t.cast(str, sid)
    return SavePlan(
        sid=target,
        key=key_of(prefix, target),
        create=fresh,
        ttl_ms=ttl_ms,
        set_fields=changed,
        delete_fields=removed,
        index=None if user is None else user_index_of(prefix, user),
        index_entry=json.dumps({"created": created, "used": now}),
        replaces=key_of(prefix, sid) if fresh and sid is not None else None,
        created=created,
    )


def decode_fields(
    fields: Mapping[t.Any, t.Any], loads: t.Callable[[str], t.Any]
) -> Loaded:
    """Decode a stored hash. Anything not written here (pickle bytes, say)
    raises; it is never unpickled.

    :raises Exception: If a field does not decode.
    """
    decoded = {text(k): text(v) for k, v in fields.items()}
    data = {
        k[len(DATA_PREFIX) :]: loads(v)
        for k, v in decoded.items()
        if k.startswith(DATA_PREFIX)
    }
    return Loaded(data, decoded, int(decoded[META_CREATED]))


def text(value: t.Any) -> str:
    """A value from the store as ``str`` (clients may return bytes)."""
    return value.decode("utf-8") if isinstance(value, bytes) else str(value)
