"""Bulk inserts convert values on SQLite themselves, and write event payloads by hand: both
must give exactly what SQLAlchemy's types and pydantic would."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest
from pydantic import BaseModel
from sqlalchemy.dialects import sqlite

import pulse.models  # noqa: F401 - every table
from pulse.billing.models import Invoice, JournalLine, Payment
from pulse.orders.models import OrderStatusChange
from pulse.platform import bulk
from pulse.platform.outbox import OutboxRecord

DIALECT = sqlite.dialect()
MOMENT = datetime(2026, 5, 6, 7, 8, 9, 101112, tzinfo=UTC)
SAME_ID = uuid.uuid4()
SAME_AMOUNT = Decimal("12.30")


def _by_the_types(table: Any, columns: tuple[str, ...], rows: list[tuple[Any, ...]]) -> list:
    processors = [table.c[name].type._cached_bind_processor(DIALECT) for name in columns]
    return [tuple(p(v) if p else v for p, v in zip(processors, row, strict=True)) for row in rows]


@pytest.mark.parametrize(
    ("table", "rows"),
    [
        (
            Invoice.__table__,
            [
                {
                    "id": uuid.uuid4(),
                    "order_id": None,
                    "customer_id": SAME_ID,
                    "issue_date": date(2026, 1, 31),
                    "total": SAME_AMOUNT,
                    "balance": Decimal("12.3"),
                    "amount_paid": Decimal("0.005"),  # rounded half-up by the type
                    "created_at": MOMENT,
                    "updated_at": MOMENT,
                },
                {
                    "id": uuid.uuid4(),
                    "order_id": SAME_ID,
                    "customer_id": SAME_ID,
                    "issue_date": date(2026, 1, 31),
                    "total": Decimal("12.30"),
                    "balance": SAME_AMOUNT,
                    "amount_paid": Decimal("0"),
                    "created_at": datetime(2026, 5, 6, 7, 8, 9),  # naive: taken as UTC
                    "updated_at": MOMENT.astimezone(timezone(timedelta(hours=-3))),
                },
            ],
        ),
        (
            OrderStatusChange.__table__,
            [
                {"order_id": SAME_ID, "to_status": "placed", "at": MOMENT.replace(microsecond=0)},
                {"order_id": SAME_ID, "to_status": "paid", "at": MOMENT},
            ],
        ),
        (
            Payment.__table__,
            [{"id": uuid.uuid4(), "amount": Decimal("999999999999.99"), "received_at": MOMENT}],
        ),
        (JournalLine.__table__, [{"entry_id": 7, "debit": Decimal("1.10"), "credit": Decimal(0)}]),
    ],
)
def test_values_are_stored_as_the_column_types_store_them(
    table: Any, rows: list[dict[str, Any]]
) -> None:
    columns = tuple(rows[0])
    tuples = [tuple(row[c] for c in columns) for row in rows]
    converters = [
        (i, c)
        for i, name in enumerate(columns)
        if (c := bulk.sqlite_converter(table.c[name].type, DIALECT)) is not None
    ]
    assert bulk._converted(tuples, converters) == _by_the_types(table, columns, tuples)


def test_documents_are_stored_as_the_json_type_stores_them() -> None:
    payload = {"a": "é", "n": [1, None, True], "m": {"x": "1.50"}}
    (index, convert) = (0, bulk.sqlite_converter(OutboxRecord.__table__.c.payload.type, DIALECT))
    assert convert is not None
    ((stored,),) = bulk._converted([(payload,)], [(index, convert)])
    process = OutboxRecord.__table__.c.payload.type._cached_bind_processor(DIALECT)
    assert json.loads(stored) == json.loads(process(payload)) == payload


class _Moment(BaseModel):
    at: datetime


@pytest.mark.parametrize(
    "moment",
    [
        MOMENT,
        MOMENT.replace(microsecond=0),
        MOMENT.replace(microsecond=1000),
        datetime(2026, 5, 6, 7, 8, 9),
        MOMENT.astimezone(timezone(timedelta(hours=5, minutes=30))),
    ],
)
def test_moments_are_written_as_pydantic_dumps_them(moment: datetime) -> None:
    assert bulk.json_datetime(moment) == _Moment(at=moment).model_dump(mode="json")["at"]


def test_a_column_with_a_python_default_must_be_given() -> None:
    """The fast path computes no defaults: leaving such a column out fails on every database
    rather than storing NULL on one and the default on another."""
    with pytest.raises(ValueError, match="source"):
        bulk._insert_sql(Invoice.__table__, ("id", "number"), DIALECT)  # type: ignore[arg-type]
    sql = bulk._insert_sql(JournalLine.__table__, ("entry_id", "debit"), DIALECT)  # type: ignore[arg-type]
    assert sql == "INSERT INTO journal_lines (entry_id, debit) VALUES (?, ?)"
