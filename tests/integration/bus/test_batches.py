"""Consumers work whole batches, on both bus backends: orders that arrive together and
compete for the last units are served in event order, and an event that fails is set apart
(dead-lettered) while the rest of its batch is applied."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

import httpx
import pytest

from pulse.bootstrap import Container
from pulse.inventory import reservations
from pulse.platform import outbox
from pulse.platform.bus.embedded import EmbeddedBus
from pulse.platform.events import Envelope, new_event_id, utcnow
from pulse.platform.uow import UnitOfWork
from tests.integration.bus import support


class Batches:
    """Records the batches the inventory consumer's handler is given; fails on demand."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.sizes: list[int] = []
        self.poisoned: set[uuid.UUID] = set()
        real = reservations.reserve_orders

        async def spy(uow: UnitOfWork, requests: Sequence[reservations.Request]) -> list[bool]:
            self.sizes.append(len(requests))
            if self.poisoned & {r.order_id for r in requests}:
                raise RuntimeError("this order breaks the handler")
            return await real(uow, requests)

        monkeypatch.setattr(reservations, "reserve_orders", spy)


@pytest.fixture
def batches(monkeypatch: pytest.MonkeyPatch) -> Batches:
    return Batches(monkeypatch)


async def _settle(container: Container) -> None:
    assert await container.bus.drain(timeout=30), "the bus did not settle"


async def test_a_batch_competing_for_the_last_units_serves_the_earliest(
    container: Container, client: httpx.AsyncClient, batches: Batches, bus_kind: str
) -> None:
    customer = await support.make_customer_and_product(client, sku="BATCH-1", qty=10)
    await _settle(container)
    await container.bus.stop()  # the orders pile up and arrive as one batch
    wanted = [3, 3, 2, 3, 1, 2, 1]
    ids = [await support.place(client, customer, "BATCH-1", qty) for qty in wanted]
    batches.sizes.clear()
    await container.bus.start()
    await _settle(container)

    assert sum(batches.sizes) == len(ids)
    if bus_kind == "embedded":
        assert batches.sizes == [len(ids)]
    else:
        assert max(batches.sizes) > 1, batches.sizes
    # 3 + 3 + 2 = 8; the 3 does not fit in the 2 left, the 1 does, the 2 no longer does.
    statuses = [await support.status_of(client, order_id) for order_id in ids]
    assert statuses == ["invoiced"] * 3 + ["rejected", "invoiced", "rejected", "invoiced"]
    stock = (await client.get("/inventory/BATCH-1")).json()
    assert (stock["qty_on_hand"], stock["reserved_qty"]) == (10, 10)
    assert await support.scalar(container, "SELECT count(*) FROM dead_letters") == 0


async def test_a_failing_event_is_dead_lettered_and_the_rest_of_its_batch_applied(
    container: Container, client: httpx.AsyncClient, batches: Batches, bus_kind: str
) -> None:
    customer = await support.make_customer_and_product(client, sku="BATCH-2", qty=100)
    await _settle(container)
    await container.bus.stop()
    before = [await support.place(client, customer, "BATCH-2", 1) for _ in range(3)]
    broken = await support.place(client, customer, "BATCH-2", 5)
    undecodable = Envelope(
        id=new_event_id(),
        type="order.created",
        aggregate_type="order",
        aggregate_id="broken",
        occurred_at=utcnow(),
        payload={"order_id": "not-a-uuid"},
    )
    async with container.uow() as uow:
        await outbox.append(uow.session, [undecodable])
        await uow.commit()
    after = [await support.place(client, customer, "BATCH-2", 2) for _ in range(3)]
    batches.poisoned.add(uuid.UUID(broken))
    await container.bus.start()
    await _settle(container)

    for order_id in before + after:
        assert await support.status_of(client, order_id) == "invoiced"
    assert await support.status_of(client, broken) == "placed"
    letters = await support.rows(
        container, "SELECT consumer, event_id, event_type, attempts FROM dead_letters"
    )
    placed = await support.rows(
        container,
        "SELECT id FROM outbox WHERE type = 'order.created' AND aggregate_id = :order_id",
        order_id=broken,
    )
    assert sorted((c, uuid.UUID(str(e)), t, a) for c, e, t, a in letters) == sorted(
        [
            ("inventory", uuid.UUID(str(placed[0][0])), "order.created", 3),
            ("inventory", undecodable.id, "order.created", 1),
        ]
    )
    stock = (await client.get("/inventory/BATCH-2")).json()
    assert stock["reserved_qty"] == 3 * 1 + 3 * 2
    # Fewer handler calls than events one by one would take: halves, not singles.
    if bus_kind == "embedded":
        assert len(batches.sizes) < 2 * (len(before) + len(after) + 1)


async def test_readiness_shows_each_consumers_lag(
    container: Container, client: httpx.AsyncClient
) -> None:
    customer = await support.make_customer_and_product(client, sku="LAG-1", qty=10)
    await _settle(container)
    await container.bus.stop()
    for _ in range(3):
        await support.place(client, customer, "LAG-1", 1)
    if isinstance(container.bus, EmbeddedBus):  # a stopped NATS bus has no status to give
        await container.bus.sequence_pending()
        body = (await client.get("/readyz")).json()
        assert set(body["consumers"]) == {"inventory", "orders", "billing", "documents"}
        assert body["consumers"]["inventory"]["lag"] >= 3
    await container.bus.start()
    await _settle(container)
    body = (await client.get("/readyz")).json()
    assert body["status"] == "ready"
    assert {name: c["lag"] for name, c in body["consumers"].items()} == dict.fromkeys(
        ("inventory", "orders", "billing", "documents"), 0
    )
