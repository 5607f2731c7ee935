"""The apps bench_e2e.py serves: the same trivial app bare, reading its
session and writing it, on cookiesession's middleware and on Flask."""

import flask

from cookiesession import SessionMiddleware, get_session

KEY = "benchmark-secret-key-0123456789abcdef"
HEADERS = [("Content-Type", "text/plain"), ("Content-Length", "2")]


def cookiesession_bare(environ, start_response):
    start_response("200 OK", list(HEADERS))
    return [b"ok"]


def _read(environ, start_response):
    get_session(environ).get("user")
    return cookiesession_bare(environ, start_response)


def _write(environ, start_response):
    get_session(environ)["counter"] = 1
    return cookiesession_bare(environ, start_response)


cookiesession_read = SessionMiddleware(_read, {"SECRET_KEY": KEY})
cookiesession_write = SessionMiddleware(_write, {"SECRET_KEY": KEY})


def _flask(scenario):
    app = flask.Flask(f"e2e_{scenario}")
    app.secret_key = KEY

    @app.route("/")
    def index():
        if scenario == "read":
            flask.session.get("user")
        elif scenario == "write":
            flask.session["counter"] = 1
        return "ok"

    return app


flask_bare = _flask("bare")
flask_read = _flask("read")
flask_write = _flask("write")
