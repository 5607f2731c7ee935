"""The server-side rules that need no server: keys, the stored layout, and
the save plan, computed without I/O so that a sync and an async backend
execute the same plan.

A stored session is a hash of fields: one ``d:<key>`` field per top-level
session key (its value in Flask's tagged JSON, never pickle) and the
metadata fields ``m:created`` and ``m:used`` (seconds since the epoch), and
``m:probation`` while its cookie has not come back. A regenerated or
emptied session's key is a tombstone for a short grace: only ``m:tomb``.
A user's index is a hash of session keys to JSON entries (``created``,
``used``, ``device``).
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
    "META_PROBATION",
    "META_TOMB",
    "META_USED",
    "MIN_ID_LENGTH",
    "MIN_TTL_MS",
    "Loaded",
    "SavePlan",
    "Tombstone",
    "decode_fields",
    "handle_of",
    "key_of",
    "plan_save",
    "taken_key_of",
    "text",
    "user_index_of",
]

#: The field-name prefix of a session key: data and metadata never collide.
DATA_PREFIX = "d:"
#: The field holding the creation time.
META_CREATED = "m:created"
#: The field holding the last write time.
META_USED = "m:used"
#: The field of a session on probation: stored, but its cookie not yet back.
META_PROBATION = "m:probation"
#: The only field of a tombstone.
META_TOMB = "m:tomb"
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


def taken_key_of(prefix: str, value: str) -> str:
    """The key recording which stored session a signed cookie became, so
    one signed cookie is taken over once."""
    return f"{prefix}taken:{hashlib.sha256(value.encode()).hexdigest()}"


def handle_of(key: str) -> str:
    """The public name of a stored session: neither its id nor its key,
    and not reversible to either."""
    return hashlib.sha256(b"cookiesession handle " + key.encode()).hexdigest()[:32]


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
    #: How long a replaced session's tombstone lasts, in milliseconds.
    grace_ms: int = 0
    #: The key recording a taken-over signed cookie, and its TTL in ms.
    taken: tuple[str, int] | None = None


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
    probation_ms: int | None = None,
    grace_ms: int = 0,
    device: t.Any = None,
    taken: tuple[str, int] | None = None,
) -> SavePlan:
    """The plan that saves a session whose encoded *fields* are given:
    only what changed against *stored*, unless the session is new or
    regenerated (then everything, under *new_sid*, on probation for
    *probation_ms* when given)."""
    created = created or now
    fresh = sid is None or regenerated
    if fresh:
        changed = {**fields, META_CREATED: str(created), META_USED: str(now)}
        removed: tuple[str, ...] = ()
        target = new_sid
        if probation_ms is not None and probation_ms < ttl_ms:
            changed[META_PROBATION] = "1"
            ttl_ms = probation_ms
    else:
        changed = {k: v for k, v in fields.items() if stored.get(k) != v}
        changed[META_USED] = str(now)
        removed = tuple(
            k
            for k in stored
            if (k.startswith(DATA_PREFIX) and k not in fields) or k == META_PROBATION
        )
        target = t.cast(str, sid)
    entry: dict[str, t.Any] = {"created": created, "used": now}
    if device is not None:
        entry["device"] = device
    return SavePlan(
        sid=target,
        key=key_of(prefix, target),
        create=fresh,
        ttl_ms=ttl_ms,
        set_fields=changed,
        delete_fields=removed,
        index=None if user is None else user_index_of(prefix, user),
        index_entry=json.dumps(entry),
        replaces=key_of(prefix, sid) if fresh and sid is not None else None,
        created=created,
        grace_ms=grace_ms,
        taken=taken,
    )


def decode_fields(
    fields: Mapping[t.Any, t.Any], loads: t.Callable[[str], t.Any]
) -> Loaded:
    """Decode a stored hash. Anything not written here (pickle bytes, say)
    raises; it is never unpickled.

    :raises Exception: If a field does not decode.
    """
    decoded = {text(k): text(v) for k, v in fields.items()}
    if META_TOMB in decoded:
        raise Tombstone
    data = {
        k[len(DATA_PREFIX) :]: loads(v)
        for k, v in decoded.items()
        if k.startswith(DATA_PREFIX)
    }
    return Loaded(data, decoded, int(decoded[META_CREATED]))


class Tombstone(Exception):
    """The key holds a tombstone: its session was regenerated or ended
    moments ago."""


def text(value: t.Any) -> str:
    """A value from the store as ``str`` (clients may return bytes)."""
    return value.decode("utf-8") if isinstance(value, bytes) else str(value)
