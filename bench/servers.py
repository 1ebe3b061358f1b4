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
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
import psutil

PULSE = str(Path(sys.executable).parent / "pulse")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def nats_backend_present() -> bool:
    return importlib.util.find_spec("pulse.platform.bus.nats") is not None


def clean_env(extra: dict[str, str]) -> dict[str, str]:
    """The caller's environment without any PULSE_* setting, plus the run's own."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PULSE_")}
    env.update(extra)
    return env


def _status_kib(pid: int, key: str) -> int | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
    except (OSError, ValueError):
        return None
    return None


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU time of a process so far."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks


def sched_seconds(pid: int) -> tuple[float, float] | None:
    """(on CPU, runnable but waiting for a CPU) of a process's main thread, in seconds."""
    try:
        run_ns, wait_ns, _ = Path(f"/proc/{pid}/schedstat").read_text().split()
    except (OSError, ValueError):
        return None
    return int(run_ns) / 1e9, int(wait_ns) / 1e9


def psutil_tree_cpu(pid: int) -> float:
    total = 0.0
    with contextlib.suppress(psutil.Error):
        root = psutil.Process(pid)
        for member in (root, *root.children(recursive=True)):
            with contextlib.suppress(psutil.Error):
                times = member.cpu_times()
                total += times.user + times.system
    return total


def others_cpu(database: str | None) -> dict[str, float]:
    """CPU seconds of the PostgreSQL backends serving `database` and of the NATS server."""
    pg = nats = 0.0
    for proc in psutil.process_iter(["name", "cmdline"]):
        with contextlib.suppress(psutil.Error):
            name, cmd = proc.info["name"] or "", " ".join(proc.info["cmdline"] or [])
            if name.startswith("nats-server"):
                nats += sum(proc.cpu_times()[:2])
            elif database and name == "postgres" and f" {database} " in cmd:
                pg += sum(proc.cpu_times()[:2])
    return {"postgres_backends": pg, "nats_server": nats}


@dataclass
class Proc:
    name: str
    argv: list[str]
    log: Path
    popen: subprocess.Popen[bytes] | None = None

    @property
    def pid(self) -> int:
        assert self.popen is not None
        return self.popen.pid

    def start(self, env: dict[str, str], cwd: Path) -> None:
        handle = self.log.open("ab")
        self.popen = subprocess.Popen(
            self.argv,
            env=env,
            cwd=cwd,
            stdout=handle,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        handle.close()

    def alive(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def tree_cpu(self) -> float:
        """CPU seconds of the process and its live descendants."""
        return psutil_tree_cpu(self.pid)

    def peak_rss_mib(self) -> float | None:
        kib = _status_kib(self.pid, "VmHWM")
        return None if kib is None else round(kib / 1024, 1)

    def rss_mib(self) -> float | None:
        kib = _status_kib(self.pid, "VmRSS")
        return None if kib is None else round(kib / 1024, 1)

    def stop(self, timeout: float = 15.0) -> int | None:
        if self.popen is None:
            return None
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGTERM)
            try:
                self.popen.wait(timeout)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait(5)
        return self.popen.returncode

    def log_tail(self, lines: int = 15) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


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
        per = {
            p.name: {"peak_rss_mib": p.peak_rss_mib(), "rss_mib": p.rss_mib()} for p in self.procs
        }
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


def _upgrade(env: dict[str, str], cwd: Path) -> None:
    done = subprocess.run(
        [PULSE, "db", "upgrade"], env=env, cwd=cwd, capture_output=True, text=True, timeout=180
    )
    if done.returncode != 0:
        raise RuntimeError(f"`pulse db upgrade` failed:\n{done.stdout}\n{done.stderr}")


def embedded(workdir: Path, secret: str) -> Deployment:
    port = free_port()
    data = workdir / "data"
    data.mkdir(parents=True, exist_ok=True)
    url = f"sqlite+aiosqlite:///{(data / 'pulse.db').resolve()}"
    env = clean_env({"PULSE_DATA_DIR": str(data), "PULSE_JWT_SECRET": secret})
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
            "processes": ["pulse serve --consumers all --relay"],
        },
    )


async def create_database(admin_dsn: str, name: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(admin_dsn)
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()


async def drop_database(admin_dsn: str, name: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(admin_dsn)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


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
