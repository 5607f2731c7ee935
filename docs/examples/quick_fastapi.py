"""FastAPI: the same middleware; ``request.session`` in any endpoint."""

from fastapi import FastAPI, Request
from fastapi.responses import PlainTextResponse

from cookiesession.asgi import SessionMiddleware

app = FastAPI()
app.add_middleware(SessionMiddleware, config={"SECRET_KEY": "dev only"})


@app.get("/", response_class=PlainTextResponse)
def visits(request: Request):
    request.session["visits"] = request.session.get("visits", 0) + 1
    return f"Visit number {request.session['visits']}"
