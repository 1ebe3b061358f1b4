"""Orders' reactions to inventory events: confirm or reject a placed order."""

from __future__ import annotations

from datetime import datetime

from pulse.inventory import StockReservationFailed, StockReserved
from pulse.orders import service
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
