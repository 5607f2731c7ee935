"""Code written for Beaker, served by cookiesession: only the middleware
line changed."""

import webob

from cookiesession import SessionMiddleware


def app(environ, start_response):
    request = webob.Request(environ)
    session = environ["beaker.session"]
    if request.path == "/add":
        session.setdefault("cart", []).append(request.params["item"])
        session.save()  # the nested change is written with the response
    elif request.path == "/logout":
        session.delete()
    response = webob.Response(f"cart: {', '.join(session.get('cart', []))}")
    return response(environ, start_response)


# Was: SessionMiddleware(app, {"session.type": "cookie", ...}) from beaker.
application = SessionMiddleware(
    app, {"SECRET_KEY": "dev"}, environ_key="beaker.session"
)
