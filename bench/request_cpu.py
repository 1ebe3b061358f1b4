"""`python -m bench.request_cpu`: server CPU and SQL statements per request of the hot
endpoints (POST /orders, GET /orders/{id}, GET /orders), with no consumer running.

CPU: one `pulse serve --consumers none` process (no relay) on a fresh SQLite file, driven by
the closed-loop aiohttp client of bench/harness/load.py at `--concurrency`; CPU per request is the
server process's CPU time (user + system, from /proc) over the measured window divided by
the requests answered in it. `--profile FILE` also records the server with
`py-spy record --format raw` (folded stacks) during the POST window.

Statements: the same requests in this process through the ASGI app (httpx, no socket) on
another fresh SQLite file, counting every cursor execution and commit the engine sends,
as bench/steps.py does: whole requests, authentication included.
"""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
import orjson
from asgi_lifespan import LifespanManager

from bench.harness import cli, load, processes, servers
from bench.harness import profile as profiling

SECRET = "request-cpu-bench-secret-" + "x" * 24
PY_SPY = str(Path(sys.executable).parent / "py-spy")


# -- CPU of a real server --------------------------------------------------------------------
async def _closed_loop_get(
    base_url: str, token: str, paths: list[str], *, concurrency: int, duration: float
) -> int:
    """GET `paths` round-robin from `concurrency` workers for `duration` s; answers 200s."""
    session = load.session_for(base_url, token, concurrency)
    end = time.perf_counter() + duration
    counter = iter(range(10**12))
    ok = 0

    async def worker() -> None:
        nonlocal ok
        while time.perf_counter() < end:
            async with session.get(paths[next(counter) % len(paths)]) as resp:
                await resp.read()
                ok += resp.status == 200

    try:
        await asyncio.gather(*(worker() for _ in range(concurrency)))
    finally:
        await session.close()
    return ok


async def _measure(pid: int, run: Callable[[], Awaitable[int]]) -> tuple[int, float]:
    before = processes.cpu_seconds(pid) or 0.0
    done = await run()
    after = processes.cpu_seconds(pid) or 0.0
    return done, (after - before) / max(done, 1) * 1e6


async def server_cpu(
    *, concurrency: int, duration: float, warmup: float, profile: Path | None
) -> dict[str, Any]:
    workdir = Path(tempfile.mkdtemp(prefix="pulse-request-cpu-"))
    deployment = servers.embedded(workdir, SECRET)
    port = deployment.base_url.rsplit(":", 1)[1]
    serve = deployment.procs[0]
    serve.name = "pulse serve --consumers none"
    serve.argv = [
        processes.PULSE,
        "serve",
        "--consumers",
        "none",
        "--host",
        "127.0.0.1",
        "--port",
        port,
    ]
    deployment.env["PULSE_LOG_LEVEL"] = "WARNING"
    deployment.start()
    results: dict[str, Any] = {}
    try:
        await servers.wait_ready(deployment)
        token = load.mint_token(SECRET)
        async with load.session_for(deployment.base_url, token, 4) as session:
            fixtures = await load.seed(session, uuid.uuid4().hex[:8], customers=20, products=50)
        pid = serve.pid
        spy = None
        if profile is not None:
            # Start early: py-spy takes a moment to attach.
            spy = profiling.record(pid, profile, warmup + duration)
        outcome: dict[str, load.LoadResult] = {}

        async def post() -> int:
            outcome["post"] = await load.closed_loop(
                deployment.base_url,
                token,
                fixtures.payloads,
                concurrency=concurrency,
                duration=duration,
            )
            return outcome["post"].ok

        await load.closed_loop(
            deployment.base_url,
            token,
            fixtures.payloads,
            concurrency=concurrency,
            duration=warmup,
        )
        done, cpu = await _measure(pid, post)
        results["POST /orders"] = {
            "requests": done,
            "cpu_us": round(cpu, 1),
            "errors": outcome["post"].errors,
            "p50_ms": outcome["post"].summary()["latency_ms"],
        }
        if spy is not None:
            spy.wait(timeout=warmup + duration + 30)
        ids = outcome["post"].order_ids[:500]
        one = [f"/orders/{i}" for i in ids]
        done, cpu = await _measure(
            pid,
            lambda: _closed_loop_get(
                deployment.base_url, token, one, concurrency=concurrency, duration=duration
            ),
        )
        results["GET /orders/{id}"] = {"requests": done, "cpu_us": round(cpu, 1)}
        done, cpu = await _measure(
            pid,
            lambda: _closed_loop_get(
                deployment.base_url,
                token,
                ["/orders?limit=20"],
                concurrency=concurrency,
                duration=duration,
            ),
        )
        results["GET /orders"] = {"requests": done, "cpu_us": round(cpu, 1)}
    finally:
        deployment.stop()
        shutil.rmtree(workdir, ignore_errors=True)
    return results


# -- statements, in process ------------------------------------------------------------------
async def statements(requests: int) -> dict[str, float]:
    from sqlalchemy import event

    from pulse.app import create_app
    from pulse.bootstrap import build_container
    from pulse.platform.migrate import upgrade
    from pulse.platform.settings import Settings

    folder = Path(tempfile.mkdtemp(prefix="pulse-request-stmts-"))
    try:
        await asyncio.to_thread(upgrade, f"sqlite+aiosqlite:///{folder / 'pulse.db'}")
        settings = Settings(
            data_dir=folder, jwt_secret=SECRET, consumers="none", relay=False, log_level="WARNING"
        )
        container = build_container(settings)
        app = create_app(container)
        count = 0

        def one(*_: object) -> None:
            nonlocal count
            count += 1

        event.listen(container.db.engine.sync_engine, "before_cursor_execute", one)
        event.listen(container.db.engine.sync_engine, "commit", one)
        headers = {"Authorization": f"Bearer {load.mint_token(SECRET)}"}
        async with (
            LifespanManager(app),
            httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app), base_url="http://test", headers=headers
            ) as client,
        ):
            customer = (
                await client.post("/customers", json={"name": "S", "email": "s@example.com"})
            ).json()["id"]
            for sku in ("A", "B"):
                answer = await client.post(
                    "/inventory",
                    json={
                        "sku": sku,
                        "name": sku,
                        "price": "9.99",
                        "tax_rate": "0.2",
                        "qty_on_hand": 10**6,
                    },
                )
                answer.raise_for_status()
            body = {
                "customer_id": customer,
                "items": [{"sku": "A", "qty": 1}, {"sku": "B", "qty": 2}],
            }

            async def per_request(
                call: Callable[[int], Awaitable[httpx.Response]], ok: int
            ) -> float:
                nonlocal count
                await call(0)  # warm: first-use caches (token state, compiled statements)
                start = count
                for i in range(requests):
                    answer = await call(i)
                    assert answer.status_code == ok, answer.text
                return (count - start) / requests

            ids: list[str] = []

            async def place(_: int) -> httpx.Response:
                answer = await client.post("/orders", json=body)
                ids.append(answer.json()["id"])
                return answer

            result = {"POST /orders": await per_request(place, 201)}
            result["GET /orders/{id}"] = await per_request(
                lambda i: client.get(f"/orders/{ids[i % len(ids)]}"), 200
            )
            result["GET /orders"] = await per_request(
                lambda _: client.get("/orders", params={"limit": 20}), 200
            )
        return result
    finally:
        with contextlib.suppress(Exception):
            shutil.rmtree(folder, ignore_errors=True)


def main(argv: list[str] | None = None) -> None:
    parser = cli.parser("request_cpu", __doc__, whole_doc=True)
    parser.add_argument("--concurrency", type=int, default=10)
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per endpoint")
    parser.add_argument("--warmup", type=float, default=3.0)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--requests", type=int, default=200, help="for the statement count")
    parser.add_argument("--profile", type=Path, help="py-spy raw output of the POST window")
    parser.add_argument("--json", action="store_true", help="print the results as JSON too")
    args = parser.parse_args(argv)
    counted = asyncio.run(statements(args.requests))
    rounds = [
        asyncio.run(
            server_cpu(
                concurrency=args.concurrency,
                duration=args.duration,
                warmup=args.warmup,
                profile=args.profile,
            )
        )
        for _ in range(args.rounds)
    ]
    print(f"server CPU per request (median of {args.rounds}), concurrency {args.concurrency}:")
    print(f"  {'endpoint':<18} {'CPU µs':>8} {'req/s':>7} {'statements':>10}")
    table = {}
    for name in rounds[0]:
        cpu = statistics.median(r[name]["cpu_us"] for r in rounds)
        rate = statistics.median(r[name]["requests"] for r in rounds) / args.duration
        table[name] = {"cpu_us": round(cpu, 1), "rps": round(rate, 1), "statements": counted[name]}
        print(f"  {name:<18} {cpu:8.0f} {rate:7.0f} {counted[name]:10.2f}")
    post = rounds[0]["POST /orders"]
    if post["errors"]:
        print(f"  POST errors: {post['errors']}")
    if args.json:
        print(orjson.dumps({"table": table, "rounds": rounds}).decode())


if __name__ == "__main__":
    main()
