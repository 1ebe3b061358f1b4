"""Orders' reactions to other modules' events: confirm or reject a placed order when stock
is reserved or not; mark it invoiced and paid as billing reports."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from pulse.billing import CreditNoteIssued, InvoiceIssued, PaymentReceived
from pulse.inventory import StockReservationFailed, StockReserved
from pulse.orders import service, transitions
from pulse.orders.schemas import OrderStatus
from pulse.platform.consumers import Delivery
from pulse.platform.events import Envelope, Event, utcnow
from pulse.platform.observability import ORDER_TO_CONFIRMED
from pulse.platform.uow import UnitOfWork


def _observe(placed_at: datetime | None) -> None:
    if placed_at is not None:
        if placed_at.tzinfo is None:
            from datetime import UTC

            placed_at = placed_at.replace(tzinfo=UTC)
        ORDER_TO_CONFIRMED.observe(max(0.0, (utcnow() - placed_at).total_seconds()))


async def confirm_orders(uow: UnitOfWork, batch: Sequence[Delivery[StockReserved]]) -> None:
    """Stock was reserved: each order still placed is confirmed."""
    for order in await transitions.confirm(uow, [(d.event.order_id, d.envelope) for d in batch]):
        if order is not None:
            _observe(order.placed_at)


async def reject_orders(uow: UnitOfWork, batch: Sequence[Delivery[StockReservationFailed]]) -> None:
    """Stock could not be reserved: each order still placed is rejected, saying why."""
    moved = await transitions.reject(
        uow, [(d.event.order_id, d.event.reason, d.envelope) for d in batch]
    )
    for order in moved:
        if order is not None:
            _observe(order.placed_at)


async def mark_invoiced(uow: UnitOfWork, event: Event, envelope: Envelope) -> None:
    """Billing moves the order itself when it issues the invoice (`invoice_issued`), so this
    changes nothing for those; it still moves an order whose invoice.issued was written by an
    earlier version, which left the move to this handler."""
    assert isinstance(event, InvoiceIssued)
    if event.order_id is None:
        return
    await service.billing_moved(
        uow, event.order_id, OrderStatus.INVOICED, f"invoice {event.number} issued"
    )
    if event.status == "paid":  # nothing to pay
        await service.billing_moved(
            uow, event.order_id, OrderStatus.PAID, f"invoice {event.number} has nothing to pay"
        )


async def mark_paid(uow: UnitOfWork, event: Event, envelope: Envelope) -> None:
    """The last payment (or a credit covering the rest of a part-paid invoice) settled it."""
    assert isinstance(event, PaymentReceived | CreditNoteIssued)
    if event.order_id is None or event.invoice_status != "paid":
        return
    await service.billing_moved(
        uow, event.order_id, OrderStatus.PAID, f"invoice {event.invoice_number} paid"
    )
