"""The DuckDB tables the projector keeps: raw facts, aggregates, and its own position.

Money is DECIMAL(18,2) (exact), quantities are integers, times are UTC. Fact tables have no
keys: the projector's position, stored in the same transaction as the data, is what makes
every event count once. Aggregates are keyed, and changed by adding signed deltas.
"""

from __future__ import annotations

# 2: open_invoices (a file at 1 gets it derived from its invoices once, when opened).
SCHEMA_VERSION = 2

MONEY = "DECIMAL(18,2)"

TABLES = f"""
-- Event times arrive as ISO strings with an offset; they are kept as UTC timestamps.
CREATE OR REPLACE MACRO utc(s) AS timezone('UTC', CAST(s AS TIMESTAMPTZ));

CREATE TABLE IF NOT EXISTS projector_state (
    id INTEGER PRIMARY KEY,
    schema_version INTEGER NOT NULL,
    source VARCHAR NOT NULL,
    position BIGINT NOT NULL,
    events BIGINT NOT NULL,
    last_event_at TIMESTAMP,
    last_batch_at TIMESTAMP,
    last_batch_events INTEGER,
    last_batch_ms DOUBLE
);

CREATE TABLE IF NOT EXISTS customers (
    customer_id UUID PRIMARY KEY,
    name VARCHAR,
    email VARCHAR,
    payment_terms_days INTEGER
);

CREATE TABLE IF NOT EXISTS orders (
    order_id UUID,
    number VARCHAR,
    customer_id UUID,
    placed_at TIMESTAMP,
    status VARCHAR,
    -- A sale: confirmed (or further) and not cancelled.
    sold BOOLEAN,
    subtotal {MONEY},
    tax {MONEY},
    total {MONEY},
    units BIGINT,
    updated_at TIMESTAMP
);

CREATE TABLE IF NOT EXISTS order_lines (
    order_id UUID,
    line_no INTEGER,
    sku VARCHAR,
    qty BIGINT,
    unit_price {MONEY},
    tax_rate DECIMAL(9,4),
    line_total {MONEY},
    line_tax {MONEY}
);

CREATE TABLE IF NOT EXISTS invoices (
    invoice_id UUID,
    number VARCHAR,
    order_id UUID,
    customer_id UUID,
    source VARCHAR,
    issue_date DATE,
    due_date DATE,
    subtotal {MONEY},
    tax {MONEY},
    total {MONEY},
    paid {MONEY},
    credited {MONEY},
    -- What the customer still owes.
    balance {MONEY},
    status VARCHAR,
    updated_at TIMESTAMP
);

CREATE TABLE IF NOT EXISTS payments (
    payment_id UUID,
    invoice_id UUID,
    customer_id UUID,
    amount {MONEY},
    method VARCHAR,
    received_at TIMESTAMP
);

CREATE TABLE IF NOT EXISTS credit_notes (
    credit_note_id UUID,
    number VARCHAR,
    invoice_id UUID,
    customer_id UUID,
    issue_date DATE,
    subtotal {MONEY},
    tax {MONEY},
    total {MONEY},
    applied_to_balance {MONEY},
    refund_due {MONEY}
);

CREATE TABLE IF NOT EXISTS refunds (
    refund_id UUID,
    invoice_id UUID,
    customer_id UUID,
    amount {MONEY},
    method VARCHAR,
    paid_at TIMESTAMP
);

CREATE TABLE IF NOT EXISTS stock_movements (
    seq BIGINT,
    moved_at TIMESTAMP,
    sku VARCHAR,
    kind VARCHAR,
    on_hand_delta BIGINT,
    reserved_delta BIGINT,
    order_id UUID,
    reason VARCHAR
);

CREATE TABLE IF NOT EXISTS sales_by_hour (
    hour TIMESTAMP PRIMARY KEY,
    orders BIGINT NOT NULL,
    units BIGINT NOT NULL,
    revenue {MONEY} NOT NULL,
    tax {MONEY} NOT NULL,
    gross {MONEY} NOT NULL
);

CREATE TABLE IF NOT EXISTS sales_by_day (
    day DATE PRIMARY KEY,
    orders BIGINT NOT NULL,
    units BIGINT NOT NULL,
    revenue {MONEY} NOT NULL,
    tax {MONEY} NOT NULL,
    gross {MONEY} NOT NULL
);

CREATE TABLE IF NOT EXISTS sales_by_product (
    sku VARCHAR PRIMARY KEY,
    orders BIGINT NOT NULL,
    units BIGINT NOT NULL,
    revenue {MONEY} NOT NULL
);

CREATE TABLE IF NOT EXISTS sales_by_product_day (
    day DATE,
    sku VARCHAR,
    orders BIGINT NOT NULL,
    units BIGINT NOT NULL,
    revenue {MONEY} NOT NULL,
    PRIMARY KEY (day, sku)
);

CREATE TABLE IF NOT EXISTS sales_by_customer (
    customer_id UUID PRIMARY KEY,
    orders BIGINT NOT NULL,
    revenue {MONEY} NOT NULL,
    gross {MONEY} NOT NULL,
    last_order_at TIMESTAMP
);

CREATE TABLE IF NOT EXISTS sales_by_customer_day (
    day DATE,
    customer_id UUID,
    orders BIGINT NOT NULL,
    revenue {MONEY} NOT NULL,
    PRIMARY KEY (day, customer_id)
);

-- Orders by the day they were placed and what became of them (for the fill rate).
CREATE TABLE IF NOT EXISTS fulfilment_by_day (
    day DATE PRIMARY KEY,
    placed BIGINT NOT NULL,
    confirmed BIGINT NOT NULL,
    rejected BIGINT NOT NULL,
    cancelled BIGINT NOT NULL
);

-- Money in and out by day: invoiced, credited, received, refunded.
CREATE TABLE IF NOT EXISTS cash_by_day (
    day DATE PRIMARY KEY,
    invoiced {MONEY} NOT NULL,
    credited {MONEY} NOT NULL,
    received {MONEY} NOT NULL,
    refunded {MONEY} NOT NULL,
    -- How receivables moved that day; their balance on a day is the running sum.
    ar_change {MONEY} NOT NULL
);

CREATE TABLE IF NOT EXISTS stock_snapshot (
    sku VARCHAR PRIMARY KEY,
    name VARCHAR,
    price {MONEY},
    active BOOLEAN,
    on_hand BIGINT,
    reserved BIGINT,
    reorder_point INTEGER,
    reorder_qty INTEGER,
    lead_time_days INTEGER,
    updated_at TIMESTAMP
);

-- The invoices something is still owed on (not void): what aging, the overdue list and
-- dunning read, so that none of them scans every invoice ever issued. Kept in the same
-- transaction as `invoices`; an invoice leaves it when paid, credited in full or voided.
CREATE TABLE IF NOT EXISTS open_invoices (
    invoice_id UUID,
    number VARCHAR,
    customer_id UUID,
    issue_date DATE,
    due_date DATE,
    total {MONEY},
    balance {MONEY},
    status VARCHAR
);

-- Open receivables by how far past due they are, as of a day (refreshed when invoices
-- change and when the day turns).
CREATE TABLE IF NOT EXISTS ar_aging (
    bucket VARCHAR NOT NULL,
    sort INTEGER NOT NULL,
    invoices BIGINT NOT NULL,
    amount {MONEY} NOT NULL,
    as_of DATE NOT NULL
);
"""

# Order statuses that count as a sale.
SOLD_STATUSES = ("confirmed", "invoiced", "paid", "shipped", "completed")
