"""Bottle: routes that take a ``session`` argument get the session."""

import bottle

from cookiesession.bottle import SessionPlugin

app = bottle.Bottle()
app.install(SessionPlugin({"SECRET_KEY": "dev only"}))


@app.get("/")
def visits(session):
    session["visits"] = session.get("visits", 0) + 1
    return f"Visit number {session['visits']}"
