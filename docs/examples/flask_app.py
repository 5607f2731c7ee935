"""A Flask app whose sessions are handled by the middleware: useful while
moving parts of it to other frameworks behind the same cookie."""

import flask

from cookiesession import SessionMiddleware, get_session

app = flask.Flask(__name__)


@app.route("/")
def index():
    session = get_session(flask.request.environ)
    session["visits"] = session.get("visits", 0) + 1
    return f"Visit number {session['visits']}"


# Wrap the WSGI app; Flask's own flask.session is left unused here.
app.wsgi_app = SessionMiddleware(
    app.wsgi_app, {"SECRET_KEY": "dev", "SESSION_COOKIE_NAME": "shared"}
)
