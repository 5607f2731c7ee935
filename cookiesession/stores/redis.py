"""The Redis backend of the store: executes save plans with redis-py's
command API (``redis.Redis``, a Sentinel master, valkey-py's client), one
round trip per save."""

from __future__ import annotations

import typing as t
from collections.abc import Mapping

from .plan import SavePlan

__all__ = ["RedisStore"]

# Write the changed fields, delete the removed ones and set the TTL, only if
# the session still exists (``update``) or in any case (``create``): atomic,
# so a revoked session is never written back.
#   KEYS[1]: the session; ARGV: mode, TTL in ms, number of fields to set,
#   then field, value pairs, then the fields to delete.
_SAVE = """
if ARGV[1] == 'update' and redis.call('EXISTS', KEYS[1]) == 0 then
  return 0
end
local n = tonumber(ARGV[3])
if n > 0 then
  redis.call('HSET', KEYS[1], unpack(ARGV, 4, 3 + 2 * n))
end
if #ARGV > 3 + 2 * n then
  redis.call('HDEL', KEYS[1], unpack(ARGV, 4 + 2 * n, #ARGV))
end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1
"""
# Delete a key and say whether it existed.
_DELETE = "return redis.call('DEL', KEYS[1])"


class RedisStore:
    """A :class:`~cookiesession.stores.protocol.Store` on a Redis client.

    :param client: Any object with redis-py's command API and
        ``pipeline()``.

    .. versionadded:: 0.3
    """

    def __init__(self, client: t.Any) -> None:
        #: The Redis client.
        self.client = client

    def load(self, key: str) -> Mapping[t.Any, t.Any]:
        return t.cast("Mapping[t.Any, t.Any]", self.client.hgetall(key))

    def save(self, plan: SavePlan) -> bool:
        args: list[t.Any] = [
            "create" if plan.create else "update",
            plan.ttl_ms,
            len(plan.set_fields),
        ]
        for field, value in plan.set_fields.items():
            args += [field, value]
        args += plan.delete_fields
        pipe = self.client.pipeline(transaction=False)
        if plan.index is not None:
            # The index first: on a cluster it may live in another slot.
            pipe.hset(plan.index, plan.key, plan.index_entry)
            pipe.pexpire(plan.index, plan.ttl_ms)
        pipe.eval(_SAVE, 1, plan.key, *args)
        if plan.replaces is not None:
            pipe.eval(_DELETE, 1, plan.replaces)
        results = pipe.execute()
        saved = results[-2] if plan.replaces is not None else results[-1]
        if saved and (plan.replaces is None or results[-1]):
            return True
        # Revoked, expired or regenerated meanwhile: undo what this save
        # added (a second round trip, only in this race).
        pipe = self.client.pipeline(transaction=False)
        if plan.replaces is not None:
            pipe.delete(plan.key)
        if plan.index is not None:
            pipe.hdel(plan.index, *{plan.replaces or plan.key, plan.key})
        pipe.execute()
        return False

    def delete(self, key: str) -> bool:
        return bool(self.client.delete(key))

    def index(self, index: str) -> Mapping[t.Any, t.Any]:
        return t.cast("Mapping[t.Any, t.Any]", self.client.hgetall(index))

    def alive(self, keys: list[str]) -> list[bool]:
        pipe = self.client.pipeline(transaction=False)
        for key in keys:
            pipe.exists(key)
        return [bool(live) for live in pipe.execute()]

    def unindex(self, index: str, keys: list[str]) -> None:
        self.client.hdel(index, *keys)

    def delete_all(self, index: str, keys: list[str]) -> int:
        pipe = self.client.pipeline(transaction=False)
        for key in keys:
            pipe.delete(key)
        pipe.delete(index)
        return sum(1 for deleted in pipe.execute()[:-1] if deleted)
