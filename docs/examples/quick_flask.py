"""Flask: ``flask.session`` as always, served by cookiesession."""

import flask

from cookiesession.flask import CookieSession

app = flask.Flask(__name__)
app.config.update(SECRET_KEY="dev only", SESSION_IDLE_TIMEOUT="30m")
CookieSession(app)


@app.get("/")
def index():
    flask.session["visits"] = flask.session.get("visits", 0) + 1
    return f"Visit number {flask.session['visits']}"
