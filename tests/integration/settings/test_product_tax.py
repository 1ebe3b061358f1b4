"""Products that follow a named tax rate: their rate is the named one's, orders and invoices
compute tax from it, and a changed rate reaches them; a product's own rate stays the default."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import httpx

from pulse.bootstrap import Container
from tests.conftest import ClientFor
from tests.integration.auth.conftest import assert_problem, events_of
from tests.integration.billing.factories import invoice_of_order
from tests.integration.inventory.factories import make_product, new_sku
from tests.integration.orders.factories import make_customer, make_order


async def _rate(admin: httpx.AsyncClient, code: str, rate: str) -> None:
    body = {"code": code, "name": code.title(), "rate": rate}
    response = await admin.post("/settings/tax-rates", json=body)
    assert response.status_code == 201, response.text


async def _invoice(admin: httpx.AsyncClient, container: Container, sku: str) -> dict[str, Any]:
    customer = await make_customer(admin)
    order = await make_order(admin, customer["id"], [{"sku": sku, "qty": 2}])
    assert await container.bus.drain()
    return await invoice_of_order(admin, order["id"], customer["id"])


async def test_a_product_follows_its_named_rate_into_invoices(
    client_for: ClientFor, container: Container
) -> None:
    admin = client_for("admin")
    await _rate(admin, "standard", "0.2")
    following = await make_product(admin, price="10.00", tax_code="standard", qty_on_hand=20)
    own = await make_product(admin, price="10.00", tax_rate="0.2000", qty_on_hand=20)
    assert following["tax_rate"] == "0.2000" and following["tax_code"] == "standard"
    assert own["tax_code"] is None

    first = await _invoice(admin, container, following["sku"])
    assert first["tax"] == "4.00" and first["total"] == "24.00"

    changed = await admin.patch("/settings/tax-rates/standard", json={"rate": "0.19"})
    assert changed.status_code == 200, changed.text
    assert await container.bus.drain()

    followed = (await admin.get(f"/inventory/{following['sku']}")).json()
    assert followed["tax_rate"] == "0.1900"
    assert (await admin.get(f"/inventory/{own['sku']}")).json()["tax_rate"] == "0.2000"
    updates = [e.payload for e in await events_of(container, "product.updated")]
    assert {"sku": following["sku"], "changes": {"tax_rate": "0.1900"}} in updates
    second = await _invoice(admin, container, following["sku"])
    assert second["tax"] == "3.80" and second["total"] == "23.80"
    untouched = await _invoice(admin, container, own["sku"])
    assert untouched["tax"] == "4.00"
    refreshed = (await admin.get(f"/billing/invoices/{first['id']}")).json()
    assert refreshed["tax"] == "4.00", "an issued invoice keeps its tax"


async def test_naming_a_rate_is_checked(client_for: ClientFor, container: Container) -> None:
    admin = client_for("admin")
    await _rate(admin, "reduced", "0.05")
    await _rate(admin, "old", "0.07")
    assert (await admin.patch("/settings/tax-rates/old", json={"active": False})).status_code == 200

    def body(**fields: Any) -> dict[str, Any]:
        return {"sku": new_sku("TX"), "name": "Taxed", "price": "1.00", **fields}

    assert_problem(
        await admin.post("/inventory", json=body(tax_code="none")), 422, "unknown_tax_rate"
    )
    assert_problem(await admin.post("/inventory", json=body(tax_code="old")), 422)
    problem = assert_problem(
        await admin.post("/inventory", json=body(tax_code="reduced", tax_rate="0.2")), 422
    )
    assert problem["field"] == "tax_rate"
    assert_problem(await admin.post("/inventory", json=body(tax_code="Bad Code")), 422)

    product = await make_product(admin, tax_code="reduced", tax_rate="0.05")
    sku = product["sku"]
    # Its own rate while it follows a named one would be silently undone by the next change.
    refused = await admin.patch(f"/inventory/{sku}", json={"tax_rate": "0.1"})
    assert assert_problem(refused, 422)["field"] == "tax_rate"
    assert_problem(
        await client_for("clerk").patch(f"/inventory/{sku}", json={"tax_code": None}), 403
    )
    freed = await admin.patch(f"/inventory/{sku}", json={"tax_code": None, "tax_rate": "0.1"})
    assert freed.status_code == 200, freed.text
    assert freed.json()["tax_code"] is None and Decimal(freed.json()["tax_rate"]) == Decimal("0.1")
    back = await admin.patch(f"/inventory/{sku}", json={"tax_code": "reduced"})
    assert back.json()["tax_code"] == "reduced" and Decimal(back.json()["tax_rate"]) == Decimal(
        "0.05"
    )
