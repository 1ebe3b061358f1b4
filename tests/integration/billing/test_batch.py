"""Billing invoices a whole batch of confirmed orders at once: one block of invoice numbers
in event order, the rows, journal entries, order moves and events the one-at-a-time path
writes, with a number of statements that does not grow with the batch. Orders cancelled
or already invoiced are passed over, and a redelivered batch changes nothing. On SQLite,
PostgreSQL and MariaDB.

The use cases are run directly (no bus): the test plays the consumer runner's part.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import event, func, select

from pulse.billing import handlers, invoices, ledger
from pulse.billing.models import Invoice, InvoiceLine, JournalEntry, JournalLine
from pulse.inventory import service as inventory_service
from pulse.inventory.schemas import ProductCreate
from pulse.orders import OrderConfirmed, transitions
from pulse.orders import customers as customer_cases
from pulse.orders import service as order_service
from pulse.orders.models import Order, OrderStatusChange
from pulse.orders.schemas import CustomerCreate, OrderCreate
from pulse.platform.consumers import Delivery
from pulse.platform.db import Database
from pulse.platform.events import Envelope
from pulse.platform.numbering import NumberSeries
from pulse.platform.uow import UnitOfWorkFactory

# (sku, qty) per order, in turn: several lines, tax rates, and a free order (nothing to pay).
BASKETS = [
    (("A", 1), ("B", 2)),
    (("B", 5),),
    (("FREE", 1),),
    (("A", 3), ("B", 1), ("FREE", 2)),
]


@dataclass
class World:
    db: Database
    uow: UnitOfWorkFactory
    customers: list[uuid.UUID]


@pytest.fixture
async def world(race_url: str) -> AsyncIterator[World]:
    db = Database(race_url)
    factory = UnitOfWorkFactory(db)
    async with factory(actor="setup") as uow:
        customers = [
            (
                await customer_cases.create_customer(
                    uow,
                    CustomerCreate(
                        name=f"Buyer {terms}",
                        email=f"b{terms}@example.com",
                        payment_terms_days=terms,
                    ),
                )
            ).id
            for terms in (14, 30)
        ]
        for sku, price, rate in (
            ("A", "19.99", "0.2"),
            ("B", "0.99", "0.07"),
            ("FREE", "0", "0.2"),
        ):
            await inventory_service.create_product(
                uow,
                ProductCreate(
                    sku=sku, name=f"Product {sku}", price=Decimal(price), tax_rate=Decimal(rate)
                ),
            )
        await uow.commit()
    try:
        yield World(db, factory, customers)
    finally:
        await db.dispose()


async def confirmed_orders(world: World, count: int) -> list[Delivery[OrderConfirmed]]:
    """Place and confirm `count` orders; their `order.confirmed` deliveries, each with an
    actor of its own."""
    ids = []
    async with world.uow(actor="clerk") as uow:
        for i in range(count):
            basket = BASKETS[i % len(BASKETS)]
            data = OrderCreate(
                customer_id=world.customers[i % len(world.customers)],
                items=[{"sku": sku, "qty": qty} for sku, qty in basket],
            )
            ids.append((await order_service.place_order(uow, data, can_override_price=False)).id)
        await uow.commit()
    async with world.uow(actor="stock") as uow:
        moved = await transitions.confirm(uow, [(order_id, None) for order_id in ids])
        assert all(order is not None for order in moved)
        envelopes = uow.pending_events
        await uow.commit()
    assert [e.type for e in envelopes] == [OrderConfirmed.type] * count
    return [
        Delivery(
            OrderConfirmed.model_validate(e.payload),
            e.model_copy(update={"actor": f"user-{i}", "correlation_id": f"corr-{i}"}),
        )
        for i, e in enumerate(envelopes)
    ]


async def invoice_batch(world: World, batch: Sequence[Delivery[OrderConfirmed]]) -> list[Envelope]:
    """Run the handler as the consumer runner does; the events it emitted."""
    async with world.uow(actor=batch[0].envelope.actor, priority=True) as uow:
        await handlers.invoice_orders(uow, batch)
        emitted = uow.pending_events
        await uow.commit()
    return emitted


async def invoices_by_order(world: World) -> dict[uuid.UUID, Any]:
    async with world.uow(readonly=True) as uow:
        rows = await uow.session.execute(select(Invoice.__table__))
        return {row.order_id: row for row in rows}


def serial(number: str) -> int:
    assert number.startswith("INV-"), number
    return int(number.removeprefix("INV-"))


IDS = {"invoice_id", "order_id", "number"}  # what differs between twin orders' events


def shape(envelopes: Sequence[Envelope]) -> list[tuple[str, dict[str, Any]]]:
    return [(e.type, {k: v for k, v in e.payload.items() if k not in IDS}) for e in envelopes]


async def test_a_batch_is_invoiced_as_one_at_a_time_would(world: World) -> None:
    batch = await confirmed_orders(world, 9)
    twins = await confirmed_orders(world, 4)  # baskets 0-3 again, invoiced one at a time
    single: dict[uuid.UUID, list[Envelope]] = {}
    for twin in twins:
        async with world.uow(actor=twin.envelope.actor) as uow:
            assert await invoices.issue_for_order(uow, twin.event.order_id) is not None
            single[twin.event.order_id] = uow.pending_events
            await uow.commit()

    emitted = await invoice_batch(world, batch)

    by_order = await invoices_by_order(world)
    numbers = [serial(by_order[d.event.order_id].number) for d in batch]
    assert numbers == list(range(numbers[0], numbers[0] + len(batch)))  # gapless, event order
    async with world.uow(readonly=True) as uow:
        s = uow.session
        trial = await ledger.trial_balance(uow, as_of=None)
        assert trial.balanced and trial.total_debit > 0
        receivables = await ledger.balance_of(uow, ledger.RECEIVABLES)
        assert receivables == sum((i.balance for i in by_order.values()), Decimal(0))
        status = dict((await s.execute(select(Order.id, Order.status))).all())
        history = [
            (h.order_id, h.from_status, h.to_status, h.actor, h.reason)
            for h in (
                await s.execute(select(OrderStatusChange).order_by(OrderStatusChange.id))
            ).scalars()
        ]
        entries = {e.source_id: e for e in await s.execute(select(JournalEntry.__table__))}
        lines = (
            await s.execute(
                select(
                    InvoiceLine.invoice_id,
                    InvoiceLine.line_no,
                    InvoiceLine.qty,
                    InvoiceLine.line_total,
                    InvoiceLine.line_tax,
                    InvoiceLine.description,
                ).order_by(InvoiceLine.invoice_id, InvoiceLine.line_no)
            )
        ).all()
        journal = (
            await s.execute(
                select(
                    JournalLine.entry_id,
                    JournalLine.account_code,
                    JournalLine.debit,
                    JournalLine.credit,
                ).order_by(JournalLine.entry_id, JournalLine.id)
            )
        ).all()

    events_of: dict[str, list[Envelope]] = {}
    for e in emitted:
        events_of.setdefault(e.payload["order_id"], []).append(e)
    assert len(emitted) == len(batch) + sum(1 for d in batch if d.event.total == 0) * 2 + sum(
        1 for d in batch if d.event.total != 0
    )
    for i, delivery in enumerate(batch):
        order_id = delivery.event.order_id
        invoice = by_order[order_id]
        free = invoice.total == 0
        assert status[order_id] == ("paid" if free else "invoiced")
        assert invoice.status == ("paid" if free else "issued")
        assert invoice.created_by == delivery.envelope.actor
        moves = [(f, t, a) for o, f, t, a, _ in history if o == order_id]
        assert moves == [(None, "placed", "clerk"), ("placed", "confirmed", "stock")] + [
            ("confirmed", "invoiced", delivery.envelope.actor)
        ] + ([("invoiced", "paid", delivery.envelope.actor)] if free else [])
        if free:
            assert str(invoice.id) not in entries  # nothing to book
        else:
            assert entries[str(invoice.id)].created_by == delivery.envelope.actor
        # Every event answers its own delivery.
        mine = events_of[str(order_id)]
        for e in mine:
            assert e.causation_id == str(delivery.envelope.id)
            assert (e.actor, e.correlation_id) == (delivery.envelope.actor, f"corr-{i}")
        # The same events, rows and postings as the twin invoiced alone.
        twin = twins[i % len(twins)].event.order_id
        assert shape(mine) == shape(single[twin])
        twin_invoice = by_order[twin]
        differ = {
            "id",
            "number",
            "order_id",
            "order_number",
            "customer_id",
            "customer_name",
            "customer_email",
            "due_date",
            "created_by",
            "created_at",
            "updated_at",
        }
        assert {k: v for k, v in invoice._mapping.items() if k not in differ} == {
            k: v for k, v in twin_invoice._mapping.items() if k not in differ
        }
        assert [x[1:] for x in lines if x[0] == invoice.id] == [
            x[1:] for x in lines if x[0] == twin_invoice.id
        ]
        if not free:
            assert [x[1:] for x in journal if x[0] == entries[str(invoice.id)].id] == [
                x[1:] for x in journal if x[0] == entries[str(twin_invoice.id)].id
            ]


class Statements:
    """Every cursor execution the engine makes (as bench/steps.py counts them)."""

    def __init__(self, db: Database) -> None:
        self.count = 0
        event.listen(db.engine.sync_engine, "before_cursor_execute", self._one)

    def _one(self, *_: object) -> None:
        self.count += 1


async def test_statements_per_batch_do_not_grow_with_it(world: World) -> None:
    small, large = await confirmed_orders(world, 5), await confirmed_orders(world, 50)
    counter = Statements(world.db)
    before = counter.count
    await invoice_batch(world, small)
    for_small = counter.count - before
    before = counter.count
    await invoice_batch(world, large)
    for_large = counter.count - before
    assert for_large <= for_small + 2, (for_small, for_large)
    # One at a time took about 18 per order.
    assert for_small < 30, for_small
    by_order = await invoices_by_order(world)
    assert all(d.event.order_id in by_order for d in [*small, *large])


async def test_cancelled_and_invoiced_orders_are_passed_over(world: World) -> None:
    first, invoiced, cancelled, last = await confirmed_orders(world, 4)
    async with world.uow(actor="clerk") as uow:
        await order_service.cancel_order(
            uow, cancelled.event.order_id, reason="changed mind", can_settle_invoice=False
        )
        await uow.commit()
    async with world.uow(actor="billing") as uow:
        earlier = await invoices.issue_for_order(uow, invoiced.event.order_id)
        assert earlier is not None
        await uow.commit()
    # The same order twice in a batch (two deliveries of one order) is invoiced once.
    again = Delivery(first.event, first.envelope.model_copy(update={"id": uuid.uuid4()}))

    emitted = await invoice_batch(world, [first, cancelled, invoiced, again, last])

    by_order = await invoices_by_order(world)
    assert cancelled.event.order_id not in by_order
    assert by_order[invoiced.event.order_id].id == earlier
    assert serial(by_order[last.event.order_id].number) == (
        serial(by_order[first.event.order_id].number) + 1
    )
    assert serial(by_order[first.event.order_id].number) == (
        serial(by_order[invoiced.event.order_id].number) + 1
    )
    assert {e.payload["order_id"] for e in emitted} == {
        str(first.event.order_id),
        str(last.event.order_id),
    }
    assert [e.type for e in emitted if e.type == "invoice.issued"] == ["invoice.issued"] * 2
    async with world.uow(readonly=True) as uow:
        status = dict((await uow.session.execute(select(Order.id, Order.status))).all())
    assert status[cancelled.event.order_id] == "cancelled"
    assert status[invoiced.event.order_id] == "invoiced"
    assert status[first.event.order_id] == status[last.event.order_id] == "invoiced"


async def snapshot(world: World) -> dict[str, Any]:
    async with world.uow(readonly=True) as uow:
        s = uow.session
        counts = {
            model.__tablename__: (await s.execute(select(func.count()).select_from(model))).scalar()
            for model in (Invoice, InvoiceLine, JournalEntry, JournalLine, OrderStatusChange)
        }
        orders = dict((await s.execute(select(Order.id, Order.status))).all())
        series = (
            await s.execute(select(NumberSeries.next_value).where(NumberSeries.name == "invoices"))
        ).scalar_one()
    return {"counts": counts, "orders": orders, "next_invoice": series}


async def test_a_redelivered_batch_changes_nothing(world: World) -> None:
    batch = await confirmed_orders(world, 6)
    assert len(await invoice_batch(world, batch)) > 0
    before = await snapshot(world)
    assert before["counts"]["invoices"] == 6
    # Past the inbox (as if it had been lost): the handler itself issues nothing twice.
    assert await invoice_batch(world, batch) == []
    assert await snapshot(world) == before


async def test_batches_sharing_orders_invoice_each_once(world: World) -> None:
    """Two consumers' batches over the same orders, at once (in opposite orders): every
    order is invoiced once, the numbers have no gaps, and neither batch deadlocks."""
    orders = await confirmed_orders(world, 12)
    one, other = orders[:8], list(reversed(orders[4:]))
    emitted = await asyncio.gather(invoice_batch(world, one), invoice_batch(world, other))
    by_order = await invoices_by_order(world)
    assert set(by_order) == {d.event.order_id for d in orders}
    numbers = sorted(serial(i.number) for i in by_order.values())
    assert numbers == list(range(numbers[0], numbers[0] + len(orders)))
    issued = [e for batch in emitted for e in batch if e.type == "invoice.issued"]
    assert sorted(e.payload["order_id"] for e in issued) == sorted(str(x) for x in by_order)
    async with world.uow(readonly=True) as uow:
        trial = await ledger.trial_balance(uow, as_of=None)
        moves = (
            await uow.session.execute(
                select(OrderStatusChange.order_id, func.count())
                .where(OrderStatusChange.to_status == "invoiced")
                .group_by(OrderStatusChange.order_id)
            )
        ).all()
    assert trial.balanced
    assert sorted(n for _, n in moves) == [1] * len(orders)  # each moved once
