"""Synthetic order lifecycles for the projector ingest benchmark."""

from __future__ import annotations

import datetime as dt
import random
import uuid
from typing import Any


def synthetic_events(orders: int, seed: int = 11) -> list[Any]:
    """Order lifecycles as the outbox holds them: about 7 events per order."""
    from pulse.analytics.transform import RawEvent

    rng = random.Random(seed)
    skus = [f"SKU-{i:03d}" for i in range(50)]
    customers = [str(uuid.UUID(int=rng.getrandbits(128))) for _ in range(500)]
    start = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    events: list[RawEvent] = []
    seq = 0

    def add(kind: str, at: str, payload: dict[str, Any]) -> None:
        nonlocal seq
        seq += 1
        events.append(RawEvent(seq, kind, at, payload))

    for sku in skus:
        add(
            "product.created",
            start.isoformat(),
            {
                "sku": sku,
                "name": sku,
                "price": "10.00",
                "tax_rate": "0.2",
                "qty_on_hand": 10**9,
                "reorder_point": 10,
                "reorder_qty": 50,
                "lead_time_days": 5,
            },
        )
    for i in range(orders):
        at = (start + dt.timedelta(seconds=i * 7)).isoformat()
        order_id, invoice_id = str(uuid.uuid4()), str(uuid.uuid4())
        customer = rng.choice(customers)
        lines = [
            {
                "sku": sku,
                "qty": 2,
                "unit_price": "10.00",
                "tax_rate": "0.2",
                "line_total": "20.00",
                "line_tax": "4.00",
            }
            for sku in rng.sample(skus, 2)
        ]
        order = {"order_id": order_id, "number": f"SO-{i}", "customer_id": customer}
        add(
            "order.created",
            at,
            {
                **order,
                "lines": lines,
                "subtotal": "40.00",
                "tax": "8.00",
                "total": "48.00",
                "placed_at": at,
            },
        )
        add(
            "stock.reserved",
            at,
            {
                "order_id": order_id,
                "lines": [
                    {"sku": x["sku"], "qty": 2, "qty_on_hand": 10**9, "reserved_qty": 2}
                    for x in lines
                ],
            },
        )
        add("order.confirmed", at, {**order, "total": "48.00"})
        day = at[:10]
        add(
            "invoice.issued",
            at,
            {
                "invoice_id": invoice_id,
                "number": f"INV-{i}",
                "order_id": order_id,
                "customer_id": customer,
                "issue_date": day,
                "due_date": day,
                "lines": [],
                "subtotal": "40.00",
                "tax": "8.00",
                "total": "48.00",
                "status": "issued",
                "source": "order",
            },
        )
        add(
            "order.status_changed",
            at,
            {
                "order_id": order_id,
                "number": f"SO-{i}",
                "from_status": "confirmed",
                "to_status": "invoiced",
            },
        )
        if i % 4:
            add(
                "payment.received",
                at,
                {
                    "invoice_id": invoice_id,
                    "payment_id": str(uuid.uuid4()),
                    "invoice_number": f"INV-{i}",
                    "order_id": order_id,
                    "customer_id": customer,
                    "amount": "48.00",
                    "method": "card",
                    "received_at": at,
                    "balance_after": "0.00",
                    "invoice_status": "paid",
                },
            )
            add(
                "order.status_changed",
                at,
                {
                    "order_id": order_id,
                    "number": f"SO-{i}",
                    "from_status": "invoiced",
                    "to_status": "paid",
                },
            )
    return events
