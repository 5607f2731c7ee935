"""A bare WSGI app with a session: counts visits per browser."""

from cookiesession import Config, SessionMiddleware, get_session


def app(environ, start_response):
    session = get_session(environ)
    session["visits"] = session.get("visits", 0) + 1
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [f"Visit number {session['visits']}".encode()]


config = Config()
config.from_mapping(SECRET_KEY="dev only: set FLASK_SECRET_KEY in production")
config.from_prefixed_env()  # FLASK_SECRET_KEY, FLASK_SESSION_COOKIE_SECURE, ...
application = SessionMiddleware(app, config)

if __name__ == "__main__":
    from wsgiref.simple_server import make_server

    make_server("127.0.0.1", 8000, application).serve_forever()
