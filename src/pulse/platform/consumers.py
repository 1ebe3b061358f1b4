"""Consumers and the runner that applies events to them exactly once.

A consumer is a name and a table of handlers. The runner opens one unit of work per batch,
skips events the consumer has already processed (the inbox), runs the handlers, records the
event ids as processed and lets the bus backend store its position, all in that one
transaction. If a batch fails, its events are retried one by one; an event that keeps
failing, or cannot be decoded, is written to the dead-letter table and the stream moves on.
"""

from __future__ import annotations

import traceback
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field

import structlog
from prometheus_client import Counter
from sqlalchemy import insert, select

from pulse.platform import outbox
from pulse.platform.events import Envelope, Event, EventRegistry, utcnow
from pulse.platform.outbox import ProcessedEvent
from pulse.platform.uow import UnitOfWork, UnitOfWorkFactory

log = structlog.get_logger(__name__)

Handler = Callable[[UnitOfWork, Event, Envelope], Awaitable[None]]
# Called inside the batch transaction after its events are applied (e.g. store a position).
PositionWriter = Callable[[UnitOfWork, Sequence[Envelope]], Awaitable[None]]

EVENTS_PROCESSED = Counter(
    "pulse_events_processed_total", "Events applied by a consumer", ["consumer", "type"]
)
EVENTS_DEAD_LETTERED = Counter(
    "pulse_events_dead_lettered_total", "Events sent to the dead-letter table", ["consumer"]
)

MAX_ATTEMPTS = 3


@dataclass(frozen=True)
class Consumer:
    name: str
    handlers: dict[str, list[Handler]] = field(default_factory=dict)
    # Handlers that only read the database and act on the outside world idempotently (render
    # a document into the object store). They run in a read-only unit of work, outside the
    # write transaction that then records the inbox and position, so slow work holds no
    # write lock. A crash in between repeats the (idempotent) work.
    reads_only: bool = False

    @property
    def event_types(self) -> set[str]:
        return set(self.handlers)

    def wants(self, event_type: str) -> bool:
        return event_type in self.handlers


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
        """Apply a batch; on any failure fall back to one event per transaction."""
        if not envelopes:
            return
        try:
            await self._apply(envelopes, write_position)
            return
        except Exception as exc:  # noqa: BLE001 - isolate the failing event below
            if len(envelopes) == 1:
                await self._retry_then_dead_letter(envelopes[0], write_position, exc)
                return
            log.warning("batch_failed_retrying_singly", consumer=self.consumer.name, error=str(exc))
        for envelope in envelopes:
            try:
                await self._apply([envelope], write_position)
            except Exception as exc:  # noqa: BLE001
                await self._retry_then_dead_letter(envelope, write_position, exc)

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
        """Run the handlers of each event not yet processed; return those it ran."""
        done: set = set()
        if wanted:
            rows = await uow.session.execute(
                select(ProcessedEvent.event_id).where(
                    ProcessedEvent.consumer == self.consumer.name,
                    ProcessedEvent.event_id.in_([e.id for e in wanted]),
                )
            )
            done = set(rows.scalars())
        applied: list[Envelope] = []
        for envelope in wanted:
            if envelope.id in done:
                continue
            event = self.registry.decode(envelope)
            uow.actor = envelope.actor
            uow.correlation_id = envelope.correlation_id
            uow.causation_id = str(envelope.id)
            for handler in self.consumer.handlers[envelope.type]:
                await handler(uow, event, envelope)
            applied.append(envelope)
            done.add(envelope.id)
        return applied

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
