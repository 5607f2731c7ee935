"""A FastAPI app with cookiesession: the Flask cookie format, a login that
starts a new session, and no session work for static files."""

from fastapi import FastAPI, Request

from cookiesession import Config
from cookiesession.asgi import SessionMiddleware

api = FastAPI()


@api.get("/")
async def index(request: Request):
    return {"user": request.session.get("user")}


@api.post("/login")
async def login(request: Request):
    request.session.regenerate()  # a new session at login
    request.session["user"] = (await request.json())["user"]
    return dict(request.session)  # a mapping: dict() it for JSON


@api.get("/static/{name}")
def static(name: str):
    return {"file": name}  # under exclude=: no session, no cookie


config = Config()
config.from_mapping(SECRET_KEY="dev only")  # `cookiesession keygen` makes a real one
config.from_prefixed_env()  # FLASK_SECRET_KEY, ... as a Flask app reads them
app = SessionMiddleware(api, config, exclude=("/static",))
