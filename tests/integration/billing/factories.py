"""Small helpers for billing tests: an invoiced order, a manual invoice, reading the ledger."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import httpx

from pulse.bootstrap import Container
from tests.integration.inventory.factories import make_product
from tests.integration.orders.factories import make_customer, make_order, order_of


async def invoiced_order(
    client: httpx.AsyncClient,
    container: Container,
    *,
    price: str = "10.00",
    tax_rate: str = "0.2000",
    qty: int = 3,
    terms: int = 30,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Place an order, let the bus confirm and invoice it; return (order, invoice)."""
    product = await make_product(client, price=price, tax_rate=tax_rate, qty_on_hand=qty + 10)
    customer = await make_customer(client, payment_terms_days=terms)
    order = await make_order(client, customer["id"], [{"sku": product["sku"], "qty": qty}])
    assert await container.bus.drain()
    order = await order_of(client, order["id"])
    invoice = await invoice_of_order(client, order["id"], customer["id"])
    return order, invoice


async def invoice_of_order(
    client: httpx.AsyncClient, order_id: str, customer_id: str
) -> dict[str, Any]:
    page = (await client.get("/billing/invoices", params={"customer_id": customer_id})).json()
    matching = [i for i in page["items"] if i["order_id"] == order_id]
    assert len(matching) == 1, page
    response = await client.get(f"/billing/invoices/{matching[0]['id']}")
    assert response.status_code == 200, response.text
    return response.json()


async def manual_invoice(
    client: httpx.AsyncClient, customer_id: str, *lines: dict[str, Any], **headers: str
) -> httpx.Response:
    body = {
        "customer_id": customer_id,
        "lines": list(lines)
        or [{"description": "Consulting", "qty": "2", "unit_price": "50.00", "tax_rate": "0.2"}],
    }
    return await client.post("/billing/invoices", json=body, headers=headers)


async def pay(
    client: httpx.AsyncClient, invoice_id: str, amount: str, **extra: Any
) -> httpx.Response:
    headers = extra.pop("headers", {})
    body = {"amount": amount, "method": "bank_transfer", "reference": "ref", **extra}
    return await client.post(f"/billing/invoices/{invoice_id}/pay", json=body, headers=headers)


async def balances(client: httpx.AsyncClient) -> dict[str, Decimal]:
    """Account balances by role."""
    accounts = (await client.get("/billing/accounts")).json()
    return {a["role"]: Decimal(a["balance"]) for a in accounts if a["role"]}


async def entries_for(client: httpx.AsyncClient, source_id: str) -> list[dict[str, Any]]:
    page = (await client.get("/billing/ledger", params={"limit": 500})).json()
    return [e for e in page["items"] if e["source_id"] == source_id]
