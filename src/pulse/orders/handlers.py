"""Orders' reactions to other modules' events: confirm or reject a placed order when stock
is reserved or not; mark it invoiced and paid as billing reports."""

from __future__ import annotations

from collections.abc import Sequence

from pulse.billing import CreditNoteIssued, InvoiceIssued, PaymentReceived
from pulse.inventory import StockReservationFailed, StockReserved
from pulse.orders import transitions
from pulse.orders.events import OrderStatusChanged
from pulse.orders.schemas import OrderStatus
from pulse.orders.transitions import Move
from pulse.platform.consumers import Delivery
from pulse.platform.events import Envelope
from pulse.platform.observability import ORDER_TO_CONFIRMED, since
from pulse.platform.uow import UnitOfWork


def _observe(uow: UnitOfWork, moved: Sequence[transitions.Moved | None]) -> None:
    """Once the move commits: how long each order took from being placed (the moment its
    `order.created` was written) to being confirmed or rejected."""
    placed = [order.placed_at for order in moved if order is not None and order.placed_at]
    if placed:
        uow.after_commit(lambda: since(placed, ORDER_TO_CONFIRMED))


async def confirm_orders(uow: UnitOfWork, batch: Sequence[Delivery[StockReserved]]) -> None:
    """Stock was reserved: each order still placed is confirmed."""
    _observe(uow, await transitions.confirm(uow, [(d.event.order_id, d.envelope) for d in batch]))


async def reject_orders(uow: UnitOfWork, batch: Sequence[Delivery[StockReservationFailed]]) -> None:
    """Stock could not be reserved: each order still placed is rejected, saying why."""
    moved = await transitions.reject(
        uow, [(d.event.order_id, d.event.reason, d.envelope) for d in batch]
    )
    _observe(uow, moved)


async def mark_invoiced(uow: UnitOfWork, batch: Sequence[Delivery[InvoiceIssued]]) -> None:
    """Billing moves the order itself when it issues the invoice (`invoice_issued`), so this
    changes nothing for those; it still moves an order whose invoice.issued was written by an
    earlier version, which left the move to this handler."""
    moves: list[tuple[Move, Envelope]] = []
    for delivery in batch:
        event, envelope = delivery.event, delivery.envelope
        if event.order_id is None:
            continue
        moves.append(
            (
                Move(
                    event.order_id,
                    OrderStatus.INVOICED,
                    f"invoice {event.number} issued",
                    envelope.actor,
                ),
                envelope,
            )
        )
        if event.status == "paid":  # nothing to pay
            moves.append(
                (
                    Move(
                        event.order_id,
                        OrderStatus.PAID,
                        f"invoice {event.number} has nothing to pay",
                        envelope.actor,
                    ),
                    envelope,
                )
            )
    await _billing_moved(uow, moves)


async def mark_paid(
    uow: UnitOfWork, batch: Sequence[Delivery[PaymentReceived | CreditNoteIssued]]
) -> None:
    """The last payment (or a credit covering the rest of a part-paid invoice) settled it."""
    await _billing_moved(
        uow,
        [
            (
                Move(
                    d.event.order_id,
                    OrderStatus.PAID,
                    f"invoice {d.event.invoice_number} paid",
                    d.envelope.actor,
                ),
                d.envelope,
            )
            for d in batch
            if d.event.order_id is not None and d.event.invoice_status == "paid"
        ],
    )


async def _billing_moved(uow: UnitOfWork, moves: Sequence[tuple[Move, Envelope]]) -> None:
    """Moves billing reported; one that no longer applies (the order was cancelled, or the
    event is redelivered) changes nothing."""
    moved = await transitions.move_many(uow, [move for move, _ in moves])
    for (_, cause), order in zip(moves, moved, strict=True):
        if order is not None:
            uow.emit(
                OrderStatusChanged(
                    order_id=order.order_id,
                    number=order.number,
                    from_status=order.from_status,
                    to_status=order.to_status,
                ),
                cause=cause,
            )
