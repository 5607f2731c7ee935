"""Starlette and FastAPI: the session middleware loads and saves outside
the app's exception handlers, so a small ASGI wrapper around it answers
503 when the store fails."""

from starlette.responses import PlainTextResponse

from cookiesession import SessionStoreError


class UnavailableOnStoreErrors:
    """Add it after the session middleware, so that it runs outside it:
    ``app.add_middleware(UnavailableOnStoreErrors)``."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        started = False

        async def watching(message):
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, watching)
        except SessionStoreError:
            if started or scope["type"] != "http":
                raise  # too late for another response
            response = PlainTextResponse(
                "Sessions are unavailable for a moment; please retry shortly.",
                status_code=503,
                headers={"Retry-After": "5"},
            )
            await response(scope, receive, send)
