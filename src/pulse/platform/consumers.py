"""Consumers and the runner that applies events to them exactly once, a batch at a time.

A consumer is a name and a table of handlers by event class. A handler takes a whole batch:
every event of its class that arrived together, in stream order, as `Delivery` pairs (the
typed event and its envelope), and does its work with a constant number of statements per
batch, not per event. `per_event` adapts a handler that has no reason to batch.

The runner opens one unit of work per batch, skips events the consumer has already
processed (the inbox), runs the handlers over each run of consecutive events of one class
in stream order, records the event ids as processed and lets the bus backend store its
position, all in that one transaction. If a batch fails, it is split in two and each half
applied in order, down to the one event that fails: that one is retried, then written to
the dead-letter table, and the stream moves on. Undecodable events go to the dead letters
without retries.
"""

from __future__ import annotations

import traceback
import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

import structlog
from prometheus_client import Counter
from sqlalchemy import insert, select

from pulse.platform import outbox, tracing
from pulse.platform.events import Envelope, Event, EventRegistry, utcnow
from pulse.platform.outbox import ProcessedEvent
from pulse.platform.uow import UnitOfWork, UnitOfWorkFactory

log = structlog.get_logger(__name__)

E = TypeVar("E", bound=Event)


@dataclass(frozen=True, slots=True)
class Delivery(Generic[E]):
    """One event of a batch: the typed event and the envelope it came in (its id, actor,
    correlation). Events a handler emits for it name it as their cause:
    `uow.emit(event, cause=delivery.envelope)`."""

    event: E
    envelope: Envelope


BatchHandler = Callable[[UnitOfWork, Sequence[Delivery[Any]]], Awaitable[None]]
EventHandler = Callable[[UnitOfWork, Any, Envelope], Awaitable[None]]
# Called inside the batch transaction after its events are applied (e.g. store a position).
PositionWriter = Callable[[UnitOfWork, Sequence[Envelope]], Awaitable[None]]

EVENTS_PROCESSED = Counter(
    "pulse_events_processed_total", "Events applied by a consumer", ["consumer", "type"]
)
EVENTS_DEAD_LETTERED = Counter(
    "pulse_events_dead_lettered_total", "Events sent to the dead-letter table", ["consumer"]
)

MAX_ATTEMPTS = 3


def per_event(handler: EventHandler) -> BatchHandler:
    """A batch handler that runs `handler(uow, event, envelope)` for each event in turn,
    with the unit of work's actor and causation set to that event's."""

    async def run(uow: UnitOfWork, batch: Sequence[Delivery[Any]]) -> None:
        for delivery in batch:
            envelope = delivery.envelope
            uow.actor = envelope.actor
            uow.correlation_id = envelope.correlation_id
            uow.causation_id = str(envelope.id)
            uow.traceparent = uow.trace_of(envelope)
            await handler(uow, delivery.event, envelope)

    run.__name__ = getattr(handler, "__name__", "per_event")
    run.__qualname__ = getattr(handler, "__qualname__", run.__name__)
    return run


@dataclass(frozen=True)
class Consumer:
    """`handlers`: event class → batch handler(s), run in the order given."""

    name: str
    handlers: Mapping[type[Event], BatchHandler | Sequence[BatchHandler]] = field(
        default_factory=dict
    )
    # Handlers that only read the database and act on the outside world idempotently (render
    # a document into the object store). They run in a read-only unit of work, outside the
    # write transaction that then records the inbox and position, so slow work holds no
    # write lock. A crash in between repeats the (idempotent) work.
    reads_only: bool = False
    # Work that may wait (documents): the embedded bus runs it only while the consumers that
    # move orders along have nothing left, so it never takes their CPU under load.
    when_idle: bool = False
    _by_type: dict[str, tuple[BatchHandler, ...]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        by_type: dict[str, tuple[BatchHandler, ...]] = {}
        for cls, handlers in self.handlers.items():
            if not (isinstance(cls, type) and issubclass(cls, Event)):
                raise TypeError(f"consumer {self.name}: handlers are keyed by event class")
            by_type[cls.type] = tuple(handlers) if isinstance(handlers, Sequence) else (handlers,)
        object.__setattr__(self, "_by_type", by_type)

    def handlers_for(self, event_type: str) -> tuple[BatchHandler, ...]:
        return self._by_type[event_type]

    @property
    def event_types(self) -> set[str]:
        return set(self._by_type)

    def wants(self, event_type: str) -> bool:
        return event_type in self._by_type


class ConsumerRunner:
    def __init__(
        self, consumer: Consumer, uow_factory: UnitOfWorkFactory, registry: EventRegistry
    ) -> None:
        self.consumer = consumer
        self.uow_factory = uow_factory
        self.registry = registry

    async def process(
        self, envelopes: Sequence[Envelope], *, write_position: PositionWriter | None = None
    ) -> None:
        """Apply a batch; on a failure apply each half in turn, down to the failing event."""
        if not envelopes:
            return
        try:
            await self._apply(envelopes, write_position)
            return
        except Exception as exc:  # noqa: BLE001 - isolate the failing event below
            if len(envelopes) == 1:
                await self._retry_then_dead_letter(envelopes[0], write_position, exc)
                return
            log.warning(
                "batch_failed_splitting",
                consumer=self.consumer.name,
                events=len(envelopes),
                error=str(exc),
            )
        middle = len(envelopes) // 2
        await self.process(envelopes[:middle], write_position=write_position)
        await self.process(envelopes[middle:], write_position=write_position)

    async def _apply(
        self, envelopes: Sequence[Envelope], write_position: PositionWriter | None
    ) -> None:
        name = self.consumer.name
        wanted = [e for e in envelopes if self.consumer.wants(e.type)]
        first = wanted[0] if wanted else envelopes[0]
        pre_applied: list[Envelope] | None = None
        if self.consumer.reads_only and wanted:
            async with self.uow_factory(
                actor=first.actor, correlation_id=first.correlation_id, readonly=True
            ) as reader:
                pre_applied = await self._handle(reader, wanted)
        async with self.uow_factory(
            actor=first.actor,
            correlation_id=first.correlation_id,
            causation_id=str(first.id),
            priority=True,
        ) as uow:
            applied = pre_applied if pre_applied is not None else await self._handle(uow, wanted)
            if applied:
                now = utcnow()
                await uow.session.execute(
                    ProcessedEvent.__table__.insert(),
                    [{"consumer": name, "event_id": e.id, "processed_at": now} for e in applied],
                )
            if write_position is not None:
                await write_position(uow, envelopes)
            await uow.commit()
        for envelope in applied:
            EVENTS_PROCESSED.labels(name, envelope.type).inc()

    async def _handle(self, uow: UnitOfWork, wanted: Sequence[Envelope]) -> list[Envelope]:
        """Run the handlers over the events not yet processed, each run of consecutive
        events of one type in one call; return the events it ran."""
        done: set[uuid.UUID] = set()
        if wanted:
            rows = await uow.session.execute(
                select(ProcessedEvent.event_id).where(
                    ProcessedEvent.consumer == self.consumer.name,
                    ProcessedEvent.event_id.in_([e.id for e in wanted]),
                )
            )
            done = set(rows.scalars())
        applied: list[Envelope] = []
        run: list[Delivery[Any]] = []
        for envelope in wanted:
            if envelope.id in done:
                continue  # processed before, or twice in this batch
            done.add(envelope.id)
            if run and run[-1].envelope.type != envelope.type:
                await self._run(uow, run)
                run = []
            run.append(Delivery(self.registry.decode(envelope), envelope))
            applied.append(envelope)
        if run:
            await self._run(uow, run)
        return applied

    async def _run(self, uow: UnitOfWork, run: Sequence[Delivery[Any]]) -> None:
        first = run[0].envelope
        name = self.consumer.name
        # One span per event (a child of its own trace), all over the one handler call.
        spans = tracing.start_event_spans(
            name,
            [d.envelope for d in run],
            {"messaging.consumer.group.name": name, "messaging.batch.message_count": len(run)},
        )
        uow.cause_traces = (
            {run[i].envelope.id: tracing.traceparent_of(s) for i, s in spans.items()}
            if spans
            else {}
        )
        # Work a handler does without naming a cause is the first event's.
        uow.actor = first.actor
        uow.correlation_id = first.correlation_id
        uow.causation_id = str(first.id)
        uow.traceparent = uow.trace_of(first)
        structlog.contextvars.bind_contextvars(
            consumer=name, trace_id=tracing.trace_id(uow.traceparent)
        )
        try:
            for handler in self.consumer.handlers_for(first.type):
                await handler(uow, run)
        except BaseException as exc:
            tracing.end_spans(spans, exc)
            raise
        tracing.end_spans(spans)

    async def _retry_then_dead_letter(
        self, envelope: Envelope, write_position: PositionWriter | None, first_error: Exception
    ) -> None:
        error: Exception = first_error
        poison = isinstance(error, (KeyError, ValueError)) and not self._decodable(envelope)
        attempts = 1
        while not poison and attempts < MAX_ATTEMPTS:
            attempts += 1
            try:
                await self._apply([envelope], write_position)
                return
            except Exception as exc:  # noqa: BLE001
                error = exc
        log.error(
            "event_dead_lettered",
            consumer=self.consumer.name,
            event_id=str(envelope.id),
            event_type=envelope.type,
            error=repr(error),
        )
        async with self.uow_factory(causation_id=str(envelope.id), priority=True) as uow:
            await outbox.record_dead_letter(
                uow.session,
                consumer=self.consumer.name,
                envelope=envelope,
                raw=envelope.to_json().decode(),
                error="".join(traceback.format_exception(error))[-4000:],
                attempts=attempts,
            )
            await uow.session.execute(
                insert(ProcessedEvent).values(
                    consumer=self.consumer.name, event_id=envelope.id, processed_at=utcnow()
                )
            )
            if write_position is not None:
                await write_position(uow, [envelope])
            await uow.commit()
        EVENTS_DEAD_LETTERED.labels(self.consumer.name).inc()

    def _decodable(self, envelope: Envelope) -> bool:
        try:
            self.registry.decode(envelope)
        except Exception:  # noqa: BLE001
            return False
        return True

    async def dead_letter_raw(self, raw: bytes, error: str) -> None:
        """For bytes that are not even an envelope (only a broker can deliver those)."""
        async with self.uow_factory(priority=True) as uow:
            await outbox.record_dead_letter(
                uow.session,
                consumer=self.consumer.name,
                envelope=None,
                raw=raw.decode(errors="replace"),
                error=error,
                attempts=1,
            )
            await uow.commit()
        EVENTS_DEAD_LETTERED.labels(self.consumer.name).inc()
