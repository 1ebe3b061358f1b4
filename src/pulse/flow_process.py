"""The order flow's own process in the embedded mode.

One Python process has one interpreter lock. With the API, every consumer and the analytics
projector in it, a request waits while a batch holds the lock and a batch waits behind the
requests, so the server never uses a second core (docs/PERFORMANCE.md). With
`PULSE_FLOW_PROCESS`, an embedded server that would run the consumers starts some of them in
a second process instead, on the same database and data directory:

- `analytics`: the analytics store alone (its projector, and the app that answers /query,
  /stats and the live push, on a Unix socket). It reads the outbox and writes only DuckDB,
  so the two processes never wait for each other's writes; DuckDB's batches and the
  dashboards' reports no longer take turns with the requests for one interpreter lock.
- `all` (or true): inventory, orders, billing and documents too. The two processes then
  take the SQLite write lock in turn (`FileWriterLock`, consumers first), and under load
  their writes queue for it (docs/PERFORMANCE.md, "Two processes").

The API process keeps the requests and the relay, and hands /query and /stats on to that
socket (platform/forward.py). The stream is the outbox table as before; the processes ring
each other after a commit (`Bell`), so neither waits for a poll. It is off by default: a
second process holds about 140 MiB more.

The flow's process is a child of the server, named `pulse-flow` in `ps`: a stopping server
stops it first (`stop_with`), a killed one takes it along (`follow_parent`), and the server
starts it again if it dies.
"""

from __future__ import annotations

import asyncio
import contextlib
import multiprocessing
import os
import signal
import tempfile
import threading
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import structlog

from pulse.platform.child_process import follow_parent, name_process
from pulse.platform.settings import Settings

if TYPE_CHECKING:
    from fastapi import FastAPI

log = structlog.get_logger(__name__)

# What the second process runs, by `PULSE_FLOW_PROCESS`.
MOVED = {
    "all": ("inventory", "orders", "billing", "documents", "analytics"),
    "analytics": ("analytics",),
}
RESTART_SECONDS = 1.0
STOP_SECONDS = 15.0
SOCKET_PATH_MAX = 100


def split(settings: Settings) -> tuple[Settings, str | None]:
    """The serving process's settings, and the consumers its flow process runs (None: no
    flow process). With the analytics store there, the serving process hands /query and
    /stats on to it (`analytics_socket`)."""
    from pulse.bootstrap import CONSUMER_NAMES

    moved = MOVED.get(settings.flow_process, ())
    if not moved or settings.uses_nats:
        return settings, None
    if not settings.resolved_database_url.startswith("sqlite"):
        return settings, None
    mine = [name for name in CONSUMER_NAMES if settings.consumer_enabled(name)]
    flow = [name for name in mine if name in moved]
    if not flow:
        return settings, None
    rest = ",".join(name for name in mine if name not in moved) or "none"
    update: dict[str, object] = {"consumers": rest}
    if "analytics" in flow:
        update["analytics_socket"] = socket_path(settings)
    return settings.model_copy(update=update), ",".join(flow)


def socket_path(settings: Settings) -> str:
    """Where the flow process listens: in the data directory, or where a Unix socket's
    path fits (108 bytes) in a private directory of its own."""
    path = settings.data_dir.resolve() / "run" / "analytics.sock"
    if len(str(path)) > SOCKET_PATH_MAX:
        path = Path(tempfile.mkdtemp(prefix="pulse-")) / "analytics.sock"
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    return str(path)


def run(consumers: str, socket: str | None) -> None:
    """The flow process's main: the consumers named, no relay; with the analytics store,
    its app on the Unix socket for the serving process to hand /query on to."""
    follow_parent()
    name_process("pulse-flow")
    gather = Settings().flow_gather_seconds
    if socket is None:
        from pulse.cli import run_worker

        run_worker(consumers, consumer_gather_seconds=gather)
        return
    import uvicorn

    from pulse.app import create_app
    from pulse.platform.observability import configure_logging
    from pulse.platform.serving import uvicorn_options

    settings = Settings(
        consumers=consumers, relay=False, flow_process="off", consumer_gather_seconds=gather
    )
    configure_logging(settings.log_level, settings.log_json)
    with contextlib.suppress(FileNotFoundError):
        os.unlink(socket)  # left by a process that was killed
    uvicorn.run(
        create_app(settings=settings, freeze_heap=True), uds=socket, **uvicorn_options(settings)
    )


class FlowProcess:
    """Starts the flow's process, starts it again when it dies, stops it with the server."""

    def __init__(self, consumers: str, socket: str | None = None) -> None:
        self.consumers = consumers
        self.socket = socket
        self.starts = 0
        self._stopping = threading.Event()
        self._child: multiprocessing.process.BaseProcess | None = None
        self._lock = threading.Lock()
        # Starts the child, waits for it to end, starts it again, until `stop`.
        self._thread = threading.Thread(target=self._supervise, name="flow-process", daemon=True)

    @property
    def pid(self) -> int | None:
        child = self._child
        return child.pid if child is not None and child.is_alive() else None

    def start(self) -> None:
        self._thread.start()

    def _spawn(self) -> multiprocessing.process.BaseProcess:
        context = multiprocessing.get_context("spawn")
        child = context.Process(
            target=run,
            args=(self.consumers, self.socket),
            name="pulse-flow",
            daemon=False,
        )
        child.start()
        self.starts += 1
        return child

    def _supervise(self) -> None:
        while not self._stopping.is_set():
            with self._lock:
                if self._stopping.is_set():
                    return
                self._child = self._spawn()
            log.info("flow_process_started", pid=self._child.pid, consumers=self.consumers)
            self._child.join()
            if self._stopping.is_set():
                return
            log.warning("flow_process_ended", exitcode=self._child.exitcode)
            self._stopping.wait(RESTART_SECONDS)

    def stop(self) -> None:
        with self._lock:
            self._stopping.set()
            child = self._child
        if child is None:
            return
        if child.is_alive() and child.pid is not None:
            os.kill(child.pid, signal.SIGTERM)
        deadline = time.monotonic() + STOP_SECONDS
        child.join(STOP_SECONDS)
        if child.is_alive():
            child.kill()
            child.join(max(1.0, deadline - time.monotonic()))
        self._thread.join(1.0)


def stop_with(app: FastAPI, stop: Callable[[], None]) -> None:
    """Run `stop` (in a thread) as the app shuts down, before its own shutdown: uvicorn
    raises SIGTERM again once it has shut down, so code after `uvicorn.run` never runs on a
    SIGTERM, and the child would end with its parent instead of stopping in order."""
    inner = app.router.lifespan_context

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[Any]:
        async with inner(app) as state:
            try:
                yield state
            finally:
                await asyncio.to_thread(stop)

    app.router.lifespan_context = lifespan
