"""The projector: reads events from its source in batches and applies them to DuckDB.

A batch is whatever has arrived, up to `batch_size`, so a lone event is written at once and
a backlog goes in large, cheap batches. After each commit the changed aggregates go to the
live hub. The loop never stops on a bad moment: a failing batch is logged, retried after a
pause, and — since the position only moves with the data — nothing is skipped or counted
twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from collections import deque
from collections.abc import Callable, Coroutine
from datetime import UTC, date, datetime
from typing import Any

import structlog
from prometheus_client import Counter, Gauge, Histogram

from pulse.analytics import live, projection, projection_billing, transform
from pulse.analytics.live import LiveHub
from pulse.analytics.sources import EventSource
from pulse.analytics.sql import Script
from pulse.analytics.store import AnalyticsStore
from pulse.platform import tracing
from pulse.platform.observability import ORDER_TO_DASHBOARD, since

log = structlog.get_logger(__name__)

EVENTS = Counter("pulse_analytics_events_total", "Events applied to the analytics store")
BATCH_SECONDS = Histogram(
    "pulse_analytics_batch_seconds",
    "Time to apply one batch to the analytics store",
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5),
)
LAG = Gauge("pulse_analytics_lag_events", "Events the analytics store is behind its source")
MEMORY = Gauge(
    "pulse_analytics_memory_bytes",
    "Memory the analytics store's buffer manager holds (DuckDB: cached data, indexes, query "
    "state), as of the last /stats",
)
ERRORS = Counter("pulse_analytics_batch_errors_total", "Batches that failed and were retried")

RATE_WINDOW_SECONDS = 10.0
# The pause after a batch that did not fill: each batch costs a fixed amount of work in
# DuckDB, and the first event after a quiet spell is still applied at once.
GATHER_SECONDS = 0.05
GATHER_MAX_SECONDS = 0.2
STOP_SECONDS = 3.0
# The event whose time to the dashboard is measured (`pulse_order_dashboard_seconds`).
ORDER_PLACED = "order.created"


def today_utc() -> date:
    return datetime.now(UTC).date()


class Projector:
    def __init__(
        self,
        store: AnalyticsStore,
        source: EventSource,
        *,
        batch_size: int = 20_000,
        idle_seconds: float = 0.5,
        gather_seconds: float = GATHER_SECONDS,
        hub: LiveHub | None = None,
        today: Callable[[], date] = today_utc,
        warm: Callable[[int], Coroutine[Any, Any, None]] | None = None,
        hot: Callable[[], bool] | None = None,
        reopen_batches: int = 0,
        reopen_idle_seconds: float = 60.0,
    ) -> None:
        self.store = store
        self.source = source
        self.batch_size = batch_size
        self.idle_seconds = idle_seconds
        self.gather_seconds = gather_seconds
        self.last_batch_seconds = 0.0
        self.hub = hub or LiveHub()
        self.today = today
        # Called with the store's generation after each batch, on the serving loop, before
        # the push goes out (SharedAnswers.warm: the reports asked lately, computed anew).
        self.warm = warm
        # Whether `warm` has anything to do (SharedAnswers.hot), asked from this thread: with
        # no report asked lately, a batch is not handed to the serving loop at all.
        self.hot = hot
        # The store is opened afresh after this many batches (0: never), and once after a
        # quiet spell, giving back the memory DuckDB holds (AnalyticsStore.reopen).
        self.reopen_batches = reopen_batches
        self.reopen_idle_seconds = reopen_idle_seconds
        self._since_reopen = 0
        self._last_batch_at = 0.0
        self.position = 0
        self.batches = 0
        self.last_error: str | None = None
        self._task: asyncio.Task[None] | None = None
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._serving_loop: asyncio.AbstractEventLoop | None = None
        self._recent: deque[tuple[float, int]] = deque()
        self._aging_day: date | None = None
        self._stopping = threading.Event()
        self._started_at = datetime.now(UTC)

    # -- lifecycle -------------------------------------------------------------------------
    async def start(self) -> None:
        """Run the projector on a thread of its own, with its own event loop: a server busy
        with requests delays neither its reads nor its batches."""
        self.store.open()
        self._stopping.clear()
        self._started_at = datetime.now(UTC)
        self.position = await self.store.read(_position)
        self._serving_loop = asyncio.get_running_loop()
        started = threading.Event()
        self._thread = threading.Thread(
            target=self._thread_main, args=(started,), name="analytics-projector", daemon=True
        )
        self._thread.start()
        await asyncio.to_thread(started.wait, 30)

    def _thread_main(self, started: threading.Event) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        asyncio.set_event_loop(loop)

        async def main() -> None:
            await self.source.start()
            self._task = asyncio.current_task()
            started.set()
            await self._run()

        try:
            loop.run_until_complete(main())
        except asyncio.CancelledError:
            pass
        except Exception as exc:  # noqa: BLE001 - reported by /stats
            self.last_error = repr(exc)
            log.error("analytics_projector_stopped", error=repr(exc))
        finally:
            started.set()
            with contextlib.suppress(Exception):
                loop.run_until_complete(self.source.stop())
            loop.close()

    async def stop(self) -> None:
        """Stop the loop and wait for its thread.

        The flag ends the loop at its next turn; the cancellation is repeated until the
        thread is gone, because a cancel that lands as an inner wait completes can be lost
        (asyncio.wait_for in Python 3.11), and a lost one would leave the thread running.
        """
        self._stopping.set()
        thread, loop, task = self._thread, self._loop, self._task
        if thread is not None:
            deadline = time.monotonic() + STOP_SECONDS
            while thread.is_alive() and time.monotonic() < deadline:
                if loop is not None and task is not None:
                    with contextlib.suppress(RuntimeError):  # its loop already closed
                        loop.call_soon_threadsafe(task.cancel)
                await asyncio.to_thread(thread.join, 0.1)
        self._thread = self._loop = self._task = None
        self.hub.close()
        if thread is not None and thread.is_alive():
            # Bounded: a shutdown must not hang on a batch (the position moves only with
            # the data, so a batch cut short is simply applied again next time).
            log.warning("analytics_projector_still_stopping", seconds=STOP_SECONDS)
            return  # its store closes with the process
        self.store.close()

    @property
    def running(self) -> bool:
        return (
            self._thread is not None
            and self._thread.is_alive()
            and self._task is not None
            and not self._task.done()
        )

    async def source_head(self) -> int:
        """The source's newest position, asked on the loop the source lives on."""
        loop = self._loop
        if loop is None or loop is asyncio.get_running_loop():
            return await self.source.head()
        return await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(self.source.head(), loop))

    def _publish(self, message: dict[str, Any]) -> None:
        """Hand a message to the live hub, on the loop that serves the listeners."""
        loop = self._serving_loop
        if loop is None or loop is self._loop:
            self.hub.publish(message)
        else:
            loop.call_soon_threadsafe(self.hub.publish, message)

    # -- the loop --------------------------------------------------------------------------
    async def _run(self) -> None:
        while not self._stopping.is_set():
            try:
                applied = await self.step()
                await self._reopen_if_due(quiet=not applied)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - the projector outlives a bad batch
                ERRORS.inc()
                self.last_error = repr(exc)
                log.warning("analytics_batch_failed", error=repr(exc), position=self.position)
                await self._pause(1.0)
                continue
            if applied:
                if applied < self.batch_size and self.gather_seconds:
                    # A batch that did not fill: let the events that follow gather before
                    # the next one. Each batch costs a fixed amount of work in DuckDB (a
                    # few dozen statements, each planned and scheduled), so the pause grows
                    # with what the last batch took, keeping the projector to about a third
                    # of a core however events trickle in; a backlog goes in full batches
                    # without pauses.
                    await asyncio.sleep(
                        min(
                            GATHER_MAX_SECONDS,
                            max(self.gather_seconds, 2 * self.last_batch_seconds),
                        )
                    )
                continue
            await self._refresh_aging_if_new_day()
            await self.source.wait(self.idle_seconds)

    async def _reopen_if_due(self, *, quiet: bool) -> None:
        if not self.reopen_batches or not self._since_reopen:
            return
        idle = time.monotonic() - self._last_batch_at
        if self._since_reopen >= self.reopen_batches or (quiet and idle > self.reopen_idle_seconds):
            self._since_reopen = 0
            await self.store.reopen()

    async def _pause(self, seconds: float) -> None:
        """Sleep, but wake at once when the projector is told to stop."""
        await asyncio.to_thread(self._stopping.wait, seconds)

    async def step(self) -> int:
        """Read and apply one batch; return how many events it held (0: nothing new)."""
        events = await self.source.read(self.position, self.batch_size)
        events = [e for e in events if e.seq > self.position]
        if not events:
            return 0
        today = self.today()
        started = time.perf_counter()
        spans = tracing.start_event_spans(
            "analytics", events, {"messaging.batch.message_count": len(events)}
        )
        try:
            # Columns are built in the writer thread too: the event loop keeps serving requests.
            applied = await self.store.write(
                lambda cur: projection.apply(
                    cur, transform.build(events), source=self.source.name, today=today
                )
            )
        except BaseException as exc:
            tracing.end_spans(spans, exc)
            raise
        tracing.end_spans(spans)
        # Orders placed before this projector started measure its absence or a rebuild
        # from the stream, not the pipeline: the lag gauge tells those.
        placed = (_utc(e.occurred_at) for e in events if e.type == ORDER_PLACED)
        since((at for at in placed if at >= self._started_at), ORDER_TO_DASHBOARD)
        self.last_batch_seconds = time.perf_counter() - started
        BATCH_SECONDS.observe(self.last_batch_seconds)
        EVENTS.inc(applied.events)
        # The reports asked lately are computed anew first: whoever learns of this batch
        # (the push, `catch_up`, /stats) then finds it in every shared answer.
        await self._warm(self.store.generation)
        self.position = applied.position
        self.batches += 1
        self._since_reopen += 1
        self._last_batch_at = time.monotonic()
        self.last_error = None
        self._aging_day = today if "ar_aging" in applied.changed else self._aging_day
        self._recent.append((time.monotonic(), applied.events))
        if self.hub.listeners:
            self._publish(live.message(applied))
        return applied.events

    async def _warm(self, generation: int) -> None:
        """The reports asked lately, computed anew before the push tells anyone to refetch
        them. A failure here only costs the requests their shared answer."""
        if self.warm is None or (self.hot is not None and not self.hot()):
            return
        loop = self._serving_loop
        try:
            if loop is None or loop is asyncio.get_running_loop():
                await self.warm(generation)
            else:
                await asyncio.wrap_future(
                    asyncio.run_coroutine_threadsafe(self.warm(generation), loop)
                )
        except Exception as exc:  # noqa: BLE001 - never stops the projector
            log.warning("analytics_warm_failed", error=repr(exc))

    async def _refresh_aging(self, today: date) -> None:
        def run(cur: Any) -> None:
            script = Script()
            projection_billing.refresh_aging(script, today)
            cur.begin()
            try:
                script.run(cur)
                cur.commit()
            except BaseException:
                cur.rollback()
                raise

        await self.store.write(run)
        self._aging_day = today

    async def _refresh_aging_if_new_day(self) -> None:
        today = self.today()
        if self._aging_day != today:
            await self._refresh_aging(today)

    # -- waiting and reporting -------------------------------------------------------------
    async def wait_for(self, position: int, timeout: float = 10.0) -> bool:
        """Wait until the store has applied everything up to `position`."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while self.position < position:
            if loop.time() >= deadline:
                return False
            await asyncio.sleep(0.01)
        return True

    async def catch_up(self, timeout: float = 10.0) -> bool:
        """Wait until the store holds every event its source had when this was called."""
        return await self.wait_for(await self.source_head(), timeout)

    def rate(self) -> float:
        now = time.monotonic()
        while self._recent and now - self._recent[0][0] > RATE_WINDOW_SECONDS:
            self._recent.popleft()
        if not self._recent:
            return 0.0
        span = max(now - self._recent[0][0], 1.0)
        return sum(n for _, n in self._recent) / span

    async def stats(self) -> dict[str, Any]:
        state = await self.store.read(_state)
        # What the reports show: a batch committed but still being warmed counts once
        # its answers are ready (the position moves last, in `step`).
        if self.running:
            state["position"] = min(state["position"], self.position)
        head = await self.source_head()
        lag = max(0, head - state["position"])
        LAG.set(lag)
        MEMORY.set(state["memory_bytes"])
        return {
            **state,
            "source_position": head,
            "lag": lag,
            "events_per_second": round(self.rate(), 1),
            "batches": self.batches,
            "reopens": self.store.reopens,
            "running": self.running,
            "listeners": self.hub.listeners,
            "last_error": self.last_error,
        }


def _utc(moment: str) -> datetime:
    parsed = datetime.fromisoformat(moment)
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def _position(cur: Any) -> int:
    rows = cur.execute("SELECT position FROM projector_state WHERE id = 1").fetchall()
    return int(rows[0][0]) if rows else 0


def _state(cur: Any) -> dict[str, Any]:
    rows = cur.execute(
        "SELECT source, position, events, last_event_at, last_batch_at, last_batch_events, "
        "last_batch_ms FROM projector_state WHERE id = 1"
    ).fetchall()
    row = rows[0] if rows else None
    memory = cur.execute(
        "SELECT coalesce(sum(memory_usage_bytes), 0)::BIGINT FROM duckdb_memory()"
    ).fetchall()[0][0]
    names = "source position events_processed last_event_at last_batch_at last_batch_events"
    names += " last_batch_ms"
    return {
        **dict(zip(names.split(), row or (None,) * 7, strict=True)),
        "memory_bytes": int(memory),
    }
