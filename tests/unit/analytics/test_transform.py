"""The batch builder: payloads to columns, with the net effect of several events on one
invoice, one product or one order kept in event order."""

from __future__ import annotations

from decimal import Decimal

from pulse.analytics import columns, transform
from pulse.analytics.sql import Script, literal, utc_date
from pulse.analytics.transform import RawEvent

AT = "2026-11-24T10:00:00+00:00"


def ev(seq: int, event_type: str, **payload: object) -> RawEvent:
    return RawEvent(seq, event_type, AT, payload)


def test_payments_and_credits_on_one_invoice_net_out_in_order() -> None:
    batch = transform.build(
        [
            ev(
                1,
                "payment.received",
                invoice_id="i",
                payment_id="p1",
                customer_id="c",
                amount="30.00",
                method="card",
                received_at=AT,
                balance_after="70.00",
                invoice_status="partially_paid",
            ),
            ev(
                2,
                "credit_note.issued",
                invoice_id="i",
                credit_note_id="n",
                number="CN-1",
                customer_id="c",
                issue_date="2026-11-24",
                subtotal="10.00",
                tax="2.00",
                total="12.00",
                applied_to_balance="12.00",
                refund_due="0.00",
                invoice_status="partially_paid",
            ),
            ev(
                3,
                "payment.received",
                invoice_id="i",
                payment_id="p2",
                customer_id="c",
                amount="50.00",
                method="card",
                received_at=AT,
                balance_after="8.00",
                invoice_status="partially_paid",
            ),
            ev(
                4,
                "credit_note.issued",
                invoice_id="i",
                credit_note_id="m",
                number="CN-2",
                customer_id="c",
                issue_date="2026-11-24",
                subtotal="5.00",
                tax="1.00",
                total="6.00",
                applied_to_balance="6.00",
                refund_due="0.00",
                invoice_status="partially_paid",
            ),
        ]
    )
    change = batch.invoice_changes["i"]
    # The last payment states the balance; only the credit after it still comes off.
    assert change.set_balance == Decimal("8.00")
    assert change.subtract == Decimal("6.00")
    assert change.paid == Decimal("80.00") and change.credited == Decimal("18.00")
    assert (batch.first_seq, batch.last_seq, batch.events) == (1, 4, 4)


def test_stock_keeps_the_last_counts_and_every_movement() -> None:
    line = {"sku": "A", "qty": 2, "qty_on_hand": 10, "reserved_qty": 2}
    batch = transform.build(
        [
            ev(
                1,
                "product.created",
                sku="A",
                name="A",
                price="1.00",
                tax_rate="0.2",
                qty_on_hand=10,
                reorder_point=1,
                reorder_qty=5,
                lead_time_days=3,
            ),
            ev(2, "stock.reserved", order_id="o", lines=[line]),
            ev(
                3,
                "stock.changed",
                sku="A",
                kind="shipment",
                delta=-2,
                qty_on_hand=8,
                reserved_qty=0,
                order_id="o",
            ),
            ev(4, "product.updated", sku="A", changes={"price": "2.00", "description": "x"}),
        ]
    )
    product = batch.products["A"]
    assert (product["on_hand"], product["reserved"], product["price"]) == (8, 0, "2.00")
    assert batch.stock_levels == {} and batch.product_changes == {}
    assert batch.movements["kind"] == ["reservation", "shipment"]
    assert batch.movements["on_hand_delta"] == [0, -2]
    assert batch.movements["reserved_delta"] == [2, -2]


def test_an_imported_sale_passes_through_confirmation() -> None:
    order = {
        "order_id": "o",
        "number": "SO-1",
        "customer_id": "c",
        "subtotal": "1.00",
        "tax": "0.20",
        "total": "1.20",
        "placed_at": AT,
        "lines": [],
    }
    batch = transform.build([ev(1, "order.imported", status="completed", **order)])
    assert batch.status_changes["status"] == ["confirmed", "completed"]
    cancelled = transform.build([ev(1, "order.imported", status="cancelled", **order)])
    assert cancelled.status_changes["status"] == ["cancelled"]


def test_unknown_events_only_move_the_position() -> None:
    batch = transform.build([ev(7, "user.created", id="u"), ev(8, "invalid")])
    assert (batch.events, batch.last_seq) == (2, 8)
    assert columns.table(batch.orders) is None


def test_script_literals_quote_and_type() -> None:
    script = Script()
    script.add(
        "SELECT ?, ?, ?, ?, ?", [1, 2.5, "it's", None, utc_date("2026-11-24T23:30:00-02:00")]
    )
    assert script.statements == ["SELECT 1, 2.5, 'it''s', NULL, DATE '2026-11-25'"]
    assert literal(True) == "true"
