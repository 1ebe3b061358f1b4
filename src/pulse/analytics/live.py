"""Live push: after each committed batch, every connected dashboard gets what changed.

One message is built and serialised per batch, whatever the number of listeners; each
listener has a bounded queue, and one that cannot keep up is told to reload rather than
slowing the projector or the others.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import duckdb
import orjson

from pulse.analytics.projection import Applied
from pulse.analytics.sql import rows

# Batches a listener may fall behind before it is told to reload (a burst under load
# produces many small batches; each message is a few kilobytes).
QUEUE_SIZE = 1024
HEARTBEAT_SECONDS = 15.0
# Above this many changed keys an aggregate is only named, and dashboards reload it.
MAX_KEYS = 50


def _default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(type(value))


def dumps(value: Any) -> bytes:
    """JSON with money as strings and the store's (UTC) timestamps marked as UTC."""
    return orjson.dumps(value, default=_default, option=orjson.OPT_NAIVE_UTC)


# The rows of each aggregate to send, by the keys that changed.
FIGURES = {
    "sales_by_hour": ("SELECT * FROM sales_by_hour WHERE hour IN ? ORDER BY hour", "hour"),
    "sales_by_day": ("SELECT * FROM sales_by_day WHERE day IN ? ORDER BY day", "day"),
    "sales_by_product": (
        "SELECT p.*, s.name FROM sales_by_product p LEFT JOIN stock_snapshot s USING (sku) "
        "WHERE p.sku IN ? ORDER BY p.sku",
        "sku",
    ),
    "sales_by_customer": (
        "SELECT s.*, c.name FROM sales_by_customer s LEFT JOIN customers c USING (customer_id) "
        "WHERE s.customer_id IN ?",
        "customer_id",
    ),
    "stock_snapshot": (
        "SELECT *, on_hand - reserved AS available FROM stock_snapshot WHERE sku IN ? ORDER BY sku",
        "sku",
    ),
    "cash_by_day": ("SELECT * FROM cash_by_day WHERE day IN ? ORDER BY day", "day"),
    "fulfilment_by_day": (
        "SELECT * FROM fulfilment_by_day WHERE day IN ? ORDER BY day",
        "day",
    ),
}


# Experiment: rows (B) or keys only (A).
ROWS = os.environ.get("PULSE_LIVE_ROWS") == "1"


def keys_only(applied: Applied) -> dict[str, Any]:
    """The message for one batch: what changed, by name and keys; no rows."""
    return {
        "position": applied.position,
        "events": applied.events,
        "batch_ms": round(applied.duration_ms, 3),
        "orders": applied.orders,
        "changed": {
            name: (list(keys) if len(keys) <= MAX_KEYS else None)
            for name, keys in applied.changed.items()
        },
    }


def figures(cur: duckdb.DuckDBPyConnection, applied: Applied) -> dict[str, Any]:
    """The message for one batch: what changed and, where few keys did, the new rows."""
    changed: dict[str, Any] = {}
    for name, keys in applied.changed.items():
        if name == "ar_aging":
            changed[name] = rows(
                cur, "SELECT bucket, invoices, amount, as_of FROM ar_aging ORDER BY sort", []
            )
        elif name in FIGURES and 0 < len(keys) <= MAX_KEYS:
            sql, _ = FIGURES[name]
            changed[name] = rows(cur, sql, [list(keys)])
        else:
            changed[name] = None  # too many to send: reload
    return {
        "position": applied.position,
        "events": applied.events,
        "batch_ms": round(applied.duration_ms, 3),
        "orders": applied.orders,
        "changed": changed,
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
