"""Run the projector outside the server: replay into a fresh file and swap it in
(`pulse analytics rebuild`), or catch an existing file up (`pulse analytics project`)."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import duckdb
import structlog

from pulse.analytics.projector import Projector
from pulse.analytics.service import make_source
from pulse.analytics.store import AnalyticsStore, AnalyticsStoreBusy, connect
from pulse.platform.settings import Settings

log = structlog.get_logger(__name__)
Progress = Callable[[int, int], None]


@dataclass
class Replay:
    events: int
    position: int
    seconds: float

    @property
    def rate(self) -> float:
        return self.events / self.seconds if self.seconds else 0.0


def wal_of(path: Path) -> Path:
    return path.with_name(path.name + ".wal")


def ensure_free(path: Path) -> None:
    """Refuse while another process holds the file (e.g. a running server)."""
    if not path.exists():
        return
    try:
        con = duckdb.connect(str(path), config={"enable_external_access": False})
    except duckdb.Error as exc:
        raise AnalyticsStoreBusy(
            f"{path} is in use by another process (a running Pulse server?): stop it first"
        ) from exc
    con.close()


async def project(
    settings: Settings,
    path: Path,
    *,
    batch_size: int,
    until_caught_up: bool = True,
    progress: Progress | None = None,
) -> Replay:
    """Apply events from the configured source to the store at `path`."""
    # Large batches, nobody asking reports: a second DuckDB thread pays here, where the live
    # store's small batches run faster on one (docs/PERFORMANCE.md, projector batch).
    store = AnalyticsStore(
        path, memory_limit=settings.olap_memory_limit, threads=max(settings.olap_threads, 2)
    )
    source = make_source(settings)
    projector = Projector(store, source, batch_size=batch_size)
    store.open()
    started = time.perf_counter()
    applied = 0
    try:
        await source.start()
        projector.position = await store.read(
            lambda cur: cur.execute("SELECT position FROM projector_state").fetchall()[0][0]
        )
        head = await source.head()
        log.info("analytics_projecting", path=str(path), position=projector.position, head=head)
        while True:
            count = await projector.step()
            applied += count
            if progress is not None:
                progress(projector.position, max(head, projector.position))
            if count:
                continue
            if until_caught_up:
                head = await source.head()
                if projector.position >= head:
                    break
            await source.wait(0.5)
    finally:
        await source.stop()
        store.close()
    return Replay(applied, projector.position, time.perf_counter() - started)


async def rebuild(
    settings: Settings, *, batch_size: int = 20_000, progress: Progress | None = None
) -> Replay:
    """Replay every event into a fresh file, then put it in place of the current one."""
    target = settings.resolved_olap_path
    ensure_free(target)
    fresh = target.with_name(target.name + ".rebuild")
    for leftover in (fresh, wal_of(fresh)):
        leftover.unlink(missing_ok=True)
    connect(fresh, memory_limit=settings.olap_memory_limit, threads=1).close()
    replay = await project(settings, fresh, batch_size=batch_size, progress=progress)
    ensure_free(target)
    # The old file's write-ahead log belongs to it alone: it must not be replayed into the
    # new one. The fresh file was closed cleanly, so it has none.
    with contextlib.suppress(FileNotFoundError):
        wal_of(target).unlink()
    fresh.replace(target)
    return replay
