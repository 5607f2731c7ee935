"""A FastAPI app with cookiesession: the Flask cookie format, a login that
starts a new session, and no session work for static files."""

from typing import Annotated

from fastapi import Depends, FastAPI, Request

from cookiesession import Config, Session
from cookiesession.asgi import SessionMiddleware

api = FastAPI()


def current_session(request: Request) -> Session:
    return request.session


# A dependency that hands an endpoint its session.
SessionDep = Annotated[Session, Depends(current_session)]


@api.get("/")
async def index(request: Request):
    return {"user": request.session.get("user")}


@api.post("/login")
async def login(request: Request):
    request.session.regenerate()  # a new session at login
    request.session["user"] = (await request.json())["user"]
    return dict(request.session)  # a mapping: dict() it for JSON


@api.post("/cart")
async def add_to_cart(item: str, session: SessionDep):
    session["cart"] = [*session.get("cart", []), item]
    return {"cart": session["cart"]}


@api.get("/static/{name}")
def static(name: str):
    return {"file": name}  # under exclude=: no session, no cookie


config = Config()
config.from_mapping(SECRET_KEY="dev only")  # `cookiesession keygen` makes a real one
config.from_prefixed_env()  # FLASK_SECRET_KEY, ... as a Flask app reads them
app = SessionMiddleware(api, config, exclude=("/static",))
