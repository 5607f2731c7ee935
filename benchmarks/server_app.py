"""The apps bench_server.py serves: bare, a session read, a session write."""

from cookiesession import SessionMiddleware, get_session

KEY = "benchmark-secret-key-0123456789abcdef"


def _ok(start_response):
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "2")])
    return [b"ok"]


def bare(environ, start_response):
    return _ok(start_response)


def _read(environ, start_response):
    get_session(environ).get("user")
    return _ok(start_response)


def _write(environ, start_response):
    get_session(environ)["counter"] = 1
    return _ok(start_response)


read = SessionMiddleware(_read, {"SECRET_KEY": KEY})
write = SessionMiddleware(_write, {"SECRET_KEY": KEY})
