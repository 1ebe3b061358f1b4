"""A bulk import of past orders writes event payloads by hand, for speed: they must be exactly
what the event models dump, as a live invoice and payment would have them. Run with a fake
unit of work and no database."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import pytest

from pulse.billing import InvoiceImported, InvoiceIssued, PaymentImported, PaymentReceived, ledger
from pulse.billing import backfill as billing_backfill
from pulse.billing.events import InvoiceLineData
from pulse.inventory import CatalogueLine
from pulse.orders import BillingParty, OrderImported
from pulse.orders import backfill as orders_backfill
from pulse.orders.events import OrderLineData

CUSTOMER = uuid.uuid4()
CATALOGUE = {
    "CAM-1": CatalogueLine("CAM-1", "Camera", Decimal("899.00"), Decimal("0.2000"), True),
    "BOOK-1": CatalogueLine("BOOK-1", "Guide", Decimal("19.50"), Decimal("0.0500"), True),
    "CHIP-1": CatalogueLine("CHIP-1", "Chip", Decimal("0.10"), Decimal("0.0725"), True),
}


class FakeUow:
    actor = "import"

    def __init__(self) -> None:
        self.session = object()
        self.events: list[tuple[Any, str, dict[str, Any]]] = []

    def emit_payloads(self, events: Any) -> int:
        self.events.extend(events)
        return len(self.events)


@pytest.fixture
def written(monkeypatch: pytest.MonkeyPatch) -> dict[str, list[tuple[Any, ...]]]:
    """Stand-ins for the SQL; returns the rows written, by table."""
    tables: dict[str, list[tuple[Any, ...]]] = {}

    async def insert_rows(
        session: Any, table: Any, columns: Any, rows: Any, *, same: Any = None
    ) -> None:
        tables[table.name] = [
            {**dict(zip(columns, row, strict=True)), **(same or {})} for row in rows
        ]

    async def next_numbers(uow: Any, series: str, count: int, **_: Any) -> list[str]:
        prefix = {"orders": "SO-", "invoices": "INV-"}[series]
        return [f"{prefix}{n:06d}" for n in range(1, count + 1)]

    async def catalogue_lines(uow: Any, skus: Any) -> dict[str, CatalogueLine]:
        return {sku: CATALOGUE[sku] for sku in skus}

    async def billing_party(uow: Any, customer_id: uuid.UUID) -> BillingParty:
        return BillingParty(customer_id, "Acme", "buyer@acme.example.com", "1 High St", 30)

    async def post_many(uow: Any, entries: Any) -> int:
        tables["postings"] = list(entries)
        return len(entries)

    for module in (orders_backfill, billing_backfill):
        monkeypatch.setattr(module, "insert_rows", insert_rows)
        monkeypatch.setattr(module, "next_numbers", next_numbers)
    monkeypatch.setattr(orders_backfill, "catalogue_lines", catalogue_lines)
    monkeypatch.setattr(
        billing_backfill, "orders_module", SimpleNamespace(billing_party=billing_party)
    )
    monkeypatch.setattr(ledger, "post_many", post_many)
    return tables


def _dump(event: Any) -> dict[str, Any]:
    dumped: dict[str, Any] = event.model_dump(mode="json")
    return dumped


async def test_payloads_are_what_the_event_models_dump(
    written: dict[str, list[dict[str, Any]]],
) -> None:
    past = [
        orders_backfill.PastOrder(
            CUSTOMER,
            datetime(2026, 3, 4, 5, 6, 7, 891011, tzinfo=UTC),
            "completed",
            (("CAM-1", 2), ("BOOK-1", 3), ("CHIP-1", 7)),
        ),
        orders_backfill.PastOrder(
            CUSTOMER, datetime(2026, 3, 5, 0, 0, 0, tzinfo=UTC), "invoiced", (("BOOK-1", 1),)
        ),
    ]
    uow = FakeUow()
    imported = await orders_backfill.import_orders(uow, past)  # type: ignore[arg-type]
    booked = await billing_backfill.book_imported(uow, imported)  # type: ignore[arg-type]
    assert booked == (2, 1)

    lines = written["order_lines"]
    order_events = [e for e in uow.events if e[0] is OrderImported]
    assert len(order_events) == 2
    for (_, aggregate_id, payload), order in zip(order_events, written["orders"], strict=True):
        expected = OrderImported(
            order_id=order["id"],
            number=order["number"],
            customer_id=order["customer_id"],
            status=order["status"],
            lines=tuple(
                OrderLineData(**{k: x[k] for k in OrderLineData.model_fields})
                for x in lines
                if x["order_id"] == order["id"]
            ),
            subtotal=order["subtotal"],
            tax=order["tax"],
            total=order["total"],
            placed_at=order["created_at"],
        )
        assert payload == _dump(expected)
        assert list(payload) == list(_dump(expected))  # the same document, key for key
        assert aggregate_id == expected.aggregate_id()

    invoice_events = [e for e in uow.events if e[0] is InvoiceImported]
    payment_events = [e for e in uow.events if e[0] is PaymentImported]
    assert len(invoice_events) == 2 and len(payment_events) == 1
    invoice_lines = written["invoice_lines"]
    for (_, aggregate_id, payload), invoice in zip(
        invoice_events, written["invoices"], strict=True
    ):
        fields = {
            "invoice_id": invoice["id"],
            "number": invoice["number"],
            "order_id": invoice["order_id"],
            "customer_id": invoice["customer_id"],
            "issue_date": invoice["issue_date"],
            "due_date": invoice["due_date"],
            "lines": tuple(
                InvoiceLineData(**{k: x[k] for k in InvoiceLineData.model_fields})
                for x in invoice_lines
                if x["invoice_id"] == invoice["id"]
            ),
            "subtotal": invoice["subtotal"],
            "tax": invoice["tax"],
            "total": invoice["total"],
            "status": "issued",
            "source": "import",
        }
        assert payload == _dump(InvoiceImported(**fields)) == _dump(InvoiceIssued(**fields))
        assert list(payload) == list(_dump(InvoiceImported(**fields)))
        assert aggregate_id == str(invoice["id"])
    assert invoice_events[0][2]["lines"][2] == {
        "line_no": 3,
        "sku": "CHIP-1",
        "qty": "7",
        "unit_price": "0.10",
        "tax_rate": "0.0725",
        "line_total": "0.70",
        "line_tax": "0.05",  # 0.05075 half-up to the cent
    }

    ((_, aggregate_id, payload),) = payment_events
    (payment,) = written["payments"]
    invoice = written["invoices"][0]
    fields = {
        "invoice_id": invoice["id"],
        "payment_id": payment["id"],
        "invoice_number": invoice["number"],
        "order_id": invoice["order_id"],
        "customer_id": invoice["customer_id"],
        "amount": payment["amount"],
        "method": "bank_transfer",
        "received_at": payment["received_at"],
        "balance_after": Decimal("0.00"),
        "invoice_status": "paid",
    }
    assert payload == _dump(PaymentImported(**fields)) == _dump(PaymentReceived(**fields))
    assert list(payload) == list(_dump(PaymentImported(**fields)))
    assert payment["received_at"] == past[0].placed_at + timedelta(days=3)
    assert invoice["due_date"] == date(2026, 4, 3)
    assert (invoice["status"], invoice["balance"], invoice["revision"]) == ("paid", 0, 2)


async def test_documents_and_entries_follow_the_per_order_rules(
    written: dict[str, list[Any]],
) -> None:
    recent = datetime.now(UTC) - timedelta(days=1)
    uow = FakeUow()
    imported = await orders_backfill.import_orders(
        uow,  # type: ignore[arg-type]
        [
            orders_backfill.PastOrder(CUSTOMER, recent, status, (("CHIP-1", 3),))
            for status in ("paid", "cancelled", "rejected", "confirmed")
        ],
    )
    assert await billing_backfill.book_imported(uow, imported) == (1, 1)  # type: ignore[arg-type]
    (payment,) = written["payments"]
    assert payment["received_at"] <= datetime.now(UTC)  # never in the future
    assert payment["reference"] == f"import {imported[0].number}"
    invoice_entry, payment_entry = written["postings"]
    assert invoice_entry.postings == [
        ledger.debit(ledger.RECEIVABLES, Decimal("0.32")),
        ledger.credit(ledger.REVENUE, Decimal("0.30")),
        ledger.credit(ledger.TAX_PAYABLE, Decimal("0.02")),
    ]
    assert (invoice_entry.source_type, invoice_entry.description) == (
        "invoice",
        "Invoice INV-000001 to Acme",
    )
    assert payment_entry.postings == [
        ledger.debit(ledger.BANK, Decimal("0.32")),
        ledger.credit(ledger.RECEIVABLES, Decimal("0.32")),
    ]
    assert payment_entry.entry_date == payment["received_at"].date()
