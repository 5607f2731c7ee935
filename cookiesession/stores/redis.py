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

__all__ = ["Batch", "Command", "RedisSteps", "RedisStore", "Steps"]

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


#: One command: the script it runs (``EVALSHA``) or ``None``, and its
#: arguments after the script's sha (or the whole command).
Command = tuple[t.Any, tuple[t.Any, ...]]
#: What one round trip sends: one plain command, or a pipeline.
Batch = list[Command]
#: A store operation, sans I/O: it yields batches, receives their replies
#: (in order; a failed command raises in the driver) and returns its result.
Steps = t.Generator[Batch, list[t.Any], t.Any]


def _script(script: t.Any, keys: list[str], args: list[t.Any]) -> Command:
    return (script, (len(keys), *keys, *args))


def _plain(*args: t.Any) -> Command:
    return (None, args)


class RedisSteps:
    """What each store operation sends to Redis, without sending it: the
    one description that :class:`RedisStore` (redis-py's sync client) and
    :class:`~cookiesession.stores.redis_asyncio.AsyncRedisStore`
    (``redis.asyncio``) both execute, so the two write identical keys,
    fields and scripts.

    :param client: Any object with ``register_script()`` (and, on a
        cluster, ``keyslot()``).

    .. versionadded:: 0.3
    """

    def __init__(self, client: t.Any) -> None:
        self._save, self._retire, self._regenerate, self._index = (
            client.register_script(script)
            for script in (_SAVE, _RETIRE, _REGENERATE, _INDEX)
        )
        # A cluster client knows each key's slot; any other client is one
        # server, where every key shares the "slot".
        self._slot: t.Callable[[str], int] = getattr(client, "keyslot", lambda key: 0)

    def load(self, key: str) -> Steps:
        return (yield [_plain("HGETALL", key)])[0]

    def save(self, plan: SavePlan) -> Steps:
        """Execute *plan*: 1 if saved, 0 if the session was gone, 2 if it
        was regenerated or ended meanwhile; in both of the latter nothing
        this save added is left behind."""
        batch: Batch = []
        if plan.index is not None:
            # The index first: on a cluster it may live in another slot.
            entry = [plan.key, plan.index_entry, plan.ttl_ms]
            batch.append(_script(self._index, [plan.index], entry))
        if plan.taken is not None:
            taken, taken_ttl = plan.taken
            batch.append(_script(self._index, [taken], ["m:sid", plan.sid, taken_ttl]))
        pairs = [item for pair in plan.set_fields.items() for item in pair]
        together = plan.replaces is not None and (
            self._slot(plan.key) == self._slot(plan.replaces)
        )
        if together:
            args = [plan.ttl_ms, plan.grace_ms, len(plan.set_fields), *pairs]
            keys = [plan.key, t.cast(str, plan.replaces)]
            batch.append(_script(self._regenerate, keys, args))
        else:
            mode = "create" if plan.create else "update"
            args = [mode, plan.ttl_ms, len(plan.set_fields), *pairs]
            batch.append(_script(self._save, [plan.key], [*args, *plan.delete_fields]))
        saved = (yield batch)[-1]
        if saved == 1 and plan.replaces is not None and not together:
            # Across slots: the old session is retired only once the new
            # one is written, so a failed write leaves the old one live.
            retire = _script(self._retire, [plan.replaces], [plan.grace_ms])
            saved = (yield [retire])[0]
            if saved != 1:
                yield [_plain("DEL", plan.key)]
        if saved != 1 and plan.index is not None:
            yield [_plain("HDEL", plan.index, plan.key)]
        return int(saved)

    def retire(self, key: str, grace_ms: int) -> Steps:
        return (yield [_script(self._retire, [key], [grace_ms])])[0] == 1

    def delete(self, key: str) -> Steps:
        return bool((yield [_plain("DEL", key)])[0])

    def index(self, index: str) -> Steps:
        return (yield [_plain("HGETALL", index)])[0]

    def alive(self, keys: list[str]) -> Steps:
        # A tombstone is not alive.
        replies = yield [_plain("HEXISTS", key, META_CREATED) for key in keys]
        return [bool(live) for live in replies]

    def unindex(self, index: str, keys: list[str]) -> Steps:
        yield [_plain("HDEL", index, *keys)]

    def delete_all(self, index: str, keys: list[str], keep: bool = False) -> Steps:
        batch: Batch = []
        for key in keys:
            batch += [_plain("HEXISTS", key, META_CREATED), _plain("DEL", key)]
        batch.append(_plain("HDEL", index, *keys) if keep else _plain("DEL", index))
        replies = yield batch
        return sum(1 for live in replies[:-1:2] if live)


class RedisStore:
    """A :class:`~cookiesession.stores.protocol.Store` on a Redis client:
    executes :class:`RedisSteps`.

    Scripts go out as ``EVALSHA`` alone; on ``NOSCRIPT`` (a server
    restarted, failed over or flushed) the scripts are loaded and the
    round trip sent once more, which is safe because every step is
    idempotent.

    :param client: Any object with redis-py's command API, ``pipeline()``
        and ``register_script()``.

    .. versionadded:: 0.3
    """

    def __init__(self, client: t.Any) -> None:
        #: The Redis client.
        self.client = client
        self._steps = RedisSteps(client)

    def _run(self, steps: Steps) -> t.Any:
        try:
            batch = next(steps)
            while True:
                batch = steps.send(self._send(batch))
        except StopIteration as done:
            return done.value

    def _send(self, batch: Batch) -> list[t.Any]:
        """One round trip: a plain command alone, else a pipeline."""
        for attempt in (1, 2):
            if len(batch) == 1:
                try:
                    return [self.client.execute_command(*command_of(batch[0]))]
                except Exception as e:
                    if attempt == 2 or not is_noscript(e):
                        raise
                    missing = {batch[0][0]}
            else:
                pipe = self.client.pipeline(transaction=False)
                for command in batch:
                    pipe.execute_command(*command_of(command))
                replies = pipe.execute(raise_on_error=False)
                missing = missing_scripts(batch, replies)
                if not missing or attempt == 2:
                    return raise_errors(replies)
            for script in missing:
                script.sha = self.client.script_load(script.script)
        raise AssertionError("unreachable")  # pragma: no cover

    def load(self, key: str) -> Mapping[t.Any, t.Any]:
        return t.cast("Mapping[t.Any, t.Any]", self._run(self._steps.load(key)))

    def save(self, plan: SavePlan) -> int:
        return t.cast(int, self._run(self._steps.save(plan)))

    def retire(self, key: str, grace_ms: int) -> bool:
        return t.cast(bool, self._run(self._steps.retire(key, grace_ms)))

    def delete(self, key: str) -> bool:
        return t.cast(bool, self._run(self._steps.delete(key)))

    def index(self, index: str) -> Mapping[t.Any, t.Any]:
        return t.cast("Mapping[t.Any, t.Any]", self._run(self._steps.index(index)))

    def alive(self, keys: list[str]) -> list[bool]:
        return t.cast("list[bool]", self._run(self._steps.alive(keys)))

    def unindex(self, index: str, keys: list[str]) -> None:
        self._run(self._steps.unindex(index, keys))

    def delete_all(self, index: str, keys: list[str], keep: bool = False) -> int:
        return t.cast(int, self._run(self._steps.delete_all(index, keys, keep)))


def command_of(command: Command) -> tuple[t.Any, ...]:
    """The arguments of ``execute_command`` for *command*."""
    script, args = command
    return args if script is None else ("EVALSHA", script.sha, *args)


def missing_scripts(batch: Batch, replies: list[t.Any]) -> set[t.Any]:
    """The scripts of *batch* that the server did not know."""
    return {
        command[0]
        for command, reply in zip(batch, replies, strict=True)
        if is_noscript(reply)
    }


def raise_errors(replies: list[t.Any]) -> list[t.Any]:
    """*replies*, unless one of them is an error: then that is raised."""
    for reply in replies:
        if isinstance(reply, Exception):
            raise reply
    return list(replies)


def is_noscript(result: t.Any) -> bool:
    """Whether *result* is redis-py's or valkey-py's ``NoScriptError``."""
    return type(result).__name__ == "NoScriptError"
