"""Bulk import of past orders in their final state (demo data, data migration).

Built for volume (a million orders): rows go in as tuples through one executemany per
table, events as ready-made payloads, and what repeats (the amounts of a SKU at a quantity,
a customer's id as text) is computed once.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any, NamedTuple

from uuid_utils.compat import uuid7

from pulse.inventory import CatalogueLine, catalogue_lines
from pulse.orders.events import OrderImported
from pulse.orders.models import Order, OrderLine, OrderStatusChange
from pulse.orders.queries import OrderLineForInvoice
from pulse.orders.repository import LINE_COLUMNS
from pulse.platform.bulk import insert_rows, json_datetime
from pulse.platform.errors import InvalidInput
from pulse.platform.money import ZERO, money
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
# The timeline of an order imported in a status: (from, to) moves, from being placed.
MOVES = {
    status: list(zip([None, "placed", *path[:-1]], ["placed", *path], strict=True))
    for status, path in FINAL_PATH.items()
}

ORDER_COLUMNS = (
    "id",
    "number",
    "customer_id",
    "status",
    "subtotal",
    "tax",
    "total",
    "created_at",
    "updated_at",
)
CHANGE_COLUMNS = ("order_id", "from_status", "to_status", "at")


class PastOrder(NamedTuple):
    customer_id: uuid.UUID
    placed_at: datetime
    status: str
    items: tuple[tuple[str, int], ...]  # (sku, qty) at catalogue price


class ImportedOrder(NamedTuple):
    """An imported order as billing needs it to book the invoice and payment it had."""

    order_id: uuid.UUID
    number: str
    customer_id: uuid.UUID
    status: str
    placed_at: datetime
    lines: tuple[OrderLineForInvoice, ...]
    subtotal: Decimal
    tax: Decimal
    total: Decimal


class _Priced(NamedTuple):
    line: OrderLineForInvoice
    values: tuple[Any, ...]  # the order_lines row after its order id
    payload: dict[str, Any]  # the line as OrderLineData dumps it


class _Pricing:
    """The amounts of a line, computed once per (line number, SKU, quantity)."""

    def __init__(self, catalogue: dict[str, CatalogueLine]) -> None:
        self.catalogue = catalogue
        self.known: dict[tuple[int, str, int], _Priced] = {}

    def line(self, line_no: int, sku: str, qty: int) -> _Priced:
        priced = self.known.get((line_no, sku, qty))
        if priced is not None:
            return priced
        entry = self.catalogue.get(sku)
        if entry is None:
            raise InvalidInput(f"unknown SKU '{sku}'", field="sku")
        line_total = money(entry.price * qty)
        line_tax = money(line_total * entry.tax_rate)
        line = OrderLineForInvoice(
            line_no, sku, entry.name, qty, entry.price, entry.tax_rate, line_total, line_tax
        )
        payload = {
            "sku": sku,
            "qty": qty,
            "unit_price": str(entry.price),
            "tax_rate": str(entry.tax_rate),
            "line_total": str(line_total),
            "line_tax": str(line_tax),
        }
        values = (line_no, sku, entry.name, qty, entry.price, entry.tax_rate, line_total, line_tax)
        priced = self.known[(line_no, sku, qty)] = _Priced(line, values, payload)
        return priced


async def import_orders(uow: UnitOfWork, past: Sequence[PastOrder]) -> list[ImportedOrder]:
    """Insert orders with their lines and status history, emitting `order.imported` each.

    Returns the imported orders, in the order given, for billing to book.
    """
    if not past:
        return []
    for p in past:
        if p.status not in FINAL_PATH:
            raise InvalidInput(f"unknown order status '{p.status}'", field="status")
    pricing = _Pricing(await catalogue_lines(uow, {sku for p in past for sku, _ in p.items}))
    numbers = await next_numbers(uow, "orders", len(past), gapless=False)
    customer_text: dict[uuid.UUID, str] = {}
    imported: list[ImportedOrder] = []
    orders: list[tuple[Any, ...]] = []
    lines: list[tuple[Any, ...]] = []
    changes: list[tuple[Any, ...]] = []
    events: list[tuple[type[OrderImported], str, dict[str, Any]]] = []
    for number, (customer_id, placed_at, status, items) in zip(numbers, past, strict=True):
        # Time-ordered ids: the rows of a large import land at the end of each index.
        order_id = uuid7()
        priced = [pricing.line(n, sku, qty) for n, (sku, qty) in enumerate(items, start=1)]
        subtotal = sum((p.line.line_total for p in priced), ZERO)
        tax = sum((p.line.line_tax for p in priced), ZERO)
        total = subtotal + tax
        orders.append(
            (order_id, number, customer_id, status, subtotal, tax, total, placed_at, placed_at)
        )
        order_lines = tuple(p.line for p in priced)
        lines.extend((order_id, *p.values) for p in priced)
        changes.extend((order_id, before, after, placed_at) for before, after in MOVES[status])
        imported.append(
            ImportedOrder(
                order_id, number, customer_id, status, placed_at, order_lines, subtotal, tax, total
            )
        )
        order_text = str(order_id)
        customer = customer_text.get(customer_id) or customer_text.setdefault(
            customer_id, str(customer_id)
        )
        events.append(
            (
                OrderImported,
                order_text,
                {
                    "order_id": order_text,
                    "number": number,
                    "customer_id": customer,
                    "status": status,
                    "lines": [p.payload for p in priced],
                    "subtotal": str(subtotal),
                    "tax": str(tax),
                    "total": str(total),
                    "placed_at": json_datetime(placed_at),
                },
            )
        )
    session, actor = uow.session, uow.actor
    same = {"status_reason": "imported", "created_by": actor}
    await insert_rows(session, Order.__table__, ORDER_COLUMNS, orders, same=same)
    await insert_rows(session, OrderLine.__table__, LINE_COLUMNS, lines)
    same = {"reason": "imported", "actor": actor}
    await insert_rows(session, OrderStatusChange.__table__, CHANGE_COLUMNS, changes, same=same)
    uow.emit_payloads(events)
    return imported
