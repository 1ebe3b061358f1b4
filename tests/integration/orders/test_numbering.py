"""Order numbers: imported history and orders placed afterwards never share a number."""

from __future__ import annotations

import uuid
from datetime import timedelta

import httpx

from pulse.bootstrap import Container
from pulse.orders.history import HistoricalOrder, import_orders
from pulse.platform.events import utcnow
from tests.integration.inventory.factories import make_product
from tests.integration.orders.factories import make_customer, make_order


async def test_imported_and_placed_orders_get_distinct_numbers(
    client: httpx.AsyncClient, container: Container
) -> None:
    product = await make_product(client, qty_on_hand=50)
    customer = await make_customer(client)
    history = [
        HistoricalOrder(
            customer_id=uuid.UUID(customer["id"]),
            placed_at=utcnow() - timedelta(days=day),
            status="completed",
            items=((product["sku"], 1),),
        )
        for day in (3, 2, 1)
    ]
    async with container.uow(actor="import") as uow:
        assert len(await import_orders(uow, history)) == 3
        await uow.commit()
    items = [{"sku": product["sku"], "qty": 1}]
    placed = [await make_order(client, customer["id"], items) for _ in range(2)]
    listing = await client.get("/orders", params={"limit": 10})
    numbers = [o["number"] for o in listing.json()["items"]]
    assert len(numbers) == 5
    assert len(set(numbers)) == 5
    assert all(p["number"] in numbers for p in placed)
