"""The NATS bus's relay: committed outbox rows, in outbox order, onto the JetStream stream.

A row is marked published only after the server acknowledged it, and each message carries
the event id as `Nats-Msg-Id`, so a row re-sent after a crash or a lost ack is dropped by
the stream's duplicate window. Only the acknowledged prefix of a batch is marked, so a retry
re-sends the rest in order.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import TYPE_CHECKING, Any

import structlog
from nats.js.errors import NoStreamResponseError
from opentelemetry.trace import SpanKind
from sqlalchemy import select, update

from pulse.platform import tracing
from pulse.platform.events import utcnow
from pulse.platform.outbox import OutboxRecord

if TYPE_CHECKING:
    from pulse.platform.bus.nats import NatsBus

log = structlog.get_logger(__name__)

PUBLISH_ACK_TIMEOUT_SECONDS = 5.0
MAX_BACKOFF_SECONDS = 2.0


async def wait_for_wake(event: asyncio.Event, timeout: float) -> None:
    """Return when EVENT is set or after TIMEOUT seconds, and clear it."""
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(event.wait(), timeout=timeout)
    event.clear()


class NatsRelay:
    def __init__(self, bus: NatsBus) -> None:
        self.bus = bus
        self._wake = asyncio.Event()

    def wake(self) -> None:
        """New rows were committed (or the connection came back): publish without waiting."""
        self._wake.set()

    async def run(self) -> None:
        failures = 0
        while not self.bus.stopping:
            try:
                moved, complete = await self.publish_pending()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - a relay must outlive a bad moment
                log.warning("nats_relay_error", error=repr(exc))
                moved, complete = 0, False
            if not complete:
                failures += 1
                await wait_for_wake(self._wake, min(0.05 * 2**failures, MAX_BACKOFF_SECONDS))
                continue
            failures = 0
            if moved >= self.bus.batch_size:
                continue
            await wait_for_wake(self._wake, self.bus.poll_seconds)

    async def publish_pending(self) -> tuple[int, bool]:
        """Publish one batch of unpublished rows in outbox order. Returns how many rows were
        marked published, and whether the whole batch made it."""
        js = self.bus.require_js()
        if not self.bus.connected:
            return 0, False
        unpublished = (
            select(OutboxRecord)
            .where(OutboxRecord.published_at.is_(None))
            .order_by(OutboxRecord.pk)
            .limit(self.bus.batch_size)
        )
        async with self.bus.uow_factory(readonly=True) as uow:
            rows = (await uow.session.execute(unpublished)).scalars().all()
            batch = [(row.pk, row.envelope()) for row in rows]
        if not batch:
            return 0, True
        # A span per event from its publishing to the server's acknowledgement.
        spans = tracing.start_event_spans(
            "publish", [envelope for _, envelope in batch], {}, kind=SpanKind.PRODUCER
        )
        futures: list[asyncio.Future[Any]] = []
        try:
            for _, envelope in batch:
                futures.append(
                    await js.publish_async(
                        self.bus.subject(envelope.type),
                        envelope.to_json(),
                        headers={"Nats-Msg-Id": str(envelope.id)},
                    )
                )
        except Exception as exc:  # noqa: BLE001 - what was sent is still waited for below
            log.warning("nats_publish_failed", error=repr(exc))
        acked = await self._acked_prefix(futures)
        tracing.end_spans({i: s for i, s in spans.items() if i < acked})
        unacked = RuntimeError("not acknowledged by the server")
        tracing.end_spans({i: s for i, s in spans.items() if i >= acked}, unacked)
        if acked:
            async with self.bus.uow_factory() as uow:
                await uow.session.execute(
                    update(OutboxRecord)
                    .where(OutboxRecord.pk.in_([pk for pk, _ in batch[:acked]]))
                    .values(published_at=utcnow())
                )
                await uow.commit()
        return acked, acked == len(batch)

    async def _acked_prefix(self, futures: list[asyncio.Future[Any]]) -> int:
        """How many leading publishes were acknowledged. Only a prefix counts, so a retry
        re-sends the rest in order (the server drops any of them it already stored)."""
        if not futures:
            return 0
        _, pending = await asyncio.wait(futures, timeout=PUBLISH_ACK_TIMEOUT_SECONDS)
        for future in pending:
            future.cancel()
        acked = 0
        gap = False
        missing_stream = False
        for future in futures:
            # Every exception is fetched, so none is reported as never retrieved.
            error = None if future.cancelled() else future.exception()
            if future.cancelled() or error is not None:
                gap = True
                missing_stream = missing_stream or isinstance(error, NoStreamResponseError)
            elif not gap:
                acked += 1
        if missing_stream:
            # The server lost the stream (e.g. restarted without its store): recreate it.
            with contextlib.suppress(Exception):
                await self.bus.ensure_stream()
        return acked
