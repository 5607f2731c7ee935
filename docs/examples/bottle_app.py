"""A small Bottle app: log in, a flash message, log out."""

import html

import bottle

from cookiesession.bottle import SessionPlugin

app = bottle.Bottle()
app.install(SessionPlugin({"SECRET_KEY": "dev only", "SESSION_COOKIE_SECURE": False}))


@app.get("/")
def home(session):
    flashes = session.pop("_flashes", [])
    messages = "".join(f"<p>{html.escape(msg)}</p>" for _, msg in flashes)
    user = session.get("user")
    if user is None:
        form = (
            '<form method="post" action="/login">'
            '<input name="name"><button>Log in</button></form>'
        )
    else:
        form = (
            f"<p>Hello, {html.escape(user)}.</p>"
            '<form method="post" action="/logout"><button>Log out</button></form>'
        )
    return messages + form


@app.post("/login")
def login(session):
    session.clear()
    session["user"] = bottle.request.forms.getunicode("name")
    # Flask's layout: a list of (category, message), so Flask shows it too.
    session["_flashes"] = [("message", f"Logged in as {session['user']}.")]
    bottle.redirect("/")


@app.post("/logout")
def logout(session):
    session.clear()
    session["_flashes"] = [("message", "Logged out.")]
    bottle.redirect("/")
