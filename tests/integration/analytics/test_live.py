"""Live push over server-sent events, through a real HTTP server: a dashboard hears which
aggregates an order's sale changed, by name and key, without polling."""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import AsyncIterator
from datetime import UTC, datetime
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


async def test_a_sale_is_pushed_by_name_and_key_and_the_reports_already_show_it(
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

        changed: dict[str, set[Any]] = {}

        async def sale() -> dict[str, Any]:
            async for name, message in stream:
                assert_names_and_keys_only(message)
                for aggregate, keys in message["changed"].items():
                    changed.setdefault(aggregate, set()).update(keys or [])
                statuses = {o["id"]: o["status"] for o in message.get("orders", [])}
                if name == "batch" and statuses.get(order["id"]) in SOLD_STATUSES:
                    return message
            raise AssertionError("stream ended")

        message = await asyncio.wait_for(sale(), timeout=10)
        # The push follows the commit: a dashboard that refetches on it sees the new figures.
        hour = datetime.fromisoformat(order["created_at"]).astimezone(UTC)
        hour_key = hour.replace(minute=0, second=0, microsecond=0).isoformat()
        assert message["changed"]["sales_by_hour"] == [hour_key]
        assert product["sku"] in changed["stock_snapshot"]
        hourly = (await http.get("/query/sales/hourly", params={"hours": 2})).json()
        assert hourly["totals"]["orders"] == 1
        assert Decimal(hourly["totals"]["revenue"]) == Decimal("80.00")
        stock = (await http.get("/query/inventory/stock")).json()
        row = next(r for r in stock["rows"] if r["sku"] == product["sku"])
        assert row["available"] == 3


def assert_names_and_keys_only(message: dict[str, Any]) -> None:
    """A batch names what changed; the figures are the reports' to give."""
    assert set(message) == {"position", "events", "batch_ms", "orders", "changed"}
    for aggregate, keys in message["changed"].items():
        assert keys is None or all(isinstance(k, str | int) for k in keys), (aggregate, keys)


async def test_the_stream_needs_a_token(container: Container, base_url: str) -> None:
    async with httpx.AsyncClient(base_url=base_url, timeout=5) as http:
        response = await http.get("/query/live")
    assert response.status_code == 401
