"""The same delivery guarantees on both bus backends: the order flow settles, a redelivered
event changes nothing, and a poison event is dead-lettered without blocking the stream."""

from __future__ import annotations

import uuid

import httpx
import nats
import pytest
from sqlalchemy import select, text

from pulse.bootstrap import Container
from pulse.platform import outbox
from pulse.platform.bus.embedded import EmbeddedBus
from pulse.platform.bus.nats import NatsBus
from pulse.platform.events import Envelope, new_event_id, utcnow
from tests.integration.bus import support


async def _settle(container: Container) -> None:
    assert await container.bus.drain(timeout=20), "the bus did not settle"


async def _run_flow(container: Container, client: httpx.AsyncClient) -> dict[str, str]:
    """Ten units; orders for 3, 3, 3, 3 and 1 in that order: the fourth cannot be served."""
    customer = await support.make_customer_and_product(client, sku="FLOW-1", qty=10)
    ids = [await support.place(client, customer, "FLOW-1", qty) for qty in (3, 3, 3, 3, 1)]
    await _settle(container)
    return {order_id: await support.status_of(client, order_id) for order_id in ids}


async def test_orders_are_confirmed_or_rejected(
    container: Container, client: httpx.AsyncClient, bus_kind: str
) -> None:
    statuses = await _run_flow(container, client)

    # Confirmed, then invoiced by billing.
    assert list(statuses.values()) == ["invoiced"] * 3 + ["rejected", "invoiced"]
    stock = (await client.get("/inventory/FLOW-1")).json()
    assert (stock["qty_on_hand"], stock["reserved_qty"], stock["available"]) == (10, 10, 0)
    assert await support.unpublished(container) == 0
    reservations = await support.scalar(
        container, "SELECT count(*) FROM stock_movements WHERE kind = 'reservation'"
    )
    assert reservations == 4
    for status in await container.bus.status():
        assert status.lag == 0, status
        assert status.running, status
    assert {s.name for s in await container.bus.status()} == {
        "inventory",
        "orders",
        "billing",
        "documents",
    }
    invoices = await support.rows(container, "SELECT order_id, number, total FROM invoices")
    assert sorted(str(uuid.UUID(str(order_id))) for order_id, _, _ in invoices) == sorted(
        order_id for order_id, status in statuses.items() if status == "invoiced"
    )
    assert await container.bus.ready()
    if bus_kind == "nats":
        assert await support.stream_messages(container.settings) == await support.scalar(
            container, "SELECT count(*) FROM outbox"
        )


async def _replay_from_start(container: Container) -> None:
    """Make every consumer read the whole stream again."""
    bus = container.bus
    await bus.stop()
    if isinstance(bus, EmbeddedBus):
        async with container.uow() as uow:
            await uow.session.execute(text("UPDATE consumer_positions SET position = 0"))
            await uow.commit()
    else:
        assert isinstance(bus, NatsBus)
        nc = await nats.connect(container.settings.bus_url)
        try:
            for runner in bus.runners:
                await nc.jetstream().delete_consumer(bus.stream, runner.consumer.name)
        finally:
            await nc.close()
    await bus.start()


async def _billing_flow(container: Container, client: httpx.AsyncClient, orders: list[str]) -> None:
    """Every billing event on the stream: a part payment, a full payment (order paid), a
    credit note, and a cancelled order whose invoice is voided."""
    invoices = {i["order_id"]: i for i in (await client.get("/billing/invoices")).json()["items"]}
    part, full, credited, cancelled = (invoices[o] for o in orders[:4])
    for invoice, amount in ((part, "5.00"), (full, full["balance"])):
        response = await client.post(
            f"/billing/invoices/{invoice['id']}/pay", json={"amount": amount, "method": "cash"}
        )
        assert response.status_code == 201, response.text
    response = await client.post(
        f"/billing/invoices/{credited['id']}/credit-notes", json={"amount": "2.00"}
    )
    assert response.status_code == 201, response.text
    response = await client.post(f"/orders/{cancelled['order_id']}/cancel", json={})
    assert response.status_code == 200, response.text
    await _settle(container)
    assert await support.status_of(client, full["order_id"]) == "paid"
    voided = (await client.get(f"/billing/invoices/{cancelled['id']}")).json()
    assert voided["status"] == "void"


async def test_redelivered_events_change_nothing(
    container: Container, client: httpx.AsyncClient, bus_kind: str
) -> None:
    statuses = await _run_flow(container, client)
    await _billing_flow(
        container, client, [o for o, status in statuses.items() if status == "invoiced"]
    )
    before = await support.snapshot(container)
    assert before.movements > 0 and before.processed > 0
    assert (before.payments, before.credit_notes) == (2, 1)
    assert sorted(s for s, *_ in before.invoices.values()) == [
        "issued",
        "paid",
        "partially_paid",
        "void",
    ]
    types = dict(await support.rows(container, "SELECT type, count(*) FROM outbox GROUP BY type"))
    for billing_event in (
        "invoice.issued",
        "payment.received",
        "credit_note.issued",
        "invoice.voided",
    ):
        assert types.get(billing_event, 0) > 0, types

    # The relay sends everything again, as after a crash between publish and bookkeeping.
    async with container.uow() as uow:
        await uow.session.execute(text("UPDATE outbox SET published_at = NULL, stream_seq = NULL"))
        await uow.commit()
    container.bus.wake()
    await _settle(container)
    assert await support.snapshot(container) == before
    if bus_kind == "nats":
        # The event id is the message id, so the server dropped every copy.
        assert await support.stream_messages(container.settings) == before.events

    # Every consumer reads the whole stream again from its start.
    await _replay_from_start(container)
    await _settle(container)
    assert await support.snapshot(container) == before
    for status in await container.bus.status():
        assert status.position > 0 and status.lag == 0, status

    # And the runners are fed the same batch twice, directly.
    async with container.uow(readonly=True) as uow:
        records = (
            (
                await uow.session.execute(
                    select(outbox.OutboxRecord).order_by(outbox.OutboxRecord.pk)
                )
            )
            .scalars()
            .all()
        )
        envelopes = [record.envelope() for record in records]
    for _ in range(2):
        for runner in container.bus.runners:  # type: ignore[attr-defined]
            await runner.process(envelopes)
    await _settle(container)
    assert await support.snapshot(container) == before


async def test_poison_event_is_dead_lettered_and_the_stream_moves_on(
    container: Container, client: httpx.AsyncClient
) -> None:
    customer = await support.make_customer_and_product(client, sku="POISON-1", qty=10)
    first = await support.place(client, customer, "POISON-1", 2)
    poison = Envelope(
        id=new_event_id(),
        type="order.created",
        aggregate_type="order",
        aggregate_id="broken",
        occurred_at=utcnow(),
        payload={"order_id": "not-a-uuid"},
    )
    async with container.uow() as uow:
        await outbox.append(uow.session, [poison])
        await uow.commit()
    container.bus.wake()
    after = await support.place(client, customer, "POISON-1", 3)
    await _settle(container)

    assert await support.status_of(client, first) == "invoiced"
    assert await support.status_of(client, after) == "invoiced"
    letters = await support.rows(
        container, "SELECT consumer, event_id, event_type, attempts FROM dead_letters"
    )
    assert [(c, uuid.UUID(str(e)), t) for c, e, t, _ in letters] == [
        ("inventory", poison.id, "order.created")
    ]
    # Undecodable is not worth retrying.
    assert letters[0][3] == 1
    assert (await client.get("/inventory/POISON-1")).json()["reserved_qty"] == 5


@pytest.mark.parametrize("bus_kind", ["nats"])
async def test_garbage_bytes_on_nats_are_dead_lettered(
    container: Container, client: httpx.AsyncClient
) -> None:
    settings = container.settings
    customer = await support.make_customer_and_product(client, sku="GARBAGE-1", qty=10)
    nc = await nats.connect(settings.bus_url)
    try:
        js = nc.jetstream()
        await js.publish(
            f"{settings.nats_subject_prefix}.order.created",
            b"\x00{not json",
            headers={"Nats-Msg-Id": "garbage-1"},
        )
        # On a subject the inventory consumer does not handle, the orders consumer's business.
        await js.publish(
            f"{settings.nats_subject_prefix}.stock.reserved",
            b"[1, 2",
            headers={"Nats-Msg-Id": "garbage-2"},
        )
        await js.publish(
            f"{settings.nats_subject_prefix}.customer.created",
            b"ignored",
            headers={"Nats-Msg-Id": "garbage-3"},
        )
    finally:
        await nc.close()
    order = await support.place(client, customer, "GARBAGE-1", 4)
    await _settle(container)

    assert await support.status_of(client, order) == "invoiced"
    letters = await support.rows(
        container, "SELECT consumer, event_id, envelope FROM dead_letters ORDER BY consumer"
    )
    assert [(c, e) for c, e, _ in letters] == [("inventory", None), ("orders", None)]
    assert "not json" in letters[0][2] and letters[1][2] == "[1, 2"
