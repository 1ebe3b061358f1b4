"""`python -m bench.analytics`: the analytics benchmark.

1. Projector ingest: a synthetic stream of order lifecycles (order placed, stock reserved,
   confirmed, invoiced, paid …) applied to a fresh DuckDB file in batches, in this process —
   the projector's own cost — and then the end-to-end replay of the demo history from the
   outbox (`pulse analytics project`: SQLite read, JSON parse, DuckDB write).
2. Queries: `pulse demo load --orders N` (1 M by default), then the product is started and
   every /query/* endpoint is called one request at a time; client latency and the
   server's `execution_time_ms`, p50 and p95.
3. Live push: dashboards listen on /query/live while 100 clients place orders; for each
   order, the time from sending POST /orders to the first pushed batch that counts it as a
   sale, p50 and p99.

Results go to bench/results/<date>-analytics.json and docs/PERFORMANCE.md.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import random
import secrets
import shlex
import subprocess
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import aiohttp
import orjson

from bench import analytics_report
from bench.analytics_events import synthetic_events
from bench.harness import cli, load, machine, outbox, processes, scenario, servers
from bench.harness.cli import log
from bench.harness.docs import RESULTS
from bench.harness.stats import median_of, summary_ms

SOLD = load.CONFIRMED_OR_LATER
QUERIES = [
    "/query/sales/hourly?hours=24",
    "/query/sales/daily?days=30",
    "/query/sales/top-products",
    "/query/sales/top-products?days=30",
    "/query/sales/top-customers",
    "/query/sales/top-customers?days=30",
    "/query/inventory/low-stock",
    "/query/inventory/stock",
    "/query/inventory/movements?days=30",
    "/query/ar/overdue",
    "/query/ar/aging",
    "/query/cash/daily?days=30",
    "/query/kpis?days=30",
    "/query/recommendations",
    "/query?sql=SELECT%20count(*)%2C%20sum(total)%20FROM%20orders%20WHERE%20sold",
    "/stats",
]


# -- 1. ingest -------------------------------------------------------------------------------
def ingest_once(events: list[Any], batch_size: int, workdir: Path) -> dict[str, Any]:
    from pulse.analytics import projection, transform
    from pulse.analytics.store import connect

    path = workdir / f"ingest-{uuid.uuid4().hex[:8]}.duckdb"
    con = connect(path, memory_limit="512MB", threads=2)
    cur = con.cursor()
    today = dt.date(2026, 6, 1)
    started = time.perf_counter()
    batches = []
    for i in range(0, len(events), batch_size):
        t = time.perf_counter()
        batch = transform.build(events[i : i + batch_size])
        projection.apply(cur, batch, source="bench", today=today)
        batches.append(time.perf_counter() - t)
    seconds = time.perf_counter() - started
    orders = cur.execute("SELECT count(*) FROM orders WHERE sold").fetchall()[0][0]
    cur.close()
    con.close()
    path.unlink()
    return {
        "events": len(events),
        "seconds": round(seconds, 3),
        "events_per_second": round(len(events) / seconds),
        "batch": summary_ms(batches),
        "orders_sold": orders,
    }


def bench_ingest(args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    events = synthetic_events(args.ingest_orders)
    log(f"ingest: {len(events)} synthetic events, batches of {args.batch_size}")
    runs = [ingest_once(events, args.batch_size, workdir) for _ in range(args.rounds)]
    for run in runs:
        log(f"  {run['events_per_second']:,} events/s")
    return {
        "events": len(events),
        "batch_size": args.batch_size,
        "runs": runs,
        "median_events_per_second": median_of(r["events_per_second"] for r in runs),
    }


# -- 2. history and queries ------------------------------------------------------------------
def timed(cmd: list[str], env: dict[str, str], cwd: Path) -> tuple[float, str]:
    started = time.perf_counter()
    done = subprocess.run(cmd, env=env, cwd=cwd, capture_output=True, text=True, timeout=3600)
    if done.returncode != 0:
        raise RuntimeError(
            f"{shlex.join(cmd)} failed:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}"
        )
    return time.perf_counter() - started, done.stdout.strip().splitlines()[-1]


async def query_latencies(session: aiohttp.ClientSession, samples: int) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for url in QUERIES:
        client, server = [], []
        for i in range(samples + 3):
            started = time.perf_counter()
            async with session.get(url) as resp:
                body = await resp.read()
                if resp.status != 200:
                    raise RuntimeError(f"GET {url} answered {resp.status}: {body[:300]!r}")
            if i < 3:  # warm-up
                continue
            client.append(time.perf_counter() - started)
            server.append(orjson.loads(body)["execution_time_ms"] / 1000)
        out[url] = {"client": summary_ms(client), "execution": summary_ms(server)}
        log(f"  {url}: p50 {out[url]['client']['p50']} ms, p95 {out[url]['client']['p95']} ms")
    return out


# -- 3. live push ----------------------------------------------------------------------------
async def listen(
    session: aiohttp.ClientSession, seen: dict[str, float], ready: asyncio.Event
) -> None:
    async with session.get("/query/live", timeout=aiohttp.ClientTimeout(total=None)) as resp:
        buffer = b""
        async for chunk in resp.content.iter_any():
            now = time.time()
            buffer += chunk
            while b"\n\n" in buffer:
                block, buffer = buffer.split(b"\n\n", 1)
                if block.startswith(b"retry:"):
                    ready.set()
                data = [line[5:] for line in block.split(b"\n") if line.startswith(b"data:")]
                if not data:
                    continue
                message = orjson.loads(b"".join(data))
                for order in message.get("orders", []):
                    if order["status"] in SOLD and order["id"] not in seen:
                        seen[order["id"]] = now


def _listeners_main(
    base_url: str, token: str, count: int, ready: Any, stop: Any, seen_count: Any, out: Any
) -> None:
    """A process of its own for the dashboards: the clients' load does not delay (or
    misdate) what they receive."""

    async def main() -> list[dict[str, float]]:
        seen: list[dict[str, float]] = [{} for _ in range(count)]
        readies = [asyncio.Event() for _ in range(count)]
        async with load.session_for(base_url, token, count) as session:
            tasks = [
                asyncio.create_task(listen(session, seen[i], readies[i])) for i in range(count)
            ]
            await asyncio.wait_for(asyncio.gather(*(r.wait() for r in readies)), 30)
            ready.set()
            while not stop.is_set():  # noqa: ASYNC110 - a process-shared flag
                seen_count.value = len(seen[0])
                await asyncio.sleep(0.05)
            for task in tasks:
                task.cancel()
            for task in tasks:
                with contextlib.suppress(BaseException):
                    await task
        return seen

    out.put(asyncio.run(main()))


async def live_latency(
    base_url: str,
    token: str,
    fixtures: load.Fixtures,
    clients: int,
    per_client: int,
    listeners: int,
    sqlite_path: Path | None = None,
) -> dict[str, Any]:
    import multiprocessing

    ctx = multiprocessing.get_context("spawn")
    ready, stop, out = ctx.Event(), ctx.Event(), ctx.Queue()
    seen_count = ctx.Value("i", 0)
    dashboards = ctx.Process(
        target=_listeners_main,
        args=(base_url, token, listeners, ready, stop, seen_count, out),
        daemon=True,
    )
    dashboards.start()
    if not await asyncio.to_thread(ready.wait, 60):
        raise RuntimeError("the dashboards did not connect")
    sent: dict[str, float] = {}
    errors = 0
    async with load.session_for(base_url, token, clients) as session:
        rng = random.Random(3)

        async def client() -> None:
            nonlocal errors
            for _ in range(per_client):
                body = rng.choice(fixtures.payloads)
                started = time.time()
                async with session.post("/orders", data=body, headers=load.JSON) as resp:
                    data = await resp.read()
                if resp.status != 201:
                    errors += 1
                    continue
                sent[orjson.loads(data)["id"]] = started
                await asyncio.sleep(rng.uniform(0, 0.2))

        await asyncio.gather(*(client() for _ in range(clients)))
    deadline = time.time() + 60
    while time.time() < deadline and seen_count.value < len(sent):  # noqa: ASYNC110
        await asyncio.sleep(0.1)
    await asyncio.sleep(0.5)  # the other dashboards' last messages
    stop.set()
    seen: list[dict[str, float]] = await asyncio.to_thread(out.get, True, 60)
    await asyncio.to_thread(dashboards.join, 30)
    first = [min(s[o] for s in seen if o in s) - sent[o] for o in sent if any(o in s for s in seen)]
    every = [s[o] - sent[o] for s in seen for o in sent if o in s]
    # Split at the confirmation the server recorded (same clock: same machine).
    confirmed = (
        {
            order_id: at.timestamp()
            for kind, order_id, at, _ in outbox.read_sqlite(
                sqlite_path, outbox.since_for(min(sent.values()))
            )
            if kind == "order.confirmed" and at is not None
        }
        if sqlite_path and sent
        else {}
    )
    to_confirmed = [confirmed[o] - sent[o] for o in sent if o in confirmed]
    to_push = [
        min(s[o] for s in seen if o in s) - confirmed[o]
        for o in sent
        if o in confirmed and any(o in s for s in seen)
    ]
    return {
        "clients": clients,
        "orders": len(sent),
        "errors": errors,
        "listeners": listeners,
        "pushed": len(first),
        "first_listener": summary_ms(first),
        "every_listener": summary_ms(every),
        "order_to_confirmed": summary_ms(to_confirmed),
        "confirmed_to_push": summary_ms(to_push),
    }


async def run_product(args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    secret = secrets.token_urlsafe(32)
    deployment = servers.embedded(workdir, secret)
    env = deployment.env
    log(f"demo history: pulse demo load --orders {args.orders}")
    load_seconds, load_line = timed(
        [processes.PULSE, "demo", "load", "--orders", str(args.orders)], env, workdir
    )
    log(f"  {load_seconds:.1f} s: {load_line}")
    log("replaying the history into DuckDB: pulse analytics project")
    project_seconds, project_line = timed(
        [processes.PULSE, "analytics", "project", "--batch-size", str(args.batch_size)],
        env,
        workdir,
    )
    log(f"  {project_seconds:.1f} s: {project_line}")
    replay_rate = float(project_line.split("(")[-1].split()[0].replace(",", ""))
    token = load.mint_token(secret)
    deployment.start()
    try:
        async with load.session_for(deployment.base_url, token, 4) as session:
            for _ in range(600):
                with contextlib.suppress(aiohttp.ClientError):
                    async with session.get("/readyz") as resp:
                        if resp.status == 200:
                            break
                await asyncio.sleep(0.1)
            log(f"queries: {args.query_samples} each, one at a time")
            queries = await query_latencies(session, args.query_samples)
            fixtures = await load.seed(session, uuid.uuid4().hex[:6], customers=20, products=20)
        log(
            f"live push: {args.clients} clients x {args.per_client} orders, "
            f"{args.listeners} dashboards"
        )
        live = await live_latency(
            deployment.base_url,
            token,
            fixtures,
            args.clients,
            args.per_client,
            args.listeners,
            deployment.sqlite_path,
        )
        first = live["first_listener"]
        log(f"  first listener p50 {first['p50']} ms, p99 {first['p99']} ms")
        memory = deployment.memory()
    finally:
        deployment.stop()
    return {
        "history": {
            "orders": args.orders,
            "load_seconds": round(load_seconds, 1),
            "output": load_line,
        },
        "replay": {
            "seconds": round(project_seconds, 1),
            "events_per_second": replay_rate,
            "output": project_line,
        },
        "queries": queries,
        "live": live,
        "memory": memory,
    }


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = cli.parser("analytics", __doc__)
    parser.add_argument("--orders", type=int, default=1_000_000, help="demo history orders (1 M)")
    parser.add_argument(
        "--ingest-orders", type=int, default=50_000, help="synthetic lifecycles (50k ≈ 330k events)"
    )
    parser.add_argument("--batch-size", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--query-samples", type=int, default=50)
    parser.add_argument("--clients", type=int, default=100)
    parser.add_argument("--per-client", type=int, default=5)
    parser.add_argument("--listeners", type=int, default=10)
    parser.add_argument("--no-docs", action="store_true", help="do not rewrite docs/PERFORMANCE.md")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    started = dt.datetime.now(dt.UTC)
    loadavg_before = machine.loadavg()
    with tempfile.TemporaryDirectory(prefix="pulse-analytics-bench-") as tmp:
        workdir = Path(tmp)
        ingest = bench_ingest(args, workdir)
        product = asyncio.run(run_product(args, workdir / "product"))
    result = {
        "benchmark": "analytics",
        "started_at": started.isoformat(),
        "date": f"{started:%Y-%m-%d}",
        "command": cli.command("analytics", argv, "bench-analytics"),
        "machine": machine.describe(),
        "loadavg_before": loadavg_before,
        "ingest": ingest,
        **product,
    }
    log(f"results: {scenario.save(result, RESULTS, 'analytics')}")
    if not args.no_docs:
        analytics_report.write(result)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
