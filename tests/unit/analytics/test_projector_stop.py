"""Stopping the projector ends its thread, even when a cancellation is lost on the way."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

from pulse.analytics.projector import Projector
from pulse.analytics.sources import EventSource
from pulse.analytics.store import AnalyticsStore
from pulse.analytics.transform import RawEvent


class SwallowingSource(EventSource):
    """Waits the way a 3.11 `wait_for` can when a cancel meets a finishing wait: the
    cancellation is swallowed and the caller carries on."""

    name = "test"

    def __init__(self, *, failing: bool = False) -> None:
        self.failing = failing
        self.reads = 0

    async def read(self, after: int, limit: int) -> list[RawEvent]:
        self.reads += 1
        if self.failing:
            raise OSError("the database is gone")
        return []

    async def head(self) -> int:
        return 0

    async def wait(self, timeout: float) -> None:
        try:
            await asyncio.sleep(timeout)
        except asyncio.CancelledError:
            pass


def projector_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "analytics-projector"]


async def run_and_stop(tmp_path: Path, source: SwallowingSource) -> None:
    store = AnalyticsStore(tmp_path / "a.duckdb")
    projector = Projector(store, source, idle_seconds=0.05)
    before = set(projector_threads())
    await projector.start()
    await asyncio.sleep(0.3)
    assert projector.running
    assert source.reads > 0
    await projector.stop()
    assert not projector.running
    assert set(projector_threads()) - before == set()
    assert not store.is_open  # closed only once the thread is gone


async def test_stop_ends_the_thread_when_a_cancel_is_swallowed(tmp_path: Path) -> None:
    await run_and_stop(tmp_path, SwallowingSource())


async def test_stop_ends_the_thread_while_batches_keep_failing(tmp_path: Path) -> None:
    source = SwallowingSource(failing=True)
    await run_and_stop(tmp_path, source)
    reads = source.reads
    await asyncio.sleep(1.2)
    assert source.reads == reads  # nothing keeps retrying after the stop


class CountingSource(EventSource):
    """One event after each position, up to 2."""

    name = "test"

    async def read(self, after: int, limit: int) -> list[RawEvent]:
        if after >= 2:
            return []
        at = "2026-12-03T08:00:00+00:00"
        return [RawEvent(seq=after + 1, type="test.noted", occurred_at=at, payload={})]

    async def head(self) -> int:
        return 2


async def test_a_batch_is_handed_for_warming_only_while_reports_are_hot(tmp_path: Path) -> None:
    warmed: list[int] = []
    hot = False

    async def warm(generation: int) -> None:
        warmed.append(generation)

    store = AnalyticsStore(tmp_path / "a.duckdb")
    store.open()
    try:
        projector = Projector(store, CountingSource(), warm=warm, hot=lambda: hot)
        assert await projector.step() == 1
        assert warmed == [] and projector.position == 1  # no report asked lately
        hot = True
        assert await projector.step() == 1
        assert warmed == [store.generation] and projector.position == 2
    finally:
        store.close()
