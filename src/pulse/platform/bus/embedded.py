"""The embedded bus: the outbox table is the stream.

A relay task gives committed outbox rows a gap-free `stream_seq` in commit order (guarded
by the `bus_state` row, so two relays never interleave). Each consumer task reads rows
after its own stored position and applies them through the consumer runner, which stores
the new position in the same transaction as the effects. The relay is woken by the unit of
work right after a commit, and each consumer is woken by the relay, so there is no polling
delay on the hot path; a slow poll remains as a safety net for writes by other processes.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Sequence

import structlog
from sqlalchemy import func, select, update

from pulse.platform.bus.base import ConsumerStatus, EventBus
from pulse.platform.bus.bell import Bell
from pulse.platform.consumers import ConsumerRunner
from pulse.platform.events import Envelope, utcnow
from pulse.platform.outbox import EMBEDDED_SEQUENCER as SEQUENCER
from pulse.platform.outbox import (
    BusState,
    ConsumerPosition,
    OutboxRecord,
    ensure_position,
    ensure_sequencer,
    store_position,
)
from pulse.platform.uow import UnitOfWork, UnitOfWorkFactory

log = structlog.get_logger(__name__)
IDLE_POSITION_SAVE_SECONDS = 1.0
# The longest a consumer that runs when idle (documents) waits for the order flow to
# catch up before it takes a batch anyway.
MAX_IDLE_WAIT_SECONDS = 5.0


class EmbeddedBus(EventBus):
    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        runners: Sequence[ConsumerRunner],
        *,
        relay: bool = True,
        batch_size: int = 200,
        poll_seconds: float = 0.5,
        gather_seconds: float = 0.0,
        bell: Bell | None = None,
    ) -> None:
        self.uow_factory = uow_factory
        self.sequenced_at_commit = uow_factory.sequence_inline
        self.runners = list(runners)
        self.run_relay = relay
        self.batch_size = batch_size
        self.poll_seconds = poll_seconds
        self.gather_seconds = gather_seconds
        self._relay_wake = asyncio.Event()
        self._consumer_wake = {r.consumer.name: asyncio.Event() for r in self.runners}
        self._positions: dict[str, int] = {}
        self._tasks: list[asyncio.Task[None]] = []
        self._stopping = False
        self._last_seq = 0
        self._progress = asyncio.Condition()
        self._idle_saved_at: dict[str, float] = {}
        # The position each consumer last stored: what another process (the API of the
        # embedded server, reporting lags) sees of it.
        self._stored: dict[str, int] = {}
        self._listeners: list[Callable[[], None]] = []
        self._working: set[str] = set()
        # Consumers that found nothing to do since they were last told of their events.
        self._caught_up: set[str] = set()
        # Rings the other processes on this database after a commit here, and wakes this
        # one when they commit (bell.py).
        self.bell = bell
        if bell is not None:
            bell.on_ring = self._wake_here

    def add_listener(self, callback: Callable[[], None]) -> None:
        """Call `callback` whenever new events may have been sequenced (e.g. a projector
        reading the stream by itself)."""
        self._listeners.append(callback)

    def _notify_listeners(self) -> None:
        for callback in self._listeners:
            callback()

    # -- lifecycle -------------------------------------------------------------------------
    async def start(self) -> None:
        self._stopping = False
        if self.bell is not None:
            self.bell.open()
        async with self.uow_factory(priority=True) as uow:
            await ensure_sequencer(uow.session)
            for runner in self.runners:
                position = await ensure_position(uow.session, runner.consumer.name)
                self._positions[runner.consumer.name] = position
                self._stored[runner.consumer.name] = position
            await uow.commit()
        if self.run_relay:
            self._tasks.append(asyncio.create_task(self._relay_loop(), name="embedded-relay"))
        for runner in self.runners:
            self._tasks.append(
                asyncio.create_task(
                    self._consumer_loop(runner), name=f"consumer-{runner.consumer.name}"
                )
            )
        self.wake()

    async def stop(self) -> None:
        self._stopping = True
        if self.bell is not None:
            self.bell.close()
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._tasks.clear()

    def wake(self, types: frozenset[str] | None = None) -> None:
        """Events were committed by this process: wake its consumers, and ring the other
        processes on the same database."""
        self._wake_here(types)
        if self.bell is not None:
            self.bell.ring(types)

    def _wake_here(self, types: frozenset[str] | None = None) -> None:
        """Events were committed. Where their types are known, only the consumers that
        handle one of them are woken (the others catch up on their slow poll); where the
        stream is numbered at commit there is nothing for the relay to do, so it keeps to
        its slow poll too (for rows written unnumbered, by hand or by an older version)."""
        if types is None or not self.sequenced_at_commit:
            self._relay_wake.set()
        for runner in self.runners:
            if types is None or not types.isdisjoint(runner.consumer.event_types):
                self._consumer_wake[runner.consumer.name].set()
            if types is not None and not types.isdisjoint(runner.consumer.event_types):
                self._caught_up.discard(runner.consumer.name)
        self._notify_listeners()

    async def ready(self) -> bool:
        return all(not t.done() for t in self._tasks) and bool(self._tasks or not self.runners)

    async def status(self) -> list[ConsumerStatus]:
        async with self.uow_factory(readonly=True) as uow:
            last = (
                await uow.session.execute(
                    select(BusState.last_seq).where(BusState.name == SEQUENCER)
                )
            ).scalar_one_or_none() or 0
            # Columns, not entities: the rollback on leaving the unit of work expires entities.
            rows = (
                await uow.session.execute(
                    select(ConsumerPosition.consumer, ConsumerPosition.position)
                )
            ).all()
        running = {t.get_name() for t in self._tasks if not t.done()}
        mine = {r.consumer.name for r in self.runners}
        # A local consumer skipping events it does not handle stores its position only now
        # and then, so its position in memory is the fresher one.
        positions = {
            name: max(position, self._positions.get(name, 0)) if name in mine else position
            for name, position in rows
        }
        return [
            ConsumerStatus(
                name=name,
                position=position,
                lag=max(0, last - position),
                running=f"consumer-{name}" in running if name in mine else False,
            )
            for name, position in positions.items()
        ]

    async def drain(self, timeout: float = 10.0) -> bool:
        """Wait until nothing is unsequenced and every local consumer reached the end."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while loop.time() < deadline:
            # Positions first: a consumer committing between the two reads must not make the
            # stream look finished while its new events are still unsequenced.
            positions = dict(self._positions)
            async with self.uow_factory(readonly=True) as uow:
                pending = (
                    await uow.session.execute(
                        select(func.count())
                        .select_from(OutboxRecord)
                        .where(OutboxRecord.stream_seq.is_(None))
                    )
                ).scalar_one()
                last = (
                    await uow.session.execute(
                        select(BusState.last_seq).where(BusState.name == SEQUENCER)
                    )
                ).scalar_one_or_none() or 0
            if pending == 0 and all(
                positions.get(r.consumer.name, 0) >= last for r in self.runners
            ):
                return True
            self._wake_here()
            async with self._progress:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._progress.wait(), timeout=0.05)
        return False

    # -- relay -----------------------------------------------------------------------------
    async def _relay_loop(self) -> None:
        while not self._stopping:
            try:
                moved = await self.sequence_pending()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - a relay must outlive a bad moment
                log.warning("embedded_relay_error", error=str(exc))
                moved = 0
                await asyncio.sleep(0.2)
            if moved:
                for event in self._consumer_wake.values():
                    event.set()
                self._notify_listeners()
                if self.bell is not None:
                    self.bell.ring(None)
                if moved >= self.batch_size:
                    continue
            await self._wait(self._relay_wake)

    async def sequence_pending(self) -> int:
        """Give the committed, unsequenced outbox rows their stream positions."""
        async with self.uow_factory(readonly=True) as reader:
            # Asked first without the write lock: where the stream is numbered at commit
            # there is almost never anything to do.
            waiting = (
                await reader.session.execute(
                    select(OutboxRecord.pk).where(OutboxRecord.published_at.is_(None)).limit(1)
                )
            ).first()
        if waiting is None:
            return 0
        async with self.uow_factory(priority=True) as uow:
            session = uow.session
            last = (
                await session.execute(
                    select(BusState.last_seq).where(BusState.name == SEQUENCER).with_for_update()
                )
            ).scalar_one()
            pks = (
                (
                    await session.execute(
                        select(OutboxRecord.pk)
                        .where(OutboxRecord.published_at.is_(None))
                        .order_by(OutboxRecord.pk)
                        .limit(self.batch_size * 5)
                    )
                )
                .scalars()
                .all()
            )
            if not pks:
                return 0
            now = utcnow()
            await session.execute(
                update(OutboxRecord),
                [
                    {"pk": pk, "stream_seq": last + i, "published_at": now}
                    for i, pk in enumerate(pks, start=1)
                ],
            )
            await session.execute(
                update(BusState).where(BusState.name == SEQUENCER).values(last_seq=last + len(pks))
            )
            await uow.commit()
        self._last_seq = last + len(pks)
        return len(pks)

    # -- consumers -------------------------------------------------------------------------
    def _flow_behind(self) -> bool:
        """Whether a consumer that moves orders along has been told of events of its types
        that it has not applied yet, or is applying some."""
        return any(
            r.consumer.name not in self._caught_up or r.consumer.name in self._working
            for r in self.runners
            if not r.consumer.when_idle
        )

    async def _consumer_loop(self, runner: ConsumerRunner) -> None:
        name = runner.consumer.name
        wake = self._consumer_wake[name]
        idle_only = runner.consumer.when_idle
        woken = False
        while not self._stopping:
            if woken and self.gather_seconds:
                # Let the events that follow arrive: they share a transaction, and the
                # requests placing them are not held up by a transaction per event.
                await asyncio.sleep(self.gather_seconds)
            if idle_only and self._flow_behind():
                # Work that may wait (documents) yields the CPU to the order flow; it runs
                # once the others have caught up, or after a while regardless, so it never
                # waits forever under a steady load.
                await self._wait_idle()
            self._working.add(name)
            try:
                count = await self._consume_once(runner)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001
                log.warning("embedded_consumer_error", consumer=name, error=str(exc))
                count = 0
                await asyncio.sleep(0.2)
            finally:
                self._working.discard(name)
            if count < self.batch_size and not wake.is_set():
                # Nothing of its own left (until it is told of events of its types).
                self._caught_up.add(name)
            if count:
                async with self._progress:
                    self._progress.notify_all()
                if count >= self.batch_size:
                    woken = False
                    continue
            woken = await self._wait(wake)

    async def _consume_once(self, runner: ConsumerRunner) -> int:
        """Apply the next events this consumer handles; return how many were applied.

        Only the event types the consumer handles are read: a consumer far behind on events
        that are not its business (a bulk import of millions) skips them in one step.
        """
        name = runner.consumer.name
        position = self._positions.get(name, 0)
        async with self.uow_factory(readonly=True) as uow:
            last = (
                await uow.session.execute(
                    select(BusState.last_seq).where(BusState.name == SEQUENCER)
                )
            ).scalar_one_or_none() or 0
            self._last_seq = max(self._last_seq, last)
            rows = (
                (
                    await uow.session.execute(
                        select(OutboxRecord)
                        .where(
                            OutboxRecord.stream_seq > position,
                            OutboxRecord.stream_seq <= last,
                            OutboxRecord.type.in_(sorted(runner.consumer.event_types)),
                        )
                        .order_by(OutboxRecord.stream_seq)
                        .limit(self.batch_size)
                    )
                )
                .scalars()
                .all()
            )
            batch = [(seq, row.envelope()) for row in rows if (seq := row.stream_seq) is not None]
        # Everything up to `last` that is not in a full batch is not this consumer's business.
        reached = batch[-1][0] if len(batch) >= self.batch_size else last
        if not batch:
            if reached > self._stored.get(name, 0):
                await self._skip_to(name, reached)
            return 0
        seq_of = {env.id: seq for seq, env in batch}

        async def write_position(uow: UnitOfWork, envelopes: Sequence[Envelope]) -> None:
            newest = max(seq_of[e.id] for e in envelopes)
            # The batch's last event takes the position past the skipped ones after it.
            await store_position(uow.session, name, reached if newest == batch[-1][0] else newest)

        await runner.process([env for _, env in batch], write_position=write_position)
        self._positions[name] = self._stored[name] = reached
        return len(batch)

    async def _skip_to(self, name: str, reached: int) -> None:
        """Move past events the consumer does not handle, storing the position now and then
        (re-reading skipped events after a crash is harmless)."""
        self._positions[name] = reached
        loop = asyncio.get_running_loop()
        if loop.time() - self._idle_saved_at.get(name, 0.0) > IDLE_POSITION_SAVE_SECONDS:
            async with self.uow_factory(priority=True) as uow:
                await store_position(uow.session, name, reached)
                await uow.commit()
            self._idle_saved_at[name] = loop.time()
            self._stored[name] = reached

    async def _wait_idle(self) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + MAX_IDLE_WAIT_SECONDS
        while not self._stopping and self._flow_behind() and loop.time() < deadline:
            async with self._progress:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._progress.wait(), timeout=0.1)

    async def _wait(self, event: asyncio.Event) -> bool:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(event.wait(), timeout=self.poll_seconds)
        woken = event.is_set()  # False: the slow poll's time ran out
        event.clear()
        return woken
