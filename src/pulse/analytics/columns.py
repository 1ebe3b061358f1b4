"""A batch's column lists as Arrow tables, the form DuckDB ingests in bulk."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

import pyarrow as pa

from pulse.analytics.transform import InvoiceChange


def table(columns: dict[str, list[Any]]) -> pa.Table | None:
    """Columns as an Arrow table (strings stay strings; DuckDB casts), None when empty."""
    first = next(iter(columns.values()))
    if not first:
        return None
    return pa.table({name: pa.array(values) for name, values in columns.items()})


def rows_table(rows: Iterable[dict[str, Any]], names: Iterable[str]) -> pa.Table | None:
    names = list(names)
    cols: dict[str, list[Any]] = {name: [] for name in names}
    for row in rows:
        for name in names:
            value = row.get(name)
            cols[name].append(None if value is None else _plain(value))
    return table(cols)


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    return value


def invoice_changes_table(changes: dict[str, InvoiceChange]) -> pa.Table | None:
    if not changes:
        return None
    return pa.table(
        {
            "invoice_id": list(changes),
            "set_balance": [
                None if c.set_balance is None else str(c.set_balance) for c in changes.values()
            ],
            "subtract": [str(c.subtract) for c in changes.values()],
            "paid": [str(c.paid) for c in changes.values()],
            "credited": [str(c.credited) for c in changes.values()],
            "status": [c.status for c in changes.values()],
            "ts": [c.ts for c in changes.values()],
        }
    )
