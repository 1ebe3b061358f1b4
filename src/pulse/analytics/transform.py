"""Turn a batch of events into columns, ready for DuckDB's bulk (Arrow) insert.

Works on the events' JSON payloads as they come off the outbox or the stream: no model is
built per event, so a batch of thousands costs a few milliseconds. Money stays a decimal
string until DuckDB casts it to DECIMAL, so nothing passes through a float.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from pulse.analytics.tables import SOLD_STATUSES


@dataclass(frozen=True)
class RawEvent:
    """One event as the projector reads it: its stream position, type, time and payload."""

    seq: int
    type: str
    occurred_at: str
    payload: dict[str, Any]
    # The W3C trace context the event carries (platform/tracing.py).
    traceparent: str | None = None


def _columns(*names: str) -> dict[str, list[Any]]:
    return {name: [] for name in names}


@dataclass
class Batch:
    """The rows one batch adds or changes, per target, as column lists."""

    first_seq: int = 0
    last_seq: int = 0
    events: int = 0
    last_event_at: str | None = None
    customers: dict[str, list[Any]] = field(
        default_factory=lambda: _columns("customer_id", "name", "email", "payment_terms_days")
    )
    customer_changes: dict[str, dict[str, Any]] = field(default_factory=dict)
    orders: dict[str, list[Any]] = field(
        default_factory=lambda: _columns(
            "order_id", "number", "customer_id", "placed_at", "subtotal", "tax", "total", "units"
        )
    )
    lines: dict[str, list[Any]] = field(
        default_factory=lambda: _columns(
            "order_id", "line_no", "sku", "qty", "unit_price", "tax_rate", "line_total", "line_tax"
        )
    )
    status_changes: dict[str, list[Any]] = field(
        default_factory=lambda: _columns("order_id", "ord", "status", "ts")
    )
    invoices: dict[str, list[Any]] = field(
        default_factory=lambda: _columns(
            "invoice_id",
            "number",
            "order_id",
            "customer_id",
            "source",
            "issue_date",
            "due_date",
            "subtotal",
            "tax",
            "total",
            "balance",
            "status",
            "ts",
        )
    )
    invoice_changes: dict[str, InvoiceChange] = field(default_factory=dict)
    voids: dict[str, list[Any]] = field(default_factory=lambda: _columns("invoice_id", "ts"))
    payments: dict[str, list[Any]] = field(
        default_factory=lambda: _columns(
            "payment_id", "invoice_id", "customer_id", "amount", "method", "received_at"
        )
    )
    credit_notes: dict[str, list[Any]] = field(
        default_factory=lambda: _columns(
            "credit_note_id",
            "number",
            "invoice_id",
            "customer_id",
            "issue_date",
            "subtotal",
            "tax",
            "total",
            "applied_to_balance",
            "refund_due",
        )
    )
    refunds: dict[str, list[Any]] = field(
        default_factory=lambda: _columns(
            "refund_id", "invoice_id", "customer_id", "amount", "method", "paid_at"
        )
    )
    products: dict[str, dict[str, Any]] = field(default_factory=dict)
    product_changes: dict[str, dict[str, Any]] = field(default_factory=dict)
    stock_levels: dict[str, tuple[int, int, str]] = field(default_factory=dict)
    movements: dict[str, list[Any]] = field(
        default_factory=lambda: _columns(
            "seq", "ts", "sku", "kind", "on_hand_delta", "reserved_delta", "order_id", "reason"
        )
    )
    _ord: int = 0

    def next_ord(self) -> int:
        self._ord += 1
        return self._ord


@dataclass
class InvoiceChange:
    """The net effect of a batch's payments, credits and voids on one invoice."""

    set_balance: Decimal | None = None
    subtract: Decimal = Decimal("0.00")
    paid: Decimal = Decimal("0.00")
    credited: Decimal = Decimal("0.00")
    status: str | None = None
    ts: str = ""

    def set_to(self, balance: Decimal) -> None:
        self.set_balance = balance
        self.subtract = Decimal("0.00")


PRODUCT_FIELDS = ("name", "price", "active", "reorder_point", "reorder_qty", "lead_time_days")
CUSTOMER_FIELDS = ("name", "email", "payment_terms_days")


def build(events: Iterable[RawEvent]) -> Batch:
    batch = Batch()
    for event in events:
        handler = _HANDLERS.get(event.type)
        if handler is not None:
            handler(batch, event)
        if not batch.events:
            batch.first_seq = event.seq
        batch.events += 1
        batch.last_seq = event.seq
        batch.last_event_at = event.occurred_at
    return batch


# -- customers and products ------------------------------------------------------------------
def _append(cols: dict[str, list[Any]], payload: dict[str, Any], **given: Any) -> None:
    """One row: each column's value from `given`, else the payload's field of its name."""
    for name, values in cols.items():
        values.append(given[name] if name in given else payload[name])


def _customer_created(batch: Batch, e: RawEvent) -> None:
    _append(batch.customers, e.payload)


def _customer_updated(batch: Batch, e: RawEvent) -> None:
    changes = {k: v for k, v in e.payload["changes"].items() if k in CUSTOMER_FIELDS}
    if changes:
        batch.customer_changes.setdefault(e.payload["customer_id"], {}).update(changes)


def _product_created(batch: Batch, e: RawEvent) -> None:
    p = e.payload
    batch.products[p["sku"]] = {
        "sku": p["sku"],
        "name": p["name"],
        "price": p["price"],
        "active": True,
        "on_hand": p["qty_on_hand"],
        "reserved": 0,
        "reorder_point": p["reorder_point"],
        "reorder_qty": p["reorder_qty"],
        "lead_time_days": p["lead_time_days"],
        "updated_at": e.occurred_at,
    }
    batch.stock_levels.pop(p["sku"], None)
    batch.product_changes.pop(p["sku"], None)


def _product_updated(batch: Batch, e: RawEvent) -> None:
    sku = e.payload["sku"]
    changes = {k: v for k, v in e.payload["changes"].items() if k in PRODUCT_FIELDS}
    if not changes:
        return
    if sku in batch.products:
        batch.products[sku].update(changes)
    else:
        batch.product_changes.setdefault(sku, {}).update(changes)


def _movement(
    batch: Batch, e: RawEvent, sku: str, kind: str, on_hand: int, reserved: int, reason: str
) -> None:
    m = batch.movements
    m["seq"].append(e.seq)
    m["ts"].append(e.occurred_at)
    m["sku"].append(sku)
    m["kind"].append(kind)
    m["on_hand_delta"].append(on_hand)
    m["reserved_delta"].append(reserved)
    m["order_id"].append(e.payload.get("order_id"))
    m["reason"].append(reason)


def _level(batch: Batch, e: RawEvent, sku: str, on_hand: int, reserved: int) -> None:
    product = batch.products.get(sku)
    if product is not None:
        product["on_hand"], product["reserved"], product["updated_at"] = (
            on_hand,
            reserved,
            e.occurred_at,
        )
    else:
        batch.stock_levels[sku] = (on_hand, reserved, e.occurred_at)


def _stock_reserved(batch: Batch, e: RawEvent) -> None:
    for line in e.payload["lines"]:
        _movement(batch, e, line["sku"], "reservation", 0, line["qty"], "order")
        _level(batch, e, line["sku"], line["qty_on_hand"], line["reserved_qty"])


def _stock_released(batch: Batch, e: RawEvent) -> None:
    for line in e.payload["lines"]:
        _movement(batch, e, line["sku"], "release", 0, -line["qty"], "order")
        _level(batch, e, line["sku"], line["qty_on_hand"], line["reserved_qty"])


def _stock_changed(batch: Batch, e: RawEvent) -> None:
    p = e.payload
    kind = p["kind"]
    # A shipment (delta < 0) takes the units out of on-hand and the reservation at once.
    reserved = p["delta"] if kind == "shipment" else 0
    _movement(batch, e, p["sku"], kind, p["delta"], reserved, p.get("reason") or "")
    _level(batch, e, p["sku"], p["qty_on_hand"], p["reserved_qty"])


# -- orders ----------------------------------------------------------------------------------
def _add_order(batch: Batch, e: RawEvent) -> None:
    p = e.payload
    units = 0
    for line_no, line in enumerate(p["lines"], start=1):
        _append(batch.lines, line, order_id=p["order_id"], line_no=line_no)
        units += line["qty"]
    _append(batch.orders, p, units=units)


def _status(batch: Batch, order_id: str, status: str, at: str) -> None:
    s = batch.status_changes
    s["order_id"].append(order_id)
    s["ord"].append(batch.next_ord())
    s["status"].append(status)
    s["ts"].append(at)


def _order_created(batch: Batch, e: RawEvent) -> None:
    _add_order(batch, e)


def _order_imported(batch: Batch, e: RawEvent) -> None:
    _add_order(batch, e)
    status = e.payload["status"]
    if status in SOLD_STATUSES and status != "confirmed":
        # It went through confirmation on its way (the fill rate counts it).
        _status(batch, e.payload["order_id"], "confirmed", e.occurred_at)
    _status(batch, e.payload["order_id"], status, e.occurred_at)


def _order_moved(status: str) -> Callable[[Batch, RawEvent], None]:
    def handler(batch: Batch, e: RawEvent) -> None:
        _status(batch, e.payload["order_id"], status, e.occurred_at)

    return handler


def _order_status_changed(batch: Batch, e: RawEvent) -> None:
    _status(batch, e.payload["order_id"], e.payload["to_status"], e.occurred_at)


# -- billing ---------------------------------------------------------------------------------
def _invoice_issued(batch: Batch, e: RawEvent) -> None:
    p = e.payload
    _append(
        batch.invoices,
        p,
        order_id=p.get("order_id"),
        source=p.get("source", "order"),
        balance="0.00" if p["status"] == "paid" else p["total"],
        ts=e.occurred_at,
    )


def _change(batch: Batch, invoice_id: str, ts: str) -> InvoiceChange:
    change = batch.invoice_changes.get(invoice_id)
    if change is None:
        change = batch.invoice_changes[invoice_id] = InvoiceChange()
    change.ts = ts
    return change


def _invoice_voided(batch: Batch, e: RawEvent) -> None:
    change = _change(batch, e.payload["invoice_id"], e.occurred_at)
    change.set_to(Decimal("0.00"))
    change.status = "void"
    batch.voids["invoice_id"].append(e.payload["invoice_id"])
    batch.voids["ts"].append(e.occurred_at)


def _payment_received(batch: Batch, e: RawEvent) -> None:
    p = e.payload
    _append(batch.payments, p)
    change = _change(batch, p["invoice_id"], e.occurred_at)
    change.set_to(Decimal(p["balance_after"]))
    change.paid += Decimal(p["amount"])
    change.status = p["invoice_status"]


def _credit_note_issued(batch: Batch, e: RawEvent) -> None:
    p = e.payload
    # Read with .get(): credit notes written before a field existed still count.
    _append(batch.credit_notes, {name: p.get(name) for name in batch.credit_notes})
    change = _change(batch, p["invoice_id"], e.occurred_at)
    change.subtract += Decimal(p["applied_to_balance"])
    change.credited += Decimal(p["total"])
    change.status = p["invoice_status"]


def _refund_paid(batch: Batch, e: RawEvent) -> None:
    _append(batch.refunds, e.payload)


_HANDLERS = {
    "customer.created": _customer_created,
    "customer.updated": _customer_updated,
    "product.created": _product_created,
    "product.updated": _product_updated,
    "stock.reserved": _stock_reserved,
    "stock.released": _stock_released,
    "stock.changed": _stock_changed,
    "order.created": _order_created,
    "order.imported": _order_imported,
    "order.confirmed": _order_moved("confirmed"),
    "order.rejected": _order_moved("rejected"),
    "order.cancelled": _order_moved("cancelled"),
    "order.shipped": _order_moved("shipped"),
    "order.status_changed": _order_status_changed,
    "invoice.issued": _invoice_issued,
    "invoice.imported": _invoice_issued,
    "invoice.voided": _invoice_voided,
    "payment.received": _payment_received,
    "payment.imported": _payment_received,
    "credit_note.issued": _credit_note_issued,
    "refund.paid": _refund_paid,
}
