"""Session objects and the interfaces that load and save them.

A :class:`SessionInterface` decides *how* a session is stored;
:class:`SecureCookieSessionInterface` stores it in a signed cookie, in the
same format as Flask, so a cookie made by either loads in the other.
The split follows Flask: :meth:`SessionInterface.open_session` and
:meth:`SessionInterface.save_session` do the work, and small ``get_*``
methods read each setting, so a subclass can change one thing.
"""

from __future__ import annotations

import hashlib
import logging
import re
import time
import typing as t
import warnings
from collections.abc import Iterator, Mapping, MutableMapping
from datetime import datetime, timedelta, timezone

from itsdangerous import BadData, SignatureExpired, URLSafeTimedSerializer

from ._cookies import ResponseLike, add_vary_cookie, cookie_header, cookie_values
from ._signing import SessionSerializer, _b64decode
from .serializer import TaggedJSONSerializer

if t.TYPE_CHECKING:
    import webob

__all__ = [
    "NullSession",
    "SecureCookieSessionInterface",
    "Session",
    "SessionInterface",
    "session_json_serializer",
]

logger = logging.getLogger("cookiesession")

_MISSING: t.Any = object()
_PEEK_MEMO_SIZE = 1024
_SERIALIZER_CACHE_SIZE = 64
_COOKIE_VALUE = re.compile(r"[A-Za-z0-9_\-.]+").fullmatch


class Session(MutableMapping[str, t.Any]):
    """The session of one request: a mutable mapping that records whether
    it was used and changed.

    Every mutator sets :attr:`modified`; every read sets :attr:`accessed`.
    Changing a value *inside* the session (``session["cart"].append(3)``)
    cannot be seen: set ``session.modified = True`` afterwards.

    :param initial: The initial contents.
    :param new: Whether no valid session cookie came with the request.

    .. versionadded:: 0.1
    """

    __slots__ = ("_data", "accessed", "modified", "new")

    def __init__(
        self, initial: Mapping[str, t.Any] | None = None, *, new: bool = False
    ) -> None:
        self._data: dict[str, t.Any] = {} if initial is None else dict(initial)
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
    def permanent(self) -> bool:
        """Whether the cookie outlives the browser session, expiring after
        ``PERMANENT_SESSION_LIFETIME``. Stored as the ``"_permanent"`` key,
        as Flask does."""
        self.accessed = True
        return bool(self._data.get("_permanent", False))

    @permanent.setter
    def permanent(self, value: bool) -> None:
        self["_permanent"] = bool(value)

    # Reads.
    def __getitem__(self, key: str) -> t.Any:
        self.accessed = True
        return self._data[key]

    def get(self, key: str, default: t.Any = None) -> t.Any:
        self.accessed = True
        return self._data.get(key, default)

    def __contains__(self, key: object) -> bool:
        self.accessed = True
        return key in self._data

    def __iter__(self) -> Iterator[str]:
        self.accessed = True
        return iter(self._data)

    def __len__(self) -> int:
        self.accessed = True
        return len(self._data)

    def keys(self) -> t.KeysView[str]:
        self.accessed = True
        return self._data.keys()

    def items(self) -> t.ItemsView[str, t.Any]:
        self.accessed = True
        return self._data.items()

    def values(self) -> t.ValuesView[t.Any]:
        self.accessed = True
        return self._data.values()

    def __eq__(self, other: object) -> bool:
        self.accessed = True
        if isinstance(other, Session):
            return self._data == other._data
        return self._data == other

    __hash__ = None  # type: ignore[assignment]

    # Mutators.
    def __setitem__(self, key: str, value: t.Any) -> None:
        self.accessed = self.modified = True
        self._data[key] = value

    def __delitem__(self, key: str) -> None:
        self.accessed = self.modified = True
        del self._data[key]

    def clear(self) -> None:
        self.accessed = self.modified = True
        self._data.clear()

    def pop(self, key: str, default: t.Any = _MISSING) -> t.Any:
        self.accessed = True
        if key in self._data:
            self.modified = True
            return self._data.pop(key)
        if default is _MISSING:
            raise KeyError(key)
        return default

    def popitem(self) -> tuple[str, t.Any]:
        self.accessed = True
        item = self._data.popitem()
        self.modified = True
        return item

    def setdefault(self, key: str, default: t.Any = None) -> t.Any:
        self.accessed = True
        if key not in self._data:
            self.modified = True
            self._data[key] = default
        return self._data[key]

    def update(self, other: t.Any = (), /, **kwargs: t.Any) -> None:
        self.accessed = self.modified = True
        self._data.update(other, **kwargs)

    def __ior__(self, other: t.Any) -> Session:
        self.update(other)
        return self


class NullSession(Session):
    """The session when no secret key is set: it reads as empty, and every
    change raises :exc:`RuntimeError` explaining how to set a key.

    .. versionadded:: 0.1
    """

    __slots__ = ()

    def _fail(self, *args: t.Any, **kwargs: t.Any) -> t.NoReturn:
        raise RuntimeError(
            "The session is unavailable because no secret key was set. Set"
            " SECRET_KEY in the configuration (for example with the"
            " FLASK_SECRET_KEY environment variable) to a long random string;"
            " 'cookiesession keygen' prints one."
        )

    __setitem__ = __delitem__ = clear = pop = popitem = _fail
    setdefault = update = __ior__ = _fail


class _AppLike(t.Protocol):
    @property
    def config(self) -> Mapping[str, t.Any]: ...


class SessionInterface:
    """The base class of session storage, with Flask's method set.

    Subclass it and implement :meth:`open_session` and :meth:`save_session`;
    the ``get_*`` methods read the cookie settings from ``app.config``.
    ``app`` is the :class:`~cookiesession.SessionMiddleware` (or integration)
    and ``request`` a :class:`webob.Request`; ``response`` is a
    :class:`webob.Response` or an object with the same ``headerlist``,
    ``vary``, ``set_cookie`` and ``delete_cookie``.

    .. versionadded:: 0.1
    """

    #: The class :meth:`make_null_session` returns.
    null_session_class: type[Session] = NullSession

    def make_null_session(self, app: _AppLike) -> Session:
        """The session to use when a real one cannot be had."""
        return self.null_session_class()

    def is_null_session(self, obj: object) -> bool:
        """Whether *obj* is a null session: one never saved."""
        return isinstance(obj, self.null_session_class)

    def get_cookie_name(self, app: _AppLike) -> str:
        """``SESSION_COOKIE_NAME``."""
        return t.cast(str, app.config["SESSION_COOKIE_NAME"])

    def get_cookie_domain(self, app: _AppLike) -> str | None:
        """``SESSION_COOKIE_DOMAIN``; ``None`` makes a host-only cookie."""
        return t.cast("str | None", app.config["SESSION_COOKIE_DOMAIN"])

    def get_cookie_path(self, app: _AppLike) -> str:
        """``SESSION_COOKIE_PATH``, or ``APPLICATION_ROOT`` when unset."""
        config = app.config
        return t.cast(str, config["SESSION_COOKIE_PATH"] or config["APPLICATION_ROOT"])

    def get_cookie_httponly(self, app: _AppLike) -> bool:
        """``SESSION_COOKIE_HTTPONLY``."""
        return t.cast(bool, app.config["SESSION_COOKIE_HTTPONLY"])

    def get_cookie_secure(self, app: _AppLike) -> bool:
        """``SESSION_COOKIE_SECURE``."""
        return t.cast(bool, app.config["SESSION_COOKIE_SECURE"])

    def get_cookie_samesite(self, app: _AppLike) -> str | None:
        """``SESSION_COOKIE_SAMESITE``; ``None`` omits the attribute."""
        return t.cast("str | None", app.config["SESSION_COOKIE_SAMESITE"])

    def get_cookie_partitioned(self, app: _AppLike) -> bool:
        """``SESSION_COOKIE_PARTITIONED``."""
        return t.cast(bool, app.config["SESSION_COOKIE_PARTITIONED"])

    def get_expiration_time(self, app: _AppLike, session: Session) -> datetime | None:
        """When a permanent session's cookie expires: now plus
        ``PERMANENT_SESSION_LIFETIME``. ``None`` for a browser-session
        cookie."""
        if not session._data.get("_permanent"):
            return None
        lifetime: timedelta = app.config["PERMANENT_SESSION_LIFETIME"]
        return datetime.fromtimestamp(time.time(), timezone.utc) + lifetime

    def should_set_cookie(self, app: _AppLike, session: Session) -> bool:
        """Whether to send the cookie: the session was modified, or it is
        permanent and ``SESSION_REFRESH_EACH_REQUEST`` is on."""
        return session.modified or bool(
            session._data.get("_permanent")
            and app.config["SESSION_REFRESH_EACH_REQUEST"]
        )

    def needs_refresh(self, app: _AppLike, environ: Mapping[str, t.Any]) -> bool:
        """Whether a request that never used its session must still load and
        save it, to refresh a permanent session's expiry. It gets the WSGI
        environ, not a request object, because it runs on every request.

        This default says yes whenever ``SESSION_REFRESH_EACH_REQUEST`` is
        on; :class:`SecureCookieSessionInterface` looks into the cookie.
        """
        return bool(app.config["SESSION_REFRESH_EACH_REQUEST"])

    def open_session(self, app: _AppLike, request: webob.Request) -> Session | None:
        """Load the session of *request*; ``None`` means a null session."""
        raise NotImplementedError

    def save_session(
        self, app: _AppLike, session: Session, response: ResponseLike
    ) -> None:
        """Write *session* to *response*, if it needs writing."""
        raise NotImplementedError


#: The serializer for Flask's tagged-JSON session format.
session_json_serializer = TaggedJSONSerializer()


class SecureCookieSessionInterface(SessionInterface):
    """Stores the session in a cookie signed with itsdangerous, in Flask's
    format: the salt, key derivation, digest and serializer below are
    Flask's defaults, so cookies are interchangeable with a Flask app that
    has the same ``SECRET_KEY``.

    Signing uses ``SECRET_KEY``; verifying also accepts
    ``SECRET_KEY_FALLBACKS``, and a session that verified only with a
    fallback key is re-signed with the current key on that response.

    .. versionadded:: 0.1
    """

    #: The salt mixed into the signing key.
    salt = "cookie-session"
    #: The hash function for the signature.
    digest_method = staticmethod(hashlib.sha1)
    #: How the signing key is derived from the secret key.
    key_derivation = "hmac"
    #: Turns the session dict into text and back.
    serializer: t.Any = session_json_serializer
    #: The class of loaded sessions.
    session_class: type[Session] = Session

    def __init__(self) -> None:
        self._serializers: dict[tuple[t.Any, ...], URLSafeTimedSerializer] = {}
        self._peeked: dict[tuple[str, str], bool] = {}

    def _make_serializer(self, keys: t.Sequence[str | bytes]) -> URLSafeTimedSerializer:
        cache_key = (*keys, self.salt, self.key_derivation, self.digest_method)
        serializer = self._serializers.get(cache_key)
        if len(self._serializers) >= _SERIALIZER_CACHE_SIZE and serializer is None:
            self._serializers.clear()  # keys keep changing: do not grow forever
        if serializer is None:
            serializer = self._serializers[cache_key] = SessionSerializer(
                keys,
                self.salt,
                self.serializer,
                self.key_derivation,
                self.digest_method,
            )
        return serializer

    def get_signing_serializer(self, app: _AppLike) -> URLSafeTimedSerializer | None:
        """The serializer that signs and verifies session cookies, or
        ``None`` when no ``SECRET_KEY`` is set. It accepts the fallback keys
        too; the last key (``SECRET_KEY``) signs."""
        secret = app.config["SECRET_KEY"]
        if not secret:
            return None
        fallbacks = app.config["SECRET_KEY_FALLBACKS"] or ()
        return self._make_serializer([*fallbacks, secret])

    def _max_age(self, app: _AppLike) -> int:
        lifetime: timedelta = app.config["PERMANENT_SESSION_LIFETIME"]
        return int(lifetime.total_seconds())

    def load_cookie(
        self, app: _AppLike, value: str
    ) -> tuple[dict[str, t.Any], bool] | None:
        """Verify one cookie value: ``(data, signed_with_current_key)``, or
        ``None`` if it is invalid, expired or not a JSON object."""
        secret = app.config["SECRET_KEY"]
        # Only the characters itsdangerous writes: its base64 decoder would
        # skip others, so a changed cookie could still verify.
        if not secret or not _COOKIE_VALUE(value):
            return None
        max_age = self._max_age(app)
        # The current key alone first: it signs nearly every cookie, and a
        # cookie it verifies needs no re-issue.
        fallbacks = app.config["SECRET_KEY_FALLBACKS"]
        for keys, current in (((secret,), True), (fallbacks, False)):
            if not keys:
                continue
            try:
                data = self._make_serializer(keys).loads(value, max_age=max_age)
            except SignatureExpired:
                return None
            except BadData:
                continue
            return (data, current) if type(data) is dict else None
        return None

    def needs_refresh(self, app: _AppLike, environ: Mapping[str, t.Any]) -> bool:
        """Only for a cookie whose (unverified) payload says it is
        permanent: nothing in it is trusted, it only decides whether to
        verify it."""
        header = environ.get("HTTP_COOKIE")
        if not header or not app.config["SESSION_REFRESH_EACH_REQUEST"]:
            return False
        key = (header, self.get_cookie_name(app))
        # A browser sends the same header on request after request; the
        # answer depends on nothing else, so remember the last few.
        permanent = self._peeked.get(key)
        if permanent is None:
            permanent = any(map(_peek_permanent, cookie_values(*key)))
            if len(self._peeked) >= _PEEK_MEMO_SIZE:
                self._peeked.clear()
            self._peeked[key] = permanent
        return permanent

    def open_session(self, app: _AppLike, request: webob.Request) -> Session | None:
        """Load the first session cookie that verifies; an empty, new session
        when none does; ``None`` without a secret key."""
        if not app.config["SECRET_KEY"]:
            return None
        header = request.environ.get("HTTP_COOKIE", "")
        for value in cookie_values(header, self.get_cookie_name(app)):
            loaded = self.load_cookie(app, value)
            if loaded is not None:
                data, current = loaded
                session = self.session_class(data)
                # Re-sign a session verified by an old key, so rotation
                # completes for every active user.
                session.modified = not current
                return session
        return self.session_class(new=True)

    def save_session(
        self, app: _AppLike, session: Session, response: ResponseLike
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
        attrs: dict[str, t.Any] = {
            "path": self.get_cookie_path(app),
            "domain": self.get_cookie_domain(app),
            "secure": self.get_cookie_secure(app),
            "httponly": self.get_cookie_httponly(app),
            "samesite": self.get_cookie_samesite(app),
            "partitioned": self.get_cookie_partitioned(app),
        }
        if not data:
            # Max-Age=0 and a past Expires make every browser drop it.
            header = cookie_header(name, "", max_age=0, expires=0, **attrs)
            response.headerlist.append(("Set-Cookie", header))
            return
        serializer = self.get_signing_serializer(app)
        if serializer is None:
            return
        value = _dumps(serializer, data)
        expires = self.get_expiration_time(app, session)
        if expires is not None:
            attrs["expires"] = expires.timestamp()
            attrs["max_age"] = self._max_age(app)
        header = cookie_header(name, value, **attrs)
        _check_size(app, name, header)
        response.headerlist.append(("Set-Cookie", header))


def _dumps(serializer: URLSafeTimedSerializer, data: dict[str, t.Any]) -> str:
    try:
        return serializer.dumps(data)
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


def _check_size(app: _AppLike, name: str, header: str) -> None:
    limit = app.config["MAX_COOKIE_SIZE"]
    size = len(header) if header.isascii() else len(header.encode())
    if limit and size > limit:
        message = (
            f"The session cookie {name!r} is {size} bytes, over the {limit}-byte"
            " limit (MAX_COOKIE_SIZE): browsers may ignore it. Store less in"
            " the session."
        )
        logger.warning(message)
        warnings.warn(message, UserWarning, stacklevel=4)


def _peek_permanent(value: str) -> bool:
    if value[:1] == ".":
        return True  # compressed: verifying is cheaper than inflating here
    try:
        raw = _b64decode(value.partition(".")[0].encode("ascii"))
    except (ValueError, UnicodeEncodeError):
        return False
    return b'"_permanent":true' in raw
