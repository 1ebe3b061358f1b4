"""Where the projector reads events: the outbox (embedded bus) or a JetStream stream.

A source reads by position — the outbox's `stream_seq` or the stream's sequence number —
from wherever the projector says it is. The position lives in DuckDB, committed with the
data, so a source keeps no state of its own that a crash could lose.
"""

from __future__ import annotations

import asyncio
import contextlib
from abc import ABC, abstractmethod

import orjson
from sqlalchemy import Text, func, select, type_coerce

from pulse.analytics.transform import RawEvent
from pulse.platform.db import Database
from pulse.platform.outbox import EMBEDDED_SEQUENCER, BusState, OutboxRecord
from pulse.platform.uow import UnitOfWorkFactory


class EventSource(ABC):
    """A numbered stream of events the projector reads from a position onwards."""

    name: str

    async def start(self) -> None:  # noqa: B027 - optional hook
        """Connect (if there is anything to connect to)."""

    async def stop(self) -> None:  # noqa: B027 - optional hook
        """Disconnect."""

    @abstractmethod
    async def read(self, after: int, limit: int) -> list[RawEvent]:
        """Up to `limit` events after position `after`, in order; [] when there are none."""

    @abstractmethod
    async def head(self) -> int:
        """The position of the newest event the source holds."""

    async def wait(self, timeout: float) -> None:
        """Return when new events may have arrived, or after `timeout` seconds."""
        await asyncio.sleep(timeout)


class OutboxSource(EventSource):
    """The embedded bus's stream: outbox rows in `stream_seq` order.

    The bus calls `notify()` whenever it has sequenced new rows, so the projector wakes at
    once instead of polling.
    """

    name = "outbox"

    def __init__(self, database_url: str) -> None:
        # Its own connections: a burst of requests holding every connection of the API's
        # pool must not keep the dashboards waiting.
        self.db = Database(database_url, pool_size=2)
        self.uow_factory = UnitOfWorkFactory(self.db)
        self._wake = asyncio.Event()
        self._loop: asyncio.AbstractEventLoop | None = None

    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()

    async def stop(self) -> None:
        await self.db.dispose()

    def notify(self) -> None:
        """Called by the bus, from the serving loop: wake the projector on its own loop."""
        loop = self._loop
        if loop is None or loop.is_closed():
            return
        with contextlib.suppress(RuntimeError):  # closing meanwhile
            loop.call_soon_threadsafe(self._wake.set)

    async def wait(self, timeout: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), timeout=timeout)
        self._wake.clear()

    async def read(self, after: int, limit: int) -> list[RawEvent]:
        # The payload is read as text and parsed here (orjson), not per row by the driver.
        query = (
            select(
                OutboxRecord.stream_seq,
                OutboxRecord.type,
                OutboxRecord.occurred_at,
                type_coerce(OutboxRecord.payload, Text),
                OutboxRecord.traceparent,
            )
            .where(OutboxRecord.stream_seq > after)
            .order_by(OutboxRecord.stream_seq)
            .limit(limit)
        )
        async with self.uow_factory(readonly=True) as uow:
            rows = (await uow.session.execute(query)).all()
        return [
            RawEvent(
                seq=seq,
                type=type_,
                occurred_at=occurred_at.isoformat(),
                payload=orjson.loads(payload) if isinstance(payload, str | bytes) else payload,
                traceparent=traceparent,
            )
            for seq, type_, occurred_at, payload, traceparent in rows
            if seq is not None  # the query asks for sequenced events only
        ]

    async def head(self) -> int:
        async with self.uow_factory(readonly=True) as uow:
            last = (
                await uow.session.execute(
                    select(BusState.last_seq).where(BusState.name == EMBEDDED_SEQUENCER)
                )
            ).scalar_one_or_none()
            if last is None:
                last = (
                    await uow.session.execute(select(func.max(OutboxRecord.stream_seq)))
                ).scalar_one_or_none()
        return int(last or 0)
