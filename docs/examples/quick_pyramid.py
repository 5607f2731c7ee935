"""Pyramid: ``request.session``, configured from the settings."""

from pyramid.config import Configurator
from pyramid.response import Response


def visits(request):
    session = request.session
    session["visits"] = session.get("visits", 0) + 1
    return Response(f"Visit number {session['visits']}")


def main(**settings):
    settings.setdefault("cookiesession.secret_key", "dev only")
    with Configurator(settings=settings) as config:
        config.include("cookiesession.pyramid")
        config.add_route("home", "/")
        config.add_view(visits, route_name="home")
        return config.make_wsgi_app()
