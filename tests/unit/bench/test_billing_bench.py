"""The billing benchmark's arithmetic: order → invoice from the outbox, and the payments'
round-robin over open invoices (no server)."""

from datetime import UTC, datetime, timedelta

from bench import billing_load


def _at(ms: int) -> datetime:
    return datetime(2026, 12, 2, 12, 0, tzinfo=UTC) + timedelta(milliseconds=ms)


def test_invoice_latency_follows_each_order_to_the_invoice_that_names_it() -> None:
    rows = [
        (1, "order.created", "o1", _at(0), {}),
        (2, "order.confirmed", "o1", _at(40), {}),
        (3, "invoice.issued", "inv-1", _at(100), {"order_id": "o1"}),
        (4, "order.created", "o2", _at(500), {}),
        (5, "order.rejected", "o2", _at(520), {}),
        (6, "order.created", "other", _at(0), {}),
        (7, "invoice.issued", "inv-2", _at(10), {"order_id": "other"}),
    ]
    latency = billing_load.invoice_latency(rows, ["o1", "o2"])
    assert (latency["orders"], latency["invoiced"], latency["rejected"]) == (2, 1, 1)
    assert latency["created_to_invoice_issued_ms"]["p50"] == 100.0
    assert latency["created_to_confirmed_ms"]["p50"] == 40.0
    assert latency["confirmed_to_invoice_issued_ms"]["p50"] == 60.0
    assert latency["invoices_per_s"] == 10.0  # one invoice from the first order in 0.1 s


def test_payments_go_round_robin_and_count_a_shared_invoice_in_flight() -> None:
    invoices = billing_load.Invoices(ids=["a", "b"])
    first, second, third = (invoices.next_payment()[0] for _ in range(3))
    assert (first, second, third) == (
        "/billing/invoices/a/pay",
        "/billing/invoices/b/pay",
        "/billing/invoices/a/pay",
    )
    assert invoices.shared == 1  # the third started while the first was still in flight
    invoices.finished(first)
    invoices.finished(third)
    invoices.next_payment()
    invoices.next_payment()
    assert invoices.shared == 2  # "b" was still in flight
