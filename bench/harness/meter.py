"""CPU, measured around a load point: the server's processes, the machine, the server's wait
for a CPU; PostgreSQL's sessions sampled while it runs; waiting for a quiet machine."""

from __future__ import annotations

import asyncio
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

from bench.harness import machine
from bench.harness.cli import log
from bench.harness.servers import Deployment


async def wait_for_quiet(threshold: float, longest: float) -> dict[str, object]:
    """Wait (checking every 30 s) until the 1-minute load average is below `threshold`."""
    start = time.monotonic()
    first = machine.loadavg()
    while True:
        now = os.getloadavg()[0]
        waited = time.monotonic() - start
        if now < threshold:
            return {
                "threshold": threshold,
                "loadavg_before_wait": first,
                "waited_s": round(waited),
                "dropped_below": True,
            }
        if waited >= longest:
            return {
                "threshold": threshold,
                "loadavg_before_wait": first,
                "waited_s": round(waited),
                "dropped_below": False,
            }
        log(f"1-minute load average {now:.2f} ≥ {threshold}; waiting ({waited:.0f} s so far)")
        await asyncio.sleep(30)


def _per_process_pct(before: dict, after: dict, seconds: float) -> dict[str, float]:
    return {
        n: round((after[n] - before[n]) / seconds * 100, 1)
        for n in before
        if before[n] is not None and after.get(n) is not None
    }


def machine_jiffies() -> tuple[int, int]:
    """(busy, total) CPU time of the whole machine so far, from /proc/stat."""
    try:
        fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    except (OSError, ValueError):
        return 0, 0
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)
    return sum(fields[:8]) - idle, sum(fields[:8])


def _busy_pct(before: tuple[int, int], after: tuple[int, int]) -> float | None:
    total = after[1] - before[1]
    return round((after[0] - before[0]) / total * 100, 1) if total > 0 else None


@dataclass
class Meter:
    """Server CPU per process, the machine's CPU and the server's wait for a CPU, now."""

    deployment: Deployment
    cpu: dict = field(default_factory=dict)
    sched: dict = field(default_factory=dict)
    jiffies: tuple[int, int] = (0, 0)
    t: float = 0.0

    def __post_init__(self) -> None:
        self.cpu = self.deployment.cpu()
        self.sched = self.deployment.sched()
        self.jiffies = machine_jiffies()
        self.t = time.perf_counter()

    def since(self, start: Meter) -> dict[str, object]:
        seconds = self.t - start.t
        per = _per_process_pct(start.cpu, self.cpu, seconds)
        waiting = {
            n: round((self.sched[n][1] - start.sched[n][1]) / seconds * 100, 1)
            for n in start.sched
            if start.sched[n] and self.sched.get(n)
        }
        return {
            "server_cpu_pct": round(sum(per.values()), 1) if per else None,
            "server_cpu_pct_per_process": per,
            "waiting_for_cpu_pct": max(waiting.values(), default=None),
            "machine_cpu_busy_pct": _busy_pct(start.jiffies, self.jiffies),
        }

    def cpu_seconds_since(self, start: Meter) -> float:
        return sum(
            self.cpu[n] - start.cpu[n]
            for n in start.cpu
            if start.cpu[n] is not None and self.cpu.get(n) is not None
        )


async def sample_sessions(dsn: str, seconds: float, delay: float) -> dict[str, object]:
    """PostgreSQL sessions of the run's database, sampled every 50 ms for `seconds` after
    `delay`: the mean number idle in a transaction (waiting for a Pulse process to send the
    next statement), waiting for a lock, and otherwise active."""
    import asyncpg

    await asyncio.sleep(delay)
    conn = await asyncpg.connect(dsn)
    counts: dict[str, int] = {"idle_in_transaction": 0, "lock_wait": 0, "active": 0}
    locks: dict[str, int] = {}
    samples = 0
    end = time.perf_counter() + seconds
    try:
        while time.perf_counter() < end:
            rows = await conn.fetch(
                "SELECT state, wait_event_type, wait_event FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
            samples += 1
            for state, wait_type, wait_event in rows:
                if state == "idle in transaction":
                    counts["idle_in_transaction"] += 1
                elif state == "active" and wait_type in ("Lock", "LWLock"):
                    counts["lock_wait"] += 1
                    key = f"{wait_type}:{wait_event}"
                    locks[key] = locks.get(key, 0) + 1
                elif state == "active":
                    counts["active"] += 1
            await asyncio.sleep(0.05)
    finally:
        await conn.close()
    return {
        "samples": samples,
        **{f"mean_{k}": round(v / samples, 2) if samples else None for k, v in counts.items()},
        "lock_waits": {k: round(v / samples, 3) for k, v in locks.items()} if samples else {},
    }
