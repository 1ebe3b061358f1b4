"""The analytics store leaves no transaction open between batches: DuckDB frees the undo data
of committed batches, and checkpoints, only when no older transaction is still open. One
left open at start (a result half read on the store's own connection) kept every batch's
undo data for the life of the process: tens of MiB of memory, then temporary files, and
every checkpoint refused."""

from __future__ import annotations

from pathlib import Path

import duckdb

from pulse.analytics.store import AnalyticsStore


def _undo_mib(cur: duckdb.DuckDBPyConnection) -> float:
    rows = cur.execute(
        "SELECT coalesce(sum(memory_usage_bytes + temporary_storage_bytes), 0) "
        "FROM duckdb_memory() WHERE tag = 'TRANSACTION'"
    ).fetchall()
    return float(rows[0][0]) / 2**20


async def test_batches_leave_nothing_open_and_a_checkpoint_goes_through(tmp_path: Path) -> None:
    for _ in range(2):  # a new file, then one reopened (the upgrade check reads it)
        store = AnalyticsStore(tmp_path / "a.duckdb", memory_limit="64MB", threads=1)
        store.open()
        try:

            def batch(cur: duckdb.DuckDBPyConnection) -> None:
                cur.begin()
                for _ in range(20):
                    cur.execute(
                        "UPDATE projector_state SET events = events + 1, position = position + 1"
                    )
                cur.commit()

            for _ in range(100):
                await store.write(batch)
            # Refused ("other write transactions active") while any transaction is open.
            await store.write(lambda cur: cur.execute("CHECKPOINT").fetchall())
            assert await store.write(_undo_mib) < 1.0
        finally:
            store.close()
