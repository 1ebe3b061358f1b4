"""Orders' reactions to other modules' events: confirm or reject a placed order when stock
is reserved or not; mark it invoiced and paid as billing reports."""

from __future__ import annotations

from datetime import datetime

from pulse.billing import CreditNoteIssued, InvoiceIssued, PaymentReceived
from pulse.inventory import StockReservationFailed, StockReserved
from pulse.orders import service
from pulse.orders.schemas import OrderStatus
from pulse.platform.events import Envelope, Event, utcnow
from pulse.platform.observability import ORDER_TO_CONFIRMED
from pulse.platform.uow import UnitOfWork


def _observe(placed_at: datetime | None) -> None:
    if placed_at is not None:
        if placed_at.tzinfo is None:
            from datetime import UTC

            placed_at = placed_at.replace(tzinfo=UTC)
        ORDER_TO_CONFIRMED.observe(max(0.0, (utcnow() - placed_at).total_seconds()))


async def confirm_order(uow: UnitOfWork, event: Event, envelope: Envelope) -> None:
    assert isinstance(event, StockReserved)
    _observe(await service.confirm(uow, event.order_id))


async def reject_order(uow: UnitOfWork, event: Event, envelope: Envelope) -> None:
    assert isinstance(event, StockReservationFailed)
    _observe(await service.reject(uow, event.order_id, event.reason))


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
