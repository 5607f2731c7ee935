"""The demo application that ``cookiesession demo`` serves.

A plain WSGI app, written with WebOb and wrapped in
:class:`~cookiesession.CSRFMiddleware` and
:class:`~cookiesession.SessionMiddleware`: log in and out with flash
messages, a cart kept in the session, a theme, "remember me" for a
permanent session, the timeouts with how long they leave, what the browser
holds beside what the session holds, and, on a store, the user's devices.
It needs no JavaScript.
"""

from __future__ import annotations

import typing as t
from collections.abc import Iterable, Mapping

import webob

from ..csrf import CSRFMiddleware, csrf_token
from ..flash import flash, get_flashed_messages
from ..middleware import SessionMiddleware, get_session
from ..sessions import Session, SessionInterface, loaded
from ..wire.cookies import format_set_cookie
from . import pages
from .cookie import browser_view

if t.TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment

__all__ = ["make_demo_app"]

#: The session keys a store indexes the user and the device under.
USER_KEY, DEVICE_KEY = "user", "device"


class _Demo:
    """The WSGI app inside the middleware; it reads the middleware's
    validated settings and interface to show what they do."""

    #: The middleware around the app, set once it is built.
    middleware: SessionMiddleware

    @property
    def interface(self) -> SessionInterface:
        return self.middleware.session_interface

    @property
    def config(self) -> Mapping[str, t.Any]:
        return self.middleware.config

    @property
    def has_devices(self) -> bool:
        return bool(getattr(self.interface, "user_key", None))

    def __call__(
        self, environ: WSGIEnvironment, start_response: StartResponse
    ) -> Iterable[bytes]:
        request = webob.Request(environ)
        session = get_session(environ)
        if request.method == "POST":
            outcome = self.post(request, session)
            if isinstance(outcome, webob.Response):
                return outcome(environ, start_response)
            response = webob.Response(self.home(request, session, outcome), status=400)
        elif request.path == "/":
            response = webob.Response(self.home(request, session))
        elif request.path == "/devices" and self.has_devices:
            response = webob.Response(self.devices(session))
        else:
            response = webob.Response(
                "Not found", status=404, content_type="text/plain"
            )
        # The page shows the session: no cache may keep it.
        response.cache_control = "no-store"
        return response(environ, start_response)

    # -- Pages -----------------------------------------------------------------

    def home(self, request: webob.Request, session: Session, error: str = "") -> str:
        # Without a secret key there is no session to keep a token in.
        token = "" if self.is_null(session) else csrf_token(session)
        user = session.get(USER_KEY)
        config = self.config
        created = getattr(session, "created", None) or session.get("_created")
        seen, explained = browser_view(
            self.interface, config, request.environ.get("HTTP_COOKIE", "")
        )
        body = "".join(
            (
                pages.section(
                    "Who you are", pages.account(user, session.permanent, token)
                ),
                pages.section("Your cart", pages.cart(session.get("cart", []), token)),
                pages.section("Theme", pages.theme_form(self.theme(session), token)),
                pages.section(
                    "Timeouts",
                    pages.timeouts(
                        config["SESSION_IDLE_TIMEOUT"],
                        config["SESSION_ABSOLUTE_TIMEOUT"],
                        created if isinstance(created, int) else None,
                    ),
                ),
                '<div class="pair">',
                pages.section(
                    "What the browser sees",
                    f'<pre id="cookie">{seen}</pre>{explained}',
                    id="browser",
                ),
                pages.section(
                    "What the session holds",
                    f'<pre id="session">{pages.contents(session)}</pre>',
                    id="holds",
                ),
                "</div>",
            )
        )
        return self.page(session, body, error)

    def devices(self, session: Session) -> str:
        user = session.get(USER_KEY)
        if user is None:
            body = "<p>Log in to see the devices you are logged in on.</p>"
        else:
            listed = self.interface.list_sessions(user, current=session)  # type: ignore[attr-defined]
            body = pages.devices_table(listed, csrf_token(session))
        return self.page(session, pages.section("Your devices", body, id="devices"))

    def page(self, session: Session, body: str, error: str = "") -> str:
        return pages.page(
            body,
            theme=self.theme(session),
            flashes=[]
            if self.is_null(session)
            else [str(m) for m in get_flashed_messages(session)],
            error=error,
            devices_link=self.has_devices and USER_KEY in session,
        )

    def is_null(self, session: Session) -> bool:
        """Whether there is no session at all (no secret key)."""
        return self.interface.is_null_session(loaded(session))

    @staticmethod
    def theme(session: Session) -> str:
        theme = session.get("theme", "light")
        return theme if theme in pages.THEMES else "light"

    # -- Form posts ------------------------------------------------------------

    def post(self, request: webob.Request, session: Session) -> webob.Response | str:
        """Apply a form post to the session; the error text if it is invalid."""
        path = request.path
        if path == "/login":
            name = _text(request, "name")
            if name is None:
                return f"Enter a name of 1 to {pages.MAX_TEXT} characters."
            # A new login starts a new session: nothing of the last user's
            # stays, and a stored session gets a new id.
            session.clear()
            session[USER_KEY] = name
            session[DEVICE_KEY] = _device(request)
            session.permanent = request.POST.get("remember") == "1"
            flash(session, f"Welcome, {name}.")
        elif path == "/logout":
            # Forget who the user is, as a real app would; the theme stays.
            for key in (USER_KEY, DEVICE_KEY, "cart", "_permanent"):
                session.pop(key, None)
            flash(session, "You are logged out. Your theme stays.")
        elif path == "/cart":
            return self.add_to_cart(request, session)
        elif path == "/theme":
            theme = request.POST.get("theme")
            if theme not in pages.THEMES:
                return "Choose light or dark."
            session["theme"] = theme
        elif path.startswith("/devices/") and self.has_devices and USER_KEY in session:
            self.sign_out(path, request, session)
            return webob.Response(status=303, location="/devices")
        else:
            return webob.Response("Not found", status=404, content_type="text/plain")
        return _see_home()

    def add_to_cart(
        self, request: webob.Request, session: Session
    ) -> webob.Response | str:
        item = _text(request, "item")
        if item is None:
            return f"Enter an item of 1 to {pages.MAX_TEXT} characters."
        cart = [*session.get("cart", []), item]
        size = self.cookie_size({**session.data, "cart": cart})
        limit = self.config["MAX_COOKIE_SIZE"]
        if size is not None:
            return (
                f"The cart is full: with that item the session cookie would be"
                f" {size} bytes, over the {limit}-byte limit browsers accept."
                " A real app would keep the cart on the server (run the demo"
                " with --redis URL or --sql URL)."
            )
        session["cart"] = cart
        return _see_home()

    def sign_out(self, path: str, request: webob.Request, session: Session) -> None:
        interface: t.Any = self.interface
        user = session[USER_KEY]
        if path == "/devices/revoke":
            ended = interface.revoke_session(user, request.POST.get("handle", ""))
            flash(
                session, "Signed out that device." if ended else "Already signed out."
            )
        elif path == "/devices/others":
            listed = interface.list_sessions(user, current=session)
            ended = sum(
                interface.revoke_session(user, entry["handle"])
                for entry in listed
                if not entry["current"]
            )
            others = "1 other session" if ended == 1 else f"{ended} other sessions"
            flash(session, f"Signed out everywhere else: {others} ended.")

    def cookie_size(self, data: Mapping[str, t.Any]) -> int | None:
        """The size of the Set-Cookie header *data* would need, when it is
        over the limit; ``None`` when it fits (always, on a store)."""
        interface, middleware = self.interface, self.middleware
        if interface.server_side:
            return None  # the cookie holds only an id, whatever the session holds
        value = interface.encode_session(middleware, data)
        attrs = interface.cookie_attributes(middleware)
        if data.get("_permanent"):
            attrs["expires"], attrs["max_age"] = 0, 2678400
        name = interface.get_cookie_name(middleware)
        size = len(format_set_cookie(name, value, **attrs))
        limit = self.config["MAX_COOKIE_SIZE"]
        return size if limit and size > limit else None


def _see_home() -> webob.Response:
    # Post/redirect/get: reloading the page does not post the form again.
    return webob.Response(status=303, location="/")


def _text(request: webob.Request, field: str) -> str | None:
    value = request.POST.get(field, "")
    if not isinstance(value, str):  # a file upload
        return None
    value = value.strip()
    if not value or len(value) > pages.MAX_TEXT:
        return None
    return value


def _device(request: webob.Request) -> str:
    """A short name for the browser, from its User-Agent (shown, never
    trusted)."""
    agent = request.user_agent or ""
    for browser in ("Firefox", "Edg", "Chrome", "Safari", "curl"):
        if browser in agent:
            name = {"Edg": "Edge"}.get(browser, browser)
            break
    else:
        name = "A browser"
    for system in ("Windows", "Android", "iPhone", "Mac OS", "Linux"):
        if system in agent:
            return f"{name} on {system.replace('Mac OS', 'macOS')}"
    return name


def make_demo_app(
    config: Mapping[str, t.Any], *, session_interface: SessionInterface | None = None
) -> SessionMiddleware:
    """The demo app, wrapped in a :class:`~cookiesession.CSRFMiddleware` and
    a :class:`~cookiesession.SessionMiddleware` with *config*.

    :param config: The session settings; without ``SECRET_KEY`` the page
        shows but logging in fails with the no-secret-key error.
    :param session_interface: How sessions are stored; signed cookies by
        default. A store with ``user_key="user"`` (and
        ``device_key="device"``) adds the "Your devices" page.

    .. versionadded:: 0.1
    .. versionchanged:: 0.2
        *session_interface*.
    .. versionchanged:: 0.3
        Flash messages, CSRF-protected forms, the timeouts, the cookie as
        the browser holds it, and the devices page.
    """
    demo = _Demo()
    demo.middleware = SessionMiddleware(
        CSRFMiddleware(demo), config, session_interface=session_interface
    )
    return demo.middleware
