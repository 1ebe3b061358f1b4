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
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import aiohttp
import jwt
import orjson

from bench.stats import summary_ms

JSON = {"Content-Type": "application/json"}


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


async def _post_json(session: aiohttp.ClientSession, path: str, body: dict) -> dict:
    async with session.post(path, data=orjson.dumps(body), headers=JSON) as resp:
        data = await resp.read()
        if resp.status != 201:
            raise RuntimeError(f"POST {path} answered {resp.status}: {data[:300]!r}")
        return orjson.loads(data)


async def seed(
    session: aiohttp.ClientSession,
    run_id: str,
    *,
    customers: int = 20,
    products: int = 50,
    stock: int = 100_000_000,
) -> Fixtures:
    """Customers and products with plenty of stock, through the API like any client."""
    customer_ids = [
        (
            await _post_json(
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
        await _post_json(
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
    return Fixtures(customer_ids, skus)


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


@dataclass
class LoadResult:
    concurrency: int
    duration_s: float
    latencies: list[float]
    order_ids: list[str]
    statuses: dict[int, int]
    exceptions: dict[str, int]
    wall_start: float
    client_cpu_s: float
    ok_including_warmup: int = 0

    @property
    def ok(self) -> int:
        return self.statuses.get(201, 0)

    @property
    def errors(self) -> int:
        return sum(n for code, n in self.statuses.items() if code != 201) + sum(
            self.exceptions.values()
        )

    def summary(self) -> dict[str, object]:
        total = len(self.latencies)
        return {
            "concurrency": self.concurrency,
            "requests": total,
            "ok": self.ok,
            "errors": self.errors,
            "statuses": {str(k): v for k, v in sorted(self.statuses.items())},
            "exceptions": self.exceptions,
            "duration_s": round(self.duration_s, 3),
            "throughput_rps": round(self.ok / self.duration_s, 1) if self.duration_s else None,
            "latency_ms": summary_ms(self.latencies),
            "client_cpu_ms_per_request": round(self.client_cpu_s / total * 1000, 3)
            if total
            else None,
        }


async def closed_loop(
    base_url: str,
    token: str,
    payloads: list[bytes],
    *,
    concurrency: int,
    duration: float,
    warmup: float,
) -> LoadResult:
    """`concurrency` workers, each posting the next order as soon as its answer arrives.

    Requests that start during the warm-up are not recorded; the measured window is
    `duration` seconds after it, and the throughput counts the requests started inside
    the window over the time until the last of them answered.
    """
    latencies: list[float] = []
    order_ids: list[str] = []
    statuses: dict[int, int] = {}
    exceptions: dict[str, int] = {}
    counter = iter(range(10**12))
    n_payloads = len(payloads)
    session = session_for(base_url, token, concurrency)
    loop_start = time.perf_counter()
    measure_start = loop_start + warmup
    end = measure_start + duration
    last_done = measure_start
    cpu_before = 0.0
    wall_start = 0.0
    warmup_ok = 0

    async def worker() -> None:
        nonlocal last_done, warmup_ok
        while True:
            t0 = time.perf_counter()
            if t0 >= end:
                return
            body = payloads[next(counter) % n_payloads]
            status = 0
            data = b""
            try:
                async with session.post("/orders", data=body, headers=JSON) as resp:
                    data = await resp.read()
                    status = resp.status
            except (TimeoutError, aiohttp.ClientError) as exc:
                name = type(exc).__name__
                if t0 >= measure_start:
                    exceptions[name] = exceptions.get(name, 0) + 1
                continue
            t1 = time.perf_counter()
            if t0 < measure_start:
                warmup_ok += status == 201
                continue
            latencies.append(t1 - t0)
            statuses[status] = statuses.get(status, 0) + 1
            last_done = max(last_done, t1)
            if status == 201:
                order_ids.append(orjson.loads(data)["id"])

    async def mark_window() -> None:
        nonlocal cpu_before, wall_start
        await asyncio.sleep(max(0.0, measure_start - time.perf_counter()))
        cpu_before = client_cpu_seconds()
        wall_start = time.time()

    try:
        await asyncio.gather(mark_window(), *(worker() for _ in range(concurrency)))
    finally:
        await session.close()
    return LoadResult(
        concurrency=concurrency,
        duration_s=max(last_done - measure_start, 1e-9),
        latencies=latencies,
        order_ids=order_ids,
        statuses=statuses,
        exceptions=exceptions,
        wall_start=wall_start,
        client_cpu_s=client_cpu_seconds() - cpu_before,
        ok_including_warmup=warmup_ok + statuses.get(201, 0),
    )


async def confirmation_probe(
    session: aiohttp.ClientSession,
    payloads: list[bytes],
    *,
    samples: int,
    poll_interval: float = 0.002,
    timeout: float = 10.0,
) -> dict[str, object]:
    """One order at a time: post it, then read it every `poll_interval` until `confirmed`."""
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
            if status == "confirmed":
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


@dataclass
class OpenLoop:
    """POST /orders on a fixed schedule (`rate` a second) whatever the answers: an open loop.

    Each order is sent at its planned moment in a task of its own, so many are in flight at
    once when the server is slow; a late send (the client's own loop behind) is recorded as
    schedule lag. `sent` maps each order answered 201 to the wall-clock time its POST was
    sent (for comparing with what another process saw), `post_latencies` are answer times
    measured from the send.
    """

    base_url: str
    token: str
    payloads: list[bytes]
    rate: float
    duration: float
    max_connections: int = 1000
    sent: dict[str, float] = field(default_factory=dict)
    post_latencies: list[float] = field(default_factory=list)
    schedule_lag: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    exceptions: dict[str, int] = field(default_factory=dict)
    planned: int = 0
    launched: int = 0
    in_flight: int = 0
    max_in_flight: int = 0
    first_send: float = 0.0
    last_send: float = 0.0
    last_answer: float = 0.0

    @property
    def ok(self) -> int:
        return self.statuses.get(201, 0)

    @property
    def errors(self) -> int:
        return sum(n for code, n in self.statuses.items() if code != 201) + sum(
            self.exceptions.values()
        )

    async def run(self) -> OpenLoop:
        connector = aiohttp.TCPConnector(
            limit=self.max_connections, keepalive_timeout=60, ttl_dns_cache=None
        )
        session = aiohttp.ClientSession(
            self.base_url,
            connector=connector,
            headers={"Authorization": f"Bearer {self.token}"},
            timeout=aiohttp.ClientTimeout(total=120),
        )
        self.planned = int(self.rate * self.duration)
        tasks: set[asyncio.Task[None]] = set()
        n_payloads = len(self.payloads)

        async def one(i: int) -> None:
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
            wall, t0 = time.time(), time.perf_counter()
            try:
                async with session.post(
                    "/orders", data=self.payloads[i % n_payloads], headers=JSON
                ) as resp:
                    data = await resp.read()
                    status = resp.status
            except (TimeoutError, aiohttp.ClientError) as exc:
                name = type(exc).__name__
                self.exceptions[name] = self.exceptions.get(name, 0) + 1
                return
            finally:
                self.in_flight -= 1
            t1 = time.perf_counter()
            self.last_answer = max(self.last_answer, t1)
            self.post_latencies.append(t1 - t0)
            self.statuses[status] = self.statuses.get(status, 0) + 1
            if status == 201:
                self.sent[orjson.loads(data)["id"]] = wall

        start = time.perf_counter() + 0.05
        try:
            for i in range(self.planned):
                due = start + i / self.rate
                delay = due - time.perf_counter()
                if delay > 0:
                    await asyncio.sleep(delay)
                now = time.perf_counter()
                self.schedule_lag.append(max(0.0, now - due))
                if i == 0:
                    self.first_send = now
                self.last_send = now
                task = asyncio.create_task(one(i))
                tasks.add(task)
                task.add_done_callback(tasks.discard)
                self.launched += 1
            if tasks:
                await asyncio.gather(*tasks)
        finally:
            await session.close()
        return self

    def summary(self) -> dict[str, object]:
        span = self.last_send - self.first_send
        return {
            "rate_asked": self.rate,
            "duration_s": self.duration,
            "planned": self.planned,
            "sent": self.launched,
            "ok": self.ok,
            "errors": self.errors,
            "statuses": {str(k): v for k, v in sorted(self.statuses.items())},
            "exceptions": self.exceptions,
            "achieved_send_rate": round((self.launched - 1) / span, 2) if span > 0 else None,
            "answered_201_per_s": round(self.ok / (self.last_answer - self.first_send), 2)
            if self.last_answer > self.first_send
            else None,
            "max_in_flight": self.max_in_flight,
            "post_ms": summary_ms(self.post_latencies),
            "schedule_lag_ms": summary_ms(self.schedule_lag),
        }
