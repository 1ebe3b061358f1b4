"""Live push: after each committed batch, every connected dashboard is told what changed.

A batch's message names the aggregates it changed and their keys (hours, days, SKUs,
customers), and the orders it moved; it carries no figures. A dashboard refetches the
reports it shows (docs/ARCHITECTURE.md, "Live push"): the report is the one source of each
figure, and the projector never queries DuckDB for a push. One message is serialised per
batch, whatever the number of listeners; each listener has a bounded queue, and one that
cannot keep up is told to reload rather than slowing the projector or the others.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import orjson

from pulse.analytics.projection import Applied

# Batches a listener may fall behind before it is told to reload (a burst under load
# produces many small batches; each message is a few hundred bytes).
QUEUE_SIZE = 1024
HEARTBEAT_SECONDS = 15.0
# Above this many changed keys an aggregate is only named (null): "reload all of it".
MAX_KEYS = 50


def _default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(type(value))


def dumps(value: Any) -> bytes:
    """JSON with money as strings and the store's (UTC) timestamps marked as UTC."""
    return orjson.dumps(value, default=_default, option=orjson.OPT_NAIVE_UTC)


def message(applied: Applied) -> dict[str, Any]:
    """The message for one batch: the aggregates it changed with their keys ([] for one
    without keys, such as ar_aging; null above MAX_KEYS), and the orders it moved."""
    return {
        "position": applied.position,
        "events": applied.events,
        "batch_ms": round(applied.duration_ms, 3),
        "orders": applied.orders,
        "changed": {
            name: list(keys) if len(keys) <= MAX_KEYS else None
            for name, keys in applied.changed.items()
        },
    }


class LiveHub:
    def __init__(self) -> None:
        self._queues: set[asyncio.Queue[bytes | None]] = set()

    @property
    def listeners(self) -> int:
        return len(self._queues)

    def publish(self, message: dict[str, Any]) -> None:
        if not self._queues:
            return
        data = b"event: batch\ndata: " + dumps(message) + b"\n\n"
        for queue in list(self._queues):
            try:
                queue.put_nowait(data)
            except asyncio.QueueFull:
                # Too slow: drop what it has not read and tell it to reload.
                while not queue.empty():
                    queue.get_nowait()
                queue.put_nowait(b"event: reload\ndata: {}\n\n")

    def close(self) -> None:
        for queue in list(self._queues):
            with contextlib.suppress(asyncio.QueueFull):
                queue.put_nowait(None)

    async def stream(self, hello: dict[str, Any]) -> AsyncIterator[bytes]:
        queue: asyncio.Queue[bytes | None] = asyncio.Queue(QUEUE_SIZE)
        self._queues.add(queue)
        try:
            yield b"retry: 2000\nevent: hello\ndata: " + dumps(hello) + b"\n\n"
            while True:
                try:
                    data = await asyncio.wait_for(queue.get(), timeout=HEARTBEAT_SECONDS)
                except TimeoutError:
                    yield b": keep-alive\n\n"
                    continue
                if data is None:
                    return
                yield data
        finally:
            self._queues.discard(queue)
