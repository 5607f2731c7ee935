"""Sessions in a cookie signed with itsdangerous, in Flask's format: a
cookie made by either loads in the other."""

from __future__ import annotations

import time
import typing as t
import zlib
from collections.abc import Mapping
from types import MappingProxyType

from itsdangerous import BadData, SignatureExpired, URLSafeTimedSerializer

from ..serializer import TaggedJSONSerializer
from ..wire.cookies import find_cookie_values
from ..wire.signed import (
    SessionSerializer,
    b64decode,
    is_signed_value,
    lazy_sha1,
    peek_timestamp,
    signing_serializer,
)
from .interface import SessionInterface, open_from_cookie_header
from .lifetimes import (
    CREATED,
    EventHook,
    Validator,
    check_limits,
    created_now,
    old_enough,
    refreshes_untouched,
    seconds,
    validate,
)
from .outcomes import MAX_COOKIE_VALUES, AppLike, Rejected, UntouchedCheck, Verified
from .saving import dumps_session
from .session import NO_SECRET_KEY, Session

__all__ = ["SecureCookieSessionInterface", "session_json_serializer"]

#: The serializer for Flask's tagged-JSON session format.
session_json_serializer = TaggedJSONSerializer()


class SecureCookieSessionInterface(SessionInterface):
    """Stores the session in a cookie signed with itsdangerous, in Flask's
    format: the salt, key derivation, digest and serializer below are
    Flask's defaults, so cookies are interchangeable with a Flask app that
    has the same ``SECRET_KEY``.

    Signing uses ``SECRET_KEY``; verifying also accepts
    ``SECRET_KEY_FALLBACKS``, and a session that verified only with a
    fallback key is re-signed with the current key on that response. The
    time limits (``PERMANENT_SESSION_LIFETIME``, ``SESSION_IDLE_TIMEOUT``,
    ``SESSION_ABSOLUTE_TIMEOUT``) are enforced from the signed data.

    :param validator: ``validator(data) -> bool``, run after the signature
        and every time limit passed; ``False`` (or an exception, which is
        logged) ends the session: the way to revoke sessions.
    :param event_hook: ``event_hook(event, details)``, told of every
        outcome worth counting (see :doc:`/lifetimes`).

    .. versionadded:: 0.1
    .. versionchanged:: 0.2
        *validator* and *event_hook*.
    """

    #: The salt mixed into the signing key.
    salt = "cookie-session"
    #: The hash function for the signature; looked up when first used.
    digest_method = staticmethod(lazy_sha1)
    #: How the signing key is derived from the secret key.
    key_derivation = "hmac"
    #: Turns the session dict into text and back.
    serializer: t.Any = session_json_serializer
    #: The class of loaded sessions.
    session_class: type[Session] = Session
    #: Decides whether a verified session may still be used.
    validator: Validator | None = None
    needs_secret_key = True
    open_session = open_from_cookie_header

    def __init__(
        self,
        *,
        validator: Validator | None = None,
        event_hook: EventHook | None = None,
    ) -> None:
        self.validator = validator
        self.event_hook = event_hook

    def get_signing_serializer(self, app: AppLike) -> URLSafeTimedSerializer | None:
        """The serializer that signs and verifies session cookies, or
        ``None`` when no ``SECRET_KEY`` is set. It accepts the fallback keys
        too; the last key (``SECRET_KEY``) signs."""
        config = app.config
        return self._every_key(config) if config["SECRET_KEY"] else None

    def _every_key(self, config: Mapping[str, t.Any]) -> SessionSerializer:
        # Oldest first, as itsdangerous orders keys: SECRET_KEY, which signs
        # and so verifies nearly every cookie, is the one tried first.
        secret, fallbacks = config["SECRET_KEY"], config["SECRET_KEY_FALLBACKS"]
        return signing_serializer(
            (*fallbacks, secret) if fallbacks else (secret,),
            self.salt,
            self.serializer,
            self.key_derivation,
            self.digest_method,
        )

    def unsign(
        self, app: AppLike, value: str
    ) -> tuple[t.Any, int, int | None] | Rejected:
        """Check one signed value's characters, signature and lifetime,
        with ``SECRET_KEY`` and each fallback key (at most one HMAC per
        key): ``(payload, issued, fallback)``, where *payload* is any JSON
        value, *issued* the signing time in seconds since the epoch and
        *fallback* the index in ``SECRET_KEY_FALLBACKS`` of the key that
        verified it (``None`` for ``SECRET_KEY``). The helper the encrypted
        and server-side interfaces call for signed values.

        .. versionadded:: 0.2
        """
        config = app.config
        secret = config["SECRET_KEY"]
        # Only the characters itsdangerous writes: its base64 decoder would
        # skip others, so a changed cookie could still verify.
        if not secret or not is_signed_value(value):
            return Rejected("invalid", "malformed")
        serializer = self._every_key(config)
        durations = seconds(config)
        lifetime: float = durations["PERMANENT_SESSION_LIFETIME"]  # type: ignore[assignment]
        try:
            payload, issued, position = serializer.unsign(
                value, int(lifetime), int(durations.get("SESSION_CLOCK_LEEWAY") or 0)
            )
        except SignatureExpired as e:
            if e.date_signed is not None and e.date_signed.timestamp() > time.time():
                return Rejected("invalid", "future")
            return Rejected("expired", "lifetime")
        except BadData:
            return Rejected("invalid", "signature")
        try:
            data = serializer.load_payload(payload)
        except BadData:
            return Rejected("invalid", "payload")
        if not position:
            return data, issued, None
        # The serializer counts newest first; the event names the index in
        # SECRET_KEY_FALLBACKS.
        return data, issued, len(config["SECRET_KEY_FALLBACKS"]) - position

    def sign(self, app: AppLike, payload: t.Any) -> str:
        """*payload* signed now with ``SECRET_KEY``, in this interface's
        format.

        .. versionadded:: 0.3
        """
        serializer = self.get_signing_serializer(app)
        if serializer is None:
            raise RuntimeError(NO_SECRET_KEY)
        value: str = serializer.dumps(payload)
        return value

    def check_session(
        self,
        app: AppLike,
        data: dict[str, t.Any],
        issued: int,
        created: int | None = None,
    ) -> Rejected | None:
        """The checks after authentication, shared by every interface: the
        idle and absolute timeouts, then the validator. The creation time is
        ``data["_created"]`` unless a store keeps it apart (*created*).

        .. versionadded:: 0.2
        """
        return check_session(self.validator, app, data, issued, created)

    def verify(self, app: AppLike, value: str) -> Verified | Rejected:
        """Check one cookie value: its signature (current key first, then
        each fallback key), its lifetime, the timeouts and the validator.

        .. versionadded:: 0.2
        """
        unsigned = self.unsign(app, value)
        if isinstance(unsigned, Rejected):
            return unsigned
        data, issued, fallback = unsigned
        if type(data) is not dict:
            return Rejected("invalid", "payload")
        rejected = self.check_session(app, data, issued)
        return Verified(data, issued, fallback) if rejected is None else rejected

    def load_cookie(
        self, app: AppLike, value: str
    ) -> tuple[dict[str, t.Any], bool] | None:
        """Verify one cookie value: ``(data, signed_with_current_key)``, or
        ``None`` if it is invalid, expired, revoked or not a JSON object."""
        result = self.verify(app, value)
        if isinstance(result, Rejected):
            return None
        return result.data, result.fallback is None

    def needs_refresh_for(self, app: AppLike, cookie_header: str) -> bool:
        """Only for a cookie whose (unverified) payload says it is
        permanent, and, with ``SESSION_REFRESH_AFTER``, whose (unverified)
        timestamp says it is old enough: nothing in it is trusted, it only
        decides whether to verify it. Only the values :meth:`open_session`
        would try are looked at, and a compressed one is inflated only so
        far."""
        config = app.config
        if not cookie_header or not refreshes_untouched(config):
            return False
        name = config["SESSION_COOKIE_NAME"]
        if type(self).get_cookie_name is not SessionInterface.get_cookie_name:
            name = self.get_cookie_name(app)
        # The memo's hit, inline: this runs for every untouched request.
        permanent = _PEEKED.get(hash((name, cookie_header)))
        if permanent is None:
            permanent = _peek_permanent(name, cookie_header)
        if not permanent:
            return False
        if config["SESSION_REFRESH_AFTER"] is None:
            return True
        values = find_cookie_values(cookie_header, name, 1)
        return old_enough(config, peek_timestamp(values[0]) if values else None)

    def untouched_check(self, app: AppLike) -> UntouchedCheck:
        """:meth:`needs_refresh_for` for *app*'s settings, remembered for
        recent headers: with refreshing off the answer is always no, and
        without ``SESSION_REFRESH_AFTER`` it depends on the header alone."""
        cls = type(self)
        if (
            cls.needs_refresh_for is not SecureCookieSessionInterface.needs_refresh_for
            or cls.get_cookie_name is not SessionInterface.get_cookie_name
            or cls.needs_refresh is not SessionInterface.needs_refresh
        ):
            return super().untouched_check(app)
        config = app.config
        if not refreshes_untouched(config):
            return UntouchedCheck(_NEVER, _NEVER)
        if config["SESSION_REFRESH_AFTER"] is not None:
            return super().untouched_check(app)
        memo = _PermanentMemo(config["SESSION_COOKIE_NAME"])
        return UntouchedCheck(memo.get, memo.judge)

    def cookie_value(self, app: AppLike, session: Session) -> str | None:
        """The signed value of *session*; ``None`` when there is no
        serializer to sign it (a subclass may return none)."""
        serializer = self.get_signing_serializer(app)
        if serializer is None:
            return None
        data = session.data
        if created_now(app.config, data):
            data = {**data, CREATED: int(time.time())}
        return dumps_session(serializer, data)

    def encode_session(self, app: AppLike, data: Mapping[str, t.Any]) -> str:
        """The signed cookie value for *data*, signed now."""
        value = self.cookie_value(app, Session(data))
        if value is None:
            raise RuntimeError(NO_SECRET_KEY)
        return value


def check_session(
    validator: Validator | None,
    app: AppLike,
    data: dict[str, t.Any],
    issued: int,
    created: int | None = None,
) -> Rejected | None:
    """The checks after authentication: the idle and absolute timeouts, then
    *validator*. The creation time is ``data["_created"]`` unless a store
    keeps it apart (*created*)."""
    config = app.config
    if config["SESSION_IDLE_TIMEOUT"] or config["SESSION_ABSOLUTE_TIMEOUT"]:
        times = data if created is None else {CREATED: created}
        limit = check_limits(config, times, issued, int(time.time()))
        if limit is not None:
            return Rejected(*limit)
    if validator is None:
        return None
    valid = validate(validator, MappingProxyType(data))
    if valid is True:
        return None
    if valid is False:
        return Rejected("revoked", None)
    return Rejected(
        "validator_error", valid, unsaved="The session validator raised on this request"
    )


# The peek memo: a browser sends the same header request after request, and
# the answer depends on it alone. It is kept under the header's hash
# (randomised per process, so collisions cannot be aimed), never the header
# itself, so memory stays small whatever arrives: 1024 answers, about
# 100 KiB.
_PEEKED: dict[int, bool] = {}
_PEEK_MEMO_SIZE = 1024
#: How far a compressed payload is inflated to look for ``_permanent``: a
#: zip bomb must not cost more than a signature check would.
_MAX_INFLATE = 64 * 1024


#: Answers no to anything, in C: ``frozenset().__contains__``.
_NEVER: t.Callable[[object], bool] = frozenset().__contains__


class _PermanentMemo(dict[int, bool]):
    """Whether a ``Cookie`` header carries a permanent session cookie
    *name*, remembered under the header's hash (randomised per process),
    never the header: 1,024 answers at most, about 100 KiB."""

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        super().__init__()
        self.name = name

    def judge(self, header: str) -> bool:
        permanent = bool(header) and _peek_permanent(self.name, header)
        if len(self) >= _PEEK_MEMO_SIZE:
            self.clear()
        self[hash(header)] = permanent
        return permanent


def _peek_permanent(name: str, header: str) -> bool:
    """Whether any value of the cookie *name* that would be tried says, in
    its unverified payload, that the session is permanent."""
    key = hash((name, header))
    permanent = _PEEKED.get(key)
    if permanent is None:
        values = find_cookie_values(header, name, MAX_COOKIE_VALUES)
        permanent = any(map(_says_permanent, values))
        if len(_PEEKED) >= _PEEK_MEMO_SIZE:
            _PEEKED.clear()
        _PEEKED[key] = permanent
    return permanent


def _says_permanent(value: str) -> bool:
    compressed = value[:1] == "."
    payload = (value[1:] if compressed else value).partition(".")[0]
    try:
        raw = b64decode(payload.encode("ascii"))
        if compressed:
            raw = zlib.decompressobj().decompress(raw, _MAX_INFLATE)
    except (ValueError, UnicodeEncodeError, zlib.error):
        return False
    return b'"_permanent":true' in raw
