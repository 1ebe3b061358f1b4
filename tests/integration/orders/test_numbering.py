"""Order numbers: imported past orders and orders placed afterwards never share a number."""

from __future__ import annotations

import uuid
from datetime import timedelta

import httpx
import pytest

from pulse.app import create_app
from pulse.bootstrap import Container, build_container
from pulse.orders.backfill import PastOrder, import_orders
from pulse.platform.events import utcnow
from pulse.platform.numbering import BLOCK, next_number
from pulse.platform.settings import Settings
from tests.integration.inventory.factories import make_product
from tests.integration.orders.factories import make_customer, make_order
from tests.servers import app_lifespan


async def test_imported_and_placed_orders_get_distinct_numbers(
    client: httpx.AsyncClient, container: Container
) -> None:
    product = await make_product(client, qty_on_hand=50)
    customer = await make_customer(client)
    past = [
        PastOrder(
            customer_id=uuid.UUID(customer["id"]),
            placed_at=utcnow() - timedelta(days=day),
            status="completed",
            items=((product["sku"], 1),),
        )
        for day in (3, 2, 1)
    ]
    async with container.uow(actor="import") as uow:
        assert len(await import_orders(uow, past)) == 3
        await uow.commit()
    items = [{"sku": product["sku"], "qty": 1}]
    placed = [await make_order(client, customer["id"], items) for _ in range(2)]
    listing = await client.get("/orders", params={"limit": 10})
    numbers = [o["number"] for o in listing.json()["items"]]
    assert len(numbers) == 5
    assert len(set(numbers)) == 5
    assert all(p["number"] in numbers for p in placed)


def _serial(number: str) -> int:
    assert number.startswith("SO-")
    return int(number[3:])


async def test_numbers_in_blocks_never_repeat_across_processes(
    client: httpx.AsyncClient, container: Container, settings: Settings
) -> None:
    """Two API processes on one database each hold a block of order numbers: every number
    is taken once, and each process hands its own out in increasing order."""
    product = await make_product(client, qty_on_hand=500)
    customer = await make_customer(client)
    items = [{"sku": product["sku"], "qty": 1}]
    other = build_container(settings.model_copy(update={"consumers": "none", "relay": False}))
    other_app = create_app(other)
    async with (
        app_lifespan(other_app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=other_app),
            base_url="http://pulse.test",
            headers=dict(client.headers),
        ) as second,
    ):
        mine, theirs = [], []
        for _ in range(6):
            mine.append((await make_order(client, customer["id"], items))["number"])
            theirs.append((await make_order(second, customer["id"], items))["number"])
    assert len(set(mine) | set(theirs)) == 12
    for numbers in (mine, theirs):
        serials = [_serial(n) for n in numbers]
        assert serials == sorted(serials)
    # Different blocks: the second process's numbers are not the first's neighbours.
    assert abs(_serial(theirs[0]) - _serial(mine[0])) >= BLOCK


# On PostgreSQL the block comes from a sequence, which no rollback gives back.
@pytest.mark.parametrize("backend", ["sqlite"])
async def test_a_rolled_back_block_is_not_used(container: Container, backend: str) -> None:
    async with container.uow(actor="t") as uow:
        first = await next_number(uow, "orders", gapless=False)
        await uow.rollback()
    async with container.uow(actor="t") as uow:
        # The series row was not moved, so the block starts again at the same number…
        assert await next_number(uow, "orders", gapless=False) == first
        await uow.commit()
    async with container.uow(actor="t") as uow:
        # …and once that block is committed, its next number comes from memory.
        assert _serial(await next_number(uow, "orders", gapless=False)) == _serial(first) + 1
