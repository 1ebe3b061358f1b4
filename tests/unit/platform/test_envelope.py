"""The event envelope survives a JSON round trip, and the registry turns it back into the
typed event with Decimal money intact."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from decimal import Decimal

import orjson
import pytest
from pydantic import ValidationError

from pulse.bootstrap import EVENT_CLASSES
from pulse.orders import OrderPlaced
from pulse.orders.events import OrderLineData
from pulse.platform.events import Envelope, EventRegistry, envelope_for, new_event_id


def placed() -> OrderPlaced:
    line = OrderLineData(
        sku="A-1",
        qty=3,
        unit_price=Decimal("0.10"),
        tax_rate=Decimal("0.0725"),
        line_total=Decimal("0.30"),
        line_tax=Decimal("0.02"),
    )
    return OrderPlaced(
        order_id=uuid.uuid4(),
        number="SO-000001",
        customer_id=uuid.uuid4(),
        lines=(line,),
        subtotal=Decimal("0.30"),
        tax=Decimal("0.02"),
        total=Decimal("0.32"),
        placed_at=datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
    )


def registry() -> EventRegistry:
    reg = EventRegistry()
    reg.register(*EVENT_CLASSES)
    return reg


def test_json_round_trip_keeps_every_field() -> None:
    event = placed()
    envelope = envelope_for(event, actor="clerk", correlation_id="req-1", causation_id=None)
    again = Envelope.from_json(envelope.to_json())
    assert again == envelope
    assert again.type == "order.created" and again.aggregate_type == "order"
    assert again.aggregate_id == str(event.order_id)
    assert again.occurred_at.tzinfo is not None


def test_money_travels_as_strings_and_comes_back_as_decimal() -> None:
    envelope = envelope_for(placed(), actor=None, correlation_id=None, causation_id=None)
    wire = orjson.loads(envelope.to_json())
    assert wire["payload"]["total"] == "0.32"
    assert wire["payload"]["lines"][0]["unit_price"] == "0.10"
    decoded = registry().decode(Envelope.from_json(envelope.to_json()))
    assert decoded == placed().model_copy(
        update={"order_id": decoded.order_id, "customer_id": decoded.customer_id}
    )
    assert isinstance(decoded, OrderPlaced)
    assert decoded.total == Decimal("0.32") and isinstance(decoded.total, Decimal)
    assert decoded.lines[0].tax_rate == Decimal("0.0725")


def test_event_ids_are_time_ordered_uuid7() -> None:
    ids = [new_event_id() for _ in range(50)]
    assert all(i.version == 7 for i in ids)
    assert ids == sorted(ids, key=lambda i: i.bytes)
    assert len(set(ids)) == 50


def test_unknown_types_and_double_registration_are_refused() -> None:
    reg = registry()
    stray = envelope_for(placed(), actor=None, correlation_id=None, causation_id=None)
    with pytest.raises(KeyError):
        reg.decode(stray.model_copy(update={"type": "order.teleported"}))

    class Impostor(OrderPlaced):
        pass

    with pytest.raises(ValueError):
        reg.register(Impostor)
    assert "order.created" in reg and "order.teleported" not in reg


def test_events_are_frozen() -> None:
    event = placed()
    with pytest.raises(ValidationError, match="frozen"):
        event.total = Decimal("0")  # type: ignore[misc]
