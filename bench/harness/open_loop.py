"""An open loop: POST /orders on a fixed schedule, whatever the answers."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field

import aiohttp
import orjson

from bench.harness.load import JSON, Tally
from bench.harness.stats import summary_ms


@dataclass
class OpenLoop(Tally):
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
    planned: int = 0
    launched: int = 0
    in_flight: int = 0
    max_in_flight: int = 0
    first_send: float = 0.0
    last_send: float = 0.0
    last_answer: float = 0.0

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
                self.failed(exc)
                return
            finally:
                self.in_flight -= 1
            t1 = time.perf_counter()
            self.last_answer = max(self.last_answer, t1)
            self.post_latencies.append(t1 - t0)
            self.answered(status)
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
            **self.counts(),
            "achieved_send_rate": round((self.launched - 1) / span, 2) if span > 0 else None,
            "answered_201_per_s": round(self.ok / (self.last_answer - self.first_send), 2)
            if self.last_answer > self.first_send
            else None,
            "max_in_flight": self.max_in_flight,
            "post_ms": summary_ms(self.post_latencies),
            "schedule_lag_ms": summary_ms(self.schedule_lag),
        }
