"""Invoice and credit note numbers: distinct and consecutive under concurrency."""

from __future__ import annotations

import asyncio

import httpx

from pulse.bootstrap import Container
from tests.integration.billing.factories import manual_invoice
from tests.integration.orders.factories import make_customer


def _serial(number: str, prefix: str) -> int:
    assert number.startswith(prefix), number
    return int(number.removeprefix(prefix))


async def test_concurrent_invoices_get_consecutive_numbers(
    client: httpx.AsyncClient, container: Container
) -> None:
    customer = await make_customer(client)
    responses = await asyncio.gather(*(manual_invoice(client, customer["id"]) for _ in range(100)))
    assert [r.status_code for r in responses] == [201] * 100, [
        r.text for r in responses if r.status_code != 201
    ][:3]
    numbers = sorted(_serial(r.json()["number"], "INV-") for r in responses)
    assert numbers == list(range(numbers[0], numbers[0] + 100))
    # Each invoice booked exactly once.
    ledger = (await client.get("/billing/ledger", params={"limit": 500})).json()
    assert ledger["total"] == 100
    assert len({e["source_id"] for e in ledger["items"]}) == 100
    trial = (await client.get("/billing/trial-balance")).json()
    assert trial["balanced"] and trial["total_debit"] == str(100 * 120) + ".00"


async def test_concurrent_credit_notes_get_consecutive_numbers(
    client: httpx.AsyncClient, container: Container
) -> None:
    customer = await make_customer(client)
    invoice = (await manual_invoice(client, customer["id"])).json()  # 120.00
    responses = await asyncio.gather(
        *(
            client.post(f"/billing/invoices/{invoice['id']}/credit-notes", json={"amount": "1.00"})
            for _ in range(30)
        )
    )
    assert [r.status_code for r in responses] == [201] * 30
    numbers = sorted(_serial(r.json()["number"], "CN-") for r in responses)
    assert numbers == list(range(numbers[0], numbers[0] + 30))
    current = (await client.get(f"/billing/invoices/{invoice['id']}")).json()
    assert (current["amount_credited"], current["balance"]) == ("30.00", "90.00")
