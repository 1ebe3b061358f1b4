"""The figures the analytics store must agree on with the business database."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import func, select

from pulse.analytics.tables import SOLD_STATUSES
from pulse.billing.models import Invoice
from pulse.bootstrap import Container
from pulse.inventory.models import StockLevel as Stock
from pulse.orders.models import Order


async def oltp_totals(container: Container) -> dict[str, Any]:
    async with container.uow(readonly=True) as uow:
        s = uow.session
        sold = Order.status.in_(SOLD_STATUSES)
        orders, revenue, gross = (
            await s.execute(
                select(
                    func.count(),
                    func.coalesce(func.sum(Order.subtotal), 0),
                    func.coalesce(func.sum(Order.total), 0),
                ).where(sold)
            )
        ).one()
        all_orders = (await s.execute(select(func.count()).select_from(Order))).scalar_one()
        receivables = (
            await s.execute(
                select(func.coalesce(func.sum(Invoice.balance), 0)).where(Invoice.status != "void")
            )
        ).scalar_one()
        invoices = (await s.execute(select(func.count()).select_from(Invoice))).scalar_one()
        stock = {
            sku: (on_hand, reserved)
            for sku, on_hand, reserved in (
                await s.execute(select(Stock.sku, Stock.qty_on_hand, Stock.reserved_qty))
            ).all()
        }
    return {
        "orders": orders,
        "all_orders": all_orders,
        "revenue": Decimal(revenue).quantize(Decimal("0.01")),
        "gross": Decimal(gross).quantize(Decimal("0.01")),
        "receivables": Decimal(receivables).quantize(Decimal("0.01")),
        "invoices": invoices,
        "stock": stock,
    }


def olap_totals(cur: Any) -> dict[str, Any]:
    def one(sql: str) -> Any:
        return cur.execute(sql).fetchone()[0]

    return {
        "orders": one("SELECT count(*) FROM orders WHERE sold"),
        "all_orders": one("SELECT count(*) FROM orders"),
        "revenue": Decimal(one("SELECT coalesce(sum(revenue), 0) FROM sales_by_day")),
        "gross": Decimal(one("SELECT coalesce(sum(gross), 0) FROM sales_by_hour")),
        "receivables": Decimal(
            one("SELECT coalesce(sum(balance), 0) FROM invoices WHERE status <> 'void'")
        ),
        "invoices": one("SELECT count(*) FROM invoices"),
        "stock": {
            sku: (on_hand, reserved)
            for sku, on_hand, reserved in cur.execute(
                "SELECT sku, on_hand, reserved FROM stock_snapshot"
            ).fetchall()
        },
    }


def aggregate_cross_checks(cur: Any) -> None:
    """Every aggregate agrees with the facts it summarises."""
    facts = cur.execute(
        "SELECT count(*), coalesce(sum(subtotal), 0), coalesce(sum(units), 0) FROM orders "
        "WHERE sold"
    ).fetchone()
    for table in ("sales_by_hour", "sales_by_day"):
        agg = cur.execute(
            f"SELECT coalesce(sum(orders), 0), coalesce(sum(revenue), 0), "
            f"coalesce(sum(units), 0) FROM {table}"
        ).fetchone()
        assert tuple(agg) == tuple(facts), (table, agg, facts)
    by_product = cur.execute(
        "SELECT coalesce(sum(revenue), 0), coalesce(sum(units), 0) FROM sales_by_product"
    ).fetchone()
    lines = cur.execute(
        "SELECT coalesce(sum(l.line_total), 0), coalesce(sum(l.qty), 0) FROM order_lines l "
        "JOIN orders o USING (order_id) WHERE o.sold"
    ).fetchone()
    assert tuple(by_product) == tuple(lines)
    by_customer = cur.execute(
        "SELECT coalesce(sum(orders), 0), coalesce(sum(revenue), 0) FROM sales_by_customer"
    ).fetchone()
    assert tuple(by_customer) == tuple(facts[:2])
    aging = cur.execute("SELECT coalesce(sum(amount), 0) FROM ar_aging").fetchone()[0]
    open_ = cur.execute(
        "SELECT coalesce(sum(balance), 0) FROM invoices WHERE status <> 'void'"
    ).fetchone()[0]
    assert aging == open_
    # open_invoices is exactly the owed, not void invoices, field for field.
    derived = (
        "SELECT invoice_id, number, customer_id, issue_date, due_date, total, balance, status "
        "FROM invoices WHERE balance > 0 AND status <> 'void'"
    )
    kept = "SELECT * FROM open_invoices"
    for left, right in ((derived, kept), (kept, derived)):
        assert cur.execute(f"{left} EXCEPT ALL {right}").fetchall() == []
    ar_history = cur.execute("SELECT coalesce(sum(ar_change), 0) FROM cash_by_day").fetchone()[0]
    assert ar_history == open_, (ar_history, open_)
