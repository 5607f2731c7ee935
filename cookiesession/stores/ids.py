"""The id cookie of a store interface: a signed ``[sid, permanent]``,
never the session itself."""

from __future__ import annotations

import typing as t

from ..sessions import (
    MAX_COOKIE_VALUES,
    AppLike,
    Rejected,
    SecureCookieSessionInterface,
)
from ..sessions.lifetimes import old_enough, refreshes_untouched
from ..wire.cookies import find_cookie_values
from ..wire.signed import b64decode, peek_timestamp
from .plan import MIN_ID_LENGTH

__all__ = ["IdCookies", "IdSigner"]

# How the (unverified) payload of an id cookie, the compact JSON of
# ``[sid, permanent]``, ends when the session is permanent.
_SAYS_PERMANENT = b",true]"


class IdSigner(SecureCookieSessionInterface):
    """Signs id cookies: a salt of their own, so an id cookie is never a
    session cookie. The 0.2 Redis interface's salt, kept for every store,
    so the ids it issued keep loading."""

    salt = "cookiesession.redis-id"


class IdCookies:
    """Making, checking and peeking at id cookies."""

    _ids: IdSigner
    get_cookie_name: t.Callable[[AppLike], str]

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
