"""Server-side sessions for asyncio: the rules of
:class:`~cookiesession.stores.base.StoreSessionInterface`, unchanged, over
a backend whose operations are coroutines.

The rules are synchronous code that calls its store. Here that store
*defers*: a call it cannot answer yet stops the pass (an exception that
no rule catches), the driver awaits the real operation, records the answer
and runs the pass again, which now gets every answer so far in the order
it asks. The rules are deterministic given those answers, and what is not
(the new id and the time of a save) is fixed by the save plan, which is
made once per request and reused. So a request's open costs what the sync
store's costs (1 HMAC, 1 round trip) and each operation runs exactly once.
Between two awaits a pass runs without yielding, so concurrent requests
never see each other's answers (they are kept in a context variable).
"""

from __future__ import annotations

import contextvars
import typing as t
from collections.abc import Callable, Mapping

from ..sessions import (
    AppLike,
    Rejected,
    Session,
    Verified,
    no_request,
    save_request_session,
)
from ..wire.cookies import ResponseHeaders, ResponseLike
from .base import StoreSessionInterface
from .plan import SavePlan
from .session import ServerSession

__all__ = ["AsyncStore", "AsyncStoreSessionInterface"]

_T = t.TypeVar("_T")
_R = t.TypeVar("_R", bound=ResponseHeaders)


class AsyncStore(t.Protocol):
    """The coroutines of :class:`~cookiesession.stores.protocol.Store`.

    .. versionadded:: 0.3
    """

    async def load(self, key: str) -> Mapping[t.Any, t.Any]: ...
    async def save(self, plan: SavePlan) -> int: ...
    async def retire(self, key: str, grace_ms: int) -> bool: ...
    async def delete(self, key: str) -> bool: ...
    async def index(self, index: str) -> Mapping[t.Any, t.Any]: ...
    async def alive(self, keys: list[str]) -> list[bool]: ...
    async def unindex(self, index: str, keys: list[str]) -> None: ...
    async def delete_all(
        self, index: str, keys: list[str], keep: bool = False
    ) -> int: ...


class _Pending(BaseException):
    """A store call not answered yet. A ``BaseException``: no rule's
    ``except Exception`` may take it for a store failure."""

    def __init__(self, method: str, args: tuple[t.Any, ...]) -> None:
        self.method, self.call_args = method, args


class _Answers:
    """One request's store answers so far, and what a pass must reuse."""

    __slots__ = ("answers", "asked", "checked", "plan")

    def __init__(self) -> None:
        self.answers: list[t.Any] = []
        self.asked = 0
        self.checked: dict[tuple[str, str], t.Any] = {}
        self.plan: SavePlan | None = None


_CURRENT: contextvars.ContextVar[_Answers | None] = contextvars.ContextVar(
    "cookiesession_store_answers", default=None
)


class _DeferringStore:
    """The sync store the rules see: each call answered from the current
    request's answers, in order, or deferred to the driver."""

    def __getattr__(self, method: str) -> Callable[..., t.Any]:
        def call(*args: t.Any) -> t.Any:
            current = _CURRENT.get()
            if current is None:
                raise TypeError(
                    "An async session interface was called synchronously: use"
                    " it with cookiesession.asgi.SessionMiddleware, and await"
                    " its revoke, revoke_user, list_sessions and revoke_session."
                )
            asked = current.asked
            current.asked += 1
            if asked < len(current.answers):
                return current.answers[asked]
            raise _Pending(method, args)

        return call


class AsyncStoreSessionInterface(StoreSessionInterface):
    """A store interface for ``cookiesession.asgi``: the same keys, fields,
    cookies and rules as :class:`~cookiesession.stores.base.StoreSessionInterface`,
    over an :class:`AsyncStore`. ``revoke``, ``list_sessions``,
    ``revoke_session`` and ``revoke_user`` are coroutines.

    :param store: The async backend; the other parameters are those of
        :class:`~cookiesession.stores.base.StoreSessionInterface`.

    .. versionadded:: 0.3
    """

    is_async = True

    def __init__(self, store: AsyncStore, **kwargs: t.Any) -> None:
        super().__init__(t.cast(t.Any, _DeferringStore()), **kwargs)
        #: The async backend.
        self.async_store = store

    async def _drive(self, what: str, run: Callable[[], _T]) -> _T:
        """Run *run* (sync rules) until every store call it makes is
        answered; each real call is awaited once."""
        current = _Answers()
        token = _CURRENT.set(current)
        try:
            while True:
                current.asked = 0
                try:
                    return run()
                except _Pending as pending:
                    if pending.method == "save":
                        current.plan = pending.call_args[0]
                    operation = getattr(self.async_store, pending.method)
                    current.answers.append(
                        await self._await(what, operation(*pending.call_args))
                    )
        finally:
            _CURRENT.reset(token)

    async def _await(self, what: str, operation: t.Awaitable[_T]) -> _T:
        try:
            return await operation
        except Exception as e:
            failure = self._failed(what, e)
            if failure is e:
                raise
            raise failure from e

    # -- What a pass reuses --------------------------------------------------

    def _memo(self, kind: str, value: str, check: Callable[[], _T]) -> _T:
        current = _CURRENT.get()
        if current is None:
            return check()
        key = (kind, value)
        if key not in current.checked:
            current.checked[key] = check()
        return t.cast(_T, current.checked[key])

    def _verify_id(
        self, app: AppLike, value: str
    ) -> tuple[str, int, int | None] | Rejected:
        check = lambda: StoreSessionInterface._verify_id(self, app, value)  # noqa: E731
        return self._memo("id", value, check)

    def _verify_signed(self, app: AppLike, value: str) -> Verified | Rejected:
        check = lambda: StoreSessionInterface._verify_signed(self, app, value)  # noqa: E731
        return self._memo("signed", value, check)

    def _plan(self, app: AppLike, session: ServerSession, probation: bool) -> SavePlan:
        current = _CURRENT.get()
        if current is not None and current.plan is not None:
            return current.plan
        return super()._plan(app, session, probation)

    # -- For the ASGI driver -------------------------------------------------

    async def open_async(self, app: AppLike, cookie_header: str) -> Session:
        """The session of a request with this ``Cookie`` header, loaded now:
        a store call only for a value whose signature verifies."""

        def run() -> Session:
            return self.open_now(app, cookie_header, no_request, None)

        return await self._drive("load a session", run)

    async def save_async(self, app: AppLike, session: Session, response: _R) -> _R:
        """:func:`~cookiesession.sessions.save_request_session`, awaiting
        the store: returns a copy of *response* (a
        :class:`~cookiesession.wire.cookies.ResponseHeaders`, or a subclass
        that records more) with the save applied; *response* is unchanged,
        and no copy is made of a save that failed."""

        def run() -> _R:
            trial = t.cast(_R, response.fork())
            save_request_session(self, app, session, t.cast(ResponseLike, trial))
            return trial

        return await self._drive("save a session", run)

    # -- A user's sessions, awaited ------------------------------------------

    async def revoke(self, session: Session) -> None:  # type: ignore[override]
        """End *session* now (a coroutine)."""
        await self._drive(
            "delete a session",
            lambda: StoreSessionInterface.revoke(self, session),
        )

    async def list_sessions(  # type: ignore[override]
        self, user_id: t.Any, *, current: Session | None = None
    ) -> list[dict[str, t.Any]]:
        """As the sync interface's ``list_sessions`` (a coroutine)."""
        parent = StoreSessionInterface
        return await self._drive(
            "list sessions",
            lambda: parent.list_sessions(self, user_id, current=current),
        )

    async def revoke_session(self, user_id: t.Any, handle: str) -> bool:  # type: ignore[override]
        """As the sync interface's ``revoke_session`` (a coroutine)."""
        parent = StoreSessionInterface
        return await self._drive(
            "revoke", lambda: parent.revoke_session(self, user_id, handle)
        )

    async def revoke_user(self, user_id: t.Any) -> int:  # type: ignore[override]
        """As the sync interface's ``revoke_user`` (a coroutine)."""
        parent = StoreSessionInterface
        return await self._drive("revoke", lambda: parent.revoke_user(self, user_id))

    # -- For tests -----------------------------------------------------------

    async def encode_session_async(
        self, app: AppLike, data: Mapping[str, t.Any]
    ) -> str:
        """:meth:`encode_session`, awaiting the store."""
        parent = StoreSessionInterface
        return await self._drive(
            "save a session", lambda: parent.encode_session(self, app, data)
        )

    async def decode_session_async(self, app: AppLike, value: str) -> dict[str, t.Any]:
        """:meth:`decode_session`, awaiting the store."""
        parent = StoreSessionInterface
        return await self._drive(
            "load a session", lambda: parent.decode_session(self, app, value)
        )
