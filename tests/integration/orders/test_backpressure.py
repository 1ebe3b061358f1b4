"""Backpressure: past PULSE_MAX_BACKLOG events behind, POST /orders is refused with 503,
Retry-After and a problem, and writes nothing; once the flow catches up it places again.

The API here runs no consumers, as in services mode with the workers stopped: the order
flow's positions stay where they were while orders keep adding events."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select, update

from pulse.bootstrap import Container
from pulse.platform.backpressure import Backlog
from pulse.platform.events import utcnow
from pulse.platform.outbox import BusState, ConsumerPosition, OutboxRecord
from pulse.platform.settings import Settings
from tests.integration.inventory.factories import make_product
from tests.integration.orders.factories import make_customer, place_order

LIMIT = 4


@pytest.fixture
def backend() -> str:
    # Stream positions given at commit (the embedded bus on SQLite) make the lag exact.
    return "sqlite"


@pytest.fixture
def settings(db_url: str, tmp_path: Path) -> Settings:
    return Settings(
        data_dir=tmp_path / "data",
        database_url=db_url,
        bus_url="embedded",
        jwt_secret="test-secret-" + "x" * 40,
        consumers="none",
        relay=False,
        render_processes=0,
        max_backlog=LIMIT,
    )


def backlog_of(container: Container) -> Backlog:
    return container.app.state.backlog  # type: ignore[attr-defined,no-any-return]


async def counts(container: Container) -> tuple[int, int]:
    """(outbox events, last stream position)."""
    async with container.uow(readonly=True) as uow:
        events = (
            await uow.session.execute(select(func.count()).select_from(OutboxRecord))
        ).scalar_one()
        last = (await uow.session.execute(select(BusState.last_seq))).scalar_one()
    return int(events), int(last)


async def set_position(container: Container, consumer: str, position: int) -> None:
    async with container.uow() as uow:
        row = await uow.session.get(ConsumerPosition, consumer)
        if row is None:
            uow.session.add(
                ConsumerPosition(consumer=consumer, position=position, updated_at=utcnow())
            )
        else:
            await uow.session.execute(
                update(ConsumerPosition)
                .where(ConsumerPosition.consumer == consumer)
                .values(position=position)
            )
        await uow.commit()


async def test_orders_are_refused_with_retry_after_past_the_backlog_and_write_nothing(
    client: httpx.AsyncClient, container: Container
) -> None:
    product = await make_product(client, qty_on_hand=100)
    customer = await make_customer(client)
    items = [{"sku": product["sku"], "qty": 1}]
    _, start = await counts(container)
    # The inventory consumer stopped where the stream was; documents far behind too, which
    # does not count (it renders only when the flow is idle).
    await set_position(container, "inventory", start)
    await set_position(container, "documents", 0)
    backlog = backlog_of(container)
    for _ in range(LIMIT):
        assert (await place_order(client, customer["id"], items)).status_code == 201
    assert await backlog.sample() == LIMIT
    assert (await place_order(client, customer["id"], items)).status_code == 201  # at the limit
    assert await backlog.sample() == LIMIT + 1
    before = await counts(container)
    refused = await place_order(client, customer["id"], items)
    assert refused.status_code == 503, refused.text
    assert refused.headers["content-type"] == "application/problem+json"
    assert int(refused.headers["retry-after"]) >= 1
    body = refused.json()
    assert body["code"] == "flow_behind" and body["status"] == 503
    assert body["backlog"] == LIMIT + 1
    assert await counts(container) == before
    listing = await client.get("/orders")
    assert listing.json()["total"] == LIMIT + 1
    # Reads are never refused.
    assert listing.status_code == 200
    # The consumer catches up: orders are taken again.
    _, last = await counts(container)
    await set_position(container, "inventory", last)
    assert await backlog.sample() == 0
    assert (await place_order(client, customer["id"], items)).status_code == 201


async def test_below_the_limit_nothing_is_refused(
    client: httpx.AsyncClient, container: Container
) -> None:
    product = await make_product(client, qty_on_hand=100)
    customer = await make_customer(client)
    _, start = await counts(container)
    await set_position(container, "billing", start)
    for _ in range(LIMIT):
        response = await place_order(client, customer["id"], [{"sku": product["sku"], "qty": 1}])
        assert response.status_code == 201, response.text
        await backlog_of(container).sample()
    assert backlog_of(container).backlog == LIMIT
    assert backlog_of(container).retry_after() is None


async def test_orders_are_refused_at_once_when_too_many_wait_to_write(
    client: httpx.AsyncClient, container: Container
) -> None:
    """Requests queued behind the write lock bound the wait: past the limit the next order
    is refused at once, with Retry-After, and nothing is written."""
    container.settings.max_queued_writes = 3
    product = await make_product(client, qty_on_hand=100)
    customer = await make_customer(client)
    items = [{"sku": product["sku"], "qty": 1}]
    before = await counts(container)
    async with container.db.writer(priority=True):  # a long write holds the lock
        queued = [asyncio.create_task(place_order(client, customer["id"], items)) for _ in range(3)]
        for _ in range(500):  # until the three are queued for the lock
            if container.db.writers_waiting() >= 3:
                break
            await asyncio.sleep(0.01)
        refused = await place_order(client, customer["id"], items)
        assert refused.status_code == 503, refused.text
        assert refused.headers["content-type"].startswith("application/problem+json")
        assert refused.headers["Retry-After"] == "1"
        assert refused.json()["code"] == "flow_behind"
        assert await counts(container) == before
    answers = await asyncio.gather(*queued)
    assert [a.status_code for a in answers] == [201] * 3
    assert (await counts(container))[0] == before[0] + 3
