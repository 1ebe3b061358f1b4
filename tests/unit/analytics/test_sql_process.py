"""Analysts' SQL runs in a worker process on a read-only snapshot: a query that builds
gigabytes or never ends costs the worker, never the serving process, and nothing it does
reaches the store."""

from __future__ import annotations

import resource
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from pulse.analytics.sandbox import QueryNotAllowed, QueryTimeout, QueryTooLarge
from pulse.analytics.sql_process import SqlProcess, SqlRequest
from pulse.analytics.store import AnalyticsStore
from tests.unit.analytics.test_sandbox import SEED

# Each builds one value of gigabytes inside a single function call: DuckDB's memory limit
# does not see it and its interrupt does not stop it.
AMPLIFIERS = [
    "SELECT range(100000000)",
    "SELECT lpad('x', 2000000000, 'y')",
    "SELECT repeat('x', 4000000) FROM range(300)",
]
NEVER = "SELECT count(*) FROM range(1000000) a, range(1000000) b WHERE a.range + b.range < 0"


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[AnalyticsStore]:
    store = AnalyticsStore(tmp_path / "a.duckdb")
    store.open()
    for sql in SEED:
        store.cursor().execute(sql).fetchall()
    yield store
    store.close()


@pytest.fixture
async def sql(store: AnalyticsStore) -> AsyncIterator[SqlProcess]:
    process = SqlProcess(store, max_age_seconds=0, address_space_bytes=1024 * 1024 * 1024)
    yield process
    process.close()


async def ask(sql: SqlProcess, query: str, *, position: int = 1, **kw: float) -> dict:
    kw.setdefault("timeout_seconds", 10.0)
    return await sql.run(
        query,
        position=position,
        row_limit=int(kw.pop("row_limit", 1000)),
        byte_limit=int(kw.pop("byte_limit", 1_000_000)),
        **kw,
    )


async def orders(store: AnalyticsStore) -> int:
    return int(await store.read(lambda c: c.execute("SELECT count(*) FROM orders").fetchone()[0]))


async def test_a_query_answers_from_a_snapshot_that_follows_the_projector(
    store: AnalyticsStore, sql: SqlProcess
) -> None:
    assert (await ask(sql, "SELECT count(*) FROM orders"))["rows"] == [[3]]
    await store.write(lambda c: c.execute("DELETE FROM orders WHERE number = 'SO-3'"))
    # The same position: the snapshot is still good.
    assert (await ask(sql, "SELECT count(*) FROM orders", position=1))["rows"] == [[3]]
    # The projector moved: a new snapshot.
    assert (await ask(sql, "SELECT count(*) FROM orders", position=2))["rows"] == [[2]]
    generations = {p.name.split(".")[0] for p in sql.folder.iterdir()}
    assert generations == {"g2"}  # the old generation is gone


@pytest.mark.parametrize("query", AMPLIFIERS)
async def test_a_query_that_builds_gigabytes_costs_the_serving_process_nothing(
    store: AnalyticsStore, sql: SqlProcess, query: str
) -> None:
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    try:
        out = await ask(sql, query, byte_limit=100_000)
    except QueryTooLarge as exc:
        assert exc.status == 422 and exc.code == "query_too_large"
    else:  # the engine kept within its limits: the answer is cut at the byte cap
        assert out["truncated"] is True
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    assert grown_mb < 200
    assert (await ask(sql, "SELECT count(*) FROM orders"))["rows"] == [[3]]


async def test_a_late_worker_is_killed_and_replaced(sql: SqlProcess) -> None:
    await ask(sql, "SELECT 1")
    worker = sql._worker
    assert worker is not None and worker.is_alive()
    snapshot = str(sql._snapshot)
    started = time.monotonic()
    answer = sql._ask(SqlRequest(snapshot, NEVER, 10, 10_000, 60.0), wait_seconds=0.3)
    assert answer[:3] == ("refused", 422, "query_timeout")
    assert time.monotonic() - started < 10
    assert not worker.is_alive()
    assert (await ask(sql, "SELECT 2"))["rows"] == [[2]]
    assert sql._worker is not None and sql._worker.pid != worker.pid


async def test_a_slow_query_is_stopped_by_its_time_limit(sql: SqlProcess) -> None:
    with pytest.raises(QueryTimeout):
        await ask(sql, NEVER, timeout_seconds=0.5)
    assert (await ask(sql, "SELECT 3"))["rows"] == [[3]]


@pytest.mark.parametrize(
    "query",
    [
        "WITH gone AS (DELETE FROM orders RETURNING *) SELECT count(*) FROM gone",
        "DELETE FROM orders",
        "CREATE TABLE stolen AS SELECT * FROM orders",
    ],
)
async def test_writes_reach_neither_the_snapshot_nor_the_store(
    store: AnalyticsStore, sql: SqlProcess, query: str
) -> None:
    with pytest.raises(QueryNotAllowed):
        await ask(sql, query)
    assert (await ask(sql, "SELECT count(*) FROM orders"))["rows"] == [[3]]
    assert await orders(store) == 3


async def test_an_idle_worker_ends_and_the_next_query_starts_another(
    store: AnalyticsStore,
) -> None:
    sql = SqlProcess(store, max_age_seconds=0, idle_seconds=0.2)
    try:
        await ask(sql, "SELECT 1")
        worker = sql._worker
        assert worker is not None
        worker.join(timeout=10)
        assert not worker.is_alive()
        assert (await ask(sql, "SELECT 4"))["rows"] == [[4]]
    finally:
        sql.close()


async def test_closing_ends_the_worker_and_removes_the_snapshots(sql: SqlProcess) -> None:
    await ask(sql, "SELECT 1")
    worker = sql._worker
    assert worker is not None and sql.folder.is_dir()
    sql.close()
    assert not worker.is_alive()
    assert not sql.folder.exists()
