"""Many buyers racing for the last units: exactly as many win as there are units, and stock
never goes negative. Through HTTP and the bus (SQLite, PostgreSQL) and directly through
concurrent units of work (SQLite, PostgreSQL, MariaDB)."""

from __future__ import annotations

import asyncio
import uuid
from decimal import Decimal

import httpx
import pytest
from sqlalchemy import func, select

from pulse.bootstrap import Container
from pulse.inventory import reservations
from pulse.inventory import service as inventory
from pulse.inventory.models import Reservation, StockMovement
from pulse.inventory.schemas import ProductCreate
from pulse.platform.outbox import DeadLetter
from pulse.platform.settings import Settings
from tests.integration.inventory.factories import make_product, stock_of
from tests.integration.orders.factories import make_customer, place_order

BUYERS = 200
UNITS = 10


@pytest.fixture
def settings(settings: Settings) -> Settings:
    # Up to 30 transactions at once (15 + overflow): this file is in the "heavy" group
    # (tests/conftest.py), so no other test of that kind shares PostgreSQL with it.
    return settings.model_copy(update={"db_pool_size": 15})


def refusals(responses: list[httpx.Response], expected: set[int]) -> list[str]:
    """The answers outside `expected`, with their bodies: what a failed run needs to say."""
    return [f"{r.status_code} {r.text}" for r in responses if r.status_code not in expected]


async def status_count(client: httpx.AsyncClient, status: str) -> int:
    response = await client.get("/orders", params={"status": status, "limit": 1})
    assert response.status_code == 200, response.text
    return int(response.json()["total"])


async def assert_stock_never_negative(client: httpx.AsyncClient, sku: str) -> list[dict]:
    page = (await client.get(f"/inventory/{sku}/movements", params={"limit": 500})).json()
    assert page["total"] == len(page["items"])
    for movement in page["items"]:
        assert 0 <= movement["reserved_after"] <= movement["on_hand_after"], movement
    return page["items"]


async def dead_letters(container: Container) -> int:
    async with container.uow(readonly=True) as uow:
        return int(
            (await uow.session.execute(select(func.count()).select_from(DeadLetter))).scalar_one()
        )


async def test_concurrent_orders_for_the_last_units(
    client: httpx.AsyncClient, container: Container
) -> None:
    product = await make_product(client, qty_on_hand=UNITS)
    customer = await make_customer(client)
    items = [{"sku": product["sku"], "qty": 1}]

    responses = await asyncio.gather(
        *(place_order(client, customer["id"], items) for _ in range(BUYERS))
    )
    assert not refusals(responses, {201}), refusals(responses, {201})[:3]
    assert len({r.json()["number"] for r in responses}) == BUYERS
    assert await container.bus.drain(timeout=60)

    assert await status_count(client, "invoiced") == UNITS  # confirmed, then invoiced
    assert await status_count(client, "rejected") == BUYERS - UNITS
    assert await status_count(client, "placed") == 0
    stock = await stock_of(client, product["sku"])
    assert (stock["qty_on_hand"], stock["reserved_qty"], stock["available"]) == (UNITS, UNITS, 0)
    movements = await assert_stock_never_negative(client, product["sku"])
    assert sum(1 for m in movements if m["kind"] == "reservation") == UNITS
    assert await dead_letters(container) == 0


async def test_concurrent_holds_through_the_api(client: httpx.AsyncClient) -> None:
    product = await make_product(client, qty_on_hand=UNITS)
    path = f"/inventory/{product['sku']}/reserve"
    responses = await asyncio.gather(*(client.post(path, json={"qty": 1}) for _ in range(BUYERS)))
    assert not refusals(responses, {201, 409}), refusals(responses, {201, 409})[:3]
    codes = sorted(r.status_code for r in responses)
    assert codes == [201] * UNITS + [409] * (BUYERS - UNITS)
    assert len({r.json()["reservation_id"] for r in responses if r.status_code == 201}) == UNITS
    stock = await stock_of(client, product["sku"])
    assert (stock["reserved_qty"], stock["available"]) == (UNITS, 0)
    await assert_stock_never_negative(client, product["sku"])


# -- units of work, three backends -----------------------------------------------------------
async def test_concurrent_reservations_in_separate_units_of_work(bare_container: Container) -> None:
    sku = "RACE-1"
    async with bare_container.uow(actor="setup") as uow:
        await inventory.create_product(
            uow, ProductCreate(sku=sku, name="Last units", price=Decimal("5.00"), qty_on_hand=UNITS)
        )
        await uow.commit()

    async def buyer() -> bool:
        async with bare_container.uow(actor="buyer") as uow:
            ok, shortages = await reservations.reserve(uow, uuid.uuid4(), [(sku, 1)], reason="race")
            if ok:
                await uow.commit()
            else:
                assert shortages[0].available == 0
            return ok

    results = await asyncio.gather(*(buyer() for _ in range(BUYERS)))
    assert results.count(True) == UNITS

    async with bare_container.uow(readonly=True) as uow:
        stock = await inventory.get_stock(uow, sku)
        holds = (
            await uow.session.execute(
                select(func.count(), func.sum(Reservation.qty)).where(Reservation.sku == sku)
            )
        ).one()
        after = (
            await uow.session.execute(
                select(StockMovement.on_hand_after, StockMovement.reserved_after).where(
                    StockMovement.sku == sku, StockMovement.kind == "reservation"
                )
            )
        ).all()
    assert (stock.qty_on_hand, stock.reserved_qty, stock.available) == (UNITS, UNITS, 0)
    assert (holds[0], int(holds[1])) == (UNITS, UNITS)
    assert len(after) == UNITS
    assert sorted(reserved for _, reserved in after) == list(range(1, UNITS + 1))
    assert all(0 <= reserved <= on_hand for on_hand, reserved in after)
