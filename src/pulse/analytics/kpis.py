"""Key figures for a period and the same-length period before it.

- revenue: net sales (before tax) of orders placed in the period that are sales
  (confirmed or further, not cancelled); orders: their number; average order value.
- days sales outstanding: receivables at the end of the period ÷ what was invoiced (net of
  credit notes) in it × its days.
- stock turnover: units sold ÷ average units on hand over the period (on hand at its start
  is rebuilt from the stock movements since).
- fill rate: of the orders placed in the period that were decided, the share confirmed
  (the rest were rejected for want of stock).
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import duckdb

from pulse.analytics.sql import run

CENT = Decimal("0.01")


def _ratio(numerator: Decimal, denominator: Decimal, places: str = "0.01") -> Decimal | None:
    if not denominator:
        return None
    return (Decimal(numerator) / Decimal(denominator)).quantize(
        Decimal(places), rounding=ROUND_HALF_UP
    )


def period(cur: duckdb.DuckDBPyConnection, start: date, end: date) -> dict[str, Any]:
    days = (end - start).days + 1
    orders, units, revenue = run(
        cur,
        "SELECT coalesce(sum(orders), 0), coalesce(sum(units), 0), coalesce(sum(revenue), 0) "
        "FROM sales_by_day WHERE day BETWEEN ? AND ?",
        [start, end],
    )[0]
    invoiced, credited, receivables_end = run(
        cur,
        "SELECT coalesce(sum(invoiced) FILTER (WHERE day >= ?), 0), "
        "coalesce(sum(credited) FILTER (WHERE day >= ?), 0), coalesce(sum(ar_change), 0) "
        "FROM cash_by_day WHERE day <= ?",
        [start, start, end],
    )[0]
    confirmed, rejected = run(
        cur,
        "SELECT coalesce(sum(confirmed), 0), coalesce(sum(rejected), 0) FROM fulfilment_by_day "
        "WHERE day BETWEEN ? AND ?",
        [start, end],
    )[0]
    on_hand_now = run(cur, "SELECT coalesce(sum(on_hand), 0) FROM stock_snapshot")[0][0]
    moved_after_end, moved_in_period = run(
        cur,
        "SELECT coalesce(sum(on_hand_delta) FILTER (WHERE moved_at >= ?), 0), "
        "coalesce(sum(on_hand_delta) FILTER (WHERE moved_at >= ? AND moved_at < ?), 0) "
        "FROM stock_movements WHERE moved_at >= ?",
        [end + timedelta(days=1), start, end + timedelta(days=1), start],
    )[0]
    on_hand_end = on_hand_now - moved_after_end
    on_hand_start = on_hand_end - moved_in_period
    average_on_hand = Decimal(on_hand_start + on_hand_end) / 2
    credit_sales = Decimal(invoiced) - Decimal(credited)
    dso = _ratio(Decimal(receivables_end) * days, credit_sales, "0.1")
    return {
        "from": start,
        "to": end,
        "revenue": Decimal(revenue).quantize(CENT),
        "orders": int(orders),
        "units": int(units),
        "average_order_value": _ratio(Decimal(revenue), Decimal(orders)),
        "receivables": Decimal(receivables_end).quantize(CENT),
        "days_sales_outstanding": dso,
        "stock_turnover": _ratio(Decimal(units), average_on_hand),
        "fill_rate": _ratio(Decimal(confirmed), Decimal(confirmed + rejected), "0.0001"),
    }


COMPARED = (
    "revenue",
    "orders",
    "units",
    "receivables",
    "average_order_value",
    "days_sales_outstanding",
    "stock_turnover",
    "fill_rate",
)


def kpis(cur: duckdb.DuckDBPyConnection, *, days: int, today: date) -> dict[str, Any]:
    start = today - timedelta(days=days - 1)
    current = period(cur, start, today)
    previous = period(cur, start - timedelta(days=days), start - timedelta(days=1))
    change: dict[str, Decimal | None] = {}
    for name in COMPARED:
        now, before = current[name], previous[name]
        change[name] = (
            None
            if now is None or before is None or not before
            else ((Decimal(now) - Decimal(before)) * 100 / Decimal(before)).quantize(
                Decimal("0.1"), rounding=ROUND_HALF_UP
            )
        )
    return {"days": days, "current": current, "previous": previous, "change_pct": change}
