"""The Redis backend of the store: executes save plans with redis-py's
command API (``redis.Redis``, ``redis.cluster.RedisCluster``, a Sentinel
master, valkey-py's client).

Writes go through server-side scripts registered with the client
(``register_script``): pipelines send ``EVALSHA`` alone, and a server that
does not know a script (``NOSCRIPT``: restarted, failed over, flushed) gets
it loaded and the pipeline sent again; every step is idempotent. No
command names two keys unless the keys share a hash slot, so a Redis
Cluster runs every plan; a regenerate across slots takes a second round
trip, after the new session is written.
"""

from __future__ import annotations

import typing as t
from collections.abc import Mapping

from .plan import META_CREATED, SavePlan

__all__ = ["RedisStore"]

# A script, the keys it names (one slot) and its other arguments.
_Step = tuple[t.Any, list[t.Any], list[t.Any]]

# Write the changed fields, delete the removed ones and set the TTL, only if
# the session still exists (``update``) or in any case (``create``).
#   KEYS[1]: the session; ARGV: mode, TTL in ms, number of fields to set,
#   then field, value pairs, then the fields to delete.
#   Returns 1 (saved), 0 (gone: revoked or expired), 2 (a tombstone).
_SAVE = """
local key = KEYS[1]
if ARGV[1] == 'update' and redis.call('HEXISTS', key, 'm:created') == 0 then
  if redis.call('EXISTS', key) == 0 then return 0 end
  return 2
end
local n = tonumber(ARGV[3])
if n > 0 then redis.call('HSET', key, unpack(ARGV, 4, 3 + 2 * n)) end
if #ARGV > 3 + 2 * n then
  redis.call('HDEL', key, unpack(ARGV, 4 + 2 * n, #ARGV))
end
redis.call('PEXPIRE', key, ARGV[2])
return 1
"""
# Replace a live session by a tombstone for ARGV[1] ms (0: delete it).
#   Returns 1 (retired), 0 (gone), 2 (a tombstone already).
# The checks and the tombstone both scripts below share: a live session
# (not gone: 0, not a tombstone: 2) at ``old``, replaced by a tombstone
# for ``grace`` ms (deleted when 0).
_LIVE = """
if redis.call('EXISTS', old) == 0 then return 0 end
if redis.call('HEXISTS', old, 'm:tomb') == 1 then return 2 end
"""
_TOMBSTONE = """
redis.call('DEL', old)
if tonumber(grace) > 0 then
  redis.call('HSET', old, 'm:tomb', '1')
  redis.call('PEXPIRE', old, grace)
end
return 1
"""
_RETIRE = "local old, grace = KEYS[1], ARGV[1]" + _LIVE + _TOMBSTONE
# A regenerate in one slot, atomically: the new session (KEYS[1]) is
# written only if the old one (KEYS[2]) is live, and the old one retired
# only once the new one is written (its first write fails first when the
# server is out of memory). ARGV: TTL, grace, n, then field, value pairs.
_REGENERATE = (
    "local old, grace = KEYS[2], ARGV[2]"
    + _LIVE
    + """
local n = tonumber(ARGV[3])
redis.call('HSET', KEYS[1], unpack(ARGV, 4, 3 + 2 * n))
redis.call('PEXPIRE', KEYS[1], ARGV[1])
"""
    + _TOMBSTONE
)
# A user's index entry, and a TTL that only grows.
#   KEYS[1]: the index; ARGV: the session key, the entry, the TTL in ms.
_INDEX = """
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
if redis.call('PTTL', KEYS[1]) < tonumber(ARGV[3]) then
  redis.call('PEXPIRE', KEYS[1], ARGV[3])
end
return 1
"""


class RedisStore:
    """A :class:`~cookiesession.stores.protocol.Store` on a Redis client.

    :param client: Any object with redis-py's command API, ``pipeline()``
        and ``register_script()``.

    .. versionadded:: 0.3
    """

    def __init__(self, client: t.Any) -> None:
        #: The Redis client.
        self.client = client
        self._save, self._retire, self._regenerate, self._index = (
            client.register_script(script)
            for script in (_SAVE, _RETIRE, _REGENERATE, _INDEX)
        )
        # A cluster client knows each key's slot; any other client is one
        # server, where every key shares the "slot".
        self._slot: t.Callable[[str], int] = getattr(client, "keyslot", lambda key: 0)

    def load(self, key: str) -> Mapping[t.Any, t.Any]:
        return t.cast("Mapping[t.Any, t.Any]", self.client.hgetall(key))

    def save(self, plan: SavePlan) -> int:
        """Execute *plan*: 1 if saved, 0 if the session was gone, 2 if it
        was regenerated or ended meanwhile; in both of the latter nothing
        this save added is left behind."""
        steps: list[_Step] = []
        if plan.index is not None:
            # The index first: on a cluster it may live in another slot.
            entry = [plan.key, plan.index_entry, plan.ttl_ms]
            steps.append((self._index, [plan.index], entry))
        if plan.taken is not None:
            taken, taken_ttl = plan.taken
            steps.append((self._index, [taken], ["m:sid", plan.sid, taken_ttl]))
        pairs = [item for pair in plan.set_fields.items() for item in pair]
        together = plan.replaces is not None and (
            self._slot(plan.key) == self._slot(plan.replaces)
        )
        if together:
            args = [plan.ttl_ms, plan.grace_ms, len(plan.set_fields), *pairs]
            steps.append((self._regenerate, [plan.key, plan.replaces], args))
        else:
            mode = "create" if plan.create else "update"
            args = [mode, plan.ttl_ms, len(plan.set_fields), *pairs]
            steps.append((self._save, [plan.key], [*args, *plan.delete_fields]))
        saved = self._run(steps)[-1]
        if saved == 1 and plan.replaces is not None and not together:
            # Across slots: the old session is retired only once the new
            # one is written, so a failed write leaves the old one live.
            retire: _Step = (self._retire, [plan.replaces], [plan.grace_ms])
            saved = self._run([retire])[0]
            if saved != 1:
                self.client.delete(plan.key)
        if saved != 1 and plan.index is not None:
            self.client.hdel(plan.index, plan.key)
        return int(saved)

    def _run(self, steps: list[_Step]) -> list[t.Any]:
        """Run scripts (each with its keys, in one slot, and arguments) in
        one pipeline (a single one as a plain command): ``EVALSHA`` alone,
        and on ``NOSCRIPT`` the scripts are loaded and the pipeline sent
        once more."""
        if len(steps) == 1:
            script, keys, args = steps[0]
            try:
                command = self.client.execute_command
                return [command("EVALSHA", script.sha, len(keys), *keys, *args)]
            except Exception as e:
                if not _is_noscript(e):
                    raise
                script.sha = self.client.script_load(script.script)
                return [command("EVALSHA", script.sha, len(keys), *keys, *args)]
        for attempt in (1, 2):
            pipe = self.client.pipeline(transaction=False)
            for script, keys, args in steps:
                pipe.execute_command("EVALSHA", script.sha, len(keys), *keys, *args)
            results = pipe.execute(raise_on_error=False)
            missing = {
                script
                for (script, _, _), result in zip(steps, results, strict=True)
                if _is_noscript(result)
            }
            if not missing or attempt == 2:
                break
            for script in missing:
                script.sha = self.client.script_load(script.script)
        for result in results:
            if isinstance(result, Exception):
                raise result
        return list(results)

    def retire(self, key: str, grace_ms: int) -> bool:
        return bool(self._run([(self._retire, [key], [grace_ms])])[0] == 1)

    def delete(self, key: str) -> bool:
        return bool(self.client.delete(key))

    def index(self, index: str) -> Mapping[t.Any, t.Any]:
        return t.cast("Mapping[t.Any, t.Any]", self.client.hgetall(index))

    def alive(self, keys: list[str]) -> list[bool]:
        pipe = self.client.pipeline(transaction=False)
        for key in keys:
            pipe.hexists(key, META_CREATED)  # a tombstone is not alive
        return [bool(live) for live in pipe.execute()]

    def unindex(self, index: str, keys: list[str]) -> None:
        self.client.hdel(index, *keys)

    def delete_all(self, index: str, keys: list[str], keep: bool = False) -> int:
        pipe = self.client.pipeline(transaction=False)
        for key in keys:
            pipe.hexists(key, META_CREATED)  # live, not a tombstone
            pipe.delete(key)
        if keep:
            pipe.hdel(index, *keys)
        else:
            pipe.delete(index)
        return sum(1 for live in pipe.execute()[:-1:2] if live)


def _is_noscript(result: t.Any) -> bool:
    # redis-py's and valkey-py's NoScriptError alike.
    return type(result).__name__ == "NoScriptError"
