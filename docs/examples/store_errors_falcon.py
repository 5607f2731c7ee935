"""Falcon: an error handler for a session that cannot be loaded (Falcon
renders exceptions of responders itself); a save that fails, after the
responder, reaches the WSGI wrapper."""

import falcon
from store_errors_wsgi import unavailable_on_store_errors

from cookiesession import SessionMiddleware, SessionStoreError, get_session


def store_unavailable(req, resp, error, params):
    raise falcon.HTTPServiceUnavailable(
        description="Sessions are unavailable for a moment; please retry shortly.",
        retry_after=5,
    )


class Visits:
    def on_get(self, req, resp):
        session = get_session(req.env)
        session["visits"] = session.get("visits", 0) + 1
        resp.text = f"Visit number {session['visits']}"


def make_app(session_interface=None):
    falcon_app = falcon.App()
    falcon_app.add_error_handler(SessionStoreError, store_unavailable)
    falcon_app.add_route("/", Visits())
    app = SessionMiddleware(
        falcon_app, {"SECRET_KEY": "dev only"}, session_interface=session_interface
    )
    return unavailable_on_store_errors(app)
