"""A batch's column lists as a SELECT that DuckDB reads in bulk.

The columns travel as one JSON document inside the statement, which DuckDB's own JSON
reader parses and unnests into rows: no row-by-row inserts, and no columnar library in the
process (Arrow alone would add about 40 MiB to the embedded server's resident memory, a
tenth of its budget). Values stay as plain as they came: strings (ids, money, timestamps)
are cast by the statements that read them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import orjson

from pulse.analytics.sql import literal
from pulse.analytics.transform import InvoiceChange


@dataclass(frozen=True)
class Rows:
    """A SELECT of `count` rows."""

    select: str
    count: int


def table(columns: dict[str, list[Any]]) -> Rows | None:
    """The columns as a SELECT of rows (one per position), None when there are none."""
    first = next(iter(columns.values()))
    if not first:
        return None
    structure = {name: f"{_type(values)}[]" for name, values in columns.items()}
    document = orjson.dumps(columns).decode()
    select = ", ".join(f'unnest(j."{name}") AS "{name}"' for name in columns)
    return Rows(
        f"SELECT {select} FROM (SELECT from_json({literal(document)}, "
        f"{literal(orjson.dumps(structure).decode())}) AS j)",
        len(first),
    )


def _type(values: list[Any]) -> str:
    """DuckDB's type for a column of plain Python values (None fits any)."""
    kinds = set(map(type, values))
    kinds.discard(type(None))
    if not kinds or kinds == {str}:
        return "VARCHAR"
    if kinds == {bool}:
        return "BOOLEAN"
    if kinds == {int}:
        return "BIGINT"
    if kinds <= {int, float}:
        return "DOUBLE"
    names = sorted(kind.__name__ for kind in kinds)
    raise TypeError(f"a column mixes or holds unsupported types: {names}")


def rows_table(rows: Iterable[dict[str, Any]], names: Iterable[str]) -> Rows | None:
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


def invoice_changes_table(changes: dict[str, InvoiceChange]) -> Rows | None:
    if not changes:
        return None
    return table(
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
