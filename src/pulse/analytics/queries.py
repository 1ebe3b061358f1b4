"""The reports of the query API: each reads the aggregates (never the raw facts where an
aggregate will do) and returns rows ready for JSON, CSV or a spreadsheet.

Every function takes a DuckDB cursor and the report's parameters, and returns a dict with
`rows` and whatever totals belong to the report. Times are UTC.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import duckdb

from pulse.analytics.projection_billing import AGING_SELECT
from pulse.analytics.sql import rows, run


def _zero(name: str) -> str:
    return f"coalesce(s.{name}, 0) AS {name}"


SALES_FILLED = ", ".join(_zero(c) for c in ("orders", "units", "revenue", "tax", "gross"))


def _totals(result: list[dict[str, Any]], names: tuple[str, ...]) -> dict[str, Any]:
    return {name: sum((r[name] for r in result), start=0) for name in names}


def sales_hourly(cur: duckdb.DuckDBPyConnection, *, hours: int, now: datetime) -> dict[str, Any]:
    end = now.replace(minute=0, second=0, microsecond=0, tzinfo=None)
    start = end - timedelta(hours=hours - 1)
    result = rows(
        cur,
        f"SELECT g.hour, {SALES_FILLED} FROM "
        "(SELECT unnest(generate_series(CAST(? AS TIMESTAMP), CAST(? AS TIMESTAMP), "
        "INTERVAL 1 HOUR)) AS hour) g LEFT JOIN sales_by_hour s ON s.hour = g.hour "
        "ORDER BY g.hour",
        [start, end],
    )
    return {
        "hours": hours,
        "rows": result,
        "totals": _totals(result, ("orders", "units", "revenue", "tax", "gross")),
    }


def sales_daily(cur: duckdb.DuckDBPyConnection, *, days: int, today: date) -> dict[str, Any]:
    start = today - timedelta(days=days - 1)
    result = rows(
        cur,
        f"SELECT CAST(g.day AS DATE) AS day, {SALES_FILLED} FROM "
        "(SELECT unnest(generate_series(CAST(? AS DATE), CAST(? AS DATE), INTERVAL 1 DAY)) "
        "AS day) g LEFT JOIN sales_by_day s ON s.day = CAST(g.day AS DATE) ORDER BY 1",
        [start, today],
    )
    return {
        "days": days,
        "rows": result,
        "totals": _totals(result, ("orders", "units", "revenue", "tax", "gross")),
    }


def _top(
    cur: duckdb.DuckDBPyConnection,
    *,
    key: str,
    all_time: str,
    by_day: str,
    sums: str,
    select: str,
    dimension: str,
    days: int | None,
    limit: int,
    today: date,
) -> dict[str, Any]:
    """The best `limit` rows of an aggregate by revenue, all time or over the last days."""
    if days is None:
        source, params = all_time, []
    else:
        source = f"(SELECT {key}, {sums} FROM {by_day} WHERE day BETWEEN ? AND ? GROUP BY {key})"
        params = [today - timedelta(days=days - 1), today]
    result = rows(
        cur,
        f"SELECT {select} FROM {source} p LEFT JOIN {dimension} d ON d.{key} = p.{key} "
        f"WHERE p.orders > 0 ORDER BY p.revenue DESC, p.{key} LIMIT ?",
        [*params, limit],
    )
    return {"days": days, "limit": limit, "rows": result}


def top_products(
    cur: duckdb.DuckDBPyConnection, *, days: int | None, limit: int, today: date
) -> dict[str, Any]:
    return _top(
        cur,
        key="sku",
        all_time="sales_by_product",
        by_day="sales_by_product_day",
        sums="sum(orders) AS orders, sum(units) AS units, sum(revenue) AS revenue",
        select="p.sku, d.name, p.orders, p.units, p.revenue",
        dimension="stock_snapshot",
        days=days,
        limit=limit,
        today=today,
    )


def top_customers(
    cur: duckdb.DuckDBPyConnection, *, days: int | None, limit: int, today: date
) -> dict[str, Any]:
    return _top(
        cur,
        key="customer_id",
        all_time="sales_by_customer",
        by_day="sales_by_customer_day",
        sums="sum(orders) AS orders, sum(revenue) AS revenue",
        select="p.customer_id, d.name, p.orders, p.revenue",
        dimension="customers",
        days=days,
        limit=limit,
        today=today,
    )


STOCK_SELECT = (
    "SELECT sku, name, on_hand, reserved, on_hand - reserved AS available, reorder_point, "
    "reorder_qty, lead_time_days, price, on_hand * price AS stock_value FROM stock_snapshot"
)


def low_stock(cur: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    result = rows(
        cur,
        f"SELECT *, greatest(reorder_point - available, 0) AS shortfall FROM ({STOCK_SELECT} "
        "WHERE active) WHERE available <= reorder_point ORDER BY available - reorder_point, sku",
    )
    return {"rows": result}


def stock_levels(cur: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    result = rows(cur, f"{STOCK_SELECT} WHERE active ORDER BY sku")
    return {
        "rows": result,
        "totals": {
            "on_hand": sum(r["on_hand"] for r in result),
            "reserved": sum(r["reserved"] for r in result),
            "stock_value": sum((r["stock_value"] for r in result), start=Decimal(0)),
        },
    }


def stock_movements(cur: duckdb.DuckDBPyConnection, *, days: int, today: date) -> dict[str, Any]:
    result = rows(
        cur,
        "SELECT CAST(moved_at AS DATE) AS day, kind, count(*) AS movements, "
        "sum(on_hand_delta) AS on_hand_delta, sum(reserved_delta) AS reserved_delta "
        "FROM stock_movements WHERE moved_at >= CAST(? AS TIMESTAMP) GROUP BY 1, 2 ORDER BY 1, 2",
        [today - timedelta(days=days - 1)],
    )
    return {"days": days, "rows": result}


def ar_overdue(cur: duckdb.DuckDBPyConnection, *, today: date, limit: int) -> dict[str, Any]:
    where = "i.due_date < CAST(? AS DATE)"
    result = rows(
        cur,
        "SELECT i.invoice_id, i.number, i.customer_id, c.name AS customer_name, i.issue_date, "
        "i.due_date, date_diff('day', i.due_date, CAST(? AS DATE)) AS days_overdue, i.total, "
        f"i.balance FROM open_invoices i LEFT JOIN customers c USING (customer_id) WHERE {where} "
        "ORDER BY i.due_date, i.number LIMIT ?",
        [today, today, limit],
    )
    count, amount = run(
        cur,
        f"SELECT count(*), coalesce(sum(i.balance), 0) FROM open_invoices i WHERE {where}",
        [today],
    )[0]
    return {"as_of": today, "rows": result, "totals": {"invoices": count, "balance": amount}}


def ar_aging(cur: duckdb.DuckDBPyConnection, *, today: date) -> dict[str, Any]:
    stored = rows(cur, "SELECT bucket, invoices, amount, as_of FROM ar_aging ORDER BY sort")
    if not stored or stored[0]["as_of"] != today:
        # The day turned since the projector last counted: count as of today, read-only.
        stored = rows(cur, AGING_SELECT + " ORDER BY b.sort", [today, today])
    result = [{k: r[k] for k in ("bucket", "invoices", "amount")} for r in stored]
    return {
        "as_of": today,
        "rows": result,
        "totals": {
            "invoices": sum(r["invoices"] for r in result),
            "amount": sum((r["amount"] for r in result), start=0),
        },
    }


def cash_daily(cur: duckdb.DuckDBPyConnection, *, days: int, today: date) -> dict[str, Any]:
    start = today - timedelta(days=days - 1)
    opening = run(
        cur, "SELECT coalesce(sum(ar_change), 0) FROM cash_by_day WHERE day < ?", [start]
    )[0][0]
    result = rows(
        cur,
        "SELECT CAST(g.day AS DATE) AS day, coalesce(s.invoiced, 0) AS invoiced, "
        "coalesce(s.credited, 0) AS credited, coalesce(s.received, 0) AS received, "
        "coalesce(s.refunded, 0) AS refunded, coalesce(s.ar_change, 0) AS ar_change FROM "
        "(SELECT unnest(generate_series(CAST(? AS DATE), CAST(? AS DATE), INTERVAL 1 DAY)) "
        "AS day) g LEFT JOIN cash_by_day s ON s.day = CAST(g.day AS DATE) ORDER BY 1",
        [start, today],
    )
    receivables = opening
    for row in result:
        receivables += row["ar_change"]
        row["receivables"] = receivables
    return {
        "days": days,
        "rows": result,
        "totals": {
            name: sum((r[name] for r in result), start=0)
            for name in ("invoiced", "credited", "received", "refunded")
        },
    }
