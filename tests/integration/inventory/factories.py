"""Small helpers that create catalogue entries through the HTTP API."""

from __future__ import annotations

import itertools
from typing import Any

import httpx

_skus = itertools.count(1)


def new_sku(prefix: str = "SKU") -> str:
    return f"{prefix}-{next(_skus):05d}"


async def make_product(client: httpx.AsyncClient, **fields: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "sku": new_sku(),
        "name": "Widget",
        "price": "10.00",
        "tax_rate": "0.2000",
        "qty_on_hand": 0,
    }
    body.update(fields)
    response = await client.post("/inventory", json=body)
    assert response.status_code == 201, response.text
    return response.json()


async def stock_of(client: httpx.AsyncClient, sku: str) -> dict[str, Any]:
    response = await client.get(f"/inventory/{sku}")
    assert response.status_code == 200, response.text
    return response.json()
