"""Bulk writes for imports of past orders: many rows of one table in one executemany, and event
payloads built without a model per event.

On SQLite the rows go straight to the driver's executemany, converted column by column by
the column types' own bind processors (or a quicker formatting of dates proven equal to
them), repeated values once: SQLAlchemy's per-row parameter handling costs more than
SQLite's insert itself. Every other database takes the ordinary Core executemany.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import orjson
from pydantic import TypeAdapter
from sqlalchemy import JSON, Table, Uuid
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncSession

Row = tuple[Any, ...]
Converter = Callable[[Any], Any]
_statements: dict[tuple[str, str, tuple[str, ...]], str] = {}
# Per statement: each column's SQLite converter (None: stored as it is).
_plans: dict[tuple[str, str, tuple[str, ...]], list[Converter | None]] = {}
# Up to this many rows are converted value by value.
_FEW = 8


async def insert_rows(
    session: AsyncSession,
    table: Table,
    columns: Sequence[str],
    rows: Sequence[Row],
    *,
    same: Mapping[str, Any] | None = None,
) -> None:
    """INSERT `rows`: tuples of values in `columns` order, the values the ORM types take;
    `same` gives the columns whose value every row shares.

    Columns left out get NULL or their server default, never a Python-side default (the
    fast path does not compute those), so a column with one must be given.
    """
    if not rows:
        return
    connection = await session.connection()
    dialect = connection.dialect
    assert dialect.name != "sqlite" or dialect.paramstyle == "qmark", dialect.paramstyle
    shared = dict(same or {})
    names = (*columns, *shared)
    key = (dialect.name, table.name, names)
    if key not in _statements:
        _statements[key] = _insert_sql(table, names, dialect)
    if dialect.name != "sqlite":
        await connection.execute(
            table.insert(), [{**dict(zip(columns, row, strict=True)), **shared} for row in rows]
        )
        return
    plan = _plans.get(key)
    if plan is None:
        plan = _plans[key] = [sqlite_converter(table.c[name].type, dialect) for name in names]
    converters = [(i, convert) for i, convert in enumerate(plan[: len(columns)]) if convert]
    if len(rows) <= _FEW:
        # A handful of rows (a request's): each value converted as it is, no bookkeeping.
        rows = [
            tuple(
                value if convert is None else convert(value)
                for value, convert in zip(row, plan, strict=False)
            )
            for row in rows
        ]
    elif converters:
        rows = _converted(rows, converters)
    if shared:
        tail = tuple(
            value if convert is None else convert(value)
            for value, convert in zip(shared.values(), plan[len(columns) :], strict=True)
        )
        rows = [row + tail for row in rows]
    await connection.exec_driver_sql(_statements[key], rows)


def _converted(rows: Sequence[Row], converters: list[tuple[int, Converter]]) -> list[Row]:
    """The rows with the given columns converted, each distinct value once where values
    repeat.

    Imports repeat values: the same amount or date on many rows, the same id object in
    every line and status change of an order. Amounts and dates are converted once per
    value; ids and moments once per object (found by identity, as hashing them costs about
    what converting does) when they repeat, else each; documents each. The lookups are all
    C-level.
    """
    values: list[Sequence[Any]] = list(zip(*rows, strict=True))
    by_value: dict[Converter, dict[Any, Any]] = {}
    by_identity: dict[Converter, dict[int, Any]] = {}
    # Columns converted alike likely share objects (created_at and updated_at).
    uses = Counter(convert for _, convert in converters)
    for index, convert in converters:
        column = values[index]
        if convert in _BY_VALUE:
            stored = by_value.setdefault(convert, {})
            todo = [value for value in dict.fromkeys(column) if value not in stored]
            stored.update(zip(todo, map(convert, todo), strict=True))
            values[index] = list(map(stored.__getitem__, column))
        elif convert is _json_text or (uses[convert] == 1 and not _repeats(column)):
            values[index] = list(map(convert, column))
        else:
            ids = list(map(id, column))
            done = by_identity.setdefault(convert, {})
            objects = dict(zip(ids, column, strict=True))
            if done:
                objects = {key: value for key, value in objects.items() if key not in done}
            done.update(zip(objects.keys(), map(convert, objects.values()), strict=True))
            values[index] = list(map(done.__getitem__, ids))
    return list(zip(*values, strict=True))


def _repeats(column: Sequence[Any]) -> bool:
    """Whether rows next to each other share objects (the lines of one order do)."""
    head = column[:9]
    return any(a is b for a, b in zip(head, head[1:], strict=False))


def _insert_sql(table: Table, names: tuple[str, ...], dialect: Dialect) -> str:
    """The INSERT of these columns for SQLite's driver; checked on every database, so that
    a bulk insert fails alike everywhere."""
    missing = [c.name for c in table.columns if c.name not in names and c.default is not None]
    if missing:
        raise ValueError(f"bulk insert into {table.name} must give {', '.join(missing)}")
    quote = dialect.identifier_preparer.quote
    return (
        f"INSERT INTO {dialect.identifier_preparer.format_table(table)} "
        f"({', '.join(quote(name) for name in names)}) VALUES ({', '.join('?' * len(names))})"
    )


def _uuid_hex(value: Any) -> Any:
    return None if value is None else value.hex


def _json_text(value: Any) -> str:
    return orjson.dumps(value).decode()


def _datetime_text(value: Any) -> Any:
    return None if value is None else value.isoformat(" ", "microseconds")[:26]


def _date_text(value: Any) -> Any:
    return None if value is None else value.isoformat()


# Quicker ways to the text SQLite's date types store, taken only where they give exactly
# what the type's processor gives for these samples.
_QUICKER: dict[type, tuple[Callable[[Any], Any], tuple[Any, ...]]] = {
    datetime: (
        _datetime_text,
        (
            None,
            datetime(2026, 1, 2, 3, 4, 5, 60700, tzinfo=UTC),
            datetime(2026, 12, 31, 23, 59, 59, tzinfo=UTC),
            datetime(999, 1, 2, 3, 4, 5, 6),
            datetime(2026, 1, 2, 3, 4, 5, 6, tzinfo=timezone(timedelta(hours=2))),
        ),
    ),
    date: (_date_text, (None, date(2026, 1, 2), date(999, 12, 31))),
}
_converters: dict[Any, Converter | None] = {}
# Converters of amounts and dates: cheap to hash, often equal, and equal values are stored
# alike (unlike moments in two time zones). The others go by identity only.
_BY_VALUE: set[Converter] = set()


def sqlite_converter(column_type: Any, dialect: Dialect) -> Converter | None:
    """What turns a value into what SQLite stores for this column type (None: as it is)."""
    if isinstance(column_type, Uuid) and column_type.as_uuid:
        # What the type's own processor stores where there is no native UUID: 32 hex digits.
        return _uuid_hex
    if isinstance(column_type, JSON):
        # The same document as SQLAlchemy's default, json.dumps, gives: compact and faster.
        return _json_text
    if column_type not in _converters:
        _converters[column_type] = _converter(column_type, dialect)
    return _converters[column_type]


def _converter(column_type: Any, dialect: Dialect) -> Converter | None:
    process: Converter | None = column_type._cached_bind_processor(dialect)
    if process is None:
        return None
    try:
        # A TypeDecorator (UtcDateTime) is the type it decorates, plus its processing.
        python_type = getattr(column_type, "impl_instance", column_type).python_type
    except NotImplementedError:
        return process
    if python_type in (Decimal, date):
        _BY_VALUE.add(process)
    if python_type in _QUICKER:
        quicker, samples = _QUICKER[python_type]
        if all(quicker(sample) == process(sample) for sample in samples):
            if python_type in (Decimal, date):
                _BY_VALUE.add(quicker)
            return quicker
    return process


# -- event payloads ---------------------------------------------------------------------------
_any_datetime = TypeAdapter(datetime)


def json_datetime(value: datetime) -> str:
    """A datetime as `Event.model_dump(mode="json")` writes it (UTC as `Z`)."""
    if value.tzinfo is UTC:
        return value.isoformat()[:-6] + "Z"
    return str(_any_datetime.dump_python(value, mode="json"))
