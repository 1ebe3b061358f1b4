"""Inventory's reactions to order events (reserve, release, ship) and to a named tax rate
that changed (the products that follow it take the new rate)."""

from __future__ import annotations

from collections.abc import Sequence

from pulse.inventory import reservations, service
from pulse.orders import OrderCancelled, OrderPlaced, OrderShipped
from pulse.platform.company import TaxRateChanged
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


async def follow_tax_rate(uow: UnitOfWork, event: TaxRateChanged, envelope: Envelope) -> None:
    if "rate" in event.changes:
        await service.follow_tax_rate(uow, event.code)
