"""Before any route reads a request: an over-long target is a problem+json 414, an
over-large body a 413, a JSON body naming a key twice a 422 that names the key, and JSON no
parser reads (not UTF-8, nested too deeply) a 400; everything else reaches the route intact."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from fastapi import FastAPI, Request

from pulse.platform.errors import install_error_handlers
from pulse.platform.request_limits import RequestLimitsMiddleware


def _client() -> httpx.AsyncClient:
    app = FastAPI()
    install_error_handlers(app)
    app.add_middleware(RequestLimitsMiddleware, max_target_bytes=2048, max_body_bytes=4096)

    @app.post("/echo")
    async def echo(request: Request) -> Any:
        return {"body": (await request.body()).decode(), "q": request.url.query}

    @app.get("/echo")
    async def echo_query(request: Request) -> Any:
        return {"q": request.url.query}

    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test")


def _problem(answer: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = answer.json()
    assert body["code"] == code
    return body


async def test_a_duplicate_key_is_refused_by_name() -> None:
    async with _client() as client:
        for text, key in (
            ('{"role": "viewer", "role": "admin"}', "role"),
            ('{"a": {"qty": 1, "qty": 2}}', "qty"),
            ('[{"x": 1}, {"y": 1, "y": 2}]', "y"),
        ):
            answer = await client.post(
                "/echo", content=text, headers={"content-type": "application/json"}
            )
            body = _problem(answer, 422, "duplicate_key")
            assert body["field"] == key and f"'{key}'" in body["detail"]


async def test_bodies_that_are_fine_reach_the_route_unchanged() -> None:
    async with _client() as client:
        for text, content_type in (
            ('{"a": 1, "b": {"a": 2}}', "application/json"),
            ('{"a": ', "application/json"),  # malformed: the route says so itself
            ("a=1&a=2", "application/x-www-form-urlencoded"),  # not JSON: not looked at
        ):
            answer = await client.post(
                "/echo", content=text, headers={"content-type": content_type}
            )
            assert answer.status_code == 200, answer.text
            assert answer.json()["body"] == text


async def test_json_no_parser_reads_is_a_400() -> None:
    async with _client() as client:
        for raw in ('{"a": "\xff"}'.encode("latin-1"), b"[" * 2000 + b"]" * 2000):
            answer = await client.post(
                "/echo", content=raw, headers={"content-type": "application/json"}
            )
            _problem(answer, 400, "invalid_json")


@pytest.mark.parametrize("declared", [True, False])
async def test_an_over_large_body_is_a_413(declared: bool) -> None:
    async def chunks() -> Any:
        for _ in range(5):
            yield b"x" * 1000

    async with _client() as client:
        if declared:
            answer = await client.post("/echo", content=b"x" * 5000)
        else:  # no Content-Length: counted as it arrives
            answer = await client.post("/echo", content=chunks())
        _problem(answer, 413, "body_too_large")


async def test_an_over_long_target_is_a_414() -> None:
    async with _client() as client:
        assert (await client.get("/echo", params={"q": "x" * 1900})).status_code == 200
        _problem(await client.get("/echo", params={"q": "x" * 2100}), 414, "uri_too_long")
