"""The session a driver hands out before anything is read: a plain stand-in
that opens the real session on first use and passes every use to it.

It is composition, not class swapping: whatever the interface's
``open_session`` returns (a :class:`~cookiesession.Session`, a subclass, a
``dict`` subclass with Flask's ``SessionMixin`` attributes) is created once,
on first use, and every mapping operation, attribute and method reaches
that object. ``isinstance(lazy, ThatClass)`` holds, since ``__class__``
names the real session's class; ``type(lazy)`` stays :class:`LazySession`,
which is how the drivers tell it apart. The interface's ``save_session``
always gets the real object (:func:`loaded`).
"""

from __future__ import annotations

import typing as t
from collections.abc import Callable, Iterator, MutableMapping

from .session import Session

if t.TYPE_CHECKING:
    from .interface import SessionInterface
    from .outcomes import AppLike

__all__ = ["LazySession", "ensure_opened", "is_opened", "loaded", "unopened_header"]

#: How a lazy session opens: the interface, the app, the request's raw
#: ``Cookie`` header, and a callable that makes the request object a
#: Flask-style ``open_session(app, request)`` needs, with its one argument
#: (both opaque to the core: the driver's own).
Opener = tuple["SessionInterface", "AppLike", str, Callable[[t.Any], t.Any], t.Any]


class LazySession(MutableMapping[str, t.Any]):
    """The session of one request, opened on first use.

    Putting it in place costs no signature check and no store call; the
    first read, write or attribute access opens the real session (at most
    once per request) and from then on each use is passed straight to it.

    .. versionadded:: 0.3
    """

    __slots__ = ("_opener", "_session")

    _opener: Opener
    _session: t.Any

    def __init__(self, opener: Opener) -> None:
        _OPENER(self, opener)
        _SESSION(self, None)

    def _get(self) -> t.Any:
        session = self._session
        if session is None:
            interface, app, header, make_request, source = self._opener
            session = interface.open_now(app, header, make_request, source)
            _SESSION(self, session)
            # Drop the request it came from: nothing refers back to it.
            _OPENER(self, (interface, None, header, None, None))
        return session

    # ``isinstance(lazy, cls)`` asks ``__class__`` once ``type()`` does not
    # match: answer with the real session's class (or, before it is opened,
    # the class the interface makes).
    @property  # type: ignore[misc]
    def __class__(self) -> type:
        session = self._session
        if session is None:
            return self._opener[0].session_class
        return type(session)

    # zope.interface (Pyramid's ISession) asks for this on the instance
    # first, and may cache a declaration on the stand-in's class otherwise.
    @property
    def __providedBy__(self) -> t.Any:
        return self._get().__providedBy__

    def __getattr__(self, name: str) -> t.Any:
        # Only for names not found on the stand-in itself.
        return getattr(self._get(), name)

    def __setattr__(self, name: str, value: t.Any) -> None:
        setattr(self._get(), name, value)

    def __delattr__(self, name: str) -> None:
        delattr(self._get(), name)

    def __repr__(self) -> str:
        session = self._session
        if session is None:
            return f"<{self._opener[0].session_class.__name__} (not loaded yet)>"
        return repr(session)

    # The mapping, passed on. Spelled out, not inherited from the mixin
    # methods, so each use costs one call into the real session.
    def __getitem__(self, key: str) -> t.Any:
        return self._get()[key]

    def __setitem__(self, key: str, value: t.Any) -> None:
        self._get()[key] = value

    def __delitem__(self, key: str) -> None:
        del self._get()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._get())

    def __len__(self) -> int:
        return len(self._get())

    def __contains__(self, key: object) -> bool:
        return key in self._get()

    def __eq__(self, other: object) -> bool:
        if type(other) is LazySession:
            other = other._get()
        return bool(self._get() == other)

    __hash__ = None  # type: ignore[assignment]

    def __ior__(self, other: t.Any) -> LazySession:
        self._get().update(other)
        return self

    def get(self, key: str, default: t.Any = None) -> t.Any:
        return self._get().get(key, default)

    def keys(self) -> t.Any:
        return self._get().keys()

    def items(self) -> t.Any:
        return self._get().items()

    def values(self) -> t.Any:
        return self._get().values()

    def pop(self, key: str, *default: t.Any) -> t.Any:
        return self._get().pop(key, *default)

    def popitem(self) -> tuple[str, t.Any]:
        return t.cast("tuple[str, t.Any]", self._get().popitem())

    def setdefault(self, key: str, default: t.Any = None) -> t.Any:
        return self._get().setdefault(key, default)

    def update(self, other: t.Any = (), /, **kwargs: t.Any) -> None:
        self._get().update(other, **kwargs)

    def clear(self) -> None:
        self._get().clear()


_OPENER = LazySession.__dict__["_opener"].__set__
_SESSION = LazySession.__dict__["_session"].__set__


def is_opened(session: t.Any) -> bool:
    """Whether *session* was used (a lazy session is opened by its first
    use; every other session is open).

    .. versionadded:: 0.2
    """
    return type(session) is not LazySession or session._session is not None


def ensure_opened(session: t.Any) -> t.Any:
    """Open a lazy session now, if it is not yet; return *session*.

    .. versionadded:: 0.2
    """
    if type(session) is LazySession:
        session._get()
    return session


def loaded(session: t.Any) -> Session:
    """The real session behind *session*, opened now if it is lazy: what
    ``save_session`` receives.

    .. versionadded:: 0.3
    """
    if type(session) is LazySession:
        return t.cast(Session, session._get())
    return t.cast(Session, session)


def unopened_header(session: t.Any) -> str | None:
    """The raw ``Cookie`` header of a lazy session not opened yet; ``None``
    for any other session.

    .. versionadded:: 0.3
    """
    if type(session) is LazySession and session._session is None:
        return session._opener[2]
    return None
