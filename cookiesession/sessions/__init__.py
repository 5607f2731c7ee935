"""The session core: :class:`Session` and :class:`NullSession`, lazy
opening, :class:`SessionInterface` with its one open loop and one save
skeleton, the signed-cookie interface, lifetimes and events, and the
per-request open and save every driver calls. It takes a ``Cookie`` header
and a response-like object, never an environ."""

from ..exceptions import SessionStoreError
from ..wire.signed import is_cookie_value
from .interface import SessionInterface
from .lazy import LazySession, ensure_opened, is_opened, loaded
from .outcomes import MAX_COOKIE_VALUES, AppLike, Rejected, Verified
from .request import (
    no_request,
    open_request_session,
    require_async_ready,
    require_sync,
    save_request_session,
)
from .saving import check_cookie_size, dumps_session, unstorable_error
from .session import NO_SECRET_KEY, NullSession, Session, request_cache
from .signed import SecureCookieSessionInterface, session_json_serializer

__all__ = [
    "MAX_COOKIE_VALUES",
    "NO_SECRET_KEY",
    "AppLike",
    "LazySession",
    "NullSession",
    "Rejected",
    "SecureCookieSessionInterface",
    "Session",
    "SessionInterface",
    "SessionStoreError",
    "Verified",
    "check_cookie_size",
    "dumps_session",
    "ensure_opened",
    "is_cookie_value",
    "is_opened",
    "loaded",
    "no_request",
    "open_request_session",
    "request_cache",
    "require_async_ready",
    "require_sync",
    "save_request_session",
    "session_json_serializer",
    "unstorable_error",
]
