"""billing: invoices, payments, credit notes and the ledger

Revision ID: 0003_billing
Revises: 0002_auth
Create Date: 2026-11-23 22:47:19

Creates the chart of accounts (postings find accounts by role, so codes and names can be
changed later) and the invoice and credit note numbering series.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import pulse.platform.db

revision: str = "0003_billing"
down_revision: str | None = "0002_auth"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# code, name, type, role (what the postings use it for)
CHART_OF_ACCOUNTS = [
    ("1000", "Cash", "asset", "cash"),
    ("1010", "Bank", "asset", "bank"),
    ("1020", "Card receipts clearing", "asset", "card_clearing"),
    ("1100", "Accounts receivable", "asset", "receivables"),
    ("1200", "Inventory", "asset", "inventory"),
    ("2000", "Accounts payable", "liability", "payables"),
    ("2100", "Sales tax payable", "liability", "tax_payable"),
    ("2150", "Customer refunds payable", "liability", "refunds_payable"),
    ("2200", "Salaries payable", "liability", "salaries_payable"),
    ("3000", "Owner's equity", "equity", "equity"),
    ("3100", "Retained earnings", "equity", "retained_earnings"),
    ("4000", "Sales revenue", "revenue", "revenue"),
    ("4900", "Sales returns and allowances", "revenue", "sales_returns"),
    ("5000", "Cost of goods sold", "expense", "cogs"),
    ("6000", "Salaries expense", "expense", "salaries_expense"),
    ("6100", "Bank fees", "expense", "bank_fees"),
]


def upgrade() -> None:
    op.create_table(
        "accounts",
        sa.Column("code", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("type", sa.String(length=20), nullable=False),
        sa.Column("role", sa.String(length=40), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_accounts")),
        sa.UniqueConstraint("role", name=op.f("uq_accounts_role")),
    )
    op.create_table(
        "invoices",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("number", sa.String(length=20), nullable=False),
        sa.Column("order_id", sa.Uuid(), nullable=True),
        sa.Column("order_number", sa.String(length=20), nullable=True),
        sa.Column("source", sa.String(length=10), nullable=False),
        sa.Column("customer_id", sa.Uuid(), nullable=False),
        sa.Column("customer_name", sa.String(length=200), nullable=False),
        sa.Column("customer_email", sa.String(length=254), nullable=False),
        sa.Column("billing_address", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("issue_date", sa.Date(), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("subtotal", pulse.platform.db.ExactDecimal(14, 2), nullable=False),
        sa.Column("tax", pulse.platform.db.ExactDecimal(14, 2), nullable=False),
        sa.Column("total", pulse.platform.db.ExactDecimal(14, 2), nullable=False),
        sa.Column("amount_paid", pulse.platform.db.ExactDecimal(14, 2), nullable=False),
        sa.Column("amount_credited", pulse.platform.db.ExactDecimal(14, 2), nullable=False),
        sa.Column("balance", pulse.platform.db.ExactDecimal(14, 2), nullable=False),
        sa.Column("refund_due", pulse.platform.db.ExactDecimal(14, 2), nullable=False),
        sa.Column("amount_refunded", pulse.platform.db.ExactDecimal(14, 2), nullable=False),
        sa.Column("notes", sa.String(length=1000), nullable=False),
        sa.Column("void_reason", sa.String(length=500), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "amount_credited >= 0 AND amount_credited <= total",
            name=op.f("ck_invoices_credited_within_total"),
        ),
        sa.CheckConstraint(
            "amount_paid >= 0 AND amount_paid <= total", name=op.f("ck_invoices_paid_within_total")
        ),
        sa.CheckConstraint(
            "balance >= 0 AND refund_due >= 0", name=op.f("ck_invoices_balances_not_negative")
        ),
        sa.CheckConstraint("amount_refunded >= 0", name=op.f("ck_invoices_refunded_not_negative")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invoices")),
        sa.UniqueConstraint("number", name=op.f("uq_invoices_number")),
        sa.UniqueConstraint("order_id", name=op.f("uq_invoices_order_id")),
    )
    with op.batch_alter_table("invoices", schema=None) as batch_op:
        batch_op.create_index(
            "ix_invoices_customer_issue", ["customer_id", "issue_date"], unique=False
        )
        batch_op.create_index("ix_invoices_issue_date", ["issue_date"], unique=False)
        batch_op.create_index("ix_invoices_status_due", ["status", "due_date"], unique=False)

    op.create_table(
        "journal_entries",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("entry_date", sa.Date(), nullable=False),
        sa.Column("description", sa.String(length=300), nullable=False),
        sa.Column("source_type", sa.String(length=30), nullable=False),
        sa.Column("source_id", sa.String(length=64), nullable=False),
        sa.Column(
            "reverses_entry_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("created_by", sa.String(length=100), nullable=True),
        sa.Column("posted_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["reverses_entry_id"],
            ["journal_entries.id"],
            name=op.f("fk_journal_entries_reverses_entry_id_journal_entries"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_journal_entries")),
        sa.UniqueConstraint("source_type", "source_id", name="uq_journal_entries_source"),
    )
    with op.batch_alter_table("journal_entries", schema=None) as batch_op:
        batch_op.create_index("ix_journal_entries_entry_date", ["entry_date"], unique=False)

    op.create_table(
        "credit_notes",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("number", sa.String(length=20), nullable=False),
        sa.Column("invoice_id", sa.Uuid(), nullable=False),
        sa.Column("customer_id", sa.Uuid(), nullable=False),
        sa.Column("issue_date", sa.Date(), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("subtotal", pulse.platform.db.ExactDecimal(14, 2), nullable=False),
        sa.Column("tax", pulse.platform.db.ExactDecimal(14, 2), nullable=False),
        sa.Column("total", pulse.platform.db.ExactDecimal(14, 2), nullable=False),
        sa.Column("applied_to_balance", pulse.platform.db.ExactDecimal(14, 2), nullable=False),
        sa.Column("refund_due", pulse.platform.db.ExactDecimal(14, 2), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("total > 0", name=op.f("ck_credit_notes_total_positive")),
        sa.ForeignKeyConstraint(
            ["invoice_id"], ["invoices.id"], name=op.f("fk_credit_notes_invoice_id_invoices")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credit_notes")),
        sa.UniqueConstraint("number", name=op.f("uq_credit_notes_number")),
    )
    with op.batch_alter_table("credit_notes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_credit_notes_invoice_id"), ["invoice_id"], unique=False
        )
        batch_op.create_index("ix_credit_notes_issue_date", ["issue_date"], unique=False)

    op.create_table(
        "invoice_lines",
        sa.Column("invoice_id", sa.Uuid(), nullable=False),
        sa.Column("line_no", sa.Integer(), nullable=False),
        sa.Column("sku", sa.String(length=64), nullable=True),
        sa.Column("description", sa.String(length=300), nullable=False),
        sa.Column("qty", pulse.platform.db.ExactDecimal(12, 3), nullable=False),
        sa.Column("unit_price", pulse.platform.db.ExactDecimal(14, 2), nullable=False),
        sa.Column("tax_rate", pulse.platform.db.ExactDecimal(7, 4), nullable=False),
        sa.Column("line_total", pulse.platform.db.ExactDecimal(14, 2), nullable=False),
        sa.Column("line_tax", pulse.platform.db.ExactDecimal(14, 2), nullable=False),
        sa.Column("credited_qty", pulse.platform.db.ExactDecimal(12, 3), nullable=False),
        sa.CheckConstraint(
            "credited_qty >= 0 AND credited_qty <= qty",
            name=op.f("ck_invoice_lines_credited_within_qty"),
        ),
        sa.CheckConstraint("qty > 0", name=op.f("ck_invoice_lines_qty_positive")),
        sa.ForeignKeyConstraint(
            ["invoice_id"], ["invoices.id"], name=op.f("fk_invoice_lines_invoice_id_invoices")
        ),
        sa.PrimaryKeyConstraint("invoice_id", "line_no", name=op.f("pk_invoice_lines")),
    )
    op.create_table(
        "journal_lines",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("entry_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("account_code", sa.String(length=20), nullable=False),
        sa.Column("debit", pulse.platform.db.ExactDecimal(14, 2), nullable=False),
        sa.Column("credit", pulse.platform.db.ExactDecimal(14, 2), nullable=False),
        sa.CheckConstraint(
            "debit >= 0 AND credit >= 0 AND (debit = 0 OR credit = 0)",
            name=op.f("ck_journal_lines_one_side"),
        ),
        sa.ForeignKeyConstraint(
            ["account_code"], ["accounts.code"], name=op.f("fk_journal_lines_account_code_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["journal_entries.id"],
            name=op.f("fk_journal_lines_entry_id_journal_entries"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_journal_lines")),
    )
    with op.batch_alter_table("journal_lines", schema=None) as batch_op:
        batch_op.create_index(
            "ix_journal_lines_account_entry", ["account_code", "entry_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_journal_lines_entry_id"), ["entry_id"], unique=False)

    op.create_table(
        "payments",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("invoice_id", sa.Uuid(), nullable=False),
        sa.Column("customer_id", sa.Uuid(), nullable=False),
        sa.Column("amount", pulse.platform.db.ExactDecimal(14, 2), nullable=False),
        sa.Column("method", sa.String(length=20), nullable=False),
        sa.Column("reference", sa.String(length=200), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=True),
        sa.CheckConstraint("amount > 0", name=op.f("ck_payments_amount_positive")),
        sa.ForeignKeyConstraint(
            ["invoice_id"], ["invoices.id"], name=op.f("fk_payments_invoice_id_invoices")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payments")),
    )
    with op.batch_alter_table("payments", schema=None) as batch_op:
        batch_op.create_index(
            "ix_payments_customer_received", ["customer_id", "received_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_payments_invoice_id"), ["invoice_id"], unique=False)
        batch_op.create_index("ix_payments_received_at", ["received_at"], unique=False)

    op.create_table(
        "refunds",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("invoice_id", sa.Uuid(), nullable=False),
        sa.Column("customer_id", sa.Uuid(), nullable=False),
        sa.Column("amount", pulse.platform.db.ExactDecimal(14, 2), nullable=False),
        sa.Column("method", sa.String(length=20), nullable=False),
        sa.Column("reference", sa.String(length=200), nullable=False),
        sa.Column("paid_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=True),
        sa.CheckConstraint("amount > 0", name=op.f("ck_refunds_amount_positive")),
        sa.ForeignKeyConstraint(
            ["invoice_id"], ["invoices.id"], name=op.f("fk_refunds_invoice_id_invoices")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_refunds")),
    )
    with op.batch_alter_table("refunds", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_refunds_invoice_id"), ["invoice_id"], unique=False)

    op.create_table(
        "credit_note_lines",
        sa.Column("credit_note_id", sa.Uuid(), nullable=False),
        sa.Column("line_no", sa.Integer(), nullable=False),
        sa.Column("invoice_line_no", sa.Integer(), nullable=True),
        sa.Column("sku", sa.String(length=64), nullable=True),
        sa.Column("description", sa.String(length=300), nullable=False),
        sa.Column("qty", pulse.platform.db.ExactDecimal(12, 3), nullable=False),
        sa.Column("unit_price", pulse.platform.db.ExactDecimal(14, 2), nullable=False),
        sa.Column("tax_rate", pulse.platform.db.ExactDecimal(7, 4), nullable=False),
        sa.Column("line_total", pulse.platform.db.ExactDecimal(14, 2), nullable=False),
        sa.Column("line_tax", pulse.platform.db.ExactDecimal(14, 2), nullable=False),
        sa.ForeignKeyConstraint(
            ["credit_note_id"],
            ["credit_notes.id"],
            name=op.f("fk_credit_note_lines_credit_note_id_credit_notes"),
        ),
        sa.PrimaryKeyConstraint("credit_note_id", "line_no", name=op.f("pk_credit_note_lines")),
    )

    op.bulk_insert(
        sa.table(
            "accounts",
            sa.column("code", sa.String),
            sa.column("name", sa.String),
            sa.column("type", sa.String),
            sa.column("role", sa.String),
            sa.column("active", sa.Boolean),
        ),
        [
            {"code": code, "name": name, "type": kind, "role": role, "active": True}
            for code, name, kind, role in CHART_OF_ACCOUNTS
        ],
    )
    op.bulk_insert(
        sa.table(
            "number_series",
            sa.column("name", sa.String),
            sa.column("prefix", sa.String),
            sa.column("width", sa.Integer),
            sa.column("next_value", sa.Integer),
        ),
        [
            {"name": "invoices", "prefix": "INV-", "width": 6, "next_value": 1},
            {"name": "credit_notes", "prefix": "CN-", "width": 6, "next_value": 1},
        ],
    )


def downgrade() -> None:
    op.execute(sa.text("DELETE FROM number_series WHERE name IN ('invoices', 'credit_notes')"))
    op.drop_table("credit_note_lines")
    op.drop_table("refunds")
    op.drop_table("payments")
    op.drop_table("journal_lines")
    op.drop_table("invoice_lines")
    op.drop_table("credit_notes")
    op.drop_table("journal_entries")
    op.drop_table("invoices")
    op.drop_table("accounts")
