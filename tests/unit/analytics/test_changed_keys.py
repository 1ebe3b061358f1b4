"""What a batch says it changed covers every row it changed.

The live push names the aggregates and keys a batch moved, and a dashboard refetches only
those: a key left out is a figure that stays stale on screen. Here a realistic stream (the
order flow with rejections, cancellations, payments and credit notes, and invoices voided
days after their issue) is applied in batches of many sizes, and after each one the rows of
every keyed aggregate are compared with the rows before it: each key whose row appeared,
vanished or moved must be named.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from bench.projector_batch import raw_events

from pulse.analytics import projection, transform
from pulse.analytics.store import AnalyticsStore
from pulse.analytics.transform import RawEvent

# aggregate → its key column
KEYED = {
    "sales_by_hour": "hour",
    "sales_by_day": "day",
    "sales_by_customer": "customer_id",
    "sales_by_product": "sku",
    "fulfilment_by_day": "day",
    "cash_by_day": "day",
}
TODAY = date(2026, 12, 2)


def _with_voids(stream: Iterator[RawEvent]) -> Iterator[RawEvent]:
    """The stream, numbered again, with every tenth invoice dated a day of its own and, unless
    paid by then, voided two days after the event that comes 1,500 events after its issue."""
    seq = 0
    unpaid: dict[str, dict[str, Any]] = {}
    issued = 0
    for count, event in enumerate(stream):
        seq += 1
        payload = event.payload
        if event.type == "invoice.issued":
            issued += 1
            if issued % 10 == 0:
                # Dated a day of its own: only the void's own key names that day's row.
                day = date(2026, 9, 1) + timedelta(days=issued // 10)
                payload = {**payload, "issue_date": day.isoformat()}
                unpaid[payload["invoice_id"]] = {**payload, "due": count + 1500}
        yield RawEvent(seq, event.type, event.occurred_at, payload)
        if event.type == "payment.received":
            unpaid.pop(event.payload["invoice_id"], None)
        for invoice_id, pending in list(unpaid.items()):
            if pending["due"] <= count:
                del unpaid[invoice_id]
                seq += 1
                later = datetime.fromisoformat(event.occurred_at) + timedelta(days=2)
                void = {k: pending[k] for k in ("invoice_id", "number", "order_id")}
                void |= {k: pending[k] for k in ("customer_id", "subtotal", "tax", "total")}
                yield RawEvent(seq, "invoice.voided", later.isoformat(), {**void, "reason": "test"})


def _rows(cur: Any) -> dict[str, dict[Any, tuple[Any, ...]]]:
    out: dict[str, dict[Any, tuple[Any, ...]]] = {}
    for table, key in KEYED.items():
        result = cur.execute(f"SELECT * FROM {table}")
        names = [d[0] for d in result.description]
        at = names.index(key)
        out[table] = {row[at]: row for row in result.fetchall()}
    return out


def test_every_changed_row_is_named(tmp_path: Path) -> None:
    store = AnalyticsStore(tmp_path / "analytics.duckdb", memory_limit="64MB", threads=1)
    store.open()
    try:
        cur = store.cursor()
        stream = _with_voids(raw_events(11))
        sizes = itertools.cycle([1, 2, 7, 30, 3, 120, 1, 300, 12])
        named = voids = 0
        for _ in range(90):
            events = [next(stream) for _ in range(next(sizes))]
            voids += sum(e.type == "invoice.voided" for e in events)
            before = _rows(cur)
            applied = projection.apply(cur, transform.build(events), source="test", today=TODAY)
            after = _rows(cur)
            for table in KEYED:
                moved = {
                    k
                    for k in before[table].keys() | after[table].keys()
                    if before[table].get(k) != after[table].get(k)
                }
                said = set(applied.changed.get(table) or [])
                assert moved <= said, f"{table}: {sorted(map(str, moved - said))} not named"
                named += len(moved)
        assert voids > 5
        assert named > 500  # the stream moved many rows of every kind, not a few
        for table in KEYED:
            assert cur.execute(f"SELECT count(*) FROM {table}").fetchall() != [(0,)], table
    finally:
        store.close()
