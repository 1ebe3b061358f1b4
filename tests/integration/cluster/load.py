"""Orders placed through the HTTP API at a steady pace, the way a client that retries does:
each order carries an Idempotency-Key, and a refusal for load (503) or a lost connection is
retried with the same key, so an order is never placed twice."""

from __future__ import annotations

import asyncio
import uuid

import aiohttp

JSON = {"Content-Type": "application/json"}
ATTEMPTS = 60


class OrderLoad:
    def __init__(self, session: aiohttp.ClientSession, payloads: list[bytes]) -> None:
        self.session = session
        self.payloads = payloads
        self.placed: list[str] = []
        self.retries = 0

    async def place(self, body: bytes) -> None:
        headers = {**JSON, "Idempotency-Key": str(uuid.uuid4())}
        for _ in range(ATTEMPTS):
            try:
                async with self.session.post("/orders", data=body, headers=headers) as resp:
                    if resp.status == 201:
                        self.placed.append(str((await resp.json())["id"]))
                        return
                    text = await resp.text()
                    assert resp.status == 503, f"POST /orders answered {resp.status}: {text}"
                    wait = float(resp.headers.get("Retry-After", "1"))
            except aiohttp.ClientError:
                wait = 0.5
            self.retries += 1
            await asyncio.sleep(wait)
        raise AssertionError(f"an order was refused {ATTEMPTS} times")

    async def run(self, *, per_second: float, in_flight: int) -> None:
        """Every payload once: one started every 1/per_second s, at most `in_flight` open."""
        slots = asyncio.Semaphore(in_flight)
        tasks: list[asyncio.Task[None]] = []

        async def one(body: bytes) -> None:
            try:
                await self.place(body)
            finally:
                slots.release()

        for body in self.payloads:
            await slots.acquire()
            tasks.append(asyncio.create_task(one(body)))
            await asyncio.sleep(1 / per_second)
        await asyncio.gather(*tasks)
