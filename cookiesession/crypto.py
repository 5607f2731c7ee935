"""Encrypted cookie sessions: the session sealed with AES-256-GCM, so users
can neither read nor change it.

.. code-block:: python

    from cookiesession import SessionMiddleware
    from cookiesession.crypto import EncryptedCookieSessionInterface

    app = SessionMiddleware(
        app, config, session_interface=EncryptedCookieSessionInterface()
    )

Needs ``pip install 'cookiesession[crypto]'`` (the ``cryptography``
package). The keys are derived with HKDF-SHA256 from ``SECRET_KEY`` and each
of ``SECRET_KEY_FALLBACKS``, so rotation works as for signed cookies and
there are no raw-key rules to follow. Flask cannot read these cookies.

The cookie value is URL-safe base64 (no padding, canonical) of::

    version (1 byte, 2) | issued (8 bytes, big-endian) | salt (16) | sealed + tag

Each cookie is sealed with its own key: HKDF-SHA256 of the secret key with
``HKDF_INFO_V2`` followed by the salt as ``info``, and a fixed zero nonce
(a key seals one value). Format 1, the 0.2 format (one key per secret, a
random 12-byte nonce in place of the salt), still opens and is re-sealed
in format 2. The version, the issue time and the cookie's name are
authenticated as associated data: a cookie cannot be moved to another name, re-dated or
changed without failing to open. The plaintext is the session in Flask's
tagged JSON, with its creation time (``"_created"``); a leading byte says
whether it was compressed (``compress=True``; off by default, because
compression leaks the length of secrets through the cookie's size).
"""

from __future__ import annotations

import time
import typing as t
import zlib
from collections.abc import Mapping

from .sessions import (
    MAX_COOKIE_VALUES,
    NO_SECRET_KEY,
    AppLike,
    Rejected,
    SecureCookieSessionInterface,
    Session,
    SessionInterface,
    Verified,
    dumps_session,
    is_cookie_value,
)
from .sessions.interface import open_from_cookie_header
from .sessions.lifetimes import (
    CREATED,
    EventHook,
    Validator,
    leeway,
    old_enough,
    refreshes_untouched,
    seconds,
)
from .sessions.signed import check_session, session_json_serializer
from .wire.cookies import find_cookie_values
from .wire.sealed import (
    HKDF_INFO,
    HKDF_INFO_V2,
    VERSION,
    VERSIONS,
    peek_issued,
    seal,
    unseal,
)

__all__ = ["HKDF_INFO", "HKDF_INFO_V2", "VERSION", "EncryptedCookieSessionInterface"]

_PLAIN, _ZLIB = b"j", b"z"


class EncryptedCookieSessionInterface(SessionInterface):
    """Stores the session in a cookie sealed with AES-256-GCM.

    Everything else is as for signed cookies: the session is read on first
    use and written only when needed, with ``Vary`` and ``Cache-Control``,
    the size guard (on the sealed size), the lifetimes and timeouts of
    :doc:`/lifetimes`, the validator and the events. A cookie opened with a
    fallback key is sealed again with the current key on that response,
    keeping its creation time.

    :param compress: Compress the session before sealing it when that makes
        it shorter. Off by default: the size of a compressed cookie tells an
        attacker who can make the application store chosen text next to a
        secret how much they have in common.
    :param accept_signed: Also accept a valid signed cookie (Flask's format,
        :class:`~cookiesession.SecureCookieSessionInterface`) and re-issue
        it encrypted on that response: switch an app to encrypted cookies
        without logging anyone out.
    :param validator: As for :class:`~cookiesession.SecureCookieSessionInterface`.
    :param event_hook: As for :class:`~cookiesession.SecureCookieSessionInterface`.
    :param format_version: The format written: 2 (a key per cookie, the
        default) or 1 (0.2's), only while servers running 0.2 still share
        the cookie. Both are read; a cookie older than this is re-sealed.

    .. versionadded:: 0.2
    .. versionchanged:: 0.3
        Format 2 and *format_version*; only canonical base64 opens.
    """

    def __init__(
        self,
        *,
        compress: bool = False,
        accept_signed: bool = False,
        validator: Validator | None = None,
        event_hook: EventHook | None = None,
        format_version: int = VERSION,
    ) -> None:
        if format_version not in VERSIONS:
            raise ValueError(
                f"format_version must be one of {VERSIONS}, not {format_version!r}"
            )
        #: The sealed format written (1 or 2).
        self.format_version = format_version
        #: Decides whether an opened session may still be used.
        self.validator = validator
        self.event_hook = event_hook
        #: Whether to compress before sealing.
        self.compress = compress
        #: Whether a signed cookie is accepted (and re-issued encrypted).
        self.accept_signed = accept_signed

    #: Turns the session dict into text and back.
    serializer: t.Any = session_json_serializer
    validator: Validator | None = None
    needs_secret_key = True
    open_session = open_from_cookie_header

    def _context(self, app: AppLike) -> bytes:
        return self.get_cookie_name(app).encode("utf-8")

    def cookie_value(self, app: AppLike, session: Session) -> str:
        """The sealed value of *session*, issued now."""
        return self.encode_session(app, session.data)

    def encode_session(self, app: AppLike, data: Mapping[str, t.Any]) -> str:
        """The sealed cookie value for *data*, issued now."""
        secret = app.config["SECRET_KEY"]
        if not secret:
            raise RuntimeError(NO_SECRET_KEY)
        now = int(time.time())
        payload = dict(data)
        payload.setdefault(CREATED, now)
        text = dumps_session(self.serializer, payload).encode("utf-8")
        plain = _PLAIN + text
        if self.compress:
            packed = zlib.compress(text)
            if len(packed) < len(text):
                plain = _ZLIB + packed
        return seal(secret, plain, self._context(app), now, self.format_version)

    def verify(self, app: AppLike, value: str) -> Verified | Rejected:
        """Open one cookie value: with the current key, then each fallback
        key; then the lifetime, the timeouts and the validator. With
        *accept_signed*, a signed cookie is checked as signed."""
        config = app.config
        secret = config["SECRET_KEY"]
        if not secret or not is_cookie_value(value):
            return Rejected("invalid", "malformed")
        if "." in value:  # the signed format; sealed values have no dots
            if not self.accept_signed:
                return Rejected("invalid", "malformed")
            signed = SecureCookieSessionInterface(
                validator=self.validator, event_hook=self.event_hook
            )
            result = signed.verify(app, value)
            if isinstance(result, Verified):
                return result._replace(migrated=True)  # re-issued encrypted
            return result
        # Current key first: it sealed nearly every cookie.
        keys = [secret, *config["SECRET_KEY_FALLBACKS"]]
        opened = unseal(keys, value, self._context(app))
        if isinstance(opened, str):
            return Rejected("invalid", opened)
        plain, issued, position, version = opened
        index = None if position == 0 else position - 1  # in the fallbacks
        now = int(time.time())
        age = now - issued
        if age < 0:
            if -age > leeway(config):
                return Rejected("invalid", "future")
            issued = now  # a server whose clock is ahead sealed it
        elif age > t.cast(float, seconds(config)["PERMANENT_SESSION_LIFETIME"]):
            return Rejected("expired", "lifetime")
        try:
            text = zlib.decompress(plain[1:]) if plain[:1] == _ZLIB else plain[1:]
            data = self.serializer.loads(text.decode("utf-8"))
        except Exception:
            return Rejected("invalid", "payload")
        if type(data) is not dict:
            return Rejected("invalid", "payload")
        rejected = check_session(self.validator, app, data, issued)
        if rejected is not None:
            return rejected
        # An older format is taken over: re-sealed in the one written now.
        return Verified(data, issued, index, version < self.format_version)

    def needs_refresh_for(self, app: AppLike, cookie_header: str) -> bool:
        """Whether an untouched request must open the cookie: permanence is
        sealed, so whenever a refresh may be due (with
        ``SESSION_REFRESH_AFTER``, only for a cookie older than it, by its
        authenticated but readable issue time)."""
        config = app.config
        if not cookie_header or not refreshes_untouched(config):
            return False
        values = find_cookie_values(
            cookie_header, self.get_cookie_name(app), MAX_COOKIE_VALUES
        )
        if not values:
            return False
        return old_enough(config, peek_issued(values[0]))
