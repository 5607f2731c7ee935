"""Server-side sessions in Redis: past 4 KB, revocable, shared by every
worker and machine.

.. code-block:: python

    import redis
    from cookiesession import SessionMiddleware
    from cookiesession.redis import RedisSessionInterface

    client = redis.Redis.from_url("redis://localhost:6379/0", socket_timeout=1)
    application = SessionMiddleware(
        app, config, session_interface=RedisSessionInterface(client)
    )

Needs ``pip install 'cookiesession[redis]'`` (redis-py). The client is any
object with redis-py's command API (``redis.Redis``,
``redis.cluster.RedisCluster``, a Sentinel master, valkey-py's client).

The cookie holds only a signed, opaque id (32 random bytes); Redis holds the
session under ``key_prefix`` + the SHA-256 of the id, as a hash of one field
per top-level key, each value in Flask's tagged JSON (never pickle). A save
writes only the keys that changed, and only if the session still exists, in
one server-side script: concurrent requests do not lose each other's
updates, and a session revoked, expired or regenerated meanwhile is never
brought back.
"""

from __future__ import annotations

import typing as t
import warnings

from ._extras import requires

with requires("cookiesession.redis", "redis-py", "redis"):
    import redis as _redis_py

from .sessions.lifetimes import EventHook, Validator
from .stores.aio import AsyncStoreSessionInterface
from .stores.base import ServerSession, StoreSessionInterface
from .stores.redis import RedisStore
from .stores.redis_asyncio import AsyncRedisStore

__all__ = ["AsyncRedisSessionInterface", "RedisSession", "RedisSessionInterface"]


class RedisSession(ServerSession):
    """A session kept in Redis. :meth:`regenerate` it at login.

    .. versionadded:: 0.2
    """

    __slots__ = ()


class _OnRedis:
    """What both Redis interfaces share: the parameters (documented on
    :class:`RedisSessionInterface`) and the client."""

    #: Builds the store on the client: sync or async.
    _store_class: t.ClassVar[type[t.Any]]

    def __init__(
        self,
        client: t.Any,
        *,
        key_prefix: str = "session:",
        user_key: str | None = None,
        device_key: str | None = None,
        validator: Validator | None = None,
        event_hook: EventHook | None = None,
        accept_signed: bool = False,
        regenerate_grace: t.Any = 30,
        new_session_ttl: t.Any = 3600,
    ) -> None:
        super().__init__(  # type: ignore[call-arg]
            self._store_class(client),
            key_prefix=key_prefix,
            user_key=user_key,
            device_key=device_key,
            validator=validator,
            event_hook=event_hook,
            accept_signed=accept_signed,
            regenerate_grace=regenerate_grace,
            new_session_ttl=new_session_ttl,
        )
        #: The Redis client.
        self.client = client
        _warn_without_timeout(type(self), client)


class RedisSessionInterface(_OnRedis, StoreSessionInterface):
    """Stores sessions in Redis; the cookie carries a signed, opaque id.

    :param client: A redis-py client (``redis.Redis``,
        ``redis.cluster.RedisCluster``, a Sentinel master), valkey-py's, or
        any object with their command API, ``pipeline()`` and
        ``register_script()``. Give it a short timeout and retry policy
        (see :doc:`/redis`): a request waits as long as the client does. A
        client without a socket timeout warns.
    :param key_prefix: Prepended to the SHA-256 of the id to make the key.
        A hash tag (``"{sess}:"``) puts every key in one Cluster slot.
    :param user_key: The session key that holds the user's id (for
        example ``"user_id"``). When set, a per-user index is kept, for
        :meth:`list_sessions`, :meth:`revoke_session` and
        :meth:`revoke_user`, and a change of its value (a login) gives the
        session a new id.
    :param device_key: The session key whose value :meth:`list_sessions`
        shows as each session's ``device``.
    :param validator: As for
        :class:`~cookiesession.SecureCookieSessionInterface`.
    :param event_hook: As for
        :class:`~cookiesession.SecureCookieSessionInterface`; stored
        sessions that are gone report ``invalid`` with ``reason: unknown``.
    :param accept_signed: Take over a valid signed cookie (Flask's format,
        :class:`~cookiesession.SecureCookieSessionInterface`): checked as
        one, stored once, and a store cookie replaces it on that response.
    :param regenerate_grace: How long an id replaced at login stays a
        tombstone (a duration: seconds, a ``timedelta`` or ``"30s"``).
    :param new_session_ttl: How long a new session is kept until its
        cookie comes back (bots never send it back).

    .. versionadded:: 0.2
    .. versionchanged:: 0.3
        *device_key*, *regenerate_grace*, *new_session_ttl*; Redis Cluster;
        fixation-safe ``clear()``. The store's rules live in
        :class:`~cookiesession.stores.base.StoreSessionInterface`; keys,
        fields and cookies of 0.2 keep loading.
    """

    session_class: type[ServerSession] = RedisSession
    _store_class = RedisStore

    @classmethod
    def from_url(cls, url: str, **kwargs: t.Any) -> RedisSessionInterface:
        """An interface on ``redis.Redis.from_url(url)``, with a 2-second
        socket timeout and no retries unless the URL says otherwise.

        :param kwargs: For the interface (``key_prefix``, ...).
        """
        client = _redis_py.Redis.from_url(
            url, socket_timeout=2, socket_connect_timeout=2, retry_on_timeout=False
        )
        return cls(client, **kwargs)


class AsyncRedisSessionInterface(_OnRedis, AsyncStoreSessionInterface):
    """:class:`RedisSessionInterface` for ``cookiesession.asgi``, over
    ``redis.asyncio``: the same parameters, keys, fields, scripts and
    index, so a WSGI app and an ASGI app share one store and either can
    revoke the other's sessions. :meth:`revoke`, :meth:`list_sessions`,
    :meth:`revoke_session` and :meth:`revoke_user` are coroutines.

    :param client: A ``redis.asyncio`` client: ``redis.asyncio.Redis``,
        ``redis.asyncio.cluster.RedisCluster``, a Sentinel master, or
        valkey-py's asyncio client. The other parameters are those of
        :class:`RedisSessionInterface`.

    .. versionadded:: 0.3
    """

    session_class: type[ServerSession] = RedisSession
    _store_class = AsyncRedisStore

    @classmethod
    def from_url(cls, url: str, **kwargs: t.Any) -> AsyncRedisSessionInterface:
        """An interface on ``redis.asyncio.Redis.from_url(url)``, with a
        2-second socket timeout and no retries unless the URL says
        otherwise.

        :param kwargs: For the interface (``key_prefix``, ...).
        """
        import redis.asyncio

        client = redis.asyncio.Redis.from_url(
            url, socket_timeout=2, socket_connect_timeout=2, retry_on_timeout=False
        )
        return cls(client, **kwargs)


def _warn_without_timeout(cls: type, client: t.Any) -> None:
    if _socket_timeout(client) is None:
        warnings.warn(
            f"The Redis client given to {cls.__name__} has no socket_timeout:"
            " a stalled Redis would hang every request. Set socket_timeout"
            f" (and socket_connect_timeout), as {cls.__name__}.from_url() does.",
            UserWarning,
            stacklevel=3,
        )


def _socket_timeout(client: t.Any) -> float | bool | None:
    """The client's socket timeout; ``True`` when it cannot be told (an
    unknown client is trusted)."""
    nodes = getattr(client, "nodes_manager", None)  # a cluster client
    kwargs = getattr(nodes, "connection_kwargs", None)
    if kwargs is None:
        pool = getattr(client, "connection_pool", None)
        kwargs = getattr(pool, "connection_kwargs", None)
    if not isinstance(kwargs, dict):
        return True
    return t.cast("float | None", kwargs.get("socket_timeout"))
