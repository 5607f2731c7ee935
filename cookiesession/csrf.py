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
import io
import secrets
import typing as t

import webob

from .sessions import Session, loaded
from .sessions.session import CSRF_TOKEN

if t.TYPE_CHECKING:
    from collections.abc import Iterable

    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

__all__ = [
    "MAX_FORM_SIZE",
    "SAFE_METHODS",
    "CSRFMiddleware",
    "FormTooLarge",
    "check_csrf_token",
    "csrf_token",
    "is_safe_method",
    "new_csrf_token",
    "read_form_body",
    "token_of_request",
    "unmasked_csrf_token",
]

_KEY = CSRF_TOKEN
#: The methods that need no token (RFC 9110's safe methods); every other
#: method, WebDAV's, QUERY and unknown ones included, must carry one.
SAFE_METHODS = frozenset(("GET", "HEAD", "OPTIONS", "TRACE"))
#: The methods that must carry a token, as 0.2 named them. Kept for code
#: that imports it; the check itself asks :data:`SAFE_METHODS`.
UNSAFE_METHODS = frozenset(("POST", "PUT", "PATCH", "DELETE"))
#: The form field and the header a token may come in.
FORM_FIELD = "csrf_token"
HEADER = "X-CSRF-Token"
#: How much of a body :class:`CSRFMiddleware` reads, at most, to find a
#: form token: 1 MiB.
MAX_FORM_SIZE = 1024 * 1024


def is_safe_method(method: str) -> bool:
    """Whether *method* needs no CSRF token: GET, HEAD, OPTIONS, TRACE.

    .. versionadded:: 0.3
    """
    return method.upper() in SAFE_METHODS


def csrf_token(session: Session) -> str:
    """The session's CSRF token, masked afresh on every call, for a page:
    a random mask and the token XORed with it, so no two responses carry
    the same bytes (BREACH). Every mask of the current token is accepted.
    The token is made (and stored) on first use.

    :param session: The session, of any interface.

    .. versionadded:: 0.2
    .. versionchanged:: 0.3
        Masked on every call.
    """
    secret = _secret(unmasked_csrf_token(session))
    mask = secrets.token_bytes(len(secret))
    return (mask + _xor(mask, secret)).hex()


def unmasked_csrf_token(session: Session) -> str:
    """The token itself, as stored in the session (Pyramid's
    ``get_csrf_token()`` returns this form), made on first use.

    .. versionadded:: 0.3
    """
    token = session.get(_KEY)
    if not isinstance(token, str) or not token:
        token = new_csrf_token(session)
    return token


def new_csrf_token(session: Session) -> str:
    """Store a new CSRF token in *session* and return it, unmasked: the old
    one, and every mask of it, stops being accepted.

    :param session: The session, of any interface.

    .. versionadded:: 0.3
    """
    # 20 random bytes as hex: the form Pyramid's sessions use.
    token: str = secrets.token_hex(20)
    session[_KEY] = token
    return token


def check_csrf_token(session: Session, token: str | None) -> bool:
    """Whether *token* is the session's CSRF token, unmasked or under any
    mask, compared in constant time. ``False`` for a missing or empty
    token, or a session without one.

    .. versionadded:: 0.2
    .. versionchanged:: 0.3
        Masked tokens are accepted.
    """
    expected = session.get(_KEY)
    if not (
        token and isinstance(token, str) and expected and isinstance(expected, str)
    ):
        return False
    secret = _secret(expected)
    if len(token) != 4 * len(secret):
        return hmac.compare_digest(token.encode(), expected.encode())
    try:
        raw = bytes.fromhex(token)
    except ValueError:
        return False
    half = len(secret)
    return hmac.compare_digest(_xor(raw[:half], raw[half:]), secret)


def _secret(token: str) -> bytes:
    # The bytes a token stands for: hex tokens (ours and Pyramid's) are
    # masked as the bytes they encode, any other as its UTF-8.
    try:
        return bytes.fromhex(token)
    except ValueError:
        return token.encode()


def _xor(a: bytes, b: bytes) -> bytes:
    return (int.from_bytes(a, "big") ^ int.from_bytes(b, "big")).to_bytes(len(a), "big")


class FormTooLarge(Exception):
    """A form body over the size :class:`CSRFMiddleware` reads."""


def read_form_body(environ: WSGIEnvironment, limit: int) -> bytes:
    """Read the request body, at most *limit* bytes, and put it back as a
    fresh ``wsgi.input`` (``CONTENT_LENGTH`` kept), so the application
    reads the same bytes. :exc:`FormTooLarge` if there are more.

    .. versionadded:: 0.3
    """
    length = environ.get("CONTENT_LENGTH") or ""
    try:
        declared = int(length) if length else None
    except ValueError:
        declared = None
    if declared is not None and declared > limit:
        raise FormTooLarge(declared)
    stream = environ.get("wsgi.input")
    if stream is None:
        return b""
    body: bytes = stream.read(limit + 1 if declared is None else declared)
    if len(body) > limit:
        raise FormTooLarge(len(body))
    environ["wsgi.input"] = io.BytesIO(body)
    # WebOb apps may read the in-memory copy directly.
    environ["webob.is_body_seekable"] = True
    return body


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


def _form_token(environ: WSGIEnvironment, limit: int) -> str | None:
    body = read_form_body(environ, limit)
    # Parsed from a copy: the application's environ keeps its own stream.
    # Marked seekable, so WebOb parses the bytes in memory rather than
    # copying them to a temporary file first.
    copy = {**environ, "wsgi.input": io.BytesIO(body), "webob.is_body_seekable": True}
    copy.pop("webob._parsed_post_vars", None)
    field = webob.Request(copy).POST.get(FORM_FIELD)
    return field if isinstance(field, str) else None


class CSRFMiddleware:
    """Refuse, with ``403 Forbidden``, a request whose method is not safe
    (anything but GET, HEAD, OPTIONS and TRACE) that does not carry the
    session's CSRF token. Put it *inside* the
    :class:`~cookiesession.SessionMiddleware`::

        app = SessionMiddleware(CSRFMiddleware(app), config)

    A form token is read from a body of at most *max_form_size* bytes,
    which the application then reads whole, byte for byte; a larger body
    without an ``X-CSRF-Token`` header gets ``413`` without being read.

    :param app: The WSGI application to protect.
    :param environ_key: The session middleware's ``environ_key``.
    :param max_form_size: The most bytes read to find a form token.

    .. versionadded:: 0.2
    .. versionchanged:: 0.3
        Every method but the safe ones is checked; the body is kept for
        the application; *max_form_size*.
    """

    def __init__(
        self,
        app: WSGIApplication,
        environ_key: str = "cookiesession.session",
        *,
        max_form_size: int = MAX_FORM_SIZE,
    ) -> None:
        self.app = app
        self.environ_key = environ_key
        self.max_form_size = max_form_size

    def __call__(
        self, environ: WSGIEnvironment, start_response: StartResponse
    ) -> Iterable[bytes]:
        if is_safe_method(environ.get("REQUEST_METHOD", "GET")):
            return self.app(environ, start_response)
        if self.environ_key not in environ:
            raise KeyError(
                f"No session in the WSGI environ under {self.environ_key!r}:"
                " put CSRFMiddleware inside cookiesession.SessionMiddleware."
            )
        session = loaded(environ[self.environ_key])
        token = environ.get("HTTP_X_CSRF_TOKEN")
        if not token:
            try:
                token = _form_token(environ, self.max_form_size)
            except FormTooLarge:
                return _refuse(
                    start_response,
                    "413 Content Too Large",
                    b"The form is too large to look for a CSRF token in; send"
                    b" the token in the X-CSRF-Token header.",
                )
        if not check_csrf_token(session, token):
            return _refuse(
                start_response,
                "403 Forbidden",
                b"The CSRF token is missing or does not match.",
            )
        return self.app(environ, start_response)


def _refuse(start_response: StartResponse, status: str, text: bytes) -> list[bytes]:
    start_response(
        status,
        [
            ("Content-Type", "text/plain; charset=utf-8"),
            ("Content-Length", str(len(text))),
        ],
    )
    return [text]
