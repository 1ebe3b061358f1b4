"""Live push over server-sent events, through a real HTTP server: a dashboard hears about an
order's sale with the new figures, without polling."""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import httpx
import pytest
import uvicorn

from pulse.analytics.tables import SOLD_STATUSES
from pulse.bootstrap import Container
from tests.conftest import ClientFor, TokenFor
from tests.integration.inventory.factories import make_product
from tests.integration.orders.factories import make_customer, make_order


@pytest.fixture
async def base_url(container: Container) -> AsyncIterator[str]:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    # The container is already started by the fixture: the server only serves requests.
    server = uvicorn.Server(
        uvicorn.Config(container.app, lifespan="off", log_level="warning")  # type: ignore[attr-defined]
    )
    task = asyncio.create_task(server.serve(sockets=[sock]))
    while not server.started:  # noqa: ASYNC110 - uvicorn offers no event to wait on
        await asyncio.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task
        sock.close()


async def events(response: httpx.Response) -> AsyncIterator[tuple[str, dict[str, Any]]]:
    name, data = "message", ""
    async for line in response.aiter_lines():
        if line.startswith("event:"):
            name = line[6:].strip()
        elif line.startswith("data:"):
            data += line[5:].strip()
        elif line == "" and data:
            yield name, json.loads(data)
            name, data = "message", ""


async def test_a_sale_is_pushed_with_its_figures(
    container: Container, client_for: ClientFor, token_for: TokenFor, base_url: str
) -> None:
    admin = client_for("admin")
    product = await make_product(admin, price="40.00", qty_on_hand=5)
    customer = await make_customer(admin)
    headers = {"Authorization": f"Bearer {token_for('viewer')}"}
    async with (
        httpx.AsyncClient(base_url=base_url, headers=headers, timeout=10) as http,
        http.stream("GET", "/query/live") as response,
    ):
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        stream = events(response)
        name, hello = await anext(stream)
        assert name == "hello" and hello["position"] >= 0
        order = await make_order(admin, customer["id"], [{"sku": product["sku"], "qty": 2}])

        stock: dict[str, Any] = {}

        async def sale() -> dict[str, Any]:
            async for name, message in stream:
                for row in (message.get("changed") or {}).get("stock_snapshot") or []:
                    stock[row["sku"]] = row
                statuses = {o["id"]: o["status"] for o in message.get("orders", [])}
                if name == "batch" and statuses.get(order["id"]) in SOLD_STATUSES:
                    return message
            raise AssertionError("stream ended")

        message = await asyncio.wait_for(sale(), timeout=10)
    hours = message["changed"]["sales_by_hour"]
    assert len(hours) == 1 and hours[0]["orders"] == 1
    assert Decimal(hours[0]["revenue"]) == Decimal("80.00")
    # The reservation came in the same batch or an earlier one.
    assert stock[product["sku"]]["available"] == 3


async def test_the_stream_needs_a_token(container: Container, base_url: str) -> None:
    async with httpx.AsyncClient(base_url=base_url, timeout=5) as http:
        response = await http.get("/query/live")
    assert response.status_code == 401
