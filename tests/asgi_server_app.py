"""The FastAPI app that tests/test_asgi_redis.py serves with a real uvicorn
process: sessions in the Redis at ``$COOKIESESSION_TEST_REDIS`` (a unix
socket), signed with the tests' key."""

from __future__ import annotations

import contextlib
import os

import fastapi
import redis.asyncio
from fastapi import Request

from cookiesession.asgi import SessionMiddleware
from cookiesession.redis import AsyncRedisSessionInterface
from tests.helpers import KEY

client = redis.asyncio.Redis(
    unix_socket_path=os.environ["COOKIESESSION_TEST_REDIS"], socket_timeout=5
)


@contextlib.asynccontextmanager
async def lifespan(app):
    yield
    await client.aclose()


api = fastapi.FastAPI(lifespan=lifespan)


@api.get("/me")
async def me(request: Request):
    return {"user": request.session.get("user")}


@api.get("/cart")
async def cart(request: Request):
    request.session["cart"] = "tea"
    return {"cart": request.session["cart"]}


app = SessionMiddleware(
    api,
    {"SECRET_KEY": KEY, "SESSION_COOKIE_SAMESITE": None},
    session_interface=AsyncRedisSessionInterface(client, user_key="user"),
)
