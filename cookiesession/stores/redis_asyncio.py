"""The Redis backend over ``redis.asyncio``: executes the same
:class:`~cookiesession.stores.redis.RedisSteps` as the sync store, so an
ASGI app and a WSGI app share one store (the same keys, fields, scripts
and index) and either can revoke the other's sessions."""

from __future__ import annotations

import typing as t
from collections.abc import Mapping

from .plan import SavePlan
from .redis import (
    Batch,
    RedisSteps,
    Steps,
    command_of,
    is_noscript,
    missing_scripts,
    raise_errors,
)

__all__ = ["AsyncRedisStore"]


class AsyncRedisStore:
    """The async twin of :class:`~cookiesession.stores.redis.RedisStore`:
    each method is a coroutine with the same result.

    :param client: A ``redis.asyncio`` client (plain, a Sentinel master or
        ``redis.asyncio.cluster.RedisCluster``), valkey-py's asyncio client,
        or any object with their command API.

    .. versionadded:: 0.3
    """

    def __init__(self, client: t.Any) -> None:
        #: The Redis client.
        self.client = client
        self._steps = RedisSteps(client)

    async def _run(self, steps: Steps) -> t.Any:
        try:
            batch = next(steps)
            while True:
                batch = steps.send(await self._send(batch))
        except StopIteration as done:
            return done.value

    async def _send(self, batch: Batch) -> list[t.Any]:
        for attempt in (1, 2):
            if len(batch) == 1:
                try:
                    return [await self.client.execute_command(*command_of(batch[0]))]
                except Exception as e:
                    if attempt == 2 or not is_noscript(e):
                        raise
                    missing = {batch[0][0]}
            else:
                pipe = self.client.pipeline(transaction=False)
                for command in batch:
                    pipe.execute_command(*command_of(command))
                replies = await pipe.execute(raise_on_error=False)
                missing = missing_scripts(batch, replies)
                if not missing or attempt == 2:
                    return raise_errors(replies)
            for script in missing:
                script.sha = await self.client.script_load(script.script)
        raise AssertionError("unreachable")  # pragma: no cover

    async def load(self, key: str) -> Mapping[t.Any, t.Any]:
        return t.cast("Mapping[t.Any, t.Any]", await self._run(self._steps.load(key)))

    async def save(self, plan: SavePlan) -> int:
        return t.cast(int, await self._run(self._steps.save(plan)))

    async def retire(self, key: str, grace_ms: int) -> bool:
        return t.cast(bool, await self._run(self._steps.retire(key, grace_ms)))

    async def delete(self, key: str) -> bool:
        return t.cast(bool, await self._run(self._steps.delete(key)))

    async def index(self, index: str) -> Mapping[t.Any, t.Any]:
        steps = self._steps.index(index)
        return t.cast("Mapping[t.Any, t.Any]", await self._run(steps))

    async def alive(self, keys: list[str]) -> list[bool]:
        return t.cast("list[bool]", await self._run(self._steps.alive(keys)))

    async def unindex(self, index: str, keys: list[str]) -> None:
        await self._run(self._steps.unindex(index, keys))

    async def delete_all(self, index: str, keys: list[str], keep: bool = False) -> int:
        return t.cast(int, await self._run(self._steps.delete_all(index, keys, keep)))
