"""Session objects and the interfaces that load and save them.

A :class:`SessionInterface` decides *how* a session is stored;
:class:`SecureCookieSessionInterface` stores it in a signed cookie, in the
same format as Flask, so a cookie made by either loads in the other.
The split follows Flask: :meth:`SessionInterface.open_session` and
:meth:`SessionInterface.save_session` do the work, and small ``get_*``
methods read each setting, so a subclass can change one thing.

What marks a session, in one place:

============================================  ==========  ============
operation                                     accessed    modified
============================================  ==========  ============
``[]``, ``get``, ``in``, ``len``, ``bool``,   yes         no
iteration, ``keys``, ``items``, ``values``,
``==``, reading ``permanent``
``[]=``, ``del``, ``clear``, ``popitem``,     yes         yes
``update``, ``|=``, setting ``permanent``
``pop`` / ``setdefault``                      yes         only if the key
                                                          was present /
                                                          missing
``session.data``                              no          no
============================================  ==========  ============
"""

from __future__ import annotations

import contextlib
import logging
import re
import time
import typing as t
import zlib
from collections.abc import Iterator, Mapping, MutableMapping
from datetime import datetime, timedelta, timezone
from types import MappingProxyType

import webob
from itsdangerous import BadData, SignatureExpired, URLSafeTimedSerializer

from ._cookies import ResponseLike, add_vary_cookie, find_cookie_values
from ._lifetimes import (
    CREATED,
    EventHook,
    Validator,
    check_limits,
    created_now,
    old_enough,
    refresh_due,
    report,
    seconds,
    validate,
)
from ._signing import SessionSerializer, b64decode, lazy_sha1, peek_timestamp
from .serializer import TaggedJSONSerializer
from .settings import cookie_attributes_of, warn

__all__ = [
    "NullSession",
    "SecureCookieSessionInterface",
    "Session",
    "SessionInterface",
    "SessionStoreError",
    "session_json_serializer",
]

logger = logging.getLogger("cookiesession")

_MISSING: t.Any = object()
# What a lazy session opens itself with: (interface, app, environ).
_Opener = tuple[t.Any, t.Any, t.Any]
_SERIALIZER_CACHE_SIZE = 64
#: At most this many values of the session cookie are tried per request, so
#: the HMACs a request can cost (and the key guesses it can test) are bounded.
MAX_COOKIE_VALUES = 3
#: Why a null session refuses changes.
NO_SECRET_KEY = (
    "The session is unavailable because no secret key was set. Set SECRET_KEY"
    " in the configuration to a long random string; 'cookiesession keygen'"
    " prints one."
)
_COOKIE_VALUE = re.compile(r"[A-Za-z0-9_\-.]+").fullmatch


def is_cookie_value(value: str) -> bool:
    """Whether *value* holds only the characters URL-safe base64 and
    itsdangerous write. Other characters are refused before any decoding:
    base64 decoders skip them, so a changed cookie could still open.

    .. versionadded:: 0.2
    """
    return _COOKIE_VALUE(value) is not None


class Session(MutableMapping[str, t.Any]):
    """The session of one request: a mutable mapping that records whether
    it was used and changed (the table in :doc:`/sessions`).

    Changing a value *inside* the session (``session["cart"].append(3)``)
    cannot be seen: set ``session.modified = True`` afterwards.

    :param initial: The initial contents.
    :param new: Whether no valid session cookie came with the request.

    .. versionadded:: 0.1
    """

    # _opener is only ever set on a session that opens itself on first use.
    __slots__ = (
        "_data",
        "_opener",
        "_request_cache",
        "accessed",
        "issued",
        "modified",
        "new",
    )

    def __init__(
        self, initial: Mapping[str, t.Any] | None = None, *, new: bool = False
    ) -> None:
        self._opener: _Opener | None = None
        self._data: dict[str, t.Any] = {} if initial is None else dict(initial)
        #: When the cookie (or stored session) this session came from was
        #: last issued, in seconds since the epoch; ``None`` for a new one.
        #: Set by the session interface.
        #:
        #: .. versionadded:: 0.2
        self.issued: int | None = None
        self._request_cache: dict[str, t.Any] | None = None
        #: ``True`` when no valid session cookie came with the request.
        self.new = new
        #: ``True`` once the session was changed; set it yourself after
        #: changing a nested value.
        self.modified = False
        #: ``True`` once the session was read or changed. The response then
        #: gets ``Vary: Cookie``, so caches do not share it between users.
        self.accessed = False

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self._data!r}>"

    @property
    def data(self) -> Mapping[str, t.Any]:
        """A read-only view of the contents that marks nothing: for session
        interfaces and integrations, which must not make a response vary.

        .. versionadded:: 0.2
        """
        return MappingProxyType(self._data)

    @property
    def permanent(self) -> bool:
        """Whether the cookie outlives the browser session, expiring after
        ``PERMANENT_SESSION_LIFETIME``. Stored as the ``"_permanent"`` key,
        as Flask does."""
        data = self._data
        self.accessed = True
        return bool(data.get("_permanent", False))

    @permanent.setter
    def permanent(self, value: bool) -> None:
        self["_permanent"] = bool(value)

    # Reads.
    def __getitem__(self, key: str) -> t.Any:
        data = self._data
        self.accessed = True
        return data[key]

    def get(self, key: str, default: t.Any = None) -> t.Any:
        data = self._data
        self.accessed = True
        return data.get(key, default)

    def __contains__(self, key: object) -> bool:
        data = self._data
        self.accessed = True
        return key in data

    def __iter__(self) -> Iterator[str]:
        data = self._data
        self.accessed = True
        return iter(data)

    def __len__(self) -> int:
        data = self._data
        self.accessed = True
        return len(data)

    def keys(self) -> t.KeysView[str]:
        data = self._data
        self.accessed = True
        return data.keys()

    def items(self) -> t.ItemsView[str, t.Any]:
        data = self._data
        self.accessed = True
        return data.items()

    def values(self) -> t.ValuesView[t.Any]:
        data = self._data
        self.accessed = True
        return data.values()

    def __eq__(self, other: object) -> bool:
        data = self._data
        self.accessed = True
        if isinstance(other, Session):
            return data == other._data
        return data == other

    __hash__ = None  # type: ignore[assignment]

    # Mutators.
    def __setitem__(self, key: str, value: t.Any) -> None:
        self._data[key] = value
        self.accessed = self.modified = True

    def __delitem__(self, key: str) -> None:
        del self._data[key]
        self.accessed = self.modified = True

    def clear(self) -> None:
        self._data.clear()
        self.accessed = self.modified = True

    def pop(self, key: str, default: t.Any = _MISSING) -> t.Any:
        data = self._data
        self.accessed = True
        if key in data:
            self.modified = True
            return data.pop(key)
        if default is _MISSING:
            raise KeyError(key)
        return default

    def popitem(self) -> tuple[str, t.Any]:
        item = self._data.popitem()
        self.accessed = self.modified = True
        return item

    def setdefault(self, key: str, default: t.Any = None) -> t.Any:
        data = self._data
        self.accessed = True
        if key not in data:
            self.modified = True
            data[key] = default
        return data[key]

    def update(self, other: t.Any = (), /, **kwargs: t.Any) -> None:
        self._data.update(other, **kwargs)
        self.accessed = self.modified = True

    def __ior__(self, other: t.Any) -> Session:
        self.update(other)
        return self


class SessionStoreError(Exception):
    """The session store (Redis) failed or could not be reached. The
    client's own exception is the ``__cause__``. Raised instead of giving an
    empty session, which would log the user out and then overwrite their
    data.

    .. versionadded:: 0.2
    """


class NullSession(Session):
    """The session when no secret key is set: it reads as empty, and every
    change raises :exc:`RuntimeError` explaining how to set a key.

    .. versionadded:: 0.1
    """

    __slots__ = ()

    def __init__(
        self, initial: Mapping[str, t.Any] | None = None, *, new: bool = False
    ) -> None:
        super().__init__(initial, new=new)
        self._data = _NullData(self._data)

    def _fail(self, *args: t.Any, **kwargs: t.Any) -> t.NoReturn:
        raise RuntimeError(NO_SECRET_KEY)

    __setitem__ = __delitem__ = clear = pop = popitem = _fail
    setdefault = update = __ior__ = _fail


class _NullData(dict[str, t.Any]):
    """A null session's contents: every change fails as the session's own
    mutators do, however it is reached."""

    def _fail(self, *args: t.Any, **kwargs: t.Any) -> t.NoReturn:
        raise RuntimeError(NO_SECRET_KEY)

    __setitem__ = __delitem__ = clear = pop = popitem = _fail
    setdefault = update = __ior__ = _fail


class _Lazy:
    """Mixin of a session that opens itself on first use.

    Until then its state slots (``_data``, ``new``, ``modified``,
    ``accessed`` and a subclass's own) are unset, and Python calls
    :meth:`__getattr__` only for unset attributes: the first use opens the
    session and every later one costs nothing extra.
    """

    __slots__ = ()
    _opener: _Opener | None
    _state: frozenset[str]  # the slots left unset until the session opens

    def __getattr__(self, name: str) -> t.Any:
        if self._opener is None or name not in self._state:
            raise AttributeError(name)
        self._open()
        return object.__getattribute__(self, name)

    def _open(self) -> None:
        opener = self._opener
        if opener is not None:
            # The slot is Session's; the mixin only names it.
            self._opener = None  # type: ignore[misc]
            interface, app, environ = opener
            loaded = interface.open_session(app, webob.Request(environ))
            if loaded is None:
                loaded = interface.make_null_session(app)
            _adopt(self, loaded)  # type: ignore[arg-type]

    def __repr__(self) -> str:
        if self._opener is not None:
            return f"<{type(self).__mro__[2].__name__} (not loaded yet)>"
        return super().__repr__()


_LAZY_CLASSES: dict[type[Session], type[Session]] = {}


def _slots(cls: type) -> list[str]:
    names: list[str] = []
    for klass in cls.__mro__:
        slots = klass.__dict__.get("__slots__", ())
        names.extend([slots] if isinstance(slots, str) else slots)
    return [name for name in names if not name.startswith("__")]


def _lazy_class(cls: type[Session]) -> type[Session]:
    lazy = _LAZY_CLASSES.get(cls)
    if lazy is None:
        # No slots of its own: a lazy session can then turn into a lazy null
        # session (same layout) when it opens without a key.
        state = frozenset(_slots(cls)) - {"_opener"}
        namespace = {"__slots__": (), "_state": state}
        lazy = type(f"Lazy{cls.__name__}", (_Lazy, cls), namespace)
        _LAZY_CLASSES[cls] = lazy
    return lazy


def _adopt(lazy: Session, loaded: Session) -> None:
    """Give *lazy* the state of the session just opened for it. Every read
    and write reaches ``_data`` before it sets a flag, so nothing of the
    lazy session's own state is set yet."""
    cls = type(loaded)
    if cls is Session:
        # Session's own state, copied directly: the common case.
        lazy._data = loaded._data
        lazy.new = loaded.new
        lazy.modified = loaded.modified
        lazy.accessed = loaded.accessed
        lazy.issued = loaded.issued
        lazy._request_cache = loaded._request_cache
        return
    lazy_cls = _LAZY_CLASSES.get(cls) or _lazy_class(cls)
    if type(lazy) is not lazy_cls:
        # A null session stands in for the real one (the same layout).
        with contextlib.suppress(TypeError):
            lazy.__class__ = lazy_cls
    for name in lazy_cls._state:  # type: ignore[attr-defined]
        try:
            setattr(lazy, name, getattr(loaded, name))
        except AttributeError:  # a slot the loaded session never set
            continue
    if hasattr(loaded, "__dict__") and hasattr(lazy, "__dict__"):
        vars(lazy).update(vars(loaded))


def is_opened(session: Session) -> bool:
    """Whether *session* was used (a lazy session is opened by its first
    use; every other session is open).

    .. versionadded:: 0.2
    """
    return session._opener is None


def request_cache(session: Session) -> dict[str, t.Any]:
    """A dict that lives as long as *session*, the session of one request:
    where helpers such as :func:`~cookiesession.get_flashed_messages` keep
    what they computed for this request. Never saved.

    .. versionadded:: 0.2
    """
    cache = session._request_cache
    if cache is None:
        cache = session._request_cache = {}
    return cache


def ensure_opened(session: Session) -> Session:
    """Open a lazy session now, if it is not yet; return it. Set a flag on
    a lazy session only after this: opening it sets them all.

    .. versionadded:: 0.2
    """
    if session._opener is not None:
        session._open()  # type: ignore[attr-defined]
    return session


class AppLike(t.Protocol):
    """What a session interface needs of an application (the middleware or
    an integration): its validated settings.

    .. versionadded:: 0.2
    """

    @property
    def config(self) -> Mapping[str, t.Any]: ...


class SessionInterface:
    """The base class of session storage, with Flask's method set.

    Subclass it and implement :meth:`open_session` and :meth:`save_session`;
    the ``get_*`` methods read the cookie settings from ``app.config``.
    ``app`` is the :class:`~cookiesession.SessionMiddleware` (or integration)
    and ``request`` a :class:`webob.Request`; ``response`` is a
    :class:`webob.Response` or an object with the same ``headerlist``,
    ``vary``, ``set_cookie`` and ``delete_cookie``, such as
    :class:`~cookiesession.middleware.ResponseHeaders`.

    .. versionadded:: 0.1
    """

    #: The class :meth:`open_session` returns; the middleware puts a lazy
    #: session of this class in the environ before opening it.
    session_class: type[Session] = Session
    #: The class :meth:`make_null_session` returns.
    null_session_class: type[Session] = NullSession
    #: Told of every outcome worth counting, as ``event_hook(event,
    #: details)``; the ``cookiesession.events`` logger is told too.
    event_hook: EventHook | None = None
    #: Whether the session lives on the server and the cookie holds only an
    #: id (so the cookie's size does not grow with the session).
    server_side = False

    def report(self, event: str, **details: t.Any) -> None:
        """Report *event* to the ``cookiesession.events`` logger and
        :attr:`event_hook`.

        .. versionadded:: 0.2
        """
        report(self.event_hook, event, **details)

    def make_null_session(self, app: AppLike) -> Session:
        """The session to use when a real one cannot be had."""
        return self.null_session_class()

    def is_null_session(self, obj: object) -> bool:
        """Whether *obj* is a null session: one never saved."""
        # The class's MRO rather than isinstance(), which goes through the
        # abstract base class machinery of MutableMapping on every request.
        return self.null_session_class in type(obj).__mro__

    def get_cookie_name(self, app: AppLike) -> str:
        """``SESSION_COOKIE_NAME``."""
        name: str = app.config["SESSION_COOKIE_NAME"]
        return name

    def get_cookie_domain(self, app: AppLike) -> str | None:
        """``SESSION_COOKIE_DOMAIN``; ``None`` makes a host-only cookie."""
        return t.cast("str | None", app.config["SESSION_COOKIE_DOMAIN"])

    def get_cookie_path(self, app: AppLike) -> str:
        """``SESSION_COOKIE_PATH``, or ``APPLICATION_ROOT`` when unset."""
        config = app.config
        return t.cast(str, config["SESSION_COOKIE_PATH"] or config["APPLICATION_ROOT"])

    def get_cookie_httponly(self, app: AppLike) -> bool:
        """``SESSION_COOKIE_HTTPONLY``."""
        return t.cast(bool, app.config["SESSION_COOKIE_HTTPONLY"])

    def get_cookie_secure(self, app: AppLike) -> bool:
        """``SESSION_COOKIE_SECURE``."""
        return t.cast(bool, app.config["SESSION_COOKIE_SECURE"])

    def get_cookie_samesite(self, app: AppLike) -> str | None:
        """``SESSION_COOKIE_SAMESITE``; ``None`` omits the attribute."""
        return t.cast("str | None", app.config["SESSION_COOKIE_SAMESITE"])

    def get_cookie_partitioned(self, app: AppLike) -> bool:
        """``SESSION_COOKIE_PARTITIONED``."""
        return t.cast(bool, app.config["SESSION_COOKIE_PARTITIONED"])

    def get_expiration_time(self, app: AppLike, session: Session) -> datetime | None:
        """When a permanent session's cookie expires: now plus
        ``PERMANENT_SESSION_LIFETIME``. ``None`` for a browser-session
        cookie."""
        if not session._data.get("_permanent"):
            return None
        lifetime: timedelta = app.config["PERMANENT_SESSION_LIFETIME"]
        return datetime.fromtimestamp(time.time(), timezone.utc) + lifetime

    def should_set_cookie(self, app: AppLike, session: Session) -> bool:
        """Whether to send the cookie: the session was modified, or a
        refresh is due: it is permanent and ``SESSION_REFRESH_EACH_REQUEST``
        is on, or it was used under ``SESSION_IDLE_TIMEOUT``; either only
        once the cookie is older than ``SESSION_REFRESH_AFTER``, when set."""
        return session.modified or refresh_due(
            app.config,
            session.issued,
            bool(session._data.get("_permanent")),
            session.accessed,
        )

    def needs_refresh(self, app: AppLike, environ: Mapping[str, t.Any]) -> bool:
        """Whether a request that never used its session must still load and
        save it, to refresh a permanent session's expiry. It gets the WSGI
        environ, not a request object, because it runs on every request.

        This default says yes whenever ``SESSION_REFRESH_EACH_REQUEST`` is
        on; :class:`SecureCookieSessionInterface` looks into the cookie.
        """
        return bool(app.config["SESSION_REFRESH_EACH_REQUEST"])

    def open_session(self, app: AppLike, request: webob.Request) -> Session | None:
        """Load the session of *request*; ``None`` means a null session."""
        raise NotImplementedError

    def save_session(
        self, app: AppLike, session: Session, response: ResponseLike
    ) -> None:
        """Write *session* to *response*, if it needs writing."""
        raise NotImplementedError

    def encode_session(self, app: AppLike, data: Mapping[str, t.Any]) -> str:
        """A cookie value holding *data*, as :meth:`save_session` would
        write it now: for tests (:mod:`cookiesession.testing`) and tools.

        .. versionadded:: 0.2
        """
        raise NotImplementedError

    def decode_session(self, app: AppLike, value: str) -> dict[str, t.Any]:
        """The data a cookie value holds, checked as :meth:`open_session`
        checks it.

        :raises ValueError: If the value is invalid, expired or revoked.

        .. versionadded:: 0.2
        """
        raise NotImplementedError

    def cookie_attributes(self, app: AppLike) -> dict[str, t.Any]:
        """The ``set_cookie``/``delete_cookie`` keyword arguments from the
        ``get_cookie_*`` methods.

        .. versionadded:: 0.2
        """
        cls = type(self)
        plain = _PLAIN_GETTERS.get(cls)
        if plain is None:
            plain = _PLAIN_GETTERS[cls] = all(
                getattr(cls, name) is getattr(SessionInterface, name)
                for name in _GETTERS
            )
        if plain:
            # No getter overridden: what validation derived from the settings
            # (a copy, since callers add to it), or derived now.
            config = app.config
            derived = getattr(config, "cookie_attributes", None)
            return cookie_attributes_of(config) if derived is None else derived.copy()
        return {
            "path": self.get_cookie_path(app),
            "domain": self.get_cookie_domain(app),
            "secure": self.get_cookie_secure(app),
            "httponly": self.get_cookie_httponly(app),
            "samesite": self.get_cookie_samesite(app),
            "partitioned": self.get_cookie_partitioned(app),
        }


_GETTERS = (
    "get_cookie_path",
    "get_cookie_domain",
    "get_cookie_secure",
    "get_cookie_httponly",
    "get_cookie_samesite",
    "get_cookie_partitioned",
)
_PLAIN_GETTERS: dict[type, bool] = {}

#: The serializer for Flask's tagged-JSON session format.
session_json_serializer = TaggedJSONSerializer()

# Shared by every interface, so a subclass that skips ``__init__`` (as Flask
# allows) works; the keys are part of the cache key.
_SERIALIZERS: dict[tuple[t.Any, ...], SessionSerializer] = {}


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

    def __init__(
        self,
        *,
        validator: Validator | None = None,
        event_hook: EventHook | None = None,
    ) -> None:
        self.validator = validator
        self.event_hook = event_hook

    def _make_serializer(self, keys: tuple[str | bytes, ...]) -> SessionSerializer:
        cache_key = (
            keys,
            self.salt,
            self.key_derivation,
            self.digest_method,
            self.serializer,
        )
        serializer = _SERIALIZERS.get(cache_key)
        if serializer is None:
            if len(_SERIALIZERS) >= _SERIALIZER_CACHE_SIZE:
                _SERIALIZERS.clear()  # keys keep changing: do not grow forever
            serializer = _SERIALIZERS[cache_key] = SessionSerializer(
                keys,
                self.salt,
                self.serializer,
                self.key_derivation,
                self.digest_method,
            )
        return serializer

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
        return self._make_serializer((*fallbacks, secret) if fallbacks else (secret,))

    def _max_age(self, app: AppLike) -> int:
        lifetime = seconds(app.config)["PERMANENT_SESSION_LIFETIME"]
        return int(lifetime)  # type: ignore[arg-type]  # validated: never None

    def unsign(
        self, app: AppLike, value: str
    ) -> tuple[t.Any, int, int | None] | Rejected:
        """Check one signed value's characters, signature and lifetime,
        with ``SECRET_KEY`` and each fallback key (at most one HMAC per
        key): ``(payload, issued, fallback)``, where *payload* is any JSON
        value, *issued* the signing time in seconds since the epoch and
        *fallback* the index in ``SECRET_KEY_FALLBACKS`` of the key that
        verified it (``None`` for ``SECRET_KEY``).

        .. versionadded:: 0.2
        """
        config = app.config
        secret = config["SECRET_KEY"]
        # Only the characters itsdangerous writes: its base64 decoder would
        # skip others, so a changed cookie could still verify.
        if not secret or not _COOKIE_VALUE(value) or value.count(".") < 2:
            return Rejected("invalid", "malformed")
        serializer = self._every_key(config)
        try:
            payload, issued, position = serializer.unsign(value, self._max_age(app))
        except SignatureExpired:
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
        config = app.config
        if config["SESSION_IDLE_TIMEOUT"] or config["SESSION_ABSOLUTE_TIMEOUT"]:
            times = data if created is None else {CREATED: created}
            limit = check_limits(config, times, issued, int(time.time()))
            if limit is not None:
                return Rejected(*limit)
        validator = self.validator
        if validator is not None and not validate(validator, MappingProxyType(data)):
            return Rejected("revoked", None)
        return None

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

    def encode_session(self, app: AppLike, data: Mapping[str, t.Any]) -> str:
        """The signed cookie value for *data*, signed now."""
        value = self._cookie_value(app, data)
        if value is None:
            raise RuntimeError(NO_SECRET_KEY)
        return value

    def _cookie_value(self, app: AppLike, data: Mapping[str, t.Any]) -> str | None:
        """The value :meth:`save_session` sends, or ``None`` when there is
        no serializer to sign it."""
        serializer = self.get_signing_serializer(app)
        if serializer is None:
            return None
        if created_now(app.config, data):
            data = {**data, CREATED: int(time.time())}
        return dumps_session(serializer, data)

    def decode_session(self, app: AppLike, value: str) -> dict[str, t.Any]:
        """The data of a signed cookie value, checked as
        :meth:`open_session` checks it.

        :raises ValueError: Naming the event and reason of a rejection.
        """
        result = self.verify(app, value)
        if isinstance(result, Rejected):
            reason = f" ({result.reason})" if result.reason else ""
            raise ValueError(f"The session cookie is {result.event}{reason}.")
        return result.data

    def report_rejected(self, rejected: Rejected) -> None:
        """Report a rejected cookie: its event, with its reason if any.

        .. versionadded:: 0.2
        """
        if rejected.reason is None:
            self.report(rejected.event)
        else:
            self.report(rejected.event, reason=rejected.reason)

    def load_cookie(
        self, app: AppLike, value: str
    ) -> tuple[dict[str, t.Any], bool] | None:
        """Verify one cookie value: ``(data, signed_with_current_key)``, or
        ``None`` if it is invalid, expired, revoked or not a JSON object."""
        result = self.verify(app, value)
        if isinstance(result, Rejected):
            return None
        return result.data, result.fallback is None

    def needs_refresh(self, app: AppLike, environ: Mapping[str, t.Any]) -> bool:
        """Only for a cookie whose (unverified) payload says it is
        permanent, and, with ``SESSION_REFRESH_AFTER``, whose (unverified)
        timestamp says it is old enough: nothing in it is trusted, it only
        decides whether to verify it. Only the values :meth:`open_session`
        would try are looked at, and a compressed one is inflated only so
        far."""
        header = environ.get("HTTP_COOKIE")
        config = app.config
        if not header or not config["SESSION_REFRESH_EACH_REQUEST"]:
            return False
        name = config["SESSION_COOKIE_NAME"]
        if type(self).get_cookie_name is not SessionInterface.get_cookie_name:
            name = self.get_cookie_name(app)
        # A browser sends the same header request after request, and the
        # answer depends on it alone: remember the answer under the header's
        # hash (randomised per process, so collisions cannot be aimed),
        # never the header itself, so memory stays small whatever arrives.
        key = hash((name, header))
        permanent = _PEEKED.get(key)
        if permanent is None:
            values = find_cookie_values(header, name, MAX_COOKIE_VALUES)
            permanent = any(map(_peek_permanent, values))
            if len(_PEEKED) >= _PEEK_MEMO_SIZE:
                _PEEKED.clear()
            _PEEKED[key] = permanent
        if not permanent or config["SESSION_REFRESH_AFTER"] is None:
            return permanent
        values = find_cookie_values(header, name, 1)
        return old_enough(config, peek_timestamp(values[0]) if values else None)

    def open_session(self, app: AppLike, request: webob.Request) -> Session | None:
        """Load the first session cookie that verifies, trying at most
        :data:`~cookiesession.sessions.MAX_COOKIE_VALUES` of them; an empty,
        new session when none does; ``None`` without a secret key.

        A session that expired or was revoked is reported, and its cookie is
        deleted unless the application writes a new session."""
        if not app.config["SECRET_KEY"]:
            return None
        header = request.environ.get("HTTP_COOKIE", "")
        name = self.get_cookie_name(app)
        first: Rejected | None = None
        for value in find_cookie_values(header, name, MAX_COOKIE_VALUES):
            result = self.verify(app, value)
            if isinstance(result, Rejected):
                first = first or result
                continue
            data, issued, fallback, migrated = result
            session = self.session_class(data)
            session.issued = issued
            if fallback is not None:
                self.report("fallback_key", index=fallback)
            if fallback is not None or migrated:
                # Re-issue it with the current key (and format), so rotation
                # completes for every active user.
                session.modified = True
            return session
        session = self.session_class(new=True)
        if first is not None:
            self.report_rejected(first)
            # Delete a stale cookie, unless the application writes anew.
            session.modified = first.event != "invalid"
        return session

    def save_session(
        self, app: AppLike, session: Session, response: ResponseLike
    ) -> None:
        """Set, refresh or delete the cookie, as needed, and add
        ``Vary: Cookie`` when the session was used."""
        data = session._data
        if not (self.should_set_cookie(app, session) if data else session.modified):
            if session.accessed:
                add_vary_cookie(response)
            return
        # From here a cookie is set or deleted: the response varies on Cookie
        # whether or not the application read the session.
        add_vary_cookie(response)
        name = self.get_cookie_name(app)
        attrs = self.cookie_attributes(app)
        if not attrs["partitioned"]:
            del attrs["partitioned"]  # webob's set_cookie does not know it
        if not data:
            # Through set_cookie, so the attributes match the cookie's own
            # (webob's delete_cookie drops them); Max-Age=0 with a past
            # Expires makes every browser drop it.
            response.set_cookie(name, "", max_age=0, **attrs)
            return
        value = self._cookie_value(app, data)
        if value is None:
            return  # a subclass that signs nothing saves nothing
        self.set_session_cookie(app, session, response, value, attrs)

    def set_session_cookie(
        self,
        app: AppLike,
        session: Session,
        response: ResponseLike,
        value: str,
        attrs: dict[str, t.Any],
    ) -> None:
        """Send the session cookie *value*: with ``Max-Age`` (and
        ``Expires``) when permanent, a ``reissued`` event for an unchanged
        session, and the size check.

        .. versionadded:: 0.2
        """
        name = self.get_cookie_name(app)
        expires = self.get_expiration_time(app, session)
        if expires is not None:
            # Max-Age alone: set_cookie writes the matching Expires.
            attrs["max_age"] = max(0, round(expires.timestamp() - time.time()))
        response.set_cookie(name, value, **attrs)
        if not session.modified:
            self.report("reissued")
        check_cookie_size(self, app, name, response)


class Verified(t.NamedTuple):
    """A cookie that passed every check.

    .. versionadded:: 0.2
    """

    #: The session data.
    data: dict[str, t.Any]
    #: When it was issued, in seconds since the epoch.
    issued: int
    #: The index in ``SECRET_KEY_FALLBACKS`` of the key that verified it, or
    #: ``None`` for ``SECRET_KEY``.
    fallback: int | None
    #: Whether it came in another format (``accept_signed``) and is taken
    #: over. Either this or a fallback key re-issues it.
    migrated: bool = False


class Rejected(t.NamedTuple):
    """A cookie that failed a check: the event to report and its reason.

    .. versionadded:: 0.2
    """

    #: ``"invalid"``, ``"expired"`` or ``"revoked"``.
    event: str
    #: The ``reason`` detail, or ``None``.
    reason: str | None


def dumps_session(serializer: t.Any, data: Mapping[str, t.Any]) -> str:
    """``serializer.dumps(data)``; a value that cannot be stored raises a
    :exc:`TypeError` naming its key."""
    try:
        value: str = serializer.dumps(data if type(data) is dict else dict(data))
        return value
    except (TypeError, ValueError, RecursionError) as e:
        for key, value in data.items():
            try:
                serializer.serializer.dumps({key: value})
            except (TypeError, ValueError, RecursionError) as inner:
                problem = (
                    "it is nested too deeply"
                    if isinstance(inner, RecursionError)
                    else f"{type(value).__name__} is not JSON serializable"
                )
                raise TypeError(
                    f"The session value for {key!r} cannot be stored in a cookie:"
                    f" {problem}. Store str, int, float, bool, None, list, dict,"
                    " tuple, bytes, datetime or UUID values."
                ) from e
        raise


def check_cookie_size(
    interface: SessionInterface, app: AppLike, name: str, response: ResponseLike
) -> None:
    """Warn, log and report ``oversize`` when the ``Set-Cookie`` header just
    added is over ``MAX_COOKIE_SIZE``."""
    limit = app.config["MAX_COOKIE_SIZE"]
    header = response.headerlist[-1][1]
    size = len(header) if header.isascii() else len(header.encode())
    if limit and size > limit:
        message = (
            f"The session cookie {name!r} is {size} bytes, over the {limit}-byte"
            " limit (MAX_COOKIE_SIZE): browsers may ignore it. Store less in"
            " the session."
        )
        logger.warning(message)
        interface.report("oversize", size=size, limit=limit)
        warn(message)


# The peek memo: header hashes to answers, 1024 of them (about 100 KiB).
_PEEKED: dict[int, bool] = {}
_PEEK_MEMO_SIZE = 1024
_MAX_INFLATE = 64 * 1024


def _peek_permanent(value: str) -> bool:
    payload = (
        value.partition(".")[0] if value[:1] != "." else value[1:].partition(".")[0]
    )
    try:
        raw = b64decode(payload.encode("ascii"))
        if value[:1] == ".":
            # Inflate only so far: a zip bomb must not cost more than a
            # signature check would.
            raw = zlib.decompressobj().decompress(raw, _MAX_INFLATE)
    except (ValueError, UnicodeEncodeError, zlib.error):
        return False
    return b'"_permanent":true' in raw


# The one open/save path of every integration (middleware, Pyramid, Bottle).


def open_request_session(
    interface: SessionInterface, app: AppLike, environ: t.Any
) -> Session:
    """The session of one request: a null session without a secret key,
    otherwise a session of ``interface.session_class`` that is opened (no
    cookie is read before) on first use.

    .. versionadded:: 0.2
    """
    if not app.config["SECRET_KEY"]:
        return interface.make_null_session(app)
    cls = interface.session_class
    lazy = _LAZY_CLASSES.get(cls) or _lazy_class(cls)
    session: Session = object.__new__(lazy)
    # A tuple costs less to make than a closure, once per request.
    session._opener = (interface, app, environ)
    return session


def save_request_session(
    interface: SessionInterface,
    app: AppLike,
    session: Session,
    response: ResponseLike,
    environ: Mapping[str, t.Any],
) -> None:
    """Save the session of one request into *response*, unless it is null.

    An unused session is opened only when ``interface.needs_refresh`` says a
    refresh is due. When the response already sets the session cookie (an
    inner application or middleware wrote it: a logout, say), nothing more
    is written: one writer per cookie. A response that sets or deletes the
    cookie and has no ``Cache-Control`` gets ``Cache-Control: private``.

    .. versionadded:: 0.2
    """
    if session._opener is not None:
        if not interface.needs_refresh(app, environ):
            return
        ensure_opened(session)
    if interface.is_null_session(session):
        return
    name = interface.get_cookie_name(app)
    headers = response.headerlist
    sets_cookie, has_cache_control = _cookie_headers(headers, name)
    if sets_cookie:
        if session.modified:
            logger.warning(
                "The response already sets the session cookie %r, so the"
                " session changed in this request is not saved over it.",
                name,
            )
        if session.accessed:
            add_vary_cookie(response)
        return
    before = len(headers)
    interface.save_session(app, session, response)
    if not has_cache_control:
        # The save appends what it writes: only that needs a look, unless
        # the list did not grow (merging Vary headers can shorten it).
        added = headers[before:] if len(headers) > before else headers
        sets_cookie, has_cache_control = _cookie_headers(added, name)
        if sets_cookie and not has_cache_control:
            # A shared cache must never hand one user's session to another.
            headers.append(("Cache-Control", "private"))


def _cookie_headers(headers: list[tuple[str, str]], name: str) -> tuple[bool, bool]:
    """Whether *headers* set the cookie *name*, and hold a Cache-Control."""
    prefix = name + "="
    sets_cookie = has_cache_control = False
    for key, value in headers:
        lowered = key.lower()
        if lowered == "set-cookie" and value.lstrip().startswith(prefix):
            sets_cookie = True
        elif lowered == "cache-control":
            has_cache_control = True
    return sets_cookie, has_cache_control
