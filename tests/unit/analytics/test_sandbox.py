"""The analysts' SQL sandbox: one read-only SELECT, capped, timed, never a 500, never a write."""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Iterator
from pathlib import Path

import duckdb
import orjson
import pytest

from pulse.analytics import sandbox
from pulse.analytics.sandbox import (
    MAX_SQL_CHARS,
    InvalidQuery,
    QueryNotAllowed,
    QueryTimeout,
    QueryTooLarge,
    run_sql,
)
from pulse.analytics.store import AnalyticsStore
from pulse.platform.errors import PulseError
from tests.unit.analytics.sandbox_refusals import O1, REFUSED

C1 = "11111111-1111-1111-1111-111111111111"
C2 = "22222222-2222-2222-2222-222222222222"
O2 = "aaaaaaaa-0000-0000-0000-000000000002"
O3 = "aaaaaaaa-0000-0000-0000-000000000003"

SEED = [
    f"INSERT INTO customers VALUES ('{C1}', 'Acme', 'a@acme.test', 30), "
    f"('{C2}', 'Bolt', 'b@bolt.test', 14)",
    f"INSERT INTO orders VALUES "
    f"('{O1}', 'SO-1', '{C1}', '2024-05-01 10:00:00', 'confirmed', true, 10.00, 2.00, 12.00, 2, "
    f"'2024-05-01 10:00:00'), "
    f"('{O2}', 'SO-2', '{C1}', '2024-05-02 11:30:00', 'paid', true, 100.50, 20.10, 120.60, 5, "
    f"'2024-05-02 11:30:00'), "
    f"('{O3}', 'SO-3', '{C2}', '2024-05-03 09:15:00', 'cancelled', false, 7.25, 0.00, 7.25, 1, "
    f"'2024-05-03 09:15:00')",
    "INSERT INTO stock_snapshot VALUES "
    "('SKU-A', 'Anvil', 12.50, true, 10, 2, 5, 20, 7, '2024-05-01 08:00:00'), "
    "('SKU-B', 'Bucket', 3.99, false, 0, 0, 1, 5, 3, '2024-05-02 08:00:00')",
]


def run(cur: duckdb.DuckDBPyConnection, sql: str, **kw: float) -> dict:
    kw.setdefault("row_limit", 1000)
    kw.setdefault("timeout_seconds", 10.0)
    return run_sql(cur, sql, **kw)  # type: ignore[arg-type]


@pytest.fixture
def store(tmp_path: Path) -> Iterator[AnalyticsStore]:
    store = AnalyticsStore(tmp_path / "a.duckdb")
    store.open()
    cur = store.cursor()
    for sql in SEED:
        cur.execute(sql).fetchall()
    yield store
    store.close()


@pytest.fixture
def cur(store: AnalyticsStore) -> duckdb.DuckDBPyConnection:
    return store.cursor()


def state(cur: duckdb.DuckDBPyConnection) -> dict:
    """Everything a refused statement must leave alone: objects, row counts, settings."""
    tables = [
        r[0]
        for r in cur.execute(
            "SELECT table_name FROM duckdb_tables() ORDER BY table_name"
        ).fetchall()
    ]
    counts = {t: cur.execute(f'SELECT count(*) FROM "{t}"').fetchall()[0][0] for t in tables}
    objects = cur.execute(
        "SELECT 'view', view_name FROM duckdb_views() WHERE NOT internal "
        "UNION ALL SELECT 'macro', function_name FROM duckdb_functions() "
        "WHERE NOT internal AND function_type IN ('macro', 'table_macro') "
        "UNION ALL SELECT 'sequence', sequence_name FROM duckdb_sequences() "
        "UNION ALL SELECT 'database', database_name FROM duckdb_databases() ORDER BY 1, 2"
    ).fetchall()
    settings = cur.execute(
        "SELECT current_setting('memory_limit'), current_setting('threads'), "
        "current_setting('enable_external_access'), current_database(), current_schema()"
    ).fetchall()
    return {"counts": counts, "objects": objects, "settings": settings}


def assert_usable(cur: duckdb.DuckDBPyConnection) -> None:
    assert cur.execute("SELECT 1").fetchall() == [(1,)]
    assert run(cur, "SELECT 2 AS two")["rows"] == [[2]]


# -- what works ------------------------------------------------------------------------------
def test_a_select_returns_values_and_duckdb_types(cur: duckdb.DuckDBPyConnection) -> None:
    out = run(
        cur,
        "SELECT sku, price, on_hand, active, updated_at, lead_time_days "
        "FROM stock_snapshot ORDER BY sku",
    )
    assert out["columns"] == [
        {"name": "sku", "type": "VARCHAR"},
        {"name": "price", "type": "DECIMAL(18,2)"},
        {"name": "on_hand", "type": "BIGINT"},
        {"name": "active", "type": "BOOLEAN"},
        {"name": "updated_at", "type": "TIMESTAMP"},
        {"name": "lead_time_days", "type": "INTEGER"},
    ]
    assert out["rows"] == [
        ["SKU-A", "12.50", 10, True, "2024-05-01T08:00:00", 7],
        ["SKU-B", "3.99", 0, False, "2024-05-02T08:00:00", 3],
    ]
    assert out["row_count"] == 2
    assert out["truncated"] is False
    assert_usable(cur)


def test_a_cte_with_a_join(cur: duckdb.DuckDBPyConnection) -> None:
    out = run(
        cur,
        """
        WITH sold AS (SELECT * FROM orders WHERE sold)
        SELECT c.name, c.customer_id, count(*) AS n, sum(s.total) AS revenue,
               max(s.placed_at)::DATE AS last_day
        FROM sold s JOIN customers c USING (customer_id)
        GROUP BY ALL ORDER BY revenue DESC
        """,
    )
    assert [c["name"] for c in out["columns"]] == [
        "name",
        "customer_id",
        "n",
        "revenue",
        "last_day",
    ]
    assert out["columns"][1]["type"] == "UUID"
    assert out["columns"][3]["type"] == "DECIMAL(38,2)"
    assert out["columns"][4]["type"] == "DATE"
    assert out["rows"] == [["Acme", C1, 2, "132.60", "2024-05-02"]]


@pytest.mark.parametrize(
    ("sql", "rows"),
    [
        ("VALUES (1, 'a'), (2, 'b')", [[1, "a"], [2, "b"]]),
        ("FROM orders SELECT number WHERE NOT sold", [["SO-3"]]),
        ("SELECT count(*) FROM range(5)", [[5]]),
        ("SELECT 1 UNION ALL SELECT 2 ORDER BY 1", [[1], [2]]),
        ("SELECT unnest([1, 2])", [[1], [2]]),
        ("SELECT count(*) FROM information_schema.tables WHERE table_name = 'orders'", [[1]]),
        ("  select 7 ;  -- trailing comment", [[7]]),
        ("(SELECT 8)", [[8]]),
        ("TABLE stock_snapshot LIMIT 0", []),
        ("SHOW TABLES", None),
        ("DESCRIBE orders", None),
        ("SUMMARIZE stock_snapshot", None),
        (
            "PIVOT (SELECT status FROM orders) ON status IN ('paid', 'cancelled') USING count(*)",
            [[1, 1]],
        ),
    ],
)
def test_other_read_only_forms(cur: duckdb.DuckDBPyConnection, sql: str, rows: list | None) -> None:
    # DuckDB reports SHOW, DESCRIBE and SUMMARIZE as SELECT statements: they only read.
    out = run(cur, sql)
    assert out["rows"] == rows if rows is not None else out["row_count"] > 0


def test_odd_types_come_back_as_json(cur: duckdb.DuckDBPyConnection) -> None:
    out = run(
        cur,
        "SELECT 'ab'::BLOB AS b, DATE '2024-01-02' AS d, TIME '10:11:12' AS t, "
        "INTERVAL 2 DAY AS i, 170141183460469231731687303715884105727::HUGEINT AS h, "
        "'nan'::DOUBLE AS nan, 'inf'::DOUBLE AS inf, 1.5::DOUBLE AS f, "
        "[1.25::DECIMAL(5,2)] AS l, {'k': uuid '00000000-0000-0000-0000-000000000001'} AS s, "
        "MAP([1], ['x']) AS m, '101'::BIT AS bits, NULL AS n",
    )
    row = dict(zip([c["name"] for c in out["columns"]], out["rows"][0], strict=True))
    assert row["b"] == "6162"
    assert row["d"] == "2024-01-02"
    assert row["t"] == "10:11:12"
    assert isinstance(row["i"], str)
    assert row["h"] == "170141183460469231731687303715884105727"
    assert row["nan"] == "nan" and row["inf"] == "inf" and row["f"] == 1.5
    assert row["l"] == ["1.25"]
    assert row["s"] == {"k": "00000000-0000-0000-0000-000000000001"}
    assert row["m"] == {"1": "x"}
    assert row["bits"] == "101"
    assert row["n"] is None
    json.dumps(out, allow_nan=False)
    orjson.dumps(out)


# -- the row cap -----------------------------------------------------------------------------
# A stream that yields nothing for hours.
NEVER = "SELECT a.range FROM range(1000000) a, range(1000000) b WHERE a.range + b.range < 0"


def test_rows_past_the_limit_are_cut_and_flagged(cur: duckdb.DuckDBPyConnection) -> None:
    out = run(cur, "SELECT range AS n FROM range(100)", row_limit=10)
    assert out["rows"] == [[n] for n in range(10)]
    assert out["row_count"] == 10
    assert out["truncated"] is True
    assert_usable(cur)


def test_exactly_the_limit_is_not_truncated(cur: duckdb.DuckDBPyConnection) -> None:
    out = run(cur, "SELECT range FROM range(10)", row_limit=10)
    assert out["row_count"] == 10
    assert out["truncated"] is False
    out = run(cur, "SELECT range FROM range(3)", row_limit=0)
    assert out == {
        "columns": [{"name": "range", "type": "BIGINT"}],
        "rows": [],
        "row_count": 0,
        "truncated": True,
    }


def test_a_huge_result_is_not_read_to_the_end(cur: duckdb.DuckDBPyConnection) -> None:
    started = time.monotonic()
    out = run(cur, "SELECT range FROM range(1000000000000)", row_limit=5, timeout_seconds=30)
    assert out["row_count"] == 5 and out["truncated"] is True
    assert time.monotonic() - started < 5
    assert_usable(cur)


def test_a_truncated_result_does_not_wait_for_the_rest(cur: duckdb.DuckDBPyConnection) -> None:
    # The rows past the cap would take hours: dropping the result must not wait for them.
    started = time.monotonic()
    out = run(
        cur, "SELECT * FROM range(5) UNION ALL (" + NEVER + ")", row_limit=3, timeout_seconds=60
    )
    assert out["row_count"] == 3 and out["truncated"] is True
    assert time.monotonic() - started < 5
    assert_usable(cur)


# -- time and memory -------------------------------------------------------------------------
SLOW = "SELECT count(*) FROM range(1000000) a, range(1000000) b WHERE a.range + b.range = -1"


@pytest.mark.parametrize("seconds", [0.5, 0.001])
def test_a_slow_query_is_interrupted(cur: duckdb.DuckDBPyConnection, seconds: float) -> None:
    # 0.001 s: the first interrupt lands before the query starts; the repeats still stop it.
    started = time.monotonic()
    with pytest.raises(QueryTimeout) as err:
        run(cur, SLOW, timeout_seconds=seconds)
    assert time.monotonic() - started < 5
    assert err.value.status == 422 and err.value.code == "query_timeout"
    assert_usable(cur)


def test_a_slow_stream_is_interrupted_while_fetching(cur: duckdb.DuckDBPyConnection) -> None:
    # The first row is ready at once (execute returns); the second never is.
    with pytest.raises(QueryTimeout):
        run(cur, "SELECT 1 UNION ALL (" + NEVER + ")", timeout_seconds=0.5)
    assert_usable(cur)


def test_the_timer_never_fires_after_the_query(cur: duckdb.DuckDBPyConnection) -> None:
    run(cur, "SELECT 1", timeout_seconds=0.2)
    time.sleep(0.4)
    assert cur.execute("SELECT count(*) FROM range(20000000)").fetchall() == [(20000000,)]


def test_a_query_over_the_memory_limit(cur: duckdb.DuckDBPyConnection) -> None:
    with pytest.raises(QueryTooLarge) as err:
        run(cur, "SELECT list(range) FROM range(300000000)", timeout_seconds=60)
    assert err.value.status == 422 and err.value.code == "query_too_large"
    assert_usable(cur)


# -- the read-only transaction ---------------------------------------------------------------
WRITES = [
    "WITH gone AS (DELETE FROM orders RETURNING *) SELECT count(*) FROM gone",
    "WITH cut AS (UPDATE orders SET total = 0 RETURNING *) SELECT count(*) FROM cut",
    f"WITH x AS (INSERT INTO customers VALUES ('{O2}', 'Eve', 'e@x.test', 1) RETURNING *) "
    "SELECT * FROM x",
    "DELETE FROM orders",
    "UPDATE stock_snapshot SET on_hand = 0",
    f"INSERT INTO customers VALUES ('{O3}', 'Mal', 'm@x.test', 1)",
    "DROP TABLE orders",
    "CREATE TABLE stolen AS SELECT * FROM orders",
    "ALTER TABLE orders ADD COLUMN extra INTEGER",
    "TRUNCATE orders",
    "CREATE VIEW v AS SELECT 1",
    "CREATE SEQUENCE s",
]


@pytest.mark.parametrize("sql", WRITES)
def test_a_write_under_a_select_changes_nothing(cur: duckdb.DuckDBPyConnection, sql: str) -> None:
    before = state(cur)
    with pytest.raises(QueryNotAllowed):
        run(cur, sql)
    assert state(cur) == before
    assert_usable(cur)


@pytest.mark.parametrize("sql", WRITES)
def test_the_transaction_alone_refuses_writes(
    cur: duckdb.DuckDBPyConnection, monkeypatch: pytest.MonkeyPatch, sql: str
) -> None:
    # The statement checks are the second wall: with them gone, DuckDB itself still refuses
    # the write, because the query runs in a read-only transaction.
    monkeypatch.setattr(sandbox, "_check_tree", lambda cur, sql: None)
    monkeypatch.setattr(sandbox, "_single_select", lambda cur, sql: cur.extract_statements(sql)[0])
    before = state(cur)
    with pytest.raises(QueryNotAllowed, match="read-only"):
        run(cur, sql)
    assert state(cur) == before


def test_the_cursor_leaves_the_transaction(cur: duckdb.DuckDBPyConnection) -> None:
    # Refused, failed, timed out or answered: the read-only transaction ends with the query.
    for sql in ("SELECT 1", "DELETE FROM orders", "SELECT nope", SLOW):
        with contextlib.suppress(PulseError):
            run(cur, sql, timeout_seconds=0.2)
        cur.execute(f"INSERT INTO customers VALUES ('{O1}', 'Tmp', 't@x.test', 1)")
        cur.execute(f"DELETE FROM customers WHERE customer_id = '{O1}'")


# -- the byte cap ----------------------------------------------------------------------------
def test_an_answer_stops_at_the_byte_cap(cur: duckdb.DuckDBPyConnection) -> None:
    cap = 100_000
    out = run(cur, "SELECT range, repeat('x', 10000) FROM range(300)", byte_limit=cap)
    assert out["truncated"] is True
    assert 0 < out["row_count"] == len(out["rows"]) < 300
    assert len(orjson.dumps(out["rows"])) <= cap
    assert [row[0] for row in out["rows"]] == list(range(out["row_count"]))
    whole = run(cur, "SELECT range FROM range(300)", byte_limit=cap)
    assert whole["truncated"] is False and whole["row_count"] == 300
    assert_usable(cur)


def test_a_single_row_over_the_cap_gives_no_rows(cur: duckdb.DuckDBPyConnection) -> None:
    out = run(cur, "SELECT repeat('x', 200000) AS big", byte_limit=100_000)
    assert out["rows"] == [] and out["truncated"] is True


async def test_through_the_reader_pool(store: AnalyticsStore) -> None:
    out = await store.read(lambda c: run(c, "SELECT count(*) AS n FROM orders"))
    assert out["rows"] == [[3]]
    with pytest.raises(QueryNotAllowed):
        await store.read(lambda c: run(c, "DELETE FROM orders"))
    assert (await store.read(lambda c: run(c, "SELECT count(*) FROM orders")))["rows"] == [[3]]


# -- what is refused -------------------------------------------------------------------------
@pytest.mark.parametrize("template", REFUSED)
def test_refused(cur: duckdb.DuckDBPyConnection, tmp_path: Path, template: str) -> None:
    out = tmp_path / "out"
    out.mkdir()
    before = state(cur)
    sql = template.format(out=out)
    with pytest.raises(PulseError) as err:
        run(cur, sql)
    assert 400 <= err.value.status < 500
    assert err.value.code in {"query_not_allowed", "invalid_query"}
    assert err.value.detail
    assert state(cur) == before
    assert list(out.iterdir()) == []
    assert_usable(cur)


def test_a_statement_that_is_not_a_select_is_named(cur: duckdb.DuckDBPyConnection) -> None:
    with pytest.raises(QueryNotAllowed, match="not DROP"):
        run(cur, "DROP TABLE orders")
    with pytest.raises(QueryNotAllowed, match="not USE"):  # DuckDB types it SET
        run(cur, "-- comment\n use x")
    with pytest.raises(QueryNotAllowed, match="not UPDATE"):  # a type Python cannot name
        run(cur, "UPDATE EXTENSIONS")
    with pytest.raises(QueryNotAllowed, match="one statement"):
        run(cur, "SELECT 1; DROP TABLE orders")
    with pytest.raises(QueryNotAllowed, match="explicit list"):  # DuckDB types it MULTI
        run(cur, "SELECT * FROM (PIVOT orders ON status USING count(*))")
    with pytest.raises(QueryNotAllowed, match="read_csv"):
        run(cur, "SELECT * FROM read_csv('/etc/passwd')")


@pytest.mark.parametrize(
    ("sql", "message"),
    [
        ("", "empty"),
        ("   \n\t", "empty"),
        (";", "empty"),
        ("-- nothing here", "empty"),
        ("SELECT 1\x00", "NUL"),
        ("SELECT '\ud800'", "Unicode"),
        ("SELECT 1 " + " " * MAX_SQL_CHARS, "longer than"),
        ("SELEC 1", "syntax error"),
        ("SELECT * FROM nope", "nope"),
        ("SELECT nope FROM orders", "nope"),
        ("SELECT 'x'::INTEGER", "Conversion"),
        ("SELECT ?", "parameters"),
        ("SELECT error('boom')", "boom"),
        ("SELECT now()", "cast it to TIMESTAMP"),
        ("SELECT [now()]", "cast it to TIMESTAMP"),
        ("SELECT 1 INTO x", "syntax error"),
    ],
)
def test_bad_queries_say_what_is_wrong(
    cur: duckdb.DuckDBPyConnection, sql: str, message: str
) -> None:
    with pytest.raises(InvalidQuery, match=message) as err:
        run(cur, sql)
    assert err.value.status == 422 and err.value.code == "invalid_query"
    assert "Traceback" not in err.value.detail
    assert_usable(cur)


def test_nothing_changed_after_all_refusals(cur: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    before = state(cur)
    for template in REFUSED:
        with pytest.raises(PulseError):
            run(cur, template.format(out=tmp_path))
    assert state(cur) == before
    assert before["counts"]["orders"] == 3 and before["counts"]["stock_snapshot"] == 2
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith("a.duckdb")) == []
