"""One system under test in the side-by-side benchmark, and one load point against it.

A point is bench/harness/load.py's closed loop; for Pulse it lasts until every order answered 201
is invoiced and the flow has settled (outbox, consumers and analytics projector with
nothing left), for the reference service until its last answer.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from dataclasses import dataclass, field

import aiohttp
import orjson

from bench import reference
from bench.harness import load, machine, processes, servers
from bench.harness.cli import log

JSON = {"Content-Type": "application/json"}


@dataclass
class Target:
    name: str
    deployment: servers.Deployment
    token: str
    payloads: list[bytes]
    completes: bool = False  # Pulse: an order is done once invoiced
    ok_total: int = 0  # 201 answers so far, warm-ups included
    invoiced: int = 0
    idle_pct: float | None = None
    incomplete: list[str] = field(default_factory=list)

    def session(self) -> aiohttp.ClientSession:
        return load.session_for(self.deployment.base_url, self.token, 2)

    def cpu_parts(self) -> dict[str, float]:
        """CPU seconds so far of each server process (with children), its database's
        PostgreSQL backends and the NATS server."""
        parts = {p.name: p.tree_cpu() for p in self.deployment.procs if p.popen is not None}
        return parts | processes.others_cpu(self.deployment.database_name)

    async def idle_cpu_pct(self, seconds: float) -> float:
        before = self.deployment.tree_cpu()
        await asyncio.sleep(seconds)
        return 100 * (self.deployment.tree_cpu() - before) / seconds


async def pulse_fixtures(target: Target, run_id: str) -> list[str]:
    """The reference's customers and products, through Pulse's API; answers customer ids."""
    async with target.session() as session:
        ids = []
        for _, name, slug in reference.CUSTOMERS:
            body = {"name": name, "email": f"{slug}-{run_id}@example.com"}
            ids.append((await load.post_json(session, "/customers", body))["id"])
        for sku, price, name in reference.PRODUCTS:
            body = {"sku": sku, "name": name, "price": price, "qty_on_hand": 1_000_000_000}
            await load.post_json(session, "/inventory", body)
    return ids


async def status_count(session: aiohttp.ClientSession, status: str) -> int:
    async with session.get("/orders", params={"status": status, "limit": "1"}) as resp:
        resp.raise_for_status()
        return int(orjson.loads(await resp.read())["total"])


async def wait_invoiced(target: Target, timeout: float) -> tuple[float | None, int]:
    """Poll every 50 ms until `ok_total` orders are invoiced: (perf time or None, count)."""
    start = time.perf_counter()
    async with target.session() as session:
        while True:
            count = await status_count(session, "invoiced")
            now = time.perf_counter()
            if count >= target.ok_total:
                return now, count
            if now - start > timeout:
                return None, count
            await asyncio.sleep(0.05)


async def lags(session: aiohttp.ClientSession) -> float:
    """Outbox backlog + every consumer's lag (/metrics) + the analytics projector's (/stats).

    In the services mode the consumers and the projector run in `pulse worker`, so the
    API's /metrics and /stats show only what that process knows; the invoiced count is what
    the completed rate rests on.
    """
    async with session.get("/metrics") as resp:
        text = (await resp.read()).decode()
    lag = sum(
        float(line.rsplit(None, 1)[1])
        for line in text.splitlines()
        if line.startswith(("pulse_outbox_backlog", "pulse_consumer_lag{"))
    )
    async with session.get("/stats") as resp:
        body = orjson.loads(await resp.read()) if resp.status == 200 else {}
    # Without a projector in the API process (services mode) /stats has no lag to give.
    return lag + float(body.get("lag") or 0)


async def wait_settled(target: Target, timeout: float) -> float | None:
    """The first of two answers in a row (100 ms apart) with nothing left, or None."""
    start = time.perf_counter()
    first = None
    async with target.session() as session:
        while True:
            lag = await lags(session)
            now = time.perf_counter()
            if lag == 0:
                if first is not None:
                    return first
                first = now
            else:
                first = None
            if now - start > timeout:
                return None
            await asyncio.sleep(0.1)


async def quiesce(target: Target, timeout: float, window: float = 0.5) -> float | None:
    """Wait until the server uses under its idle CPU + 10 % of a core; seconds waited."""
    threshold = ((target.idle_pct if target.idle_pct is not None else 5.0) + 10.0) / 100
    start = time.perf_counter()
    previous = target.deployment.tree_cpu()
    while time.perf_counter() - start < timeout:
        await asyncio.sleep(window)
        current = target.deployment.tree_cpu()
        if (current - previous) / window < threshold:
            return round(time.perf_counter() - start, 2)
        previous = current
    return None


def _ms(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


async def run_point(
    target: Target, conc: int, round_no: int, args: argparse.Namespace, *, record: bool = True
) -> dict:
    duration = args.duration if record else max(1.0, args.warmup * 2)
    warmup = args.warmup if record else 0.0
    if not target.deployment.procs[0].alive():
        raise RuntimeError(f"{target.name} died:\n{target.deployment.procs[0].log_tail()}")
    cpu0, t_first = target.cpu_parts(), time.perf_counter()
    result = await load.closed_loop(
        target.deployment.base_url,
        target.token,
        target.payloads,
        concurrency=conc,
        duration=duration,
        warmup=warmup,
    )
    t_load_end = time.perf_counter()
    placed = result.ok_including_warmup
    target.ok_total += placed
    if target.completes:
        t_done, count = await wait_invoiced(target, args.flow_timeout)
        completed, target.invoiced = count - target.invoiced, count
        if t_done is None:
            note = f"{target.name} r{round_no} c={conc}: {count} of {target.ok_total} invoiced"
            target.incomplete.append(note)
            log("WARNING " + note + f" {args.flow_timeout:.0f} s after the load")
        t_settled = await wait_settled(target, args.flow_timeout) if t_done else None
    else:
        t_done = t_settled = t_load_end
        completed = placed
    cpu1 = target.cpu_parts()
    per_order = {k: round((cpu1[k] - cpu0[k]) / placed * 1000, 3) for k in cpu0} if placed else {}
    others = ("postgres_backends", "nats_server")
    idle_wait = await quiesce(target, 30.0 if record else 60.0)
    point = result.summary()
    latency = point.pop("latency_ms")
    point.update(
        target=target.name,
        round=round_no,
        p50=latency["p50"],
        p95=latency["p95"],
        p99=latency["p99"],
        placed_incl_warmup=placed,
        completed=completed,
        completed_rps=round(completed / (t_done - t_first), 1) if t_done else None,
        settled_rps=round(completed / (t_settled - t_first), 1) if t_settled else None,
        completed_after_load_s=_ms(t_done - t_load_end) if t_done else None,
        settled_after_load_s=_ms(t_settled - t_load_end) if t_settled else None,
        server_cpu_ms_per_order=round(sum(v for k, v in per_order.items() if k not in others), 3)
        if placed
        else None,
        pg_nats_cpu_ms_per_order=round(sum(per_order.get(k, 0.0) for k in others), 3)
        if placed
        else None,
        cpu_ms_per_order_by_part=per_order,
        idle_wait_s=idle_wait,
        loadavg_after=machine.loadavg(),
    )
    if record:
        log(
            f"r{round_no} c={conc:<3} {target.name:<9} {point['throughput_rps']} req/s "
            f"p50 {point['p50']} p95 {point['p95']} ms, errors {point['errors']}; "
            f"completed {point['completed_rps']}/s; CPU {point['server_cpu_ms_per_order']} "
            f"ms/order; load {machine.loadavg()[0]}"
        )
    return point
