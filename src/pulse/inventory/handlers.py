"""Inventory's reactions to order events: reserve, release, ship."""

from __future__ import annotations

from collections.abc import Sequence

from pulse.inventory import reservations
from pulse.orders import OrderCancelled, OrderPlaced, OrderShipped
from pulse.platform.consumers import Delivery
from pulse.platform.events import Envelope
from pulse.platform.uow import UnitOfWork


async def reserve_orders(uow: UnitOfWork, batch: Sequence[Delivery[OrderPlaced]]) -> None:
    """Reserve the stock of a batch of placed orders, each all-or-nothing, in event order."""
    await reservations.reserve_orders(
        uow,
        [
            reservations.Request(
                d.event.order_id, [(line.sku, line.qty) for line in d.event.lines], d.envelope
            )
            for d in batch
        ],
    )


async def release_for_order(uow: UnitOfWork, event: OrderCancelled, envelope: Envelope) -> None:
    await reservations.release(uow, event.order_id, reason="order cancelled")


async def ship_order(uow: UnitOfWork, event: OrderShipped, envelope: Envelope) -> None:
    await reservations.ship(uow, event.order_id)
