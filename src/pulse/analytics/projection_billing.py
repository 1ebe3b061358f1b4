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


def project_billing(
    script: Script,
    batch: Batch,
    reg: Any,
    changed: dict[str, list[Any]],
    today: date,
) -> bool:
    """Add the statements; return whether the batch voids invoices.

    Every document adds its row to its own table and a row of deltas to one list: the
    batch's movements of `cash_by_day` go in as one statement, grouped by day."""
    days: set[Any] = set()
    # Each: a SELECT of (day, invoiced, credited, received, refunded, ar_change).
    cash: list[str] = []
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
        cash.append(
            f"SELECT CAST(issue_date AS DATE), CAST(total AS {M}), 0, 0, 0, "
            f"CAST(balance AS {M}) FROM b_invoices"
        )
    voids = reg("b_voids", columns.table(batch.voids))
    if voids:
        days.update(utc_date(ts) for ts in batch.voids["ts"])
        # A void takes the invoice out of what was invoiced on its issue day, and what it
        # still owed out of receivables on the day of the void (read before the update
        # below, which is why the cash statement comes before it).
        cash.append(
            "SELECT i.issue_date, -i.total, 0, 0, 0, 0 FROM invoices i "
            "JOIN (SELECT DISTINCT CAST(invoice_id AS UUID) AS invoice_id FROM b_voids) v "
            "ON i.invoice_id = v.invoice_id WHERE i.status <> 'void'"
        )
        cash.append(
            "SELECT CAST(utc(v.ts) AS DATE), 0, 0, 0, 0, -i.balance "
            "FROM invoices i JOIN b_voids v ON i.invoice_id = CAST(v.invoice_id AS UUID) "
            "WHERE i.status <> 'void'"
        )
    if _facts(
        script, reg, "payments", batch.payments, f"CAST(amount AS {M}), method, utc(received_at)"
    ):
        days.update(utc_date(ts) for ts in batch.payments["received_at"])
        cash.append(
            f"SELECT CAST(utc(received_at) AS DATE), 0, 0, CAST(amount AS {M}), 0, "
            f"-CAST(amount AS {M}) FROM b_payments"
        )
    if _facts(
        script,
        reg,
        "credit_notes",
        batch.credit_notes,
        "CAST(issue_date AS DATE), "
        f"CAST(subtotal AS {M}), CAST(tax AS {M}), CAST(total AS {M}), "
        f"CAST(applied_to_balance AS {M}), CAST(refund_due AS {M})",
        number=True,
    ):
        days.update(utc_date(d) for d in batch.credit_notes["issue_date"])
        cash.append(
            f"SELECT CAST(issue_date AS DATE), 0, CAST(total AS {M}), 0, 0, "
            f"-CAST(applied_to_balance AS {M}) FROM b_credit_notes"
        )
    if _facts(script, reg, "refunds", batch.refunds, f"CAST(amount AS {M}), method, utc(paid_at)"):
        days.update(utc_date(ts) for ts in batch.refunds["paid_at"])
        cash.append(
            f"SELECT CAST(utc(paid_at) AS DATE), 0, 0, 0, CAST(amount AS {M}), 0 FROM b_refunds"
        )
    if cash:
        sums = ", ".join(f"sum({c})" for c in CASH)
        script.add(
            upsert_sum(
                "cash_by_day",
                "day",
                f"SELECT d, {sums} FROM ("
                + " UNION ALL ".join(cash)
                + f") AS c(d, {', '.join(CASH)}) GROUP BY d",
                CASH,
            )
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
        # The same change on the open ones, which leave when nothing is owed any more; a
        # balance never grows back, so an invoice that has left has no reason to return.
        balance = (
            f"coalesce(CAST(c.set_balance AS {M}), open_invoices.balance) - CAST(c.subtract AS {M})"
        )
        status = "coalesce(c.status, open_invoices.status)"
        script.add(
            "MERGE INTO open_invoices USING b_invoice_changes c "
            "ON open_invoices.invoice_id = CAST(c.invoice_id AS UUID) "
            f"WHEN MATCHED AND ({balance} <= 0 OR {status} = 'void') THEN DELETE "
            f"WHEN MATCHED THEN UPDATE SET balance = {balance}, status = {status}"
        )
    if touched:
        refresh_aging(script, today)
        changed["ar_aging"] = []
    if days:
        changed["cash_by_day"] = sorted(days)
    return bool(voids)


def _facts(
    script: Script,
    reg: Any,
    table: str,
    cols: dict[str, list[Any]],
    rest: str,
    *,
    number: bool = False,
) -> bool:
    """Insert a batch's payments, credit notes or refunds: their id, (number,) invoice and
    customer, then `rest`. Return whether there were any."""
    if not reg(f"b_{table}", columns.table(cols)):
        return False
    key = next(iter(cols))
    script.add(
        f"INSERT INTO {table} SELECT CAST({key} AS UUID), {'number, ' if number else ''}"
        f"CAST(invoice_id AS UUID), CAST(customer_id AS UUID), {rest} FROM b_{table}"
    )
    return True


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
AGING_SQL = (
    f"MERGE INTO ar_aging USING ({AGING_SELECT}) a ON ar_aging.bucket = a.bucket "
    "WHEN MATCHED THEN UPDATE SET sort = a.sort, invoices = a.invoices, amount = a.amount, "
    "as_of = a.as_of WHEN NOT MATCHED THEN INSERT VALUES (a.bucket, a.sort, a.invoices, "
    "a.amount, a.as_of)"
)


def refresh_aging(script: Script, today: date) -> None:
    """Recount open receivables by days past due, as of `today` (inside the caller's txn):
    one row per bucket, replaced in place."""
    script.add(AGING_SQL, [today, today])
