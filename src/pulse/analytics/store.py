"""The DuckDB file and the threads that use it.

DuckDB lets one process own a database file. This process opens it once, with the settings
every connection must live under — no file system or network access, no extension loading,
a memory limit, and the configuration locked — and hands out one cursor per thread: the
projector writes from a single thread, queries read from a small pool. Readers see the last
committed batch (DuckDB is MVCC), never a half-written one.

An open DuckDB database keeps memory after queries that join a stored table (tens of MiB
over thousands of the projector's batches, not given back by a checkpoint), and gives all of
it back when closed: `reopen` closes the database and opens it again between two batches,
with no read under way (docs/PERFORMANCE.md, "Where the embedded server's memory grows").
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TypeVar

import duckdb

from pulse.analytics.tables import SCHEMA_VERSION, TABLES

T = TypeVar("T")


class AnalyticsStoreBusy(RuntimeError):
    """Another process holds the DuckDB file."""


def locked_config(
    *, memory_limit: str, threads: int
) -> dict[str, str | bool | int | float | list[str]]:
    """What every connection to the analytics store lives under: no file system or network
    access, no extensions, a memory limit, and the configuration locked."""
    return {
        "threads": threads,
        "memory_limit": memory_limit,
        "enable_external_access": False,
        "autoinstall_known_extensions": False,
        "autoload_known_extensions": False,
        "allow_community_extensions": False,
        "lock_configuration": True,
    }


def connect(path: Path, *, memory_limit: str, threads: int) -> duckdb.DuckDBPyConnection:
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        con = duckdb.connect(
            str(path), config=locked_config(memory_limit=memory_limit, threads=threads)
        )
    except duckdb.IOException as exc:
        if "lock" in str(exc).lower():
            raise AnalyticsStoreBusy(
                f"the analytics file {path} is held by another process"
            ) from exc
        raise
    con.execute(TABLES).fetchall()
    con.execute(
        "INSERT INTO projector_state (id, schema_version, source, position, events) "
        "VALUES (1, ?, '', 0, 0) ON CONFLICT (id) DO NOTHING",
        [SCHEMA_VERSION],
    ).fetchall()
    _upgrade(con)
    return con


def _upgrade(con: duckdb.DuckDBPyConnection) -> None:
    """Bring a file written by an older version up to SCHEMA_VERSION, once."""
    # fetchall: a result left half read keeps its transaction open on this connection,
    # and while any transaction is open DuckDB can neither checkpoint nor free the undo
    # data of every batch committed after it (memory grew by tens of MiB per 10 minutes).
    rows = con.execute("SELECT schema_version FROM projector_state WHERE id = 1").fetchall()
    assert rows  # connect() inserts the state row before any upgrade
    ((version,),) = rows
    if version >= SCHEMA_VERSION:
        return
    con.begin()
    if version < 2:
        con.execute(
            "INSERT INTO open_invoices SELECT invoice_id, number, customer_id, issue_date, "
            "due_date, total, balance, status FROM invoices "
            "WHERE balance > 0 AND status <> 'void'"
        )
    con.execute("UPDATE projector_state SET schema_version = ? WHERE id = 1", [SCHEMA_VERSION])
    con.commit()


class AnalyticsStore:
    def __init__(
        self, path: Path, *, memory_limit: str = "256MB", threads: int = 2, readers: int = 4
    ) -> None:
        self.path = path
        self.memory_limit = memory_limit
        self.threads = threads
        self._con: duckdb.DuckDBPyConnection | None = None
        self._writer: ThreadPoolExecutor | None = None
        self._readers: ThreadPoolExecutor | None = None
        self._reader_count = readers
        self._local = threading.local()
        self._cursors: list[duckdb.DuckDBPyConnection] = []
        self._lock = threading.Lock()
        # Reads under way, and whether a reopen waits for them to end before it begins.
        self._gate = threading.Condition()
        self._reading = 0
        self._reopening = False
        self._epoch = 0  # a cursor of an earlier epoch belongs to a database now closed
        self.reopens = 0
        # Moves on after every write. A read that takes the value before it begins its
        # transaction (`snapshot`) sees at least every write up to that value, so its answer
        # may be reused while the value stands.
        self.generation = 0

    @property
    def is_open(self) -> bool:
        # Open through a reopen: its reads wait for it rather than being refused.
        return self._con is not None or (self._reopening and self._writer is not None)

    def open(self) -> None:
        if self._con is not None:
            return
        self._con = connect(self.path, memory_limit=self.memory_limit, threads=self.threads)
        self._writer = ThreadPoolExecutor(1, thread_name_prefix="olap-writer")
        self._readers = ThreadPoolExecutor(self._reader_count, thread_name_prefix="olap-reader")

    def close(self) -> None:
        for pool in (self._writer, self._readers):
            if pool is not None:
                pool.shutdown(wait=True, cancel_futures=True)
        self._writer = self._readers = None
        self._close_database()
        self._local = threading.local()

    def _close_database(self) -> None:
        """Close every thread's cursor, then the database."""
        with self._lock:
            for cursor in self._cursors:
                with contextlib.suppress(Exception):
                    cursor.close()
            self._cursors.clear()
        if self._con is not None:
            self._con.close()
            self._con = None

    def cursor(self) -> duckdb.DuckDBPyConnection:
        """This thread's connection to the database."""
        cursor = getattr(self._local, "cursor", None)
        if cursor is None or self._local.epoch != self._epoch:
            if self._con is None:
                raise RuntimeError("the analytics store is not open")
            cursor = self._con.cursor()
            self._local.cursor, self._local.epoch = cursor, self._epoch
            with self._lock:
                self._cursors.append(cursor)
        return cursor

    async def reopen(self) -> None:
        """Close the database and open it again, on the writer's thread (so between two
        batches) once no read is under way; reads asked meanwhile wait for it (tens of ms)."""
        if self._writer is None:
            raise RuntimeError("the analytics store is not open")
        await asyncio.get_running_loop().run_in_executor(self._writer, self._reopen)

    def _reopen(self) -> None:
        with self._gate:
            self._reopening = True
            self._gate.wait_for(lambda: self._reading == 0)
        try:
            self._close_database()
            self._epoch += 1
            self._con = connect(self.path, memory_limit=self.memory_limit, threads=self.threads)
            self.reopens += 1
        finally:
            with self._gate:
                self._reopening = False
                self._gate.notify_all()
        _trim_malloc()

    async def write(self, fn: Callable[[duckdb.DuckDBPyConnection], T]) -> T:
        if self._writer is None:
            raise RuntimeError("the analytics store is not open")
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._writer, lambda: self._write(fn))

    def _write(self, fn: Callable[[duckdb.DuckDBPyConnection], T]) -> T:
        if self._con is None:  # a reopen failed to open it again: once more
            self._reopen()
        try:
            return fn(self.cursor())
        finally:
            self.generation += 1

    async def read(self, fn: Callable[[duckdb.DuckDBPyConnection], T]) -> T:
        if self._readers is None:
            raise RuntimeError("the analytics store is not open")
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._readers, lambda: self._read(fn))

    def _read(self, fn: Callable[[duckdb.DuckDBPyConnection], T]) -> T:
        with self._gate:
            self._gate.wait_for(lambda: not self._reopening)
            self._reading += 1
        try:
            return fn(self.cursor())
        finally:
            with self._gate:
                self._reading -= 1
                self._gate.notify_all()


def _trim_malloc() -> None:
    """Hand the pages the C allocator holds free back to the system (glibc; elsewhere
    nothing): what a closed database gave back would otherwise stay in the process."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)


def snapshot(cur: duckdb.DuckDBPyConnection, fn: Callable[[duckdb.DuckDBPyConnection], T]) -> T:
    """`fn` in one read transaction: every statement of a report sees the same batches (a
    batch committed between two of them would otherwise show in one figure and not in the
    next). Ended at once: an open transaction keeps DuckDB from freeing older versions."""
    cur.begin()
    try:
        return fn(cur)
    finally:
        cur.rollback()
