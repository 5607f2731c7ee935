"""Server-side sessions, the rules once: the cookie holds a signed, opaque
id; the store holds the session under the SHA-256 of that id; a save writes
only what changed, never over a session that ended meanwhile; logins get a
new id; a signed cookie can be taken over, once; a user's sessions can be
listed and revoked.

The rules live in :class:`StoreSessionInterface`; a backend is a small
:class:`~cookiesession.stores.protocol.Store` that executes a
:class:`~cookiesession.stores.plan.SavePlan` and answers a few reads.
"""

from __future__ import annotations

import logging
import secrets
import time
import typing as t
from collections.abc import Callable, Mapping
from datetime import timedelta

from ..exceptions import SessionStoreError
from ..sessions import (
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
    seconds,
)
from ..sessions.signed import check_session, session_json_serializer
from ..settings.checks import Checker
from .ids import IdCookies, IdSigner
from .plan import (
    DATA_PREFIX,
    META_PROBATION,
    MIN_TTL_MS,
    Loaded,
    SavePlan,
    Tombstone,
    decode_fields,
    key_of,
    plan_save,
    taken_key_of,
    text,
)
from .protocol import Store
from .session import ServerSession
from .users import UserSessions

__all__ = ["ServerSession", "StoreSessionInterface"]

logger = logging.getLogger("cookiesession")

# How an id cookie starts: the base64 of ``["``. A signed session cookie
# starts with that of ``{"`` or, compressed, with a dot.
_ID_COOKIE = "WyI"
_REPLACED = "This request carries a session id that a login replaced moments ago"


def _milliseconds(name: str, value: t.Any) -> int:
    """A duration argument in milliseconds, by the rules of settings."""
    duration = Checker({name: value}).duration(name, zero=True)
    return int(t.cast(timedelta, duration).total_seconds() * 1000)


class StoreSessionInterface(IdCookies, UserSessions, SessionInterface):
    """A :class:`~cookiesession.SessionInterface` whose sessions live in a
    :class:`~cookiesession.stores.protocol.Store`; the cookie carries a
    signed, opaque id.

    :param store: The backend.
    :param key_prefix: Prepended to the SHA-256 of the id to make the key.
    :param user_key: The session key that holds the user's id; when set, a
        per-user index is kept (:meth:`list_sessions`, :meth:`revoke_user`),
        and a change of its value (a login, a change of user) gives the
        session a new id.
    :param device_key: The session key whose value (a user-agent summary,
        say) :meth:`list_sessions` shows as each session's ``device``.
    :param event_hook: As for
        :class:`~cookiesession.SecureCookieSessionInterface`; stored
        sessions that are gone report ``invalid`` with ``reason: unknown``.
    :param validator: As for
        :class:`~cookiesession.SecureCookieSessionInterface`.
    :param accept_signed: Take over a valid signed cookie (Flask's format):
        checked like one (validator, limits, events), its data is stored
        once and a store cookie replaces it on that response.
    :param regenerate_grace: How long an id replaced by a regenerate (or an
        emptied session's id) stays a tombstone: requests still carrying it
        get an empty session, send no cookie and save nothing.
    :param new_session_ttl: How long a new session is kept until its cookie
        comes back (bots and health checks never send it back).

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
        device_key: str | None = None,
        validator: Validator | None = None,
        event_hook: EventHook | None = None,
        accept_signed: bool = False,
        regenerate_grace: t.Any = 30,
        new_session_ttl: t.Any = 3600,
    ) -> None:
        #: The backend.
        self.store = store
        #: Prepended to every key.
        self.key_prefix = key_prefix
        #: The session key holding the user's id, or ``None``.
        self.user_key = user_key
        #: The session key holding a description of the device, or ``None``.
        self.device_key = device_key
        #: Decides whether a loaded session may still be used.
        self.validator = validator
        self.event_hook = event_hook
        #: Whether signed cookies are taken over.
        self.accept_signed = accept_signed
        self._grace_ms = _milliseconds("regenerate_grace", regenerate_grace)
        self._probation_ms = max(
            MIN_TTL_MS, _milliseconds("new_session_ttl", new_session_ttl)
        )
        self._signed = SecureCookieSessionInterface(
            validator=validator, event_hook=event_hook
        )
        self._ids = IdSigner()

    def key_of(self, sid: str) -> str:
        """The store key of a session id: never the id itself, so a copy of
        the store or its keys cannot be replayed as cookies."""
        return key_of(self.key_prefix, sid)

    def _call(self, what: str, operation: Callable[[], t.Any]) -> t.Any:
        try:
            return operation()
        except Exception as e:
            failure = self._failed(what, e)
            if failure is e:
                raise
            raise failure from e

    def _failed(self, what: str, error: Exception) -> SessionStoreError:
        """Log and report (the ``store_error`` event) a store operation
        that raised *error*; the :exc:`SessionStoreError` to raise."""
        self.report("store_error", operation=what, error=type(error).__name__)
        if isinstance(error, SessionStoreError):
            return error
        logger.warning("The session store failed to %s: %r", what, error)
        return SessionStoreError(
            f"The session store failed to {what}: {type(error).__name__}: {error}"
        )

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

    # -- Loading -------------------------------------------------------------

    def _load(self, app: AppLike, sid: str, issued: int) -> Loaded | Rejected:
        key = self.key_of(sid)
        fields = self._call("load a session", lambda: self.store.load(key))
        if not fields:
            return Rejected("invalid", "unknown")
        try:
            loaded = decode_fields(fields, self.serializer.loads)
        except Tombstone:
            return Rejected("invalid", "unknown", unsaved=_REPLACED)
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
        other value is tried). With *accept_signed*, a signed session
        cookie (told apart by its shape, so each value costs one
        verification) is taken over. A store that fails raises
        :exc:`~cookiesession.SessionStoreError`."""
        if self.accept_signed and not value.startswith(_ID_COOKIE):
            return self._take_over(app, value)
        checked = self._verify_id(app, value)
        if isinstance(checked, Rejected):
            return checked
        sid, issued, fallback = checked
        loaded = self._load(app, sid, issued)
        if isinstance(loaded, Rejected):
            return loaded._replace(final=True)
        return Verified(loaded.data, issued, fallback, state=(sid, loaded))

    def _take_over(self, app: AppLike, value: str) -> Verified | Rejected:
        """A signed cookie, checked as one; the first time it is seen it
        becomes a new stored session, and afterwards it names that one (so
        a session revoked since stays revoked)."""
        signed = self._verify_signed(app, value)
        if isinstance(signed, Rejected):
            return signed
        taken = taken_key_of(self.key_prefix, value)
        record = self._call("load a session", lambda: self.store.load(taken))
        if not record:
            return signed._replace(fallback=None, migrated=True, state=taken)
        fields = {text(k): text(v) for k, v in record.items()}
        sid = fields.get("m:sid", "")
        loaded = self._load(app, sid, signed.issued)
        if isinstance(loaded, Rejected):
            return loaded._replace(final=True)
        return Verified(loaded.data, signed.issued, None, True, (sid, loaded))

    def _verify_signed(self, app: AppLike, value: str) -> Verified | Rejected:
        return self._signed.verify(app, value)

    def make_session(self, app: AppLike, verified: Verified) -> Session:
        """A :class:`~cookiesession.stores.base.ServerSession` of what was
        loaded, or of a signed cookie being taken over (stored, and its
        cookie replaced, on save). A session on probation is saved once
        its cookie comes back, which ends the probation."""
        session = t.cast(ServerSession, super().make_session(app, verified))
        state = verified.state
        if not isinstance(state, tuple):  # a signed cookie, taken over
            created = verified.data.get(CREATED)
            session.created = created if type(created) is int else None
            session.issued = None
            session.taken = state
            return session
        session.sid, loaded = state
        session.key = self.key_of(session.sid)
        session.stored, session.created = loaded.fields, loaded.created
        if META_PROBATION in loaded.fields:
            session.modified = True
        return session

    # -- Saving --------------------------------------------------------------

    def should_set_cookie(self, app: AppLike, session: Session) -> bool:
        """As for cookies, and always after a
        :meth:`~cookiesession.stores.base.ServerSession.regenerate`."""
        return (
            super().should_set_cookie(app, session)
            or t.cast(ServerSession, session).regenerated
        )

    def cookie_value(self, app: AppLike, session: Session) -> str | None:
        """Write what changed, in one round trip per hash slot touched, and
        return the id cookie. When the session was revoked or expired while
        this request ran, ``""``: its cookie is deleted and it stays gone;
        when a regenerate replaced it meanwhile, ``None``: nothing is sent,
        so the new cookie stands."""
        stored = t.cast(ServerSession, session)
        outcome = self._write(app, stored)
        if outcome != 1:
            self.report("revoked")
            return "" if outcome == 0 else None
        permanent = bool(session.data.get("_permanent"))
        return self._cookie(app, t.cast(str, stored.sid), permanent)

    def discard(self, app: AppLike, session: Session) -> None:
        """End an emptied session: its id is a tombstone for the grace."""
        key = t.cast(ServerSession, session).key
        if key is not None:
            grace = self._grace_ms
            self._call("delete a session", lambda: self.store.retire(key, grace))

    def _fields(self, data: Mapping[str, t.Any]) -> dict[str, str]:
        fields = {}
        for key, value in data.items():
            try:
                fields[DATA_PREFIX + key] = self.serializer.dumps(value)
            except (TypeError, ValueError, RecursionError) as e:
                raise unstorable_error(self.serializer, {key: value}) from e
        return fields

    def _write(
        self, app: AppLike, session: ServerSession, probation: bool = True
    ) -> int:
        plan = self._plan(app, session, probation)
        outcome = self._call("save a session", lambda: self.store.save(plan))
        if outcome != 1:
            return t.cast(int, outcome)
        session.sid, session.key = plan.sid, plan.key
        session.created = plan.created
        session.regenerated = False
        stored = {**({} if plan.create else session.stored), **plan.set_fields}
        for field in plan.delete_fields:
            stored.pop(field, None)
        session.stored = stored
        return 1

    def _plan(self, app: AppLike, session: ServerSession, probation: bool) -> SavePlan:
        """What saving *session* writes, without I/O."""
        now = int(time.time())
        fields = self._fields(session.data)
        user = session.data.get(self.user_key) if self.user_key else None
        if self.user_key and session.sid is not None:
            field = DATA_PREFIX + self.user_key
            if session.stored.get(field) != fields.get(field):
                session.regenerated = True  # a login or a change of user
                session.created = None
        created = session.created or now
        taken = session.taken
        ttl_ms = self._ttl_ms(app, created, now)
        return plan_save(
            prefix=self.key_prefix,
            sid=session.sid,
            new_sid=secrets.token_urlsafe(32),
            fields=fields,
            stored=session.stored,
            created=created,
            regenerated=session.regenerated,
            user=user,
            now=now,
            ttl_ms=ttl_ms,
            probation_ms=self._probation_ms if probation else None,
            grace_ms=self._grace_ms,
            device=session.data.get(self.device_key) if self.device_key else None,
            taken=None if taken is None else (taken, ttl_ms),
        )

    # -- For tests and tools -------------------------------------------------

    def encode_session(self, app: AppLike, data: Mapping[str, t.Any]) -> str:
        """Store *data* as a new session and return its cookie value (not
        on probation: a test sends it back)."""
        session = t.cast(ServerSession, self.session_class(data))
        self._write(app, session, probation=False)
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
