"""The demo application that ``cookiesession demo`` serves.

A plain WSGI app, written with WebOb and wrapped in
:class:`~cookiesession.SessionMiddleware`, with the flows of Flask's session
documentation: log in and out, a cart kept in the session, a theme setting,
and "remember me" for a permanent session. The page shows what the session
holds and how big its cookie is. It needs no JavaScript.
"""

from __future__ import annotations

import html
import json
import typing as t
from collections.abc import Iterable, Mapping

import webob

from .middleware import SessionMiddleware, get_session
from .sessions import Session, SessionInterface
from .wire.cookies import find_cookie_values, format_set_cookie

if t.TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment

__all__ = ["make_demo_app"]

_THEMES = {"light": ("#ffffff", "#1d1d1f"), "dark": ("#1d1d1f", "#f2f2f2")}
_MAX_TEXT = 40

_PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>cookiesession demo</title>
<style>
body {{ font: 16px/1.5 system-ui, sans-serif; max-width: 42rem; margin: 2rem auto;
       padding: 0 1rem; background: {bg}; color: {fg}; }}
section {{ border: 1px solid #8886; border-radius: .5rem; padding: .5rem 1rem;
          margin: 1rem 0; }}
pre {{ background: #8882; padding: .5rem; overflow-x: auto; }}
form {{ display: inline; }}
.error {{ color: #c0392b; }}
</style>
</head>
<body>
<h1>cookiesession demo</h1>
{error}
<section>
<h2>Who you are</h2>
{account}
</section>
<section>
<h2>Your cart</h2>
{cart}
<form method="post" action="/cart">
<label>Item <input name="item" maxlength="{max_text}" required></label>
<button>Add to cart</button>
</form>
</section>
<section>
<h2>Theme</h2>
<form method="post" action="/theme">
<label><input type="radio" name="theme" value="light"{light}> Light</label>
<label><input type="radio" name="theme" value="dark"{dark}> Dark</label>
<button>Save theme</button>
</form>
</section>
<section>
<h2>What the session holds</h2>
<pre id="session">{contents}</pre>
<p id="cookie-size">{size}</p>
{note}
</section>
</body>
</html>
"""


def _account(session: Session) -> str:
    user = session.get("user")
    if user is None:
        return (
            '<form method="post" action="/login">'
            f'<label>Name <input name="name" maxlength="{_MAX_TEXT}" required>'
            "</label> "
            '<label><input type="checkbox" name="remember" value="1">'
            " Remember me</label> <button>Log in</button></form>"
        )
    kind = "remembered for 31 days" if session.permanent else "until the browser closes"
    return (
        f'<p>Logged in as <strong id="user">{html.escape(user)}</strong>'
        f" ({kind}).</p>"
        '<form method="post" action="/logout"><button>Log out</button></form>'
    )


def _cart(session: Session) -> str:
    items = session.get("cart", [])
    if not items:
        return "<p>The cart is empty.</p>"
    rows = "".join(f"<li>{html.escape(item)}</li>" for item in items)
    return f'<ul id="cart">{rows}</ul>'


def _page(
    request: webob.Request,
    session: Session,
    app_config: Mapping[str, t.Any],
    error: str = "",
) -> str:
    theme = session.get("theme", "light")
    bg, fg = _THEMES.get(theme, _THEMES["light"])
    name = app_config["SESSION_COOKIE_NAME"]
    values = find_cookie_values(request.environ.get("HTTP_COOKIE", ""), name, 1)
    if values:
        size = (
            f"The {html.escape(name)} cookie is {len(values[0])} bytes"
            f" (browsers take about {app_config['MAX_COOKIE_SIZE']})."
        )
    else:
        size = "No session cookie yet."
    contents = json.dumps(dict(session.items()), indent=2, sort_keys=True)
    return _PAGE.format(
        bg=bg,
        fg=fg,
        error=f'<p class="error">{html.escape(error)}</p>' if error else "",
        account=_account(session),
        cart=_cart(session),
        max_text=_MAX_TEXT,
        light=" checked" if theme == "light" else "",
        dark=" checked" if theme == "dark" else "",
        contents=html.escape(contents),
        size=size,
        note=_SERVER_NOTE if request.environ[_SERVER_SIDE] else _SIGNED_NOTE,
    )


def _text(request: webob.Request, field: str) -> str | None:
    value = request.POST.get(field, "")
    if not isinstance(value, str):  # a file upload
        return None
    value = value.strip()
    if not value or len(value) > _MAX_TEXT:
        return None
    return value


_SIGNED_NOTE = """<p id="signed">The session is <strong>signed, not encrypted</strong>:
nobody can change it without the key, but anyone holding the cookie can read
it. Copy the cookie from your browser's developer tools and run
<code>cookiesession decode --unverified 'VALUE'</code> to see for yourself.</p>"""
_SERVER_NOTE = """<p id="server-side">The session lives <strong>in Redis</strong>: the
cookie holds only a signed, random id, whatever the session holds. Run
<code>cookiesession sessions list USER --redis URL</code> to list a user's
sessions, and <code>sessions revoke</code> to end them.</p>"""
_LIMIT = "cookiesession.demo.limit"
_SERVER_SIDE = "cookiesession.demo.server_side"
_MEASURE = "cookiesession.demo.measure"


def cookie_size(request: webob.Request, data: Mapping[str, t.Any]) -> int | None:
    """The size of the Set-Cookie header *data* would need, when it is over
    the limit; ``None`` when it fits."""
    limit = request.environ[_LIMIT]
    if request.environ[_SERVER_SIDE]:
        return None  # the cookie holds only an id, whatever the session holds
    size = t.cast(int, request.environ[_MEASURE](data))
    return size if limit and size > limit else None


def _handle(request: webob.Request, session: Session) -> webob.Response | str:
    """Apply a form post to the session; the error text if it is invalid."""
    if request.path == "/login":
        name = _text(request, "name")
        if name is None:
            return f"Enter a name of 1 to {_MAX_TEXT} characters."
        # A new login starts a new session: nothing of the last user's stays.
        session.clear()
        session["user"] = name
        session.permanent = request.POST.get("remember") == "1"
    elif request.path == "/logout":
        # Forget who the user is, as a real app would; the theme stays.
        for key in ("user", "cart", "_permanent"):
            session.pop(key, None)
    elif request.path == "/cart":
        item = _text(request, "item")
        if item is None:
            return f"Enter an item of 1 to {_MAX_TEXT} characters."
        cart = [*session.get("cart", []), item]
        size = cookie_size(request, {**session.data, "cart": cart})
        if size is not None:
            return (
                f"The cart is full: with that item the session cookie would be"
                f" {size} bytes, over the {request.environ[_LIMIT]}-byte limit"
                " browsers accept. A real app would keep the cart on the server"
                " (see the Redis session interface)."
            )
        session["cart"] = cart
    elif request.path == "/theme":
        theme = request.POST.get("theme")
        if theme not in _THEMES:
            return "Choose light or dark."
        session["theme"] = theme
    else:
        return webob.Response("Not found", status=404, content_type="text/plain")
    # Post/redirect/get: reloading the page does not post the form again.
    return webob.Response(status=303, location="/")


class _Demo:
    """The WSGI app inside the middleware; it reads the middleware's
    validated settings to show the cookie's name and size limit."""

    def __init__(self) -> None:
        self.config: Mapping[str, t.Any] = {}
        self.measure: t.Callable[[Mapping[str, t.Any]], int] = len
        self.server_side = False

    def __call__(
        self, environ: WSGIEnvironment, start_response: StartResponse
    ) -> Iterable[bytes]:
        environ[_LIMIT] = self.config["MAX_COOKIE_SIZE"]
        environ[_SERVER_SIDE] = self.server_side
        environ[_MEASURE] = self.measure
        request = webob.Request(environ)
        session = get_session(environ)
        if request.method == "POST":
            outcome = _handle(request, session)
            if isinstance(outcome, webob.Response):
                return outcome(environ, start_response)
            body = _page(request, session, self.config, outcome)
            response = webob.Response(body, status=400)
        elif request.path == "/":
            response = webob.Response(_page(request, session, self.config))
        else:
            response = webob.Response(
                "Not found", status=404, content_type="text/plain"
            )
        return response(environ, start_response)


def make_demo_app(
    config: Mapping[str, t.Any], *, session_interface: SessionInterface | None = None
) -> SessionMiddleware:
    """The demo app, wrapped in a :class:`~cookiesession.SessionMiddleware`
    with *config*.

    :param config: The session settings; without ``SECRET_KEY`` the page
        shows but logging in fails with the no-secret-key error.
    :param session_interface: How sessions are stored; signed cookies by
        default.

    .. versionadded:: 0.1
    .. versionchanged:: 0.2
        *session_interface*.
    """
    demo = _Demo()
    middleware = SessionMiddleware(demo, config, session_interface=session_interface)
    demo.config = middleware.config
    demo.server_side = middleware.session_interface.server_side

    def measure(data: Mapping[str, t.Any]) -> int:
        interface = middleware.session_interface
        name = interface.get_cookie_name(middleware)
        value = interface.encode_session(middleware, data)
        attrs = interface.cookie_attributes(middleware)
        if data.get("_permanent"):
            attrs["expires"], attrs["max_age"] = 0, 2678400
        return len(format_set_cookie(name, value, **attrs))

    demo.measure = measure
    return middleware
