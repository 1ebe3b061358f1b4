"""What the server recorded, read from its outbox: order → confirmed latency by stage, and
`Reader`, one connection for the events of a run (SQLite or PostgreSQL).

For each order the client placed, the outbox holds `order.created`, `stock.reserved` and
`order.confirmed` (aggregate_id = the order id). Their `occurred_at` stamps are taken when
the event is emitted, just before its transaction commits, so `confirmed − created` misses
the last commit (about a millisecond) and is a slight underestimate. `published_at` of
`order.created` is when the relay handed it to the bus; it splits the time into stages.
"""

from __future__ import annotations

import asyncio
import re
import sqlite3
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson

from bench.harness.servers import Deployment
from bench.harness.stats import summary_ms

TYPES = (
    "order.created",
    "stock.reserved",
    "order.confirmed",
    "order.rejected",
    "stock.reservation_failed",
)


def _aware(value: datetime | str | None) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value


Row = tuple[str, str, datetime | None, datetime | None]


def read_sqlite(path: Path, since: datetime) -> list[Row]:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)
    try:
        marks = ",".join("?" for _ in TYPES)
        rows = conn.execute(
            f"SELECT type, aggregate_id, occurred_at, published_at FROM outbox "
            f"WHERE type IN ({marks}) AND occurred_at >= ?",
            (*TYPES, since.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ")),
        ).fetchall()
    finally:
        conn.close()
    return [(t, a, _aware(o), _aware(p)) for t, a, o, p in rows]


async def read_postgres(dsn: str, since: datetime) -> list[Row]:
    import asyncpg

    conn = await asyncpg.connect(dsn)
    try:
        rows = await conn.fetch(
            "SELECT type, aggregate_id, occurred_at, published_at FROM outbox "
            "WHERE type = ANY($1::text[]) AND occurred_at >= $2",
            list(TYPES),
            since,
        )
    finally:
        await conn.close()
    return [(r[0], r[1], _aware(r[2]), _aware(r[3])) for r in rows]


def since_for(wall_start: float) -> datetime:
    return datetime.fromtimestamp(wall_start, UTC) - timedelta(seconds=2)


def confirmation_latency(rows: Iterable[Row], order_ids: Iterable[str]) -> dict[str, object]:
    wanted = set(order_ids)
    created: dict[str, tuple[datetime, datetime | None]] = {}
    reserved: dict[str, datetime] = {}
    confirmed: dict[str, datetime] = {}
    rejected = 0
    for type_, aggregate_id, occurred, published in rows:
        if aggregate_id not in wanted or occurred is None:
            continue
        if type_ == "order.created":
            created[aggregate_id] = (occurred, published)
        elif type_ == "stock.reserved":
            reserved[aggregate_id] = occurred
        elif type_ == "order.confirmed":
            confirmed[aggregate_id] = occurred
        elif type_ == "order.rejected":
            rejected += 1
    total, relay, reserve, confirm = [], [], [], []
    for order_id, (placed_at, relayed_at) in created.items():
        done = confirmed.get(order_id)
        if done is None:
            continue
        total.append((done - placed_at).total_seconds())
        held = reserved.get(order_id)
        if relayed_at is not None:
            relay.append((relayed_at - placed_at).total_seconds())
            if held is not None:
                reserve.append((held - relayed_at).total_seconds())
        if held is not None:
            confirm.append((done - held).total_seconds())
    span = None
    if created and confirmed:
        first = min(p for p, _ in created.values())
        last = max(confirmed.values())
        span = (last - first).total_seconds()
    return {
        "orders": len(wanted),
        "created_events": len(created),
        "confirmed": len(confirmed),
        "rejected": rejected,
        "created_to_confirmed_ms": summary_ms(total),
        "stages_ms": {
            "created_to_relayed": summary_ms(relay),
            "relayed_to_reserved": summary_ms(reserve),
            "reserved_to_confirmed": summary_ms(confirm),
        },
        "confirmed_per_s": round(len(confirmed) / span, 1) if span else None,
    }


# pk, type, aggregate_id, occurred_at, payload
Event = tuple[int, str, str, datetime, dict]


class Reader:
    """Reads of the outbox and the consumers' inbox (`processed_events`), on SQLite or
    PostgreSQL, over one connection kept open for the run."""

    def __init__(self, deployment: Deployment) -> None:
        self.sqlite_path = deployment.sqlite_path
        self.pg_dsn = deployment.pg_dsn
        self._sqlite: sqlite3.Connection | None = None
        self._pg: Any = None
        self._lock = asyncio.Lock()

    async def open(self) -> None:
        if self.sqlite_path is not None:
            self._sqlite = sqlite3.connect(
                f"file:{self.sqlite_path}?mode=ro", uri=True, timeout=30, check_same_thread=False
            )
        else:
            import asyncpg

            self._pg = await asyncpg.connect(self.pg_dsn)

    async def close(self) -> None:
        if self._sqlite is not None:
            self._sqlite.close()
        if self._pg is not None:
            await self._pg.close()

    async def fetch(self, sql: str, *params: object) -> list[tuple]:
        async with self._lock:
            if self._sqlite is not None:
                conn = self._sqlite
                sql = re.sub(r"\$\d+", "?", sql)
                return await asyncio.to_thread(lambda: conn.execute(sql, params).fetchall())
            return [tuple(r) for r in await self._pg.fetch(sql, *params)]

    async def max_pk(self) -> int:
        rows = await self.fetch("SELECT coalesce(max(pk), 0) FROM outbox")
        return int(rows[0][0])

    async def rows(self, types: tuple[str, ...], after_pk: int) -> list[Event]:
        marks = ", ".join(f"${i}" for i in range(2, len(types) + 2))
        found = await self.fetch(
            "SELECT pk, type, aggregate_id, occurred_at, payload FROM outbox "
            f"WHERE pk > $1 AND type IN ({marks}) ORDER BY pk",
            after_pk,
            *types,
        )
        out = []
        for pk, type_, aggregate_id, occurred, payload in found:
            if isinstance(payload, (str, bytes)):
                payload = orjson.loads(payload)
            out.append((int(pk), type_, aggregate_id, _aware(occurred), payload))
        return out
