"""A batch's columns reach DuckDB as one statement: every value, type and row as it was."""

from __future__ import annotations

from decimal import Decimal

import duckdb
import pytest

from pulse.analytics import columns
from pulse.analytics.sql import Script


def read(rows: columns.Rows | str | None) -> tuple[list[tuple[object, ...]], list[str]]:
    assert rows is not None
    con = duckdb.connect()
    result = con.execute(rows if isinstance(rows, str) else rows.select)
    types = [str(d[1]) for d in result.description or []]
    return result.fetchall(), types


def test_rows_come_back_in_order_with_their_types() -> None:
    rows, types = read(
        columns.table(
            {
                "id": ["a", "b", None],
                "qty": [1, None, 3],
                "active": [True, False, None],
                "rate": [1, 2.5, None],
                "empty": [None, None, None],
            }
        )
    )
    assert rows == [
        ("a", 1, True, 1.0, None),
        ("b", None, False, 2.5, None),
        (None, 3, None, None, None),
    ]
    assert types == ["VARCHAR", "BIGINT", "BOOLEAN", "DOUBLE", "VARCHAR"]


def test_text_is_carried_exactly() -> None:
    # Quotes, backslashes, JSON's own syntax and characters beyond ASCII, as SQL and JSON
    # would each be tempted to read them.
    hard = ["O'Brien", 'say "hi"', "C:\\temp\\n", "'); DROP TABLE x; --", "Müller 東京 🚀", "\n\t"]
    rows, _ = read(columns.table({"name": hard}))
    assert [r[0] for r in rows] == hard


def test_rows_table_takes_named_fields_and_money_as_text() -> None:
    rows, _ = read(
        columns.rows_table(
            [{"sku": "A", "price": Decimal("12.30"), "extra": 1}, {"sku": "B"}], ["sku", "price"]
        )
    )
    assert rows == [("A", "12.30"), ("B", None)]


def test_nothing_to_read_is_none() -> None:
    assert columns.table({"id": []}) is None
    assert columns.rows_table([], ["id"]) is None
    assert columns.invoice_changes_table({}) is None


def test_a_column_of_mixed_kinds_is_refused() -> None:
    with pytest.raises(TypeError, match="mixes"):
        columns.table({"x": ["1", 2]})


def test_a_large_batch_is_read_whole() -> None:
    n = 20_000
    table = columns.table({"id": [f"id-{i}" for i in range(n)], "n": list(range(n))})
    assert table is not None and table.count == n
    rows, _ = read("SELECT count(*), sum(n), count(DISTINCT id) FROM (" + table.select + ")")
    assert rows == [(n, n * (n - 1) // 2, n)]


def test_statements_name_the_rows_as_they_would_a_table() -> None:
    script = Script()
    rows = columns.table({"n": [1, 2, 3]})
    assert rows is not None
    script.rows("b_nums", rows.select)
    script.add("CREATE TEMP TABLE t_sum AS SELECT sum(n) AS s FROM b_nums")
    script.add("WITH big AS (SELECT n FROM b_nums WHERE n > 1) SELECT count(*) FROM big")
    script.add("SELECT (SELECT s FROM t_sum), (SELECT max(n) FROM b_nums)")
    con = duckdb.connect()
    assert script.run(con) == [(6, 3)]
    assert con.execute(script.statements[1]).fetchall() == [(2,)]
    assert "b_nums" not in {r[0] for r in con.execute("SHOW TABLES").fetchall()}
