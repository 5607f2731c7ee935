"""A Flask app with cookiesession behind ``flask.session``: timeouts, a
login that starts a new session, flash messages, and any interface."""

import flask
from werkzeug.exceptions import InternalServerError

from cookiesession import SessionStoreError
from cookiesession.flask import CookieSession


def create_app(session_interface=None):
    app = flask.Flask(__name__)
    app.config.update(
        SECRET_KEY="dev only",  # `cookiesession keygen` makes a real one
        SESSION_IDLE_TIMEOUT="30m",
        SESSION_ABSOLUTE_TIMEOUT="12h",
    )
    CookieSession(app, session_interface=session_interface)

    @app.get("/")
    def index():
        messages = " ".join(flask.get_flashed_messages())
        user = flask.session.get("user", "stranger")
        return f"Hello, {user}. {messages}".strip()

    @app.post("/login")
    def login():
        flask.session.regenerate()  # a new session at login: fixation-safe
        flask.session["user"] = flask.request.form["user"]
        flask.session.mark_authenticated()
        flask.flash("Welcome!")
        return flask.redirect("/")

    @app.post("/logout")
    def logout():
        flask.session.clear()
        return flask.redirect("/")

    # The store is down: say so, rather than log everyone out. A failure to
    # load reaches the first handler; a failure to save, which Flask meets
    # after the view, reaches the second as the cause of a 500.
    @app.errorhandler(SessionStoreError)
    @app.errorhandler(InternalServerError)
    def store_unavailable(error):
        if isinstance(getattr(error, "original_exception", error), SessionStoreError):
            return "Sessions are unavailable; please retry shortly.", 503
        return error

    return app


app = create_app()
