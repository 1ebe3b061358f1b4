"""Analysts' read-only SQL: one SELECT in a read-only transaction, harmless table functions
only, a cap on rows and on bytes, one time limit for the whole answer.

Three fences, each enough on its own for what it guards:
- The transaction: every query runs in `BEGIN TRANSACTION READ ONLY` and is rolled back, so
  DuckDB itself refuses any write, whatever the statement looks like (a data-modifying CTE
  under a SELECT included). Only one parsed statement is ever executed inside it.
- The instance: no file or network access, no extensions, configuration locked (`store`).
- The statement checks here: exactly one SELECT, table functions from an allow-list, no
  functions or views that reach the instance's state.
Every answer is JSON-ready, bounded in rows and bytes, and the cursor is left clean.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import math
import threading
import time
import uuid
from decimal import Decimal
from typing import Any

import duckdb
import orjson
import structlog

from pulse.platform.errors import InvalidInput

log = structlog.get_logger(__name__)

MAX_SQL_CHARS = 20_000
MAX_MESSAGE_CHARS = 2_000
DEFAULT_BYTE_LIMIT = 8 * 1024 * 1024
# Rows are fetched this many at a time, so the byte cap is checked before much is converted.
FETCH_BATCH = 256
_INT64 = 2**63

# Table functions that read nothing but their arguments or the catalog of this database.
ALLOWED_TABLE_FUNCTIONS = frozenset(
    "range generate_series unnest repeat repeat_row json_each json_tree duckdb_tables "
    "duckdb_columns duckdb_views duckdb_schemas duckdb_types duckdb_constraints duckdb_indexes "
    "duckdb_functions duckdb_keywords pg_timezone_names icu_calendar_names".split()
)
# Scalar functions that change state (sequences, the random seed) or read the instance.
DENIED_FUNCTIONS = frozenset("nextval currval setval setseed current_setting pg_sleep".split())
# System views that show file paths, settings or logs.
DENIED_TABLES = frozenset("duckdb_databases pragma_database_list duckdb_logs pg_settings".split())


class InvalidQuery(InvalidInput):
    code = "invalid_query"


class QueryNotAllowed(InvalidInput):
    code = "query_not_allowed"


class QueryTimeout(InvalidInput):
    code = "query_timeout"


class QueryTooLarge(InvalidInput):
    code = "query_too_large"


def _message(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text if len(text) <= MAX_MESSAGE_CHARS else text[:MAX_MESSAGE_CHARS] + "…"


def _check_text(sql: str) -> None:
    if not sql.strip():
        raise InvalidQuery("the query is empty", field="sql")
    if len(sql) > MAX_SQL_CHARS:
        raise InvalidQuery(f"the query is longer than {MAX_SQL_CHARS} characters", field="sql")
    if "\x00" in sql:
        raise InvalidQuery("the query contains a NUL character", field="sql")
    try:
        sql.encode()
    except UnicodeEncodeError as exc:
        raise InvalidQuery(f"the query is not valid Unicode: {exc.reason}", field="sql") from exc


def _single_select(cur: duckdb.DuckDBPyConnection, sql: str) -> duckdb.Statement:
    try:
        statements = cur.extract_statements(sql)
    except duckdb.Error as exc:
        raise InvalidQuery(f"the query does not parse: {_message(exc)}", field="sql") from exc
    if not statements:
        raise InvalidQuery("the query is empty", field="sql")
    if len(statements) > 1:
        raise QueryNotAllowed("only one statement is allowed", field="sql")
    statement = statements[0]
    try:
        kind = statement.type
    except ValueError:  # a statement type the Python client has no name for
        kind = None
    if kind == duckdb.StatementType.MULTI:  # PIVOT first creates an enum of the values
        raise QueryNotAllowed(
            "PIVOT needs an explicit list of values: ON col IN (...)", field="sql"
        )
    if kind != duckdb.StatementType.SELECT:
        word = (statement.query.split(None, 1) or ["this"])[0].upper()[:30]
        raise QueryNotAllowed(f"only SELECT queries are allowed, not {word}", field="sql")
    return statement


def _check_tree(cur: duckdb.DuckDBPyConnection, sql: str) -> None:
    """Refuse functions and tables that reach outside the data, looking at the parsed query."""
    text = cur.execute("SELECT json_serialize_sql(?)", [sql]).fetchall()[0][0]
    tree = json.loads(text)
    if tree.get("error") or len(tree.get("statements", ())) != 1:
        raise QueryNotAllowed("this form of query is not supported", field="sql")
    stack: list[Any] = [tree["statements"]]
    while stack:
        node = stack.pop()
        if isinstance(node, list):
            stack.extend(node)
            continue
        if not isinstance(node, dict):
            continue
        stack.extend(node.values())
        kind = node.get("type")
        if kind == "TABLE_FUNCTION":
            name = str((node.get("function") or {}).get("function_name", "")).lower()
            if name not in ALLOWED_TABLE_FUNCTIONS:
                raise QueryNotAllowed(f"the table function {name}() is not allowed", field="sql")
        elif kind == "FUNCTION":
            name = str(node.get("function_name", "")).lower()
            if name in DENIED_FUNCTIONS:
                raise QueryNotAllowed(f"the function {name}() is not allowed", field="sql")
        elif kind == "BASE_TABLE":
            name = str(node.get("table_name", ""))
            if any(c in name for c in "./\\:") or name.lower() in DENIED_TABLES:
                raise QueryNotAllowed(f"reading {name!r} is not allowed", field="sql")


def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int):
        return value if -_INT64 <= value < _INT64 else str(value)
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, (Decimal, uuid.UUID)):
        return str(value)
    if isinstance(value, (dt.date, dt.time)):  # datetime is a date
        return value.isoformat()
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value).hex()
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {
            k if isinstance(k, str) else str(_jsonable(k)): _jsonable(v) for k, v in value.items()
        }
    return str(value)


class _Deadline:
    """Interrupts the cursor once `seconds` have passed, and again every 50 ms (an interrupt
    landing between two statements is lost), but never after `stop()` has returned."""

    def __init__(self, cur: duckdb.DuckDBPyConnection, seconds: float) -> None:
        self._cur, self._seconds = cur, seconds
        self._ends = time.monotonic() + seconds
        self._lock = threading.Lock()
        self._done = threading.Event()
        threading.Thread(target=self._run, name="sql-deadline", daemon=True).start()

    def _run(self) -> None:
        wait = self._seconds
        while not self._done.wait(wait):
            with self._lock:
                if self._done.is_set():
                    return
                self._cur.interrupt()
            wait = 0.05

    @property
    def expired(self) -> bool:
        return time.monotonic() >= self._ends

    def stop(self) -> None:
        with self._lock:
            self._done.set()


def _fetch(
    cur: duckdb.DuckDBPyConnection,
    statement: duckdb.Statement,
    *,
    row_limit: int,
    byte_limit: int,
    deadline: _Deadline,
) -> tuple[list[Any], list[list[Any]], bool]:
    """Execute and read rows until the row or byte cap: (description, JSON-ready rows,
    truncated). Rows are converted as they come, a batch at a time, so neither the rows nor
    their encoding can grow past the caps; the deadline covers the conversion too."""
    cur.execute(statement)
    description = cur.description or []
    for name, type_, *_ in description:
        if "TIME ZONE" in str(type_).upper():
            raise InvalidQuery(
                f"column {name!r} is {type_}, which cannot be returned; "
                "cast it to TIMESTAMP or VARCHAR",
                field="sql",
            )
    rows: list[list[Any]] = []
    size = 2  # the brackets of the list
    while True:
        if deadline.expired:
            raise duckdb.InterruptException("the deadline passed while reading rows")
        batch = cur.fetchmany(min(FETCH_BATCH, row_limit + 1 - len(rows)))
        if not batch:
            return description, rows, False
        for row in batch:
            if len(rows) == row_limit:
                return description, rows, True
            values = [_jsonable(v) for v in row]
            size += len(orjson.dumps(values)) + 1
            if size > byte_limit:
                return description, rows, True
            rows.append(values)


def run_sql(
    cur: duckdb.DuckDBPyConnection,
    sql: str,
    *,
    row_limit: int,
    timeout_seconds: float,
    byte_limit: int = DEFAULT_BYTE_LIMIT,
) -> dict[str, Any]:
    """Run one analyst's SELECT and return its columns and the rows that fit both caps:
    at most `row_limit` rows and about `byte_limit` bytes of JSON (`truncated` says when
    either cut the answer). `timeout_seconds` bounds checking, running and reading.

    Every refusal and every failure of the query is an `InvalidInput` (422) with a stable code:
    invalid_query, query_not_allowed, query_timeout or query_too_large.
    """
    _check_text(sql)
    limit = max(row_limit, 0)
    deadline = _Deadline(cur, timeout_seconds)
    try:
        cur.execute("BEGIN TRANSACTION READ ONLY")
        statement = _single_select(cur, sql)
        _check_tree(cur, sql)
        description, rows, truncated = _fetch(
            cur, statement, row_limit=limit, byte_limit=byte_limit, deadline=deadline
        )
    except duckdb.InterruptException as exc:
        raise QueryTimeout(f"the query ran longer than {timeout_seconds:g} s", field="sql") from exc
    except (duckdb.OutOfMemoryException, MemoryError) as exc:
        first = _message(exc).splitlines()[0]
        raise QueryTooLarge(f"the query needs too much memory: {first}", field="sql") from exc
    except duckdb.TransactionException as exc:
        # A write inside the read-only transaction lands here, whatever its form.
        raise QueryNotAllowed(
            f"queries are read-only and this one tries to change data ({_message(exc)})",
            field="sql",
        ) from exc
    except duckdb.PermissionException as exc:
        raise QueryNotAllowed(_message(exc), field="sql") from exc
    except duckdb.InvalidInputException as exc:
        if "read-only mode" in str(exc):  # a write to a database opened read-only
            raise QueryNotAllowed(
                f"queries are read-only and this one tries to change data ({_message(exc)})",
                field="sql",
            ) from exc
        raise InvalidQuery(_message(exc), field="sql") from exc
    except duckdb.Error as exc:
        if isinstance(exc, (duckdb.InternalException, duckdb.FatalException)):
            log.error("analytics_sql_engine_error", error=_message(exc))
        raise InvalidQuery(_message(exc), field="sql") from exc
    except (ValueError, TypeError, ArithmeticError) as exc:  # converting values
        raise InvalidQuery(f"a value could not be converted: {_message(exc)}", field="sql") from exc
    finally:
        # Stop the engine working on rows nobody will read (abort alone waits for it), drop
        # the result, and end the transaction so the cursor is clean; a lone interrupt does
        # not outlive this.
        with contextlib.suppress(duckdb.Error):
            cur.interrupt()
            cur.abort()
        deadline.stop()
        with contextlib.suppress(duckdb.Error):
            cur.execute("ROLLBACK")
    return {
        "columns": [{"name": name, "type": str(type_)} for name, type_, *_ in description],
        "rows": rows,
        "row_count": len(rows),
        "truncated": truncated,
    }
