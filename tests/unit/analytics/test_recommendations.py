"""The recommendation rules against a small DuckDB store filled by hand."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from pulse.analytics.recommendations import (
    RuleSet,
    evaluate,
    load_rules,
    parse_rules,
)
from pulse.analytics.store import connect
from pulse.platform.formatting import Formats

TODAY = date(2024, 6, 15)
FORMATS = Formats.for_request("en-GB,en;q=0.8", "EUR")
ACME = uuid.UUID("00000000-0000-0000-0000-00000000000a")
BOLT = uuid.UUID("00000000-0000-0000-0000-00000000000b")
SHIPPED = Path(__file__).parents[3] / "src" / "pulse" / "analytics" / "rules.yaml"


def ago(days: int) -> date:
    return TODAY - timedelta(days=days)


def insert(cur: duckdb.DuckDBPyConnection, table: str, rows: list[tuple]) -> None:
    marks = ", ".join("?" * len(rows[0]))
    for row in rows:
        cur.execute(f"INSERT INTO {table} VALUES ({marks})", list(row)).fetchall()


def product(sku, *, active=True, on_hand=0, reserved=0, point=0, qty=0, lead=0, price="10.00"):
    return (
        sku,
        f"Product {sku}",
        Decimal(price),
        active,
        on_hand,
        reserved,
        point,
        qty,
        lead,
        None,
    )


def sold(sku: str, days_ago: int, units: int) -> tuple:
    return (ago(days_ago), sku, 1, units, Decimal(units) * 10)


def invoice(number, due_days_ago, balance, status="issued", customer=ACME):
    due = ago(due_days_ago)
    money = Decimal(balance)
    return (
        uuid.uuid4(), number, None, customer, "order", due - timedelta(days=30), due,
        money, Decimal(0), money, Decimal(0), Decimal(0), money, status, None,
    )  # fmt: skip


@pytest.fixture
def cur(tmp_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    con = connect(tmp_path / "a.duckdb", memory_limit="256MB", threads=1)
    try:
        yield con
    finally:
        con.close()


def rules(*bodies: str) -> RuleSet:
    return parse_rules("rules:\n" + "\n".join(bodies))


REORDER = """
  - id: reorder
    kind: reorder
    message: "{suggested_qty} x {sku}, cover {days_of_cover}"
"""
DUNNING = """
  - id: dunning
    kind: dunning
    message: "{level}: {invoice} {customer_name} {balance} ({days_overdue}d)"
"""


def revenue_drop(extra: str = "") -> str:
    return f"""
  - id: drop
    kind: revenue_drop
    threshold_pct: 20
    min_previous_revenue: 100
    message: "down {{drop_pct}}% to {{current}} from {{previous}}"
{extra}"""


SLOW = """
  - id: slow
    kind: slow_movers
    message: "{sku}: {on_hand} worth {stock_value}"
"""


# -- reorder ----------------------------------------------------------------------------------
@pytest.fixture
def stock(cur: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    insert(
        cur,
        "stock_snapshot",
        [
            # 15 available, 2/day: 2 x 14 + 2 x 7 - 15 = 27, rounded up to a pack of 50.
            product("A", on_hand=20, reserved=5, point=10, qty=50, lead=14),
            # Plenty on hand: nothing to do.
            product("B", on_hand=500, point=10, qty=50, lead=14),
            # Inactive: skipped even though it is out of stock and selling.
            product("C", active=False, on_hand=0, point=10, qty=50, lead=14),
            # Nothing sold, but at its reorder point: the reorder quantity.
            product("D", on_hand=3, point=5, qty=24, lead=7),
            # No pack size: 30 units / 28 days x (5 + 7) = 12.86 -> 13.
            product("E", on_hand=0, point=0, qty=0, lead=5),
        ],
    )
    insert(
        cur,
        "sales_by_product_day",
        [
            sold("A", 0, 20),
            sold("A", 27, 36),  # the first day of the 28-day window
            sold("A", 28, 1000),  # one day too old
            sold("B", 3, 56),
            sold("C", 3, 56),
            sold("E", 10, 30),
        ],
    )
    return cur


def test_reorder_quantities(stock: duckdb.DuckDBPyConnection) -> None:
    recs = evaluate(stock, rules(REORDER), today=TODAY, formats=FORMATS)
    assert [(r["subject"], r["data"]["suggested_qty"]) for r in recs] == [
        ("E", 13),
        ("A", 50),
        ("D", 24),
    ]
    a = recs[1]
    assert a == {
        "rule": "reorder",
        "kind": "reorder",
        "severity": "warning",
        "subject": "A",
        "message": "50 x A, cover 7.5",
        "data": {
            "sku": "A",
            "name": "Product A",
            "available": 15,
            "daily_demand": "2.00",
            "lead_time_days": 14,
            "suggested_qty": 50,
            "days_of_cover": "7.5",
        },
    }
    assert recs[0]["data"]["daily_demand"] == "1.07"
    assert recs[0]["data"]["days_of_cover"] == "0.0"
    assert recs[2]["data"]["days_of_cover"] is None
    assert recs[2]["message"] == "24 x D, cover n/a"


def test_reorder_safety_days_and_window_are_parameters(stock: duckdb.DuckDBPyConnection) -> None:
    # A over 7 days: 20 units -> 20/7 per day; x (14 + 0) = 40 - 15 = 25 -> 50 (one pack).
    # E sold nothing in the last 7 days and sits at its reorder point 0 with no pack: 1.
    body = REORDER + "    demand_window_days: 7\n    safety_days: 0\n    limit: 2\n"
    recs = evaluate(stock, rules(body), today=TODAY, formats=FORMATS)
    assert [(r["subject"], r["data"]["suggested_qty"]) for r in recs] == [("A", 50), ("D", 24)]
    assert recs[0]["data"]["daily_demand"] == "2.86"


# -- dunning ----------------------------------------------------------------------------------
@pytest.fixture
def receivables(cur: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    insert(cur, "customers", [(ACME, "Acme", "a@x.test", 30), (BOLT, "Bolt", "b@x.test", 14)])
    insert(
        cur,
        "invoices",
        [
            invoice("INV-1", 1, "100.00"),
            invoice("INV-2", 20, "250.50", status="partially_paid", customer=BOLT),
            invoice("INV-3", 45, "75.25"),
            invoice("INV-4", 0, "10.00"),  # due today: not overdue
            invoice("INV-5", 40, "0.00", status="paid"),
            invoice("INV-6", 40, "99.00", status="void"),
            invoice("INV-7", -1, "10.00"),  # due tomorrow
            invoice("INV-8", 15, "5.00"),  # exactly at the second level
            invoice("INV-9", 14, "5.00"),  # one day short of it
        ],
    )
    # What the projector keeps beside them: the invoices still owed on, not void.
    cur.execute(
        "INSERT INTO open_invoices SELECT invoice_id, number, customer_id, issue_date, "
        "due_date, total, balance, status FROM invoices WHERE balance > 0 AND status <> 'void'"
    )
    return cur


def test_dunning_levels(receivables: duckdb.DuckDBPyConnection) -> None:
    recs = evaluate(receivables, rules(DUNNING), today=TODAY, formats=FORMATS)
    got = [
        (r["subject"], r["severity"], r["data"]["level"], r["data"]["days_overdue"]) for r in recs
    ]
    assert got == [
        ("INV-3", "critical", "final_notice", 45),
        ("INV-2", "warning", "second_notice", 20),
        ("INV-8", "warning", "second_notice", 15),
        ("INV-9", "info", "reminder", 14),
        ("INV-1", "info", "reminder", 1),
    ]
    inv2 = recs[1]
    assert inv2["message"] == "second notice: INV-2 Bolt €250.50 (20d)"
    assert inv2["data"]["customer_id"] == str(BOLT)
    assert inv2["data"]["customer_name"] == "Bolt"
    assert inv2["data"]["due_date"] == "2024-05-26"
    assert inv2["data"]["balance"] == "250.50"
    assert set(inv2["data"]) == {
        "invoice", "invoice_id", "customer_id", "customer_name", "due_date", "days_overdue",
        "balance", "level",
    }  # fmt: skip


def test_dunning_minimum_and_limit(receivables: duckdb.DuckDBPyConnection) -> None:
    body = DUNNING + "    min_days_overdue: 15\n    limit: 2\n"
    recs = evaluate(receivables, rules(body), today=TODAY, formats=FORMATS)
    assert [r["subject"] for r in recs] == ["INV-3", "INV-2"]
    custom = DUNNING + (
        "    levels:\n"
        "      - {after_days: 10, level: nudge}\n"
        "      - {after_days: 40, level: collections, severity: critical}\n"
    )
    recs = evaluate(receivables, rules(custom), today=TODAY, formats=FORMATS)
    assert [(r["subject"], r["severity"], r["data"]["level"]) for r in recs] == [
        ("INV-3", "critical", "collections"),
        ("INV-2", "warning", "nudge"),
        ("INV-8", "warning", "nudge"),
        ("INV-9", "warning", "nudge"),
    ]


# -- revenue drop -----------------------------------------------------------------------------
def fill_revenue(cur: duckdb.DuckDBPyConnection, previous: str, current: str) -> None:
    rows = []
    for n in range(14):
        revenue = Decimal(current if n < 7 else previous)
        rows.append((ago(n), 1, 1, revenue, Decimal(0), revenue))
    rows.append((ago(14), 1, 1, Decimal("99999.00"), Decimal(0), Decimal("99999.00")))
    insert(cur, "sales_by_day", rows)


def test_revenue_drop_of_25_percent_is_flagged(cur: duckdb.DuckDBPyConnection) -> None:
    fill_revenue(cur, previous="100.00", current="75.00")
    recs = evaluate(cur, rules(revenue_drop()), today=TODAY, formats=FORMATS)
    assert recs == [
        {
            "rule": "drop",
            "kind": "revenue_drop",
            "severity": "warning",
            "subject": "2024-06-09..2024-06-15",
            "message": "down 25% to €525.00 from €700.00",
            "data": {
                "current": "525.00",
                "previous": "700.00",
                "change_pct": "-25.0",
                "drop_pct": "25.0",
                "window_days": 7,
                "current_from": "2024-06-09",
                "current_to": "2024-06-15",
                "previous_from": "2024-06-02",
                "previous_to": "2024-06-08",
            },
        }
    ]


def test_revenue_drop_of_10_percent_is_not(cur: duckdb.DuckDBPyConnection) -> None:
    fill_revenue(cur, previous="100.00", current="90.00")
    assert evaluate(cur, rules(revenue_drop()), today=TODAY, formats=FORMATS) == []


def test_revenue_drop_needs_enough_previous_revenue(cur: duckdb.DuckDBPyConnection) -> None:
    fill_revenue(cur, previous="10.00", current="1.00")  # 70 before: below the 100 minimum
    assert evaluate(cur, rules(revenue_drop()), today=TODAY, formats=FORMATS) == []


# -- slow movers ------------------------------------------------------------------------------
def test_slow_movers(cur: duckdb.DuckDBPyConnection) -> None:
    insert(
        cur,
        "stock_snapshot",
        [
            product("S1", on_hand=10, price="5.00"),  # 50.00, nothing sold
            product("S2", on_hand=3, price="100.00"),  # 300.00, last sale 30 days ago
            product("S3", on_hand=10, price="5.00"),  # sold within the window
            product("S4", on_hand=0, price="5.00"),  # nothing on hand
            product("S5", active=False, on_hand=10, price="5.00"),
        ],
    )
    insert(cur, "sales_by_product_day", [sold("S2", 30, 4), sold("S3", 29, 1)])
    recs = evaluate(cur, rules(SLOW), today=TODAY, formats=FORMATS)
    assert [r["subject"] for r in recs] == ["S2", "S1"]
    assert recs[0]["severity"] == "warning"
    assert recs[0]["message"] == "S2: 3 worth €300.00"
    assert recs[0]["data"] == {
        "sku": "S2",
        "name": "Product S2",
        "on_hand": 3,
        "price": "100.00",
        "units_sold": 0,
        "stock_value": "300.00",
        "window_days": 30,
    }
    # Up to one unit sold still counts as slow.
    recs = evaluate(cur, rules(SLOW + "    max_units: 1\n"), today=TODAY, formats=FORMATS)
    assert [r["subject"] for r in recs] == ["S2", "S1", "S3"]


# -- the whole set ----------------------------------------------------------------------------
def test_disabled_rules_produce_nothing(
    stock: duckdb.DuckDBPyConnection, receivables: duckdb.DuckDBPyConnection
) -> None:
    fill_revenue(stock, previous="100.00", current="50.00")
    bodies = (REORDER, DUNNING, revenue_drop(), SLOW)
    off = [b + "    enabled: false\n" for b in bodies]
    assert evaluate(stock, rules(*off), today=TODAY, formats=FORMATS) == []
    on = evaluate(stock, rules(*bodies), today=TODAY, formats=FORMATS)
    assert {r["rule"] for r in on} == {"reorder", "dunning", "drop", "slow"}


def test_order_is_severity_then_rule_order(
    stock: duckdb.DuckDBPyConnection, receivables: duckdb.DuckDBPyConnection
) -> None:
    fill_revenue(stock, previous="100.00", current="50.00")
    body = revenue_drop("    severity: critical\n")
    recs = evaluate(stock, rules(REORDER, DUNNING, body), today=TODAY, formats=FORMATS)
    got = [(r["severity"], r["rule"], r["subject"]) for r in recs]
    assert got == [
        ("critical", "dunning", "INV-3"),
        ("critical", "drop", "2024-06-09..2024-06-15"),
        ("warning", "reorder", "E"),
        ("warning", "reorder", "A"),
        ("warning", "reorder", "D"),
        ("warning", "dunning", "INV-2"),
        ("warning", "dunning", "INV-8"),
        ("info", "dunning", "INV-9"),
        ("info", "dunning", "INV-1"),
    ]


def test_the_shipped_rules_load_and_run(
    stock: duckdb.DuckDBPyConnection, receivables: duckdb.DuckDBPyConnection
) -> None:
    shipped = load_rules(SHIPPED)
    assert [r.kind for r in shipped.rules] == ["reorder", "dunning", "revenue_drop", "slow_movers"]
    assert all(r.enabled for r in shipped.rules)
    recs = evaluate(stock, shipped, today=TODAY, formats=FORMATS)
    assert {r["rule"] for r in recs} == {"reorder", "dunning", "slow-movers"}
    assert all(r["message"] and "{" not in r["message"] for r in recs)


def test_messages_are_written_for_the_reader_in_their_locale(receivables: object) -> None:
    template = DUNNING.replace(
        '"{level}: {invoice} {customer_name} {balance} ({days_overdue}d)"',
        '"{customer_name} owes {balance} on {invoice}, due {due_date}. Send a {level}."',
    )
    german = Formats.for_request("de-DE,de;q=0.9,en;q=0.5", "EUR")
    [*_, english] = evaluate(receivables, rules(template), today=TODAY, formats=FORMATS)
    [*_, in_german] = evaluate(receivables, rules(template), today=TODAY, formats=german)
    assert "€" in english["message"] and "_" not in english["message"]
    assert english["message"].startswith(english["data"]["customer_name"])
    assert english["data"]["invoice"] in english["message"]
    assert english["data"]["invoice_id"] not in english["message"]
    assert "100,00\xa0€" in in_german["message"] and "14.06.2024" in in_german["message"]
    assert "€100.00" in english["message"] and "14 Jun 2024" in english["message"]


def test_the_preferred_locale_follows_the_q_values() -> None:
    from pulse.platform.formatting import preferred_locale

    assert str(preferred_locale("fr-CH;q=0.4, de-AT;q=0.9, *")) == "de_AT"
    assert str(preferred_locale("xx-YY, nl")) == "nl"
    assert str(preferred_locale(None)) == "en"
    assert str(preferred_locale("q=;,,;")) == "en"
