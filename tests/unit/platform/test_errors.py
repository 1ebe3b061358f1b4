"""The problem+json handler keeps the headers an answer needs: `Allow` on a 405,
`Retry-After` when the error says how long to wait, `WWW-Authenticate` on a 401; a domain
error answers with the status and code its class line gives, and an unexpected error with
a 500 problem that says nothing of its cause."""

from __future__ import annotations

import httpx
from fastapi import FastAPI

from pulse.platform.errors import (
    NotFound,
    PulseError,
    TooManyRequests,
    Unauthorized,
    install_error_handlers,
)


class Gone(NotFound, status=410, code="gone"): ...


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

    @app.get("/gone")
    async def gone() -> None:
        raise Gone("it left", field="name")

    @app.get("/teapot")
    async def teapot() -> None:
        raise PulseError("short and stout", status=418, code="teapot")

    @app.get("/broken")
    async def broken() -> None:
        raise RuntimeError("secret internals")

    return app


async def _get(method: str, path: str) -> httpx.Response:
    transport = httpx.ASGITransport(app=_app(), raise_app_exceptions=False)
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


async def test_a_domain_error_answers_with_its_class_status_and_code() -> None:
    answer = await _get("GET", "/gone")
    assert (answer.status_code, answer.headers["content-type"]) == (410, "application/problem+json")
    body = answer.json()
    assert (body["code"], body["detail"], body["field"]) == ("gone", "it left", "name")
    assert (NotFound.status, NotFound.code) == (404, "not_found")  # the parent keeps its own
    teapot = (await _get("GET", "/teapot")).json()
    assert (teapot["status"], teapot["code"]) == (418, "teapot")


async def test_an_unexpected_error_is_a_500_problem_without_its_cause() -> None:
    answer = await _get("GET", "/broken")
    assert (answer.status_code, answer.headers["content-type"]) == (500, "application/problem+json")
    assert answer.json()["code"] == "internal_error"
    assert "secret" not in answer.text
