"""Analysts' SQL in a process of its own, on a read-only snapshot of the analytics store.

The serving process keeps the DuckDB file open for writing, and DuckDB bounds neither the
memory of a value a query builds (`repeat`, `lpad`, a `range` list) nor the time of one
function call. So an analyst's query runs elsewhere:

- on a snapshot: the store's file and its write-ahead log, copied on the writer thread
  (so no write lands in between) into a generation of its own, and taken again when it is
  older than `max_age_seconds` and the projector has moved since;
- in a worker process that opens the snapshot READ_ONLY (DuckDB refuses any write to it),
  with an address-space limit, so a query that builds gigabytes fails with "out of memory"
  inside the worker, and with the same locked configuration as the store (no files, no
  network, no extensions);
- the serving process waits for the answer at most the query's time limit, then kills the
  worker and starts another for the next query.

`sandbox.run_sql` does the rest inside the worker: one SELECT, a read-only transaction, the
row and byte caps. One query runs at a time; another waits its turn within its time limit.
"""

from __future__ import annotations

import asyncio
import contextlib
import multiprocessing
import resource
import shutil
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import duckdb
import structlog

from pulse.analytics.sandbox import InvalidQuery, QueryNotAllowed, QueryTimeout, QueryTooLarge
from pulse.analytics.store import AnalyticsStore, locked_config
from pulse.platform.child_process import follow_parent
from pulse.platform.errors import PulseError, TooManyRequests

log = structlog.get_logger(__name__)
# A refusal crosses the pipe as (status, code, detail, field) and is raised again as its class.
_REFUSALS: dict[str, type[PulseError]] = {
    kind.code: kind for kind in (InvalidQuery, QueryNotAllowed, QueryTimeout, QueryTooLarge)
}


@dataclass(frozen=True)
class SqlRequest:
    snapshot: str
    sql: str
    row_limit: int
    byte_limit: int
    timeout_seconds: float


# -- the worker process ----------------------------------------------------------------------
def _open(path: str, memory_limit: str) -> duckdb.DuckDBPyConnection:
    return duckdb.connect(
        path, read_only=True, config=locked_config(memory_limit=memory_limit, threads=1)
    )


def serve(
    conn: Connection, address_space_bytes: int, memory_limit: str, idle_seconds: float
) -> None:
    """The worker's loop: one request in, one answer out, until the pipe closes or no
    request has come for `idle_seconds` (the memory goes back; the next query starts a new
    worker)."""
    from pulse.analytics.sandbox import run_sql

    # Ctrl-C reaches the whole process group: the serving process ends this one.
    follow_parent()
    resource.setrlimit(resource.RLIMIT_AS, (address_space_bytes, address_space_bytes))
    path, db = "", None
    while True:
        try:
            if not conn.poll(idle_seconds):
                return
            request: SqlRequest | None = conn.recv()
        except (EOFError, OSError):  # the serving process is gone
            return
        if request is None:
            return
        try:
            if request.snapshot != path:
                if db is not None:
                    db.close()
                db, path = None, ""
                db, path = _open(request.snapshot, memory_limit), request.snapshot
            assert db is not None  # opened just above when it was not
            cursor = db.cursor()
            try:
                answer: tuple[Any, ...] = (
                    "ok",
                    run_sql(
                        cursor,
                        request.sql,
                        row_limit=request.row_limit,
                        timeout_seconds=request.timeout_seconds,
                        byte_limit=request.byte_limit,
                    ),
                )
            finally:
                cursor.close()
        except PulseError as exc:
            answer = ("refused", exc.status, exc.code, exc.detail, exc.field)
        except MemoryError:
            too_large = QueryTooLarge("the query needs too much memory", field="sql")
            answer = ("refused", too_large.status, too_large.code, too_large.detail, "sql")
        except Exception as exc:  # the snapshot would not open: say so, keep serving
            detail = f"the analytics snapshot could not be read: {exc}"[:2000]
            answer = ("refused", 503, "analytics_unavailable", detail, None)
        conn.send(answer)


# -- the serving process's side --------------------------------------------------------------
class SqlProcess:
    """Runs analysts' queries in a worker process on a fresh enough snapshot of `store`."""

    def __init__(
        self,
        store: AnalyticsStore,
        *,
        max_age_seconds: float = 5.0,
        address_space_bytes: int = 1024 * 1024 * 1024,
        memory_limit: str = "256MB",
        idle_seconds: float = 120.0,
    ) -> None:
        self.store = store
        self.idle_seconds = idle_seconds
        self.folder = store.path.with_name(store.path.name + ".sql-snapshots")
        self.max_age_seconds = max_age_seconds
        self.address_space_bytes = address_space_bytes
        self.memory_limit = memory_limit
        self._lock = asyncio.Lock()
        self._generation = 0
        self._snapshot: Path | None = None
        self._taken_at = 0.0
        self._taken_position: int | None = None
        self._worker: multiprocessing.process.BaseProcess | None = None
        self._conn: Connection | None = None

    async def run(
        self,
        sql: str,
        *,
        position: int,
        row_limit: int,
        byte_limit: int,
        timeout_seconds: float,
    ) -> dict[str, Any]:
        """The answer of one query, or a `PulseError` (422 for the query's own failures,
        429 while other queries keep the worker busy past this one's time limit)."""
        started = time.monotonic()
        try:
            await asyncio.wait_for(self._lock.acquire(), timeout_seconds)
        except TimeoutError:
            raise TooManyRequests(
                "other queries are running; try again shortly",
                code="sql_busy",
                extra={"retry_after": max(1, round(timeout_seconds))},
            ) from None
        try:
            snapshot = await self._fresh_snapshot(position)
            left = round(max(0.05, timeout_seconds - (time.monotonic() - started)), 2)
            request = SqlRequest(str(snapshot), sql, row_limit, byte_limit, left)
            answer = await asyncio.to_thread(self._ask, request, left + 1.0)
        finally:
            self._lock.release()
        if answer[0] == "ok":
            return dict(answer[1])
        _, status, code, detail, field = answer
        kind = _REFUSALS.get(code, PulseError)
        raise kind(detail, status=status, code=code, field=field)

    def close(self) -> None:
        self._stop_worker()
        shutil.rmtree(self.folder, ignore_errors=True)

    # -- the snapshot --------------------------------------------------------------------
    async def _fresh_snapshot(self, position: int) -> Path:
        fresh = time.monotonic() - self._taken_at < self.max_age_seconds
        if self._snapshot is not None and (fresh or position == self._taken_position):
            return self._snapshot
        self._generation += 1
        target = self.folder / f"g{self._generation}.duckdb"
        # On the writer thread: no batch is being written while the files are copied.
        await self.store.write(lambda _cursor: self._copy(target))
        previous, self._snapshot = self._snapshot, target
        self._taken_at, self._taken_position = time.monotonic(), position
        if previous is not None:  # the worker reopens at the next query; its open file lives
            for old in (previous, previous.with_name(previous.name + ".wal")):
                old.unlink(missing_ok=True)
        return target

    def _copy(self, target: Path) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        source = self.store.path
        wal = source.with_name(source.name + ".wal")
        shutil.copyfile(source, target)
        if wal.exists():
            shutil.copyfile(wal, target.with_name(target.name + ".wal"))

    # -- the worker ----------------------------------------------------------------------
    def _ask(
        self, request: SqlRequest, wait_seconds: float, *, retried: bool = False
    ) -> tuple[Any, ...]:
        """Send one request and wait for its answer; a late or dead worker is killed and the
        query reported as too slow or too large."""
        conn = self._ensure_worker()
        worker = self._worker
        try:
            conn.send(request)
            if conn.poll(wait_seconds):
                return tuple(conn.recv())
            error: PulseError = QueryTimeout(
                f"the query ran longer than {request.timeout_seconds:g} s", field="sql"
            )
        except (EOFError, OSError):
            if worker is not None:
                worker.join(timeout=5)
            if not retried and worker is not None and worker.exitcode == 0:
                # It had just ended, idle, as the request went out: once more, on a new one.
                return self._ask(request, wait_seconds, retried=True)
            # Killed mid-query: the kernel ended it for its memory.
            error = QueryTooLarge("the query needs too much memory", field="sql")
        log.warning("analytics_sql_worker_stopped", reason=error.code)
        self._stop_worker()
        return ("refused", error.status, error.code, error.detail, "sql")

    def _ensure_worker(self) -> Connection:
        if self._worker is not None and self._worker.is_alive() and self._conn is not None:
            return self._conn
        self._stop_worker()
        context = multiprocessing.get_context("spawn")
        parent, child = context.Pipe()
        worker = context.Process(
            target=serve,
            args=(child, self.address_space_bytes, self.memory_limit, self.idle_seconds),
            name="pulse-sql",
            daemon=True,
        )
        worker.start()
        child.close()
        self._worker, self._conn = worker, parent
        return parent

    def _stop_worker(self) -> None:
        worker, conn = self._worker, self._conn
        self._worker = self._conn = None
        if conn is not None:
            with contextlib.suppress(OSError):
                conn.close()
        if worker is not None:
            worker.kill()
            worker.join(timeout=5)
