"""The base of every session interface: Flask's method set, and the one
open loop and one save skeleton that the signed, encrypted and server-side
interfaces share.

An interface sees the request's raw ``Cookie`` header and a response-like
object (:class:`~cookiesession.wire.cookies.ResponseLike`), never an
environ. :meth:`SessionInterface.open_session` (``app, request``) stays the
Flask-shaped method a custom interface overrides; the built-in interfaces
implement :meth:`~SessionInterface.verify` instead, and the loop here does
the rest.
"""

from __future__ import annotations

import logging
import time
import typing as t
import warnings
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta, timezone
from functools import partial

from ..wire.cookies import (
    ResponseLike,
    add_vary_cookie,
    find_cookie_values,
    set_cookie,
)
from .cookie_settings import CookieSettings
from .lifetimes import (
    EventHook,
    make_permanent,
    refresh_due,
    refreshes_untouched,
    report,
)
from .outcomes import (
    _KNOWS_NOTHING,
    MAX_COOKIE_VALUES,
    AppLike,
    Rejected,
    UntouchedCheck,
    Verified,
)
from .saving import check_cookie_size, refuse_unsaved
from .session import NullSession, Session

if t.TYPE_CHECKING:
    import webob

__all__ = ["SessionInterface", "open_from_cookie_header"]

logger = logging.getLogger("cookiesession")


class SessionInterface(CookieSettings):
    """The base class of session storage, with Flask's method set.

    A custom interface overrides :meth:`open_session` and
    :meth:`save_session`, as in Flask: ``app`` is the driver (the
    middleware or an integration) with the validated settings as
    ``app.config``; ``request`` a :class:`webob.Request`; ``response`` an
    object with ``set_cookie``, ``delete_cookie``, ``vary`` and
    ``headerlist`` (:class:`~cookiesession.wire.cookies.ResponseLike`). It is
    called whether or not ``SECRET_KEY`` is set.

    The built-in interfaces implement :meth:`verify` (one cookie value in,
    :class:`~cookiesession.sessions.Verified` or
    :class:`~cookiesession.sessions.Rejected` out) and :meth:`cookie_value`
    instead; :meth:`open_cookies` and :meth:`save_session` here are the
    loop and the skeleton they share.

    .. versionadded:: 0.1
    """

    #: The class of loaded sessions.
    session_class: type[Session] = Session
    #: The class :meth:`make_null_session` returns.
    null_session_class: type[Session] = NullSession
    #: Told of every outcome worth counting, as ``event_hook(event,
    #: details)``; the ``cookiesession.events`` logger is told too.
    event_hook: EventHook | None = None
    #: Whether the session lives on the server and the cookie holds only an
    #: id (so the cookie's size does not grow with the session).
    server_side = False
    #: Whether this interface signs or seals with ``SECRET_KEY``, so that
    #: without one it gives null sessions and the drivers warn. ``False``
    #: for a custom interface, which may need no key.
    needs_secret_key = False

    def report(self, event: str, **details: t.Any) -> None:
        """Report *event* to the ``cookiesession.events`` logger and
        :attr:`event_hook`.

        .. versionadded:: 0.2
        """
        report(self.event_hook, event, **details)

    def report_rejected(self, rejected: Rejected) -> None:
        """Report a rejected cookie: its event, with its reason if any.

        .. versionadded:: 0.2
        """
        if rejected.reason is None:
            self.report(rejected.event)
        elif rejected.event == "validator_error":
            self.report(rejected.event, error=rejected.reason)
        else:
            self.report(rejected.event, reason=rejected.reason)

    def make_null_session(self, app: AppLike) -> Session:
        """The session to use when a real one cannot be had."""
        return self.null_session_class()

    def is_null_session(self, obj: object) -> bool:
        """Whether *obj* is a null session: one never saved."""
        # The class's MRO rather than isinstance(), which goes through the
        # abstract base class machinery of MutableMapping on every request.
        return self.null_session_class in type(obj).__mro__

    def get_expiration_time(self, app: AppLike, session: Session) -> datetime | None:
        """When a permanent session's cookie expires: now plus
        ``PERMANENT_SESSION_LIFETIME``. ``None`` for a browser-session
        cookie."""
        if not session.data.get("_permanent"):
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
            bool(session.data.get("_permanent")),
            session.accessed,
        )

    # -- Opening -----------------------------------------------------------

    def needs_refresh_for(self, app: AppLike, cookie_header: str) -> bool:
        """Whether a request that never used its session must still open
        and save it, to refresh a permanent session's expiry, judged from
        the raw ``Cookie`` header (nothing in it trusted). This default says
        yes whenever ``SESSION_REFRESH_EACH_REQUEST`` is on and no
        ``SESSION_IDLE_TIMEOUT`` is set (only a use is activity).

        .. versionadded:: 0.3
        """
        return refreshes_untouched(app.config)

    def needs_refresh(self, app: AppLike, environ: Mapping[str, t.Any]) -> bool:
        """Deprecated: override :meth:`needs_refresh_for`, which takes the
        ``Cookie`` header. A subclass that overrides this method is still
        asked, with a mapping that holds ``HTTP_COOKIE``.

        .. deprecated:: 0.3
        """
        return self.needs_refresh_for(app, environ.get("HTTP_COOKIE", ""))

    def untouched_check(self, app: AppLike) -> UntouchedCheck:
        """How a driver judges an untouched request of *app*, asked once
        per app and settings: by default :meth:`untouched_needs_refresh`.

        .. versionadded:: 0.3"""
        judge = partial(self.untouched_needs_refresh, app)
        return UntouchedCheck(_KNOWS_NOTHING, judge)

    def untouched_needs_refresh(self, app: AppLike, cookie_header: str) -> bool:
        """:meth:`needs_refresh_for`, or a subclass's 0.2
        :meth:`needs_refresh` (with a :exc:`DeprecationWarning`).

        .. versionadded:: 0.3"""
        if type(self).needs_refresh is SessionInterface.needs_refresh:
            return self.needs_refresh_for(app, cookie_header)
        warnings.warn(
            f"{type(self).__name__}.needs_refresh(app, environ) is deprecated:"
            " override needs_refresh_for(app, cookie_header) instead.",
            DeprecationWarning,
            stacklevel=2,
        )
        return self.needs_refresh(app, {"HTTP_COOKIE": cookie_header})

    @property
    def wants_request(self) -> bool:
        """Whether this interface overrides :meth:`open_session` and so
        needs the request object; the built-in ones read only the ``Cookie``
        header, and a driver then keeps no reference to its request.

        .. versionadded:: 0.3"""
        return type(self).open_session is not open_from_cookie_header

    def open_session(self, app: AppLike, request: webob.Request) -> Session | None:
        """Load the session of *request*; ``None`` means a null session.
        A custom interface overrides it, as in Flask; the built-in ones
        are
        :func:`~cookiesession.sessions.interface.open_from_cookie_header`."""
        raise NotImplementedError

    def open_now(
        self,
        app: AppLike,
        cookie_header: str,
        make_request: Callable[[t.Any], t.Any],
        source: t.Any,
    ) -> Session:
        """Open the session of one request: through an overridden
        :meth:`open_session` with the request object ``make_request(source)``
        builds, else straight from the ``Cookie`` header; a null session
        when that gives ``None``.

        .. versionadded:: 0.3
        """
        if type(self).open_session is not open_from_cookie_header:
            session = self.open_session(app, make_request(source))
        else:
            session = self.open_cookies(app, cookie_header)
        return self.make_null_session(app) if session is None else session

    def open_cookies(self, app: AppLike, cookie_header: str) -> Session | None:
        """The one open loop: the first of at most
        :data:`~cookiesession.sessions.MAX_COOKIE_VALUES` values of the session
        cookie that :meth:`verify` accepts, else an
        empty new session (the first rejection reported, and the stale
        cookie deleted when :meth:`deletes_stale_cookie` says so); ``None``
        without a secret key, for an interface that needs one.

        .. versionadded:: 0.3
        """
        if self.needs_secret_key and not app.config["SECRET_KEY"]:
            return None
        first: Rejected | None = None
        name = self.get_cookie_name(app)
        for value in find_cookie_values(cookie_header, name, MAX_COOKIE_VALUES):
            result = self.verify(app, value)
            if isinstance(result, Rejected):
                first = result if result.final else first or result
                if result.final:
                    break
                continue
            return self.make_session(app, result)
        session = self.session_class(new=True)
        if first is not None:
            self.report_rejected(first)
            session.modified = self.deletes_stale_cookie(first)
            session.unsaved = first.unsaved
        return session

    def verify(self, app: AppLike, value: str) -> Verified | Rejected:
        """Check one cookie value, for :meth:`open_cookies`.

        .. versionadded:: 0.2
        """
        raise NotImplementedError

    def make_session(self, app: AppLike, verified: Verified) -> Session:
        """The session of a verified cookie; re-issued (marked modified)
        when a fallback key verified it or it is taken over from another
        format.

        .. versionadded:: 0.3
        """
        session = self.session_class(verified.data)
        session.issued = verified.issued
        if verified.fallback is not None:
            self.report("fallback_key", index=verified.fallback)
        if verified.migrated:
            self.report("taken_over")
        if verified.fallback is not None or verified.migrated:
            session.modified = True  # re-issued: rotation completes for all
        return session

    def deletes_stale_cookie(self, rejected: Rejected) -> bool:
        """Whether the cookie of a *rejected* session is deleted when the
        application writes nothing: only after an idle or absolute timeout
        or a revocation (the table in :doc:`/lifetimes`).

        .. versionadded:: 0.3
        """
        event = rejected.event
        return event == "revoked" or (
            event == "expired" and rejected.reason != "lifetime"
        )

    # -- Saving ------------------------------------------------------------

    def save_session(
        self, app: AppLike, session: Session, response: ResponseLike
    ) -> None:
        """The one save skeleton: set, refresh or delete the cookie, as
        needed, and add ``Vary: Cookie`` when the session was used or a
        cookie is sent. The value comes from :meth:`cookie_value`. The
        session of a request whose validator raised is never saved."""
        if getattr(session, "unsaved", False):
            return refuse_unsaved(session, response)
        data = session.data
        if session.new and session.modified and data:
            make_permanent(app.config, session)
        if not (self.should_set_cookie(app, session) if data else session.modified):
            if session.accessed:
                add_vary_cookie(response)
            return
        # From here a cookie is set or deleted: the response varies on Cookie
        # whether or not the application read the session.
        add_vary_cookie(response)
        name = self.get_cookie_name(app)
        attrs = self.cookie_attributes(app)
        if data:
            value = self.cookie_value(app, session)
            if value is None:
                return  # nothing to send (a subclass that signs nothing)
        else:
            self.discard(app, session)
            value = ""
        if not value:
            # Through set_cookie, so the attributes match the cookie's own
            # (webob's delete_cookie drops them); Max-Age=0 with a past
            # Expires makes every browser drop it.
            set_cookie(response, name, "", max_age=0, **attrs)
            return
        self.set_session_cookie(app, session, response, value, attrs)

    def cookie_value(self, app: AppLike, session: Session) -> str | None:
        """The cookie value that saves *session* (signed, sealed, or the id
        of what was just stored); ``""`` deletes the cookie, ``None`` sends
        nothing.

        .. versionadded:: 0.3
        """
        raise NotImplementedError

    def discard(self, app: AppLike, session: Session) -> None:
        """Forget an emptied session before its cookie is deleted (a store
        deletes what it keeps); cookies keep nothing.

        .. versionadded:: 0.3
        """

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
        set_cookie(response, name, value, **attrs)
        if not session.modified:
            self.report("reissued")
        check_cookie_size(self, app, name, response)

    # -- For tests and tools -------------------------------------------------

    def encode_session(self, app: AppLike, data: Mapping[str, t.Any]) -> str:
        """A cookie value holding *data*, as :meth:`save_session` would
        write it now: for tests (:mod:`cookiesession.testing`) and tools.

        .. versionadded:: 0.2"""
        raise NotImplementedError

    def decode_session(self, app: AppLike, value: str) -> dict[str, t.Any]:
        """The data a cookie value holds, checked as :meth:`open_session`
        checks it.

        :raises ValueError: If the value is invalid, expired or revoked.

        .. versionadded:: 0.2"""
        result = self.verify(app, value)
        if isinstance(result, Rejected):
            reason = f" ({result.reason})" if result.reason else ""
            raise ValueError(f"The session cookie is {result.event}{reason}.")
        return result.data


def open_from_cookie_header(
    self: SessionInterface, app: AppLike, request: webob.Request
) -> Session | None:
    """The ``open_session`` of the built-in interfaces: :meth:`open_cookies
    <cookiesession.SessionInterface.open_cookies>` on the request's ``Cookie`` header.
    With it in place a driver calls :meth:`~cookiesession.SessionInterface.open_cookies`
    directly and builds no request object.

    .. versionadded:: 0.3"""
    return self.open_cookies(app, request.headers.get("Cookie", ""))
