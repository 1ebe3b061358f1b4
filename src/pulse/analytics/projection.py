"""Apply one batch to DuckDB: facts, aggregate deltas and the position, in one transaction.

Every statement works on all of the batch's rows of one kind at once (its columns as a
JSON document DuckDB reads: a common table expression, or for a large batch a temporary
table read once); nothing is written row by row. Aggregates
move by signed deltas (an order becoming a sale adds, a cancelled sale subtracts), so a
batch costs what it carries, not what the store already holds.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import duckdb

from pulse.analytics import columns, transform
from pulse.analytics.projection_billing import project_billing
from pulse.analytics.sql import M, Script, run, upsert_sum, utc_date
from pulse.analytics.tables import SOLD_STATUSES
from pulse.analytics.transform import Batch

SOLD = "(" + ", ".join(f"'{s}'" for s in SOLD_STATUSES) + ")"


@dataclass
class Applied:
    """What a committed batch changed: for the live push and /stats."""

    events: int
    position: int
    duration_ms: float
    changed: dict[str, list[Any]] = field(default_factory=dict)
    # Orders the batch placed or moved, with their new status (capped): a dashboard can tell
    # the moment an order it follows is counted.
    orders: list[dict[str, str]] = field(default_factory=list)


MAX_ORDERS = 500
# From how many rows a batch's rows of one kind are read once into a temporary table rather
# than parsed again by each statement that reads them (which is cheaper for a few hundred).
MANY_ROWS = 1000
# How the store refuses a batch it already holds.
ALREADY = "the store is already at"


def touched_orders(batch: Batch) -> list[dict[str, str]]:
    status: dict[str, str] = {}
    for order_id in batch.orders["order_id"]:
        status[order_id] = "placed"
    for order_id, new in zip(
        batch.status_changes["order_id"], batch.status_changes["status"], strict=True
    ):
        status[order_id] = new
    return [{"id": k, "status": v} for k, v in list(status.items())[:MAX_ORDERS]]


def apply(cur: duckdb.DuckDBPyConnection, batch: Batch, *, source: str, today: date) -> Applied:
    started = time.perf_counter()
    script = Script()
    materialized: list[str] = []

    def reg(name: str, rows: columns.Rows | None) -> bool:
        """The batch's rows of one kind, for the statements after that name them: read
        where they are named, or, when there are many, read once into a temporary table."""
        if rows is None:
            return False
        if rows.count < MANY_ROWS:
            script.rows(name, rows.select)
        else:
            script.add(f"CREATE OR REPLACE TEMP TABLE {name} AS {rows.select}")
            materialized.append(name)
        return True

    changed: dict[str, list[Any]] = {}
    # The position moves first, and only from below the batch: a batch the store already
    # holds stops the script there (DuckDB's error(), turned into a ValueError below).
    script.add(
        "UPDATE projector_state SET position = CASE WHEN position < ? THEN ? "
        "ELSE error(? || position) END, events = events + ?, source = ?, "
        "last_event_at = coalesce(utc(?), last_event_at), "
        "last_batch_at = utc(now()), last_batch_events = ? WHERE id = 1",
        [
            batch.first_seq,
            batch.last_seq,
            f"batch starts at {batch.first_seq}, {ALREADY} ",
            batch.events,
            source,
            batch.last_event_at,
            batch.events,
        ],
    )
    cur.begin()
    try:
        _customers(script, batch, reg)
        _stock(script, batch, reg, changed)
        sales = _orders(script, batch, reg, changed)
        voids = project_billing(script, batch, reg, changed, today)
        # Last, the keys whose aggregates changed (for the live push).
        script.add(_changed_keys(sales, voids))
        try:
            keys = script.run(cur)[0]
        except duckdb.InvalidInputException as exc:
            if ALREADY in str(exc):
                raise ValueError(str(exc).split(": ", 1)[-1]) from None
            raise
        _merge_keys(changed, sales, voids, keys)
        duration_ms = (time.perf_counter() - started) * 1000
        run(cur, "UPDATE projector_state SET last_batch_ms = ? WHERE id = 1", [duration_ms])
        if materialized:  # not kept in memory until the next large batch
            run(cur, "".join(f"DROP TABLE {name};" for name in materialized))
        cur.commit()
    except BaseException:
        cur.rollback()
        raise
    return Applied(
        events=batch.events,
        position=batch.last_seq,
        duration_ms=(time.perf_counter() - started) * 1000,
        changed=changed,
        orders=touched_orders(batch),
    )


def _customers(script: Script, batch: Batch, reg: Any) -> None:
    if reg("b_customers", columns.table(batch.customers)):
        script.add(
            "INSERT INTO customers SELECT CAST(customer_id AS UUID), name, email, "
            "payment_terms_days FROM b_customers ON CONFLICT DO NOTHING",
        )
    rows = [{"customer_id": k, **v} for k, v in batch.customer_changes.items()]
    if reg(
        "b_customer_changes",
        columns.rows_table(rows, ["customer_id", *transform.CUSTOMER_FIELDS]),
    ):
        script.add(
            "UPDATE customers SET name = coalesce(c.name, customers.name), "
            "email = coalesce(c.email, customers.email), "
            "payment_terms_days = coalesce(CAST(c.payment_terms_days AS INTEGER), "
            "customers.payment_terms_days) "
            "FROM b_customer_changes c WHERE customers.customer_id = CAST(c.customer_id AS UUID)",
        )


STOCK_COLUMNS = (
    "sku",
    "name",
    "price",
    "active",
    "on_hand",
    "reserved",
    "reorder_point",
    "reorder_qty",
    "lead_time_days",
    "updated_at",
)


def _stock(script: Script, batch: Batch, reg: Any, changed: dict[str, list[Any]]) -> None:
    touched: set[str] = set()
    if reg("b_products", columns.rows_table(batch.products.values(), STOCK_COLUMNS)):
        script.add(
            f"INSERT INTO stock_snapshot SELECT sku, name, CAST(price AS {M}), active, on_hand, "
            "reserved, reorder_point, reorder_qty, lead_time_days, "
            "utc(updated_at) FROM b_products "
            "ON CONFLICT (sku) DO UPDATE SET name = excluded.name, price = excluded.price, "
            "active = excluded.active, on_hand = excluded.on_hand, "
            "reserved = excluded.reserved, reorder_point = excluded.reorder_point, "
            "reorder_qty = excluded.reorder_qty, lead_time_days = excluded.lead_time_days, "
            "updated_at = excluded.updated_at",
        )
        touched.update(batch.products)
    rows = [{"sku": k, **v} for k, v in batch.product_changes.items()]
    if reg("b_product_changes", columns.rows_table(rows, ["sku", *transform.PRODUCT_FIELDS])):
        script.add(
            "UPDATE stock_snapshot SET name = coalesce(c.name, stock_snapshot.name), "
            f"price = coalesce(CAST(c.price AS {M}), stock_snapshot.price), "
            "active = coalesce(CAST(c.active AS BOOLEAN), stock_snapshot.active), "
            "reorder_point = coalesce(CAST(c.reorder_point AS INTEGER), "
            "stock_snapshot.reorder_point), "
            "reorder_qty = coalesce(CAST(c.reorder_qty AS INTEGER), stock_snapshot.reorder_qty), "
            "lead_time_days = coalesce(CAST(c.lead_time_days AS INTEGER), "
            "stock_snapshot.lead_time_days) "
            "FROM b_product_changes c WHERE stock_snapshot.sku = c.sku",
        )
        touched.update(batch.product_changes)
    levels = [
        {"sku": sku, "on_hand": v[0], "reserved": v[1], "ts": v[2]}
        for sku, v in batch.stock_levels.items()
    ]
    if reg("b_levels", columns.rows_table(levels, ["sku", "on_hand", "reserved", "ts"])):
        script.add(
            "UPDATE stock_snapshot SET on_hand = l.on_hand, reserved = l.reserved, "
            "updated_at = utc(l.ts) FROM b_levels l "
            "WHERE stock_snapshot.sku = l.sku",
        )
        touched.update(batch.stock_levels)
    if reg("b_movements", columns.table(batch.movements)):
        script.add(
            "INSERT INTO stock_movements SELECT seq, utc(ts), sku, kind, "
            "on_hand_delta, reserved_delta, CAST(order_id AS UUID), reason FROM b_movements",
        )
    if touched:
        changed["stock_snapshot"] = sorted(touched)


def _orders(script: Script, batch: Batch, reg: Any, changed: dict[str, list[Any]]) -> bool:
    """Insert the new orders and their lines, then move the orders whose status changed:
    one temporary table holds each such order's new status, how many of the batch's moves
    confirmed, rejected or cancelled it, and its sign (+1 became a sale, -1 stopped being
    one, 0 neither), and every aggregate is one statement over it."""
    placed = reg("b_orders", columns.table(batch.orders))
    if placed:
        reg("b_lines", columns.table(batch.lines))
        script.add(
            "INSERT INTO orders SELECT CAST(order_id AS UUID), number, CAST(customer_id AS UUID), "
            f"utc(placed_at), 'placed', false, CAST(subtotal AS {M}), "
            f"CAST(tax AS {M}), CAST(total AS {M}), units, utc(placed_at) "
            "FROM b_orders",
        )
        script.add(
            "INSERT INTO order_lines SELECT CAST(order_id AS UUID), line_no, sku, qty, "
            f"CAST(unit_price AS {M}), CAST(tax_rate AS DECIMAL(9,4)), "
            f"CAST(line_total AS {M}), CAST(line_tax AS {M}) FROM b_lines",
        )
        changed["fulfilment_by_day"] = sorted({utc_date(t) for t in batch.orders["placed_at"]})
    moved = reg("b_status", columns.table(batch.status_changes))
    if moved:
        script.add(
            "CREATE OR REPLACE TEMP TABLE t_moved AS SELECT o.order_id, o.placed_at, "
            "o.customer_id, o.subtotal, o.tax, o.total, o.units, s.status, s.ts, "
            "s.confirmed, s.rejected, s.cancelled, "
            f"CASE WHEN (s.status IN {SOLD}) = o.sold THEN 0 "
            f"WHEN s.status IN {SOLD} THEN 1 ELSE -1 END AS sign "
            "FROM orders o JOIN (SELECT CAST(order_id AS UUID) AS order_id, "
            "arg_max(status, ord) AS status, max(utc(ts)) AS ts, "
            "count(*) FILTER (WHERE status = 'confirmed') AS confirmed, "
            "count(*) FILTER (WHERE status = 'rejected') AS rejected, "
            "count(*) FILTER (WHERE status = 'cancelled') AS cancelled "
            "FROM b_status GROUP BY order_id) s ON o.order_id = s.order_id",
        )
    _fulfilment(script, placed, moved)
    if not moved:
        return False
    script.add(
        f"UPDATE orders SET status = s.status, sold = s.status IN {SOLD}, updated_at = s.ts "
        "FROM t_moved s WHERE orders.order_id = s.order_id",
    )
    _sales(script)
    return True


def _fulfilment(script: Script, placed: bool, moved: bool) -> None:
    """Orders placed, confirmed, rejected and cancelled, by the day they were placed."""
    parts = []
    if placed:
        parts.append(
            "SELECT CAST(utc(placed_at) AS DATE) AS d, 1 AS p, 0 AS c, 0 AS r, 0 AS x FROM b_orders"
        )
    if moved:
        parts.append(
            "SELECT CAST(placed_at AS DATE), 0, confirmed, rejected, cancelled "
            "FROM t_moved WHERE confirmed + rejected + cancelled > 0"
        )
    if parts:
        script.add(
            upsert_sum(
                "fulfilment_by_day",
                "day",
                "SELECT d, sum(p), sum(c), sum(r), sum(x) FROM ("
                + " UNION ALL ".join(parts)
                + ") AS u(d, p, c, r, x) GROUP BY d",
                ("placed", "confirmed", "rejected", "cancelled"),
            )
        )


def _sales(script: Script) -> None:
    money = ("orders", "units", "revenue", "tax", "gross")
    signed = (
        "sum(sign), sum(sign * units), sum(sign * subtotal), sum(sign * tax), sum(sign * total)"
    )
    sales = "FROM t_moved WHERE sign <> 0"
    script.add(
        upsert_sum(
            "sales_by_hour",
            "hour",
            f"SELECT date_trunc('hour', placed_at) AS h, {signed} {sales} GROUP BY h",
            money,
        ),
    )
    script.add(
        upsert_sum(
            "sales_by_day",
            "day",
            f"SELECT CAST(placed_at AS DATE) AS d, {signed} {sales} GROUP BY d",
            money,
        ),
    )
    script.add(
        "INSERT INTO sales_by_customer SELECT customer_id, sum(sign), sum(sign * subtotal), "
        f"sum(sign * total), max(placed_at) {sales} GROUP BY customer_id "
        "ON CONFLICT (customer_id) DO UPDATE SET "
        "orders = sales_by_customer.orders + excluded.orders, "
        "revenue = sales_by_customer.revenue + excluded.revenue, "
        "gross = sales_by_customer.gross + excluded.gross, "
        "last_order_at = greatest(sales_by_customer.last_order_at, excluded.last_order_at)",
    )
    script.add(
        upsert_sum(
            "sales_by_customer_day",
            "day, customer_id",
            "SELECT CAST(placed_at AS DATE) AS d, customer_id, sum(sign), sum(sign * subtotal) "
            f"{sales} GROUP BY d, customer_id",
            ("orders", "revenue"),
        ),
    )
    script.add(
        "CREATE OR REPLACE TEMP TABLE t_line_delta AS SELECT CAST(d.placed_at AS DATE) AS day, "
        "l.sku, d.sign, l.qty, l.line_total FROM t_moved d "
        "JOIN order_lines l ON l.order_id = d.order_id WHERE d.sign <> 0",
    )
    line_sums = "sum(sign), sum(sign * qty), sum(sign * line_total)"
    script.add(
        upsert_sum(
            "sales_by_product",
            "sku",
            f"SELECT sku, {line_sums} FROM t_line_delta GROUP BY sku",
            ("orders", "units", "revenue"),
        ),
    )
    script.add(
        upsert_sum(
            "sales_by_product_day",
            "day, sku",
            f"SELECT day, sku, {line_sums} FROM t_line_delta GROUP BY day, sku",
            ("orders", "units", "revenue"),
        ),
    )


def _changed_keys(sales: bool, voids: bool) -> str:
    """One row: lists of the hours, days, customers and SKUs whose figures moved."""
    voided = "NULL"
    if voids:
        voided = (
            "(SELECT list(DISTINCT i.issue_date) FROM invoices i JOIN b_voids v "
            "ON i.invoice_id = CAST(v.invoice_id AS UUID))"
        )
    if not sales:
        return f"SELECT NULL, NULL, NULL, NULL, NULL, {voided}"
    sold = "FILTER (WHERE sign <> 0)"
    return (
        f"SELECT list(DISTINCT date_trunc('hour', placed_at)) {sold}, "
        f"list(DISTINCT CAST(placed_at AS DATE)) {sold}, list(DISTINCT customer_id) {sold}, "
        "(SELECT list(DISTINCT sku) FROM t_line_delta), list(DISTINCT CAST(placed_at AS DATE)), "
        f"{voided} FROM t_moved"
    )


def _merge_keys(
    changed: dict[str, list[Any]], sales: bool, voids: bool, keys: tuple[Any, ...]
) -> None:
    if sales:
        hours, days, customers, skus, placed_days = keys[:5]
        for name, values in (
            ("sales_by_hour", hours),
            ("sales_by_day", days),
            ("sales_by_customer", customers),
            ("sales_by_product", skus),
        ):
            if values:
                changed[name] = sorted(values)
        changed["fulfilment_by_day"] = sorted(
            {*changed.get("fulfilment_by_day", []), *(placed_days or [])}
        )
    if voids and keys[5]:
        changed["cash_by_day"] = sorted({*changed.get("cash_by_day", []), *keys[5]})
