"""The live push's message for a batch: names and keys of what changed, never figures."""

from __future__ import annotations

from datetime import date, datetime

from pulse.analytics import live
from pulse.analytics.projection import Applied


def test_a_batch_is_named_by_aggregate_and_key() -> None:
    applied = Applied(
        events=3,
        position=42,
        duration_ms=1.23456,
        changed={
            "sales_by_hour": [datetime(2026, 12, 2, 17)],
            "sales_by_day": [date(2026, 12, 2)],
            "stock_snapshot": ["CAM-1", "CAM-2"],
            "ar_aging": [],
        },
        orders=[{"id": "o-1", "status": "confirmed"}],
    )
    message = live.message(applied)
    assert message == {
        "position": 42,
        "events": 3,
        "batch_ms": 1.235,
        "orders": [{"id": "o-1", "status": "confirmed"}],
        "changed": {
            "sales_by_hour": [datetime(2026, 12, 2, 17)],
            "sales_by_day": [date(2026, 12, 2)],
            "stock_snapshot": ["CAM-1", "CAM-2"],
            "ar_aging": [],
        },
    }
    # On the wire the store's naive UTC hours say they are UTC.
    assert b'"sales_by_hour":["2026-12-02T17:00:00+00:00"]' in live.dumps(message)


def test_too_many_keys_name_the_aggregate_only() -> None:
    skus = [f"SKU-{n}" for n in range(live.MAX_KEYS + 1)]
    applied = Applied(1, 1, 0.0, changed={"stock_snapshot": skus, "sales_by_product": skus[:3]})
    changed = live.message(applied)["changed"]
    assert changed == {"stock_snapshot": None, "sales_by_product": skus[:3]}
