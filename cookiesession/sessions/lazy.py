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
from collections.abc import Callable, Iterator

from .session import Session

if t.TYPE_CHECKING:
    from .interface import SessionInterface
    from .outcomes import AppLike

__all__ = [
    "LazySession",
    "arm",
    "ensure_opened",
    "is_opened",
    "loaded",
    "marked_accessed",
    "state_of",
    "unopened_header",
]

#: How a lazy session opens: the interface, the app, the request's raw
#: ``Cookie`` header, and a callable that makes the request object a
#: Flask-style ``open_session(app, request)`` needs, with its one argument
#: (both opaque to the core: the driver's own).
Opener = tuple["SessionInterface", "AppLike", str, Callable[[t.Any], t.Any], t.Any]


class LazySession:
    """The session of one request, opened on first use.

    Putting it in place costs no signature check and no store call; the
    first read, write or attribute access opens the real session (at most
    once per request) and from then on each use is passed straight to it.
    It is a mapping by every test that matters (``isinstance(lazy,
    Mapping)``, ``dict(lazy)``), through the real session's class.

    .. versionadded:: 0.3
    """

    # One slot: the opener until the first use, then the real session (a
    # mapping, never a tuple). Nothing refers back to the request after.
    __slots__ = ("_state",)

    _state: t.Any

    def __init__(self, opener: Opener) -> None:
        _STATE(self, opener)

    def _get(self) -> t.Any:
        state = self._state
        if type(state) is tuple:
            interface, app, header, make_request, source = state[:5]
            opened = interface.open_now(app, header, make_request, source)
            if len(state) > 5:
                opened.accessed = True  # set from outside before (Flask)
            _STATE(self, opened)
            state = opened
        return state

    # ``isinstance(lazy, cls)`` asks ``__class__`` once ``type()`` does not
    # match: answer with the real session's class (or, before it is opened,
    # the class the interface makes).
    @property  # type: ignore[misc]
    def __class__(self) -> type:
        state = self._state
        if type(state) is tuple:
            return t.cast(type, state[0].session_class)
        return type(state)

    # zope.interface (Pyramid's ISession) asks for this on the instance
    # first, and may cache a declaration on the stand-in's class otherwise.
    @property
    def __providedBy__(self) -> t.Any:
        return self._get().__providedBy__

    def __getattr__(self, name: str) -> t.Any:
        # Only for names not found on the stand-in itself.
        return getattr(self._get(), name)

    def __setattr__(self, name: str, value: t.Any) -> None:
        state = self._state
        if name == "accessed" and type(state) is tuple:
            # Flask marks the session accessed whenever its request context
            # hands it out: note it, without opening the session.
            if value and len(state) == 5:
                _STATE(self, (*state, True))
            return
        setattr(self._get(), name, value)

    def __delattr__(self, name: str) -> None:
        delattr(self._get(), name)

    def mark_accessed(self) -> None:
        """Starlette's ``request.session`` calls this on every access
        (asking for it first with ``hasattr``): noted as Flask's
        ``accessed = True`` is, without opening the session."""
        state = self._state
        if type(state) is tuple:
            self.accessed = True
        else:
            state.accessed = True

    def __repr__(self) -> str:
        state = self._state
        if type(state) is tuple:
            return f"<{state[0].session_class.__name__} (not loaded yet)>"
        return repr(state)

    # The mapping, passed on. Spelled out, not inherited from the mixin
    # methods, so each use costs one call into the real session.
    # The hot four check the state inline: no second call once open.
    def __getitem__(self, key: str) -> t.Any:
        state = self._state
        return (self._get() if type(state) is tuple else state)[key]

    def __setitem__(self, key: str, value: t.Any) -> None:
        state = self._state
        (self._get() if type(state) is tuple else state)[key] = value

    def __delitem__(self, key: str) -> None:
        del self._get()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._get())

    def __len__(self) -> int:
        return len(self._get())

    def __contains__(self, key: object) -> bool:
        state = self._state
        return key in (self._get() if type(state) is tuple else state)

    def __eq__(self, other: object) -> bool:
        if type(other) is LazySession:
            other = other._get()
        return bool(self._get() == other)

    __hash__ = None  # type: ignore[assignment]

    def __ior__(self, other: t.Any) -> LazySession:
        self._get().update(other)
        return self

    def get(self, key: str, default: t.Any = None) -> t.Any:
        state = self._state
        return (self._get() if type(state) is tuple else state).get(key, default)

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


_STATE = LazySession.__dict__["_state"].__set__

# The slot's own C accessors, for a driver's per-request path (no Python
# frame): ``arm(object.__new__(LazySession), opener)`` is
# ``LazySession(opener)``, and ``state_of(lazy)`` is the opener (a tuple)
# until the first use, then the real session.
arm = _STATE
state_of = LazySession.__dict__["_state"].__get__


def is_opened(session: t.Any) -> bool:
    """Whether *session* was used (a lazy session is opened by its first
    use; every other session is open).

    .. versionadded:: 0.2
    """
    return type(session) is not LazySession or type(session._state) is not tuple


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
        state = session._state
        real: Session = session._get() if type(state) is tuple else state
        return real
    return session  # type: ignore[no-any-return]


def marked_accessed(session: t.Any) -> bool:
    """Whether a lazy session not opened yet was marked accessed from
    outside (Flask does, whenever its request context hands it out).

    .. versionadded:: 0.3
    """
    state = session._state
    return type(state) is tuple and len(state) > 5


def unopened_header(session: t.Any) -> str | None:
    """The raw ``Cookie`` header of a lazy session not opened yet; ``None``
    for any other session.

    .. versionadded:: 0.3
    """
    if type(session) is LazySession:
        state = session._state
        if type(state) is tuple:
            header: str = state[2]
            return header
    return None
