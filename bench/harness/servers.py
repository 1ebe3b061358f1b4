"""Start and stop the product the way an operator would, and watch its processes.

`embedded`: `pulse db upgrade`, then one `pulse serve --consumers all --relay` process on a
SQLite file in a temporary data directory (the wiring of `pulse up`).

`services`: a fresh PostgreSQL database, `pulse db upgrade`, then three processes: the API
(`pulse serve`, no consumers, no relay), `pulse relay` and `pulse worker all`, with a bus
stream and subject prefix of their own when the bus is NATS.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib.util
import os
import secrets
import shutil
import subprocess
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp

from bench.harness.cli import log, pg_parts
from bench.harness.load import mint_token
from bench.harness.processes import (
    PULSE,
    Proc,
    clean_env,
    cpu_seconds,
    free_port,
    named_children,
    sched_seconds,
)


def nats_backend_present() -> bool:
    return importlib.util.find_spec("pulse.platform.bus.nats") is not None


@dataclass
class Deployment:
    mode: str
    workdir: Path
    env: dict[str, str]
    base_url: str
    procs: list[Proc] = field(default_factory=list)
    wiring: dict[str, object] = field(default_factory=dict)
    database_url: str = ""
    admin_dsn: str = ""
    database_name: str | None = None
    nats_stream: str | None = None
    ready_path: str = "/readyz"

    @property
    def sqlite_path(self) -> Path | None:
        prefix = "sqlite+aiosqlite:///"
        if self.database_url.startswith(prefix):
            return Path(self.database_url[len(prefix) :])
        return None

    @property
    def pg_dsn(self) -> str | None:
        if self.database_url.startswith("postgresql+asyncpg://"):
            return "postgresql://" + self.database_url.split("://", 1)[1]
        return None

    def start(self) -> None:
        for proc in self.procs:
            proc.start(self.env, self.workdir)

    def dead(self) -> list[Proc]:
        return [p for p in self.procs if not p.alive()]

    def memory(self) -> dict[str, object]:
        """Peak and current RSS of each process started, and of each named helper process
        it started (the embedded server's `pulse-flow`); the sum counts them all."""
        per: dict[str, dict[str, float | None]] = {}
        for p in self.procs:
            per[p.name] = {"peak_rss_mib": p.peak_rss_mib(), "rss_mib": p.rss_mib()}
            if p.popen is not None:
                per.update(named_children(p.pid))
        peaks = [v["peak_rss_mib"] for v in per.values() if v["peak_rss_mib"] is not None]
        return {"processes": per, "peak_rss_mib_sum": round(sum(peaks), 1) if peaks else None}

    def cpu(self) -> dict[str, float | None]:
        return {p.name: cpu_seconds(p.pid) for p in self.procs}

    def tree_cpu(self) -> float:
        """CPU seconds of every process and its live descendants (a render pool, say)."""
        return sum(p.tree_cpu() for p in self.procs if p.popen is not None)

    def sched(self) -> dict[str, tuple[float, float] | None]:
        return {p.name: sched_seconds(p.pid) for p in self.procs}

    def stop(self) -> dict[str, int | None]:
        return {p.name: p.stop() for p in self.procs}

    def check(self, ok: object, problem: str) -> None:
        """Stop the run with `problem` and the processes' last log lines unless `ok`."""
        if not ok:
            raise RuntimeError(f"{problem}\n{self.tails()}")

    def tails(self) -> str:
        """The last lines of every process's log, for an error message."""
        return "\n".join(f"--- {p.name}\n{p.log_tail()}" for p in self.procs)


def _upgrade(env: dict[str, str], cwd: Path) -> None:
    done = subprocess.run(
        [PULSE, "db", "upgrade"], env=env, cwd=cwd, capture_output=True, text=True, timeout=180
    )
    if done.returncode != 0:
        raise RuntimeError(f"`pulse db upgrade` failed:\n{done.stdout}\n{done.stderr}")


def embedded(workdir: Path, secret: str, *, flow_process: str = "off") -> Deployment:
    """`pulse serve --consumers all --relay` on SQLite; `flow_process` is its
    PULSE_FLOW_PROCESS (what runs in a second process: "off", "analytics" or "all")."""
    port = free_port()
    data = workdir / "data"
    data.mkdir(parents=True, exist_ok=True)
    url = f"sqlite+aiosqlite:///{(data / 'pulse.db').resolve()}"
    env = clean_env(
        {
            "PULSE_DATA_DIR": str(data),
            "PULSE_JWT_SECRET": secret,
            "PULSE_FLOW_PROCESS": flow_process,
        }
    )
    _upgrade(env, workdir)
    serve = Proc(
        "pulse serve --consumers all --relay",
        [
            PULSE,
            "serve",
            "--consumers",
            "all",
            "--relay",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        workdir / "serve.log",
    )
    return Deployment(
        mode="embedded",
        workdir=workdir,
        env=env,
        base_url=f"http://127.0.0.1:{port}",
        procs=[serve],
        database_url=url,
        wiring={
            "database": "SQLite (WAL) file",
            "bus": "embedded (in-process)",
            "processes": ["pulse serve --consumers all --relay"]
            + ([] if flow_process == "off" else [f"pulse-flow ({flow_process})"]),
        },
    )


async def _admin(admin_dsn: str, statement: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(admin_dsn)
    try:
        await conn.execute(statement)
    finally:
        await conn.close()


async def create_database(admin_dsn: str, name: str) -> None:
    await _admin(admin_dsn, f'CREATE DATABASE "{name}"')


async def drop_database(admin_dsn: str, name: str) -> None:
    await _admin(admin_dsn, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def delete_nats_stream(url: str, stream: str) -> None:
    import nats

    with contextlib.suppress(Exception):
        nc = await nats.connect(url, connect_timeout=3, max_reconnect_attempts=0)
        try:
            await nc.jetstream().delete_stream(stream)
        finally:
            await nc.close()


# The services mode on this machine: one API process and one consumer process per core.
API_PROCESSES = max(1, min(4, os.cpu_count() or 1))
WORKER_PROCESSES = API_PROCESSES


async def services(
    workdir: Path,
    secret: str,
    *,
    admin_dsn: str,
    pg_host: str,
    run_id: str,
    bus: str,
    nats_url: str,
    api_processes: int = API_PROCESSES,
    worker_processes: int = WORKER_PROCESSES,
    settings: dict[str, str] | None = None,
) -> Deployment:
    """`bus` is "nats" or "embedded" (the outbox read by polling, across processes);
    `settings` are further PULSE_* variables for every process."""
    port = free_port()
    name = f"pulse_bench_{run_id}"
    await create_database(admin_dsn, name)
    url = f"postgresql+asyncpg://{pg_host}/{name}"
    extra = {
        "PULSE_DATA_DIR": str(workdir / "data"),
        "PULSE_JWT_SECRET": secret,
        "PULSE_DATABASE_URL": url,
    }
    stream = None
    if bus == "nats":
        stream = f"PULSE_BENCH_{run_id}".upper()
        extra.update(
            PULSE_BUS_URL=nats_url,
            PULSE_NATS_STREAM=stream,
            PULSE_NATS_SUBJECT_PREFIX=f"pulse_bench_{run_id}",
        )
    extra.update(settings or {})
    env = clean_env(extra)
    deployment = Deployment(
        mode="services",
        workdir=workdir,
        env=env,
        base_url=f"http://127.0.0.1:{port}",
        database_url=url,
        admin_dsn=admin_dsn,
        database_name=name,
        nats_stream=stream,
        wiring={
            "database": f"PostgreSQL, fresh database {name}",
            "bus": f"NATS JetStream ({nats_url}, stream {stream})"
            if bus == "nats"
            else "embedded bus over PostgreSQL (outbox polled across processes; no NATS)",
            "processes": [
                f"pulse serve --workers {api_processes}",
                "pulse relay",
                f"pulse worker all --processes {worker_processes}",
            ],
        },
    )
    await asyncio.to_thread(_upgrade, env, workdir)
    deployment.procs = [
        Proc(
            "pulse serve",
            [
                PULSE,
                "serve",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--workers",
                str(api_processes),
            ],
            workdir / "serve.log",
        ),
        Proc("pulse relay", [PULSE, "relay"], workdir / "relay.log"),
        Proc(
            "pulse worker all",
            [PULSE, "worker", "all", "--processes", str(worker_processes)],
            workdir / "worker.log",
        ),
    ]
    return deployment


async def wait_ready(deployment: Deployment, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    last = ""
    async with aiohttp.ClientSession() as session:
        while time.monotonic() < deadline:
            dead = deployment.dead()
            if dead:
                code = dead[0].popen.returncode if dead[0].popen else "?"
                raise RuntimeError(f"{dead[0].name} exited with {code}:\n{dead[0].log_tail()}")
            try:
                async with session.get(deployment.base_url + deployment.ready_path) as resp:
                    last = await resp.text()
                    if resp.status == 200:
                        return
            except aiohttp.ClientError as exc:
                last = repr(exc)
            await asyncio.sleep(0.1)
    raise RuntimeError(f"the API did not become ready in {timeout:.0f} s: {last}")


async def launch(deployment: Deployment, timeout: float = 60.0) -> str:
    """Start the processes, wait until the API is ready, and answer an admin token."""
    token = mint_token(deployment.env["PULSE_JWT_SECRET"])
    deployment.start()
    await wait_ready(deployment, timeout)
    log(f"{deployment.mode}: ready at {deployment.base_url}; creating customers and products")
    return token


def admin_dsn(pg: str) -> str:
    """The maintenance database of the server `user@host:port`."""
    parts = pg_parts(pg)
    return f"postgresql://{parts['user']}@{parts['host']}:{parts['port']}/postgres"


def resolve_bus(asked: str) -> str:
    """`auto` is NATS when the backend exists, else the embedded bus over PostgreSQL."""
    if asked != "auto":
        return asked
    return "nats" if nats_backend_present() else "embedded"


@contextlib.asynccontextmanager
async def deployed(
    mode: str,
    *,
    prefix: str,
    run_id: str,
    pg: str = "postgres@127.0.0.1:5432",
    nats_url: str = "nats://127.0.0.1:4222",
    bus: str = "nats",
    keep: bool = False,
    keep_workdir: bool = False,
) -> AsyncIterator[Deployment]:
    """A fresh deployment of `mode` in a work directory of its own, not started yet:
    "embedded", "embedded-analytics" (its analytics store in a second process) or
    "services". On leaving, its processes stop, its NATS stream is deleted, and its database
    (unless `keep`) and work directory (unless `keep` or `keep_workdir`) removed."""
    workdir = Path(tempfile.mkdtemp(prefix=f"pulse-bench-{prefix}-"))
    secret = secrets.token_urlsafe(32)
    deployment = None
    try:
        if mode.startswith("embedded"):
            deployment = embedded(
                workdir, secret, flow_process=mode.removeprefix("embedded").lstrip("-") or "off"
            )
        else:
            parts = pg_parts(pg)
            deployment = await services(
                workdir,
                secret,
                admin_dsn=admin_dsn(pg),
                pg_host=f"{parts['user']}@{parts['host']}:{parts['port']}",
                run_id=run_id,
                bus=bus,
                nats_url=nats_url,
            )
        yield deployment
    finally:
        if deployment is not None:
            deployment.stop()
            if deployment.nats_stream:
                await delete_nats_stream(nats_url, deployment.nats_stream)
            if deployment.database_name and not keep:
                with contextlib.suppress(Exception):
                    await drop_database(admin_dsn(pg), deployment.database_name)
        if keep or keep_workdir:
            log(f"{mode}: work directory kept at {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)


async def measured(
    result: dict,
    mode: str,
    measure: Callable[[Deployment], Awaitable[dict]],
    *,
    stopped: Callable[[Deployment], Awaitable[None]] | None = None,
    **how: Any,
) -> dict:
    """Deploy `mode` (`how` as for `deployed`), record `measure(deployment)` into `result`
    with its wiring, status ("ok", or "failed" and the error: a failed mode is reported, not
    raised) and the processes' exit codes; `stopped` runs once they have stopped, before the
    database is dropped."""
    try:
        async with deployed(mode, **how) as deployment:
            result["wiring"] = deployment.wiring
            try:
                result.update(await measure(deployment))
            finally:
                result["exit_codes"] = deployment.stop()
            if stopped is not None:
                await stopped(deployment)
        result["status"] = "ok"
    except Exception as exc:  # noqa: BLE001 - a failed mode is reported, not raised
        result["status"] = "failed"
        result["error"] = str(exc)[-3000:]
        log(f"{mode}: FAILED: {exc}")
    return result
