"""Past orders imported in bulk get the invoices and payments they had, on their own dates,
booked in bulk with the import: documents, ledger and outbox agree, and the live consumers
leave imports alone."""

from __future__ import annotations

import random
import uuid
from collections import Counter
from datetime import timedelta
from decimal import Decimal
from typing import Any

import httpx
from sqlalchemy import func, select

from pulse import billing
from pulse.billing import ledger
from pulse.billing.backfill import INVOICED_BEFORE, PAID_AFTER, PAID_BEFORE
from pulse.billing.models import Invoice, JournalEntry, JournalLine, Payment
from pulse.bootstrap import Container
from pulse.orders.backfill import ImportedOrder, PastOrder, import_orders
from pulse.orders.models import Order, OrderStatusChange
from pulse.platform.events import utcnow
from pulse.platform.outbox import DeadLetter, OutboxRecord, ProcessedEvent
from tests.integration.billing.factories import balances
from tests.integration.inventory.factories import make_product
from tests.integration.orders.factories import make_customer

STATUSES = ["completed", "paid", "shipped", "invoiced", "cancelled", "rejected", "confirmed"]


async def _import(container: Container, past: list[PastOrder]) -> list[ImportedOrder]:
    async with container.uow(actor="import") as uow:
        imported = await import_orders(uow, past)
        booked = await billing.book_imported(uow, imported)
        await uow.commit()
    invoiced = [o for o in imported if o.status in INVOICED_BEFORE]
    assert booked == billing.BookedImport(
        len(invoiced), sum(o.status in PAID_BEFORE for o in invoiced)
    )
    return imported


async def test_imported_orders_are_booked_on_their_dates(
    client: httpx.AsyncClient, container: Container
) -> None:
    product = await make_product(client, price="10.00", tax_rate="0.2000")
    customer = await make_customer(client, payment_terms_days=30)
    long_ago = utcnow() - timedelta(days=90)
    past = [
        PastOrder(uuid.UUID(customer["id"]), long_ago, status, ((product["sku"], 2),))
        for status in ("completed", "invoiced", "cancelled", "paid")
    ]
    assert len(await _import(container, past)) == 4
    assert await container.bus.drain()

    page = (await client.get("/billing/invoices", params={"customer_id": customer["id"]})).json()
    assert page["total"] == 3  # the cancelled order had no invoice
    assert sorted(i["status"] for i in page["items"]) == ["issued", "paid", "paid"]
    for invoice in page["items"]:
        assert invoice["issue_date"] == long_ago.date().isoformat()
        assert invoice["total"] == "24.00"
        # Its own time, not the import's.
        created = (await client.get(f"/billing/invoices/{invoice['id']}")).json()["created_at"]
        assert created.startswith(long_ago.date().isoformat())
    (unpaid,) = [i for i in page["items"] if i["status"] == "issued"]
    assert unpaid["overdue"] is True  # due 60 days ago
    overdue = (await client.get("/billing/invoices", params={"overdue": "true"})).json()
    assert [i["id"] for i in overdue["items"]] == [unpaid["id"]]
    roles = await balances(client)
    assert roles["receivables"] == Decimal("24.00")
    assert roles["bank"] == Decimal("48.00")
    assert roles["revenue"] == Decimal("60.00")
    assert roles["tax_payable"] == Decimal("12.00")
    (paid,) = [i for i in page["items"] if i["status"] == "paid"][:1]
    detail = (await client.get(f"/billing/invoices/{paid['id']}")).json()
    assert [(p["amount"], p["method"]) for p in detail["payments"]] == [("24.00", "bank_transfer")]
    assert detail["payments"][0]["received_at"].startswith(
        (long_ago + PAID_AFTER).date().isoformat()
    )

    # Imported orders stay as they were.
    statuses = sorted(
        o["status"]
        for o in (await client.get("/orders", params={"customer_id": customer["id"]})).json()[
            "items"
        ]
    )
    assert statuses == ["cancelled", "completed", "invoiced", "paid"]

    # No PDF was rendered for the import; asking for one renders and keeps it.
    objects = container.settings.data_dir / "objects" / "invoices"
    assert not objects.exists() or not any(objects.rglob("*.pdf"))
    pdf = await client.get(f"/billing/invoices/{unpaid['id']}/pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")
    assert len(list(objects.rglob("*.pdf"))) == 1


async def _snapshot(container: Container) -> dict[str, Any]:
    async with container.uow(readonly=True) as uow:
        s = uow.session
        counts = {
            model.__tablename__: (await s.execute(select(func.count()).select_from(model))).scalar()
            for model in (
                Invoice,
                Payment,
                JournalEntry,
                JournalLine,
                OutboxRecord,
                OrderStatusChange,
                DeadLetter,
            )
        }
        orders = dict((await s.execute(select(Order.id, Order.status))).all())
        invoices = {
            row.order_id: (row.status, row.total, row.balance)
            for row in await s.execute(select(Invoice.__table__))
        }
    return {"counts": counts, "orders": orders, "invoices": invoices}


async def test_a_bulk_import_is_consistent_and_left_alone_by_consumers(
    client: httpx.AsyncClient, container: Container
) -> None:
    products = [
        await make_product(client, price=price, tax_rate=rate)
        for price, rate in (("899.00", "0.2000"), ("19.50", "0.0500"), ("0.10", "0.0725"))
    ]
    customers = [
        uuid.UUID((await make_customer(client, payment_terms_days=terms))["id"])
        for terms in (14, 45)
    ]
    rng = random.Random(3)
    start = utcnow() - timedelta(days=60)
    past = [
        PastOrder(
            rng.choice(customers),
            start + timedelta(hours=i),
            STATUSES[i % len(STATUSES)],
            tuple(
                (p["sku"], rng.choice([1, 2, 7])) for p in rng.sample(products, rng.randint(1, 3))
            ),
        )
        for i in range(300)
    ]
    imported = await _import(container, past[:120]) + await _import(container, past[120:])
    before = await _snapshot(container)

    # (a) one invoice per invoiced order, with the order's total; one payment per paid one.
    async with container.uow(readonly=True) as uow:
        # Rows, not entities: leaving the unit of work expires entities.
        invoices = {i.order_id: i for i in await uow.session.execute(select(Invoice.__table__))}
        payments = Counter(
            (await uow.session.execute(select(Payment.invoice_id, Payment.amount))).all()
        )
    invoiced = [o for o in imported if o.status in INVOICED_BEFORE]
    assert set(invoices) == {o.order_id for o in invoiced}
    numbers = sorted(i.number for i in invoices.values())
    assert numbers == [f"INV-{n:06d}" for n in range(1, len(invoiced) + 1)]  # no gaps
    for order in invoiced:
        invoice = invoices[order.order_id]
        assert invoice.total == order.total and invoice.subtotal == order.subtotal
        assert invoice.issue_date == order.placed_at.date()
        assert invoice.source == "import" and invoice.order_number == order.number
        if order.status in PAID_BEFORE:
            assert (invoice.status, invoice.balance, invoice.amount_paid) == (
                "paid",
                0,
                order.total,
            )
            assert payments.pop((invoice.id, order.total)) == 1
        else:
            assert (invoice.status, invoice.balance) == ("issued", order.total)
    assert not payments

    # (b) the ledger balances, and receivables are what the open invoices still owe.
    async with container.uow(readonly=True) as uow:
        trial = await ledger.trial_balance(uow, as_of=None)
        receivables = await ledger.balance_of(uow, ledger.RECEIVABLES)
        bank = await ledger.balance_of(uow, ledger.BANK)
    assert trial.balanced and trial.total_debit > 0
    assert receivables == sum((i.balance for i in invoices.values()), Decimal("0.00"))
    assert bank == sum((i.amount_paid for i in invoices.values()), Decimal("0.00"))
    roles = await balances(client)
    assert roles["revenue"] == sum((o.subtotal for o in invoiced), Decimal("0.00"))

    # (c) the outbox tells the same story, in events the registry decodes.
    async with container.uow(readonly=True) as uow:
        records = [
            (record.envelope(), record.payload)
            for record in (
                await uow.session.execute(
                    select(OutboxRecord)
                    .where(OutboxRecord.actor == "import")
                    .order_by(OutboxRecord.pk)
                )
            ).scalars()
        ]
    types = Counter(envelope.type for envelope, _ in records)
    paid = sum(o.status in PAID_BEFORE for o in invoiced)
    assert types == {
        "order.imported": len(imported),
        "invoice.imported": len(invoiced),
        "payment.imported": paid,
    }
    seen_invoices: set[str] = set()
    for envelope, payload in records:
        event = container.registry.decode(envelope)
        assert event.model_dump(mode="json") == payload
        assert envelope.aggregate_id == event.aggregate_id()
        if envelope.type == "invoice.imported":
            assert isinstance(event, billing.InvoiceImported)
            assert event.source == "import" and event.status == "issued"
            assert event.total == invoices[event.order_id].total
            seen_invoices.add(envelope.aggregate_id)
        elif envelope.type == "payment.imported":
            assert isinstance(event, billing.PaymentImported)
            assert envelope.aggregate_id in seen_invoices  # after its invoice
            assert (event.invoice_status, event.balance_after) == ("paid", 0)
            assert event.received_at.date() >= invoices[event.order_id].issue_date

    # (d) the consumers have nothing to do with the import.
    assert await container.bus.drain()
    assert await _snapshot(container) == before
    async with container.uow(readonly=True) as uow:
        handled = (
            await uow.session.execute(
                select(func.count())
                .select_from(ProcessedEvent)
                .where(ProcessedEvent.event_id.in_([envelope.id for envelope, _ in records]))
            )
        ).scalar()
    assert handled == 0
    assert before["counts"]["dead_letters"] == 0
