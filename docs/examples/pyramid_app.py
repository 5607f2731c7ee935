"""A small Pyramid app: log in, a flash message, log out."""

from html import escape

from pyramid.config import Configurator
from pyramid.httpexceptions import HTTPSeeOther
from pyramid.response import Response


def home(request):
    session = request.session
    user = session.get("user")
    token = session.get_csrf_token()
    csrf = f'<input type="hidden" name="csrf_token" value="{escape(token)}">'
    messages = "".join(f"<p>{escape(m)}</p>" for m in session.pop_flash())
    if user is None:
        body = (
            '<form method="post" action="/login">'
            f"{csrf}"
            '<input name="name"> <button>Log in</button></form>'
        )
    else:
        body = (
            f"<p>Hello, {escape(user)}.</p>"
            '<form method="post" action="/logout">'
            f"{csrf}"
            "<button>Log out</button></form>"
        )
    return Response(messages + body)


def login(request):
    request.session.invalidate()  # a fresh session for a new login
    request.session["user"] = request.POST["name"]
    request.session.flash(f"Logged in as {request.POST['name']}.")
    return HTTPSeeOther("/")


def logout(request):
    request.session.invalidate()
    request.session.flash("Logged out.")
    return HTTPSeeOther("/")


def main(global_config=None, **settings):
    # In an .ini file: cookiesession.secret_key = ..., and so on.
    settings.setdefault("cookiesession.secret_key", "dev only")
    with Configurator(settings=settings) as config:
        config.include("cookiesession.pyramid")
        config.set_default_csrf_options(require_csrf=True)
        config.add_route("home", "/")
        config.add_route("login", "/login")
        config.add_route("logout", "/logout")
        config.add_view(home, route_name="home")
        config.add_view(login, route_name="login", request_method="POST")
        config.add_view(logout, route_name="logout", request_method="POST")
        return config.make_wsgi_app()
