"""The client side: a bearer token, the fixtures, the closed-loop load and the confirmation probe.

The client is aiohttp rather than httpx: on this kind of machine the client shares the
CPU with the server, and aiohttp (C-accelerated HTTP parser) costs about a sixth of the
CPU per request that httpx does (measured against `/healthz`: ~0.16 ms vs ~1.0 ms of
client CPU per request at concurrency 10), so less of the server's CPU is taken away.
"""

from __future__ import annotations

import asyncio
import random
import resource
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
import jwt
import orjson

from bench.harness.stats import summary_ms

JSON = {"Content-Type": "application/json"}
CONFIRMED_OR_LATER = frozenset({"confirmed", "invoiced", "paid", "shipped", "completed"})


def mint_token(secret: str, *, issuer: str = "pulse-erp", ttl_seconds: int = 4 * 3600) -> str:
    """An access token with the claims `TokenCodec.issue` writes, for the admin role."""
    now = datetime.now(UTC)
    claims = {
        "sub": str(uuid.uuid4()),
        "name": "bench",
        "role": "admin",
        "iss": issuer,
        "iat": now,
        "exp": now + timedelta(seconds=ttl_seconds),
        "typ": "access",
    }
    return jwt.encode(claims, secret, algorithm="HS256")


def client_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


@dataclass
class Fixtures:
    customers: list[str]
    skus: list[str]
    payloads: list[bytes] = field(default_factory=list)

    def make_payloads(self, count: int = 2000, lines: int = 2, seed: int = 7) -> None:
        """Orders of `lines` distinct products, quantity 1 to 3, catalogue prices."""
        rng = random.Random(seed)
        self.payloads = [
            orjson.dumps(
                {
                    "customer_id": rng.choice(self.customers),
                    "items": [
                        {"sku": sku, "qty": rng.randint(1, 3)}
                        for sku in rng.sample(self.skus, lines)
                    ],
                }
            )
            for _ in range(count)
        ]


def session_for(base_url: str, token: str, concurrency: int) -> aiohttp.ClientSession:
    connector = aiohttp.TCPConnector(
        limit=concurrency, limit_per_host=concurrency, keepalive_timeout=60, ttl_dns_cache=None
    )
    return aiohttp.ClientSession(
        base_url,
        connector=connector,
        headers={"Authorization": f"Bearer {token}"},
        timeout=aiohttp.ClientTimeout(total=60),
    )


async def post_json(
    session: aiohttp.ClientSession, path: str, body: dict, expect: int = 201
) -> dict:
    """POST `body` and answer the JSON it created; any other answer than `expect` fails."""
    async with session.post(path, data=orjson.dumps(body), headers=JSON) as resp:
        data = await resp.read()
        if resp.status != expect:
            raise RuntimeError(f"POST {path} answered {resp.status}: {data[:300]!r}")
        return orjson.loads(data)


async def seed(
    session: aiohttp.ClientSession,
    run_id: str,
    *,
    customers: int = 20,
    products: int = 50,
    stock: int = 100_000_000,
    lines: int = 2,
) -> Fixtures:
    """Customers and products with plenty of stock, through the API like any client, and
    2,000 orders of `lines` lines over them to place."""
    customer_ids = [
        (
            await post_json(
                session,
                "/customers",
                {
                    "name": f"Bench customer {i}",
                    "email": f"bench-{run_id}-{i}@example.com",
                },
            )
        )["id"]
        for i in range(customers)
    ]
    skus = []
    for i in range(products):
        sku = f"BENCH-{i:03d}"
        await post_json(
            session,
            "/inventory",
            {
                "sku": sku,
                "name": f"Bench product {i}",
                "price": f"{5 + i % 40}.{i % 100:02d}",
                "tax_rate": "0.2000",
                "qty_on_hand": stock,
            },
        )
        skus.append(sku)
    fixtures = Fixtures(customer_ids, skus)
    fixtures.make_payloads(lines=lines)
    return fixtures


async def seeded(base_url: str, token: str, **how: Any) -> Fixtures:
    """`seed` (`how` as for it) through a session of its own, under a new run id."""
    async with session_for(base_url, token, 4) as session:
        return await seed(session, uuid.uuid4().hex[:6], **how)


async def placed_backlog(session: aiohttp.ClientSession) -> int:
    async with session.get("/orders", params={"status": "placed", "limit": "1"}) as resp:
        resp.raise_for_status()
        return int((await resp.json())["total"])


async def wait_drained(session: aiohttp.ClientSession, timeout: float) -> tuple[bool, float]:
    """Wait until no order is left in `placed`; answers (drained, seconds waited)."""
    start = time.perf_counter()
    while True:
        if await placed_backlog(session) == 0:
            return True, time.perf_counter() - start
        if time.perf_counter() - start > timeout:
            return False, time.perf_counter() - start
        await asyncio.sleep(0.05)


@dataclass(kw_only=True)
class Tally:
    """Answers by status and failures by exception; `ok_status` is the answer that counts."""

    statuses: dict[int, int] = field(default_factory=dict)
    exceptions: dict[str, int] = field(default_factory=dict)
    ok_status: int = 201

    @property
    def ok(self) -> int:
        return self.statuses.get(self.ok_status, 0)

    @property
    def errors(self) -> int:
        bad = sum(n for code, n in self.statuses.items() if code != self.ok_status)
        return bad + sum(self.exceptions.values())

    def answered(self, status: int) -> None:
        self.statuses[status] = self.statuses.get(status, 0) + 1

    def failed(self, exc: BaseException) -> str:
        name = type(exc).__name__
        self.exceptions[name] = self.exceptions.get(name, 0) + 1
        return name

    def counts(self) -> dict[str, object]:
        return {
            "ok": self.ok,
            "errors": self.errors,
            "statuses": {str(k): v for k, v in sorted(self.statuses.items())},
            "exceptions": self.exceptions,
        }


@dataclass
class LoadResult(Tally):
    concurrency: int = 0
    duration_s: float = 0.0
    latencies: list[float] = field(default_factory=list)
    order_ids: list[str] = field(default_factory=list)
    failed_samples: list[dict] = field(default_factory=list)
    wall_start: float = 0.0
    client_cpu_s: float = 0.0
    ok_including_warmup: int = 0

    def summary(self) -> dict[str, object]:
        total = len(self.latencies)
        return {
            "concurrency": self.concurrency,
            "requests": total,
            **self.counts(),
            "failed_samples": self.failed_samples,
            "duration_s": round(self.duration_s, 3),
            "throughput_rps": round(self.ok / self.duration_s, 1) if self.duration_s else None,
            "latency_ms": summary_ms(self.latencies),
            "client_cpu_ms_per_request": round(self.client_cpu_s / total * 1000, 3)
            if total
            else None,
        }


async def warm_up(
    base_url: str,
    token: str,
    payloads: list[bytes] | Callable[[], tuple[str, bytes]],
    seconds: float,
    **how: Any,
) -> None:
    """Unrecorded closed-loop load (as `closed_loop`, `how` its options) at concurrency 10,
    for `seconds` but at least one."""
    await closed_loop(base_url, token, payloads, concurrency=10, duration=max(1.0, seconds), **how)


def orders_from(payloads: list[bytes]) -> Callable[[], tuple[str, bytes]]:
    """POST /orders with the payloads in turn."""
    counter = iter(range(10**12))
    return lambda: ("/orders", payloads[next(counter) % len(payloads)])


async def closed_loop(
    base_url: str,
    token: str,
    payloads: list[bytes] | Callable[[], tuple[str, bytes]],
    *,
    concurrency: int,
    duration: float,
    warmup: float = 0.0,
    ok_status: int = 201,
    finished: Callable[[str], None] | None = None,
    keep_failures: int = 0,
) -> LoadResult:
    """`concurrency` workers, each POSTing the next request as soon as its answer arrives:
    orders of `payloads`, or `payloads()` = (path, body) of any endpoint.

    Requests that start during the warm-up are not recorded; the measured window is
    `duration` seconds after it, and the throughput counts the requests started inside
    the window over the time until the last of them answered. The ids of the orders
    answered `ok_status` in the window are kept, and the first `keep_failures` failed
    requests with their answers; `finished(path)` is called as each request ends.
    """
    next_request = orders_from(payloads) if isinstance(payloads, list) else payloads
    keep_ids = isinstance(payloads, list)
    result = LoadResult(ok_status=ok_status, concurrency=concurrency)
    session = session_for(base_url, token, concurrency)
    measure_start = time.perf_counter() + warmup
    end = measure_start + duration
    last_done = measure_start
    cpu_before = 0.0
    warmup_ok = 0

    def keep_failure(path: str, body: bytes, **what: object) -> None:
        if len(result.failed_samples) < keep_failures:
            result.failed_samples.append({"request": f"POST {path}", "body": body.decode(), **what})

    async def worker() -> None:
        nonlocal last_done, warmup_ok
        while True:
            t0 = time.perf_counter()
            if t0 >= end:
                return
            path, body = next_request()
            try:
                async with session.post(path, data=body, headers=JSON) as resp:
                    data = await resp.read()
                    status = resp.status
            except (TimeoutError, aiohttp.ClientError) as exc:
                if finished is not None:
                    finished(path)
                if t0 >= measure_start:
                    keep_failure(path, body, error=result.failed(exc))
                continue
            t1 = time.perf_counter()
            if finished is not None:
                finished(path)
            if status != ok_status:
                keep_failure(
                    path, body, status=status, response=data[:500].decode(errors="replace")
                )
            if t0 < measure_start:
                warmup_ok += status == ok_status
                continue
            result.latencies.append(t1 - t0)
            result.answered(status)
            last_done = max(last_done, t1)
            if keep_ids and status == ok_status:
                result.order_ids.append(orjson.loads(data)["id"])

    async def mark_window() -> None:
        nonlocal cpu_before
        await asyncio.sleep(max(0.0, measure_start - time.perf_counter()))
        cpu_before = client_cpu_seconds()
        result.wall_start = time.time()

    try:
        await asyncio.gather(mark_window(), *(worker() for _ in range(concurrency)))
    finally:
        await session.close()
    result.duration_s = max(last_done - measure_start, 1e-9)
    result.client_cpu_s = client_cpu_seconds() - cpu_before
    result.ok_including_warmup = warmup_ok + result.ok
    return result


async def confirmation_probe(
    session: aiohttp.ClientSession,
    payloads: list[bytes],
    *,
    samples: int,
    poll_interval: float = 0.002,
    timeout: float = 10.0,
) -> dict[str, object]:
    """One order at a time: post it, then read it every `poll_interval` until `confirmed` (or
    a later status: on a busy machine billing may invoice it between two reads)."""
    post_lat: list[float] = []
    confirm_lat: list[float] = []
    polls: list[int] = []
    failures: dict[str, int] = {}
    order_ids: list[str] = []
    wall_start = time.time()
    for i in range(samples):
        t0 = time.perf_counter()
        async with session.post("/orders", data=payloads[i % len(payloads)], headers=JSON) as resp:
            data = await resp.read()
            if resp.status != 201:
                failures[f"post {resp.status}"] = failures.get(f"post {resp.status}", 0) + 1
                continue
        post_lat.append(time.perf_counter() - t0)
        order_id = orjson.loads(data)["id"]
        order_ids.append(order_id)
        count = 0
        while True:
            await asyncio.sleep(poll_interval)
            count += 1
            async with session.get(f"/orders/{order_id}") as resp:
                status = (orjson.loads(await resp.read())).get("status")
            if status in CONFIRMED_OR_LATER:
                confirm_lat.append(time.perf_counter() - t0)
                polls.append(count)
                break
            if status != "placed" or time.perf_counter() - t0 > timeout:
                key = f"ended {status}"
                failures[key] = failures.get(key, 0) + 1
                break
        await asyncio.sleep(0.02)
    return {
        "samples": samples,
        "post_ms": summary_ms(post_lat),
        "confirmed_ms": summary_ms(confirm_lat),
        "mean_polls": round(sum(polls) / len(polls), 1) if polls else None,
        "confirmed_s": [round(v, 6) for v in confirm_lat],
        "post_s": [round(v, 6) for v in post_lat],
        "order_ids": order_ids,
        "wall_start": wall_start,
        "failures": failures,
    }
