"""Apply a batch's invoices, payments, credit notes, refunds and voids to DuckDB.

`cash_by_day` keeps, per day, what was invoiced, credited, received and refunded, and
`ar_change`: how receivables moved that day (an invoice adds its open balance, a payment
or a credit applied to the balance takes it off, a void takes off what the invoice still
owed). Receivables on any past day are the running sum of `ar_change`.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from pulse.analytics import columns
from pulse.analytics.sql import M, Script, upsert_sum, utc_date
from pulse.analytics.transform import Batch

CASH = ("invoiced", "credited", "received", "refunded", "ar_change")


def _cash(script: Script, select: str) -> None:
    """Add one grouped delta (day, invoiced, credited, received, refunded, ar_change)."""
    script.add(upsert_sum("cash_by_day", "day", select, CASH))


def project_billing(
    script: Script,
    batch: Batch,
    reg: Any,
    changed: dict[str, list[Any]],
    today: date,
) -> bool:
    """Add the statements; return whether the batch voids invoices."""
    days: set[Any] = set()
    touched = False
    if reg("b_invoices", columns.table(batch.invoices)):
        touched = True
        days.update(utc_date(d) for d in batch.invoices["issue_date"])
        script.add(
            "INSERT INTO invoices SELECT CAST(invoice_id AS UUID), number, "
            "CAST(order_id AS UUID), CAST(customer_id AS UUID), source, "
            "CAST(issue_date AS DATE), CAST(due_date AS DATE), "
            f"CAST(subtotal AS {M}), CAST(tax AS {M}), CAST(total AS {M}), 0, 0, "
            f"CAST(balance AS {M}), status, utc(ts) FROM b_invoices",
        )
        script.add(
            "INSERT INTO open_invoices SELECT CAST(invoice_id AS UUID), number, "
            "CAST(customer_id AS UUID), CAST(issue_date AS DATE), CAST(due_date AS DATE), "
            f"CAST(total AS {M}), CAST(balance AS {M}), status FROM b_invoices "
            f"WHERE CAST(balance AS {M}) > 0 AND status <> 'void'",
        )
        _cash(
            script,
            f"SELECT CAST(issue_date AS DATE) AS d, sum(CAST(total AS {M})), 0, 0, 0, "
            f"sum(CAST(balance AS {M})) FROM b_invoices GROUP BY d",
        )
    voids = reg("b_voids", columns.table(batch.voids))
    if voids:
        days.update(utc_date(ts) for ts in batch.voids["ts"])
        # A void takes the invoice out of what was invoiced on its issue day, and what it
        # still owed out of receivables on the day of the void (before the update below).
        _cash(
            script,
            "SELECT i.issue_date AS d, -sum(i.total), 0, 0, 0, 0 FROM invoices i "
            "JOIN (SELECT DISTINCT CAST(invoice_id AS UUID) AS invoice_id FROM b_voids) v "
            "ON i.invoice_id = v.invoice_id WHERE i.status <> 'void' GROUP BY d",
        )
        _cash(
            script,
            "SELECT CAST(utc(v.ts) AS DATE) AS d, 0, 0, 0, 0, -sum(i.balance) "
            "FROM invoices i JOIN b_voids v ON i.invoice_id = CAST(v.invoice_id AS UUID) "
            "WHERE i.status <> 'void' GROUP BY d",
        )
    if reg("b_invoice_changes", columns.invoice_changes_table(batch.invoice_changes)):
        touched = True
        script.add(
            f"UPDATE invoices SET balance = coalesce(CAST(c.set_balance AS {M}), "
            f"invoices.balance) - CAST(c.subtract AS {M}), "
            f"paid = invoices.paid + CAST(c.paid AS {M}), "
            f"credited = invoices.credited + CAST(c.credited AS {M}), "
            "status = coalesce(c.status, invoices.status), "
            "updated_at = utc(c.ts) "
            "FROM b_invoice_changes c WHERE invoices.invoice_id = CAST(c.invoice_id AS UUID)",
        )
        # The same change on the open ones; a balance never grows back, so an invoice that
        # has left open_invoices has no reason to return.
        script.add(
            f"UPDATE open_invoices SET balance = coalesce(CAST(c.set_balance AS {M}), "
            f"open_invoices.balance) - CAST(c.subtract AS {M}), "
            "status = coalesce(c.status, open_invoices.status) "
            "FROM b_invoice_changes c "
            "WHERE open_invoices.invoice_id = CAST(c.invoice_id AS UUID)",
        )
        script.add("DELETE FROM open_invoices WHERE balance <= 0 OR status = 'void'")
    if reg("b_payments", columns.table(batch.payments)):
        days.update(utc_date(ts) for ts in batch.payments["received_at"])
        script.add(
            "INSERT INTO payments SELECT CAST(payment_id AS UUID), CAST(invoice_id AS UUID), "
            f"CAST(customer_id AS UUID), CAST(amount AS {M}), method, "
            "utc(received_at) FROM b_payments",
        )
        _cash(
            script,
            f"SELECT CAST(utc(received_at) AS DATE) AS d, 0, 0, sum(CAST(amount AS {M})), "
            f"0, -sum(CAST(amount AS {M})) FROM b_payments GROUP BY d",
        )
    if reg("b_credit_notes", columns.table(batch.credit_notes)):
        days.update(utc_date(d) for d in batch.credit_notes["issue_date"])
        script.add(
            "INSERT INTO credit_notes SELECT CAST(credit_note_id AS UUID), number, "
            "CAST(invoice_id AS UUID), CAST(customer_id AS UUID), CAST(issue_date AS DATE), "
            f"CAST(subtotal AS {M}), CAST(tax AS {M}), CAST(total AS {M}), "
            f"CAST(applied_to_balance AS {M}), CAST(refund_due AS {M}) FROM b_credit_notes",
        )
        _cash(
            script,
            f"SELECT CAST(issue_date AS DATE) AS d, 0, sum(CAST(total AS {M})), 0, 0, "
            f"-sum(CAST(applied_to_balance AS {M})) FROM b_credit_notes GROUP BY d",
        )
    if reg("b_refunds", columns.table(batch.refunds)):
        days.update(utc_date(ts) for ts in batch.refunds["paid_at"])
        script.add(
            "INSERT INTO refunds SELECT CAST(refund_id AS UUID), CAST(invoice_id AS UUID), "
            f"CAST(customer_id AS UUID), CAST(amount AS {M}), method, "
            "utc(paid_at) FROM b_refunds",
        )
        _cash(
            script,
            "SELECT CAST(utc(paid_at) AS DATE) AS d, 0, 0, 0, "
            f"sum(CAST(amount AS {M})), 0 FROM b_refunds GROUP BY d",
        )
    if touched:
        refresh_aging(script, today)
        changed["ar_aging"] = []
    if days:
        changed["cash_by_day"] = sorted(days)
    return bool(voids)


AGING_SELECT = f"""
WITH buckets(bucket, sort, lo, hi) AS (
    VALUES ('current', 0, -100000, 0), ('1-30', 1, 1, 30), ('31-60', 2, 31, 60),
           ('61-90', 3, 61, 90), ('90+', 4, 91, 100000000)
),
open AS (
    SELECT balance, date_diff('day', due_date, CAST(? AS DATE)) AS late FROM open_invoices
)
SELECT b.bucket, b.sort, count(o.balance) AS invoices,
       CAST(coalesce(sum(o.balance), 0) AS {M}) AS amount, CAST(? AS DATE) AS as_of
FROM buckets b LEFT JOIN open o ON o.late BETWEEN b.lo AND b.hi
GROUP BY b.bucket, b.sort
"""
AGING_SQL = "INSERT INTO ar_aging " + AGING_SELECT


def refresh_aging(script: Script, today: date) -> None:
    """Recount open receivables by days past due, as of `today` (inside the caller's txn)."""
    script.add("DELETE FROM ar_aging")
    script.add(AGING_SQL, [today, today])
