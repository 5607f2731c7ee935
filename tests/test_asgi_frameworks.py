"""The ASGI middleware under Litestar, whose ``request.session`` reads
``scope["session"]`` and whose ``set_session``/``clear_session`` replace
it, through httpx's ASGI transport."""

from __future__ import annotations

import dataclasses

import httpx
import pytest

from cookiesession.asgi import SessionMiddleware
from tests.helpers import KEY

pytestmark = pytest.mark.anyio

litestar = pytest.importorskip("litestar")
from litestar import Litestar, Request, get  # noqa: E402


@pytest.fixture
def anyio_backend():
    return "asyncio"


@dataclasses.dataclass
class Profile:
    user: str
    theme: str


@get("/show")
async def show(request: Request) -> dict:
    return dict(request.session)


@get("/login")
async def login(request: Request) -> str:
    request.session["user"] = "ann"
    return "ok"


@get("/replace")
async def replace(request: Request) -> str:
    request.set_session({"user": "bob"})
    return "ok"


@get("/profile")
async def profile(request: Request) -> str:
    request.set_session(Profile(user="cy", theme="dark"))
    return "ok"


@get("/logout")
async def logout(request: Request) -> str:
    request.clear_session()
    return "ok"


def client():
    app = Litestar(route_handlers=[show, login, replace, profile, logout])
    wrapped = SessionMiddleware(app, {"SECRET_KEY": KEY})
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(wrapped), base_url="http://t"
    )


async def test_litestar_request_session_and_its_replacements():
    async with client() as http:
        assert (await http.get("/show")).json() == {}
        await http.get("/login")
        assert (await http.get("/show")).json() == {"user": "ann"}
        await http.get("/replace")
        assert (await http.get("/show")).json() == {"user": "bob"}
        await http.get("/profile")
        assert (await http.get("/show")).json() == {"user": "cy", "theme": "dark"}
        response = await http.get("/logout")
        assert response.headers["set-cookie"].startswith("session=; ")
        assert (await http.get("/show")).json() == {}
