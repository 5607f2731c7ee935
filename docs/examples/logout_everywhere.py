"""'Log out everywhere' with signed cookies: a per-user generation number in
the application's database, stored in the session at login and compared by
the session interface's validator on every request that uses the session."""

import sqlite3

import webob

from cookiesession import SecureCookieSessionInterface, SessionMiddleware, get_session

db = sqlite3.connect(":memory:", check_same_thread=False)
db.execute("CREATE TABLE users (name TEXT PRIMARY KEY, generation INTEGER)")
db.execute("INSERT INTO users VALUES ('ann', 1)")


def generation_of(name):
    row = db.execute("SELECT generation FROM users WHERE name = ?", (name,)).fetchone()
    return row[0] if row else None


def still_valid(data):
    """One lookup per request that uses a logged-in session."""
    user = data.get("user")
    return user is None or data.get("generation") == generation_of(user)


def app(environ, start_response):
    request = webob.Request(environ)
    session = get_session(environ)
    if request.path == "/login":
        name = request.params["name"]
        session.clear()  # a new session at login
        session.update(user=name, generation=generation_of(name))
    elif request.path == "/logout-everywhere":
        with db:
            db.execute(
                "UPDATE users SET generation = generation + 1 WHERE name = ?",
                (session["user"],),
            )
        session.clear()
    body = f"user: {session.get('user')}".encode()
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [body]


application = SessionMiddleware(
    app,
    {"SECRET_KEY": "change me", "SESSION_IDLE_TIMEOUT": 1800},
    session_interface=SecureCookieSessionInterface(validator=still_valid),
)
