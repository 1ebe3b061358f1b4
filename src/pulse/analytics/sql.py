"""Small SQL helpers shared by the projection and the queries."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Any

import duckdb

_NAME = re.compile(r"[a-z_][a-z0-9_]*")
_CREATE_AS = re.compile(r"CREATE (?:OR REPLACE )?(?:TEMP )?TABLE [a-z_][a-z0-9_]* AS ")

M = "DECIMAL(18,2)"


def run(cur: duckdb.DuckDBPyConnection, sql: str, params: list[Any] | None = None) -> list[Any]:
    """Execute and read to the end (DuckDB wants each result finished before the next)."""
    return cur.execute(sql, params or []).fetchall()


def rows(
    cur: duckdb.DuckDBPyConnection, sql: str, params: list[Any] | None = None
) -> list[dict[str, Any]]:
    """The result as dicts by column name."""
    result = cur.execute(sql, params or [])
    names = [d[0] for d in result.description or []]
    return [dict(zip(names, row, strict=True)) for row in result.fetchall()]


def utc_date(iso: str) -> date:
    """The UTC day of an ISO-8601 timestamp (or a plain date)."""
    if len(iso) == 10:
        return date.fromisoformat(iso)
    moment = datetime.fromisoformat(iso)
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return moment.date()


def literal(value: Any) -> str:
    """A value as SQL text, for statements sent together in one script."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, date):
        return f"DATE '{value.isoformat()}'"
    return "'" + str(value).replace("'", "''") + "'"


class Script:
    """Statements gathered for one `execute`: DuckDB runs them in a row without coming back
    to Python (and to the GIL) between them, which matters when the process is busy.

    `rows` names a SELECT (a batch's rows of one kind); a statement added after it that
    mentions the name reads it as a common table expression. Nothing is created in the
    catalog for it: a temporary table or view costs more, per batch, than reading a few
    hundred rows twice."""

    def __init__(self) -> None:
        self.statements: list[str] = []
        self._rows: dict[str, str] = {}

    def rows(self, name: str, select: str) -> None:
        if not _NAME.fullmatch(name):
            raise ValueError(f"not a plain name: {name!r}")
        self._rows[name] = select

    def add(self, sql: str, params: list[Any] | None = None) -> None:
        if params:
            parts = sql.split("?")
            if len(parts) != len(params) + 1:
                raise ValueError("placeholders and parameters do not match")
            sql = parts[0] + "".join(
                literal(p) + rest for p, rest in zip(params, parts[1:], strict=True)
            )
        self.statements.append(self._with_rows(sql))

    def _with_rows(self, sql: str) -> str:
        # `in` first: a statement may carry a large batch's rows as text.
        used = [n for n in self._rows if n in sql and re.search(rf"\b{n}\b", sql)]
        if not used:
            return sql
        ctes = ", ".join(f"{n} AS ({self._rows[n]})" for n in used)
        create = _CREATE_AS.match(sql)
        at = create.end() if create else 0  # CREATE ... AS WITH ... SELECT
        if sql[at:].startswith("WITH "):  # the statement's own expressions follow ours
            return f"{sql[:at]}WITH {ctes}, {sql[at + 5 :]}"
        return f"{sql[:at]}WITH {ctes} {sql[at:]}"

    def run(self, cur: duckdb.DuckDBPyConnection) -> list[Any]:
        """Execute everything; the result is that of the last statement."""
        if not self.statements:
            return []
        return cur.execute(";\n".join(self.statements)).fetchall()


def upsert_sum(table: str, keys: str, select: str, sums: tuple[str, ...]) -> str:
    """Insert grouped deltas, adding them to the rows that exist."""
    sets = ", ".join(f"{c} = {table}.{c} + excluded.{c}" for c in sums)
    return f"INSERT INTO {table} {select} ON CONFLICT ({keys}) DO UPDATE SET {sets}"
