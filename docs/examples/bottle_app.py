"""A small Bottle app: log in, flash messages, CSRF tokens, log out."""

from html import escape

import bottle

from cookiesession import csrf_token, flash, get_flashed_messages
from cookiesession.bottle import SessionPlugin

app = bottle.Bottle()
# require_csrf: every POST must carry the session's token.
app.install(SessionPlugin({"SECRET_KEY": "dev only"}, require_csrf=True))


@app.get("/")
def home(session):
    messages = "".join(f"<p>{escape(m)}</p>" for m in get_flashed_messages(session))
    token = f'<input type="hidden" name="csrf_token" value="{csrf_token(session)}">'
    user = session.get("user")
    if user is None:
        form = (
            f'<form method="post" action="/login">{token}'
            '<input name="name"><button>Log in</button></form>'
        )
    else:
        form = (
            f"<p>Hello, {escape(user)}.</p>"
            f'<form method="post" action="/logout">{token}'
            "<button>Log out</button></form>"
        )
    return messages + form


@app.post("/login")
def login(session):
    session.clear()  # a new session for a new login
    session["user"] = bottle.request.forms.getunicode("name")
    # Flask's layout: Flask and Pyramid apps sharing the cookie show it too.
    flash(session, f"Logged in as {session['user']}.")
    bottle.redirect("/")


@app.post("/logout")
def logout(session):
    session.pop("user", None)
    flash(session, "Logged out.")
    bottle.redirect("/")
