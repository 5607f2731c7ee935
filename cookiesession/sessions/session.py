"""The session of one request, and the null session used without a secret
key.

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
import time
import typing as t
from collections.abc import Iterator, Mapping, MutableMapping
from types import MappingProxyType

from .lifetimes import CREATED

__all__ = [
    "AUTHENTICATED",
    "CSRF_TOKEN",
    "NO_SECRET_KEY",
    "NullSession",
    "Session",
    "request_cache",
]

#: Where :meth:`Session.mark_authenticated` stamps the time (int seconds).
AUTHENTICATED = "_auth"
#: Where the CSRF token is kept (Pyramid's key).
CSRF_TOKEN = "_csrft_"
#: How far ahead of this server's clock an ``"_auth"`` stamp may be and
#: still count as now: ``SESSION_CLOCK_LEEWAY``'s default.
_STAMP_LEEWAY = 60

_MISSING: t.Any = object()

#: Why a null session refuses changes.
NO_SECRET_KEY = (
    "The session is unavailable because no secret key was set. Set SECRET_KEY"
    " in the configuration to a long random string; 'cookiesession keygen'"
    " prints one."
)


class Session(MutableMapping[str, t.Any]):
    """The session of one request: a mutable mapping that records whether
    it was used and changed (the table in :doc:`/sessions`).

    Changing a value *inside* the session (``session["cart"].append(3)``)
    cannot be seen: set ``session.modified = True`` afterwards.

    :param initial: The initial contents.
    :param new: Whether no valid session cookie came with the request.

    .. versionadded:: 0.1
    """

    __slots__ = (
        "_data",
        "_request_cache",
        "_view",
        "accessed",
        "issued",
        "modified",
        "new",
        "unsaved",
    )

    def __init__(
        self, initial: Mapping[str, t.Any] | None = None, *, new: bool = False
    ) -> None:
        self._data: dict[str, t.Any] = {} if initial is None else dict(initial)
        self._view: Mapping[str, t.Any] = MappingProxyType(self._data)
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
        #: Why this session must not be saved (``None`` when it may be): the
        #: validator raised while its cookie was checked, or its stored id
        #: was replaced by a regenerate moments ago.
        #:
        #: .. versionadded:: 0.3
        self.unsaved: str | None = None

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self._data!r}>"

    @property
    def data(self) -> Mapping[str, t.Any]:
        """A read-only view of the contents that marks nothing: for session
        interfaces and integrations, which must not make a response vary.

        .. versionadded:: 0.2
        """
        # Made once: interfaces look at it several times per request.
        return self._view

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

    # Logins.
    def regenerate(self) -> None:
        """Start a new session after a login, keeping its data: the CSRF
        token rotates, ``"_auth"`` is removed and the absolute timeout
        counts from now. On a server-side session the id changes too.

        .. versionadded:: 0.3
        """
        for key in (CSRF_TOKEN, AUTHENTICATED, CREATED):
            self._data.pop(key, None)
        self.accessed = self.modified = True

    def mark_authenticated(self) -> None:
        """Note that the user has just proved who they are (a login, or the
        password asked again): stamps ``"_auth"`` with the time and rotates
        the CSRF token. :meth:`authenticated_within` reads the stamp.

        .. versionadded:: 0.3
        """
        self._data.pop(CSRF_TOKEN, None)
        self[AUTHENTICATED] = int(time.time())

    def authenticated_within(self, seconds: float) -> bool:
        """Whether :meth:`mark_authenticated` was called at most *seconds*
        ago, for a sensitive action ("sudo mode"). Refreshes never move the
        stamp; clearing or regenerating the session removes it. A stamp up
        to 60 seconds ahead of this server's clock (another server's) counts
        as now.

        .. versionadded:: 0.3
        """
        self.accessed = True
        stamp = self._data.get(AUTHENTICATED)
        if type(stamp) is not int:
            return False
        age = time.time() - stamp
        return -_STAMP_LEEWAY <= age <= seconds

    # Beaker's names, so code written for Beaker runs unchanged.
    @property
    def id(self) -> str | None:
        """Beaker's ``session.id``: ``None`` for a cookie session, which has
        no name; a stored session's ``handle`` (as in device lists).

        .. versionadded:: 0.3
        """
        return None

    def save(self) -> None:
        """Beaker's ``session.save()``: mark the session changed, so the
        response saves it (after changing a nested value, say). It is
        written when the response is sent, as every change is.

        .. versionadded:: 0.3
        """
        self.accessed = self.modified = True

    def delete(self) -> None:
        """Beaker's ``session.delete()``: :meth:`clear` it. The cookie is
        deleted; a stored session ends at once.

        .. versionadded:: 0.3
        """
        self.clear()

    def invalidate(self) -> None:
        """Beaker's and Pyramid's ``session.invalidate()``: :meth:`clear`
        it. Anything written afterwards starts a new session (on a store,
        under a new id).

        .. versionadded:: 0.3
        """
        self.clear()


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
        self._view = MappingProxyType(self._data)

    def _fail(self, *args: t.Any, **kwargs: t.Any) -> t.NoReturn:
        raise RuntimeError(NO_SECRET_KEY)

    __setitem__ = __delitem__ = clear = pop = popitem = _fail
    setdefault = update = __ior__ = save = _fail


class _NullData(dict[str, t.Any]):
    """A null session's contents: every change fails as the session's own
    mutators do, however it is reached."""

    def _fail(self, *args: t.Any, **kwargs: t.Any) -> t.NoReturn:
        raise RuntimeError(NO_SECRET_KEY)

    __setitem__ = __delitem__ = clear = pop = popitem = _fail
    setdefault = update = __ior__ = _fail


def request_cache(session: t.Any) -> dict[str, t.Any]:
    """A dict that lives as long as *session*, the session of one request:
    where helpers such as :func:`~cookiesession.get_flashed_messages` keep
    what they computed for this request. Never saved. Any session class
    works: one that is not a :class:`~cookiesession.Session` keeps it as an attribute.

    .. versionadded:: 0.2
    """
    try:
        cache: dict[str, t.Any] | None = session._request_cache
    except AttributeError:
        cache = None
    if cache is None:
        cache = {}
        with contextlib.suppress(AttributeError):  # slots of its own
            session._request_cache = cache
    return cache
