"""Order → dashboard latency counts the orders placed while the projector runs, not those a
rebuild from the stream (or a restart after an absence) applies late."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from prometheus_client import REGISTRY

from pulse.analytics.projector import Projector
from pulse.analytics.sources import EventSource
from pulse.analytics.store import AnalyticsStore
from pulse.analytics.transform import RawEvent
from pulse.orders import OrderPlaced
from pulse.orders.events import OrderLineData


class ListSource(EventSource):
    name = "test"

    def __init__(self, events: list[RawEvent]) -> None:
        self.events = events

    async def read(self, after: int, limit: int) -> list[RawEvent]:
        return [e for e in self.events if e.seq > after][:limit]

    async def head(self) -> int:
        return len(self.events)


def placed(seq: int, at: datetime) -> RawEvent:
    line = OrderLineData(
        sku="A-1",
        qty=1,
        unit_price=Decimal("2.00"),
        tax_rate=Decimal("0.10"),
        line_total=Decimal("2.00"),
        line_tax=Decimal("0.20"),
    )
    event = OrderPlaced(
        order_id=uuid.uuid4(),
        number=f"SO-{seq}",
        customer_id=uuid.uuid4(),
        lines=(line,),
        subtotal=Decimal("2.00"),
        tax=Decimal("0.20"),
        total=Decimal("2.20"),
        placed_at=at,
    )
    return RawEvent(seq, OrderPlaced.type, at.isoformat(), event.model_dump(mode="json"))


def observed() -> float:
    return REGISTRY.get_sample_value("pulse_order_dashboard_seconds_count") or 0.0


async def test_only_orders_placed_since_the_start_are_timed(tmp_path: Path) -> None:
    now = datetime.now(UTC)
    source = ListSource([placed(1, now - timedelta(days=3)), placed(2, now + timedelta(seconds=1))])
    store = AnalyticsStore(tmp_path / "a.duckdb")
    store.open()
    try:
        projector = Projector(store, source)
        before = observed()
        assert await projector.step() == 2
        assert observed() - before == 1
    finally:
        store.close()
