"""The analytics store is closed and opened again between batches, giving back the memory an
open DuckDB database keeps: nothing written is lost, no read sees a closed database, and the
projector does it after its batches and after a quiet spell."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest

from pulse.analytics.projector import Projector
from pulse.analytics.store import AnalyticsStore
from tests.unit.analytics.test_dashboard_latency import ListSource, placed


def _events(cur: duckdb.DuckDBPyConnection) -> int:
    return int(cur.execute("SELECT events FROM projector_state").fetchall()[0][0])


def _count(cur: duckdb.DuckDBPyConnection) -> int:
    cur.execute("UPDATE projector_state SET events = events + 1")
    return _events(cur)


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[AnalyticsStore]:
    opened = AnalyticsStore(tmp_path / "a.duckdb", memory_limit="64MB", threads=1, readers=2)
    opened.open()
    yield opened
    opened.close()


async def test_what_was_written_stays_and_every_thread_reads_through_a_new_cursor(
    store: AnalyticsStore,
) -> None:
    for _ in range(3):
        await store.write(_count)
    old_reader = await store.read(lambda cur: cur)
    old_writer = await store.write(lambda cur: cur)

    await store.reopen()

    assert store.reopens == 1
    assert store.is_open
    assert await store.read(_events) == 3
    assert await store.write(_count) == 4
    for old in (old_reader, old_writer):  # the closed database's cursors are closed too
        with pytest.raises(duckdb.ConnectionException):
            old.execute("SELECT 1").fetchall()
    assert await store.read(lambda cur: cur) is not old_reader


async def test_a_reopen_waits_for_the_read_under_way_and_reads_asked_meanwhile_wait_for_it(
    store: AnalyticsStore,
) -> None:
    await store.write(_count)
    release = threading.Event()

    def slow(cur: duckdb.DuckDBPyConnection) -> int:
        events = _events(cur)
        release.wait(10)
        return events + _events(cur)  # still the same database at its end

    reading = asyncio.create_task(store.read(slow))
    await asyncio.sleep(0.1)
    reopening = asyncio.create_task(store.reopen())
    await asyncio.sleep(0.2)
    assert not reopening.done()  # waits for the read
    later = asyncio.create_task(store.read(_events))
    await asyncio.sleep(0.1)
    assert not later.done()  # a read asked meanwhile waits for the reopen
    release.set()
    assert await reading == 2
    await reopening
    assert await later == 1
    assert store.reopens == 1


async def test_a_write_after_a_failed_reopen_opens_the_store_again(
    store: AnalyticsStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    await store.write(_count)
    from pulse.analytics import store as module

    real = module.connect
    monkeypatch.setattr(module, "connect", lambda *a, **k: (_ for _ in ()).throw(OSError("full")))
    with pytest.raises(OSError):
        await store.reopen()
    monkeypatch.setattr(module, "connect", real)
    assert not store.is_open  # refused, not half open
    assert await store.write(_count) == 2
    assert await store.read(_events) == 2


async def test_the_projector_reopens_after_its_batches_and_after_a_quiet_spell(
    tmp_path: Path,
) -> None:
    now = datetime.now(UTC)
    source = ListSource([placed(seq, now) for seq in range(1, 6)])
    store = AnalyticsStore(tmp_path / "a.duckdb", memory_limit="64MB", threads=1)
    projector = Projector(
        store,
        source,
        batch_size=1,
        gather_seconds=0,
        idle_seconds=0.05,
        reopen_batches=2,
        reopen_idle_seconds=0.5,
    )
    await projector.start()
    try:
        assert await projector.wait_for(5)
        assert store.reopens == 2  # after batches 2 and 4
        assert (await projector.stats())["reopens"] == 2
        async with asyncio.timeout(10):  # batch 5, then nothing for half a second
            while store.reopens < 3:  # noqa: ASYNC110 - the store offers no event to wait on
                await asyncio.sleep(0.05)
        await asyncio.sleep(1.2)
        assert store.reopens == 3  # once per quiet spell, not again and again
        sold = await store.read(lambda cur: cur.execute("SELECT count(*) FROM orders").fetchall())
        assert sold == [(5,)]
        assert projector.last_error is None
    finally:
        await projector.stop()
