"""A random mix of what a business does all day, through the HTTP API: orders (some
rejected for want of stock), cancellations, shipments, payments in part or in full, credit
notes, stock receipts and adjustments."""

from __future__ import annotations

import random
from decimal import Decimal
from typing import Any

import httpx

from pulse.bootstrap import Container
from tests.integration.inventory.factories import make_product
from tests.integration.orders.factories import make_customer

PRICES = ["9.99", "24.50", "120.00", "3.10", "999.95"]
RATES = ["0.2000", "0.0500", "0.0000"]


async def _invoices(client: httpx.AsyncClient) -> list[dict[str, Any]]:
    page = (await client.get("/billing/invoices", params={"limit": 500})).json()
    return page["items"]


async def run(container: Container, client: httpx.AsyncClient, *, seed: int, steps: int) -> None:
    rng = random.Random(seed)
    skus = [
        (
            await make_product(
                client,
                price=rng.choice(PRICES),
                tax_rate=rng.choice(RATES),
                qty_on_hand=rng.randint(0, 15),
                reorder_point=rng.randint(0, 5),
            )
        )["sku"]
        for _ in range(5)
    ]
    customers = [
        (await make_customer(client, payment_terms_days=rng.choice([0, 14, 30])))["id"]
        for _ in range(4)
    ]
    orders: list[str] = []
    for step in range(steps):
        op = rng.choices(
            ["order", "cancel", "ship", "pay", "credit", "receive", "adjust"],
            [8, 2, 1, 4, 2, 2, 1],
        )[0]
        if op == "order":
            items = [
                {"sku": sku, "qty": rng.randint(1, 4)}
                for sku in rng.sample(skus, rng.randint(1, 3))
            ]
            response = await client.post(
                "/orders", json={"customer_id": rng.choice(customers), "items": items}
            )
            assert response.status_code == 201, response.text
            orders.append(response.json()["id"])
        elif op == "cancel" and orders:
            await client.post(f"/orders/{rng.choice(orders)}/cancel", json={"reason": "test"})
        elif op == "ship" and orders:
            await client.patch(f"/orders/{rng.choice(orders)}", json={"status": "shipped"})
        elif op in ("pay", "credit"):
            invoices = [
                i for i in await _invoices(client) if i["status"] in ("issued", "partially_paid")
            ]
            if not invoices:
                continue
            invoice = rng.choice(invoices)
            balance = Decimal(invoice["balance"])
            amount = (
                balance
                if rng.random() < 0.3
                else (balance * Decimal(rng.randint(1, 99)) / 100).quantize(Decimal("0.01"))
            )
            if amount <= 0:
                continue
            if op == "pay":
                body = {"amount": str(amount), "method": "card", "reference": f"s{step}"}
                response = await client.post(f"/billing/invoices/{invoice['id']}/pay", json=body)
            else:
                response = await client.post(
                    f"/billing/invoices/{invoice['id']}/credit-notes",
                    json={"amount": str(amount), "reason": "goodwill"},
                )
            assert response.status_code == 201, response.text
        elif op == "receive":
            await client.post(
                f"/inventory/{rng.choice(skus)}/receive", json={"qty": rng.randint(1, 10)}
            )
        elif op == "adjust":
            await client.post(
                f"/inventory/{rng.choice(skus)}/adjust",
                json={"delta": rng.randint(-2, 3) or 1, "reason": "count"},
            )
        if step % 5 == 4:
            assert await container.bus.drain()
    assert await container.bus.drain()
