"""Any WSGI app (bare, Falcon, Pyramid): when the session store fails, a
503 with ``Retry-After`` instead of a 500."""

import sys

from cookiesession import SessionStoreError

PAGE = b"Sessions are unavailable for a moment; please retry shortly.\n"


def unavailable_on_store_errors(app):
    """Wrap the app outside the session middleware (or around Pyramid's
    app, whose sessions are saved after its exception views have run)."""

    def wrapped(environ, start_response):
        try:
            return app(environ, start_response)
        except SessionStoreError:
            headers = [
                ("Content-Type", "text/plain; charset=utf-8"),
                ("Content-Length", str(len(PAGE))),
                ("Retry-After", "5"),
            ]
            start_response("503 Service Unavailable", headers, sys.exc_info())
            return [PAGE]

    return wrapped
