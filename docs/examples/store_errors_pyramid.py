"""Pyramid: an exception view for a session that cannot be loaded; a save
that fails (after the view) reaches the WSGI wrapper instead."""

from pyramid.config import Configurator
from store_errors_wsgi import unavailable_on_store_errors

from cookiesession import SessionStoreError


def store_unavailable(exc, request):
    response = request.response
    response.status = 503
    response.headers["Retry-After"] = "5"
    response.text = "Sessions are unavailable for a moment; please retry shortly."
    return response


def visits(request):
    request.session["visits"] = request.session.get("visits", 0) + 1
    return request.response


def main(**settings):
    with Configurator(settings=settings) as config:
        config.include("cookiesession.pyramid")
        config.add_exception_view(store_unavailable, context=SessionStoreError)
        config.add_route("home", "/")
        config.add_view(visits, route_name="home")
        return unavailable_on_store_errors(config.make_wsgi_app())
