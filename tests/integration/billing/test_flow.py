"""The billing flow through HTTP with the embedded bus running, on SQLite and PostgreSQL:
order → confirmed → invoiced (PDF) → two partial payments → paid, and the ledger."""

from __future__ import annotations

import io
import uuid
from datetime import date, timedelta
from decimal import Decimal

import httpx
from pypdf import PdfReader

from pulse.bootstrap import Container
from tests.integration.billing.factories import balances, entries_for, invoiced_order, pay
from tests.integration.orders.factories import assert_problem, order_of


async def test_order_to_paid_through_http(client: httpx.AsyncClient, container: Container) -> None:
    order, invoice = await invoiced_order(
        client, container, price="19.99", tax_rate="0.2000", qty=3, terms=14
    )
    # 3 × 19.99 = 59.97; tax 11.99 (half-up); total 71.96
    assert order["status"] == "invoiced"
    assert invoice["number"].startswith("INV-")
    assert invoice["order_number"] == order["number"]
    assert (invoice["subtotal"], invoice["tax"], invoice["total"]) == ("59.97", "11.99", "71.96")
    assert invoice["total"] == order["total"]
    assert invoice["status"] == "issued" and invoice["balance"] == "71.96"
    issue = date.fromisoformat(invoice["issue_date"])
    assert date.fromisoformat(invoice["due_date"]) == issue + timedelta(days=14)
    assert invoice["tax_lines"] == [{"rate": "0.2000", "base": "59.97", "tax": "11.99"}]
    line = invoice["lines"][0]
    assert (line["qty"], line["unit_price"], line["line_total"], line["line_tax"]) == (
        "3.000",
        "19.99",
        "59.97",
        "11.99",
    )

    pdf = await client.get(invoice["pdf_url"])
    assert pdf.status_code == 200, pdf.text
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF-")
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
    assert invoice["number"] in text
    assert "71.96" in text
    assert invoice["due_date"] in text

    first = await pay(client, invoice["id"], "30.00", method="cash")
    assert first.status_code == 201, first.text
    assert first.json()["invoice_status"] == "partially_paid"
    assert first.json()["invoice_balance"] == "41.96"
    assert await container.bus.drain()
    assert (await order_of(client, order["id"]))["status"] == "invoiced"

    second = await pay(client, invoice["id"], "41.96", method="card")
    assert second.status_code == 201, second.text
    assert (second.json()["invoice_status"], second.json()["invoice_balance"]) == ("paid", "0.00")
    assert await container.bus.drain()

    paid = (await client.get(f"/billing/invoices/{invoice['id']}")).json()
    assert (paid["status"], paid["amount_paid"], paid["balance"]) == ("paid", "71.96", "0.00")
    assert [p["amount"] for p in paid["payments"]] == ["30.00", "41.96"]
    final = await order_of(client, order["id"])
    assert final["status"] == "paid"
    assert [h["to_status"] for h in final["history"]] == ["placed", "confirmed", "invoiced", "paid"]

    # The ledger: the invoice and each payment booked once, balanced, to the right accounts.
    issued = await entries_for(client, invoice["id"])
    assert len(issued) == 1
    lines = {(x["account_code"], x["debit"], x["credit"]) for x in issued[0]["lines"]}
    assert lines == {
        ("1100", "71.96", "0.00"),
        ("4000", "0.00", "59.97"),
        ("2100", "0.00", "11.99"),
    }
    for payment, cash_account in ((first.json(), "1000"), (second.json(), "1020")):
        (entry,) = await entries_for(client, payment["id"])
        assert {(x["account_code"], x["debit"], x["credit"]) for x in entry["lines"]} == {
            (cash_account, payment["amount"], "0.00"),
            ("1100", "0.00", payment["amount"]),
        }
    roles = await balances(client)
    assert roles["receivables"] == Decimal("0.00")
    assert roles["cash"] == Decimal("30.00") and roles["card_clearing"] == Decimal("41.96")
    assert roles["revenue"] == Decimal("59.97") and roles["tax_payable"] == Decimal("11.99")
    trial = (await client.get("/billing/trial-balance")).json()
    assert trial["balanced"] is True and trial["total_debit"] == trial["total_credit"] == "71.96"

    # The stored PDF now shows the invoice paid (a new version of the document).
    pdf = await client.get(invoice["pdf_url"])
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "paid" in text.lower() and invoice["number"] in text


async def test_payment_refusals(client: httpx.AsyncClient, container: Container) -> None:
    _, invoice = await invoiced_order(client, container, price="10.00", qty=1)  # total 12.00
    assert_problem(await pay(client, invoice["id"], "12.01"), 422, "overpayment")
    assert_problem(await pay(client, invoice["id"], "0"), 422)
    assert_problem(await pay(client, invoice["id"], "-5.00"), 422)
    assert (await pay(client, invoice["id"], "12.00")).status_code == 201
    assert_problem(await pay(client, invoice["id"], "1.00"), 409, "nothing_to_pay")
    voidable = (await invoiced_order(client, container, qty=1))[1]
    voided = await client.post(f"/billing/invoices/{voidable['id']}/void", json={"reason": "x"})
    assert voided.status_code == 200, voided.text
    assert voided.json()["status"] == "void"
    assert_problem(await pay(client, voidable["id"], "1.00"), 409, "invoice_void")
    unknown = "00000000-0000-0000-0000-000000000001"
    assert_problem(await pay(client, unknown, "1.00"), 404)


async def test_payment_idempotency_key(client: httpx.AsyncClient, container: Container) -> None:
    _, invoice = await invoiced_order(client, container, price="10.00", qty=2)  # total 24.00
    headers = {"Idempotency-Key": "till-7-receipt-1"}
    first = await pay(client, invoice["id"], "5.00", headers=headers)
    again = await pay(client, invoice["id"], "5.00", headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert first.json() == again.json()
    other = await pay(client, invoice["id"], "6.00", headers=headers)
    assert_problem(other, 422, "idempotency_key_reused")
    current = (await client.get(f"/billing/invoices/{invoice['id']}")).json()
    assert (current["amount_paid"], len(current["payments"])) == ("5.00", 1)


async def test_void_reverses_the_ledger(client: httpx.AsyncClient, container: Container) -> None:
    order, invoice = await invoiced_order(client, container, price="10.00", qty=2)
    response = await client.post(f"/billing/invoices/{invoice['id']}/void", json={"reason": "typo"})
    assert response.status_code == 200, response.text
    entries = await entries_for(client, invoice["id"])
    assert {e["source_type"] for e in entries} == {"invoice", "invoice_void"}
    original = next(e for e in entries if e["source_type"] == "invoice")
    reversal = next(e for e in entries if e["source_type"] == "invoice_void")
    assert reversal["reverses_entry_id"] == original["id"]
    flipped = {(x["account_code"], x["credit"], x["debit"]) for x in original["lines"]}
    assert {(x["account_code"], x["debit"], x["credit"]) for x in reversal["lines"]} == flipped
    assert (await balances(client))["receivables"] == Decimal("0.00")
    assert_problem(
        await client.post(f"/billing/invoices/{invoice['id']}/void", json={}), 409, "invoice_void"
    )
    # Voiding is billing's business: the order keeps its status and its stock.
    assert (await order_of(client, order["id"]))["status"] == "invoiced"


async def test_a_paid_invoice_cannot_be_voided(
    client: httpx.AsyncClient, container: Container
) -> None:
    _, invoice = await invoiced_order(client, container, price="10.00", qty=2)
    assert (await pay(client, invoice["id"], "1.00")).status_code == 201
    body = assert_problem(
        await client.post(f"/billing/invoices/{invoice['id']}/void", json={}),
        409,
        "invoice_not_voidable",
    )
    assert "credit note" in body["detail"]


async def test_credit_notes_by_line_and_amount(
    client: httpx.AsyncClient, container: Container
) -> None:
    _, invoice = await invoiced_order(client, container, price="10.00", qty=5)  # 50 + 10 = 60
    by_line = await client.post(
        f"/billing/invoices/{invoice['id']}/credit-notes",
        json={"lines": [{"line_no": 1, "qty": "2"}], "reason": "two returned"},
    )
    assert by_line.status_code == 201, by_line.text
    note = by_line.json()
    assert note["number"].startswith("CN-")
    assert (note["subtotal"], note["tax"], note["total"]) == ("20.00", "4.00", "24.00")
    assert (note["applied_to_balance"], note["refund_due"]) == ("24.00", "0.00")
    assert (note["invoice_status"], note["invoice_balance"]) == ("issued", "36.00")
    pdf = await client.get(note["pdf_url"])
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")
    assert note["number"] in "\n".join(
        p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages
    )

    too_much = await client.post(
        f"/billing/invoices/{invoice['id']}/credit-notes",
        json={"lines": [{"line_no": 1, "qty": "4"}]},
    )
    assert_problem(too_much, 422, "over_credit")
    assert (await pay(client, invoice["id"], "36.00")).status_code == 201
    # Crediting a paid invoice: the money is owed back to the customer.
    by_amount = await client.post(
        f"/billing/invoices/{invoice['id']}/credit-notes", json={"amount": "12.00"}
    )
    assert by_amount.status_code == 201, by_amount.text
    body = by_amount.json()
    assert (body["subtotal"], body["tax"], body["total"]) == ("10.00", "2.00", "12.00")
    assert (body["applied_to_balance"], body["refund_due"]) == ("0.00", "12.00")
    roles = await balances(client)
    assert roles["refunds_payable"] == Decimal("12.00")
    assert roles["receivables"] == Decimal("0.00")
    assert roles["sales_returns"] == Decimal("-30.00")  # a debit on a revenue account
    listed = (
        await client.get("/billing/credit-notes", params={"invoice_id": invoice["id"]})
    ).json()
    assert [n["number"] for n in listed["items"]] == sorted(
        [note["number"], body["number"]], reverse=True
    )


async def test_cancelling_orders_voids_or_credits(
    client: httpx.AsyncClient, container: Container
) -> None:
    unpaid_order, unpaid = await invoiced_order(client, container, price="10.00", qty=1)
    paid_order, paid = await invoiced_order(client, container, price="10.00", qty=2)
    assert (await pay(client, paid["id"], "24.00")).status_code == 201
    assert await container.bus.drain()
    assert (await order_of(client, paid_order["id"]))["status"] == "paid"
    for order in (unpaid_order, paid_order):
        response = await client.post(
            f"/orders/{order['id']}/cancel", json={"reason": "changed mind"}
        )
        assert response.status_code == 200, response.text
    assert await container.bus.drain()

    voided = (await client.get(f"/billing/invoices/{unpaid['id']}")).json()
    assert voided["status"] == "void" and voided["credit_notes"] == []
    credited = (await client.get(f"/billing/invoices/{paid['id']}")).json()
    assert credited["status"] == "credited"
    assert [(n["total"], n["refund_due"]) for n in credited["credit_notes"]] == [("24.00", "24.00")]
    assert credited["lines"][0]["credited_qty"] == "2.000"
    roles = await balances(client)
    assert roles["receivables"] == Decimal("0.00")
    assert roles["refunds_payable"] == Decimal("24.00")


async def test_manual_invoice_and_filters(client: httpx.AsyncClient, container: Container) -> None:
    from tests.integration.billing.factories import manual_invoice
    from tests.integration.inventory.factories import make_product
    from tests.integration.orders.factories import make_customer

    customer = await make_customer(client, payment_terms_days=0)
    product = await make_product(client, price="4.50", tax_rate="0.0700")
    response = await manual_invoice(
        client,
        customer["id"],
        {"sku": product["sku"], "qty": "3"},
        {"description": "Delivery", "qty": "1", "unit_price": "5.00", "tax_rate": "0.2"},
        {"description": "Labour", "qty": "1.5", "unit_price": "33.33", "tax_rate": "0.2"},
    )
    assert response.status_code == 201, response.text
    invoice = response.json()
    # 13.50 + 0.95 tax; 5.00 + 1.00; 50.00 (49.995 half-up) + 10.00
    assert [x["line_total"] for x in invoice["lines"]] == ["13.50", "5.00", "50.00"]
    assert (invoice["subtotal"], invoice["tax"], invoice["total"]) == ("68.50", "11.95", "80.45")
    assert invoice["lines"][0]["description"] == product["name"]
    assert invoice["order_id"] is None and invoice["due_date"] == invoice["issue_date"]
    assert [t["rate"] for t in invoice["tax_lines"]] == ["0.0700", "0.2000"]

    backdated = await manual_invoice(client, customer["id"])
    assert backdated.status_code == 201
    page = (
        await client.get(
            "/billing/invoices", params={"customer_id": customer["id"], "status": "issued"}
        )
    ).json()
    assert page["total"] == 2
    # Terms of 0 days: due today, not overdue yet.
    assert (await client.get("/billing/invoices", params={"overdue": "true"})).json()["total"] == 0
    tomorrow = (date.fromisoformat(invoice["issue_date"]) + timedelta(days=1)).isoformat()
    future = await client.get("/billing/invoices", params={"from": tomorrow})
    assert future.json()["total"] == 0


async def test_invoices_filtered_by_order(client_for, container: Container) -> None:  # type: ignore[no-untyped-def]
    client = client_for("admin")
    first, first_invoice = await invoiced_order(client, container, qty=1)
    second, second_invoice = await invoiced_order(client, container, qty=2)
    for order, invoice in ((first, first_invoice), (second, second_invoice)):
        page = (await client.get("/billing/invoices", params={"order_id": order["id"]})).json()
        assert [i["id"] for i in page["items"]] == [invoice["id"]] and page["total"] == 1
    unknown = await client.get("/billing/invoices", params={"order_id": str(uuid.uuid4())})
    assert unknown.json()["total"] == 0


async def test_payments_list_names_their_invoices(client_for, container: Container) -> None:  # type: ignore[no-untyped-def]
    client = client_for("admin")
    _, first = await invoiced_order(client, container, price="10.00", qty=2)
    _, second = await invoiced_order(client, container, price="5.00", qty=1)
    assert (await pay(client, first["id"], "4.00")).status_code == 201
    assert (await pay(client, first["id"], "6.00")).status_code == 201
    assert (await pay(client, second["id"], "6.00")).status_code == 201

    page = (await client.get("/billing/payments", params={"invoice_id": first["id"]})).json()
    assert page["total"] == 2
    assert {(p["invoice_number"], p["customer_name"], p["amount"]) for p in page["items"]} == {
        (first["number"], first["customer_name"], "4.00"),
        (first["number"], first["customer_name"], "6.00"),
    }
    by_customer = await client.get(
        "/billing/payments", params={"customer_id": second["customer_id"]}
    )
    [only] = by_customer.json()["items"]
    assert (only["invoice_id"], only["invoice_number"]) == (second["id"], second["number"])


async def test_roles(client_for, container: Container) -> None:  # type: ignore[no-untyped-def]
    admin = client_for("admin")
    _, invoice = await invoiced_order(admin, container, price="10.00", qty=1)
    clerk, viewer = client_for("clerk"), client_for("viewer")
    assert (await viewer.get(f"/billing/invoices/{invoice['id']}")).status_code == 200
    assert (await viewer.get("/billing/trial-balance")).status_code == 200
    assert_problem(await pay(viewer, invoice["id"], "1.00"), 403)
    assert (await pay(clerk, invoice["id"], "1.00")).status_code == 201
    assert_problem(await clerk.post(f"/billing/invoices/{invoice['id']}/void", json={}), 403)
    assert_problem(
        await clerk.post(f"/billing/invoices/{invoice['id']}/credit-notes", json={"amount": "1"}),
        403,
    )
    accountant = client_for("accountant")
    credit = await accountant.post(
        f"/billing/invoices/{invoice['id']}/credit-notes", json={"amount": "1.00"}
    )
    assert credit.status_code == 201, credit.text
    assert_problem(await client_for(None).get("/billing/invoices"), 401)


async def test_refunding_what_a_credit_left_owed(client_for, container: Container) -> None:  # type: ignore[no-untyped-def]
    client = client_for("admin")
    _, invoice = await invoiced_order(client, container, price="10.00", qty=2)  # total 24.00
    url = f"/billing/invoices/{invoice['id']}/refunds"
    assert_problem(
        await client.post(url, json={"amount": "1.00", "method": "cash"}), 409, "nothing_to_refund"
    )
    assert (await pay(client, invoice["id"], "24.00")).status_code == 201
    credit = await client.post(
        f"/billing/invoices/{invoice['id']}/credit-notes", json={"amount": "12.00"}
    )
    assert credit.status_code == 201, credit.text
    assert_problem(
        await client.post(url, json={"amount": "12.01", "method": "cash"}), 422, "over_refund"
    )
    first = await client.post(
        url,
        json={"amount": "5.00", "method": "bank_transfer", "reference": "SEPA 1"},
        headers={"Idempotency-Key": "refund-1"},
    )
    assert first.status_code == 201, first.text
    assert first.json()["refund_due"] == "7.00"
    again = await client.post(
        url,
        json={"amount": "5.00", "method": "bank_transfer", "reference": "SEPA 1"},
        headers={"Idempotency-Key": "refund-1"},
    )
    assert again.json() == first.json() and again.headers.get("Idempotent-Replayed") == "true"
    assert_problem(
        await client_for("clerk").post(url, json={"amount": "1.00", "method": "cash"}), 403
    )
    last = await client.post(url, json={"amount": "7.00", "method": "bank_transfer"})
    assert last.status_code == 201, last.text

    current = (await client.get(f"/billing/invoices/{invoice['id']}")).json()
    assert (current["refund_due"], current["amount_refunded"]) == ("0.00", "12.00")
    assert [r["amount"] for r in current["refunds"]] == ["5.00", "7.00"]
    (entry,) = await entries_for(client, first.json()["id"])
    assert {(x["account_code"], x["debit"], x["credit"]) for x in entry["lines"]} == {
        ("2150", "5.00", "0.00"),
        ("1010", "0.00", "5.00"),
    }
    roles = await balances(client)
    assert roles["refunds_payable"] == Decimal("0.00")
    assert roles["bank"] == Decimal("12.00")  # 24 paid in by transfer, 12 paid back
    assert (await client.get("/billing/trial-balance")).json()["balanced"] is True
