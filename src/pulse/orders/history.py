"""Bulk import of historical orders in their final state (demo data, data migration)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import insert

from pulse.inventory import catalogue_lines
from pulse.orders.events import OrderImported, OrderLineData
from pulse.orders.models import Order, OrderLine, OrderStatusChange
from pulse.platform.errors import InvalidInput
from pulse.platform.money import money
from pulse.platform.numbering import next_numbers
from pulse.platform.uow import UnitOfWork

FINAL_PATH = {
    "confirmed": ["confirmed"],
    "invoiced": ["confirmed", "invoiced"],
    "paid": ["confirmed", "invoiced", "paid"],
    "shipped": ["confirmed", "invoiced", "paid", "shipped"],
    "completed": ["confirmed", "invoiced", "paid", "shipped", "completed"],
    "cancelled": ["cancelled"],
    "rejected": ["rejected"],
}


@dataclass(frozen=True)
class HistoricalOrder:
    customer_id: uuid.UUID
    placed_at: datetime
    status: str
    items: tuple[tuple[str, int], ...]  # (sku, qty) at catalogue price


async def import_orders(uow: UnitOfWork, history: list[HistoricalOrder]) -> int:
    if not history:
        return 0
    catalogue = await catalogue_lines(uow, {sku for h in history for sku, _ in h.items})
    numbers = await next_numbers(uow, "orders", len(history), gapless=False)
    orders, lines, changes = [], [], []
    for number, h in zip(numbers, history, strict=True):
        if h.status not in FINAL_PATH:
            raise InvalidInput(f"unknown order status '{h.status}'", field="status")
        order_id = uuid.uuid4()
        order_lines = []
        for line_no, (sku, qty) in enumerate(h.items, start=1):
            entry = catalogue.get(sku)
            if entry is None:
                raise InvalidInput(f"unknown SKU '{sku}'", field="sku")
            line_total = money(entry.price * qty)
            order_lines.append(
                {
                    "order_id": order_id,
                    "line_no": line_no,
                    "sku": sku,
                    "name": entry.name,
                    "qty": qty,
                    "unit_price": entry.price,
                    "tax_rate": entry.tax_rate,
                    "line_total": line_total,
                    "line_tax": money(line_total * entry.tax_rate),
                }
            )
        subtotal = sum((x["line_total"] for x in order_lines), Decimal("0.00"))
        tax = sum((x["line_tax"] for x in order_lines), Decimal("0.00"))
        orders.append(
            {
                "id": order_id,
                "number": number,
                "customer_id": h.customer_id,
                "status": h.status,
                "subtotal": subtotal,
                "tax": tax,
                "total": subtotal + tax,
                "status_reason": "imported",
                "created_by": uow.actor,
                "created_at": h.placed_at,
                "updated_at": h.placed_at,
            }
        )
        lines.extend(order_lines)
        previous = None
        for status in ["placed", *FINAL_PATH[h.status]]:
            changes.append(
                {
                    "order_id": order_id,
                    "from_status": previous,
                    "to_status": status,
                    "reason": "imported",
                    "actor": uow.actor,
                    "at": h.placed_at,
                }
            )
            previous = status
        uow.emit(
            OrderImported(
                order_id=order_id,
                number=number,
                customer_id=h.customer_id,
                status=h.status,
                lines=tuple(
                    OrderLineData(**{k: x[k] for k in OrderLineData.model_fields})
                    for x in order_lines
                ),
                subtotal=subtotal,
                tax=tax,
                total=subtotal + tax,
                placed_at=h.placed_at,
            )
        )
    await uow.session.execute(insert(Order), orders)
    await uow.session.execute(insert(OrderLine), lines)
    await uow.session.execute(insert(OrderStatusChange), changes)
    return len(orders)
