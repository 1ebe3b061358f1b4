"""Orders loaded from history get the invoices and payments they had, on their own dates;
their PDFs are rendered only when asked for."""

from __future__ import annotations

import uuid
from datetime import timedelta
from decimal import Decimal

import httpx

from pulse.bootstrap import Container
from pulse.orders.history import HistoricalOrder, import_orders
from pulse.platform.events import utcnow
from tests.integration.billing.factories import balances
from tests.integration.inventory.factories import make_product
from tests.integration.orders.factories import make_customer


async def test_imported_orders_are_booked_on_their_dates(
    client: httpx.AsyncClient, container: Container
) -> None:
    product = await make_product(client, price="10.00", tax_rate="0.2000")
    customer = await make_customer(client, payment_terms_days=30)
    long_ago = utcnow() - timedelta(days=90)
    history = [
        HistoricalOrder(uuid.UUID(customer["id"]), long_ago, status, ((product["sku"], 2),))
        for status in ("completed", "invoiced", "cancelled", "paid")
    ]
    async with container.uow(actor="import") as uow:
        assert await import_orders(uow, history) == 4
        await uow.commit()
    assert await container.bus.drain()

    page = (await client.get("/billing/invoices", params={"customer_id": customer["id"]})).json()
    assert page["total"] == 3  # the cancelled order had no invoice
    assert sorted(i["status"] for i in page["items"]) == ["issued", "paid", "paid"]
    for invoice in page["items"]:
        assert invoice["issue_date"] == long_ago.date().isoformat()
        assert invoice["total"] == "24.00"
    (unpaid,) = [i for i in page["items"] if i["status"] == "issued"]
    assert unpaid["overdue"] is True  # due 60 days ago
    overdue = (await client.get("/billing/invoices", params={"overdue": "true"})).json()
    assert [i["id"] for i in overdue["items"]] == [unpaid["id"]]
    roles = await balances(client)
    assert roles["receivables"] == Decimal("24.00")
    assert roles["bank"] == Decimal("48.00")
    assert roles["revenue"] == Decimal("60.00")

    # Imported orders stay as they were.
    statuses = sorted(
        o["status"]
        for o in (await client.get("/orders", params={"customer_id": customer["id"]})).json()[
            "items"
        ]
    )
    assert statuses == ["cancelled", "completed", "invoiced", "paid"]

    # No PDF was rendered for history; asking for one renders and keeps it.
    objects = container.settings.data_dir / "objects" / "invoices"
    assert not objects.exists() or not any(objects.rglob("*.pdf"))
    pdf = await client.get(f"/billing/invoices/{unpaid['id']}/pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")
    assert len(list(objects.rglob("*.pdf"))) == 1
