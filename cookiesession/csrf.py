"""CSRF tokens for any framework, kept in the session.

The token is stored under ``"_csrft_"``, the key the Pyramid integration
uses, so one token is valid in a Pyramid app and in a Bottle or bare WSGI
app sharing the cookie. Put it in every form (a hidden ``csrf_token``
field) or send it as an ``X-CSRF-Token`` header, and check it on every
request that changes something: :class:`CSRFMiddleware` does that for a
WSGI app, ``SessionPlugin(require_csrf=True)`` for Bottle, and Pyramid's
own ``require_csrf`` for Pyramid.
"""

from __future__ import annotations

import hmac
import secrets
import typing as t

import webob

from .sessions import Session, loaded

if t.TYPE_CHECKING:
    from collections.abc import Iterable

    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

__all__ = [
    "CSRFMiddleware",
    "check_csrf_token",
    "csrf_token",
    "new_csrf_token",
    "token_of_request",
]

_KEY = "_csrft_"
#: The methods that must carry a token.
UNSAFE_METHODS = frozenset(("POST", "PUT", "PATCH", "DELETE"))
#: The form field and the header a token may come in.
FORM_FIELD = "csrf_token"
HEADER = "X-CSRF-Token"


def csrf_token(session: Session) -> str:
    """The session's CSRF token, made (and stored) on first use.

    :param session: The session, of any interface.

    .. versionadded:: 0.2
    """
    token = session.get(_KEY)
    if not isinstance(token, str) or not token:
        token = new_csrf_token(session)
    return token


def new_csrf_token(session: Session) -> str:
    """Store a new CSRF token in *session* and return it: the old one stops
    being accepted.

    :param session: The session, of any interface.

    .. versionadded:: 0.3
    """
    # 20 random bytes as hex: the form Pyramid's sessions use.
    token: str = secrets.token_hex(20)
    session[_KEY] = token
    return token


def check_csrf_token(session: Session, token: str | None) -> bool:
    """Whether *token* is the session's CSRF token, compared in constant
    time. ``False`` for a missing or empty token, or a session without one.

    .. versionadded:: 0.2
    """
    expected = session.get(_KEY)
    if not token or not isinstance(expected, str) or not expected:
        return False
    return hmac.compare_digest(token.encode(), expected.encode())


def token_of_request(request: webob.Request) -> str | None:
    """The token a request carries: the ``X-CSRF-Token`` header, or the
    ``csrf_token`` form field.

    .. versionadded:: 0.2
    """
    token = request.headers.get(HEADER)
    if token:
        return token
    field = request.POST.get(FORM_FIELD)
    return field if isinstance(field, str) else None


class CSRFMiddleware:
    """Refuse, with ``403 Forbidden``, a POST, PUT, PATCH or DELETE that
    does not carry the session's CSRF token. Put it *inside* the
    :class:`~cookiesession.SessionMiddleware`::

        app = SessionMiddleware(CSRFMiddleware(app), config)

    :param app: The WSGI application to protect.
    :param environ_key: The session middleware's ``environ_key``.

    .. versionadded:: 0.2
    """

    def __init__(
        self, app: WSGIApplication, environ_key: str = "cookiesession.session"
    ) -> None:
        self.app = app
        self.environ_key = environ_key

    def __call__(
        self, environ: WSGIEnvironment, start_response: StartResponse
    ) -> Iterable[bytes]:
        if environ.get("REQUEST_METHOD", "GET").upper() in UNSAFE_METHODS:
            request = webob.Request(environ)
            if self.environ_key not in environ:
                raise KeyError(
                    f"No session in the WSGI environ under {self.environ_key!r}:"
                    " put CSRFMiddleware inside cookiesession.SessionMiddleware."
                )
            session = loaded(environ[self.environ_key])
            if not check_csrf_token(session, token_of_request(request)):
                start_response(
                    "403 Forbidden", [("Content-Type", "text/plain; charset=utf-8")]
                )
                return [b"The CSRF token is missing or does not match."]
        return self.app(environ, start_response)
