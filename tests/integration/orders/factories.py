"""Small helpers that create customers and orders through the HTTP API."""

from __future__ import annotations

import itertools
from typing import Any

import httpx

_emails = itertools.count(1)


def new_email() -> str:
    return f"buyer{next(_emails)}@example.com"


async def make_customer(client: httpx.AsyncClient, **fields: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"name": "Ada Buyer", "email": new_email()}
    body.update(fields)
    response = await client.post("/customers", json=body)
    assert response.status_code == 201, response.text
    return response.json()


async def place_order(
    client: httpx.AsyncClient, customer_id: str, items: list[dict[str, Any]], **headers: str
) -> httpx.Response:
    return await client.post(
        "/orders", json={"customer_id": customer_id, "items": items}, headers=headers
    )


async def make_order(
    client: httpx.AsyncClient, customer_id: str, items: list[dict[str, Any]]
) -> dict[str, Any]:
    response = await place_order(client, customer_id, items)
    assert response.status_code == 201, response.text
    return response.json()


async def order_of(client: httpx.AsyncClient, order_id: str) -> dict[str, Any]:
    response = await client.get(f"/orders/{order_id}")
    assert response.status_code == 200, response.text
    return response.json()


def assert_problem(response: httpx.Response, status: int, code: str | None = None) -> dict:
    """The response is a problem+json document with this status (and code, when given)."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["status"] == status
    assert isinstance(body["detail"], str) and body["detail"].strip()
    if code is not None:
        assert body["code"] == code, body
    return body
