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

import hashlib
import json
import logging
import secrets
import time
import typing as t
from collections.abc import Mapping

from ._extras import requires

with requires("cookiesession.redis", "redis-py", "redis"):
    import redis as _redis_py

from .sessions import (
    MAX_COOKIE_VALUES,
    AppLike,
    Rejected,
    SecureCookieSessionInterface,
    Session,
    SessionInterface,
    SessionStoreError,
    Verified,
    unstorable_error,
)
from .sessions.interface import open_from_cookie_header
from .sessions.lifetimes import CREATED, EventHook, Validator, old_enough, seconds
from .sessions.signed import check_session, session_json_serializer
from .wire.cookies import find_cookie_values
from .wire.signed import b64decode, peek_timestamp

if t.TYPE_CHECKING:
    pass

__all__ = ["RedisSession", "RedisSessionInterface"]

logger = logging.getLogger("cookiesession")

# Field names in the Redis hash: data keys and metadata never collide.
_DATA = "d:"
_META_CREATED = "m:created"
_META_USED = "m:used"

# Write the changed fields, delete the removed ones and set the TTL, only if
# the session still exists (``update``) or in any case (``create``): one
# round trip, atomic, so a revoked session is never written back.
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


class RedisSession(Session):
    """A session kept in Redis. :meth:`regenerate` it at login.

    .. versionadded:: 0.2
    """

    __slots__ = ("created", "regenerated", "sid", "stored")

    def __init__(
        self, initial: Mapping[str, t.Any] | None = None, *, new: bool = False
    ) -> None:
        super().__init__(initial, new=new)
        #: The session id (what the cookie carries), or ``None`` before the
        #: first save.
        self.sid: str | None = None
        #: The fields as loaded, encoded: what a save compares against.
        self.stored: dict[str, str] = {}
        #: When the session was created, in seconds since the epoch.
        self.created: int | None = None
        #: Whether :meth:`regenerate` was called.
        self.regenerated = False

    def regenerate(self) -> None:
        """Give this session a new id on this response, for the same data;
        the old id stops loading at once. Call it at login, so an id seen
        before (session fixation) is worth nothing after."""
        self.regenerated = True
        self.accessed = self.modified = True


class _IdSigner(SecureCookieSessionInterface):
    # The salt of the id cookie: an id cookie is never a session cookie.
    salt = "cookiesession.redis-id"


class RedisSessionInterface(SessionInterface):
    """Stores sessions in Redis; the cookie carries a signed, opaque id.

    :param client: A redis-py client, or any object with its command API
        and ``pipeline()``. Give it a short timeout and retry policy (see
        :doc:`/redis`): a request waits as long as the client does.
    :param key_prefix: Prepended to the SHA-256 of the id to make the key.
    :param user_key: The session key that holds the user's id (for
        example ``"user_id"``). When set, a per-user index is kept, for
        :meth:`revoke_user` and :meth:`list_sessions`.
    :param event_hook: As for
        :class:`~cookiesession.SecureCookieSessionInterface`; stored
        sessions that are gone report ``invalid`` with ``reason: unknown``.
    :param validator: As for
        :class:`~cookiesession.SecureCookieSessionInterface`.
    :param accept_signed: Take over a valid signed cookie (Flask's format,
        :class:`~cookiesession.SecureCookieSessionInterface`): its data is
        stored and a store cookie replaces it on that response.

    .. versionadded:: 0.2
    """

    session_class: type[Session] = RedisSession
    server_side = True
    needs_secret_key = True
    open_session = open_from_cookie_header
    #: Turns each stored value into text and back.
    serializer: t.Any = session_json_serializer

    def __init__(
        self,
        client: t.Any,
        *,
        key_prefix: str = "session:",
        user_key: str | None = None,
        event_hook: EventHook | None = None,
        validator: Validator | None = None,
        accept_signed: bool = False,
    ) -> None:
        #: Decides whether a loaded session may still be used.
        self.validator = validator
        self.event_hook = event_hook
        #: The Redis client.
        self.client = client
        #: Prepended to every key.
        self.key_prefix = key_prefix
        #: The session key holding the user's id, or ``None``.
        self.user_key = user_key
        #: Whether signed cookies are taken over.
        self.accept_signed = accept_signed
        self._signed = SecureCookieSessionInterface(
            validator=validator, event_hook=event_hook
        )
        self._ids = _IdSigner()

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

    # -- Keys and encoding --------------------------------------------------

    def key_of(self, sid: str) -> str:
        """The Redis key of a session id: never the id itself, so a copy of
        the store or its keys cannot be replayed as cookies."""
        return self.key_prefix + hashlib.sha256(sid.encode()).hexdigest()

    def _user_index(self, user_id: t.Any) -> str:
        digest = hashlib.sha256(str(user_id).encode()).hexdigest()
        return f"{self.key_prefix}user:{digest}"

    def _dump_value(self, key: str, value: t.Any) -> str:
        try:
            return t.cast(str, self.serializer.dumps(value))
        except (TypeError, ValueError, RecursionError) as e:
            raise unstorable_error(self.serializer, {key: value}) from e

    def _call(self, what: str, operation: t.Callable[[], t.Any]) -> t.Any:
        try:
            return operation()
        except SessionStoreError:
            raise
        except Exception as e:
            logger.warning("The session store failed to %s: %r", what, e)
            raise SessionStoreError(
                f"The session store failed to {what}: {type(e).__name__}: {e}"
            ) from e

    def _ttl_ms(self, app: AppLike, created: int, now: int) -> int:
        durations = seconds(app.config)
        limits = [t.cast(float, durations["PERMANENT_SESSION_LIFETIME"])]
        idle = durations["SESSION_IDLE_TIMEOUT"]
        if idle is not None:
            limits.append(idle)
        absolute = durations["SESSION_ABSOLUTE_TIMEOUT"]
        if absolute is not None:
            limits.append(created + absolute - now)
        return max(1000, int(min(limits) * 1000))

    # -- The cookie ---------------------------------------------------------

    def _cookie(self, app: AppLike, sid: str, permanent: bool) -> str:
        return self._ids.sign(app, [sid, permanent])

    def _verify_id(
        self, app: AppLike, value: str
    ) -> tuple[str, int, int | None] | Rejected:
        """``(sid, issued, fallback index)`` of a valid id cookie."""
        unsigned = self._ids.unsign(app, value)
        if isinstance(unsigned, Rejected):
            return unsigned
        payload, issued, fallback = unsigned
        if not (isinstance(payload, list) and len(payload) == 2):
            return Rejected("invalid", "payload")
        sid = payload[0]
        if not isinstance(sid, str) or len(sid) < 43:
            return Rejected("invalid", "payload")
        return sid, issued, fallback

    def needs_refresh_for(self, app: AppLike, cookie_header: str) -> bool:
        """Only for an id cookie that says the session is permanent (the
        flag travels signed in the cookie, so no Redis call decides it)."""
        config = app.config
        if not cookie_header or not config["SESSION_REFRESH_EACH_REQUEST"]:
            return False
        for value in find_cookie_values(
            cookie_header, self.get_cookie_name(app), MAX_COOKIE_VALUES
        ):
            try:
                raw = b64decode(value.partition(".")[0].encode("ascii"))
            except (ValueError, UnicodeEncodeError):
                continue
            if raw.endswith(b",true]"):
                return old_enough(config, peek_timestamp(value))
        return False

    # -- Loading ------------------------------------------------------------

    def _load(self, app: AppLike, sid: str, issued: int) -> _Loaded | Rejected:
        key = self.key_of(sid)
        fields = self._call("load a session", lambda: self.client.hgetall(key))
        if not fields:
            return Rejected("invalid", "unknown")
        try:
            decoded = {_text(k): _text(v) for k, v in fields.items()}
            data = {
                k[len(_DATA) :]: self.serializer.loads(v)
                for k, v in decoded.items()
                if k.startswith(_DATA)
            }
            created = int(decoded[_META_CREATED])
        except Exception:
            # Not written by this library (pickle bytes, say): never
            # unpickled, never overwritten unless the application writes.
            return Rejected("invalid", "payload")
        rejected = check_session(self.validator, app, data, issued, created)
        return _Loaded(data, decoded, created) if rejected is None else rejected

    def verify(self, app: AppLike, value: str) -> Verified | Rejected:
        """Check one id cookie and load the session it names: one Redis call,
        and only for a value whose signature verifies (after which no other
        value is tried). With *accept_signed*, a valid signed cookie is
        taken over. A store that fails raises
        :exc:`~cookiesession.SessionStoreError`."""
        checked = self._verify_id(app, value)
        if isinstance(checked, Rejected):
            if checked.reason == "signature" and self.accept_signed:
                signed = self._signed.verify(app, value)
                if isinstance(signed, Verified):
                    return signed._replace(fallback=None, migrated=True)
            return checked
        sid, issued, fallback = checked
        loaded = self._load(app, sid, issued)
        if isinstance(loaded, Rejected):
            return loaded._replace(final=True)
        return Verified(loaded.data, issued, fallback, state=(sid, loaded))

    def make_session(self, app: AppLike, verified: Verified) -> Session:
        """A :class:`RedisSession` of what was loaded, or of a signed cookie
        being taken over (stored, and its cookie replaced, on save)."""
        session = t.cast(RedisSession, super().make_session(app, verified))
        if verified.state is None:
            created = verified.data.get(CREATED)
            session.created = created if type(created) is int else None
            session.issued = None
        else:
            session.sid, loaded = verified.state
            session.stored, session.created = loaded.stored, loaded.created
        return session

    def deletes_stale_cookie(self, rejected: Rejected) -> bool:
        """A stale cookie (expired, revoked, gone from the store) is
        deleted unless the application writes a new session."""
        return rejected.event != "invalid" or rejected.reason == "unknown"

    # -- Saving -------------------------------------------------------------

    def should_set_cookie(self, app: AppLike, session: Session) -> bool:
        """As for cookies, and always after :meth:`RedisSession.regenerate`."""
        return (
            super().should_set_cookie(app, session)
            or t.cast(RedisSession, session).regenerated
        )

    def cookie_value(self, app: AppLike, session: Session) -> str:
        """Write what changed, in one round trip, and return the id cookie;
        ``""`` (delete the cookie) when the session was revoked, expired or
        regenerated while this request ran: it stays gone."""
        redis_session = t.cast(RedisSession, session)
        if not self._write(app, redis_session):
            self.report("revoked")
            return ""
        permanent = bool(session.data.get("_permanent"))
        return self._cookie(app, t.cast(str, redis_session.sid), permanent)

    def discard(self, app: AppLike, session: Session) -> None:
        """Delete an emptied session's key."""
        if t.cast(RedisSession, session).sid is not None:
            self._delete(t.cast(RedisSession, session))

    def _write(self, app: AppLike, session: RedisSession) -> bool:
        now = int(time.time())
        fields = {
            _DATA + key: self._dump_value(key, value)
            for key, value in session.data.items()
        }
        created = session.created or now
        ttl = self._ttl_ms(app, created, now)
        old_sid = session.sid
        fresh = old_sid is None or session.regenerated
        if fresh:
            changed = {**fields, _META_CREATED: str(created), _META_USED: str(now)}
            removed: list[str] = []
            sid = secrets.token_urlsafe(32)
        else:
            changed = {k: v for k, v in fields.items() if session.stored.get(k) != v}
            changed[_META_USED] = str(now)
            removed = [
                k for k in session.stored if k.startswith(_DATA) and k not in fields
            ]
            sid = t.cast(str, old_sid)
        key = self.key_of(sid)
        args: list[t.Any] = ["create" if fresh else "update", ttl, len(changed)]
        for field, value in changed.items():
            args += [field, value]
        args += removed

        def run() -> list[t.Any]:
            pipe = self.client.pipeline(transaction=False)
            user = session.data.get(self.user_key) if self.user_key else None
            if user is not None:
                # The index first: on a cluster it may live in another slot,
                # so a failure leaves at most a dangling entry, never a
                # session the index misses.
                index = self._user_index(user)
                meta = json.dumps({"created": created, "used": now})
                pipe.hset(index, key, meta)
                pipe.pexpire(index, ttl)
            pipe.eval(_SAVE, 1, key, *args)
            if fresh and old_sid is not None:
                pipe.eval(_DELETE, 1, self.key_of(old_sid))
            return t.cast("list[t.Any]", pipe.execute())

        results = self._call("save a session", run)
        replaced_old = fresh and old_sid is not None
        saved = results[-2] if replaced_old else results[-1]
        if not saved or (replaced_old and not results[-1]):
            # Revoked, expired or regenerated meanwhile: undo what this save
            # added (a second round trip, only in this race).
            self._undo(key if replaced_old else None, session)
            return False
        session.sid, session.created, session.regenerated = sid, created, False
        session.stored = {**session.stored, **changed}
        for field in removed:
            session.stored.pop(field, None)
        return True

    def _undo(self, new_key: str | None, session: RedisSession) -> None:
        user = session.data.get(self.user_key) if self.user_key else None

        def run() -> None:
            pipe = self.client.pipeline(transaction=False)
            if new_key is not None:
                pipe.delete(new_key)
            if user is not None:
                old = self.key_of(t.cast(str, session.sid))
                pipe.hdel(self._user_index(user), *{old, new_key or old})
            pipe.execute()

        self._call("save a session", run)

    def _delete(self, session: RedisSession) -> None:
        sid = t.cast(str, session.sid)
        self._call("delete a session", lambda: self.client.delete(self.key_of(sid)))

    # -- Revocation ---------------------------------------------------------

    def revoke(self, session: Session) -> None:
        """End *session* now: its id stops loading on every device."""
        redis_session = t.cast(RedisSession, session)
        if redis_session.sid is not None:
            self._delete(redis_session)

    def list_sessions(self, user_id: t.Any) -> list[dict[str, int]]:
        """The live sessions of a user, as ``{"created": ..., "last_used":
        ...}`` (seconds since the epoch), oldest first; no ids. Needs
        ``user_key``. Index entries whose session is gone are removed."""
        index = self._user_index(user_id)
        raw = self._call("list sessions", lambda: self.client.hgetall(index))
        entries = {_text(k): json.loads(_text(v)) for k, v in raw.items()}
        if not entries:
            return []

        def exists() -> list[t.Any]:
            pipe = self.client.pipeline(transaction=False)
            for key in entries:
                pipe.exists(key)
            return t.cast("list[t.Any]", pipe.execute())

        alive = dict(zip(entries, self._call("list sessions", exists), strict=True))
        gone = [key for key, live in alive.items() if not live]
        if gone:
            self._call("list sessions", lambda: self.client.hdel(index, *gone))
        sessions = [
            {"created": meta["created"], "last_used": meta["used"]}
            for key, meta in entries.items()
            if alive[key]
        ]
        return sorted(sessions, key=lambda s: s["created"])

    def revoke_user(self, user_id: t.Any) -> int:
        """End every session of a user (needs ``user_key``); returns how
        many were live."""
        index = self._user_index(user_id)
        raw = self._call("revoke", lambda: self.client.hkeys(index))
        keys = [_text(k) for k in raw]

        def run() -> list[t.Any]:
            pipe = self.client.pipeline(transaction=False)
            for key in keys:
                pipe.delete(key)
            pipe.delete(index)
            return t.cast("list[t.Any]", pipe.execute())

        results = self._call("revoke", run)
        return sum(1 for deleted in results[:-1] if deleted)

    # -- For tests and tools ------------------------------------------------

    def encode_session(self, app: AppLike, data: Mapping[str, t.Any]) -> str:
        """Store *data* as a new session and return its cookie value."""
        session = t.cast(RedisSession, self.session_class(data))
        self._write(app, session)
        return self._cookie(app, t.cast(str, session.sid), bool(data.get("_permanent")))

    def decode_session(self, app: AppLike, value: str) -> dict[str, t.Any]:
        """The stored data a cookie value names.

        :raises ValueError: If the cookie or the session is invalid, expired,
            revoked or gone.
        """
        checked = self._verify_id(app, value)
        if not isinstance(checked, Rejected):
            sid, issued, _ = checked
            loaded = self._load(app, sid, issued)
            if not isinstance(loaded, Rejected):
                return loaded.data
            checked = loaded
        reason = f" ({checked.reason})" if checked.reason else ""
        raise ValueError(f"The session cookie is {checked.event}{reason}.")


def _text(value: t.Any) -> str:
    return value.decode("utf-8") if isinstance(value, bytes) else str(value)


class _Loaded(t.NamedTuple):
    data: dict[str, t.Any]
    stored: dict[str, str]
    created: int
