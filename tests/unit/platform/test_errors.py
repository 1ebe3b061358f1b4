"""The problem+json handler keeps the headers an answer needs: `Allow` on a 405,
`Retry-After` when the error says how long to wait, `WWW-Authenticate` on a 401."""

from __future__ import annotations

import httpx
from fastapi import FastAPI

from pulse.platform.errors import TooManyRequests, Unauthorized, install_error_handlers


def _app() -> FastAPI:
    app = FastAPI()
    install_error_handlers(app)

    @app.get("/thing")
    async def thing() -> dict[str, str]:
        return {}

    @app.post("/thing")
    async def make_thing() -> dict[str, str]:
        return {}

    @app.get("/things/special")
    async def special() -> dict[str, str]:
        return {}

    @app.patch("/things/{name}")
    async def rename(name: str) -> dict[str, str]:
        return {}

    @app.get("/locked")
    async def locked() -> None:
        raise TooManyRequests("wait", extra={"retry_after": 12.2})

    @app.get("/anonymous")
    async def anonymous() -> None:
        raise Unauthorized("who are you")

    return app


async def _get(method: str, path: str) -> httpx.Response:
    transport = httpx.ASGITransport(app=_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        return await client.request(method, path)


async def test_a_405_names_the_allowed_methods() -> None:
    answer = await _get("DELETE", "/thing")
    assert answer.status_code == 405
    assert answer.headers["content-type"] == "application/problem+json"
    # Both routes on the path count, not only the first the router tried.
    assert answer.headers["allow"] == "GET, POST"


async def test_a_literal_path_is_its_own_resource_in_allow() -> None:
    # PATCH /things/{name} also matches /things/special, but the document's /things/special
    # is a resource of its own, answering GET only.
    assert (await _get("DELETE", "/things/special")).headers["allow"] == "GET"
    assert (await _get("DELETE", "/things/other")).headers["allow"] == "PATCH"


async def test_a_429_says_when_to_retry() -> None:
    answer = await _get("GET", "/locked")
    assert answer.status_code == 429
    assert answer.headers["retry-after"] == "13"
    assert answer.json()["retry_after"] == 12.2


async def test_a_401_names_the_scheme() -> None:
    answer = await _get("GET", "/anonymous")
    assert answer.status_code == 401
    assert answer.headers["www-authenticate"] == "Bearer"
