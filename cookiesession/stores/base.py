"""Server-side sessions, the rules once: the cookie holds a signed, opaque
id; the store holds the session under the SHA-256 of that id; a save writes
only what changed, never over a session that ended meanwhile; a signed
cookie can be taken over; a user's sessions can be listed and revoked.

The rules live in :class:`StoreSessionInterface`; a backend is a small
:class:`~cookiesession.stores.protocol.Store` that executes a
:class:`~cookiesession.stores.plan.SavePlan`
and answers a few reads.
"""

from __future__ import annotations

import json
import logging
import secrets
import time
import typing as t
from collections.abc import Callable, Mapping

from ..exceptions import SessionStoreError
from ..sessions import (
    MAX_COOKIE_VALUES,
    AppLike,
    Rejected,
    SecureCookieSessionInterface,
    Session,
    SessionInterface,
    Verified,
    unstorable_error,
)
from ..sessions.interface import open_from_cookie_header
from ..sessions.lifetimes import (
    CREATED,
    EventHook,
    Validator,
    old_enough,
    refreshes_untouched,
    seconds,
)
from ..sessions.signed import check_session, session_json_serializer
from ..wire.cookies import find_cookie_values
from ..wire.signed import b64decode, peek_timestamp
from .plan import (
    DATA_PREFIX,
    MIN_ID_LENGTH,
    MIN_TTL_MS,
    Loaded,
    decode_fields,
    key_of,
    plan_save,
    text,
    user_index_of,
)
from .protocol import Store

__all__ = ["ServerSession", "StoreSessionInterface"]

logger = logging.getLogger("cookiesession")

# How the (unverified) payload of an id cookie, the compact JSON of
# ``[sid, permanent]``, ends when the session is permanent.
_SAYS_PERMANENT = b",true]"


class ServerSession(Session):
    """A session kept in a store. :meth:`regenerate` it at login.

    .. versionadded:: 0.3
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
        before (session fixation) is worth nothing after. The CSRF token
        rotates and ``"_auth"`` is removed, as on every session."""
        super().regenerate()
        self.regenerated = True


class _IdSigner(SecureCookieSessionInterface):
    # The salt of the id cookie: an id cookie is never a session cookie.
    # The 0.2 Redis interface's salt, kept for every store, so the ids it
    # issued keep loading.
    salt = "cookiesession.redis-id"


class StoreSessionInterface(SessionInterface):
    """A :class:`~cookiesession.SessionInterface` whose sessions live in a
    :class:`~cookiesession.stores.protocol.Store`; the cookie carries a
    signed, opaque id.

    :param store: The backend.
    :param key_prefix: Prepended to the SHA-256 of the id to make the key.
    :param user_key: The session key that holds the user's id; when set, a
        per-user index is kept, for :meth:`revoke_user` and
        :meth:`list_sessions`.
    :param event_hook: As for
        :class:`~cookiesession.SecureCookieSessionInterface`; stored
        sessions that are gone report ``invalid`` with ``reason: unknown``.
    :param validator: As for
        :class:`~cookiesession.SecureCookieSessionInterface`.
    :param accept_signed: Take over a valid signed cookie (Flask's format):
        its data is stored and a store cookie replaces it on that response.

    .. versionadded:: 0.3
    """

    session_class: type[Session] = ServerSession
    server_side = True
    needs_secret_key = True
    open_session = open_from_cookie_header
    #: Turns each stored value into text and back.
    serializer: t.Any = session_json_serializer

    def __init__(
        self,
        store: Store,
        *,
        key_prefix: str = "session:",
        user_key: str | None = None,
        event_hook: EventHook | None = None,
        validator: Validator | None = None,
        accept_signed: bool = False,
    ) -> None:
        #: The backend.
        self.store = store
        #: Prepended to every key.
        self.key_prefix = key_prefix
        #: The session key holding the user's id, or ``None``.
        self.user_key = user_key
        #: Decides whether a loaded session may still be used.
        self.validator = validator
        self.event_hook = event_hook
        #: Whether signed cookies are taken over.
        self.accept_signed = accept_signed
        self._signed = SecureCookieSessionInterface(
            validator=validator, event_hook=event_hook
        )
        self._ids = _IdSigner()

    def key_of(self, sid: str) -> str:
        """The store key of a session id: never the id itself, so a copy of
        the store or its keys cannot be replayed as cookies."""
        return key_of(self.key_prefix, sid)

    def _call(self, what: str, operation: Callable[[], t.Any]) -> t.Any:
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
        return max(MIN_TTL_MS, int(min(limits) * 1000))

    # -- The id cookie -------------------------------------------------------

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
        if not isinstance(sid, str) or len(sid) < MIN_ID_LENGTH:
            return Rejected("invalid", "payload")
        return sid, issued, fallback

    def needs_refresh_for(self, app: AppLike, cookie_header: str) -> bool:
        """Only for an id cookie that says the session is permanent (the
        flag travels signed in the cookie, so no store call decides it)."""
        config = app.config
        if not cookie_header or not refreshes_untouched(config):
            return False
        for value in find_cookie_values(
            cookie_header, self.get_cookie_name(app), MAX_COOKIE_VALUES
        ):
            try:
                raw = b64decode(value.partition(".")[0].encode("ascii"))
            except (ValueError, UnicodeEncodeError):
                continue
            if raw.endswith(_SAYS_PERMANENT):
                return old_enough(config, peek_timestamp(value))
        return False

    # -- Loading -------------------------------------------------------------

    def _load(self, app: AppLike, sid: str, issued: int) -> Loaded | Rejected:
        key = self.key_of(sid)
        fields = self._call("load a session", lambda: self.store.load(key))
        if not fields:
            return Rejected("invalid", "unknown")
        try:
            loaded = decode_fields(fields, self.serializer.loads)
        except Exception:
            # Not written by this library (pickle bytes, say): never
            # unpickled, never overwritten unless the application writes.
            return Rejected("invalid", "payload")
        rejected = check_session(
            self.validator, app, loaded.data, issued, loaded.created
        )
        return loaded if rejected is None else rejected

    def verify(self, app: AppLike, value: str) -> Verified | Rejected:
        """Check one id cookie and load the session it names: one store
        call, and only for a value whose signature verifies (after which no
        other value is tried). With *accept_signed*, a valid signed cookie
        is taken over. A store that fails raises
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
        """A :class:`~cookiesession.stores.base.ServerSession` of what was
        loaded, or of a signed cookie being taken over (stored, and its
        cookie replaced, on save)."""
        session = t.cast(ServerSession, super().make_session(app, verified))
        if verified.state is None:
            created = verified.data.get(CREATED)
            session.created = created if type(created) is int else None
            session.issued = None
        else:
            session.sid, loaded = verified.state
            session.stored, session.created = loaded.fields, loaded.created
        return session

    # -- Saving --------------------------------------------------------------

    def should_set_cookie(self, app: AppLike, session: Session) -> bool:
        """As for cookies, and always after a
        :meth:`~cookiesession.stores.base.ServerSession.regenerate`."""
        return (
            super().should_set_cookie(app, session)
            or t.cast(ServerSession, session).regenerated
        )

    def cookie_value(self, app: AppLike, session: Session) -> str:
        """Write what changed, in one round trip, and return the id cookie;
        ``""`` (delete the cookie) when the session was revoked, expired or
        regenerated while this request ran: it stays gone."""
        stored = t.cast(ServerSession, session)
        if not self._write(app, stored):
            self.report("revoked")
            return ""
        permanent = bool(session.data.get("_permanent"))
        return self._cookie(app, t.cast(str, stored.sid), permanent)

    def discard(self, app: AppLike, session: Session) -> None:
        """Delete an emptied session."""
        self.revoke(session)

    def _fields(self, data: Mapping[str, t.Any]) -> dict[str, str]:
        fields = {}
        for key, value in data.items():
            try:
                fields[DATA_PREFIX + key] = self.serializer.dumps(value)
            except (TypeError, ValueError, RecursionError) as e:
                raise unstorable_error(self.serializer, {key: value}) from e
        return fields

    def _write(self, app: AppLike, session: ServerSession) -> bool:
        now = int(time.time())
        created = session.created or now
        plan = plan_save(
            prefix=self.key_prefix,
            sid=session.sid,
            new_sid=secrets.token_urlsafe(32),
            fields=self._fields(session.data),
            stored=session.stored,
            created=created,
            regenerated=session.regenerated,
            user=session.data.get(self.user_key) if self.user_key else None,
            now=now,
            ttl_ms=self._ttl_ms(app, created, now),
        )
        if not self._call("save a session", lambda: self.store.save(plan)):
            return False
        session.sid, session.created, session.regenerated = plan.sid, created, False
        stored = {**session.stored, **plan.set_fields}
        for field in plan.delete_fields:
            stored.pop(field, None)
        session.stored = stored
        return True

    # -- Revocation ----------------------------------------------------------

    def revoke(self, session: Session) -> None:
        """End *session* now: its id stops loading on every device."""
        sid = t.cast(ServerSession, session).sid
        if sid is not None:
            key = self.key_of(sid)
            self._call("delete a session", lambda: self.store.delete(key))

    def list_sessions(self, user_id: t.Any) -> list[dict[str, int]]:
        """The live sessions of a user, as ``{"created": ..., "last_used":
        ...}`` (seconds since the epoch), oldest first; no ids. Needs
        ``user_key``. Index entries whose session is gone are removed."""
        index = user_index_of(self.key_prefix, user_id)
        raw = self._call("list sessions", lambda: self.store.index(index))
        entries = {text(k): json.loads(text(v)) for k, v in raw.items()}
        if not entries:
            return []
        keys = list(entries)
        live = self._call("list sessions", lambda: self.store.alive(keys))
        alive = dict(zip(keys, live, strict=True))
        gone = [key for key, is_live in alive.items() if not is_live]
        if gone:
            self._call("list sessions", lambda: self.store.unindex(index, gone))
        sessions = [
            {"created": meta["created"], "last_used": meta["used"]}
            for key, meta in entries.items()
            if alive[key]
        ]
        return sorted(sessions, key=lambda s: s["created"])

    def revoke_user(self, user_id: t.Any) -> int:
        """End every session of a user (needs ``user_key``); returns how
        many were live."""
        index = user_index_of(self.key_prefix, user_id)
        raw = self._call("revoke", lambda: self.store.index(index))
        keys = [text(k) for k in raw]
        return t.cast(
            int, self._call("revoke", lambda: self.store.delete_all(index, keys))
        )

    # -- For tests and tools -------------------------------------------------

    def encode_session(self, app: AppLike, data: Mapping[str, t.Any]) -> str:
        """Store *data* as a new session and return its cookie value."""
        session = t.cast(ServerSession, self.session_class(data))
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
