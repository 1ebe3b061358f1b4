"""The SQL endpoint under a hostile query: does the answer stay small, the server's memory
flat and `/health` quick?

Starts the embedded product (`pulse serve --consumers all --relay` on a fresh SQLite file),
then, per round, sends `--concurrency` copies of a query that builds a large answer
(a few hundred rows of megabyte strings, by default) to `GET /query?sql=` while a prober
calls `/health` every 50 ms. Reports per round: the answers' statuses and sizes, the
slowest answer, `/health` p50/p95/max during the attack, and the serving process's peak
RSS; medians over the rounds.

    .venv/bin/python -m bench.sql_attack [--rounds 3] [--concurrency 4] [--sql "..."]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path

import aiohttp

from bench.harness import machine, servers
from bench.harness.load import mint_token
from bench.harness.stats import summary_ms

ATTACK = "SELECT range AS n, repeat('x', 4000000) AS big FROM range(300)"


async def probe_health(session: aiohttp.ClientSession, url: str, stop: asyncio.Event) -> list:
    times: list[float] = []
    while not stop.is_set():
        started = time.perf_counter()
        async with session.get(url + "/health") as resp:
            await resp.read()
        times.append(time.perf_counter() - started)
        await asyncio.sleep(0.05)
    return times


async def attack(session: aiohttp.ClientSession, url: str, sql: str) -> tuple[int, int, float]:
    started = time.perf_counter()
    async with session.get(url + "/query", params={"sql": sql}) as resp:
        body = await resp.read()
        return resp.status, len(body), time.perf_counter() - started


async def one_round(url: str, token: str, sql: str, concurrency: int) -> dict:
    headers = {"Authorization": f"Bearer {token}"}
    timeout = aiohttp.ClientTimeout(total=300)
    async with aiohttp.ClientSession(headers=headers, timeout=timeout) as session:
        stop = asyncio.Event()
        prober = asyncio.create_task(probe_health(session, url, stop))
        await asyncio.sleep(0.3)
        answers = await asyncio.gather(*(attack(session, url, sql) for _ in range(concurrency)))
        await asyncio.sleep(0.3)
        stop.set()
        health = await prober
    return {
        "statuses": sorted({status for status, _, _ in answers}),
        "largest_answer_bytes": max(size for _, size, _ in answers),
        "slowest_answer_s": round(max(seconds for _, _, seconds in answers), 3),
        "health_ms": summary_ms(health),
    }


async def main(args: argparse.Namespace) -> None:
    secret = "bench-secret-" + "x" * 40
    with tempfile.TemporaryDirectory(prefix="pulse-sql-attack-") as tmp:
        deployment = servers.embedded(Path(tmp), secret)
        deployment.start()
        try:
            await servers.wait_ready(deployment)
            token = mint_token(secret)
            rounds = []
            for number in range(1, args.rounds + 1):
                result = await one_round(deployment.base_url, token, args.sql, args.concurrency)
                result["peak_rss_mib"] = deployment.procs[0].peak_rss_mib()
                rounds.append(result)
                health = result["health_ms"]
                print(
                    f"round {number}: statuses {result['statuses']}, "
                    f"largest answer {result['largest_answer_bytes'] / 2**20:.1f} MiB, "
                    f"slowest {result['slowest_answer_s']} s, /health p50 {health['p50']} ms "
                    f"p95 {health['p95']} ms max {health['max']} ms, "
                    f"server peak RSS {result['peak_rss_mib']} MiB"
                )
        finally:
            deployment.stop()
    p95s = [r["health_ms"]["p95"] for r in rounds]
    print(
        f"median over {len(rounds)} rounds: /health p95 {statistics.median(p95s)} ms, "
        f"largest answer {max(r['largest_answer_bytes'] for r in rounds) / 2**20:.1f} MiB, "
        f"server peak RSS {max(r['peak_rss_mib'] or 0 for r in rounds)} MiB"
    )
    print(f"machine: {machine.describe()}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--sql", default=ATTACK)
    asyncio.run(main(parser.parse_args()))
