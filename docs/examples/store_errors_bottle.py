"""Bottle: a failing store reaches the 500 handler as ``error.exception``;
answer 503 there."""

import bottle

from cookiesession import SessionStoreError
from cookiesession.bottle import SessionPlugin


def make_app(session_interface=None):
    app = bottle.Bottle()
    app.install(
        SessionPlugin({"SECRET_KEY": "dev only"}, session_interface=session_interface)
    )

    @app.error(500)
    def server_error(error):
        if isinstance(error.exception, SessionStoreError):
            bottle.response.status = 503
            bottle.response.set_header("Retry-After", "5")
            return "Sessions are unavailable for a moment; please retry shortly."
        return app.default_error_handler(error)

    @app.get("/")
    def visits(session):
        session["visits"] = session.get("visits", 0) + 1
        return f"Visit number {session['visits']}"

    return app
