"""A store written before open_invoices existed gets it derived from its invoices on open."""

from __future__ import annotations

from pathlib import Path

from pulse.analytics.store import connect

INVOICE = (
    "INSERT INTO invoices VALUES (uuid(), ?, NULL, uuid(), 'order', DATE '2026-11-01', "
    "DATE '2026-11-15', 100, 20, 120, 0, 0, ?, ?, TIMESTAMP '2026-11-01 10:00:00')"
)


def test_open_invoices_are_derived_once_from_the_invoices(tmp_path: Path) -> None:
    path = tmp_path / "a.duckdb"
    con = connect(path, memory_limit="64MB", threads=1)
    for number, balance, status in (
        ("INV-1", "120.00", "issued"),
        ("INV-2", "20.00", "partially_paid"),
        ("INV-3", "0.00", "paid"),
        ("INV-4", "0.00", "void"),
    ):
        con.execute(INVOICE, [number, balance, status])
    # As a file of schema version 1 would be: the invoices, no open_invoices rows.
    con.execute("DELETE FROM open_invoices")
    con.execute("UPDATE projector_state SET schema_version = 1")
    con.close()

    con = connect(path, memory_limit="64MB", threads=1)
    opened = con.execute("SELECT number, balance FROM open_invoices ORDER BY number").fetchall()
    assert [(n, str(b)) for n, b in opened] == [("INV-1", "120.00"), ("INV-2", "20.00")]
    con.close()

    # Opening again adds nothing twice.
    con = connect(path, memory_limit="64MB", threads=1)
    assert con.execute("SELECT count(*) FROM open_invoices").fetchone() == (2,)
    con.close()
