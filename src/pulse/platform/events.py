"""Domain events: the frozen base class, the envelope that travels, the registry of types."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any, ClassVar

import orjson
import uuid_utils
from pydantic import BaseModel, ConfigDict


class EventData(BaseModel):
    """Plain data carried inside an event (a line, a shortage): frozen like the event."""

    model_config = ConfigDict(frozen=True)


class Event(BaseModel):
    """A fact that happened. Subclasses set `type`, `aggregate_type` and `version`, and say
    which aggregate it is about: `aggregate_field` names the field that holds its id, or
    the class overrides `aggregate_id()` where the id is not one field."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    type: ClassVar[str]
    aggregate_type: ClassVar[str]
    aggregate_field: ClassVar[str | None] = None
    version: ClassVar[int] = 1

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        # Checked when the class is made, so an event without an aggregate id never loads.
        field = cls.aggregate_field
        if field is not None and field not in cls.model_fields:
            raise TypeError(f"{cls.__name__}.aggregate_field {field!r} is not one of its fields")
        if "type" in cls.__dict__ and field is None and cls.aggregate_id is Event.aggregate_id:
            raise TypeError(f"{cls.__name__} names no aggregate_field and no aggregate_id()")

    def aggregate_id(self) -> str:
        return str(getattr(self, self.aggregate_field or ""))


class Envelope(BaseModel):
    """An event as it is stored in the outbox and sent on the bus (docs/PRODUCT.md §6)."""

    model_config = ConfigDict(frozen=True)

    id: uuid.UUID
    type: str
    aggregate_type: str
    aggregate_id: str
    occurred_at: datetime
    actor: str | None = None
    correlation_id: str | None = None
    causation_id: str | None = None
    schema_version: int = 1
    payload: dict[str, Any]
    # The W3C trace context of the work that wrote the event (`platform/tracing.py`).
    traceparent: str | None = None

    def to_json(self) -> bytes:
        return orjson.dumps(self.model_dump(mode="json"))

    @classmethod
    def from_json(cls, data: bytes | str) -> Envelope:
        return cls.model_validate(orjson.loads(data))


def new_event_id() -> uuid.UUID:
    """A time-ordered (version 7) UUID."""
    return uuid.UUID(bytes=uuid_utils.uuid7().bytes)


def new_record_id() -> uuid.UUID:
    """The id of a new business record (order, invoice, payment, credit note, refund).

    Time-ordered (version 7), so ids grow in the order records are written: new rows land
    at the end of a database index instead of at random places, and in the analytics store
    the min/max statistics of each block of rows let a lookup of this batch's orders or
    invoices skip every older block.
    """
    return new_event_id()


def utcnow() -> datetime:
    return datetime.now(UTC)


def envelope_for(
    event: Event,
    *,
    actor: str | None,
    correlation_id: str | None,
    causation_id: str | None,
    traceparent: str | None = None,
) -> Envelope:
    return Envelope(
        id=new_event_id(),
        type=event.type,
        aggregate_type=event.aggregate_type,
        aggregate_id=event.aggregate_id(),
        occurred_at=utcnow(),
        actor=actor,
        correlation_id=correlation_id,
        causation_id=causation_id,
        schema_version=event.version,
        payload=event.model_dump(mode="json"),
        traceparent=traceparent,
    )


class EventRegistry:
    """Wire type -> event class, so consumers get typed events back from envelopes."""

    def __init__(self) -> None:
        self._types: dict[str, type[Event]] = {}

    def register(self, *classes: type[Event]) -> None:
        for cls in classes:
            known = self._types.get(cls.type)
            if known is not None and known is not cls:
                raise ValueError(f"event type {cls.type!r} registered twice")
            self._types[cls.type] = cls

    def decode(self, envelope: Envelope) -> Event:
        cls = self._types.get(envelope.type)
        if cls is None:
            raise KeyError(f"unknown event type {envelope.type!r}")
        return cls.model_validate(envelope.payload)

    def __contains__(self, type_name: str) -> bool:
        return type_name in self._types
