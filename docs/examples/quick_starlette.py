"""Starlette: ``request.session``, from cookiesession's ASGI middleware."""

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from cookiesession.asgi import SessionMiddleware


async def visits(request):
    request.session["visits"] = request.session.get("visits", 0) + 1
    return PlainTextResponse(f"Visit number {request.session['visits']}")


app = Starlette(
    routes=[Route("/", visits)],
    middleware=[Middleware(SessionMiddleware, config={"SECRET_KEY": "dev only"})],
)
