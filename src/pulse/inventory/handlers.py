"""Inventory's reactions to order events: reserve, release, ship."""

from __future__ import annotations

from pulse.inventory import reservations
from pulse.orders import OrderCancelled, OrderPlaced, OrderShipped
from pulse.platform.events import Envelope, Event
from pulse.platform.uow import UnitOfWork


async def reserve_for_order(uow: UnitOfWork, event: Event, envelope: Envelope) -> None:
    assert isinstance(event, OrderPlaced)
    await reservations.reserve_for_order(
        uow, event.order_id, [(line.sku, line.qty) for line in event.lines]
    )


async def release_for_order(uow: UnitOfWork, event: Event, envelope: Envelope) -> None:
    assert isinstance(event, OrderCancelled)
    await reservations.release(uow, event.order_id, reason="order cancelled")


async def ship_order(uow: UnitOfWork, event: Event, envelope: Envelope) -> None:
    assert isinstance(event, OrderShipped)
    await reservations.ship(uow, event.order_id)
