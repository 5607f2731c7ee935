"""A custom SessionInterface: an API client sends its session in an
``X-Session`` header (signed like the cookie) and gets it back in one;
browsers keep using the cookie."""

import webob

from cookiesession import (
    SecureCookieSessionInterface,
    Session,
    SessionMiddleware,
    get_session,
)


class HeaderSession(Session):
    __slots__ = ("from_header",)

    def __init__(self, initial=None, *, new=False, from_header=False):
        super().__init__(initial, new=new)
        self.from_header = from_header


class HeaderSessionInterface(SecureCookieSessionInterface):
    session_class = HeaderSession

    def open_session(self, app, request):
        token = request.headers.get("X-Session")
        if token is None:
            return super().open_session(app, request)  # a browser: the cookie
        loaded = self.load_cookie(app, token)
        data = loaded[0] if loaded else None
        return HeaderSession(data, new=data is None, from_header=True)

    def save_session(self, app, session, response):
        if not session.from_header:
            return super().save_session(app, session, response)
        if session.modified:
            token = self.get_signing_serializer(app).dumps(dict(session))
            response.headerlist.append(("X-Session", token))
        return None


def app(environ, start_response):
    session = get_session(environ)
    request = webob.Request(environ)
    if "user" in request.params:
        session["user"] = request.params["user"]
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [f"user: {session.get('user')}".encode()]


application = SessionMiddleware(
    app, {"SECRET_KEY": "dev"}, session_interface=HeaderSessionInterface()
)
